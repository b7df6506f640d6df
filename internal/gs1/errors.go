package gs1

import (
	"errors"
	"strconv"
	"strings"
)

// Error classes. Every error returned by this package is an *Error whose
// Unwrap gives one of these, so callers can test with errors.Is.
var (
	ErrSyntax      = errors.New("gs1: malformed input")
	ErrUnknownAI   = errors.New("gs1: unknown application identifier")
	ErrLength      = errors.New("gs1: wrong length")
	ErrCharset     = errors.New("gs1: invalid character")
	ErrCheckDigit  = errors.New("gs1: wrong check digit")
	ErrDate        = errors.New("gs1: invalid date or time")
	ErrValue       = errors.New("gs1: invalid value")
	ErrDuplicate   = errors.New("gs1: duplicate application identifier")
	ErrPairing     = errors.New("gs1: invalid AI combination")
	ErrDigitalLink = errors.New("gs1: invalid Digital Link URI")
	ErrEPC         = errors.New("gs1: invalid EPC URI")
)

// Error says what is wrong and where.
type Error struct {
	Kind  error  // one of the Err* classes above
	AI    string // the AI concerned, "" if none
	Value string // that AI's value as read
	Pos   int    // byte offset in the input where the problem is, -1 if unknown
	Msg   string // what is wrong
}

// Error formats as `gs1: AI (17) "251331": month 13 is not valid`, or
// `gs1: offset 16: …` when no AI is concerned but the position is known.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("gs1: ")
	switch {
	case e.AI != "":
		b.WriteString("AI (")
		b.WriteString(e.AI)
		b.WriteString(") ")
		b.WriteString(strconv.Quote(e.Value))
		b.WriteString(": ")
	case e.Pos >= 0:
		b.WriteString("offset ")
		b.WriteString(strconv.Itoa(e.Pos))
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the error class.
func (e *Error) Unwrap() error { return e.Kind }

func errAt(kind error, pos int, msg string) *Error {
	return &Error{Kind: kind, Pos: pos, Msg: msg}
}

func errAI(kind error, a AI, pos int, msg string) *Error {
	return &Error{Kind: kind, AI: a.Code, Value: a.Value, Pos: pos, Msg: msg}
}
