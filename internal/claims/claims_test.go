package claims

import "testing"

// PatientShare: basis points of the allowed amount, rounded down to the
// minor unit, exact at the ends, without overflow up to MaxAmount.
func TestPatientShare(t *testing.T) {
	for _, c := range []struct{ bp, allowed, want int64 }{
		{2000, 17500, 3500},
		{2000, 3, 0}, // 0.6 rounds down
		{2000, 9, 1}, // 1.8 rounds down
		{3333, 10000, 3333},
		{3333, 10001, 3333}, // 3333.3333
		{0, 12345, 0},
		{10000, 12345, 12345},
		{1, MaxAmount, MaxAmount / 10000},
		{9999, MaxAmount, MaxAmount / 10000 * 9999},
		{10000, MaxAmount, MaxAmount},
	} {
		v := PlanVersion{RuleSet: RuleSet{PatientShareBP: c.bp}}
		if got := v.PatientShare(c.allowed); got != c.want {
			t.Errorf("%d bp of %d = %d, want %d", c.bp, c.allowed, got, c.want)
		}
	}
}

// The rule set's hash is the same for the same content and changes with any field.
func TestRuleSetHash(t *testing.T) {
	a := RuleSet{Currency: "USD", Effective: "2026-01-01", Diagnoses: []string{"Z7188"}, Services: []Service{{Code: "G0438", Fee: 1}}}
	b := a
	b.Services = []Service{{Code: "G0438", Fee: 2}}
	if a.Hash() == b.Hash() || a.Hash() != (RuleSet{Currency: "USD", Effective: "2026-01-01", Diagnoses: []string{"Z7188"}, Services: []Service{{Code: "G0438", Fee: 1}}}).Hash() {
		t.Error("the rule set's hash does not follow its content")
	}
}
