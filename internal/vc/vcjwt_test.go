package vc

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

var update = flag.Bool("update", false, "rewrite testdata/vcjwt")

// testIssuerKey is the fictional medical board's key: from a fixed seed,
// so testdata/vcjwt is the same on every run (Ed25519 is deterministic).
var testIssuerKey = ed25519.NewKeyFromSeed([]byte("medchain-vc-test-issuer-seed-001"))

const testKid = "board-key-1"

func signJWT(t testing.TB, header map[jose.HeaderKey]any, payload any) string {
	t.Helper()
	opts := &jose.SignerOptions{}
	for k, v := range header {
		opts = opts.WithHeader(k, v)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: jose.JSONWebKey{Key: testIssuerKey, KeyID: testKid}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := signer.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func licence(validUntil string) map[string]any {
	return map[string]any{
		"@context":   []any{ContextV2},
		"id":         "urn:uuid:6f1c2b0e-2f0a-4c55-9d7e-3c1b1e0a0001",
		"type":       []any{"VerifiableCredential", "MedicalLicenseCredential"},
		"issuer":     "did:example:medical-board",
		"validFrom":  "2026-01-01T00:00:00Z",
		"validUntil": validUntil,
		"credentialSubject": map[string]any{
			"id":      "did:example:physician-1",
			"licence": map[string]any{"jurisdiction": "Example State", "type": "Physician and Surgeon"},
		},
	}
}

// testJWTs are the VC-JWT test files: name → compact JWS.
func testJWTs(t testing.TB) map[string]string {
	vcjwt := map[jose.HeaderKey]any{"typ": "vc+jwt"}
	valid := signJWT(t, vcjwt, licence("2028-01-01T00:00:00Z"))
	p := strings.Split(valid, ".")
	tampered, _ := base64URL(p[1])
	tampered = bytes.Replace(tampered, []byte("Physician and Surgeon"), []byte("Surgeon and Physician"), 1)
	return map[string]string{
		"licence-v2.jwt":          valid,
		"licence-v2-expired.jwt":  signJWT(t, vcjwt, licence("2026-06-01T00:00:00Z")),
		"licence-v2-tampered.jwt": p[0] + "." + base64URLString(tampered) + "." + p[2],
		"licence-v2-alg-none.jwt": b64(`{"alg":"none","typ":"vc+jwt"}`) + "." + p[1] + ".",
		"degree-v1.jwt": signJWT(t, map[jose.HeaderKey]any{"typ": "JWT"}, map[string]any{
			"iss": "did:example:university",
			"sub": "did:example:student-1",
			"jti": "urn:uuid:6f1c2b0e-2f0a-4c55-9d7e-3c1b1e0a0002",
			"nbf": 1719705600, // 2024-06-30
			"vc": map[string]any{
				"@context":          []any{ContextV1},
				"type":              []any{"VerifiableCredential", "UniversityDegreeCredential"},
				"credentialSubject": map[string]any{"degree": map[string]any{"type": "BachelorDegree", "name": "Bachelor of Medicine"}},
			},
		}),
	}
}

func testJWKS(t testing.TB) []byte {
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: testIssuerKey.Public(), KeyID: testKid, Algorithm: "EdDSA", Use: "sig"}}}
	b, err := json.MarshalIndent(set, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// TestVCJWTFiles keeps testdata/vcjwt in step with the code that makes it
// (-update rewrites it).
func TestVCJWTFiles(t *testing.T) {
	files := map[string][]byte{"issuer.jwks.json": testJWKS(t)}
	for n, s := range testJWTs(t) {
		files[n] = []byte(s + "\n")
	}
	for n, want := range files {
		path := filepath.Join("testdata/vcjwt", n)
		if *update {
			if err := os.MkdirAll("testdata/vcjwt", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is stale (%v): run go test -run TestVCJWTFiles -update", path, err)
		}
	}
}

func jwtOptions(t testing.TB) Options {
	keys, err := ParseJWKS(testJWKS(t))
	if err != nil {
		t.Fatal(err)
	}
	return Options{At: at, Issuers: []Issuer{{Keys: keys}}}
}

func TestVerifyJWT(t *testing.T) {
	jwts := testJWTs(t)
	o := jwtOptions(t)

	c, err := VerifyJWT(jwts["licence-v2.jwt"], o)
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != "2.0" || c.Issuer != "did:example:medical-board" || c.KeyID != testKid ||
		c.ValidUntil == nil || !c.ValidUntil.Equal(time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)) ||
		!strings.Contains(string(c.Subject), "Physician and Surgeon") {
		t.Errorf("%+v", c)
	}
	c, err = VerifyJWT(jwts["degree-v1.jwt"], o)
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != "1.1" || c.Issuer != "did:example:university" || c.ID == "" || !strings.Contains(string(c.Subject), `"id":"did:example:student-1"`) {
		t.Errorf("%+v", c)
	}
	r, err := Verify([]byte(jwts["licence-v2.jwt"]+"\n"), o)
	if err != nil || r.Format != "vc-jwt" {
		t.Fatalf("Verify: %v %+v", err, r)
	}

	for _, tc := range []struct {
		name string
		jwt  string
		o    Options
		code Code
	}{
		{"expired", jwts["licence-v2-expired.jwt"], o, CodeExpired},
		{"tampered", jwts["licence-v2-tampered.jwt"], o, CodeBadSignature},
		{"alg none", jwts["licence-v2-alg-none.jwt"], o, CodeUnsupportedAlg},
		{"not yet valid", jwts["licence-v2.jwt"], Options{At: time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC), Issuers: o.Issuers}, CodeNotYetValid},
		{"at validUntil", jwts["licence-v2.jwt"], Options{At: time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC), Issuers: o.Issuers}, CodeExpired},
		{"no keys", jwts["licence-v2.jwt"], Options{At: at}, CodeUnknownIssuer},
		{"ES256 header", b64(`{"alg":"ES256","kid":"board-key-1"}`) + "." + strings.Split(jwts["licence-v2.jwt"], ".")[1] + ".AAAA", o, CodeUnsupportedAlg},
		{"HS256 header", b64(`{"alg":"HS256"}`) + ".e30.AAAA", o, CodeUnsupportedAlg},
		{"two parts", "a.b", o, CodeMalformed},
		{"header not JSON", b64(`{"alg":`) + ".e30.", o, CodeMalformed},
		{"not a credential", signJWT(t, nil, map[string]any{"iss": "did:example:medical-board", "@context": []any{ContextV2}, "type": []any{"VerifiableCredential"}, "issuer": "did:example:medical-board"}), o, CodeDataModel},
		{"iss differs from issuer", signJWT(t, nil, map[string]any{"iss": "did:example:other", "issuer": "did:example:medical-board"}), o, CodeMalformed},
		{"exp a string", signJWT(t, nil, map[string]any{"exp": "2030", "@context": []any{ContextV2}}), o, CodeMalformed},
		{"typ vp+jwt", signJWT(t, map[jose.HeaderKey]any{"typ": "vp+jwt"}, licence("2028-01-01T00:00:00Z")), o, CodeMalformed},
		{"wrong key", signJWTWith(t, ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32)), licence("2028-01-01T00:00:00Z")), o, CodeBadSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := VerifyJWT(tc.jwt, tc.o)
			wantCode(t, err, tc.code)
		})
	}
}

func signJWTWith(t testing.TB, k ed25519.PrivateKey, payload any) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: jose.JSONWebKey{Key: k, KeyID: testKid}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(payload)
	obj, err := signer.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := obj.CompactSerialize()
	return s
}

// A status list encodes and decodes bit for bit (bit 0 the first byte's
// most significant), and the same list encodes to the same string.
func TestStatusListRoundTrip(t *testing.T) {
	set := []uint32{0, 7, 8, 131071}
	enc, err := EncodeStatusList(set, 131072)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := EncodeStatusList(set, 131072); again != enc || enc[0] != 'u' {
		t.Fatalf("encodings differ or lack the multibase prefix: %.20s %.20s", enc, again)
	}
	for _, i := range []int{0, 1, 6, 7, 8, 9, 131070, 131071} {
		on, err := StatusListBit(enc, i)
		want := i == 0 || i == 7 || i == 8 || i == 131071
		if err != nil || on != want {
			t.Fatalf("bit %d: %v %v, want %v", i, on, err, want)
		}
	}
	if _, err := StatusListBit(enc, 131072); CodeOf(err) != CodeMalformed {
		t.Fatalf("index past the end: %v", err)
	}
	if _, err := EncodeStatusList([]uint32{131072}, 131072); err == nil {
		t.Fatal("an index past the end was encoded")
	}
	for _, bad := range []string{"", "zabc", "u!!", "u" + "AAAA"} {
		if _, err := StatusListBit(bad, 0); CodeOf(err) != CodeMalformed {
			t.Fatalf("%q: %v", bad, err)
		}
	}
}
