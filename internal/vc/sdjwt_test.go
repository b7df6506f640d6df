package vc

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// An SD-JWT credential: every claim selectively disclosable; a
// presentation shows the chosen claims only and verifies; an altered or
// invented disclosure, a disclosure given twice and a key-binding JWT are
// refused; the hash is the signed JWT's, the same for every presentation.
func TestSDJWT(t *testing.T) {
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{3}, ed25519.SeedSize))
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	d := Draft{ID: "cr-a1a1a1a1a1a1a1a1a1a1a1a1", Type: "medical-licence", Issuer: "board", Subject: "st-marys/dr-grey", ValidFrom: from,
		Claims: map[string]any{"name": "Meredith Grey", "licenceNumber": "MD-0042", "jurisdiction": "US-MA"}}
	doc, discs, err := d.SelectiveDocument(bytes.NewReader(bytes.Repeat([]byte{7}, 3*saltSize)))
	if err != nil || len(discs) != 3 {
		t.Fatalf("%v %d", err, len(discs))
	}
	if s, _ := json.Marshal(doc); strings.Contains(string(s), "MD-0042") {
		t.Fatalf("a claim in the clear in the signed credential: %s", s)
	}
	jwt, err := SignJWT(doc, key)
	if err != nil {
		t.Fatal(err)
	}
	full := JoinSD(jwt, discs)
	o := Options{At: from.AddDate(0, 1, 0), Issuers: []Issuer{{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: KeyID(key.Public().(ed25519.PublicKey)), Algorithm: "EdDSA"}}}}}

	p, err := Present(full, []string{"jurisdiction"})
	if err != nil {
		t.Fatal(err)
	}
	if Hash(p) != Hash(full) || Hash(p) != Hash(jwt) {
		t.Fatal("the hash of a presentation is not the signed JWT's")
	}
	c, err := VerifySD(p, o)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	json.Unmarshal(c.Subject, &got)
	if len(got) != 2 || got["jurisdiction"] != "US-MA" || got["id"] != MemberURN+"st-marys/dr-grey" || c.Undisclosed != 2 || !c.Selective {
		t.Fatalf("presented subject %v, %d undisclosed", got, c.Undisclosed)
	}
	if c, err := Verify([]byte(full), o); err != nil || c.Credential.Undisclosed != 0 {
		t.Fatalf("the holder's full copy: %+v %v", c, err)
	}
	if _, err := Present(full, []string{"specialty"}); CodeOf(err) != CodeMalformed {
		t.Fatalf("presenting a claim it does not have: %v", err)
	}

	forged, _ := json.Marshal([]any{"AAAAAAAAAAAAAAAAAAAAAA", "jurisdiction", "US-NY"})
	altered := JoinSD(jwt, []string{base64.RawURLEncoding.EncodeToString(forged)})
	for name, c := range map[string]struct {
		in   string
		code Code
	}{
		"an invented disclosure": {altered, CodeBadSignature},
		"a disclosure twice":     {JoinSD(jwt, []string{discs[0], discs[0]}), CodeMalformed},
		"a key-binding JWT":      {full + "eyJhbGciOiJFZERTQSJ9.e30.sig", CodeMalformed},
		"a disclosure not JSON":  {JoinSD(jwt, []string{"bm90IGpzb24"}), CodeMalformed},
	} {
		if _, err := VerifySD(c.in, o); CodeOf(err) != c.code {
			t.Errorf("%s: %v, want %s", name, err, c.code)
		}
	}
}
