package gs1

import "strconv"

// Date is a calendar date from a GS1 date field.
//
// As returned by the Element accessors it is in the form encoded in the
// barcode: Year is the two-digit YY (0–99), and Day may be 0, which GS1
// defines as "end of month" for the YYMMDD fields that allow it (AI 11, 13,
// 15, 16, 17, …). Resolve turns it into a full date. A Date whose Year is
// 100 or more is a resolved, four-digit-year date.
type Date struct {
	Year, Month, Day int
}

// Resolve applies the GS1 General Specifications century rule (§7.12) with
// refYear, the four-digit current year of the reader (for a deterministic
// result pass e.g. the block time's year, never the wall clock): if YY minus
// the last two digits of refYear is 51 or more the date is in the previous
// century, if it is -50 or less in the next century, otherwise in the
// current one; i.e. the window runs from refYear-49 to refYear+50. A day of
// 00 becomes the last day of the month. A Date already resolved keeps its
// year.
func (d Date) Resolve(refYear int) Date {
	if d.Year < 100 {
		century := refYear - refYear%100
		switch diff := d.Year - refYear%100; {
		case diff >= 51:
			century -= 100
		case diff <= -50:
			century += 100
		}
		d.Year = century + d.Year
	}
	if d.Day == 0 && d.Month >= 1 && d.Month <= 12 {
		d.Day = daysIn(d.Year, d.Month)
	}
	return d
}

// Resolved reports whether the date has a four-digit year.
func (d Date) Resolved() bool { return d.Year >= 100 }

// Compare returns -1, 0 or +1 as d is before, equal to or after o. Compare
// only dates of the same form (both resolved, or both YY with a common
// century); resolve first when in doubt.
func (d Date) Compare(o Date) int {
	switch {
	case d.Year != o.Year:
		return sign(d.Year - o.Year)
	case d.Month != o.Month:
		return sign(d.Month - o.Month)
	default:
		return sign(d.Day - o.Day)
	}
}

// String gives YYMMDD for a date in barcode form and YYYY-MM-DD for a
// resolved one.
func (d Date) String() string {
	if d.Year < 100 {
		return pad2(d.Year) + pad2(d.Month) + pad2(d.Day)
	}
	y := strconv.Itoa(d.Year)
	for len(y) < 4 {
		y = "0" + y
	}
	return y + "-" + pad2(d.Month) + "-" + pad2(d.Day)
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func pad2(n int) string {
	if n >= 0 && n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(year, month int) int {
	switch month {
	case 2:
		if isLeap(year) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// parseYYMMDD reads six digits; the caller has validated them.
func parseYYMMDD(s string) Date {
	return Date{Year: num(s[0:2]), Month: num(s[2:4]), Day: num(s[4:6])}
}

func num(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
