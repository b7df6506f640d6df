package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/medchain/medchain/internal/claimcheck"
	"github.com/medchain/medchain/internal/claims"
	"github.com/medchain/medchain/internal/governance"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/tx"
)

// Claims measures claims end to end: half the timed txs are claims/submit
// (the hospital anchors a claim: its hash, coverage, plan version, items
// and total), half are claims/adjudicate of a claim submitted in the
// setup (per-item decisions checked against the plan: items, amounts, the
// patient's share, rule IDs). claims/s is half the committed tx/s, and so
// is decisions/s; the p99 commit latency of the run is the p99 latency to
// a decision. Every claim document is a real FHIR R4 Claim of two items,
// judged once by the shared pre-check code (claimcheck) while the plan is
// prepared: the timed path is the chain's, not the pre-check's (measured
// by go test ./internal/claimcheck -bench Precheck).
//
// The setup admits an insurer by a proposal of the admin (Env.Admin, a
// hospital's admin in the one-organisation network bench starts), whose
// admin publishes a plan and records the coverage of a patient who
// registers; the hospital's admin submits the claims the timed
// adjudications decide.
type Claims struct{}

func (Claims) Name() string { return "claims" }

// benchClaim is a claim document of the bench: two items (a wellness visit
// and a cane) for patient under coverage, numbered i so that each has a
// hash of its own.
func benchClaim(i int, patient, coverage, day string) []byte {
	return []byte(strings.NewReplacer("PATIENT", patient, "COVERAGE", coverage, "DAY", day, "NUM", fmt.Sprint(i)).Replace(`{"resourceType": "Claim",
 "identifier": [{"system": "urn:medchain:bench", "value": "NUM"}], "status": "active", "use": "claim", "created": "DAY",
 "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "professional"}]},
 "patient": {"reference": "Patient/PATIENT"}, "insurer": {"reference": "Organization/INSURER"},
 "provider": {"reference": "Organization/general-hospital"}, "priority": {"coding": [{"code": "normal"}]},
 "diagnosis": [{"sequence": 1, "diagnosisCodeableConcept": {"coding": [{"code": "Z71.88"}]}}],
 "insurance": [{"sequence": 1, "focal": true, "coverage": {"reference": "Coverage/COVERAGE"}}],
 "item": [{"sequence": 1, "productOrService": {"coding": [{"code": "G0438"}]}, "servicedDate": "DAY", "net": {"value": 175.00, "currency": "USD"}},
  {"sequence": 2, "productOrService": {"coding": [{"code": "E0100"}]}, "servicedDate": "DAY", "net": {"value": 35.00, "currency": "USD"}}]}`))
}

func (Claims) Prepare(ctx context.Context, env Env, n int) (Plan, error) {
	if env.Admin == nil {
		return Plan{}, fmt.Errorf("bench: the claims workload admits an insurer by proposal and submits as a hospital: it needs a hospital admin's key (--as NAME against a running node)")
	}
	if n < 2 {
		return Plan{}, fmt.Errorf("bench: claims: at least 2 txs (a submission and a decision)")
	}
	decisions := n / 2
	sign := env.signer()
	insurer, patient := ed25519.GenPrivKey(), ed25519.GenPrivKey()
	tag := fmt.Sprintf("%x", insurer.PubKey().Bytes()[:4])
	insurerID, planID := "bench-insurer-"+tag, "bench-plan-"+tag
	admit, err := json.Marshal(governance.AdmitOrg{ID: insurerID, Name: "Bench Insurer " + tag, Kind: ledger.OrgInsurer,
		Admin: "admin", AdminKey: tx.PubKey(insurer.PubKey().Bytes())})
	if err != nil {
		return Plan{}, err
	}
	var adminNonce uint64
	adminNonce++
	propose, err := sign(env.Admin, adminNonce, governance.TypePropose, governance.Propose{
		Action: governance.Action{Type: governance.ActionAdmitOrg, Payload: admit}, Title: "bench: an insurer for the claims workload"})
	if err != nil {
		return Plan{}, err
	}
	register, err := sign(patient, 1, identity.TypeRegisterPatient, json.RawMessage(`{}`))
	if err != nil {
		return Plan{}, err
	}
	pt := identity.PatientID(tx.PubKey(patient.PubKey().Bytes()))
	// The plan takes effect, and the services are, today (UTC): a plan's
	// first version may not take effect in the past (block time).
	day := time.Now().UTC().Format(time.DateOnly)
	rs := claims.RuleSet{Currency: "USD", Effective: day,
		Required:  []string{"Claim.patient", "Claim.insurer", "Claim.diagnosis", "Claim.item.productOrService", "Claim.item.net"},
		Diagnoses: []string{"Z7188"}, Services: []claims.Service{{Code: "E0100", Fee: 3500, MaxUnits: 1}, {Code: "G0438", Fee: 17500}},
		PatientShareBP: 2000, Rules: []claims.Rule{{ID: "wellness-once", Expr: "service != 'G0438' || units == 1", Reason: claims.ReasonBenefitLimit}}}
	var insurerNonce uint64
	ins := func(typ string, msg any) ([]byte, error) {
		insurerNonce++
		return sign(insurer, insurerNonce, typ, msg)
	}
	publish, err := ins(claims.TypePublishPlan, claims.PublishPlan{Plan: planID, RuleSet: rs})
	if err != nil {
		return Plan{}, err
	}
	cover, err := ins(claims.TypeRecordCoverage, claims.RecordCoverage{Patient: pt, Plan: planID, Start: day, End: "2099-12-31"})
	if err != nil {
		return Plan{}, err
	}
	coverage := ledger.IDFrom("cv-", tx.HashOf(cover))
	// One judgement serves every claim (they differ only in their number):
	// the decision the timed adjudications record.
	pv := claims.PlanVersion{Plan: planID, Version: 1, Payer: insurerID, RuleSet: rs, Hash: rs.Hash()}
	cv := claims.Coverage{ID: coverage, Patient: pt, Plan: planID, Payer: insurerID, Start: day, End: "2099-12-31", Status: claims.CoverageActive}
	doc := func(i int) []byte {
		return []byte(strings.Replace(string(benchClaim(i, pt, coverage, day)), "INSURER", insurerID, 1))
	}
	view, err := claimcheck.Parse(doc(0))
	if err != nil {
		return Plan{}, err
	}
	judged := claimcheck.Judge(view, pv, &cv)
	if !judged.Pass {
		return Plan{}, fmt.Errorf("bench: claims: the bench claim does not pass: %+v", judged.Problems)
	}
	hashOf := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	submit := func(i int, nonce uint64) ([]byte, error) {
		return sign(env.Admin, nonce, claims.TypeSubmit, claims.Submit{Coverage: coverage, Version: 1, Hash: hashOf(doc(i)),
			Items: len(view.Items), Total: view.Total, Currency: "USD", Prechecked: true})
	}
	// The claims the timed adjudications decide, submitted in the setup.
	var stage3 [][]byte
	ids := make([]string, decisions)
	for i := range decisions {
		adminNonce++
		b, err := submit(i, adminNonce)
		if err != nil {
			return Plan{}, err
		}
		ids[i] = ledger.IDFrom("cl-", tx.HashOf(b))
		stage3 = append(stage3, b)
	}
	base, insBase := adminNonce, insurerNonce
	txs, err := signAll(ctx, n, env.Progress, func(i int) ([]byte, error) {
		if i%2 == 1 && i/2 < decisions {
			resp := hashOf([]byte("bench ClaimResponse of " + ids[i/2]))
			return sign(insurer, insBase+uint64(i)+1, claims.TypeAdjudicate, claims.Adjudicate{Claim: ids[i/2], Version: 1, Response: resp, Items: judged.Items})
		}
		return submit(decisions+i, base+uint64(i)+1)
	})
	return Plan{Setup: [][]byte{propose, register}, SetupStages: [][][]byte{{publish}, {cover}, stage3}, Txs: txs}, err
}
