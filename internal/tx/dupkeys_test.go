package tx

import (
	"bytes"
	"encoding/json"
	"fmt"

	"strings"
	"testing"

	"github.com/medchain/medchain/internal/jsondec"
)

// tokenWalkDuplicate is the duplicate-name check noDuplicateKeys replaced:
// a walk of encoding/json's Token stream with a set of names per open
// object. It is the oracle of FuzzDuplicateKeys: it reports the first
// duplicate name, if there is one before the end or the first syntax
// error.
func tokenWalkDuplicate(data []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		object, key bool
		keys        map[string]bool
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{':
				stack = append(stack, frame{object: true, keys: map[string]bool{}, key: true})
				continue
			case '[':
				stack = append(stack, frame{})
				continue
			default:
				stack = stack[:len(stack)-1]
			}
		} else if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].key {
			k := tok.(string)
			if stack[n-1].keys[k] {
				return k, true
			}
			stack[n-1].keys[k], stack[n-1].key = true, false
			continue
		}
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].key = true
		}
	}
}

// On valid JSON, noDuplicateKeys finds exactly the duplicates the Token
// walk found and names them the same. Input that is not one valid JSON
// value is refused by Decode whatever this check says (jsondec.Strict
// runs next): there the check only must not panic, and it may report a
// duplicate name that the walk, stopping at the first syntax error, did
// not reach (`{"":0, ""`).
func FuzzDuplicateKeys(f *testing.F) {
	for _, s := range []string{
		`{"a":1,"a":2}`, `{"a":1,"\u0061":2}`, `{"a":{"b":1,"b":2}}`, `{"a":[{"k":1},{"k":2,"k":3}]}`,
		`{"a":1,"b":{"a":2}}`, `[{"a":1},{"a":1}]`, `{"a":1} {"a":2}`, `{"a":1,"a":2`, `{"a":1,,"a":2}`,
		`{"msg":{"record":"x","record":"y"}}`, `"\ud800"`, `{"é":1,"\u00e9":2}`, `{}`, `[]`, ``, `{"a":1}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := noDuplicateKeys(data)
		if !json.Valid(data) || jsondec.CheckText(data) != nil {
			return // Decode refuses it: not JSON, or not valid text (checked first)
		}
		want, dup := tokenWalkDuplicate(data)
		switch {
		case !dup && err != nil:
			t.Fatalf("%q: %v, the Token walk found no duplicate", data, err)
		case dup && err == nil:
			t.Fatalf("%q: no duplicate found, the Token walk found %q", data, want)
		case dup && err.Error() != fmt.Sprintf("key %q appears twice in an object", want):
			t.Fatalf("%q: %v, the Token walk found %q", data, err, want)
		}
	})
}

func BenchmarkNoDuplicateKeys(b *testing.B) {
	body := []byte(`{"chain_id":"medchain-dev","signer":"` + strings.Repeat("ab", 32) + `","nonce":7,"expires":900,"type":"records/add",` +
		`"msg":{"anchors":[{"record":"rec-0123456789abcdef01234567","patient":"pt-0123456789abcdef0123","types":["Observation"],` +
		`"hash":"` + strings.Repeat("ab12", 16) + `","size":1234}]}}`)
	b.Run("jsontext", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if noDuplicateKeys(body) != nil {
				b.Fatal("duplicate")
			}
		}
	})
	b.Run("token-walk", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, dup := tokenWalkDuplicate(body); dup {
				b.Fatal("duplicate")
			}
		}
	})
}
