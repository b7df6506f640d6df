package supply

// PPE supply and demand.
//
// Hospitals and clinics post demand: an item (the GTIN of a registered PPE
// product, or a category from PPECategories), a quantity of units, a
// needed-by date and a region (ISO 3166-2, e.g. "US-MA", or a country
// code). Manufacturers and distributors pledge quantities against open
// demand; a pledge names the GTIN it will ship (for a GTIN demand, that
// GTIN), so deliveries are counted exactly. Pledges never add up to more
// than the demand.
//
// A supply/ship with "pledge" fulfils a pledge: the onShip hook checks that
// the pledge is the shipper's, that the shipment goes to the demanding
// organisation, that the demand is open and that the units shipped (the
// pledge's GTIN, counted inside containers) fit what the pledge has left.
// On receipt the onReceive hook counts the units received; the demand
// closes when what was delivered reaches its quantity. Units a receiver
// reports missing go back to the pledge, to be shipped again.
//
// Shortages reads per item and region running totals, so it never scans
// demands; OpenDemands lists open demands from an item/region index.

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
)

// Message types of PPE supply and demand.
const (
	TypeDemand = "supply/demand"
	TypePledge = "supply/pledge"
)

// Errors of PPE supply and demand.
var (
	ErrClosed  = errors.New("supply: demand closed")
	ErrExceeds = errors.New("supply: more than demanded or pledged")
)

// PPECategories are the item codes a demand may use instead of a GTIN, sorted.
var PPECategories = []string{"face-shield", "gloves-nitrile", "gown", "mask-n95", "mask-surgical"}

// Demand statuses.
const (
	DemandOpen   = "open"
	DemandClosed = "closed"
)

// MaxQuantity bounds a demand or pledge.
const MaxQuantity = 100_000_000

var regionPattern = regexp.MustCompile(`^[A-Z]{2}(-[A-Z0-9]{1,3})?$`)

// Demand is a posted need for PPE.
type Demand struct {
	ID        string `json:"id"`
	Org       string `json:"org"`
	By        string `json:"by"`
	Item      string `json:"item"` // a GTIN or a PPE category
	Quantity  int64  `json:"quantity"`
	NeededBy  string `json:"needed_by"`
	Region    string `json:"region"`
	Pledged   int64  `json:"pledged"`
	Delivered int64  `json:"delivered"`
	Status    string `json:"status"`
	Height    int64  `json:"height"`
	Time      int64  `json:"time"`
	Closed    int64  `json:"closed,omitempty"` // height
}

// Pledge is a supplier's commitment against a demand.
type Pledge struct {
	ID        string `json:"id"`
	Demand    string `json:"demand"`
	Supplier  string `json:"supplier"`
	By        string `json:"by"`
	GTIN      string `json:"gtin"`
	Quantity  int64  `json:"quantity"`
	InTransit int64  `json:"in_transit"`
	Delivered int64  `json:"delivered"`
	Height    int64  `json:"height"`
	Time      int64  `json:"time"`
}

// Shortage is the state of one item in one region. Demanded, Pledged and
// Delivered total every demand posted there; Open is what the open demands
// still lack.
type Shortage struct {
	Item      string `json:"item"`
	Region    string `json:"region"`
	Demanded  int64  `json:"demanded"`
	Pledged   int64  `json:"pledged"`
	Delivered int64  `json:"delivered"`
	Open      int64  `json:"open"`
}

// State of PPE.
var (
	demands     = state.NewMap[Demand](Name, "sup/dm/").Public()
	openDemands = state.NewIndex(Name, "sup/do/").Public() // item/region/demand
	pledges     = state.NewMap[Pledge](Name, "sup/pg/").Public()
	pledgesOf   = state.NewIndex(Name, "sup/pgd/").Public()        // demand/pledge
	shortages   = state.NewMap[Shortage](Name, "sup/sg/").Public() // item/region
)

// PostDemand posts a demand. Signed by a logistics officer, pharmacist or
// admin of a hospital or clinic.
//
//	{"item": "mask-n95"|"<GTIN>", "quantity": 1000, "needed_by": "2026-06-01", "region": "US-MA"}
type PostDemand struct {
	Item     string `json:"item"`
	Quantity int64  `json:"quantity"`
	NeededBy string `json:"needed_by"`
	Region   string `json:"region"`
}

func (m *PostDemand) Validate() error {
	if !slices.Contains(PPECategories, m.Item) {
		if err := ValidGTIN(m.Item); err != nil {
			return fmt.Errorf("item %q: a GTIN or one of %v", m.Item, PPECategories)
		}
	}
	if m.Quantity <= 0 || m.Quantity > MaxQuantity {
		return fmt.Errorf("quantity: 1 to %d", MaxQuantity)
	}
	if err := validDate("needed_by", m.NeededBy); err != nil {
		return err
	}
	if !regionPattern.MatchString(m.Region) {
		return fmt.Errorf("region %q: an ISO 3166-2 code such as US-MA, or a country code", m.Region)
	}
	return nil
}

// MakePledge pledges units against a demand. Signed by a logistics officer
// or admin of a manufacturer or distributor.
//
//	{"demand": "dm-…", "quantity": 600, "gtin": "<GTIN>"}
type MakePledge struct {
	Demand   string `json:"demand"`
	Quantity int64  `json:"quantity"`
	// GTIN is the product shipped: required for a category demand, the
	// demand's own for a GTIN demand.
	GTIN string `json:"gtin,omitempty"`
}

func (m *MakePledge) Validate() error {
	if m.Demand == "" || len(m.Demand) > 100 {
		return errors.New("demand: 1 to 100 characters")
	}
	if m.Quantity <= 0 || m.Quantity > MaxQuantity {
		return fmt.Errorf("quantity: 1 to %d", MaxQuantity)
	}
	if m.GTIN != "" {
		return ValidGTIN(m.GTIN)
	}
	return nil
}

// initPPE sets the keeper's shipment hooks. New calls it once.
func (k *Keeper) initPPE() {
	k.onShip = k.shipPledge
	k.onReceive = k.receivePledge
}

func (k *Keeper) ppeProduct(r state.Reader, gtin string) error {
	p, ok := products.Get(r, gtin)
	if !ok {
		return fmt.Errorf("%w: product %s is not registered", ErrNotFound, gtin)
	}
	if p.Kind != KindPPE {
		return fmt.Errorf("%w: product %s is a %s, not PPE", ErrState, gtin, p.Kind)
	}
	return nil
}

func (k *Keeper) postDemand(ctx *ledger.Context, m PostDemand) (any, error) {
	if err := member(ctx); err != nil {
		return nil, err
	}
	kind, _ := k.dir.OrgKind(ctx.Store, ctx.Signer.Org)
	if (kind != ledger.OrgHospital && kind != ledger.OrgClinic) || !ctx.Signer.HasAnyRole(ledger.RoleLogistics, ledger.RolePharmacist, ledger.RoleAdmin) {
		return nil, fmt.Errorf("%w: demand is posted by a logistics officer, pharmacist or admin of a hospital or clinic", ErrUnauthorized)
	}
	if !slices.Contains(PPECategories, m.Item) {
		if err := k.ppeProduct(ctx.Store, m.Item); err != nil {
			return nil, err
		}
	}
	if m.NeededBy < ctx.Time.UTC().Format(time.DateOnly) {
		return nil, fmt.Errorf("%w: needed_by %s is in the past", ledger.ErrInvalidMsg, m.NeededBy)
	}
	d := Demand{ID: ledger.IDFrom("dm-", ctx.TxHash), Org: ctx.Signer.Org, By: ctx.Signer.ID, Item: m.Item, Quantity: m.Quantity,
		NeededBy: m.NeededBy, Region: m.Region, Status: DemandOpen, Height: ctx.Height, Time: ctx.Time.Unix()}
	demands.Set(ctx.Store, d.ID, d)
	openDemands.Add(ctx.Store, d.Item, d.Region, d.ID)
	k.addShortage(ctx, d, func(s *Shortage) { s.Demanded += d.Quantity; s.Open += d.Quantity })
	ctx.Emit(EventDemand.New(d.ID, d.Org, d.Item, d.Region, strconv.FormatInt(d.Quantity, 10)))
	return d, nil
}

func (k *Keeper) addShortage(ctx *ledger.Context, d Demand, fn func(*Shortage)) {
	key := d.Item + "/" + d.Region
	s, ok := shortages.Get(ctx.Store, key)
	if !ok {
		s = Shortage{Item: d.Item, Region: d.Region}
	}
	fn(&s)
	shortages.Set(ctx.Store, key, s)
}

func (k *Keeper) pledge(ctx *ledger.Context, m MakePledge) (any, error) {
	if err := member(ctx); err != nil {
		return nil, err
	}
	kind, _ := k.dir.OrgKind(ctx.Store, ctx.Signer.Org)
	if (kind != ledger.OrgManufacturer && kind != ledger.OrgDistributor) || !ctx.Signer.HasAnyRole(ledger.RoleLogistics, ledger.RoleAdmin) {
		return nil, fmt.Errorf("%w: a logistics officer or admin of a manufacturer or distributor pledges", ErrUnauthorized)
	}
	d, ok := demands.Get(ctx.Store, m.Demand)
	if !ok {
		return nil, fmt.Errorf("%w: demand %q", ErrNotFound, m.Demand)
	}
	if d.Status != DemandOpen {
		return nil, fmt.Errorf("%w: demand %s closed at height %d", ErrClosed, d.ID, d.Closed)
	}
	gtin := m.GTIN
	if slices.Contains(PPECategories, d.Item) {
		if gtin == "" {
			return nil, fmt.Errorf("%w: demand %s is for %s: name the GTIN you will ship", ledger.ErrInvalidMsg, d.ID, d.Item)
		}
		if err := k.ppeProduct(ctx.Store, gtin); err != nil {
			return nil, err
		}
	} else if gtin == "" {
		gtin = d.Item
	} else if gtin != d.Item {
		return nil, fmt.Errorf("%w: demand %s is for GTIN %s", ledger.ErrInvalidMsg, d.ID, d.Item)
	}
	if left := d.Quantity - d.Pledged; m.Quantity > left {
		return nil, fmt.Errorf("%w: demand %s has %d units left to pledge", ErrExceeds, d.ID, left)
	}
	p := Pledge{ID: ledger.IDFrom("pl-", ctx.TxHash), Demand: d.ID, Supplier: ctx.Signer.Org, By: ctx.Signer.ID, GTIN: gtin,
		Quantity: m.Quantity, Height: ctx.Height, Time: ctx.Time.Unix()}
	pledges.Set(ctx.Store, p.ID, p)
	pledgesOf.Add(ctx.Store, d.ID, p.ID)
	d.Pledged += m.Quantity
	demands.Set(ctx.Store, d.ID, d)
	k.addShortage(ctx, d, func(s *Shortage) { s.Pledged += m.Quantity })
	ctx.Emit(EventPledge.New(p.ID, d.ID, p.Supplier, strconv.FormatInt(p.Quantity, 10)))
	return p, nil
}

// countUnits counts the units of gtin in an item and, for containers (or
// units of another GTIN that contain others), in what is packed in it.
func (k *Keeper) countUnits(r state.Reader, id, gtin string) int64 {
	var n int64
	k.walk(r, id, func(it Item) (bool, bool) {
		if it.GTIN == gtin {
			n++
			return false, false
		}
		return true, false
	})
	return n
}

func (k *Keeper) countAll(r state.Reader, ids []string, gtin string) int64 {
	var n int64
	for _, id := range ids {
		n += k.countUnits(r, id, gtin)
	}
	return n
}

// shipPledge is the onShip hook: a shipment that fulfils a pledge.
func (k *Keeper) shipPledge(ctx *ledger.Context, sh Shipment) error {
	p, ok := pledges.Get(ctx.Store, sh.Pledge)
	if !ok {
		return fmt.Errorf("%w: pledge %q", ErrNotFound, sh.Pledge)
	}
	if p.Supplier != sh.From {
		return fmt.Errorf("%w: pledge %s is %s's", ErrUnauthorized, p.ID, p.Supplier)
	}
	d, _ := demands.Get(ctx.Store, p.Demand)
	if d.Org != sh.To {
		return fmt.Errorf("%w: pledge %s is for %s's demand: ship to %s", ledger.ErrInvalidMsg, p.ID, d.Org, d.Org)
	}
	if d.Status != DemandOpen {
		return fmt.Errorf("%w: demand %s closed at height %d", ErrClosed, d.ID, d.Closed)
	}
	n := k.countAll(ctx.Store, sh.Items, p.GTIN)
	if n == 0 {
		return fmt.Errorf("%w: the shipment holds no units of %s, the pledge's product", ErrState, p.GTIN)
	}
	if left := p.Quantity - p.Delivered - p.InTransit; n > left {
		return fmt.Errorf("%w: %d units of %s shipped, pledge %s has %d left", ErrExceeds, n, p.GTIN, p.ID, left)
	}
	p.InTransit += n
	pledges.Set(ctx.Store, p.ID, p)
	return nil
}

// receivePledge is the onReceive hook: it counts what arrived and closes
// the demand once it is met. It never refuses: a receipt is always
// possible (shipPledge checked the pledge when the goods left).
func (k *Keeper) receivePledge(ctx *ledger.Context, sh Shipment) error {
	p, ok := pledges.Get(ctx.Store, sh.Pledge)
	if !ok {
		return nil
	}
	d, ok := demands.Get(ctx.Store, p.Demand)
	if !ok {
		return nil
	}
	shipped := k.countAll(ctx.Store, sh.Items, p.GTIN)
	got := k.countAll(ctx.Store, sh.Received, p.GTIN)
	p.InTransit = max(0, p.InTransit-shipped)
	p.Delivered += got
	pledges.Set(ctx.Store, p.ID, p)
	d.Delivered += got
	open := min(got, max(0, d.Quantity-(d.Delivered-got)))
	if d.Status != DemandOpen {
		open = 0
	}
	k.addShortage(ctx, d, func(s *Shortage) { s.Delivered += got; s.Open -= open })
	ctx.Emit(EventPledgeDelivered.New(p.ID, d.ID, sh.ID, strconv.FormatInt(got, 10)))
	if d.Status == DemandOpen && d.Delivered >= d.Quantity {
		d.Status, d.Closed = DemandClosed, ctx.Height
		openDemands.Remove(ctx.Store, d.Item, d.Region, d.ID)
		ctx.Emit(EventDemandClosed.New(d.ID, d.Org, strconv.FormatInt(d.Delivered, 10)))
	}
	demands.Set(ctx.Store, d.ID, d)
	return nil
}

// --- queries ---

// Demand reads a demand.
func (k *Keeper) Demand(r state.Reader, id string) (Demand, bool) { return demands.Get(r, id) }

// Pledge reads a pledge.
func (k *Keeper) Pledge(r state.Reader, id string) (Pledge, bool) { return pledges.Get(r, id) }

// Pledges lists the pledges against a demand, in ID order.
func (k *Keeper) Pledges(r state.Reader, demand string) []Pledge {
	var out []Pledge
	pledgesOf.Walk(r, func(id string) bool {
		if p, ok := pledges.Get(r, id); ok {
			out = append(out, p)
		}
		return true
	}, demand)
	return out
}

// OpenDemands lists open demands for an item in a region ("" for every
// region of the item), in region and ID order.
func (k *Keeper) OpenDemands(r state.Reader, item, region string, limit int) []Demand {
	var out []Demand
	fn := func(rest string) bool {
		id := rest[strings.LastIndexByte(rest, state.IndexSep)+1:]
		if d, ok := demands.Get(r, id); ok {
			out = append(out, d)
		}
		return len(out) < limit
	}
	if region == "" {
		openDemands.Walk(r, fn, item)
	} else {
		openDemands.Walk(r, fn, item, region)
	}
	return out
}

// Shortages reports supply and demand per item and region, sorted by item
// then region. item and region filter; "" matches all.
func (k *Keeper) Shortages(r state.Reader, item, region string) []Shortage {
	var out []Shortage
	if item != "" && region != "" {
		if s, ok := shortages.Get(r, item+"/"+region); ok {
			out = append(out, s)
		}
		return out
	}
	prefix := ""
	if item != "" {
		prefix = item + "/"
	}
	shortages.Walk(r, prefix, func(_ string, s Shortage) bool {
		if region == "" || s.Region == region {
			out = append(out, s)
		}
		return true
	})
	slices.SortFunc(out, func(a, b Shortage) int {
		if c := strings.Compare(a.Item, b.Item); c != 0 {
			return c
		}
		return strings.Compare(a.Region, b.Region)
	})
	return out
}
