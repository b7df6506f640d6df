package epcis

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// StandaloneEvents returns the events of an EPCISDocument or
// EPCISQueryDocument, in document order, each as a JSON object that stands
// on its own: the document's @context is carried onto the event (before
// the event's own), and so are the ignoreFields the document and its
// queryResults declare, so that [EventHash] of each is the hash the event
// has in the document. Values are kept as written (numbers exactly); the
// order of an event's keys is not. It validates nothing (see
// [ValidateDocument]).
func StandaloneEvents(raw []byte) ([]json.RawMessage, error) {
	if err := loadVocabularies(); err != nil {
		return nil, err
	}
	doc, err := decodeObject(raw)
	if err != nil {
		return nil, err
	}
	events, err := eventList(doc)
	if err != nil {
		return nil, err
	}
	dh := newHasher(newPrefixes().with(doc["@context"]), nil)
	ignored := dh.ignoreFieldsOf(doc)
	if qr := queryResults(doc); qr != nil {
		ignored = append(ignored, dh.ignoreFieldsOf(qr)...)
	}
	out := make([]json.RawMessage, len(events))
	for i, ev := range events {
		e := make(map[string]any, len(ev)+2)
		for k, v := range ev {
			e[k] = v
		}
		if c, ok := doc["@context"]; ok {
			e["@context"] = mergeContexts(c, ev["@context"])
		}
		if len(ignored) > 0 {
			addIgnoreFields(e, ignored)
		}
		if out[i], err = marshal(e); err != nil {
			return nil, fmt.Errorf("epcis: event %d: %w", i, err)
		}
	}
	return out, nil
}

// mergeContexts is the @context of an event lifted out of its document:
// the document's entries, then the event's own.
func mergeContexts(doc, ev any) any {
	list := func(c any) []any {
		switch c := c.(type) {
		case nil:
			return nil
		case []any:
			return c
		default:
			return []any{c}
		}
	}
	if ev == nil {
		return doc
	}
	out := slices.Clone(list(doc))
	for _, e := range list(ev) {
		if !slices.ContainsFunc(out, func(o any) bool { return reflect.DeepEqual(o, e) }) {
			out = append(out, e) // GS1's schema wants the entries unique
		}
	}
	return out
}

// addIgnoreFields adds fields to the event's own ignoreFields, under the
// prefix its @context binds to the repository namespace (a prefix of its
// own if none does).
func addIgnoreFields(e map[string]any, fields []string) {
	h := newHasher(newPrefixes().with(e["@context"]), nil)
	key := ""
	for k := range e {
		if h.pfx.key(k) == "{"+ignoreNamespace+"}ignoreFields" {
			key = k
		}
	}
	if key == "" {
		prefix := ""
		for p, iri := range h.pfx {
			if iri == ignoreNamespace && (prefix == "" || p < prefix) {
				prefix = p
			}
		}
		if prefix == "" {
			prefix = "medchainIgnore"
			e["@context"] = mergeContexts(e["@context"], map[string]any{prefix: ignoreNamespace})
		}
		key = prefix + ":ignoreFields"
	}
	have := h.ignoreFieldsOf(map[string]any{key: e[key]})
	for _, f := range fields {
		if !slices.Contains(have, f) {
			have = append(have, f)
		}
	}
	slices.Sort(have)
	list := make([]any, len(have))
	for i, f := range have {
		list[i] = f
	}
	e[key] = list
}

// marshal encodes v without escaping <, > and & (EPCIS values are URIs).
func marshal(v any) (json.RawMessage, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// ParseEvent converts one standalone event (a JSON object with its own
// @context, if it uses prefixes beyond the standard ones) as [Parse]
// converts the events of a document, its hash included. It validates
// nothing: it is for events already validated (see [ValidateEvent]).
func ParseEvent(raw []byte) (Event, error) {
	if err := loadVocabularies(); err != nil {
		return Event{}, err
	}
	ev, err := decodeObject(raw)
	if err != nil {
		return Event{}, err
	}
	if strings.TrimSpace(str(ev["type"])) == "" {
		return Event{}, errors.New("epcis: event has no \"type\"")
	}
	return standaloneHasher(ev).convert(ev)
}

// SetFields returns a standalone event with top-level fields set (or
// replaced) to the given JSON values, for those fields the event hash
// leaves out: "eventID" and "recordTime". Any other name is refused.
func SetFields(event []byte, fields map[string]string) (json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(event, &m); err != nil {
		return nil, fmt.Errorf("epcis: %w", err)
	}
	for k, v := range fields {
		if k != "eventID" && k != "recordTime" {
			return nil, fmt.Errorf("epcis: %q takes part in the event hash", k)
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		m[k] = b
	}
	return marshal(m)
}

// CanonicalTime writes an xsd:dateTime with its UTC offset as events carry
// times in [Event]: UTC, milliseconds, "2006-01-02T15:04:05.000Z". ok is
// false if s is not a date-time.
func CanonicalTime(s string) (string, bool) { return canonicalTime(s) }

// CanonicalID writes an identifier as events carry identifiers in [Event]:
// EPC URIs, EPC class and pattern URIs and GS1 Digital Link URIs in
// constrained canonical GS1 Digital Link form on https://id.gs1.org, CURIEs
// of the standard EPCIS prefixes expanded, anything else as given.
func CanonicalID(s string) string {
	s = newPrefixes().value(strings.TrimSpace(s))
	if dl, ok := canonicalGS1URI(s); ok {
		return dl
	}
	return s
}

// Vocabularies whose values [ShortName] writes as events carry them.
const (
	VocabBizStep     = "bizStep"
	VocabDisposition = "disposition"
	VocabErrorReason = "error-reason"
)

func vocabularyNamed(name string) *vocabulary {
	switch name {
	case VocabBizStep:
		return vocBizStep
	case VocabDisposition:
		return vocDisposition
	case VocabErrorReason:
		return vocErrorReason
	}
	return nil
}

// ShortName writes a value of a standard vocabulary (VocabBizStep ...) as
// events carry it in [Event]: a standard value by its bare name, whichever
// form it is written in (bare, web URI, CURIE, EPCIS 1.x URN), any other
// as a URI (CURIEs of the standard prefixes expanded).
func ShortName(vocab, s string) string {
	v := vocabularyNamed(vocab)
	if v == nil || loadVocabularies() != nil {
		return strings.TrimSpace(s)
	}
	s = strings.TrimSpace(s)
	if v.terms[s] {
		return s
	}
	return v.short(cbvURNToWeb(newPrefixes().value(s)))
}

// Terms lists the standard values of a vocabulary (VocabBizStep ...) by
// their bare names, in the order of GS1's schema.
func Terms(vocab string) []string {
	v := vocabularyNamed(vocab)
	if v == nil || loadVocabularies() != nil {
		return nil
	}
	return slices.Clone(v.order)
}

// EventTypes are the five standard event types.
var EventTypes = []EventType{AggregationEvent, AssociationEvent, ObjectEvent, TransactionEvent, TransformationEvent}
