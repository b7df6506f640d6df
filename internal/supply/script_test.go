package supply_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/ledgertest"
	"github.com/medchain/medchain/internal/supply"
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
		// sees-event as=NAME|anonymous capturer=ORG [partners=ORG,ORG]: who
		// may capture EPCIS events for which organisation, and whether the
		// caller sees the body of an event the capturer captured naming the
		// partners (epcisreaders.go).
		"sees-event": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			k := c.App().Supply()
			p := principal(c, a["as"])
			var partners []string
			if a["partners"] != "" {
				partners = strings.Split(a["partners"], ",")
			}
			out := map[string]any{"sees": k.SeesEventBody(c.View(), p, a["capturer"], partners)}
			if org, err := k.CapturesFor(p); err != nil {
				out["captures"] = err.Error()
			} else {
				out["captures_for"] = org
			}
			return out, nil
		},
		// gln gln=G: the organisation that claimed a GLN.
		"gln": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			org, ok := c.App().Supply().OrgOfGLN(c.View(), a["gln"])
			return found(org, ok, "no GLN %q", a["gln"])
		},
		// donor-lookback donor=PSEUDONYM [as=MEMBER]: every component of
		// the donor's donations, and whom it was transfused to; with as=,
		// what the API shows that member (readers.go), or its refusal.
		"donor-lookback": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			k := c.App().Supply()
			ts := k.DonorLookback(c.View(), a["donor"])
			if as, ok := a["as"]; ok {
				return refusedOr(k.DonorTraces(principal(c, as), a["donor"], ts))
			}
			return ts, nil
		},
		// recipient-lookback recipient=pt-… [as=MEMBER]: every component a
		// patient received, with its donation and tests; with as=, what the
		// API shows that member (the patient and delegates see all).
		"recipient-lookback": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			k := c.App().Supply()
			ts := k.RecipientLookback(c.View(), a["recipient"])
			if as, ok := a["as"]; ok {
				return refusedOr(k.RecipientTraces(principal(c, as), a["recipient"], ts))
			}
			return ts, nil
		},
		// trace-lot gtin=G lot=L [as=NAME|anonymous]: the transformations
		// and donations a lot comes from; with as=, as the API shows it to
		// that caller (donors and tests for members only).
		"trace-lot": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			k := c.App().Supply()
			t := k.TraceLot(c.View(), a["gtin"], a["lot"])
			if as, ok := a["as"]; ok {
				return t.ForCaller(k, principal(c, as)), nil
			}
			return t, nil
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
		// arrival shipment=sh-… gtin=G: what the shipment delivered of a
		// product, as other modules ask it (donations).
		"arrival": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			ar, ok := c.App().Supply().Arrival(c.View(), a["shipment"], a["gtin"])
			return found(ar, ok, "no shipment %q", a["shipment"])
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

// principal is the identity name's key stands for; anonymous (or an unknown
// name) is the zero principal.
func principal(c *ledgertest.Chain, name string) ledger.Principal {
	if name == "anonymous" {
		return ledger.Principal{}
	}
	p, _ := c.App().Identity().Authenticate(c.View(), c.Key(name))
	return p
}

// refusedOr shows a caller's filtered answer, or its refusal and code.
func refusedOr(ts []supply.Trace, err error) (any, error) {
	if err != nil {
		return map[string]string{"refused": chain.CodeOf(err).ID(), "why": err.Error()}, nil
	}
	return ts, nil
}
