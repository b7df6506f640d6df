package epcis

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// fuzzSeeds are the package's test documents (copies of shared/data/epcis,
// see testdata/SOURCES.md), valid and invalid, documents and standalone
// events. testdata/fuzz/FuzzDocument adds OpenEPCIS query documents.
var fuzzSeeds = []string{
	"testdata/gs1-epcis/JSON/*.jsonld",
	"testdata/gs1-epcis/JSON/*/*.jsonld",
	"testdata/openepcis/Capture/Documents/*.json",
	"testdata/openepcis/Capture/Events/*.json",
	"testdata/openepcis/Capture/Invalid/*.json",
	vectorDir + "*.jsonld",
}

// FuzzDocument feeds arbitrary bytes to everything that reads an EPCIS
// document from outside: ValidateDocument, Parse, DocumentHashes, Hashes,
// ValidateEvent and EventHash. None may panic; validation answers nil or a
// *ValidationError and answers the same twice; Parse accepts exactly what
// validates (unless it refuses with an epcis error of its own); what parses
// parses the same twice, and its event hashes are DocumentHashes' and do not
// depend on insignificant whitespace.
func FuzzDocument(f *testing.F) {
	for _, path := range glob(f, fuzzSeeds...) {
		f.Add(readFile(f, path))
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"type":"EPCISDocument","epcisBody":{"eventList":[{}]}}`))
	f.Fuzz(checkDocument)
}

// checkDocument is FuzzDocument's property, shared with FuzzEventFields.
func checkDocument(t *testing.T, raw []byte) {
	verr := ValidateDocument(raw)
	checkValidationError(t, "ValidateDocument", verr)
	if again := ValidateDocument(raw); errText(again) != errText(verr) {
		t.Fatalf("ValidateDocument twice: %q, then %q", errText(verr), errText(again))
	}

	doc, perr := Parse(raw)
	switch {
	case verr != nil && errText(perr) != errText(verr):
		t.Fatalf("Parse of an invalid document: %q, ValidateDocument: %q", errText(perr), errText(verr))
	case verr == nil && perr != nil:
		var ve *ValidationError
		if errors.As(perr, &ve) || !strings.HasPrefix(perr.Error(), "epcis: ") {
			t.Fatalf("Parse of a valid document: error without the package prefix: %v", perr)
		}
	}

	hashes, herr := DocumentHashes(raw)
	if again, err := DocumentHashes(raw); errText(err) != errText(herr) || !slices.Equal(again, hashes) {
		t.Fatalf("DocumentHashes twice: %v %v, then %v %v", hashes, herr, again, err)
	}
	for _, h := range hashes {
		if !strings.HasPrefix(h, "ni:///sha-256;") || !strings.HasSuffix(h, "?ver=CBV2.0") {
			t.Fatalf("hash %q is not an RFC 6920 CBV 2.0 hash", h)
		}
	}
	// Hashes (supply epcis-hash) agrees with DocumentHashes on whatever
	// DocumentHashes hashes.
	if all, err := Hashes(raw); herr == nil {
		if err != nil || len(all) != len(hashes) {
			t.Fatalf("Hashes: %v, %v; DocumentHashes: %v", all, err, hashes)
		}
		for i, e := range all {
			if e.Hash != hashes[i] || HashOf(e.PreHash) != e.Hash {
				t.Fatalf("Hashes event %d: %+v, DocumentHashes %s", i, e, hashes[i])
			}
		}
	}

	if perr == nil {
		again, err := Parse(raw)
		if err != nil || !reflect.DeepEqual(again, doc) {
			t.Fatalf("Parse twice: %+v, then %+v, %v", doc, again, err)
		}
		if herr != nil {
			t.Fatalf("a parsed document has no hashes: %v", herr)
		}
		if len(hashes) != len(doc.Events) {
			t.Fatalf("Parse gave %d events, DocumentHashes %d hashes", len(doc.Events), len(hashes))
		}
		for i, e := range doc.Events {
			if e.Hash != hashes[i] {
				t.Fatalf("event %d: Parse hash %s, DocumentHashes %s", i, e.Hash, hashes[i])
			}
		}
		// Whitespace between tokens is not part of the document.
		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil {
			t.Fatalf("a parsed document does not compact: %v", err)
		}
		if err := ValidateDocument(compact.Bytes()); err != nil {
			t.Fatalf("compacted, the document no longer validates: %v", err)
		}
		if ch, err := DocumentHashes(compact.Bytes()); err != nil || !slices.Equal(ch, hashes) {
			t.Fatalf("compacted, the hashes change: %v %v, were %v", ch, err, hashes)
		}
	}

	everr := ValidateEvent(raw)
	checkValidationError(t, "ValidateEvent", everr)
	h1, err1 := EventHash(raw)
	h2, err2 := EventHash(raw)
	if h1 != h2 || errText(err1) != errText(err2) {
		t.Fatalf("EventHash twice: %q %v, then %q %v", h1, err1, h2, err2)
	}
}

// FuzzEventFields checks FuzzDocument's properties on a valid document
// (ObjectEvent with a quantity and a sensor report) whose values the
// fuzzer chooses: times and offset, an EPC, an EPC class, a business step,
// a read point, a decimal and a unit. These are what the event hash
// canonicalises (times to UTC milliseconds, GS1 identifiers to Digital
// Link, decimals to plain notation, CBV values to URIs); byte mutations of
// whole documents seldom reach them with the schema still satisfied.
func FuzzEventFields(f *testing.F) {
	f.Add("2022-02-16T15:00:00.000+01:00", "+01:00", "urn:epc:id:sgtin:4012345.011111.9876", "urn:epc:class:lgtin:4012345.011111.4444",
		"inspecting", "urn:epc:id:sgln:4012345.00005.0", "26.10", "CEL")
	f.Add("2005-04-03T20:33:31.116-06:00", "-06:00", "https://id.gs1.org/01/09521234543213/21/1234", "https://example.com/01/09521234543213/10/LOT",
		"shipping", "https://id.gs1.org/414/9521234543213", "1e3", "KGM")
	f.Add("2022-02-16T15:00:00Z", "+00:00", "urn:epc:id:sscc:0614141.1234567890", "urn:epc:idpat:sgtin:4012345.011111.*",
		"https://example.com/steps/custom", "urn:epc:id:sgln:0614141.00777.0", "-0.000", "KGM")
	f.Fuzz(func(t *testing.T, eventTime, offset, epc, epcClass, bizStep, readPoint, decimal, uom string) {
		q := func(s string) string {
			b, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		// The decimal goes in as a JSON number, written as given.
		raw := `{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],` +
			`"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2022-02-17T11:30:47.0Z",` +
			`"epcisBody":{"eventList":[{"type":"ObjectEvent","eventTime":` + q(eventTime) +
			`,"eventTimeZoneOffset":` + q(offset) + `,"epcList":[` + q(epc) + `],"action":"OBSERVE",` +
			`"bizStep":` + q(bizStep) + `,"readPoint":{"id":` + q(readPoint) + `},` +
			`"quantityList":[{"epcClass":` + q(epcClass) + `,"quantity":` + decimal + `,"uom":` + q(uom) + `}],` +
			`"sensorElementList":[{"sensorMetadata":{"time":` + q(eventTime) + `},"sensorReport":[{"type":"Temperature","value":` + decimal + `,"uom":"CEL"}]}]}]}}`
		checkDocument(t, []byte(raw))
	})
}

// checkValidationError: a validation error is a *ValidationError with at
// least one problem; any other type means the embedded schema is broken.
func checkValidationError(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("%s: %T is not a *ValidationError: %v", what, err, err)
	}
	if len(ve.Problems) == 0 || ve.Error() == "" {
		t.Fatalf("%s: a ValidationError without problems", what)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
