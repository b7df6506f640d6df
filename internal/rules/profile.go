package rules

import (
	"errors"
	"fmt"
	"strings"

	"cel.dev/cel-go/cel"
)

// Limits shared by every profile. They are part of consensus: changing one
// changes which rules are accepted and how they run.
const (
	// MaxSourceLen is the longest rule source accepted, in bytes.
	MaxSourceLen = 4096
	// DefaultMaxListLen bounds the number of elements of a list input when
	// its Var does not set MaxLen.
	DefaultMaxListLen = 64
	// DefaultMaxStringLen bounds the length in bytes of a string input when
	// its Var does not set MaxLen.
	DefaultMaxStringLen = 256
	// MaxElemStringLen bounds the length in bytes of each element of a
	// StringList input.
	MaxElemStringLen = 256
	// MaxVarLen is the largest MaxLen a Var may declare.
	MaxVarLen = 65536
	// MaxVars is the largest number of inputs a profile may declare.
	MaxVars = 32
	// MaxRegexInsts bounds the size of the RE2 program of a matches pattern.
	MaxRegexInsts = 512
	// costModelVersion pins cel-go's cost model so that a library upgrade
	// cannot silently change which rules fit under MaxCost.
	costModelVersion = 1
)

// Type is the type of a rule input or result. Only these types exist in a
// rule's interface: no doubles, no maps, no dyn.
type Type uint8

// The types a rule input or result may have.
const (
	Int        Type = iota + 1 // int64
	String                     // string (valid UTF-8)
	Bool                       // bool
	StringList                 // []string
	IntList                    // []int64
)

// String returns the CEL spelling of the type.
func (t Type) String() string {
	switch t {
	case Int:
		return "int"
	case String:
		return "string"
	case Bool:
		return "bool"
	case StringList:
		return "list(string)"
	case IntList:
		return "list(int)"
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

func (t Type) valid() bool { return t >= Int && t <= IntList }

func (t Type) celType() *cel.Type {
	switch t {
	case Int:
		return cel.IntType
	case String:
		return cel.StringType
	case Bool:
		return cel.BoolType
	case StringList:
		return cel.ListType(cel.StringType)
	case IntList:
		return cel.ListType(cel.IntType)
	}
	return nil
}

// Var declares one input of a rule.
type Var struct {
	Name string
	Type Type
	// MaxLen bounds a String input (bytes, default DefaultMaxStringLen) or a
	// list input (elements, default DefaultMaxListLen). It must be 0 for Int
	// and Bool. The static cost estimate assumes it and Eval enforces it.
	MaxLen int
}

func (v Var) maxLen() int {
	if v.MaxLen > 0 {
		return v.MaxLen
	}
	switch v.Type {
	case String:
		return DefaultMaxStringLen
	case StringList, IntList:
		return DefaultMaxListLen
	}
	return 0
}

// Profile is the named set of inputs and the result type of one kind of
// rule, with the cost budget a rule of that kind may use. Build one with
// NewProfile; it is immutable and safe for concurrent use.
type Profile struct {
	vars    []Var
	index   map[string]int
	result  Type
	maxCost uint64
	env     *cel.Env
}

// reserved are CEL keywords and the identifiers of CEL types, which a
// variable may not shadow.
var reserved = map[string]bool{
	"true": true, "false": true, "null": true, "in": true, "as": true,
	"break": true, "const": true, "continue": true, "else": true, "for": true,
	"function": true, "if": true, "import": true, "let": true, "loop": true,
	"package": true, "namespace": true, "return": true, "var": true,
	"void": true, "while": true,
	"int": true, "uint": true, "double": true, "bool": true, "string": true,
	"bytes": true, "list": true, "map": true, "null_type": true, "type": true,
	"dyn": true,
}

func validIdent(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return !strings.HasPrefix(s, "__") // CEL uses __result__ and similar internally
}

// NewProfile declares a kind of rule: its inputs, its result type and the
// largest static cost estimate a rule of this kind may have (also its
// runtime cost limit).
func NewProfile(vars []Var, result Type, maxCost uint64) (*Profile, error) {
	if len(vars) > MaxVars {
		return nil, fmt.Errorf("rules: profile declares %d variables, limit %d", len(vars), MaxVars)
	}
	if !result.valid() {
		return nil, fmt.Errorf("rules: profile result type %v is not one of int, string, bool, list(string), list(int)", result)
	}
	if maxCost == 0 {
		return nil, errors.New("rules: profile MaxCost must be positive")
	}
	p := &Profile{
		vars:    append([]Var(nil), vars...),
		index:   make(map[string]int, len(vars)),
		result:  result,
		maxCost: maxCost,
	}
	opts := []cel.EnvOption{
		// Only the list macros; has() selects fields, and there are none.
		cel.ClearMacros(),
		cel.Macros(cel.AllMacro, cel.ExistsMacro, cel.ExistsOneMacro,
			cel.MapMacro, cel.MapFilterMacro, cel.FilterMacro),
		cel.ParserExpressionSizeLimit(MaxSourceLen),
		cel.CostModelVersion(costModelVersion),
	}
	for i, v := range p.vars {
		if !validIdent(v.Name) || reserved[v.Name] {
			return nil, fmt.Errorf("rules: variable %q: not a valid name (letters, digits, _; not a CEL keyword or type name)", v.Name)
		}
		if _, dup := p.index[v.Name]; dup {
			return nil, fmt.Errorf("rules: variable %q declared twice", v.Name)
		}
		if !v.Type.valid() {
			return nil, fmt.Errorf("rules: variable %q: type %v is not one of int, string, bool, list(string), list(int)", v.Name, v.Type)
		}
		if v.MaxLen < 0 || v.MaxLen > MaxVarLen {
			return nil, fmt.Errorf("rules: variable %q: MaxLen %d out of range 0..%d", v.Name, v.MaxLen, MaxVarLen)
		}
		if v.MaxLen != 0 && (v.Type == Int || v.Type == Bool) {
			return nil, fmt.Errorf("rules: variable %q: MaxLen applies only to strings and lists", v.Name)
		}
		p.index[v.Name] = i
		opts = append(opts, cel.Variable(v.Name, v.Type.celType()))
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		return nil, fmt.Errorf("rules: building CEL environment: %v", err)
	}
	p.env = env
	return p, nil
}

// MustProfile is NewProfile for package-level declarations; it panics on an
// invalid declaration.
func MustProfile(vars []Var, result Type, maxCost uint64) *Profile {
	p, err := NewProfile(vars, result, maxCost)
	if err != nil {
		panic(err)
	}
	return p
}

// Vars returns a copy of the profile's inputs, in declaration order.
func (p *Profile) Vars() []Var { return append([]Var(nil), p.vars...) }

// Result returns the type every rule of the profile evaluates to.
func (p *Profile) Result() Type { return p.result }

// MaxCost returns the static and runtime cost budget of a rule.
func (p *Profile) MaxCost() uint64 { return p.maxCost }
