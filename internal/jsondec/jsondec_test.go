package jsondec_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/medchain/medchain/internal/jsondec"
)

type anchor struct {
	Size  int64  `json:"size"`
	Label string `json:"label"`
}

type msg struct {
	Name    string   `json:"name"`
	Anchors []anchor `json:"anchors"`
	Nonce   uint64   `json:"nonce"`
	Data    []byte   `json:"data"`
	Tags    []string `json:"tags"`
	Meta    struct {
		On bool `json:"on"`
	} `json:"meta"`
	At     time.Time       `json:"at"`
	Times  []stamped       `json:"times"`
	ByName map[string]item `json:"byName"`
}

type stamped struct {
	At time.Time `json:"at"`
}

type item struct {
	Key hexKey `json:"key"`
}

// hexKey has its own UnmarshalJSON, whose message is the client's already.
type hexKey []byte

func (k *hexKey) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) != nil || len(s)%2 != 0 || strings.Trim(s, "0123456789abcdef") != "" {
		return errors.New("key must be hex")
	}
	return nil
}

func TestStrict(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"anchors":[{"size":1},{"size":"9"}]}`, `field anchors[1].size: want an integer from -9223372036854775808 to 9223372036854775807, got a string`},
		{`{"anchors": [ {"size": 1.5} ]}`, `field anchors[0].size: want an integer from -9223372036854775808 to 9223372036854775807, got 1.5`},
		{`{"nonce":-5}`, `field nonce: want an integer from 0 to 18446744073709551615, got -5`},
		{`{"name":7}`, `field name: want a string, got a number`},
		{`{"tags":["a",{"x":1}]}`, `field tags[1]: want a string, got an object`},
		{`{"meta":{"on":"yes"}}`, `field meta.on: want true or false, got a string`},
		{`{"anchors":{}}`, `field anchors: want an array, got an object`},
		{`[1]`, `want an object, got an array`},
		{`{"name":"x","nmae":"y"}`, `unknown field "nmae"`},
		{`{"anchors":[{"size":1},{"size":2,"sise":3}]}`, `field anchors[1]: unknown field "sise"`},
		{`{"name":"x"`, `invalid JSON: unexpected end of input`},
		{``, `invalid JSON: there is no value`},
		{`{"name": x}`, `invalid JSON at byte 10: invalid character 'x' looking for beginning of value`},
		{`{"name":"x"} {}`, `invalid JSON at byte 12: trailing data after the JSON value`},
		{`{"data":"!!!"}`, `field data: want standard base64, bad character at position 0 of the string`},
		{`{"at":"yesterday"}`, `field at: want an RFC 3339 time (e.g. "2026-01-02T15:04:05Z"), got "yesterday"`},
		{`{"at":5}`, `field at: want an RFC 3339 time as a string`},
		{`{"anchors":[{"size":1}],"times":[{"at":"2026-01-01T00:00:00Z"},{"at":"x"}]}`, `field times[1].at: want an RFC 3339 time (e.g. "2026-01-02T15:04:05Z"), got "x"`},
		{`{"byName":{"a":{"key":"zz"}}}`, `field byName.a.key: key must be hex`},
		{"{\"name\":\"a\xffb\"}", `invalid text at byte 10: not valid UTF-8`},
		{`{"name":"a\ud800b"}`, `invalid text at byte 10: \ud800 is half of a UTF-16 surrogate pair, not a character`},
		{`{"name":"a\udc00"}`, `invalid text at byte 10: \udc00 is half of a UTF-16 surrogate pair, not a character`},
		{`{"name":"\ud800\u0041"}`, `invalid text at byte 9: \ud800 is half of a UTF-16 surrogate pair, not a character`},
	} {
		var m msg
		err := jsondec.Strict([]byte(c.in), &m)
		if err == nil {
			t.Errorf("%s: decoded, want error %q", c.in, c.want)
			continue
		}
		var je *jsondec.Error
		if !errors.As(err, &je) {
			t.Errorf("%s: error %T, want *jsondec.Error", c.in, err)
		}
		if err.Error() != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.in, err, c.want)
		}
		for _, goWord := range []string{"Go ", "json:", "struct", "int64", "uint64", "jsondec_test", "[]uint8"} {
			if strings.Contains(err.Error(), goWord) {
				t.Errorf("%s: %q speaks Go (%q)", c.in, err, goWord)
			}
		}
	}
}

func TestStrictAcceptsValidText(t *testing.T) {
	in := `{"name":"Zoë \ud83d\ude00 \\ud800 \u00e9 ` + "\u2603" + `","tags":["\\","\"\u0041"]}`
	var m msg
	if err := jsondec.Strict([]byte(in), &m); err != nil {
		t.Fatalf("Strict(%s): %v", in, err)
	}
	if want := "Zoë 😀 \\ud800 é ☃"; m.Name != want {
		t.Errorf("name = %q, want %q", m.Name, want)
	}
}

func TestExplainPassesOtherErrors(t *testing.T) {
	own := errors.New("public key must be 32 bytes, got 3")
	if got := jsondec.Explain(nil, own); got != own {
		t.Errorf("Explain(own error) = %v, want it unchanged", got)
	}
	var v struct{ N int }
	err := json.Unmarshal([]byte(`{"N":"x"}`), &v)
	if got := jsondec.Explain([]byte(`{"N":"x"}`), err).Error(); got != "field N: want an integer from -9223372036854775808 to 9223372036854775807, got a string" {
		t.Errorf("Explain(Unmarshal error) = %q", got)
	}
}

func FuzzStrict(f *testing.F) {
	f.Add([]byte(`{"anchors":[{"size":"1"}],"name":"\ud800"}`))
	f.Add([]byte(`{"name":"x\u00e9","tags":["a"]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var m msg
		err := jsondec.Strict(b, &m)
		if err == nil {
			// What was accepted is what was written: re-encoding the
			// strings gives valid UTF-8 without replacement characters
			// that the input did not have.
			if strings.ContainsRune(m.Name, '\uFFFD') && !strings.Contains(string(b), "\uFFFD") && !strings.Contains(strings.ToLower(string(b)), `\ufffd`) {
				t.Fatalf("Strict(%q) accepted text that decoded to U+FFFD", b)
			}
			return
		}
		for _, goWord := range []string{"Go struct", "Go value", "json: "} {
			if strings.Contains(err.Error(), goWord) {
				t.Fatalf("Strict(%q): %q speaks Go", b, err)
			}
		}
	})
}
