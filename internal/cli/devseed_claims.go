package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/client/keystore"
	"github.com/medchain/medchain/internal/claimcheck"
	"github.com/medchain/medchain/internal/claims"
)

// DemoPlan is the dev seed's plan of acme-health: version 1, in force from
// the day the node starts.
func demoPlan(today string) client.PublishPlan {
	return client.PublishPlan{Plan: "acme-basic", Currency: "USD", Effective: today,
		Required:  []string{"Claim.patient", "Claim.insurer", "Claim.diagnosis", "Claim.item.productOrService", "Claim.item.servicedDate", "Claim.item.net"},
		Diagnoses: []string{"E8721", "J9587", "Z7188"},
		Services: []client.PlanService{{Code: "A0428", Fee: 45000, PriorAuth: true}, {Code: "E0100", Fee: 3500, MaxUnits: 1},
			{Code: "G0438", Fee: 17500}},
		PatientShareBP: 2000,
		Rules:          []client.BenefitRule{{ID: "wellness-once", Expr: "service != 'G0438' || units == 1", Reason: "benefit_limit"}}}
}

// demoClaim is a FHIR R4 Claim of St Mary's to acme-health for patient
// under coverage on day: an annual wellness visit and a cane.
func demoClaim(patient, coverage, day string) []byte {
	return []byte(strings.NewReplacer("PATIENT", patient, "COVERAGE", coverage, "DAY", day).Replace(`{
  "resourceType": "Claim",
  "status": "active",
  "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "professional"}]},
  "use": "claim",
  "patient": {"reference": "Patient/PATIENT"},
  "created": "DAY",
  "insurer": {"reference": "Organization/acme-health"},
  "provider": {"reference": "Organization/st-marys-hospital"},
  "priority": {"coding": [{"code": "normal"}]},
  "diagnosis": [{"sequence": 1, "diagnosisCodeableConcept": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "Z71.88"}]}}],
  "insurance": [{"sequence": 1, "focal": true, "coverage": {"reference": "Coverage/COVERAGE"}}],
  "item": [
    {"sequence": 1, "productOrService": {"coding": [{"system": "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets", "code": "G0438"}]},
     "servicedDate": "DAY", "net": {"value": 175.00, "currency": "USD"}},
    {"sequence": 2, "productOrService": {"coding": [{"system": "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets", "code": "E0100"}]},
     "servicedDate": "DAY", "net": {"value": 35.00, "currency": "USD"}}
  ]
}
`))
}

// seedClaims seeds the claims demo: acme-health's plan, coverage for alice
// and bob, and one claim of St Mary's for alice from pre-check to payment.
// It returns the claim's ID.
func seedClaims(ctx context.Context, c *client.Client, ks *keystore.Store, now time.Time) (string, error) {
	signer := demoKeys{c: c, ks: ks}.signer
	officer, err := signer("claims-officer")
	if err != nil {
		return "", err
	}
	doctor, err := signer("dr-grey")
	if err != nil {
		return "", err
	}
	send := func(s *client.Signer, msg client.Msg, out any) error {
		res, err := c.Send(ctx, s, msg)
		if err != nil {
			return fmt.Errorf("%s: %w", msg.MsgType(), err)
		}
		if out != nil {
			return res.Decode(out)
		}
		return nil
	}
	today := now.UTC().Format(time.DateOnly)
	if err := send(officer, demoPlan(today), nil); err != nil {
		return "", err
	}
	end := now.AddDate(1, 0, -1).UTC().Format(time.DateOnly)
	var alice client.Coverage
	for _, name := range []string{"alice", "bob"} {
		e, err := ks.Get(name)
		if err != nil {
			return "", err
		}
		var cv client.Coverage
		if err := send(officer, client.RecordCoverage{Patient: e.Identity, Plan: "acme-basic", Start: today, End: end}, &cv); err != nil {
			return "", err
		}
		if name == "alice" {
			alice = cv
		}
	}
	doc := demoClaim(alice.Patient, alice.ID, today)
	view, err := claimcheck.Parse(doc)
	if err != nil {
		return "", err
	}
	pre, err := c.As(doctor).Precheck(ctx, doc, "acme-basic", 0)
	if err != nil {
		return "", err
	}
	var created client.Created
	if err := send(doctor, client.SubmitClaim{Coverage: alice.ID, Version: pre.Version, Hash: pre.Claim, Items: len(view.Items),
		Total: view.Total, Currency: view.Currency, Prechecked: pre.Pass}, &created); err != nil {
		return "", err
	}
	// The payer adjudicates with the same code and version, then pays.
	sc, err := c.As(officer).Claim(ctx, created.ID)
	if err != nil {
		return "", err
	}
	var lc claims.Claim
	var pv claims.PlanVersion
	v, err := c.PlanInForce(ctx, "acme-basic", today)
	if err != nil {
		return "", err
	}
	if err := recast(sc, &lc); err != nil {
		return "", err
	}
	if err := recast(v, &pv); err != nil {
		return "", err
	}
	var cov claims.Coverage
	if err := recast(alice, &cov); err != nil {
		return "", err
	}
	r := claimcheck.Judge(view, pv, &cov)
	adj, _ := claimcheck.Adjudication(lc, r.Items)
	var msg client.Adjudicate
	if err := recast(adj, &msg); err != nil {
		return "", err
	}
	if err := send(officer, msg, nil); err != nil {
		return "", err
	}
	if err := send(officer, client.PayClaim{Claim: created.ID, Response: msg.Response, Amount: r.Payer, Currency: "USD"}, nil); err != nil {
		return "", err
	}
	return created.ID, nil
}

// recast copies v into out through JSON: an SDK type into the module's.
func recast(v, out any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}
