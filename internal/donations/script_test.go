package donations_test

import (
	"fmt"
	"testing"

	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/ledgertest"
)

// TestScripts runs testdata/*.txt: each donations message's success and
// each refusal, through the real chain. -rewrite regenerates the output.
func TestScripts(t *testing.T) {
	ledgertest.Run(t, "testdata", ledgertest.WithQueries(map[string]ledgertest.Query{
		// ledger campaign=cp-…: the campaign's public ledger at the last
		// block's time.
		"ledger": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			l, ok := c.App().Donations().CampaignLedger(c.View(), a["campaign"], c.Time())
			return found(l, ok, "no campaign %q", a["campaign"])
		},
		// status id=dn-… [as=NAME|anonymous]: where a donation stands; with
		// as=, whether that caller may see it (readers.go).
		"status": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			k := c.App().Donations()
			st, ok := k.DonationStatus(c.View(), a["id"])
			if !ok {
				return nil, fmt.Errorf("no donation %q", a["id"])
			}
			if as, ok := a["as"]; ok {
				if err := k.SeesDonation(principal(c, as), st.Donation); err != nil {
					return map[string]string{"refused": chain.CodeOf(err).ID(), "why": err.Error()}, nil
				}
			}
			return st, nil
		},
		// may-prove key=K as=NAME|anonymous: whether the caller may have a
		// state key proven.
		"may-prove": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			return c.App().MayProve(c.View(), principal(c, a["as"]), a["key"], c.Time()), nil
		},
		// donor donor=ORG|pt-…: a donor's donations.
		"donor": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			return c.App().Donations().DonorDonations(c.View(), a["donor"], 100), nil
		},
		// iati campaign=cp-…: the campaign as an IATI activity.
		"iati": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			act, ok := c.App().Donations().IATI(c.View(), a["campaign"])
			return found(act, ok, "no campaign %q", a["campaign"])
		},
		// arrival shipment=sh-… gtin=G: supply's answer about a shipment.
		"arrival": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			ar, ok := c.App().Supply().Arrival(c.View(), a["shipment"], a["gtin"])
			return found(ar, ok, "no shipment %q", a["shipment"])
		},
	}))
}

func found(v any, ok bool, format string, args ...any) (any, error) {
	if !ok {
		return nil, fmt.Errorf(format, args...)
	}
	return v, nil
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
