package api_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	ics23 "github.com/cosmos/ics23/go"

	"github.com/medchain/medchain/internal/api/apitest"
	"github.com/medchain/medchain/internal/claims"
	"github.com/medchain/medchain/internal/credentials"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/supply"
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

// TestProofByID: GET /v1/proofs?grant=|record=|item=|claim=|credential=
// proves the key of what the ledger holds for the ID, and answers every
// caller exactly as the key itself would be answered (its module's
// MayProve): the same status, the same proof. An unknown private ID is
// refused like one the caller may not see; an unknown public one is proven
// absent.
func TestProofByID(t *testing.T) {
	s := seedPrivate(t)
	e := s.env
	view := e.h.App.State().Committed()
	grantKey, ok := records.GrantKey(view, s.grant)
	if !ok || !strings.HasPrefix(grantKey, "rec/gx/"+s.patient+"/") || !strings.HasSuffix(grantKey, "/"+s.grant) {
		t.Fatalf("grant key %q", grantKey)
	}
	unit, _, _ := strings.Cut(strings.TrimPrefix(s.rbc, "01/"), "/")
	cases := []struct {
		param, id, key string
	}{
		{"grant", s.grant, grantKey},
		{"record", s.record, records.RecordKey(s.record)},
		{"item", s.rbc, supply.ItemKey(s.rbc)},
		{"item", "https://id.gs1.org/01/" + unit + "/21/" + dinBlood, supply.ItemKey(s.rbc)},
		{"claim", s.claim, claims.ClaimKey(s.claim)},
		{"credential", s.credential, string(credentials.CredentialKey(s.credential))},
		// Unknown IDs: a grant's is its path's key, proven to no one.
		{"grant", "gr-000000000000000000000000", records.GrantPathKey("gr-000000000000000000000000")},
		{"record", "rec-000000000000000000000000", records.RecordKey("rec-000000000000000000000000")},
		{"claim", "cl-000000000000000000000000", claims.ClaimKey("cl-000000000000000000000000")},
		{"item", "01/09506000134352/21/NOSUCH", supply.ItemKey("01/09506000134352/21/NOSUCH")},
		{"credential", "cr-000000000000000000000000", string(credentials.CredentialKey("cr-000000000000000000000000"))},
	}
	callers := []string{"", keyPatient, keyGuardian, keyStranger, "claims", "dr-grey", "lab-tech", "hospital-auditor"}
	for _, c := range cases {
		byID := "/v1/proofs?" + c.param + "=" + url.QueryEscape(c.id)
		byKey := "/v1/proofs?key=" + url.QueryEscape(c.key)
		var answered int
		for _, as := range callers {
			idResp, idBody := e.doAs(as, http.MethodGet, byID, "", nil)
			keyResp, keyBody := e.doAs(as, http.MethodGet, byKey, "", nil)
			if idResp.StatusCode != keyResp.StatusCode || problemCode(idBody) != problemCode(keyBody) {
				t.Errorf("%s as %q: %d %s; by key %s: %d %s", byID, as, idResp.StatusCode, idBody, c.key, keyResp.StatusCode, keyBody)
				continue
			}
			if idResp.StatusCode != http.StatusOK {
				// A refusal does not name the key the ID resolved to.
				if c.param == "grant" && as != keyPatient && strings.Contains(string(idBody), s.patient) {
					t.Errorf("%s as %q: the refusal names the patient: %s", byID, as, idBody)
				}
				continue
			}
			answered++
			var p, k proofJSON
			if err := json.Unmarshal(idBody, &p); err != nil {
				t.Fatal(err)
			}
			json.Unmarshal(keyBody, &k)
			if p.Key != c.key || !bytes.Equal(p.Value, k.Value) || !bytes.Equal(p.Proof, k.Proof) {
				t.Errorf("%s as %q: proof of %q, value %s; by key: %s", byID, as, p.Key, p.Value, k.Value)
			}
		}
		if strings.Contains(c.id, "000000") || c.id == "01/09506000134352/21/NOSUCH" {
			continue
		}
		if answered == 0 {
			t.Errorf("%s: answered to none of %q", byID, callers)
		}
	}
	// The proofs verify against the next block's header.
	if _, err := e.h.Commit(); err != nil {
		t.Fatal(err)
	}
	var p proofJSON
	e.getAs(keyPatient, "/v1/proofs?grant="+s.grant, http.StatusOK, &p)
	if !strings.Contains(string(p.Value), `"id":"`+s.grant+`"`) {
		t.Fatalf("the grant's proven value: %s", p.Value)
	}
	if _, err := e.h.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := e.verify(p, p.Value); err != nil {
		t.Fatal(err)
	}
	var absent proofJSON
	e.get("/v1/proofs?credential=cr-000000000000000000000000&height="+itoa(p.Height), http.StatusOK, &absent)
	if absent.Value != nil || e.verify(absent, nil) != nil {
		t.Fatalf("absence of an unknown credential: %+v", absent)
	}

	for _, c := range []struct{ query, field string }{
		{"?grant=gr-x", "grant"},
		{"?grant=", "grant"},
		{"?record=rec-1", "record"},
		{"?claim=" + s.record, "claim"},
		{"?credential=cr-ABC", "credential"},
		{"?item=nonsense", "item"},
		{"?key=gov/o/x&grant=" + s.grant, "grant"},
		{"?record=" + s.record + "&claim=" + s.claim, "claim"},
		{"?grant=" + s.grant + "&height=0", "height"},
	} {
		resp, body := e.do(http.MethodGet, "/v1/proofs"+c.query, "", nil)
		if pr := wantProblem(t, resp, body, 400, "api.invalid_parameter"); pr.Field != c.field {
			t.Errorf("%s: field %q, want %q", c.query, pr.Field, c.field)
		}
	}
}
