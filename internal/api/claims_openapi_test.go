package api_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/medchain/medchain/internal/claimcheck"
	"github.com/medchain/medchain/internal/claims"
)

// claimFor is a FHIR Claim of general-hospital to acme-insurance for the
// patient under coverage: a wellness visit (G0438) at 175.00.
func claimFor(patient, coverage, price string) []byte {
	return []byte(`{"resourceType": "Claim", "status": "active", "use": "claim", "created": "2026-03-02",
 "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "professional"}]},
 "patient": {"reference": "Patient/` + patient + `"}, "insurer": {"reference": "Organization/acme-insurance"},
 "provider": {"reference": "Organization/general-hospital"}, "priority": {"coding": [{"code": "normal"}]},
 "diagnosis": [{"sequence": 1, "diagnosisCodeableConcept": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "Z71.88"}]}}],
 "insurance": [{"sequence": 1, "focal": true, "coverage": {"reference": "Coverage/` + coverage + `"}}],
 "item": [{"sequence": 1, "productOrService": {"coding": [{"code": "G0438"}]}, "servicedDate": "2026-03-02", "net": {"value": ` + price + `, "currency": "USD"}}]}`)
}

// The claims routes answer as openapi.json says: plans and their history
// with proofs, the pre-check (coverage judged only for an entitled
// caller), coverage and eligibility (JSON and FHIR), a claim, its
// ClaimResponse (whose hash the ledger holds) and PaymentReconciliation,
// lists and totals, and the refusals.
func TestClaimsMatchOpenAPI(t *testing.T) {
	s := seedPrivate(t)
	e := s.env

	var plans struct {
		Items []claims.Plan `json:"items"`
	}
	e.get("/v1/plans", http.StatusOK, &plans)
	if len(plans.Items) != 1 || plans.Items[0].ID != "acme-basic" || plans.Items[0].Payer != "acme-insurance" {
		t.Fatalf("plans: %+v", plans)
	}
	var plan struct {
		Versions []claims.PlanVersion `json:"versions"`
		Proofs   []json.RawMessage    `json:"proofs"`
	}
	e.get("/v1/plans/acme-basic?prove=true", http.StatusOK, &plan)
	if len(plan.Versions) != 1 || len(plan.Proofs) != 2 {
		t.Fatalf("plan: %+v", plan)
	}
	e.get("/v1/plans/acme-basic/in-force?date=2026-03-02", http.StatusOK, nil)
	e.supplyProblem("/v1/plans/acme-basic/in-force?date=2025-12-31", http.StatusNotFound, "claims.not_found", "")
	e.supplyProblem("/v1/plans/acme-basic/in-force?date=March", http.StatusBadRequest, "api.invalid_parameter", "date")
	e.supplyProblem("/v1/plans/acme-gold", http.StatusNotFound, "claims.not_found", "")

	// Pre-check: unsigned, the coverage is not judged; signed by the
	// patient, it is. The same claim over the schedule gets the problem.
	doc := claimFor(s.patient, s.coverage, "175.00")
	var r struct {
		claimcheck.Result
		CoverageChecked bool `json:"coverage_checked"`
	}
	e.post("/v1/claims/precheck?plan=acme-basic", "application/fhir+json", doc, http.StatusOK, &r)
	sum := sha256.Sum256(doc)
	if !r.Pass || r.CoverageChecked || r.Payer != 14000 || r.Patient != 3500 || r.Claim != hex.EncodeToString(sum[:]) || r.Version != 1 {
		t.Fatalf("precheck unsigned: %+v", r)
	}
	resp, body := e.doAs(keyPatient, http.MethodPost, "/v1/claims/precheck?plan=acme-basic", "application/fhir+json", doc)
	if json.Unmarshal(body, &r) != nil || resp.StatusCode != http.StatusOK || !r.CoverageChecked || !r.Pass {
		t.Fatalf("precheck signed by the patient: %d %s", resp.StatusCode, body)
	}
	resp, body = e.doAs(keyStranger, http.MethodPost, "/v1/claims/precheck?plan=acme-basic", "application/fhir+json", doc)
	if json.Unmarshal(body, &r) != nil || resp.StatusCode != http.StatusOK || r.CoverageChecked {
		t.Fatalf("precheck signed by a stranger judged the coverage: %d %s", resp.StatusCode, body)
	}
	e.post("/v1/claims/precheck?plan=acme-basic", "application/fhir+json", claimFor(s.patient, s.coverage, "200.00"), http.StatusOK, &r)
	if r.Pass || len(r.Problems) != 1 || r.Problems[0].Code != claims.ReasonOverSchedule || r.Problems[0].Path != "Claim.item[0].net" || r.Allowed != 17500 {
		t.Fatalf("over the schedule: %+v", r)
	}
	example, err := os.ReadFile("../claimcheck/testdata/fhir-r4/Claim-100150.json")
	if err != nil {
		t.Fatal(err)
	}
	e.post("/v1/claims/precheck?plan=acme-basic", "application/fhir+json", example, http.StatusOK, &r)
	if r.Pass || r.Status != claims.StatusDenied {
		t.Fatalf("HL7 example: %+v", r)
	}
	for _, c := range []struct {
		path, body string
		status     int
		code       string
	}{
		{"/v1/claims/precheck?plan=acme-basic", `{"resourceType": "Claim", "status": "sent"}`, http.StatusBadRequest, "claims.invalid_document"},
		{"/v1/claims/precheck?plan=acme-basic", `{"resourceType": "Patient"}`, http.StatusBadRequest, "claims.invalid_document"},
		{"/v1/claims/precheck?plan=acme-gold", string(doc), http.StatusNotFound, "claims.not_found"},
		{"/v1/claims/precheck", string(doc), http.StatusBadRequest, "api.invalid_parameter"},
		{"/v1/claims/precheck?plan=acme-basic&version=7", string(doc), http.StatusNotFound, "claims.not_found"},
	} {
		resp, body := e.do(http.MethodPost, c.path, "application/fhir+json", []byte(c.body))
		wantProblem(t, resp, body, c.status, c.code)
	}

	// Coverage from FHIR: only pseudonym, plan and period come through.
	var draft struct {
		Type string                `json:"type"`
		Msg  claims.RecordCoverage `json:"msg"`
	}
	e.post("/v1/coverage/fhir", "application/fhir+json", []byte(`{"resourceType": "Coverage", "status": "active",
 "beneficiary": {"reference": "Patient/`+s.patient+`"}, "payor": [{"reference": "Organization/acme-insurance"}],
 "class": [{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/coverage-class", "code": "plan"}]}, "value": "acme-basic"}],
 "period": {"start": "2026-01-01", "end": "2026-12-31"}}`), http.StatusOK, &draft)
	if draft.Type != claims.TypeRecordCoverage || draft.Msg != (claims.RecordCoverage{Patient: s.patient, Plan: "acme-basic", Start: "2026-01-01", End: "2026-12-31"}) {
		t.Fatalf("coverage draft: %+v", draft)
	}
	resp, body = e.do(http.MethodPost, "/v1/coverage/fhir", "application/fhir+json", []byte(`{"resourceType": "Coverage", "status": "active"}`))
	wantProblem(t, resp, body, http.StatusBadRequest, "claims.invalid_document")

	// Coverage and eligibility: the patient and the payer; not a stranger,
	// not unsigned; an unknown ID refused alike.
	var cov claims.Coverage
	e.getAs(keyPatient, "/v1/coverage/"+s.coverage, http.StatusOK, &cov)
	e.getAs("claims", "/v1/coverage/"+s.coverage, http.StatusOK, nil)
	e.getAs(keyStranger, "/v1/coverage/"+s.coverage, http.StatusForbidden, nil)
	e.getAs(keyStranger, "/v1/coverage/cv-000000000000000000000000", http.StatusForbidden, nil)
	e.supplyProblem("/v1/coverage/"+s.coverage, http.StatusUnauthorized, "api.unauthenticated", "")
	var el claims.Eligibility
	e.getAs(keyPatient, "/v1/coverage/"+s.coverage+"/eligibility?date=2027-02-01", http.StatusOK, &el)
	if el.Eligible || el.Reason != claims.ReasonOutsideCoverage {
		t.Fatalf("eligibility outside the period: %+v", el)
	}
	fhir := e.getAs(keyPatient, "/v1/coverage/"+s.coverage+"/eligibility?date=2026-03-02&format=fhir", http.StatusOK, nil)
	if !strings.Contains(string(fhir), `"resourceType":"CoverageEligibilityResponse"`) || !strings.Contains(string(fhir), `"inforce":true`) {
		t.Fatalf("eligibility FHIR: %s", fhir)
	}
	var covs struct {
		Items []claims.Coverage `json:"items"`
	}
	e.getAs(keyPatient, "/v1/patients/"+s.patient+"/coverage", http.StatusOK, &covs)
	if len(covs.Items) != 1 || covs.Items[0].ID != s.coverage {
		t.Fatalf("patient coverage: %+v", covs)
	}
	e.getAs("claims", "/v1/patients/"+s.patient+"/coverage", http.StatusForbidden, nil)

	// The claim, its ClaimResponse (the ledger holds its hash) and payment.
	var cl claims.Claim
	e.getAs("dr-grey", "/v1/claims/"+s.claim+"?prove=true", http.StatusOK, &cl)
	if cl.Status != claims.StatusPaid || len(cl.Decisions) != 1 || cl.Payment == nil || cl.Payment.Amount != 14000 {
		t.Fatalf("claim: %+v", cl)
	}
	cr := e.getAs(keyPatient, "/v1/claims/"+s.claim+"/response", http.StatusOK, nil)
	if sum := sha256.Sum256(cr); hex.EncodeToString(sum[:]) != cl.Decisions[0].Response {
		t.Fatalf("the ClaimResponse served does not hash to the decision's response %s:\n%s", cl.Decisions[0].Response, cr)
	}
	pr := e.getAs("claims", "/v1/claims/"+s.claim+"/payment", http.StatusOK, nil)
	if !strings.Contains(string(pr), `"resourceType":"PaymentReconciliation"`) {
		t.Fatalf("payment: %s", pr)
	}
	e.getAs(keyStranger, "/v1/claims/"+s.claim, http.StatusForbidden, nil)
	e.supplyProblem("/v1/claims/"+s.claim, http.StatusUnauthorized, "api.unauthenticated", "")
	e.getAs("dr-grey", "/v1/claims/cl-1", http.StatusBadRequest, nil)

	var page struct {
		Items []claims.Claim `json:"items"`
	}
	e.getAs("dr-grey", "/v1/claims?provider=general-hospital", http.StatusOK, &page)
	if len(page.Items) != 1 || page.Items[0].ID != s.claim {
		t.Fatalf("provider's claims: %+v", page)
	}
	e.getAs("dr-grey", "/v1/claims?payer=acme-insurance", http.StatusForbidden, nil)
	e.getAs("dr-grey", "/v1/claims?provider=general-hospital&patient="+s.patient, http.StatusBadRequest, nil)
	var rc claims.Reconciliation
	e.getAs(keyPatient, "/v1/claims/reconciliation?of="+s.patient, http.StatusOK, &rc)
	if len(rc.Totals) != 1 || rc.Totals[0].Paid != 14000 || rc.Totals[0].Owed != 0 || rc.Totals[0].Patient != 3500 {
		t.Fatalf("reconciliation: %+v", rc)
	}
	e.getAs(keyStranger, "/v1/claims/reconciliation?of=general-hospital", http.StatusForbidden, nil)
}
