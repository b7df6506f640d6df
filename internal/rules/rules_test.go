package rules

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os/exec"
	"reflect"
	"strings"
	"sync"
	"testing"

	"cel.dev/cel-go/common/types/ref"
)

// consent is the profile of consent conditions, as the records module would
// declare it.
var consent = MustProfile([]Var{
	{Name: "reader_id", Type: String},
	{Name: "reader_org", Type: String},
	{Name: "reader_roles", Type: StringList},
	{Name: "purpose", Type: String},
	{Name: "record_types", Type: StringList},
	{Name: "record_id", Type: String},
	{Name: "now", Type: Int},
}, Bool, 10_000)

const fourClause = `purpose == "treatment" && reader_org == "hospital" && "Observation" in record_types && now < 1900000000`

func consentVars() map[string]any {
	return map[string]any{
		"reader_id":    "prac-7f3a",
		"reader_org":   "hospital",
		"reader_roles": []string{"physician", "cardiology"},
		"purpose":      "treatment",
		"record_types": []string{"Condition", "Observation"},
		"record_id":    "rec-0001",
		"now":          int64(1_800_000_000),
	}
}

func with(kv ...any) map[string]any {
	m := consentVars()
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func TestAcceptedRulesEvaluate(t *testing.T) {
	cases := []struct {
		name string
		src  string
		vars map[string]any
		want bool
	}{
		{"four clauses true", fourClause, consentVars(), true},
		{"four clauses wrong purpose", fourClause, with("purpose", "research"), false},
		{"four clauses expired", fourClause, with("now", int64(1_900_000_000)), false},
		{"four clauses missing type", fourClause, with("record_types", []string{"Condition"}), false},
		{"nil list is empty", fourClause, with("record_types", []string(nil)), false},
		{"int accepted for Int", `now == 5`, with("now", 5), true},
		{"role exists", `reader_roles.exists(r, r == "cardiology")`, consentVars(), true},
		{"all roles non-empty", `reader_roles.all(r, size(r) > 0)`, consentVars(), true},
		{"exists_one", `record_types.exists_one(t, t.startsWith("Obs"))`, consentVars(), true},
		{"map filter size", `record_types.map(t, t + "!").filter(t, t.endsWith("n!")).size() == 2`, consentVars(), true},
		{"contains", `reader_id.contains("7f")`, consentVars(), true},
		{"matches literal", `record_id.matches("^rec-[0-9]{4}$")`, consentVars(), true},
		{"matches fails", `record_id.matches("^rec-[0-9]{5}$")`, consentVars(), false},
		{"global matches", `matches(record_id, "^rec-")`, consentVars(), true},
		{"arithmetic window", `now - 1700000000 > 86400 * 365 && now % 2 == 0`, consentVars(), true},
		{"string order", `reader_org < "hz" && "a" <= "b"`, consentVars(), true},
		{"ternary", `purpose == "emergency" ? true : reader_org == "hospital"`, consentVars(), true},
		{"int string conversions", `int("42") == 42 && string(now) == "1800000000"`, consentVars(), true},
		{"index and in list literal", `reader_roles[0] in ["physician", "nurse"]`, consentVars(), true},
		{"list concat", `size(reader_roles + record_types) == 4`, consentVars(), true},
		{"empty list literal typed by context", `record_types != []`, consentVars(), true},
		{"multiline", "purpose == \"treatment\"\n  && !(\"Psychotherapy\" in record_types)", consentVars(), true},
		{"unicode string size counts code points", `size(reader_id) == 4`, with("reader_id", "café"), true},
		{"short-circuit hides error", `purpose == "research" && 1 / (now - now) == 0`, consentVars(), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := consent.Compile(tc.src)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			if r.Cost() == 0 || r.Cost() > consent.MaxCost() {
				t.Fatalf("Cost() = %d, want 1..%d", r.Cost(), consent.MaxCost())
			}
			got, err := r.EvalBool(tc.vars)
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			if got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestOtherResultTypes(t *testing.T) {
	readings := MustProfile([]Var{
		{Name: "temps", Type: IntList, MaxLen: 16}, // tenths of a degree
		{Name: "sku", Type: String, MaxLen: 32},
		{Name: "ok", Type: Bool},
	}, IntList, 5_000)
	r, err := readings.Compile(`temps.filter(t, t > 80).map(t, t - 80)`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Eval(map[string]any{"temps": []int64{20, 95, 81, -4}, "sku": "x", "ok": true})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []int64{15, 1}) {
		t.Fatalf("got %#v", got)
	}
	if _, err := r.EvalBool(nil); err == nil || !strings.Contains(err.Error(), "EvalBool on a rule whose result is list(int)") {
		t.Fatalf("EvalBool on IntList rule: %v", err)
	}

	for _, tc := range []struct {
		result Type
		src    string
		vars   map[string]any
		want   any
	}{
		{Int, `size(names) * 10 + n`, map[string]any{"names": []string{"a", "b"}, "n": int64(3)}, int64(23)},
		{String, `names[1] + "-" + string(n)`, map[string]any{"names": []string{"a", "b"}, "n": 7}, "b-7"},
		{StringList, `names.map(x, x + x)`, map[string]any{"names": []string{"a", "b"}, "n": 7}, []string{"aa", "bb"}},
	} {
		p := MustProfile([]Var{{Name: "names", Type: StringList}, {Name: "n", Type: Int}}, tc.result, 5_000)
		r, err := p.Compile(tc.src)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		got, err := r.Eval(tc.vars)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Fatalf("%s: got %#v, want %#v", tc.src, got, tc.want)
		}
	}
}

func TestRejected(t *testing.T) {
	cases := []struct {
		name string
		src  string
		want []string // substrings of the error, in order
	}{
		{"too long", "true" + strings.Repeat(" ", MaxSourceLen), []string{"source is 4100 bytes, limit 4096"}},
		{"not utf8", "\"\xff\" == purpose", []string{"source is not valid UTF-8"}},
		{"empty", " \n ", []string{"source is empty"}},
		{"syntax", `purpose ==`, []string{"1:11: Syntax error"}},
		{"undeclared variable", `reader == "x"`, []string{"1:1: undeclared reference to 'reader'"}},
		{"has macro", `has(reader_id.x)`, []string{"1:4: function 'has' is not allowed"}},
		{"comment", "purpose == \"treatment\" // Alice Smith, born 1970", []string{"comments (//) are not allowed"}},
		{"comment on its own line", "// the patient's HIV status\npurpose == \"treatment\"", []string{"comments (//) are not allowed"}},

		{"double literal", `now > 1.5`, []string{"1:7: doubles are not allowed"}},
		{"double literal line 2", "purpose == \"x\" &&\n  now > 2.5", []string{"2:9: doubles are not allowed"}},
		{"exponent literal", `now < 1e9`, []string{"1:7: doubles are not allowed"}},
		{"double conversion", `double(now) > 0`, []string{"1:7: doubles are not allowed"}},
		{"double inside list", `size([1.0]) == 1`, []string{"1:7: doubles are not allowed"}},
		{"double from int conversion chain", `int(string(double(now))) == 1`, []string{"1:18: doubles are not allowed"}},

		{"map literal", `{"a": 1}["a"] == 1`, []string{"1:1: maps are not allowed"}},
		{"empty map literal", `size({}) == 0`, []string{"1:6: maps are not allowed"}},
		{"comprehension over map", `{"a": true, "b": false}.exists(k, k == "a")`, []string{"1:1: comprehension over a map is not allowed"}},
		{"all over map", `{"x": 1}.all(k, k != "")`, []string{"comprehension over a map is not allowed"}},
		{"message construction", `google.protobuf.Struct{} == google.protobuf.Struct{}`, []string{"1:23: message construction is not allowed", "1:51: message construction"}},

		{"timestamp", `timestamp("2030-01-01T00:00:00Z") > timestamp("2020-01-01T00:00:00Z")`, []string{"1:10: timestamps and durations are not allowed"}},
		{"duration", `duration("1h") > duration("1m")`, []string{"1:9: timestamps and durations are not allowed"}},
		{"int of timestamp", `int(timestamp("2030-01-01T00:00:00Z")) > now`, []string{"1:14: timestamps and durations are not allowed"}},

		{"dyn", `dyn(now) == 1`, []string{"1:4: function 'dyn' is not allowed"}},
		{"mixed list", `size([1, "a"]) == 2`, []string{"1:6: expression has no static type (dyn)"}},
		{"uint", `uint(now) > 0u`, []string{"values of type uint are not allowed"}},
		{"bytes", `b"abc" == bytes(purpose)`, []string{"1:1: values of type bytes are not allowed"}},
		{"null", `null == null`, []string{"1:1: values of type null are not allowed"}},
		{"type function", `type(now) == int`, []string{"1:5: function 'type' is not allowed"}},
		{"type value", `[int, string] == [string, int]`, []string{"1:2: values of type type(int) are not allowed", "1:7: values of type type(string)"}},
		{"bool conversion not on allow-list", `bool(purpose)`, []string{"1:5: function 'bool' is not allowed"}},
		{"unknown function", `lower(purpose) == "x"`, []string{"1:6: function 'lower' is not allowed"}},
		{"time accessor", `now.getHours() > 3`, []string{"1:13: timestamps and durations are not allowed (function 'getHours')"}},

		{"matches non-literal", `record_id.matches(purpose)`, []string{"1:18: matches requires a string literal pattern"}},
		{"matches case folding", `record_id.matches("(?i)rec")`, []string{`1:18: matches pattern "(?i)rec": case-insensitive matching (?i) is not allowed`}},
		{"matches unicode class", `record_id.matches("\\pL+")`, []string{`Unicode classes \p and \P are not allowed`}},
		{"matches invalid", `record_id.matches("[a-")`, []string{`matches pattern "[a-": error parsing regexp: missing closing ]`}},
		{"matches big program", `record_id.matches("(abc){1,200}")`, []string{"compiles to", "instructions, limit 512"}},

		{"result type", `now + 1`, []string{"1:5: rule evaluates to int, the profile requires bool"}},
		{"result type list", `record_types`, []string{"1:1: rule evaluates to list(string), the profile requires bool"}},
		{"cost nested comprehension", `record_types.all(a, record_types.all(b, record_types.all(c, a + b + c != "")))`, []string{"estimated cost", "exceeds limit 10000"}},
		{"cost regex on long strings", `reader_roles.all(r, r.matches("^[a-z]+(-[a-z]+)*$"))`, []string{"estimated cost", "exceeds limit 10000"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := consent.Compile(tc.src)
			if err == nil {
				t.Fatalf("accepted (cost %d), want rejection", r.Cost())
			}
			var ce *CompileError
			if !errors.As(err, &ce) || len(ce.Issues) == 0 {
				t.Fatalf("error %T %v is not a *CompileError with issues", err, err)
			}
			msg := err.Error()
			rest := msg
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("error %q does not contain %q (in order)", msg, w)
				}
				rest = rest[i+len(w):]
			}
		})
	}
}

func TestProfileDeclarationErrors(t *testing.T) {
	for _, tc := range []struct {
		vars    []Var
		result  Type
		maxCost uint64
		want    string
	}{
		{[]Var{{Name: "a", Type: Int}, {Name: "a", Type: String}}, Bool, 1, `variable "a" declared twice`},
		{[]Var{{Name: "in", Type: Int}}, Bool, 1, `variable "in": not a valid name`},
		{[]Var{{Name: "int", Type: Int}}, Bool, 1, `variable "int": not a valid name`},
		{[]Var{{Name: "1x", Type: Int}}, Bool, 1, `variable "1x": not a valid name`},
		{[]Var{{Name: "a.b", Type: Int}}, Bool, 1, `variable "a.b": not a valid name`},
		{[]Var{{Name: "__x", Type: Int}}, Bool, 1, `variable "__x": not a valid name`},
		{[]Var{{Name: "x", Type: 0}}, Bool, 1, `variable "x": type Type(0) is not one of`},
		{[]Var{{Name: "x", Type: Int, MaxLen: 3}}, Bool, 1, `MaxLen applies only to strings and lists`},
		{[]Var{{Name: "x", Type: String, MaxLen: MaxVarLen + 1}}, Bool, 1, `MaxLen 65537 out of range`},
		{nil, Type(9), 1, `profile result type Type(9) is not one of`},
		{nil, Bool, 0, `MaxCost must be positive`},
	} {
		_, err := NewProfile(tc.vars, tc.result, tc.maxCost)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewProfile(%v, %v, %d) = %v, want error containing %q", tc.vars, tc.result, tc.maxCost, err, tc.want)
		}
	}
}

func TestEvalInputErrors(t *testing.T) {
	r, err := consent.Compile(fourClause)
	if err != nil {
		t.Fatal(err)
	}
	long := make([]string, DefaultMaxListLen+1)
	for _, tc := range []struct {
		name string
		vars map[string]any
		want string
	}{
		{"nil map", nil, `rules: invalid input: variable "reader_id" is missing`},
		{"missing", func() map[string]any { m := consentVars(); delete(m, "purpose"); return m }(), `variable "purpose" is missing`},
		{"wrong scalar type", with("now", "1800000000"), `variable "now": want int64, got string`},
		{"float for int", with("now", 1.8e9), `variable "now": want int64, got float64`},
		{"uint for int", with("now", uint64(1)), `variable "now": want int64, got uint64`},
		{"nil value", with("purpose", nil), `variable "purpose": want string, got nil`},
		{"any slice for list", with("record_types", []any{"Observation"}), `variable "record_types": want []string, got []interface {}`},
		{"list too long", with("record_types", long), `variable "record_types": 65 elements, limit 64`},
		{"string too long", with("purpose", strings.Repeat("x", 257)), `variable "purpose": 257 bytes, limit 256`},
		{"element too long", with("reader_roles", []string{"a", strings.Repeat("y", 300)}), `variable "reader_roles": element 1: 300 bytes, limit 256`},
		{"invalid utf8", with("reader_id", "\xc3\x28"), `variable "reader_id": not valid UTF-8`},
		{"undeclared, smallest name reported", with("zeta", 1, "alpha", 2, "mid", 3), `variable "alpha" is not declared by the profile`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.Eval(tc.vars)
			if err == nil || !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Eval error = %v, want ErrInput containing %q", err, tc.want)
			}
		})
	}
}

func TestEvalRuntimeErrors(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want string
	}{
		{`now / (now - 1800000000) == 1`, "rules: evaluation failed: 1:5: division by zero"},
		{`now % 0 == 1`, "rules: evaluation failed: 1:5: modulus by zero"},
		{`now * 9223372036854775807 > 0`, "rules: evaluation failed: 1:5: integer overflow"},
		{`reader_roles[5] == "x"`, "rules: evaluation failed: 1:13: index out of bounds: 5"},
		{`int(purpose) > 0`, "rules: evaluation failed: 1:4: type conversion error from 'string' to 'int'"},
	} {
		r, err := consent.Compile(tc.src)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		_, err = r.Eval(consentVars())
		if err == nil || !errors.Is(err, ErrEval) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error = %v, want ErrEval containing %q", tc.src, err, tc.want)
		}
	}
}

// TestDeterminism compiles and evaluates the same rules over the same inputs
// 100 times, building fresh profiles, rules and input maps each time (Go
// randomises map iteration), and requires identical results and identical
// error texts.
func TestDeterminism(t *testing.T) {
	srcs := []string{
		fourClause,
		`record_types.map(t, t + ":" + reader_id).filter(t, !t.startsWith("Cond"))`,
		`reader_roles.exists_one(r, r.matches("^[a-z]+$")) && record_types.all(t, t in reader_roles || size(t) > 3)`,
		`reader_roles[now % 7] == "x"`,            // runtime error
		`now / (size(record_types) - 2) > 0`,      // runtime error
		`{"a": 1}.exists(k, k == "a") && now > 1`, // compile error
		`timestamp("2030-01-01T00:00:00Z") > now`, // compile error
		`record_types.all(a, record_types.all(b, record_types.all(c, a + b + c != "")))`,
	}
	inputs := func() []map[string]any {
		return []map[string]any{
			consentVars(),
			with("record_types", []string{"Condition", "Observation", "Procedure"}, "now", int64(1_800_000_003)),
			with("reader_roles", []string{"nurse", "ER-1", "physician"}, "record_types", []string(nil)),
			with("extra", 1, "another", "x"),
		}
	}
	run := func() string {
		var b strings.Builder
		for _, res := range []Type{Bool, StringList} {
			p := MustProfile(consent.Vars(), res, 100_000)
			for _, src := range srcs {
				r, err := p.Compile(src)
				if err != nil {
					fmt.Fprintf(&b, "compile %q: %v\n", src, err)
					continue
				}
				for _, in := range inputs() {
					v, err := r.Eval(in)
					fmt.Fprintf(&b, "eval %q: %#v %v\n", src, v, err)
				}
			}
		}
		return b.String()
	}
	first := run()
	for i := 1; i < 100; i++ {
		if got := run(); got != first {
			t.Fatalf("run %d differs:\n%s\nfirst:\n%s", i, got, first)
		}
	}
	if !strings.Contains(first, "division by zero") || !strings.Contains(first, "comprehension over a map") ||
		!strings.Contains(first, `[]string{"Observation:prac-7f3a", "Procedure:prac-7f3a"}`) {
		t.Fatalf("transcript does not cover what it should:\n%s", first)
	}
}

// maxVars returns inputs of the consent profile at their size bounds.
func maxVars() map[string]any {
	s := strings.Repeat("é", DefaultMaxStringLen/2) // 256 bytes, 128 code points
	a := strings.Repeat("a", DefaultMaxStringLen)
	list := make([]string, DefaultMaxListLen)
	for i := range list {
		list[i] = a
	}
	list[len(list)-1] = s
	return map[string]any{
		"reader_id": a, "reader_org": a, "reader_roles": list, "purpose": a,
		"record_types": list, "record_id": a, "now": int64(1),
	}
}

// TestStaticBoundCoversRuntime evaluates statically accepted rules that are
// as expensive as we could make them, over inputs at their size bounds, and
// checks that the actual cost never exceeds the rule's static estimate. With
// Eval enforcing the size bounds, the runtime limit (MaxCost >= estimate) is
// therefore never reached by valid inputs: it is a backstop.
func TestStaticBoundCoversRuntime(t *testing.T) {
	p := MustProfile(consent.Vars(), Bool, 10_000_000)
	for _, src := range []string{
		fourClause,
		`record_types.all(a, reader_roles.all(b, a + b != purpose))`,
		`record_types.all(a, reader_roles.exists(b, a.contains(b) || b.endsWith(a)))`,
		`record_types.map(t, t + t).all(t, size(t) > 0)`,
		`record_types.all(t, t.matches("^a+$"))`,
		`(reader_roles + record_types).filter(t, t > purpose).size() >= 0`,
		`record_types.exists_one(t, t == reader_id + reader_org)`,
		`reader_id + reader_org + purpose + record_id != "" && purpose.matches("a*b")`,
	} {
		r, err := p.Compile(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		act, err := p.activation(maxVars())
		if err != nil {
			t.Fatal(err)
		}
		_, det, err := r.prg.Eval(act)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		actual := *det.ActualCost()
		t.Logf("%-80s static %6d actual %6d", src, r.Cost(), actual)
		if actual > r.Cost() {
			t.Errorf("%s: actual cost %d exceeds static estimate %d", src, actual, r.Cost())
		}
	}
}

// TestRuntimeCostLimit shows the runtime limit stopping an evaluation. A
// rule that is cheap for lists of at most 4 elements is run, bypassing Eval's
// input checks, over lists of 300: the nested comprehension then costs far
// more than MaxCost and the evaluation is cancelled with ErrCostLimit. Through
// the public Eval the same input is refused before running (ErrInput).
func TestRuntimeCostLimit(t *testing.T) {
	p := MustProfile([]Var{{Name: "xs", Type: StringList, MaxLen: 4}}, Bool, 20_000)
	r, err := p.Compile(`xs.all(a, xs.all(b, xs.all(c, a + b + c != "x")))`)
	if err != nil {
		t.Fatal(err)
	}
	big := make([]string, 300)
	for i := range big {
		big[i] = "abcdefgh"
	}
	if _, err := r.Eval(map[string]any{"xs": big}); !errors.Is(err, ErrInput) {
		t.Fatalf("Eval over oversize input: %v, want ErrInput", err)
	}
	// Bypass the input checks, as if the estimate were wrong.
	act := &activation{p: p, raw: []any{big}, vals: make([]ref.Val, 1)}
	_, err = r.eval(act)
	if !errors.Is(err, ErrCostLimit) || err.Error() != "rules: runtime cost limit exceeded (limit 20000)" {
		t.Fatalf("err = %v, want ErrCostLimit", err)
	}
	// And within bounds it runs.
	if ok, err := r.EvalBool(map[string]any{"xs": big[:4]}); err != nil || !ok {
		t.Fatalf("in bounds: %v %v", ok, err)
	}
}

func TestConcurrentEval(t *testing.T) {
	r, err := consent.Compile(`reader_roles.exists(x, x in record_types) || (` + fourClause + `)`)
	if err != nil {
		t.Fatal(err)
	}
	inputs := []map[string]any{
		consentVars(),
		with("purpose", "billing"),
		with("reader_roles", []string{"Observation"}, "purpose", "billing"),
		with("now", "bad"),
	}
	want := make([]string, len(inputs))
	for i, in := range inputs {
		v, err := r.Eval(in)
		want[i] = fmt.Sprint(v, err)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				k := (g + i) % len(inputs)
				v, err := r.Eval(inputs[k])
				if got := fmt.Sprint(v, err); got != want[k] {
					errs <- fmt.Sprintf("input %d: got %s, want %s", k, got, want[k])
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestSourceAndHash(t *testing.T) {
	r, err := consent.Compile(fourClause)
	if err != nil {
		t.Fatal(err)
	}
	if r.Source() != fourClause || r.Hash() != sha256.Sum256([]byte(fourClause)) || r.Profile() != consent {
		t.Fatal("Source/Hash/Profile mismatch")
	}
}

func TestCache(t *testing.T) {
	c := NewCache(consent, 2)
	a1, err := c.Compile(fourClause)
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := c.Compile(fourClause)
	if a1 != a2 {
		t.Fatal("second Compile of the same source did not hit the cache")
	}
	if _, err := c.Compile(`now > 1.5`); err == nil || c.Len() != 1 {
		t.Fatalf("failed compile: err %v, Len %d (errors must not be cached)", err, c.Len())
	}
	c.Compile(`now > 1`)
	c.Compile(fourClause) // a is now most recently used
	c.Compile(`now > 2`)  // evicts "now > 1"
	if c.Len() != 2 {
		t.Fatalf("Len = %d, want 2", c.Len())
	}
	if a3, _ := c.Compile(fourClause); a3 != a1 {
		t.Fatal("most recently used rule was evicted")
	}

	// Concurrent use, under -race.
	c = NewCache(consent, 4)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				src := fmt.Sprintf("now > %d", (g*7+i)%6)
				r, err := c.Compile(src)
				if err != nil || r.Source() != src {
					t.Errorf("%s: %v", src, err)
					return
				}
				if _, err := r.Eval(consentVars()); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if c.Len() > 4 {
		t.Fatalf("Len = %d exceeds size 4", c.Len())
	}
}

func TestNoForbiddenImports(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list this package's dependencies: %v", err)
	}
	out, err := exec.Command(goCmd, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if pkg == "net/http" || strings.Contains(pkg, "cometbft") || pkg == "math/rand" || pkg == "os/exec" {
			t.Errorf("internal/rules depends on %s", pkg)
		}
	}
}

func BenchmarkEvalConsent4Clause(b *testing.B) {
	r, err := consent.Compile(fourClause)
	if err != nil {
		b.Fatal(err)
	}
	vars := consentVars()
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := r.EvalBool(vars); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

func BenchmarkEvalConsent4ClauseParallel(b *testing.B) {
	r, err := consent.Compile(fourClause)
	if err != nil {
		b.Fatal(err)
	}
	vars := consentVars()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if ok, err := r.EvalBool(vars); !ok || err != nil {
				b.Fatal(ok, err)
			}
		}
	})
}

func BenchmarkCompile4Clause(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := consent.Compile(fourClause); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCacheHit4Clause(b *testing.B) {
	c := NewCache(consent, 16)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Compile(fourClause); err != nil {
			b.Fatal(err)
		}
	}
}

// Text that only looks like a comment, inside string literals, is fine.
func TestSlashesInStringsAreNoComment(t *testing.T) {
	for _, src := range []string{
		`reader_id == "https://example.org/x"`,
		`reader_id == 'a//b'`,
		`reader_id == r"a\//b"`,
		`reader_id == """a "// b"""`,
		`reader_id == "a\"//"`,
		`reader_id == b"//" || purpose == "x"`,
	} {
		if _, err := consent.Compile(src); err != nil && strings.Contains(err.Error(), "comments") {
			t.Errorf("%s: %v", src, err)
		}
	}
}
