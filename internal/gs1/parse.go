package gs1

import (
	"strconv"
	"strings"
)

const gs = 0x1d // GS, how readers transmit FNC1 used as a separator

// Parse reads whatever a scanner or a user hands over, after trimming
// surrounding spaces, tabs, CR and LF (keyboard-wedge scanners append them):
//
//   - "http://…" or "https://…", optionally after a symbology identifier
//     such as "]Q1" or "]d1": a GS1 Digital Link URI (ParseDigitalLink);
//   - "(…": a parenthesised element string (ParseElementString);
//   - anything else: raw element string data, with GS separators and an
//     optional GS1 symbology identifier (ParseElementString).
func Parse(input string) (Element, error) {
	s := strings.Trim(input, " \t\r\n")
	if hasHTTPScheme(s) {
		return ParseDigitalLink(s)
	}
	if len(s) >= 3 && s[0] == ']' && hasHTTPScheme(s[3:]) {
		return ParseDigitalLink(s[3:])
	}
	return ParseElementString(s)
}

func hasHTTPScheme(s string) bool {
	return hasPrefixFold(s, "https://") || hasPrefixFold(s, "http://")
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// gs1Symbologies are the symbology identifiers that announce GS1 AI data:
// GS1-128, GS1 DataBar, GS1 Composite, GS1 DataMatrix, GS1 QR Code, GS1
// DotCode.
var gs1Symbologies = []string{"]C1", "]e0", "]e1", "]e2", "]d2", "]Q3", "]J1"}

// ParseElementString parses a GS1 element string, either parenthesised,
// "(01)09506000134352(17)251231(10)ABC123(21)XYZ" (write a "(" inside a
// value as "\("), or raw as a barcode reader transmits it:
// "]d20109506000134352172512311" + "0ABC123\x1d21XYZ", where the optional
// symbology identifier must be a GS1 one (]C1, ]e0, ]e1, ]e2, ]d2, ]Q3,
// ]J1), a GS (ASCII 29) ends every AI whose length is not predefined unless
// it is last, and a leading GS (FNC1 in first position) or a GS after a
// predefined-length AI is tolerated. The result is fully validated.
func ParseElementString(s string) (Element, error) {
	if strings.HasPrefix(s, "(") {
		return parseBracketed(s)
	}
	return parseRaw(s)
}

func parseRaw(s string) (Element, error) {
	pos := 0
	if strings.HasPrefix(s, "]") {
		if len(s) < 3 {
			return Element{}, errAt(ErrSyntax, 0, "truncated symbology identifier "+strconv.Quote(s))
		}
		ok := false
		for _, id := range gs1Symbologies {
			if s[:3] == id {
				ok = true
			}
		}
		if !ok {
			return Element{}, errAt(ErrSyntax, 0, "symbology identifier "+strconv.Quote(s[:3])+" does not announce GS1 element strings")
		}
		pos = 3
	}
	for pos < len(s) && s[pos] == gs {
		pos++
	}
	if pos == len(s) {
		return Element{}, errAt(ErrSyntax, pos, "no data")
	}
	var ais []AI
	var offs []int
	for pos < len(s) {
		d := identifyAI(s[pos:])
		if d == nil {
			return Element{}, errAt(ErrUnknownAI, pos, "unknown AI at "+strconv.Quote(prefix(s[pos:], 6)))
		}
		start := pos
		pos += len(d.code)
		var v string
		if d.fixed {
			end := pos + d.maxLen
			if end > len(s) {
				end = len(s)
			}
			if i := strings.IndexByte(s[pos:end], gs); i >= 0 {
				end = pos + i
			}
			v = s[pos:end]
			pos = end
		} else {
			end := len(s)
			if i := strings.IndexByte(s[pos:], gs); i >= 0 {
				end = pos + i
			}
			v = s[pos:end]
			pos = end
		}
		a := AI{Code: d.code, Value: v}
		if err := checkAI(a, start); err != nil {
			return Element{}, err
		}
		ais = append(ais, a)
		offs = append(offs, start)
		if pos < len(s) && s[pos] == gs {
			pos++
		}
	}
	if err := checkElement(ais, offs); err != nil {
		return Element{}, err
	}
	return Element{AIs: ais}, nil
}

// identifyAI finds the AI at the start of s. AIs are prefix-free, so the
// first table hit of length 2, 3 or 4 is the only one.
func identifyAI(s string) *aiDef {
	for l := 2; l <= 4 && l <= len(s); l++ {
		if !allDigits(s[:l]) {
			return nil
		}
		if d := lookupAI(s[:l]); d != nil {
			return d
		}
	}
	return nil
}

func prefix(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func parseBracketed(s string) (Element, error) {
	var ais []AI
	var offs []int
	pos := 0
	for pos < len(s) {
		if s[pos] != '(' {
			return Element{}, errAt(ErrSyntax, pos, "expected \"(\"")
		}
		end := strings.IndexByte(s[pos:], ')')
		if end < 0 {
			return Element{}, errAt(ErrSyntax, pos, "unclosed \"(\"")
		}
		code := s[pos+1 : pos+end]
		if len(code) < 2 || len(code) > 4 || !allDigits(code) {
			msg := "AI " + strconv.Quote(code) + " must be 2 to 4 digits"
			if pos > 0 {
				msg += ` (write "\(" for a "(" inside a value)`
			}
			return Element{}, errAt(ErrSyntax, pos, msg)
		}
		if lookupAI(code) == nil {
			return Element{}, &Error{Kind: ErrUnknownAI, AI: code, Pos: pos, Msg: "unknown AI"}
		}
		start := pos
		pos += end + 1
		var v strings.Builder
		for pos < len(s) && s[pos] != '(' {
			if s[pos] == '\\' && pos+1 < len(s) && s[pos+1] == '(' {
				v.WriteByte('(')
				pos += 2
				continue
			}
			v.WriteByte(s[pos])
			pos++
		}
		a := AI{Code: code, Value: v.String()}
		if err := checkAI(a, start); err != nil {
			return Element{}, err
		}
		ais = append(ais, a)
		offs = append(offs, start)
	}
	if len(ais) == 0 {
		return Element{}, errAt(ErrSyntax, 0, "no data")
	}
	if err := checkElement(ais, offs); err != nil {
		return Element{}, err
	}
	return Element{AIs: ais}, nil
}
