package fhirdoc

import (
	"slices"
	"strings"
	"testing"
)

func TestPersonalDataSynthea(t *testing.T) {
	for _, s := range synthea {
		t.Run(s.file, func(t *testing.T) {
			got, err := PersonalData(readTestdata(t, s.file))
			if err != nil {
				t.Fatal(err)
			}
			want := []string{s.family, s.given + " " + s.family, s.birth}
			if len(s.given) >= MinPersonalLen {
				want = append(want, s.given)
			}
			for _, v := range []string{s.ssn, s.passport, s.street} {
				if v != "" {
					want = append(want, v)
				}
			}
			for _, w := range want {
				if !slices.Contains(got, w) {
					t.Errorf("PersonalData misses %q; got %q", w, got)
				}
			}
			for _, generic := range []string{"US", "Massachusetts", "Mr.", "Mrs.", "Liz", "male", "female"} {
				if slices.Contains(got, generic) {
					t.Errorf("PersonalData has %q", generic)
				}
			}
			if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
				t.Errorf("not sorted and unique: %q", got)
			}
			for _, v := range got {
				if len([]rune(v)) < MinPersonalLen {
					t.Errorf("%q is too short", v)
				}
			}
		})
	}
}

// Every identifying string of Synthea's Liz Conn, and nothing else.
func TestPersonalDataComplete(t *testing.T) {
	got, err := PersonalData(readTestdata(t, synthea[1].file))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"01915",                                // postal code
		"1986-11-28",                           // birth date
		"27c911c6-f045-4ffa-af5d-6eba57ac94b2", // Synthea ID and MRN
		"391 Cassin Plaza",                     // address line
		"555-175-3568",                         // phone
		"999-34-1238",                          // SSN
		"Beverly",                              // city
		"Boston",                               // birth place
		"Conn",
		"Fredericka Haag", // mother's maiden name
		"Liz Conn",
		"Liz Rowe", // maiden name
		"Rowe",
		"S99928510",                            // driver's licence
		"X36509516X",                           // passport
		"ee9f8dd8-72d2-4769-8020-89e504b1504b", // resource id
	}
	if !slices.Equal(got, want) {
		t.Errorf("PersonalData =\n%q\nwant\n%q", got, want)
	}
}

func TestPersonalDataPatientExample(t *testing.T) {
	got, err := PersonalData(readTestdata(t, "Patient-example.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"(03) 3410 5613", "(03) 5555 6473", "(03) 5555 8834", "+33 (237) 998327",
		"12345", "1974-12-25", "1974-12-25T14:35:45-05:00",
		"534 Erewhon St", "534 Erewhon St PeasantVille, Rainbow, Vic 3999",
		"3999", "Bénédicte", "Bénédicte du Marché", "Chalmers", "James", "Peter",
		"Peter James Chalmers", "Peter James Windsor", "PleasantVille", "Rainbow",
		"Windsor", "du Marché", "example",
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("PersonalData =\n%q\nwant\n%q", got, want)
	}
}

func TestPersonalDataElsewhere(t *testing.T) {
	// A Patient contained in another resource counts; other resources'
	// names do not.
	doc := `{"resourceType":"Observation","contained":[{"resourceType":"Patient","id":"p1","name":[{"family":"Okonkwo","given":["Chidi"]}]}],` +
		`"performer":[{"display":"Dr. Gregory House"}],"status":"final","code":{"text":"x"}}`
	got, err := PersonalData([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Chidi", "Chidi Okonkwo", "Okonkwo"}; !slices.Equal(got, want) {
		t.Errorf("PersonalData = %q, want %q", got, want)
	}
	got, err = PersonalData(readTestdata(t, "Practitioner-f005.json"))
	if err != nil || len(got) != 0 {
		t.Errorf("a Practitioner: %q, %v", got, err)
	}
	got, err = PersonalData(readTestdata(t, "Bundle-bundle-transaction.json"))
	if err != nil || !slices.Contains(got, "Peter James Chalmers") || !slices.Contains(got, "1974-12-25") {
		t.Errorf("a transaction Bundle: %q, %v", got, err)
	}
}

func TestPersonalDataErrors(t *testing.T) {
	for doc, msg := range map[string]string{
		``:                    "empty document: expected a FHIR resource in JSON",
		`[]`:                  "a JSON array, not a FHIR resource: send one resource (several go in a Bundle)",
		`{"name":"x"`:         "not JSON: unexpected end of JSON input (at byte 11)",
		`{"name":"Liz Conn"}`: "missing required field: a FHIR resource names its type in resourceType",
	} {
		_, err := PersonalData([]byte(doc))
		if err == nil || !strings.HasSuffix(err.Error(), msg) {
			t.Errorf("%s: %v, want %q", doc, err, msg)
		}
	}
}
