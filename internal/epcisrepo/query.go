package epcisrepo

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/medchain/medchain/internal/epcis"
	"github.com/medchain/medchain/internal/ledger"
)

// entry is one captured event's query fields, as internal/epcis writes
// them (short CBV names, canonical GS1 Digital Link identifiers, UTC
// millisecond times), and where its body is.
type entry struct {
	seq  uint64
	ch   *chunk
	i    int
	org  string
	hash string
	id   string

	typ, eventTime, recordTime                                     string
	action, bizStep, disposition, readPoint, bizLocation, transfID string
	pdSet, pdUnset                                                 []string
	epcs, inputs, outputs                                          []string // epcs: epcList and childEPCs
	parent                                                         string
	classes, inClasses, outClasses                                 []string // classes: quantityList and childQuantityList
	declared                                                       bool
	declTime, reason                                               string
	corrective                                                     []string
	quantities                                                     []*big.Rat // of every quantity element that has one
	glns                                                           []string   // the GLNs it names: its possible trading partners
}

func newEntry(e epcis.Event, ch *chunk, i int, seq uint64) *entry {
	en := &entry{
		seq: seq, ch: ch, i: i, org: ch.Org, hash: e.Hash, id: e.EventID,
		typ: string(e.Type), eventTime: e.EventTime, recordTime: ch.RecordTime.UTC().Format("2006-01-02T15:04:05.000Z"),
		action: e.Action, bizStep: e.BizStep, disposition: e.Disposition, readPoint: e.ReadPoint, bizLocation: e.BizLocation,
		transfID: e.TransformationID, pdSet: e.PersistentDispositionSet, pdUnset: e.PersistentDispositionUnset,
		epcs: append(slices.Clone(e.EPCs), e.ChildEPCs...), inputs: e.InputEPCs, outputs: e.OutputEPCs, parent: e.ParentID,
	}
	for _, q := range append(slices.Clone(e.Quantities), e.ChildQuantities...) {
		en.classes = append(en.classes, q.Class)
	}
	for _, q := range e.InputQuantities {
		en.inClasses = append(en.inClasses, q.Class)
	}
	for _, q := range e.OutputQuantities {
		en.outClasses = append(en.outClasses, q.Class)
	}
	for _, qs := range [][]epcis.Quantity{e.Quantities, e.ChildQuantities, e.InputQuantities, e.OutputQuantities} {
		for _, q := range qs {
			if r, ok := new(big.Rat).SetString(q.Quantity); ok && q.Quantity != "" {
				en.quantities = append(en.quantities, r)
			}
		}
	}
	if d := e.ErrorDeclaration; d != nil {
		en.declared, en.declTime, en.reason, en.corrective = true, d.DeclarationTime, d.Reason, d.CorrectiveEventIDs
	}
	if en.id == "" {
		en.id = e.Hash
	}
	ids := []string{e.ReadPoint, e.BizLocation}
	for _, p := range append(slices.Clone(e.SourceList), e.DestinationList...) {
		ids = append(ids, p.ID)
	}
	for _, id := range ids {
		if g := glnOf(id); g != "" && !slices.Contains(en.glns, g) {
			en.glns = append(en.glns, g)
		}
	}
	return en
}

// plusAsSpace is a UTC offset whose "+" a URL query turned into a space.
var plusAsSpace = regexp.MustCompile(`T[0-9:.]+( )[0-9]{2}:?[0-9]{2}$`)

var glnPattern = regexp.MustCompile(`^https://id\.gs1\.org/41[47]/([0-9]{13})(?:/|$)`)

// glnOf is the GLN of a location or party in canonical Digital Link form
// (AI 414 or 417), or "".
func glnOf(id string) string {
	if m := glnPattern.FindStringSubmatch(id); m != nil {
		return m[1]
	}
	return ""
}

// ParamError is a query parameter the repository refuses: the EPCIS
// QueryParameterException.
type ParamError struct {
	Param string
	Msg   string
}

func (e *ParamError) Error() string {
	return fmt.Sprintf("epcisrepo: parameter %s: %s", e.Param, e.Msg)
}

func paramErr(p, format string, args ...any) error {
	return &ParamError{Param: p, Msg: fmt.Sprintf(format, args...)}
}

// ErrQueryTooLarge: more events match than maxEventCount allows.
var ErrQueryTooLarge = errors.New("epcisrepo: query too large")

// ErrNotFound: no event by that ID or hash that the caller may see.
var ErrNotFound = errors.New("epcisrepo: no such event")

// Query is an EPCIS 2.0 SimpleEventQuery, as the REST binding's URL
// parameters say it. Lists are alternatives (pipe-delimited in the URL);
// values are normalised as events are (canonical identifiers, short CBV
// names, UTC times).
type Query struct {
	EventTypes                     []string
	GEEventTime, LTEventTime       string
	GERecordTime, LTRecordTime     string
	Actions, BizSteps, Disposition []string
	PDSet, PDUnset                 []string
	ReadPoints, BizLocations       []string
	TransformationIDs              []string
	EPCs, ParentIDs, Inputs        []string
	Outputs, AnyEPCs               []string
	Classes, InClasses, OutClasses []string
	AnyClasses                     []string
	EventIDs                       []string
	ErrorDeclared                  bool
	GEDeclTime, LTDeclTime         string
	ErrorReasons, CorrectiveIDs    []string
	// Quantity holds the quantity comparisons (EQ_quantity ...) by their
	// operator: "EQ", "GT", "GE", "LT", "LE".
	Quantity map[string]*big.Rat
	// OrderBy is "" (capture order), "eventTime" or "recordTime"; Desc
	// reverses it (the default with OrderBy).
	OrderBy    string
	Desc       bool
	CountLimit int
	MaxCount   int
	PerPage    int
	// After is where a page starts (nextPageToken).
	After *cursor
}

// knownParams are the parameters ParseQuery takes.
var knownParams = []string{"eventType", "GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime", "EQ_action",
	"EQ_bizStep", "EQ_disposition", "EQ_persistentDisposition_set", "EQ_persistentDisposition_unset", "EQ_readPoint",
	"WD_readPoint", "EQ_bizLocation", "WD_bizLocation", "EQ_transformationID", "MATCH_epc", "MATCH_parentID",
	"MATCH_inputEPC", "MATCH_outputEPC", "MATCH_anyEPC", "MATCH_epcClass", "MATCH_inputEPCClass", "MATCH_outputEPCClass",
	"MATCH_anyEPCClass", "EQ_eventID", "EQ_quantity", "GT_quantity", "GE_quantity", "LT_quantity", "LE_quantity",
	"EXISTS_errorDeclaration", "GE_errorDeclarationTime", "LT_errorDeclarationTime", "EQ_errorReason",
	"EQ_correctiveEventID", "orderBy", "orderDirection", "eventCountLimit", "maxEventCount", "perPage", "nextPageToken"}

// unsupported are standard query parameters this repository does not
// answer, by name or by the prefix of a name of the standard's families.
var (
	unsupported = []string{"GE_startTime", "LT_startTime", "GE_endTime", "LT_endTime", "EQ_type", "EQ_deviceID", "EQ_dataProcessingMethod",
		"EQ_microorganism", "EQ_chemicalSubstance", "EQ_bizRules", "EQ_stringValue", "EQ_hexBinaryValue", "EQ_uriValue",
		"EQ_booleanValue", "EQ_sensorMetadata_time", "GE_time", "LT_time"}
	unsupportedPrefixes = []string{"EQ_bizTransaction_", "EQ_source_", "EQ_destination_", "EQ_INNER_", "EXISTS_", "HASATTR_",
		"EQATTR_", "EQ_value_", "GT_value_", "GE_value_", "LT_value_", "LE_value_", "EQ_ILMD_", "GT_", "GE_", "LT_", "LE_", "EQ_"}
)

// ParseQuery reads the query parameters of v. fixed are parameters the
// route itself sets (the bizStep of /bizSteps/{bizStep}/events), which the
// URL must not repeat.
func ParseQuery(v url.Values, fixed url.Values) (Query, error) {
	q := Query{PerPage: DefaultPerPage}
	all := url.Values{}
	for k, vs := range fixed {
		if _, dup := v[k]; dup {
			return Query{}, paramErr(k, "is set by the path of this resource")
		}
		all[k] = vs
	}
	for k, vs := range v {
		all[k] = vs
	}
	names := make([]string, 0, len(all))
	for k := range all {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, name := range names {
		vals := all[name]
		var list []string
		for _, s := range vals {
			for _, p := range strings.Split(s, "|") {
				if p = strings.TrimSpace(p); p == "" {
					return Query{}, paramErr(name, "has an empty value")
				}
				list = append(list, p)
			}
		}
		if len(list) == 0 {
			return Query{}, paramErr(name, "has no value")
		}
		one := func() (string, error) {
			if len(list) != 1 {
				return "", paramErr(name, "takes one value, got %d", len(list))
			}
			return list[0], nil
		}
		timeOf := func(dst *string) error {
			s, err := one()
			if err != nil {
				return err
			}
			if m := plusAsSpace.FindStringSubmatchIndex(s); m != nil {
				s = s[:m[2]] + "+" + s[m[3]:] // a "+" the client did not escape (%2B)
			}
			t, ok := epcis.CanonicalTime(s)
			if !ok || !strings.ContainsAny(s[min(len(s), 10):], "Zz+-") {
				return paramErr(name, "must be a date-time with its UTC offset, such as 2026-05-04T08:00:00.000Z, got %q", s)
			}
			*dst = t
			return nil
		}
		intOf := func(dst *int, lo, hi int) error {
			s, err := one()
			if err != nil {
				return err
			}
			n, err := strconv.Atoi(s)
			if err != nil || n < lo || n > hi {
				return paramErr(name, "must be an integer from %d to %d, got %q", lo, hi, s)
			}
			*dst = n
			return nil
		}
		ids := func() []string {
			out := make([]string, len(list))
			for i, s := range list {
				out[i] = epcis.CanonicalID(s)
			}
			return out
		}
		short := func(vocab string) []string {
			out := make([]string, len(list))
			for i, s := range list {
				out[i] = epcis.ShortName(vocab, s)
			}
			return out
		}
		var err error
		switch name {
		case "eventType":
			q.EventTypes = list
		case "GE_eventTime":
			err = timeOf(&q.GEEventTime)
		case "LT_eventTime":
			err = timeOf(&q.LTEventTime)
		case "GE_recordTime":
			err = timeOf(&q.GERecordTime)
		case "LT_recordTime":
			err = timeOf(&q.LTRecordTime)
		case "EQ_action":
			for _, a := range list {
				if a != "ADD" && a != "OBSERVE" && a != "DELETE" {
					return Query{}, paramErr(name, "must be ADD, OBSERVE or DELETE, got %q", a)
				}
			}
			q.Actions = list
		case "EQ_bizStep":
			q.BizSteps = short(epcis.VocabBizStep)
		case "EQ_disposition":
			q.Disposition = short(epcis.VocabDisposition)
		case "EQ_persistentDisposition_set":
			q.PDSet = short(epcis.VocabDisposition)
		case "EQ_persistentDisposition_unset":
			q.PDUnset = short(epcis.VocabDisposition)
		case "EQ_readPoint", "WD_readPoint":
			// Without master data no location has descendants: WD_ is EQ_.
			q.ReadPoints = append(q.ReadPoints, ids()...)
		case "EQ_bizLocation", "WD_bizLocation":
			q.BizLocations = append(q.BizLocations, ids()...)
		case "EQ_transformationID":
			q.TransformationIDs = ids()
		case "MATCH_epc":
			q.EPCs = ids()
		case "MATCH_parentID":
			q.ParentIDs = ids()
		case "MATCH_inputEPC":
			q.Inputs = ids()
		case "MATCH_outputEPC":
			q.Outputs = ids()
		case "MATCH_anyEPC":
			q.AnyEPCs = ids()
		case "MATCH_epcClass":
			q.Classes = ids()
		case "MATCH_inputEPCClass":
			q.InClasses = ids()
		case "MATCH_outputEPCClass":
			q.OutClasses = ids()
		case "MATCH_anyEPCClass":
			q.AnyClasses = ids()
		case "EQ_eventID":
			q.EventIDs = list
		case "EQ_quantity", "GT_quantity", "GE_quantity", "LT_quantity", "LE_quantity":
			var s string
			if s, err = one(); err == nil {
				r, ok := new(big.Rat).SetString(s)
				if !ok || strings.ContainsAny(s, "/eE") {
					err = paramErr(name, "must be a decimal number, got %q", s)
				}
				if q.Quantity == nil {
					q.Quantity = map[string]*big.Rat{}
				}
				q.Quantity[name[:2]] = r
			}
		case "EXISTS_errorDeclaration":
			var s string
			if s, err = one(); err == nil {
				switch s {
				case "true", "":
					q.ErrorDeclared = true
				case "false":
				default:
					err = paramErr(name, "must be true or false, got %q", s)
				}
			}
		case "GE_errorDeclarationTime":
			err = timeOf(&q.GEDeclTime)
		case "LT_errorDeclarationTime":
			err = timeOf(&q.LTDeclTime)
		case "EQ_errorReason":
			q.ErrorReasons = short(epcis.VocabErrorReason)
		case "EQ_correctiveEventID":
			q.CorrectiveIDs = list
		case "orderBy":
			var s string
			if s, err = one(); err == nil {
				if s != "eventTime" && s != "recordTime" {
					err = paramErr(name, "must be eventTime or recordTime (this repository orders by no extension field), got %q", s)
				}
				q.OrderBy = s
			}
		case "orderDirection":
			var s string
			if s, err = one(); err == nil && s != "ASC" && s != "DESC" {
				err = paramErr(name, "must be ASC or DESC, got %q", s)
			}
		case "eventCountLimit":
			err = intOf(&q.CountLimit, 1, 1<<30)
		case "maxEventCount":
			err = intOf(&q.MaxCount, 1, 1<<30)
		case "perPage":
			err = intOf(&q.PerPage, 1, MaxPerPage)
		case "nextPageToken":
			var s string
			if s, err = one(); err == nil {
				q.After, err = parseCursor(s)
			}
		default:
			for _, known := range knownParams {
				if strings.EqualFold(name, known) {
					return Query{}, paramErr(name, "is not an EPCIS 2.0 query parameter: names are case-sensitive; did you mean %s?", known)
				}
			}
			switch {
			case slices.Contains(unsupported, name):
				return Query{}, paramErr(name, "is an EPCIS 2.0 query parameter this repository does not support")
			case slices.ContainsFunc(unsupportedPrefixes, func(p string) bool { return strings.HasPrefix(name, p) }):
				return Query{}, paramErr(name, "is not a query parameter this repository supports (nor an EPCIS 2.0 parameter with a fixed name it knows)")
			default:
				return Query{}, paramErr(name, "is not an EPCIS 2.0 query parameter")
			}
		}
		if err != nil {
			return Query{}, err
		}
	}
	if d := all.Get("orderDirection"); q.OrderBy != "" {
		q.Desc = d != "ASC"
	} else if d != "" {
		return Query{}, paramErr("orderDirection", "needs orderBy")
	}
	switch {
	case q.CountLimit > 0 && q.MaxCount > 0:
		return Query{}, paramErr("eventCountLimit", "and maxEventCount exclude each other")
	case q.CountLimit > 0 && q.OrderBy == "":
		return Query{}, paramErr("eventCountLimit", "needs orderBy: it keeps the first events in that order")
	}
	if c := q.After; c != nil && (c.OrderBy != q.OrderBy || c.Desc != q.Desc) {
		return Query{}, paramErr("nextPageToken", "belongs to a query in another order: send the query's parameters unchanged with it")
	}
	return q, nil
}

// cursor is where a page starts: after the event of sort key Key and
// sequence number Seq, in the query's order.
type cursor struct {
	OrderBy string `json:"o,omitempty"`
	Desc    bool   `json:"d,omitempty"`
	Key     string `json:"k,omitempty"`
	Seq     uint64 `json:"s"`
}

func (c cursor) token() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func parseCursor(s string) (*cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	var c cursor
	if err != nil || json.Unmarshal(b, &c) != nil || c.Seq == 0 {
		return nil, paramErr("nextPageToken", "is not a token this repository gave (take it from the Link header of the page before)")
	}
	return &c, nil
}

// matchesID reports whether an identifier of an event matches one of the
// query's: the same, or an instance of the class or pattern it names (a
// GTIN's Digital Link matches its serialised units and lots).
func matchesID(id string, want []string) bool {
	for _, w := range want {
		if id == w || strings.HasPrefix(id, w+"/") {
			return true
		}
	}
	return false
}

func anyMatches(ids, want []string) bool {
	return slices.ContainsFunc(ids, func(id string) bool { return matchesID(id, want) })
}

func in(v string, set []string) bool { return v != "" && slices.Contains(set, v) }

func anyIn(vs, set []string) bool {
	return slices.ContainsFunc(vs, func(v string) bool { return in(v, set) })
}

// match reports whether e answers q (visibility apart).
func (q *Query) match(e *entry) bool {
	switch {
	case q.EventTypes != nil && !in(e.typ, q.EventTypes),
		q.GEEventTime != "" && e.eventTime < q.GEEventTime,
		q.LTEventTime != "" && (e.eventTime == "" || e.eventTime >= q.LTEventTime),
		q.GERecordTime != "" && e.recordTime < q.GERecordTime,
		q.LTRecordTime != "" && e.recordTime >= q.LTRecordTime,
		q.Actions != nil && !in(e.action, q.Actions),
		q.BizSteps != nil && !in(e.bizStep, q.BizSteps),
		q.Disposition != nil && !in(e.disposition, q.Disposition),
		q.PDSet != nil && !anyIn(e.pdSet, q.PDSet),
		q.PDUnset != nil && !anyIn(e.pdUnset, q.PDUnset),
		q.ReadPoints != nil && !in(e.readPoint, q.ReadPoints),
		q.BizLocations != nil && !in(e.bizLocation, q.BizLocations),
		q.TransformationIDs != nil && !in(e.transfID, q.TransformationIDs),
		q.EPCs != nil && !anyMatches(e.epcs, q.EPCs),
		q.ParentIDs != nil && (e.parent == "" || !matchesID(e.parent, q.ParentIDs)),
		q.Inputs != nil && !anyMatches(e.inputs, q.Inputs),
		q.Outputs != nil && !anyMatches(e.outputs, q.Outputs),
		q.AnyEPCs != nil && !anyMatches(append(append(append(slices.Clone(e.epcs), e.inputs...), e.outputs...), e.parent), q.AnyEPCs),
		q.Classes != nil && !anyMatches(e.classes, q.Classes),
		q.InClasses != nil && !anyMatches(e.inClasses, q.InClasses),
		q.OutClasses != nil && !anyMatches(e.outClasses, q.OutClasses),
		q.AnyClasses != nil && !anyMatches(append(append(slices.Clone(e.classes), e.inClasses...), e.outClasses...), q.AnyClasses),
		q.EventIDs != nil && !in(e.id, q.EventIDs),
		q.ErrorDeclared && !e.declared,
		q.GEDeclTime != "" && (!e.declared || e.declTime < q.GEDeclTime),
		q.LTDeclTime != "" && (!e.declared || e.declTime >= q.LTDeclTime),
		q.ErrorReasons != nil && (!e.declared || !in(e.reason, q.ErrorReasons)),
		q.CorrectiveIDs != nil && (!e.declared || !anyIn(e.corrective, q.CorrectiveIDs)),
		q.Quantity != nil && !slices.ContainsFunc(e.quantities, q.quantityMatches):
		return false
	}
	return true
}

// quantityMatches reports whether a quantity meets every comparison of q.
func (q *Query) quantityMatches(v *big.Rat) bool {
	for op, want := range q.Quantity {
		c := v.Cmp(want)
		if op == "EQ" && c != 0 || op == "GT" && c <= 0 || op == "GE" && c < 0 || op == "LT" && c >= 0 || op == "LE" && c > 0 {
			return false
		}
	}
	return true
}

// key is e's sort key in q's order.
func (q *Query) key(e *entry) string {
	switch q.OrderBy {
	case "eventTime":
		return e.eventTime
	case "recordTime":
		return e.recordTime
	}
	return ""
}

// before orders two events as q asks: by key, then capture order; Desc
// reverses both.
func (q *Query) compare(a, b *entry) int {
	c := cmp.Or(strings.Compare(q.key(a), q.key(b)), cmpUint(a.seq, b.seq))
	if q.Desc {
		return -c
	}
	return c
}

// Page is a page of a query's answer.
type Page struct {
	// Events are the events as captured, with their recordTime and (if
	// they had none) eventID; Hashes their CBV event hashes, in order.
	Events []json.RawMessage
	Hashes []string
	// Next is the nextPageToken of the next page, "" on the last.
	Next string
}

// viewer decides which events a caller sees: the supply module's rule,
// asked once per capturing organisation and set of partners.
type viewer struct {
	r       *Repository
	caller  ledger.Principal
	partner map[string]string // GLN -> organisation that claimed it ("" none)
	seen    map[string]bool
}

func (r *Repository) viewer(caller ledger.Principal) (*viewer, error) {
	if err := r.app.Supply().SeesEventBodies(caller); err != nil {
		return nil, err
	}
	return &viewer{r: r, caller: caller, partner: map[string]string{}, seen: map[string]bool{}}, nil
}

func (v *viewer) sees(e *entry) bool {
	if e.org == v.caller.Org {
		return true
	}
	view := v.r.app.State().Committed()
	var partners []string
	for _, g := range e.glns {
		org, ok := v.partner[g]
		if !ok {
			org, _ = v.r.app.Supply().OrgOfGLN(view, g)
			v.partner[g] = org
		}
		if org != "" && !slices.Contains(partners, org) {
			partners = append(partners, org)
		}
	}
	slices.Sort(partners)
	k := e.org + "\x00" + strings.Join(partners, ",")
	s, ok := v.seen[k]
	if !ok {
		s = v.r.app.Supply().SeesEventBody(view, v.caller, e.org, partners)
		v.seen[k] = s
	}
	return s
}

// Query answers q as caller sees it: the events captured on this node
// that caller may see and q matches, one page.
func (r *Repository) Query(caller ledger.Principal, q Query) (Page, error) {
	v, err := r.viewer(caller)
	if err != nil {
		return Page{}, err
	}
	r.mu.RLock()
	var hits []*entry
	for _, e := range r.entries {
		if q.match(e) && v.sees(e) {
			hits = append(hits, e)
		}
	}
	r.mu.RUnlock()
	if q.MaxCount > 0 && len(hits) > q.MaxCount {
		return Page{}, fmt.Errorf("%w: %d events match, more than maxEventCount %d", ErrQueryTooLarge, len(hits), q.MaxCount)
	}
	slices.SortFunc(hits, q.compare)
	if q.CountLimit > 0 && len(hits) > q.CountLimit {
		hits = hits[:q.CountLimit]
	}
	start := 0
	if c := q.After; c != nil {
		start, _ = slices.BinarySearchFunc(hits, c, func(e *entry, c *cursor) int {
			k := cmp.Or(strings.Compare(q.key(e), c.Key), cmpUint(e.seq, c.Seq))
			if q.Desc {
				k = -k
			}
			if k == 0 {
				return -1 // the cursor's own event comes before the page
			}
			return k
		})
	}
	end := min(start+q.PerPage, len(hits))
	var p Page
	for _, e := range hits[start:end] {
		raw, err := r.body(e)
		if err != nil {
			return Page{}, err
		}
		p.Events, p.Hashes = append(p.Events, raw), append(p.Hashes, e.hash)
	}
	if end < len(hits) {
		last := hits[end-1]
		p.Next = cursor{OrderBy: q.OrderBy, Desc: q.Desc, Key: q.key(last), Seq: last.seq}.token()
	}
	return p, nil
}

func (r *Repository) body(e *entry) (json.RawMessage, error) {
	evs, err := r.served(e.ch)
	if err != nil {
		return nil, fmt.Errorf("epcisrepo: event %s: %w", e.hash, err)
	}
	return evs[e.i], nil
}

// Event returns an event caller may see by its eventID or its CBV event
// hash, with its hash.
func (r *Repository) Event(caller ledger.Principal, id string) (json.RawMessage, string, error) {
	v, err := r.viewer(caller)
	if err != nil {
		return nil, "", err
	}
	r.mu.RLock()
	e, ok := r.byID[id]
	if !ok {
		e, ok = r.byHash[id]
	}
	r.mu.RUnlock()
	if !ok || !v.sees(e) {
		return nil, "", fmt.Errorf("%w: %s, or none you may see", ErrNotFound, id)
	}
	raw, err := r.body(e)
	return raw, e.hash, err
}

// Value kinds of Values.
const (
	ValueEPCs         = "epcs"
	ValueBizLocations = "bizLocations"
	ValueReadPoints   = "readPoints"
)

// Values lists, in order, the distinct EPCs (any of an event's),
// business locations or read points of the events caller may see, after
// the value after, at most limit; next is the last value listed when there
// may be more.
func (r *Repository) Values(caller ledger.Principal, kind, after string, limit int) (vals []string, next string, err error) {
	v, err := r.viewer(caller)
	if err != nil {
		return nil, "", err
	}
	set := map[string]bool{}
	r.mu.RLock()
	for _, e := range r.entries {
		var of []string
		switch kind {
		case ValueEPCs:
			of = append(append(append(slices.Clone(e.epcs), e.inputs...), e.outputs...), e.parent)
		case ValueBizLocations:
			of = []string{e.bizLocation}
		case ValueReadPoints:
			of = []string{e.readPoint}
		default:
			r.mu.RUnlock()
			return nil, "", fmt.Errorf("epcisrepo: no values of kind %q", kind)
		}
		if !slices.ContainsFunc(of, func(s string) bool { return s != "" && s > after && !set[s] }) || !v.sees(e) {
			continue
		}
		for _, s := range of {
			if s != "" && s > after {
				set[s] = true
			}
		}
	}
	r.mu.RUnlock()
	for s := range set {
		vals = append(vals, s)
	}
	slices.Sort(vals)
	if len(vals) > limit {
		vals = vals[:limit]
		next = vals[limit-1]
	}
	return vals, next, nil
}

// ValueToken and ParseValueToken carry a Values page's next value in a
// nextPageToken.
func ValueToken(v string) string { return base64.RawURLEncoding.EncodeToString([]byte(v)) }

// ParseValueToken reads a token of ValueToken.
func ParseValueToken(s string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		return "", paramErr("nextPageToken", "is not a token this repository gave (take it from the Link header of the page before)")
	}
	return string(b), nil
}
