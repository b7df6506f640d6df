package apiauth_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/medchain/medchain/internal/apiauth"
	"github.com/medchain/medchain/internal/tx"
)

// FuzzAuthorization feeds arbitrary Authorization headers and request
// targets to the authenticator: it must never panic, and it may accept a
// header only when the header is a signed auth/read request for exactly that
// method and URI, whose signature verifies with the key it returns.
func FuzzAuthorization(f *testing.F) {
	const uri = "/v1/patients/pt-0123456789abcdef0123/grants"
	good, _ := apiauth.Credential(alice, win.ChainID, 1, 110, apiauth.TypeRead, apiauth.Read{Method: "GET", URI: uri})
	tok, _ := apiauth.Credential(alice, win.ChainID, 2, 110, apiauth.TypeToken, apiauth.Token{TTLSeconds: 60})
	for _, h := range []string{"Medchain " + good, "Medchain " + tok, "Bearer mct_AAAA", "Bearer " + good, "Basic x", "", "Medchain", "Medchain ===="} {
		f.Add(h, "GET", uri)
	}
	f.Fuzz(func(t *testing.T, header, method, target string) {
		a := apiauth.New(nil)
		scheme, cred, err := apiauth.ParseAuthorization(header)
		if err != nil || scheme != apiauth.SchemeSigned {
			if scheme == apiauth.SchemeBearer {
				if _, _, err := a.Bearer(cred); err == nil {
					t.Fatalf("an unissued token %q was accepted", cred)
				}
			}
			return
		}
		key, err := a.Signed(cred, method, target, win)
		if err != nil {
			return
		}
		raw, _ := base64.StdEncoding.DecodeString(cred)
		d, err := tx.Decode(raw)
		if err != nil || d.Verify() != nil || !bytes.Equal(d.Body.Signer, key) || d.Body.Type != apiauth.TypeRead {
			t.Fatalf("accepted a credential that is not a verified auth/read of key %s: %v", key, err)
		}
		var m apiauth.Read
		if json.Unmarshal(d.Body.Msg, &m) != nil || m.Method != method || m.URI != target {
			t.Fatalf("accepted %+v for %s %s", m, method, target)
		}
		if _, err := a.Signed(cred, method, target, win); err == nil {
			t.Fatal("the same signed request was accepted twice")
		}
	})
}
