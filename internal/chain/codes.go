package chain

import (
	"errors"

	"github.com/medchain/medchain/internal/governance"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/supply"
	"github.com/medchain/medchain/internal/tx"
)

// Errors of the chain itself.
var (
	ErrInternal      = errors.New("chain: internal error")
	ErrWrongChain    = errors.New("chain: wrong chain id")
	ErrTxExpired     = errors.New("chain: transaction expired")
	ErrExpiryTooFar  = errors.New("chain: expiry too far ahead")
	ErrReplay        = errors.New("chain: transaction already included")
	ErrUnknownType   = errors.New("chain: unknown message type")
	ErrGenesis       = errors.New("chain: invalid genesis")
	ErrQueryNotFound = errors.New("chain: unknown query path")
)

// Kinds of error, for clients: the HTTP API maps each to a status.
const (
	KindInvalid         = "invalid"
	KindUnauthenticated = "unauthenticated"
	KindForbidden       = "forbidden"
	KindNotFound        = "not_found"
	KindConflict        = "conflict"
	KindPrecondition    = "failed_precondition"
	KindGone            = "gone"
	KindInternal        = "internal"
)

// Code is an error's stable identity: what clients and consensus depend on.
// Space and Number travel in ABCI responses; Name is the stable string that
// the API puts in problem details ("identity.key_revoked").
type Code struct {
	Space  string `json:"codespace"`
	Number uint32 `json:"code"`
	Name   string `json:"name"`
	Kind   string `json:"kind"`
}

// ID is "space.name", the stable code string.
func (c Code) ID() string { return c.Space + "." + c.Name }

// codes is THE table from errors to codes. Numbers are never reused or
// renumbered: clients and the results hash depend on them. More specific
// errors come before the generic ones they wrap.
var codes = []struct {
	err  error
	code Code
}{
	{ErrInternal, Code{"chain", 1, "internal", KindInternal}},
	{tx.ErrMalformed, Code{"chain", 2, "malformed_tx", KindInvalid}},
	{tx.ErrSignature, Code{"chain", 3, "bad_signature", KindUnauthenticated}},
	{ErrWrongChain, Code{"chain", 4, "wrong_chain", KindInvalid}},
	{ErrTxExpired, Code{"chain", 5, "tx_expired", KindInvalid}},
	{ErrExpiryTooFar, Code{"chain", 6, "expiry_too_far", KindInvalid}},
	{ErrReplay, Code{"chain", 7, "replay", KindConflict}},
	{ErrUnknownType, Code{"chain", 8, "unknown_type", KindInvalid}},

	{identity.ErrUnknownSigner, Code{"identity", 1, "unknown_signer", KindUnauthenticated}},
	{identity.ErrKeyRevoked, Code{"identity", 2, "key_revoked", KindUnauthenticated}},
	{identity.ErrInactive, Code{"identity", 3, "inactive", KindForbidden}},
	{identity.ErrUnauthorized, Code{"identity", 4, "unauthorized", KindForbidden}},
	{identity.ErrNotFound, Code{"identity", 5, "not_found", KindNotFound}},
	{identity.ErrExists, Code{"identity", 6, "exists", KindConflict}},
	{identity.ErrLastKey, Code{"identity", 7, "last_key", KindPrecondition}},

	{governance.ErrUnauthorized, Code{"governance", 1, "unauthorized", KindForbidden}},
	{governance.ErrNotFound, Code{"governance", 2, "not_found", KindNotFound}},
	{governance.ErrExists, Code{"governance", 3, "exists", KindConflict}},
	{governance.ErrClosed, Code{"governance", 4, "closed", KindConflict}},
	{governance.ErrDeadline, Code{"governance", 5, "deadline", KindInvalid}},
	{governance.ErrAlreadyVoted, Code{"governance", 6, "already_voted", KindConflict}},
	{governance.ErrInvalid, Code{"governance", 7, "invalid_proposal", KindInvalid}},

	{records.ErrUnauthorized, Code{"records", 1, "unauthorized", KindForbidden}},
	{records.ErrNotFound, Code{"records", 2, "not_found", KindNotFound}},
	{records.ErrExists, Code{"records", 3, "exists", KindConflict}},
	{records.ErrUnknownRecord, Code{"records", 4, "unknown_record", KindNotFound}},
	{records.ErrErased, Code{"records", 5, "erased", KindGone}},
	{records.ErrStale, Code{"records", 6, "stale_version", KindConflict}},
	{records.ErrNoGrant, Code{"records", 7, "no_grant", KindForbidden}},
	{records.ErrWrongOrg, Code{"records", 8, "wrong_org", KindForbidden}},
	{records.ErrPurpose, Code{"records", 9, "purpose_not_granted", KindForbidden}},
	{records.ErrGrantExpired, Code{"records", 10, "grant_expired", KindForbidden}},
	{records.ErrGrantRevoked, Code{"records", 11, "grant_revoked", KindForbidden}},
	{records.ErrOutOfScope, Code{"records", 12, "out_of_scope", KindForbidden}},
	{records.ErrCondition, Code{"records", 13, "condition_not_met", KindForbidden}},
	{records.ErrBreakGlass, Code{"records", 14, "break_glass_refused", KindForbidden}},
	{records.ErrBadCondition, Code{"records", 15, "invalid_condition", KindInvalid}},
	{records.ErrBadRequest, Code{"records", 16, "invalid_request", KindInvalid}},
	{records.ErrInvalidAnchor, Code{"records", 17, "invalid_anchor", KindInvalid}},
	{records.ErrInvalidDocument, Code{"records", 18, "invalid_document", KindInvalid}},
	{records.ErrNotCustodian, Code{"records", 19, "not_custodian", KindPrecondition}},
	{records.ErrUnavailable, Code{"records", 20, "unavailable", KindInternal}},

	{supply.ErrUnauthorized, Code{"supply", 1, "unauthorized", KindForbidden}},
	{supply.ErrNotFound, Code{"supply", 2, "not_found", KindNotFound}},
	{supply.ErrExists, Code{"supply", 3, "exists", KindConflict}},
	{supply.ErrNotCustodian, Code{"supply", 4, "not_custodian", KindForbidden}},
	{supply.ErrState, Code{"supply", 5, "wrong_state", KindPrecondition}},
	{supply.ErrRecalled, Code{"supply", 6, "recalled", KindPrecondition}},
	{supply.ErrQuarantined, Code{"supply", 7, "quarantined", KindPrecondition}},
	{supply.ErrUntested, Code{"supply", 8, "untested", KindPrecondition}},
	{supply.ErrTestFailed, Code{"supply", 9, "test_failed", KindPrecondition}},
	{supply.ErrClosed, Code{"supply", 10, "closed", KindConflict}},
	{supply.ErrExceeds, Code{"supply", 11, "exceeds_quantity", KindPrecondition}},
	{supply.ErrInvalidDocument, Code{"supply", 12, "invalid_document", KindInvalid}},

	// Generic: last, so that module errors wrapping it keep their own code.
	{ledger.ErrInvalidMsg, Code{"chain", 9, "invalid_message", KindInvalid}},
}

// CodeOf returns the code of err; an error not in the table is internal.
func CodeOf(err error) Code {
	for _, c := range codes {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return codes[0].code
}

// Lookup finds a code by its ABCI codespace and number.
func Lookup(space string, number uint32) (Code, bool) {
	for _, c := range codes {
		if c.code.Space == space && c.code.Number == number {
			return c.code, true
		}
	}
	return Code{}, false
}

// Codes lists every code, in table order.
func Codes() []Code {
	out := make([]Code, len(codes))
	for i, c := range codes {
		out[i] = c.code
	}
	return out
}
