package deid

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// FuzzDeidentify: for any input, Deidentify does not panic; what it
// accepts it answers with JSON, the same bytes twice (determinism), with
// no element the rules remove and no date finer than a year as a whole
// value.
func FuzzDeidentify(f *testing.F) {
	for _, s := range []string{crafted, `{"resourceType":"Patient","birthDate":"1930-01-01"}`, `{"resourceType":"Observation","note":[{"text":"x"}]}`, `[]`, `{"resourceType":1}`} {
		f.Add([]byte(s))
	}
	if raw, err := os.ReadFile(syntheaBundles[0]); err == nil {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		res, err := Deidentify(raw, opts())
		if err != nil {
			return
		}
		again, err := Deidentify(raw, opts())
		if err != nil || !bytes.Equal(res.Data, again.Data) {
			t.Fatalf("not deterministic: %v", err)
		}
		var out any
		d := json.NewDecoder(bytes.NewReader(res.Data))
		d.UseNumber()
		if err := d.Decode(&out); err != nil {
			t.Fatalf("output is not JSON: %v", err)
		}
		check(t, "", out)
	})
}

// check fails on a removed key or a whole-value date finer than a year.
func check(t *testing.T, key string, v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			switch k {
			case "identifier", "telecom", "photo", "note", "comment", "contact", "lastUpdated", "timestamp", "udiCarrier", "serialNumber":
				t.Fatalf("%s survives: %v", k, x)
			case "name":
				if _, ok := x.(string); !ok {
					t.Fatalf("a HumanName survives: %v", x)
				}
			}
			check(t, k, x)
		}
	case []any:
		for _, x := range v {
			check(t, key, x)
		}
	case string:
		if key != "code" && reDate.MatchString(v) {
			t.Fatalf("%s: date %q finer than a year survives", key, v)
		}
	}
}
