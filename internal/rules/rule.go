package rules

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"unicode/utf8"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"
)

// Errors Eval wraps, for errors.Is. The full message is deterministic.
var (
	// ErrInput: an input is missing, undeclared, of the wrong Go type, too
	// long, or not valid UTF-8. The rule did not run.
	ErrInput = errors.New("rules: invalid input")
	// ErrEval: the rule ran and failed (division by zero, integer overflow,
	// index out of range, int() of a non-number, ...).
	ErrEval = errors.New("rules: evaluation failed")
	// ErrCostLimit: the rule exceeded its profile's runtime cost limit.
	ErrCostLimit = errors.New("rules: runtime cost limit exceeded")
)

// Rule is a compiled rule. It is immutable and safe for concurrent use.
type Rule struct {
	profile *Profile
	src     string
	hash    [32]byte
	cost    uint64
	info    *ast.SourceInfo
	prg     cel.Program
}

// Source returns the rule's source text.
func (r *Rule) Source() string { return r.src }

// Hash returns the SHA-256 of the source, as stored on the ledger.
func (r *Rule) Hash() [32]byte { return r.hash }

// Cost returns the rule's static cost estimate (upper bound), at most the
// profile's MaxCost.
func (r *Rule) Cost() uint64 { return r.cost }

// Profile returns the profile the rule was compiled for.
func (r *Rule) Profile() *Profile { return r.profile }

// EvalBool evaluates a rule of a Bool profile.
func (r *Rule) EvalBool(vars map[string]any) (bool, error) {
	if r.profile.result != Bool {
		return false, fmt.Errorf("rules: EvalBool on a rule whose result is %s", r.profile.result)
	}
	v, err := r.Eval(vars)
	if err != nil {
		return false, err
	}
	return v.(bool), nil
}

// Eval evaluates the rule over vars, which must hold exactly the profile's
// variables: int64 (or int) for Int, string for String, bool for Bool,
// []string for StringList, []int64 (or []int) for IntList; nil slices are
// empty lists. The result is a bool, int64, string, []string or []int64
// according to the profile's result type. Errors wrap ErrInput, ErrEval or
// ErrCostLimit and their text depends only on the rule and the inputs.
func (r *Rule) Eval(vars map[string]any) (any, error) {
	act, err := r.profile.activation(vars)
	if err != nil {
		return nil, err
	}
	return r.eval(act)
}

func (r *Rule) eval(act interpreter.Activation) (any, error) {
	out, _, err := r.prg.Eval(act)
	if err != nil {
		return nil, r.evalError(err)
	}
	return nativeResult(out, r.profile.result)
}

func (r *Rule) evalError(err error) error {
	var cancelled interpreter.EvalCancelledError
	if errors.As(err, &cancelled) && cancelled.Cause == interpreter.CostLimitExceeded {
		return fmt.Errorf("%w (limit %d)", ErrCostLimit, r.profile.maxCost)
	}
	var celErr *types.Err
	if errors.As(err, &celErr) {
		if id := celErr.NodeID(); id > 0 {
			if loc := r.info.GetStartLocation(id); loc.Line() > 0 {
				return fmt.Errorf("%w: %d:%d: %s", ErrEval, loc.Line(), loc.Column()+1, celErr.Error())
			}
		}
	}
	return fmt.Errorf("%w: %s", ErrEval, err.Error())
}

var (
	stringsType = reflect.TypeFor[[]string]()
	int64sType  = reflect.TypeFor[[]int64]()
)

func nativeResult(v ref.Val, t Type) (any, error) {
	var (
		out any
		err error
	)
	switch t {
	case Bool:
		b, ok := v.(types.Bool)
		if !ok {
			break
		}
		return bool(b), nil
	case Int:
		i, ok := v.(types.Int)
		if !ok {
			break
		}
		return int64(i), nil
	case String:
		s, ok := v.(types.String)
		if !ok {
			break
		}
		return string(s), nil
	case StringList:
		out, err = v.ConvertToNative(stringsType)
	case IntList:
		out, err = v.ConvertToNative(int64sType)
	}
	if err == nil && out != nil {
		return out, nil
	}
	// Unreachable for a checked rule: the result type is checked at compile
	// time.
	return nil, fmt.Errorf("%w: result is %s, want %s", ErrEval, v.Type().TypeName(), t)
}

// activation holds the checked inputs of one evaluation in the profile's
// declaration order and converts each to a CEL value on first use. It serves
// a single evaluation, on one goroutine.
type activation struct {
	p    *Profile
	raw  []any
	vals []ref.Val
}

func (a *activation) ResolveName(name string) (any, bool) {
	i, ok := a.p.index[name]
	if !ok {
		return nil, false
	}
	if a.vals[i] == nil {
		a.vals[i] = toVal(a.p.vars[i].Type, a.raw[i])
	}
	return a.vals[i], true
}

func (a *activation) Parent() interpreter.Activation { return nil }

// activation checks vars against the profile. Problems are reported in a
// fixed order: declared variables in declaration order, then the first
// undeclared name in byte order.
func (p *Profile) activation(vars map[string]any) (*activation, error) {
	act := &activation{p: p, raw: make([]any, len(p.vars)), vals: make([]ref.Val, len(p.vars))}
	for i, v := range p.vars {
		x, ok := vars[v.Name]
		if !ok {
			return nil, fmt.Errorf("%w: variable %q is missing", ErrInput, v.Name)
		}
		if msg := check(v, x); msg != "" {
			return nil, fmt.Errorf("%w: variable %q: %s", ErrInput, v.Name, msg)
		}
		act.raw[i] = x
	}
	if len(vars) != len(p.vars) {
		var extra []string
		for k := range vars {
			if _, ok := p.index[k]; !ok {
				extra = append(extra, k)
			}
		}
		slices.Sort(extra)
		return nil, fmt.Errorf("%w: variable %q is not declared by the profile", ErrInput, extra[0])
	}
	return act, nil
}

// check reports why x is not a valid value of v, or "".
func check(v Var, x any) string {
	max := v.maxLen()
	switch v.Type {
	case Int:
		switch x.(type) {
		case int64, int:
			return ""
		}
	case Bool:
		if _, ok := x.(bool); ok {
			return ""
		}
	case String:
		if s, ok := x.(string); ok {
			return checkString(s, max)
		}
	case StringList:
		if l, ok := x.([]string); ok {
			if len(l) > max {
				return fmt.Sprintf("%d elements, limit %d", len(l), max)
			}
			for i, s := range l {
				if msg := checkString(s, MaxElemStringLen); msg != "" {
					return fmt.Sprintf("element %d: %s", i, msg)
				}
			}
			return ""
		}
	case IntList:
		switch l := x.(type) {
		case []int64:
			if len(l) > max {
				return fmt.Sprintf("%d elements, limit %d", len(l), max)
			}
			return ""
		case []int:
			if len(l) > max {
				return fmt.Sprintf("%d elements, limit %d", len(l), max)
			}
			return ""
		}
	}
	return fmt.Sprintf("want %s, got %s", goType(v.Type), describe(x))
}

func checkString(s string, max int) string {
	if len(s) > max {
		return fmt.Sprintf("%d bytes, limit %d", len(s), max)
	}
	if !utf8.ValidString(s) {
		return "not valid UTF-8"
	}
	return ""
}

// toVal converts a value that passed check. Lists are copied, so a caller
// changing its slice during evaluation cannot change the outcome.
func toVal(t Type, x any) ref.Val {
	switch t {
	case Int:
		switch n := x.(type) {
		case int64:
			return types.Int(n)
		case int:
			return types.Int(n)
		}
	case Bool:
		return types.Bool(x.(bool))
	case String:
		return types.String(x.(string))
	case StringList:
		return types.NewStringList(types.DefaultTypeAdapter, slices.Clone(x.([]string)))
	case IntList:
		var elems []ref.Val
		switch l := x.(type) {
		case []int64:
			elems = make([]ref.Val, len(l))
			for i, n := range l {
				elems[i] = types.Int(n)
			}
		case []int:
			elems = make([]ref.Val, len(l))
			for i, n := range l {
				elems[i] = types.Int(n)
			}
		}
		return types.NewRefValList(types.DefaultTypeAdapter, elems)
	}
	return types.NewErr("rules: unconvertible input") // unreachable after check
}

func goType(t Type) string {
	switch t {
	case Int:
		return "int64"
	case String:
		return "string"
	case Bool:
		return "bool"
	case StringList:
		return "[]string"
	case IntList:
		return "[]int64"
	}
	return t.String()
}

func describe(x any) string {
	if x == nil {
		return "nil"
	}
	return reflect.TypeOf(x).String()
}
