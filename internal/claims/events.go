package claims

import "github.com/medchain/medchain/internal/ledger"

// Attribute keys of the module's events.
const (
	AttrPlan      = "plan"
	AttrVersion   = "version"
	AttrPayer     = "payer"
	AttrEffective = "effective"
	AttrHash      = "hash"
	AttrCoverage  = "coverage"
	AttrStatus    = "status"
	AttrClaim     = "claim"
	AttrProvider  = "provider"
	AttrAllowed   = "allowed"
	AttrPayerPart = "payer_amount"
	AttrDispute   = "dispute"
	AttrPayment   = "payment"
	AttrAmount    = "amount"
	AttrCurrency  = "currency"
)

// Events the module emits. None names a patient: coverage and claims are
// private (readers.go), and events are public.
var (
	EventPlanPublished = ledger.EventType{Name: "claims.plan_published", Attrs: []string{AttrPlan, AttrVersion, AttrPayer, AttrEffective, AttrHash},
		Doc: "An insurer published a version of a plan's rule set (hash: SHA-256 of the rule set), in force from its effective date."}
	EventCoverage = ledger.EventType{Name: "claims.coverage", Attrs: []string{AttrCoverage, AttrPlan, AttrPayer, AttrStatus},
		Doc: "An insurer recorded (status active) or cancelled (status cancelled) a patient's coverage under a plan."}
	EventSubmitted = ledger.EventType{Name: "claims.submitted", Attrs: []string{AttrClaim, AttrProvider, AttrPayer, AttrVersion},
		Doc: "A provider anchored a claim under a plan version."}
	EventStatus = ledger.EventType{Name: "claims.status", Attrs: []string{AttrClaim, AttrStatus},
		Doc: "A claim went in review (by its payer) or was appealed (by its provider or patient)."}
	EventAdjudicated = ledger.EventType{Name: "claims.adjudicated", Attrs: []string{AttrClaim, AttrStatus, AttrAllowed, AttrPayerPart, AttrDispute},
		Doc: "The payer recorded its decision on a claim (approved, partly-approved or denied; amounts in minor units); dispute=true flags a format denial of a claim pre-checked under the same version."}
	EventPaid = ledger.EventType{Name: "claims.paid", Attrs: []string{AttrClaim, AttrPayment, AttrAmount, AttrCurrency},
		Doc: "The payer paid a claim's decision."}
)

// Events implements ledger.Module.
func (k *Keeper) Events() []ledger.EventType {
	return []ledger.EventType{EventPlanPublished, EventCoverage, EventSubmitted, EventStatus, EventAdjudicated, EventPaid}
}

// Codes implements ledger.Module: the module's code table.
func (k *Keeper) Codes() []ledger.ErrorCode {
	return []ledger.ErrorCode{
		{Err: ErrUnauthorized, Number: 1, Name: "unauthorized", Kind: ledger.KindForbidden},
		{Err: ErrNotFound, Number: 2, Name: "not_found", Kind: ledger.KindNotFound},
		{Err: ErrExists, Number: 3, Name: "exists", Kind: ledger.KindConflict},
		{Err: ErrNotice, Number: 4, Name: "notice_period", Kind: ledger.KindPrecondition},
		{Err: ErrRule, Number: 5, Name: "invalid_rule", Kind: ledger.KindInvalid},
		{Err: ErrWrongPayer, Number: 6, Name: "wrong_payer", Kind: ledger.KindForbidden},
		{Err: ErrCoverage, Number: 7, Name: "coverage_inactive", Kind: ledger.KindPrecondition},
		{Err: ErrVersion, Number: 8, Name: "wrong_version", Kind: ledger.KindPrecondition},
		{Err: ErrInconsistent, Number: 9, Name: "inconsistent", Kind: ledger.KindInvalid},
		{Err: ErrPaid, Number: 10, Name: "already_paid", Kind: ledger.KindConflict},
		{Err: ErrState, Number: 11, Name: "wrong_state", Kind: ledger.KindPrecondition},
		{Err: ErrInvalidDocument, Number: 12, Name: "invalid_document", Kind: ledger.KindInvalid},
	}
}
