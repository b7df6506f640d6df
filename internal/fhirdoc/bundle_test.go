package fhirdoc

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
)

func TestSplitBundleSynthea(t *testing.T) {
	for _, s := range synthea {
		t.Run(s.file, func(t *testing.T) {
			raw := readTestdata(t, s.file)
			entries, err := SplitBundle(raw)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != s.entries {
				t.Fatalf("%d entries, want %d", len(entries), s.entries)
			}
			// In order, with the bundle's fullUrl, type and id.
			var b struct {
				Entry []struct {
					FullURL  string `json:"fullUrl"`
					Resource struct {
						ResourceType string `json:"resourceType"`
						ID           string `json:"id"`
					} `json:"resource"`
				} `json:"entry"`
			}
			if err := json.Unmarshal(raw, &b); err != nil {
				t.Fatal(err)
			}
			for i, e := range entries {
				want := b.Entry[i]
				if e.FullURL != want.FullURL || e.ResourceType != want.Resource.ResourceType || e.ID != want.Resource.ID || e.FullURL != "urn:uuid:"+e.ID {
					t.Errorf("entry %d = %s %s %s, want %s %s %s", i, e.FullURL, e.ResourceType, e.ID, want.FullURL, want.Resource.ResourceType, want.Resource.ID)
				}
			}
			if entries[0].ResourceType != "Patient" {
				t.Errorf("first entry is a %s", entries[0].ResourceType)
			}
			// Each resource is a valid document of its own, compact.
			for i, e := range entries {
				info, err := Validate(e.Resource)
				if err != nil {
					t.Fatalf("entry %d: %v", i, err)
				}
				if info.ResourceType != e.ResourceType || !slices.Equal(info.Types, []string{e.ResourceType}) {
					t.Errorf("entry %d: %+v", i, info)
				}
				if bytes.ContainsAny(e.Resource, "\n\t") {
					t.Errorf("entry %d is not compact", i)
				}
			}
		})
	}
}

func TestSplitBundleSkipsEntriesWithoutResource(t *testing.T) {
	entries, err := SplitBundle(readTestdata(t, "Bundle-bundle-transaction.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.ResourceType+"/"+e.ID+" "+e.FullURL)
	}
	want := []string{
		"Patient/ urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a",
		"Patient/ urn:uuid:88f151c0-a954-468a-88bd-5ae15c08e059",
		"Patient/123 http://example.org/fhir/Patient/123",
		"Patient/ urn:uuid:74891afc-ed52-42a2-bcd7-f13d9b60f096",
		"Patient/123a http://example.org/fhir/Patient/123a",
		"Parameters/ urn:uuid:79378cb8-8f58-48e8-a5e8-60ac2755b674",
	}
	if !slices.Equal(got, want) {
		t.Errorf("entries:\n%q\nwant\n%q", got, want)
	}
}

func TestSplitBundleErrors(t *testing.T) {
	_, err := SplitBundle(readTestdata(t, "Patient-example.json"))
	checkError(t, err, "resourceType", "a Patient, not a Bundle", false)
	_, err = SplitBundle([]byte(`{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","birthDate":"soon"}}]}`))
	checkError(t, err, "Bundle.entry[0].resource.birthDate", "invalid date: expected YYYY, YYYY-MM or YYYY-MM-DD, a real calendar date", false)
	entries, err := SplitBundle([]byte(`{"resourceType":"Bundle","type":"collection"}`))
	if err != nil || len(entries) != 0 {
		t.Errorf("empty Bundle: %v, %v", entries, err)
	}
}

func BenchmarkSplitSyntheaBundle(b *testing.B) {
	doc := readTestdata(b, synthea[1].file)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SplitBundle(doc); err != nil {
			b.Fatal(err)
		}
	}
}
