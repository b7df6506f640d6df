// Package light checks medchain proofs the way a client that trusts no node
// must: against a block header that CometBFT's light client verified,
// starting from a header the user trusts (its height and hash, obtained out
// of band: from another organisation's node, a validator's published
// checkpoint). It runs CometBFT's own light client (cometbft/light) over
// the CometBFT RPC of one node or more, in memory, and checks a proof of
// state after block H against the app hash of header H+1, the header that
// commits to that state.
//
// It is a package of its own, apart from the SDK (client), because it
// brings CometBFT's RPC client and light client with it; an integrator that
// only reads and sends imports client alone. It must not import the node's
// packages (modules, state store, CometBFT's node side), and it decides
// nothing a proof or a header does not show.
package light

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	cmtlight "github.com/cometbft/cometbft/light"
	"github.com/cometbft/cometbft/light/provider"
	provhttp "github.com/cometbft/cometbft/light/provider/http"
	lightdb "github.com/cometbft/cometbft/light/store/db"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/medchain/medchain/client"
)

// DefaultTrustPeriod is the trusting period when TrustOptions.Period is
// zero: a week, as CometBFT's state sync assumes. A trusted header older
// than its period is refused; pick a newer one.
const DefaultTrustPeriod = 7 * 24 * time.Hour

// ErrHeader is returned when a header cannot be verified from the trusted
// one: the trusted hash is not the node's header at that height, the node
// is on another chain, the commit is not signed by enough of the trusted
// validators, the trusted header is older than the trusting period.
var ErrHeader = errors.New("light: header not verified")

// TrustOptions are the light client's root of trust: the header at Height
// whose hash is Hash. Get them from a source other than the node you ask,
// e.g. `medchain block HEIGHT -o json --node OTHER-ORG` (its "hash").
type TrustOptions struct {
	Height int64
	// Hash is the header's hash (the block ID hash), 32 bytes.
	Hash []byte
	// Period is how long a verified header stays trusted (zero:
	// DefaultTrustPeriod). It must be shorter than the time the network
	// would need to notice and remove a misbehaving validator.
	Period time.Duration
	// ChainID, if set, is the chain the nodes must be on. The trusted hash
	// binds the chain anyway; this makes a wrong node a clearer error.
	ChainID string
}

// Header is a header the light client verified.
type Header struct {
	ChainID string    `json:"chain_id"`
	Height  int64     `json:"height"`
	Hash    []byte    `json:"hash"`
	AppHash []byte    `json:"app_hash"`
	Time    time.Time `json:"time"`
}

// VerifiedProof says what a proof was verified against.
type VerifiedProof struct {
	// Key holds Value in the state after block Height (a nil Value: the
	// key is absent from it).
	Key    string `json:"key"`
	Value  []byte `json:"value"`
	Height int64  `json:"height"`
	// Header is header Height+1, whose app hash the proof verifies
	// against, as the light client verified it.
	Header Header `json:"header"`
	// TrustedHeight and TrustedHash are the root of trust it was verified
	// from.
	TrustedHeight int64  `json:"trusted_height"`
	TrustedHash   []byte `json:"trusted_hash"`
}

// Verifier verifies headers with CometBFT's light client and proofs against
// them. It keeps the headers it verified in memory. It is safe for
// concurrent use.
type Verifier struct {
	mu      sync.Mutex
	lc      *cmtlight.Client
	rpc     *rpchttp.HTTP
	primary string
	chainID string
	trust   TrustOptions
}

// NewVerifier starts a light client from trust over the CometBFT RPC at
// rpcURL (http://host:26657; a node keeps it on loopback, see
// docs/operations.md), cross-checking with the witnesses' RPC, if any. It
// fetches the trusted header and checks its hash and its commit. Without a
// witness the primary is its own witness: nothing is cross-checked, but
// every header is still verified from the trusted one.
func NewVerifier(ctx context.Context, trust TrustOptions, rpcURL string, witnesses ...string) (*Verifier, error) {
	if trust.Period == 0 {
		trust.Period = DefaultTrustPeriod
	}
	switch {
	case trust.Height <= 0:
		return nil, fmt.Errorf("light: the trusted height must be positive, got %d", trust.Height)
	case len(trust.Hash) != 32:
		return nil, fmt.Errorf("light: the trusted hash must be 32 bytes (64 hex digits), got %d bytes", len(trust.Hash))
	case trust.Period < 0:
		return nil, fmt.Errorf("light: the trusting period must be positive, got %s", trust.Period)
	}
	rpcURL = withScheme(rpcURL)
	rpc, err := rpchttp.New(rpcURL, "/websocket")
	if err != nil {
		return nil, fmt.Errorf("light: CometBFT RPC %s: %w", rpcURL, err)
	}
	st, err := rpc.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("light: CometBFT RPC %s: status: %w", rpcURL, err)
	}
	chainID := st.NodeInfo.Network
	if trust.ChainID != "" && chainID != trust.ChainID {
		return nil, fmt.Errorf("%w: the node at %s is on chain %q, not %q", ErrHeader, rpcURL, chainID, trust.ChainID)
	}
	if latest := st.SyncInfo.LatestBlockHeight; latest < trust.Height {
		return nil, fmt.Errorf("%w: the node at %s (chain %q) is at height %d, below the trusted height %d: is it the chain you trust?", ErrHeader, rpcURL, chainID, latest, trust.Height)
	}
	primary, err := provhttp.New(chainID, rpcURL)
	if err != nil {
		return nil, fmt.Errorf("light: CometBFT RPC %s: %w", rpcURL, err)
	}
	var ws []provider.Provider
	if len(witnesses) == 0 {
		witnesses = []string{rpcURL}
	}
	for _, w := range witnesses {
		p, err := provhttp.New(chainID, withScheme(w))
		if err != nil {
			return nil, fmt.Errorf("light: witness %s: %w", w, err)
		}
		ws = append(ws, p)
	}
	lc, err := cmtlight.NewClient(ctx, chainID,
		cmtlight.TrustOptions{Period: trust.Period, Height: trust.Height, Hash: trust.Hash},
		primary, ws, lightdb.New(dbm.NewMemDB(), chainID))
	if err != nil {
		return nil, fmt.Errorf("%w: the trusted header at height %d (chain %q, RPC %s): %v", ErrHeader, trust.Height, chainID, rpcURL, err)
	}
	trust.ChainID = chainID
	return &Verifier{lc: lc, rpc: rpc, primary: rpcURL, chainID: chainID, trust: trust}, nil
}

// withScheme reads host:port as http://host:port; tcp:// (how CometBFT's
// config writes it) as http://.
func withScheme(u string) string {
	if rest, ok := strings.CutPrefix(u, "tcp://"); ok {
		return "http://" + rest
	}
	if !strings.Contains(u, "://") {
		return "http://" + u
	}
	return u
}

// ChainID is the chain the verifier follows.
func (v *Verifier) ChainID() string { return v.chainID }

// Trusted is the root of trust the verifier started from (its ChainID set).
func (v *Verifier) Trusted() TrustOptions { return v.trust }

// Header verifies header height from the trusted one and returns it,
// waiting (until ctx is done, 30 s at most) for a block not made yet.
func (v *Verifier) Header(ctx context.Context, height int64) (*Header, error) {
	if height <= 0 {
		return nil, fmt.Errorf("light: no header at height %d", height)
	}
	if err := v.await(ctx, height); err != nil {
		return nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	lb, err := v.lc.VerifyLightBlockAtHeight(ctx, height, time.Now())
	if err != nil {
		return nil, fmt.Errorf("%w: header %d from trusted height %d (hash %X): %v", ErrHeader, height, v.trust.Height, v.trust.Hash, err)
	}
	return &Header{ChainID: lb.ChainID, Height: lb.Height, Hash: lb.Hash(), AppHash: bytes.Clone(lb.AppHash), Time: lb.Time}, nil
}

// await waits until the primary has block height: the light client would
// otherwise take a block not made yet for a fault of the primary.
func (v *Verifier) await(ctx context.Context, height int64) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		st, err := v.rpc.Status(ctx)
		if err == nil && st.SyncInfo.LatestBlockHeight >= height {
			return nil
		}
		select {
		case <-ctx.Done():
			if err != nil {
				return fmt.Errorf("light: CometBFT RPC %s: status: %w", v.primary, err)
			}
			return fmt.Errorf("light: the node at %s has no block %d yet (latest %d): %w", v.primary, height, st.SyncInfo.LatestBlockHeight, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Verify checks p against the header that commits to its state: a proof of
// the state after block H verifies against the app hash of header H+1,
// which the light client verifies from the trusted header first. The error
// wraps client.ErrProof when the proof does not verify against it, and
// ErrHeader when the header is not verified.
func (v *Verifier) Verify(ctx context.Context, p *client.Proof) (*VerifiedProof, error) {
	if p == nil {
		return nil, fmt.Errorf("%w: no proof", client.ErrProof)
	}
	if p.Height <= 0 {
		return nil, fmt.Errorf("%w: of %q at height %d: a proof is of the state after a block", client.ErrProof, p.Key, p.Height)
	}
	next := p.Height + 1
	if a := p.VerifyAgainst; (a.BlockHeight != 0 && a.BlockHeight != next) || (a.Field != "" && a.Field != "app_hash") {
		return nil, fmt.Errorf("%w: the proof of %q at height %d names the %s of block %d; it verifies against the app_hash of block %d", client.ErrProof, p.Key, p.Height, a.Field, a.BlockHeight, next)
	}
	h, err := v.Header(ctx, next)
	if err != nil {
		return nil, err
	}
	if err := client.VerifyProof(p, h.AppHash); err != nil {
		return nil, fmt.Errorf("%w (the app hash of header %d, verified from trusted height %d)", err, h.Height, v.trust.Height)
	}
	return &VerifiedProof{
		Key: p.Key, Value: bytes.Clone(p.Value), Height: p.Height, Header: *h,
		TrustedHeight: v.trust.Height, TrustedHash: bytes.Clone(v.trust.Hash),
	}, nil
}
