package localtx

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	cmted25519 "github.com/cometbft/cometbft/crypto/ed25519"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	"github.com/cometbft/cometbft/types"

	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/tx"
)

// fakeChain is a chain at a fixed committed height.
type fakeChain struct {
	height int64
	maxTTL int64
}

func (c fakeChain) ChainID() string      { return "medchain-test" }
func (c fakeChain) Params() chain.Params { return chain.Params{MaxTxTTL: c.maxTTL} }
func (c fakeChain) Height() int64        { return c.height }

// mempool is a fake broadcaster: it records what it is given and answers
// with code (zero: accepted) or err; onAccept runs for each accepted
// transaction, as a commit would.
type mempool struct {
	mu       sync.Mutex
	txs      [][]byte
	code     ledger.Code
	err      error
	onAccept func(raw []byte)
}

func (m *mempool) broadcast(_ context.Context, raw types.Tx) (*coretypes.ResultBroadcastTx, error) {
	m.mu.Lock()
	m.txs = append(m.txs, raw)
	m.mu.Unlock()
	if m.err != nil {
		return nil, m.err
	}
	if m.code.Number != 0 {
		return &coretypes.ResultBroadcastTx{Code: m.code.Number, Codespace: m.code.Space, Log: "refused"}, nil
	}
	if m.onAccept != nil {
		m.onAccept(raw)
	}
	return &coretypes.ResultBroadcastTx{Hash: raw.Hash()}, nil
}

func newSubmitter(t *testing.T, c fakeChain, m *mempool, w *chain.Waiters, ttl int64) *Submitter {
	t.Helper()
	s, err := New(Options{Key: cmted25519.GenPrivKeyFromSecret([]byte("custodian")), Chain: c, Broadcast: m.broadcast, Waiters: w, TTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func decode(t *testing.T, raw []byte) *tx.Tx {
	t.Helper()
	d, err := tx.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Verify(); err != nil {
		t.Fatal(err)
	}
	return d
}

var alert = map[string]string{"item": "01/09506000134352/21/ABC"}

// Identical messages built at once, from several goroutines and by two
// Submitters of the same key (two runs of a node), are distinct
// transactions: their nonces differ and stay exact in JavaScript.
func TestNoncesAreDistinct(t *testing.T) {
	c := fakeChain{height: 7, maxTTL: 1000}
	subs := []*Submitter{newSubmitter(t, c, &mempool{}, nil, 0), newSubmitter(t, c, &mempool{}, nil, 0)}
	const perGoroutine, goroutines = 200, 4
	var (
		mu     sync.Mutex
		nonces = map[uint64]bool{}
		hashes = map[tx.Hash]bool{}
		wg     sync.WaitGroup
	)
	for _, s := range subs {
		for range goroutines {
			wg.Go(func() {
				for range perGoroutine {
					raw, err := s.Build("supply/report-scan", alert)
					if err != nil {
						t.Error(err)
						return
					}
					d, err := tx.Decode(raw)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					nonces[d.Body.Nonce], hashes[d.Hash] = true, true
					mu.Unlock()
					if d.Body.Nonce > maxNonce {
						t.Errorf("nonce %d is above 2^53-1", d.Body.Nonce)
					}
				}
			})
		}
	}
	wg.Wait()
	if want := len(subs) * goroutines * perGoroutine; len(nonces) != want || len(hashes) != want {
		t.Fatalf("%d distinct nonces and %d distinct hashes for %d transactions", len(nonces), len(hashes), want)
	}
}

// A transaction expires TTL blocks past the next height, never further
// than the chain's MaxTxTTL, and the chain's own window check accepts it.
func TestExpiry(t *testing.T) {
	cases := []struct {
		name          string
		ttl, maxTTL   int64
		height        int64
		wantExpiresAt int64
	}{
		{"default TTL", 0, 1000, 10, 11 + DefaultTTL},
		{"own TTL", 5, 1000, 10, 16},
		{"bounded by MaxTxTTL", 500, 20, 10, 31},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := fakeChain{height: tc.height, maxTTL: tc.maxTTL}
			s := newSubmitter(t, c, &mempool{}, nil, tc.ttl)
			raw, err := s.Build("supply/report-scan", alert)
			if err != nil {
				t.Fatal(err)
			}
			d := decode(t, raw)
			if d.Body.Expires != tc.wantExpiresAt {
				t.Fatalf("expires at %d, want %d", d.Body.Expires, tc.wantExpiresAt)
			}
			if d.Body.ChainID != c.ChainID() || string(d.Body.Signer) != string(s.PubKey()) {
				t.Fatalf("body %+v: wrong chain or signer", d.Body)
			}
			if err := chain.CheckWindow(&d.Body, c.ChainID(), tc.height+1, tc.maxTTL); err != nil {
				t.Fatalf("the chain would refuse it: %v", err)
			}
		})
	}
}

// A refusal by CheckTx comes back with the chain's code, from Submit and
// from Send; Send leaves no waiter behind.
func TestRefusedAtCheck(t *testing.T) {
	want := chain.CodeOf(records.ErrUnauthorized)
	m := &mempool{code: want}
	w := chain.NewWaiters()
	s := newSubmitter(t, fakeChain{height: 3, maxTTL: 100}, m, w, 0)

	hash, err := s.Submit(context.Background(), records.TypeEndpoint, records.SetEndpoint{URL: "https://node.example"})
	var r *Refused
	if !errors.As(err, &r) || r.Code != want || r.Height != 0 || r.Hash != hash {
		t.Fatalf("Submit: %v, want a refusal at check with %s for tx %s", err, want.ID(), hash)
	}
	_, err = s.Send(context.Background(), records.TypeEndpoint, records.SetEndpoint{URL: "https://node.example"})
	if !errors.As(err, &r) || r.Code.ID() != "records.unauthorized" {
		t.Fatalf("Send: %v, want records.unauthorized", err)
	}
	if n := w.Pending(); n != 0 {
		t.Fatalf("%d waiters left behind", n)
	}
	// A transport failure is not a refusal.
	m.code, m.err = ledger.Code{}, errors.New("connection refused")
	if _, err := s.Submit(context.Background(), records.TypeEndpoint, records.SetEndpoint{}); err == nil || errors.As(err, &r) {
		t.Fatalf("transport failure: %v", err)
	}
}

// Send returns the committed outcome, even when the block commits before
// the broadcast returns; a refusal in the block carries the chain's code
// and height.
func TestSendWaitsForCommit(t *testing.T) {
	w := chain.NewWaiters()
	defer w.Close()
	var result chain.TxResult // what the block says of the next transaction
	m := &mempool{}
	m.onAccept = func(raw []byte) {
		r := result
		r.Hash = tx.HashOf(raw)
		w.Committed(chain.Block{Height: 4, Results: []chain.TxResult{{Hash: tx.Hash{1}}, r}})
	}
	s := newSubmitter(t, fakeChain{height: 3, maxTTL: 100}, m, w, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	result = chain.TxResult{Data: json.RawMessage(`{"receipts":["ab"]}`)}
	o, err := s.Send(ctx, records.TypeReceipts, records.PostReceipts{})
	if err != nil {
		t.Fatal(err)
	}
	if o.Height != 4 || o.Index != 1 || o.Result.Hash != tx.HashOf(m.txs[0]) || string(o.Result.Data) != `{"receipts":["ab"]}` {
		t.Fatalf("outcome %+v", o)
	}

	result = chain.TxResult{Code: chain.CodeOf(chain.ErrReplay), Log: "replay"}
	_, err = s.Send(ctx, records.TypeReceipts, records.PostReceipts{})
	var r *Refused
	if !errors.As(err, &r) || r.Code.ID() != "chain.replay" || r.Height != 4 || r.Hash != tx.HashOf(m.txs[1]) {
		t.Fatalf("refused in block: %v", err)
	}
}

// A wait ends with the context or with the node's shutdown.
func TestSendWaitEnds(t *testing.T) {
	w := chain.NewWaiters()
	s := newSubmitter(t, fakeChain{height: 3, maxTTL: 100}, &mempool{}, w, 0)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.Send(ctx, records.TypeEndpoint, records.SetEndpoint{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("no commit before the deadline: %v", err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := s.Send(context.Background(), records.TypeEndpoint, records.SetEndpoint{})
		errc <- err
	}()
	for deadline := time.Now().Add(5 * time.Second); w.Pending() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("Send never waited")
		}
	}
	w.Close()
	if err := <-errc; !errors.Is(err, ErrStopped) {
		t.Fatalf("shutdown while waiting: %v", err)
	}
	if _, err := s.Send(context.Background(), records.TypeEndpoint, records.SetEndpoint{}); !errors.Is(err, ErrStopped) {
		t.Fatalf("Send after shutdown: %v", err)
	}
}
