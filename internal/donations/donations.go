// Package donations is the module of charitable campaigns whose donations
// count as received only when the goods arrived. Hospitals and clinics post
// needs (units of a product by GTIN or PPE category, or an amount of cash,
// optionally tied to one of their supply PPE demands); a charity runs a
// campaign for some of them; organisations and people (under their
// pseudonymous patient key) pledge cash, organisations also goods.
//
// Nothing here is marked received by hand. Goods travel as supply
// shipments; a donor, supplier or charity links a shipment to the donation
// or disbursement it carries, and the receipt is read from supply's state
// through the Directory (what the beneficiary confirmed, less what a
// cold-chain excursion, a quarantine or a recall keeps from use). Cash is
// disbursed by the charity against purchase orders to suppliers, from the
// funds it confirmed it received, first funded first spent; it counts as
// delivered, pro rata, as the goods it bought arrive.
//
// The module keeps codes, IDs, integer amounts and hashes only: no names
// or free text (a campaign's description is the SHA-256 of an off-chain
// document). A person's pledges are private to that person (readers.go);
// everything else is public. It imports no other module: supply and
// governance answer through the Directory interface.
package donations

import (
	"errors"
	"regexp"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
)

// Name is the module's name and error codespace.
const Name = "donations"

// Errors, each with a stable code in the module's table (Codes).
var (
	ErrUnauthorized = errors.New("donations: not allowed")
	ErrNotFound     = errors.New("donations: not found")
	ErrClosed       = errors.New("donations: campaign closed")
	ErrCurrency     = errors.New("donations: currency mismatch")
	// ErrExceeds is a pledge or disbursement over what a need lacks, or a
	// disbursement over the funds a campaign has left.
	ErrExceeds = errors.New("donations: more than needed or available")
	// ErrNotBeneficiary is a shipment that goes to another organisation
	// than the need's beneficiary: its receipt would be someone else's.
	ErrNotBeneficiary = errors.New("donations: not the beneficiary")
	// ErrNotReceived is a receipt asked of a shipment the beneficiary has
	// not confirmed in supply.
	ErrNotReceived = errors.New("donations: shipment not received")
	ErrLinked      = errors.New("donations: shipment already linked")
	ErrState       = errors.New("donations: not possible in this state")
)

// Limits.
const (
	MaxNeeds    = 50                // needs per campaign
	MaxQuantity = 100_000_000       // units of a need or pledge
	MaxAmount   = 1_000_000_000_000 // minor units of a need, pledge or disbursement
)

// Kinds of donation.
const (
	KindCash  = "cash"
	KindGoods = "goods"
)

// Donor kinds.
const (
	DonorOrg    = "organisation"
	DonorPerson = "person"
)

// Campaign statuses.
const (
	CampaignOpen   = "open"
	CampaignClosed = "closed"
)

// PPECategories are the item codes a need may use instead of a GTIN (the
// categories supply's PPE demands use), sorted.
var PPECategories = []string{"face-shield", "gloves-nitrile", "gown", "mask-n95", "mask-surgical"}

var (
	currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)
	hashPattern     = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// Need is what a hospital or clinic asks for: units of an item, or an
// amount of cash. Its running totals are in the need's unit (units of
// goods, or minor units of the currency for a cash need).
type Need struct {
	ID          string `json:"id"`
	Beneficiary string `json:"beneficiary"`
	By          string `json:"by"`
	Item        string `json:"item,omitempty"` // a GTIN or a PPE category
	Quantity    int64  `json:"quantity,omitempty"`
	Currency    string `json:"currency,omitempty"`
	Amount      int64  `json:"amount,omitempty"`
	NeededBy    string `json:"needed_by"`
	Demand      string `json:"demand,omitempty"` // the supply PPE demand it stands for
	Campaign    string `json:"campaign,omitempty"`
	// Pledged is goods pledged by donors; Bought what disbursed cash paid
	// for; Shipped, Received and Rejected what linked shipments carried,
	// what arrived fit for use and what arrived unfit; Late what was
	// received after NeededBy.
	Pledged  int64 `json:"pledged"`
	Bought   int64 `json:"bought"`
	Shipped  int64 `json:"shipped"`
	Received int64 `json:"received"`
	Rejected int64 `json:"rejected"`
	Late     int64 `json:"late"`
	Height   int64 `json:"height"`
	Time     int64 `json:"time"`
}

// Cash reports whether the need is for cash.
func (n Need) Cash() bool { return n.Currency != "" }

// Target is what the need asks for, in its unit.
func (n Need) Target() int64 {
	if n.Cash() {
		return n.Amount
	}
	return n.Quantity
}

// Committed is what donors and disbursements have promised of the need.
func (n Need) Committed() int64 { return n.Pledged + n.Bought }

// Outstanding is what has yet to arrive.
func (n Need) Outstanding() int64 { return max(0, n.Target()-n.Received) }

// Campaign is a charity's campaign for needs. Cash totals are in minor
// units of Currency.
type Campaign struct {
	ID       string   `json:"id"`
	Charity  string   `json:"charity"`
	By       string   `json:"by"`
	Needs    []string `json:"needs"`
	Currency string   `json:"currency"`
	// Closes is the last day pledges are taken (UTC).
	Closes string `json:"closes"`
	// Doc is the SHA-256 of the campaign's description, kept off chain.
	Doc    string `json:"doc,omitempty"`
	Status string `json:"status"`
	// Raised is cash pledged; Funded what the charity confirmed it
	// received; Disbursed what it paid suppliers; Delivered the part of
	// that whose goods arrived fit for use.
	Raised    int64 `json:"raised"`
	Funded    int64 `json:"funded"`
	Disbursed int64 `json:"disbursed"`
	Delivered int64 `json:"delivered"`
	Height    int64 `json:"height"`
	Time      int64 `json:"time"`
	ClosedAt  int64 `json:"closed_at,omitempty"` // height
}

// Donation is a pledge of cash or goods.
type Donation struct {
	ID       string `json:"id"`
	Campaign string `json:"campaign"`
	// Donor is an organisation's ID or a person's pseudonymous patient ID.
	Donor     string `json:"donor"`
	DonorKind string `json:"donor_kind"`
	By        string `json:"by"` // the key's owner who signed
	Kind      string `json:"kind"`
	// Cash.
	Amount   int64  `json:"amount,omitempty"`
	Currency string `json:"currency,omitempty"`
	Funded   int64  `json:"funded,omitempty"` // height the charity confirmed the funds
	// Allocated is the cash spent on disbursements; Delivered its part
	// whose goods arrived (minor units).
	Allocated int64 `json:"allocated,omitempty"`
	// Goods.
	Need     string `json:"need,omitempty"`
	GTIN     string `json:"gtin,omitempty"`
	Quantity int64  `json:"quantity,omitempty"`
	Shipped  int64  `json:"shipped,omitempty"`
	Rejected int64  `json:"rejected,omitempty"`
	// Delivered is units received (goods) or minor units delivered (cash).
	Delivered int64 `json:"delivered"`
	Height    int64 `json:"height"`
	Time      int64 `json:"time"`
}

// Personal reports whether the donation is a person's: private to them.
func (d Donation) Personal() bool { return d.DonorKind == DonorPerson }

// Stages of a donation, in order.
const (
	StagePledged   = "pledged"
	StageFunded    = "funded"    // cash the charity confirmed it received
	StageCommitted = "committed" // cash spent on a purchase order
	StageShipped   = "shipped"
	StagePartly    = "partly_received"
	StageReceived  = "received"
	// StageRejected: goods arrived, none fit for use (a cold-chain
	// excursion, a quarantine, a recall).
	StageRejected = "rejected"
)

// Stage is where the donation stands.
func (d Donation) Stage() string {
	if d.Kind == KindGoods {
		switch {
		case d.Delivered >= d.Quantity:
			return StageReceived
		case d.Delivered > 0:
			return StagePartly
		case d.Rejected > 0:
			return StageRejected
		case d.Shipped > 0:
			return StageShipped
		}
		return StagePledged
	}
	switch {
	case d.Delivered >= d.Amount:
		return StageReceived
	case d.Delivered > 0:
		return StagePartly
	case d.Allocated > 0:
		return StageCommitted
	case d.Funded > 0:
		return StageFunded
	}
	return StagePledged
}

// Disbursement is cash a charity paid a supplier against a purchase order
// for goods shipped to a need's beneficiary.
type Disbursement struct {
	ID       string `json:"id"`
	Campaign string `json:"campaign"`
	Need     string `json:"need"`
	Supplier string `json:"supplier"`
	By       string `json:"by"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	GTIN     string `json:"gtin"`
	Quantity int64  `json:"quantity"`
	// PO is the SHA-256 of the purchase order, kept off chain.
	PO       string `json:"po"`
	Shipped  int64  `json:"shipped"`
	Received int64  `json:"received"`
	Rejected int64  `json:"rejected"`
	// Delivered is the part of Amount whose goods arrived fit for use.
	Delivered int64 `json:"delivered"`
	Height    int64 `json:"height"`
	Time      int64 `json:"time"`
}

// value is the part of amount that n of quantity units stand for.
func value(amount, n, quantity int64) int64 {
	if quantity <= 0 {
		return 0
	}
	return amount/quantity*n + amount%quantity*n/quantity
}

// Allocation is the part of a cash donation a disbursement spent.
type Allocation struct {
	Donation     string `json:"donation"`
	Disbursement string `json:"disbursement"`
	Amount       int64  `json:"amount"`
	Delivered    int64  `json:"delivered"`
}

// Link ties a supply shipment to the donation or disbursement whose goods
// it carries; Receipt is set when supply shows the beneficiary confirmed
// it.
type Link struct {
	Shipment    string   `json:"shipment"`
	Of          string   `json:"of"` // dn-… or db-…
	Campaign    string   `json:"campaign"`
	Need        string   `json:"need"`
	Beneficiary string   `json:"beneficiary"`
	From        string   `json:"from"`
	GTIN        string   `json:"gtin"`
	Units       int64    `json:"units"` // counted against the donation or disbursement
	By          string   `json:"by"`
	Height      int64    `json:"height"`
	Receipt     *Receipt `json:"receipt,omitempty"`
}

// Receipt is what arrived of a linked shipment, read from supply.
type Receipt struct {
	Accepted     int64  `json:"accepted"`
	Quarantined  int64  `json:"quarantined"`
	Recalled     int64  `json:"recalled"`
	Missing      int64  `json:"missing"`
	ColdChain    string `json:"cold_chain"`
	ReceivedAt   int64  `json:"received_at"` // the supply receipt's height
	ReceivedTime int64  `json:"received_time"`
	Late         bool   `json:"late"`
	Height       int64  `json:"height"` // when the receipt was read
}

// Rejected is what arrived but may not be used.
func (r Receipt) Rejected() int64 { return r.Quarantined + r.Recalled }

// State. Campaigns, needs, organisations' donations, disbursements, links
// and the indexes over them are public; a person's donations, their index
// and cash allocations are private (readers.go).
var (
	needs         = state.NewMap[Need](Name, "don/n/").Public()
	campaigns     = state.NewMap[Campaign](Name, "don/c/").Public()
	orgDonations  = state.NewMap[Donation](Name, "don/do/").Public()
	byOrgDonor    = state.NewIndex(Name, "don/dbo/").Public() // donor org/donation
	byCampaign    = state.NewIndex(Name, "don/dbc/").Public() // campaign/donation (organisations' only)
	disbursements = state.NewMap[Disbursement](Name, "don/db/").Public()
	disbOf        = state.NewIndex(Name, "don/dbd/").Public() // campaign/disbursement
	links         = state.NewMap[Link](Name, "don/l/").Public()
	linksOf       = state.NewIndex(Name, "don/lo/").Public() // donation or disbursement/shipment
	linksByCamp   = state.NewIndex(Name, "don/lc/").Public() // campaign/shipment

	personDonations = state.NewMap[Donation](Name, "don/dp/")
	byPersonDonor   = state.NewIndex(Name, "don/dbp/")          // patient/donation
	allocations     = state.NewMap[Allocation](Name, "don/al/") // donation/disbursement
	allocsOf        = state.NewIndex(Name, "don/ald/")          // disbursement/donation
	fundQueue       = state.NewIndex(Name, "don/fq/")           // campaign/%016x height/donation: funded cash not yet spent
)

// Directory is what donations asks the other modules.
type Directory interface {
	// OrgKind returns an active organisation's kind.
	OrgKind(r state.Reader, org string) (ledger.OrgKind, bool)
	// PPEDemand returns a supply PPE demand: the organisation that posted
	// it and its item.
	PPEDemand(r state.Reader, id string) (org, item string, ok bool)
	// Delivery answers what supply shipment id delivered of gtin.
	Delivery(r state.Reader, id, gtin string) (Delivery, bool)
}

// Delivery is supply's answer about one product of one shipment (see
// supply.Arrival).
type Delivery struct {
	From         string
	To           string
	Received     bool
	Shipped      int64
	Accepted     int64
	Quarantined  int64
	Recalled     int64
	Missing      int64
	ColdChain    string
	ReceivedAt   int64
	ReceivedTime int64
}

// Keeper is the donations module.
type Keeper struct {
	ledger.NoGenesis
	dir Directory
}

// New returns the module.
func New(dir Directory) *Keeper { return &Keeper{dir: dir} }

// Name implements ledger.Module.
func (k *Keeper) Name() string { return Name }
