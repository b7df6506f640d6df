package donations

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/medchain/medchain/internal/itemid"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
)

// Message types.
const (
	TypeNeed         = "donations/need"
	TypeCampaign     = "donations/campaign"
	TypeClose        = "donations/close"
	TypePledge       = "donations/pledge"
	TypeFunds        = "donations/funds"
	TypeDisburse     = "donations/disburse"
	TypeLinkShipment = "donations/link-shipment"
	TypeSettle       = "donations/settle"
)

// Roles with which members act for their organisation here.
var (
	// NeedRoles post a hospital's or clinic's needs.
	NeedRoles = []ledger.Role{ledger.RoleLogistics, ledger.RolePharmacist, ledger.RoleAdmin}
	// CharityRoles run a charity's campaigns, confirm funds and disburse.
	CharityRoles = []ledger.Role{ledger.RoleAdmin, ledger.RoleLogistics}
	// DonorRoles pledge and ship for an organisation.
	DonorRoles = []ledger.Role{ledger.RoleAdmin, ledger.RoleLogistics}
	// Suppliers are the organisation kinds a charity buys from.
	Suppliers = []ledger.OrgKind{ledger.OrgManufacturer, ledger.OrgDistributor}
)

// PostNeed posts a need of the signer's hospital or clinic: units of an
// item (a GTIN or a PPE category) or an amount of cash, needed by a date;
// optionally the supply PPE demand it stands for.
//
//	{"item": "mask-n95", "quantity": 1000, "needed_by": "2026-06-01", "demand": "dm-…"}
//	{"currency": "USD", "amount": 500000, "needed_by": "2026-06-01"}
type PostNeed struct {
	Item     string `json:"item,omitempty"`
	Quantity int64  `json:"quantity,omitempty"`
	Currency string `json:"currency,omitempty"`
	Amount   int64  `json:"amount,omitempty"`
	NeededBy string `json:"needed_by"`
	Demand   string `json:"demand,omitempty"`
}

func (m *PostNeed) Validate() error {
	switch {
	case m.Item != "" && m.Currency != "":
		return errors.New("give an item and quantity, or a currency and amount, not both")
	case m.Item != "":
		if err := validItem(m.Item); err != nil {
			return err
		}
		if m.Quantity <= 0 || m.Quantity > MaxQuantity || m.Amount != 0 {
			return fmt.Errorf("quantity: 1 to %d (and no amount)", MaxQuantity)
		}
	case m.Currency != "":
		if err := validMoney(m.Currency, m.Amount); err != nil {
			return err
		}
		if m.Quantity != 0 || m.Demand != "" {
			return errors.New("a cash need has no quantity or demand")
		}
	default:
		return errors.New("give an item and quantity, or a currency and amount")
	}
	if m.Demand != "" && !idPattern("dm-").MatchString(m.Demand) {
		return errors.New("demand: a supply demand ID (dm- and 24 lower-case hex digits)")
	}
	return ledger.ValidDate("needed_by", m.NeededBy)
}

func validItem(item string) error {
	if slices.Contains(PPECategories, item) {
		return nil
	}
	if err := itemid.ValidGTIN(item); err != nil {
		return fmt.Errorf("item: a GTIN-14 or one of %v", PPECategories)
	}
	return nil
}

func validMoney(currency string, amount int64) error {
	if !currencyPattern.MatchString(currency) {
		return errors.New("currency: an ISO 4217 code (three capital letters)")
	}
	if amount <= 0 || amount > MaxAmount {
		return fmt.Errorf("amount: 1 to %d minor units", MaxAmount)
	}
	return nil
}

// OpenCampaign opens a campaign of the signer's charity for needs, in one
// currency, taking pledges until Closes (inclusive). Doc is the SHA-256 of
// its description, which stays off chain.
//
//	{"needs": ["nd-…"], "currency": "USD", "closes": "2026-03-31", "doc": "<sha256>"}
type OpenCampaign struct {
	Needs    []string `json:"needs"`
	Currency string   `json:"currency"`
	Closes   string   `json:"closes"`
	Doc      string   `json:"doc,omitempty"`
}

func (m *OpenCampaign) Validate() error {
	if len(m.Needs) == 0 || len(m.Needs) > MaxNeeds {
		return fmt.Errorf("needs: 1 to %d", MaxNeeds)
	}
	for i, id := range m.Needs {
		if !idPattern("nd-").MatchString(id) || slices.Contains(m.Needs[:i], id) {
			return fmt.Errorf("needs[%d]: not a need ID (nd- and 24 lower-case hex digits), or given twice", i)
		}
	}
	if !currencyPattern.MatchString(m.Currency) {
		return errors.New("currency: an ISO 4217 code (three capital letters)")
	}
	if m.Doc != "" && !hashPattern.MatchString(m.Doc) {
		return errors.New("doc: the SHA-256 of the description, 64 lower-case hex digits (the text stays off chain)")
	}
	return ledger.ValidDate("closes", m.Closes)
}

// CloseCampaign stops a campaign taking pledges. Disbursements and
// deliveries go on.
type CloseCampaign struct {
	Campaign string `json:"campaign"`
}

func (m *CloseCampaign) Validate() error { return validID("campaign", "cp-", m.Campaign) }

// MakePledge pledges cash to a campaign, or goods to one of its needs.
//
//	{"campaign": "cp-…", "amount": 25000, "currency": "USD"}
//	{"campaign": "cp-…", "need": "nd-…", "quantity": 500, "gtin": "<GTIN>"}
type MakePledge struct {
	Campaign string `json:"campaign"`
	Amount   int64  `json:"amount,omitempty"`
	Currency string `json:"currency,omitempty"`
	Need     string `json:"need,omitempty"`
	Quantity int64  `json:"quantity,omitempty"`
	// GTIN is the product shipped: required for a need of a PPE category,
	// the need's own for a GTIN need.
	GTIN string `json:"gtin,omitempty"`
}

func (m *MakePledge) Validate() error {
	if err := validID("campaign", "cp-", m.Campaign); err != nil {
		return err
	}
	if m.Need == "" {
		if m.Quantity != 0 || m.GTIN != "" {
			return errors.New("a pledge of goods names the need it is for")
		}
		return validMoney(m.Currency, m.Amount)
	}
	if m.Amount != 0 || m.Currency != "" {
		return errors.New("give cash (amount, currency) or goods (need, quantity), not both")
	}
	if err := validID("need", "nd-", m.Need); err != nil {
		return err
	}
	if m.Quantity <= 0 || m.Quantity > MaxQuantity {
		return fmt.Errorf("quantity: 1 to %d", MaxQuantity)
	}
	if m.GTIN != "" {
		return itemid.ValidGTIN(m.GTIN)
	}
	return nil
}

// ConfirmFunds records that the charity received a cash pledge's funds:
// from then on they may be disbursed.
type ConfirmFunds struct {
	Donation string `json:"donation"`
}

func (m *ConfirmFunds) Validate() error { return validID("donation", "dn-", m.Donation) }

// Disburse pays a supplier against a purchase order for Quantity units of
// GTIN shipped to a need's beneficiary, from the campaign's funds.
//
//	{"campaign": "cp-…", "need": "nd-…", "supplier": "acme", "amount": 40000,
//	 "currency": "USD", "gtin": "<GTIN>", "quantity": 400, "po": "<sha256>"}
type Disburse struct {
	Campaign string `json:"campaign"`
	Need     string `json:"need"`
	Supplier string `json:"supplier"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	GTIN     string `json:"gtin"`
	Quantity int64  `json:"quantity"`
	PO       string `json:"po"`
}

func (m *Disburse) Validate() error {
	if err := validID("campaign", "cp-", m.Campaign); err != nil {
		return err
	}
	if err := validID("need", "nd-", m.Need); err != nil {
		return err
	}
	if m.Supplier == "" || len(m.Supplier) > 64 {
		return errors.New("supplier: an organisation ID")
	}
	if err := validMoney(m.Currency, m.Amount); err != nil {
		return err
	}
	if err := itemid.ValidGTIN(m.GTIN); err != nil {
		return err
	}
	if m.Quantity <= 0 || m.Quantity > MaxQuantity {
		return fmt.Errorf("quantity: 1 to %d", MaxQuantity)
	}
	if !hashPattern.MatchString(m.PO) {
		return errors.New("po: the SHA-256 of the purchase order, 64 lower-case hex digits (the document stays off chain)")
	}
	return nil
}

// LinkShipment ties a supply shipment to the goods donation or
// disbursement whose goods it carries. If the beneficiary has confirmed it
// already, the receipt is read at once.
type LinkShipment struct {
	Of       string `json:"of"` // dn-… or db-…
	Shipment string `json:"shipment"`
}

func (m *LinkShipment) Validate() error {
	if validID("of", "dn-", m.Of) != nil && validID("of", "db-", m.Of) != nil {
		return errors.New("of: a donation (dn-…) or disbursement (db-…) ID")
	}
	return validID("shipment", "sh-", m.Shipment)
}

// Settle reads the receipt of a linked shipment from supply, once the
// beneficiary confirmed it there. Anyone party to it may ask.
type Settle struct {
	Shipment string `json:"shipment"`
}

func (m *Settle) Validate() error { return validID("shipment", "sh-", m.Shipment) }

func validID(field, prefix, id string) error {
	if !idPattern(prefix).MatchString(id) {
		return fmt.Errorf("%s: %s and 24 lower-case hex digits", field, prefix)
	}
	return nil
}

// Routes implements ledger.Module.
func (k *Keeper) Routes() []ledger.Route {
	return []ledger.Route{
		{Type: TypeNeed, Handler: ledger.Handle(k.postNeed)},
		{Type: TypeCampaign, Handler: ledger.Handle(k.openCampaign)},
		{Type: TypeClose, Handler: ledger.Handle(k.closeCampaign)},
		{Type: TypePledge, Handler: ledger.Handle(k.pledge)},
		{Type: TypeFunds, Handler: ledger.Handle(k.confirmFunds)},
		{Type: TypeDisburse, Handler: ledger.Handle(k.disburse)},
		{Type: TypeLinkShipment, Handler: ledger.Handle(k.linkShipment)},
		{Type: TypeSettle, Handler: ledger.Handle(k.settle)},
	}
}

// actsFor checks that the signer is a member of an active organisation of
// one of kinds, with one of roles.
func (k *Keeper) actsFor(ctx *ledger.Context, kinds []ledger.OrgKind, roles []ledger.Role, what string) error {
	s := ctx.Signer
	kind, ok := k.dir.OrgKind(ctx.Store, s.Org)
	if s.Kind != ledger.Member || !ok || !slices.Contains(kinds, kind) || !s.HasAnyRole(roles...) {
		return fmt.Errorf("%w: %s: a member of a %s holding one of the roles %v", ErrUnauthorized, what, joinKinds(kinds), roles)
	}
	return nil
}

func joinKinds(kinds []ledger.OrgKind) string {
	s := ""
	for i, k := range kinds {
		if i > 0 {
			s += " or "
		}
		s += string(k)
	}
	return s
}

// charityOf checks that the signer acts for the campaign's charity.
func (k *Keeper) charityOf(ctx *ledger.Context, c Campaign) error {
	if err := k.actsFor(ctx, []ledger.OrgKind{ledger.OrgCharity}, CharityRoles, "campaigns are run"); err != nil {
		return err
	}
	if ctx.Signer.Org != c.Charity {
		return fmt.Errorf("%w: campaign %s is run by %s", ErrUnauthorized, c.ID, c.Charity)
	}
	return nil
}

func (k *Keeper) postNeed(ctx *ledger.Context, m PostNeed) (any, error) {
	if err := k.actsFor(ctx, []ledger.OrgKind{ledger.OrgHospital, ledger.OrgClinic}, NeedRoles, "needs are posted"); err != nil {
		return nil, err
	}
	if m.NeededBy < ledger.Day(ctx.Time) {
		return nil, fmt.Errorf("%w: needed_by %s is in the past", ledger.ErrInvalidMsg, m.NeededBy)
	}
	if m.Demand != "" {
		org, item, ok := k.dir.PPEDemand(ctx.Store, m.Demand)
		if !ok {
			return nil, fmt.Errorf("%w: supply demand %s", ErrNotFound, m.Demand)
		}
		if org != ctx.Signer.Org || item != m.Item {
			return nil, fmt.Errorf("%w: demand %s is %s's, for %s; a need stands for its own organisation's demand of the same item", ErrState, m.Demand, org, item)
		}
	}
	n := Need{ID: ledger.IDFrom("nd-", ctx.TxHash), Beneficiary: ctx.Signer.Org, By: ctx.Signer.ID, Item: m.Item,
		Quantity: m.Quantity, Currency: m.Currency, Amount: m.Amount, NeededBy: m.NeededBy, Demand: m.Demand,
		Height: ctx.Height, Time: ctx.Time.Unix()}
	needs.Set(ctx.Store, n.ID, n)
	ctx.Emit(EventNeed.New(n.ID, n.Beneficiary, n.Item+n.Currency, strconv.FormatInt(n.Target(), 10)))
	return n, nil
}

func (k *Keeper) openCampaign(ctx *ledger.Context, m OpenCampaign) (any, error) {
	if err := k.actsFor(ctx, []ledger.OrgKind{ledger.OrgCharity}, CharityRoles, "campaigns are run"); err != nil {
		return nil, err
	}
	if m.Closes < ledger.Day(ctx.Time) {
		return nil, fmt.Errorf("%w: closes %s is in the past", ledger.ErrInvalidMsg, m.Closes)
	}
	c := Campaign{ID: ledger.IDFrom("cp-", ctx.TxHash), Charity: ctx.Signer.Org, By: ctx.Signer.ID, Needs: m.Needs,
		Currency: m.Currency, Closes: m.Closes, Doc: m.Doc, Status: CampaignOpen, Height: ctx.Height, Time: ctx.Time.Unix()}
	for _, id := range m.Needs {
		n, ok := needs.Get(ctx.Store, id)
		if !ok {
			return nil, fmt.Errorf("%w: need %s", ErrNotFound, id)
		}
		if n.Campaign != "" {
			return nil, fmt.Errorf("%w: need %s is in campaign %s already", ErrState, id, n.Campaign)
		}
		if n.Cash() && n.Currency != m.Currency {
			return nil, fmt.Errorf("%w: need %s is in %s, the campaign in %s", ErrCurrency, id, n.Currency, m.Currency)
		}
		n.Campaign = c.ID
		needs.Set(ctx.Store, id, n)
	}
	campaigns.Set(ctx.Store, c.ID, c)
	ctx.Emit(EventCampaign.New(c.ID, c.Charity, strconv.Itoa(len(c.Needs)), c.Currency))
	return c, nil
}

func (k *Keeper) campaign(r state.Reader, id string) (Campaign, error) {
	c, ok := campaigns.Get(r, id)
	if !ok {
		return c, fmt.Errorf("%w: campaign %s", ErrNotFound, id)
	}
	return c, nil
}

func (k *Keeper) closeCampaign(ctx *ledger.Context, m CloseCampaign) (any, error) {
	c, err := k.campaign(ctx.Store, m.Campaign)
	if err != nil {
		return nil, err
	}
	if err := k.charityOf(ctx, c); err != nil {
		return nil, err
	}
	if c.Status != CampaignOpen {
		return nil, fmt.Errorf("%w: campaign %s closed at height %d", ErrClosed, c.ID, c.ClosedAt)
	}
	c.Status, c.ClosedAt = CampaignClosed, ctx.Height
	campaigns.Set(ctx.Store, c.ID, c)
	ctx.Emit(EventClosed.New(c.ID, c.Charity))
	return nil, nil
}

// needOf reads a need of campaign c.
func (k *Keeper) needOf(r state.Reader, c Campaign, id string) (Need, error) {
	n, ok := needs.Get(r, id)
	if !ok || n.Campaign != c.ID {
		return n, fmt.Errorf("%w: need %s of campaign %s", ErrNotFound, id, c.ID)
	}
	return n, nil
}

// goodsGTIN is the product that fills goods need n: gtin for a category
// need (required), the need's own for a GTIN need.
func goodsGTIN(n Need, gtin string) (string, error) {
	switch {
	case n.Cash():
		return "", fmt.Errorf("%w: need %s is for cash: pledge cash to the campaign", ErrState, n.ID)
	case slices.Contains(PPECategories, n.Item):
		if gtin == "" {
			return "", fmt.Errorf("%w: need %s is for %s: name the GTIN you will ship", ledger.ErrInvalidMsg, n.ID, n.Item)
		}
		return gtin, nil
	case gtin != "" && gtin != n.Item:
		return "", fmt.Errorf("%w: need %s is for GTIN %s", ledger.ErrInvalidMsg, n.ID, n.Item)
	}
	return n.Item, nil
}

func (k *Keeper) pledge(ctx *ledger.Context, m MakePledge) (any, error) {
	s := ctx.Signer
	d := Donation{ID: ledger.IDFrom("dn-", ctx.TxHash), Campaign: m.Campaign, By: s.ID, Height: ctx.Height, Time: ctx.Time.Unix()}
	switch s.Kind {
	case ledger.Patient:
		if m.Need != "" {
			return nil, fmt.Errorf("%w: people pledge cash; goods travel through the supply chain, which organisations' members use", ErrUnauthorized)
		}
		d.Donor, d.DonorKind = s.ID, DonorPerson
	case ledger.Member:
		if _, ok := k.dir.OrgKind(ctx.Store, s.Org); !ok || !s.HasAnyRole(DonorRoles...) {
			return nil, fmt.Errorf("%w: an organisation pledges through a member holding one of the roles %v", ErrUnauthorized, DonorRoles)
		}
		d.Donor, d.DonorKind = s.Org, DonorOrg
	default:
		return nil, fmt.Errorf("%w: pledges are signed by a registered person or member", ErrUnauthorized)
	}
	c, err := k.campaign(ctx.Store, m.Campaign)
	if err != nil {
		return nil, err
	}
	if c.Status != CampaignOpen || ledger.Day(ctx.Time) > c.Closes {
		return nil, fmt.Errorf("%w: campaign %s took pledges until %s (status %s)", ErrClosed, c.ID, c.Closes, c.Status)
	}
	if m.Need == "" {
		if m.Currency != c.Currency {
			return nil, fmt.Errorf("%w: campaign %s raises %s, the pledge is in %s", ErrCurrency, c.ID, c.Currency, m.Currency)
		}
		d.Kind, d.Amount, d.Currency = KindCash, m.Amount, m.Currency
		c.Raised += m.Amount
		campaigns.Set(ctx.Store, c.ID, c)
	} else {
		n, err := k.needOf(ctx.Store, c, m.Need)
		if err != nil {
			return nil, err
		}
		gtin, err := goodsGTIN(n, m.GTIN)
		if err != nil {
			return nil, err
		}
		if left := n.Target() - n.Committed(); m.Quantity > left {
			return nil, fmt.Errorf("%w: need %s lacks %d units not yet pledged or bought", ErrExceeds, n.ID, left)
		}
		d.Kind, d.Need, d.GTIN, d.Quantity = KindGoods, n.ID, gtin, m.Quantity
		n.Pledged += m.Quantity
		needs.Set(ctx.Store, n.ID, n)
	}
	k.putDonation(ctx.Store, d)
	if d.Personal() {
		byPersonDonor.Add(ctx.Store, d.Donor, d.ID)
		ctx.Emit(EventPledged.New(d.ID, c.ID, "", d.Kind, strconv.FormatInt(d.Amount, 10)))
	} else {
		byOrgDonor.Add(ctx.Store, d.Donor, d.ID)
		byCampaign.Add(ctx.Store, c.ID, d.ID)
		ctx.Emit(EventPledged.New(d.ID, c.ID, d.Donor, d.Kind, strconv.FormatInt(d.Amount+d.Quantity, 10)))
	}
	return ledger.Created{ID: d.ID}, nil
}

// putDonation writes a donation to its map: a person's is private.
func (k *Keeper) putDonation(s state.Store, d Donation) {
	if d.Personal() {
		personDonations.Set(s, d.ID, d)
	} else {
		orgDonations.Set(s, d.ID, d)
	}
}

func (k *Keeper) confirmFunds(ctx *ledger.Context, m ConfirmFunds) (any, error) {
	if err := k.actsFor(ctx, []ledger.OrgKind{ledger.OrgCharity}, CharityRoles, "funds are confirmed"); err != nil {
		return nil, err
	}
	d, ok := k.Donation(ctx.Store, m.Donation)
	if !ok {
		return nil, fmt.Errorf("%w: donation %s", ErrNotFound, m.Donation)
	}
	c, err := k.campaign(ctx.Store, d.Campaign)
	if err != nil {
		return nil, err
	}
	if err := k.charityOf(ctx, c); err != nil {
		return nil, err
	}
	switch {
	case d.Kind != KindCash:
		return nil, fmt.Errorf("%w: donation %s is of goods: they count when they arrive", ErrState, d.ID)
	case d.Funded != 0:
		return nil, fmt.Errorf("%w: the funds of donation %s were confirmed at height %d", ErrState, d.ID, d.Funded)
	}
	d.Funded = ctx.Height
	k.putDonation(ctx.Store, d)
	fundQueue.Add(ctx.Store, c.ID, fmt.Sprintf("%016x", ctx.Height), d.ID)
	c.Funded += d.Amount
	campaigns.Set(ctx.Store, c.ID, c)
	ctx.Emit(EventFunds.New(d.ID, c.ID, strconv.FormatInt(d.Amount, 10)))
	return nil, nil
}

func (k *Keeper) disburse(ctx *ledger.Context, m Disburse) (any, error) {
	c, err := k.campaign(ctx.Store, m.Campaign)
	if err != nil {
		return nil, err
	}
	if err := k.charityOf(ctx, c); err != nil {
		return nil, err
	}
	if kind, ok := k.dir.OrgKind(ctx.Store, m.Supplier); !ok || !slices.Contains(Suppliers, kind) {
		return nil, fmt.Errorf("%w: the supplier is not an active %s", ErrNotFound, joinKinds(Suppliers))
	}
	if m.Currency != c.Currency {
		return nil, fmt.Errorf("%w: campaign %s holds %s, the disbursement is in %s", ErrCurrency, c.ID, c.Currency, m.Currency)
	}
	n, err := k.needOf(ctx.Store, c, m.Need)
	if err != nil {
		return nil, err
	}
	buys := m.Quantity
	if n.Cash() {
		buys = m.Amount
	} else if _, err := goodsGTIN(n, m.GTIN); err != nil {
		return nil, err
	}
	if left := n.Target() - n.Committed(); buys > left {
		return nil, fmt.Errorf("%w: need %s lacks %d not yet pledged or bought, the purchase order is for %d", ErrExceeds, n.ID, left, buys)
	}
	if avail := c.Funded - c.Disbursed; m.Amount > avail {
		return nil, fmt.Errorf("%w: campaign %s has %d %s of confirmed funds left to disburse (funded %d, disbursed %d)", ErrExceeds, c.ID, avail, c.Currency, c.Funded, c.Disbursed)
	}
	b := Disbursement{ID: ledger.IDFrom("db-", ctx.TxHash), Campaign: c.ID, Need: n.ID, Supplier: m.Supplier, By: ctx.Signer.ID,
		Amount: m.Amount, Currency: m.Currency, GTIN: m.GTIN, Quantity: m.Quantity, PO: m.PO, Height: ctx.Height, Time: ctx.Time.Unix()}
	k.allocate(ctx.Store, c.ID, b.ID, b.Amount)
	disbursements.Set(ctx.Store, b.ID, b)
	disbOf.Add(ctx.Store, c.ID, b.ID)
	n.Bought += buys
	needs.Set(ctx.Store, n.ID, n)
	c.Disbursed += m.Amount
	campaigns.Set(ctx.Store, c.ID, c)
	ctx.Emit(EventDisbursed.New(b.ID, c.ID, b.Supplier, strconv.FormatInt(b.Amount, 10), b.Currency))
	return ledger.Created{ID: b.ID}, nil
}

// allocate spends amount of the campaign's funded cash on a disbursement,
// first funded first spent, and records which donations paid.
func (k *Keeper) allocate(s state.Store, campaign, disb string, amount int64) {
	type entry struct{ at, id string }
	var spent []entry
	fundQueue.Walk(s, func(rest string) bool {
		at, id, _ := cutSep(rest)
		d, ok := k.Donation(s, id)
		if !ok {
			return true
		}
		take := min(amount, d.Amount-d.Allocated)
		d.Allocated += take
		amount -= take
		k.putDonation(s, d)
		allocations.Set(s, d.ID+"/"+disb, Allocation{Donation: d.ID, Disbursement: disb, Amount: take})
		allocsOf.Add(s, disb, d.ID)
		if d.Allocated == d.Amount {
			spent = append(spent, entry{at, id})
		}
		return amount > 0
	}, campaign)
	for _, e := range spent {
		fundQueue.Remove(s, campaign, e.at, e.id)
	}
}

func cutSep(rest string) (before, after string, ok bool) {
	for i := 0; i < len(rest); i++ {
		if rest[i] == state.IndexSep {
			return rest[:i], rest[i+1:], true
		}
	}
	return rest, "", false
}

// shipper is who must have sent the goods of a donation or disbursement,
// and the need and GTIN they fill.
type shipper struct {
	org, campaign, need, gtin string
	left                      int64 // units not yet linked
}

func (k *Keeper) shipperOf(r state.Reader, of string) (shipper, error) {
	if b, ok := disbursements.Get(r, of); ok {
		return shipper{b.Supplier, b.Campaign, b.Need, b.GTIN, b.Quantity - b.Shipped}, nil
	}
	d, ok := k.Donation(r, of)
	if !ok {
		return shipper{}, fmt.Errorf("%w: donation or disbursement %s", ErrNotFound, of)
	}
	if d.Kind != KindGoods {
		return shipper{}, fmt.Errorf("%w: donation %s is cash: link the shipments of its disbursements", ErrState, d.ID)
	}
	return shipper{d.Donor, d.Campaign, d.Need, d.GTIN, d.Quantity - d.Shipped}, nil
}

func (k *Keeper) linkShipment(ctx *ledger.Context, m LinkShipment) (any, error) {
	sp, err := k.shipperOf(ctx.Store, m.Of)
	if err != nil {
		return nil, err
	}
	c, err := k.campaign(ctx.Store, sp.campaign)
	if err != nil {
		return nil, err
	}
	if ctx.Signer.Kind != ledger.Member || (ctx.Signer.Org != sp.org && ctx.Signer.Org != c.Charity) {
		return nil, fmt.Errorf("%w: a shipment is linked by a member of the shipper %s or of the charity %s", ErrUnauthorized, sp.org, c.Charity)
	}
	if links.Has(ctx.Store, m.Shipment) {
		l, _ := links.Get(ctx.Store, m.Shipment)
		return nil, fmt.Errorf("%w: shipment %s carries %s", ErrLinked, m.Shipment, l.Of)
	}
	if sp.left <= 0 {
		return nil, fmt.Errorf("%w: the goods of %s are all linked to shipments already", ErrExceeds, m.Of)
	}
	n, _ := needs.Get(ctx.Store, sp.need)
	dv, ok := k.dir.Delivery(ctx.Store, m.Shipment, sp.gtin)
	switch {
	case !ok:
		return nil, fmt.Errorf("%w: shipment %s", ErrNotFound, m.Shipment)
	case dv.From != sp.org:
		return nil, fmt.Errorf("%w: shipment %s was sent by %s, not by %s", ErrUnauthorized, m.Shipment, dv.From, sp.org)
	case dv.To != n.Beneficiary:
		return nil, fmt.Errorf("%w: shipment %s goes to %s; need %s is %s's", ErrNotBeneficiary, m.Shipment, dv.To, n.ID, n.Beneficiary)
	case dv.Shipped == 0:
		return nil, fmt.Errorf("%w: shipment %s holds no units of %s", ErrState, m.Shipment, sp.gtin)
	}
	l := Link{Shipment: m.Shipment, Of: m.Of, Campaign: c.ID, Need: n.ID, Beneficiary: n.Beneficiary, From: dv.From,
		GTIN: sp.gtin, Units: min(dv.Shipped, sp.left), By: ctx.Signer.ID, Height: ctx.Height}
	linksOf.Add(ctx.Store, l.Of, l.Shipment)
	linksByCamp.Add(ctx.Store, c.ID, l.Shipment)
	k.count(ctx.Store, l, func(units int64, f *counts) { f.shipped += units })
	ctx.Emit(EventLinked.New(l.Shipment, l.Of, l.Need, strconv.FormatInt(l.Units, 10)))
	if dv.Received {
		k.receipt(ctx, &l, n, dv)
	}
	links.Set(ctx.Store, l.Shipment, l)
	return l, nil
}

func (k *Keeper) settle(ctx *ledger.Context, m Settle) (any, error) {
	l, ok := links.Get(ctx.Store, m.Shipment)
	if !ok {
		return nil, fmt.Errorf("%w: shipment %s is linked to no donation or disbursement", ErrNotFound, m.Shipment)
	}
	c, _ := campaigns.Get(ctx.Store, l.Campaign)
	n, _ := needs.Get(ctx.Store, l.Need)
	if !k.party(ctx, l, c) {
		return nil, fmt.Errorf("%w: a receipt is read at the request of the donor, the charity %s, the shipper %s or the beneficiary %s", ErrUnauthorized, c.Charity, l.From, l.Beneficiary)
	}
	if l.Receipt != nil {
		return nil, fmt.Errorf("%w: the receipt of shipment %s was read at height %d", ErrState, l.Shipment, l.Receipt.Height)
	}
	dv, _ := k.dir.Delivery(ctx.Store, l.Shipment, l.GTIN)
	if !dv.Received {
		return nil, fmt.Errorf("%w: %s has not confirmed shipment %s in supply", ErrNotReceived, l.Beneficiary, l.Shipment)
	}
	k.receipt(ctx, &l, n, dv)
	links.Set(ctx.Store, l.Shipment, l)
	return l, nil
}

// party reports whether the signer is party to a link: a member of its
// charity, shipper or beneficiary, or the person who made the donation or
// whose cash paid for the disbursement.
func (k *Keeper) party(ctx *ledger.Context, l Link, c Campaign) bool {
	s := ctx.Signer
	if s.Kind == ledger.Member {
		return slices.Contains([]string{c.Charity, l.From, l.Beneficiary}, s.Org)
	}
	if d, ok := k.Donation(ctx.Store, l.Of); ok {
		return d.Donor == s.ID
	}
	paid := false // a person whose cash paid for the disbursement
	allocsOf.Walk(ctx.Store, func(id string) bool {
		d, ok := k.Donation(ctx.Store, id)
		paid = ok && d.Donor == s.ID
		return !paid
	}, l.Of)
	return paid
}

// receipt records what supply shows arrived of a linked shipment and adds
// it to the totals. Of the units linked, the accepted count first, then the
// quarantined, then the recalled; the rest is missing.
func (k *Keeper) receipt(ctx *ledger.Context, l *Link, n Need, dv Delivery) {
	left := l.Units
	take := func(x int64) int64 { t := min(x, left); left -= t; return t }
	rc := Receipt{ColdChain: dv.ColdChain, ReceivedAt: dv.ReceivedAt, ReceivedTime: dv.ReceivedTime, Height: ctx.Height}
	rc.Accepted = take(dv.Accepted)
	rc.Quarantined = take(dv.Quarantined)
	rc.Recalled = take(dv.Recalled)
	rc.Missing = left
	rc.Late = ledger.Day(time.Unix(dv.ReceivedTime, 0)) > n.NeededBy
	l.Receipt = &rc
	k.count(ctx.Store, *l, func(_ int64, f *counts) {
		f.received += rc.Accepted
		f.rejected += rc.Rejected()
		if rc.Late {
			f.late += rc.Accepted
		}
	})
	ctx.Emit(EventReceived.New(l.Shipment, l.Of, l.Need, strconv.FormatInt(rc.Accepted, 10),
		strconv.FormatInt(rc.Rejected(), 10), strconv.FormatInt(rc.Missing, 10), strconv.FormatBool(rc.Late)))
}

// counts are the changes a link makes, in units of goods.
type counts struct{ shipped, received, rejected, late int64 }

// count applies fn's unit changes to the link's donation or disbursement,
// its need (in the need's unit: for a cash need, the value of the units)
// and, for a disbursement, its campaign's delivered cash and the
// donations that paid for it.
func (k *Keeper) count(s state.Store, l Link, fn func(units int64, f *counts)) {
	var f counts
	fn(l.Units, &f)
	n, _ := needs.Get(s, l.Need)
	conv := func(x int64) int64 { return x }
	if b, ok := disbursements.Get(s, l.Of); ok {
		before := b.Delivered
		b.Shipped += f.shipped
		b.Received += f.received
		b.Rejected += f.rejected
		b.Delivered = value(b.Amount, min(b.Received, b.Quantity), b.Quantity)
		disbursements.Set(s, b.ID, b)
		if n.Cash() {
			conv = func(x int64) int64 { return value(b.Amount, x, b.Quantity) }
		}
		if b.Delivered != before {
			c, _ := campaigns.Get(s, b.Campaign)
			c.Delivered += b.Delivered - before
			campaigns.Set(s, c.ID, c)
			k.deliverAllocations(s, b)
		}
	} else if d, ok := k.Donation(s, l.Of); ok {
		d.Shipped += f.shipped
		d.Delivered += f.received
		d.Rejected += f.rejected
		k.putDonation(s, d)
	}
	n.Shipped += conv(f.shipped)
	n.Received += conv(f.received)
	n.Rejected += conv(f.rejected)
	n.Late += conv(f.late)
	needs.Set(s, n.ID, n)
}

// deliverAllocations passes a disbursement's delivered share on to the
// cash donations that paid for it, pro rata.
func (k *Keeper) deliverAllocations(s state.Store, b Disbursement) {
	allocsOf.Walk(s, func(id string) bool {
		a, ok := allocations.Get(s, id+"/"+b.ID)
		if !ok {
			return true
		}
		now := value(a.Amount, min(b.Received, b.Quantity), b.Quantity)
		if d, ok := k.Donation(s, id); ok && now != a.Delivered {
			d.Delivered += now - a.Delivered
			k.putDonation(s, d)
		}
		a.Delivered = now
		allocations.Set(s, id+"/"+b.ID, a)
		return true
	}, b.ID)
}
