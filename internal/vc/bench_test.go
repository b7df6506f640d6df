package vc

import (
	"strings"
	"testing"
)

// BenchmarkVerifySHC: one SMART Health Card from its compact JWS: header,
// inflate, ES256 signature, times, CRL, FHIR Bundle.
func BenchmarkVerifySHC(b *testing.B) {
	jws := strings.TrimSpace(string(read(b, "testdata/shc/example-00-d-jws.txt")))
	o := shcOptions(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := VerifySHC(jws, o); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifySHCQR: the same card from its shc:/ QR numeric string.
func BenchmarkVerifySHCQR(b *testing.B) {
	qr := read(b, "testdata/shc/example-00-f-qr-code-numeric-value-0.txt")
	o := shcOptions(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(qr, o); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyJWT: one VC 2.0 vc+jwt: EdDSA signature, data model,
// validity period.
func BenchmarkVerifyJWT(b *testing.B) {
	jwt := strings.TrimSpace(string(read(b, "testdata/vcjwt/licence-v2.jwt")))
	o := jwtOptions(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := VerifyJWT(jwt, o); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheck: the data-model check of one W3C VC.
func BenchmarkCheck(b *testing.B) {
	doc := read(b, "testdata/w3c/example-013.jsonld")
	b.ReportAllocs()
	for b.Loop() {
		if err := Check(doc); err != nil {
			b.Fatal(err)
		}
	}
}
