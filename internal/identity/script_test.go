package identity_test

import (
	"fmt"
	"testing"

	"github.com/medchain/medchain/internal/ledgertest"
)

// TestScripts runs testdata/*.txt: each identity message's success and each
// refusal, through the real chain. -rewrite regenerates the output.
func TestScripts(t *testing.T) {
	ledgertest.Run(t, "testdata", ledgertest.WithQueries(map[string]ledgertest.Query{
		// member id=org/handle: a member's record.
		"member": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			m, ok := c.App().Identity().Member(c.View(), a["id"])
			if !ok {
				return nil, fmt.Errorf("no member %q", a["id"])
			}
			return m, nil
		},
		// keys owner=id: every key an identity has held, in order, with its status.
		"keys": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			return c.App().Identity().KeysOf(c.View(), a["owner"]), nil
		},
	}))
}
