package pools_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/ledgertest"
	"github.com/medchain/medchain/internal/pools"
)

// TestScripts runs testdata/*.txt: each pools message's success and each
// refusal, through the real chain. -rewrite regenerates the output.
func TestScripts(t *testing.T) {
	ledgertest.Run(t, "testdata", ledgertest.WithQueries(map[string]ledgertest.Query{
		// pool id=pl-…: a pool.
		"pool": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			p, ok := c.App().Pools().Pool(c.View(), a["id"])
			return found(p, ok, "no pool %q", a["id"])
		},
		// periods pool=pl-… [limit=N]: the last settled periods (100 by
		// default) and their trend.
		"periods": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			k := c.App().Pools()
			p, ok := k.Pool(c.View(), a["pool"])
			if !ok {
				return nil, fmt.Errorf("no pool %q", a["pool"])
			}
			limit := 100
			if l, ok := a["limit"]; ok {
				limit, _ = strconv.Atoi(l)
			}
			ps := k.Periods(c.View(), p.ID, limit)
			return map[string]any{"periods": ps, "trend": pools.TrendOf(p, ps)}, nil
		},
		// statement pool=pl-… patient=pt-… as=NAME|anonymous: a member's
		// statement, if the caller may see it.
		"statement": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			k := c.App().Pools()
			if err := k.SeesMember(principal(c, a["as"]), a["patient"]); err != nil {
				return refused(err), nil
			}
			st, ok := k.MemberStatement(c.View(), a["pool"], a["patient"])
			return found(st, ok, "no membership of %q in %q", a["patient"], a["pool"])
		},
		// claim id=ac-… as=NAME|anonymous: a claim, if the caller may see it.
		"claim": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			k := c.App().Pools()
			cl, ok := k.Claim(c.View(), a["id"])
			if !ok {
				cl = pools.Claim{ID: a["id"]}
			}
			if err := k.SeesClaim(c.View(), principal(c, a["as"]), cl); err != nil {
				return refused(err), nil
			}
			return found(cl, ok, "no claim %q", a["id"])
		},
		// claims pool=pl-… as=NAME|anonymous: the claims of a pool the
		// caller may list.
		"claims": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			k := c.App().Pools()
			p, _ := k.Pool(c.View(), a["pool"])
			keep, err := k.ClaimsSeen(c.View(), principal(c, a["as"]), p)
			if err != nil {
				return refused(err), nil
			}
			ids := []string{}
			for _, cl := range k.PoolClaims(c.View(), p.ID, keep, 100) {
				ids = append(ids, cl.ID+" "+cl.Status)
			}
			return ids, nil
		},
		// may-prove key=K as=NAME|anonymous: whether the caller may have a
		// state key proven.
		"may-prove": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			return c.App().MayProve(c.View(), principal(c, a["as"]), a["key"], c.Time()), nil
		},
		// commitment pool=pl-… category=C50 salt=HEX: the condition
		// commitment a claimant computes off chain.
		"commitment": func(_ *ledgertest.Chain, a ledgertest.Args) (any, error) {
			return pools.ConditionCommitment(a["pool"], a["category"], a["salt"]), nil
		},
	}))
}

func found(v any, ok bool, format string, args ...any) (any, error) {
	if !ok {
		return nil, fmt.Errorf(format, args...)
	}
	return v, nil
}

func refused(err error) any {
	return map[string]string{"refused": chain.CodeOf(err).ID(), "why": err.Error()}
}

// principal is the identity name's key stands for; anonymous is the zero
// principal.
func principal(c *ledgertest.Chain, name string) ledger.Principal {
	if name == "anonymous" || name == "" {
		return ledger.Principal{}
	}
	p, _ := c.App().Identity().Authenticate(c.View(), c.Key(name))
	return p
}
