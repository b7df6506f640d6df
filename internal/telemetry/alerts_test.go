package telemetry_test

import (
	"reflect"
	"testing"

	"github.com/medchain/medchain/internal/telemetry"
)

const spo2 = "59408-5"

func spo2Rule() telemetry.Rule {
	return telemetry.Rule{ID: "ar-1", Kind: telemetry.RuleThreshold, Code: spo2, Raise: "value < 90", Clear: "value > 92", Minutes: 5, Status: telemetry.RuleActive}
}

// feed observes SpO2 values one a minute from t0 and returns the
// transitions with their minute.
func feed(t *testing.T, e *telemetry.Evaluator, values ...int64) []telemetry.Transition {
	t.Helper()
	var out []telemetry.Transition
	for i, v := range values {
		tr, err := e.Observe("dev", telemetry.Sample{Code: spo2, Unit: "%", Milli: v * 1000, Time: int64(i) * 60})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tr...)
	}
	return out
}

func TestThresholdHeldForTheDurationRaises(t *testing.T) {
	e, err := telemetry.NewEvaluator([]telemetry.Rule{spo2Rule()})
	if err != nil {
		t.Fatal(err)
	}
	// Below 90 from minute 1; at minute 6 it has held 5 minutes.
	got := feed(t, e, 95, 88, 87, 89, 88, 86, 85)
	want := []telemetry.Transition{{Rule: "ar-1", Device: "dev", Raised: true, At: 6 * 60}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestThresholdInterruptedDoesNotRaise(t *testing.T) {
	e, _ := telemetry.NewEvaluator([]telemetry.Rule{spo2Rule()})
	// Four minutes low, one reading at 90 (not below), four more low.
	if got := feed(t, e, 88, 88, 88, 88, 90, 88, 88, 88, 88); len(got) != 0 {
		t.Fatalf("raised on a condition that never held 5 minutes: %+v", got)
	}
}

func TestHysteresisClearsOnlyAboveTheClearThreshold(t *testing.T) {
	e, _ := telemetry.NewEvaluator([]telemetry.Rule{spo2Rule()})
	// Raise at minute 5; 91 and 92 are between the thresholds (no clear);
	// 93 clears at minute 9; a dip to 89 after does not raise at once.
	got := feed(t, e, 88, 88, 88, 88, 88, 88, 91, 92, 91, 93, 89)
	want := []telemetry.Transition{
		{Rule: "ar-1", Device: "dev", Raised: true, At: 5 * 60},
		{Rule: "ar-1", Device: "dev", Raised: false, At: 9 * 60},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestStaleRuleRaisesOnTickAndClearsOnReading(t *testing.T) {
	e, _ := telemetry.NewEvaluator([]telemetry.Rule{{ID: "ar-2", Kind: telemetry.RuleStale, Minutes: 30, Status: telemetry.RuleActive}})
	e.Watch("dev", 0)
	if got := e.Tick(29 * 60); len(got) != 0 {
		t.Fatalf("stale after 29 minutes: %+v", got)
	}
	got := e.Tick(30 * 60)
	if want := []telemetry.Transition{{Rule: "ar-2", Device: "dev", Raised: true, At: 30 * 60}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if got := e.Tick(31 * 60); len(got) != 0 {
		t.Fatalf("raised twice: %+v", got)
	}
	got, _ = e.Observe("dev", telemetry.Sample{Code: spo2, Milli: 97000, Time: 32 * 60})
	if want := []telemetry.Transition{{Rule: "ar-2", Device: "dev", At: 32 * 60}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestEvaluatorIsDeterministic(t *testing.T) {
	rules := []telemetry.Rule{
		{ID: "ar-b", Kind: telemetry.RuleStale, Minutes: 1, Status: telemetry.RuleActive},
		spo2Rule(),
		{ID: "ar-0", Kind: telemetry.RuleThreshold, Code: spo2, Raise: "milli < 95500", Clear: "milli >= 96000", Status: telemetry.RuleActive},
	}
	run := func() []telemetry.Transition {
		e, _ := telemetry.NewEvaluator(rules)
		var out []telemetry.Transition
		for _, d := range []string{"d3", "d1", "d2"} {
			for i, v := range []int64{95000, 88000, 87000, 97000} {
				tr, _ := e.Observe(d, telemetry.Sample{Code: spo2, Milli: v, Time: int64(i) * 60})
				out = append(out, tr...)
			}
		}
		return append(out, e.Tick(3600)...)
	}
	first := run()
	for range 20 {
		if got := run(); !reflect.DeepEqual(got, first) {
			t.Fatalf("run differs:\n%+v\n%+v", got, first)
		}
	}
	if len(first) == 0 || first[len(first)-1].Device != "d3" || first[len(first)-3].Device != "d1" {
		t.Fatalf("stale transitions not in device order: %+v", first)
	}
}

func TestParseMilli(t *testing.T) {
	for in, want := range map[string]int64{"97": 97000, "36.65": 36650, "-0.5": -500, "1e2": 100000, "0.0004": 0, "98.1239": 98123, "1.5E-1": 150} {
		got, err := telemetry.ParseMilli(in)
		if err != nil || got != want {
			t.Errorf("ParseMilli(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "abc", "1.2.3", "--1", "1e99", "NaN"} {
		if _, err := telemetry.ParseMilli(bad); err == nil {
			t.Errorf("ParseMilli(%q) accepted", bad)
		}
	}
	if v := (telemetry.Sample{Milli: -500}).Value(); v != -1 {
		t.Errorf("Value of -0.5 = %d, want -1 (floor)", v)
	}
}
