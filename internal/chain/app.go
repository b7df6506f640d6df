// Package chain is medchain's ABCI application: it decodes transactions,
// checks their signatures (one by one in CheckTx, batched in FinalizeBlock),
// rejects replays, authenticates the signer, routes each message to its
// module, and computes the app hash as the root of the state tree.
//
// It is the only package that imports ABCI types. It is deterministic: time
// comes from block headers, and nothing here reads the clock, the network or
// files during FinalizeBlock.
package chain

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	"github.com/medchain/medchain/internal/claims"
	"github.com/medchain/medchain/internal/credentials"
	"github.com/medchain/medchain/internal/donations"
	"github.com/medchain/medchain/internal/governance"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/pools"
	"github.com/medchain/medchain/internal/publichealth"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/research"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/supply"
	"github.com/medchain/medchain/internal/telemetry"
	"github.com/medchain/medchain/internal/tx"
)

// AppVersion is the application protocol version reported to CometBFT.
const AppVersion uint64 = 1

// Params are the chain's own consensus parameters.
type Params struct {
	// MaxTxTTL bounds how far past the current height a transaction's
	// expiry may lie, and so how long its hash is remembered.
	MaxTxTTL int64 `json:"max_tx_ttl"`
}

// DefaultParams returns the parameters used when genesis sets none.
func DefaultParams() Params { return Params{MaxTxTTL: 1000} }

// meta is what CheckTx needs of the chain between blocks, kept in state so
// that it survives restarts. The height is the state's version.
type meta struct {
	ChainID  string    `json:"chain_id"`
	Params   Params    `json:"params"`
	LastTime time.Time `json:"last_time"`
	// LastCommit: the validators whose votes the last block recorded for
	// the block before it (ledger.Context.LastCommit).
	LastCommit []string `json:"last_commit,omitempty"`
}

var (
	metaMap = state.NewMap[meta]("chain", "chain/").Public()
	replay  = state.RegisterPrefix("chain", "replay/")
)

const metaKey = "meta"

// TxResult is the outcome of one transaction in a committed block.
type TxResult struct {
	Hash   tx.Hash
	Type   string
	Signer string
	Code   ledger.Code // zero Number: success
	Log    string
	Data   []byte
	Raw    []byte
	// Events are what the transaction emitted (none if it failed).
	Events []ledger.Event
}

// Block describes a committed block, for subscribers.
type Block struct {
	Height  int64
	Time    time.Time
	AppHash []byte
	Results []TxResult
	// Events are those of the end of the block (expired proposals...).
	Events []ledger.Event
}

// Observer is told about executed transactions and blocks; the node uses it
// for metrics. Calls happen on consensus and mempool goroutines.
// The chain itself reads no clock: an observer that wants durations
// measures them between BlockStarted and BlockCommitted.
type Observer interface {
	TxChecked(msgType string, code ledger.Code)
	BlockStarted(height int64)
	BlockCommitted(b Block)
}

// Options configure an App.
type Options struct {
	Logger   *slog.Logger
	Observer Observer
	// RetainBlocks, if positive, lets CometBFT prune blocks older than this
	// many heights.
	RetainBlocks int64
	// TxLog records every committed transaction by hash; nil keeps one in
	// memory.
	TxLog *TxLog
	// VerifiedCache bounds how many transactions CheckTx verified are kept
	// for FinalizeBlock to skip decoding and verifying them again (default
	// DefaultVerifiedCache; negative: none).
	VerifiedCache int
	// Snapshots: where and how often the state is written for nodes that
	// join by state sync (Dir empty: none written; a node can still
	// restore one).
	Snapshots SnapshotOptions
}

// DefaultVerifiedCache is the default of Options.VerifiedCache: the size of
// the mempool medchain configures.
const DefaultVerifiedCache = 50_000

// App is the ABCI application.
type App struct {
	abci.BaseApplication

	db      *state.DB
	gov     *governance.Keeper
	ident   *identity.Keeper
	modules []ledger.Module
	routes  map[string]ledger.Route
	log     *slog.Logger
	obs     Observer
	retain  int64
	txlog   *TxLog
	// verified holds txs CheckTx decoded and verified, for FinalizeBlock.
	verified *verifiedCache
	// auth remembers CheckTx's authentications at the committed version.
	auth authCache
	// snaps writes and serves state-sync snapshots, and restores one.
	snaps *snapshots

	mu   sync.RWMutex // guards meta (read by CheckTx)
	meta meta

	// the block being finalised and the meta it leaves; only the
	// consensus goroutine touches them
	block     *Block
	blockMeta meta

	subMu sync.Mutex
	subs  []func(Block)
}

// New builds the application over db with every module wired.
func New(db *state.DB, opts Options) (*App, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.TxLog == nil {
		opts.TxLog, _ = OpenTxLog("") // in memory: cannot fail
	}
	a := &App{db: db, log: opts.Logger, obs: opts.Observer, retain: opts.RetainBlocks, txlog: opts.TxLog, routes: map[string]ledger.Route{}}
	if opts.Snapshots.Dir != "" {
		a.snaps = &snapshots{opts: opts.Snapshots, app: a}
	}
	switch {
	case opts.VerifiedCache == 0:
		a.verified = newVerifiedCache(DefaultVerifiedCache)
	case opts.VerifiedCache > 0:
		a.verified = newVerifiedCache(opts.VerifiedCache)
	}

	// Each module sees the others only through the small interfaces it
	// declares, which the directory answers from the module list.
	d := &directory{}
	a.modules = modules(d)
	d.mods = a.modules
	a.gov, a.ident = d.gov(), d.ident()
	for _, m := range a.modules {
		if g, ok := m.(ledger.Governed); ok {
			for _, pa := range g.ProposalActions() {
				if !strings.HasPrefix(pa.Type, m.Name()+"/") {
					return nil, fmt.Errorf("chain: module %s names a proposal action %q outside its own types", m.Name(), pa.Type)
				}
				a.gov.RegisterExecutor(pa.Type, proposalAction{pa})
			}
		}
	}

	for _, m := range a.modules {
		for _, r := range m.Routes() {
			if _, dup := a.routes[r.Type]; dup {
				return nil, fmt.Errorf("chain: route %s registered twice", r.Type)
			}
			a.routes[r.Type] = r
		}
	}
	if m, ok := metaMap.Get(db.Committed(), metaKey); ok {
		a.meta = m
	}
	return a, nil
}

// proposalAction adapts a module's ledger.ProposalAction to a
// governance.Executor.
type proposalAction struct{ a ledger.ProposalAction }

func (p proposalAction) Validate(ctx *ledger.Context, payload json.RawMessage) error {
	return p.a.Validate(ctx, payload)
}

func (p proposalAction) Execute(ctx *ledger.Context, payload json.RawMessage) error {
	return p.a.Execute(ctx, payload)
}

// Supply is the supply module, for queries and scans.
func (a *App) Supply() *supply.Keeper { return moduleOf[*supply.Keeper](a.modules) }

// Pools is the mutual-aid pools module, for queries.
func (a *App) Pools() *pools.Keeper { return moduleOf[*pools.Keeper](a.modules) }

// Donations is the donations module, for queries.
func (a *App) Donations() *donations.Keeper { return moduleOf[*donations.Keeper](a.modules) }

// Research is the research module, for queries.
func (a *App) Research() *research.Keeper { return moduleOf[*research.Keeper](a.modules) }

// PublicHealth is the publichealth module, for queries.
func (a *App) PublicHealth() *publichealth.Keeper { return moduleOf[*publichealth.Keeper](a.modules) }

// Credentials is the credentials module, for queries and verification.
func (a *App) Credentials() *credentials.Keeper { return moduleOf[*credentials.Keeper](a.modules) }

// Claims is the claims module, for queries.
func (a *App) Claims() *claims.Keeper { return moduleOf[*claims.Keeper](a.modules) }

// Telemetry is the telemetry module, for queries and the custodian's
// admission of readings.
func (a *App) Telemetry() *telemetry.Keeper { return moduleOf[*telemetry.Keeper](a.modules) }

// Records is the records module, for queries and the consent check.
func (a *App) Records() *records.Keeper { return moduleOf[*records.Keeper](a.modules) }

// Governance is the governance module, for queries.
func (a *App) Governance() *governance.Keeper { return a.gov }

// Identity is the identity module, for queries.
func (a *App) Identity() *identity.Keeper { return a.ident }

// MayProve reports whether p (zero: an anonymous caller) may have key
// proven at time now: a key under a public prefix to anyone, another only
// when its owning module is a ledger.KeyReader that allows p.
func (a *App) MayProve(r state.Reader, p ledger.Principal, key string, now time.Time) bool {
	if state.IsPublic(key) {
		return true
	}
	owner, ok := state.OwnerOf(key)
	if !ok {
		return false
	}
	for _, m := range a.modules {
		if kr, ok := m.(ledger.KeyReader); ok && m.Name() == owner {
			return kr.MayProve(r, p, key, now)
		}
	}
	return false
}

// State is the state store, for queries and proofs.
func (a *App) State() *state.DB { return a.db }

// Height is the last committed block's height: the height of the state
// queries read.
func (a *App) Height() int64 { return a.db.Version() }

// ChainID is the chain's ID once InitChain has run.
func (a *App) ChainID() string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.meta.ChainID
}

// LastBlockTime is the time of the last committed block: the clock that
// read paths (consent expiry, break-glass windows) go by.
func (a *App) LastBlockTime() time.Time {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.meta.LastTime
}

// Params are the chain parameters in force.
func (a *App) Params() Params {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.meta.Params
}

// MessageTypes lists the routed message types.
func (a *App) MessageTypes() []string {
	var out []string
	for _, m := range a.modules {
		for _, r := range m.Routes() {
			out = append(out, r.Type)
		}
	}
	return out
}

// Subscribe registers fn to be called after each commit, on the consensus
// goroutine: fn must not block.
func (a *App) Subscribe(fn func(Block)) {
	a.subMu.Lock()
	defer a.subMu.Unlock()
	a.subs = append(a.subs, fn)
}

// Info implements abci.Application.
func (a *App) Info(context.Context, *abci.RequestInfo) (*abci.ResponseInfo, error) {
	v := a.db.Version()
	var hash []byte
	if v > 0 {
		hash = a.db.Hash()
	}
	return &abci.ResponseInfo{
		Data:             "medchain",
		Version:          "1",
		AppVersion:       AppVersion,
		LastBlockHeight:  v,
		LastBlockAppHash: hash,
	}, nil
}

// Genesis is the app_state of the genesis document.
type Genesis struct {
	Params     Params             `json:"params"`
	Governance governance.Genesis `json:"governance"`
	Identity   identity.Genesis   `json:"identity"`
	// Credentials are the issuers the founders authorise (credentials.Genesis).
	Credentials *credentials.Genesis `json:"credentials,omitempty"`
}

// InitChain implements abci.Application: it writes every module's genesis
// and checks that the governance validators are CometBFT's.
func (a *App) InitChain(_ context.Context, req *abci.RequestInitChain) (*abci.ResponseInitChain, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(req.AppStateBytes, &raw); err != nil {
		return nil, fmt.Errorf("%w: app_state: %v", ErrGenesis, err)
	}
	known := map[string]bool{"params": true}
	for _, mod := range a.modules {
		known[mod.Name()] = true
	}
	for k := range raw {
		if !known[k] {
			return nil, fmt.Errorf("%w: app_state has unknown section %q", ErrGenesis, k)
		}
	}
	params := DefaultParams()
	if p, ok := raw["params"]; ok {
		var err error
		if params, err = ledger.Decode[Params](p); err != nil {
			return nil, fmt.Errorf("%w: params: %v", ErrGenesis, err)
		}
	}
	if params.MaxTxTTL <= 0 {
		return nil, fmt.Errorf("%w: params.max_tx_ttl must be positive", ErrGenesis)
	}
	m := meta{ChainID: req.ChainId, Params: params, LastTime: req.Time.UTC()}
	w := a.db.Working()
	ctx := &ledger.Context{Store: w, ChainID: req.ChainId, Height: req.InitialHeight, Time: req.Time.UTC()}
	for _, mod := range a.modules {
		if err := mod.InitGenesis(ctx, raw[mod.Name()]); err != nil {
			return nil, fmt.Errorf("%w: app_state.%s: %v", ErrGenesis, mod.Name(), err)
		}
	}
	if err := a.checkGenesisValidators(w, req.Validators); err != nil {
		return nil, err
	}
	metaMap.Set(w, metaKey, m)
	a.mu.Lock()
	a.meta = m
	a.mu.Unlock()
	a.log.Info("genesis written", "chain_id", req.ChainId, "orgs", len(a.gov.Validators(w)))
	return &abci.ResponseInitChain{AppHash: a.db.WorkingHash()}, nil
}

func (a *App) checkGenesisValidators(r state.Reader, vals []abci.ValidatorUpdate) error {
	want := map[string]int64{}
	for _, o := range a.gov.Validators(r) {
		want[o.Validator.PublicKey.String()] = o.Validator.Power
	}
	if len(vals) != len(want) {
		return fmt.Errorf("%w: CometBFT genesis has %d validators, governance genesis %d", ErrGenesis, len(vals), len(want))
	}
	for _, v := range vals {
		key := tx.PubKey(v.PubKey.GetEd25519()).String()
		if p, ok := want[key]; !ok || p != v.Power {
			return fmt.Errorf("%w: CometBFT validator %s (power %d) is not a governance validator with that power", ErrGenesis, key, v.Power)
		}
	}
	return nil
}

// CheckTx implements abci.Application: it runs the whole transaction against
// the last committed state, in an overlay that is thrown away, so a client
// learns at once of a bad signature, a replay or an unauthorised action.
func (a *App) CheckTx(_ context.Context, req *abci.RequestCheckTx) (*abci.ResponseCheckTx, error) {
	view := a.db.Committed()
	a.mu.RLock()
	m := a.meta
	a.mu.RUnlock()
	// A recheck (after each block, of what is left in the mempool) sees bytes
	// that passed a full check already: the signature cannot have changed,
	// so only what a block can change is checked again: expiry, replay, and
	// whether the signer may still sign.
	recheck := req.Type == abci.CheckTxType_Recheck
	var (
		t   *tx.Tx
		err error
	)
	if recheck {
		t = a.verified.get(req.Tx, false)
	}
	if t == nil {
		raw := req.Tx
		if !recheck {
			// The decoded tx may be cached for FinalizeBlock: make sure
			// nothing else holds the bytes it points into.
			raw = bytes.Clone(raw)
		}
		t, err = tx.Decode(raw)
		if err == nil && !recheck {
			err = t.Verify()
		}
	}
	var res execResult
	if err != nil {
		res.err = err
	} else {
		o := state.NewOverlay(view)
		b := blockInfo{chainID: m.ChainID, params: m.Params, height: view.Version() + 1, time: m.LastTime, lastCommit: m.LastCommit}
		if recheck {
			res = a.execute(o, t, nil, b, checkAdmission)
		} else {
			res = a.execute(o, t, nil, b, checkFull)
		}
	}
	code := ledger.Code{}
	if res.err != nil {
		code = CodeOf(res.err)
	}
	if a.obs != nil {
		typ := ""
		if t != nil {
			typ = t.Body.Type
		}
		a.obs.TxChecked(typ, code)
	}
	if res.err != nil {
		return &abci.ResponseCheckTx{Code: code.Number, Codespace: code.Space, Log: res.err.Error(), Info: code.ID()}, nil
	}
	if !recheck {
		a.verified.add(t)
	}
	return &abci.ResponseCheckTx{Code: abci.CodeTypeOK, Data: res.data}, nil
}

type blockInfo struct {
	chainID    string
	params     Params
	height     int64
	time       time.Time
	lastCommit []string
}

type execResult struct {
	principal ledger.Principal
	events    []ledger.Event
	data      []byte
	err       error
}

func replayKey(t *tx.Tx) []byte {
	k := make([]byte, 0, len(replay)+8+len(t.Hash))
	k = append(k, replay...)
	k = binary.BigEndian.AppendUint64(k, uint64(t.Body.Expires))
	return append(k, t.Hash[:]...)
}

// execute runs one signature-checked transaction against base. In a block
// (check false) every transaction that gets past the replay check is
// remembered until it expires, whether its message succeeds or not.
// execMode says how far execute goes.
type execMode int

const (
	deliver        execMode = iota // in a block: run and keep the writes
	checkFull                      // mempool check: run, then discard the writes
	checkAdmission                 // mempool recheck: stop after authentication
)

// CheckWindow checks that a signed body is for this chain and valid at
// height: not expired, and not expiring more than maxTTL blocks after it.
// Transactions and the signed requests custodian nodes serve pass the same
// check.
func CheckWindow(body *tx.Body, chainID string, height, maxTTL int64) error {
	switch {
	case body.ChainID != chainID:
		return fmt.Errorf("%w: signed for %q, this is %q", ErrWrongChain, body.ChainID, chainID)
	case body.Expires < height:
		return fmt.Errorf("%w: expired at height %d, current height is %d", ErrTxExpired, body.Expires, height)
	case body.Expires > height+maxTTL:
		return fmt.Errorf("%w: expires %d is more than %d blocks past the current height %d", ErrExpiryTooFar, body.Expires, maxTTL, height)
	}
	return nil
}

func (a *App) execute(base state.Store, t *tx.Tx, sigErr error, b blockInfo, mode execMode) (res execResult) {
	check := mode != deliver
	if sigErr != nil {
		res.err = sigErr
		return res
	}
	body := &t.Body
	if res.err = CheckWindow(body, b.chainID, b.height, b.params.MaxTxTTL); res.err != nil {
		return res
	}
	rk := replayKey(t)
	if base.Has(rk) {
		res.err = fmt.Errorf("%w: tx %s", ErrReplay, t.Hash)
		return res
	}
	defer func() {
		if !check {
			base.Set(rk, []byte{1})
		}
	}()
	route, ok := a.routes[body.Type]
	if !ok {
		res.err = fmt.Errorf("%w: %q", ErrUnknownType, body.Type)
		return res
	}
	if !route.Open {
		p, err := a.authenticate(base, body.Signer, b, check)
		if err != nil {
			res.err = err
			return res
		}
		res.principal = p
	}
	if mode == checkAdmission {
		return res
	}
	o := state.NewOverlay(base)
	ctx := &ledger.Context{
		Store: o, ChainID: b.chainID, Height: b.height, Time: b.time,
		TxHash: t.Hash, Signer: res.principal, SignerKey: body.Signer, Check: check, LastCommit: b.lastCommit,
	}
	result, err := a.run(route.Handler, ctx, body.Msg)
	if err != nil {
		res.err = err
		return res
	}
	if result != nil {
		if res.data, err = json.Marshal(result); err != nil {
			res.err = fmt.Errorf("%w: encode result: %v", ErrInternal, err)
			return res
		}
	}
	o.Flush(base)
	if route.Open && res.principal.IsZero() {
		// The message made the signer an identity (patient
		// self-registration): the transaction is theirs, in the tx log
		// (whose signer alone sees it whole) and in its events.
		if p, err := a.ident.Authenticate(base, body.Signer); err == nil {
			res.principal = p
		}
	}
	res.events = ctx.Events()
	return res
}

// authenticate says who key signs for. A check (CheckTx) reads the
// committed state, one version below b.height, through base, which holds
// no write yet at this point: its answer is the same for every check until
// the next commit, and is cached for that version (authCache). In a block
// the state changes from one transaction to the next, and nothing is
// cached.
func (a *App) authenticate(base state.Store, key tx.PubKey, b blockInfo, check bool) (ledger.Principal, error) {
	if !check {
		return a.ident.Authenticate(base, key)
	}
	version := b.height - 1
	if r, ok := a.auth.get(version, key); ok {
		return r.p, r.err
	}
	p, err := a.ident.Authenticate(base, key)
	a.auth.put(version, key, p, err)
	return p, err
}

// run calls a handler, turning a panic into an internal error. Every node
// panics alike on the same input, so this is deterministic; a storage fault
// is not recovered: the node must halt.
func (a *App) run(h ledger.Handler, ctx *ledger.Context, msg json.RawMessage) (result any, err error) {
	defer func() {
		if r := recover(); r != nil {
			if f, ok := r.(*state.Fault); ok {
				panic(f)
			}
			a.log.Error("handler panicked", "tx", ctx.TxHash.String(), "panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("%w: handler panicked: %v", ErrInternal, r)
		}
	}()
	return h(ctx, msg)
}

// FinalizeBlock implements abci.Application.
func (a *App) FinalizeBlock(_ context.Context, req *abci.RequestFinalizeBlock) (*abci.ResponseFinalizeBlock, error) {
	if a.obs != nil {
		a.obs.BlockStarted(req.Height)
	}
	a.mu.RLock()
	m := a.meta
	a.mu.RUnlock()
	b := blockInfo{chainID: m.ChainID, params: m.Params, height: req.Height, time: req.Time.UTC(), lastCommit: commitSigners(req.DecidedLastCommit)}
	m.LastCommit = b.lastCommit
	w := a.db.Working()

	// Decode all, then verify the signatures of those that decoded in one
	// batch; what this node's CheckTx verified already needs neither.
	decoded := make([]*tx.Tx, len(req.Txs))
	decodeErr := make([]error, len(req.Txs))
	var batch []*tx.Tx
	var batchIdx []int
	for i, raw := range req.Txs {
		if t := a.verified.get(raw, true); t != nil {
			decoded[i] = t
			continue
		}
		t, err := tx.Decode(raw)
		if err != nil {
			decodeErr[i] = err
			continue
		}
		decoded[i] = t
		batch = append(batch, t)
		batchIdx = append(batchIdx, i)
	}
	for j, err := range tx.VerifyBatch(batch) {
		decodeErr[batchIdx[j]] = err
	}

	block := &Block{Height: req.Height, Time: b.time}
	results := make([]*abci.ExecTxResult, len(req.Txs))
	for i, raw := range req.Txs {
		var res execResult
		if decoded[i] == nil {
			res.err = decodeErr[i]
		} else {
			res = a.execute(w, decoded[i], decodeErr[i], b, deliver)
		}
		tr := TxResult{Hash: tx.HashOf(raw), Data: res.data, Signer: res.principal.ID, Raw: raw}
		if decoded[i] != nil {
			tr.Type = decoded[i].Body.Type
		}
		r := &abci.ExecTxResult{Data: res.data}
		if res.err != nil {
			tr.Code = CodeOf(res.err)
			tr.Log = res.err.Error()
			r.Code, r.Codespace, r.Log, r.Info = tr.Code.Number, tr.Code.Space, tr.Log, tr.Code.ID()
		} else {
			tr.Events = res.events
			r.Events = toABCIEvents(tr, res.events)
		}
		block.Results = append(block.Results, tr)
		results[i] = r
	}

	// End of block: expire proposals, forget expired tx hashes.
	ctx := &ledger.Context{Store: w, ChainID: b.chainID, Height: b.height, Time: b.time, LastCommit: b.lastCommit}
	for _, mod := range a.modules {
		if eb, ok := mod.(ledger.EndBlocker); ok {
			if err := eb.EndBlock(ctx); err != nil {
				return nil, fmt.Errorf("chain: end block %d, module %s: %w", req.Height, mod.Name(), err)
			}
		}
	}
	pruneReplay(w, req.Height)
	a.gov.Punish(ctx, misbehaviourOf(req.Misbehavior))
	var valUpdates []abci.ValidatorUpdate
	for _, v := range a.gov.TakeValidatorUpdates(w) {
		valUpdates = append(valUpdates, abci.Ed25519ValidatorUpdate(v.PublicKey, v.Power))
	}
	m.LastTime = b.time
	metaMap.Set(w, metaKey, m)

	block.Events = ctx.Events()
	a.block, a.blockMeta = block, m
	block.AppHash = a.db.WorkingHash()
	return &abci.ResponseFinalizeBlock{
		TxResults:        results,
		ValidatorUpdates: valUpdates,
		Events:           toABCIEvents(TxResult{}, ctx.Events()),
		AppHash:          block.AppHash,
	}, nil
}

// pruneReplay deletes remembered hashes of transactions that expired at or
// before height: they can never be included again.
func pruneReplay(w state.Store, height int64) {
	end := binary.BigEndian.AppendUint64(append([]byte{}, replay...), uint64(height)+1)
	var old [][]byte
	w.Iterate(replay, end, func(k, _ []byte) bool {
		old = append(old, append([]byte{}, k...))
		return true
	})
	for _, k := range old {
		w.Delete(k)
	}
}

func toABCIEvents(tr TxResult, evs []ledger.Event) []abci.Event {
	out := make([]abci.Event, 0, len(evs)+1)
	if tr.Type != "" {
		out = append(out, abci.Event{Type: "medchain.tx", Attributes: []abci.EventAttribute{
			{Key: "type", Value: tr.Type, Index: true},
			{Key: "signer", Value: tr.Signer, Index: true},
		}})
	}
	for _, e := range evs {
		ae := abci.Event{Type: e.Type}
		for _, at := range e.Attrs {
			ae.Attributes = append(ae.Attributes, abci.EventAttribute{Key: at.Key, Value: at.Value, Index: true})
		}
		out = append(out, ae)
	}
	return out
}

// Commit implements abci.Application: it saves the working tree as the
// block's version.
func (a *App) Commit(context.Context, *abci.RequestCommit) (*abci.ResponseCommit, error) {
	if a.block != nil {
		if err := a.txlog.put(a.block); err != nil {
			return nil, fmt.Errorf("chain: tx log, block %d: %w", a.block.Height, err)
		}
	}
	if _, _, err := a.db.Commit(); err != nil {
		return nil, err
	}
	if b := a.block; b != nil {
		a.mu.Lock()
		a.meta = a.blockMeta
		a.mu.Unlock()
		a.block = nil
		if a.obs != nil {
			a.obs.BlockCommitted(*b)
		}
		a.subMu.Lock()
		subs := a.subs
		a.subMu.Unlock()
		for _, fn := range subs {
			fn(*b)
		}
	}
	a.snaps.maybeSnapshot(a.db.Version())
	resp := &abci.ResponseCommit{}
	if a.retain > 0 && a.db.Version() > a.retain {
		resp.RetainHeight = a.db.Version() - a.retain + 1
	}
	return resp, nil
}

// ProofOpType names the proof format in ABCI query responses.
const ProofOpType = "ics23:iavl"

// Query implements abci.Application. Path "/key" reads one state key (Data)
// at a height (0: latest), with an ICS23 proof if asked.
func (a *App) Query(_ context.Context, req *abci.RequestQuery) (*abci.ResponseQuery, error) {
	if req.Path != "/key" {
		return queryError(fmt.Errorf("%w: %q (known: /key)", ErrQueryNotFound, req.Path)), nil
	}
	view := a.db.Committed()
	if req.Height != 0 && req.Height != view.Version() {
		v, err := a.db.At(req.Height)
		if err != nil {
			return queryError(fmt.Errorf("%w: %d: %v", ErrNoHeight, req.Height, err)), nil
		}
		view = v
	}
	resp := &abci.ResponseQuery{Key: req.Data, Height: view.Version()}
	if !req.Prove {
		resp.Value = view.Get(req.Data)
		return resp, nil
	}
	val, proof, err := view.Prove(req.Data)
	if err != nil {
		return queryError(fmt.Errorf("%w: proof: %v", ErrInternal, err)), nil
	}
	pb, err := proof.Marshal()
	if err != nil {
		return nil, err
	}
	resp.Value = val
	resp.ProofOps = &cmtcrypto.ProofOps{Ops: []cmtcrypto.ProofOp{{Type: ProofOpType, Key: req.Data, Data: pb}}}
	return resp, nil
}

// queryError answers a query with err's code from the code table.
func queryError(err error) *abci.ResponseQuery {
	c := CodeOf(err)
	return &abci.ResponseQuery{Code: c.Number, Codespace: c.Space, Log: err.Error(), Info: c.ID()}
}

// LookupTx finds a committed transaction in the tx log.
func (a *App) LookupTx(h tx.Hash) (rec TxRecord, ok bool, err error) {
	return a.txlog.Get(h)
}

// Close releases the state store and the tx log.
func (a *App) Close() error {
	a.snaps.wait() // the store must outlive an export in progress
	return errors.Join(a.db.Close(), a.txlog.Close())
}

var _ abci.Application = (*App)(nil)

// IsCode reports whether err has the given stable code ID ("identity.key_revoked").
func IsCode(err error, id string) bool { return err != nil && CodeOf(err).ID() == id }

// commitSigners lists the validators whose votes for the previous block
// this block records as committing it: upper-case hex addresses, sorted.
func commitSigners(c abci.CommitInfo) []string {
	var out []string
	for _, v := range c.Votes {
		if v.BlockIdFlag == cmtproto.BlockIDFlagCommit {
			out = append(out, fmt.Sprintf("%X", v.Validator.Address))
		}
	}
	slices.Sort(out)
	return out
}

// misbehaviourOf turns the block's evidence into governance's terms.
func misbehaviourOf(ms []abci.Misbehavior) []governance.Misbehaviour {
	var out []governance.Misbehaviour
	for _, m := range ms {
		typ := "unknown"
		switch m.Type {
		case abci.MisbehaviorType_DUPLICATE_VOTE:
			typ = "duplicate-vote"
		case abci.MisbehaviorType_LIGHT_CLIENT_ATTACK:
			typ = "light-client-attack"
		}
		out = append(out, governance.Misbehaviour{Type: typ, Address: fmt.Sprintf("%X", m.Validator.Address), Height: m.Height})
	}
	return out
}
