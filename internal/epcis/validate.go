package epcis

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// MaxReportedProblems bounds the number of problem lines in
// [ValidationError.Error]; [ValidationError.Problems] always holds them all.
const MaxReportedProblems = 20

// Problem is one schema violation.
type Problem struct {
	// Location is the JSON pointer (RFC 6901) of the offending value in the
	// validated document, e.g. "/epcisBody/eventList/0/action"; "" is the
	// document root.
	Location string
	// Message says what is wrong, e.g.
	// `value must be one of "OBSERVE", "ADD", "DELETE"`.
	Message string
}

// String renders the problem as "<location>: <message>", the root as "(root)".
func (p Problem) String() string {
	loc := p.Location
	if loc == "" {
		loc = "(root)"
	}
	return loc + ": " + p.Message
}

// ValidationError reports why a document or event is not valid EPCIS 2.0
// JSON. Problems are sorted by location (array indices numerically), then by
// message; there is at least one.
type ValidationError struct {
	Problems []Problem
}

// Error returns one line per problem, at most [MaxReportedProblems] of them.
func (e *ValidationError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i == MaxReportedProblems {
			fmt.Fprintf(&b, "\n... and %d more problems", len(e.Problems)-i)
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.String())
	}
	return b.String()
}

func newValidationError(ps ...Problem) *ValidationError {
	sortProblems(ps)
	return &ValidationError{Problems: ps}
}

// documentTypes are the values of "type" accepted by ValidateDocument.
var documentTypes = []string{"EPCISDocument", "EPCISQueryDocument"}

// ValidateDocument validates an EPCISDocument (or an EPCISQueryDocument)
// against GS1's EPCIS 2.0 JSON Schema. It returns nil or a
// *[ValidationError]; an error of any other type means the embedded schema
// itself failed to compile, which is a bug.
func ValidateDocument(raw []byte) error {
	return validate(raw, func(t string) bool { return slices.Contains(documentTypes, t) },
		`value must be one of "EPCISDocument", "EPCISQueryDocument"`)
}

// ValidateEvent validates one standalone EPCIS event, as captured on its own
// (for example the body of a single-event capture): GS1's schema then
// requires its own "@context". Events inside a document are validated by
// [ValidateDocument] and need no @context of their own.
func ValidateEvent(raw []byte) error {
	return validate(raw, func(t string) bool { return !slices.Contains(documentTypes, t) },
		"an event is expected here, not a document")
}

func validate(raw []byte, typeOK func(string) bool, typeMsg string) error {
	sch, err := compiledSchema()
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		msg := "not valid JSON: " + err.Error()
		var se *json.SyntaxError
		if errors.As(err, &se) {
			msg = fmt.Sprintf("not valid JSON at byte %d: %v", se.Offset, se)
		}
		return newValidationError(Problem{Message: msg})
	}
	obj, ok := inst.(map[string]any)
	if !ok {
		return newValidationError(Problem{Message: "value must be a JSON object"})
	}
	var ps []Problem
	if t, ok := obj["type"].(string); ok && !typeOK(t) {
		ps = append(ps, Problem{Location: "/type", Message: typeMsg})
	}
	if err := sch.Validate(inst); err != nil {
		var ve *jsonschema.ValidationError
		if !errors.As(err, &ve) {
			return fmt.Errorf("epcis: schema validation: %w", err)
		}
		ps = append(ps, explain(ve, inst)...)
	}
	if len(ps) == 0 {
		return nil
	}
	return newValidationError(dedupe(ps)...)
}

// --- turning the library's error tree into problem lines ---

var printer = message.NewPrinter(language.English)

// problem is an intermediate node: a leaf (msg set) or a failed
// anyOf/oneOf (alts set, one problem list per alternative).
type problem struct {
	loc  []string
	msg  string
	alts [][]problem

	// for combining "standard value or URI" alternatives
	notURI   any    // the value, when this is an "is not an absolute URI" leaf
	reserved string // the value, when it is a URI in a namespace reserved for standard values
	enum     []any  // the allowed values, when this is an enum leaf
}

type explainer struct {
	inst any
}

// explain flattens the error tree: allOf, $ref, if/then and friends add
// nothing a reader needs, so only leaves are kept; anyOf/oneOf are resolved
// into a single problem (see resolve).
func explain(ve *jsonschema.ValidationError, inst any) []Problem {
	x := explainer{inst: inst}
	ps := resolve(x.flatten(ve, nil))
	out := make([]Problem, 0, len(ps))
	for _, p := range ps {
		out = append(out, Problem{Location: pointer(p.loc), Message: p.msg})
	}
	return out
}

func (x explainer) flatten(e *jsonschema.ValidationError, trusted []string) []problem {
	loc := e.InstanceLocation
	switch k := e.ErrorKind.(type) {
	case *kind.PropertyNames:
		// jsonschema v6.0.3 stores an aliased slice as the location of a
		// propertyNames error (validator.go: verr.InstanceLocation =
		// vd.vloc without cloning), so its tokens may be overwritten by
		// sibling properties; only its length is reliable. Recover the
		// object from the nearest trustworthy ancestor location.
		obj := x.findObjectWithKey(trusted, len(loc), k.Property)
		return []problem{{loc: appendTok(obj, k.Property), msg: propertyNameMessage(e, k.Property)}}
	case *kind.AdditionalProperties:
		var ps []problem
		for _, name := range k.Properties {
			ps = append(ps, problem{loc: appendTok(loc, name),
				msg: fmt.Sprintf("property %q is not allowed%s", name, inDefinition(e.SchemaURL))})
		}
		return ps
	case *kind.AnyOf:
		return []problem{x.alternatives(e)}
	case *kind.OneOf:
		if k.Subschemas == nil { // no alternative matched: like anyOf
			return []problem{x.alternatives(e)}
		}
		return []problem{{loc: loc, msg: fmt.Sprintf("value matches more than one alternative (%d and %d) where exactly one is required",
			k.Subschemas[0], k.Subschemas[1])}}
	}
	if len(e.Causes) > 0 {
		var ps []problem
		for _, c := range e.Causes {
			ps = append(ps, x.flatten(c, loc)...)
		}
		return ps
	}
	p := problem{loc: loc, msg: leafMessage(e)}
	switch k := e.ErrorKind.(type) {
	case *kind.Format:
		if k.Want == "uri" {
			p.notURI = k.Got
		}
	case *kind.Enum:
		p.enum = k.Want
	case *kind.Pattern:
		if strings.HasPrefix(k.Want, "^(?!") {
			p.reserved = k.Got
		}
	}
	return []problem{p}
}

func (x explainer) alternatives(e *jsonschema.ValidationError) problem {
	p := problem{loc: e.InstanceLocation}
	for _, c := range e.Causes {
		p.alts = append(p.alts, resolve(x.flatten(c, e.InstanceLocation)))
	}
	return p
}

// findObjectWithKey returns the location of the first object (depth-first,
// keys in sorted order) at exactly depth tokens below the root and inside
// prefix that has the property key; prefix itself if there is none.
func (x explainer) findObjectWithKey(prefix []string, depth int, key string) []string {
	start, ok := lookup(x.inst, prefix)
	if !ok || depth < len(prefix) {
		return prefix
	}
	var found []string
	var walk func(v any, path []string) bool
	walk = func(v any, path []string) bool {
		if len(path) == depth {
			if m, ok := v.(map[string]any); ok {
				if _, ok := m[key]; ok {
					found = slices.Clone(path)
					return true
				}
			}
			return false
		}
		switch v := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if walk(v[k], append(path, k)) {
					return true
				}
			}
		case []any:
			for i, c := range v {
				if walk(c, append(path, strconv.Itoa(i))) {
					return true
				}
			}
		}
		return false
	}
	if walk(start, slices.Clone(prefix)) {
		return found
	}
	return prefix
}

func lookup(v any, path []string) (any, bool) {
	for _, tok := range path {
		switch c := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = c[tok]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			v = c[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// resolve replaces every failed anyOf/oneOf by one leaf:
//   - it is dropped when one of its alternatives failed only at locations
//     that already carry a direct problem (an "action" that is not in the
//     enum also fails the "action must be ADD" alternatives: one line is
//     enough);
//   - otherwise the alternatives are joined with "or": at their common
//     location when they all failed at one location, else at the anyOf's
//     location, keeping the alternatives with the fewest problems and
//     naming each problem's location relative to it.
func resolve(ps []problem) []problem {
	direct := map[string]bool{}
	for _, p := range ps {
		if p.alts == nil {
			direct[pointer(p.loc)] = true
		}
	}
	var out []problem
	for _, p := range ps {
		if p.alts == nil {
			out = append(out, p)
			continue
		}
		if r, ok := resolveAlternatives(p, direct); ok {
			out = append(out, r)
		}
	}
	return out
}

func resolveAlternatives(p problem, direct map[string]bool) (problem, bool) {
	for _, alt := range p.alts {
		covered := len(alt) > 0
		for _, q := range alt {
			if !direct[pointer(q.loc)] {
				covered = false
				break
			}
		}
		if covered {
			return problem{}, false
		}
	}
	var chosen [][]problem
	locs := map[string]bool{}
	for _, alt := range p.alts {
		if len(alt) > 0 {
			chosen = append(chosen, alt)
			for _, q := range alt {
				locs[pointer(q.loc)] = true
			}
		}
	}
	if len(chosen) == 0 {
		return problem{loc: p.loc, msg: "value does not match any allowed alternative"}, true
	}
	if len(locs) == 1 {
		if m, ok := vocabularyMessage(chosen); ok {
			return problem{loc: chosen[0][0].loc, msg: m}, true
		}
		var texts []string
		for _, alt := range chosen {
			var parts []string
			for _, q := range alt {
				parts = append(parts, q.msg)
			}
			texts = appendUnique(texts, strings.Join(parts, " and "))
		}
		return problem{loc: chosen[0][0].loc, msg: strings.Join(texts, ", or ")}, true
	}
	fewest := len(chosen[0])
	for _, alt := range chosen {
		fewest = min(fewest, len(alt))
	}
	var texts []string
	for _, alt := range chosen {
		if len(alt) != fewest {
			continue
		}
		var parts []string
		for _, q := range alt {
			if rel := strings.TrimPrefix(pointer(q.loc[min(len(p.loc), len(q.loc)):]), "/"); rel != "" {
				parts = append(parts, rel+": "+q.msg)
			} else {
				parts = append(parts, q.msg)
			}
		}
		texts = appendUnique(texts, strings.Join(parts, " and "))
	}
	return problem{loc: p.loc, msg: "either " + strings.Join(texts, ", or ")}, true
}

// vocabularyMessage phrases the commonest failure in GS1's schema, a value
// that is neither one of a CBV/GS1 vocabulary's bare names nor a URI (for a
// non-standard value), as one sentence.
func vocabularyMessage(alts [][]problem) (string, bool) {
	var got any
	var reserved string
	var enum []any
	for _, alt := range alts {
		if len(alt) != 1 {
			return "", false
		}
		switch q := alt[0]; {
		case q.notURI != nil:
			got = q.notURI
		case q.reserved != "":
			reserved = q.reserved
		case q.enum != nil:
			enum = q.enum
		default:
			return "", false
		}
	}
	if enum == nil {
		return "", false
	}
	list, n := enumList(enum)
	if n > len(enum) {
		n = len(enum)
	}
	switch {
	case got != nil && reserved == "":
		return fmt.Sprintf("%s is neither one of the %d standard values (%s) nor an absolute URI", display(got), n, list), true
	case reserved != "" && got == nil:
		// "urn:epcglobal:cbv:bizstep:shipping" -> suggest "shipping"
		for _, sep := range []string{":", "-", "/"} {
			i := strings.LastIndex(reserved, sep)
			if i >= 0 && slices.Contains(enum, any(reserved[i+1:])) {
				return fmt.Sprintf("%q must be written as the bare standard value %q", reserved, reserved[i+1:]), true
			}
		}
		return fmt.Sprintf("%q is in the namespace of the standard values, but is not one of the %d standard values (%s), which are written as bare names", reserved, n, list), true
	}
	return "", false
}

func appendUnique(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

func leafMessage(e *jsonschema.ValidationError) string {
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		if len(k.Missing) == 1 {
			return fmt.Sprintf("missing property %q", k.Missing[0])
		}
		return "missing properties " + quoteList(k.Missing)
	case *kind.Enum:
		return enumMessage(k.Want)
	case *kind.Const:
		return enumMessage([]any{k.Want})
	case *kind.Type:
		return fmt.Sprintf("value must be of type %s (got %s)", strings.Join(k.Want, " or "), k.Got)
	case *kind.Format:
		got := display(k.Got)
		switch k.Want {
		case "date-time":
			return fmt.Sprintf(`%s is not an RFC 3339 date-time with a UTC offset (e.g. "2005-04-03T20:33:31.116-06:00")`, got)
		case "uri":
			return fmt.Sprintf("%s is not an absolute URI", got)
		}
		return fmt.Sprintf("%s is not a valid %s", got, k.Want)
	case *kind.Pattern:
		return patternMessage(k)
	case *kind.Not:
		return "must not be present here"
	case *kind.FalseSchema:
		return "not allowed here"
	case *kind.UniqueItems:
		return fmt.Sprintf("items %d and %d are duplicates; items must be unique", k.Duplicates[0], k.Duplicates[1])
	case *kind.MinItems:
		return fmt.Sprintf("must have at least %d item(s), has %d", k.Want, k.Got)
	}
	return e.ErrorKind.LocalizedString(printer)
}

// enumMessage lists short enumerations whole and long ones (CBV vocabularies
// have up to 72 values) by their first few values and the count.
func enumMessage(want []any) string {
	if len(want) == 1 {
		return "value must be " + display(want[0])
	}
	list, n := enumList(want)
	if n > len(want) {
		return "value must be one of " + list
	}
	return fmt.Sprintf("value must be one of the %d values %s", n, list)
}

// enumList renders at most 8 values; n is len(want) when the list was cut,
// and len(want)+1 when it is complete.
func enumList(want []any) (list string, n int) {
	const show = 6
	vals := make([]string, 0, len(want))
	for _, v := range want {
		vals = append(vals, display(v))
	}
	if len(vals) <= show+2 {
		return strings.Join(vals, ", "), len(vals) + 1
	}
	return strings.Join(vals[:show], ", ") + ", ...", len(vals)
}

func patternMessage(k *kind.Pattern) string {
	p := k.Want
	switch {
	case strings.HasPrefix(p, `^(?!(urn:epcglobal:cbv`):
		return fmt.Sprintf(`%q must not be a CBV URN or ns.gs1.org/cbv URI: write standard CBV values as bare names (e.g. "shipping")`, k.Got)
	case strings.HasPrefix(p, `^(?!(https?:\/\/gs1\.org\/voc`):
		return fmt.Sprintf(`%q must not be a gs1.org/voc URI: write standard GS1 Web Vocabulary values as bare names (e.g. "Temperature")`, k.Got)
	case len(p) > 2 && p[0] == '^' && p[len(p)-1] == '$' && isLiteral(p[1:len(p)-1]):
		return fmt.Sprintf("value must be %q", p[1:len(p)-1])
	}
	return fmt.Sprintf("%q does not match pattern %q", k.Got, p)
}

func isLiteral(s string) bool {
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return s != ""
}

// propertyNameMessage explains a property name rejected by a propertyNames
// schema. In GS1's schema these are always "one of the standard field names
// here, or a namespaced extension (an absolute URI, which includes CURIEs
// such as ex:field)".
func propertyNameMessage(e *jsonschema.ValidationError, name string) string {
	var hasEnum, hasURI bool
	var walk func(*jsonschema.ValidationError)
	walk = func(c *jsonschema.ValidationError) {
		switch k := c.ErrorKind.(type) {
		case *kind.Enum:
			hasEnum = true
		case *kind.Format:
			hasURI = hasURI || k.Want == "uri"
		}
		for _, cc := range c.Causes {
			walk(cc)
		}
	}
	walk(e)
	where := inDefinition(e.SchemaURL)
	switch {
	case hasEnum && hasURI:
		return fmt.Sprintf("property %q is not a standard field%s, and an extension property must be namespaced (a CURIE such as \"ex:%s\" or an absolute URI)", name, where, name)
	case hasURI:
		return fmt.Sprintf("property %q is not allowed%s: an extension property must be namespaced (a CURIE such as \"ex:%s\" or an absolute URI)", name, where, name)
	}
	var msgs []string
	for _, c := range e.Causes {
		for _, p := range resolve(explainer{}.flatten(c, nil)) {
			msgs = appendUnique(msgs, p.msg)
		}
	}
	return fmt.Sprintf("property name %q is not allowed%s: %s", name, where, strings.Join(msgs, "; "))
}

// inDefinition names the schema definition an error comes from, e.g.
// " in quantityElement" for ".../EPCIS-JSON-Schema.json#/definitions/quantityElement/additionalProperties".
func inDefinition(schemaURL string) string {
	_, frag, ok := strings.Cut(schemaURL, "#/definitions/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(frag, "/")
	if name == "" {
		return ""
	}
	return " in " + name
}

func display(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case json.Number:
		return v.String()
	case nil:
		return "null"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

func appendTok(loc []string, tok string) []string {
	return append(slices.Clone(loc), tok)
}

// pointer renders tokens as an RFC 6901 JSON pointer.
func pointer(toks []string) string {
	var b strings.Builder
	for _, t := range toks {
		b.WriteByte('/')
		t = strings.ReplaceAll(t, "~", "~0")
		b.WriteString(strings.ReplaceAll(t, "/", "~1"))
	}
	return b.String()
}

func dedupe(ps []Problem) []Problem {
	sortProblems(ps)
	out := ps[:0]
	for i, p := range ps {
		if i > 0 && p == ps[i-1] {
			continue
		}
		out = append(out, p)
	}
	return out
}

// sortProblems orders by location, comparing pointer tokens one by one and
// array indices numerically ("/eventList/2" before "/eventList/10"), then by
// message.
func sortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool {
		if c := comparePointers(ps[i].Location, ps[j].Location); c != 0 {
			return c < 0
		}
		return ps[i].Message < ps[j].Message
	})
}

func comparePointers(a, b string) int {
	ta := strings.Split(a, "/")
	tb := strings.Split(b, "/")
	for i := 0; i < len(ta) && i < len(tb); i++ {
		if ta[i] == tb[i] {
			continue
		}
		na, errA := strconv.Atoi(ta[i])
		nb, errB := strconv.Atoi(tb[i])
		if errA == nil && errB == nil {
			if na < nb {
				return -1
			}
			return 1
		}
		return strings.Compare(ta[i], tb[i])
	}
	return len(ta) - len(tb)
}
