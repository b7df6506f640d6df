package ledgertest_test

import (
	"fmt"
	"testing"

	"github.com/medchain/medchain/internal/ledgertest"
)

// TestScripts runs the harness's own scripts: each command on the
// governance and identity modules, which the chain always has.
func TestScripts(t *testing.T) {
	ledgertest.Run(t, "testdata", ledgertest.WithQueries(map[string]ledgertest.Query{
		"member": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			m, ok := c.App().Identity().Member(c.View(), a["id"])
			if !ok {
				return nil, fmt.Errorf("no member %q", a["id"])
			}
			return m, nil
		},
		"height": func(c *ledgertest.Chain, _ ledgertest.Args) (any, error) {
			return map[string]any{"height": c.Height(), "time": c.Time()}, nil
		},
	}))
}
