package client

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Reads of private data (a patient's records, grants, delegates, access
// log, break-glass windows; blood donations and lookbacks; who read what)
// are answered only to a caller the ledger entitles. A client proves who
// it is in one of two ways:
//
//   - As(signer): every GET (and the claims pre-check, a POST that reads)
//     carries a fresh signed request (TypeReadAuth)
//     naming its method and URI, valid once, for ReadTTL blocks;
//   - Token(ctx, signer, ttl) then WithToken(token): a bearer token the
//     node issued for a signed TypeTokenRequest, good on that node until it
//     expires or EndToken ends it.
//
// A read without either is refused with CodeUnauthenticated; one by a
// caller the ledger does not entitle, with CodeNotEntitled. Reads whose
// answer depends on the caller (Tx, Identity and Key of a patient, Proof,
// TraceLot) answer anyone, and say more to an entitled caller.

// Message types of the signed requests that authenticate a reader. They
// are signed like transactions, sent to a node in a header or body, and
// never routed: no chain route takes them.
const (
	// TypeReadAuth is a signed read (ReadAuth).
	TypeReadAuth = "auth/read"
	// TypeTokenRequest asks for a bearer token (TokenRequest).
	TypeTokenRequest = "auth/token"
)

// Stable codes of a refused private read (see also the chain's
// CodeChain... constants).
const (
	// CodeUnauthenticated: the read needs a signed request or a token, or
	// the one sent is not valid (expired, used already, signed for another
	// request, a key the ledger does not know).
	CodeUnauthenticated = "api.unauthenticated"
	// CodeNotEntitled: the caller is authenticated but the ledger does not
	// entitle it to the answer; the same code as CodeChainNotEntitled.
	CodeNotEntitled = "chain.not_entitled"
)

// ReadTTL is how many blocks past the latest height a signed read made by
// a client of As stays valid.
const ReadTTL = 30

// ReadAuth is the message of a signed read: the request it authorises.
// Clients of As sign one for every GET; the node takes each only once.
type ReadAuth struct {
	// Method is the HTTP method, upper case ("GET").
	Method string `json:"method"`
	// URI is the request's path and query exactly as sent
	// ("/v1/patients/pt-.../grants?limit=10").
	URI string `json:"uri"`
}

// MsgType implements Msg.
func (ReadAuth) MsgType() string { return TypeReadAuth }

// TokenRequest is the message of a request for a bearer token.
type TokenRequest struct {
	// TTLSeconds is how long the token lives, from 60 to 3600; 0 means the
	// node's default (900).
	TTLSeconds int64 `json:"ttl_seconds,omitempty"`
}

// MsgType implements Msg.
func (TokenRequest) MsgType() string { return TypeTokenRequest }

// Principal is the identity a credential stands for.
type Principal struct {
	// ID is a member's "org/handle" or a patient's "pt-...".
	ID string `json:"id"`
	// Kind is "member" or "patient".
	Kind string `json:"kind"`
	// Org is a member's organisation.
	Org string `json:"org,omitempty"`
	// Roles are a member's roles.
	Roles []string `json:"roles,omitempty"`
	// Key is the signing key (hex).
	Key string `json:"key"`
}

// Token is a bearer token the node issued (Token); pass Token.Token to
// WithToken.
type Token struct {
	// Token is the secret ("mct_..."): keep it like a password.
	Token string `json:"token"`
	// ExpiresAt is when the node stops taking it.
	ExpiresAt time.Time `json:"expires_at"`
	// Key is the key it stands for (hex).
	Key string `json:"key"`
	// Identity is the identity holding Key when it was issued.
	Identity Principal `json:"identity"`
}

// As returns a copy of the client whose GET requests are signed by s: each
// carries a fresh TypeReadAuth request for exactly its method and URI
// (Authorization: Medchain <base64>), expiring ReadTTL blocks past the
// latest height the client knows. Other requests are unchanged (a
// transaction or signed request carries its own signature). The copy shares
// the client's HTTP client and what it knows of the chain.
func (c *Client) As(s *Signer) *Client {
	cp := *c
	cp.reader, cp.token = s, ""
	return &cp
}

// WithToken returns a copy of the client whose requests carry the bearer
// token (Authorization: Bearer <token>), from Token.
func (c *Client) WithToken(token string) *Client {
	cp := *c
	cp.reader, cp.token = nil, token
	return &cp
}

// anonymous is a copy of the client that sends no credential.
func (c *Client) anonymous() *Client {
	if c.reader == nil && c.token == "" {
		return c
	}
	cp := *c
	cp.reader, cp.token = nil, ""
	return &cp
}

// Token asks the node for a bearer token standing for s's key, living ttl
// (from a minute to an hour; 0 means the node's default, 15 minutes), and
// returns it with the identity it stands for. Use it with WithToken. The
// token is good only on this node.
func (c *Client) Token(ctx context.Context, s *Signer, ttl time.Duration) (*Token, error) {
	if ttl < 0 || ttl%time.Second != 0 {
		return nil, fmt.Errorf("client: token lifetime %v must be a whole number of seconds", ttl)
	}
	var t Token
	if _, err := c.anonymous().signed(ctx, s, "/v1/auth/tokens", TokenRequest{TTLSeconds: int64(ttl / time.Second)}, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// EndToken ends the token of a client made by WithToken: the node takes it
// no more.
func (c *Client) EndToken(ctx context.Context) error {
	if c.token == "" {
		return errors.New("client: EndToken needs a client made by WithToken")
	}
	_, err := c.do(ctx, http.MethodDelete, "/v1/auth/tokens/current", nil, nil, "", nil)
	return err
}

// Whoami reads the identity the client's credential (As or WithToken)
// stands for: a way to check a set-up. Without one it fails with
// CodeUnauthenticated.
func (c *Client) Whoami(ctx context.Context) (*Principal, error) {
	return fetch[Principal](ctx, c, "/v1/auth/whoami", nil)
}

// signPostKey marks a context whose POST is a read that says more to an
// entitled caller (the claims pre-check): As signs it as it signs a GET.
type signPostKey struct{}

func withSignedPost(ctx context.Context) context.Context {
	return context.WithValue(ctx, signPostKey{}, true)
}

func signedPost(ctx context.Context) bool { b, _ := ctx.Value(signPostKey{}).(bool); return b }

// authorize puts the client's credential, if any, on req.
func (c *Client) authorize(ctx context.Context, req *http.Request) error {
	switch {
	case c.token != "":
		req.Header.Set("Authorization", "Bearer "+c.token)
	case c.reader != nil && (req.Method == http.MethodGet || signedPost(ctx)):
		raw, err := c.sign(ctx, c.reader, ReadAuth{Method: req.Method, URI: req.URL.RequestURI()}, ReadTTL)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Medchain "+base64.StdEncoding.EncodeToString(raw))
	}
	return nil
}
