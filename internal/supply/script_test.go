package supply_test

import (
	"fmt"
	"testing"

	"github.com/medchain/medchain/internal/ledgertest"
)

// TestScripts runs testdata/*.txt: each supply message's success and each
// refusal, through the real chain. -rewrite regenerates the output.
func TestScripts(t *testing.T) {
	ledgertest.Run(t, "testdata", ledgertest.WithQueries(map[string]ledgertest.Query{
		// verify id=ITEM: what a barcode scan answers now (supply.Verify at
		// the last block's time), with the custody chain.
		"verify": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			return c.App().Supply().Verify(c.View(), a["id"], c.Time()), nil
		},
		// item id=ITEM: an item's record.
		"item": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			it, ok := c.App().Supply().Item(c.View(), a["id"])
			return found(it, ok, "no item %q", a["id"])
		},
		// history id=ITEM: an item's own custody events, oldest first.
		"history": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			return c.App().Supply().History(c.View(), a["id"]), nil
		},
		// children id=CONTAINER: what is packed in it.
		"children": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			return c.App().Supply().Children(c.View(), a["id"], 100), nil
		},
		// shipment id=sh-…: a shipment with its cold-chain verdict.
		"shipment": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			sh, ok := c.App().Supply().Shipment(c.View(), a["id"])
			return found(map[string]any{"shipment": sh, "cold_chain": sh.ColdChainVerdict()}, ok, "no shipment %q", a["id"])
		},
		// lot gtin=G lot=L: a lot, with who holds its units now.
		"lot": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			k := c.App().Supply()
			l, ok := k.Lot(c.View(), a["gtin"], a["lot"])
			return found(map[string]any{"lot": l, "holders": k.Holders(c.View(), a["gtin"], a["lot"], 5)}, ok, "no lot %s of %s", a["lot"], a["gtin"])
		},
		// alerts manufacturer=ORG: the suspect scans of its products ("" for
		// unknown products).
		"alerts": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			return c.App().Supply().Alerts(c.View(), a["manufacturer"], 100), nil
		},
		// event hash=H: an anchored EPCIS event.
		"event": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			e, ok := c.App().Supply().Event(c.View(), a["hash"])
			return found(e, ok, "no event %q", a["hash"])
		},
		// gln gln=G: the organisation that claimed a GLN.
		"gln": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			org, ok := c.App().Supply().OrgOfGLN(c.View(), a["gln"])
			return found(org, ok, "no GLN %q", a["gln"])
		},
		// donor-lookback donor=PSEUDONYM: every component of the donor's
		// donations, and whom it was transfused to.
		"donor-lookback": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			return c.App().Supply().DonorLookback(c.View(), a["donor"]), nil
		},
		// recipient-lookback recipient=pt-…: every component a patient
		// received, with its donation and tests.
		"recipient-lookback": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			return c.App().Supply().RecipientLookback(c.View(), a["recipient"]), nil
		},
		// trace-lot gtin=G lot=L: the transformations and donations a lot
		// comes from.
		"trace-lot": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			return c.App().Supply().TraceLot(c.View(), a["gtin"], a["lot"]), nil
		},
		// transformations item=ITEM: what made the item's lot and what
		// consumed it; with id=TF, that transformation's inputs.
		"transformations": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			k := c.App().Supply()
			if id := a["id"]; id != "" {
				return k.TransformationInputs(c.View(), id, 100), nil
			}
			made, consumed := k.ItemTransformations(c.View(), a["item"])
			return map[string]any{"made_by": made, "consumed_by": consumed}, nil
		},
		// shortages [item=I] [region=R]: PPE supply and demand per item and
		// region, with the open demands and, with demand=dm-…, its pledges.
		"shortages": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			k := c.App().Supply()
			out := map[string]any{"shortages": k.Shortages(c.View(), a["item"], a["region"])}
			if a["item"] != "" {
				out["open"] = k.OpenDemands(c.View(), a["item"], a["region"], 100)
			}
			if a["demand"] != "" {
				out["pledges"] = k.Pledges(c.View(), a["demand"])
			}
			return out, nil
		},
	}))
}

// found answers a query of one record: v if it exists, else the error.
func found(v any, ok bool, format string, args ...any) (any, error) {
	if !ok {
		return nil, fmt.Errorf(format, args...)
	}
	return v, nil
}
