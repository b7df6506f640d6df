// Package deid de-identifies FHIR R4 JSON by HIPAA's Safe Harbor method
// (45 CFR 164.514(b)(2)): it removes or generalises the eighteen kinds of
// identifier of the patient and of their relatives, household and
// employers, including those hiding in free text and extensions, and gives
// each patient a per-study pseudonym.
//
// It is pure and deterministic: the same document, rule set and Options
// give the same bytes, on any machine (no clock, no randomness, no map
// order reaches the output: JSON objects are written with sorted keys).
// The rules are versioned (Version) and hashed (Rules.Hash): a release
// manifest on the ledger names both, so anyone can tell which rules made a
// data set. Changing what the rules do is a new Version.
//
// What each identifier becomes (the letters are the rule's (A) to (R)):
//
//	(A) names                  every HumanName (name, valueHumanName), Patient.contact, reference displays: removed
//	(B) geography              Address: line, city, district, text, period and geolocation removed; state and
//	                           country kept; a US ZIP cut to its first 3 digits, "000" for RestrictedZIP3;
//	                           any other postal code removed
//	(C) dates                  every date, dateTime and instant cut to its year; meta.lastUpdated, Bundle.timestamp
//	                           removed; a patient aged over 89 loses the birth year too (extension Over89URL),
//	                           and Age values over 89 become 90 (comparator >=)
//	(D–F) phone, fax, email    every ContactPoint (telecom, valueContactPoint): removed
//	(G–K, R) SSN, MRN, plan,   every Identifier (identifier, valueIdentifier): removed; resource ids and
//	    account, licence,      references: replaced by keyed pseudonyms (Pseudonym); patients' own strings
//	    other numbers          (fhirdoc.PersonalData) scrubbed from every remaining string
//	(L–M) vehicle, device      Device.udiCarrier, serialNumber, distinctIdentifier, lotNumber: removed
//	(N–O) URLs, IP addresses   Attachment and other URLs removed (extension and code-system URLs kept);
//	                           URLs and IPv4 addresses in free text redacted
//	(P–Q) biometrics, photos   photo, presentedForm, attachments and Binary, Media, DocumentReference: removed
//	free text                  narratives (text.div), note, comment and string-valued extensions removed;
//	                           SSNs, phone numbers, emails and dates finer than a year redacted in what remains
//
// Clinical content stays: codes and their displays, values, units,
// amounts, statuses, years. The output is meant for research, not for
// re-import: dropping a required element (a reference's only display, say)
// can leave a resource short of FHIR's cardinality.
//
// Safe Harbor also requires that the releasing organisation have no actual
// knowledge that what remains could identify someone; that judgement is
// the custodian's and the ethics board's, and no code makes it.
package deid

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/medchain/medchain/internal/fhirdoc"
)

// Version names the rule set. It changes whenever what Deidentify does
// changes; TestRulesHashPinned fails until it does.
const Version = "safe-harbor/1"

// Over89URL is the extension a Patient gets in place of a birth date that
// would reveal an age over 89.
const Over89URL = "https://medchain.dev/fhir/StructureDefinition/age-90-or-older"

// Redacted replaces identifying text inside a string that is otherwise kept.
const Redacted = "[redacted]"

// MinKey is the shortest pseudonym key accepted, in bytes.
const MinKey = 32

// ErrInvalid is input Deidentify cannot work on, or bad Options.
var ErrInvalid = errors.New("deid: invalid input")

// Rules is the rule set as data: what is dropped, kept and generalised.
// Its JSON form is what Hash covers.
type Rules struct {
	Version  string `json:"version"`
	Standard string `json:"standard"`
	// DropKeys are removed wherever they occur.
	DropKeys []string `json:"drop_keys"`
	// DropIfObject are removed where their value is an object or array
	// (a HumanName "name"; a string "name", an organisation's, stays).
	DropIfObject []string `json:"drop_if_object"`
	// DropResources are resource types removed whole.
	DropResources []string `json:"drop_resources"`
	// DropExtensionValues: an extension whose value has one of these
	// types is removed whole.
	DropExtensionValues []string `json:"drop_extension_values"`
	// DropExtensionURLs are extensions removed whole.
	DropExtensionURLs []string `json:"drop_extension_urls"`
	// AddressKeep are the Address elements kept (postalCode generalised).
	AddressKeep    []string `json:"address_keep"`
	DateTo         string   `json:"date_to"`
	AgeOver        int      `json:"age_over"`
	RestrictedZIP3 []string `json:"restricted_zip3"`
	ZIP3Source     string   `json:"zip3_source"`
	// FreeText are the patterns redacted inside kept strings.
	FreeText  []string `json:"free_text"`
	Pseudonym string   `json:"pseudonym"`
}

var rules = Rules{
	Version:  Version,
	Standard: "45 CFR 164.514(b)(2) Safe Harbor",
	DropKeys: []string{
		"comment", "contact", "content", "distinctIdentifier", "identifier", "lotNumber", "note",
		"photo", "presentedForm", "serialNumber", "telecom", "udiCarrier",
		"valueAttachment", "valueContactPoint", "valueHumanName", "valueIdentifier",
	},
	DropIfObject:  []string{"name", "text"},
	DropResources: []string{"Binary", "DocumentReference", "Media"},
	DropExtensionValues: []string{
		"valueAttachment", "valueBase64Binary", "valueContactPoint", "valueHumanName", "valueIdentifier",
		"valueMarkdown", "valueString", "valueUri", "valueUrl",
	},
	DropExtensionURLs: []string{"http://hl7.org/fhir/StructureDefinition/geolocation"},
	AddressKeep:       []string{"country", "postalCode", "state", "type", "use"},
	DateTo:            "year",
	AgeOver:           89,
	RestrictedZIP3:    RestrictedZIP3,
	ZIP3Source:        ZIP3Source,
	FreeText: []string{
		reEmail.String(), reURL.String(), reIPv4.String(), reSSN.String(), rePhone.String(),
		reISODate.String(), reUSDate.String(), reUSDate2.String(), reTextDate.String(),
	},
	Pseudonym: "HMAC-SHA-256(key, kind 0x00 study 0x00 id), first 16 bytes as an RFC 9562 version-8 UUID",
}

// RuleSet returns the rule set.
func RuleSet() Rules {
	r := rules
	for _, l := range []*[]string{&r.DropKeys, &r.DropIfObject, &r.DropResources, &r.DropExtensionValues, &r.DropExtensionURLs, &r.AddressKeep, &r.RestrictedZIP3, &r.FreeText} {
		*l = slices.Clone(*l)
	}
	return r
}

// Hash is the SHA-256 of the rule set's JSON, in hex.
func (r Rules) Hash() string {
	b, err := json.Marshal(r)
	if err != nil {
		panic(err) // strings and ints only
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

var (
	reEmail    = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)
	reURL      = regexp.MustCompile(`(?i)\b(?:https?|ftp)://[^\s"<>]+|\bwww\.[^\s"<>]+`)
	reIPv4     = regexp.MustCompile(`\b(?:[0-9]{1,3}\.){3}[0-9]{1,3}\b`)
	reSSN      = regexp.MustCompile(`\b[0-9]{3}-[0-9]{2}-[0-9]{4}\b`)
	rePhone    = regexp.MustCompile(`(?:\+?1[-. ]?)?(?:\([0-9]{3}\)|\b[0-9]{3})[-. ]?[0-9]{3}[-. ][0-9]{4}\b`)
	reISODate  = regexp.MustCompile(`\b([0-9]{4})-[0-9]{2}-[0-9]{2}(?:T[0-9:.]+(?:Z|[+-][0-9]{2}:[0-9]{2})?)?\b`)
	reUSDate   = regexp.MustCompile(`\b[0-9]{1,2}/[0-9]{1,2}/([0-9]{4})\b`)
	reUSDate2  = regexp.MustCompile(`\b[0-9]{1,2}/[0-9]{1,2}/[0-9]{2}\b`)
	reTextDate = regexp.MustCompile(`(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? [0-9]{1,2}(?:st|nd|rd|th)?,? ([0-9]{4})\b`)

	// reDate is a whole value that is a FHIR date, dateTime or instant
	// finer than a year.
	reDate = regexp.MustCompile(`^([0-9]{4})-[0-9]{2}(?:-[0-9]{2}(?:T.*)?)?$`)
	reYear = regexp.MustCompile(`^[0-9]{4}`)
	reZIP  = regexp.MustCompile(`^([0-9]{3})[0-9]{2}(?:-?[0-9]{4})?$`)
	// reResourceType is a FHIR resource type name.
	reResourceType = regexp.MustCompile(`^[A-Z][A-Za-z]+$`)
)

// Options are a de-identification's parameters.
type Options struct {
	// Study is the study the pseudonyms are for: the same patient gets a
	// different pseudonym in every study.
	Study string
	// Key is the custodian's pseudonym key (at least MinKey bytes): without
	// it nobody can link a pseudonym to a patient or two studies' pseudonyms
	// to each other.
	Key []byte
	// Year is the year ages are reckoned at (a release's block year), for
	// the over-89 rule; a deceased patient's age is reckoned at death.
	Year int
	// Subject, if set, is the ledger's ID of the patient the document is
	// about: their Patient resources get Pseudonym(Key, Study, Subject), the
	// pseudonym the release counts, instead of one derived from the FHIR id.
	Subject string
	// SubjectIDs are FHIR ids that denote the patient besides those of the
	// document's own Patient resources: a record split from a Bundle
	// references its patient by an id whose Patient resource is another
	// record. References to them get the patient's pseudonym.
	SubjectIDs []string
}

func (o Options) validate() error {
	switch {
	case o.Study == "":
		return fmt.Errorf("%w: study: required (pseudonyms are per study)", ErrInvalid)
	case len(o.Key) < MinKey:
		return fmt.Errorf("%w: key: %d bytes, at least %d needed", ErrInvalid, len(o.Key), MinKey)
	case o.Year < 1900 || o.Year > 9999:
		return fmt.Errorf("%w: year: %d is not a year from 1900 to 9999", ErrInvalid, o.Year)
	}
	return nil
}

// Result is a de-identified document and what was done to it.
type Result struct {
	// Data is the de-identified JSON, keys sorted.
	Data []byte
	// Resources counts the resources kept (Bundles not counted).
	Resources int
	// Patients are the pseudonyms of the Patient resources, sorted.
	Patients []string
	// Removed counts what was removed or generalised, by kind, sorted by
	// kind.
	Removed []Count
}

// Count is how many elements of one kind a de-identification changed.
type Count struct {
	Kind string `json:"kind"`
	N    int    `json:"n"`
}

// Kinds of change counted in Result.Removed.
const (
	KindAge        = "age"
	KindAddress    = "address"
	KindDate       = "date"
	KindExtension  = "extension"
	KindFreeText   = "free_text"
	KindIdentifier = "identifier"
	KindName       = "name"
	KindResource   = "resource"
	KindURL        = "url"
	KindZIP        = "zip"
)

// Pseudonym is a patient's pseudonym in a study: a keyed hash of the
// patient's ID and the study, formatted as a UUID. Without key, pseudonyms
// of one patient in two studies cannot be linked.
func Pseudonym(key []byte, study, patient string) string {
	return pseudo(key, "patient", study, patient)
}

func pseudo(key []byte, kind, study, id string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(study))
	m.Write([]byte{0})
	m.Write([]byte(id))
	s := m.Sum(nil)[:16]
	s[6] = s[6]&0x0f | 0x80 // version 8
	s[8] = s[8]&0x3f | 0x80 // variant RFC 9562
	h := hex.EncodeToString(s)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// Deidentify applies the rule set to one FHIR R4 JSON resource (a Bundle,
// typically). raw is not otherwise validated.
func Deidentify(raw []byte, o Options) (Result, error) {
	if err := o.validate(); err != nil {
		return Result{}, err
	}
	personal, err := fhirdoc.PersonalData(raw)
	if err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var doc map[string]any
	if err := d.Decode(&doc); err != nil {
		return Result{}, fmt.Errorf("%w: not JSON: %v", ErrInvalid, err)
	}
	if rt, _ := doc["resourceType"].(string); !reResourceType.MatchString(rt) {
		return Result{}, fmt.Errorf("%w: resourceType: not a FHIR resource type name", ErrInvalid)
	}
	w := &walker{o: o, patientIDs: map[string]bool{}, patients: map[string]bool{}, removed: map[string]int{}}
	w.scrub = newScrubber(append(personal, identifying(doc)...))
	collectPatients(doc, w.patientIDs)
	for _, id := range o.SubjectIDs {
		w.patientIDs[id] = true
	}
	out, keep := w.resource(doc)
	if !keep {
		return Result{}, fmt.Errorf("%w: resourceType: %s resources are removed whole by the rule set", ErrInvalid, str(doc["resourceType"]))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return Result{}, fmt.Errorf("deid: %w", err)
	}
	res := Result{Data: buf.Bytes(), Resources: w.resources}
	for p := range w.patients {
		res.Patients = append(res.Patients, p)
	}
	slices.Sort(res.Patients)
	for k, n := range w.removed {
		res.Removed = append(res.Removed, Count{Kind: k, N: n})
	}
	slices.SortFunc(res.Removed, func(a, b Count) int { return strings.Compare(a.Kind, b.Kind) })
	return res, nil
}

// collectPatients records the ids of the Patient resources in v.
func collectPatients(v any, ids map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		if v["resourceType"] == "Patient" {
			if id := str(v["id"]); id != "" {
				ids[id] = true
			}
		}
		for _, x := range v {
			collectPatients(x, ids)
		}
	case []any:
		for _, x := range v {
			collectPatients(x, ids)
		}
	}
}

// identifying returns the strings of every name, address, contact point
// and identifier in v, a practitioner's or an organisation's as well as
// the patients': any of them in free text points at a person or a place
// smaller than a state (an organisation named after its town, say).
func identifying(v any) []string {
	set := map[string]bool{}
	add := func(s string) {
		s = strings.Join(strings.Fields(s), " ")
		if len([]rune(s)) >= fhirdoc.MinPersonalLen {
			set[s] = true
		}
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				switch k {
				case "name", "valueHumanName":
					for _, n := range objects(x) {
						add(str(n["text"]))
						add(str(n["family"]))
						var given []string
						for _, g := range list(n["given"]) {
							add(str(g))
							given = append(given, str(g))
						}
						add(strings.Join(append(given, str(n["family"])), " "))
					}
				case "address", "valueAddress":
					for _, a := range objects(x) {
						add(str(a["text"]))
						add(str(a["city"]))
						add(str(a["district"]))
						add(str(a["postalCode"]))
						for _, l := range list(a["line"]) {
							add(str(l))
						}
					}
				case "telecom", "identifier":
					for _, t := range objects(x) {
						add(str(t["value"]))
					}
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// objects returns v's objects: v itself or the objects of a list.
func objects(v any) []map[string]any {
	if m, ok := v.(map[string]any); ok {
		return []map[string]any{m}
	}
	var out []map[string]any
	for _, x := range list(v) {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

// scrubber redacts the given strings wherever they occur in a string:
// letters anywhere, case-insensitively; digit-only ones (a ZIP code) as
// whole tokens, since as substrings they turn up by chance in amounts.
// Longest first, so "Liz Conn" goes before "Conn".
type scrubber struct {
	needles []string // lower case
	digits  []bool
}

func newScrubber(strs []string) scrubber {
	ps := make([]string, 0, len(strs))
	for _, p := range strs {
		ps = append(ps, strings.ToLower(p))
	}
	slices.Sort(ps)
	ps = slices.Compact(ps)
	slices.SortStableFunc(ps, func(a, b string) int { return len(b) - len(a) })
	s := scrubber{needles: ps, digits: make([]bool, len(ps))}
	for i, p := range ps {
		s.digits[i] = strings.Trim(p, "0123456789- ") == ""
	}
	return s
}

// replace returns t with every needle replaced by Redacted.
func (s scrubber) replace(t string) string {
	lower := strings.ToLower(t)
	if len(lower) != len(t) { // a case mapping that changes lengths: compare as is
		lower = t
	}
	for i, n := range s.needles {
		for from := 0; ; {
			j := strings.Index(lower[from:], n)
			if j < 0 {
				break
			}
			at, end := from+j, from+j+len(n)
			if s.digits[i] && (at > 0 && isAlnum(lower[at-1]) || end < len(lower) && isAlnum(lower[end])) {
				from = at + 1
				continue
			}
			t = t[:at] + Redacted + t[end:]
			lower = lower[:at] + Redacted + lower[end:]
			from = at + len(Redacted)
		}
	}
	return t
}

func isAlnum(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

type walker struct {
	o          Options
	scrub      scrubber
	patientIDs map[string]bool // FHIR ids of the Patient resources in the input
	patients   map[string]bool // their pseudonyms
	removed    map[string]int
	resources  int
}

func (w *walker) count(kind string) { w.removed[kind]++ }

// id is the pseudonym of a resource id.
func (w *walker) id(orig string) string {
	if w.patientIDs[orig] {
		if w.o.Subject != "" {
			return Pseudonym(w.o.Key, w.o.Study, w.o.Subject)
		}
		return Pseudonym(w.o.Key, w.o.Study, orig)
	}
	return pseudo(w.o.Key, "resource", w.o.Study, orig)
}

// reference rewrites a reference (or fullUrl) to the pseudonymous id of its
// target, dropping any base URL; ok is false for one it cannot parse.
func (w *walker) reference(ref string) (string, bool) {
	switch {
	case strings.HasPrefix(ref, "urn:uuid:"):
		return "urn:uuid:" + w.id(strings.TrimPrefix(ref, "urn:uuid:")), true
	case strings.HasPrefix(ref, "#"):
		return "#" + w.id(ref[1:]), true
	}
	parts := strings.Split(ref, "/")
	if i := slices.Index(parts, "_history"); i >= 0 {
		parts = parts[:i]
	}
	if n := len(parts); n >= 2 && reResourceType.MatchString(parts[n-2]) && parts[n-1] != "" {
		return parts[n-2] + "/" + w.id(parts[n-1]), true
	}
	return "", false
}

// resource de-identifies a resource object; keep is false for a resource
// type removed whole.
func (w *walker) resource(r map[string]any) (map[string]any, bool) {
	rt := str(r["resourceType"])
	if slices.Contains(rules.DropResources, rt) {
		w.count(KindResource)
		return nil, false
	}
	out := w.object(r)
	if id := str(r["id"]); id != "" {
		out["id"] = w.id(id)
	}
	if rt != "Bundle" {
		w.resources++
	}
	if rt == "Patient" {
		w.patient(r, out)
		if id, ok := out["id"].(string); ok {
			w.patients[id] = true
		}
	}
	return out, true
}

// patient applies the over-89 rule: the age is reckoned from the birth
// year at the year of death or Options.Year. Years alone cannot tell 89
// from 90 in the year of the birthday: the rule errs towards removing.
func (w *walker) patient(in, out map[string]any) {
	born, ok := year(str(in["birthDate"]))
	if !ok {
		return
	}
	at := w.o.Year
	if d, ok := year(str(in["deceasedDateTime"])); ok {
		at = d
	}
	if at-born <= rules.AgeOver {
		return
	}
	delete(out, "birthDate")
	delete(out, "_birthDate")
	w.count(KindAge)
	ext, _ := out["extension"].([]any)
	out["extension"] = append(ext, map[string]any{"url": Over89URL, "valueBoolean": true})
}

func year(s string) (int, bool) {
	y := reYear.FindString(s)
	if y == "" {
		return 0, false
	}
	n, err := strconv.Atoi(y)
	return n, err == nil
}

// object de-identifies a JSON object's members.
func (w *walker) object(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	coding := m["code"] != nil || m["system"] != nil
	extension := m["url"] != nil && (m["extension"] != nil || hasValue(m))
	for k, v := range m {
		switch {
		case k == "resourceType":
			if rt, ok := v.(string); ok && reResourceType.MatchString(rt) {
				out[k] = v
			} else {
				w.count(KindIdentifier) // not a type name: anything could hide there
			}
			continue
		case k == "id":
			// Resource ids are replaced by the caller (resource); element
			// ids carry nothing but are someone's choice: dropped.
			continue
		case slices.Contains(rules.DropKeys, k):
			w.countDrop(k)
			continue
		case slices.Contains(rules.DropIfObject, k) && !isString(v):
			w.countDrop(k)
			continue
		case k == "display" && !coding:
			// A reference's display names a person or organisation.
			w.count(KindName)
			continue
		case k == "reference" || k == "fullUrl":
			if s, ok := v.(string); ok {
				if r, ok := w.reference(s); ok {
					out[k] = r
					continue
				}
			}
			w.count(KindURL)
			continue
		case k == "url":
			if extension {
				out[k] = v
				continue
			}
			if s, ok := v.(string); ok && m["method"] != nil { // Bundle.entry.request
				if reResourceType.MatchString(s) {
					out[k] = s
					continue
				}
				if r, ok := w.reference(s); ok {
					out[k] = r
					continue
				}
			}
			w.count(KindURL)
			continue
		case k == "system" || k == "profile" || k == "valueSet":
			out[k] = v // code-system and profile URIs identify no one
			continue
		case k == "lastUpdated" || k == "timestamp":
			w.count(KindDate) // instants: a year is not one
			continue
		case k == "versionId" || k == "source":
			w.count(KindIdentifier)
			continue
		case k == "link": // Patient.link to other patients, Bundle.link URLs
			w.count(KindURL)
			continue
		case k == "address" || k == "valueAddress":
			if a := w.addresses(v); a != nil {
				out[k] = a
			}
			continue
		case k == "extension" || k == "modifierExtension":
			if e := w.extensions(v); e != nil {
				out[k] = e
			}
			continue
		case strings.HasSuffix(k, "Age") && isObject(v):
			out[k] = w.age(v.(map[string]any))
			continue
		case k == "entry" || k == "contained":
			if e := w.resources_(v); e != nil {
				out[k] = e
			}
			continue
		}
		if x, keep := w.value(k, v); keep {
			out[k] = x
		}
	}
	return out
}

// resources_ handles Bundle.entry and contained lists: entries whose
// resource is removed whole go with it.
func (w *walker) resources_(v any) any {
	l, ok := v.([]any)
	if !ok {
		return nil
	}
	var out []any
	for _, x := range l {
		m, ok := x.(map[string]any)
		if !ok {
			continue
		}
		if r, ok := m["resource"].(map[string]any); ok { // a Bundle entry
			rr, keep := w.resource(r)
			if !keep {
				continue
			}
			e := w.object(withoutKey(m, "resource"))
			e["resource"] = rr
			out = append(out, e)
			continue
		}
		if m["resourceType"] != nil { // a contained resource
			if rr, keep := w.resource(m); keep {
				out = append(out, rr)
			}
			continue
		}
		if o := w.object(m); len(o) > 0 {
			out = append(out, o)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func withoutKey(m map[string]any, key string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}

func (w *walker) countDrop(k string) {
	switch k {
	case "name", "valueHumanName", "contact":
		w.count(KindName)
	case "text", "note", "comment":
		w.count(KindFreeText)
	case "photo", "presentedForm", "content", "valueAttachment":
		w.count(KindURL)
	default:
		w.count(KindIdentifier)
	}
}

// value de-identifies any other member's value.
func (w *walker) value(key string, v any) (any, bool) {
	switch v := v.(type) {
	case map[string]any:
		if v["resourceType"] != nil {
			r, keep := w.resource(v)
			return r, keep
		}
		o := w.object(v)
		return o, len(o) > 0
	case []any:
		var out []any
		for _, x := range v {
			if y, keep := w.value(key, x); keep {
				out = append(out, y)
			}
		}
		return out, len(out) > 0
	case string:
		if key == "code" {
			return v, true
		}
		if m := reDate.FindStringSubmatch(v); m != nil {
			w.count(KindDate)
			return m[1], true
		}
		return w.text(v), true
	}
	return v, true // numbers, booleans, null
}

// text redacts identifiers inside a kept string.
func (w *walker) text(s string) string {
	t := w.scrub.replace(s)
	for _, re := range []*regexp.Regexp{reEmail, reURL, reIPv4, reSSN, rePhone, reUSDate2} {
		t = re.ReplaceAllString(t, Redacted)
	}
	for _, re := range []*regexp.Regexp{reISODate, reUSDate, reTextDate} {
		t = re.ReplaceAllString(t, "$1")
	}
	if t != s {
		w.count(KindFreeText)
	}
	return t
}

// addresses keeps an Address's state, country, use and type and the first
// three digits of a US ZIP code.
func (w *walker) addresses(v any) any {
	switch v := v.(type) {
	case []any:
		var out []any
		for _, x := range v {
			if a := w.addresses(x); a != nil {
				out = append(out, a)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, x := range v {
			s, isStr := x.(string)
			switch {
			case k == "postalCode" && isStr:
				if z, ok := zip3(s, str(v["country"])); ok {
					out[k] = z
				}
				w.count(KindZIP)
			case slices.Contains(rules.AddressKeep, k) && isStr:
				out[k] = s
			default:
				w.count(KindAddress)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	}
	w.count(KindAddress)
	return nil
}

// zip3 generalises a US ZIP code to its first three digits ("000" for a
// restricted prefix); ok is false for a postal code that is not a US ZIP,
// which is removed.
func zip3(zip, country string) (string, bool) {
	switch strings.ToUpper(country) {
	case "", "US", "USA", "UNITED STATES":
	default:
		return "", false
	}
	m := reZIP.FindStringSubmatch(strings.TrimSpace(zip))
	if m == nil {
		return "", false
	}
	if _, restricted := slices.BinarySearch(RestrictedZIP3, m[1]); restricted {
		return "000", true
	}
	return m[1], true
}

// extensions removes extensions that carry free text, names, contact
// points, identifiers, attachments or URLs, and geolocation, and
// de-identifies the rest (an address extension keeps state and ZIP3).
func (w *walker) extensions(v any) any {
	l, ok := v.([]any)
	if !ok {
		w.count(KindExtension)
		return nil
	}
	var out []any
	for _, x := range l {
		e, ok := x.(map[string]any)
		if !ok || slices.Contains(rules.DropExtensionURLs, str(e["url"])) || dropValue(e) {
			w.count(KindExtension)
			continue
		}
		o := w.object(e)
		if len(o) <= 1 { // nothing but the url left
			w.count(KindExtension)
			continue
		}
		out = append(out, o)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func dropValue(e map[string]any) bool {
	for k := range e {
		if slices.Contains(rules.DropExtensionValues, k) {
			return true
		}
	}
	return false
}

func hasValue(m map[string]any) bool {
	for k := range m {
		if strings.HasPrefix(k, "value") {
			return true
		}
	}
	return false
}

// age caps an Age over 89 years at 90 with the comparator ">=".
func (w *walker) age(a map[string]any) map[string]any {
	out := w.object(a)
	n, ok := a["value"].(json.Number)
	if !ok {
		return out
	}
	f, err := strconv.ParseFloat(string(n), 64) // an element's value, not consensus state
	if err != nil {
		return out
	}
	perYear, ok := ageUnits[str(a["code"])]
	if !ok || f <= float64(rules.AgeOver*perYear) {
		return out
	}
	out["value"] = json.Number(strconv.Itoa(rules.AgeOver + 1))
	out["comparator"] = ">="
	out["code"], out["unit"] = "a", "years"
	w.count(KindAge)
	return out
}

// ageUnits are the UCUM units of an Age and how many make a year (a
// month-old's age in days, say, never reaches 89 years).
var ageUnits = map[string]int{"": 1, "a": 1, "mo": 12, "wk": 52, "d": 365}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func isString(v any) bool {
	_, ok := v.(string)
	return ok
}

func isObject(v any) bool {
	_, ok := v.(map[string]any)
	return ok
}
