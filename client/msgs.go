package client

import (
	"encoding/json"
	"fmt"

	"github.com/medchain/medchain/internal/governance"
	"github.com/medchain/medchain/internal/identity"
)

// Message types: the Type of a transaction carrying each message. They are
// the chain's own constants, so the two cannot disagree.
const (
	TypeRegisterMember  = identity.TypeRegisterMember
	TypeSetRoles        = identity.TypeSetRoles
	TypeSetMemberStatus = identity.TypeSetMemberStatus
	TypeAddKey          = identity.TypeAddKey
	TypeRotateKey       = identity.TypeRotateKey
	TypeRevokeKey       = identity.TypeRevokeKey
	TypeRegisterPatient = identity.TypeRegisterPatient
	TypePropose         = governance.TypePropose
	TypeVote            = governance.TypeVote
)

// RegisterMember adds a member to the signer's organisation. Signed by one
// of its admins. Kind is "person" (the default), "device" or "system".
type RegisterMember struct {
	Handle    string   `json:"handle"`
	Kind      string   `json:"kind,omitempty"`
	Roles     []string `json:"roles"`
	PublicKey string   `json:"public_key"`
}

// SetRoles replaces a member's roles. Signed by an admin of its organisation.
type SetRoles struct {
	Member string   `json:"member"`
	Roles  []string `json:"roles"`
}

// SetMemberStatus suspends ("suspended") or reinstates ("active") a member.
type SetMemberStatus struct {
	Member string `json:"member"`
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// AddKey gives an identity (by default the signer) another key.
type AddKey struct {
	Owner     string `json:"owner,omitempty"`
	PublicKey string `json:"public_key"`
}

// RotateKey adds NewKey and revokes OldKey (by default the signing key).
type RotateKey struct {
	Owner  string `json:"owner,omitempty"`
	OldKey string `json:"old_key,omitempty"`
	NewKey string `json:"new_key"`
}

// RevokeKey revokes a key, with immediate effect.
type RevokeKey struct {
	PublicKey string `json:"public_key"`
	Reason    string `json:"reason,omitempty"`
}

// RegisterPatient registers the signer's key as a new patient. It has no
// fields: no personal data reaches the ledger. The result's ID is the
// patient's pseudonymous ID.
type RegisterPatient struct{}

// Action is what a proposal would do: a built-in action (AdmitOrg,
// RemoveOrg, SetValidator) or a module's, by type and JSON payload.
type Action struct {
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload"`
}

// NewAction makes an action of any type from a payload that marshals to JSON.
func NewAction(actionType string, payload any) (Action, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return Action{}, fmt.Errorf("client: action %s payload: %w", actionType, err)
	}
	return Action{Type: actionType, Payload: b}, nil
}

// Built-in proposal action types.
const (
	ActionAdmitOrg     = governance.ActionAdmitOrg
	ActionRemoveOrg    = governance.ActionRemoveOrg
	ActionSetValidator = governance.ActionSetValidator
)

// Propose puts an action to the member organisations; the proposer's
// organisation votes yes. Deadline is a block height (0: the default
// voting period).
type Propose struct {
	Action   Action `json:"action"`
	Title    string `json:"title,omitempty"`
	Deadline int64  `json:"deadline,omitempty"`
}

// Vote is an organisation's vote on a proposal, signed by one of its admins.
type Vote struct {
	Proposal uint64 `json:"proposal"`
	Approve  bool   `json:"approve"`
}

// AdmitOrg admits an organisation with its first admin and, optionally, a
// validator.
type AdmitOrg struct {
	ID        string        `json:"id"`
	Name      string        `json:"name"`
	Kind      string        `json:"kind"`
	Admin     string        `json:"admin"`
	AdminKey  string        `json:"admin_key"`
	Validator *ValidatorKey `json:"validator,omitempty"`
}

// Action wraps the payload as a proposal action.
func (a AdmitOrg) Action() Action { return mustAction(ActionAdmitOrg, a) }

// RemoveOrg removes an organisation: its members' keys stop signing and its
// validator leaves the set.
type RemoveOrg struct {
	ID string `json:"id"`
}

// Action wraps the payload as a proposal action.
func (a RemoveOrg) Action() Action { return mustAction(ActionRemoveOrg, a) }

// SetValidator sets an organisation's validator key and power; power 0
// takes it out of the set.
type SetValidator struct {
	Org       string `json:"org"`
	PublicKey string `json:"public_key"`
	Power     int64  `json:"power"`
}

// Action wraps the payload as a proposal action.
func (a SetValidator) Action() Action { return mustAction(ActionSetValidator, a) }

// mustAction is for the payload types above, which always marshal.
func mustAction(t string, payload any) Action {
	a, err := NewAction(t, payload)
	if err != nil {
		panic(err)
	}
	return a
}
