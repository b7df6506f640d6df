package donations

import (
	"regexp"
	"strings"
	"time"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
)

// idPatterns are the forms of the module's IDs (and of supply's demand and
// shipment IDs): prefix and 24 lower-case hex digits.
var idPatterns = func() map[string]*regexp.Regexp {
	m := map[string]*regexp.Regexp{}
	for _, p := range []string{"nd-", "cp-", "dn-", "db-", "sh-", "dm-"} {
		m[p] = regexp.MustCompile("^" + p + "[0-9a-f]{24}$")
	}
	return m
}()

func idPattern(prefix string) *regexp.Regexp { return idPatterns[prefix] }

// ValidID checks an ID of the module, or of the supply shipment or demand
// it names, by its prefix.
func ValidID(prefix, id string) error { return validID("id", prefix, id) }

// Need reads a need.
func (k *Keeper) Need(r state.Reader, id string) (Need, bool) { return needs.Get(r, id) }

// Campaign reads a campaign.
func (k *Keeper) Campaign(r state.Reader, id string) (Campaign, bool) { return campaigns.Get(r, id) }

// Campaigns lists campaigns in ID order, after an ID, paged.
func (k *Keeper) Campaigns(r state.Reader, after string, limit int) ([]Campaign, string) {
	return campaigns.Page(r, "", after, limit)
}

// Donation reads a donation, an organisation's or a person's: callers
// check SeesDonation before they show it.
func (k *Keeper) Donation(r state.Reader, id string) (Donation, bool) {
	if d, ok := orgDonations.Get(r, id); ok {
		return d, true
	}
	return personDonations.Get(r, id)
}

// Disbursement reads a disbursement.
func (k *Keeper) Disbursement(r state.Reader, id string) (Disbursement, bool) {
	return disbursements.Get(r, id)
}

// Link reads the link of a shipment.
func (k *Keeper) Link(r state.Reader, shipment string) (Link, bool) { return links.Get(r, shipment) }

// DonorDonations lists a donor's donations (an organisation's or a
// person's), in ID order, up to limit.
func (k *Keeper) DonorDonations(r state.Reader, donor string, limit int) []Donation {
	x := byOrgDonor
	if strings.HasPrefix(donor, "pt-") {
		x = byPersonDonor
	}
	return listed(r, x, donor, limit, func(id string) (Donation, bool) { return k.Donation(r, id) })
}

// listed reads what index x lists under parent, through get, up to limit.
func listed[V any](r state.Reader, x state.Index, parent string, limit int, get func(id string) (V, bool)) []V {
	var out []V
	x.Walk(r, func(id string) bool {
		if v, ok := get(id); ok {
			out = append(out, v)
		}
		return len(out) < limit
	}, parent)
	return out
}

// linksOfID lists the links of a donation or disbursement.
func (k *Keeper) linksOfID(r state.Reader, of string) []Link {
	return append([]Link{}, listed(r, linksOf, of, MaxExport, func(sh string) (Link, bool) { return links.Get(r, sh) })...)
}

// Status is where a donation stands, stage by stage, with the state keys
// that prove it (GET /v1/proofs).
type Status struct {
	Donation Donation `json:"donation"`
	Stage    string   `json:"stage"`
	// Shipments carry a goods donation; Spent are the disbursements a cash
	// donation paid for, with their shipments.
	Shipments []Link      `json:"shipments,omitempty"`
	Spent     []SpentCash `json:"spent,omitempty"`
	// ProofKeys are the state keys of the donation, its allocations and
	// its shipments' links (receipts included).
	ProofKeys []string `json:"proof_keys"`
}

// SpentCash is the part of a cash donation one disbursement spent.
type SpentCash struct {
	Allocation
	Disbursement Disbursement `json:"disbursement"`
	Shipments    []Link       `json:"shipments"`
}

// DonationStatus answers where donation id stands.
func (k *Keeper) DonationStatus(r state.Reader, id string) (Status, bool) {
	d, ok := k.Donation(r, id)
	if !ok {
		return Status{}, false
	}
	st := Status{Donation: d, Stage: d.Stage()}
	if d.Personal() {
		st.ProofKeys = append(st.ProofKeys, string(personDonations.Key(id)))
	} else {
		st.ProofKeys = append(st.ProofKeys, string(orgDonations.Key(id)))
	}
	addLinks := func(ls []Link) {
		for _, l := range ls {
			st.ProofKeys = append(st.ProofKeys, string(links.Key(l.Shipment)))
		}
	}
	if d.Kind == KindGoods {
		st.Shipments = k.linksOfID(r, id)
		addLinks(st.Shipments)
		return st, true
	}
	allocations.Walk(r, id+"/", func(key string, a Allocation) bool {
		b, _ := disbursements.Get(r, a.Disbursement)
		sc := SpentCash{Allocation: a, Disbursement: b, Shipments: k.linksOfID(r, b.ID)}
		st.Spent = append(st.Spent, sc)
		st.ProofKeys = append(st.ProofKeys, string(allocations.Key(key)))
		addLinks(sc.Shipments)
		return true
	})
	return st, true
}

// Line is one need of a campaign's public ledger, in the need's unit
// (units of goods, or minor units of its currency).
type Line struct {
	Need        string `json:"need"`
	Beneficiary string `json:"beneficiary"`
	Item        string `json:"item,omitempty"`
	Currency    string `json:"currency,omitempty"`
	NeededBy    string `json:"needed_by"`
	Target      int64  `json:"target"`
	Pledged     int64  `json:"pledged"`
	Bought      int64  `json:"bought"`
	Committed   int64  `json:"committed"`
	Shipped     int64  `json:"shipped"`
	Received    int64  `json:"received"`
	Rejected    int64  `json:"rejected"`
	Outstanding int64  `json:"outstanding"`
	// LateUnits arrived after NeededBy; Late flags a need that had such
	// deliveries or is past its date with goods outstanding.
	LateUnits int64 `json:"late_units"`
	Late      bool  `json:"late"`
}

// Ledger is a campaign's public account: the cash raised, funded,
// disbursed and delivered, and per beneficiary and item what was
// committed, shipped, received and is outstanding.
type Ledger struct {
	Campaign Campaign `json:"campaign"`
	// Available is confirmed funds not yet disbursed.
	Available int64  `json:"available"`
	Lines     []Line `json:"lines"`
	Shipments []Link `json:"shipments"`
}

// CampaignLedger is campaign id's ledger as of now (block time).
func (k *Keeper) CampaignLedger(r state.Reader, id string, now time.Time) (Ledger, bool) {
	c, ok := campaigns.Get(r, id)
	if !ok {
		return Ledger{}, false
	}
	l := Ledger{Campaign: c, Available: c.Funded - c.Disbursed, Lines: []Line{}, Shipments: []Link{}}
	day := ledger.Day(now)
	for _, nid := range c.Needs {
		n, _ := needs.Get(r, nid)
		l.Lines = append(l.Lines, Line{Need: n.ID, Beneficiary: n.Beneficiary, Item: n.Item, Currency: n.Currency,
			NeededBy: n.NeededBy, Target: n.Target(), Pledged: n.Pledged, Bought: n.Bought, Committed: n.Committed(),
			Shipped: n.Shipped, Received: n.Received, Rejected: n.Rejected, Outstanding: n.Outstanding(),
			LateUnits: n.Late, Late: n.Late > 0 || (day > n.NeededBy && n.Outstanding() > 0)})
	}
	l.Shipments = append(l.Shipments, listed(r, linksByCamp, id, MaxExport, func(sh string) (Link, bool) { return links.Get(r, sh) })...)
	return l, true
}

// CampaignDonations lists the organisations' donations to a campaign (a
// person's are counted in the totals, never listed), up to limit.
func (k *Keeper) CampaignDonations(r state.Reader, id string, limit int) []Donation {
	return listed(r, byCampaign, id, limit, func(did string) (Donation, bool) { return orgDonations.Get(r, did) })
}

// CampaignDisbursements lists a campaign's disbursements, up to limit.
func (k *Keeper) CampaignDisbursements(r state.Reader, id string, limit int) []Disbursement {
	return listed(r, disbOf, id, limit, func(bid string) (Disbursement, bool) { return disbursements.Get(r, bid) })
}
