package research_test

import (
	"fmt"
	"testing"

	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/ledgertest"
	"github.com/medchain/medchain/internal/research"
)

// TestScripts runs testdata/*.txt: each research message's success and each
// refusal, through the real chain. -rewrite regenerates the output.
func TestScripts(t *testing.T) {
	ledgertest.Run(t, "testdata", ledgertest.WithQueries(map[string]ledgertest.Query{
		// study id=st-…: a study (public).
		"study": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			st, ok := c.App().Research().Study(c.View(), a["id"])
			return found(st, ok, "no study %q", a["id"])
		},
		// enrolments patient=NAME as=NAME|anonymous: a patient's
		// enrolments, if the caller may see them (readers.go).
		"enrolments": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			k := c.App().Research()
			pt := patientID(c, a["patient"])
			if err := k.SeesPatient(principal(c, a["as"]), pt); err != nil {
				return refused(err), nil
			}
			return k.PatientEnrolments(c.View(), pt), nil
		},
		// releasable study=st-… custodian=ORG [request=rq-…] as=NAME: the
		// enrolments a custodian's node may build a release from.
		"releasable": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			k := c.App().Research()
			if err := k.SeesCustodian(principal(c, a["as"]), a["custodian"]); err != nil {
				return refused(err), nil
			}
			var ids []string
			for _, e := range k.Releasable(c.View(), a["study"], a["custodian"], a["request"]) {
				ids = append(ids, e.ID)
			}
			return ids, nil
		},
		// uses patient=NAME as=NAME|anonymous: every use of a patient's data.
		"uses": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			k := c.App().Research()
			pt := patientID(c, a["patient"])
			if err := k.SeesPatient(principal(c, a["as"]), pt); err != nil {
				return refused(err), nil
			}
			return k.Uses(c.View(), pt), nil
		},
		// balances account=NAME|ORG as=NAME: what an account received.
		"balances": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			k := c.App().Research()
			acct := a["account"]
			if a["patient"] != "" {
				acct = patientID(c, a["patient"])
			}
			if err := k.SeesAccount(principal(c, a["as"]), acct); err != nil {
				return refused(err), nil
			}
			return k.Balances(c.View(), acct), nil
		},
		// may-prove key=K as=NAME|anonymous: whether the caller may have a
		// state key proven.
		"may-prove": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			return c.App().MayProve(c.View(), principal(c, a["as"]), a["key"], c.Time()), nil
		},
	}))
}

// TestSplit: nothing created or lost, every patient the same, the odd
// minor units to the custodian.
func TestSplit(t *testing.T) {
	for _, c := range []struct {
		price           int64
		n               int
		each, custodian int64
	}{
		{100000, 2, 35000, 30000},
		{100001, 3, 23333, 30002}, // pool 70000 (70000.7 rounded down), 23333 each, 1 left over
		{1, 1, 0, 1},
		{999_999_999, 7, 99_999_999, 300_000_006},
		{1_000_000_000, 1000, 700_000, 300_000_000},
	} {
		each, cust := research.Split(c.price, c.n)
		if each != c.each || cust != c.custodian || each*int64(c.n)+cust != c.price {
			t.Errorf("Split(%d, %d) = %d each, %d custodian; want %d, %d", c.price, c.n, each, cust, c.each, c.custodian)
		}
	}
}

// TestPermits: each DUO term's rule.
func TestPermits(t *testing.T) {
	for _, c := range []struct {
		terms          []string
		purpose, class string
		accepts        []string
		ok             bool
	}{
		{[]string{research.DUOGeneralResearch}, research.DUOPopulation, research.BuyerCommercial, nil, true},
		{[]string{research.DUONoRestriction}, research.DUOGeneralResearch, research.BuyerPayer, nil, true},
		{[]string{research.DUOHealthMedical}, research.DUOHealthMedical, research.BuyerAcademic, nil, true},
		{[]string{research.DUOHealthMedical}, research.DUOGeneralResearch, research.BuyerAcademic, nil, false},
		{[]string{research.DUOHealthMedical}, research.DUOPopulation, research.BuyerAcademic, nil, false},
		{[]string{research.DUOPopulation}, research.DUOHealthMedical, research.BuyerAcademic, nil, false},
		{[]string{research.DUOGeneralResearch, research.DUONonCommercial}, research.DUOHealthMedical, research.BuyerCommercial, nil, false},
		{[]string{research.DUOGeneralResearch, research.DUONonCommercial}, research.DUOHealthMedical, research.BuyerPayer, nil, true},
		{[]string{research.DUOGeneralResearch, research.DUONotForProfit}, research.DUOHealthMedical, research.BuyerPayer, nil, false},
		{[]string{research.DUOGeneralResearch, research.DUONotForProfitNonCom}, research.DUOHealthMedical, research.BuyerClinical, nil, true},
		{[]string{research.DUOGeneralResearch, research.DUONoPopulation}, research.DUOPopulation, research.BuyerAcademic, nil, false},
		{[]string{research.DUOGeneralResearch, research.DUOPublication}, research.DUOHealthMedical, research.BuyerAcademic, nil, false},
		{[]string{research.DUOGeneralResearch, research.DUOPublication}, research.DUOHealthMedical, research.BuyerAcademic, []string{research.DUOPublication}, true},
	} {
		err := research.Permits(c.terms, c.purpose, c.class, c.accepts)
		if (err == nil) != c.ok {
			t.Errorf("Permits(%v, %s, %s, %v) = %v, want ok %v", c.terms, c.purpose, c.class, c.accepts, err, c.ok)
		}
	}
}

func found(v any, ok bool, format string, args ...any) (any, error) {
	if !ok {
		return nil, fmt.Errorf(format, args...)
	}
	return v, nil
}

func refused(err error) map[string]string {
	return map[string]string{"refused": chain.CodeOf(err).ID(), "why": err.Error()}
}

func patientID(c *ledgertest.Chain, name string) string {
	p, _ := c.App().Identity().Authenticate(c.View(), c.Key(name))
	return p.ID
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
