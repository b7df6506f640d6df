package fhirdoc

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The Synthea patient bundles, with their entry counts.
var synthea = []struct {
	file                  string
	entries               int
	given, family, birth  string
	ssn, passport, street string
}{
	{"Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json", 70, "Clemente", "Kreiger", "1984-07-02", "", "", ""},
	{"Liz_Conn_27c911c6-f045-4ffa-af5d-6eba57ac94b2.json", 73, "Liz", "Conn", "1986-11-28", "999-34-1238", "X36509516X", "391 Cassin Plaza"},
	{"Luigi_Wiegand_e27d88b0-c5e5-4042-ad49-184f6a900ee3.json", 61, "Luigi", "Wiegand", "2020-10-20", "", "", ""},
}

func TestValidateExamples(t *testing.T) {
	tests := []struct {
		file    string
		typ     string
		types   []string
		entries int
	}{
		{"Observation-f001.json", "Observation", []string{"Observation"}, 0},
		{"Patient-example.json", "Patient", []string{"Patient"}, 0},
		{"Claim-100150.json", "Claim", []string{"Claim"}, 0},
		{"Coverage-9876B1.json", "Coverage", []string{"Coverage"}, 0},
		{"Practitioner-f005.json", "Practitioner", []string{"Practitioner"}, 0},
		{"Consent-consent-example-basic.json", "Consent", []string{"Consent"}, 0},
		{"Bundle-bundle-transaction.json", "Bundle", []string{"Bundle", "Parameters", "Patient"}, 10},
		// A transaction-response with a Bundle inside: its entries count
		// too.
		{"Bundle-bundle-response.json", "Bundle", []string{"Bundle", "Parameters", "Patient"}, 10},
		{synthea[0].file, "Bundle", []string{"Bundle", "Claim", "Condition", "DiagnosticReport", "Encounter", "ExplanationOfBenefit", "Immunization", "Observation", "Organization", "Patient", "Practitioner", "Procedure"}, 70},
		{synthea[1].file, "Bundle", []string{"Bundle", "CarePlan", "Claim", "Condition", "DiagnosticReport", "Encounter", "ExplanationOfBenefit", "Immunization", "MedicationRequest", "Observation", "Organization", "Patient", "Practitioner", "Procedure"}, 73},
		{synthea[2].file, "Bundle", []string{"Bundle", "Claim", "DiagnosticReport", "Encounter", "ExplanationOfBenefit", "Immunization", "Observation", "Organization", "Patient", "Practitioner", "Procedure"}, 61},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			info, err := Validate(readTestdata(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			want := Info{ResourceType: tt.typ, Types: tt.types, Entries: tt.entries}
			if !infoEqual(info, want) {
				t.Errorf("Validate = %+v, want %+v", info, want)
			}
		})
	}
	// Every Consent example is valid FHIR (ParseConsent refuses most of
	// them for other reasons).
	consents, _ := filepath.Glob("testdata/Consent-*.json")
	if len(consents) != 8 {
		t.Fatalf("%d Consent examples, want 8", len(consents))
	}
	for _, f := range consents {
		b, _ := os.ReadFile(f)
		if info, err := Validate(b); err != nil || info.ResourceType != "Consent" {
			t.Errorf("%s: %+v, %v", f, info, err)
		}
	}
}

func infoEqual(a, b Info) bool {
	return a.ResourceType == b.ResourceType && a.Entries == b.Entries && slices.Equal(a.Types, b.Types)
}

func TestValidateInvalid(t *testing.T) {
	const (
		obs     = `"resourceType":"Observation","status":"final","code":{"text":"x"}`
		missing = "missing required field"
	)
	tests := []struct {
		name string
		doc  string
		path string
		msg  string
	}{
		// Bad codes.
		{"bad enum", `{"resourceType":"Observation","status":"bogus","code":{"text":"x"}}`,
			"Observation.status", "invalid code: not one of the codes of ObservationStatusCode"},
		{"bad enum in entry", `{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient"}},{"resource":{"resourceType":"Patient","gender":"f"}}]}`,
			"Bundle.entry[1].resource.gender", "invalid code: not one of the codes of AdministrativeGenderCode"},
		{"bad code format in a choice", `{` + obs + `,"valueCodeableConcept":{"coding":[{"code":" x"}]}}`,
			"Observation.valueCodeableConcept.coding[0].code", "invalid Code format"},
		{"bad code format in a choice in an entry", `{"resourceType":"Bundle","type":"collection","entry":[{"resource":{` + obs + `,"valueCodeableConcept":{"coding":[{"code":" x"}]}}}]}`,
			"Bundle.entry[0].resource.valueCodeableConcept.coding[0].code", "invalid Code format"},
		{"bad id", `{"resourceType":"Patient","id":"no spaces allowed"}`, "Patient.id", "invalid Id format"},
		// Bad dates.
		{"bad date", `{"resourceType":"Patient","birthDate":"1990-02-31"}`,
			"Patient.birthDate", "invalid date: expected YYYY, YYYY-MM or YYYY-MM-DD, a real calendar date"},
		{"bad date in entry 3", `{"resourceType":"Bundle","type":"collection","entry":[{},{},{},{"resource":{"resourceType":"Patient","birthDate":"28/11/1986"}}]}`,
			"Bundle.entry[3].resource.birthDate", "invalid date: expected YYYY, YYYY-MM or YYYY-MM-DD, a real calendar date"},
		{"bad dateTime in a choice", `{` + obs + `,"effectiveDateTime":"2020-13-45"}`,
			"Observation.effectiveDateTime", "invalid dateTime: expected YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss with a time zone"},
		{"dateTime without zone", `{` + obs + `,"effectivePeriod":{"start":"2020-01-01T10:00:00"}}`,
			"Observation.effectivePeriod.start", "invalid dateTime: expected YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss with a time zone"},
		{"bad instant", `{` + obs + `,"issued":"2020-01-01"}`,
			"Observation.issued", "invalid instant: expected YYYY-MM-DDThh:mm:ss[.sss] with a time zone"},
		// Missing required fields.
		{"missing status", `{"resourceType":"Observation","code":{"text":"x"}}`, "Observation.status", missing},
		{"missing status in entry 3", `{"resourceType":"Bundle","type":"collection","entry":[{},{},{},{"resource":{"resourceType":"Observation","code":{"text":"x"}}}]}`,
			"Bundle.entry[3].resource.status", missing},
		{"missing in backbone", `{` + obs + `,"component":[{"valueString":"x"}]}`, "Observation.component[0].code", missing},
		{"missing choice", `{"resourceType":"MedicationRequest","status":"active","intent":"order","subject":{"reference":"Patient/1"}}`,
			"MedicationRequest.medication[x]", missing},
		{"missing Bundle.type", `{"resourceType":"Bundle"}`, "Bundle.type", missing},
		// Unknown fields.
		{"unknown field", `{` + obs + `,"foo":1}`, "Observation.foo", "unknown field"},
		{"unknown nested field", `{"resourceType":"Patient","name":[{"family":"x","nickname":"y"}]}`, "Patient.name[0].nickname", "unknown field"},
		{"unknown choice type", `{"resourceType":"Patient","deceasedFoo":true}`, "Patient.deceasedFoo", "unknown field"},
		{"unknown field in entry", `{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","colour":"x"}}]}`,
			"Bundle.entry[0].resource.colour", "unknown field"},
		{"unknown field in contained", `{"resourceType":"Patient","contained":[{"resourceType":"Organization","foo":1}]}`,
			"Patient.contained[0].foo", "unknown field"},
		{"two choice values", `{"resourceType":"Patient","deceasedBoolean":true,"deceasedDateTime":"2020"}`,
			"Patient.deceased[x]", "more than one value: a choice element takes one of its types"},
		// Wrong JSON types.
		{"object expected", `{"resourceType":"Observation","status":"final","code":"x"}`, "Observation.code", "wrong JSON type: expected an object"},
		{"array expected", `{"resourceType":"Patient","name":{"family":"x"}}`, "Patient.name", "wrong JSON type: expected an array"},
		{"boolean expected", `{"resourceType":"Patient","active":"yes"}`, "Patient.active", "expected boolean"},
		{"string expected", `{"resourceType":"Patient","name":[{"given":["a",3]}]}`, "Patient.name[0].given[1]", "expected string"},
		{"code expected", `{"resourceType":"Observation","status":3,"code":{"text":"x"}}`, "Observation.status", "expected code"},
		{"decimal expected", `{` + obs + `,"valueQuantity":{"value":"1.5"}}`, "Observation.valueQuantity.value", "expected decimal"},
		// References.
		{"wrong reference type", `{` + obs + `,"subject":{"reference":"Observation/1"}}`,
			"Observation.subject", "invalid reference to a Observation resource, want Patient, Group, Device, Location"},
		// The document as a whole.
		{"empty", ``, "", "empty document: expected a FHIR resource in JSON"},
		{"blank", " \n\t", "", "empty document: expected a FHIR resource in JSON"},
		{"not JSON", `resourceType: Patient`, "", "not JSON: invalid character 'r' looking for beginning of value (at byte 1)"},
		{"truncated JSON", `{"resourceType":"Patient"`, "", "not JSON: unexpected end of JSON input (at byte 25)"},
		{"trailing garbage", `{"resourceType":"Patient"} x`, "", "not JSON: invalid character 'x' after top-level value (at byte 28)"},
		{"array", `[{"resourceType":"Patient"}]`, "", "a JSON array, not a FHIR resource: send one resource (several go in a Bundle)"},
		{"string", `"Patient"`, "", "a JSON string, not a FHIR resource: expected a JSON object"},
		{"number", `42`, "", "a JSON number, not a FHIR resource: expected a JSON object"},
		{"null", `null`, "", "JSON null, not a FHIR resource: expected a JSON object"},
		{"number out of range", `{` + obs + `,"valueQuantity":{"value":1e400}}`, "", "invalid JSON: invalid number"},
		{"missing resourceType", `{"id":"x"}`, "resourceType", "missing required field: a FHIR resource names its type in resourceType"},
		{"missing resourceType in entry", `{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"id":"x"}}]}`,
			"Bundle.entry[0].resource.resourceType", "missing required field: a FHIR resource names its type in resourceType"},
		{"resourceType not a string", `{"resourceType":5}`, "resourceType", "must be a string naming a FHIR resource type"},
		{"unknown resourceType", `{"resourceType":"Patients"}`, "resourceType", `unknown resource type "Patients"`},
		{"unknown resourceType in entry", `{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Foo"}}]}`,
			"Bundle.entry[0].resource.resourceType", `unknown resource type "Foo"`},
		{"STU3 resourceType", `{"resourceType":"ProcedureRequest","status":"active","intent":"order","subject":{"reference":"Patient/1"}}`,
			"resourceType", `unknown resource type "ProcedureRequest"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Validate([]byte(tt.doc))
			checkError(t, err, tt.path, tt.msg, false)
		})
	}
}

// checkError asserts err is exactly the *Error{path, msg}.
func checkError(t *testing.T, err error, path, msg string, unsupported bool) {
	t.Helper()
	var fe *Error
	if !errors.As(err, &fe) {
		t.Fatalf("error = %v (%T), want *Error{%q, %q}", err, err, path, msg)
	}
	want := Error{Path: path, Msg: msg, Unsupported: unsupported}
	if *fe != want {
		t.Fatalf("error = %#v\n want %#v", *fe, want)
	}
	wantIs := ErrInvalid
	if unsupported {
		wantIs = ErrUnsupported
	}
	if !errors.Is(err, wantIs) || errors.Is(err, ErrUnsupported) == errors.Is(err, ErrInvalid) {
		t.Errorf("errors.Is(err, %v) = false", wantIs)
	}
}

func TestValidateErrorString(t *testing.T) {
	_, err := Validate([]byte(`{"resourceType":"Observation","code":{"text":"x"}}`))
	if got, want := err.Error(), "fhir: Observation.status: missing required field"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	_, err = Validate(nil)
	if got, want := err.Error(), "fhir: empty document: expected a FHIR resource in JSON"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// Official examples that google/fhir rejects: real documents, real paths.
func TestValidateInvalidExamples(t *testing.T) {
	tests := []struct{ file, path, msg string }{
		{"Observation-clinical-gender.json", "Observation.performer[0]",
			"invalid reference to a Encounter resource, want Practitioner, PractitionerRole, Organization, CareTeam, Patient, RelatedPerson"},
		{"MedicationRequest-medrx0301.json", "MedicationRequest.dispenseRequest.performer",
			"invalid reference to a Practitioner resource, want Organization"},
	}
	for _, tt := range tests {
		_, err := Validate(readTestdata(t, tt.file))
		checkError(t, err, tt.path, tt.msg, false)
	}
}

// Error messages never repeat the document's values.
func TestValidateErrorsKeepValuesOut(t *testing.T) {
	for _, doc := range []string{
		`{"resourceType":"Patient","birthDate":"1986-11-31"}`,
		`{"resourceType":"Patient","gender":"1986-11-31"}`,
		`{"resourceType":"Patient","active":"1986-11-31"}`,
		`{"resourceType":"Patient","id":"1986-11-31 x"}`,
		`{"resourceType":"Observation","status":"final","code":{"text":"1986-11-31"},"valueQuantity":{"value":1e400}}`,
	} {
		_, err := Validate([]byte(doc))
		if err == nil || strings.Contains(err.Error(), "1986") {
			t.Errorf("%s: error %v", doc, err)
		}
	}
}

// With several problems the error is the first in path order, whatever
// order google/fhir found them in.
func TestValidateFirstErrorIsStable(t *testing.T) {
	doc := []byte(`{"resourceType":"Bundle","type":"collection","entry":[` +
		`{"resource":{"resourceType":"Patient","zz":1,"gender":"x","birthDate":"x","aa":2}},` +
		`{"resource":{"resourceType":"Observation","code":{"text":"x"}}},` + strings.Repeat(`{},`, 8) +
		`{"resource":{"resourceType":"Patient","birthDate":"x"}}]}`)
	for range 20 {
		_, err := Validate(doc)
		checkError(t, err, "Bundle.entry[0].resource.aa", "unknown field", false)
	}
	if comparePaths("Bundle.entry[2].resource", "Bundle.entry[10]") >= 0 ||
		comparePaths("Patient", "Patient.name") >= 0 ||
		comparePaths("", "Patient") >= 0 {
		t.Error("comparePaths does not order by element, then index")
	}
}

func TestValidateSize(t *testing.T) {
	doc := []byte(`{"resourceType":"Basic","code":{"text":"` + strings.Repeat("x", MaxSize) + `"}}`)
	_, err := Validate(doc)
	checkError(t, err, "", fmt.Sprintf("document is %d bytes, over the limit of 16777216 bytes (16 MiB)", len(doc)), false)
	// At the limit, the parser decides.
	doc = []byte(`{"resourceType":"Basic","code":{"text":"` + strings.Repeat("x", MaxSize-50) + `"}}`)
	_, err = Validate(doc)
	checkError(t, err, "Basic.code.text", "string exceeds maximum size of 1 MB", false)
}

func TestValidateConcurrently(t *testing.T) {
	docs := [][]byte{readTestdata(t, synthea[0].file), readTestdata(t, "Patient-example.json"), []byte(`{"resourceType":"Observation"}`)}
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Go(func() {
			doc := docs[i%len(docs)]
			_, err := Validate(doc)
			if bytes.Equal(doc, docs[2]) != (err != nil) {
				t.Errorf("doc %d: %v", i%len(docs), err)
			}
		})
	}
	wg.Wait()
}

func TestNormalizePath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"Observation", "Observation"},
		{"observation.value.quantity.value", "Observation.valueQuantity.value"},
		{"Observation.valueQuantity.value", "Observation.valueQuantity.value"},
		{"Bundle.entry[2].resource.observation.component[1].value.codeableConcept.coding[0]", "Bundle.entry[2].resource.component[1].valueCodeableConcept.coding[0]"},
		{"Bundle.entry[2].resource.Observation.component[1].valueCodeableConcept", "Bundle.entry[2].resource.component[1].valueCodeableConcept"},
		{"Patient.contained[0].Organization", "Patient.contained[0]"},
		{"Patient._birthDate.extension[0]", "Patient._birthDate.extension[0]"},
		{"Unknown.path", "Unknown.path"},
	}
	for _, tt := range tests {
		if got, _ := normalizePath(tt.in); got != tt.want {
			t.Errorf("normalizePath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func BenchmarkValidateSyntheaBundle(b *testing.B) {
	doc := readTestdata(b, synthea[1].file)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Validate(doc); err != nil {
			b.Fatal(err)
		}
	}
}
