package telemetry

import (
	"fmt"
	"slices"
	"strings"

	"github.com/medchain/medchain/internal/rules"
)

// AlertProfile is what a threshold rule's conditions read of one reading:
// its LOINC code, its UCUM unit, its value floored to an integer and its
// value in thousandths (no floating point: "SpO2 below 90" is `value < 90`,
// "temperature above 38.5" is `milli > 38500`). A condition gives a bool.
var AlertProfile = rules.MustProfile([]rules.Var{
	{Name: "code", Type: rules.String},
	{Name: "unit", Type: rules.String},
	{Name: "value", Type: rules.Int},
	{Name: "milli", Type: rules.Int},
}, rules.Bool, MaxRuleCost)

// MaxRuleCost is the static cost bound of one alert condition: a rule runs
// on every reading, so it must stay small (a comparison costs about 3).
const MaxRuleCost = 200

// Sample is one reading as the alert rules see it.
type Sample struct {
	Code  string
	Unit  string
	Milli int64 // the value in thousandths
	Time  int64 // unix seconds, the reading's effective time
}

// Value is the sample's value floored to an integer.
func (s Sample) Value() int64 {
	v := s.Milli / 1000
	if s.Milli < 0 && s.Milli%1000 != 0 {
		v--
	}
	return v
}

// ParseMilli reads a decimal number as JSON writes it ("97", "36.65",
// "-0.5", "1e2") in thousandths, without floating point. Digits past the
// third decimal are truncated toward zero.
func ParseMilli(num string) (int64, error) {
	s := num
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	exp := 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		var e int
		if _, err := fmt.Sscanf(s[i+1:], "%d", &e); err != nil || e < -20 || e > 20 {
			return 0, fmt.Errorf("%q is not a number this node reads", num)
		}
		exp, s = e, s[:i]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" || strings.Trim(intPart, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not a decimal number", num)
	}
	digits := intPart + frac
	point := len(intPart) + exp + 3 // digits before the point, in thousandths
	switch {
	case point <= 0:
		digits = "0"
	case point < len(digits):
		digits = digits[:point]
	default:
		digits += strings.Repeat("0", point-len(digits))
	}
	digits = strings.TrimLeft(digits, "0")
	if len(digits) > 15 {
		return 0, fmt.Errorf("%q is too large", num)
	}
	var v int64
	for _, c := range digits {
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v, nil
}

// CompileRule checks an alert rule's conditions against AlertProfile and
// its cost bound, and returns them compiled.
func CompileRule(r Rule) (raise, clear *rules.Rule, err error) {
	if r.Kind != RuleThreshold {
		return nil, nil, nil
	}
	if raise, err = AlertProfile.Compile(r.Raise); err != nil {
		return nil, nil, fmt.Errorf("%w: raise: %v", ErrBadRule, err)
	}
	if clear, err = AlertProfile.Compile(r.Clear); err != nil {
		return nil, nil, fmt.Errorf("%w: clear: %v", ErrBadRule, err)
	}
	return raise, clear, nil
}

// Transition is an alert an Evaluator raised or cleared.
type Transition struct {
	Rule   string
	Device string
	Raised bool  // false: cleared
	At     int64 // unix seconds
}

// Evaluator runs an organisation's alert rules over its devices' readings.
// It is deterministic: the same rules, readings and ticks in the same order
// give the same transitions, whatever the machine. A threshold rule raises
// when its raise condition has held on every reading of its code for at
// least Minutes (the first reading that reaches the duration raises; with
// Minutes zero, the first that meets it), and clears only on a reading
// that meets its clear condition: readings between the two thresholds
// change nothing (hysteresis). A stale rule raises when a tick finds no
// reading (of its code, or of any code without one) for Minutes, and
// clears on the next reading. It is not safe for concurrent use.
type Evaluator struct {
	rules []evalRule
	state map[string]*ruleState // rule/device
	// devices are those a stale rule watches, with the time watching began.
	devices map[string]int64
}

type evalRule struct {
	Rule
	raise, clear *rules.Rule
}

type ruleState struct {
	raised  bool
	holding bool  // raise has held on every reading since pending
	pending int64 // since when
	last    int64 // last reading the rule reads
}

// NewEvaluator compiles rules (sorted by ID, so their transitions come in
// a fixed order).
func NewEvaluator(rs []Rule) (*Evaluator, error) {
	e := &Evaluator{state: map[string]*ruleState{}, devices: map[string]int64{}}
	for _, r := range rs {
		if r.Status != RuleActive && r.Status != "" {
			continue
		}
		raise, clear, err := CompileRule(r)
		if err != nil {
			return nil, fmt.Errorf("rule %s: %w", r.ID, err)
		}
		e.rules = append(e.rules, evalRule{Rule: r, raise: raise, clear: clear})
	}
	slices.SortFunc(e.rules, func(a, b evalRule) int { return strings.Compare(a.ID, b.ID) })
	return e, nil
}

func (e *Evaluator) st(rule, device string) *ruleState {
	k := rule + "/" + device
	s, ok := e.state[k]
	if !ok {
		s = &ruleState{}
		e.state[k] = s
	}
	return s
}

// Watch starts watching device for stale data from since (unix seconds),
// as if a reading had come then.
func (e *Evaluator) Watch(device string, since int64) {
	if _, ok := e.devices[device]; !ok {
		e.devices[device] = since
	}
}

// Observe runs the rules over one reading of device, in the device's
// order, and returns the transitions it causes.
func (e *Evaluator) Observe(device string, s Sample) ([]Transition, error) {
	e.Watch(device, s.Time)
	var out []Transition
	vars := map[string]any{"code": s.Code, "unit": s.Unit, "value": s.Value(), "milli": s.Milli}
	for _, r := range e.rules {
		if r.Code != "" && r.Code != s.Code {
			continue
		}
		st := e.st(r.ID, device)
		st.last = max(st.last, s.Time)
		if r.Kind == RuleStale {
			if st.raised {
				st.raised = false
				out = append(out, Transition{Rule: r.ID, Device: device, At: s.Time})
			}
			continue
		}
		if st.raised {
			ok, err := r.clear.EvalBool(vars)
			if err != nil {
				return out, fmt.Errorf("rule %s: clear: %w", r.ID, err)
			}
			if ok {
				st.raised = false
				out = append(out, Transition{Rule: r.ID, Device: device, At: s.Time})
			}
			continue
		}
		ok, err := r.raise.EvalBool(vars)
		if err != nil {
			return out, fmt.Errorf("rule %s: raise: %w", r.ID, err)
		}
		if !ok {
			st.holding = false
			continue
		}
		if !st.holding {
			st.holding, st.pending = true, s.Time
		}
		if s.Time-st.pending >= r.Minutes*60 {
			st.raised, st.holding = true, false
			out = append(out, Transition{Rule: r.ID, Device: device, Raised: true, At: s.Time})
		}
	}
	return out, nil
}

// Tick runs the stale rules at now (unix seconds; the node passes the
// last committed block's time) over every watched device, in device order.
func (e *Evaluator) Tick(now int64) []Transition {
	devs := make([]string, 0, len(e.devices))
	for d := range e.devices {
		devs = append(devs, d)
	}
	slices.Sort(devs)
	var out []Transition
	for _, r := range e.rules {
		if r.Kind != RuleStale {
			continue
		}
		for _, d := range devs {
			st := e.st(r.ID, d)
			last := max(st.last, e.devices[d])
			if !st.raised && now-last >= r.Minutes*60 {
				st.raised = true
				out = append(out, Transition{Rule: r.ID, Device: d, Raised: true, At: now})
			}
		}
	}
	return out
}

// Forget stops evaluating device (unassigned or retired).
func (e *Evaluator) Forget(device string) {
	delete(e.devices, device)
	for _, r := range e.rules {
		delete(e.state, r.ID+"/"+device)
	}
}

// Len is the number of rules the evaluator runs.
func (e *Evaluator) Len() int { return len(e.rules) }
