package credentials

import "github.com/medchain/medchain/internal/ledger"

// Attribute keys of the module's events.
const (
	AttrOrg        = "org"
	AttrTypes      = "types"
	AttrCredential = "credential"
	AttrType       = "type"
	AttrIssuer     = "issuer"
	AttrSubject    = "subject"
	AttrHash       = "hash"
	AttrStatus     = "status"
	AttrReason     = "reason"
	AttrEffective  = "effective_height"
	AttrISS        = "iss"
	AttrChange     = "change"
	AttrCRLs       = "crls"
	AttrCase       = "case"
	AttrApplicant  = "applicant"
	AttrRequired   = "requirements"
	AttrSource     = "source"
	AttrOutcome    = "outcome"
	AttrCaseStatus = "case_status"
)

// Events the module emits.
var (
	EventAuthorised = ledger.EventType{Name: "credentials.authorised", Attrs: []string{AttrOrg, AttrTypes},
		Doc: "A governance decision (or the genesis) set the credential types an organisation may issue (comma-separated; empty withdraws them)."}
	EventIssued = ledger.EventType{Name: "credentials.issued", Attrs: []string{AttrCredential, AttrType, AttrIssuer, AttrSubject, AttrHash},
		Doc: "An authorised issuer recorded a credential: its SHA-256 and its subject's ledger ID (empty for a person the ledger does not know); the credential itself went to its holder."}
	EventStatus = ledger.EventType{Name: "credentials.status", Attrs: []string{AttrCredential, AttrIssuer, AttrStatus, AttrReason, AttrEffective},
		Doc: "The issuer suspended, reinstated (status active) or revoked a credential, with a reason code; it applies from effective_height, the next block."}

	EventCaseOpened = ledger.EventType{Name: "credentials.case_opened", Attrs: []string{AttrCase, AttrOrg, AttrApplicant, AttrRequired},
		Doc: "A hospital or clinic opened a credentialing case for an applicant, with the number of requirements its primary sources must answer."}
	EventAttested = ledger.EventType{Name: "credentials.attested", Attrs: []string{AttrCase, AttrSource, AttrType, AttrOutcome, AttrCaseStatus},
		Doc: "A primary source verified (or refused) one requirement of a credentialing case; case_status says whether the case is still open, complete or refused."}
	EventSHCIssuer = ledger.EventType{Name: "credentials.shc_issuer", Attrs: []string{AttrISS, AttrChange, AttrCRLs},
		Doc: "A governance decision trusted (change=trusted, with its JWKS and crls revocation lists) or removed a SMART Health Card issuer in the trusted-issuer directory."}
)

// Events implements ledger.Module.
func (k *Keeper) Events() []ledger.EventType {
	return []ledger.EventType{EventAuthorised, EventIssued, EventStatus, EventSHCIssuer, EventCaseOpened, EventAttested}
}

// Codes implements ledger.Module: the module's code table.
func (k *Keeper) Codes() []ledger.ErrorCode {
	return []ledger.ErrorCode{
		{Err: ErrUnauthorized, Number: 1, Name: "unauthorized", Kind: ledger.KindForbidden},
		{Err: ErrNotAuthorised, Number: 2, Name: "issuer_not_authorised", Kind: ledger.KindForbidden},
		{Err: ErrNotFound, Number: 3, Name: "not_found", Kind: ledger.KindNotFound},
		{Err: ErrExists, Number: 4, Name: "exists", Kind: ledger.KindConflict},
		{Err: ErrState, Number: 5, Name: "wrong_status", Kind: ledger.KindPrecondition},
		{Err: ErrUnrecorded, Number: 6, Name: "unrecorded", Kind: ledger.KindNotFound},
		{Err: ErrWrongSigner, Number: 7, Name: "wrong_signer", Kind: ledger.KindForbidden},
		{Err: ErrMismatch, Number: 8, Name: "mismatch", Kind: ledger.KindInvalid},
		{Err: ErrSuspended, Number: 9, Name: "suspended", Kind: ledger.KindPrecondition},
		{Err: ErrRevoked, Number: 10, Name: "revoked", Kind: ledger.KindGone},
		{Err: ErrCaseClosed, Number: 11, Name: "case_decided", Kind: ledger.KindPrecondition},
	}
}
