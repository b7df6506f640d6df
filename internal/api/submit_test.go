package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/medchain/medchain/internal/api"
	"github.com/medchain/medchain/internal/api/apitest"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/tx"
)

func registerDrGrey() identity.RegisterMember {
	return identity.RegisterMember{Handle: "dr-grey", Roles: []ledger.Role{"physician"}, PublicKey: apitest.PubKey("dr-grey")}
}

func TestSubmitCommitReturnsResult(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	raw := e.sign("hospital-admin", identity.TypeRegisterMember, registerDrGrey())
	resp, body := e.submit(raw, "commit")
	var s submitted
	if err := json.Unmarshal(body, &s); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if s.Status != "committed" || s.Hash != tx.HashOf(raw).String() || s.Height < 2 || s.Code == nil || *s.Code != 0 || s.Index == nil {
		t.Fatalf("submission: %s", body)
	}
	var res ledger.Created
	if err := json.Unmarshal(s.Result, &res); err != nil || res.ID != "general-hospital/dr-grey" {
		t.Fatalf("result %s: %v", s.Result, err)
	}
	// The commit is visible at once to reads.
	var m struct{ Kind string }
	e.get("/v1/identities/general-hospital/dr-grey", http.StatusOK, &m)
	if m.Kind != "member" {
		t.Fatalf("identity kind %q", m.Kind)
	}
	// Raw bytes work too, and the default wait is commit.
	raw2 := e.sign("dr-grey", identity.TypeAddKey, identity.AddKey{PublicKey: apitest.PubKey("dr-grey-2")})
	resp, body = e.do(http.MethodPost, "/v1/txs", "application/octet-stream", raw2)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"committed"`) {
		t.Fatalf("octet-stream submit: %d %s", resp.StatusCode, body)
	}
	if n := api.PendingWaiters(e.h.API); n != 0 {
		t.Fatalf("%d waiters left behind", n)
	}
}

func TestSubmitSync(t *testing.T) {
	e := newEnv(t, apitest.Options{ManualCommit: true})
	raw := e.sign("hospital-admin", identity.TypeRegisterMember, registerDrGrey())
	resp, body := e.submit(raw, "sync")
	var s submitted
	json.Unmarshal(body, &s)
	if resp.StatusCode != http.StatusOK || s.Status != "pending" || s.Hash != tx.HashOf(raw).String() || s.Height != 0 {
		t.Fatalf("sync: %d %s", resp.StatusCode, body)
	}
	// Not committed yet, then committed by the next block.
	resp, body = e.do(http.MethodGet, "/v1/txs/"+s.Hash, "", nil)
	wantProblem(t, resp, body, http.StatusNotFound, "api.not_found")
	if _, err := e.h.Commit(); err != nil {
		t.Fatal(err)
	}
	e.get("/v1/txs/"+strings.ToLower(s.Hash), http.StatusOK, nil)
	// Submitting it again: the node has it; it is a replay, with its height.
	resp, body = e.submit(raw, "sync")
	p := wantProblem(t, resp, body, http.StatusConflict, "chain.replay")
	if p.Height != 2 || p.TxHash != s.Hash {
		t.Fatalf("replay problem: %s", body)
	}
	// Still a replay, at once, when CometBFT's indexer lost it (a crash)
	// and the client waits for the commit.
	e.h.Node.LoseIndexed(tx.HashOf(raw))
	resp, body = e.submit(raw, "commit")
	p = wantProblem(t, resp, body, http.StatusConflict, "chain.replay")
	if p.Height != 2 {
		t.Fatalf("replay of a transaction the indexer lost: %s", body)
	}
}

// Every refused submission is a problem with the right status and stable
// code, and leaves the state as it was.
func TestSubmitRefusals(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	good := e.sign("hospital-admin", identity.TypeRegisterMember, registerDrGrey())
	committed := e.sign("hospital-admin", identity.TypeRegisterMember, identity.RegisterMember{Handle: "n1", Roles: []ledger.Role{"nurse"}, PublicKey: apitest.PubKey("n1")})
	if resp, body := e.submit(committed, ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("setup: %s", body)
	}
	badSig := bytes.Clone(good)
	badSig[5] ^= 0xff
	expired, _ := tx.Sign(apitest.Key("hospital-admin"), tx.Body{ChainID: apitest.ChainID, Nonce: 9, Expires: 1, Type: identity.TypeAddKey, Msg: json.RawMessage(`{"public_key":"` + apitest.PubKey("z").String() + `"}`)})
	// Text the state could not hold as signed: a lone surrogate escape,
	// bytes that are not UTF-8.
	signRaw := func(handle string) []byte {
		key := apitest.Key("hospital-admin")
		body := []byte(`{"chain_id":"` + apitest.ChainID + `","signer":"` + tx.PubKey(key.PubKey().Bytes()).String() +
			`","nonce":7,"expires":50,"type":"` + identity.TypeRegisterMember + `","msg":{"handle":"` + handle +
			`","roles":["nurse"],"public_key":"` + apitest.PubKey("u").String() + `"}}`)
		sig, err := key.Sign(body)
		if err != nil {
			t.Fatal(err)
		}
		return tx.Encode(sig, body)
	}
	wrongChain, _ := tx.Sign(apitest.Key("hospital-admin"), tx.Body{ChainID: "other", Nonce: 9, Expires: 50, Type: identity.TypeAddKey, Msg: json.RawMessage(`{"public_key":"` + apitest.PubKey("z").String() + `"}`)})

	cases := []struct {
		name        string
		contentType string
		body        []byte
		query       string
		status      int
		code        string
		field       string
	}{
		{"bad signature", "application/octet-stream", badSig, "", 401, "chain.bad_signature", ""},
		{"replay", "application/octet-stream", committed, "", 409, "chain.replay", ""},
		{"unknown signer", "application/octet-stream", e.sign("stranger", identity.TypeAddKey, identity.AddKey{PublicKey: apitest.PubKey("y")}), "", 401, "identity.unknown_signer", ""},
		{"unauthorized action", "application/octet-stream", e.sign("lab-admin", identity.TypeSetRoles, identity.SetRoles{Member: "general-hospital/admin", Roles: []ledger.Role{"nurse"}}), "", 403, "identity.unauthorized", ""},
		{"unauthorized, sync", "application/octet-stream", e.sign("lab-admin", identity.TypeSetRoles, identity.SetRoles{Member: "general-hospital/admin", Roles: []ledger.Role{"nurse"}}), "?wait=sync", 403, "identity.unauthorized", ""},
		{"expired", "application/octet-stream", expired, "", 400, "chain.tx_expired", ""},
		{"wrong chain", "application/octet-stream", wrongChain, "", 400, "chain.wrong_chain", ""},
		{"invalid message", "application/octet-stream", e.sign("hospital-admin", identity.TypeRegisterMember, map[string]any{"handle": "x", "roles": []string{"wizard"}, "public_key": apitest.PubKey("x")}), "", 400, "chain.invalid_message", ""},
		{"garbage tx", "application/octet-stream", []byte("not a transaction"), "", 400, "chain.malformed_tx", ""},
		{"lone surrogate", "application/octet-stream", signRaw(`dr-\ud800`), "", 400, "chain.malformed_tx", ""},
		{"invalid UTF-8", "application/octet-stream", signRaw("dr-\xff"), "", 400, "chain.malformed_tx", ""},
		{"malformed JSON", "application/json", []byte(`{"tx": `), "", 400, "api.invalid_body", ""},
		{"unknown JSON field", "application/json", []byte(`{"tx":"AQ==","sig":"x"}`), "", 400, "api.invalid_body", ""},
		{"bad base64", "application/json", []byte(`{"tx":"%%%"}`), "", 400, "api.invalid_body", "tx"},
		{"empty body", "application/octet-stream", nil, "", 400, "api.invalid_body", "tx"},
		{"wrong content type", "text/plain", good, "", 415, "api.unsupported_media_type", "Content-Type"},
		{"bad wait", "application/octet-stream", good, "?wait=forever", 400, "api.invalid_parameter", "wait"},
	}
	before := e.h.App.State().Committed()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := e.do(http.MethodPost, "/v1/txs"+c.query, c.contentType, c.body)
			p := wantProblem(t, resp, body, c.status, c.code)
			if p.Field != c.field {
				t.Fatalf("field %q, want %q", p.Field, c.field)
			}
			if p.Detail == "" || p.Title == "" || p.Type != "urn:medchain:problem:"+c.code {
				t.Fatalf("incomplete problem: %s", body)
			}
			if c.status == 401 && resp.Header.Get("WWW-Authenticate") == "" {
				t.Fatal("401 without WWW-Authenticate")
			}
		})
	}
	// Nothing was committed: same height, same root, no new member.
	after := e.h.App.State().Committed()
	if after.Version() != before.Version() || !bytes.Equal(after.Hash(), before.Hash()) {
		t.Fatalf("state changed: height %d -> %d", before.Version(), after.Version())
	}
	if e.h.App.Identity().Exists(after, "general-hospital/dr-grey") {
		t.Fatal("refused registration was written")
	}
}

// A transaction that passes CheckTx but fails in its block is a problem with
// the tx hash and the height.
func TestSubmitFailsInBlock(t *testing.T) {
	e := newEnv(t, apitest.Options{ManualCommit: true, CommitTimeout: 10 * time.Second})
	first := e.sign("hospital-admin", identity.TypeRegisterMember, registerDrGrey())
	dup := identity.RegisterMember{Handle: "dr-grey", Roles: []ledger.Role{"nurse"}, PublicKey: apitest.PubKey("other")}
	second := e.sign("hospital-admin", identity.TypeRegisterMember, dup)
	if resp, body := e.submit(first, "sync"); resp.StatusCode != http.StatusOK {
		t.Fatalf("first: %s", body)
	}
	type answer struct {
		resp *http.Response
		body []byte
	}
	got := make(chan answer, 1)
	go func() {
		resp, body := e.submit(second, "commit")
		got <- answer{resp, body}
	}()
	waitFor(t, func() bool { return api.PendingWaiters(e.h.API) == 1 })
	height, err := e.h.Commit()
	if err != nil {
		t.Fatal(err)
	}
	a := <-got
	p := wantProblem(t, a.resp, a.body, http.StatusConflict, "identity.exists")
	if p.TxHash != tx.HashOf(second).String() || p.Height != height {
		t.Fatalf("problem %s, want hash %s height %d", a.body, tx.HashOf(second), height)
	}
	// The failed tx is in the block, with its code.
	var b struct {
		Txs []struct {
			Hash   string `json:"hash"`
			Code   uint32 `json:"code"`
			CodeID string `json:"code_id"`
		} `json:"txs"`
	}
	body := e.get("/v1/blocks/"+itoa(height), http.StatusOK, nil)
	json.Unmarshal(body, &b)
	if len(b.Txs) != 2 || b.Txs[0].Code != 0 || b.Txs[1].CodeID != "identity.exists" || b.Txs[1].Hash != p.TxHash {
		t.Fatalf("block: %s", body)
	}
	m, _ := e.h.App.Identity().Member(e.h.App.State().Committed(), "general-hospital/dr-grey")
	if m.Roles[0] != "physician" {
		t.Fatalf("the failed tx changed the member: %+v", m)
	}
}

func TestSubmitCommitTimeoutIsPending(t *testing.T) {
	e := newEnv(t, apitest.Options{ManualCommit: true, CommitTimeout: 30 * time.Millisecond})
	raw := e.sign("hospital-admin", identity.TypeRegisterMember, registerDrGrey())
	resp, body := e.submit(raw, "commit")
	var s submitted
	json.Unmarshal(body, &s)
	if resp.StatusCode != http.StatusAccepted || s.Status != "pending" || s.Hash != tx.HashOf(raw).String() {
		t.Fatalf("timeout: %d %s", resp.StatusCode, body)
	}
	if n := api.PendingWaiters(e.h.API); n != 0 {
		t.Fatalf("%d waiters left behind", n)
	}
	// It commits later and can be looked up.
	if _, err := e.h.Commit(); err != nil {
		t.Fatal(err)
	}
	e.get("/v1/txs/"+s.Hash, http.StatusOK, nil)
}

func TestCloseReleasesWaiters(t *testing.T) {
	e := newEnv(t, apitest.Options{ManualCommit: true, CommitTimeout: time.Minute})
	got := make(chan int, 1)
	go func() {
		resp, _ := e.submit(e.sign("hospital-admin", identity.TypeRegisterMember, registerDrGrey()), "commit")
		got <- resp.StatusCode
	}()
	waitFor(t, func() bool { return api.PendingWaiters(e.h.API) == 1 })
	e.h.API.Close()
	select {
	case s := <-got:
		if s != http.StatusAccepted {
			t.Fatalf("status %d", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("waiting submission not released by Close")
	}
}

func TestConcurrentSubmissions(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	const n = 20
	errs := make(chan string, n)
	for i := range n {
		raw := e.sign("p-"+itoa(int64(i)), identity.TypeRegisterPatient, identity.RegisterPatient{})
		go func() {
			resp, body := e.submit(raw, "commit")
			if resp.StatusCode != http.StatusOK {
				errs <- string(body)
				return
			}
			errs <- ""
		}()
	}
	for range n {
		if s := <-errs; s != "" {
			t.Error(s)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5s")
		}
		time.Sleep(time.Millisecond)
	}
}
