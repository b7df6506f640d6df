package client

import (
	"encoding/json"
	"fmt"
)

// Message types of the identity and governance modules: what each
// message's MsgType returns. Public keys in messages are 64 lower-case hex
// digits (Signer.PublicKey); member IDs are "org/handle".
const (
	TypeRegisterMember  = "identity/register-member"
	TypeSetRoles        = "identity/set-roles"
	TypeSetMemberStatus = "identity/set-member-status"
	TypeAddKey          = "identity/add-key"
	TypeRotateKey       = "identity/rotate-key"
	TypeRevokeKey       = "identity/revoke-key"
	TypeRegisterPatient = "identity/register-patient"
	TypePropose         = "governance/propose"
	TypeVote            = "governance/vote"
	// TypeValidatorReady is signed with a pending validator's consensus
	// key by its node (the node sends it itself; see ValidatorReady).
	TypeValidatorReady = "governance/validator-ready"
)

// RegisterMember adds a member to the signer's organisation. Signed by one
// of its admins. The result is a Created with the member's ID.
type RegisterMember struct {
	// Handle names the member within its organisation: the ID is
	// "org/handle".
	Handle string `json:"handle"`
	// Kind is "person" (the default when empty), "device" or "system".
	Kind string `json:"kind,omitempty"`
	// Roles are the member's roles ("physician", "admin" ...).
	Roles []string `json:"roles"`
	// PublicKey is the member's first signing key, hex.
	PublicKey string `json:"public_key"`
}

// SetRoles replaces a member's roles. Signed by an admin of its organisation.
type SetRoles struct {
	// Member is the member's ID, "org/handle".
	Member string `json:"member"`
	// Roles replace the member's roles.
	Roles []string `json:"roles"`
}

// SetMemberStatus suspends or reinstates a member. Signed by an admin of
// its organisation.
type SetMemberStatus struct {
	// Member is the member's ID, "org/handle".
	Member string `json:"member"`
	// Status is "suspended" or "active" (reinstated).
	Status string `json:"status"`
	// Reason, optional, is kept in the member's StatusChange: one of
	// StatusReasons (the chain refuses free text).
	Reason string `json:"reason,omitempty"`
}

// AddKey gives an identity another signing key.
type AddKey struct {
	// Owner is the identity (member or patient ID); empty: the signer's.
	Owner string `json:"owner,omitempty"`
	// PublicKey is the new key, hex.
	PublicKey string `json:"public_key"`
}

// RotateKey adds NewKey and revokes OldKey in one transaction.
type RotateKey struct {
	// Owner is the identity (member or patient ID); empty: the signer's.
	Owner string `json:"owner,omitempty"`
	// OldKey is the key to revoke, hex; empty: the signing key.
	OldKey string `json:"old_key,omitempty"`
	// NewKey is the key to add, hex.
	NewKey string `json:"new_key"`
}

// StatusReasons are the reason codes a SetMemberStatus may give.
var StatusReasons = []string{"leave", "left-organisation", "under-investigation", "licence-suspended", "licence-reinstated", "returned", "entered-in-error", "other"}

// KeyRevokeReasons are the reason codes a RevokeKey may give ("rotated" is
// also what a RotateKey records on the key it replaces).
var KeyRevokeReasons = []string{"lost", "stolen", "compromised", "device-retired", "rotated", "left-organisation", "entered-in-error", "other"}

// RevokeKey revokes a key, with immediate effect.
type RevokeKey struct {
	// PublicKey is the key to revoke, hex.
	PublicKey string `json:"public_key"`
	// Reason, optional, is kept in the key's record: one of
	// KeyRevokeReasons (the chain refuses free text).
	Reason string `json:"reason,omitempty"`
}

// RegisterPatient registers the signer's key as a new patient. It has no
// fields: no personal data reaches the ledger. The result is a Created
// whose ID is the patient's pseudonymous ID.
type RegisterPatient struct{}

// Action is what a proposal would do: a built-in action (AdmitOrg,
// RemoveOrg, SetValidator) or a module's, by type and JSON payload.
type Action struct {
	// Type is ActionAdmitOrg, ActionRemoveOrg, ActionSetValidator or a
	// module's action type.
	Type string `json:"type"`
	// Payload is the action's JSON (an AdmitOrg ...).
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
	ActionAdmitOrg     = "admit-org"
	ActionRemoveOrg    = "remove-org"
	ActionSetValidator = "set-validator"
)

// Propose puts an action to the member organisations; the proposer's
// organisation votes yes. Signed by an admin. The result is an Outcome.
type Propose struct {
	// Action is what the proposal would do (AdmitOrg{...}.Action() ...).
	Action Action `json:"action"`
	// Title says what the proposal is about, for people (200 characters
	// at most).
	Title string `json:"title,omitempty"`
	// Deadline is the block height voting ends at; 0: the default voting
	// period.
	Deadline int64 `json:"deadline,omitempty"`
}

// Vote is an organisation's vote on a proposal, signed by one of its
// admins. The result is an Outcome.
type Vote struct {
	// Proposal is the proposal's number.
	Proposal uint64 `json:"proposal"`
	// Approve is a yes; false a no.
	Approve bool `json:"approve"`
}

// ValidatorReady says that the node holding a pending validator key runs:
// signed with that consensus key (not an identity's), its power counts from
// the end of the block. A medchain node sends it itself once it has caught
// up; it is here for nodes built on other software. The result is
// {"org", "power"}.
type ValidatorReady struct{}

// AdmitOrg admits an organisation with its first admin and, optionally, a
// validator: a proposal's action payload, not a message of its own.
type AdmitOrg struct {
	// ID is the new organisation's ID ("north-pharmacy").
	ID string `json:"id"`
	// Name is its display name.
	Name string `json:"name"`
	// Kind is its kind ("hospital", "pharmacy", "regulator" ...).
	Kind string `json:"kind"`
	// Admin is the handle of its first admin, AdminKey their key (hex).
	Admin    string `json:"admin"`
	AdminKey string `json:"admin_key"`
	// Validator, if set, makes the organisation's node a validator.
	Validator *ValidatorKey `json:"validator,omitempty"`
}

// Action wraps the payload as a proposal action.
func (a AdmitOrg) Action() Action { return mustAction(ActionAdmitOrg, a) }

// RemoveOrg removes an organisation: its members' keys stop signing and its
// validator leaves the set.
type RemoveOrg struct {
	// ID is the organisation's ID.
	ID string `json:"id"`
}

// Action wraps the payload as a proposal action.
func (a RemoveOrg) Action() Action { return mustAction(ActionRemoveOrg, a) }

// SetValidator sets an organisation's validator key and power; power 0
// takes it out of the set.
type SetValidator struct {
	// Org is the organisation's ID.
	Org string `json:"org"`
	// PublicKey is its node's consensus key, hex.
	PublicKey string `json:"public_key"`
	// Power is the voting power; 0 removes the validator.
	Power int64 `json:"power"`
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

// MsgType implements Msg.
func (RegisterMember) MsgType() string { return TypeRegisterMember }

// MsgType implements Msg.
func (SetRoles) MsgType() string { return TypeSetRoles }

// MsgType implements Msg.
func (SetMemberStatus) MsgType() string { return TypeSetMemberStatus }

// MsgType implements Msg.
func (AddKey) MsgType() string { return TypeAddKey }

// MsgType implements Msg.
func (RotateKey) MsgType() string { return TypeRotateKey }

// MsgType implements Msg.
func (RevokeKey) MsgType() string { return TypeRevokeKey }

// MsgType implements Msg.
func (RegisterPatient) MsgType() string { return TypeRegisterPatient }

// MsgType implements Msg.
func (Propose) MsgType() string { return TypePropose }

// MsgType implements Msg.
func (Vote) MsgType() string { return TypeVote }

// MsgType implements Msg.
func (ValidatorReady) MsgType() string { return TypeValidatorReady }
