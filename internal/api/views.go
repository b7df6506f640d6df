package api

import (
	"encoding/json"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medchain/medchain/internal/governance"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
)

// The types below are the JSON the API answers with; openapi.json describes
// each of them (a test validates real responses against it). Conventions:
// snake_case fields, public keys as lower-case hex, hashes as upper-case hex
// (as CometBFT prints them), times in RFC 3339 UTC, heights as integers.

type healthView struct {
	Status string `json:"status"`
}

type statusView struct {
	ChainID           string    `json:"chain_id"`
	NodeID            string    `json:"node_id"`
	Moniker           string    `json:"moniker"`
	NodeVersion       string    `json:"node_version"`
	AppVersion        uint64    `json:"app_version"`
	LatestBlockHeight int64     `json:"latest_block_height"`
	LatestBlockHash   string    `json:"latest_block_hash"`
	LatestAppHash     string    `json:"latest_app_hash"`
	LatestBlockTime   time.Time `json:"latest_block_time"`
	// StateHeight is the height of the state that queries read.
	StateHeight  int64    `json:"state_height"`
	CatchingUp   bool     `json:"catching_up"`
	MessageTypes []string `json:"message_types"`
}

// Submission status.
const (
	statusCommitted = "committed"
	statusPending   = "pending"
)

type submitView struct {
	Hash   string  `json:"hash"`
	Status string  `json:"status"`
	Height int64   `json:"height,omitempty"`
	Index  *uint32 `json:"index,omitempty"`
	Code   *uint32 `json:"code,omitempty"`
	// Result is the message handler's JSON result ({"id": ...}), if any.
	Result json.RawMessage `json:"result,omitempty"`
}

type attrView struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type eventView struct {
	Type       string     `json:"type"`
	Attributes []attrView `json:"attributes"`
}

func eventsOf(evs []abci.Event) []eventView {
	out := make([]eventView, 0, len(evs))
	for _, e := range evs {
		ev := eventView{Type: e.Type, Attributes: make([]attrView, 0, len(e.Attributes))}
		for _, a := range e.Attributes {
			ev.Attributes = append(ev.Attributes, attrView{Key: a.Key, Value: a.Value})
		}
		out = append(out, ev)
	}
	return out
}

type txView struct {
	Hash      string `json:"hash"`
	Height    int64  `json:"height"`
	Index     uint32 `json:"index"`
	Code      uint32 `json:"code"`
	Codespace string `json:"codespace,omitempty"`
	// CodeID is the stable error code when the transaction failed.
	CodeID string `json:"code_id,omitempty"`
	Log    string `json:"log,omitempty"`
	Type   string `json:"type,omitempty"`
	// SignerID is the identity that holds the signing key, if any does.
	// Keys never change owner, so it is the signer at execution too.
	SignerID string `json:"signer_id,omitempty"`
	// Body is the signed body exactly as signed; null if the bytes do not
	// decode as a transaction.
	Body   json.RawMessage `json:"body"`
	Result json.RawMessage `json:"result,omitempty"`
	Events []eventView     `json:"events"`
	// Redacted is true when the caller is not the signer: the signer, log,
	// body, result and events, which may name patients, are left out.
	Redacted bool `json:"redacted,omitempty"`
}

type blockTxView struct {
	Hash   string `json:"hash"`
	Type   string `json:"type,omitempty"`
	Code   uint32 `json:"code"`
	CodeID string `json:"code_id,omitempty"`
}

type blockView struct {
	Height int64     `json:"height"`
	Time   time.Time `json:"time"`
	Hash   string    `json:"hash"`
	// AppHash is the header's: the state root after the previous block.
	AppHash         string        `json:"app_hash"`
	ProposerAddress string        `json:"proposer_address"`
	Txs             []blockTxView `json:"txs"`
}

type pageView[T any] struct {
	Items []T `json:"items"`
	// Next is the "after" value of the next page; absent on the last page.
	Next string `json:"next,omitempty"`
}

type validatorKeyView struct {
	PublicKey string `json:"public_key"`
	Power     int64  `json:"power"`
	Pending   bool   `json:"pending,omitempty"`
}

type orgView struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	Kind      string            `json:"kind"`
	Status    string            `json:"status"`
	Joined    int64             `json:"joined"`
	Removed   int64             `json:"removed,omitempty"`
	Validator *validatorKeyView `json:"validator,omitempty"`
	// Misbehaviour: committed evidence against its validators.
	Misbehaviour []offenceView `json:"misbehaviour,omitempty"`
	Proof        *proofView    `json:"proof,omitempty"`
}

type offenceView struct {
	Type      string `json:"type"`
	PublicKey string `json:"public_key"`
	Height    int64  `json:"height"`
	Committed int64  `json:"committed"`
}

func orgOf(o governance.Org) orgView {
	v := orgView{ID: o.ID, Name: o.Name, Kind: string(o.Kind), Status: o.Status, Joined: o.Joined, Removed: o.Removed}
	if o.Validator != nil {
		v.Validator = &validatorKeyView{PublicKey: o.Validator.PublicKey.String(), Power: o.Validator.Power, Pending: o.Validator.Pending}
	}
	for _, m := range o.Misbehaviour {
		v.Misbehaviour = append(v.Misbehaviour, offenceView{Type: m.Type, PublicKey: m.PublicKey.String(), Height: m.Height, Committed: m.Committed})
	}
	return v
}

type memberView struct {
	ID           string                 `json:"id"`
	Org          string                 `json:"org"`
	Handle       string                 `json:"handle"`
	Kind         string                 `json:"kind"`
	Roles        []ledger.Role          `json:"roles"`
	Status       string                 `json:"status"`
	Created      int64                  `json:"created"`
	StatusChange *identity.StatusChange `json:"status_change,omitempty"`
}

func memberOf(m identity.Member) memberView {
	roles := m.Roles
	if roles == nil {
		roles = []ledger.Role{}
	}
	return memberView{ID: m.ID, Org: m.Org, Handle: m.Handle, Kind: string(m.Kind), Roles: roles, Status: m.Status, Created: m.Created, StatusChange: m.StatusChange}
}

type patientView struct {
	ID      string `json:"id"`
	Created int64  `json:"created"`
}

type keyView struct {
	PublicKey string `json:"public_key"`
	Owner     string `json:"owner"`
	OwnerKind string `json:"owner_kind"`
	Status    string `json:"status"`
	Added     int64  `json:"added"`
	Revoked   int64  `json:"revoked,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

func keyOf(k identity.Key) keyView {
	return keyView{PublicKey: k.PublicKey.String(), Owner: k.Owner, OwnerKind: string(k.OwnerKind),
		Status: k.Status, Added: k.Added, Revoked: k.Revoked, Reason: k.Reason}
}

// Identity kinds.
const (
	identityMember  = "member"
	identityPatient = "patient"
)

type identityView struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	// Exactly one of Member and Patient is set, as Kind says.
	Member  *memberView  `json:"member,omitempty"`
	Patient *patientView `json:"patient,omitempty"`
	Keys    []keyView    `json:"keys"`
	Proof   *proofView   `json:"proof,omitempty"`
}

type validatorView struct {
	Org       string `json:"org"`
	PublicKey string `json:"public_key"`
	Power     int64  `json:"power"`
}

type validatorsView struct {
	Height     int64           `json:"height"`
	TotalPower int64           `json:"total_power"`
	Items      []validatorView `json:"items"`
}

type actionView struct {
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload"`
}

type ballotView struct {
	Org     string `json:"org"`
	Member  string `json:"member"`
	Approve bool   `json:"approve"`
	Height  int64  `json:"height"`
}

type tallyView struct {
	Yes     int  `json:"yes"`
	No      int  `json:"no"`
	Members int  `json:"members"`
	Passes  bool `json:"passes"`
}

type proposalView struct {
	ID       uint64       `json:"id"`
	Title    string       `json:"title,omitempty"`
	Action   actionView   `json:"action"`
	Proposer string       `json:"proposer"`
	Org      string       `json:"org"`
	Created  int64        `json:"created"`
	Deadline int64        `json:"deadline"`
	Status   string       `json:"status"`
	Votes    []ballotView `json:"votes"`
	Decided  int64        `json:"decided,omitempty"`
	Reason   string       `json:"reason,omitempty"`
	// Tally counts the votes of the organisations active now.
	Tally tallyView `json:"tally"`
}

func proposalOf(p governance.Proposal, t governance.Tally) proposalView {
	payload := p.Action.Payload
	if len(payload) == 0 {
		payload = json.RawMessage("null")
	}
	v := proposalView{
		ID: p.ID, Title: p.Title, Action: actionView{Type: p.Action.Type, Payload: payload},
		Proposer: p.Proposer, Org: p.Org, Created: p.Created, Deadline: p.Deadline, Status: p.Status,
		Votes: make([]ballotView, 0, len(p.Votes)), Decided: p.Decided, Reason: p.Reason,
		Tally: tallyView{Yes: t.Yes, No: t.No, Members: t.Members, Passes: t.Passes()},
	}
	for _, b := range p.Votes {
		v.Votes = append(v.Votes, ballotView{Org: b.Org, Member: b.Member, Approve: b.Approve, Height: b.Height})
	}
	return v
}

// proofView is an ICS23 proof that Key holds Value (or, with a null Value,
// that it is absent) in the state after block Height. The proof verifies
// against the app hash in the header of block VerifyAgainst.BlockHeight
// (Height+1), which a light client can check; Root is the same hash as this
// node computed it, for convenience only: do not trust it.
type proofView struct {
	Height        int64           `json:"height"`
	Key           string          `json:"key"`
	Value         []byte          `json:"value"`
	Proof         []byte          `json:"proof"`
	Root          string          `json:"root"`
	VerifyAgainst verifyAgainstVw `json:"verify_against"`
}

type verifyAgainstVw struct {
	BlockHeight int64  `json:"block_height"`
	Field       string `json:"field"`
}
