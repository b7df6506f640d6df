// Package apiauth authenticates the callers of the API's private reads
// (docs/design.md §3.11). A caller proves it holds a key the ledger knows in one
// of two ways:
//
//   - a signed request: the header "Authorization: Medchain <base64>" carries
//     a transaction envelope (package tx) of type auth/read whose message
//     names the request's method and URI. It is valid for one request, on
//     one chain, until its expiry height, and only once on this node;
//   - a bearer token: "Authorization: Bearer mct_…", obtained by posting a
//     signed auth/token request to POST /v1/auth/tokens. It lives at most an
//     hour, on the node that issued it.
//
// Either way the result is the signer's key. Whether that key still belongs
// to an active identity, and whether that identity may see what it asks
// for, the API decides against committed state on every request: revoking a
// key or suspending a member ends its tokens at once.
//
// The package reads no state. It keeps, in memory, the signed requests it
// has seen (until they expire) and the tokens it issued (hashed).
package apiauth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/medchain/medchain/internal/jsondec"
	"github.com/medchain/medchain/internal/tx"
)

// Message types of the signed requests this package takes. No chain route
// takes them, so neither can be submitted as a transaction, and a
// transaction cannot stand in for one.
const (
	TypeRead  = "auth/read"
	TypeToken = "auth/token"
)

// Authorization schemes.
const (
	// SchemeSigned is the scheme of a signed request: the credential is
	// the standard base64 of the encoded envelope.
	SchemeSigned = "Medchain"
	// SchemeBearer is the scheme of a token issued by POST /v1/auth/tokens.
	SchemeBearer = "Bearer"
	// TokenPrefix starts every token, so that a leaked one is recognisable
	// (secret scanners) and a signed request is never mistaken for one.
	TokenPrefix = "mct_"
)

// Limits.
const (
	// MaxRequest bounds an encoded signed request (a read's envelope holds
	// a method and a URI).
	MaxRequest = 4 << 10
	// MaxURI bounds the URI a signed read names.
	MaxURI = 2048
	// DefaultTokenTTL, MinTokenTTL and MaxTokenTTL bound how long a token
	// lives.
	DefaultTokenTTL = 15 * time.Minute
	MinTokenTTL     = time.Minute
	MaxTokenTTL     = time.Hour
	// MaxTokensPerKey is how many live tokens one key may hold on a node;
	// issuing another ends the oldest.
	MaxTokensPerKey = 16
	// MaxTokens and MaxSeen bound the node's memory: live tokens, and
	// signed requests remembered until they expire.
	MaxTokens = 100_000
	MaxSeen   = 1_000_000
)

// ErrUnauthenticated is the error of every failed authentication, wrapped
// with what was wrong.
var ErrUnauthenticated = errors.New("apiauth: unauthenticated")

// ErrBusy is returned when the node holds as many tokens or remembered
// requests as it may: the caller should retry later.
var ErrBusy = errors.New("apiauth: too many live credentials on this node")

// Read is the message of a signed read: the request it authorises.
//
//	{"method": "GET", "uri": "/v1/patients/pt-…/grants?limit=10"}
//
// URI is the request's path and query exactly as sent (the request line's
// target): percent-encoding and parameter order included.
type Read struct {
	Method string `json:"method"`
	URI    string `json:"uri"`
}

// Validate checks the message's form.
func (m *Read) Validate() error {
	switch {
	case m.Method == "" || strings.ToUpper(m.Method) != m.Method || strings.ContainsAny(m.Method, " \t/"):
		return fmt.Errorf("method %q: an HTTP method in upper case, such as GET", m.Method)
	case !strings.HasPrefix(m.URI, "/"):
		return fmt.Errorf("uri %q: the request's path and query, starting with /", m.URI)
	case len(m.URI) > MaxURI:
		return fmt.Errorf("uri: %d bytes exceeds %d", len(m.URI), MaxURI)
	case strings.ContainsAny(m.URI, "# \t\r\n"):
		return fmt.Errorf("uri %q: no fragment and no white space", m.URI)
	}
	return nil
}

// Token is the message of a token request.
//
//	{"ttl_seconds": 900}
type Token struct {
	// TTLSeconds is how long the token lives, from 60 to 3600; 0 means
	// DefaultTokenTTL.
	TTLSeconds int64 `json:"ttl_seconds,omitempty"`
}

// Validate checks the message's form.
func (m *Token) Validate() error {
	if m.TTLSeconds != 0 && (m.TTLSeconds < int64(MinTokenTTL/time.Second) || m.TTLSeconds > int64(MaxTokenTTL/time.Second)) {
		return fmt.Errorf("ttl_seconds %d: from %d to %d (0: %d)", m.TTLSeconds,
			int64(MinTokenTTL/time.Second), int64(MaxTokenTTL/time.Second), int64(DefaultTokenTTL/time.Second))
	}
	return nil
}

// TTL is the token's lifetime.
func (m Token) TTL() time.Duration {
	if m.TTLSeconds == 0 {
		return DefaultTokenTTL
	}
	return time.Duration(m.TTLSeconds) * time.Second
}

// Window is where the chain stands, for the validity of a signed request:
// the chain's ID, the next block's height and how far past it a request may
// expire (the chain's MaxTxTTL, as for a transaction).
type Window struct {
	ChainID string
	Height  int64
	MaxTTL  int64
}

// Authenticator checks credentials and issues tokens. It is safe for
// concurrent use.
type Authenticator struct {
	now func() time.Time

	mu     sync.Mutex
	seen   map[tx.Hash]int64 // signed request -> its expiry height
	tokens map[[32]byte]session
	byKey  map[string][][32]byte // key -> its tokens, oldest first
}

type session struct {
	key     tx.PubKey
	expires time.Time
}

// New returns an Authenticator. now is its clock (nil: time.Now).
func New(now func() time.Time) *Authenticator {
	if now == nil {
		now = time.Now
	}
	return &Authenticator{now: now, seen: map[tx.Hash]int64{}, tokens: map[[32]byte]session{}, byKey: map[string][][32]byte{}}
}

// ParseAuthorization splits an Authorization header into its scheme and
// credential. An empty header gives "", "", nil: an anonymous caller.
func ParseAuthorization(h string) (scheme, cred string, err error) {
	if h == "" {
		return "", "", nil
	}
	scheme, cred, ok := strings.Cut(h, " ")
	cred = strings.TrimLeft(cred, " ")
	switch {
	case !ok || cred == "":
		return "", "", fmt.Errorf("%w: Authorization must be %q or %q", ErrUnauthenticated,
			SchemeSigned+" <signed request in base64>", SchemeBearer+" <token>")
	case strings.EqualFold(scheme, SchemeSigned):
		return SchemeSigned, cred, nil
	case strings.EqualFold(scheme, SchemeBearer):
		return SchemeBearer, cred, nil
	}
	return "", "", fmt.Errorf("%w: Authorization scheme %q is not %s or %s", ErrUnauthenticated, scheme, SchemeSigned, SchemeBearer)
}

// decode checks a signed request's envelope, signature, type, message and
// validity window, and returns it with its message.
func decode[M any, PM interface {
	*M
	Validate() error
}](raw []byte, typ string, w Window) (*tx.Tx, M, error) {
	var m M
	t, err := tx.DecodeLimit(raw, MaxRequest)
	if err != nil {
		return nil, m, fmt.Errorf("%w: signed request: %v", ErrUnauthenticated, strings.TrimPrefix(err.Error(), tx.ErrMalformed.Error()+": "))
	}
	if err := t.Verify(); err != nil {
		return nil, m, fmt.Errorf("%w: signed request: the signature does not verify with key %s", ErrUnauthenticated, t.Body.Signer)
	}
	switch b := &t.Body; {
	case b.Type != typ:
		return nil, m, fmt.Errorf("%w: signed request: type is %q, not %q", ErrUnauthenticated, b.Type, typ)
	case b.ChainID != w.ChainID:
		return nil, m, fmt.Errorf("%w: signed request: signed for chain %q, this is %q", ErrUnauthenticated, b.ChainID, w.ChainID)
	case b.Expires < w.Height:
		return nil, m, fmt.Errorf("%w: signed request: expired at height %d, the next block is %d; sign a new one", ErrUnauthenticated, b.Expires, w.Height)
	case b.Expires > w.Height+w.MaxTTL:
		return nil, m, fmt.Errorf("%w: signed request: expires %d is more than %d blocks past the next block %d", ErrUnauthenticated, b.Expires, w.MaxTTL, w.Height)
	}
	if err := jsondec.Strict(t.Body.Msg, &m); err != nil {
		return nil, m, fmt.Errorf("%w: signed request: msg: %v", ErrUnauthenticated, err)
	}
	if err := PM(&m).Validate(); err != nil {
		return nil, m, fmt.Errorf("%w: signed request: msg: %v", ErrUnauthenticated, err)
	}
	return t, m, nil
}

// Signed checks the credential of a signed request (SchemeSigned) made
// with method and uri (the request target as received) and returns its
// signer's key. A request is taken once: the same bytes again are refused
// until they expire.
func (a *Authenticator) Signed(cred, method, uri string, w Window) (tx.PubKey, error) {
	raw, err := decodeBase64(cred)
	if err != nil {
		return nil, err
	}
	t, m, err := decode[Read](raw, TypeRead, w)
	if err != nil {
		return nil, err
	}
	if m.Method != method || m.URI != uri {
		return nil, fmt.Errorf("%w: signed request is for %s %s, not %s %s", ErrUnauthenticated, m.Method, m.URI, method, uri)
	}
	if err := a.remember(t, w.Height); err != nil {
		return nil, err
	}
	return t.Body.Signer, nil
}

func decodeBase64(cred string) ([]byte, error) {
	if len(cred) > MaxRequest*4/3+4 {
		return nil, fmt.Errorf("%w: signed request exceeds %d bytes", ErrUnauthenticated, MaxRequest)
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(cred)
	if err != nil {
		return nil, fmt.Errorf("%w: signed request is not standard base64", ErrUnauthenticated)
	}
	return raw, nil
}

// remember refuses a signed request seen before and remembers it until it
// expires; expired ones are forgotten as the map grows.
func (a *Authenticator) remember(t *tx.Tx, height int64) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, dup := a.seen[t.Hash]; dup {
		return fmt.Errorf("%w: signed request %s was already used; sign a new one for every request, or get a token", ErrUnauthenticated, t.Hash)
	}
	if len(a.seen) >= MaxSeen {
		for h, exp := range a.seen {
			if exp < height {
				delete(a.seen, h)
			}
		}
		if len(a.seen) >= MaxSeen {
			return fmt.Errorf("%w: %d signed requests are live; use a token", ErrBusy, len(a.seen))
		}
	}
	a.seen[t.Hash] = t.Body.Expires
	return nil
}

// Issued is a token as POST /v1/auth/tokens answers it.
type Issued struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	Key       tx.PubKey `json:"key"`
}

// Issue checks a signed token request (the encoded envelope) and issues a
// token for its signer. The caller checks that the signer is an identity
// before handing the token out, and calls Revoke if it is not.
func (a *Authenticator) Issue(raw []byte, w Window) (Issued, error) {
	t, m, err := decode[Token](raw, TypeToken, w)
	if err != nil {
		return Issued{}, err
	}
	if err := a.remember(t, w.Height); err != nil {
		return Issued{}, err
	}
	var secret [32]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return Issued{}, fmt.Errorf("apiauth: token: %w", err)
	}
	token := TokenPrefix + base64.RawURLEncoding.EncodeToString(secret[:])
	now := a.now()
	s := session{key: t.Body.Signer, expires: now.Add(m.TTL())}
	id := sha256.Sum256([]byte(token))
	k := s.key.String()

	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.tokens) >= MaxTokens {
		a.forgetExpired(now)
		if len(a.tokens) >= MaxTokens {
			return Issued{}, fmt.Errorf("%w: %d tokens are live", ErrBusy, len(a.tokens))
		}
	}
	if ids := a.byKey[k]; len(ids) >= MaxTokensPerKey {
		delete(a.tokens, ids[0])
		a.byKey[k] = ids[1:]
	}
	a.tokens[id] = s
	a.byKey[k] = append(a.byKey[k], id)
	return Issued{Token: token, ExpiresAt: s.expires.UTC().Truncate(time.Second), Key: s.key}, nil
}

func (a *Authenticator) forgetExpired(now time.Time) {
	for id, s := range a.tokens {
		if !now.Before(s.expires) {
			a.drop(id, s.key.String())
		}
	}
}

// drop removes a token; a.mu is held.
func (a *Authenticator) drop(id [32]byte, key string) {
	delete(a.tokens, id)
	ids := a.byKey[key]
	for i := range ids {
		if subtle.ConstantTimeCompare(ids[i][:], id[:]) == 1 {
			ids = append(ids[:i], ids[i+1:]...)
			break
		}
	}
	if len(ids) == 0 {
		delete(a.byKey, key)
	} else {
		a.byKey[key] = ids
	}
}

// Bearer checks a token and returns its key and expiry.
func (a *Authenticator) Bearer(token string) (tx.PubKey, time.Time, error) {
	if !strings.HasPrefix(token, TokenPrefix) {
		return nil, time.Time{}, fmt.Errorf("%w: a token starts with %q; a signed request goes with the %s scheme", ErrUnauthenticated, TokenPrefix, SchemeSigned)
	}
	id := sha256.Sum256([]byte(token))
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.tokens[id]
	switch {
	case !ok:
		return nil, time.Time{}, fmt.Errorf("%w: token is unknown on this node (tokens live on the node that issued them, until it restarts)", ErrUnauthenticated)
	case !now.Before(s.expires):
		a.drop(id, s.key.String())
		return nil, time.Time{}, fmt.Errorf("%w: token expired at %s; get a new one", ErrUnauthenticated, s.expires.UTC().Format(time.RFC3339))
	}
	return s.key, s.expires, nil
}

// Revoke ends a token. It reports whether the token was live.
func (a *Authenticator) Revoke(token string) bool {
	id := sha256.Sum256([]byte(token))
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.tokens[id]
	if ok {
		a.drop(id, s.key.String())
	}
	return ok
}

// Live reports how many tokens and remembered signed requests the node
// holds (for metrics and tests).
func (a *Authenticator) Live() (tokens, seen int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.tokens), len(a.seen)
}

// Credential builds the credential of a signed request: the standard
// base64 of an envelope of typ and msg signed with key. Go clients use the
// SDK (client.Client.WithSigner); this is for the node's tests and tools.
func Credential(key ed25519.PrivKey, chainID string, nonce uint64, expires int64, typ string, msg any) (string, error) {
	mb, err := json.Marshal(msg)
	if err != nil {
		return "", err
	}
	raw, err := tx.Sign(key, tx.Body{ChainID: chainID, Nonce: nonce, Expires: expires, Type: typ, Msg: mb})
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(raw), nil
}
