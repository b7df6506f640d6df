package epcis

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/medchain/medchain/internal/jsondec"
)

// HashAlgorithmVersion is the version suffix of every event hash.
const HashAlgorithmVersion = "CBV2.0"

// The CBV 2.0 "EPCIS Event Hash ID" (CBV 2.0 section 8.9; reference
// implementation: github.com/RalphTro/epcis-event-hash-generator).
//
// The pre-hash string of an event is
//
//	"eventType=" + type
//	+ the standard fields in the canonical property order below
//	+ the ILMD ("ilmd" + its elements, sorted)
//	+ the user extensions at event level, sorted
//
// with no separators. A field with a value is written "name=value"; a
// field with children is written as its name followed by its children; list
// elements are named after the list (epcList -> "epc", quantityList ->
// "quantityElement", sensorElementList -> "sensorElement") and sorted by
// their rendered text. Fields that are absent or empty are left out.
// eventID, recordTime, errorDeclaration, @context and comments never take
// part, nor do repository fields listed in a document's ignoreFields (see
// ignoreNamespace and documentHasher).
//
// Values are normalised first: whitespace trimmed; bare CBV / GS1 Web
// Vocabulary names expanded to their web URIs; CURIEs expanded with the
// document's @context; EPCIS 1.x CBV URNs rewritten to CBV web URIs;
// numbers written as exact plain decimals without trailing zeros;
// timestamps in UTC with millisecond precision; EPC URIs and GS1 Digital
// Link URIs in constrained canonical GS1 Digital Link form. Extension
// property names are written "{namespace}local".

// eventFieldOrder is the canonical property order of CBV 2.0 (the table in
// the reference implementation's README; the OpenEPCIS implementation uses
// the same), with two points the CBV table leaves open or the published
// test vectors decide differently:
//
//   - certificationInfo is hashed right after eventTimeZoneOffset, as both
//     the reference implementation at the pinned commit and OpenEPCIS do
//     (the CBV table does not list it; the reference implementation later,
//     in 2025, stopped hashing it).
//   - destinationList comes before sourceList. The CBV table lists sourceList
//     first, but the reference implementation that produced the published
//     vectors emits these lists sorted by name, and its vector
//     ReferenceEventHashAlgorithm3 (one event with both lists) has
//     "...destinationList...sourceList...". The vectors are normative here.
var eventFieldOrder = []struct {
	name   string
	render func(h *hasher, name string, v any) string
}{
	{"eventTime", renderTime},
	{"eventTimeZoneOffset", renderPlain},
	{"certificationInfo", renderRepeated},
	{"epcList", renderEPCs},
	{"parentID", renderPlain},
	{"inputEPCList", renderEPCs},
	{"childEPCs", renderEPCs},
	{"quantityList", renderQuantities},
	{"childQuantityList", renderQuantities},
	{"inputQuantityList", renderQuantities},
	{"outputEPCList", renderEPCs},
	{"outputQuantityList", renderQuantities},
	{"action", renderPlain},
	{"transformationID", renderPlain},
	{"bizStep", vocabRenderer(vocBizStep)},
	{"disposition", vocabRenderer(vocDisposition)},
	{"persistentDisposition", renderPersistentDisposition},
	{"readPoint", renderLocation},
	{"bizLocation", renderLocation},
	{"bizTransactionList", partyListRenderer("bizTransaction", vocBizTxType)},
	{"destinationList", partyListRenderer("destination", vocSrcDestType)},
	{"sourceList", partyListRenderer("source", vocSrcDestType)},
	{"sensorElementList", renderSensorElements},
	{"ilmd", renderILMD},
}

var sensorMetadataOrder = []string{"time", "startTime", "endTime", "deviceID", "deviceMetadata",
	"rawData", "dataProcessingMethod", "bizRules"}

var sensorReportOrder = []string{"type", "exception", "deviceID", "deviceMetadata", "rawData",
	"dataProcessingMethod", "time", "microorganism", "chemicalSubstance", "value", "component",
	"stringValue", "booleanValue", "hexBinaryValue", "uriValue", "minValue", "maxValue",
	"meanValue", "sDev", "percRank", "percValue", "uom", "coordinateReferenceSystem"}

// eventFieldsNotHashed are event-level properties that never enter the
// pre-hash string ("type" is written first as eventType).
var eventFieldsNotHashed = map[string]bool{
	"type": true, "eventID": true, "recordTime": true, "errorDeclaration": true, "@context": true,
}

// ignoreNamespace is the namespace agreed for repository-specific fields in
// the reference implementation (issue #109, PR #114): its properties never
// take part in the hash, and a document (or event) may list further
// properties to leave out in "<prefix>:ignoreFields" (the prefix bound to
// this namespace by the @context, whatever its name).
const ignoreNamespace = "https://repository-x.example.com/"

const rdfsComment = "{http://www.w3.org/2000/01/rdf-schema#}comment"

type hasher struct {
	pfx    prefixes
	ignore map[string]bool // expanded property names ("{ns}local") to leave out
}

func newHasher(pfx prefixes, ignoreFields []string) *hasher {
	h := &hasher{pfx: pfx, ignore: map[string]bool{}}
	h.addIgnored(ignoreFields)
	return h
}

func (h *hasher) addIgnored(fields []string) {
	for _, f := range fields {
		h.ignore[h.pfx.key(strings.TrimSpace(f))] = true
	}
}

// ignoreFieldsOf returns the entries of obj's "<prefix>:ignoreFields".
func (h *hasher) ignoreFieldsOf(obj map[string]any) []string {
	var out []string
	for k, v := range obj {
		if h.pfx.key(k) != "{"+ignoreNamespace+"}ignoreFields" {
			continue
		}
		switch v := v.(type) {
		case string:
			out = append(out, v)
		case []any:
			for _, e := range v {
				if s, ok := e.(string); ok {
					out = append(out, s)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// skip reports whether a property (name as written in the JSON) is left out
// of the pre-hash string wherever it appears.
func (h *hasher) skip(name string) bool {
	if name == "comment" || name == "#text" {
		return true
	}
	k := h.pfx.key(name)
	return k == rdfsComment || h.ignore[k] || strings.HasPrefix(k, "{"+ignoreNamespace+"}")
}

// preHash renders one event.
func (h *hasher) preHash(ev map[string]any) (string, error) {
	typ, _ := ev["type"].(string)
	if strings.TrimSpace(typ) == "" {
		return "", errors.New("epcis: event has no \"type\"")
	}
	var b strings.Builder
	b.WriteString("eventType=")
	b.WriteString(strings.TrimSpace(typ))
	known := make(map[string]bool, len(eventFieldOrder))
	for _, f := range eventFieldOrder {
		known[f.name] = true
		if v, ok := ev[f.name]; ok && v != nil {
			b.WriteString(f.render(h, f.name, v))
		}
	}
	var ext []string
	for k, v := range ev {
		if known[k] || eventFieldsNotHashed[k] || h.skip(k) {
			continue
		}
		ext = append(ext, h.extension(k, v)...)
	}
	sort.Strings(ext)
	for _, s := range ext {
		b.WriteString(s)
	}
	return b.String(), nil
}

// value normalises a scalar of a standard field (vocab: the field's
// standard vocabulary, or nil).
func (h *hasher) value(v any, vocab *vocabulary) string {
	switch v := v.(type) {
	case string:
		s := strings.TrimSpace(v)
		if s == "" {
			return ""
		}
		if vocab != nil && vocab.terms[s] {
			return vocab.prefix + s
		}
		s = h.pfx.value(s)
		s = cbvURNToWeb(s)
		if d, ok := canonicalDecimal(s); ok {
			return d
		}
		if dl, ok := canonicalGS1URI(s); ok {
			return dl
		}
		return s
	case json.Number:
		if d, ok := canonicalDecimal(v.String()); ok {
			return d
		}
		return v.String()
	case bool:
		if v {
			return "true"
		}
		return "false"
	}
	return "" // null, objects and arrays have no scalar value
}

func field(name, value string) string {
	if value == "" {
		return ""
	}
	return name + "=" + value
}

func renderPlain(h *hasher, name string, v any) string { return field(name, h.value(v, nil)) }

func renderTime(h *hasher, name string, v any) string {
	s, ok := v.(string)
	if !ok {
		return renderPlain(h, name, v)
	}
	if t, ok := canonicalTime(s); ok {
		return field(name, t)
	}
	return field(name, strings.TrimSpace(s))
}

func vocabRenderer(vocab *vocabulary) func(*hasher, string, any) string {
	return func(h *hasher, name string, v any) string { return field(name, h.value(v, vocab)) }
}

// renderRepeated renders a value or a list of values as sorted "name=value".
func renderRepeated(h *hasher, name string, v any) string {
	var parts []string
	for _, e := range asList(v) {
		if s := field(name, h.value(e, nil)); s != "" {
			parts = append(parts, s)
		}
	}
	return joinSorted(parts)
}

func renderEPCs(h *hasher, name string, v any) string {
	var parts []string
	for _, e := range asList(v) {
		if s := field("epc", h.value(e, nil)); s != "" {
			parts = append(parts, s)
		}
	}
	return wrap(name, joinSorted(parts))
}

func renderQuantities(h *hasher, name string, v any) string {
	var parts []string
	for _, e := range asList(v) {
		q, ok := e.(map[string]any)
		if !ok {
			continue
		}
		body := h.ordered(q, []string{"epcClass", "quantity", "uom"}, nil)
		if s := wrap("quantityElement", body); s != "" {
			parts = append(parts, s)
		}
	}
	return wrap(name, joinSorted(parts))
}

func renderPersistentDisposition(h *hasher, name string, v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	var body string
	for _, op := range []string{"set", "unset"} {
		var parts []string
		for _, e := range asList(m[op]) {
			if s := field(op, h.value(e, vocDisposition)); s != "" {
				parts = append(parts, s)
			}
		}
		body += joinSorted(parts)
	}
	return wrap(name, body)
}

func renderLocation(h *hasher, name string, v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return field(name, h.value(v, nil))
	}
	return wrap(name, h.ordered(m, []string{"id"}, nil))
}

// partyListRenderer renders bizTransactionList, sourceList and
// destinationList: each element as "type=<type>" then "<item>=<id>", the
// elements sorted.
func partyListRenderer(item string, vocab *vocabulary) func(*hasher, string, any) string {
	return func(h *hasher, name string, v any) string {
		var parts []string
		for _, e := range asList(v) {
			m, ok := e.(map[string]any)
			if !ok {
				continue
			}
			s := field("type", h.value(m["type"], vocab)) + field(item, h.value(m[item], nil))
			if s != "" {
				parts = append(parts, s)
			}
		}
		return wrap(name, joinSorted(parts))
	}
}

func renderSensorElements(h *hasher, name string, v any) string {
	var elems []string
	for _, e := range asList(v) {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		var body string
		if md, ok := m["sensorMetadata"].(map[string]any); ok {
			body += wrap("sensorMetadata", h.ordered(md, sensorMetadataOrder, nil))
		}
		var reports []string
		for _, r := range asList(m["sensorReport"]) {
			if rm, ok := r.(map[string]any); ok {
				if s := wrap("sensorReport", h.ordered(rm, sensorReportOrder, sensorReportVocab)); s != "" {
					reports = append(reports, s)
				}
			}
		}
		body += joinSorted(reports)
		body += h.extensions(m, map[string]bool{"sensorMetadata": true, "sensorReport": true})
		if s := wrap("sensorElement", body); s != "" {
			elems = append(elems, s)
		}
	}
	return wrap(name, joinSorted(elems))
}

var sensorReportVocab = map[string]*vocabulary{
	"type":      vocMeasurement,
	"exception": vocAlert,
	"component": vocComponent,
}

var timeFields = map[string]bool{"time": true, "startTime": true, "endTime": true}

// ordered renders the standard fields of a structure in the given order,
// followed by its extension properties (sorted).
func (h *hasher) ordered(m map[string]any, order []string, vocab map[string]*vocabulary) string {
	var b strings.Builder
	std := make(map[string]bool, len(order))
	for _, k := range order {
		std[k] = true
		v, ok := m[k]
		if !ok || v == nil {
			continue
		}
		if timeFields[k] {
			b.WriteString(renderTime(h, k, v))
			continue
		}
		var parts []string
		for _, e := range asList(v) {
			if s := field(k, h.value(e, vocab[k])); s != "" {
				parts = append(parts, s)
			}
		}
		b.WriteString(joinSorted(parts))
	}
	b.WriteString(h.extensions(m, std))
	return b.String()
}

func renderILMD(h *hasher, name string, v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	return wrap(name, h.extensions(m, nil))
}

// extensions renders every property of m not in std (and not skipped) as a
// user extension, sorted.
func (h *hasher) extensions(m map[string]any, std map[string]bool) string {
	var parts []string
	for k, v := range m {
		if std[k] || h.skip(k) {
			continue
		}
		parts = append(parts, h.extension(k, v)...)
	}
	return joinSorted(parts)
}

// extension renders a user extension property: "{ns}local=value" for a
// scalar, "{ns}local" followed by its sorted children for an object, one
// entry per element for an array.
func (h *hasher) extension(k string, v any) []string {
	key := h.pfx.key(k)
	switch v := v.(type) {
	case []any:
		var out []string
		for _, e := range v {
			out = append(out, h.extension(k, e)...)
		}
		return out
	case map[string]any:
		return []string{key + h.extensions(v, nil)}
	case nil:
		return []string{key}
	}
	if s := h.value(v, nil); s != "" {
		return []string{key + "=" + s}
	}
	return []string{key}
}

func asList(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	}
	return []any{v}
}

func joinSorted(parts []string) string {
	slices.Sort(parts)
	return strings.Join(parts, "")
}

func wrap(name, body string) string {
	if body == "" {
		return ""
	}
	return name + body
}

// --- public API ---

// HashOf returns the event hash of a pre-hash string:
// "ni:///sha-256;<lower-case hex SHA-256 of its UTF-8 bytes>?ver=CBV2.0".
func HashOf(preHash string) string {
	sum := sha256.Sum256([]byte(preHash))
	return "ni:///sha-256;" + hex.EncodeToString(sum[:]) + "?ver=" + HashAlgorithmVersion
}

// PreHash returns the canonical pre-hash string of one standalone event.
// CURIEs are expanded with the event's own @context (if any) on top of the
// standard EPCIS prefixes. For an event inside a document use
// [DocumentPreHashes], which applies the document's @context.
func PreHash(event json.RawMessage) (string, error) {
	if err := loadVocabularies(); err != nil {
		return "", err
	}
	ev, err := decodeObject(event)
	if err != nil {
		return "", err
	}
	return standaloneHasher(ev).preHash(ev)
}

// standaloneHasher is the hasher of an event on its own: its own @context
// and ignoreFields.
func standaloneHasher(ev map[string]any) *hasher {
	h := newHasher(newPrefixes().with(ev["@context"]), nil)
	h.addIgnored(h.ignoreFieldsOf(ev))
	return h
}

// EventHash returns the CBV 2.0 event hash of one standalone event, e.g.
// "ni:///sha-256;df6523...c6?ver=CBV2.0". See [PreHash].
func EventHash(event json.RawMessage) (string, error) {
	pre, err := PreHash(event)
	if err != nil {
		return "", err
	}
	return HashOf(pre), nil
}

// DocumentPreHashes returns the pre-hash strings of the events of an
// EPCISDocument or EPCISQueryDocument, in document order.
func DocumentPreHashes(raw []byte) ([]string, error) {
	if err := loadVocabularies(); err != nil {
		return nil, err
	}
	doc, err := decodeObject(raw)
	if err != nil {
		return nil, err
	}
	hashed, err := hashDocument(doc)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(hashed))
	for i, e := range hashed {
		out[i] = e.PreHash
	}
	return out, nil
}

// DocumentHashes returns the event hashes of the events of a document, in
// document order.
func DocumentHashes(raw []byte) ([]string, error) {
	pres, err := DocumentPreHashes(raw)
	if err != nil {
		return nil, err
	}
	for i, p := range pres {
		pres[i] = HashOf(p)
	}
	return pres, nil
}

// HashedEvent is one event's CBV 2.0 hash with what it was computed from.
type HashedEvent struct {
	Type    string `json:"type"`    // the event's type, as written ("ObjectEvent", ...)
	PreHash string `json:"prehash"` // the canonical pre-hash string
	Hash    string `json:"hash"`    // "ni:///sha-256;<hex>?ver=CBV2.0"
}

// Hashes returns the hashes of the events of an EPCISDocument or
// EPCISQueryDocument, in document order, or of one standalone event (a JSON
// object with a "type" and no "epcisBody"), as GS1's reference tool
// computes them. It hashes what it is given and validates nothing (see
// [ValidateDocument] and [ValidateEvent]).
func Hashes(raw []byte) ([]HashedEvent, error) {
	if err := loadVocabularies(); err != nil {
		return nil, err
	}
	obj, err := decodeObject(raw)
	if err != nil {
		return nil, err
	}
	if _, isDoc := obj["epcisBody"]; isDoc || slices.Contains(documentTypes, str(obj["type"])) {
		return hashDocument(obj)
	}
	if str(obj["type"]) == "" {
		return nil, errors.New("epcis: neither an EPCIS document (no epcisBody) nor an EPCIS event (no type)")
	}
	e, err := hashEvent(standaloneHasher(obj), obj)
	if err != nil {
		return nil, err
	}
	return []HashedEvent{e}, nil
}

// hashDocument hashes the events of a decoded document, in order.
func hashDocument(doc map[string]any) ([]HashedEvent, error) {
	events, err := eventList(doc)
	if err != nil {
		return nil, err
	}
	out := make([]HashedEvent, len(events))
	for i, ev := range events {
		if out[i], err = hashEvent(documentHasher(doc, ev), ev); err != nil {
			return nil, fmt.Errorf("event %d: %w", i, err)
		}
	}
	return out, nil
}

func hashEvent(h *hasher, ev map[string]any) (HashedEvent, error) {
	pre, err := h.preHash(ev)
	if err != nil {
		return HashedEvent{}, err
	}
	typ, _ := ev["type"].(string)
	return HashedEvent{Type: strings.TrimSpace(typ), PreHash: pre, Hash: HashOf(pre)}, nil
}

// documentHasher is the hasher for one event of a document: the
// document's @context and ignoreFields, extended by the event's own.
//
// A query document's repository declares its ignoreFields on
// epcisBody.queryResults, next to the resultsBody it describes: that is
// where the reference implementation reads them for an EPCISQueryDocument
// (its vector epcisQueryDocHavingEventWithIgnoreFields). They are honoured
// there as well as at document level, where an EPCISDocument declares them.
func documentHasher(doc, ev map[string]any) *hasher {
	pfx := newPrefixes().with(doc["@context"])
	if c, ok := ev["@context"]; ok {
		pfx = pfx.with(c)
	}
	h := newHasher(pfx, nil)
	h.addIgnored(h.ignoreFieldsOf(doc))
	if qr := queryResults(doc); qr != nil {
		h.addIgnored(h.ignoreFieldsOf(qr))
	}
	h.addIgnored(h.ignoreFieldsOf(ev))
	return h
}

// queryResults returns epcisBody.queryResults of a query document, or nil.
func queryResults(doc map[string]any) map[string]any {
	body, _ := doc["epcisBody"].(map[string]any)
	qr, _ := body["queryResults"].(map[string]any)
	return qr
}

func decodeObject(raw []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("epcis: %w", jsondec.Explain(raw, err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("epcis: invalid JSON: trailing data after the JSON value")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("epcis: expected a JSON object")
	}
	return m, nil
}

// eventList finds the events of an EPCISDocument (epcisBody.eventList) or
// an EPCISQueryDocument (epcisBody.queryResults.resultsBody.eventList).
func eventList(doc map[string]any) ([]map[string]any, error) {
	body, ok := doc["epcisBody"].(map[string]any)
	if !ok {
		return nil, errors.New("epcis: document has no epcisBody")
	}
	list, ok := body["eventList"]
	if !ok {
		if rb, ok := queryResults(doc)["resultsBody"].(map[string]any); ok {
			list = rb["eventList"]
		}
	}
	arr, ok := list.([]any)
	if !ok {
		return nil, errors.New("epcis: document has no eventList")
	}
	out := make([]map[string]any, len(arr))
	for i, e := range arr {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("epcis: event %d is not a JSON object", i)
		}
		out[i] = m
	}
	return out, nil
}
