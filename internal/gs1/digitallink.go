package gs1

import (
	"slices"
	"strconv"
	"strings"
)

// DefaultDigitalLinkBase is the canonical Digital Link stem (GS1's resolver).
const DefaultDigitalLinkBase = "https://id.gs1.org"

// uriChars are the characters RFC 3986 allows in a URI (plus '%').
const uriChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%"

var inURI [256]bool

func init() {
	for i := 0; i < len(uriChars); i++ {
		inURI[uriChars[i]] = true
	}
}

// ParseDigitalLink parses a GS1 Digital Link URI, as defined by the GS1
// Digital Link Standard: URI Syntax, e.g.
//
//	https://id.gs1.org/01/09506000134352/10/ABC123/21/XYZ?17=251231
//	https://example.com/some/prefix/01/09506000134352/21/XYZ
//
// Scheme http or https (case-insensitive); any domain; any path prefix (the key is the
// rightmost primary-key AI that a chain of "/AI/value" pairs reaches from
// the end of the path); then the primary key and its key qualifiers in the
// order the standard fixes (e.g. (01) then (22), (10), (21), or (01) then
// (235)); data attributes as numeric query parameters ("17=251231"). Path
// values are percent-decoded ("+" is literal), query values too ("+" is a
// space, so it fails validation). Non-numeric query parameters and the
// fragment are ignored; a numeric parameter that is not a known AI is an
// error, as is an AI that is not a permitted data attribute or that belongs
// in the path. The deprecated convenience alphas of Digital Link 1.1
// ("/gtin/", "/lot/", "/ser/", "/sscc/", "/gln/", …) are accepted in the
// path; a GTIN-8, -12 or -13 for (01) is accepted and widened to 14 digits.
//
// The element holds the path AIs in path order, then the query AIs in query
// order, and is validated like an element string.
func ParseDigitalLink(uri string) (Element, error) {
	for i := 0; i < len(uri); i++ {
		if !inURI[uri[i]] {
			return Element{}, errAt(ErrDigitalLink, i, "character "+quoteByte(uri[i])+" is not allowed in a URI")
		}
	}
	var rest int
	switch {
	case hasPrefixFold(uri, "https://"):
		rest = len("https://")
	case hasPrefixFold(uri, "http://"):
		rest = len("http://")
	default:
		return Element{}, errAt(ErrDigitalLink, 0, "scheme must be http or https")
	}
	slash := strings.IndexByte(uri[rest:], '/')
	if slash <= 0 {
		return Element{}, errAt(ErrDigitalLink, rest, "URI must have a domain and a path")
	}
	for i := rest; i < rest+slash; i++ {
		b := uri[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("-.:[]", b) >= 0) {
			return Element{}, errAt(ErrDigitalLink, i, "character "+quoteByte(b)+" is not allowed in the domain")
		}
	}
	pathStart := rest + slash
	end := len(uri)
	if i := strings.IndexByte(uri[pathStart:], '#'); i >= 0 {
		end = pathStart + i
	}
	query, queryStart := "", -1
	pathEnd := end
	if i := strings.IndexByte(uri[pathStart:end], '?'); i >= 0 {
		pathEnd = pathStart + i
		queryStart = pathEnd + 1
		query = uri[queryStart:end]
	}

	// Split the path into segments, remembering where each starts.
	var segs []string
	var segOff []int
	for p := pathStart; p < pathEnd; {
		p++ // skip '/'
		q := strings.IndexByte(uri[p:pathEnd], '/')
		if q < 0 {
			q = pathEnd - p
		}
		segs = append(segs, uri[p:p+q])
		segOff = append(segOff, p)
		p += q
	}
	// Find the primary key: walk "/AI/value" pairs back from the end.
	root := -1
	for i := len(segs) - 2; i >= 0; i -= 2 {
		d := pathAI(segs[i])
		if d == nil {
			break
		}
		if d.pkey {
			root = i
			break
		}
	}
	if root < 0 {
		return Element{}, errAt(ErrDigitalLink, pathStart, "no GS1 primary key (e.g. /01/…) in the path")
	}

	var ais []AI
	var offs []int
	for i := root; i < len(segs); i += 2 {
		d := pathAI(segs[i])
		raw := segs[i+1]
		if raw == "" {
			return Element{}, &Error{Kind: ErrDigitalLink, AI: d.code, Pos: segOff[i+1], Msg: "empty value in the path"}
		}
		a := AI{Code: d.code, Value: widenGTIN(d.code, unescape(raw, false))}
		if err := checkAI(a, segOff[i+1]); err != nil {
			return Element{}, err
		}
		ais = append(ais, a)
		offs = append(offs, segOff[i+1])
	}
	nPath := len(ais)

	for p := 0; queryStart >= 0 && p <= len(query); {
		q := strings.IndexByte(query[p:], '&')
		if q < 0 {
			q = len(query) - p
		}
		param, off := query[p:p+q], queryStart+p
		p += q + 1
		k, raw, ok := strings.Cut(param, "=")
		if !ok || k == "" || !allDigits(k) {
			continue // not an AI: ignored
		}
		d := lookupAI(k)
		if d == nil {
			return Element{}, &Error{Kind: ErrUnknownAI, AI: k, Pos: off, Msg: "unknown AI in the query string"}
		}
		if raw == "" {
			return Element{}, &Error{Kind: ErrDigitalLink, AI: k, Pos: off, Msg: "empty value in the query string"}
		}
		a := AI{Code: k, Value: widenGTIN(k, unescape(raw, true))}
		if err := checkAI(a, off); err != nil {
			return Element{}, err
		}
		ais = append(ais, a)
		offs = append(offs, off)
	}

	// Structure: key-qualifier order, no duplicates, proper attributes.
	seq := make([]string, nPath)
	for i := range seq {
		seq[i] = ais[i].Code
	}
	if !validKeySequence(seq) {
		d := lookupAI(seq[0])
		return Element{}, &Error{Kind: ErrDigitalLink, AI: seq[0], Value: ais[0].Value, Pos: offs[0],
			Msg: "path " + pathString(seq) + " is not a valid key-qualifier sequence; " + describeQualifiers(d)}
	}
	for i := 1; i < len(ais); i++ {
		for j := 0; j < i; j++ {
			if ais[i].Code == ais[j].Code {
				return Element{}, errAI(ErrDuplicate, ais[i], offs[i], "AI appears more than once")
			}
		}
	}
	for i := nPath; i < len(ais); i++ {
		if err := checkAttribute(seq, ais[i], offs[i]); err != nil {
			return Element{}, err
		}
	}
	if err := checkElement(ais, offs); err != nil {
		return Element{}, err
	}
	return Element{AIs: ais}, nil
}

// checkAttribute verifies that a query-string AI is a permitted data
// attribute and does not belong in the path with key-qualifier seq.
func checkAttribute(seq []string, a AI, off int) error {
	d := lookupAI(a.Code)
	if !d.dlAttr {
		return errAI(ErrDigitalLink, a, off, "not a permitted Digital Link data attribute")
	}
	for j := 1; j <= len(seq); j++ {
		trial := slices.Concat(seq[:j], []string{a.Code}, seq[j:])
		if validKeySequence(trial) {
			return errAI(ErrDigitalLink, a, off, "belongs in the path, not the query string")
		}
	}
	return nil
}

// pathAI resolves a path segment naming an AI: digits, or a convenience
// alpha.
func pathAI(seg string) *aiDef {
	if code, ok := alphas[seg]; ok {
		return lookupAI(code)
	}
	if seg == "" || !allDigits(seg) {
		return nil
	}
	return lookupAI(seg)
}

// widenGTIN pads a GTIN-8/12/13 given for (01) to 14 digits.
func widenGTIN(code, v string) string {
	if code == "01" && (len(v) == 8 || len(v) == 12 || len(v) == 13) && allDigits(v) {
		return "00000000000000"[len(v):] + v
	}
	return v
}

// validKeySequence reports whether seq is a primary key followed by key
// qualifiers in one of its allowed orders (each optional).
func validKeySequence(seq []string) bool {
	d := lookupAI(seq[0])
	if d == nil || !d.pkey {
		return false
	}
	for _, alt := range d.qualifiers {
		k := 0
		ok := true
		for _, q := range seq[1:] {
			for k < len(alt) && alt[k] != q {
				k++
			}
			if k == len(alt) {
				ok = false
				break
			}
			k++
		}
		if ok {
			return true
		}
	}
	return false
}

func pathString(seq []string) string {
	return "/" + strings.Join(seq, "/…/") + "/…"
}

func describeQualifiers(d *aiDef) string {
	var alts []string
	for _, alt := range d.qualifiers {
		if len(alt) > 0 {
			alts = append(alts, "("+strings.Join(alt, "), (")+")")
		}
	}
	if len(alts) == 0 {
		return "AI (" + d.code + ") takes no key qualifiers"
	}
	return "AI (" + d.code + ") takes the qualifiers " + strings.Join(alts, " or ") + ", each optional, in that order"
}

// unescape reverses percent-encoding. A '%' not followed by two hex digits
// stays literal ('%' is a valid GS1 character). In a query '+' means space.
func unescape(s string, query bool) string {
	if strings.IndexByte(s, '%') < 0 && (!query || strings.IndexByte(s, '+') < 0) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		case s[i] == '+' && query:
			b = append(b, ' ')
		default:
			b = append(b, s[i])
		}
	}
	return string(b)
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// escape percent-encodes everything but RFC 3986 unreserved characters.
func escape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// DigitalLink gives the canonical GS1 Digital Link URI of the element,
// under base (DefaultDigitalLinkBase when base is ""; a trailing "/" is
// dropped; base may carry a path prefix). See FormatDigitalLink; DigitalLink
// returns "" where FormatDigitalLink fails (no primary key, or an AI that
// cannot be a data attribute).
func (e Element) DigitalLink(base string) string {
	s, err := e.FormatDigitalLink(base)
	if err != nil {
		return ""
	}
	return s
}

// FormatDigitalLink builds the canonical Digital Link URI: the first AI in
// element order that is a Digital Link primary key, then as many of its key
// qualifiers as the element carries, in the standard's order (choosing the
// qualifier sequence that leaves every other AI a valid data attribute), all
// in the path; every other AI as a query parameter, in ascending AI order.
// Values are percent-encoded except for RFC 3986 unreserved characters, and
// the GTIN is always 14 digits, so equal elements give equal URIs whatever
// their AI order.
func (e Element) FormatDigitalLink(base string) (string, error) {
	if base == "" {
		base = DefaultDigitalLinkBase
	}
	base = strings.TrimRight(base, "/")
	ki := -1
	for i, a := range e.AIs {
		if d := lookupAI(a.Code); d != nil && d.pkey {
			ki = i
			break
		}
	}
	if ki < 0 {
		return "", &Error{Kind: ErrDigitalLink, Pos: -1, Msg: "element " + strconv.Quote(e.String()) + " has no Digital Link primary key"}
	}
	key := e.AIs[ki]
	d := lookupAI(key.Code)
	var (
		best    []string
		bestErr error
		found   bool
	)
	for _, alt := range d.qualifiers {
		path := []string{key.Code}
		for _, q := range alt {
			if e.Has(q) {
				path = append(path, q)
			}
		}
		var err error
		for _, a := range e.AIs {
			if !slices.Contains(path, a.Code) {
				if err = checkAttribute(path, a, -1); err != nil {
					break
				}
			}
		}
		if err != nil {
			if bestErr == nil {
				bestErr = err
			}
			continue
		}
		if !found || len(path) > len(best) {
			best, found = path, true
		}
	}
	if !found {
		return "", bestErr
	}
	var b strings.Builder
	b.WriteString(base)
	for _, code := range best {
		b.WriteByte('/')
		b.WriteString(code)
		b.WriteByte('/')
		b.WriteString(escape(e.get(code)))
	}
	var attrs []AI
	for _, a := range e.AIs {
		if !slices.Contains(best, a.Code) {
			attrs = append(attrs, a)
		}
	}
	slices.SortFunc(attrs, func(x, y AI) int { return strings.Compare(x.Code, y.Code) })
	for i, a := range attrs {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(a.Code)
		b.WriteByte('=')
		b.WriteString(escape(a.Value))
	}
	return b.String(), nil
}
