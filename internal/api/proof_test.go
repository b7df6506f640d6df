package api_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	ics23 "github.com/cosmos/ics23/go"

	"github.com/medchain/medchain/internal/api/apitest"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
)

type proofJSON struct {
	Height        int64  `json:"height"`
	Key           string `json:"key"`
	Value         []byte `json:"value"`
	Proof         []byte `json:"proof"`
	Root          string `json:"root"`
	VerifyAgainst struct {
		BlockHeight int64  `json:"block_height"`
		Field       string `json:"field"`
	} `json:"verify_against"`
}

// appHashOf fetches the app hash in the header of block h through the API.
func (e *env) appHashOf(h int64) []byte {
	e.t.Helper()
	var b struct {
		AppHash string `json:"app_hash"`
	}
	e.get("/v1/blocks/"+itoa(h), http.StatusOK, &b)
	root, err := hex.DecodeString(b.AppHash)
	if err != nil {
		e.t.Fatal(err)
	}
	return root
}

func (e *env) verify(p proofJSON, value []byte) error {
	e.t.Helper()
	var cp ics23.CommitmentProof
	if err := cp.Unmarshal(p.Proof); err != nil {
		e.t.Fatal(err)
	}
	return state.VerifyProof(e.appHashOf(p.VerifyAgainst.BlockHeight), &cp, []byte(p.Key), value)
}

func TestProofVerifiesAgainstNextBlock(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	s := e.ok("hospital-admin", identity.TypeRegisterMember, registerDrGrey())
	e.ok("hospital-admin", identity.TypeRegisterMember, identity.RegisterMember{Handle: "later", Roles: []ledger.Role{"nurse"}, PublicKey: apitest.PubKey("later")})
	h := s.Height

	key := "id/m/general-hospital/dr-grey"
	var p proofJSON
	e.get("/v1/proofs?key="+url.QueryEscape(key)+"&height="+itoa(h), http.StatusOK, &p)
	if p.Height != h || p.Key != key || p.Value == nil || p.VerifyAgainst.BlockHeight != h+1 || p.VerifyAgainst.Field != "app_hash" {
		t.Fatalf("proof: %+v", p)
	}
	var m identity.Member
	if err := json.Unmarshal(p.Value, &m); err != nil || m.ID != "general-hospital/dr-grey" {
		t.Fatalf("value %s: %v", p.Value, err)
	}
	if err := e.verify(p, p.Value); err != nil {
		t.Fatalf("proof does not verify against block %d: %v", h+1, err)
	}
	// A tampered value, or the right value against the wrong header, fails.
	tampered := bytes.Replace(p.Value, []byte("physician"), []byte("nurse"), 1)
	if err := e.verify(p, tampered); err == nil {
		t.Fatal("tampered value verified")
	}
	wrong := p
	wrong.VerifyAgainst.BlockHeight = h
	if err := e.verify(wrong, p.Value); err == nil {
		t.Fatal("proof verified against the wrong block")
	}

	// Absence: the member did not exist before its block.
	var absent proofJSON
	e.get("/v1/proofs?key="+url.QueryEscape(key)+"&height="+itoa(h-1), http.StatusOK, &absent)
	if absent.Value != nil {
		t.Fatalf("value before registration: %q", absent.Value)
	}
	if err := e.verify(absent, nil); err != nil {
		t.Fatalf("absence proof: %v", err)
	}
	if err := e.verify(absent, p.Value); err == nil {
		t.Fatal("absence proof verified a value")
	}

	for _, c := range []struct {
		query, field string
		status       int
		code         string
	}{
		{"", "key", 400, "api.invalid_parameter"},
		{"?key=gov/o/x&height=0", "height", 400, "api.invalid_parameter"},
		{"?key=gov/o/x&height=x", "height", 400, "api.invalid_parameter"},
		{"?key=gov/o/x&height=999", "", 404, "api.not_found"},
	} {
		resp, body := e.do(http.MethodGet, "/v1/proofs"+c.query, "", nil)
		if pr := wantProblem(t, resp, body, c.status, c.code); pr.Field != c.field {
			t.Fatalf("%s: field %q", c.query, pr.Field)
		}
	}
}

// ?prove=true proves exactly the record the endpoint returns.
func TestRecordProofs(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	pt := e.ok("patient-7", identity.TypeRegisterPatient, identity.RegisterPatient{})
	var created ledger.Created
	json.Unmarshal(pt.Result, &created)
	cases := []struct {
		as, path, key string // as: who asks ("": anonymous)
		record        func(value []byte) bool
	}{
		{"", "/v1/orgs/city-lab?prove=true", "gov/o/city-lab", func(v []byte) bool {
			var o struct{ ID, Name string }
			return json.Unmarshal(v, &o) == nil && o.ID == "city-lab" && o.Name == "City Lab"
		}},
		{"", "/v1/identities/acme-insurance/admin?prove=true", "id/m/acme-insurance/admin", func(v []byte) bool {
			var m identity.Member
			return json.Unmarshal(v, &m) == nil && m.ID == "acme-insurance/admin"
		}},
		{"patient-7", "/v1/identities/" + created.ID + "?prove=1", "id/p/" + created.ID, func(v []byte) bool {
			var p identity.Patient
			return json.Unmarshal(v, &p) == nil && p.ID == created.ID && p.Created == pt.Height
		}},
	}
	proofs := make([]*proofJSON, len(cases))
	for i, c := range cases {
		var rec struct{ Proof *proofJSON }
		e.getAs(c.as, c.path, http.StatusOK, &rec)
		if rec.Proof == nil || rec.Proof.Key != c.key || !c.record(rec.Proof.Value) {
			t.Fatalf("%s: proof %+v", c.path, rec.Proof)
		}
		proofs[i] = rec.Proof
	}
	// The proofs are of the latest state; the header that commits to it
	// is the next block's.
	if _, err := e.h.Commit(); err != nil {
		t.Fatal(err)
	}
	for i, p := range proofs {
		if err := e.verify(*p, p.Value); err != nil {
			t.Errorf("%s: %v", cases[i].path, err)
		}
	}
}
