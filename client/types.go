package client

import (
	"encoding/json"
	"fmt"
	"time"
)

// The types below mirror the API's JSON (internal/api/openapi.json).
// Public keys are lower-case hex, hashes upper-case hex.

// Status is the node's view of the chain.
type Status struct {
	ChainID           string    `json:"chain_id"`
	NodeID            string    `json:"node_id"`
	Moniker           string    `json:"moniker"`
	NodeVersion       string    `json:"node_version"`
	AppVersion        uint64    `json:"app_version"`
	LatestBlockHeight int64     `json:"latest_block_height"`
	LatestBlockHash   string    `json:"latest_block_hash"`
	LatestAppHash     string    `json:"latest_app_hash"`
	LatestBlockTime   time.Time `json:"latest_block_time"`
	// StateHeight is the height of the committed state that reads see.
	StateHeight  int64    `json:"state_height"`
	CatchingUp   bool     `json:"catching_up"`
	MessageTypes []string `json:"message_types"`
}

// Submission statuses.
const (
	StatusCommitted = "committed"
	StatusPending   = "pending"
)

// TxResult is the answer to a submission.
type TxResult struct {
	Hash string `json:"hash"`
	// Status is StatusCommitted, or StatusPending (after WaitSync, or when
	// the commit took longer than the node waits).
	Status string `json:"status"`
	// Height, Index and Code are set once committed.
	Height int64   `json:"height,omitempty"`
	Index  *uint32 `json:"index,omitempty"`
	Code   *uint32 `json:"code,omitempty"`
	// Result is the message handler's JSON result, if any ({"id": ...}).
	Result json.RawMessage `json:"result,omitempty"`
}

// Committed reports whether the transaction is in a committed block.
func (r *TxResult) Committed() bool { return r.Status == StatusCommitted }

// Decode unmarshals the handler's result into v.
func (r *TxResult) Decode(v any) error {
	if len(r.Result) == 0 {
		return fmt.Errorf("client: tx %s has no result", r.Hash)
	}
	return json.Unmarshal(r.Result, v)
}

// Created is the result of messages that create an identity.
type Created struct {
	ID string `json:"id"`
}

// Outcome is the result of a Propose or Vote.
type Outcome struct {
	Proposal uint64 `json:"proposal"`
	Status   string `json:"status"`
}

// Tx is a committed transaction.
type Tx struct {
	Hash      string `json:"hash"`
	Height    int64  `json:"height"`
	Index     uint32 `json:"index"`
	Code      uint32 `json:"code"`
	Codespace string `json:"codespace,omitempty"`
	// CodeID is the stable error code if the transaction failed.
	CodeID string `json:"code_id,omitempty"`
	Log    string `json:"log,omitempty"`
	Type   string `json:"type,omitempty"`
	// SignerID is the identity holding the signing key, if any.
	SignerID string `json:"signer_id,omitempty"`
	// Body is the signed body; nil if the bytes were not a transaction.
	Body   *TxBody         `json:"body"`
	Result json.RawMessage `json:"result,omitempty"`
	Events []Event         `json:"events"`
	// Redacted is true when the reader is not the transaction's signer:
	// SignerID, Log, Body, Result and Events, which may name patients, are
	// left out. Read it with As(signer) or a token to see them.
	Redacted bool `json:"redacted,omitempty"`
}

// TxBody is what a transaction's signer signed.
type TxBody struct {
	ChainID string          `json:"chain_id"`
	Signer  string          `json:"signer"`
	Nonce   uint64          `json:"nonce"`
	Expires int64           `json:"expires"`
	Type    string          `json:"type"`
	Msg     json.RawMessage `json:"msg"`
}

// Event is something a transaction's execution reported.
type Event struct {
	Type       string      `json:"type"`
	Attributes []Attribute `json:"attributes"`
}

// Attribute is one key and value of an Event.
type Attribute struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Block is a committed block.
type Block struct {
	Height int64     `json:"height"`
	Time   time.Time `json:"time"`
	Hash   string    `json:"hash"`
	// AppHash is the state root after the previous block: a proof at
	// height h verifies against block h+1's AppHash.
	AppHash         string    `json:"app_hash"`
	ProposerAddress string    `json:"proposer_address"`
	Txs             []BlockTx `json:"txs"`
}

// BlockTx is a transaction as a block lists it.
type BlockTx struct {
	Hash   string `json:"hash"`
	Type   string `json:"type,omitempty"`
	Code   uint32 `json:"code"`
	CodeID string `json:"code_id,omitempty"`
}

// Page is one page of a listing.
type Page[T any] struct {
	Items []T `json:"items"`
	// Next is the after value for the next page; empty on the last page.
	Next string `json:"next,omitempty"`
}

// ValidatorKey is a consensus key and its voting power.
type ValidatorKey struct {
	PublicKey string `json:"public_key"`
	Power     int64  `json:"power"`
	// Pending (in answers): the key was admitted but its node has not yet
	// shown that it runs; its power does not count until it has (the node
	// sends governance/validator-ready itself once it has caught up).
	Pending bool `json:"pending,omitempty"`
}

// Org is a member organisation.
type Org struct {
	ID        string        `json:"id"`
	Name      string        `json:"name"`
	Kind      string        `json:"kind"`
	Status    string        `json:"status"`
	Joined    int64         `json:"joined"`
	Removed   int64         `json:"removed,omitempty"`
	Validator *ValidatorKey `json:"validator,omitempty"`
	// Misbehaviour lists the committed evidence against its validators,
	// oldest first; each took the validator out of the set.
	Misbehaviour []Offence `json:"misbehaviour,omitempty"`
	// Proof is set when read WithProof.
	Proof *Proof `json:"proof,omitempty"`
}

// Offence is committed evidence that a validator misbehaved.
type Offence struct {
	// Type is "duplicate-vote" or "light-client-attack".
	Type      string `json:"type"`
	PublicKey string `json:"public_key"`
	// Height is when it misbehaved; Committed, the block that recorded it.
	Height    int64 `json:"height"`
	Committed int64 `json:"committed"`
}

// Member is a person, device or system of an organisation.
type Member struct {
	ID      string   `json:"id"`
	Org     string   `json:"org"`
	Handle  string   `json:"handle"`
	Kind    string   `json:"kind"`
	Roles   []string `json:"roles"`
	Status  string   `json:"status"`
	Created int64    `json:"created"`
	// StatusChange is the last suspension or reinstatement, if any.
	StatusChange *StatusChange `json:"status_change,omitempty"`
}

// StatusChange is an admin's decision on a member's status: who, when, why.
type StatusChange struct {
	// Status is the status decided: "suspended" or "active".
	Status string `json:"status"`
	// By is the admin's member ID.
	By string `json:"by"`
	// Reason is the admin's reason code (one of StatusReasons), if given.
	Reason string `json:"reason,omitempty"`
	// Height is the block of the decision.
	Height int64 `json:"height"`
}

// Patient is a self-registered patient: a pseudonymous ID.
type Patient struct {
	ID      string `json:"id"`
	Created int64  `json:"created"`
}

// Key is a public key's record.
type Key struct {
	PublicKey string `json:"public_key"`
	Owner     string `json:"owner"`
	OwnerKind string `json:"owner_kind"`
	Status    string `json:"status"`
	Added     int64  `json:"added"`
	Revoked   int64  `json:"revoked,omitempty"`
	// Reason is the revocation's reason code (one of KeyRevokeReasons), if
	// given.
	Reason string `json:"reason,omitempty"`
}

// Identity is a member or a patient with every key it has held.
type Identity struct {
	ID string `json:"id"`
	// Kind is "member" or "patient"; the matching field is set.
	Kind    string   `json:"kind"`
	Member  *Member  `json:"member,omitempty"`
	Patient *Patient `json:"patient,omitempty"`
	Keys    []Key    `json:"keys"`
	// Proof is set when read WithProof.
	Proof *Proof `json:"proof,omitempty"`
}

// Validator is one member of the validator set.
type Validator struct {
	Org       string `json:"org"`
	PublicKey string `json:"public_key"`
	Power     int64  `json:"power"`
}

// Validators is the validator set at a height.
type Validators struct {
	Height     int64       `json:"height"`
	TotalPower int64       `json:"total_power"`
	Items      []Validator `json:"items"`
}

// Ballot is one organisation's recorded vote on a proposal.
type Ballot struct {
	Org     string `json:"org"`
	Member  string `json:"member"`
	Approve bool   `json:"approve"`
	Height  int64  `json:"height"`
}

// Tally counts the votes of the organisations active now; a decided
// proposal's is the tally it was decided on.
type Tally struct {
	Yes     int  `json:"yes"`
	No      int  `json:"no"`
	Members int  `json:"members"`
	Passes  bool `json:"passes"`
}

// Proposal is a change put to the member organisations.
type Proposal struct {
	ID       uint64   `json:"id"`
	Title    string   `json:"title,omitempty"`
	Action   Action   `json:"action"`
	Proposer string   `json:"proposer"`
	Org      string   `json:"org"`
	Created  int64    `json:"created"`
	Deadline int64    `json:"deadline"`
	Status   string   `json:"status"`
	Votes    []Ballot `json:"votes"`
	Decided  int64    `json:"decided,omitempty"`
	Reason   string   `json:"reason,omitempty"`
	Tally    Tally    `json:"tally"`
}

// Proof is an ICS23 proof that Key holds Value (or, if Value is nil, that
// it is absent) in the state after block Height. Verify it with VerifyProof
// against the AppHash of block VerifyAgainst.BlockHeight (Height+1).
type Proof struct {
	Height int64  `json:"height"`
	Key    string `json:"key"`
	Value  []byte `json:"value"`
	// Proof is an ics23.CommitmentProof in protobuf.
	Proof []byte `json:"proof"`
	// Root is the node's own claim of the root: do not trust it.
	Root          string      `json:"root"`
	VerifyAgainst ProofAnchor `json:"verify_against"`
}

// ProofAnchor names the header field a proof verifies against.
type ProofAnchor struct {
	BlockHeight int64  `json:"block_height"`
	Field       string `json:"field"`
}
