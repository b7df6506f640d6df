// Package apitest runs medchain's HTTP API in process for tests and runnable
// examples: a real chain.App on an in-memory state store, initialised from a
// small genesis, behind a fake CometBFT node (Node) that is backed by the
// same app, and an httptest server over internal/api.
//
// It is for tests only. Production code must never import it: its node has
// no consensus, no p2p and no persistence, and its keys derive from public
// names, so anyone can sign as any of its identities.
//
// The genesis has three organisations, each with an admin member:
//
//	general-hospital (hospital, validator "val-hospital", power 10), admin key "hospital-admin"
//	acme-insurance   (insurer,  validator "val-insurer",  power 10), admin key "insurer-admin"
//	city-lab         (lab, no validator),                            admin key "lab-admin"
//
// Key(name) returns the signing key of a name.
package apitest

import (
	"context"
	stded25519 "crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/mempool"
	"github.com/cometbft/cometbft/p2p"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	"github.com/cometbft/cometbft/types"
	"github.com/cometbft/cometbft/version"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/medchain/medchain/internal/api"
	"github.com/medchain/medchain/internal/apiauth"
	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/governance"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/tx"
)

// ChainID is the harness chain's ID.
const ChainID = "medchain-test"

// GenesisTime is the genesis time; block h is GenesisTime + h seconds.
var GenesisTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Key returns the Ed25519 key derived from name. Insecure by design.
func Key(name string) ed25519.PrivKey { return ed25519.GenPrivKeyFromSecret([]byte(name)) }

// PrivateKey returns Key(name) as a standard library key, the kind
// client.NewSigner and the keystore use.
func PrivateKey(name string) stded25519.PrivateKey { return stded25519.PrivateKey(Key(name)) }

// PubKey returns the public key of Key(name).
func PubKey(name string) tx.PubKey { return tx.PubKey(Key(name).PubKey().Bytes()) }

// Genesis returns the harness's app genesis and CometBFT validators.
func Genesis() (chain.Genesis, []abci.ValidatorUpdate) {
	g := chain.Genesis{
		Params: chain.DefaultParams(),
		Governance: governance.Genesis{Params: governance.DefaultParams(), Orgs: []governance.GenesisOrg{
			{ID: "general-hospital", Name: "General Hospital", Kind: ledger.OrgHospital, Validator: &governance.Validator{PublicKey: PubKey("val-hospital"), Power: 10}},
			{ID: "acme-insurance", Name: "Acme Insurance", Kind: ledger.OrgInsurer, Validator: &governance.Validator{PublicKey: PubKey("val-insurer"), Power: 10}},
			{ID: "city-lab", Name: "City Lab", Kind: ledger.OrgLab},
		}},
		Identity: identity.Genesis{Members: []identity.GenesisMember{
			{Org: "general-hospital", Handle: "admin", Roles: []ledger.Role{ledger.RoleAdmin}, PublicKey: PubKey("hospital-admin")},
			{Org: "acme-insurance", Handle: "admin", Roles: []ledger.Role{ledger.RoleAdmin}, PublicKey: PubKey("insurer-admin")},
			{Org: "city-lab", Handle: "admin", Roles: []ledger.Role{ledger.RoleAdmin}, PublicKey: PubKey("lab-admin")},
		}},
	}
	vals := []abci.ValidatorUpdate{
		abci.Ed25519ValidatorUpdate(PubKey("val-hospital"), 10),
		abci.Ed25519ValidatorUpdate(PubKey("val-insurer"), 10),
	}
	return g, vals
}

// Options tune a harness.
type Options struct {
	// ManualCommit stops the node from committing on its own: blocks are
	// made only by Harness.Commit. With it, a commit wait always times out.
	ManualCommit bool
	// CommitTimeout is passed to the API (its default when zero).
	CommitTimeout time.Duration
	// Ready is passed to the API.
	Ready func(ctx context.Context) error
	// Logger is passed to the app and API (discarded when nil).
	Logger *slog.Logger
	// RateLimit is passed to the API (no limit when zero).
	RateLimit api.RateLimit
}

// Harness is a running API over an in-memory chain.
type Harness struct {
	App      *chain.App
	Node     *Node
	API      *api.Server
	Server   *httptest.Server
	Registry *prometheus.Registry
	// URL is the API's base URL.
	URL string

	nonce atomic.Uint64
	stop  chan struct{}
	wg    sync.WaitGroup
}

// Start builds the app, writes the genesis, commits block 1 (empty) so that
// state is readable, and serves the API.
func Start(opts Options) (*Harness, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	db, err := state.Open("", state.Options{})
	if err != nil {
		return nil, err
	}
	app, err := chain.New(db, chain.Options{Logger: opts.Logger})
	if err != nil {
		return nil, err
	}
	g, vals := Genesis()
	raw, err := json.Marshal(g)
	if err != nil {
		return nil, err
	}
	init, err := app.InitChain(context.Background(), &abci.RequestInitChain{
		ChainId: ChainID, Time: GenesisTime, InitialHeight: 1, AppStateBytes: raw, Validators: vals,
	})
	if err != nil {
		return nil, fmt.Errorf("apitest: InitChain: %w", err)
	}
	node := &Node{app: app, appHash: init.AppHash, cache: map[tx.Hash]bool{}, index: map[tx.Hash]*coretypes.ResultTx{}, kick: make(chan struct{}, 1)}
	if _, err := node.Commit(); err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	srv, err := api.New(api.Deps{
		App: app, Node: node, Logger: opts.Logger, Registry: reg,
		Ready: opts.Ready, CommitTimeout: opts.CommitTimeout, RateLimit: opts.RateLimit,
	})
	if err != nil {
		return nil, err
	}
	h := &Harness{App: app, Node: node, API: srv, Registry: reg, stop: make(chan struct{})}
	h.Server = httptest.NewServer(srv)
	h.URL = h.Server.URL
	if !opts.ManualCommit {
		h.wg.Add(1)
		go h.autoCommit()
	}
	return h, nil
}

// autoCommit makes a block whenever the mempool has transactions.
func (h *Harness) autoCommit() {
	defer h.wg.Done()
	for {
		select {
		case <-h.stop:
			return
		case <-h.Node.kick:
			if _, err := h.Node.Commit(); err != nil {
				panic(err) // a broken app: the test cannot go on
			}
		}
	}
}

// Commit makes one block of the queued transactions (possibly none).
func (h *Harness) Commit() (int64, error) { return h.Node.Commit() }

// Close stops the server, the node and the app.
func (h *Harness) Close() {
	close(h.stop)
	h.wg.Wait()
	h.Server.Close()
	h.API.Close()
	h.App.Close()
}

// Sign builds a transaction signed by Key(signer) that expires 100 blocks
// after the latest, with a fresh nonce.
func (h *Harness) Sign(signer, msgType string, msg any) ([]byte, error) {
	m, err := json.Marshal(msg)
	if err != nil {
		return nil, err
	}
	return tx.Sign(Key(signer), tx.Body{
		ChainID: ChainID, Nonce: h.nonce.Add(1), Expires: h.Node.Height() + 100, Type: msgType, Msg: m,
	})
}

// Credential returns a signed request of typ and msg by Key(signer), as
// apiauth.Credential builds it: an auth/read request (apiauth.Read) is the
// credential of "Authorization: Medchain", an auth/token request
// (apiauth.Token) the "request" of POST /v1/auth/tokens. It expires 100
// blocks after the latest and, having a fresh nonce, is never a replay of
// an earlier one.
func (h *Harness) Credential(signer, typ string, msg any) (string, error) {
	return apiauth.Credential(Key(signer), ChainID, h.nonce.Add(1), h.Node.Height()+100, typ, msg)
}

// Authorization returns the Authorization header of a signed request by
// Key(signer) for method and uri, the request target exactly as sent (path
// and query: http.Request.URL.RequestURI()).
func (h *Harness) Authorization(signer, method, uri string) (string, error) {
	cred, err := h.Credential(signer, apiauth.TypeRead, apiauth.Read{Method: method, URI: uri})
	if err != nil {
		return "", err
	}
	return apiauth.SchemeSigned + " " + cred, nil
}

// Node is a fake CometBFT node over an app: BroadcastTxSync runs CheckTx
// and queues the transaction; Commit finalises and commits the queue as a
// block and records it, so Tx, Block, BlockResults and Status answer like
// CometBFT's local client (including its error texts for unknown ones).
type Node struct {
	app *chain.App

	mu      sync.RWMutex
	mempool [][]byte
	cache   map[tx.Hash]bool
	height  int64
	appHash []byte // the app hash after the latest block: the next header's
	blocks  []*coretypes.ResultBlock
	results []*coretypes.ResultBlockResults
	index   map[tx.Hash]*coretypes.ResultTx
	kick    chan struct{}
}

var _ api.Node = (*Node)(nil)

// Height is the latest block height.
func (n *Node) Height() int64 {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.height
}

// Proposer is the address in every header: the hospital's validator.
var Proposer = PubKey("val-hospital")

// Commit finalises the queued transactions as the next block, records the
// block, its results and a tx index, then commits the app (which notifies
// its subscribers). CometBFT likewise stores a block before the app commits.
func (n *Node) Commit() (int64, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	h := n.height + 1
	txs := n.mempool
	n.mempool = nil
	t := GenesisTime.Add(time.Duration(h) * time.Second)
	resp, err := n.app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: h, Time: t, Txs: txs})
	if err != nil {
		return 0, fmt.Errorf("apitest: FinalizeBlock %d: %w", h, err)
	}
	btxs := make([]types.Tx, len(txs))
	for i, raw := range txs {
		btxs[i] = raw
	}
	blk := types.MakeBlock(h, btxs, &types.Commit{}, nil)
	blk.Header.ChainID = ChainID
	blk.Header.Time = t
	blk.Header.AppHash = n.appHash
	blk.Header.ProposerAddress = ed25519.PubKey(Proposer).Address()
	blk.Header.ValidatorsHash = make([]byte, 32) // Header.Hash needs one
	n.blocks = append(n.blocks, &coretypes.ResultBlock{BlockID: types.BlockID{Hash: blk.Hash()}, Block: blk})
	n.results = append(n.results, &coretypes.ResultBlockResults{
		Height: h, TxsResults: resp.TxResults, FinalizeBlockEvents: resp.Events,
		ValidatorUpdates: resp.ValidatorUpdates, AppHash: resp.AppHash,
	})
	for i, raw := range txs {
		hash := tx.HashOf(raw)
		if _, dup := n.index[hash]; dup {
			continue // a replay in a later position: the index keeps the first
		}
		n.index[hash] = &coretypes.ResultTx{Hash: hash[:], Height: h, Index: uint32(i), TxResult: *resp.TxResults[i], Tx: raw}
	}
	n.height, n.appHash = h, resp.AppHash
	if _, err := n.app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		return 0, fmt.Errorf("apitest: Commit %d: %w", h, err)
	}
	return h, nil
}

// LoseIndexed forgets a committed transaction from the fake CometBFT
// indexer, as a real node's indexer can after a crash (the app's tx log
// still has it).
func (n *Node) LoseIndexed(h tx.Hash) {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.index, h)
}

// Status implements api.Node.
func (n *Node) Status(context.Context) (*coretypes.ResultStatus, error) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	st := &coretypes.ResultStatus{NodeInfo: p2p.DefaultNodeInfo{
		DefaultNodeID: "0123456789abcdef0123456789abcdef01234567", Network: ChainID,
		Version: version.TMCoreSemVer, Moniker: "apitest",
	}}
	if n.height > 0 {
		b := n.blocks[n.height-1]
		st.SyncInfo.LatestBlockHeight = n.height
		st.SyncInfo.LatestBlockHash = b.BlockID.Hash
		st.SyncInfo.LatestAppHash = b.Block.AppHash
		st.SyncInfo.LatestBlockTime = b.Block.Time
	}
	return st, nil
}

// BroadcastTxSync implements api.Node.
func (n *Node) BroadcastTxSync(ctx context.Context, raw types.Tx) (*coretypes.ResultBroadcastTx, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	hash := tx.HashOf(raw)
	if n.cache[hash] {
		return nil, mempool.ErrTxInCache
	}
	res, err := n.app.CheckTx(ctx, &abci.RequestCheckTx{Tx: raw, Type: abci.CheckTxType_New})
	if err != nil {
		return nil, err
	}
	if res.Code == abci.CodeTypeOK {
		n.cache[hash] = true
		n.mempool = append(n.mempool, raw)
		select {
		case n.kick <- struct{}{}:
		default:
		}
	}
	return &coretypes.ResultBroadcastTx{Code: res.Code, Data: res.Data, Log: res.Log, Codespace: res.Codespace, Hash: hash[:]}, nil
}

// Tx implements api.Node.
func (n *Node) Tx(_ context.Context, hash []byte, _ bool) (*coretypes.ResultTx, error) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	var h tx.Hash
	copy(h[:], hash)
	if r, ok := n.index[h]; ok && len(hash) == len(h) {
		return r, nil
	}
	return nil, fmt.Errorf("tx (%X) not found", hash)
}

func (n *Node) heightOf(p *int64) (int64, error) {
	if p == nil {
		return n.height, nil
	}
	if *p <= 0 {
		return 0, fmt.Errorf("height must be greater than 0, but got %d", *p)
	}
	if *p > n.height {
		return 0, fmt.Errorf("height %d must be less than or equal to the current blockchain height %d", *p, n.height)
	}
	return *p, nil
}

// Block implements api.Node.
func (n *Node) Block(_ context.Context, height *int64) (*coretypes.ResultBlock, error) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	h, err := n.heightOf(height)
	if err != nil {
		return nil, err
	}
	if h == 0 {
		return nil, errors.New("no blocks")
	}
	return n.blocks[h-1], nil
}

// BlockResults implements api.Node.
func (n *Node) BlockResults(_ context.Context, height *int64) (*coretypes.ResultBlockResults, error) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	h, err := n.heightOf(height)
	if err != nil {
		return nil, err
	}
	if h == 0 {
		return nil, errors.New("no blocks")
	}
	return n.results[h-1], nil
}
