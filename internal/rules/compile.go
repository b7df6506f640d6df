package rules

import (
	"cmp"
	"crypto/sha256"
	"fmt"
	"math"
	"math/bits"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode/utf8"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/overloads"
	"cel.dev/cel-go/common/types"
)

// Issue is one reason a rule was rejected. Line and Column are 1-based and
// count characters; both are 0 when the issue concerns the whole rule.
type Issue struct {
	Line    int
	Column  int
	Message string
}

func (i Issue) String() string {
	if i.Line == 0 {
		return i.Message
	}
	return fmt.Sprintf("%d:%d: %s", i.Line, i.Column, i.Message)
}

// maxReportedIssues bounds the length of a CompileError message.
const maxReportedIssues = 10

// CompileError is the error Compile returns for a rule it rejects. Issues
// are sorted by position; the message is deterministic.
type CompileError struct {
	Issues []Issue
}

func (e *CompileError) Error() string {
	var b strings.Builder
	b.WriteString("rules: rule rejected: ")
	for i, is := range e.Issues {
		if i == maxReportedIssues {
			fmt.Fprintf(&b, "; and %d more", len(e.Issues)-i)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(is.String())
	}
	return b.String()
}

func reject(msg string, args ...any) *CompileError {
	return &CompileError{Issues: []Issue{{Message: fmt.Sprintf(msg, args...)}}}
}

// Compile parses and type-checks src against the profile's variables and
// checks it against the consensus-safe profile (see the package
// documentation). The error, if any, is a *CompileError.
func (p *Profile) Compile(src string) (*Rule, error) {
	if len(src) > MaxSourceLen {
		return nil, reject("source is %d bytes, limit %d", len(src), MaxSourceLen)
	}
	if !utf8.ValidString(src) {
		return nil, reject("source is not valid UTF-8")
	}
	if strings.TrimSpace(src) == "" {
		return nil, reject("source is empty")
	}
	parsed, iss := p.env.Parse(src)
	if iss != nil && iss.Err() != nil {
		return nil, celIssues(iss)
	}
	// The source is kept (on the ledger, for a consent condition) as
	// written; a comment would carry text that is no part of the rule.
	if hasComment(src) {
		return nil, reject("comments (//) are not allowed: the condition is stored as written")
	}
	// Literals the profile forbids are reported before type-checking, which
	// would only say that `now > 1.5` has no overload for (int, double).
	if is := syntacticIssues(parsed.NativeRep()); len(is) > 0 {
		return nil, sortedIssues(is)
	}
	checked, iss := p.env.Check(parsed)
	if iss != nil && iss.Err() != nil {
		return nil, celIssues(iss)
	}
	a := checked.NativeRep()
	v := &validator{ast: a, info: a.SourceInfo()}
	v.walk(ast.NavigateAST(a), common.NoLocation)
	if len(v.issues) > 0 {
		return nil, sortedIssues(v.issues)
	}
	if got := checked.OutputType(); !got.IsExactType(p.result.celType()) {
		loc := a.SourceInfo().GetStartLocation(a.Expr().ID())
		return nil, &CompileError{Issues: []Issue{issueAt(loc,
			fmt.Sprintf("rule evaluates to %s, the profile requires %s", cel.FormatCELType(got), p.result))}}
	}
	est, err := p.env.EstimateCost(checked, &estimator{p: p})
	if err != nil {
		return nil, reject("cost estimation failed: %v", err)
	}
	if est.Max > p.maxCost {
		if est.Max == math.MaxUint64 {
			return nil, reject("cost cannot be bounded statically, limit %d", p.maxCost)
		}
		return nil, reject("estimated cost %d exceeds limit %d", est.Max, p.maxCost)
	}
	prg, err := p.env.Program(checked,
		cel.EvalOptions(cel.OptOptimize), // also precompiles literal regex patterns
		cel.CostLimit(p.maxCost),
	)
	if err != nil {
		return nil, reject("building program: %v", err)
	}
	return &Rule{
		profile: p,
		src:     src,
		hash:    sha256.Sum256([]byte(src)),
		cost:    est.Max,
		info:    a.SourceInfo(),
		prg:     prg,
	}, nil
}

func issueAt(loc common.Location, msg string) Issue {
	if loc == nil || loc.Line() <= 0 {
		return Issue{Message: msg}
	}
	return Issue{Line: loc.Line(), Column: loc.Column() + 1, Message: msg}
}

func celIssues(iss *cel.Issues) *CompileError {
	var out []Issue
	for _, e := range iss.Errors() {
		out = append(out, issueAt(e.Location, e.Message))
	}
	if len(out) == 0 {
		out = append(out, Issue{Message: iss.Err().Error()})
	}
	return sortedIssues(out)
}

func sortedIssues(is []Issue) *CompileError {
	slices.SortStableFunc(is, func(a, b Issue) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return &CompileError{Issues: is}
}

// syntacticIssues reports literals of forbidden types (1.5, 1u, b"x",
// null) and message constructions, from the parsed AST.
func syntacticIssues(a *ast.AST) []Issue {
	var out []Issue
	info := a.SourceInfo()
	ast.PreOrderVisit(a.Expr(), ast.NewExprVisitor(func(e ast.Expr) {
		loc := info.GetStartLocation(e.ID())
		switch e.Kind() {
		case ast.LiteralKind:
			if t, ok := e.AsLiteral().Type().(*types.Type); ok {
				if msg := disallowedType(t); msg != "" {
					out = append(out, issueAt(loc, msg))
				}
			}
		case ast.StructKind:
			out = append(out, issueAt(loc, "message construction is not allowed"))
		case ast.CallKind:
			if fn := e.AsCall().FunctionName(); !allowedFunctions[fn] {
				out = append(out, issueAt(loc, functionNotAllowed(fn)))
			}
		}
	}))
	return out
}

// allowedFunctions are the names of the functions and operators in
// allowedOverloads; a call of any other name is rejected before
// type-checking, so that the message names the function.
var allowedFunctions = map[string]bool{
	operators.LogicalAnd: true, operators.LogicalOr: true, operators.LogicalNot: true,
	operators.Conditional: true, operators.NotStrictlyFalse: true,
	operators.Equals: true, operators.NotEquals: true,
	operators.Less: true, operators.LessEquals: true, operators.Greater: true, operators.GreaterEquals: true,
	operators.Add: true, operators.Subtract: true, operators.Multiply: true, operators.Divide: true,
	operators.Modulo: true, operators.Negate: true, operators.In: true, operators.Index: true,
	overloads.Size: true, overloads.Contains: true, overloads.StartsWith: true, overloads.EndsWith: true,
	overloads.Matches: true, overloads.TypeConvertInt: true, overloads.TypeConvertString: true,
}

func functionNotAllowed(fn string) string {
	switch {
	case fn == overloads.TypeConvertDouble:
		return "doubles are not allowed (function 'double'): floating point is not consensus-safe; use integers"
	case isTimeFunction(fn):
		return fmt.Sprintf("timestamps and durations are not allowed (function %s): there is no clock; use the int time variable (unix seconds)", displayName(fn))
	}
	return fmt.Sprintf("function %s is not allowed", displayName(fn))
}

// allowedOverloads are the only functions a rule may call, by CEL overload
// ID. Everything else (doubles, uints, bytes, maps, timestamps, durations,
// type(), dyn(), optionals, ...) is rejected.
var allowedOverloads = map[string]bool{
	overloads.LogicalAnd: true, overloads.LogicalOr: true, overloads.LogicalNot: true,
	overloads.Conditional: true, overloads.NotStrictlyFalse: true,
	overloads.Equals: true, overloads.NotEquals: true,

	overloads.LessBool: true, overloads.LessEqualsBool: true,
	overloads.GreaterBool: true, overloads.GreaterEqualsBool: true,
	overloads.LessInt64: true, overloads.LessEqualsInt64: true,
	overloads.GreaterInt64: true, overloads.GreaterEqualsInt64: true,
	overloads.LessString: true, overloads.LessEqualsString: true,
	overloads.GreaterString: true, overloads.GreaterEqualsString: true,

	overloads.AddInt64: true, overloads.SubtractInt64: true, overloads.MultiplyInt64: true,
	overloads.DivideInt64: true, overloads.ModuloInt64: true, overloads.NegateInt64: true,
	overloads.AddString: true, overloads.AddList: true,

	overloads.InList: true, overloads.IndexList: true,
	overloads.SizeString: true, overloads.SizeStringInst: true,
	overloads.SizeList: true, overloads.SizeListInst: true,

	overloads.ContainsString: true, overloads.StartsWithString: true, overloads.EndsWithString: true,
	overloads.Matches: true, overloads.MatchesString: true,

	overloads.IntToInt: true, overloads.StringToInt: true,
	overloads.StringToString: true, overloads.IntToString: true,
}

// validator walks a checked AST and collects what the profile forbids.
type validator struct {
	ast    *ast.AST
	info   *ast.SourceInfo
	issues []Issue
}

func (v *validator) report(loc common.Location, msg string) {
	v.issues = append(v.issues, issueAt(loc, msg))
}

// walk visits e's subtree bottom-up and reports only the innermost problem
// of each branch, so that `x > 1.5` names the literal 1.5 and not also the
// comparison. It reports whether anything was found in the subtree.
func (v *validator) walk(e ast.NavigableExpr, parentLoc common.Location) bool {
	loc := v.info.GetStartLocation(e.ID())
	if loc.Line() <= 0 {
		loc = parentLoc // nodes generated by macros have no position
	}
	found := false
	var skipTypeOf int64 = -1
	if e.Kind() == ast.ComprehensionKind {
		rng := e.AsComprehension().IterRange()
		if t := v.ast.GetType(rng.ID()); t != nil && t.Kind() == types.MapKind {
			rloc := v.info.GetStartLocation(rng.ID())
			if rloc.Line() <= 0 {
				rloc = loc
			}
			v.report(rloc, "comprehension over a map is not allowed: map iteration order is not deterministic")
			found = true
			skipTypeOf = rng.ID()
		}
	}
	for _, c := range e.Children() {
		if c.ID() == skipTypeOf {
			for _, cc := range c.Children() {
				v.walk(cc, loc)
			}
			continue
		}
		if v.walk(c, loc) {
			found = true
		}
	}
	if found {
		return true
	}
	if msg := disallowedType(e.Type()); msg != "" {
		v.report(loc, msg)
		return true
	}
	if e.Kind() == ast.CallKind {
		if msg := v.checkCall(e); msg != "" {
			v.report(loc, msg)
			return true
		}
	}
	return false
}

// disallowedType explains why a value of type t may not appear in a rule,
// or returns "" if it may.
func disallowedType(t *types.Type) string {
	if t == nil {
		return "expression has no type"
	}
	switch t.Kind() {
	case types.BoolKind, types.IntKind, types.StringKind:
		return ""
	case types.ListKind:
		if ps := t.Parameters(); len(ps) == 1 {
			if msg := disallowedType(ps[0]); msg != "" {
				return msg
			}
			return ""
		}
	case types.DoubleKind:
		return "doubles are not allowed: floating point is not consensus-safe; use integers"
	case types.MapKind:
		return "maps are not allowed: map iteration order is not deterministic"
	case types.TimestampKind, types.DurationKind:
		return "timestamps and durations are not allowed: there is no clock; use the int time variable (unix seconds)"
	case types.DynKind, types.AnyKind, types.TypeParamKind:
		return "expression has no static type (dyn): mixed-type lists, dyn() and untyped empty lists are not allowed"
	}
	return fmt.Sprintf("values of type %s are not allowed: only bool, int, string and lists of them", cel.FormatCELType(t))
}

// checkCall explains why a call is not allowed, or returns "".
func (v *validator) checkCall(e ast.NavigableExpr) string {
	call := e.AsCall()
	fn := call.FunctionName()
	ids := v.ast.GetOverloadIDs(e.ID())
	if len(ids) != 1 {
		return fmt.Sprintf("call of %s does not resolve to a single overload", displayName(fn))
	}
	id := ids[0]
	if !allowedOverloads[id] {
		return fmt.Sprintf("function %s is not allowed here (overload %s)", displayName(fn), id)
	}
	if id == overloads.Matches || id == overloads.MatchesString {
		pat := call.Args()[len(call.Args())-1]
		if pat.Kind() != ast.LiteralKind {
			return "matches requires a string literal pattern"
		}
		s, ok := pat.AsLiteral().(types.String)
		if !ok {
			return "matches requires a string literal pattern"
		}
		if msg := checkPattern(string(s)); msg != "" {
			return "matches pattern " + quote(string(s)) + ": " + msg
		}
	}
	return ""
}

func isTimeFunction(fn string) bool {
	switch fn {
	case overloads.TypeConvertTimestamp, overloads.TypeConvertDuration,
		overloads.TimeGetFullYear, overloads.TimeGetMonth, overloads.TimeGetDayOfYear,
		overloads.TimeGetDate, overloads.TimeGetDayOfMonth, overloads.TimeGetDayOfWeek,
		overloads.TimeGetHours, overloads.TimeGetMinutes, overloads.TimeGetSeconds,
		overloads.TimeGetMilliseconds:
		return true
	}
	return false
}

// displayName turns CEL's internal operator names into what the author wrote.
func displayName(fn string) string {
	if op, ok := operators.FindReverse(fn); ok && op != "" {
		return "operator " + op
	}
	return "'" + fn + "'"
}

// quote quotes s for a message, shortened to its first 40 characters.
func quote(s string) string {
	if r := []rune(s); len(r) > 40 {
		return fmt.Sprintf("%q...", string(r[:40]))
	}
	return fmt.Sprintf("%q", s)
}

// checkPattern accepts a regular expression only if Go's RE2 compiles it to
// a bounded program whose meaning does not depend on Unicode tables, which
// change from one Go release to the next.
func checkPattern(pat string) string {
	for i := 0; i < len(pat); i++ {
		if pat[i] == '\\' && i+1 < len(pat) {
			if c := pat[i+1]; c == 'p' || c == 'P' {
				return `Unicode classes \p and \P are not allowed: they change with the Go version`
			}
			i++
		}
	}
	re, err := syntax.Parse(pat, syntax.Perl)
	if err != nil {
		return err.Error()
	}
	if hasFoldCase(re) {
		return "case-insensitive matching (?i) is not allowed: case folding changes with the Go version"
	}
	n, err := regexInsts(pat)
	if err != nil {
		return err.Error()
	}
	if n > MaxRegexInsts {
		return fmt.Sprintf("compiles to %d instructions, limit %d", n, MaxRegexInsts)
	}
	return ""
}

func hasFoldCase(re *syntax.Regexp) bool {
	if re.Flags&syntax.FoldCase != 0 {
		return true
	}
	for _, s := range re.Sub {
		if hasFoldCase(s) {
			return true
		}
	}
	return false
}

func regexInsts(pat string) (int, error) { return types.RegexProgramSize(pat) }

// estimator supplies the profile's size bounds to CEL's cost estimator and
// prices matches by the size of the compiled pattern rather than the length
// of its source (`a{500}` is 6 characters and 500 instructions).
type estimator struct{ p *Profile }

func (e *estimator) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	path := n.Path()
	if len(path) == 0 || len(path) > 2 {
		return nil
	}
	i, ok := e.p.index[path[0]]
	if !ok {
		return nil
	}
	v := e.p.vars[i]
	max := uint64(v.maxLen())
	switch {
	case len(path) == 1 && v.Type == String:
		return &cost.SizeEstimate{Min: 0, Max: max}
	case len(path) == 1 && v.Type == StringList:
		return &cost.SizeEstimate{Min: 0, Max: max, Elem: &cost.SizeEstimate{Min: 0, Max: MaxElemStringLen}}
	case len(path) == 1 && v.Type == IntList:
		return &cost.SizeEstimate{Min: 0, Max: max, Elem: &cost.SizeEstimate{Min: 1, Max: 1}}
	case len(path) == 2 && path[1] == "@items" && v.Type == StringList:
		return &cost.SizeEstimate{Min: 0, Max: MaxElemStringLen}
	case len(path) == 2 && path[1] == "@items" && v.Type == IntList:
		return &cost.SizeEstimate{Min: 1, Max: 1}
	}
	return nil
}

func (e *estimator) EstimateCallCost(function, overloadID string, target *cost.AstNode, args []cost.AstNode) *cost.CallEstimate {
	var subject, pattern cost.AstNode
	switch {
	case overloadID == overloads.IntToString:
		// The decimal form of an int64 has at most 20 characters.
		return cost.NewCallEstimate(cost.Estimate{Min: 1, Max: 1}, &cost.SizeEstimate{Min: 1, Max: 20})
	case overloadID == overloads.Matches && len(args) == 2:
		subject, pattern = args[0], args[1]
	case overloadID == overloads.MatchesString && target != nil && len(args) == 1:
		subject, pattern = *target, args[0]
	default:
		return nil
	}
	insts := uint64(math.MaxUint32)
	if pattern.Expr() != nil && pattern.Expr().Kind() == ast.LiteralKind {
		if s, ok := pattern.Expr().AsLiteral().(types.String); ok {
			if n, err := regexInsts(string(s)); err == nil {
				insts = uint64(n)
			}
		}
	}
	sz := cost.EstimateSize(e, subject)
	// RE2 runs in O((len+1) * insts); one cost unit per ten instruction
	// steps, plus the call. Saturating arithmetic: unknown stays huge.
	hi, lo := bits.Mul64(sz.Max+1, insts)
	max := uint64(math.MaxUint64)
	if hi == 0 && sz.Max != math.MaxUint64 {
		max = lo/10 + 2
	}
	return cost.NewCallEstimate(cost.Estimate{Min: 1, Max: max}, nil)
}

// hasComment reports whether parsed CEL source has a // comment outside its
// string literals ("…", '…', triple-quoted, raw with an r prefix).
func hasComment(src string) bool {
	isPrefix := func(c byte) bool { return c == 'r' || c == 'R' || c == 'b' || c == 'B' }
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c == '/' && i+1 < len(src) && src[i+1] == '/' {
			return true
		}
		if c != '"' && c != '\'' {
			continue
		}
		raw := false
		for j := i - 1; j >= 0 && j >= i-2 && isPrefix(src[j]); j-- {
			raw = raw || src[j] == 'r' || src[j] == 'R'
		}
		end := string(c)
		if strings.HasPrefix(src[i:], end+end+end) {
			end = end + end + end
		}
		i += len(end)
		for i < len(src) && !strings.HasPrefix(src[i:], end) {
			if src[i] == '\\' && !raw {
				i++
			}
			i++
		}
		i += len(end) - 1
	}
	return false
}
