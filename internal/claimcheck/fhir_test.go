package claimcheck

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/medchain/medchain/internal/claims"
	"github.com/medchain/medchain/internal/fhirdoc"
)

func decidedClaim() (claims.Claim, claims.Decision) {
	d := claims.Decision{Round: 1, Status: claims.StatusPartly, Allowed: 17500, Payer: 14000, Patient: 3500, Items: []claims.ItemDecision{
		{Sequence: 1, Outcome: claims.OutcomeApproved, Allowed: 17500, Payer: 14000, Patient: 3500},
		{Sequence: 2, Outcome: claims.OutcomeDenied, Reason: claims.ReasonCodeNotCovered, Rule: claims.CheckCodes}}}
	c := claims.Claim{ID: "cl-0123456789abcdef01234567", Hash: strings.Repeat("ab", 32), Coverage: "cv-0123456789abcdef01234567",
		Patient: "pt-0a1b2c3d4e5f60718293", Plan: "acme-basic", Version: 1, Payer: "acme", Provider: "st-marys", Items: 2,
		Total: 21000, Currency: "USD", Status: claims.StatusPaid, Time: 1772409600, Decisions: []claims.Decision{d},
		Payment: &claims.Payment{ID: "py-0123456789abcdef01234567", Response: strings.Repeat("cd", 32), Amount: 14000, Currency: "USD", Time: 1772409700}}
	return c, d
}

// The FHIR resources built from the ledger are valid FHIR R4, and a
// ClaimResponse is the same bytes (and hash) every time.
func TestFHIROut(t *testing.T) {
	c, d := decidedClaim()
	cr, h := ClaimResponse(c, d)
	if _, err := fhirdoc.Validate(cr); err != nil {
		t.Errorf("ClaimResponse: %v\n%s", err, cr)
	}
	if again, h2 := ClaimResponse(c, d); string(again) != string(cr) || h2 != h || len(h) != 64 {
		t.Error("ClaimResponse differs between two builds")
	}
	for _, want := range []string{`"outcome":"partial"`, `"code":"code_not_covered"`, `"value":175.00`, `"created":"2026-03-02"`} {
		if !strings.Contains(string(cr), want) {
			t.Errorf("ClaimResponse lacks %s:\n%s", want, cr)
		}
	}
	v := plan()
	e := claims.Eligibility{Coverage: *coverage(), Day: "2026-03-02", Eligible: true, Version: &v}
	if _, err := fhirdoc.Validate(EligibilityResponse(e)); err != nil {
		t.Errorf("CoverageEligibilityResponse: %v", err)
	}
	e = claims.Eligibility{Coverage: *coverage(), Day: "2027-03-02", Reason: claims.ReasonOutsideCoverage, Version: &v}
	if b := EligibilityResponse(e); !strings.Contains(string(b), `"inforce":false`) || !strings.Contains(string(b), claims.ReasonOutsideCoverage) {
		t.Errorf("not eligible: %s", b)
	}
	pr, ok := PaymentReconciliation(c)
	if !ok {
		t.Fatal("no PaymentReconciliation of a paid claim")
	}
	if _, err := fhirdoc.Validate(pr); err != nil {
		t.Errorf("PaymentReconciliation: %v\n%s", err, pr)
	}
	c.Payment = nil
	if _, ok := PaymentReconciliation(c); ok {
		t.Error("a PaymentReconciliation of an unpaid claim")
	}
}

func TestUnixDate(t *testing.T) {
	for _, sec := range []int64{0, 86399, 951782400, 1709164800, 1767225610, 4102444800} {
		if got, want := unixDate(sec), time.Unix(sec, 0).UTC().Format(time.DateOnly); got != want {
			t.Errorf("unixDate(%d) = %s, want %s", sec, got, want)
		}
	}
}

// A FHIR Coverage maps to claims/record-coverage; the HL7 example (a
// patient by an example ID, no plan class) is refused with the element.
func TestParseCoverage(t *testing.T) {
	raw, _ := os.ReadFile("testdata/coverage-alice.json")
	m, err := ParseCoverage(raw)
	want := claims.RecordCoverage{Patient: "pt-0a1b2c3d4e5f60718293", Plan: "acme-basic", Start: "2026-01-01", End: "2026-12-31"}
	if err != nil || m != want {
		t.Errorf("ParseCoverage = %+v, %v", m, err)
	}
	raw, _ = os.ReadFile("testdata/fhir-r4/Coverage-9876B1.json")
	if _, err := ParseCoverage(raw); err == nil || !strings.Contains(err.Error(), "Coverage.beneficiary") {
		t.Errorf("HL7 example: %v, want a refusal naming Coverage.beneficiary", err)
	}
	alice, _ := os.ReadFile("testdata/coverage-alice.json")
	for _, c := range []struct{ from, to, want string }{
		{`"status": "active"`, `"status": "cancelled"`, "Coverage.status"},
		{`"value": "acme-basic"`, `"value": "x"`, "Coverage: plan"},
		{`"code": "plan"`, `"code": "group"`, "Coverage.class"},
		{`"end": "2026-12-31"`, `"end": "2025-12-31"`, "end: before start"},
		{`, "end": "2026-12-31"`, ``, "Coverage.period"},
	} {
		doc := strings.Replace(string(alice), c.from, c.to, 1)
		if _, err := ParseCoverage([]byte(doc)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error naming %q", c.to, err, c.want)
		}
	}
}
