package chain

import (
	"errors"
	"fmt"

	"github.com/medchain/medchain/internal/ledger"
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
	ErrNoHeight      = errors.New("chain: height not available")
)

// chainCodes are the chain's own rows. The generic ledger.ErrInvalidMsg is
// joined last (see table), so that module errors wrapping it keep their own
// code.
var chainCodes = []ledger.ErrorCode{
	{Err: ErrInternal, Number: 1, Name: "internal", Kind: ledger.KindInternal},
	{Err: tx.ErrMalformed, Number: 2, Name: "malformed_tx", Kind: ledger.KindInvalid},
	{Err: tx.ErrSignature, Number: 3, Name: "bad_signature", Kind: ledger.KindUnauthenticated},
	{Err: ErrWrongChain, Number: 4, Name: "wrong_chain", Kind: ledger.KindInvalid},
	{Err: ErrTxExpired, Number: 5, Name: "tx_expired", Kind: ledger.KindInvalid},
	{Err: ErrExpiryTooFar, Number: 6, Name: "expiry_too_far", Kind: ledger.KindInvalid},
	{Err: ErrReplay, Number: 7, Name: "replay", Kind: ledger.KindConflict},
	{Err: ErrUnknownType, Number: 8, Name: "unknown_type", Kind: ledger.KindInvalid},
	{Err: ErrQueryNotFound, Number: 10, Name: "unknown_query", Kind: ledger.KindNotFound},
	{Err: ErrNoHeight, Number: 11, Name: "height_not_available", Kind: ledger.KindNotFound},
	{Err: ledger.ErrNotEntitled, Number: 12, Name: "not_entitled", Kind: ledger.KindForbidden},
}

var invalidMsgCode = ledger.ErrorCode{Err: ledger.ErrInvalidMsg, Number: 9, Name: "invalid_message", Kind: ledger.KindInvalid}

type codeRow struct {
	err  error
	code ledger.Code
}

// codes is THE table from errors to codes: the chain's rows, each module's
// rows in the order of the module list, then the generic invalid message.
// Numbers are never reused or renumbered: clients and the results hash
// depend on them.
var codes = mustJoinCodes(modules(&directory{}))

func mustJoinCodes(mods []ledger.Module) []codeRow {
	t, err := joinCodes(mods)
	if err != nil {
		panic(err)
	}
	return t
}

// joinCodes builds the code table and refuses a number, name or error that
// appears twice, or a row without an error or name.
func joinCodes(mods []ledger.Module) ([]codeRow, error) {
	var t []codeRow
	add := func(space string, rows []ledger.ErrorCode) error {
		for _, r := range rows {
			c := ledger.Code{Space: space, Number: r.Number, Name: r.Name, Kind: r.Kind}
			if r.Err == nil || r.Name == "" || r.Number == 0 || r.Kind == "" {
				return fmt.Errorf("chain: code row %s.%s (%d) needs an error, a name, a non-zero number and a kind", space, r.Name, r.Number)
			}
			for _, o := range t {
				switch {
				case o.code.Space == space && o.code.Number == r.Number:
					return fmt.Errorf("chain: code %s %d is given to both %s and %s", space, r.Number, o.code.ID(), c.ID())
				case o.code.ID() == c.ID():
					return fmt.Errorf("chain: code %s is given twice", c.ID())
				case o.err == r.Err:
					return fmt.Errorf("chain: error %q has two codes, %s and %s", r.Err, o.code.ID(), c.ID())
				}
			}
			t = append(t, codeRow{r.Err, c})
		}
		return nil
	}
	if err := add("chain", chainCodes); err != nil {
		return nil, err
	}
	for _, m := range mods {
		if m.Name() == "chain" {
			return nil, errors.New("chain: a module may not be called chain")
		}
		if err := add(m.Name(), m.Codes()); err != nil {
			return nil, err
		}
	}
	if err := add("chain", []ledger.ErrorCode{invalidMsgCode}); err != nil {
		return nil, err
	}
	return t, nil
}

// CodeOf returns the code of err; an error not in the table is internal.
func CodeOf(err error) ledger.Code {
	for _, c := range codes {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return codes[0].code
}

// Lookup finds a code by its ABCI codespace and number.
func Lookup(space string, number uint32) (ledger.Code, bool) {
	for _, c := range codes {
		if c.code.Space == space && c.code.Number == number {
			return c.code, true
		}
	}
	return ledger.Code{}, false
}

// Codes lists every code, in table order.
func Codes() []ledger.Code {
	out := make([]ledger.Code, len(codes))
	for i, c := range codes {
		out[i] = c.code
	}
	return out
}

// Events lists every event type the modules declare, in module order.
func Events() []ledger.EventType {
	var out []ledger.EventType
	for _, m := range modules(&directory{}) {
		out = append(out, m.Events()...)
	}
	return out
}
