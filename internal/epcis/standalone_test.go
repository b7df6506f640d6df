package epcis

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Every event of every valid example document, lifted out of its document
// by StandaloneEvents, hashes as it does in the document and parses to the
// same Event; eventID and recordTime set on it change neither.
func TestStandaloneEventsHashAsInTheirDocument(t *testing.T) {
	var files []string
	for _, g := range []string{"testdata/openepcis/Capture/Documents/*.json", "testdata/openepcis/Query/*.json",
		"testdata/gs1-epcis/JSON/*.jsonld", "testdata/gs1-epcis/JSON/*/*.jsonld", "testdata/event-hash-vectors/*.jsonld"} {
		m, err := filepath.Glob(g)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	n := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		hashed, err := Hashes(raw)
		if err != nil || len(hashed) == 0 || strings.Contains(f, "Event.json") && !strings.Contains(f, "Documents") {
			continue // a standalone event, or not a document
		}
		var doc map[string]any
		if json.Unmarshal(raw, &doc) != nil || doc["epcisBody"] == nil {
			continue
		}
		parsed, perr := Parse(raw)
		events, err := StandaloneEvents(raw)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(events) != len(hashed) {
			t.Fatalf("%s: %d standalone events, %d hashed", f, len(events), len(hashed))
		}
		for i, ev := range events {
			h, err := EventHash(ev)
			if err != nil || h != hashed[i].Hash {
				t.Errorf("%s event %d: standalone hash %s (%v), in the document %s\n%s", f, i, h, err, hashed[i].Hash, ev)
				continue
			}
			set, err := SetFields(ev, map[string]string{"eventID": "urn:uuid:6d6ab2d3-5fd8-4b8e-a5c6-9a3a1b2a0c11", "recordTime": "2026-05-01T10:00:00.000Z"})
			if err != nil {
				t.Fatal(err)
			}
			if h2, _ := EventHash(set); h2 != h {
				t.Errorf("%s event %d: eventID and recordTime changed the hash", f, i)
			}
			if perr != nil {
				continue // GS1's schema refuses the document; its hashes are still checked
			}
			e, err := ParseEvent(ev)
			if err != nil {
				t.Fatalf("%s event %d: %v", f, i, err)
			}
			if !reflect.DeepEqual(e, parsed.Events[i]) {
				t.Errorf("%s event %d parses standalone as\n%+v\nin its document as\n%+v", f, i, e, parsed.Events[i])
			}
			n++
		}
	}
	if n < 60 {
		t.Fatalf("only %d events checked", n)
	}
	if _, err := SetFields([]byte(`{"type":"ObjectEvent"}`), map[string]string{"action": "ADD"}); err == nil {
		t.Error("SetFields set a hashed field")
	}
}

func TestQueryValueNormalisation(t *testing.T) {
	for _, c := range []struct{ vocab, in, want string }{
		{VocabBizStep, "shipping", "shipping"},
		{VocabBizStep, "https://ref.gs1.org/cbv/BizStep-shipping", "shipping"},
		{VocabBizStep, "urn:epcglobal:cbv:bizstep:shipping", "shipping"},
		{VocabBizStep, "cbv:BizStep-receiving", "receiving"},
		{VocabBizStep, "https://example.org/bizstep/checking", "https://example.org/bizstep/checking"},
		{VocabDisposition, "https://ref.gs1.org/cbv/Disp-in_transit", "in_transit"},
		{VocabErrorReason, "urn:epcglobal:cbv:er:incorrect_data", "incorrect_data"},
	} {
		if got := ShortName(c.vocab, c.in); got != c.want {
			t.Errorf("ShortName(%s, %q) = %q, want %q", c.vocab, c.in, got, c.want)
		}
	}
	for in, want := range map[string]string{
		"urn:epc:id:sgtin:0614141.107346.2017":          "https://id.gs1.org/01/10614141073464/21/2017",
		"https://example.com/01/00614141073467/21/2017": "https://id.gs1.org/01/00614141073467/21/2017",
		"urn:epc:id:sgln:0614141.07346.1234":            "https://id.gs1.org/414/0614141073467/254/1234",
		"urn:example:not-gs1":                           "urn:example:not-gs1",
	} {
		if got := CanonicalID(in); got != want {
			t.Errorf("CanonicalID(%q) = %q, want %q", in, got, want)
		}
	}
	if got, ok := CanonicalTime("2022-06-30T00:15:47.000-05:00"); !ok || got != "2022-06-30T05:15:47.000Z" {
		t.Errorf("CanonicalTime: %q %v", got, ok)
	}
	if _, ok := CanonicalTime("not-a-date"); ok {
		t.Error("CanonicalTime took not-a-date")
	}
	if ts := Terms(VocabBizStep); len(ts) < 30 || ts[0] == "" {
		t.Errorf("Terms(bizStep) = %v", ts)
	}
}
