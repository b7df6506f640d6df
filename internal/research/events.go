package research

import "github.com/medchain/medchain/internal/ledger"

// Attribute keys of the module's events.
const (
	AttrStudy     = "study"
	AttrOrg       = "org"
	AttrPurpose   = "purpose"
	AttrEnds      = "ends"
	AttrEnrolment = "enrolment"
	AttrRelease   = "release"
	AttrCustodian = "custodian"
	AttrPatients  = "patients"
	AttrRuleSet   = "rule_set"
	AttrDataHash  = "data_hash"
	AttrAccess    = "access"
	AttrRequest   = "request"
	AttrAdmitted  = "admitted"
	AttrPrice     = "price"
	AttrCurrency  = "currency"
	AttrToPts     = "participants"
)

// Events the module emits. None names a patient: who enrolled where is
// private (readers.go).
var (
	EventStudy = ledger.EventType{Name: "research.study", Attrs: []string{AttrStudy, AttrOrg, AttrPurpose, AttrEnds},
		Doc: "A research organisation registered a study (purpose: a DUO permission; ends: its last day)."}
	EventApproved = ledger.EventType{Name: "research.approved", Attrs: []string{AttrStudy, AttrOrg},
		Doc: "An ethics board member of org approved a study: patients may enrol."}
	EventEnrolled = ledger.EventType{Name: "research.enrolled", Attrs: []string{AttrEnrolment, AttrStudy},
		Doc: "A patient enrolled in a study (the enrolment names no one in its event)."}
	EventWithdrawn = ledger.EventType{Name: "research.withdrawn", Attrs: []string{AttrEnrolment, AttrStudy},
		Doc: "A patient withdrew from a study: no later release includes them."}
	EventReleased = ledger.EventType{Name: "research.released", Attrs: []string{AttrRelease, AttrStudy, AttrCustodian, AttrPatients, AttrRuleSet, AttrDataHash},
		Doc: "A custodian recorded the manifest of a de-identified data set: patients counted, rule set, SHA-256 of the data (never the data)."}
	EventAccessed = ledger.EventType{Name: "research.accessed", Attrs: []string{AttrAccess, AttrRelease, AttrOrg},
		Doc: "A researcher or requester of org accessed a release: the access receipt."}
	EventRequested = ledger.EventType{Name: "research.requested", Attrs: []string{AttrRequest, AttrStudy, AttrOrg, AttrPurpose, AttrAdmitted, AttrPrice, AttrCurrency},
		Doc: "An organisation requested a study's data for a purpose; admitted counts the participants whose terms permit it; the price (minor units) is held in escrow."}
	EventPaid = ledger.EventType{Name: "research.paid", Attrs: []string{AttrRequest, AttrRelease, AttrToPts, AttrCustodian, AttrCurrency},
		Doc: "A request's escrow was released on the requester's first access: participants is what the patients received in all, custodian the custodian's part (minor units)."}
	EventCancelled = ledger.EventType{Name: "research.cancelled", Attrs: []string{AttrRequest, AttrOrg},
		Doc: "The requester cancelled a data request (before its release, or after its term with no access): its escrow is no longer held."}
)

// Events implements ledger.Module.
func (k *Keeper) Events() []ledger.EventType {
	return []ledger.EventType{EventStudy, EventApproved, EventEnrolled, EventWithdrawn, EventReleased, EventAccessed, EventRequested, EventPaid, EventCancelled}
}

// Codes implements ledger.Module: the module's code table.
func (k *Keeper) Codes() []ledger.ErrorCode {
	return []ledger.ErrorCode{
		{Err: ErrUnauthorized, Number: 1, Name: "unauthorized", Kind: ledger.KindForbidden},
		{Err: ErrNotFound, Number: 2, Name: "not_found", Kind: ledger.KindNotFound},
		{Err: ErrState, Number: 3, Name: "wrong_state", Kind: ledger.KindPrecondition},
		{Err: ErrExists, Number: 4, Name: "exists", Kind: ledger.KindConflict},
		{Err: ErrNoConsent, Number: 5, Name: "no_consent", Kind: ledger.KindForbidden},
		{Err: ErrWithdrawn, Number: 6, Name: "withdrawn", Kind: ledger.KindPrecondition},
		{Err: ErrForbiddenUse, Number: 7, Name: "forbidden_use", Kind: ledger.KindForbidden},
		{Err: ErrExpired, Number: 8, Name: "expired", Kind: ledger.KindPrecondition},
		{Err: ErrRuleSet, Number: 9, Name: "unknown_rule_set", Kind: ledger.KindInvalid},
		{Err: ErrInvalidDocument, Number: 10, Name: "invalid_document", Kind: ledger.KindInvalid},
	}
}
