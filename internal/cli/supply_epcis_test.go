package cli

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/api/apitest"
)

// vectorDir holds GS1's reference event-hash vectors (a copy of
// shared/data/epcis/event-hash-vectors, plus the query document with
// ignoreFields; see its SOURCES.md): documents with their published
// hashes and pre-hash strings.
const vectorDir = "../epcis/testdata/event-hash-vectors/"

// vectorLines reads a published .hashes.txt or .prehashes.txt.
func vectorLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimRight(l, "\r"); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// eventTypes lists the types of a document's events, in order.
func eventTypes(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	type events struct {
		EventList []struct{ Type string } `json:"eventList"`
	}
	var doc struct {
		EPCISBody struct {
			events
			QueryResults struct {
				ResultsBody events `json:"resultsBody"`
			} `json:"queryResults"`
		} `json:"epcisBody"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	list := doc.EPCISBody.EventList
	if list == nil {
		list = doc.EPCISBody.QueryResults.ResultsBody.EventList
	}
	var out []string
	for _, e := range list {
		out = append(out, e.Type)
	}
	return out
}

// TestSupplyEPCISHash: supply epcis-hash prints, for every document of GS1's
// reference vectors, one line per event (index, type, hash) with the
// published hashes; with -o json --prehash, pre-hash strings that hash to
// them (and are the published ones for the query document whose
// repository declares ignoreFields on queryResults).
func TestSupplyEPCISHash(t *testing.T) {
	docs, err := filepath.Glob(vectorDir + "*.jsonld")
	if err != nil || len(docs) < 16 {
		t.Fatalf("%d vector documents (%v)", len(docs), err)
	}
	for _, path := range docs {
		name := strings.TrimSuffix(filepath.Base(path), ".jsonld")
		t.Run(name, func(t *testing.T) {
			want := vectorLines(t, vectorDir+name+".hashes.txt")
			types := eventTypes(t, path)
			code, out, errOut := run(t, nil, "supply", "epcis-hash", path)
			if code != ExitOK || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			rows := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if strings.Join(strings.Fields(rows[0]), " ") != "EVENT TYPE HASH" || len(rows) != len(want)+1 {
				t.Fatalf("want a header and %d lines:\n%s", len(want), out)
			}
			for i, row := range rows[1:] {
				if got, w := strings.Fields(row), []string{strconv.Itoa(i), types[i], want[i]}; strings.Join(got, " ") != strings.Join(w, " ") {
					t.Errorf("line %d: %q, want %q", i, row, strings.Join(w, "  "))
				}
			}

			code, out, errOut = run(t, nil, "supply", "epcis-hash", path, "--prehash", "-o", "json")
			if code != ExitOK {
				t.Fatalf("--prehash -o json: exit %d, stderr %q", code, errOut)
			}
			var got []struct {
				Index   int    `json:"index"`
				Type    string `json:"type"`
				Hash    string `json:"hash"`
				PreHash string `json:"prehash"`
			}
			if err := json.Unmarshal([]byte(out), &got); err != nil || len(got) != len(want) {
				t.Fatalf("%v: %s", err, out)
			}
			for i, e := range got {
				sum := sha256.Sum256([]byte(e.PreHash))
				if e.Index != i || e.Type != types[i] || e.Hash != want[i] || "ni:///sha-256;"+hex.EncodeToString(sum[:])+"?ver=CBV2.0" != want[i] {
					t.Errorf("event %d: %+v; its pre-hash does not hash to %s", i, e, want[i])
				}
			}
			if name == "epcisQueryDocHavingEventWithIgnoreFields" {
				for i, pre := range vectorLines(t, vectorDir+name+".prehashes.txt") {
					if got[i].PreHash != pre {
						t.Errorf("event %d pre-hash:\n got %s\nwant %s", i, got[i].PreHash, pre)
					}
				}
			}
		})
	}
}

// TestSupplyEPCISHashInputs: stdin, text --prehash, one event on its own, a
// document GS1's schema refuses (hashed, with a warning), and the user's
// mistakes with their exit codes.
func TestSupplyEPCISHashInputs(t *testing.T) {
	path := vectorDir + "epcisQueryDocHavingEventWithIgnoreFields.jsonld"
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pres := vectorLines(t, vectorDir+"epcisQueryDocHavingEventWithIgnoreFields.prehashes.txt")
	hashes := vectorLines(t, vectorDir+"epcisQueryDocHavingEventWithIgnoreFields.hashes.txt")
	stdin := func(in string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		g := &Global{In: strings.NewReader(in), Out: &out, Err: &errb}
		return Run(g, args), out.String(), errb.String()
	}

	code, out, _ := stdin(string(doc), "supply", "epcis-hash", "-", "--prehash")
	if code != ExitOK || !strings.Contains(out, "\npre-hash of event 1:\n"+pres[1]+"\n") || !strings.Contains(out, "0      ObjectEvent  "+hashes[0]+"\n") {
		t.Errorf("stdin --prehash: exit %d:\n%s", code, out)
	}

	// One event on its own, with its own @context.
	event := `{"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"], "type": "ObjectEvent",
		"eventTime": "2019-10-21T14:45:00Z", "eventTimeZoneOffset": "+01:00", "epcList": ["https://id.gs1.org/00/040123451111111127"],
		"action": "OBSERVE", "bizStep": "inspecting", "disposition": "in_progress", "readPoint": {"id": "https://id.gs1.org/414/4012345000245/254/1"}}`
	code, out, errOut := stdin(event, "supply", "epcis-hash", "-")
	if code != ExitOK || errOut != "" || !strings.Contains(out, "0      ObjectEvent  "+hashes[1]+"\n") {
		t.Errorf("one event: exit %d, stderr %q:\n%s", code, errOut, out)
	}

	// Invalid against GS1's schema (no action): hashed, with a warning.
	code, out, errOut = run(t, nil, "supply", "epcis-hash", "../epcis/testdata/openepcis/Capture/Invalid/Combination_of_events_with_missing_mandatory_fields.json")
	if code != ExitOK || strings.Count(out, "ni:///sha-256;") != 2 || !strings.Contains(errOut, "warning:") || !strings.Contains(errOut, `/epcisBody/eventList/0: missing property "action"`) {
		t.Errorf("invalid document: exit %d, stderr %q:\n%s", code, errOut, out)
	}

	for _, tc := range []struct {
		args   []string
		in     string
		code   int
		stderr string
	}{
		{[]string{"supply", "epcis-hash"}, "", ExitUsage, "accepts 1 arg"},
		{[]string{"supply", "epcis-hash", "no-such.json"}, "", ExitUsage, "no file no-such.json"},
		{[]string{"supply", "epcis-hash", "-"}, `{"type": "EPCISDocument",`, ExitFailed, "cannot hash stdin: epcis: invalid JSON"},
		{[]string{"supply", "epcis-hash", "-"}, `{"hello": "world"}`, ExitFailed, "neither an EPCIS document (no epcisBody) nor an EPCIS event (no type)"},
	} {
		if code, _, errOut := stdin(tc.in, tc.args...); code != tc.code || !strings.Contains(errOut, tc.stderr) {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q", tc.args, code, errOut, tc.code, tc.stderr)
		}
	}
	if code, out, _ := run(t, nil, "supply", "epcis-hash", "--help"); code != ExitOK || !strings.Contains(out, "Example:\n  medchain supply epcis-hash ") {
		t.Errorf("--help: exit %d:\n%s", code, out)
	}
}

// TestSupplyImportEPCISClassLevelAggregation: against a real node, the dry
// run of a document whose AggregationEvent packs by quantity
// (childQuantityList, no childEPCs) fails with supply.invalid_document
// saying which event and what to send instead, and so does the import,
// before anything is signed. Both used to say "pack 0 items".
func TestSupplyImportEPCISClassLevelAggregation(t *testing.T) {
	h, err := apitest.Start(apitest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	node := client.New(h.URL)
	// OpenEPCIS's capture example: 52 kg of a lot packed into an SSCC.
	const doc = "../epcis/testdata/openepcis/Capture/Documents/AggregationEvent_with_sensorData.json"
	for _, args := range [][]string{
		{"supply", "import-epcis", doc, "--dry-run"},
		{"supply", "import-epcis", doc, "--as", "vaxco-logistics"},
	} {
		code, out, errOut := run(t, node, args...)
		if code != ExitFailed || strings.Contains(out, "pack") {
			t.Errorf("%q: exit %d, stdout %q", args, code, out)
		}
		for _, want := range []string{"supply.invalid_document", "event 0 (AggregationEvent ADD packing)",
			"class-level aggregation by quantity (childQuantityList) is not tracked per item on this ledger", "in childEPCs instead"} {
			if !strings.Contains(errOut, want) {
				t.Errorf("%q: stderr %q lacks %q", args, errOut, want)
			}
		}
	}
}
