// Package ledger is the contract between the chain and its modules: the
// context a message handler runs in (state, block height and time, the
// authenticated signer), the events it emits, and how a module declares its
// routes and its genesis.
//
// Handlers are deterministic: they read time only from Context.Time (the block
// header's), never start goroutines, never do I/O and never iterate maps for
// anything that reaches state. This package imports no ABCI, HTTP or module code.
package ledger

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/medchain/medchain/internal/jsondec"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/tx"
)

// PrincipalKind says what kind of identity signed a transaction.
type PrincipalKind string

const (
	// Member is a person, device or system of a member organisation.
	Member PrincipalKind = "member"
	// Patient is a self-registered patient under a pseudonymous ID.
	Patient PrincipalKind = "patient"
)

// Principal is the authenticated identity behind a transaction's signer key.
type Principal struct {
	ID    string        `json:"id"`
	Kind  PrincipalKind `json:"kind"`
	Org   string        `json:"org,omitempty"`
	Roles []Role        `json:"roles,omitempty"`
	Key   tx.PubKey     `json:"key"`
}

// HasRole reports whether the principal holds role.
func (p Principal) HasRole(role Role) bool { return slices.Contains(p.Roles, role) }

// ValidPatientID checks the form of a patient's pseudonymous ID: "pt-" and
// 20 lower-case hex digits (identity derives it from the patient's key).
func ValidPatientID(id string) error {
	if len(id) != 23 || id[:3] != "pt-" || strings.Trim(id[3:], "0123456789abcdef") != "" {
		return fmt.Errorf("%q is not a patient ID (pt- and 20 lower-case hex digits)", id)
	}
	return nil
}

// HasAnyRole reports whether the principal holds at least one of roles.
func (p Principal) HasAnyRole(roles ...Role) bool {
	return slices.ContainsFunc(p.Roles, func(r Role) bool { return slices.Contains(roles, r) })
}

// IsZero reports whether no identity is attached (an open route's signer).
func (p Principal) IsZero() bool { return p.ID == "" }

// Attr is one event attribute.
type Attr struct {
	Key, Value string
}

// Event is something a handler reports happened; the chain turns it into an
// ABCI event, indexable by clients.
type Event struct {
	Type  string
	Attrs []Attr
}

// Context is what a handler sees of the ledger while it executes one message.
type Context struct {
	// Store is the transaction's view of state. Its writes are discarded if
	// the handler returns an error.
	Store   state.Store
	ChainID string
	Height  int64
	// Time is the block time from the header: the only clock there is.
	Time   time.Time
	TxHash tx.Hash
	// Signer is the authenticated principal. It is zero on an open route
	// (one that creates the signer's identity).
	Signer Principal
	// SignerKey is the key that signed, set on every route.
	SignerKey tx.PubKey
	// Check is true while the mempool checks a transaction: handlers must
	// behave identically, but may skip work whose only effect is on events.
	Check bool
	// LastCommit lists the validators (addresses: upper-case hex of the
	// first 20 bytes of the SHA-256 of the Ed25519 key) whose votes
	// committed the previous block, sorted, as the block records them (the
	// mempool sees the latest block's); nil when the block records none (the
	// first block). Part of the block, so the same on every node.
	LastCommit []string

	events []Event
}

// Emit records an event, made by one of the module's declared EventTypes.
func (c *Context) Emit(e Event) { c.events = append(c.events, e) }

// SignedLastBlock reports whether the validator of address (as in
// LastCommit) voted for the previous block, and whether that is known.
func (c *Context) SignedLastBlock(address string) (signed, known bool) {
	if len(c.LastCommit) == 0 {
		return false, false
	}
	_, found := slices.BinarySearch(c.LastCommit, address)
	return found, true
}

// Events returns what was emitted.
func (c *Context) Events() []Event { return c.events }

// Sub returns a context over store that shares c's block, signer and events;
// used to run a nested action whose writes may be discarded.
func (c *Context) Sub(store state.Store) *Context {
	s := *c
	s.Store = store
	s.events = nil
	return &s
}

// Adopt appends the events of a sub-context whose writes were kept.
func (c *Context) Adopt(sub *Context) { c.events = append(c.events, sub.events...) }

// Handler executes one message. It returns a result that the chain encodes as
// JSON in the transaction's result data (nil for none).
type Handler func(ctx *Context, msg json.RawMessage) (any, error)

// Route binds a message type ("module/action") to its handler.
type Route struct {
	Type    string
	Handler Handler
	// Open routes accept a signer key that has no identity yet: the message
	// creates it (patient self-registration).
	Open bool
}

// Module is one of medchain's modules as the chain sees it. The chain's
// module list (internal/chain/modules.go) names each once; its routes,
// genesis section, end-of-block step, error codes and events come from here.
type Module interface {
	// Name is the module's name: the first part of its message types, its
	// genesis section, its error codespace and its event names.
	Name() string
	Routes() []Route
	// Codes is the module's code table: a row for every exported error.
	Codes() []ErrorCode
	// Events declares every event the module emits.
	Events() []EventType
	// InitGenesis writes the module's genesis state. raw may be empty.
	InitGenesis(ctx *Context, raw json.RawMessage) error
}

// ProposalAction is a change a module makes only when a governance
// proposal carrying it passes (a module's parameters, say). Type is
// "module/action"; Validate runs when the proposal is made, Execute when it
// passes, and Execute's writes are discarded if it fails.
type ProposalAction struct {
	Type     string
	Validate func(ctx *Context, payload json.RawMessage) error
	Execute  func(ctx *Context, payload json.RawMessage) error
}

// Governed is implemented by modules that have proposal actions; the chain
// registers them with governance from the module list.
type Governed interface {
	ProposalActions() []ProposalAction
}

// KeyReader is implemented by modules some of whose private state keys
// some callers may have proven (GET /v1/proofs): a patient their own
// grants, say. Keys under prefixes marked public (state.Map.Public) are
// proven to anyone without asking; any other key only when its owning
// module implements KeyReader and allows p (zero for an anonymous caller).
type KeyReader interface {
	MayProve(r state.Reader, p Principal, key string, now time.Time) bool
}

// NoGenesis is embedded by modules that take no genesis state: their
// section must be absent, null or {}.
type NoGenesis struct{}

// InitGenesis implements Module.
func (NoGenesis) InitGenesis(ctx *Context, raw json.RawMessage) error {
	if s := string(bytes.TrimSpace(raw)); s != "" && s != "null" && s != "{}" {
		return errors.New("the module takes no genesis state")
	}
	return nil
}

// Created is the result of a message that creates something with an ID.
type Created struct {
	ID string `json:"id"`
}

// IDFrom derives an object's ID from the hash of the transaction that
// creates it: prefix and the first 24 hex digits of the hash, so that the
// client knows the ID before the transaction commits.
func IDFrom(prefix string, h tx.Hash) string { return prefix + hex.EncodeToString(h[:12]) }

// EndBlocker is implemented by modules that act at the end of each block
// (expiring proposals, for instance).
type EndBlocker interface {
	EndBlock(ctx *Context) error
}

// ErrNotEntitled is a query about a patient, an organisation's patients or
// who read what, by a caller the ledger does not entitle to the answer
// (docs/design.md §3.11). The module whose data it is decides, and wraps it with
// who may see instead; the refusal never says whether the thing asked
// about exists.
var ErrNotEntitled = errors.New("not entitled to see this")

// ErrInvalidMsg is the error for a message that does not decode or fails
// its own validation. Modules may wrap it.
var ErrInvalidMsg = errors.New("invalid message")

// Validator is implemented by messages that check their own form.
type Validator interface{ Validate() error }

// Decode strictly decodes a message: unknown fields, trailing data and text
// that is not valid UTF-8 are errors, said in the message's JSON terms
// (jsondec), never Go's; and a message that implements Validator is
// validated.
func Decode[M any](raw json.RawMessage) (M, error) {
	var m M
	if err := jsondec.Strict(raw, &m); err != nil {
		return m, fmt.Errorf("%w: %v", ErrInvalidMsg, err)
	}
	if v, ok := any(&m).(Validator); ok {
		if err := v.Validate(); err != nil {
			return m, fmt.Errorf("%w: %w", ErrInvalidMsg, err)
		}
	}
	return m, nil
}

// Handle adapts a typed handler function to a Handler.
func Handle[M any](fn func(*Context, M) (any, error)) Handler {
	return func(ctx *Context, raw json.RawMessage) (any, error) {
		m, err := Decode[M](raw)
		if err != nil {
			return nil, err
		}
		return fn(ctx, m)
	}
}
