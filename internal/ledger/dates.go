package ledger

import (
	"fmt"
	"regexp"
	"time"
)

var datePattern = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

// ValidDate checks that d is a calendar date written YYYY-MM-DD (what
// messages carry for days: expiries, service dates, deadlines); the error
// names field.
func ValidDate(field, d string) error {
	if !datePattern.MatchString(d) {
		return fmt.Errorf("%s: a date, YYYY-MM-DD", field)
	}
	if _, err := time.Parse(time.DateOnly, d); err != nil {
		return fmt.Errorf("%s: not a date of the calendar", field)
	}
	return nil
}

// Day is the UTC calendar date of t, YYYY-MM-DD: the block time as the
// date rules compare it with (ISO dates compare as strings).
func Day(t time.Time) string { return t.UTC().Format(time.DateOnly) }
