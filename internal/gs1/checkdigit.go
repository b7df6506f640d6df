package gs1

import "strconv"

// CheckDigit computes the GS1 mod-10 check digit of digits, the data
// digits of a GTIN, SSCC, GLN, GSIN, … without their check digit. Weights
// 3 and 1 alternate from the right, starting with 3 on the last data digit.
// It returns the check digit as an ASCII character '0'…'9', so that
// digits+string(c) is the complete key.
func CheckDigit(digits string) (byte, error) {
	if digits == "" {
		return 0, &Error{Kind: ErrLength, Pos: -1, Msg: "no digits to compute a check digit over"}
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, &Error{Kind: ErrCharset, Pos: i, Msg: "character " + quoteByte(digits[i]) + " is not a digit"}
		}
	}
	return checkDigit(digits), nil
}

// checkDigit assumes all-digit input.
func checkDigit(digits string) byte {
	sum := 0
	w := 3
	for i := len(digits) - 1; i >= 0; i-- {
		sum += int(digits[i]-'0') * w
		w = 4 - w
	}
	return byte('0' + (10-sum%10)%10)
}

// ValidGTIN checks a GTIN-8, GTIN-12, GTIN-13 or GTIN-14: length, digits
// only, and check digit.
func ValidGTIN(s string) error {
	switch len(s) {
	case 8, 12, 13, 14:
	default:
		return &Error{Kind: ErrLength, Pos: -1, Msg: "GTIN " + strconv.Quote(s) + ": length is " + strconv.Itoa(len(s)) + ", must be 8, 12, 13 or 14"}
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return &Error{Kind: ErrCharset, Pos: i, Msg: "GTIN " + strconv.Quote(s) + ": character " + quoteByte(s[i]) + " at position " + strconv.Itoa(i+1) + " is not a digit"}
		}
	}
	if c := checkDigit(s[:len(s)-1]); c != s[len(s)-1] {
		return &Error{Kind: ErrCheckDigit, Pos: len(s) - 1, Msg: "GTIN " + strconv.Quote(s) + ": check digit is " + string(c) + ", not " + string(s[len(s)-1])}
	}
	return nil
}

// GTIN14 validates a GTIN-8/12/13/14 and returns it as a GTIN-14, padded
// on the left with zeros.
func GTIN14(s string) (string, error) {
	if err := ValidGTIN(s); err != nil {
		return "", err
	}
	return "00000000000000"[len(s):] + s, nil
}

func quoteByte(b byte) string {
	if b >= 0x20 && b < 0x7f {
		return strconv.QuoteRune(rune(b))
	}
	return strconv.Quote(string([]byte{b}))
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
