// Package jsondec decodes JSON that comes from outside the node (request
// bodies, transaction bodies, messages) strictly, and says what is wrong in
// the terms of the JSON the client wrote: the field as a JSON path
// ("anchors[0].size"), the kind of value wanted and the kind given, the
// byte at which the syntax broke. It never lets Go's own vocabulary ("Go
// struct field signedRequest.request of type string") reach a client.
//
// Strict also refuses text that is not valid UTF-8, or that escapes a lone
// UTF-16 surrogate: encoding/json would silently turn either into U+FFFD, so
// the decoded strings would differ from the bytes that were signed.
//
// The package is pure: it reads no clock, no state and no network.
package jsondec

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Error is a JSON document that does not decode, in the client's terms.
type Error struct {
	// Path is the JSON path of the value at fault ("anchors[0].size"),
	// empty when the fault is not in one value (syntax, trailing data).
	Path string
	// Msg says what is wrong.
	Msg string
	// err is a value's own error, kept for errors.Is.
	err error
}

// Unwrap returns the error of a value's own UnmarshalJSON, if that was the
// fault.
func (e *Error) Unwrap() error { return e.err }

func (e *Error) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return "field " + e.Path + ": " + e.Msg
}

// Strict decodes the one JSON value in data into v: unknown object fields,
// trailing data, invalid UTF-8 and escaped lone surrogates are errors. Every
// error it returns is an *Error, with the path of the value at fault when
// there is one; an error of a value's own UnmarshalJSON keeps its message
// and is what the *Error unwraps to.
func Strict(data []byte, v any) error {
	if err := CheckText(data); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		explained := Explain(data, err)
		e, ok := explained.(*Error)
		if !ok {
			// A value's own UnmarshalJSON: its message is the client's.
			e = &Error{Msg: explained.Error(), err: err}
		}
		// A value's own errors (a time, a key), base64's and unknown
		// fields come without a place: find the value that fails.
		if e.Path == "" {
			if t := reflect.TypeOf(v); t != nil && t.Kind() == reflect.Pointer {
				if path := locate(data, t.Elem(), ""); path != "" {
					e = &Error{Path: path, Msg: e.Msg, err: e.err}
				}
			}
		}
		return e
	}
	end := dec.InputOffset()
	if _, err := dec.Token(); err != io.EOF {
		return &Error{Msg: fmt.Sprintf("invalid JSON at byte %d: trailing data after the JSON value", end)}
	}
	return nil
}

// CheckText refuses data that is not valid UTF-8 or that escapes a UTF-16
// surrogate (\ud800-\udfff) other than as a high-low pair: text that
// encoding/json would replace with U+FFFD.
func CheckText(data []byte) error {
	if !utf8.Valid(data) {
		i := 0
		for i < len(data) {
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return &Error{Msg: fmt.Sprintf("invalid text at byte %d: not valid UTF-8", i)}
	}
	for i := 0; i < len(data); i++ {
		if data[i] != '\\' || i+1 >= len(data) {
			continue
		}
		if data[i+1] != 'u' {
			i++ // an escaped character, possibly a backslash
			continue
		}
		r, ok := hex4(data, i+2)
		if !ok {
			continue // the decoder reports the bad escape
		}
		if !utf16.IsSurrogate(r) {
			i += 5
			continue
		}
		if r < 0xdc00 { // a high surrogate: a low one must follow
			if lo, ok := hex4(data, i+8); ok && data[i+6] == '\\' && data[i+7] == 'u' && lo >= 0xdc00 && lo <= 0xdfff {
				i += 11
				continue
			}
		}
		return &Error{Msg: fmt.Sprintf("invalid text at byte %d: \\u%04x is half of a UTF-16 surrogate pair, not a character", i, r)}
	}
	return nil
}

// hex4 reads the four hex digits of a \u escape at data[i:].
func hex4(data []byte, i int) (rune, bool) {
	if i+4 > len(data) || i < 2 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(data[i:i+4]), 16, 16)
	return rune(n), err == nil
}

// Explain turns an error met while decoding data with encoding/json (its
// syntax and type errors, an unknown field, a bad base64 or time value) into
// an *Error in the terms of the JSON. An error it does not recognise is
// returned as it is: those come from the value's own UnmarshalJSON, whose
// messages are written for clients already.
func Explain(data []byte, err error) error {
	if err == nil {
		return nil
	}
	var (
		e   *Error
		se  *json.SyntaxError
		te  *json.UnmarshalTypeError
		be  base64.CorruptInputError
		he  hex.InvalidByteError
		tpe *time.ParseError
	)
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, io.EOF):
		return &Error{Msg: "invalid JSON: there is no value"}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &Error{Msg: "invalid JSON: unexpected end of input"}
	case errors.As(err, &se):
		return &Error{Msg: fmt.Sprintf("invalid JSON at byte %d: %s", se.Offset, se.Error())}
	case errors.As(err, &te):
		path := pathAt(data, te.Offset)
		if path == "" {
			path = te.Field
		}
		return &Error{Path: path, Msg: fmt.Sprintf("want %s, got %s", want(te.Type), got(te.Value))}
	case errors.As(err, &be):
		return &Error{Msg: fmt.Sprintf("want standard base64, bad character at position %d of the string", int64(be))}
	case errors.As(err, &he):
		return &Error{Msg: fmt.Sprintf("want hex, got the character %q", rune(he))}
	case errors.Is(err, hex.ErrLength):
		return &Error{Msg: "want hex, got an odd number of digits"}
	case errors.As(err, &tpe):
		return &Error{Msg: fmt.Sprintf("want an RFC 3339 time (e.g. \"2026-01-02T15:04:05Z\"), got %q", tpe.Value)}
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return &Error{Msg: "unknown field " + f}
	}
	if strings.HasPrefix(msg, "Time.UnmarshalJSON") {
		return &Error{Msg: "want an RFC 3339 time as a string"}
	}
	if strings.HasPrefix(msg, "json: ") || strings.Contains(msg, "Go value") || strings.Contains(msg, "Go struct") {
		// encoding/json's remaining messages name Go types: say only
		// that the JSON does not fit.
		return &Error{Msg: "the JSON does not have the expected shape"}
	}
	return err
}

// want names what a Go type accepts, in JSON's terms.
func want(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "a value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		lim := int64(1)<<(t.Bits()-1) - 1
		return fmt.Sprintf("an integer from %d to %d", -lim-1, lim)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return fmt.Sprintf("an integer from 0 to %d", uint64(1)<<(t.Bits()-1)*2-1)
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "a standard base64 string"
		}
		return "an array"
	case reflect.Array:
		return fmt.Sprintf("an array of %d", t.Len())
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "another kind of value"
}

// got names the JSON value encoding/json describes ("number -5").
func got(v string) string {
	switch {
	case v == "string":
		return "a string"
	case v == "number":
		return "a number"
	case strings.HasPrefix(v, "number "):
		return v[len("number "):]
	case v == "bool":
		return "true or false"
	case v == "array":
		return "an array"
	case v == "object":
		return "an object"
	case v == "null":
		return "null"
	}
	return v
}

// pathAt finds the JSON path of the value that ends at offset in data (where
// encoding/json reports a type error), or "" if none does.
func pathAt(data []byte, offset int64) string {
	var stack []frame
	path := func() string {
		var b strings.Builder
		for _, f := range stack {
			if f.object {
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(f.key)
			} else {
				fmt.Fprintf(&b, "[%d]", f.index)
			}
		}
		return b.String()
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		end := dec.InputOffset()
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].wantKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:n-1]
				if n := len(stack); n > 0 {
					stack[n-1].next()
				}
				continue
			}
			stack[n-1].key, stack[n-1].wantKey = tok.(string), false
			continue
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			if n := len(stack); n > 0 {
				stack[n-1].next()
			}
			continue
		}
		// A value: the error is at its end (a scalar) or just inside it
		// (an object or array the Go value cannot hold).
		if end == offset || (isOpen(tok) && end-1 == offset) {
			return path()
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, frame{object: d == '{', wantKey: d == '{'})
			continue
		}
		if n := len(stack); n > 0 {
			stack[n-1].next()
		}
	}
}

func isOpen(tok json.Token) bool {
	d, ok := tok.(json.Delim)
	return ok && (d == '{' || d == '[')
}

// frame is an object or array that pathAt is inside.
type frame struct {
	object bool
	key    string
	index  int
	// wantKey is true when the next token of an object is a key.
	wantKey bool
}

// next moves past a value of the frame.
func (f *frame) next() {
	if f.object {
		f.wantKey = true
	} else {
		f.index++
	}
}

// locate finds the JSON path of the first value in data that does not
// decode strictly into a Go value of type t on its own, by decoding the
// parts of objects and arrays one by one: the value itself, or the object
// that holds an unknown field. "" when it is data as a whole (or it
// decodes).
func locate(data []byte, t reflect.Type, path string) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if dec.Decode(reflect.New(t).Interface()) == nil {
		return ""
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if pt := reflect.PointerTo(t); pt.Implements(reflect.TypeFor[json.Unmarshaler]()) || pt.Implements(reflect.TypeFor[encoding.TextUnmarshaler]()) {
		return path
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		var obj map[string]json.RawMessage
		if json.Unmarshal(data, &obj) != nil {
			return path
		}
		// Walk in document order, so the first failing field is found.
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.Token()
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return path
			}
			key, _ := tok.(string)
			var raw json.RawMessage
			if dec.Decode(&raw) != nil {
				return path
			}
			ft, ok := t, true
			if t.Kind() == reflect.Map {
				ft = t.Elem()
			} else {
				ft, ok = fieldType(t, key)
			}
			if !ok {
				continue
			}
			if p := locate(raw, ft, join(path, key)); p != "" {
				return p
			}
		}
	case reflect.Slice, reflect.Array:
		var arr []json.RawMessage
		if t.Elem().Kind() == reflect.Uint8 || json.Unmarshal(data, &arr) != nil {
			return path
		}
		for i, raw := range arr {
			if p := locate(raw, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); p != "" {
				return p
			}
		}
	}
	return path
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// fieldType finds the type of the field of struct t that encoding/json
// decodes the key name into: by tag or name, exactly or else ignoring case,
// through embedded structs.
func fieldType(t reflect.Type, name string) (reflect.Type, bool) {
	var fold reflect.Type
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		if f.Anonymous && tag == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				if ft, ok := fieldType(et, name); ok {
					return ft, true
				}
				continue
			}
		}
		if tag == "" {
			tag = f.Name
		}
		if tag == name {
			return f.Type, true
		}
		if fold == nil && strings.EqualFold(tag, name) {
			fold = f.Type
		}
	}
	return fold, fold != nil
}
