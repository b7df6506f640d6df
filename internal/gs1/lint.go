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
// the error class and message, or nil.
func checkValue(d *aiDef, v string) (error, string) {
	n := len(v)
	switch {
	case n == 0:
		return ErrLength, "value is empty"
	case d.minLen == d.maxLen && n != d.maxLen:
		return ErrLength, "length is " + strconv.Itoa(n) + ", must be " + strconv.Itoa(d.maxLen)
	case n > d.maxLen:
		return ErrLength, "length is " + strconv.Itoa(n) + ", at most " + strconv.Itoa(d.maxLen) + " allowed"
	case n < d.minLen:
		return ErrLength, "length is " + strconv.Itoa(n) + ", at least " + strconv.Itoa(d.minLen) + " required"
	}
	pos := 0
	for _, c := range d.comps {
		rem := n - pos
		if rem == 0 {
			if c.opt {
				break
			}
			return ErrLength, "length is " + strconv.Itoa(n) + ", too short for the format " + formatOf(d)
		}
		take := c.max
		if c.min != c.max {
			take = min(rem, c.max)
		} else if rem < c.max {
			return ErrLength, "length is " + strconv.Itoa(n) + ", does not fit the format " + formatOf(d)
		}
		part := v[pos : pos+take]
		if kind, msg := checkCharset(c.cset, part, pos); kind != nil {
			return kind, msg
		}
		for _, l := range c.linters {
			if kind, msg := lint(l, part); kind != nil {
				return kind, msg
			}
		}
		pos += take
	}
	if pos != n {
		return ErrLength, "length is " + strconv.Itoa(n) + ", does not fit the format " + formatOf(d)
	}
	return nil, ""
}

func formatOf(d *aiDef) string {
	info, _ := LookupAI(d.code)
	return info.Format
}

func checkCharset(cs charset, s string, off int) (error, string) {
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
			return ErrCharset, "character " + quoteByte(b) + " at position " + strconv.Itoa(off+i+1) + " " + what
		}
	}
	return nil, ""
}

// lint applies one of the Syntax Dictionary's linters to a component.
// Unknown (code-list) linters pass.
func lint(name, s string) (error, string) {
	switch name {
	case "csum":
		if c := checkDigit(s[:len(s)-1]); c != s[len(s)-1] {
			return ErrCheckDigit, "check digit is " + string(c) + ", not " + string(s[len(s)-1])
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
		if kind, msg := checkRange("hour", s[0:2], 23); kind != nil {
			return kind, msg
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
			return ErrValue, "must be 0"
		}
	case "nonzero":
		if strings.Trim(s, "0") == "" {
			return ErrValue, "must not be zero"
		}
	case "nozeroprefix":
		if len(s) > 1 && s[0] == '0' {
			return ErrValue, "must not start with 0"
		}
	case "pieceoftotal":
		h := len(s) / 2
		p, t := s[:h], s[h:]
		switch {
		case len(s)%2 != 0:
			return ErrValue, "piece and total must have the same number of digits"
		case strings.Trim(p, "0") == "":
			return ErrValue, "piece number must not be zero"
		case strings.Trim(t, "0") == "":
			return ErrValue, "total number of pieces must not be zero"
		case p > t:
			return ErrValue, "piece number " + p + " exceeds total " + t
		}
	case "posinseqslash":
		p, e, ok := strings.Cut(s, "/")
		switch {
		case !ok || p == "" || e == "" || !allDigits(p) || !allDigits(e):
			return ErrValue, "must be <position>/<end>"
		case p[0] == '0' || e[0] == '0':
			return ErrValue, "position and end must not be zero or start with 0"
		case len(p) > len(e) || len(p) == len(e) && p > e:
			return ErrValue, "position " + p + " exceeds end " + e
		}
	case "yesno":
		if s != "0" && s != "1" {
			return ErrValue, "must be 0 or 1"
		}
	case "winding":
		if s != "0" && s != "1" && s != "9" {
			return ErrValue, "winding direction must be 0, 1 or 9"
		}
	case "hyphen":
		if s != "-" {
			return ErrValue, "must be '-'"
		}
	case "latitude":
		if s > "1800000000" {
			return ErrValue, "latitude " + s + " is out of range"
		}
	case "longitude":
		if s > "3600000000" {
			return ErrValue, "longitude " + s + " is out of range"
		}
	case "pcenc":
		for i := 0; i < len(s); i++ {
			if s[i] == '%' && (i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2])) {
				return ErrValue, "invalid percent-encoding at position " + strconv.Itoa(i+1)
			}
		}
	case "hasnondigit":
		if allDigits(s) {
			return ErrValue, "must contain a non-digit character"
		}
	case "iso5218":
		if s != "0" && s != "1" && s != "2" && s != "9" {
			return ErrValue, "sex code must be 0, 1, 2 or 9"
		}
	}
	return nil, ""
}

func checkDate(mm, dd string, leap bool, dayZeroOK bool) (error, string) {
	m, d := num(mm), num(dd)
	if m < 1 || m > 12 {
		return ErrDate, "month " + mm + " is not valid"
	}
	if d == 0 && dayZeroOK {
		return nil, ""
	}
	max := daysIn(2001, m)
	if m == 2 && leap {
		max = 29
	}
	if d < 1 || d > max {
		return ErrDate, "day " + dd + " is not valid in month " + mm
	}
	return nil, ""
}

func checkRange(what, s string, max int) (error, string) {
	if num(s) > max {
		return ErrDate, what + " " + s + " is not valid"
	}
	return nil, ""
}

func lintKey(s string) (error, string) {
	if len(s) < 4 {
		return ErrValue, "too short to start with a GS1 Company Prefix"
	}
	if !allDigits(s[:4]) {
		return ErrValue, "does not start with a GS1 Company Prefix (4 or more digits)"
	}
	return nil, ""
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

func lintCsumAlpha(s string) (error, string) {
	n := len(s)
	if n < 2 {
		return ErrLength, "too short for a check character pair"
	}
	if n-2 > len(csumPrimes) {
		return ErrLength, "too long for a check character pair"
	}
	if strings.IndexByte(cset32, s[n-2]) < 0 || strings.IndexByte(cset32, s[n-1]) < 0 {
		return ErrCharset, "check characters " + strconv.Quote(s[n-2:]) + " are not in the GS1 character set 32"
	}
	sum := 0
	for i := 0; i < n-2; i++ {
		sum += strings.IndexByte(cset82, s[i]) * csumPrimes[n-3-i]
	}
	sum %= 1021
	want := string([]byte{cset32[sum>>5], cset32[sum&31]})
	if s[n-2:] != want {
		return ErrCheckDigit, "check character pair is " + want + ", not " + s[n-2:]
	}
	return nil, ""
}

func isHex(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F'
}
