package client_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/crypto/merkle"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/api/apitest"
	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/credentials"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/supply"
)

// ProveID proves what the ledger holds for a grant or an item, as the key
// would be proven (a grant only to those who may see it), and refuses an
// answer that proves another entry; the proofs verify against the next
// header's app hash.
func TestProveID(t *testing.T) {
	h, c := start(t, apitest.Options{})
	ctx := context.Background()
	hospital, maker := signer("hospital-admin"), signer("maker-admin")
	out := sendOK(t, c, hospital, client.Propose{Title: "Admit PharmaCo", Action: client.AdmitOrg{
		ID: "pharmaco", Name: "PharmaCo", Kind: "manufacturer", Admin: "admin", AdminKey: maker.PublicKey(),
	}.Action()})
	var o client.Outcome
	if err := out.Decode(&o); err != nil {
		t.Fatal(err)
	}
	for _, voter := range []string{"insurer-admin", "lab-admin"} {
		sendOK(t, c, signer(voter), client.Vote{Proposal: o.Proposal, Approve: true})
	}
	const drug = "09506000134352"
	sendOK(t, c, maker, client.RegisterProduct{GTIN: drug, Name: "Vaccine X", Kind: client.KindVaccine, MinMilliC: 2000, MaxMilliC: 8000})
	sendOK(t, c, maker, client.Commission{GTIN: drug, Lot: "L1", Expiry: "2027-12-31", Serials: client.Serials{List: []string{"A1"}}})
	pt := createdID(t, sendOK(t, c, signer("pt-ada"), client.RegisterPatient{}))
	grant := createdID(t, sendOK(t, c, signer("pt-ada"), client.GrantConsent{
		Grantee: client.Grantee{Org: "acme-insurance"}, Purposes: []string{client.PurposePayment}, Expires: apitest.GenesisTime.AddDate(1, 0, 0)}))

	view := h.App.State().Committed()
	grantKey, ok := records.GrantKey(view, grant)
	if !ok {
		t.Fatal("no grant key")
	}

	// A grant: to the patient and the organisation it names, as its key.
	if _, err := c.ProveID(ctx, client.ProofOfGrant, grant, 0); !client.IsCode(err, client.CodeUnauthenticated) {
		t.Fatalf("a grant proven to an anonymous caller: %v", err)
	}
	if _, err := c.As(signer("lab-admin")).ProveID(ctx, client.ProofOfGrant, grant, 0); !client.IsCode(err, client.CodeNotEntitled) {
		t.Fatalf("a grant proven to another organisation: %v", err)
	}
	if _, err := c.As(signer("pt-ada")).ProveID(ctx, client.ProofOfGrant, "gr-000000000000000000000000", 0); !client.IsCode(err, client.CodeNotEntitled) {
		t.Fatalf("an unknown grant: %v", err)
	}
	p, err := c.As(signer("pt-ada")).ProveID(ctx, client.ProofOfGrant, grant, 0)
	if err != nil || p.Key != grantKey || !strings.Contains(string(p.Value), pt) {
		t.Fatalf("the patient's grant: %+v %v", p, err)
	}
	if _, err := c.As(signer("insurer-admin")).ProveID(ctx, client.ProofOfGrant, grant, 0); err != nil {
		t.Fatalf("the grantee's grant: %v", err)
	}
	// An item, by a scan's Digital Link; an unknown credential, absent.
	item, err := c.ProveID(ctx, client.ProofOfItem, "https://id.gs1.org/01/"+drug+"/21/A1", 0)
	if err != nil || item.Key != supply.ItemKey(client.UnitID(drug, "A1")) || item.Value == nil {
		t.Fatalf("item: %+v %v", item, err)
	}
	absent, err := c.ProveID(ctx, client.ProofOfCredential, "cr-000000000000000000000000", p.Height)
	if err != nil || absent.Value != nil || absent.Height != p.Height || absent.Key != string(credentials.CredentialKey("cr-000000000000000000000000")) {
		t.Fatalf("an unknown credential: %+v %v", absent, err)
	}
	if _, err := c.As(signer("pt-ada")).ProveID(ctx, client.ProofOfRecord, "rec-000000000000000000000000", 0); !client.IsCode(err, client.CodeNotEntitled) {
		t.Fatalf("an unknown record (%s): %v", records.RecordKey("rec-000000000000000000000000"), err)
	}
	if _, err := c.ProveID(ctx, "org", "pharmaco", 0); err == nil {
		t.Fatal("a proof by ID of an organisation")
	}

	// Each verifies against the next header.
	if _, err := h.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*client.Proof{p, item, absent} {
		b, err := c.Block(ctx, p.Height+1)
		if err != nil {
			t.Fatal(err)
		}
		if err := client.VerifyProof(p, mustHex(t, b.AppHash)); err != nil {
			t.Errorf("%s: %v", p.Key, err)
		}
	}

	// A node that answers another entry's proof is caught.
	other := createdID(t, sendOK(t, c, signer("pt-ada"), client.GrantConsent{
		Grantee: client.Grantee{Org: "city-lab"}, Purposes: []string{client.PurposeTreatment}, Expires: apitest.GenesisTime.AddDate(1, 0, 0)}))
	otherProof, err := c.As(signer("pt-ada")).ProveID(ctx, client.ProofOfGrant, other, 0)
	if err != nil {
		t.Fatal(err)
	}
	renamed := *otherProof
	renamed.Key = strings.Replace(renamed.Key, other, grant, 1)
	for name, c := range map[string]struct {
		answer *client.Proof
		kind   client.ProofOf
		id     string
	}{
		"another grant's proof":               {otherProof, client.ProofOfGrant, grant},
		"another grant's value under its key": {&renamed, client.ProofOfGrant, grant},
		"an absence for a grant":              {&client.Proof{Key: grantKey, Height: 3}, client.ProofOfGrant, grant},
		"another item's proof":                {item, client.ProofOfItem, client.UnitID(drug, "A2")},
		"another kind's key":                  {absent, client.ProofOfRecord, "rec-000000000000000000000000"},
	} {
		liar := client.New(newServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(c.answer)
		})))
		if _, err := liar.ProveID(ctx, c.kind, c.id, 0); !errors.Is(err, client.ErrProof) {
			t.Errorf("%s: %v", name, err)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

// ProofRuntime verifies the proof operations of the app's ABCI query
// answers against the app hash of the next header, as CometBFT's light
// proxy would, and refuses another key, another value, an absence claimed
// of a present key and another app hash.
func TestProofRuntime(t *testing.T) {
	if client.ProofOpType != chain.ProofOpType {
		t.Fatalf("the SDK's proof operation %q is not the chain's %q", client.ProofOpType, chain.ProofOpType)
	}
	h, c := start(t, apitest.Options{})
	ctx := context.Background()
	sendOK(t, c, signer("hospital-admin"), client.RegisterMember{Handle: "dr-grey", Roles: []string{"physician"}, PublicKey: signer("dr-grey").PublicKey()})
	query := func(key string) *abci.ResponseQuery {
		t.Helper()
		r, err := h.App.Query(ctx, &abci.RequestQuery{Path: "/key", Data: []byte(key), Prove: true})
		if err != nil || r.Code != 0 || r.ProofOps == nil {
			t.Fatalf("query %s: %+v %v", key, r, err)
		}
		return r
	}
	present, absent := query("id/m/general-hospital/dr-grey"), query("id/m/general-hospital/nobody")
	if present.Value == nil || absent.Value != nil || present.Height != absent.Height {
		t.Fatalf("answers: %+v %+v", present, absent)
	}
	if _, err := h.Commit(); err != nil {
		t.Fatal(err)
	}
	b, err := c.Block(ctx, present.Height+1)
	if err != nil {
		t.Fatal(err)
	}
	appHash := mustHex(t, b.AppHash)
	prt := client.ProofRuntime()
	kp := func(key []byte) string {
		p, err := client.MerkleKeyPath("/key", key)
		if err != nil {
			t.Fatal(err)
		}
		return p.String()
	}
	if err := prt.VerifyValue(present.ProofOps, appHash, kp(present.Key), present.Value); err != nil {
		t.Fatalf("value: %v", err)
	}
	if err := prt.VerifyAbsence(absent.ProofOps, appHash, kp(absent.Key)); err != nil {
		t.Fatalf("absence: %v", err)
	}
	for name, err := range map[string]error{
		"another key":         prt.VerifyValue(present.ProofOps, appHash, kp(absent.Key), present.Value),
		"another value":       prt.VerifyValue(present.ProofOps, appHash, kp(present.Key), bytes.ToUpper(present.Value)),
		"a value when absent": prt.VerifyValue(absent.ProofOps, appHash, kp(absent.Key), present.Value),
		"absent when present": prt.VerifyAbsence(present.ProofOps, appHash, kp(present.Key)),
		"another app hash":    prt.VerifyValue(present.ProofOps, bytes.Repeat([]byte{7}, 32), kp(present.Key), present.Value),
		"CometBFT's own":      merkle.DefaultProofRuntime().VerifyValue(present.ProofOps, appHash, kp(present.Key), present.Value),
		"a store path":        func() error { _, err := client.MerkleKeyPath("/store/main/key", present.Key); return err }(),
	} {
		if err == nil {
			t.Errorf("%s: verified", name)
		}
	}
	// The decoded operation encodes back to what the app answered.
	op, err := client.DecodeProofOp(present.ProofOps.Ops[0])
	if err != nil {
		t.Fatal(err)
	}
	if back := op.ProofOp(); back.Type != client.ProofOpType || !bytes.Equal(back.Key, present.Key) || !bytes.Equal(back.Data, present.ProofOps.Ops[0].Data) {
		t.Fatalf("round trip: %+v", back)
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
