package gs1

import (
	"strings"
)

// AI is one Application Identifier and its value.
type AI struct {
	Code  string // the AI, e.g. "01", "17", "3103"
	Value string // its data, without separators or escapes
}

// Element is what one barcode (or Digital Link URI) carries: AIs in the
// order read. Elements returned by this package's parsers are valid.
type Element struct {
	AIs []AI
}

// Get returns the value of AI code.
func (e Element) Get(code string) (string, bool) {
	for _, a := range e.AIs {
		if a.Code == code {
			return a.Value, true
		}
	}
	return "", false
}

// Has reports whether the element carries AI code.
func (e Element) Has(code string) bool {
	_, ok := e.Get(code)
	return ok
}

func (e Element) get(code string) string {
	v, _ := e.Get(code)
	return v
}

// GTIN returns the GTIN-14 of AI (01), or "".
func (e Element) GTIN() string { return e.get("01") }

// Serial returns the serial number, AI (21), or "".
func (e Element) Serial() string { return e.get("21") }

// Lot returns the batch or lot number, AI (10), or "".
func (e Element) Lot() string { return e.get("10") }

// SSCC returns the Serial Shipping Container Code, AI (00), or "".
func (e Element) SSCC() string { return e.get("00") }

// GLN returns the physical location GLN, AI (414), or "".
func (e Element) GLN() string { return e.get("414") }

// Expiry returns the expiration date, AI (17), in barcode form: a YY year
// and possibly day 0 (end of month). Use Date.Resolve to get a full date.
func (e Element) Expiry() (Date, bool) { return e.DateAI("17") }

// DateAI returns the date of a YYMMDD date AI: (11) production, (12) due,
// (13) packaging, (15) best before, (16) sell by, (17) expiry, or the date
// part of (7003), (7006), (7007), (7011), (8008), (4324)–(4326), in barcode
// form (see Expiry).
func (e Element) DateAI(code string) (Date, bool) {
	switch code {
	case "11", "12", "13", "15", "16", "17", "7003", "7006", "7007", "7011", "8008", "4324", "4325", "4326":
	default:
		return Date{}, false
	}
	v, ok := e.Get(code)
	if !ok || len(v) < 6 || !allDigits(v[:6]) {
		return Date{}, false
	}
	return parseYYMMDD(v[:6]), true
}

// UnitKey returns the canonical key of the serialised trade item the element
// identifies, UnitKey(GTIN, Serial), if it carries both (01) and (21).
func (e Element) UnitKey() (string, bool) {
	g, s := e.GTIN(), e.Serial()
	if g == "" || s == "" {
		return "", false
	}
	return UnitKey(g, s), true
}

// String gives the human-readable, parenthesised element string, e.g.
// "(01)09506000134352(17)251231(10)ABC123(21)XYZ", AIs in element order.
// A "(" inside a value is written "\(" (backslash is not in the GS1
// character sets, so this is unambiguous) and ParseElementString reads it
// back.
func (e Element) String() string {
	var b strings.Builder
	for _, a := range e.AIs {
		b.WriteByte('(')
		b.WriteString(a.Code)
		b.WriteByte(')')
		b.WriteString(strings.ReplaceAll(a.Value, "(", `\(`))
	}
	return b.String()
}

// Data gives the element string as a barcode encodes it: AIs and values
// concatenated, with the GS character (ASCII 29, the transmitted FNC1)
// after every AI whose length is not predefined unless it is the last. No
// symbology identifier is included.
func (e Element) Data() string {
	var b strings.Builder
	for i, a := range e.AIs {
		b.WriteString(a.Code)
		b.WriteString(a.Value)
		if d := lookupAI(a.Code); i < len(e.AIs)-1 && (d == nil || !d.fixed) {
			b.WriteByte(gs)
		}
	}
	return b.String()
}

// Equal reports whether two elements carry the same AIs and values in the
// same order.
func (e Element) Equal(o Element) bool {
	if len(e.AIs) != len(o.AIs) {
		return false
	}
	for i := range e.AIs {
		if e.AIs[i] != o.AIs[i] {
			return false
		}
	}
	return true
}

// Validate checks every AI of the element as the parsers do: known AI,
// length, character set, check digits, dates, no duplicates and the GS1
// pairing rules. Use it on elements built by hand.
func (e Element) Validate() error {
	for _, a := range e.AIs {
		if err := checkAI(a, -1); err != nil {
			return err
		}
	}
	return checkElement(e.AIs, nil)
}

// ValidateAI checks one AI's value on its own: known AI, length, GS1
// character set, check digit, date. Pairing rules need a whole Element.
func ValidateAI(code, value string) error { return checkAI(AI{Code: code, Value: value}, -1) }

// checkAI validates one AI's value; pos is its offset in the input or -1.
func checkAI(a AI, pos int) error {
	d := lookupAI(a.Code)
	if d == nil {
		return errAI(ErrUnknownAI, a, pos, "unknown AI")
	}
	if msg, kind := checkValue(d, a.Value); kind != nil {
		return errAI(kind, a, pos, msg)
	}
	return nil
}

// checkElement applies the element-level rules: no AI twice, and the
// dictionary's mandatory (req) and invalid (ex) pairings. pos gives each
// AI's input offset (nil if unknown).
func checkElement(ais []AI, pos []int) error {
	at := func(i int) int {
		if pos == nil {
			return -1
		}
		return pos[i]
	}
	for i := 1; i < len(ais); i++ {
		for j := 0; j < i; j++ {
			if ais[i].Code == ais[j].Code {
				return errAI(ErrDuplicate, ais[i], at(i), "AI appears more than once")
			}
		}
	}
	present := func(p string, self string) bool {
		for _, b := range ais {
			if b.Code != self && matchAIPattern(p, b.Code) {
				return true
			}
		}
		return false
	}
	for i, a := range ais {
		d := lookupAI(a.Code)
		for _, req := range d.req {
			ok := false
			for _, group := range req {
				all := true
				for _, p := range group {
					if !present(p, a.Code) {
						all = false
						break
					}
				}
				if all {
					ok = true
					break
				}
			}
			if !ok {
				return errAI(ErrPairing, a, at(i), "requires "+describeReq(req))
			}
		}
		for _, p := range d.ex {
			for _, b := range ais {
				if b.Code != a.Code && matchAIPattern(p, b.Code) {
					return errAI(ErrPairing, a, at(i), "cannot be used together with AI ("+b.Code+")")
				}
			}
		}
	}
	return nil
}

// describeReq renders alternatives as "AI (01), (03) or (8006)".
func describeReq(req [][]string) string {
	parts := make([]string, len(req))
	for i, g := range req {
		parts[i] = "(" + strings.Join(g, ") with (") + ")"
	}
	s := "AI "
	for i, p := range parts {
		switch {
		case i == 0:
		case i == len(parts)-1:
			s += " or "
		default:
			s += ", "
		}
		s += p
	}
	return s
}
