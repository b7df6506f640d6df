package fhirdoc

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MinPersonalLen is the shortest string PersonalData returns, in
// characters: shorter ones ("Liz", "Ng", "MA") turn up everywhere by
// chance, so searching for them proves nothing.
const MinPersonalLen = 4

// PersonalData returns the identifying strings of the Patient resources in
// raw: the resource itself if it is a Patient, and every Patient inside it
// (Bundle entries at any depth, contained resources). It is meant for the
// privacy scan, which searches everything the chain stores for them.
//
// Per Patient it takes: the id; every identifier value (MRN, SSN, driver's
// licence, passport, …); of every name its text, family name, given names
// and the full name "given… family"; telecom values (phone, email);
// birthDate (and birth time) and deceasedDateTime; of every address its text, lines,
// city, district and postal code; the same name, telecom and address
// parts of each contact (next of kin); and the mother's maiden name and
// birth place extensions. Name prefixes and suffixes ("Mrs.", "Jr."),
// states and countries are not taken: they are shared by many people.
//
// It filters out strings that are too short or too generic to search for:
// shorter than MinPersonalLen characters (a given name "Liz" is dropped,
// the full name "Liz Conn" kept) or without a letter or digit. Digit-only
// values such as a 5-digit ZIP code are kept, but a scanner should match
// them as whole tokens: as substrings they occur by chance in hashes and
// timestamps.
//
// The result is sorted and unique. raw must be a JSON object with a
// resourceType (anything else is an *Error, as in Validate); it is not
// otherwise validated, so any test data can be scanned.
func PersonalData(raw []byte) ([]string, error) {
	if err := precheck(raw); err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var doc map[string]any
	if err := d.Decode(&doc); err != nil {
		return nil, invalid("", "not JSON: %v", err)
	}
	if _, ok := doc["resourceType"].(string); !ok {
		return nil, invalid("resourceType", "missing required field: a FHIR resource names its type in resourceType")
	}
	set := map[string]bool{}
	walkPatients(doc, func(p map[string]any) { patientStrings(p, set) })
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	slices.Sort(out)
	return out, nil
}

// walkPatients calls f for every JSON object with resourceType "Patient"
// in v, at any depth.
func walkPatients(v any, f func(map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		if v["resourceType"] == "Patient" {
			f(v)
		}
		for _, x := range v {
			walkPatients(x, f)
		}
	case []any:
		for _, x := range v {
			walkPatients(x, f)
		}
	}
}

func patientStrings(p map[string]any, set map[string]bool) {
	add := func(s string) {
		s = strings.Join(strings.Fields(s), " ")
		if utf8.RuneCountInString(s) < MinPersonalLen || !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			return
		}
		set[s] = true
	}
	add(str(p["id"]))
	for _, id := range objs(p["identifier"]) {
		add(str(id["value"]))
	}
	names := func(v any) {
		for _, n := range objs(v) {
			name(n, add)
		}
	}
	telecoms := func(v any) {
		for _, t := range objs(v) {
			add(str(t["value"]))
		}
	}
	addresses := func(v any) {
		for _, a := range objs(v) {
			address(a, add)
		}
	}
	names(p["name"])
	telecoms(p["telecom"])
	addresses(p["address"])
	add(str(p["birthDate"]))
	if b, ok := p["_birthDate"].(map[string]any); ok {
		for _, e := range objs(b["extension"]) {
			if str(e["url"]) == "http://hl7.org/fhir/StructureDefinition/patient-birthTime" {
				add(str(e["valueDateTime"]))
			}
		}
	}
	add(str(p["deceasedDateTime"]))
	for _, c := range objs(p["contact"]) {
		if n, ok := c["name"].(map[string]any); ok {
			name(n, add)
		}
		telecoms(c["telecom"])
		if a, ok := c["address"].(map[string]any); ok {
			address(a, add)
		}
	}
	for _, e := range objs(p["extension"]) {
		switch str(e["url"]) {
		case "http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName":
			add(str(e["valueString"]))
		case "http://hl7.org/fhir/StructureDefinition/patient-birthPlace":
			if a, ok := e["valueAddress"].(map[string]any); ok {
				address(a, add)
			}
		}
	}
}

func name(n map[string]any, add func(string)) {
	add(str(n["text"]))
	family := str(n["family"])
	add(family)
	var given []string
	for _, g := range list(n["given"]) {
		if s := str(g); s != "" {
			given = append(given, s)
			add(s)
		}
	}
	if len(given) > 0 && family != "" {
		add(strings.Join(given, " ") + " " + family)
	}
}

func address(a map[string]any, add func(string)) {
	add(str(a["text"]))
	for _, l := range list(a["line"]) {
		add(str(l))
	}
	add(str(a["city"]))
	add(str(a["district"]))
	add(str(a["postalCode"]))
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func objs(v any) []map[string]any {
	var out []map[string]any
	for _, x := range list(v) {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}
