package gs1

import (
	"strconv"
	"strings"
)

const (
	cset82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
	cset39 = "#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	cset32 = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ" // check character pair alphabet
)

var inCset82, inCset39 [256]bool

func init() {
	for i := 0; i < len(cset82); i++ {
		inCset82[cset82[i]] = true
	}
	for i := 0; i < len(cset39); i++ {
		inCset39[cset39[i]] = true
	}
}

// checkValue validates an AI value against its table entry: length, the
// character set of each component and the component linters. It returns
// the message and the error class, or a nil class.
func checkValue(d *aiDef, v string) (string, error) {
	n := len(v)
	switch {
	case n == 0:
		return "value is empty", ErrLength
	case d.minLen == d.maxLen && n != d.maxLen:
		return "length is " + strconv.Itoa(n) + ", must be " + strconv.Itoa(d.maxLen), ErrLength
	case n > d.maxLen:
		return "length is " + strconv.Itoa(n) + ", at most " + strconv.Itoa(d.maxLen) + " allowed", ErrLength
	case n < d.minLen:
		return "length is " + strconv.Itoa(n) + ", at least " + strconv.Itoa(d.minLen) + " required", ErrLength
	}
	pos := 0
	for _, c := range d.comps {
		rem := n - pos
		if rem == 0 {
			if c.opt {
				break
			}
			return "length is " + strconv.Itoa(n) + ", too short for the format " + formatOf(d), ErrLength
		}
		take := c.max
		if c.min != c.max {
			take = min(rem, c.max)
		} else if rem < c.max {
			return "length is " + strconv.Itoa(n) + ", does not fit the format " + formatOf(d), ErrLength
		}
		part := v[pos : pos+take]
		if msg, kind := checkCharset(c.cset, part, pos); kind != nil {
			return msg, kind
		}
		for _, l := range c.linters {
			if msg, kind := lint(l, part); kind != nil {
				return msg, kind
			}
		}
		pos += take
	}
	if pos != n {
		return "length is " + strconv.Itoa(n) + ", does not fit the format " + formatOf(d), ErrLength
	}
	return "", nil
}

func formatOf(d *aiDef) string {
	info, _ := LookupAI(d.code)
	return info.Format
}

func checkCharset(cs charset, s string, off int) (string, error) {
	for i := 0; i < len(s); i++ {
		b := s[i]
		ok := false
		what := ""
		switch cs {
		case csetN:
			ok, what = b >= '0' && b <= '9', "is not a digit"
		case csetX:
			ok, what = inCset82[b], "is not in the GS1 AI encodable character set 82"
		case csetY:
			ok, what = inCset39[b], "is not in the GS1 AI encodable character set 39"
		case csetZ:
			ok = b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-' || b == '_' ||
				b == '=' && strings.Trim(s[i:], "=") == "" && len(s)-i <= 2
			what = "is not base64url"
		}
		if !ok {
			return "character " + quoteByte(b) + " at position " + strconv.Itoa(off+i+1) + " " + what, ErrCharset
		}
	}
	return "", nil
}

// lint applies one of the Syntax Dictionary's linters to a component.
// Unknown (code-list) linters pass.
func lint(name, s string) (string, error) {
	switch name {
	case "csum":
		if c := checkDigit(s[:len(s)-1]); c != s[len(s)-1] {
			return "check digit is " + string(c) + ", not " + string(s[len(s)-1]), ErrCheckDigit
		}
	case "csumalpha":
		return lintCsumAlpha(s)
	case "key":
		return lintKey(s)
	case "keyoff1":
		return lintKey(s[1:])
	case "yymmd0", "yymmdd":
		yy := num(s[0:2])
		return checkDate(s[2:4], s[4:6], isLeap(2000+yy), name == "yymmd0")
	case "yyyymmd0", "yyyymmdd":
		return checkDate(s[4:6], s[6:8], isLeap(num(s[0:4])), name == "yyyymmd0")
	case "hhmi":
		if msg, kind := checkRange("hour", s[0:2], 23); kind != nil {
			return msg, kind
		}
		return checkRange("minute", s[2:4], 59)
	case "hh":
		return checkRange("hour", s, 23)
	case "mi":
		return checkRange("minute", s, 59)
	case "ss":
		return checkRange("second", s, 59)
	case "zero":
		if s != "0" {
			return "must be 0", ErrValue
		}
	case "nonzero":
		if strings.Trim(s, "0") == "" {
			return "must not be zero", ErrValue
		}
	case "nozeroprefix":
		if len(s) > 1 && s[0] == '0' {
			return "must not start with 0", ErrValue
		}
	case "pieceoftotal":
		h := len(s) / 2
		p, t := s[:h], s[h:]
		switch {
		case len(s)%2 != 0:
			return "piece and total must have the same number of digits", ErrValue
		case strings.Trim(p, "0") == "":
			return "piece number must not be zero", ErrValue
		case strings.Trim(t, "0") == "":
			return "total number of pieces must not be zero", ErrValue
		case p > t:
			return "piece number " + p + " exceeds total " + t, ErrValue
		}
	case "posinseqslash":
		p, e, ok := strings.Cut(s, "/")
		switch {
		case !ok || p == "" || e == "" || !allDigits(p) || !allDigits(e):
			return "must be <position>/<end>", ErrValue
		case p[0] == '0' || e[0] == '0':
			return "position and end must not be zero or start with 0", ErrValue
		case len(p) > len(e) || len(p) == len(e) && p > e:
			return "position " + p + " exceeds end " + e, ErrValue
		}
	case "yesno":
		if s != "0" && s != "1" {
			return "must be 0 or 1", ErrValue
		}
	case "winding":
		if s != "0" && s != "1" && s != "9" {
			return "winding direction must be 0, 1 or 9", ErrValue
		}
	case "hyphen":
		if s != "-" {
			return "must be '-'", ErrValue
		}
	case "latitude":
		if s > "1800000000" {
			return "latitude " + s + " is out of range", ErrValue
		}
	case "longitude":
		if s > "3600000000" {
			return "longitude " + s + " is out of range", ErrValue
		}
	case "pcenc":
		for i := 0; i < len(s); i++ {
			if s[i] == '%' && (i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2])) {
				return "invalid percent-encoding at position " + strconv.Itoa(i+1), ErrValue
			}
		}
	case "hasnondigit":
		if allDigits(s) {
			return "must contain a non-digit character", ErrValue
		}
	case "iso5218":
		if s != "0" && s != "1" && s != "2" && s != "9" {
			return "sex code must be 0, 1, 2 or 9", ErrValue
		}
	}
	return "", nil
}

func checkDate(mm, dd string, leap bool, dayZeroOK bool) (string, error) {
	m, d := num(mm), num(dd)
	if m < 1 || m > 12 {
		return "month " + mm + " is not valid", ErrDate
	}
	if d == 0 && dayZeroOK {
		return "", nil
	}
	max := daysIn(2001, m)
	if m == 2 && leap {
		max = 29
	}
	if d < 1 || d > max {
		return "day " + dd + " is not valid in month " + mm, ErrDate
	}
	return "", nil
}

func checkRange(what, s string, max int) (string, error) {
	if num(s) > max {
		return what + " " + s + " is not valid", ErrDate
	}
	return "", nil
}

func lintKey(s string) (string, error) {
	if len(s) < 4 {
		return "too short to start with a GS1 Company Prefix", ErrValue
	}
	if !allDigits(s[:4]) {
		return "does not start with a GS1 Company Prefix (4 or more digits)", ErrValue
	}
	return "", nil
}

// Prime weights for the alphanumeric check character pair (GS1 General
// Specifications, "Check character calculation (for alphanumeric keys)").
var csumPrimes = [...]int{
	2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71,
	73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151,
	157, 163, 167, 173, 179, 181, 191, 193, 197, 199, 211, 223, 227, 229, 233,
	239, 241, 251, 257, 263, 269, 271, 277, 281, 283, 293, 307, 311, 313, 317,
	331, 337, 347, 349, 353, 359, 367, 373, 379, 383, 389, 397, 401, 409, 419,
	421, 431, 433, 439, 443, 449, 457, 461, 463, 467, 479, 487, 491, 499, 503, 509,
}

func lintCsumAlpha(s string) (string, error) {
	n := len(s)
	if n < 2 {
		return "too short for a check character pair", ErrLength
	}
	if n-2 > len(csumPrimes) {
		return "too long for a check character pair", ErrLength
	}
	if strings.IndexByte(cset32, s[n-2]) < 0 || strings.IndexByte(cset32, s[n-1]) < 0 {
		return "check characters " + strconv.Quote(s[n-2:]) + " are not in the GS1 character set 32", ErrCharset
	}
	sum := 0
	for i := 0; i < n-2; i++ {
		sum += strings.IndexByte(cset82, s[i]) * csumPrimes[n-3-i]
	}
	sum %= 1021
	want := string([]byte{cset32[sum>>5], cset32[sum&31]})
	if s[n-2:] != want {
		return "check character pair is " + want + ", not " + s[n-2:], ErrCheckDigit
	}
	return "", nil
}

func isHex(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F'
}
