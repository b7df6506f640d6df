package gs1

import (
	"strconv"
	"strings"
)

// EPC schemes that ID reports.
const (
	SchemeSGTIN = "sgtin" // GTIN + serial: one trade item unit
	SchemeLGTIN = "lgtin" // GTIN + lot: a class (EPC class URI)
	SchemeGTIN  = "gtin"  // GTIN alone: a class (Digital Link only)
	SchemeSSCC  = "sscc"  // logistic unit
	SchemeSGLN  = "sgln"  // physical location, optional extension (254)
	SchemePGLN  = "pgln"  // party GLN (417)
)

// ID is a GS1 identifier as EPCIS uses it, whatever syntax it came in.
type ID struct {
	Scheme    string // one of the Scheme* constants
	GTIN      string // 14 digits with check digit (sgtin, lgtin, gtin)
	Serial    string // AI (21) (sgtin)
	Lot       string // AI (10) (lgtin; also sgtin when a Digital Link carries both)
	SSCC      string // 18 digits (sscc)
	GLN       string // 13 digits: AI (414) for sgln, (417) for pgln
	Extension string // AI (254) GLN extension (sgln), "" if none
	// CompanyPrefixLen is the GS1 Company Prefix length when the input was
	// an EPC URN (which shows it), 0 otherwise.
	CompanyPrefixLen int
}

// UnitKey returns the unit key of an SGTIN (see UnitKey).
func (id ID) UnitKey() (string, bool) {
	if id.GTIN == "" || id.Serial == "" {
		return "", false
	}
	return UnitKey(id.GTIN, id.Serial), true
}

// Element gives the identifier as GS1 AIs (key first, then qualifiers).
func (id ID) Element() Element {
	var ais []AI
	add := func(code, v string) {
		if v != "" {
			ais = append(ais, AI{Code: code, Value: v})
		}
	}
	switch id.Scheme {
	case SchemeSGTIN, SchemeLGTIN, SchemeGTIN:
		add("01", id.GTIN)
		add("10", id.Lot)
		add("21", id.Serial)
	case SchemeSSCC:
		add("00", id.SSCC)
	case SchemeSGLN:
		add("414", id.GLN)
		add("254", id.Extension)
	case SchemePGLN:
		add("417", id.GLN)
	}
	return Element{AIs: ais}
}

// DigitalLink gives the identifier's canonical Digital Link URI (see
// Element.DigitalLink).
func (id ID) DigitalLink(base string) string { return id.Element().DigitalLink(base) }

// UnitKey is the canonical identity of a serialised trade item unit in
// medchain: the 14-digit GTIN, "/", and the serial number exactly as in AI
// (21), e.g. "09506000134352/XYZ". Serials may themselves contain "/" (it
// is in the GS1 character set 82), but the GTIN part is always 14 digits, so
// the separator is always byte 14 and the key splits unambiguously (see
// ParseUnitKey). gtin14 must be a GTIN-14 (use GTIN14 to normalise) and
// serial the decoded serial; UnitKey does not validate.
func UnitKey(gtin14, serial string) string { return gtin14 + "/" + serial }

// ParseUnitKey splits and validates a key made by UnitKey.
func ParseUnitKey(key string) (gtin14, serial string, err error) {
	if len(key) < 16 || key[14] != '/' {
		return "", "", &Error{Kind: ErrSyntax, Pos: -1, Msg: "unit key " + strconv.Quote(key) + " is not GTIN-14 \"/\" serial"}
	}
	gtin14, serial = key[:14], key[15:]
	if err := checkAI(AI{Code: "01", Value: gtin14}, 0); err != nil {
		return "", "", err
	}
	if err := checkAI(AI{Code: "21", Value: serial}, 15); err != nil {
		return "", "", err
	}
	return gtin14, serial, nil
}

// ID classifies the element as an EPC identifier: (01) with (21) is an
// SGTIN, (01) with (10) an LGTIN class, (01) alone a GTIN class, then (00)
// SSCC, (414) with optional (254) SGLN, (417) PGLN.
func (e Element) ID() (ID, error) {
	switch {
	case e.Has("01"):
		id := ID{GTIN: e.GTIN(), Serial: e.Serial(), Lot: e.Lot()}
		switch {
		case id.Serial != "":
			id.Scheme = SchemeSGTIN
		case id.Lot != "":
			id.Scheme = SchemeLGTIN
		default:
			id.Scheme = SchemeGTIN
		}
		return id, nil
	case e.Has("00"):
		return ID{Scheme: SchemeSSCC, SSCC: e.SSCC()}, nil
	case e.Has("414"):
		return ID{Scheme: SchemeSGLN, GLN: e.GLN(), Extension: e.get("254")}, nil
	case e.Has("417"):
		return ID{Scheme: SchemePGLN, GLN: e.get("417")}, nil
	}
	return ID{}, &Error{Kind: ErrEPC, Pos: -1, Msg: "element " + strconv.Quote(e.String()) + " carries no GTIN, SSCC or GLN"}
}

// ParseEPC reads an identifier as found in an EPCIS epcList, parentList,
// readPoint, bizLocation, source or destination:
//
//	urn:epc:id:sgtin:CompanyPrefix.IndicatorItemRef.Serial
//	urn:epc:class:lgtin:CompanyPrefix.IndicatorItemRef.Lot
//	urn:epc:id:sscc:CompanyPrefix.ExtensionSerialRef
//	urn:epc:id:sgln:CompanyPrefix.LocationRef.Extension   ("0" = none)
//	urn:epc:id:pgln:CompanyPrefix.PartyRef
//
// or a GS1 Digital Link URI (or any element string) carrying such a key.
// The GTIN, SSCC or GLN is returned whole, with its computed check digit,
// and serial, lot and extension are decoded (the EPC URI escapes %22 %25
// %26 %2F %3C %3E %3F are undone) and validated like the AI values.
func ParseEPC(uri string) (ID, error) {
	if !hasPrefixFold(uri, "urn:epc:") {
		e, err := Parse(uri)
		if err != nil {
			return ID{}, err
		}
		return e.ID()
	}
	bad := func(msg string) (ID, error) {
		return ID{}, &Error{Kind: ErrEPC, Pos: -1, Msg: "EPC URI " + strconv.Quote(uri) + ": " + msg}
	}
	typ, body, ok := strings.Cut(uri[len("urn:epc:"):], ":")
	if !ok {
		return bad("no scheme")
	}
	scheme, body, ok := strings.Cut(body, ":")
	if !ok {
		return bad("no scheme")
	}
	switch {
	case typ == "id" && (scheme == SchemeSGTIN || scheme == SchemeSSCC || scheme == SchemeSGLN || scheme == SchemePGLN):
	case typ == "class" && scheme == SchemeLGTIN:
	default:
		return bad("unsupported EPC scheme " + strconv.Quote(typ+":"+scheme))
	}
	var n int // number of dot-separated fields
	var digits int
	switch scheme {
	case SchemeSGTIN, SchemeLGTIN:
		n, digits = 3, 13
	case SchemeSGLN:
		n, digits = 3, 12
	case SchemeSSCC:
		n, digits = 2, 17
	case SchemePGLN:
		n, digits = 2, 12
	}
	f := strings.SplitN(body, ".", n) // the last field may contain '.'
	if len(f) != n {
		return bad("needs " + strconv.Itoa(n) + " dot-separated fields")
	}
	cp, ref := f[0], f[1]
	if len(cp) < 6 || len(cp) > 12 || !allDigits(cp) {
		return bad("company prefix " + strconv.Quote(cp) + " must be 6 to 12 digits")
	}
	if !allDigits(ref) || len(cp)+len(ref) != digits {
		return bad("company prefix and reference " + strconv.Quote(cp+"."+ref) + " must be " + strconv.Itoa(digits) + " digits together")
	}
	var last string
	if n == 3 {
		var msg string
		if last, msg = epcUnescape(f[2]); msg != "" {
			return bad(msg)
		}
	}
	id := ID{Scheme: scheme, CompanyPrefixLen: len(cp)}
	var e Element
	switch scheme {
	case SchemeSGTIN, SchemeLGTIN:
		body := ref[:1] + cp + ref[1:]
		id.GTIN = body + string(checkDigit(body))
		if scheme == SchemeSGTIN {
			id.Serial = last
		} else {
			id.Lot = last
		}
	case SchemeSSCC:
		body := ref[:1] + cp + ref[1:]
		id.SSCC = body + string(checkDigit(body))
	case SchemeSGLN, SchemePGLN:
		id.GLN = cp + ref + string(checkDigit(cp+ref))
		if scheme == SchemeSGLN && last != "0" {
			id.Extension = last
		}
	}
	e = id.Element()
	for _, a := range e.AIs {
		if err := checkAI(a, -1); err != nil {
			return ID{}, err
		}
	}
	return id, nil
}

// epcUnescape decodes an EPC URI GS3A3 component: characters of set 82
// other than " % & / < > ? appear as themselves, those as %XX.
func epcUnescape(s string) (string, string) {
	if s == "" {
		return "", "empty serial, lot or extension"
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return "", "bad escape at " + strconv.Quote(prefix(s[i:], 3))
			}
			d := unhex(s[i+1])<<4 | unhex(s[i+2])
			if !inCset82[d] {
				return "", "escape " + strconv.Quote(s[i:i+3]) + " is not a GS1 character"
			}
			b = append(b, d)
			i += 2
		case inCset82[c] && !epcEscaped(c):
			b = append(b, c)
		default:
			return "", "character " + quoteByte(c) + " must be percent-encoded or is not allowed"
		}
	}
	return string(b), ""
}

func epcEscaped(c byte) bool { return strings.IndexByte("\"%&/<>?", c) >= 0 }

func epcEscape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; epcEscaped(c) {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// SGTIN builds the EPC pure identity URI of a serialised trade item,
// urn:epc:id:sgtin:CompanyPrefix.IndicatorItemRef.Serial. The GS1 Company
// Prefix length (6 to 12 digits) cannot be derived from the GTIN, so the
// caller gives it (from the GS1 GEPIR/Verified by GS1 registry, or the
// manufacturer's master data).
func SGTIN(gtin, serial string, companyPrefixLen int) (string, error) {
	return gtinURN("urn:epc:id:sgtin:", "21", gtin, serial, companyPrefixLen)
}

// LGTIN builds the EPC class URI of a trade item lot,
// urn:epc:class:lgtin:CompanyPrefix.IndicatorItemRef.Lot.
func LGTIN(gtin, lot string, companyPrefixLen int) (string, error) {
	return gtinURN("urn:epc:class:lgtin:", "10", gtin, lot, companyPrefixLen)
}

func gtinURN(prefix, ai, gtin, v string, cpl int) (string, error) {
	g, err := GTIN14(gtin)
	if err != nil {
		return "", err
	}
	if err := checkCPL(cpl); err != nil {
		return "", err
	}
	if err := checkAI(AI{Code: ai, Value: v}, -1); err != nil {
		return "", err
	}
	return prefix + g[1:1+cpl] + "." + g[:1] + g[1+cpl:13] + "." + epcEscape(v), nil
}

// SSCCURN builds urn:epc:id:sscc:CompanyPrefix.ExtensionSerialRef.
func SSCCURN(sscc string, companyPrefixLen int) (string, error) {
	if err := checkAI(AI{Code: "00", Value: sscc}, -1); err != nil {
		return "", err
	}
	if err := checkCPL(companyPrefixLen); err != nil {
		return "", err
	}
	return "urn:epc:id:sscc:" + sscc[1:1+companyPrefixLen] + "." + sscc[:1] + sscc[1+companyPrefixLen:17], nil
}

// SGLN builds urn:epc:id:sgln:CompanyPrefix.LocationRef.Extension for a GLN
// and its optional extension, AI (254) ("" gives the extension "0").
func SGLN(gln, extension string, companyPrefixLen int) (string, error) {
	if err := checkAI(AI{Code: "414", Value: gln}, -1); err != nil {
		return "", err
	}
	if err := checkCPL(companyPrefixLen); err != nil {
		return "", err
	}
	ext := "0"
	if extension != "" {
		if err := checkAI(AI{Code: "254", Value: extension}, -1); err != nil {
			return "", err
		}
		ext = epcEscape(extension)
	}
	return "urn:epc:id:sgln:" + gln[:companyPrefixLen] + "." + gln[companyPrefixLen:12] + "." + ext, nil
}

func checkCPL(n int) error {
	if n < 6 || n > 12 {
		return &Error{Kind: ErrEPC, Pos: -1, Msg: "GS1 Company Prefix length " + strconv.Itoa(n) + " is not between 6 and 12"}
	}
	return nil
}
