package governance_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/medchain/medchain/internal/ledgertest"
)

// TestScripts runs testdata/*.txt: each governance message's success and
// each refusal, through the real chain. -rewrite regenerates the output.
func TestScripts(t *testing.T) {
	ledgertest.Run(t, "testdata", ledgertest.WithQueries(map[string]ledgertest.Query{
		// proposal id=N: the proposal with its votes and tally now.
		"proposal": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			id, err := strconv.ParseUint(a["id"], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("proposal id=%q: %v", a["id"], err)
			}
			gov := c.App().Governance()
			p, ok := gov.Proposal(c.View(), id)
			if !ok {
				return nil, fmt.Errorf("no proposal %d", id)
			}
			return map[string]any{"proposal": p, "tally": gov.TallyOf(c.View(), p)}, nil
		},
		// org id=X: an organisation.
		"org": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			o, ok := c.App().Governance().Org(c.View(), a["id"])
			if !ok {
				return nil, fmt.Errorf("no organisation %q", a["id"])
			}
			return o, nil
		},
		// validators: the validator set, by organisation.
		"validators": func(c *ledgertest.Chain, _ ledgertest.Args) (any, error) {
			out := map[string]any{}
			for _, o := range c.App().Governance().Validators(c.View()) {
				out[o.ID] = o.Validator
			}
			return out, nil
		},
	}))
}
