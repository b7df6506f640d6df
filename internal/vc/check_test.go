package vc

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// w3cSuite classifies every input of the W3C VC test suite (VC Data Model
// 1.0 inputs, testdata/w3c): "" for a document to accept, else the rule
// the document breaks. A file missing from the table fails the test.
var w3cSuite = map[string]string{
	"example-1.jsonld":                                     "",
	"example-1-object-context.jsonld":                      "",
	"example-1-bad-url.jsonld":                             "context.base_first",
	"example-2.jsonld":                                     "",
	"example-2-bad-cardinality.jsonld":                     "id.single",
	"example-3.jsonld":                                     "",
	"example-3-bad-cardinality.jsonld":                     "type.verifiable_credential",
	"example-4.jsonld":                                     "",
	"example-4-bad-issuer-cardinality.jsonld":              "issuer.single",
	"example-4-bad-issuer-uri.jsonld":                      "issuer.url",
	"example-4-bad-missing-issuanceDate.jsonld":            "issuance_date.required",
	"example-4-bad-issuanceDate-cardinality.jsonld":        "issuance_date.single",
	"example-5.jsonld":                                     "",
	"example-5-bad-proof-missing-type.jsonld":              "proof.type",
	"example-6.jsonld":                                     "",
	"example-6-bad-cardinality.jsonld":                     "expiration_date.single",
	"example-7.jsonld":                                     "",
	"example-7-bad-missing-type.jsonld":                    "credential_status.type",
	"example-8.jsonld":                                     "",
	"example-8-bad-missing-proof-type.jsonld":              "proof.type",
	"example-009.jsonld":                                   "",
	"example-010.jsonld":                                   "",
	"example-011.jsonld":                                   "",
	"example-012.jsonld":                                   "",
	"example-013.jsonld":                                   "",
	"example-014-credential-subjects.jsonld":               "",
	"example-015-zkp.jsonld":                               "",
	"example-015-zkp-credential-schema-array.jsonld":       "",
	"example-015-zkp-bad-no-credential-schema.jsonld":      "credential_schema.zkp",
	"example-015-zkp-bad-no-credential-schema-id.jsonld":   "credential_schema.id",
	"example-015-zkp-bad-no-credential-schema-type.jsonld": "credential_schema.type",
	"example-015-zkp-bad-proof-missing-type.jsonld":        "proof.type",
	"example-015-zkp-vp.jsonld":                            "",
	"example-015-zkp-vp-bad-missing-proof.jsonld":          "presentation.proof_zkp",
	"example-015-zkp-vp-bad-no-credential-schema.jsonld":   "credential_schema.zkp",
	"example-016-jwt.jsonld":                               "",
	"example-016-jwt-no-jti.jsonld":                        "",
	"example-016-jwt-with-embedded-proof.jsonld":           "",
	"example-016-jwt-presentation.jsonld":                  "",
	"example-016-jwt-presentation-no-iss.jsonld":           "",
	"example-016-jwt-presentation-no-jti.jsonld":           "",
	"example-017-missing-verifiableCredential.jsonld":      "",
	// The suite's JWT (RS256, signature not checked by Check): its vc
	// claim's first @context is https://w3.org/2018/credentials/v1,
	// without www, which is not the base context.
	"example-016-jwt.jwt.txt": "context.base_first",
}

func TestCheckW3CSuite(t *testing.T) {
	files, err := filepath.Glob("testdata/w3c/*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test suite files: %v", err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		name := filepath.Base(f)
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			want, ok := w3cSuite[name]
			if !ok {
				t.Fatalf("%s is not classified in w3cSuite", name)
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			err = Check(b)
			if want == "" {
				if err != nil {
					t.Fatalf("Check refused a valid document: %v", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != CodeDataModel || e.Rule != want {
				t.Fatalf("Check = %v, want %s [%s]", err, CodeDataModel, want)
			}
			if e.Msg == "" {
				t.Fatal("no message")
			}
		})
	}
	for name := range w3cSuite {
		if !seen[name] {
			t.Errorf("w3cSuite names %s, which is not in testdata/w3c", name)
		}
	}
}

func TestCheckRules(t *testing.T) {
	base := `"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"https://example.edu/issuers/14","credentialSubject":{"id":"did:example:1"}`
	for _, tc := range []struct {
		name, doc, rule string
		code            Code
	}{
		{"v2 valid", `{` + base + `}`, "", ""},
		{"v2 validFrom", `{` + base + `,"validFrom":"2010-01-01T19:23:24Z","validUntil":"2030-01-01T00:00:00+01:00"}`, "", ""},
		{"v2 validFrom without zone", `{` + base + `,"validFrom":"2010-01-01T19:23:24"}`, "valid_from.format", CodeDataModel},
		{"v2 validUntil before validFrom", `{` + base + `,"validFrom":"2010-01-01T19:23:24Z","validUntil":"2009-01-01T00:00:00Z"}`, "valid_until.order", CodeDataModel},
		{"bad date", `{` + base + `,"validFrom":"1 January 2010"}`, "valid_from.format", CodeDataModel},
		{"issuer object", `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":{"id":"did:example:x","name":"X"},"credentialSubject":{}}`, "", ""},
		{"issuer object without id", `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":{"name":"X"},"credentialSubject":{}}`, "issuer.url", CodeDataModel},
		{"no subject", `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"did:example:x"}`, "credential_subject.required", CodeDataModel},
		{"subject string", `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"did:example:x","credentialSubject":"x"}`, "credential_subject.object", CodeDataModel},
		{"subject id not URL", `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"did:example:x","credentialSubject":{"id":"jane"}}`, "credential_subject.id.url", CodeDataModel},
		{"no context", `{"type":["VerifiableCredential"]}`, "context.required", CodeDataModel},
		{"no VerifiableCredential type", `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["Degree"],"issuer":"did:example:x","credentialSubject":{}}`, "type.verifiable_credential", CodeDataModel},
		{"status without id", `{` + base + `,"credentialStatus":{"type":"BitstringStatusListEntry"}}`, "credential_status.id", CodeDataModel},
		{"schema without type", `{` + base + `,"credentialSchema":{"id":"https://example.org/s.json"}}`, "credential_schema.type", CodeDataModel},
		{"not JSON", `{"@context":`, "", CodeMalformed},
		{"array", `[]`, "", CodeMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Check([]byte(tc.doc))
			if tc.code == "" {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != tc.code || e.Rule != tc.rule {
				t.Fatalf("Check = %v, want %s [%s]", err, tc.code, tc.rule)
			}
		})
	}
}
