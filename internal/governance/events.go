package governance

import "github.com/medchain/medchain/internal/ledger"

// Attribute keys of the module's events.
const (
	AttrOrg      = "org"
	AttrKind     = "kind"
	AttrPower    = "power"
	AttrProposal = "proposal"
	AttrAction   = "action"
	AttrApprove  = "approve"
	AttrStatus   = "status"
	AttrType     = "type"
	AttrHeight   = "height"
)

// Events the module emits.
var (
	EventOrgAdmitted = ledger.EventType{Name: "governance.org_admitted", Attrs: []string{AttrOrg, AttrKind},
		Doc: "A passed proposal admitted an organisation (its first admin is registered in the same transaction)."}
	EventOrgRemoved = ledger.EventType{Name: "governance.org_removed", Attrs: []string{AttrOrg},
		Doc: "A passed proposal removed an organisation: its members can no longer sign and its validator power is 0."}
	EventValidatorSet = ledger.EventType{Name: "governance.validator_set", Attrs: []string{AttrOrg, AttrPower},
		Doc: "An organisation's validator power changed from the end of the block: a passed proposal set it (0 removes it from the validator set), or its new key's node showed that it runs (governance/validator-ready)."}
	EventValidatorPending = ledger.EventType{Name: "governance.validator_pending", Attrs: []string{AttrOrg, AttrPower},
		Doc: "A passed proposal gave an organisation a new validator key; its power counts once the key's node shows that it runs (governance/validator-ready, which the node sends when it has caught up)."}
	EventMisbehaviour = ledger.EventType{Name: "governance.misbehaviour", Attrs: []string{AttrOrg, AttrType, AttrHeight},
		Doc: "The chain committed evidence that an organisation's validator misbehaved at a height (type duplicate-vote: it signed two blocks at one height; light-client-attack): its power is 0 from the end of the block, and the members decide by proposal whether to give it a validator again or remove the organisation."}
	EventProposed = ledger.EventType{Name: "governance.proposed", Attrs: []string{AttrProposal, AttrAction, AttrOrg},
		Doc: "An organisation's admin made a proposal; the proposer's organisation votes for it at once."}
	EventVoted = ledger.EventType{Name: "governance.voted", Attrs: []string{AttrProposal, AttrOrg, AttrApprove},
		Doc: "An organisation voted on an open proposal (approve is true or false)."}
	EventDecided = ledger.EventType{Name: "governance.decided", Attrs: []string{AttrProposal, AttrStatus},
		Doc: "A proposal was settled: passed, failed (passed but its action could not be carried out), rejected (can no longer pass) or expired (at its deadline, at the end of the block)."}
)

// Events implements ledger.Module.
func (k *Keeper) Events() []ledger.EventType {
	return []ledger.EventType{EventOrgAdmitted, EventOrgRemoved, EventValidatorSet, EventValidatorPending, EventMisbehaviour, EventProposed, EventVoted, EventDecided}
}

// Codes implements ledger.Module: the module's code table.
func (k *Keeper) Codes() []ledger.ErrorCode {
	return []ledger.ErrorCode{
		{Err: ErrUnauthorized, Number: 1, Name: "unauthorized", Kind: ledger.KindForbidden},
		{Err: ErrNotFound, Number: 2, Name: "not_found", Kind: ledger.KindNotFound},
		{Err: ErrExists, Number: 3, Name: "exists", Kind: ledger.KindConflict},
		{Err: ErrClosed, Number: 4, Name: "closed", Kind: ledger.KindConflict},
		{Err: ErrDeadline, Number: 5, Name: "deadline", Kind: ledger.KindInvalid},
		{Err: ErrAlreadyVoted, Number: 6, Name: "already_voted", Kind: ledger.KindConflict},
		{Err: ErrInvalid, Number: 7, Name: "invalid_proposal", Kind: ledger.KindInvalid},
		{Err: ErrWouldHalt, Number: 8, Name: "would_halt", Kind: ledger.KindConflict},
	}
}
