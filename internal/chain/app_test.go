package chain

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/medchain/medchain/internal/governance"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/tx"
)

const chainID = "medchain-test"

var genesisTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func key(name string) ed25519.PrivKey { return ed25519.GenPrivKeyFromSecret([]byte(name)) }

func pub(name string) tx.PubKey { return tx.PubKey(key(name).PubKey().Bytes()) }

// harness drives an App through full ABCI cycles on an in-memory store.
type harness struct {
	t      testing.TB
	app    *App
	height int64
	nonce  uint64
	blocks [][][]byte // every block's txs, for replay
}

// testGenesis: three orgs (hospital, insurer, lab), each with an admin; the
// hospital and insurer run validators.
func testGenesis() (Genesis, []abci.ValidatorUpdate) {
	g := Genesis{
		Params: DefaultParams(),
		Governance: governance.Genesis{Params: governance.DefaultParams(), Orgs: []governance.GenesisOrg{
			{ID: "general-hospital", Name: "General Hospital", Kind: ledger.OrgHospital, Validator: &governance.Validator{PublicKey: pub("val-hospital"), Power: 10}},
			{ID: "acme-insurance", Name: "Acme Insurance", Kind: ledger.OrgInsurer, Validator: &governance.Validator{PublicKey: pub("val-insurer"), Power: 10}},
			{ID: "city-lab", Name: "City Lab", Kind: ledger.OrgLab},
		}},
		Identity: identity.Genesis{Members: []identity.GenesisMember{
			{Org: "general-hospital", Handle: "admin", Roles: []ledger.Role{"admin"}, PublicKey: pub("hospital-admin")},
			{Org: "acme-insurance", Handle: "admin", Roles: []ledger.Role{"admin"}, PublicKey: pub("insurer-admin")},
			{Org: "city-lab", Handle: "admin", Roles: []ledger.Role{"admin"}, PublicKey: pub("lab-admin")},
		}},
	}
	vals := []abci.ValidatorUpdate{
		abci.Ed25519ValidatorUpdate(pub("val-hospital"), 10),
		abci.Ed25519ValidatorUpdate(pub("val-insurer"), 10),
	}
	return g, vals
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	g, vals := testGenesis()
	return newHarnessWith(t, g, vals)
}

func newHarnessWith(t testing.TB, g Genesis, vals []abci.ValidatorUpdate) *harness {
	t.Helper()
	return newHarnessOpts(t, g, vals, Options{})
}

func newHarnessOpts(t testing.TB, g Genesis, vals []abci.ValidatorUpdate, opts Options) *harness {
	t.Helper()
	db, err := state.Open("", state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	app, err := New(db, opts)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(g)
	if _, err := app.InitChain(context.Background(), &abci.RequestInitChain{
		ChainId: chainID, Time: genesisTime, InitialHeight: 1, AppStateBytes: raw, Validators: vals,
	}); err != nil {
		t.Fatalf("InitChain: %v", err)
	}
	return &harness{t: t, app: app}
}

// sign builds a transaction by signer expiring 100 blocks ahead.
func (h *harness) sign(signer, typ string, msg any) []byte {
	h.t.Helper()
	h.nonce++
	m, _ := json.Marshal(msg)
	raw, err := tx.Sign(key(signer), tx.Body{ChainID: chainID, Nonce: h.nonce, Expires: h.height + 100, Type: typ, Msg: m})
	if err != nil {
		h.t.Fatal(err)
	}
	return raw
}

// block finalises and commits one block of txs and returns their results.
func (h *harness) block(txs ...[]byte) *abci.ResponseFinalizeBlock {
	h.t.Helper()
	h.height++
	resp, err := h.app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{
		Height: h.height, Time: genesisTime.Add(time.Duration(h.height) * time.Second), Txs: txs,
	})
	if err != nil {
		h.t.Fatalf("FinalizeBlock %d: %v", h.height, err)
	}
	if _, err := h.app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		h.t.Fatalf("Commit %d: %v", h.height, err)
	}
	h.blocks = append(h.blocks, txs)
	return resp
}

// deliver runs one tx in its own block and returns its result.
func (h *harness) deliver(raw []byte) *abci.ExecTxResult {
	h.t.Helper()
	return h.block(raw).TxResults[0]
}

func (h *harness) ok(signer, typ string, msg any) *abci.ExecTxResult {
	h.t.Helper()
	r := h.deliver(h.sign(signer, typ, msg))
	if r.Code != 0 {
		h.t.Fatalf("%s by %s: code %s/%d: %s", typ, signer, r.Codespace, r.Code, r.Log)
	}
	return r
}

func (h *harness) fails(wantCode, signer, typ string, msg any) *abci.ExecTxResult {
	h.t.Helper()
	r := h.deliver(h.sign(signer, typ, msg))
	if r.Info != wantCode {
		h.t.Fatalf("%s by %s: want %s, got code %q (%d): %s", typ, signer, wantCode, r.Info, r.Code, r.Log)
	}
	return r
}

func (h *harness) check(raw []byte) *abci.ResponseCheckTx {
	h.t.Helper()
	r, err := h.app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw, Type: abci.CheckTxType_New})
	if err != nil {
		h.t.Fatal(err)
	}
	return r
}

func TestGenesisMismatchedValidatorsRejected(t *testing.T) {
	g, _ := testGenesis()
	db, _ := state.Open("", state.Options{})
	app, _ := New(db, Options{})
	raw, _ := json.Marshal(g)
	_, err := app.InitChain(context.Background(), &abci.RequestInitChain{
		ChainId: chainID, Time: genesisTime, InitialHeight: 1, AppStateBytes: raw,
		Validators: []abci.ValidatorUpdate{abci.Ed25519ValidatorUpdate(pub("someone-else"), 10)},
	})
	if err == nil {
		t.Fatal("genesis with validators that governance does not know was accepted")
	}
}

func TestRejections(t *testing.T) {
	h := newHarness(t)
	h.block()
	good := h.sign("hospital-admin", identity.TypeRegisterMember, identity.RegisterMember{Handle: "a", Roles: []ledger.Role{"nurse"}, PublicKey: pub("a")})

	badSig := bytes.Clone(good)
	badSig[5] ^= 0xff

	wrongChain, _ := tx.Sign(key("hospital-admin"), tx.Body{ChainID: "other", Nonce: 1, Expires: 50, Type: identity.TypeAddKey, Msg: json.RawMessage(`{"public_key":"` + pub("z").String() + `"}`)})
	expired, _ := tx.Sign(key("hospital-admin"), tx.Body{ChainID: chainID, Nonce: 1, Expires: 1, Type: identity.TypeAddKey, Msg: json.RawMessage(`{"public_key":"` + pub("z").String() + `"}`)})
	tooFar, _ := tx.Sign(key("hospital-admin"), tx.Body{ChainID: chainID, Nonce: 1, Expires: 5000, Type: identity.TypeAddKey, Msg: json.RawMessage(`{"public_key":"` + pub("z").String() + `"}`)})
	unknownType, _ := tx.Sign(key("hospital-admin"), tx.Body{ChainID: chainID, Nonce: 1, Expires: 50, Type: "records/teleport", Msg: json.RawMessage(`{}`)})
	unknownField, _ := tx.Sign(key("hospital-admin"), tx.Body{ChainID: chainID, Nonce: 2, Expires: 50, Type: identity.TypeRegisterPatient, Msg: json.RawMessage(`{"name":"Jane Doe"}`)})
	stranger := h.sign("stranger", identity.TypeAddKey, identity.AddKey{PublicKey: pub("y")})

	cases := []struct {
		name string
		raw  []byte
		want string
	}{
		{"garbage", []byte("not a tx"), "chain.malformed_tx"},
		{"bad signature", badSig, "chain.bad_signature"},
		{"wrong chain", wrongChain, "chain.wrong_chain"},
		{"expired", expired, "chain.tx_expired"},
		{"expiry too far", tooFar, "chain.expiry_too_far"},
		{"unknown type", unknownType, "chain.unknown_type"},
		{"personal data in patient registration", unknownField, "chain.invalid_message"},
		{"unknown signer", stranger, "identity.unknown_signer"},
	}
	before := h.app.State().Committed().Hash()
	for _, c := range cases {
		if r := h.check(c.raw); r.Info != c.want {
			t.Errorf("CheckTx %s: want %s, got %q: %s", c.name, c.want, r.Info, r.Log)
		}
	}
	// CheckTx never writes.
	if !bytes.Equal(before, h.app.State().Committed().Hash()) || h.app.State().Version() != 1 {
		t.Fatal("CheckTx changed state")
	}
	// The same txs in a block fail with the same codes, and the good one passes.
	raws := [][]byte{good}
	for _, c := range cases {
		raws = append(raws, c.raw)
	}
	resp := h.block(raws...)
	if resp.TxResults[0].Code != 0 {
		t.Fatalf("good tx failed next to bad ones: %s", resp.TxResults[0].Log)
	}
	for i, c := range cases {
		if got := resp.TxResults[i+1].Info; got != c.want {
			t.Errorf("FinalizeBlock %s: want %s, got %q: %s", c.name, c.want, got, resp.TxResults[i+1].Log)
		}
	}
}

func TestReplayRejectedAndForgottenAfterExpiry(t *testing.T) {
	h := newHarness(t)
	raw := h.sign("hospital-admin", identity.TypeRegisterMember, identity.RegisterMember{Handle: "n1", Roles: []ledger.Role{"nurse"}, PublicKey: pub("n1")})
	if r := h.deliver(raw); r.Code != 0 {
		t.Fatal(r.Log)
	}
	if r := h.check(raw); r.Info != "chain.replay" {
		t.Fatalf("CheckTx of a replay: %q %s", r.Info, r.Log)
	}
	if r := h.deliver(raw); r.Info != "chain.replay" {
		t.Fatalf("replay in a block: %q %s", r.Info, r.Log)
	}
	// Twice in the same block: the second is the replay.
	raw2 := h.sign("hospital-admin", identity.TypeRegisterMember, identity.RegisterMember{Handle: "n2", Roles: []ledger.Role{"nurse"}, PublicKey: pub("n2")})
	resp := h.block(raw2, raw2)
	if resp.TxResults[0].Code != 0 || resp.TxResults[1].Info != "chain.replay" {
		t.Fatalf("same tx twice in a block: %v / %v", resp.TxResults[0].Log, resp.TxResults[1].Log)
	}
	// After its expiry the hash is pruned from state, and the tx is rejected as expired.
	var d tx.Tx
	dd, _ := tx.Decode(raw)
	d = *dd
	for h.height <= d.Body.Expires {
		h.block()
	}
	if h.app.State().Committed().Has(replayKey(&d)) {
		t.Fatal("replay entry not pruned after expiry")
	}
	if r := h.check(raw); r.Info != "chain.tx_expired" {
		t.Fatalf("after expiry: %q %s", r.Info, r.Log)
	}
}

func TestFailedTxLeavesNoWrites(t *testing.T) {
	h := newHarness(t)
	h.block()
	before := h.app.State().Committed()
	// Fails after the handler has begun (duplicate key of an existing admin).
	h.fails("identity.exists", "hospital-admin", identity.TypeRegisterMember, identity.RegisterMember{Handle: "dup", Roles: []ledger.Role{"nurse"}, PublicKey: pub("insurer-admin")})
	after := h.app.State().Committed()
	if h.app.Identity().Exists(after, "general-hospital/dup") {
		t.Fatal("member written by a failed tx")
	}
	// Only the replay entry and chain meta differ; the identity prefix is untouched.
	count := func(v *state.View) (n int) {
		v.Iterate([]byte("id/"), state.PrefixEnd([]byte("id/")), func(k, v []byte) bool { n++; return true })
		return n
	}
	if count(before) != count(after) {
		t.Fatalf("identity keys %d -> %d", count(before), count(after))
	}
}

func propose(h *harness, signer string, a governance.Action) governance.Outcome {
	h.t.Helper()
	r := h.ok(signer, governance.TypePropose, governance.Propose{Action: a})
	var o governance.Outcome
	json.Unmarshal(r.Data, &o)
	return o
}

func action(typ string, payload any) governance.Action {
	b, _ := json.Marshal(payload)
	return governance.Action{Type: typ, Payload: b}
}

// The determinism test: the same blocks replayed on two fresh apps give the
// same app hash at every height.
func TestDeterministicReplay(t *testing.T) {
	h := newHarness(t)
	// A mixed history: members, patients, keys, governance, failures, replays.
	for i := 0; i < 5; i++ {
		var txs [][]byte
		for j := 0; j < 20; j++ {
			n := fmt.Sprintf("m-%d-%d", i, j)
			txs = append(txs, h.sign("hospital-admin", identity.TypeRegisterMember, identity.RegisterMember{Handle: n, Roles: []ledger.Role{"nurse", "physician"}, PublicKey: pub(n)}))
			txs = append(txs, h.sign("p-"+n, identity.TypeRegisterPatient, identity.RegisterPatient{}))
		}
		txs = append(txs, txs[0]) // a replay
		h.block(txs...)
	}
	o := propose(h, "hospital-admin", action(governance.ActionAdmitOrg, governance.AdmitOrg{ID: "new-clinic", Name: "New Clinic", Kind: ledger.OrgClinic, Admin: "admin", AdminKey: pub("clinic-admin")}))
	h.ok("insurer-admin", governance.TypeVote, governance.CastVote{Proposal: o.Proposal, Approve: true})
	h.ok("lab-admin", governance.TypeVote, governance.CastVote{Proposal: o.Proposal, Approve: true})

	replay := func() [][]byte {
		r := newHarness(t)
		var hashes [][]byte
		for _, txs := range h.blocks {
			resp := r.block(txs...)
			hashes = append(hashes, resp.AppHash)
		}
		return hashes
	}
	a, b := replay(), replay()
	if len(a) != len(h.blocks) {
		t.Fatal("replay length")
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			t.Fatalf("height %d: app hash %X vs %X", i+1, a[i], b[i])
		}
	}
	if !bytes.Equal(a[len(a)-1], h.app.State().Hash()) {
		t.Fatalf("replayed final hash %X differs from the original %X", a[len(a)-1], h.app.State().Hash())
	}
}

func TestQueryProofVerifiesAgainstNextHeader(t *testing.T) {
	h := newHarness(t)
	h.ok("hospital-admin", identity.TypeRegisterMember, identity.RegisterMember{Handle: "dr-x", Roles: []ledger.Role{"physician"}, PublicKey: pub("dr-x")})
	height := h.height
	k := []byte("id/m/general-hospital/dr-x")
	resp, err := h.app.Query(context.Background(), &abci.RequestQuery{Path: "/key", Data: k, Prove: true})
	if err != nil || resp.Code != 0 {
		t.Fatalf("query: %v %s", err, resp.Log)
	}
	if resp.Height != height || resp.Value == nil || len(resp.ProofOps.Ops) != 1 {
		t.Fatalf("query response: height %d value %q", resp.Height, resp.Value)
	}
	// The next block's FinalizeBlock returns the app hash that header height+1 carries.
	next := h.block()
	_ = next
	var proof = mustProof(t, resp.ProofOps.Ops[0].Data)
	// AppHash in header height+1 is the hash committed at height.
	committed, _ := h.app.State().At(height)
	if err := state.VerifyProof(committed.Hash(), proof, k, resp.Value); err != nil {
		t.Fatal(err)
	}
}

func TestInfoReportsCommittedHeight(t *testing.T) {
	h := newHarness(t)
	h.block()
	h.block()
	info, _ := h.app.Info(context.Background(), &abci.RequestInfo{})
	if info.LastBlockHeight != 2 || !bytes.Equal(info.LastBlockAppHash, h.app.State().Hash()) {
		t.Fatalf("info: %+v", info)
	}
}

func TestCodesAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Codes() {
		k := fmt.Sprintf("%s/%d", c.Space, c.Number)
		if seen[k] || seen[c.ID()] || c.Number == 0 {
			t.Fatalf("duplicate or zero code %s (%s)", k, c.ID())
		}
		seen[k], seen[c.ID()] = true, true
	}
}

func BenchmarkFinalizeBlock1000Patients(b *testing.B) {
	g, vals := testGenesis()
	db, _ := state.Open(b.TempDir(), state.Options{KeepVersions: 10})
	app, _ := New(db, Options{})
	raw, _ := json.Marshal(g)
	app.InitChain(context.Background(), &abci.RequestInitChain{ChainId: chainID, Time: genesisTime, InitialHeight: 1, AppStateBytes: raw, Validators: vals})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		txs := make([][]byte, 1000)
		for j := range txs {
			m := json.RawMessage(`{}`)
			txs[j], _ = tx.Sign(ed25519.GenPrivKey(), tx.Body{ChainID: chainID, Nonce: 1, Expires: int64(i + 100), Type: identity.TypeRegisterPatient, Msg: m})
		}
		b.StartTimer()
		if _, err := app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: int64(i + 1), Time: genesisTime, Txs: txs}); err != nil {
			b.Fatal(err)
		}
		app.Commit(context.Background(), &abci.RequestCommit{})
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "tx/s")
}

func TestTxLogRecordsCommittedTxs(t *testing.T) {
	g, vals := testGenesis()
	db, _ := state.Open("", state.Options{})
	log, _ := OpenTxLog("")
	app, _ := New(db, Options{TxLog: log})
	raw, _ := json.Marshal(g)
	app.InitChain(context.Background(), &abci.RequestInitChain{ChainId: chainID, Time: genesisTime, InitialHeight: 1, AppStateBytes: raw, Validators: vals})
	h := &harness{t: t, app: app}
	good := h.sign("hospital-admin", identity.TypeRegisterMember, identity.RegisterMember{Handle: "a", Roles: []ledger.Role{"nurse"}, PublicKey: pub("a")})
	bad := h.sign("stranger", identity.TypeAddKey, identity.AddKey{PublicKey: pub("b")})
	h.block(good, bad)
	rec, ok, err := app.LookupTx(tx.HashOf(good))
	if err != nil || !ok || rec.Height != 1 || rec.Index != 0 || rec.Code != 0 || !bytes.Equal(rec.Raw, good) || rec.Signer != "general-hospital/admin" {
		t.Fatalf("good tx record: %+v ok=%v err=%v", rec, ok, err)
	}
	rec, ok, _ = app.LookupTx(tx.HashOf(bad))
	if !ok || rec.Index != 1 || rec.CodeName != "identity.unknown_signer" {
		t.Fatalf("failed tx record: %+v", rec)
	}
	if _, ok, _ := app.LookupTx(tx.HashOf([]byte("nope"))); ok {
		t.Fatal("unknown hash found")
	}
}

// CheckTx reads committed views; rules that iterate state must give the
// same answer there as in a block.
func TestCheckTxAgreesWithBlockOnIteratingRules(t *testing.T) {
	h := newHarness(t)
	h.ok("hospital-admin", identity.TypeRegisterMember, identity.RegisterMember{Handle: "solo", Roles: []ledger.Role{"nurse"}, PublicKey: pub("solo")})
	lastKey := h.sign("solo", identity.TypeRevokeKey, identity.RevokeKey{PublicKey: pub("solo")})
	if r := h.check(lastKey); r.Info != "identity.last_key" {
		t.Fatalf("CheckTx of revoking the last key: %q %s", r.Info, r.Log)
	}
	if r := h.deliver(lastKey); r.Info != "identity.last_key" {
		t.Fatalf("block: %q %s", r.Info, r.Log)
	}
	// A vote that passes a proposal is checked against all active orgs.
	o := propose(h, "hospital-admin", action(governance.ActionRemoveOrg, governance.RemoveOrg{ID: "city-lab"}))
	vote := h.sign("insurer-admin", governance.TypeVote, governance.CastVote{Proposal: o.Proposal, Approve: true})
	r := h.check(vote)
	if r.Code != 0 {
		t.Fatalf("CheckTx vote: %s", r.Log)
	}
	var out governance.Outcome
	json.Unmarshal(r.Data, &out)
	if out.Status != governance.StatusOpen {
		t.Fatalf("CheckTx tally: 2 of 3 should leave the proposal open, got %s", out.Status)
	}
}

// A recheck after a block drops transactions that became invalid (a replay,
// a revoked signer) without running them again.
func TestRecheckDropsWhatABlockInvalidated(t *testing.T) {
	h := newHarness(t)
	h.ok("hospital-admin", identity.TypeRegisterMember, identity.RegisterMember{Handle: "n", Roles: []ledger.Role{"nurse"}, PublicKey: pub("n")})
	pending := h.sign("n", identity.TypeAddKey, identity.AddKey{PublicKey: pub("n2")})
	recheck := func(raw []byte) *abci.ResponseCheckTx {
		r, _ := h.app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw, Type: abci.CheckTxType_Recheck})
		return r
	}
	if r := recheck(pending); r.Code != 0 {
		t.Fatalf("recheck of a valid tx: %s", r.Log)
	}
	h.ok("hospital-admin", identity.TypeSetMemberStatus, identity.SetMemberStatus{Member: "general-hospital/n", Status: "suspended"})
	if r := recheck(pending); r.Info != "identity.inactive" {
		t.Fatalf("recheck after suspension: %q %s", r.Info, r.Log)
	}
	done := h.sign("hospital-admin", identity.TypeAddKey, identity.AddKey{PublicKey: pub("admin-2")})
	h.deliver(done)
	if r := recheck(done); r.Info != "chain.replay" {
		t.Fatalf("recheck of an included tx: %q %s", r.Info, r.Log)
	}
}

// CheckTx remembers who a key signs for at the committed version
// (authCache): the answer must follow every commit that changes it, for a
// key unknown, then registered, then given a role it lacked, then revoked.
func TestCheckTxAuthenticationFollowsCommits(t *testing.T) {
	h := newHarness(t)
	check := func(signer string, n int) *abci.ResponseCheckTx {
		// A distinct transaction each time (replay), by the same key.
		return h.check(h.sign(signer, identity.TypeAddKey, identity.AddKey{PublicKey: pub(fmt.Sprintf("%s-extra-%d", signer, n))}))
	}
	for i := range 3 { // asked again: the cached refusal
		if r := check("m", i); r.Info != "identity.unknown_signer" {
			t.Fatalf("check %d by an unknown key: %q %s", i, r.Info, r.Log)
		}
	}
	h.ok("hospital-admin", identity.TypeRegisterMember, identity.RegisterMember{Handle: "m", Roles: []ledger.Role{"nurse"}, PublicKey: pub("m")})
	for i := range 3 {
		if r := check("m", 10+i); r.Code != 0 {
			t.Fatalf("check %d after the key's registration committed: %q %s", i, r.Info, r.Log)
		}
	}
	// Roles: registering a member needs the admin role, which m lacks
	// until a block gives it.
	reg := func(n int) *abci.ResponseCheckTx {
		return h.check(h.sign("m", identity.TypeRegisterMember, identity.RegisterMember{Handle: fmt.Sprintf("x%d", n), Roles: []ledger.Role{"nurse"}, PublicKey: pub(fmt.Sprintf("x%d", n))}))
	}
	if r := reg(1); r.Code == 0 {
		t.Fatal("a nurse registered a member in CheckTx")
	}
	h.ok("hospital-admin", identity.TypeSetRoles, identity.SetRoles{Member: "general-hospital/m", Roles: []ledger.Role{"admin"}})
	if r := reg(2); r.Code != 0 {
		t.Fatalf("an admin's registration after the role committed: %q %s", r.Info, r.Log)
	}
	h.ok("hospital-admin", identity.TypeRevokeKey, identity.RevokeKey{PublicKey: pub("m"), Reason: "lost"})
	if r := check("m", 20); r.Info != "identity.key_revoked" {
		t.Fatalf("check after the key's revocation committed: %q %s", r.Info, r.Log)
	}
	// The cache hands out copies: a caller changing its principal's roles
	// changes nothing for the next.
	var c authCache
	c.put(7, pub("z"), ledger.Principal{ID: "o/z", Roles: []ledger.Role{"nurse"}}, nil)
	r, _ := c.get(7, pub("z"))
	r.p.Roles[0] = "admin"
	if r2, ok := c.get(7, pub("z")); !ok || r2.p.Roles[0] != "nurse" {
		t.Errorf("cached roles changed through a copy: %v", r2.p.Roles)
	}
	if _, ok := c.get(8, pub("z")); ok {
		t.Error("an entry of version 7 served at version 8")
	}
}
