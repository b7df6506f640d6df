// Package localtx signs and submits the transactions a node sends on its
// own behalf, with a key the node itself holds: a custodian's access
// receipts and records-endpoint announcements (internal/vault), its
// devices' batch anchors (internal/monitor), the EPCIS events its
// organisation's members capture through the node's EPCIS binding
// (internal/epcisrepo, signed as the organisation, never as the member)
// and the alerts of suspect scans (internal/node). A Submitter per key builds the
// envelope of internal/tx with one nonce scheme and an expiry inside the
// chain's MaxTxTTL, puts the transaction in the node's mempool through an
// injected broadcast function, and can wait for it to commit; a refusal,
// at check or in its block, comes back with the chain's stable code.
//
// It is node-side code, not consensus code: it reads the committed height
// and waits on contexts, so no module and no ABCI handler may call it. It
// must not sign for users: their transactions come signed from their own
// clients (the Go SDK in client/ builds those), and a node never holds a
// user's key.
package localtx

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"

	cmted25519 "github.com/cometbft/cometbft/crypto/ed25519"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	"github.com/cometbft/cometbft/types"

	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/tx"
)

// Broadcast puts an encoded transaction in the node's mempool and returns
// CheckTx's answer (CometBFT's broadcast_tx_sync; the in-process RPC
// client's BroadcastTxSync is one). An error is the transport's: the
// chain's refusal is a non-zero code in the result.
type Broadcast func(ctx context.Context, raw types.Tx) (*coretypes.ResultBroadcastTx, error)

// Chain is what a Submitter reads of the node's chain application;
// *chain.App is one.
type Chain interface {
	ChainID() string
	Params() chain.Params
	// Height is the last committed height.
	Height() int64
}

// DefaultTTL is how many blocks past the next one a transaction stays
// valid unless Options.TTL says otherwise. The chain's MaxTxTTL bounds it.
const DefaultTTL = 50

// Options configure a Submitter.
type Options struct {
	// Key is the node-held key that signs.
	Key       cmted25519.PrivKey
	Chain     Chain
	Broadcast Broadcast
	// Waiters hands Send the committed results. Its owner feeds it
	// (app.Subscribe(w.Committed)) and closes it; nil is allowed for a
	// Submitter that never waits (Send then fails).
	Waiters *chain.Waiters
	// TTL is how many blocks past the next height a transaction stays
	// valid (default DefaultTTL), never more than the chain's MaxTxTTL.
	TTL int64
}

// Custodian is an organisation whose data this node keeps (records,
// device readings, EPCIS events) and whose custodian identity it holds:
// Signer is the node's Submitter of the key of a member of Org with the
// custodian role, which signs what the node writes for the organisation
// (access receipts, endpoint announcements, telemetry anchors and alerts,
// captured supply events). The vault, the monitor and the EPCIS
// repository take the same list.
type Custodian struct {
	Org    string
	Signer *Submitter
}

// Submitter signs, submits and follows the transactions of one node-held
// key. It is safe for concurrent use. Use one Submitter per key, so that
// the key's transactions share one nonce sequence.
type Submitter struct {
	key       cmted25519.PrivKey
	pub       tx.PubKey
	chain     Chain
	broadcast Broadcast
	waiters   *chain.Waiters
	ttl       int64
	// nonce is the last nonce used. The chain needs a nonce only to tell
	// apart transactions whose bodies are otherwise identical (two
	// announcements of the same URL, two alerts for the same pack): it
	// remembers hashes, not nonces. A counter makes every transaction of
	// this Submitter distinct by construction, with no clock (which can
	// step back) and no state to keep across restarts; its seed, drawn
	// once from crypto/rand below 2^52, keeps the sequences of two runs
	// (or two processes holding the same key) apart unless their seeds
	// fall within as many transactions of each other, and leaves 2^52
	// nonces of room below 2^53, so that every nonce stays exact as a
	// JavaScript number.
	nonce atomic.Uint64
}

// maxNonce is the largest nonce a Submitter uses (2^53-1: exact in a
// JavaScript number, as the SDK's).
const maxNonce = 1<<53 - 1

// New returns a Submitter for opts.Key.
func New(opts Options) (*Submitter, error) {
	if opts.Key == nil || opts.Chain == nil || opts.Broadcast == nil {
		return nil, errors.New("localtx: Options.Key, Chain and Broadcast are required")
	}
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
	}
	var seed [8]byte
	rand.Read(seed[:]) // never fails (crypto/rand, Go 1.24+)
	s := &Submitter{key: opts.Key, pub: tx.PubKey(opts.Key.PubKey().Bytes()), chain: opts.Chain,
		broadcast: opts.Broadcast, waiters: opts.Waiters, ttl: opts.TTL}
	s.nonce.Store(binary.BigEndian.Uint64(seed[:]) & (maxNonce >> 1)) // below 2^52
	return s, nil
}

// PubKey is the signing key's public half.
func (s *Submitter) PubKey() tx.PubKey { return s.pub }

// Build signs msg (any value that marshals to the message's JSON) as a
// transaction of type typ for the chain: the next nonce, and an expiry TTL
// blocks past the next height, at most the chain's MaxTxTTL.
func (s *Submitter) Build(typ string, msg any) ([]byte, error) {
	m, err := json.Marshal(msg)
	if err != nil {
		return nil, fmt.Errorf("localtx: marshal %s message: %w", typ, err)
	}
	next := s.chain.Height() + 1
	raw, err := tx.Sign(s.key, tx.Body{ChainID: s.chain.ChainID(), Nonce: s.nonce.Add(1),
		Expires: next + min(s.ttl, s.chain.Params().MaxTxTTL), Type: typ, Msg: m})
	if err != nil {
		return nil, fmt.Errorf("localtx: %w", err)
	}
	return raw, nil
}

// Refused is a transaction the chain refused: in CheckTx (Height 0) or in
// its block.
type Refused struct {
	Hash tx.Hash
	// Code is the chain's stable code of the refusal.
	Code   ledger.Code
	Log    string
	Height int64
}

func (e *Refused) Error() string {
	if e.Height == 0 {
		return fmt.Sprintf("localtx: tx %s refused at check: %s: %s", e.Hash, e.Code.ID(), e.Log)
	}
	return fmt.Sprintf("localtx: tx %s refused in block %d: %s: %s", e.Hash, e.Height, e.Code.ID(), e.Log)
}

// ErrStopped is a wait that ended because the node is shutting down.
var ErrStopped = errors.New("localtx: shutting down")

// Submit builds msg as a transaction of type typ and puts it in the
// mempool. It returns the transaction's hash once CheckTx accepted it; a
// refusal is a *Refused.
func (s *Submitter) Submit(ctx context.Context, typ string, msg any) (tx.Hash, error) {
	raw, err := s.Build(typ, msg)
	if err != nil {
		return tx.Hash{}, err
	}
	hash := tx.HashOf(raw)
	return hash, s.submit(ctx, raw, hash)
}

func (s *Submitter) submit(ctx context.Context, raw []byte, hash tx.Hash) error {
	res, err := s.broadcast(ctx, raw)
	switch {
	case err != nil:
		return fmt.Errorf("localtx: tx %s not submitted: %w", hash, err)
	case res == nil:
		return fmt.Errorf("localtx: tx %s not submitted: the node returned no result", hash)
	case res.Code != 0:
		return &Refused{Hash: hash, Code: codeOf(res.Codespace, res.Code), Log: res.Log}
	}
	return nil
}

// codeOf finds the chain's code of a CheckTx answer; one the chain does
// not know (it never answers one) is kept as it came, of kind internal.
func codeOf(space string, number uint32) ledger.Code {
	if c, ok := chain.Lookup(space, number); ok {
		return c
	}
	return ledger.Code{Space: space, Number: number, Name: fmt.Sprintf("code_%d", number), Kind: ledger.KindInternal}
}

// Send builds msg as a transaction of type typ, submits it and waits until
// it commits, ctx ends or the node shuts down (ErrStopped). It returns the
// committed outcome; a refusal, at check or in the block, is a *Refused.
func (s *Submitter) Send(ctx context.Context, typ string, msg any) (chain.Outcome, error) {
	_, o, err := s.SendTx(ctx, typ, msg)
	return o, err
}

// SendTx is Send that also returns the transaction's hash, whatever
// became of it.
func (s *Submitter) SendTx(ctx context.Context, typ string, msg any) (tx.Hash, chain.Outcome, error) {
	if s.waiters == nil {
		return tx.Hash{}, chain.Outcome{}, errors.New("localtx: Send needs Options.Waiters")
	}
	raw, err := s.Build(typ, msg)
	if err != nil {
		return tx.Hash{}, chain.Outcome{}, err
	}
	hash := tx.HashOf(raw)
	o, err := s.await(ctx, raw, hash)
	return hash, o, err
}

// await submits raw and waits for its outcome.
func (s *Submitter) await(ctx context.Context, raw []byte, hash tx.Hash) (chain.Outcome, error) {
	// Before broadcasting: the block could commit before we listen.
	done, cancel := s.waiters.Add(hash)
	defer cancel()
	select {
	case <-s.waiters.Stopped():
		return chain.Outcome{}, fmt.Errorf("%w: tx %s not submitted", ErrStopped, hash)
	default:
	}
	if err := s.submit(ctx, raw, hash); err != nil {
		return chain.Outcome{}, err
	}
	select {
	case o := <-done:
		if o.Result.Code.Number != 0 {
			return o, &Refused{Hash: hash, Code: o.Result.Code, Log: o.Result.Log, Height: o.Height}
		}
		return o, nil
	case <-s.waiters.Stopped():
		return chain.Outcome{}, fmt.Errorf("%w: tx %s did not commit", ErrStopped, hash)
	case <-ctx.Done():
		return chain.Outcome{}, fmt.Errorf("localtx: tx %s did not commit: %w", hash, ctx.Err())
	}
}
