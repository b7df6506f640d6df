package publichealth_test

import (
	"fmt"
	"testing"

	"github.com/medchain/medchain/internal/ledgertest"
)

// TestScripts runs testdata/*.txt: each publichealth message's success and
// each refusal, through the real chain. -rewrite regenerates the output.
func TestScripts(t *testing.T) {
	ledgertest.Run(t, "testdata", ledgertest.WithQueries(map[string]ledgertest.Query{
		// series region=R metric=M [from=D] [to=D]: what the series API
		// answers.
		"series": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			return c.App().PublicHealth().Series(c.View(), a["region"], a["metric"], a["from"], a["to"]), nil
		},
		// history region=R metric=M date=D: every version of a figure.
		"history": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			h := c.App().PublicHealth().History(c.View(), a["metric"], a["region"], a["date"])
			if h == nil {
				return nil, fmt.Errorf("no figure %s %s %s", a["region"], a["metric"], a["date"])
			}
			return h, nil
		},
		// totals metric=M [date=D]: world and per-country totals.
		"totals": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			return c.App().PublicHealth().Totals(c.View(), a["metric"], a["date"]), nil
		},
		// params: the governed parameters.
		"params": func(c *ledgertest.Chain, _ ledgertest.Args) (any, error) {
			return c.App().PublicHealth().Params(c.View()), nil
		},
	}))
}
