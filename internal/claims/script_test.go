package claims_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/claims"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/ledgertest"
)

// TestScripts runs testdata/*.txt: each claims message's success and each
// refusal, through the real chain. -rewrite regenerates the output.
func TestScripts(t *testing.T) {
	ledgertest.Run(t, "testdata", ledgertest.WithQueries(map[string]ledgertest.Query{
		// versions plan=P: a plan's versions.
		"versions": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			return c.App().Claims().Versions(c.View(), a["plan"]), nil
		},
		// in-force plan=P day=YYYY-MM-DD: the version in force on a day.
		"in-force": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			v, ok := c.App().Claims().InForce(c.View(), a["plan"], a["day"])
			if !ok {
				return fmt.Sprintf("no version of %s in force on %s", a["plan"], a["day"]), nil
			}
			return map[string]any{"version": v.Version, "effective": v.Effective, "hash": v.Hash}, nil
		},
		// eligibility coverage=cv-… day=D as=NAME|anonymous: the eligibility
		// answer, or the refusal for that caller.
		"eligibility": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			k := c.App().Claims()
			cv, ok := k.Coverage(c.View(), a["coverage"])
			if !ok {
				cv = claims.Coverage{ID: a["coverage"]}
			}
			if err := k.SeesCoverage(c.View(), principal(c, a["as"]), cv, c.Time()); err != nil {
				return refused(err), nil
			}
			e := k.Eligibility(c.View(), cv, a["day"])
			out := map[string]any{"eligible": e.Eligible, "reason": e.Reason}
			if e.Version != nil {
				out["version"] = e.Version.Version
			}
			return out, nil
		},
		// claim id=cl-… [as=NAME|anonymous]: a claim; with as=, whether that
		// caller may see it.
		"claim": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			k := c.App().Claims()
			cl, ok := k.Claim(c.View(), a["id"])
			if as, has := a["as"]; has {
				if !ok {
					cl = claims.Claim{ID: a["id"]}
				}
				if err := k.SeesClaim(principal(c, as), cl); err != nil {
					return refused(err), nil
				}
			}
			if !ok {
				return nil, fmt.Errorf("no claim %q", a["id"])
			}
			return cl, nil
		},
		// claims by=provider|patient|payer who=W [after=ID limit=N]: a list.
		"claims": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			by := map[string]claims.Party{"provider": claims.ByProvider, "patient": claims.ByPatient, "payer": claims.ByPayer}[a["by"]]
			limit := 100
			if a["limit"] != "" {
				limit, _ = strconv.Atoi(a["limit"])
			}
			cs, next := c.App().Claims().Claims(c.View(), by, a["who"], a["after"], limit)
			ids := []string{}
			for _, cl := range cs {
				ids = append(ids, cl.ID+" "+cl.Status)
			}
			return map[string]any{"items": ids, "next": next}, nil
		},
		// reconcile who=W [as=NAME]: a provider's or patient's totals.
		"reconcile": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			k := c.App().Claims()
			if as, has := a["as"]; has {
				if err := k.SeesParty(principal(c, as), a["who"]); err != nil {
					return refused(err), nil
				}
			}
			return k.Reconcile(c.View(), a["who"]), nil
		},
		// may-prove key=K as=NAME|anonymous: whether the caller may have a
		// state key proven.
		"may-prove": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			return c.App().MayProve(c.View(), principal(c, a["as"]), a["key"], c.Time()), nil
		},
	}))
}

func refused(err error) map[string]string {
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
