package records

import "github.com/medchain/medchain/internal/ledger"

// Attribute keys of the module's events.
const (
	AttrOrg        = "org"
	AttrRecord     = "record"
	AttrVersion    = "version"
	AttrPatient    = "patient"
	AttrCustodian  = "custodian"
	AttrHash       = "hash"
	AttrHashes     = "hashes"
	AttrGrant      = "grant"
	AttrDelegate   = "delegate"
	AttrWindow     = "window"
	AttrReader     = "reader"
	AttrReason     = "reason"
	AttrReceipt    = "receipt"
	AttrOutcome    = "outcome"
	AttrBreakGlass = "break_glass"
	AttrFlag       = "flag"
	AttrReviewer   = "reviewer"
	AttrMaxOpen    = "max_open"
	AttrMaxPerDay  = "max_per_day"
	AttrMaxMinutes = "max_minutes"
)

// Events the module emits.
var (
	EventEndpointSet = ledger.EventType{Name: "records.endpoint_set", Attrs: []string{AttrOrg},
		Doc: "An organisation published the URL of the node that keeps its records."}
	EventAdded = ledger.EventType{Name: "records.added", Attrs: []string{AttrRecord, AttrVersion, AttrPatient, AttrCustodian, AttrHash},
		Doc: "A version of a record was anchored (one event per anchor of a records/add); hash is the SHA-256 of its ciphertext."}
	EventGranted = ledger.EventType{Name: "records.granted", Attrs: []string{AttrGrant, AttrPatient},
		Doc: "A patient (or their delegate) granted access."}
	EventRevoked = ledger.EventType{Name: "records.revoked", Attrs: []string{AttrGrant, AttrPatient},
		Doc: "A grant was revoked."}
	EventDelegated = ledger.EventType{Name: "records.delegated", Attrs: []string{AttrPatient, AttrDelegate},
		Doc: "A patient named (or renewed) a delegate who may act for them."}
	EventDelegationRemoved = ledger.EventType{Name: "records.delegation_removed", Attrs: []string{AttrPatient, AttrDelegate},
		Doc: "A patient removed a delegate."}
	EventBreakGlass = ledger.EventType{Name: "records.break_glass", Attrs: []string{AttrWindow, AttrPatient, AttrReader, AttrOrg, AttrReason},
		Doc: "A clinician opened an emergency access window on a patient's records, with a reason code."}
	EventBreakGlassReviewed = ledger.EventType{Name: "records.break_glass_reviewed", Attrs: []string{AttrWindow, AttrPatient, AttrReader, AttrOrg, AttrOutcome, AttrFlag, AttrReviewer},
		Doc: "A privacy officer of the reader's organisation reviewed a closed break-glass window: outcome acknowledged or flagged (flag is the reason code of a flagged window, else empty); the review is also an entry in the patient's access log."}
	EventBreakGlassLimitsSet = ledger.EventType{Name: "records.break_glass_limits_set", Attrs: []string{AttrMaxOpen, AttrMaxPerDay, AttrMaxMinutes},
		Doc: "A governance proposal set the break-glass limits: windows one reader may have open at once, open in 24 hours of block time, and their longest duration in minutes."}
	EventRead = ledger.EventType{Name: "records.read", Attrs: []string{AttrReceipt, AttrRecord, AttrPatient, AttrReader, AttrOutcome, AttrBreakGlass},
		Doc: "A custodian's node recorded the receipt of a read it served or refused (one event per receipt); break_glass is the window ID, or empty."}
	EventErased = ledger.EventType{Name: "records.erased", Attrs: []string{AttrRecord, AttrCustodian, AttrPatient, AttrHashes},
		Doc: "A record was erased: its custodian destroys every version's ciphertext and key (hashes, comma-separated, are what was shredded)."}
)

// Events implements ledger.Module.
func (k *Keeper) Events() []ledger.EventType {
	return []ledger.EventType{EventEndpointSet, EventAdded, EventGranted, EventRevoked, EventDelegated,
		EventDelegationRemoved, EventBreakGlass, EventBreakGlassReviewed, EventBreakGlassLimitsSet, EventRead, EventErased}
}

// Codes implements ledger.Module: the module's code table. The denial codes
// (no_grant … break_glass_refused) are also what a refused read answers.
func (k *Keeper) Codes() []ledger.ErrorCode {
	return []ledger.ErrorCode{
		{Err: ErrUnauthorized, Number: 1, Name: "unauthorized", Kind: ledger.KindForbidden},
		{Err: ErrNotFound, Number: 2, Name: "not_found", Kind: ledger.KindNotFound},
		{Err: ErrExists, Number: 3, Name: "exists", Kind: ledger.KindConflict},
		{Err: ErrUnknownRecord, Number: 4, Name: "unknown_record", Kind: ledger.KindNotFound},
		{Err: ErrErased, Number: 5, Name: "erased", Kind: ledger.KindGone},
		{Err: ErrStale, Number: 6, Name: "stale_version", Kind: ledger.KindConflict},
		{Err: ErrNoGrant, Number: 7, Name: "no_grant", Kind: ledger.KindForbidden},
		{Err: ErrWrongOrg, Number: 8, Name: "wrong_org", Kind: ledger.KindForbidden},
		{Err: ErrPurpose, Number: 9, Name: "purpose_not_granted", Kind: ledger.KindForbidden},
		{Err: ErrGrantExpired, Number: 10, Name: "grant_expired", Kind: ledger.KindForbidden},
		{Err: ErrGrantRevoked, Number: 11, Name: "grant_revoked", Kind: ledger.KindForbidden},
		{Err: ErrOutOfScope, Number: 12, Name: "out_of_scope", Kind: ledger.KindForbidden},
		{Err: ErrCondition, Number: 13, Name: "condition_not_met", Kind: ledger.KindForbidden},
		{Err: ErrBreakGlass, Number: 14, Name: "break_glass_refused", Kind: ledger.KindForbidden},
		{Err: ErrBadCondition, Number: 15, Name: "invalid_condition", Kind: ledger.KindInvalid},
		{Err: ErrBadRequest, Number: 16, Name: "invalid_request", Kind: ledger.KindInvalid},
		{Err: ErrInvalidAnchor, Number: 17, Name: "invalid_anchor", Kind: ledger.KindInvalid},
		{Err: ErrInvalidDocument, Number: 18, Name: "invalid_document", Kind: ledger.KindInvalid},
		{Err: ErrNotCustodian, Number: 19, Name: "not_custodian", Kind: ledger.KindPrecondition},
		{Err: ErrUnavailable, Number: 20, Name: "unavailable", Kind: ledger.KindInternal},
		{Err: ErrBreakGlassLimit, Number: 21, Name: "break_glass_limit", Kind: ledger.KindPrecondition},
		{Err: ErrReviewed, Number: 22, Name: "already_reviewed", Kind: ledger.KindConflict},
		{Err: ErrWindowOpen, Number: 23, Name: "window_open", Kind: ledger.KindPrecondition},
	}
}
