package chain

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/tx"
)

// An identity's record lists every key it has held, so a proof of the
// record proves its keys; each key's status stays in the key's own record.
func TestIdentityRecordListsItsKeys(t *testing.T) {
	h := newHarness(t)
	h.ok("hospital-admin", identity.TypeRegisterMember, identity.RegisterMember{Handle: "k", Roles: []ledger.Role{"nurse"}, PublicKey: pub("k1")})
	h.ok("k1", identity.TypeAddKey, identity.AddKey{PublicKey: pub("k2")})
	h.ok("k2", identity.TypeRotateKey, identity.RotateKey{OldKey: pub("k1"), NewKey: pub("k3")})
	var created ledger.Created
	json.Unmarshal(h.ok("p1", identity.TypeRegisterPatient, identity.RegisterPatient{}).Data, &created)
	h.ok("p1", identity.TypeAddKey, identity.AddKey{PublicKey: pub("p2")})

	view := h.app.State().Committed()
	cases := []struct {
		id, stateKey string
		keys         []string
		active       []bool
	}{
		{"general-hospital/k", "id/m/general-hospital/k", []string{"k1", "k2", "k3"}, []bool{false, true, true}},
		{created.ID, "id/p/" + created.ID, []string{"p1", "p2"}, []bool{true, true}},
	}
	for _, c := range cases {
		var rec struct{ Keys []tx.PubKey }
		if err := json.Unmarshal(view.Get([]byte(c.stateKey)), &rec); err != nil {
			t.Fatal(err)
		}
		got := h.app.Identity().KeysOf(view, c.id)
		if len(rec.Keys) != len(c.keys) || len(got) != len(c.keys) {
			t.Fatalf("%s: record lists %d keys, KeysOf %d, want %d", c.id, len(rec.Keys), len(got), len(c.keys))
		}
		for i, name := range c.keys {
			if !bytes.Equal(rec.Keys[i], pub(name)) || !bytes.Equal(got[i].PublicKey, pub(name)) {
				t.Fatalf("%s: key %d is not %s", c.id, i, name)
			}
			if (got[i].Status == identity.StatusActive) != c.active[i] || got[i].Owner != c.id {
				t.Fatalf("%s: key %s: %+v", c.id, name, got[i])
			}
		}
		val, proof, err := view.Prove([]byte(c.stateKey))
		if err != nil {
			t.Fatal(err)
		}
		if err := state.VerifyProof(view.Hash(), proof, []byte(c.stateKey), val); err != nil {
			t.Fatalf("%s: %v", c.id, err)
		}
	}
}
