package client

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	cmted25519 "github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/medchain/medchain/internal/tx"
)

// Msg is a message of a transaction (or of a signed request such as
// ReadRequest): every message type of this package implements it, and
// MsgType names the chain's message type ("identity/register-member"),
// which goes in the signed body next to the message's JSON.
type Msg interface {
	MsgType() string
}

// Signer signs transactions with one Ed25519 key.
type Signer struct {
	key ed25519.PrivateKey
}

// NewSigner returns a signer for key (see client/keystore for storing
// keys). It panics if key is not an Ed25519 private key of
// ed25519.PrivateKeySize bytes, as crypto/ed25519 does when signing.
func NewSigner(key ed25519.PrivateKey) *Signer {
	if len(key) != ed25519.PrivateKeySize {
		panic(fmt.Sprintf("client: NewSigner: an Ed25519 private key is %d bytes, not %d", ed25519.PrivateKeySize, len(key)))
	}
	return &Signer{key: key}
}

// PublicKey is the signer's public key as lower-case hex, the form the
// ledger uses in messages and IDs.
func (s *Signer) PublicKey() string { return hex.EncodeToString(s.key.Public().(ed25519.PublicKey)) }

// Wait says when Submit returns.
type Wait string

const (
	// WaitCommit returns once the transaction is in a committed block.
	WaitCommit Wait = "commit"
	// WaitSync returns once the node's mempool has checked it.
	WaitSync Wait = "sync"
)

// maxSafeNonce keeps nonces exact in JavaScript numbers.
const maxSafeNonce = 1<<53 - 1

// Build makes a signed transaction of msg (RegisterMember, GrantConsent
// ...), of the type msg.MsgType() names. The chain ID comes from the
// node's status, and the expiry is the latest height plus the client's TTL.
func (c *Client) Build(ctx context.Context, s *Signer, msg Msg) ([]byte, error) {
	return c.sign(ctx, s, msg, c.ttl)
}

// sign makes an envelope of msg signed by s, with a random nonce, for the
// node's chain, expiring ttl blocks past the latest height.
func (c *Client) sign(ctx context.Context, s *Signer, msg Msg, ttl int64) ([]byte, error) {
	if s == nil {
		return nil, errors.New("client: signing needs a signer")
	}
	if msg == nil {
		return nil, errors.New("client: Build needs a message")
	}
	msgType := msg.MsgType()
	m, err := json.Marshal(msg)
	if err != nil {
		return nil, fmt.Errorf("client: marshal %s message: %w", msgType, err)
	}
	chainID, height, err := c.chainAndHeight(ctx)
	if err != nil {
		return nil, err
	}
	var nb [8]byte
	if _, err := rand.Read(nb[:]); err != nil {
		return nil, fmt.Errorf("client: nonce: %w", err)
	}
	raw, err := tx.Sign(cmted25519.PrivKey(s.key), tx.Body{
		ChainID: chainID,
		Nonce:   binary.BigEndian.Uint64(nb[:]) & maxSafeNonce,
		Expires: height + ttl,
		Type:    msgType,
		Msg:     m,
	})
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	return raw, nil
}

// chainAndHeight returns the chain ID (read once) and the latest height
// (reused for up to a second).
func (c *Client) chainAndHeight(ctx context.Context) (string, int64, error) {
	c.chain.mu.Lock()
	chainID, height, fresh := c.chain.chainID, c.chain.height, time.Since(c.chain.heightRead) < statusMaxAge
	c.chain.mu.Unlock()
	if chainID != "" && fresh {
		return chainID, height, nil
	}
	st, err := c.Status(ctx)
	if err != nil {
		return "", 0, err
	}
	return st.ChainID, st.LatestBlockHeight, nil
}

// Submit sends an encoded transaction. A transaction the chain refuses, at
// check or in its block, is an *Error with its stable code (and, if it
// failed in a block, TxHash and Height). If it was accepted but did not
// commit in time, Submit returns the pending result and an error wrapping
// ErrPending.
func (c *Client) Submit(ctx context.Context, raw []byte, wait Wait) (*TxResult, error) {
	if wait == "" {
		wait = WaitCommit
	}
	var r TxResult
	status, err := c.do(ctx, http.MethodPost, "/v1/txs", url.Values{"wait": {string(wait)}}, raw, "application/octet-stream", &r)
	if err != nil {
		return nil, err
	}
	if wait == WaitCommit && (status == http.StatusAccepted || r.Status == StatusPending) {
		return &r, fmt.Errorf("%w: tx %s", ErrPending, r.Hash)
	}
	return &r, nil
}

// Send builds, signs and submits msg, and waits for the commit. Errors are
// as Submit's.
func (c *Client) Send(ctx context.Context, s *Signer, msg Msg) (*TxResult, error) {
	raw, err := c.Build(ctx, s, msg)
	if err != nil {
		return nil, err
	}
	return c.Submit(ctx, raw, WaitCommit)
}
