package vc

import (
	"bytes"
	"compress/flate"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// at is the instant the tests verify at: after the example cards' nbf
// (2023-06-22).
var at = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func read(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// shcOptions trusts the example issuer's JWKS (bound to its iss) and CRL.
func shcOptions(t testing.TB) Options {
	keys, err := ParseJWKS(read(t, "testdata/shc/issuer/jwks.json"))
	if err != nil {
		t.Fatal(err)
	}
	crl, err := ParseCRL(read(t, "testdata/shc/issuer/crl.json"))
	if err != nil {
		t.Fatal(err)
	}
	return Options{At: at, Issuers: []Issuer{{ID: "https://spec.smarthealth.cards/examples/issuer", Keys: keys}}, CRLs: []*CRL{crl}}
}

func qrChunks(t testing.TB, names ...string) []byte {
	var b []byte
	for _, n := range names {
		b = append(b, read(t, "testdata/shc/"+n)...)
		b = append(b, '\n')
	}
	return b
}

func TestVerifySHCExamples(t *testing.T) {
	o := shcOptions(t)
	for _, tc := range []struct {
		name string
		in   []byte
		rid  string
		imm  bool
	}{
		{"00 file", read(t, "testdata/shc/example-00-e-file.smart-health-card.json"), "MKyCxh7p6uQ", true},
		{"00 jws", read(t, "testdata/shc/example-00-d-jws.txt"), "MKyCxh7p6uQ", true},
		{"00 qr", qrChunks(t, "example-00-f-qr-code-numeric-value-0.txt"), "MKyCxh7p6uQ", true},
		{"02 file", read(t, "testdata/shc/example-02-e-file.smart-health-card.json"), "YjKhdFoxL_g", false},
		{"02 jws", read(t, "testdata/shc/example-02-d-jws.txt"), "YjKhdFoxL_g", false},
		{"02 qr chunks in order", qrChunks(t, "example-02-f-qr-code-numeric-value-0.txt", "example-02-f-qr-code-numeric-value-1.txt", "example-02-f-qr-code-numeric-value-2.txt"), "YjKhdFoxL_g", false},
		{"02 qr chunks out of order", qrChunks(t, "example-02-f-qr-code-numeric-value-2.txt", "example-02-f-qr-code-numeric-value-0.txt", "example-02-f-qr-code-numeric-value-1.txt"), "YjKhdFoxL_g", false},
		{"02 qr chunks run together", bytes.Join([][]byte{read(t, "testdata/shc/example-02-f-qr-code-numeric-value-1.txt"), read(t, "testdata/shc/example-02-f-qr-code-numeric-value-0.txt"), read(t, "testdata/shc/example-02-f-qr-code-numeric-value-2.txt")}, nil), "YjKhdFoxL_g", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Verify(tc.in, o)
			if err != nil {
				t.Fatal(err)
			}
			if r.Format != "smart-health-card" || len(r.Cards) != 1 {
				t.Fatalf("result %+v", r)
			}
			c := r.Cards[0]
			if c.Issuer != "https://spec.smarthealth.cards/examples/issuer" || c.KeyID != "3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s" {
				t.Errorf("issuer %q kid %q", c.Issuer, c.KeyID)
			}
			if c.RevocationID != tc.rid || !strings.HasPrefix(c.Revocation, "not revoked") {
				t.Errorf("rid %q, revocation %q", c.RevocationID, c.Revocation)
			}
			if !tc.imm {
				// Example 02 is a lab result: a DiagnosticReport, its
				// Observations and Specimens.
				if c.Resources["DiagnosticReport"] != 1 || len(c.Observations) != c.Resources["Observation"] || len(c.Observations) == 0 {
					t.Errorf("resources %v", c.Resources)
				}
				return
			}
			if c.Resources["Patient"] != 1 || c.Patient == "" {
				t.Errorf("resources %v, patient %q", c.Resources, c.Patient)
			}
			if len(c.Immunization) == 0 || c.Immunization[0].System != "http://hl7.org/fhir/sid/cvx" || c.Immunization[0].Code == "" || c.Immunization[0].Date == "" {
				t.Errorf("immunizations %+v", c.Immunization)
			}
		})
	}
}

func TestVerifySHCWhatTheCardSays(t *testing.T) {
	r, err := Verify(read(t, "testdata/shc/example-00-d-jws.txt"), shcOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	c := r.Cards[0]
	if c.Patient != "John B. Anyperson" || c.BirthDate != "1951-01-20" {
		t.Errorf("patient %q born %q", c.Patient, c.BirthDate)
	}
	if len(c.Immunization) != 3 || c.Immunization[2].Code != "229" || c.Immunization[0].Code != "207" || c.Immunization[0].Date != "2021-01-01" {
		t.Errorf("immunizations %+v", c.Immunization)
	}
	if want := time.Date(2023, 6, 22, 16, 19, 24, 656e6, time.UTC); !c.ValidFrom.Equal(want) {
		t.Errorf("validFrom %v, want %v", c.ValidFrom, want)
	}
}

func wantCode(t *testing.T, err error, code Code) {
	t.Helper()
	if CodeOf(err) != code {
		t.Fatalf("err = %v, want %s", err, code)
	}
}

func TestVerifySHCRefusals(t *testing.T) {
	jws := strings.TrimSpace(string(read(t, "testdata/shc/example-00-d-jws.txt")))
	parts := strings.Split(jws, ".")
	o := shcOptions(t)

	t.Run("tampered payload", func(t *testing.T) {
		p := []byte(parts[1])
		i := len(p) / 2
		if p[i] == 'A' {
			p[i] = 'B'
		} else {
			p[i] = 'A'
		}
		_, err := VerifySHC(parts[0]+"."+string(p)+"."+parts[2], o)
		if c := CodeOf(err); c != CodeBadSignature && c != CodeMalformed {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("tampered signature", func(t *testing.T) {
		s := []byte(parts[2])
		s[3] ^= 1
		_, err := VerifySHC(parts[0]+"."+parts[1]+"."+string(s), o)
		wantCode(t, err, CodeBadSignature)
	})
	t.Run("alg none", func(t *testing.T) {
		h := b64(`{"zip":"DEF","alg":"none","kid":"3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s"}`)
		_, err := VerifySHC(h+"."+parts[1]+".", o)
		wantCode(t, err, CodeUnsupportedAlg)
	})
	t.Run("alg HS256", func(t *testing.T) {
		h := b64(`{"zip":"DEF","alg":"HS256","kid":"3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s"}`)
		_, err := VerifySHC(h+"."+parts[1]+"."+parts[2], o)
		wantCode(t, err, CodeUnsupportedAlg)
	})
	t.Run("zip other than DEF", func(t *testing.T) {
		h := b64(`{"zip":"GZIP","alg":"ES256","kid":"3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s"}`)
		_, err := VerifySHC(h+"."+parts[1]+"."+parts[2], o)
		wantCode(t, err, CodeUnsupportedAlg)
	})
	t.Run("no issuer keys", func(t *testing.T) {
		_, err := VerifySHC(jws, Options{At: at})
		wantCode(t, err, CodeUnknownIssuer)
		if !Unverifiable(err) {
			t.Fatal("not Unverifiable")
		}
	})
	t.Run("keys of another issuer", func(t *testing.T) {
		o2 := o
		o2.Issuers = []Issuer{{ID: "https://other.example", Keys: o.Issuers[0].Keys}}
		_, err := VerifySHC(jws, o2)
		wantCode(t, err, CodeUnknownIssuer)
	})
	t.Run("unbound keys", func(t *testing.T) {
		o2 := o
		o2.Issuers = []Issuer{{Keys: o.Issuers[0].Keys}}
		if _, err := VerifySHC(jws, o2); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("not yet valid", func(t *testing.T) {
		o2 := o
		o2.At = time.Date(2023, 6, 22, 16, 19, 24, 0, time.UTC)
		_, err := VerifySHC(jws, o2)
		wantCode(t, err, CodeNotYetValid)
	})
	t.Run("no CRL", func(t *testing.T) {
		o2 := o
		o2.CRLs = nil
		c, err := VerifySHC(jws, o2)
		if err != nil || !strings.HasPrefix(c.Revocation, "not checked") {
			t.Fatalf("%v %+v", err, c)
		}
	})
}

func TestVerifySHCRevocation(t *testing.T) {
	jws := string(read(t, "testdata/shc/example-00-d-jws.txt"))
	nbf := time.Date(2023, 6, 22, 16, 19, 24, 656e6, time.UTC).Unix()
	o := shcOptions(t)
	for _, tc := range []struct {
		entry   string
		revoked bool
	}{
		{"MKyCxh7p6uQ", true},
		{"MKyCxh7p6uQ." + itoa(nbf+1), true},  // issued before the timestamp
		{"MKyCxh7p6uQ." + itoa(nbf-1), false}, // issued after it: a reissued card
		{"OTHER", false},
	} {
		t.Run(tc.entry, func(t *testing.T) {
			o.CRLs = []*CRL{{Kid: "3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s", Method: "rid", Ctr: 2, Rids: []string{"FKDIxsTCGlU", tc.entry}}}
			_, err := VerifySHC(jws, o)
			if tc.revoked {
				wantCode(t, err, CodeRevoked)
				if !errors.Is(err, &Error{Code: CodeRevoked}) {
					t.Fatal("errors.Is")
				}
			} else if err != nil {
				t.Fatal(err)
			}
		})
	}
	// A CRL of another key does not apply.
	o.CRLs = []*CRL{{Kid: "EBKOr72QQDcTBUuVzAzkfBTGew0ZA16GuWty64nS-sw", Method: "rid", Rids: []string{"MKyCxh7p6uQ"}}}
	if _, err := VerifySHC(jws, o); err != nil {
		t.Fatal(err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func b64(s string) string { return base64URLString([]byte(s)) }

func TestDecodeQRRefusals(t *testing.T) {
	c0 := strings.TrimSpace(string(read(t, "testdata/shc/example-02-f-qr-code-numeric-value-0.txt")))
	c1 := strings.TrimSpace(string(read(t, "testdata/shc/example-02-f-qr-code-numeric-value-1.txt")))
	c2 := strings.TrimSpace(string(read(t, "testdata/shc/example-02-f-qr-code-numeric-value-2.txt")))
	for name, chunks := range map[string][]string{
		"missing chunk":   {c0, c2},
		"duplicate chunk": {c0, c1, c1},
		"odd digits":      {"shc:/123"},
		"pair above 77":   {"shc:/7899"},
		"not digits":      {"shc:/56ab"},
		"bad index":       {"shc:/4/3/5676"},
		"no prefix":       {"5676"},
		"empty":           {},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := DecodeQR(chunks)
			wantCode(t, err, CodeMalformed)
		})
	}
}

// TestVerifySHCSigned signs cards with a test key to reach the checks the
// examples cannot: exp, and payloads that are not what a card must be.
func TestVerifySHCSigned(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), zeroReader{})
	if err != nil {
		t.Fatal(err)
	}
	jwk := jose.JSONWebKey{Key: &key.PublicKey, Algorithm: "ES256", Use: "sig"}
	tp, _ := jwk.Thumbprint(crypto.SHA256)
	jwk.KeyID = base64URLString(tp)
	o := Options{At: at, Issuers: []Issuer{{ID: "https://issuer.example", Keys: []jose.JSONWebKey{jwk}}}}
	sign := func(payload string) string {
		var buf bytes.Buffer
		w, _ := flate.NewWriter(&buf, flate.BestCompression)
		w.Write([]byte(payload))
		w.Close()
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: jwk.KeyID}},
			(&jose.SignerOptions{}).WithHeader("zip", "DEF"))
		if err != nil {
			t.Fatal(err)
		}
		obj, err := signer.Sign(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		s, _ := obj.CompactSerialize()
		return s
	}
	card := func(extra string) string {
		return `{"iss":"https://issuer.example","nbf":1600000000` + extra + `,"vc":{"type":["https://smarthealth.cards#health-card"],"credentialSubject":{"fhirVersion":"4.0.1","fhirBundle":{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Observation","code":{"coding":[{"system":"http://loinc.org","code":"94558-4"}]},"effectiveDateTime":"2021-02-17","valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"260385009"}]}}}]}}}}`
	}
	c, err := VerifySHC(sign(card(`,"exp":1900000000`)), o)
	if err != nil {
		t.Fatal(err)
	}
	if c.ValidUntil == nil || len(c.Observations) != 1 || c.Observations[0].Value != "260385009" {
		t.Fatalf("%+v", c)
	}
	_, err = VerifySHC(sign(card(`,"exp":1700000000`)), o)
	wantCode(t, err, CodeExpired)
	// A key whose kid is not its thumbprint is not an SHC issuer key.
	bad := o
	badKey := jwk
	badKey.KeyID = "test"
	bad.Issuers = []Issuer{{Keys: []jose.JSONWebKey{badKey}}}
	jwk.KeyID = "test" // the header's kid
	_, err = VerifySHC(sign(card("")), bad)
	wantCode(t, err, CodeUnknownIssuer)
	if !strings.Contains(err.Error(), "thumbprint") {
		t.Fatalf("err = %v, want the thumbprint rule", err)
	}
	jwk.KeyID = o.Issuers[0].Keys[0].KeyID
	_, err = VerifySHC(sign(`{"iss":"https://issuer.example","nbf":1600000000}`), o)
	wantCode(t, err, CodeMalformed)
	_, err = VerifySHC(sign(`{"nbf":1600000000}`), o)
	wantCode(t, err, CodeMalformed)
	_, err = VerifySHC(sign(`[1]`), o)
	wantCode(t, err, CodeMalformed)
}

// zeroReader is a deterministic source for test keys.
type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 7
	}
	return len(p), nil
}
