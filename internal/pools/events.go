package pools

import "github.com/medchain/medchain/internal/ledger"

// Attribute keys of the module's events.
const (
	AttrPool       = "pool"
	AttrOperator   = "operator"
	AttrConditions = "conditions"
	AttrCurrency   = "currency"
	AttrMemberCap  = "member_cap"
	AttrReviewer   = "reviewer"
	AttrServes     = "serves"
	AttrBoard      = "board"
	AttrWaitEnds   = "wait_ends"
	AttrNow        = "now"
	AttrClaim      = "claim"
	AttrAmount     = "amount"
	AttrDeadline   = "deadline"
	AttrApprove    = "approve"
	AttrStatus     = "status"
	AttrPeriod     = "period"
	AttrPaid       = "paid"
	AttrMembers    = "members"
	AttrClaims     = "claims"
	AttrCharge     = "charge"
	AttrReserve    = "reserve"
)

// Events the module emits. None names a patient: joining, leaving and
// claiming say which pool, not who.
var (
	EventCreated = ledger.EventType{Name: "pools.created", Attrs: []string{AttrPool, AttrOperator, AttrConditions, AttrCurrency, AttrMemberCap},
		Doc: "An insurer or charity created a mutual-aid pool covering a number of conditions, with a cap per member per period (minor units)."}
	EventBoard = ledger.EventType{Name: "pools.board", Attrs: []string{AttrPool, AttrReviewer, AttrServes, AttrBoard},
		Doc: "A clinician volunteered for a pool's review board (serves=true) or stood down (false); board is its size after."}
	EventJoined = ledger.EventType{Name: "pools.joined", Attrs: []string{AttrPool, AttrWaitEnds},
		Doc: "A patient joined a pool; they may claim and share from wait_ends (unix seconds). The member is not named."}
	EventLeft = ledger.EventType{Name: "pools.left", Attrs: []string{AttrPool, AttrNow},
		Doc: "A member left a pool: at once during the waiting period (now=true), else when the period in progress is settled (now=false). The member is not named."}
	EventClaimed = ledger.EventType{Name: "pools.claimed", Attrs: []string{AttrPool, AttrClaim, AttrAmount, AttrDeadline},
		Doc: "A member filed an aid claim (amount in minor units; review deadline in unix seconds). Neither the claimant nor the condition is named."}
	EventVoted = ledger.EventType{Name: "pools.voted", Attrs: []string{AttrClaim, AttrReviewer, AttrApprove},
		Doc: "A reviewer on the claim's panel voted."}
	EventDecided = ledger.EventType{Name: "pools.decided", Attrs: []string{AttrClaim, AttrPool, AttrStatus},
		Doc: "A claim was decided: approved or rejected by the quorum, or expired undecided at its deadline (counts as rejected)."}
	EventPaid = ledger.EventType{Name: "pools.paid", Attrs: []string{AttrClaim, AttrPool, AttrPeriod, AttrPaid},
		Doc: "A period's settlement paid an approved claim (minor units; less than asked when the period's payouts were scaled down)."}
	EventSettled = ledger.EventType{Name: "pools.settled", Attrs: []string{AttrPool, AttrPeriod, AttrMembers, AttrClaims, AttrPaid, AttrCharge, AttrReserve},
		Doc: "A pool's period was settled: members who shared, claims paid, total paid, the charge per member and the reserve after (minor units)."}
)

// Events implements ledger.Module.
func (k *Keeper) Events() []ledger.EventType {
	return []ledger.EventType{EventCreated, EventBoard, EventJoined, EventLeft, EventClaimed, EventVoted, EventDecided, EventPaid, EventSettled}
}

// Codes implements ledger.Module: the module's code table.
func (k *Keeper) Codes() []ledger.ErrorCode {
	return []ledger.ErrorCode{
		{Err: ErrUnauthorized, Number: 1, Name: "unauthorized", Kind: ledger.KindForbidden},
		{Err: ErrNotFound, Number: 2, Name: "not_found", Kind: ledger.KindNotFound},
		{Err: ErrCurrency, Number: 3, Name: "currency_mismatch", Kind: ledger.KindInvalid},
		{Err: ErrNotMember, Number: 4, Name: "not_member", Kind: ledger.KindForbidden},
		{Err: ErrWaiting, Number: 5, Name: "waiting_period", Kind: ledger.KindPrecondition},
		{Err: ErrEvidence, Number: 6, Name: "bad_evidence", Kind: ledger.KindPrecondition},
		{Err: ErrOverCap, Number: 7, Name: "over_claim_cap", Kind: ledger.KindPrecondition},
		{Err: ErrNoBoard, Number: 8, Name: "no_board", Kind: ledger.KindPrecondition},
		{Err: ErrNotReviewer, Number: 9, Name: "not_reviewer", Kind: ledger.KindForbidden},
		{Err: ErrVoted, Number: 10, Name: "already_voted", Kind: ledger.KindConflict},
		{Err: ErrDeadline, Number: 11, Name: "deadline_passed", Kind: ledger.KindPrecondition},
		{Err: ErrPeriodOpen, Number: 12, Name: "period_open", Kind: ledger.KindPrecondition},
		{Err: ErrState, Number: 13, Name: "wrong_state", Kind: ledger.KindPrecondition},
	}
}
