// Package client is the Go SDK for a medchain node's HTTP API: it builds and
// signs transactions, submits them, and reads committed state (with Merkle
// proofs that it can verify). The medchain CLI and benchmarks use only this
// package to talk to a node; integrators import it the same way.
//
// Every message type (RegisterMember, GrantConsent, Ship ...) implements
// Msg: it knows its transaction type, so Send takes just the message. The
// types are the SDK's own, kept field for field equal to the chain's by
// tests; NewSigner takes a crypto/ed25519 key.
//
// Reads of private data (a patient's records, grants and access log, blood
// donations, lookbacks) are answered only to a caller the ledger entitles:
// c.As(signer) is a copy of c whose reads are signed by that key, and
// c.WithToken(tok.Token), after tok, _ := c.Token(ctx, signer, ttl), one
// that sends a bearer token. Without either such a read fails with
// CodeUnauthenticated; for a caller not entitled, with CodeNotEntitled.
//
// A Client is safe for concurrent use. Errors the node reports are *Error
// values carrying the API's stable code: test them with IsCode and the Code
// constants (IsCode(err, CodeIdentityKeyRevoked)), never by matching text.
//
// What it must not do: hold or persist private keys beyond the Signer a
// caller gives it (client/keystore stores keys), decide whether a
// transaction is allowed (the chain does), or trust a node's word where a
// proof can be checked: VerifyProof takes the app hash from the caller, who
// should get it from a header they trust (client/light verifies headers
// with CometBFT's light client, and proofs against them). It must not
// import the node's
// packages (modules, state, CometBFT's node side): integrators import it
// without building a node, and a test keeps it so.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultTTL is how many blocks past the latest a built transaction stays
// valid, unless WithTTL says otherwise.
const DefaultTTL = 100

// statusMaxAge bounds how long Build reuses the latest height it read.
const statusMaxAge = time.Second

// Client talks to one node's HTTP API. Its requests carry no credential,
// unless it is a copy made by As (its reads are signed) or WithToken (its
// requests carry a bearer token); the copies share what the client learnt
// of the chain.
type Client struct {
	base string
	http *http.Client
	ttl  int64

	chain *chainCache
	// reader, if set, signs every GET (As); token, if set, goes with every
	// request (WithToken).
	reader *Signer
	token  string
}

// chainCache is what a client and its copies know of the chain: its ID
// (read once) and its latest height (reused for up to statusMaxAge).
type chainCache struct {
	mu         sync.Mutex
	chainID    string
	height     int64
	heightRead time.Time
}

// forgetOlderThan forgets the height if it was read before t, so that the
// next signature reads it again, and reports whether it did.
func (cc *chainCache) forgetOlderThan(t time.Time) bool {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if !cc.heightRead.Before(t) {
		return false
	}
	cc.heightRead = time.Time{}
	return true
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client (for timeouts, TLS, proxies).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithTTL sets how many blocks past the latest height a transaction built
// by Build stays valid. The chain bounds it (1000 blocks by default).
func WithTTL(blocks int64) Option { return func(c *Client) { c.ttl = blocks } }

// New returns a client of the API at baseURL ("http://localhost:26680").
func New(baseURL string, opts ...Option) *Client {
	c := &Client{
		base: strings.TrimRight(baseURL, "/"),
		http: &http.Client{Timeout: time.Minute},
		ttl:  DefaultTTL,

		chain: &chainCache{},
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Error is a problem the API reported (RFC 9457), or an HTTP failure that
// was not one.
type Error struct {
	// Status is the HTTP status.
	Status int
	// Code is the stable error code, e.g. CodeIdentityKeyRevoked
	// ("identity.key_revoked"); empty if the response was not a problem
	// document.
	Code  string
	Title string
	// Detail says what went wrong this time, for people.
	Detail string
	// Field is the request parameter or body field at fault, if any.
	Field string
	// TxHash and Height are set when a transaction failed in a block (or
	// was a replay of one committed at Height).
	TxHash string
	Height int64
	// Receipt names the access receipt of a refused read, which the
	// custodian writes in its next batch; empty when the refusal is not
	// receipted (the reader is neither a member, the patient nor a
	// delegate, or its key is over the custodian's limit).
	Receipt string
	// RetryAfter is how long the node asks the client to wait before
	// sending again (429 api.rate_limited; its Retry-After), or 0.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Code != "" {
		b.WriteString(e.Code)
	} else {
		fmt.Fprintf(&b, "HTTP %d %s", e.Status, http.StatusText(e.Status))
	}
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	} else if e.Title != "" {
		b.WriteString(": " + e.Title)
	}
	if e.TxHash != "" {
		fmt.Fprintf(&b, " (tx %s", e.TxHash)
		if e.Height > 0 {
			fmt.Fprintf(&b, " at height %d", e.Height)
		}
		b.WriteString(")")
	}
	return b.String()
}

// IsCode reports whether err is, or wraps, an *Error with the stable code
// (one of the Code constants, or an "api." code of the API's own:
// "api.rate_limited" when the client's address sent too many requests; wait
// Error.RetryAfter).
func IsCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// ErrPending is returned, with the result, by Submit and Send when the
// transaction was accepted but not committed within the node's commit
// timeout. Look it up later with Tx.
var ErrPending = errors.New("client: transaction accepted but not committed yet")

// do sends a request and decodes a 2xx JSON answer into out. It returns the
// status; any answer of 400 or more is an *Error.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body []byte, contentType string, out any) (int, error) {
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	resp, b, err := c.send(ctx, method, u, body, contentType)
	if err == nil && resp.StatusCode == http.StatusUnauthorized && c.reader != nil && method == http.MethodGet && c.chain.forgetOlderThan(resp.sent) {
		// The read was signed with a height read before it: if blocks came
		// fast since, it expired on the way. Sign again with a fresh one.
		resp, b, err = c.send(ctx, method, u, body, contentType)
	}
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		return status, fmt.Errorf("client: %s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 400 {
		return resp.StatusCode, problemOf(resp.Response, b)
	}
	if raw, ok := out.(*[]byte); ok { // a body that is not JSON (a CSV export)
		*raw = b
	} else if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf("client: %s %s: decode response: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}

// sentResponse is a response and when its request was signed.
type sentResponse struct {
	*http.Response
	sent time.Time
}

// send makes one request with the client's credential and reads the
// answer (at most 64 MiB).
func (c *Client) send(ctx context.Context, method, u string, body []byte, contentType string) (*sentResponse, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", "application/json, application/problem+json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	epcisHeaders(ctx, req)
	sent := time.Now()
	if err := c.authorize(ctx, req); err != nil {
		return nil, nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return &sentResponse{resp, sent}, nil, fmt.Errorf("read response: %w", err)
	}
	return &sentResponse{resp, sent}, b, nil
}

func problemOf(resp *http.Response, body []byte) *Error {
	e := &Error{Status: resp.StatusCode}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		e.RetryAfter = time.Duration(s) * time.Second
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt == "application/problem+json" {
		var p struct {
			Title   string `json:"title"`
			Detail  string `json:"detail"`
			Code    string `json:"code"`
			Field   string `json:"field"`
			TxHash  string `json:"tx_hash"`
			Height  int64  `json:"height"`
			Receipt string `json:"receipt"`
		}
		if json.Unmarshal(body, &p) == nil {
			e.Code, e.Title, e.Detail, e.Field, e.TxHash, e.Height = p.Code, p.Title, p.Detail, p.Field, p.TxHash, p.Height
			e.Receipt = p.Receipt
			return e
		}
	}
	if mt == "application/fhir+json" {
		// The FHIR facade's OperationOutcome: the stable code is the
		// coding of system urn:medchain:problem.
		var o struct {
			ResourceType string `json:"resourceType"`
			Issue        []struct {
				Diagnostics string `json:"diagnostics"`
				Details     struct {
					Text   string `json:"text"`
					Coding []struct {
						System string `json:"system"`
						Code   string `json:"code"`
					} `json:"coding"`
				} `json:"details"`
			} `json:"issue"`
		}
		if json.Unmarshal(body, &o) == nil && o.ResourceType == "OperationOutcome" && len(o.Issue) > 0 {
			is := o.Issue[0]
			e.Title, e.Detail, e.Receipt = is.Details.Text, is.Diagnostics, resp.Header.Get(FHIRReceiptHeader)
			for _, c := range is.Details.Coding {
				if c.System == "urn:medchain:problem" {
					e.Code = c.Code
				}
			}
			return e
		}
	}
	// Not a problem document (a proxy's error page, say): keep a little of it.
	d := strings.TrimSpace(string(body))
	if len(d) > 200 {
		d = d[:200] + "..."
	}
	e.Title, e.Detail = http.StatusText(resp.StatusCode), d
	return e
}

func (c *Client) get(ctx context.Context, path string, query url.Values, out any) error {
	_, err := c.do(ctx, http.MethodGet, path, query, nil, "", out)
	return err
}

// fetch GETs path and decodes the answer into a new T.
func fetch[T any](ctx context.Context, c *Client, path string, query url.Values) (*T, error) {
	var v T
	if err := c.get(ctx, path, query, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// ReadOption adjusts a read.
type ReadOption func(url.Values)

// WithProof asks for a Merkle proof of the record's state key; the answer's
// Proof field is then set. Check it with VerifyProof.
func WithProof() ReadOption { return func(q url.Values) { q.Set("prove", "true") } }

func readQuery(opts []ReadOption) url.Values {
	q := url.Values{}
	for _, o := range opts {
		o(q)
	}
	return q
}

func pageQuery(after string, limit int) url.Values {
	q := url.Values{}
	if after != "" {
		q.Set("after", after)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	return q
}

// Status reads the node's status.
func (c *Client) Status(ctx context.Context) (*Status, error) {
	var s Status
	// Unsigned: a signed read needs the status first.
	if err := c.anonymous().get(ctx, "/v1/status", nil, &s); err != nil {
		return nil, err
	}
	c.chain.mu.Lock()
	c.chain.chainID, c.chain.height, c.chain.heightRead = s.ChainID, s.LatestBlockHeight, time.Now()
	c.chain.mu.Unlock()
	return &s, nil
}

// Tx reads a committed transaction by hash (hex). Only its signer sees
// its body, signer, log, result and events (sign the read with As, or use
// a token); to anyone else the answer is Redacted.
func (c *Client) Tx(ctx context.Context, hash string) (*Tx, error) {
	return fetch[Tx](ctx, c, "/v1/txs/"+url.PathEscape(hash), nil)
}

// Block reads the block at height; 0 means the latest.
func (c *Client) Block(ctx context.Context, height int64) (*Block, error) {
	path := "/v1/blocks/latest"
	if height != 0 {
		path = "/v1/blocks/" + strconv.FormatInt(height, 10)
	}
	return fetch[Block](ctx, c, path, nil)
}

// Orgs reads a page of organisations with IDs after after; limit 0 means
// the server's default (100). Pass the page's Next as after for the next.
func (c *Client) Orgs(ctx context.Context, after string, limit int) (*Page[Org], error) {
	return fetch[Page[Org]](ctx, c, "/v1/orgs", pageQuery(after, limit))
}

// Org reads one organisation.
func (c *Client) Org(ctx context.Context, id string, opts ...ReadOption) (*Org, error) {
	return fetch[Org](ctx, c, "/v1/orgs/"+url.PathEscape(id), readQuery(opts))
}

// Members reads a page of an organisation's members, by handle.
func (c *Client) Members(ctx context.Context, org, after string, limit int) (*Page[Member], error) {
	return fetch[Page[Member]](ctx, c, "/v1/orgs/"+url.PathEscape(org)+"/members", pageQuery(after, limit))
}

// Identity reads a member ("org/handle") or patient ("pt-...") and its
// keys. A patient is shown only to the patient, its delegates and members:
// sign the read with As (or use WithToken).
func (c *Client) Identity(ctx context.Context, id string, opts ...ReadOption) (*Identity, error) {
	return fetch[Identity](ctx, c, "/v1/identities/"+url.PathEscape(id), readQuery(opts))
}

// Key reads a public key's record (hex key). A patient's key is shown only
// to the patient, its delegates and members (As or WithToken).
func (c *Client) Key(ctx context.Context, publicKey string) (*Key, error) {
	return fetch[Key](ctx, c, "/v1/keys/"+url.PathEscape(publicKey), nil)
}

// Validators reads the validator set.
func (c *Client) Validators(ctx context.Context) (*Validators, error) {
	return fetch[Validators](ctx, c, "/v1/validators", nil)
}

// Proposals reads a page of proposals numbered after after ("" for the
// first page).
func (c *Client) Proposals(ctx context.Context, after string, limit int) (*Page[Proposal], error) {
	return fetch[Page[Proposal]](ctx, c, "/v1/proposals", pageQuery(after, limit))
}

// Proposal reads one proposal with its current tally.
func (c *Client) Proposal(ctx context.Context, id uint64) (*Proposal, error) {
	return fetch[Proposal](ctx, c, "/v1/proposals/"+strconv.FormatUint(id, 10), nil)
}

// Proof reads a proof of a state key at height (0: the latest state). A
// key outside the ledger's public state is proven only to a caller entitled
// to its value (As or WithToken).
func (c *Client) Proof(ctx context.Context, key string, height int64) (*Proof, error) {
	q := url.Values{"key": {key}}
	if height != 0 {
		q.Set("height", strconv.FormatInt(height, 10))
	}
	return fetch[Proof](ctx, c, "/v1/proofs", q)
}
