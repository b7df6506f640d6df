package fhirdoc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"

	apb "github.com/google/fhir/go/proto/google/fhir/proto/annotations_go_proto"
	bcrpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/bundle_and_contained_resource_go_proto"
)

// MaxSize is the largest document this package reads, in bytes (16 MiB).
// A Synthea patient's whole history is about 250 KB.
const MaxSize = 16 << 20

// maxDepth bounds how deeply google/fhir descends (counted in path
// segments): far beyond real resources, short of exhausting the stack.
const maxDepth = 100

// Info describes a valid FHIR R4 document.
type Info struct {
	// ResourceType is the document's own type, e.g. "Patient" or "Bundle".
	ResourceType string
	// Types are the resource types the document holds, sorted and unique:
	// its own, and for a Bundle the type of every entry's resource
	// (descending into Bundles inside Bundles). Contained resources are
	// part of their container and are not listed.
	Types []string
	// Entries is the number of entries of a Bundle; zero for any other
	// resource.
	Entries int
}

// Error is why a document was rejected: either it is not valid FHIR R4, or
// (Unsupported) it is valid FHIR that medchain cannot map.
//
// Messages never repeat the values of the document, which may be personal
// data and errors end up in logs: they name the element (Path) and say
// what is wrong with it. The only values quoted are structural ones: an
// unknown field's name, a resource type, and the codes and non-patient
// references a Consent is refused for.
type Error struct {
	// Path locates the element in FHIRPath-like notation, e.g.
	// "Observation.status" or "Bundle.entry[3].resource.birthDate" (the
	// entry's resource type is not part of the path). Empty when the
	// problem is the document as a whole.
	Path string
	// Msg says what is wrong.
	Msg string
	// Unsupported is set when the document is valid FHIR but medchain
	// refuses it (see ParseConsent); errors.Is(err, ErrUnsupported) reports
	// it too. Otherwise errors.Is(err, ErrInvalid) holds.
	Unsupported bool
}

// Sentinels matched by errors.Is against an *Error.
var (
	ErrInvalid     = errors.New("fhir: invalid document")
	ErrUnsupported = errors.New("fhir: not supported by medchain")
)

func (e *Error) Error() string {
	if e.Path == "" {
		return "fhir: " + e.Msg
	}
	return "fhir: " + e.Path + ": " + e.Msg
}

// Is makes errors.Is(err, ErrInvalid) and errors.Is(err, ErrUnsupported)
// work.
func (e *Error) Is(target error) bool {
	if e.Unsupported {
		return target == ErrUnsupported
	}
	return target == ErrInvalid
}

func invalid(path, format string, args ...any) *Error {
	return &Error{Path: path, Msg: fmt.Sprintf(format, args...)}
}

func unsupported(path, format string, args ...any) *Error {
	return &Error{Path: path, Msg: fmt.Sprintf(format, args...), Unsupported: true}
}

// unmarshaller is google/fhir's validating R4 parser. It keeps no state
// between calls, so one serves every goroutine.
var unmarshaller = sync.OnceValues(func() (*jsonformat.Unmarshaller, error) {
	u, err := jsonformat.NewUnmarshaller("UTC", fhirversion.R4)
	if err != nil {
		return nil, err
	}
	u.MaxNestingDepth = maxDepth
	return u, nil
})

// Validate checks that raw is one FHIR R4 resource in JSON (a Bundle
// counts as one) with google/fhir's validating parser: known resource and
// element names, the right JSON types, valid codes of required value sets,
// valid dates and times, required elements present, references to the
// allowed resource types. It rejects documents over MaxSize.
//
// On failure the error is an *Error naming the first problem in path
// order; there may be others.
func Validate(raw []byte) (Info, error) {
	_, info, err := parse(raw)
	return info, err
}

// parse validates raw and returns google/fhir's ContainedResource.
func parse(raw []byte) (*bcrpb.ContainedResource, Info, error) {
	if err := precheck(raw); err != nil {
		return nil, Info{}, err
	}
	u, err := unmarshaller()
	if err != nil {
		return nil, Info{}, fmt.Errorf("fhirdoc: %w", err)
	}
	msg, err := u.Unmarshal(raw)
	if err != nil {
		return nil, Info{}, convert(err)
	}
	cr, ok := msg.(*bcrpb.ContainedResource)
	if !ok {
		return nil, Info{}, fmt.Errorf("fhirdoc: google/fhir returned %T, not an R4 ContainedResource", msg)
	}
	info := Info{ResourceType: resourceType(cr)}
	types := map[string]bool{}
	collectTypes(cr, types)
	for t := range types {
		info.Types = append(info.Types, t)
	}
	slices.Sort(info.Types)
	if b := cr.GetBundle(); b != nil {
		info.Entries = len(b.GetEntry())
	}
	return cr, info, nil
}

// precheck turns the ways a document can fail before FHIR starts into
// errors of their own: too large, empty, not JSON, not a JSON object.
func precheck(raw []byte) error {
	if len(raw) > MaxSize {
		return invalid("", "document is %d bytes, over the limit of %d bytes (16 MiB)", len(raw), MaxSize)
	}
	trimmed := bytes.TrimLeft(raw, " \t\r\n")
	if len(trimmed) == 0 {
		return invalid("", "empty document: expected a FHIR resource in JSON")
	}
	if !json.Valid(raw) {
		var v json.RawMessage
		err := json.Unmarshal(raw, &v)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return invalid("", "not JSON: %s (at byte %d)", se.Error(), se.Offset)
		}
		return invalid("", "not JSON")
	}
	switch trimmed[0] {
	case '{':
		return nil
	case '[':
		return invalid("", "a JSON array, not a FHIR resource: send one resource (several go in a Bundle)")
	case '"':
		return invalid("", "a JSON string, not a FHIR resource: expected a JSON object")
	case 't', 'f':
		return invalid("", "a JSON boolean, not a FHIR resource: expected a JSON object")
	case 'n':
		return invalid("", "JSON null, not a FHIR resource: expected a JSON object")
	default:
		return invalid("", "a JSON number, not a FHIR resource: expected a JSON object")
	}
}

// resourceType names the resource held by cr, e.g. "Observation".
func resourceType(cr *bcrpb.ContainedResource) string {
	m := cr.ProtoReflect()
	fd := m.WhichOneof(m.Descriptor().Oneofs().ByName("oneof_resource"))
	if fd == nil {
		return ""
	}
	return string(fd.Message().Name())
}

func collectTypes(cr *bcrpb.ContainedResource, into map[string]bool) {
	if t := resourceType(cr); t != "" {
		into[t] = true
	}
	for _, e := range cr.GetBundle().GetEntry() {
		if r := e.GetResource(); r != nil {
			collectTypes(r, into)
		}
	}
}

// The R4 resource types, by name, with their message descriptors.
var (
	containedDesc = (&bcrpb.ContainedResource{}).ProtoReflect().Descriptor()
	anyDesc       = (&anypb.Any{}).ProtoReflect().Descriptor()
	resourceDescs = func() map[string]protoreflect.MessageDescriptor {
		m := map[string]protoreflect.MessageDescriptor{}
		fields := containedDesc.Oneofs().ByName("oneof_resource").Fields()
		for i := 0; i < fields.Len(); i++ {
			md := fields.Get(i).Message()
			m[string(md.Name())] = md
		}
		return m
	}()
)

// isResourceType reports whether t is an R4 resource type.
func isResourceType(t string) bool {
	_, ok := resourceDescs[t]
	return ok
}

// resourceDesc finds a resource type case-insensitively: google/fhir's
// paths name them "Observation" while parsing and "observation" while
// validating.
func resourceDesc(t string) protoreflect.MessageDescriptor {
	if md, ok := resourceDescs[t]; ok {
		return md
	}
	if t == "" {
		return nil
	}
	return resourceDescs[string(unicode.ToUpper(rune(t[0])))+t[1:]]
}

func isChoice(md protoreflect.MessageDescriptor) bool {
	return md != nil && proto.HasExtension(md.Options(), apb.E_IsChoiceType)
}

// issue is one of google/fhir's errors, read from its (internal)
// jsonpbhelper.UnmarshalError.
type issue struct {
	path, details, diagnostics string
}

var errorAt = regexp.MustCompile(`^error at "([^"]*)": (.*)$`)

// issues reads google/fhir's error: an UnmarshalErrorList or one
// UnmarshalError, whose type lives in an internal package, so its exported
// fields are read by reflection. Anything else becomes one issue with the
// error's text.
func issues(err error) []issue {
	v := reflect.ValueOf(err)
	var out []issue
	one := func(v reflect.Value) bool {
		for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
			if v.IsNil() {
				return false
			}
			v = v.Elem()
		}
		if v.Kind() != reflect.Struct {
			return false
		}
		p, d, g := v.FieldByName("Path"), v.FieldByName("Details"), v.FieldByName("Diagnostics")
		if p.Kind() != reflect.String || d.Kind() != reflect.String || g.Kind() != reflect.String {
			return false
		}
		out = append(out, issue{p.String(), d.String(), g.String()})
		return true
	}
	if v.Kind() == reflect.Slice {
		for i := 0; i < v.Len(); i++ {
			if !one(v.Index(i)) {
				out = nil
				break
			}
		}
		if len(out) > 0 {
			return out
		}
	} else if one(v) {
		return out
	}
	// Unknown shape: read "error at "PATH": DETAILS" lines.
	for line := range strings.SplitSeq(err.Error(), "\n") {
		if m := errorAt.FindStringSubmatch(line); m != nil {
			out = append(out, issue{path: m[1], details: m[2]})
		} else {
			out = append(out, issue{details: line})
		}
	}
	return out
}

// convert turns google/fhir's error into an *Error for its first problem
// in path order (google/fhir reports the elements of an object in random
// order).
func convert(err error) error {
	var errs []*Error
	for _, is := range issues(err) {
		errs = append(errs, fromIssue(is))
	}
	if len(errs) == 0 {
		return invalid("", "rejected by the FHIR R4 parser")
	}
	slices.SortStableFunc(errs, func(a, b *Error) int {
		if c := comparePaths(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.Msg, b.Msg)
	})
	return errs[0]
}

var (
	missingField = regexp.MustCompile(`^missing required field "([^"]+)"$`)
	multiChoice  = regexp.MustCompile(`^cannot accept multiple values for (\w+) field$`)
	notACode     = regexp.MustCompile(`is not a (\w+)$`)
	jsonReason   = regexp.MustCompile(`^(?:\w+: )?([^,]*)`)
)

// fromIssue rewrites one google/fhir problem: the path in FHIR's JSON
// element names, the message without the offending value.
func fromIssue(is issue) *Error {
	path, md := normalizePath(is.path)
	d := is.details
	switch {
	case d == "unknown resource type":
		// The path ends in the unknown type's name.
		p := is.path
		if i := strings.LastIndexByte(p, '.'); i >= 0 {
			p, _ = normalizePath(p[:i])
		} else {
			p = ""
		}
		return invalid(join(p, "resourceType"), "unknown resource type %s", quoteName(unquote(is.diagnostics)))
	case d == "invalid resource type":
		return invalid(join(path, "resourceType"), "must be a string naming a FHIR resource type")
	case missingField.MatchString(d):
		name := missingField.FindStringSubmatch(d)[1]
		if name == "resourceType" {
			return invalid(join(path, name), "missing required field: a FHIR resource names its type in resourceType")
		}
		if md != nil {
			if f := md.Fields().ByJSONName(name); f != nil && isChoice(f.Message()) {
				name += "[x]"
			}
		}
		return invalid(join(path, name), "missing required field")
	case d == "unknown field":
		return invalid(join(path, unquote(is.diagnostics)), "unknown field")
	case multiChoice.MatchString(d):
		// Which of the values google/fhir read first depends on map order:
		// name the element, not the value it refused.
		name := snakeToCamel(multiChoice.FindStringSubmatch(d)[1])
		return invalid(join(path, name+"[x]"), "more than one value: a choice element takes one of its types")
	case d == "code type mismatch":
		if m := notACode.FindStringSubmatch(is.diagnostics); m != nil {
			return invalid(path, "invalid code: not one of the codes of %s", m[1])
		}
		return invalid(path, "invalid code")
	case d == "expected array":
		return invalid(path, "wrong JSON type: expected an array")
	case d == "invalid JSON" && is.path != "":
		return invalid(path, "wrong JSON type: expected an object")
	case d == "invalid JSON":
		// Valid JSON to encoding/json that jsoniter refuses, e.g. a number
		// out of range. Its diagnostics quote the document; keep the
		// reason only.
		reason := "unreadable JSON"
		if m := jsonReason.FindStringSubmatch(is.diagnostics); m != nil && m[1] != "" {
			reason = m[1]
		}
		return invalid(path, "invalid JSON: %s", reason)
	case d == "expected date":
		return invalid(path, "invalid date: expected YYYY, YYYY-MM or YYYY-MM-DD, a real calendar date")
	case d == "expected datetime":
		return invalid(path, "invalid dateTime: expected YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss with a time zone")
	case d == "expected instant":
		return invalid(path, "invalid instant: expected YYYY-MM-DDThh:mm:ss[.sss] with a time zone")
	}
	return invalid(path, "%s", d)
}

func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

func unquote(s string) string {
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	return s
}

// quoteName quotes a name taken from the document, cut to a sane length.
func quoteName(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return strconv.Quote(s)
}

func snakeToCamel(s string) string {
	parts := strings.Split(s, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// normalizePath rewrites a google/fhir path in FHIR's JSON element names
// and returns the message descriptor of the element it ends on (nil when
// it cannot tell). google/fhir writes a path two ways: while parsing,
// "Bundle.entry[1].resource.Patient.valueQuantity" (JSON names, with the
// type of an inline resource); while validating,
// "Bundle.entry[1].resource.patient.value.quantity" (proto names: a choice
// element and its type as two segments). Both become
// "Bundle.entry[1].resource.valueQuantity".
func normalizePath(p string) (string, protoreflect.MessageDescriptor) {
	if p == "" {
		return "", nil
	}
	segs := strings.Split(p, ".")
	md := resourceDesc(segs[0])
	if md == nil {
		return p, nil
	}
	out := []string{string(md.Name())}
	for i := 1; i < len(segs); i++ {
		if md == nil {
			out = append(out, segs[i])
			continue
		}
		name, _ := splitIndex(segs[i])
		f, member := lookup(md, strings.TrimPrefix(name, "_"))
		switch {
		case f == nil:
			out = append(out, segs[i])
			md = nil
		case isChoice(f.Message()) && member == nil:
			// Validation path: the next segment is the choice's type.
			if i+1 >= len(segs) {
				out = append(out, segs[i])
				md = f.Message()
				continue
			}
			tname, tindex := splitIndex(segs[i+1])
			mf := f.Message().Fields().ByJSONName(tname)
			if mf == nil {
				out = append(out, segs[i])
				md = nil
				continue
			}
			out = append(out, name+upperFirst(tname)+tindex)
			md = mf.Message()
			i++
		case member != nil:
			out = append(out, segs[i])
			md = member.Message()
		default:
			out = append(out, segs[i])
			md = f.Message()
			if md != nil && (md.FullName() == containedDesc.FullName() || md.FullName() == anyDesc.FullName()) {
				// An inline resource: the next segment is its type.
				md = nil
				if i+1 < len(segs) {
					if rd := resourceDesc(segs[i+1]); rd != nil {
						md = rd
						i++
					}
				}
			}
		}
	}
	return strings.Join(out, "."), md
}

// lookup finds the field a JSON name stands for in md. For a choice
// element written with its type ("valueQuantity") it returns the choice
// field and the member for the type.
func lookup(md protoreflect.MessageDescriptor, name string) (f, member protoreflect.FieldDescriptor) {
	if f := md.Fields().ByJSONName(name); f != nil {
		return f, nil
	}
	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		f := fields.Get(i)
		if !isChoice(f.Message()) || !strings.HasPrefix(name, f.JSONName()) {
			continue
		}
		rest := name[len(f.JSONName()):]
		if rest == "" {
			continue
		}
		if m := f.Message().Fields().ByJSONName(lowerFirst(rest)); m != nil {
			return f, m
		}
	}
	return nil, nil
}

func splitIndex(seg string) (name, index string) {
	if i := strings.IndexByte(seg, '['); i >= 0 {
		return seg[:i], seg[i:]
	}
	return seg, ""
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// comparePaths orders paths element by element, indexes as numbers, so
// entry[2] comes before entry[10] and a parent before its children.
func comparePaths(a, b string) int {
	as, bs := pathKey(a), pathKey(b)
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, y := as[i], bs[i]
		if xn, err1 := strconv.Atoi(x); err1 == nil {
			if yn, err2 := strconv.Atoi(y); err2 == nil {
				if xn != yn {
					return xn - yn
				}
				continue
			}
		}
		if c := strings.Compare(x, y); c != 0 {
			return c
		}
	}
	return len(as) - len(bs)
}

func pathKey(p string) []string {
	if p == "" {
		return nil
	}
	return strings.FieldsFunc(p, func(r rune) bool { return r == '.' || r == '[' || r == ']' })
}
