package client_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	cmted25519 "github.com/cometbft/cometbft/crypto/ed25519"
	ics23 "github.com/cosmos/ics23/go"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/api/apitest"
	"github.com/medchain/medchain/internal/apiauth"
	"github.com/medchain/medchain/internal/state"
)

func start(t *testing.T, opts apitest.Options) (*apitest.Harness, *client.Client) {
	t.Helper()
	h, err := apitest.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h, client.New(h.URL)
}

func signer(name string) *client.Signer { return client.NewSigner(apitest.PrivateKey(name)) }

func TestSendAndRead(t *testing.T) {
	h, c := start(t, apitest.Options{})
	ctx := context.Background()
	admin := signer("hospital-admin")
	if admin.PublicKey() != apitest.PubKey("hospital-admin").String() {
		t.Fatalf("public key %s", admin.PublicKey())
	}

	res, err := c.Send(ctx, admin, client.RegisterMember{Handle: "dr-grey", Roles: []string{"physician"}, PublicKey: signer("dr-grey").PublicKey()})
	if err != nil {
		t.Fatal(err)
	}
	var created client.Created
	if err := res.Decode(&created); err != nil || created.ID != "general-hospital/dr-grey" || !res.Committed() || res.Height < 2 || *res.Code != 0 {
		t.Fatalf("send: %+v %v", res, err)
	}

	st, err := c.Status(ctx)
	if err != nil || st.ChainID != apitest.ChainID || st.LatestBlockHeight != res.Height {
		t.Fatalf("status %+v %v", st, err)
	}
	tr, err := c.As(admin).Tx(ctx, res.Hash)
	if err != nil || tr.Height != res.Height || tr.SignerID != "general-hospital/admin" || tr.Body == nil || tr.Redacted ||
		tr.Body.Signer != admin.PublicKey() || tr.Body.Expires != 1+client.DefaultTTL || tr.Body.Nonce > 1<<53 || len(tr.Result) == 0 {
		t.Fatalf("tx %+v %v", tr, err)
	}
	// Anyone else sees what a block shows.
	for name, rc := range map[string]*client.Client{"anonymous": c, "another member": c.As(signer("dr-grey"))} {
		tr, err := rc.Tx(ctx, res.Hash)
		if err != nil || !tr.Redacted || tr.Body != nil || tr.SignerID != "" || tr.Result != nil || tr.Type != "identity/register-member" || tr.Height != res.Height {
			t.Fatalf("tx read by %s: %+v %v", name, tr, err)
		}
	}
	blk, err := c.Block(ctx, 0)
	if err != nil || blk.Height != res.Height || len(blk.Txs) != 1 || blk.Txs[0].Hash != res.Hash {
		t.Fatalf("block %+v %v", blk, err)
	}
	id, err := c.Identity(ctx, "general-hospital/dr-grey")
	if err != nil || id.Kind != "member" || id.Member.Roles[0] != "physician" || len(id.Keys) != 1 || id.Proof != nil {
		t.Fatalf("identity %+v %v", id, err)
	}
	k, err := c.Key(ctx, signer("dr-grey").PublicKey())
	if err != nil || k.Owner != "general-hospital/dr-grey" || k.Status != "active" {
		t.Fatalf("key %+v %v", k, err)
	}
	members, err := c.Members(ctx, "general-hospital", "", 1)
	if err != nil || len(members.Items) != 1 || members.Next != "admin" {
		t.Fatalf("members %+v %v", members, err)
	}
	members, err = c.Members(ctx, "general-hospital", members.Next, 0)
	if err != nil || len(members.Items) != 1 || members.Items[0].Handle != "dr-grey" || members.Next != "" {
		t.Fatalf("members page 2 %+v %v", members, err)
	}
	orgs, err := c.Orgs(ctx, "", 0)
	if err != nil || len(orgs.Items) != 3 {
		t.Fatalf("orgs %+v %v", orgs, err)
	}
	vals, err := c.Validators(ctx)
	if err != nil || vals.TotalPower != 20 || len(vals.Items) != 2 {
		t.Fatalf("validators %+v %v", vals, err)
	}

	// Governance through the SDK's action helpers.
	out, err := c.Send(ctx, admin, client.Propose{Title: "Admit", Action: client.AdmitOrg{
		ID: "north-pharmacy", Name: "North Pharmacy", Kind: "pharmacy", Admin: "admin", AdminKey: signer("pharmacy-admin").PublicKey(),
	}.Action()})
	if err != nil {
		t.Fatal(err)
	}
	var o client.Outcome
	out.Decode(&o)
	for _, voter := range []string{"insurer-admin", "lab-admin"} {
		if _, err := c.Send(ctx, signer(voter), client.Vote{Proposal: o.Proposal, Approve: true}); err != nil {
			t.Fatal(err)
		}
	}
	p, err := c.Proposal(ctx, o.Proposal)
	if err != nil || p.Status != "passed" || p.Tally.Yes != 3 || !p.Tally.Passes || len(p.Votes) != 3 {
		t.Fatalf("proposal %+v %v", p, err)
	}
	ps, err := c.Proposals(ctx, "", 10)
	if err != nil || len(ps.Items) != 1 || ps.Items[0].Action.Type != client.ActionAdmitOrg {
		t.Fatalf("proposals %+v %v", ps, err)
	}
	if org, err := c.Org(ctx, "north-pharmacy"); err != nil || org.Kind != "pharmacy" || org.Status != "active" {
		t.Fatalf("admitted org %+v %v", org, err)
	}
	_ = h
}

func TestErrorsCarryStableCodes(t *testing.T) {
	_, c := start(t, apitest.Options{})
	ctx := context.Background()
	nurse := signer("nurse")
	if _, err := c.Send(ctx, signer("hospital-admin"), client.RegisterMember{Handle: "nurse", Roles: []string{"nurse"}, PublicKey: nurse.PublicKey()}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(ctx, nurse, client.AddKey{PublicKey: signer("nurse-2").PublicKey()}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(ctx, signer("hospital-admin"), client.RevokeKey{PublicKey: nurse.PublicKey(), Reason: "lost"}); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name   string
		call   func() error
		status int
		code   string
		field  string
	}{
		{"revoked key", func() error {
			_, err := c.Send(ctx, nurse, client.AddKey{PublicKey: signer("x").PublicKey()})
			return err
		}, 401, "identity.key_revoked", ""},
		{"unauthorized", func() error {
			_, err := c.Send(ctx, signer("nurse-2"), client.RegisterMember{Handle: "x", Roles: []string{"nurse"}, PublicKey: signer("x").PublicKey()})
			return err
		}, 403, "identity.unauthorized", ""},
		{"unknown signer", func() error {
			_, err := c.Send(ctx, signer("stranger"), client.AddKey{PublicKey: signer("y").PublicKey()})
			return err
		}, 401, "identity.unknown_signer", ""},
		{"garbage", func() error { _, err := c.Submit(ctx, []byte("junk"), client.WaitSync); return err }, 400, "chain.malformed_tx", ""},
		{"unknown org", func() error { _, err := c.Org(ctx, "nowhere"); return err }, 404, "governance.not_found", ""},
		{"bad key", func() error { _, err := c.Key(ctx, "xyz"); return err }, 400, "api.invalid_parameter", "public_key"},
		{"bad limit", func() error { _, err := c.Orgs(ctx, "", 5000); return err }, 400, "api.invalid_parameter", "limit"},
		{"unknown tx", func() error { _, err := c.Tx(ctx, strings.Repeat("0", 64)); return err }, 404, "api.not_found", ""},
		{"future block", func() error { _, err := c.Block(ctx, 999); return err }, 404, "api.not_found", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var e *client.Error
			if !errors.As(err, &e) || e.Status != tc.status || e.Code != tc.code || e.Field != tc.field || !client.IsCode(err, tc.code) {
				t.Fatalf("got %#v (%v), want %d %s", e, err, tc.status, tc.code)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, tc.code+": ") || strings.Contains(msg, "\n") {
				t.Fatalf("message %q", msg)
			}
		})
	}
	if client.IsCode(errors.New("identity.key_revoked"), "identity.key_revoked") || client.IsCode(nil, "x") {
		t.Fatal("IsCode matched a non-*Error")
	}
	e := &client.Error{Status: 409, Code: "identity.exists", Detail: "member x", TxHash: "AB", Height: 7}
	if got := e.Error(); got != "identity.exists: member x (tx AB at height 7)" {
		t.Fatalf("Error() = %q", got)
	}
	if got := (&client.Error{Status: 502, Detail: "<html>bad gateway</html>"}).Error(); got != "HTTP 502 Bad Gateway: <html>bad gateway</html>" {
		t.Fatalf("Error() = %q", got)
	}
}

func TestNonProblemErrorResponse(t *testing.T) {
	srv := http.NewServeMux()
	srv.HandleFunc("/v1/status", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream down", http.StatusBadGateway)
	})
	_, err := client.New(newServer(t, srv)).Status(context.Background())
	var e *client.Error
	if !errors.As(err, &e) || e.Status != 502 || e.Code != "" || e.Detail != "upstream down" {
		t.Fatalf("%#v", err)
	}
}

func TestSubmitSyncAndPending(t *testing.T) {
	h, _ := start(t, apitest.Options{ManualCommit: true, CommitTimeout: 20 * time.Millisecond})
	c := client.New(h.URL, client.WithTTL(10), client.WithHTTPClient(&http.Client{Timeout: 5 * time.Second}))
	ctx := context.Background()
	raw, err := c.Build(ctx, signer("patient-1"), client.RegisterPatient{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Submit(ctx, raw, client.WaitSync)
	if err != nil || res.Status != client.StatusPending || res.Committed() || res.Height != 0 {
		t.Fatalf("sync: %+v %v", res, err)
	}
	// A member's transaction: only its signer sees its body, and a
	// patient registering has no identity to be the signer yet.
	raw2, _ := c.Build(ctx, signer("hospital-admin"), client.RegisterMember{Handle: "dr-p", Roles: []string{"physician"}, PublicKey: signer("dr-p").PublicKey()})
	res, err = c.Submit(ctx, raw2, client.WaitCommit)
	if !errors.Is(err, client.ErrPending) || res == nil || res.Status != client.StatusPending || res.Hash == "" {
		t.Fatalf("pending: %+v %v", res, err)
	}
	if _, err := h.Commit(); err != nil {
		t.Fatal(err)
	}
	tr, err := c.As(signer("hospital-admin")).Tx(ctx, res.Hash)
	if err != nil || tr.Code != 0 || tr.Body == nil || tr.Body.Expires != 1+10 {
		t.Fatalf("tx after commit: %+v %v", tr, err)
	}
}

func TestProofs(t *testing.T) {
	h, c := start(t, apitest.Options{})
	ctx := context.Background()
	res, err := c.Send(ctx, signer("patient-9"), client.RegisterPatient{})
	if err != nil {
		t.Fatal(err)
	}
	var created client.Created
	res.Decode(&created)
	id, err := c.As(signer("patient-9")).Identity(ctx, created.ID, client.WithProof())
	if err != nil || id.Proof == nil || id.Proof.Key != "id/p/"+created.ID || id.Proof.Height != res.Height {
		t.Fatalf("identity with proof: %+v %v", id, err)
	}
	org, err := c.Org(ctx, "city-lab", client.WithProof())
	if err != nil || org.Proof == nil {
		t.Fatal(err)
	}
	// A patient's identity is proven to the patient and to members, as
	// the identity route shows it; not to anyone else.
	if _, err := c.Proof(ctx, "id/p/"+created.ID, res.Height); !client.IsCode(err, client.CodeUnauthenticated) {
		t.Fatalf("anonymous proof of a patient: %v", err)
	}
	if _, err := c.Send(ctx, signer("patient-10"), client.RegisterPatient{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.As(signer("patient-10")).Proof(ctx, "id/p/"+created.ID, res.Height); !client.IsCode(err, client.CodeNotEntitled) {
		t.Fatalf("another patient's proof of a patient: %v", err)
	}
	if _, err := c.As(signer("hospital-admin")).Proof(ctx, "id/p/"+created.ID, res.Height); err != nil {
		t.Fatalf("a member's proof of a patient: %v", err)
	}
	// Members are public: anyone may have one's absence proven.
	absent, err := c.Proof(ctx, "id/m/city-lab/nobody", res.Height)
	if err != nil || absent.Value != nil {
		t.Fatalf("absent: %+v %v", absent, err)
	}
	if _, err := h.Commit(); err != nil { // block height+1 carries the root
		t.Fatal(err)
	}
	next, err := c.Block(ctx, res.Height+1)
	if err != nil {
		t.Fatal(err)
	}
	appHash, _ := hex.DecodeString(next.AppHash)
	for _, p := range []*client.Proof{id.Proof, org.Proof, absent} {
		if err := client.VerifyProof(p, appHash); err != nil {
			t.Errorf("%s: %v", p.Key, err)
		}
		// The SDK agrees with the chain's own verifier.
		var cp ics23.CommitmentProof
		cp.Unmarshal(p.Proof)
		if err := state.VerifyProof(appHash, &cp, []byte(p.Key), p.Value); err != nil {
			t.Errorf("state.VerifyProof %s: %v", p.Key, err)
		}
	}
	tampered := *org.Proof
	tampered.Value = bytes.Replace(tampered.Value, []byte("City Lab"), []byte("City Lap"), 1)
	if err := client.VerifyProof(&tampered, appHash); !errors.Is(err, client.ErrProof) {
		t.Fatalf("tampered value: %v", err)
	}
	claimed := *absent
	claimed.Value = []byte(`{"org":"city-lab","handle":"nobody"}`)
	if err := client.VerifyProof(&claimed, appHash); !errors.Is(err, client.ErrProof) {
		t.Fatalf("absence proof as membership: %v", err)
	}
	if err := client.VerifyProof(id.Proof, make([]byte, 32)); !errors.Is(err, client.ErrProof) {
		t.Fatalf("wrong root: %v", err)
	}
	if err := client.VerifyProof(&client.Proof{Proof: []byte{0xff, 0x01}}, appHash); !errors.Is(err, client.ErrProof) {
		t.Fatalf("garbage proof: %v", err)
	}
}

// Every field the API sends survives a strict decode into the SDK's types
// and a re-encode, so the SDK neither drops nor renames any.
func TestWireTypesRoundTrip(t *testing.T) {
	h, c := start(t, apitest.Options{})
	ctx := context.Background()
	res, err := c.Send(ctx, signer("hospital-admin"), client.RegisterMember{Handle: "dr-w", Roles: []string{"physician"}, PublicKey: signer("dr-w").PublicKey()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(ctx, signer("dr-w"), client.AddKey{PublicKey: signer("dr-w2").PublicKey()}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(ctx, signer("dr-w"), client.RevokeKey{PublicKey: signer("dr-w").PublicKey(), Reason: "device-retired"}); err != nil {
		t.Fatal(err)
	}
	pt, _ := c.Send(ctx, signer("pt"), client.RegisterPatient{})
	var ptID client.Created
	pt.Decode(&ptID)
	if _, err := c.Send(ctx, signer("hospital-admin"), client.Propose{Title: "t", Action: client.RemoveOrg{ID: "city-lab"}.Action()}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(ctx, signer("insurer-admin"), client.Vote{Proposal: 1, Approve: false}); err != nil {
		t.Fatal(err)
	}

	strictRoundTripAs(t, h.URL, "hospital-admin", []apiCase{
		{"/v1/txs/" + res.Hash, &client.Tx{}},
		{"/v1/auth/whoami", &client.Principal{}},
	})
	strictRoundTripAs(t, h.URL, "pt", []apiCase{
		{"/v1/identities/" + ptID.ID, &client.Identity{}},
		{"/v1/keys/" + signer("pt").PublicKey(), &client.Key{}},
	})
	cases := []apiCase{
		{"/v1/status", &client.Status{}},
		{"/v1/txs/" + res.Hash, &client.Tx{}},
		{"/v1/blocks/latest", &client.Block{}},
		{"/v1/blocks/" + itoa(res.Height), &client.Block{}},
		{"/v1/orgs?limit=2", &client.Page[client.Org]{}},
		{"/v1/orgs/general-hospital?prove=true", &client.Org{}},
		{"/v1/orgs/general-hospital/members", &client.Page[client.Member]{}},
		{"/v1/identities/general-hospital%2Fdr-w?prove=true", &client.Identity{}},
		{"/v1/keys/" + signer("dr-w").PublicKey(), &client.Key{}},
		{"/v1/validators", &client.Validators{}},
		{"/v1/proposals", &client.Page[client.Proposal]{}},
		{"/v1/proposals/1", &client.Proposal{}},
		{"/v1/proofs?key=id/m/general-hospital/dr-w", &client.Proof{}},
	}
	strictRoundTrip(t, h.URL, cases)
}

// apiCase is a read of the API and the SDK type that should hold its answer.
type apiCase struct {
	path string
	into any
}

// strictRoundTrip GETs each path and checks that the answer decodes
// strictly into the SDK's type (no field it lacks) and encodes back to the
// same JSON (no field it renames or drops).
func strictRoundTrip(t *testing.T, base string, cases []apiCase) {
	t.Helper()
	strictRoundTripAs(t, base, "", cases)
}

// strictRoundTripAs is strictRoundTrip with each read signed by the
// apitest key of that name ("": unsigned), for reads answered only to, or
// in full only to, an entitled caller.
func strictRoundTripAs(t *testing.T, base, keyName string, cases []apiCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, base+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if keyName != "" {
				req.Header.Set("Authorization", "Medchain "+signedRead(t, base, keyName, req.URL.RequestURI()))
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var buf bytes.Buffer
			buf.ReadFrom(resp.Body)
			if resp.StatusCode != 200 {
				t.Fatalf("%d %s", resp.StatusCode, buf.String())
			}
			if err := strictDecode(buf.Bytes(), tc.into); err != nil {
				t.Fatalf("SDK type %T lacks a field: %v\n%s", tc.into, err, buf.String())
			}
			again, _ := json.Marshal(tc.into)
			var a, b any
			json.Unmarshal(buf.Bytes(), &a)
			json.Unmarshal(again, &b)
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("round trip differs:\n api %s\n sdk %s", buf.String(), again)
			}
		})
	}
}

// signedRead is the credential of a signed read of uri by the apitest key
// keyName, made with the node's own helper (not the SDK's), valid for the
// next ten blocks.
func signedRead(t *testing.T, base, keyName, uri string) string {
	t.Helper()
	st, err := client.New(base).Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cred, err := apiauth.Credential(cmted25519.PrivKey(apitest.PrivateKey(keyName)), st.ChainID, uint64(time.Now().UnixNano())&(1<<53-1),
		st.LatestBlockHeight+10, apiauth.TypeRead, apiauth.Read{Method: http.MethodGet, URI: uri})
	if err != nil {
		t.Fatal(err)
	}
	return cred
}

func strictDecode(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
