package donations

import (
	"strconv"
	"time"

	"github.com/medchain/medchain/internal/state"
)

// IATI transaction type codes (IATI Standard 2.03 codelist TransactionType).
const (
	IATIIncomingFunds      = "1"
	IATIOutgoingCommitment = "2"
	IATIDisbursement       = "3"
	IATIIncomingCommitment = "11"
	IATIIncomingPledge     = "13"
)

// IATI organisation roles (codelist OrganisationRole): the charity is
// accountable and implementing, the beneficiaries are the activity's
// receivers (we list them as implementing partners: IATI has no role for
// a receiving hospital), funders are listed per transaction.
const (
	IATIRoleFunding      = "1"
	IATIRoleAccountable  = "2"
	IATIRoleImplementing = "4"
)

// Activity is a campaign in IATI activity terms: one activity reported by
// the charity, identified "<charity>-<campaign>", with its transactions.
type Activity struct {
	Identifier   string        `json:"iati_identifier"`
	ReportingOrg string        `json:"reporting_org"`
	Currency     string        `json:"default_currency"`
	Status       string        `json:"activity_status"` // codelist ActivityStatus: 2 implementation, 3 finalisation
	Participants []Participant `json:"participating_orgs"`
	Transactions []Transaction `json:"transactions"`
}

// Participant is a participating organisation with its IATI role.
type Participant struct {
	Ref  string `json:"ref"`
	Role string `json:"role"`
}

// Transaction is one IATI transaction. Value is in minor units of
// Currency; goods given in kind carry no value (the ledger knows units,
// not prices) but their GTIN and quantity. A person's funds name no
// provider.
type Transaction struct {
	Ref         string `json:"ref"` // the ledger ID it comes from
	Type        string `json:"transaction_type"`
	Date        string `json:"transaction_date"`
	Value       *int64 `json:"value,omitempty"`
	Currency    string `json:"currency,omitempty"`
	ProviderOrg string `json:"provider_org,omitempty"`
	ReceiverOrg string `json:"receiver_org,omitempty"`
	GTIN        string `json:"gtin,omitempty"`
	Quantity    int64  `json:"quantity,omitempty"`
	// Received is what arrived fit for use of the goods a commitment or
	// disbursement stands for (units), as supply showed it.
	Received int64 `json:"received,omitempty"`
	Height   int64 `json:"height"`
}

// MaxExport bounds the transactions of one export.
const MaxExport = 10_000

// IATI exports campaign id as an IATI activity.
func (k *Keeper) IATI(r state.Reader, id string) (Activity, bool) {
	c, ok := campaigns.Get(r, id)
	if !ok {
		return Activity{}, false
	}
	a := Activity{Identifier: c.Charity + "-" + c.ID, ReportingOrg: c.Charity, Currency: c.Currency, Status: "2",
		Participants: []Participant{{c.Charity, IATIRoleAccountable}, {c.Charity, IATIRoleImplementing}}, Transactions: []Transaction{}}
	if c.Status == CampaignClosed {
		a.Status = "3"
	}
	seen := map[string]bool{}
	for _, nid := range c.Needs {
		n, _ := needs.Get(r, nid)
		if !seen[n.Beneficiary] {
			seen[n.Beneficiary] = true
			a.Participants = append(a.Participants, Participant{n.Beneficiary, IATIRoleImplementing})
		}
	}
	date := func(t int64) string { return time.Unix(t, 0).UTC().Format(time.DateOnly) }
	add := func(t Transaction) bool {
		a.Transactions = append(a.Transactions, t)
		return len(a.Transactions) < MaxExport
	}
	money := func(v int64) *int64 { return &v }
	more := true
	walkDonations := func(d Donation) {
		provider := ""
		if !d.Personal() {
			provider = d.Donor
			if !seen["funder/"+d.Donor] {
				seen["funder/"+d.Donor] = true
				a.Participants = append(a.Participants, Participant{d.Donor, IATIRoleFunding})
			}
		}
		switch {
		case d.Kind == KindGoods:
			more = add(Transaction{Ref: d.ID, Type: IATIIncomingCommitment, Date: date(d.Time), ProviderOrg: provider,
				ReceiverOrg: c.Charity, GTIN: d.GTIN, Quantity: d.Quantity, Received: d.Delivered, Height: d.Height})
		case d.Funded != 0:
			more = add(Transaction{Ref: d.ID, Type: IATIIncomingFunds, Date: date(d.Time), Value: money(d.Amount),
				Currency: d.Currency, ProviderOrg: provider, ReceiverOrg: c.Charity, Height: d.Funded})
		default:
			more = add(Transaction{Ref: d.ID, Type: IATIIncomingPledge, Date: date(d.Time), Value: money(d.Amount),
				Currency: d.Currency, ProviderOrg: provider, ReceiverOrg: c.Charity, Height: d.Height})
		}
	}
	for _, d := range k.CampaignDonations(r, id, MaxExport) {
		if walkDonations(d); !more {
			return a, true
		}
	}
	// A person's funded cash counts as incoming funds with no provider,
	// one transaction per donation, from the campaign's allocations.
	for _, b := range k.CampaignDisbursements(r, id, MaxExport) {
		for _, t := range []string{IATIOutgoingCommitment, IATIDisbursement} {
			if !add(Transaction{Ref: b.ID, Type: t, Date: date(b.Time), Value: money(b.Amount), Currency: b.Currency,
				ProviderOrg: c.Charity, ReceiverOrg: b.Supplier, GTIN: b.GTIN, Quantity: b.Quantity, Received: b.Received,
				Height: b.Height}) {
				return a, true
			}
		}
	}
	if persons := c.Funded - k.orgFunded(r, id); persons > 0 {
		add(Transaction{Ref: c.ID + "/persons", Type: IATIIncomingFunds, Date: date(c.Time), Value: money(persons),
			Currency: c.Currency, ReceiverOrg: c.Charity, Height: c.Height})
	}
	return a, true
}

// orgFunded totals the confirmed funds of organisations' donations.
func (k *Keeper) orgFunded(r state.Reader, id string) int64 {
	var t int64
	for _, d := range k.CampaignDonations(r, id, MaxExport) {
		if d.Kind == KindCash && d.Funded != 0 {
			t += d.Amount
		}
	}
	return t
}

// CSVHeader and CSVRow render a transaction as a row of the CSV export.
var CSVHeader = []string{"iati_identifier", "ref", "transaction_type", "transaction_date", "value", "currency",
	"provider_org", "receiver_org", "gtin", "quantity", "received", "height"}

// CSVRow renders t as a row of activity a.
func (a Activity) CSVRow(t Transaction) []string {
	v := ""
	if t.Value != nil {
		v = strconv.FormatInt(*t.Value, 10)
	}
	q := func(n int64) string {
		if n == 0 {
			return ""
		}
		return strconv.FormatInt(n, 10)
	}
	return []string{a.Identifier, t.Ref, t.Type, t.Date, v, t.Currency, t.ProviderOrg, t.ReceiverOrg, t.GTIN,
		q(t.Quantity), q(t.Received), strconv.FormatInt(t.Height, 10)}
}
