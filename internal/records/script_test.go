package records_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/ledgertest"
	"github.com/medchain/medchain/internal/records"
)

// TestScripts runs testdata/*.txt: each records message's success and each
// refusal, and the consent decisions a custodian's node takes on committed
// state, through the real chain. -rewrite regenerates the output.
func TestScripts(t *testing.T) {
	ledgertest.Run(t, "testdata", ledgertest.WithQueries(map[string]ledgertest.Query{
		// record id=rec-…: a record's head and every version's anchor.
		"record": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			k := c.App().Records()
			r, ok := k.Record(c.View(), a["id"])
			if !ok {
				return nil, fmt.Errorf("no record %q", a["id"])
			}
			return map[string]any{"record": r, "versions": k.Versions(c.View(), r.ID)}, nil
		},
		// records patient=pt-… [after=rec-…] [limit=N]: a patient's record IDs, paged.
		"records": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			limit, err := limitOf(a)
			if err != nil {
				return nil, err
			}
			ids, next := c.App().Records().PatientRecords(c.View(), a["patient"], a["after"], limit)
			return map[string]any{"records": ids, "next": next}, nil
		},
		// by-hash hash=<hex>: the version whose ciphertext has the hash.
		"by-hash": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			ref, ok := c.App().Records().ByHash(c.View(), a["hash"])
			return found(ref, ok, "version with ciphertext", a["hash"])
		},
		// grant id=gr-…: a grant.
		"grant": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			g, ok := c.App().Records().Grant(c.View(), a["id"])
			return found(g, ok, "grant", a["id"])
		},
		// grants patient=pt-…: a patient's grants, active and revoked, by grantee.
		"grants": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			limit, err := limitOf(a)
			if err != nil {
				return nil, err
			}
			return c.App().Records().Grants(c.View(), a["patient"], limit), nil
		},
		// org-patients as=<name> org=… [after=pt-…] [limit=N]: what the
		// API would answer name (signing a private read) about the patients
		// who granted an organisation or its members access: a refusal with
		// its code, or a page of patients, each with its grants (IDs) active
		// at the last block's time.
		"org-patients": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			p, err := c.App().Identity().Authenticate(c.View(), c.Key(a["as"]))
			if err != nil {
				return nil, err
			}
			limit, err := limitOf(a)
			if err != nil {
				return nil, err
			}
			k, v, now := c.App().Records(), c.View(), c.Time()
			if err := k.SeesOrgPatients(v, p, a["org"], now); err != nil {
				return map[string]string{"refused": chain.CodeOf(err).ID(), "why": err.Error()}, nil
			}
			items, next := k.OrgPatients(v, p, a["org"], a["after"], limit, now)
			type patient struct {
				Patient string   `json:"patient"`
				Grants  []string `json:"grants"`
			}
			out := []patient{}
			for _, it := range items {
				pt := patient{Patient: it.Patient}
				for _, g := range it.Grants {
					pt.Grants = append(pt.Grants, g.ID)
				}
				out = append(out, pt)
			}
			return map[string]any{"patients": out, "next": next}, nil
		},
		// delegations patient=pt-…: who may act for a patient.
		"delegations": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			return c.App().Records().Delegations(c.View(), a["patient"]), nil
		},
		// authorize reader=<name> record=rec-… purpose=P [version=N]
		// [break-glass=bg-…]: the decision a custodian's node takes on the
		// committed state at the last block's time for a read request
		// signed by name's key, with the code of a refusal.
		"authorize": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			reader, err := c.App().Identity().Authenticate(c.View(), c.Key(a["reader"]))
			if err != nil {
				return nil, err
			}
			v := 0
			if s, ok := a["version"]; ok {
				if v, err = strconv.Atoi(s); err != nil {
					return nil, fmt.Errorf("version=%q: %v", s, err)
				}
			}
			d := c.App().Records().Authorize(c.View(), records.Access{
				Reader: reader, Record: a["record"], Version: v, Purpose: a["purpose"],
				BreakGlass: a["break-glass"], Now: c.Time(),
			})
			if d.Err != nil {
				return map[string]string{"denied": chain.CodeOf(d.Err).ID(), "why": d.Err.Error()}, nil
			}
			return map[string]any{"allowed": d.Basis, "grant": d.Grant, "break_glass": d.BreakGlass, "version": d.Version.Version}, nil
		},
		// sees as=<name> patient=pt-… | records=pt-… | record=rec-… |
		// grant=gr-… | org=…: what the API would answer name (signing a
		// private read) about a patient's own lists, the patient's records
		// it may see, one record, one grant, or an organisation's audit
		// trail; a refusal with its code.
		"sees": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			p, err := c.App().Identity().Authenticate(c.View(), c.Key(a["as"]))
			if err != nil {
				return nil, err
			}
			k, v, now := c.App().Records(), c.View(), c.Time()
			var refusal error
			switch {
			case a["patient"] != "":
				refusal = k.SeesPatient(v, p, a["patient"], now)
			case a["records"] != "":
				see, err := k.RecordsSeen(v, p, a["records"], now)
				if err != nil {
					refusal = err
					break
				}
				recs, _ := k.PatientRecordsSeen(v, a["records"], see, "", 100)
				ids := []string{}
				for _, r := range recs {
					ids = append(ids, r.ID)
				}
				return map[string]any{"records": ids}, nil
			case a["record"] != "":
				r, ok := k.Record(v, a["record"])
				if !ok {
					r = records.Record{ID: a["record"]}
				}
				refusal = k.SeesRecord(v, p, r, now)
			case a["grant"] != "":
				g, ok := k.Grant(v, a["grant"])
				if !ok {
					g = records.Grant{ID: a["grant"]}
				}
				refusal = k.SeesGrant(v, p, g, now)
			case a["org"] != "":
				refusal = k.AuditsOrg(p, a["org"])
			default:
				return nil, fmt.Errorf("sees: give patient=, records=, record=, grant= or org=")
			}
			if refusal != nil {
				return map[string]string{"refused": chain.CodeOf(refusal).ID(), "why": refusal.Error()}, nil
			}
			return "allowed", nil
		},
		// may-prove as=<name>|anonymous key=…: whether GET /v1/proofs
		// proves a state key to name. An index key's parts are separated
		// by \x00, as the state diffs print them.
		"may-prove": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			var p ledger.Principal
			if a["as"] != "anonymous" {
				var err error
				if p, err = c.App().Identity().Authenticate(c.View(), c.Key(a["as"])); err != nil {
					return nil, err
				}
			}
			return c.App().MayProve(c.View(), p, strings.ReplaceAll(a["key"], `\x00`, "\x00"), c.Time()), nil
		},
		// break-glass id=bg-…: a window.
		"break-glass": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			w, ok := c.App().Records().BreakGlassWindow(c.View(), a["id"])
			return found(w, ok, "break-glass window", a["id"])
		},
		// break-glass-for by=patient|org id=…: the windows opened on a
		// patient's records or by an organisation's clinicians.
		"break-glass-for": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			limit, err := limitOf(a)
			if err != nil {
				return nil, err
			}
			return c.App().Records().BreakGlassFor(c.View(), a["by"], a["id"], limit), nil
		},
		// unreviewed org=… [after=…] [limit=N]: an organisation's windows
		// no privacy officer has reviewed, oldest first, paged.
		"unreviewed": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			limit, err := limitOf(a)
			if err != nil {
				return nil, err
			}
			ws, next := c.App().Records().UnreviewedBreakGlass(c.View(), a["org"], a["after"], limit)
			ids := []string{}
			for _, w := range ws {
				ids = append(ids, w.ID)
			}
			return map[string]any{"windows": ids, "next": next}, nil
		},
		// break-glass-limits: the limits in force.
		"break-glass-limits": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			return c.App().Records().BreakGlassLimits(c.View()), nil
		},
		// access-log by=patient|custodian id=… [after=…] [limit=N]: receipts,
		// oldest first, paged.
		"access-log": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			limit, err := limitOf(a)
			if err != nil {
				return nil, err
			}
			by := records.ByPatient
			switch a["by"] {
			case "patient":
			case "custodian":
				by = records.ByCustodian
			default:
				return nil, fmt.Errorf("by=%q: want patient or custodian", a["by"])
			}
			log, next := c.App().Records().AccessLog(c.View(), by, a["id"], a["after"], limit)
			return map[string]any{"receipts": log, "next": next}, nil
		},
		// has-receipt id=…: whether a read request's receipt is kept.
		"has-receipt": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			return c.App().Records().HasReceipt(c.View(), a["id"]), nil
		},
		// endpoint org=…: the records endpoint an organisation published.
		"endpoint": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			e, ok := c.App().Records().Endpoint(c.View(), a["org"])
			return found(e, ok, "endpoint of", a["org"])
		},
	}))
}

// found is a query's answer: v, or an error naming what is missing.
func found[T any](v T, ok bool, what, id string) (any, error) {
	if !ok {
		return nil, fmt.Errorf("no %s %q", what, id)
	}
	return v, nil
}

// limitOf reads a query's optional limit=N (10 by default).
func limitOf(a ledgertest.Args) (int, error) {
	s, ok := a["limit"]
	if !ok {
		return 10, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("limit=%q is not a positive number", s)
	}
	return n, nil
}
