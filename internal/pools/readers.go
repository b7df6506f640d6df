package pools

import (
	"fmt"
	"slices"
	"time"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
)

// Who may see what (docs/design.md §3.11). Pools, their terms, boards and
// settled periods are public: anyone may read what a pool costs and how
// its share moves. Membership says which pools a patient belongs to and a
// claim that a patient asked for aid: a membership and its statement are
// seen by the patient alone; a claim by its claimant, the clinicians of
// its panel and of the pool's board (who review), and the operator's
// members holding an operator role (who settle and answer members). Every
// refusal wraps ledger.ErrNotEntitled and reads the same whether or not
// the thing exists.

// SeesMember allows p a patient's memberships and statements: the patient.
func (k *Keeper) SeesMember(p ledger.Principal, patient string) error {
	if p.ID != "" && p.ID == patient {
		return nil
	}
	return fmt.Errorf("%w: a patient's pool memberships and statements are seen by that patient only", ledger.ErrNotEntitled)
}

// reviews reports whether p reviews or operates pool: on its board, or a
// member of its operator with an operator role.
func reviews(p ledger.Principal, pool Pool) bool {
	if p.Kind != ledger.Member {
		return false
	}
	return slices.Contains(pool.Board, p.ID) || (p.Org == pool.Operator && p.HasAnyRole(OperatorRoles...))
}

// SeesClaim allows p a claim: its claimant, a reviewer on its panel, and
// whoever reviews or operates the pool.
func (k *Keeper) SeesClaim(r state.Reader, p ledger.Principal, c Claim) error {
	if p.ID != "" {
		pool, _ := pools.Get(r, c.Pool)
		if p.ID == c.Claimant || slices.Contains(c.Panel, p.ID) || reviews(p, pool) {
			return nil
		}
	}
	who := p.ID
	if who == "" {
		who = "an anonymous caller"
	}
	return fmt.Errorf("%w: claim %s is unknown or not one %s may see: its claimant, its reviewers and the pool's operator do", ledger.ErrNotEntitled, c.ID, who)
}

// ClaimsSeen returns which of a pool's claims p may list: all of them for
// the pool's board and operator, their own for a patient; an error for
// anyone else.
func (k *Keeper) ClaimsSeen(r state.Reader, p ledger.Principal, pool Pool) (func(Claim) bool, error) {
	switch {
	case reviews(p, pool):
		return func(Claim) bool { return true }, nil
	case p.Kind == ledger.Patient:
		return func(c Claim) bool { return c.Claimant == p.ID }, nil
	case p.Kind == ledger.Member:
		return func(c Claim) bool { return slices.Contains(c.Panel, p.ID) }, nil
	}
	return nil, fmt.Errorf("%w: a pool's claims are listed to its board and operator, and to each member their own", ledger.ErrNotEntitled)
}

// MayProve implements ledger.KeyReader: a patient may have their own
// membership and claims proven, a claim's reviewers the claim.
func (k *Keeper) MayProve(r state.Reader, p ledger.Principal, key string, _ time.Time) bool {
	if id, ok := members.ID(key); ok {
		ms, ok := members.Get(r, id)
		return ok && k.SeesMember(p, ms.Patient) == nil
	}
	if id, ok := claims.ID(key); ok {
		c, ok := claims.Get(r, id)
		return ok && k.SeesClaim(r, p, c) == nil
	}
	return false
}
