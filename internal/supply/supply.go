// Package supply is the module of medical supply chains: drugs, vaccines,
// PPE, devices, blood components and plasma products. Manufacturers register
// products (GTIN, kind, storage temperature range) and commission serialised
// units in lots; units are packed into cases and pallets (a scan of a
// container stands for what it holds), shipped and received with both sides
// signing (what is missing or extra is recorded), dispensed or destroyed.
// Registered sensors sign temperature readings; a reading outside a
// product's range quarantines what it covers. Manufacturers and regulators
// recall lots. Verify answers what a barcode scan needs to know, and a scan
// of an unknown or already-dispensed serial is a suspected counterfeit,
// recorded as an alert.
//
// Identifiers follow GS1 Digital Link paths: a unit is "01/<GTIN-14>/21/<serial>",
// a logistic unit "00/<SSCC>". Temperatures are integers in milli-degrees
// Celsius: the ledger has no floats. Nothing here is personal: donors and
// recipients of blood are pseudonymous patient IDs.
//
// The module asks identity and governance about members and organisations
// through the Directory interface; it imports no other module.
package supply

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/medchain/medchain/internal/gs1"
	"github.com/medchain/medchain/internal/itemid"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
)

// Name is the module's name and error codespace.
const Name = "supply"

// Errors, each with a stable code in the chain's table.
var (
	ErrUnauthorized = errors.New("supply: not allowed")
	ErrNotFound     = errors.New("supply: not found")
	ErrExists       = errors.New("supply: already exists")
	ErrNotCustodian = errors.New("supply: not the custodian")
	ErrState        = errors.New("supply: not possible in the item's state")
	ErrRecalled     = errors.New("supply: lot recalled")
	ErrQuarantined  = errors.New("supply: item quarantined")
	// ErrExpiredLot: a lot whose expiry date is before the block's date is
	// not commissioned (nor separated, nor made by a transformation).
	ErrExpiredLot = errors.New("supply: lot expired")
	// ErrDuplicateAlert is a suspect scan already recorded by the same
	// organisation, for the same item and reason, within AlertPeriod.
	ErrDuplicateAlert = errors.New("supply: alert already recorded")
	// ErrInvalidDocument is an EPCIS document that does not validate or
	// does not map to the ledger (at the API; never in a block).
	ErrInvalidDocument = errors.New("supply: invalid EPCIS document")
)

// Product kinds.
const (
	KindDrug           = "drug"
	KindVaccine        = "vaccine"
	KindPPE            = "ppe"
	KindDevice         = "device"
	KindBloodComponent = "blood-component"
	KindPlasmaProduct  = "plasma-product"
)

// Kinds lists the product kinds, sorted.
var Kinds = []string{KindBloodComponent, KindDevice, KindDrug, KindPlasmaProduct, KindPPE, KindVaccine}

// Item statuses.
const (
	StatusActive      = "active"
	StatusInTransit   = "in_transit"
	StatusDispensed   = "dispensed"
	StatusDestroyed   = "destroyed"
	StatusQuarantined = "quarantined"
	StatusMissing     = "missing"
	StatusConsumed    = "consumed" // transformed into other products
)

// Limits.
const (
	MaxCommission = 10_000 // units per transaction
	MaxItems      = 1_000  // objects per pack, ship, receive ...
	MaxReadings   = 500
)

// Product is a registered product.
type Product struct {
	GTIN         string `json:"gtin"`
	NDC          string `json:"ndc,omitempty"`
	Name         string `json:"name"`
	Kind         string `json:"kind"`
	Manufacturer string `json:"manufacturer"`
	// Storage range in milli-degrees Celsius; both zero: no cold chain.
	MinMilliC int64 `json:"min_mc"`
	MaxMilliC int64 `json:"max_mc"`
	Height    int64 `json:"height"`
}

// ColdChain reports whether the product has a storage range.
func (p Product) ColdChain() bool { return p.MinMilliC != 0 || p.MaxMilliC != 0 }

// Lot is a batch of a product.
type Lot struct {
	GTIN         string  `json:"gtin"`
	Lot          string  `json:"lot"`
	Expiry       string  `json:"expiry"` // YYYY-MM-DD
	Manufacturer string  `json:"manufacturer"`
	Units        int64   `json:"units"`
	Recall       *Recall `json:"recall,omitempty"`
	Height       int64   `json:"height"`
}

// Recall of a lot.
type Recall struct {
	By     string `json:"by"`
	Org    string `json:"org"`
	Reason string `json:"reason"`
	Height int64  `json:"height"`
	Time   int64  `json:"time"`
}

// Item is a serialised unit or a logistic unit (case, pallet).
type Item struct {
	ID     string `json:"id"`
	GTIN   string `json:"gtin,omitempty"`
	Serial string `json:"serial,omitempty"`
	Lot    string `json:"lot,omitempty"`
	// Kind is "unit" or "container".
	Kind      string `json:"kind"`
	Status    string `json:"status"`
	Custodian string `json:"custodian"`
	// Parent is the container the item is packed in, if any: custody and
	// transit follow the outermost container.
	Parent     string `json:"parent,omitempty"`
	Children   int    `json:"children,omitempty"`
	Shipment   string `json:"shipment,omitempty"`
	Quarantine string `json:"quarantine,omitempty"` // reason
	Created    int64  `json:"created"`
	Updated    int64  `json:"updated"`
}

// Item kinds.
const (
	ItemUnit      = "unit"
	ItemContainer = "container"
)

// Custody is one hand-over in an item's history.
type Custody struct {
	Org      string `json:"org"`
	Event    string `json:"event"` // commissioned, shipped, received, dispensed ...
	Shipment string `json:"shipment,omitempty"`
	// From is the container an "unpacked" item came out of: its history
	// before that is the container's.
	From string `json:"from,omitempty"`
	// By and Reason are kept for decisions a person answers for: a
	// quarantine lifted ("released"), goods destroyed.
	By     string `json:"by,omitempty"`
	Reason string `json:"reason,omitempty"`
	Height int64  `json:"height"`
	Time   int64  `json:"time"`
}

// Shipment moves items between organisations.
type Shipment struct {
	ID      string   `json:"id"`
	From    string   `json:"from"`
	To      string   `json:"to"`
	Items   []string `json:"items"`
	Sensors []string `json:"sensors,omitempty"`
	Status  string   `json:"status"` // in_transit | received
	Sent    int64    `json:"sent"`
	// Received lists what the receiver confirmed; Missing and Extra are the
	// discrepancies.
	Received []string `json:"received,omitempty"`
	Missing  []string `json:"missing,omitempty"`
	Extra    []string `json:"extra,omitempty"`
	// Cold chain: the readings' extremes and the excursions.
	Readings   int         `json:"readings"`
	MinMilliC  *int64      `json:"min_mc,omitempty"`
	MaxMilliC  *int64      `json:"max_mc,omitempty"`
	Excursions []Excursion `json:"excursions,omitempty"`
	ReceivedAt int64       `json:"received_at,omitempty"`
	Pledge     string      `json:"pledge,omitempty"`
	// Products are the GTINs shipped (containers' contents included): the
	// ranges readings are checked against.
	Products []string `json:"products,omitempty"`
}

// ColdChainVerdict is "pass", "fail", or "none" for a shipment without
// cold-chain products or readings.
func (s Shipment) ColdChainVerdict() string {
	switch {
	case len(s.Excursions) > 0:
		return "fail"
	case s.Readings > 0:
		return "pass"
	}
	return "none"
}

// Excursion is a reading outside a product's storage range.
type Excursion struct {
	Sensor string `json:"sensor"`
	Time   int64  `json:"time"`
	MilliC int64  `json:"mc"`
	GTIN   string `json:"gtin"`
	MinMC  int64  `json:"min_mc"`
	MaxMC  int64  `json:"max_mc"`
	Height int64  `json:"height"`
}

// Alert is a suspected counterfeit or diversion: a scan of a serial that
// does not exist or whose unit is already dispensed or destroyed.
type Alert struct {
	ID       string `json:"id"`
	Code     string `json:"code"` // the scanned identifier, normalised
	GTIN     string `json:"gtin,omitempty"`
	Reason   string `json:"reason"` // Verify's suspect: unknown_serial, unknown_product, already_dispensed, destroyed, missing
	Reporter string `json:"reporter"`
	Org      string `json:"org"`
	Location string `json:"location,omitempty"` // the GLN where it was scanned (never free text)
	// Manufacturer is who must see it (empty for an unknown product).
	Manufacturer string `json:"manufacturer,omitempty"`
	Height       int64  `json:"height"`
	Time         int64  `json:"time"`
}

// EventAnchor is an EPCIS event applied to the ledger, under its CBV event hash.
type EventAnchor struct {
	Hash    string `json:"hash"`
	Type    string `json:"type"`
	BizStep string `json:"biz_step,omitempty"`
	Signer  string `json:"signer"`
	Height  int64  `json:"height"`
}

// State.
var (
	products   = state.NewMap[Product](Name, "sup/p/").Public()
	lots       = state.NewMap[Lot](Name, "sup/l/").Public()      // gtin/lot
	items      = state.NewMap[Item](Name, "sup/i/").Public()     // item id
	children   = state.NewIndex(Name, "sup/ch/").Public()        // parent/child
	custody    = state.NewMap[Custody](Name, "sup/cu/").Public() // item/%016x height/%04d seq
	lotItems   = state.NewIndex(Name, "sup/li/").Public()        // gtin/lot/item — for recall queries
	shipments  = state.NewMap[Shipment](Name, "sup/s/").Public()
	alerts     = state.NewMap[Alert](Name, "sup/a/").Public()
	alertsByMf = state.NewIndex(Name, "sup/am/").Public()           // manufacturer/alert
	events     = state.NewMap[EventAnchor](Name, "sup/e/").Public() // event hash
	glns       = state.NewMap[string](Name, "sup/g/").Public()      // GLN -> org
	// alertsByScan is the latest alert of each (item, reason, reporter
	// organisation): report-scan's O(1) duplicate check.
	alertsByScan = state.NewMap[string](Name, "sup/ak/").Public() // item\x00reason\x00org -> alert ID
)

// Directory is what supply needs to know of organisations.
type Directory interface {
	// OrgKind returns an active organisation's kind.
	OrgKind(r state.Reader, org string) (ledger.OrgKind, bool)
	// Member returns an active member's organisation and roles.
	Member(r state.Reader, id string) (org string, roles []ledger.Role, ok bool)
	// PatientExists reports whether id is a registered patient.
	PatientExists(r state.Reader, id string) bool
}

// Keeper is the supply module.
type Keeper struct {
	ledger.NoGenesis
	dir Directory
	// Hooks of the PPE part: a shipment that fulfils a pledge, and its
	// receipt.
	onShip, onReceive func(ctx *ledger.Context, sh Shipment) error
}

// New returns the module.
func New(dir Directory) *Keeper {
	k := &Keeper{dir: dir}
	k.initPPE()
	return k
}

// Name implements ledger.Module.
func (k *Keeper) Name() string { return Name }

var datePattern = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

// Serials (AI 21), lots (AI 10), SSCCs (AI 00) and GLNs (AI 414) are
// checked by internal/gs1 as GS1 defines them: lengths, the GS1 character
// set 82 (no '|', '~', '#' or spaces), check digits.

// ValidSerial checks a serial number (AI 21).
func ValidSerial(s string) error { return gs1.ValidateAI("21", s) }

// ValidLot checks a lot number (AI 10).
func ValidLot(l string) error { return gs1.ValidateAI("10", l) }

// UnitID is the ID of a serialised unit.
func UnitID(gtin, serial string) string { return itemid.Unit(gtin, serial) }

// ContainerID is the ID of a logistic unit identified by an SSCC.
func ContainerID(sscc string) string { return itemid.Container(sscc) }

// ParseID checks an item ID and returns its GTIN and serial (empty for a
// container).
func ParseID(id string) (gtin, serial string, err error) { return itemid.Parse(id) }

// ValidGTIN checks a GTIN-14 (the ledger keeps GTINs in 14 digits) and its
// check digit.
func ValidGTIN(g string) error { return itemid.ValidGTIN(g) }

func member(ctx *ledger.Context) error {
	if ctx.Signer.Kind != ledger.Member {
		return fmt.Errorf("%w: only members of organisations act in the supply chain", ErrUnauthorized)
	}
	return nil
}

// --- queries ---

// Product reads a product.
func (k *Keeper) Product(r state.Reader, gtin string) (Product, bool) { return products.Get(r, gtin) }

// Lot reads a lot.
func (k *Keeper) Lot(r state.Reader, gtin, lot string) (Lot, bool) { return lots.Get(r, gtin+"/"+lot) }

// Item reads an item.
func (k *Keeper) Item(r state.Reader, id string) (Item, bool) { return items.Get(r, id) }

// Shipment reads a shipment.
func (k *Keeper) Shipment(r state.Reader, id string) (Shipment, bool) { return shipments.Get(r, id) }

// Event reads an anchored EPCIS event.
func (k *Keeper) Event(r state.Reader, hash string) (EventAnchor, bool) { return events.Get(r, hash) }

// History lists an item's custody, oldest first.
func (k *Keeper) History(r state.Reader, id string) []Custody {
	var out []Custody
	custody.Walk(r, id+"|", func(_ string, c Custody) bool { out = append(out, c); return true })
	return out
}

// Children lists the items packed in a container.
func (k *Keeper) Children(r state.Reader, parent string, limit int) []string {
	var out []string
	children.Walk(r, func(c string) bool { out = append(out, c); return len(out) < limit }, parent)
	return out
}

// Alerts lists the alerts of a manufacturer's products (or of unknown
// products, with manufacturer "").
func (k *Keeper) Alerts(r state.Reader, manufacturer string, limit int) []Alert {
	var out []Alert
	alertsByMf.Walk(r, func(id string) bool {
		if a, ok := alerts.Get(r, id); ok {
			out = append(out, a)
		}
		return len(out) < limit
	}, orUnknown(manufacturer))
	return out
}

// AlertPeriod is how long, in block time, an alert stands for later scans
// of the same item with the same suspect reason by the same organisation:
// within it supply/report-scan is refused with ErrDuplicateAlert, after it
// a new alert is recorded.
const AlertPeriod = 24 * time.Hour

// RecentAlert is the alert org recorded for item with reason within
// AlertPeriod of now, if any: what a new report of the same scan would
// duplicate.
func (k *Keeper) RecentAlert(r state.Reader, item, reason, org string, now time.Time) (Alert, bool) {
	id, ok := alertsByScan.Get(r, scanKey(item, reason, org))
	if !ok {
		return Alert{}, false
	}
	a, ok := alerts.Get(r, id)
	if !ok || now.Unix()-a.Time >= int64(AlertPeriod/time.Second) {
		return Alert{}, false
	}
	return a, true
}

func scanKey(item, reason, org string) string { return item + "\x00" + reason + "\x00" + org }

func orUnknown(s string) string {
	if s == "" {
		return "_unknown"
	}
	return s
}

// Holder is who holds units of a recalled lot.
type Holder struct {
	Org   string   `json:"org"`
	Units int      `json:"units"`
	Items []string `json:"items"`
}

// Holders lists who holds the items of a lot now (items still active,
// quarantined or in transit; dispensed and destroyed ones are gone).
func (k *Keeper) Holders(r state.Reader, gtin, lot string, limit int) []Holder {
	byOrg := map[string]*Holder{}
	var order []string
	lotItems.Walk(r, func(id string) bool {
		it, ok := items.Get(r, id)
		if !ok || it.Status == StatusDispensed || it.Status == StatusDestroyed || it.Status == StatusConsumed || it.Status == StatusTransfused {
			return true
		}
		org := k.custodianOf(r, it)
		h := byOrg[org]
		if h == nil {
			h = &Holder{Org: org}
			byOrg[org] = h
			order = append(order, org)
		}
		h.Units++
		if len(h.Items) < limit {
			h.Items = append(h.Items, id)
		}
		return true
	}, gtin, lot)
	slices.Sort(order)
	out := make([]Holder, 0, len(order))
	for _, o := range order {
		out = append(out, *byOrg[o])
	}
	return out
}

// outermost follows an item's parents to the container that carries it.
func (k *Keeper) outermost(r state.Reader, it Item) Item {
	for i := 0; i < 8 && it.Parent != ""; i++ {
		p, ok := items.Get(r, it.Parent)
		if !ok {
			break
		}
		it = p
	}
	return it
}

// custodianOf is who holds an item: the custodian of its outermost container.
func (k *Keeper) custodianOf(r state.Reader, it Item) string { return k.outermost(r, it).Custodian }
