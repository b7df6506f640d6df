package credentials

import (
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/tx"
	"github.com/medchain/medchain/internal/vc"
)

// empty is a state with nothing in it.
type empty struct{}

func (empty) Get([]byte) []byte                              { return nil }
func (empty) Has([]byte) bool                                { return false }
func (empty) Iterate([]byte, []byte, func(k, v []byte) bool) {}

// oneSigner is identity with one member key: board/registrar's.
type oneSigner struct{ key tx.PubKey }

func (s oneSigner) SignerAt(_ state.Reader, key tx.PubKey, _ int64) (string, string, []ledger.Role, bool) {
	if string(key) != string(s.key) {
		return "", "", nil, false
	}
	return "board/registrar", "board", []ledger.Role{ledger.RoleRegistrar}, true
}

// FuzzVerify: whatever bytes are presented as a credential, Verify never
// panics, refuses with a stable code (credentials.* or vc.*), answers the
// same twice, and says valid only for bytes whose signed JWT the ledger
// recorded (a presentation of it: the JWT and disclosures). The state holds one licence, recorded
// as the handler records it.
func FuzzVerify(f *testing.F) {
	priv := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	doc, err := vc.Draft{ID: "cr-a1a1a1a1a1a1a1a1a1a1a1a1", Type: TypeMedicalLicence, Issuer: "board", Subject: "st-marys/dr-grey",
		Claims: map[string]any{"licenceNumber": "MD-0042"}, ValidFrom: from, ValidUntil: from.AddDate(2, 0, 0)}.Document()
	if err != nil {
		f.Fatal(err)
	}
	jwt, err := vc.SignJWT(doc, priv)
	if err != nil {
		f.Fatal(err)
	}
	s := state.NewOverlay(empty{})
	c := Credential{ID: "cr-a1a1a1a1a1a1a1a1a1a1a1a1", Hash: Hash(jwt), Type: TypeMedicalLicence, Issuer: "board", By: "board/registrar",
		Subject: "st-marys/dr-grey", ValidFrom: from.Unix(), ValidUntil: from.AddDate(2, 0, 0).Unix(), Status: StatusActive,
		History: []Change{{Status: StatusActive, By: "board/registrar", Height: 2, Time: from.Unix()}}, Height: 2, Time: from.Unix()}
	credentials.Set(s, c.ID, c)
	byHash.Set(s, c.Hash, c.ID)
	authorisations.Set(s, "board", Authorisation{Org: "board", Types: []string{TypeMedicalLicence}, Height: 1})
	k := New(nil, oneSigner{tx.PubKey(priv.Public().(ed25519.PublicKey))})
	at := from.AddDate(0, 6, 0)
	if v := k.Verify(s, jwt, at, false); !v.Valid {
		f.Fatalf("the recorded credential: %+v", v)
	}
	f.Add(jwt)
	f.Add(jwt + "x")
	f.Add(strings.Replace(jwt, "eyJhbGciOiJFZERTQSI", "eyJhbGciOiJub25lIi", 1))
	f.Add("not.a.jwt")
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		v := k.Verify(s, in, at, false)
		if v2 := k.Verify(s, in, at, true); v.Valid != v2.Valid || v.Code != v2.Code || v.Message != v2.Message {
			t.Fatalf("two answers: %+v and %+v", v, v2)
		}
		switch {
		case v.Valid && Hash(in) != c.Hash:
			t.Fatalf("valid, but not the recorded credential: %q", in)
		case !v.Valid && !strings.HasPrefix(v.Code, Name+".") && !strings.HasPrefix(v.Code, "vc."):
			t.Fatalf("refused without a stable code: %+v", v)
		}
	})
}
