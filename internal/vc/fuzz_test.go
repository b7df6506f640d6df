package vc

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// Every decoder of outside bytes is fuzzed: it must answer an *Error (or
// nil), never panic.

func seed(f *testing.F, pattern string) {
	files, _ := filepath.Glob(pattern)
	for _, p := range files {
		f.Add(read(f, p))
	}
}

func refusal(t *testing.T, err error) {
	var e *Error
	if err != nil && !errors.As(err, &e) {
		t.Fatalf("not a *vc.Error: %v", err)
	}
}

func FuzzDecodeQR(f *testing.F) {
	seed(f, "testdata/shc/*-f-qr-*.txt")
	f.Add([]byte("shc:/1/2/5676\nshc:/2/2/5676"))
	f.Fuzz(func(t *testing.T, b []byte) {
		jws, err := DecodeQR(strings.Fields(string(b)))
		refusal(t, err)
		if err == nil && strings.ContainsAny(jws, "\x00 ") {
			t.Fatalf("decoded a character outside the QR alphabet: %q", jws)
		}
	})
}

func FuzzVerify(f *testing.F) {
	seed(f, "testdata/shc/example-*")
	seed(f, "testdata/vcjwt/*.jwt")
	o := shcOptions(f)
	o.Issuers = append(o.Issuers, jwtOptions(f).Issuers...)
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := Verify(b, o)
		refusal(t, err)
	})
}

func FuzzCheck(f *testing.F) {
	seed(f, "testdata/w3c/*")
	seed(f, "testdata/vcjwt/*.jwt")
	f.Fuzz(func(t *testing.T, b []byte) {
		refusal(t, Check(b))
	})
}

func FuzzParseJWKSAndCRL(f *testing.F) {
	seed(f, "testdata/shc/issuer/*.json")
	seed(f, "testdata/vcjwt/*.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := ParseJWKS(b)
		refusal(t, err)
		_, err = ParseCRL(b)
		refusal(t, err)
	})
}

// FuzzPeek: reading a JWS's header kid and payload issuer before anything
// is verified never panics; HeaderKeyID refuses with a *vc.Error, and
// UnverifiedIssuer names an issuer only of what parses as a JWS.
func FuzzPeek(f *testing.F) {
	seed(f, "testdata/vcjwt/*")
	f.Add([]byte("eyJhbGciOiJub25lIn0.eyJpc3N1ZXIiOiJ1cm46bWVkY2hhaW46b3JnOmIifQ."))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := HeaderKeyID(string(b))
		refusal(t, err)
		if iss := UnverifiedIssuer(string(b)); iss != "" && err != nil {
			t.Fatalf("issuer %q of bytes whose header does not parse: %v", iss, err)
		}
	})
}
