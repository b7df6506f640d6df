package fhirdoc

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"
	"unicode/utf8"
)

// maxFuzzSeed leaves the Synthea patients (~250 KB each) out of the fuzz
// seeds: mutating them is slow and the small documents cover the same code.
const maxFuzzSeed = 64 << 10

// addTestdata seeds f with the package's test documents that match pattern
// (copies of shared/data, see testdata/SOURCES.md).
func addTestdata(f *testing.F, pattern string) {
	f.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no test documents match %s: %v", pattern, err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if len(b) <= maxFuzzSeed {
			f.Add(b)
		}
	}
}

// checkFuzzError: a rejected document gets an *Error, never a bare error (which
// would mean google/fhir answered something this package does not know).
func checkFuzzError(t *testing.T, what string, err error, unsupportedOK bool) {
	t.Helper()
	var fe *Error
	switch {
	case err == nil:
	case !errors.As(err, &fe):
		t.Fatalf("%s: %T is not an *Error: %v", what, err, err)
	case fe.Unsupported && !unsupportedOK:
		t.Fatalf("%s: a validation error marked Unsupported: %v", what, err)
	case !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrUnsupported):
		t.Fatalf("%s: %v is neither ErrInvalid nor ErrUnsupported", what, err)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// FuzzValidate feeds arbitrary bytes to Validate, ValidateSplit,
// SplitBundle and PersonalData. None may panic; errors are *Error; the
// answer (info or first problem) is the same twice and does not depend on
// insignificant whitespace; a valid Bundle splits into entries whose types
// are among the document's; PersonalData gives sorted, unique strings of at
// least MinPersonalLen characters.
func FuzzValidate(f *testing.F) {
	addTestdata(f, "*.json")
	f.Add([]byte(`{"resourceType":"Patient"}`))
	f.Add([]byte(`{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","id":"p1"}}]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		info, err := Validate(raw)
		checkFuzzError(t, "Validate", err, false)
		info2, err2 := Validate(raw)
		if errString(err2) != errString(err) || !reflect.DeepEqual(info2, info) {
			t.Fatalf("Validate twice: %+v %v, then %+v %v", info, err, info2, err2)
		}

		sinfo, entries, serr := ValidateSplit(raw)
		if errString(serr) != errString(err) || !reflect.DeepEqual(sinfo, info) {
			t.Fatalf("ValidateSplit: %+v %v, Validate: %+v %v", sinfo, serr, info, err)
		}
		if _, berr := SplitBundle(raw); (berr == nil) != (err == nil && info.ResourceType == "Bundle") {
			t.Fatalf("SplitBundle of a %q (Validate: %v): %v", info.ResourceType, err, berr)
		}

		if err == nil {
			if info.ResourceType == "" || !slices.Contains(info.Types, info.ResourceType) || !slices.IsSorted(info.Types) {
				t.Fatalf("info of a valid document: %+v", info)
			}
			if info.ResourceType != "Bundle" && (info.Entries != 0 || len(entries) != 0) {
				t.Fatalf("a %s with entries: %+v, %d", info.ResourceType, info, len(entries))
			}
			if len(entries) > info.Entries {
				t.Fatalf("%d entries split from a Bundle of %d", len(entries), info.Entries)
			}
			for i, e := range entries {
				if !json.Valid(e.Resource) || !slices.Contains(info.Types, e.ResourceType) {
					t.Fatalf("entry %d: type %q (document holds %v), valid JSON %v", i, e.ResourceType, info.Types, json.Valid(e.Resource))
				}
			}
			var compact bytes.Buffer
			if err := json.Compact(&compact, raw); err != nil {
				t.Fatalf("a valid document does not compact: %v", err)
			}
			if cinfo, err := Validate(compact.Bytes()); err != nil || !reflect.DeepEqual(cinfo, info) {
				t.Fatalf("compacted: %+v %v, was %+v", cinfo, err, info)
			}
		}

		pd, perr := PersonalData(raw)
		checkFuzzError(t, "PersonalData", perr, false)
		// Validate is stricter than PersonalData.
		if err == nil && perr != nil {
			t.Fatalf("a valid document is refused by the personal-data scan: %v", perr)
		}
		if !slices.IsSorted(pd) || len(slices.Compact(slices.Clone(pd))) != len(pd) {
			t.Fatalf("PersonalData not sorted and unique: %q", pd)
		}
		for _, s := range pd {
			if utf8.RuneCountInString(s) < MinPersonalLen {
				t.Fatalf("PersonalData returned %q, shorter than %d characters", s, MinPersonalLen)
			}
		}
		if pd2, perr2 := PersonalData(raw); errString(perr2) != errString(perr) || !slices.Equal(pd2, pd) {
			t.Fatalf("PersonalData twice: %q %v, then %q %v", pd, perr, pd2, perr2)
		}
	})
}

// FuzzConsent feeds arbitrary bytes to ParseConsent. It must not panic; a
// refusal is an *Error; the answer is the same twice; accepted terms are
// well formed (a medchain patient, an end after the start, sorted unique
// lists, UTC times) and FormatConsent writes them as a Consent that
// ParseConsent reads back as the same terms.
func FuzzConsent(f *testing.F) {
	addTestdata(f, "Consent-*.json")
	for _, terms := range []Terms{
		{Patient: "pt-0123456789abcdef0123", Grantee: Grantee{Org: "good-health"}, Purposes: []string{"treatment"},
			End: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)},
		{Patient: "pt-0123456789abcdef0123", Grantee: Grantee{Member: "good-health/dr-hart"}, Purposes: []string{"research", "emergency"},
			Types: []string{"Observation", "Condition"}, Records: []string{"rec-000000000000000000000001"},
			Start: time.Date(2026, 1, 1, 12, 30, 0, 0, time.UTC), End: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)},
		{Patient: "pt-0123456789abcdef0123", Grantee: Grantee{Org: "city-lab", Role: "lab-technician"}, Purposes: []string{"public-health"},
			End: time.Date(2027, 6, 1, 0, 0, 0, 500_000_000, time.UTC)},
	} {
		raw, err := FormatConsent(terms)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Fuzz(checkConsent)
}

// checkConsent is FuzzConsent's property, shared with FuzzConsentFields.
func checkConsent(t *testing.T, raw []byte) {
	terms, err := ParseConsent(raw)
	checkFuzzError(t, "ParseConsent", err, true)
	terms2, err2 := ParseConsent(raw)
	if errString(err2) != errString(err) || !reflect.DeepEqual(terms2, terms) {
		t.Fatalf("ParseConsent twice: %+v %v, then %+v %v", terms, err, terms2, err2)
	}
	if err != nil {
		if !reflect.DeepEqual(terms, Terms{}) {
			t.Fatalf("refused (%v) but terms returned: %+v", err, terms)
		}
		return
	}
	switch {
	case terms.End.IsZero() || terms.End.Location() != time.UTC:
		t.Fatalf("accepted terms end %v", terms.End)
	case !terms.Start.IsZero() && (!terms.Start.Before(terms.End) || terms.Start.Location() != time.UTC):
		t.Fatalf("accepted terms start %v, end %v", terms.Start, terms.End)
	case len(terms.Purposes) == 0:
		t.Fatal("accepted terms without a purpose")
	}
	for _, l := range [][]string{terms.Purposes, terms.Types, terms.Records} {
		if !slices.IsSorted(l) || len(slices.Compact(slices.Clone(l))) != len(l) {
			t.Fatalf("not sorted and unique: %q", l)
		}
	}
	out, err := FormatConsent(terms)
	if err != nil {
		t.Fatalf("accepted terms %+v cannot be written back: %v", terms, err)
	}
	back, err := ParseConsent(out)
	if err != nil || !reflect.DeepEqual(back, terms) {
		t.Fatalf("round trip: %+v %v, want %+v", back, err, terms)
	}
}

// FuzzConsentFields checks the same properties as FuzzConsent on Consents
// built from fuzzed values of the elements the mapping reads, which byte
// mutations of whole documents seldom reach: the patient and actor
// references, the actor's role, a purpose and a class code, the period.
func FuzzConsentFields(f *testing.F) {
	f.Add("Patient/pt-0123456789abcdef0123", "Organization/good-health", "PRCP", "TREAT", "Observation", "", "2030-01-01")
	f.Add("Patient/pt-0123456789abcdef0123", "Practitioner/good-health.dr-hart", "IRCP", "HRESCH", "Condition", "2026-01-01T12:00:00+02:00", "2026-02")
	f.Add("Patient/pt-0123456789abcdef0123", "Organization/city-lab", "physician", "ETREAT", "", "2026", "2027-06-01T00:00:00.5Z")
	f.Add("Patient/example", "Patient/example", "CST", "OPTOUT", "Patient", "1964-01-01", "2016-01-01")
	f.Fuzz(func(t *testing.T, patient, actor, role, purpose, class, start, end string) {
		roleSystem := systemParticipation
		if role != "" && role[0] >= 'a' && role[0] <= 'z' {
			roleSystem = SystemRole
		}
		prov := map[string]any{
			"type":    "permit",
			"actor":   []any{map[string]any{"role": map[string]any{"coding": []any{map[string]any{"system": roleSystem, "code": role}}}, "reference": map[string]any{"reference": actor}}},
			"action":  []any{map[string]any{"coding": []any{map[string]any{"system": systemConsentAction, "code": "access"}}}},
			"purpose": []any{map[string]any{"system": systemActReason, "code": purpose}},
		}
		if class != "" {
			prov["class"] = []any{map[string]any{"system": systemResourceTypes, "code": class}}
		}
		period := map[string]any{"end": end}
		if start != "" {
			period["start"] = start
		}
		prov["period"] = period
		raw, err := json.Marshal(map[string]any{
			"resourceType": "Consent",
			"status":       "active",
			"scope":        map[string]any{"coding": []any{map[string]any{"system": systemConsentScope, "code": "patient-privacy"}}},
			"category":     []any{map[string]any{"coding": []any{map[string]any{"system": systemLOINC, "code": "59284-0"}}}},
			"patient":      map[string]any{"reference": patient},
			"policyRule":   map[string]any{"coding": []any{map[string]any{"system": systemActCode, "code": "OPTIN"}}},
			"provision":    prov,
		})
		if err != nil {
			t.Fatal(err)
		}
		checkConsent(t, raw)
	})
}
