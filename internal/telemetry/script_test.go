package telemetry_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/ledgertest"
)

// TestScripts runs testdata/*.txt: each telemetry message's success and
// each refusal, through the real chain. -rewrite regenerates the output.
func TestScripts(t *testing.T) {
	ledgertest.Run(t, "testdata", ledgertest.WithQueries(map[string]ledgertest.Query{
		// admit device=ORG/HANDLE: the check the custodian's node runs before
		// it takes a reading, at the last block's time.
		"admit": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			d, err := c.App().Telemetry().Admit(c.View(), a["device"], c.Time().Unix())
			if err != nil {
				return map[string]string{"refused": chain.CodeOf(err).ID(), "why": err.Error()}, nil
			}
			return d, nil
		},
		// device id=ORG/HANDLE [as=NAME|anonymous]: a device; with as=,
		// whether that caller may see it.
		"device": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			k := c.App().Telemetry()
			d, ok := k.Device(c.View(), a["id"])
			if !ok {
				return nil, fmt.Errorf("no device %q", a["id"])
			}
			if as, ok := a["as"]; ok {
				return refusal(k.SeesDevice(principal(c, as), d), d), nil
			}
			return d, nil
		},
		// gaps device=ORG/HANDLE: the sequence numbers a device skipped.
		"gaps": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			return c.App().Telemetry().Gaps(c.View(), a["device"], 100), nil
		},
		// batch-of device=ORG/HANDLE seq=N: the batch holding a reading.
		"batch-of": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			seq, _ := strconv.ParseUint(a["seq"], 10, 64)
			b, ok := c.App().Telemetry().BatchOf(c.View(), a["device"], seq)
			if !ok {
				return nil, fmt.Errorf("no batch of %s holds %d", a["device"], seq)
			}
			return b, nil
		},
		// alert rule=ar-… device=ORG/HANDLE: the alert of a rule for a
		// device that has not cleared.
		"alert": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			al, ok := c.App().Telemetry().OpenAlert(c.View(), a["rule"], a["device"])
			if !ok {
				return nil, fmt.Errorf("no open alert")
			}
			return al, nil
		},
		// evidence patient=pt-… from=YYYY-MM-DD [as=NAME|anonymous]: the
		// billing evidence; with as=, whether that caller may see it.
		"evidence": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			k := c.App().Telemetry()
			if as, ok := a["as"]; ok {
				if err := k.SeesEvidence(c.View(), principal(c, as), a["patient"], c.Time()); err != nil {
					return refusal(err, nil), nil
				}
			}
			return k.Evidence(c.View(), a["patient"], a["from"], c.View().Version())
		},
		// may-prove key=K as=NAME|anonymous: whether the caller may have a
		// state key proven.
		"may-prove": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			return c.App().MayProve(c.View(), principal(c, a["as"]), a["key"], c.Time()), nil
		},
	}))
}

func refusal(err error, v any) any {
	if err != nil {
		return map[string]string{"refused": chain.CodeOf(err).ID(), "why": err.Error()}
	}
	return v
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
