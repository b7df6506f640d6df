package epcis

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// --- timestamps ---

var timestampRE = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?$`)

// canonicalTime converts an xsd:dateTime(Stamp) to UTC with millisecond
// precision, "2006-01-02T15:04:05.000Z" (CBV 2.0 event hash rules 8 and 9):
// missing milliseconds are zero-filled; with more than three fractional
// digits the third is rounded up when the fourth is 5-9 (".1415" -> ".142").
// A time without a UTC offset is taken as UTC (EPCIS requires the offset;
// the schema rejects such times). ok is false if s is not a timestamp.
func canonicalTime(s string) (string, bool) {
	t, ok := parseTimestamp(s)
	if !ok {
		return "", false
	}
	return t.Format("2006-01-02T15:04:05.000Z"), true
}

func parseTimestamp(s string) (time.Time, bool) {
	m := timestampRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return time.Time{}, false
	}
	num := func(i int) int { n, _ := strconv.Atoi(m[i]); return n }
	year, month, day, hour, minute := num(1), num(2), num(3), num(4), num(5)
	sec := 0
	if m[6] != "" {
		sec = num(6)
	}
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || sec > 59 ||
		(hour == 24 && (minute != 0 || sec != 0 || strings.Trim(m[7], "0") != "")) {
		return time.Time{}, false
	}
	offset := 0
	if z := m[8]; z != "" && z != "Z" && z != "z" {
		digits := strings.ReplaceAll(z[1:], ":", "")
		oh, _ := strconv.Atoi(digits[:2])
		om := 0
		if len(digits) == 4 {
			om, _ = strconv.Atoi(digits[2:])
		} else if len(digits) != 2 {
			return time.Time{}, false
		}
		if oh > 23 || om > 59 {
			return time.Time{}, false
		}
		offset = oh*3600 + om*60
		if z[0] == '-' {
			offset = -offset
		}
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.FixedZone("", offset))
	if hour != 24 && t.Day() != day { // 2021-02-30 and the like
		return time.Time{}, false
	}
	if frac := m[7]; frac != "" {
		ms, _ := strconv.Atoi((frac + "00")[:3])
		if len(frac) > 3 && frac[3] >= '5' {
			ms++
		}
		t = t.Add(time.Duration(ms) * time.Millisecond)
	}
	return t.UTC(), true
}

// --- decimals ---

var decimalRE = regexp.MustCompile(`^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$`)

// canonicalDecimal writes a decimal number exactly, in plain notation,
// without a leading "+", leading zeros or trailing fractional zeros
// ("452.0" -> "452", "+0.50" -> "0.5", "1e3" -> "1000", "-0" -> "0"). This
// is CBV 2.0 event hash rule 6; no floating point is involved, so every
// digit of the input survives. ok is false if s is not a decimal number.
func canonicalDecimal(s string) (string, bool) {
	m := decimalRE.FindStringSubmatch(s)
	if m == nil || m[2] == "" && m[3] == "" {
		return "", false
	}
	sign, ip, fp := m[1], m[2], m[3]
	exp := 0
	if m[4] != "" {
		e, err := strconv.Atoi(m[4])
		if err != nil || e > 1000 || e < -1000 {
			return "", false
		}
		exp = e
	}
	digits := ip + fp
	point := len(ip) + exp // the value is digits[:point] "." digits[point:]
	if point < 0 {
		digits = strings.Repeat("0", -point) + digits
		point = 0
	}
	if point > len(digits) {
		digits += strings.Repeat("0", point-len(digits))
	}
	ip = strings.TrimLeft(digits[:point], "0")
	fp = strings.TrimRight(digits[point:], "0")
	if ip == "" {
		ip = "0"
	}
	if sign == "+" || ip == "0" && fp == "" {
		sign = ""
	}
	if fp == "" {
		return sign + ip, true
	}
	return sign + ip + "." + fp, true
}

// --- JSON-LD prefixes (CURIEs) ---

// standardPrefixes are the prefixes defined by GS1's EPCIS 2.0 JSON-LD
// context (https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld),
// which every EPCIS 2.0 document references; it is never fetched.
var standardPrefixes = map[string]string{
	"epcis":   "https://ref.gs1.org/epcis/",
	"cbv":     "https://ref.gs1.org/cbv/",
	"cbvmda":  cbvMDA,
	"gs1":     "https://gs1.org/voc/",
	"rdfs":    "http://www.w3.org/2000/01/rdf-schema#",
	"owl":     "http://www.w3.org/2002/07/owl#",
	"xsd":     "http://www.w3.org/2001/XMLSchema#",
	"dcterms": "http://purl.org/dc/terms/",
}

// prefixes maps CURIE prefixes to namespace IRIs.
// cbvMDA is the namespace of CBV master data (lot number, expiry).
const cbvMDA = "urn:epcglobal:cbv:mda:"

type prefixes map[string]string

func newPrefixes() prefixes {
	p := make(prefixes, len(standardPrefixes)+4)
	for k, v := range standardPrefixes {
		p[k] = v
	}
	return p
}

// with returns p extended by the inline term definitions of a JSON-LD
// @context value (a string IRI, an object, or an array of both). Only
// "prefix": "IRI" entries are used; remote contexts are not fetched.
func (p prefixes) with(ctx any) prefixes {
	var defs []map[string]any
	switch c := ctx.(type) {
	case map[string]any:
		defs = append(defs, c)
	case []any:
		for _, e := range c {
			if m, ok := e.(map[string]any); ok {
				defs = append(defs, m)
			}
		}
	}
	if len(defs) == 0 {
		return p
	}
	q := make(prefixes, len(p)+4)
	for k, v := range p {
		q[k] = v
	}
	for _, d := range defs {
		for k, v := range d {
			iri, ok := v.(string)
			if !ok || strings.HasPrefix(k, "@") || strings.HasPrefix(iri, "@") || !strings.Contains(iri, ":") {
				continue
			}
			q[k] = iri
		}
	}
	return q
}

// split returns the namespace IRI and local part of a CURIE "prefix:local"
// whose prefix is defined; ok is false for anything else, including
// absolute IRIs ("https://...", whose "suffix" starts with "//").
func (p prefixes) split(s string) (iri, local string, ok bool) {
	i := strings.IndexByte(s, ':')
	if i <= 0 || strings.HasPrefix(s[i+1:], "//") {
		return "", "", false
	}
	iri, ok = p[s[:i]]
	return iri, s[i+1:], ok
}

// value expands a CURIE value to its IRI ("gs1:Temperature" ->
// "https://gs1.org/voc/Temperature").
func (p prefixes) value(s string) string {
	if iri, local, ok := p.split(s); ok {
		return iri + local
	}
	return s
}

// key expands a CURIE property name to the "{namespace}local" form of the
// event hash ("example:myField" -> "{https://ns.example.com/epcis/}myField").
func (p prefixes) key(s string) string {
	if iri, local, ok := p.split(s); ok {
		return "{" + iri + "}" + local
	}
	return s
}
