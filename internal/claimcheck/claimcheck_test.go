package claimcheck

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/medchain/medchain/internal/claims"
	"github.com/medchain/medchain/internal/fhirdoc"
)

var update = flag.Bool("update", false, "rewrite testdata/judge.golden")

// plan is the plan of the claims scripts (internal/claims/testdata):
// acme-basic version 1.
func plan() claims.PlanVersion {
	rs := claims.RuleSet{
		Currency: "USD", Effective: "2026-01-01",
		Required:  []string{"Claim.patient", "Claim.insurer", "Claim.diagnosis", "Claim.item.productOrService", "Claim.item.servicedDate", "Claim.item.net"},
		Diagnoses: []string{"E8721", "J9587", "Z7188"},
		Services: []claims.Service{{Code: "A0428", Fee: 45000, PriorAuth: true}, {Code: "E0100", Fee: 3500, MaxUnits: 1},
			{Code: "G0438", Fee: 17500}},
		PatientShareBP: 2000,
		Rules:          []claims.Rule{{ID: "wellness-once", Expr: "service != 'G0438' || units == 1", Reason: claims.ReasonBenefitLimit}},
	}
	return claims.PlanVersion{Plan: "acme-basic", Version: 1, Payer: "acme", RuleSet: rs, Hash: rs.Hash()}
}

func coverage() *claims.Coverage {
	return &claims.Coverage{ID: "cv-0123456789abcdef01234567", Patient: "pt-0a1b2c3d4e5f60718293", Plan: "acme-basic",
		Payer: "acme", Start: "2026-01-01", End: "2026-12-31", Status: claims.CoverageActive}
}

func judgeFile(t testing.TB, path string, cv *claims.Coverage) (Result, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := Parse(raw)
	if err != nil {
		return Result{}, err
	}
	return Judge(v, plan(), cv), nil
}

// Every FHIR R4 example Claim (testdata/fhir-r4, from the HL7 examples)
// and every claim of ours gets a clear outcome under acme-basic: which
// problems, at which element, and the decision. The examples are coded in
// example code systems, reference example IDs and are for another payer,
// so none passes; what matters is that each problem is named.
func TestExamples(t *testing.T) {
	files, _ := filepath.Glob("testdata/fhir-r4/Claim-*.json")
	ours, _ := filepath.Glob("testdata/claim-*.json")
	if len(files) != 11 || len(ours) == 0 {
		t.Fatalf("testdata: %d example claims, %d of ours", len(files), len(ours))
	}
	var b strings.Builder
	for _, f := range append(files, ours...) {
		var cv *claims.Coverage
		if !strings.Contains(f, "fhir-r4") {
			cv = coverage()
		}
		r, err := judgeFile(t, f, cv)
		fmt.Fprintf(&b, "== %s\n", filepath.Base(f))
		if err != nil {
			fmt.Fprintf(&b, "error %v\n", err)
			continue
		}
		fmt.Fprintf(&b, "pass=%v status=%s claimed=%d allowed=%d payer=%d patient=%d\n", r.Pass, r.Status, r.Claimed, r.Allowed, r.Payer, r.Patient)
		for _, p := range r.Problems {
			fmt.Fprintf(&b, "problem %s at %s (item %d): %s\n", p.Code, p.Path, p.Item, p.Msg)
		}
		for _, d := range r.Items {
			fmt.Fprintf(&b, "item %d %s %s %s allowed=%d payer=%d patient=%d\n", d.Sequence, d.Outcome, d.Reason, d.Rule, d.Allowed, d.Payer, d.Patient)
		}
	}
	golden := "testdata/judge.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("judgements differ from %s (run with -update and read the diff):\n%s", golden, got)
	}
}

// A claim that meets the plan passes, with the amounts worked out by hand:
// G0438 at 175.00 (schedule 175.00) and one E0100 at 35.00; the patient
// pays 20% of each, rounded down.
func TestPass(t *testing.T) {
	r, err := judgeFile(t, "testdata/claim-pass.json", coverage())
	if err != nil {
		t.Fatal(err)
	}
	if !r.Pass || len(r.Problems) != 0 || r.Status != claims.StatusApproved {
		t.Fatalf("pass=%v status=%s problems=%v", r.Pass, r.Status, r.Problems)
	}
	want := []claims.ItemDecision{
		{Sequence: 1, Outcome: claims.OutcomeApproved, Allowed: 17500, Payer: 14000, Patient: 3500},
		{Sequence: 2, Outcome: claims.OutcomeApproved, Allowed: 3500, Payer: 2800, Patient: 700},
	}
	if !slices.Equal(r.Items, want) || r.Payer != 16800 || r.Patient != 4200 || r.Claimed != 21000 {
		t.Errorf("items %+v payer %d patient %d claimed %d", r.Items, r.Payer, r.Patient, r.Claimed)
	}
	if r.RuleSet != plan().Hash || len(r.Claim) != 64 || r.Version != 1 {
		t.Errorf("result names rule set %q version %d claim %q", r.RuleSet, r.Version, r.Claim)
	}
}

// Every problem is reported at once, each at its element.
func TestEveryProblemAtOnce(t *testing.T) {
	r, err := judgeFile(t, "testdata/claim-problems.json", coverage())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range r.Problems {
		got = append(got, p.Code+"@"+p.Path)
	}
	want := []string{
		"unknown_code@Claim.diagnosis[1].diagnosisCodeableConcept.coding[0].code",
		"missing_element@Claim.insurer",
		"code_not_covered@Claim.item[1].productOrService",
		"prior_auth_required@Claim.insurance.preAuthRef",
		"over_schedule@Claim.item[0].net",
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("missing problem %s in %v", w, got)
		}
	}
	if r.Pass || r.Status != claims.StatusDenied {
		t.Errorf("pass=%v status=%s, want a denial (insurer missing denies every item)", r.Pass, r.Status)
	}
}

// Without the claim-level problems (the insurer, the malformed diagnosis), the same claim is partly approved: the
// wellness visit reduced to the schedule, the others denied.
func TestItemDecisions(t *testing.T) {
	raw, _ := os.ReadFile("testdata/claim-problems.json")
	fixed := strings.Replace(string(raw), `"provider":`, `"insurer": {"reference": "Organization/acme"}, "provider":`, 1)
	fixed = strings.Replace(fixed, `"123456"`, `"E87.21"`, 1)
	v, err := Parse([]byte(fixed))
	if err != nil {
		t.Fatal(err)
	}
	r := Judge(v, plan(), coverage())
	want := []claims.ItemDecision{
		{Sequence: 1, Outcome: claims.OutcomeReduced, Reason: claims.ReasonOverSchedule, Rule: claims.CheckSchedule, Allowed: 17500, Payer: 14000, Patient: 3500},
		{Sequence: 2, Outcome: claims.OutcomeDenied, Reason: claims.ReasonCodeNotCovered, Rule: claims.CheckCodes},
		{Sequence: 3, Outcome: claims.OutcomeDenied, Reason: claims.ReasonPriorAuth, Rule: claims.CheckPriorAuth},
	}
	if !slices.Equal(r.Items, want) || r.Status != claims.StatusPartly {
		t.Errorf("status %s items\n%+v\nwant\n%+v", r.Status, r.Items, want)
	}
}

// The decision Judge gives is one the chain accepts: each item passes
// claims/adjudicate's own form check.
func TestDecisionsAreWellFormed(t *testing.T) {
	files, _ := filepath.Glob("testdata/claim-*.json")
	for _, f := range files {
		r, err := judgeFile(t, f, coverage())
		if err != nil {
			continue
		}
		m := claims.Adjudicate{Claim: "cl-0123456789abcdef01234567", Version: 1, Response: strings.Repeat("a", 64), Items: r.Items}
		if err := m.Validate(); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// Invalid FHIR is an error naming the element, and changes nothing; a
// resource that is not a Claim is refused.
func TestInvalid(t *testing.T) {
	for _, c := range []struct{ doc, want string }{
		{`{"resourceType": "Claim", "status": "sent"}`, "Claim.status"},
		{`not json`, "JSON"},
		{`{"resourceType": "Claim", "status": "active", "created": "yesterday"}`, "Claim.created"},
	} {
		_, err := Parse([]byte(c.doc))
		if !errors.Is(err, fhirdoc.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an invalid-FHIR error naming %s", c.doc, err, c.want)
		}
	}
	raw, _ := os.ReadFile("testdata/fhir-r4/Coverage-9876B1.json")
	if _, err := Parse(raw); !errors.Is(err, ErrNotClaim) {
		t.Errorf("a Coverage: %v, want ErrNotClaim", err)
	}
}

// Amounts are exact: decimals become minor units without floating point;
// more decimals than the currency has are a problem, not a rounding.
func TestMoney(t *testing.T) {
	for _, c := range []struct {
		value, currency string
		want            int64
		ok              bool
	}{
		{"175", "USD", 17500, true}, {"175.5", "USD", 17550, true}, {"0.07", "USD", 7, true},
		{"35.005", "USD", 0, false}, {"1e3", "USD", 0, false}, {"-5", "USD", 0, false},
		{"1200", "JPY", 1200, true}, {"1.5", "JPY", 0, false}, {"1.234", "KWD", 1234, true},
		{"10000000000.01", "USD", 0, false},
	} {
		v := View{present: map[string]bool{}}
		got, _ := v.money("x", 0, &fMoney{Value: jsonNumber(c.value), Currency: c.currency})
		if got != c.want || (len(v.problems) == 0) != c.ok {
			t.Errorf("%s %s: %d problems %v, want %d ok=%v", c.value, c.currency, got, v.problems, c.want, c.ok)
		}
	}
}

// Benchmark of the pre-check (parse with FHIR validation, then judge) of
// a two-item claim. Goal: p99 under 5 ms (the issue); reported as p99-µs
// next to the mean.
func BenchmarkPrecheck(b *testing.B) {
	raw, err := os.ReadFile("testdata/claim-pass.json")
	if err != nil {
		b.Fatal(err)
	}
	pv, cv := plan(), coverage()
	var lat []time.Duration
	for b.Loop() {
		start := time.Now()
		v, err := Parse(raw)
		if err != nil {
			b.Fatal(err)
		}
		if r := Judge(v, pv, cv); !r.Pass {
			b.Fatal("claim does not pass")
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

func jsonNumber(s string) json.Number { return json.Number(s) }

// The coverage the claim is judged against: another plan's, another
// patient's, another coverage than the claim names, cancelled, or not
// taking in the service date, each a problem at its element; and a
// service before the version took effect.
func TestCoverageProblems(t *testing.T) {
	raw, err := os.ReadFile("testdata/claim-pass.json")
	if err != nil {
		t.Fatal(err)
	}
	v, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		edit func(cv *claims.Coverage, pv *claims.PlanVersion)
		code string
		path string
	}{
		{"another plan", func(cv *claims.Coverage, _ *claims.PlanVersion) { cv.Plan = "acme-gold" }, claims.ReasonWrongPayer, "Claim.insurance.coverage"},
		{"another coverage", func(cv *claims.Coverage, _ *claims.PlanVersion) { cv.ID = "cv-ffffffffffffffffffffffff" }, claims.ReasonInvalidElement, "Claim.insurance.coverage"},
		{"another patient", func(cv *claims.Coverage, _ *claims.PlanVersion) { cv.Patient = "pt-ffffffffffffffffffff" }, claims.ReasonInvalidElement, "Claim.patient"},
		{"cancelled", func(cv *claims.Coverage, _ *claims.PlanVersion) { cv.Status = claims.CoverageCancelled }, claims.ReasonCoverageInactive, "Claim.insurance.coverage"},
		{"ended", func(cv *claims.Coverage, _ *claims.PlanVersion) { cv.End = "2026-02-28" }, claims.ReasonOutsideCoverage, "Claim.item[0].servicedDate"},
		{"version later", func(_ *claims.Coverage, pv *claims.PlanVersion) { pv.Effective = "2026-04-01" }, claims.ReasonNotPlanVersion, "Claim.item[0].servicedDate"},
	} {
		cv, pv := coverage(), plan()
		c.edit(cv, &pv)
		r := Judge(v, pv, cv)
		if r.Pass || r.Status != claims.StatusDenied || !slices.ContainsFunc(r.Problems, func(p Problem) bool { return p.Code == c.code && p.Path == c.path }) {
			t.Errorf("%s: pass=%v status=%s problems=%+v, want %s at %s", c.name, r.Pass, r.Status, r.Problems, c.code, c.path)
		}
	}
}

// Tally: the claim's status from its items, as the chain records it.
func TestTally(t *testing.T) {
	ok := claims.ItemDecision{Outcome: claims.OutcomeApproved, Allowed: 100, Payer: 80, Patient: 20}
	cut := claims.ItemDecision{Outcome: claims.OutcomeReduced, Allowed: 50, Payer: 40, Patient: 10}
	no := claims.ItemDecision{Outcome: claims.OutcomeDenied}
	for _, c := range []struct {
		items []claims.ItemDecision
		want  string
		payer int64
	}{
		{[]claims.ItemDecision{ok, ok}, claims.StatusApproved, 160},
		{[]claims.ItemDecision{ok, cut}, claims.StatusPartly, 120},
		{[]claims.ItemDecision{cut}, claims.StatusPartly, 40},
		{[]claims.ItemDecision{ok, no}, claims.StatusPartly, 80},
		{[]claims.ItemDecision{no, no}, claims.StatusDenied, 0},
	} {
		d := claims.Tally(c.items)
		if d.Status != c.want || d.Payer != c.payer || d.Allowed != d.Payer+d.Patient {
			t.Errorf("%+v: %s payer %d, want %s %d", c.items, d.Status, d.Payer, c.want, c.payer)
		}
	}
}
