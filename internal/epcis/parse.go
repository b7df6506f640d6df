package epcis

import (
	"encoding/json"
	"fmt"
	"strings"
)

// EventType is the type of an EPCIS event. Besides the five standard types
// GS1's schema admits extension event types, named by a URI; those are kept
// verbatim.
type EventType string

// The standard EPCIS 2.0 event types.
const (
	ObjectEvent         EventType = "ObjectEvent"
	AggregationEvent    EventType = "AggregationEvent"
	TransactionEvent    EventType = "TransactionEvent"
	TransformationEvent EventType = "TransformationEvent"
	AssociationEvent    EventType = "AssociationEvent"
)

// Document is a parsed EPCISDocument or EPCISQueryDocument.
type Document struct {
	Type          string // "EPCISDocument" or "EPCISQueryDocument"
	SchemaVersion string // e.g. "2.0"
	CreationDate  string // RFC 3339 UTC, e.g. "2005-07-11T11:30:47.000Z"; "" if absent
	Events        []Event
}

// Event is one EPCIS event reduced to what medchain's state machine uses.
// It holds no JSON and no floating-point numbers.
//
// Conventions:
//   - Times are RFC 3339 in UTC with millisecond precision
//     ("2005-04-04T02:33:31.116Z"), as in the event hash.
//   - Standard vocabulary values are short CBV / GS1 names ("shipping",
//     "in_transit", "po", "owning_party", "Temperature"), whichever of the
//     bare, URN (urn:epcglobal:cbv:...), web URI or CURIE forms the
//     document used. Non-standard values are URIs, CURIEs expanded.
//   - GS1 identifiers (EPC URIs, EPC class/pattern URIs, GS1 Digital Link
//     URIs on any domain) are in constrained canonical GS1 Digital Link form
//     on https://id.gs1.org, the form the event hash uses, so that the same
//     item is the same string whatever syntax each partner sends. Other
//     identifiers are kept verbatim (CURIEs expanded).
//   - Quantities and sensor values are exact decimal strings in plain
//     notation without trailing zeros ("452", "0.5", "-18.25").
type Event struct {
	Type                EventType
	Hash                string // CBV 2.0 event hash, "ni:///sha-256;<hex>?ver=CBV2.0"
	EventID             string // as given, "" if none
	EventTime           string
	EventTimeZoneOffset string // as given, e.g. "+01:00"
	RecordTime          string // "" if absent

	Action                     string // "ADD", "OBSERVE" or "DELETE"; "" for TransformationEvent
	BizStep                    string
	Disposition                string
	PersistentDispositionSet   []string
	PersistentDispositionUnset []string
	ReadPoint                  string
	BizLocation                string

	EPCs             []string // epcList
	ParentID         string
	ChildEPCs        []string
	InputEPCs        []string
	OutputEPCs       []string
	Quantities       []Quantity // quantityList
	ChildQuantities  []Quantity
	InputQuantities  []Quantity
	OutputQuantities []Quantity
	TransformationID string
	// Lot and Expiry are the ILMD's lot number and item expiration date
	// (cbvmda:lotNumber, cbvmda:itemExpirationDate), as written.
	Lot    string
	Expiry string

	BizTransactions []BizTx
	SourceList      []Party
	DestinationList []Party
	Sensors         []SensorReport

	ErrorDeclaration *ErrorDeclaration
}

// Quantity is one quantityElement.
type Quantity struct {
	Class    string // epcClass
	Quantity string // decimal; "" if the element has no quantity
	UOM      string // UN/CEFACT unit code; "" for a count of instances
}

// Party is one source or destination.
type Party struct {
	Type string // "owning_party", "possessing_party", "location" or a URI
	ID   string
}

// BizTx is one business transaction reference.
type BizTx struct {
	Type string // "po", "desadv", "inv", ... or a URI; "" if untyped
	ID   string
}

// SensorReport is one sensorReport, with its sensorElement's metadata
// filled in where the report itself does not say (deviceID, time).
type SensorReport struct {
	Type      string // measurement type: "Temperature", ... or a URI
	Exception string // "ALARM_CONDITION", "ERROR_CONDITION" or ""
	DeviceID  string
	Time      string
	Value     string
	MinValue  string
	MaxValue  string
	MeanValue string
	UOM       string
	Component string
}

// ErrorDeclaration says that an event was declared erroneous.
type ErrorDeclaration struct {
	DeclarationTime    string
	Reason             string // "did_not_occur", "incorrect_data" or a URI
	CorrectiveEventIDs []string
}

// Parse validates an EPCISDocument or EPCISQueryDocument against GS1's
// schema (returning a *[ValidationError] if it is invalid) and returns its
// events in document order, each with its event hash.
func Parse(raw []byte) (Document, error) {
	if err := ValidateDocument(raw); err != nil {
		return Document{}, err
	}
	if err := loadVocabularies(); err != nil {
		return Document{}, err
	}
	doc, err := decodeObject(raw)
	if err != nil {
		return Document{}, err
	}
	events, err := eventList(doc)
	if err != nil {
		return Document{}, err
	}
	out := Document{
		Type:          str(doc["type"]),
		SchemaVersion: str(doc["schemaVersion"]),
		Events:        make([]Event, 0, len(events)),
	}
	if out.CreationDate, err = optTime(doc["creationDate"]); err != nil {
		return Document{}, fmt.Errorf("epcis: creationDate: %w", err)
	}
	for i, ev := range events {
		h := documentHasher(doc, ev)
		e, err := h.convert(ev)
		if err != nil {
			return Document{}, fmt.Errorf("epcis: event %d: %w", i, err)
		}
		out.Events = append(out.Events, e)
	}
	return out, nil
}

func (h *hasher) convert(ev map[string]any) (Event, error) {
	pre, err := h.preHash(ev)
	if err != nil {
		return Event{}, err
	}
	e := Event{
		Type:                EventType(str(ev["type"])),
		Hash:                HashOf(pre),
		EventID:             str(ev["eventID"]),
		EventTimeZoneOffset: str(ev["eventTimeZoneOffset"]),
		Action:              str(ev["action"]),
		BizStep:             h.short(ev["bizStep"], vocBizStep),
		Disposition:         h.short(ev["disposition"], vocDisposition),
		ReadPoint:           h.id(idOf(ev["readPoint"])),
		BizLocation:         h.id(idOf(ev["bizLocation"])),
		EPCs:                h.ids(ev["epcList"]),
		ParentID:            h.id(ev["parentID"]),
		ChildEPCs:           h.ids(ev["childEPCs"]),
		InputEPCs:           h.ids(ev["inputEPCList"]),
		OutputEPCs:          h.ids(ev["outputEPCList"]),
		Quantities:          h.quantities(ev["quantityList"]),
		ChildQuantities:     h.quantities(ev["childQuantityList"]),
		InputQuantities:     h.quantities(ev["inputQuantityList"]),
		OutputQuantities:    h.quantities(ev["outputQuantityList"]),
		TransformationID:    h.id(ev["transformationID"]),
		BizTransactions:     h.bizTransactions(ev["bizTransactionList"]),
		SourceList:          h.parties(ev["sourceList"], "source"),
		DestinationList:     h.parties(ev["destinationList"], "destination"),
	}
	if e.EventTime, err = optTime(ev["eventTime"]); err != nil {
		return Event{}, fmt.Errorf("eventTime: %w", err)
	}
	if e.RecordTime, err = optTime(ev["recordTime"]); err != nil {
		return Event{}, fmt.Errorf("recordTime: %w", err)
	}
	if ilmd, ok := ev["ilmd"].(map[string]any); ok {
		// Only CBV master data counts, whatever prefix the document binds
		// to its namespace: another extension's "lotNumber" is not the lot.
		// (Map order must not decide which of two keys wins.)
		for k, v := range ilmd {
			switch h.pfx.key(k) {
			case "{" + cbvMDA + "}lotNumber":
				e.Lot = str(v)
			case "{" + cbvMDA + "}itemExpirationDate":
				e.Expiry = str(v)
			}
		}
	}
	if pd, ok := ev["persistentDisposition"].(map[string]any); ok {
		for _, v := range asList(pd["set"]) {
			e.PersistentDispositionSet = append(e.PersistentDispositionSet, h.short(v, vocDisposition))
		}
		for _, v := range asList(pd["unset"]) {
			e.PersistentDispositionUnset = append(e.PersistentDispositionUnset, h.short(v, vocDisposition))
		}
	}
	if e.Sensors, err = h.sensors(ev["sensorElementList"]); err != nil {
		return Event{}, err
	}
	if ed, ok := ev["errorDeclaration"].(map[string]any); ok {
		d := &ErrorDeclaration{Reason: h.short(ed["reason"], vocErrorReason)}
		if d.DeclarationTime, err = optTime(ed["declarationTime"]); err != nil {
			return Event{}, fmt.Errorf("errorDeclaration.declarationTime: %w", err)
		}
		for _, v := range asList(ed["correctiveEventIDs"]) {
			if s := str(v); s != "" {
				d.CorrectiveEventIDs = append(d.CorrectiveEventIDs, s)
			}
		}
		e.ErrorDeclaration = d
	}
	return e, nil
}

// str returns a string value trimmed, or a number as an exact decimal.
func str(v any) string {
	switch v := v.(type) {
	case string:
		return strings.TrimSpace(v)
	case json.Number:
		if d, ok := canonicalDecimal(v.String()); ok {
			return d
		}
		return v.String()
	}
	return ""
}

// decimal returns a number (or a numeric string) as an exact decimal.
func decimal(v any) string {
	s := str(v)
	if d, ok := canonicalDecimal(s); ok {
		return d
	}
	return s
}

func optTime(v any) (string, error) {
	s := str(v)
	if s == "" {
		return "", nil
	}
	t, ok := canonicalTime(s)
	if !ok {
		return "", fmt.Errorf("%q is not a date-time", s)
	}
	return t, nil
}

func idOf(v any) any {
	if m, ok := v.(map[string]any); ok {
		return m["id"]
	}
	return nil
}

// id returns an identifier: CURIE expanded, GS1 keys in canonical Digital
// Link form.
func (h *hasher) id(v any) string {
	s := h.pfx.value(str(v))
	if dl, ok := canonicalGS1URI(s); ok {
		return dl
	}
	return s
}

func (h *hasher) ids(v any) []string {
	var out []string
	for _, e := range asList(v) {
		if s := h.id(e); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// short returns a vocabulary value by its short standard name when it is a
// standard value, otherwise as a URI (CURIE expanded).
func (h *hasher) short(v any, vocab *vocabulary) string {
	s := str(v)
	if vocab.terms[s] {
		return s
	}
	return vocab.short(cbvURNToWeb(h.pfx.value(s)))
}

func (h *hasher) quantities(v any) []Quantity {
	var out []Quantity
	for _, e := range asList(v) {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		out = append(out, Quantity{Class: h.id(m["epcClass"]), Quantity: decimal(m["quantity"]), UOM: str(m["uom"])})
	}
	return out
}

func (h *hasher) bizTransactions(v any) []BizTx {
	var out []BizTx
	for _, e := range asList(v) {
		if m, ok := e.(map[string]any); ok {
			out = append(out, BizTx{Type: h.short(m["type"], vocBizTxType), ID: h.id(m["bizTransaction"])})
		}
	}
	return out
}

func (h *hasher) parties(v any, key string) []Party {
	var out []Party
	for _, e := range asList(v) {
		if m, ok := e.(map[string]any); ok {
			out = append(out, Party{Type: h.short(m["type"], vocSrcDestType), ID: h.id(m[key])})
		}
	}
	return out
}

func (h *hasher) sensors(v any) ([]SensorReport, error) {
	var out []SensorReport
	for _, e := range asList(v) {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		md, _ := m["sensorMetadata"].(map[string]any)
		for _, r := range asList(m["sensorReport"]) {
			rm, ok := r.(map[string]any)
			if !ok {
				continue
			}
			t := rm["time"]
			if t == nil && md != nil {
				t = md["time"]
			}
			tm, err := optTime(t)
			if err != nil {
				return nil, fmt.Errorf("sensorReport time: %w", err)
			}
			dev := rm["deviceID"]
			if dev == nil && md != nil {
				dev = md["deviceID"]
			}
			out = append(out, SensorReport{
				Type:      h.short(rm["type"], vocMeasurement),
				Exception: h.short(rm["exception"], vocAlert),
				DeviceID:  h.id(dev),
				Time:      tm,
				Value:     decimal(rm["value"]),
				MinValue:  decimal(rm["minValue"]),
				MaxValue:  decimal(rm["maxValue"]),
				MeanValue: decimal(rm["meanValue"]),
				UOM:       str(rm["uom"]),
				Component: h.short(rm["component"], vocComponent),
			})
		}
	}
	return out, nil
}
