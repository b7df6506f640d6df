package telemetry_test

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/medchain/medchain/internal/devicesim"
	"github.com/medchain/medchain/internal/telemetry"
)

// FuzzParseObservation: a device's Observation, the node's parser of
// outside bytes. It never panics; a refusal names the FHIR element; what
// parses parses the same twice and unchanged by json.Compact, holds at least
// one sample, each with a LOINC code, dated at the Observation's time.
func FuzzParseObservation(f *testing.F) {
	for _, o := range devicesim.DemoVitals() {
		f.Add([]byte(o))
	}
	f.Add([]byte(devicesim.SpO2(97, time.Unix(1767225600, 0))))
	f.Add([]byte(`{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"effectiveDateTime":"2026-01-01T00:00:00+02:00","valueQuantity":{"value":7.2e1}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		o, err := telemetry.ParseObservation(raw)
		if err != nil {
			if !bytes.HasPrefix([]byte(err.Error()), []byte("observation")) {
				t.Fatalf("refusal does not name the element: %v", err)
			}
			return
		}
		if len(o.Samples) == 0 {
			t.Fatalf("parsed with no sample: %s", raw)
		}
		for _, s := range o.Samples {
			if s.Code == "" || s.Time != o.Time {
				t.Fatalf("sample %+v of an observation at %d", s, o.Time)
			}
		}
		again, err := telemetry.ParseObservation(raw)
		if err != nil || len(again.Samples) != len(o.Samples) || again.Time != o.Time {
			t.Fatalf("parsed differently twice: %+v %+v %v", o, again, err)
		}
		var c bytes.Buffer
		if json.Compact(&c, raw) == nil {
			if cmp, err := telemetry.ParseObservation(c.Bytes()); err != nil || len(cmp.Samples) != len(o.Samples) || cmp.Samples[0] != o.Samples[0] {
				t.Fatalf("compacted parses differently: %+v %v", cmp, err)
			}
		}
	})
}

// FuzzParseMilli: decimal numbers as JSON writes them, read without
// floating point. What parses is the number's integer part times 1000
// plus its first three decimals, for plain decimals; nothing panics.
func FuzzParseMilli(f *testing.F) {
	for _, s := range []string{"97", "36.65", "-0.5", "1e2", "1.5E-1", "165.13572344324407", "0", "-12.3456"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := telemetry.ParseMilli(s)
		if err != nil {
			return
		}
		// A plain decimal with at most three decimals round-trips.
		if n, perr := strconv.ParseInt(s, 10, 64); perr == nil && n > -1e12 && n < 1e12 && v != n*1000 {
			t.Fatalf("ParseMilli(%q) = %d, want %d", s, v, n*1000)
		}
		if again, _ := telemetry.ParseMilli(s); again != v {
			t.Fatalf("ParseMilli(%q) differs twice", s)
		}
	})
}
