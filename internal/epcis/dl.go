package epcis

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/medchain/medchain/internal/gs1"
)

// Canonical GS1 Digital Link conversion (CBV 2.0 event hash rules 17 and
// 18): EPC URIs (urn:epc:id:...), EPC class URIs (urn:epc:class:lgtin:...)
// and EPC pattern URIs (urn:epc:idpat:...) become canonical GS1 Digital Link
// URIs on https://id.gs1.org; Digital Link URIs on any domain are rewritten
// to that domain, with short key names replaced by AIs, GTINs padded to 14
// digits, the query string dropped and only the finest identification level
// kept (01/21 or else 01/10, 01/235, 414/254, 8006/21 or 8006/10, 8010/8011).
// The conversions follow GS1's EPC Tag Data Standard and the reference
// implementation of the event hash (RalphTro/epcis-event-hash-generator,
// dl_normaliser.py), including its character and length checks.

// epcChar is one character of a GS1 AI value as written in an EPC URI: a
// URI-safe character of GS1 AI encodable character set 82 or a %-escape.
const epcChar = `(?:%2[125-9A-Fa-f]|%3[0-9A-Fa-f]|%4[1-9A-Fa-f]|%5[0-9AaFf]|%6[1-9A-Fa-f]|%7[0-9Aa]|[!')(*+,.0-9:;=A-Za-z_-])`

// cpiChar is one character of a CPI component reference in an EPC URI.
const cpiChar = `(?:%2[3dfDF]|%3[0-9]|%4[1-9A-Fa-f]|%5[0-9Aa]|[0-9A-Z-])`

var (
	epcValueRE = regexp.MustCompile(`^` + epcChar + `+$`)
	cpiRefRE   = regexp.MustCompile(`^` + cpiChar + `+$`)
	digitsRE   = regexp.MustCompile(`^\d+$`)
)

// epcValueLen returns the number of characters s encodes (a %-escape is
// one), or -1 if s is not an EPC URI value.
func epcValueLen(s string) int {
	if !epcValueRE.MatchString(s) {
		return -1
	}
	return len(s) - 2*strings.Count(s, "%")
}

// isEPCValue reports whether s is an EPC URI value of 1 to max characters.
func isEPCValue(s string, max int) bool {
	n := epcValueLen(s)
	return n >= 1 && n <= max
}

// webURIEncode percent-encodes the characters GS1 Digital Link requires to be
// escaped that an EPC URI may carry unescaped (GS1 Digital Link 1.2 table 7-1).
func webURIEncode(s string) string {
	return strings.NewReplacer("!", "%21", "(", "%28", ")", "%29", "*", "%2A",
		"+", "%2B", ",", "%2C", ":", "%3A").Replace(s)
}

// checkDigit is the GS1 mod-10 check digit of the given digits (callers
// have checked they are digits).
func checkDigit(digits string) string {
	c, _ := gs1.CheckDigit(digits)
	return string(c)
}

// epcParts splits the body of an EPC URI at its first n-1 dots and checks
// that the first part is a GS1 company prefix (6-12 digits) and, if
// total > 0, that the first two parts are digits totalling total digits.
func epcParts(body string, n, total int) ([]string, bool) {
	parts := strings.SplitN(body, ".", n)
	if len(parts) != n {
		return nil, false
	}
	cp := parts[0]
	if len(cp) < 6 || len(cp) > 12 || !digitsRE.MatchString(cp) {
		return nil, false
	}
	if total > 0 {
		if len(cp)+len(parts[1]) != total || (parts[1] != "" && !digitsRE.MatchString(parts[1])) {
			return nil, false
		}
	}
	return parts, true
}

// gtin14 builds a GTIN-14 from a company prefix and an item reference whose
// first digit is the indicator.
func gtin14(cp, itemRef string) string {
	raw := itemRef[:1] + cp + itemRef[1:]
	return raw + checkDigit(raw)
}

const dlBase = "https://id.gs1.org/"

// epcToDigitalLink converts EPC, EPC class and EPC pattern URIs.
func epcToDigitalLink(uri string) (string, bool) {
	scheme, body, ok := cutEPCScheme(uri)
	if !ok {
		return "", false
	}
	switch scheme {
	case "id:sgtin":
		p, ok := epcParts(body, 3, 13)
		if !ok || !isEPCValue(p[2], 20) {
			return "", false
		}
		return dlBase + "01/" + gtin14(p[0], p[1]) + "/21/" + webURIEncode(p[2]), true
	case "id:sscc":
		p, ok := epcParts(body, 2, 17)
		if !ok {
			return "", false
		}
		raw := p[1][:1] + p[0] + p[1][1:]
		return dlBase + "00/" + raw + checkDigit(raw), true
	case "id:sgln":
		p, ok := epcParts(body, 3, 12)
		if !ok || !isEPCValue(p[2], 20) {
			return "", false
		}
		gln := p[0] + p[1]
		gln += checkDigit(gln)
		if p[2] == "0" {
			return dlBase + "414/" + gln, true
		}
		return dlBase + "414/" + gln + "/254/" + webURIEncode(p[2]), true
	case "id:grai":
		p, ok := epcParts(body, 3, 12)
		if !ok || !isEPCValue(p[2], 16) {
			return "", false
		}
		raw := "0" + p[0] + p[1]
		return dlBase + "8003/" + raw + checkDigit(raw) + webURIEncode(p[2]), true
	case "id:giai":
		p, ok := epcParts(body, 2, 0)
		if !ok || !isEPCValue(p[1], 30-len(p[0])) {
			return "", false
		}
		return dlBase + "8004/" + p[0] + webURIEncode(p[1]), true
	case "id:gsrn", "id:gsrnp":
		p, ok := epcParts(body, 2, 17)
		if !ok {
			return "", false
		}
		ai := "8018/"
		if scheme == "id:gsrnp" {
			ai = "8017/"
		}
		raw := p[0] + p[1]
		return dlBase + ai + raw + checkDigit(raw), true
	case "id:gdti":
		p, ok := epcParts(body, 3, 12)
		if !ok || !isEPCValue(p[2], 20) {
			return "", false
		}
		raw := p[0] + p[1]
		return dlBase + "253/" + raw + checkDigit(raw) + webURIEncode(p[2]), true
	case "id:cpi":
		p, ok := epcParts(body, 3, 0)
		if !ok || !cpiRefRE.MatchString(p[1]) || len(p[0])+len(p[1]) > 30 || len(p[2]) > 12 || !digitsRE.MatchString(p[2]) {
			return "", false
		}
		return dlBase + "8010/" + webURIEncode(p[0]+p[1]) + "/8011/" + p[2], true
	case "id:sgcn":
		p, ok := epcParts(body, 3, 12)
		if !ok || len(p[2]) > 12 || !digitsRE.MatchString(p[2]) {
			return "", false
		}
		raw := p[0] + p[1]
		return dlBase + "255/" + raw + checkDigit(raw) + p[2], true
	case "id:ginc":
		p, ok := epcParts(body, 2, 0)
		if !ok || !isEPCValue(p[1], 30-len(p[0])) {
			return "", false
		}
		return dlBase + "401/" + p[0] + webURIEncode(p[1]), true
	case "id:gsin":
		p, ok := epcParts(body, 2, 16)
		if !ok {
			return "", false
		}
		raw := p[0] + p[1]
		return dlBase + "402/" + raw + checkDigit(raw), true
	case "id:itip":
		p, ok := epcParts(body, 5, 13)
		if !ok || !isDigits(p[2], 2) || !isDigits(p[3], 2) || !isEPCValue(p[4], 20) {
			return "", false
		}
		return dlBase + "8006/" + gtin14(p[0], p[1]) + p[2] + p[3] + "/21/" + webURIEncode(p[4]), true
	case "id:upui":
		p, ok := epcParts(body, 3, 13)
		if !ok || !isEPCValue(p[2], 28) {
			return "", false
		}
		return dlBase + "01/" + gtin14(p[0], p[1]) + "/235/" + webURIEncode(p[2]), true
	case "id:pgln":
		p, ok := epcParts(body, 2, 12)
		if !ok {
			return "", false
		}
		raw := p[0] + p[1]
		return dlBase + "417/" + raw + checkDigit(raw), true
	case "class:lgtin":
		p, ok := epcParts(body, 3, 13)
		if !ok || !isEPCValue(p[2], 20) {
			return "", false
		}
		return dlBase + "01/" + gtin14(p[0], p[1]) + "/10/" + webURIEncode(p[2]), true
	case "idpat:sgtin", "idpat:upui":
		p, ok := epcParts(body, 3, 13)
		if !ok || p[2] != "*" {
			return "", false
		}
		return dlBase + "01/" + gtin14(p[0], p[1]), true
	case "idpat:grai":
		p, ok := epcParts(body, 3, 12)
		if !ok || p[2] != "*" {
			return "", false
		}
		raw := "0" + p[0] + p[1]
		return dlBase + "8003/" + raw + checkDigit(raw), true
	case "idpat:gdti", "idpat:sgcn":
		p, ok := epcParts(body, 3, 12)
		if !ok || p[2] != "*" {
			return "", false
		}
		ai := "253/"
		if scheme == "idpat:sgcn" {
			ai = "255/"
		}
		raw := p[0] + p[1]
		return dlBase + ai + raw + checkDigit(raw), true
	case "idpat:cpi":
		p, ok := epcParts(body, 3, 0)
		if !ok || !cpiRefRE.MatchString(p[1]) || len(p[0])+len(p[1]) > 30 || p[2] != "*" {
			return "", false
		}
		return dlBase + "8010/" + webURIEncode(p[0]+p[1]), true
	case "idpat:itip":
		p, ok := epcParts(body, 5, 13)
		if !ok || !isDigits(p[2], 2) || !isDigits(p[3], 2) || p[4] != "*" {
			return "", false
		}
		return dlBase + "8006/" + gtin14(p[0], p[1]) + p[2] + p[3], true
	}
	return "", false
}

func cutEPCScheme(uri string) (scheme, body string, ok bool) {
	for _, kind := range []string{"id:", "class:", "idpat:"} {
		rest, found := strings.CutPrefix(uri, "urn:epc:"+kind)
		if !found {
			continue
		}
		name, body, found := strings.Cut(rest, ":")
		if !found {
			return "", "", false
		}
		return kind + name, body, true
	}
	return "", "", false
}

func isDigits(s string, n int) bool {
	return len(s) == n && digitsRE.MatchString(s)
}

// dlShortNames are the GS1 Digital Link 1.x short names of key AIs.
var dlShortNames = map[string]string{
	"gtin": "01", "itip": "8006", "cpid": "8010", "gln": "414", "party": "417",
	"gsrnp": "8017", "gsrn": "8018", "gcn": "255", "sscc": "00", "gdti": "253",
	"ginc": "401", "gsin": "402", "grai": "8003", "giai": "8004",
	"cpv": "22", "lot": "10", "ser": "21",
}

var dlPrimaryKeys = map[string]bool{
	"01": true, "8006": true, "8010": true, "414": true, "417": true, "8017": true, "8018": true,
	"255": true, "00": true, "253": true, "401": true, "402": true, "8003": true, "8004": true,
}

var (
	dlHostRE = regexp.MustCompile(`^https?://[^/?#]*`)
	// dlChar is the character class the reference implementation accepts
	// in serials, lots and other alphanumeric values of a canonical URI.
	dlValue = func(max int) string {
		return `[\x22\x27\x2D\x2E\x30-\x39\x3B-\x3F\x41-\x5A\x5F\x61-\x7A]{0,` + strconv.Itoa(max) + `}`
	}
	dlValid = regexp.MustCompile(`^https://id\.gs1\.org/(?:` + strings.Join([]string{
		`00/\d{18}`,
		`01/\d{14}(?:/21/` + dlValue(20) + `|/10/` + dlValue(20) + `|/235/` + dlValue(28) + `)?`,
		`253/\d{13}` + dlValue(17),
		`255/\d{13}\d{0,12}`,
		`401/` + dlValue(30),
		`402/\d{17}`,
		`414/\d{13}(?:/254/` + dlValue(20) + `)?`,
		`417/\d{13}`,
		`8003/\d{14}` + dlValue(16),
		`8004/` + dlValue(30),
		`8006/\d{18}(?:/21/` + dlValue(20) + `|/10/` + dlValue(20) + `)?`,
		`8010/[\x23\x2D\x2F\x30-\x39\x41-\x5A]{0,30}(?:/8011/\d{0,12})?`,
		`8017/\d{18}`,
		`8018/\d{18}`,
	}, "|") + `)$`)
	leadingFourDigits = regexp.MustCompile(`^\d{4}`)
)

// constrainDigitalLink rewrites a GS1 Digital Link URI on any domain into
// its constrained canonical form.
func constrainDigitalLink(uri string) (string, bool) {
	host := dlHostRE.FindString(uri)
	if host == "" {
		return "", false
	}
	path := uri[len(host):]
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	segs := strings.Split(strings.TrimSuffix(path, "/"), "/")
	start := -1
	for i := 0; i+1 < len(segs); i++ {
		ai := segs[i]
		if short, ok := dlShortNames[ai]; ok {
			ai = short
		}
		if dlPrimaryKeys[ai] && leadingFourDigits.MatchString(segs[i+1]) {
			start = i
			break
		}
	}
	if start < 0 {
		return "", false
	}
	key := segs[start]
	if short, ok := dlShortNames[key]; ok {
		key = short
	}
	value := segs[start+1]
	qual := map[string]string{}
	for i := start + 2; i+1 < len(segs); i += 2 {
		ai := segs[i]
		if short, ok := dlShortNames[ai]; ok {
			ai = short
		}
		if _, dup := qual[ai]; !dup {
			qual[ai] = segs[i+1]
		}
	}
	if key == "01" {
		switch len(value) {
		case 8:
			value = "000000" + value
		case 12:
			value = "00" + value
		case 13:
			value = "0" + value
		}
	}
	out := dlBase + key + "/" + value
	var keep []string
	switch key {
	case "01":
		keep = []string{"21", "10", "235"}
	case "8006":
		keep = []string{"21", "10"}
	case "414":
		keep = []string{"254"}
	case "8010":
		keep = []string{"8011"}
	}
	for _, ai := range keep { // the first present is the finest level
		if v, ok := qual[ai]; ok {
			out += "/" + ai + "/" + v
			break
		}
	}
	if !dlValid.MatchString(out) {
		return "", false
	}
	return out, true
}

// canonicalGS1URI returns the constrained canonical GS1 Digital Link form of
// an EPC URI, EPC class/pattern URI or GS1 Digital Link URI.
func canonicalGS1URI(s string) (string, bool) {
	if strings.HasPrefix(s, "urn:epc:") {
		return epcToDigitalLink(s)
	}
	if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
		return constrainDigitalLink(s)
	}
	return "", false
}
