package identity

import "github.com/medchain/medchain/internal/ledger"

// Attribute keys of the module's events.
const (
	AttrMember  = "member"
	AttrOrg     = "org"
	AttrKind    = "kind"
	AttrStatus  = "status"
	AttrOwner   = "owner"
	AttrKey     = "key"
	AttrPatient = "patient"
)

// Events the module emits.
var (
	EventMemberRegistered = ledger.EventType{Name: "identity.member_registered", Attrs: []string{AttrMember, AttrOrg, AttrKind},
		Doc: "An admin registered a member (a person, device or system) in their organisation."}
	EventRolesSet = ledger.EventType{Name: "identity.roles_set", Attrs: []string{AttrMember},
		Doc: "An admin replaced a member's roles."}
	EventMemberStatus = ledger.EventType{Name: "identity.member_status", Attrs: []string{AttrMember, AttrStatus},
		Doc: "An admin suspended (status suspended) or reinstated (status active) a member."}
	EventKeyAdded = ledger.EventType{Name: "identity.key_added", Attrs: []string{AttrOwner, AttrKey},
		Doc: "An identity was given another key (alone, or as the new key of a rotation)."}
	EventKeyRevoked = ledger.EventType{Name: "identity.key_revoked", Attrs: []string{AttrOwner, AttrKey},
		Doc: "A key was revoked (alone, or as the old key of a rotation); it signs nothing from the next transaction on."}
	EventPatientRegistered = ledger.EventType{Name: "identity.patient_registered", Attrs: []string{AttrPatient},
		Doc: "A patient registered their key under a new pseudonymous ID."}
)

// Events implements ledger.Module.
func (k *Keeper) Events() []ledger.EventType {
	return []ledger.EventType{EventMemberRegistered, EventRolesSet, EventMemberStatus, EventKeyAdded, EventKeyRevoked, EventPatientRegistered}
}

// Codes implements ledger.Module: the module's code table.
func (k *Keeper) Codes() []ledger.ErrorCode {
	return []ledger.ErrorCode{
		{Err: ErrUnknownSigner, Number: 1, Name: "unknown_signer", Kind: ledger.KindUnauthenticated},
		{Err: ErrKeyRevoked, Number: 2, Name: "key_revoked", Kind: ledger.KindUnauthenticated},
		{Err: ErrInactive, Number: 3, Name: "inactive", Kind: ledger.KindForbidden},
		{Err: ErrUnauthorized, Number: 4, Name: "unauthorized", Kind: ledger.KindForbidden},
		{Err: ErrNotFound, Number: 5, Name: "not_found", Kind: ledger.KindNotFound},
		{Err: ErrExists, Number: 6, Name: "exists", Kind: ledger.KindConflict},
		{Err: ErrLastKey, Number: 7, Name: "last_key", Kind: ledger.KindPrecondition},
	}
}
