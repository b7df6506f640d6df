package vc_test

import (
	"fmt"
	"os"
	"time"

	"github.com/medchain/medchain/internal/vc"
)

// Verify a SMART Health Card's QR code against its issuer's keys and
// revocation list.
func ExampleVerify() {
	jwks, _ := os.ReadFile("testdata/shc/issuer/jwks.json")
	crlFile, _ := os.ReadFile("testdata/shc/issuer/crl.json")
	qr, _ := os.ReadFile("testdata/shc/example-00-f-qr-code-numeric-value-0.txt")
	keys, err := vc.ParseJWKS(jwks)
	if err != nil {
		panic(err)
	}
	crl, err := vc.ParseCRL(crlFile)
	if err != nil {
		panic(err)
	}
	r, err := vc.Verify(qr, vc.Options{
		At:      time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		Issuers: []vc.Issuer{{ID: "https://spec.smarthealth.cards/examples/issuer", Keys: keys}},
		CRLs:    []*vc.CRL{crl},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	c := r.Cards[0]
	fmt.Println(c.Issuer)
	fmt.Println(c.Revocation)
	for _, im := range c.Immunization {
		fmt.Println(im.System, im.Code, im.Date)
	}
	// Output:
	// https://spec.smarthealth.cards/examples/issuer
	// not revoked: rid MKyCxh7p6uQ is not in the revocation list (ctr 1)
	// http://hl7.org/fhir/sid/cvx 207 2021-01-01
	// http://hl7.org/fhir/sid/cvx 207 2021-01-29
	// http://hl7.org/fhir/sid/cvx 229 2022-09-05
}

// Check a W3C Verifiable Credential against the data model.
func ExampleCheck() {
	err := vc.Check([]byte(`{
	  "@context": ["https://www.w3.org/ns/credentials/v2"],
	  "type": ["VerifiableCredential"],
	  "issuer": "example",
	  "credentialSubject": {"id": "did:example:1"}
	}`))
	fmt.Println(err)
	// Output:
	// vc: vc.data_model [issuer.url]: issuer must be a URL, not "example"
}
