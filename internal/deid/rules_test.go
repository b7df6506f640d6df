package deid

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestRulesHashPinned fails when the rule set changes: change Version with
// it (a release names the version and hash it was made with), then pin the
// new hash here.
func TestRulesHashPinned(t *testing.T) {
	const pinned = "8a6471927e749d72bd825aaaacdb25854fd0fb1186f45d7313cdd33918f0852b"
	r := RuleSet()
	if r.Version != "safe-harbor/1" || r.Hash() != pinned {
		t.Fatalf("rule set %s has hash %s, pinned %s: a changed rule set is a new Version", r.Version, r.Hash(), pinned)
	}
	if !slices.IsSorted(RestrictedZIP3) || len(RestrictedZIP3) != 17 {
		t.Fatalf("RestrictedZIP3 must be the 17 prefixes of the HHS guidance, sorted: %v", RestrictedZIP3)
	}
}

func TestZIP3(t *testing.T) {
	for _, c := range []struct {
		zip, country, want string
		ok                 bool
	}{
		{"01887", "US", "018", true},
		{"01887-1234", "US", "018", true},
		{"018871234", "", "018", true},
		{"03601", "US", "000", true}, // 036: restricted
		{"89301", "USA", "000", true},
		{"10001", "", "100", true},
		{"1028", "US", "", false}, // not a ZIP: removed, not guessed
		{"SW1A 1AA", "GB", "", false},
		{"75001", "FR", "", false}, // a French code is not a US ZIP
	} {
		got, ok := zip3(c.zip, c.country)
		if got != c.want || ok != c.ok {
			t.Errorf("zip3(%q, %q) = %q, %v; want %q, %v", c.zip, c.country, got, ok, c.want, c.ok)
		}
	}
}

// crafted is a patient whose identifiers hide in every place the rules
// name: narrative, notes, string extensions, reference displays, contacts,
// device serials, attachments, free text with phone, email, URL, IP, SSN
// and dates.
const crafted = `{"resourceType":"Bundle","type":"collection","timestamp":"2024-05-06T07:08:09Z","entry":[
{"fullUrl":"http://example.org/fhir/Patient/p1","resource":{"resourceType":"Patient","id":"p1",
 "meta":{"lastUpdated":"2024-05-06T07:08:09Z","tag":[{"system":"urn:t","code":"x"}]},
 "text":{"status":"generated","div":"<div>Ada Quimby, 12 Elm Street, Springfield</div>"},
 "identifier":[{"system":"urn:mrn","value":"MRN-778899"}],
 "name":[{"family":"Quimby","given":["Ada"]}],
 "telecom":[{"system":"email","value":"ada@quimby.example"}],
 "birthDate":"1930-02-03","gender":"female",
 "address":[{"line":["12 Elm Street"],"city":"Springfield","district":"Hampden","postalCode":"03601","state":"NH","country":"US"}],
 "contact":[{"name":{"family":"Quimby","given":["Bert"]},"telecom":[{"value":"555-123-4567"}]}],
 "photo":[{"contentType":"image/jpeg","data":"AAAA"}],
 "extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName","valueString":"Zelda Krupp"},
  {"url":"http://example.org/employer","valueReference":{"display":"Quimby Mills"}}]}},
{"resource":{"resourceType":"Observation","id":"o1","status":"final",
 "code":{"coding":[{"system":"http://loinc.org","code":"8302-2","display":"Body Height"}]},
 "subject":{"reference":"Patient/p1","display":"Ada Quimby"},
 "effectiveDateTime":"2024-05-06T07:08:09+02:00",
 "valueQuantity":{"value":162.5,"unit":"cm","system":"http://unitsofmeasure.org","code":"cm"},
 "note":[{"text":"Ada says call 555-123-4567"}]}},
{"resource":{"resourceType":"Condition","id":"c1",
 "code":{"coding":[{"system":"http://snomed.info/sct","code":"44054006"}],"text":"Diabetes, seen by Ada Quimby's GP on 3/4/2021, mail ada@quimby.example, https://quimby.example/x, 10.1.2.3, SSN 123-45-6789, (555) 222-3333, March 4, 2021"},
 "subject":{"reference":"urn:uuid:p1"},"onsetAge":{"value":91,"unit":"years","system":"http://unitsofmeasure.org","code":"a"}}},
{"resource":{"resourceType":"Device","id":"d1","serialNumber":"SN-4455","udiCarrier":[{"deviceIdentifier":"0123"}],"patient":{"reference":"Patient/p1"}}},
{"resource":{"resourceType":"DocumentReference","id":"r1","content":[{"attachment":{"url":"https://x.example/doc"}}]}}
]}`

func TestDeidentifyCrafted(t *testing.T) {
	res, err := Deidentify([]byte(crafted), Options{Study: "st-a", Key: testKey, Year: 2026, Subject: "pt-0000000000000000000a"})
	if err != nil {
		t.Fatal(err)
	}
	out := string(res.Data)
	for _, s := range []string{"Ada", "Quimby", "Elm", "Springfield", "Hampden", "03601", "036\"", "MRN-778899", "quimby.example",
		"555", "Zelda", "Krupp", "Bert", "AAAA", "SN-4455", "0123", "x.example", "10.1.2.3", "123-45-6789", "3/4/2021",
		"March", "1930", "02-03", "05-06", "07:08", "p1", "o1", "Mills", "DocumentReference"} {
		if strings.Contains(out, s) {
			t.Errorf("%q survives in %s", s, out)
		}
	}
	for _, s := range []string{`"postalCode":"000"`, `"state":"NH"`, `"effectiveDateTime":"2024"`, `"code":"8302-2"`, `"value":162.5`,
		`"code":"44054006"`, `"Diabetes, seen by [redacted]'s GP on 2021, mail [redacted], [redacted] [redacted], SSN [redacted], [redacted], 2021"`,
		`"onsetAge":{"code":"a","comparator":"\u003e=","system":"http://unitsofmeasure.org","unit":"years","value":90}`,
		`"url":"` + Over89URL + `","valueBoolean":true`, `"reference":"Patient/` + Pseudonym(testKey, "st-a", "pt-0000000000000000000a") + `"`,
		`"reference":"urn:uuid:` + Pseudonym(testKey, "st-a", "pt-0000000000000000000a") + `"`} {
		if !strings.Contains(out, s) && !strings.Contains(out, strings.ReplaceAll(s, `\u003e`, ">")) {
			t.Errorf("%s missing from %s", s, out)
		}
	}
	if want := []string{Pseudonym(testKey, "st-a", "pt-0000000000000000000a")}; !slices.Equal(res.Patients, want) {
		t.Errorf("patients %v, want %v", res.Patients, want)
	}
	if res.Resources != 4 { // Patient, Observation, Condition, Device; the DocumentReference is removed
		t.Errorf("%d resources, want 4", res.Resources)
	}
}

// TestDeidentifyAge: a living patient born 1936 is over 89 in 2026 (years
// alone cannot tell 89 from 90: the rule removes); born 1937, 89, keeps
// the year; a patient who died at 60 keeps it whatever the year now.
func TestDeidentifyAge(t *testing.T) {
	for _, c := range []struct {
		patient string
		kept    bool
	}{
		{`{"resourceType":"Patient","birthDate":"1936-12-31"}`, false},
		{`{"resourceType":"Patient","birthDate":"1937-01-01"}`, true},
		{`{"resourceType":"Patient","birthDate":"1900-01-01","deceasedDateTime":"1960-05-05"}`, true},
	} {
		res, err := Deidentify([]byte(c.patient), opts())
		if err != nil {
			t.Fatal(err)
		}
		if got := bytes.Contains(res.Data, []byte(`"birthDate"`)); got != c.kept || bytes.Contains(res.Data, []byte(Over89URL)) == c.kept {
			t.Errorf("%s: birth year kept %v, want %v: %s", c.patient, got, c.kept, res.Data)
		}
	}
}

// TestPseudonyms: stable within a study, different across studies and
// keys, and the same for the ledger's patient ID however the FHIR id reads.
func TestPseudonyms(t *testing.T) {
	a := Pseudonym(testKey, "st-a", "pt-1")
	if a != Pseudonym(testKey, "st-a", "pt-1") {
		t.Fatal("not stable")
	}
	other := bytes.Repeat([]byte{8}, MinKey)
	for _, b := range []string{Pseudonym(testKey, "st-b", "pt-1"), Pseudonym(other, "st-a", "pt-1"), Pseudonym(testKey, "st-a", "pt-2")} {
		if a == b {
			t.Fatal("two studies, keys or patients share a pseudonym")
		}
	}
	if len(a) != 36 || a[14] != '8' {
		t.Fatalf("%s is not a version-8 UUID", a)
	}
}

// TestDeterministic: the same input and options give the same bytes.
func TestDeterministic(t *testing.T) {
	raw := read(t, syntheaBundles[1])
	a, err := Deidentify(raw, opts())
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		b, err := Deidentify(raw, opts())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Data, b.Data) {
			t.Fatal("two runs differ")
		}
	}
}

func TestDeidentifyRefuses(t *testing.T) {
	good := []byte(`{"resourceType":"Patient"}`)
	for _, c := range []struct {
		name string
		raw  []byte
		o    Options
		want string
	}{
		{"no study", good, Options{Key: testKey, Year: 2026}, "study: required"},
		{"short key", good, Options{Study: "s", Key: testKey[:31], Year: 2026}, "key: 31 bytes, at least 32 needed"},
		{"no year", good, Options{Study: "s", Key: testKey}, "year: 0 is not a year"},
		{"not JSON", []byte(`{"resourceType":`), opts(), "not JSON"},
		{"array", []byte(`[]`), opts(), "a JSON array"},
		{"no type", []byte(`{"id":"x"}`), opts(), "resourceType"},
		{"removed whole", []byte(`{"resourceType":"Binary","data":"AAAA"}`), opts(), "Binary resources are removed whole"},
	} {
		_, err := Deidentify(c.raw, c.o)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want ErrInvalid with %q", c.name, err, c.want)
		}
	}
}

// BenchmarkDeidentify reports resources/s over the three Synthea patients.
func BenchmarkDeidentify(b *testing.B) {
	var raws [][]byte
	for _, p := range syntheaBundles[:3] {
		raws = append(raws, read(b, p))
	}
	n := 0
	for b.Loop() {
		for _, raw := range raws {
			res, err := Deidentify(raw, opts())
			if err != nil {
				b.Fatal(err)
			}
			n += res.Resources
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "resources/s")
}
