package supply

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/medchain/medchain/internal/gs1"
	"github.com/medchain/medchain/internal/itemid"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
)

// Message types.
const (
	TypeRegisterProduct = "supply/register-product"
	TypeCommission      = "supply/commission"
	TypePack            = "supply/pack"
	TypeUnpack          = "supply/unpack"
	TypeShip            = "supply/ship"
	TypeReceive         = "supply/receive"
	TypeReading         = "supply/reading"
	TypeRelease         = "supply/release"
	TypeDispense        = "supply/dispense"
	TypeDestroy         = "supply/destroy"
	TypeRecall          = "supply/recall"
	TypeReportScan      = "supply/report-scan"
)

// RegisterProduct registers a product of the signer's organisation (a
// manufacturer, device maker or blood centre).
type RegisterProduct struct {
	GTIN      string `json:"gtin"`
	NDC       string `json:"ndc,omitempty"`
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	MinMilliC int64  `json:"min_mc,omitempty"`
	MaxMilliC int64  `json:"max_mc,omitempty"`
}

func (m *RegisterProduct) Validate() error {
	if err := ValidGTIN(m.GTIN); err != nil {
		return err
	}
	if !slices.Contains(Kinds, m.Kind) {
		return fmt.Errorf("kind %q: must be one of %v", m.Kind, Kinds)
	}
	if m.Name == "" || len(m.Name) > 200 {
		return errors.New("name: 1 to 200 characters")
	}
	if len(m.NDC) > 20 {
		return errors.New("ndc: at most 20 characters")
	}
	if m.MinMilliC > m.MaxMilliC {
		return fmt.Errorf("min_mc %d is above max_mc %d", m.MinMilliC, m.MaxMilliC)
	}
	return nil
}

// Serials names the serials of a commission: a list, or a numeric range
// Prefix + zero-padded numbers Start..Start+Count-1 of Width digits.
type Serials struct {
	List   []string `json:"list,omitempty"`
	Prefix string   `json:"prefix,omitempty"`
	Start  int64    `json:"start,omitempty"`
	Count  int64    `json:"count,omitempty"`
	Width  int      `json:"width,omitempty"`
}

// Expand returns the serials, in order.
func (s Serials) Expand() []string {
	if len(s.List) > 0 {
		return s.List
	}
	return itemid.SerialRange(s.Prefix, s.Start, s.Count, s.Width)
}

func (s Serials) validate() error {
	switch {
	case len(s.List) > 0 && s.Count > 0:
		return errors.New("serials: give a list or a range, not both")
	case len(s.List) > MaxCommission, s.Count > MaxCommission:
		return fmt.Errorf("serials: at most %d units per transaction", MaxCommission)
	case len(s.List) == 0 && s.Count <= 0:
		return errors.New("serials: a list, or a range with a positive count, is required")
	case s.Start < 0 || s.Width < 0 || s.Width > 20:
		return errors.New("serials: start must not be negative, width 0 to 20")
	}
	for _, sn := range s.Expand() {
		if err := ValidSerial(sn); err != nil {
			return err
		}
	}
	return nil
}

// Commission creates serialised units of a lot. Signed by a member of the
// product's manufacturer.
type Commission struct {
	GTIN    string  `json:"gtin"`
	Lot     string  `json:"lot"`
	Expiry  string  `json:"expiry"` // YYYY-MM-DD
	Serials Serials `json:"serials"`
}

func (m *Commission) Validate() error {
	if err := ValidGTIN(m.GTIN); err != nil {
		return err
	}
	if err := ValidLot(m.Lot); err != nil {
		return err
	}
	if err := validDate("expiry", m.Expiry); err != nil {
		return err
	}
	return m.Serials.validate()
}

// Pack puts items into a container (created if new). Signed by their custodian.
type Pack struct {
	Parent   string   `json:"parent"`
	Children []string `json:"children"`
}

func (m *Pack) Validate() error {
	if _, _, err := ParseID(m.Parent); err != nil {
		return err
	}
	return validItems("children", m.Children)
}

func validItems(field string, ids []string) error {
	if len(ids) == 0 || len(ids) > MaxItems {
		return fmt.Errorf("%s: 1 to %d items", field, MaxItems)
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if _, _, err := ParseID(id); err != nil {
			return fmt.Errorf("%s: %w", field, err)
		}
		if seen[id] {
			return fmt.Errorf("%s: %s given twice", field, id)
		}
		seen[id] = true
	}
	return nil
}

// Unpack takes items out of a container (all of them if Children is empty).
type Unpack struct {
	Parent   string   `json:"parent"`
	Children []string `json:"children,omitempty"`
}

func (m *Unpack) Validate() error {
	if _, _, err := ParseID(m.Parent); err != nil {
		return fmt.Errorf("parent: %w", err)
	}
	if len(m.Children) == 0 {
		return nil
	}
	return validItems("children", m.Children)
}

// Ship sends items (each not packed in another) to an organisation. Custody
// moves only when the receiver confirms.
type Ship struct {
	To    string   `json:"to"`
	Items []string `json:"items"`
	// Sensors are the registered devices whose readings cover the shipment.
	Sensors []string `json:"sensors,omitempty"`
	// Pledge is the PPE pledge the shipment fulfils, if any.
	Pledge string `json:"pledge,omitempty"`
}

// MaxShipmentSensors bounds the sensors attached to one shipment.
const MaxShipmentSensors = 16

func (m *Ship) Validate() error {
	if m.To == "" {
		return errors.New("to is required")
	}
	if len(m.Sensors) > MaxShipmentSensors {
		return fmt.Errorf("sensors: at most %d", MaxShipmentSensors)
	}
	for i, id := range m.Sensors {
		if id == "" || slices.Contains(m.Sensors[:i], id) {
			return fmt.Errorf("sensors[%d]: %q is empty or given twice", i, id)
		}
	}
	return validItems("items", m.Items)
}

// Receive confirms what arrived of a shipment. Signed by a member of the
// receiving organisation. Items shipped but not listed are recorded missing;
// items listed but not shipped are recorded extra.
type Receive struct {
	Shipment string   `json:"shipment"`
	Items    []string `json:"items"`
}

func (m *Receive) Validate() error {
	if m.Shipment == "" {
		return errors.New("shipment is required")
	}
	if len(m.Items) == 0 {
		return nil // nothing arrived: every item is recorded missing
	}
	return validItems("items", m.Items)
}

// Reading is a batch of temperature readings signed by a sensor: for a
// shipment in transit, or for an item in storage.
type Reading struct {
	Shipment string     `json:"shipment,omitempty"`
	Item     string     `json:"item,omitempty"`
	Readings []Reading1 `json:"readings"`
}

// Reading1 is one reading: unix seconds and milli-degrees Celsius.
type Reading1 struct {
	Time   int64 `json:"time"`
	MilliC int64 `json:"mc"`
}

// Bounds of a plausible reading: absolute zero, and far above any storage.
const (
	MinReadingMilliC = -273_150
	MaxReadingMilliC = 200_000
)

func (m *Reading) Validate() error {
	if (m.Shipment == "") == (m.Item == "") {
		return errors.New("give a shipment or an item")
	}
	if len(m.Readings) == 0 || len(m.Readings) > MaxReadings {
		return fmt.Errorf("readings: 1 to %d", MaxReadings)
	}
	for i, r := range m.Readings {
		if r.Time <= 0 {
			return fmt.Errorf("readings[%d]: time %d is not a unix time in seconds", i, r.Time)
		}
		if r.MilliC < MinReadingMilliC || r.MilliC > MaxReadingMilliC {
			return fmt.Errorf("readings[%d]: %d m°C is not a temperature a sensor reads (%d to %d)", i, r.MilliC, MinReadingMilliC, MaxReadingMilliC)
		}
	}
	return nil
}

// Release lifts a quarantine after review. Signed by a quality officer of
// the custodian. The reason, one of ReleaseReasons, is kept in each item's
// history.
type Release struct {
	Items  []string `json:"items"`
	Reason string   `json:"reason"`
}

func (m *Release) Validate() error { return validReason("release", m.Reason, ReleaseReasons) }

// ReleaseReasons are the reason codes a Release may give: the state keeps
// a code, never free text.
var ReleaseReasons = []string{"stability-data", "excursion-within-tolerance", "sensor-fault", "quarantine-in-error", "tests-passed"}

// DestroyReasons are the reason codes a Destroy may give.
// epcis-destroying is what an EPCIS destroying event, which states no
// reason, maps to.
var DestroyReasons = []string{"expired", "damaged", "cold-chain-excursion", "recalled", "contaminated", "counterfeit", "label-error", "quality-failure", "entered-in-error", "epcis-destroying"}

// RecallReasons are the reason codes a RecallLots may give.
var RecallReasons = []string{"potency", "contamination", "sterility", "particulates", "labelling", "packaging", "stability", "counterfeit", "adverse-events", "regulatory-order", "other"}

// validReason checks that the reason of a decision kept in state is one
// of the codes allowed. The refusal does not repeat the text: free text
// never reaches the chain, not even in a refusal.
func validReason(what, r string, codes []string) error {
	if !slices.Contains(codes, r) {
		return fmt.Errorf("reason: not a %s reason code (one of %s)", what, strings.Join(codes, ", "))
	}
	return nil
}

// Dispense records units handed to patients (no patient is named). Signed
// by a pharmacist, physician or nurse of the custodian.
type Dispense struct {
	Items []string `json:"items"`
}

// Destroy records items destroyed. Signed by a member of the custodian.
// The reason, one of DestroyReasons, is kept in each item's history.
type Destroy struct {
	Items  []string `json:"items"`
	Reason string   `json:"reason"`
}

func (m *Destroy) Validate() error { return validReason("destroy", m.Reason, DestroyReasons) }

// RecallLots recalls lots of a product. Signed by the manufacturer or a
// regulator. The reason, one of RecallReasons, is kept on each lot.
type RecallLots struct {
	GTIN   string   `json:"gtin"`
	Lots   []string `json:"lots"`
	Reason string   `json:"reason"`
}

func (m *RecallLots) Validate() error {
	if err := ValidGTIN(m.GTIN); err != nil {
		return err
	}
	if len(m.Lots) == 0 || len(m.Lots) > 100 {
		return errors.New("lots: 1 to 100")
	}
	return validReason("recall", m.Reason, RecallReasons)
}

// ReportScan records a suspect scan: the handler checks the suspicion
// against the ledger, so no genuine, active item can be reported, and the
// alert's reason is the chain's own verdict. It carries coded fields only:
// an item ID and, optionally, the GLN where the item was scanned; never
// free text.
type ReportScan struct {
	// Item is an item ID: 01/<GTIN-14>/21/<serial> or 00/<SSCC>.
	Item string `json:"item"`
	// Location is a GLN (13 digits with their check digit), or empty.
	Location string `json:"location,omitempty"`
}

func (m *ReportScan) Validate() error {
	if len(m.Item) > 100 {
		return errors.New("item: at most 100 characters")
	}
	if _, _, err := ParseID(m.Item); err != nil {
		return err
	}
	return ValidLocation(m.Location)
}

// ValidLocation checks the location of a scan: empty, or a GLN with its
// check digit.
func ValidLocation(gln string) error {
	if gln == "" {
		return nil
	}
	if err := gs1.ValidateAI("414", gln); err != nil {
		return fmt.Errorf("location: must be a GLN (13 digits with their check digit): %w", err)
	}
	return nil
}

// Routes implements ledger.Module.
func (k *Keeper) Routes() []ledger.Route {
	routes := []ledger.Route{
		{Type: TypeRegisterProduct, Handler: ledger.Handle(k.registerProduct)},
		{Type: TypeCommission, Handler: ledger.Handle(k.commission)},
		{Type: TypePack, Handler: ledger.Handle(k.pack)},
		{Type: TypeUnpack, Handler: ledger.Handle(k.unpack)},
		{Type: TypeShip, Handler: ledger.Handle(k.ship)},
		{Type: TypeReceive, Handler: ledger.Handle(k.receive)},
		{Type: TypeReading, Handler: ledger.Handle(k.reading)},
		{Type: TypeRelease, Handler: ledger.Handle(k.release)},
		{Type: TypeDispense, Handler: ledger.Handle(k.dispense)},
		{Type: TypeDestroy, Handler: ledger.Handle(k.destroy)},
		{Type: TypeRecall, Handler: ledger.Handle(k.recall)},
		{Type: TypeReportScan, Handler: ledger.Handle(k.reportScan)},
		{Type: TypeEvents, Handler: ledger.Handle(k.events)},
		{Type: TypeRegisterGLN, Handler: ledger.Handle(k.registerGLN)},
	}
	return append(routes, k.bloodRoutes()...)
}

func (k *Keeper) registerProduct(ctx *ledger.Context, m RegisterProduct) (any, error) {
	if err := member(ctx); err != nil {
		return nil, err
	}
	kind, _ := k.dir.OrgKind(ctx.Store, ctx.Signer.Org)
	if !slices.Contains([]ledger.OrgKind{ledger.OrgManufacturer, ledger.OrgDeviceMaker, ledger.OrgBloodCentre}, kind) || !ctx.Signer.HasAnyRole(ledger.RoleAdmin, ledger.RoleQuality) {
		return nil, fmt.Errorf("%w: products are registered by an admin or quality officer of a manufacturer, device maker or blood centre", ErrUnauthorized)
	}
	if products.Has(ctx.Store, m.GTIN) {
		return nil, fmt.Errorf("%w: product %s", ErrExists, m.GTIN)
	}
	products.Set(ctx.Store, m.GTIN, Product{GTIN: m.GTIN, NDC: m.NDC, Name: m.Name, Kind: m.Kind,
		Manufacturer: ctx.Signer.Org, MinMilliC: m.MinMilliC, MaxMilliC: m.MaxMilliC, Height: ctx.Height})
	ctx.Emit(EventProductRegistered.New(m.GTIN, ctx.Signer.Org))
	return nil, nil
}

func (k *Keeper) commission(ctx *ledger.Context, m Commission) (any, error) {
	if err := member(ctx); err != nil {
		return nil, err
	}
	p, ok := products.Get(ctx.Store, m.GTIN)
	if !ok {
		return nil, fmt.Errorf("%w: product %s is not registered", ErrNotFound, m.GTIN)
	}
	if p.Manufacturer != ctx.Signer.Org {
		return nil, fmt.Errorf("%w: %s makes product %s, not %s", ErrUnauthorized, p.Manufacturer, m.GTIN, ctx.Signer.Org)
	}
	serials := m.Serials.Expand()
	if err := k.makeUnits(ctx, p, m.Lot, m.Expiry, serials, ""); err != nil {
		return nil, err
	}
	ctx.Emit(EventCommissioned.New(m.GTIN, m.Lot, strconv.Itoa(len(serials))))
	return map[string]int{"units": len(serials)}, nil
}

// held loads an item the signer's organisation holds, not packed in
// another and not in transit.
func (k *Keeper) held(ctx *ledger.Context, id string) (Item, error) {
	it, ok := items.Get(ctx.Store, id)
	switch {
	case !ok:
		return it, fmt.Errorf("%w: item %s", ErrNotFound, id)
	case it.Parent != "":
		return it, fmt.Errorf("%w: %s is packed in %s; act on the container or unpack it", ErrState, id, it.Parent)
	case it.Custodian != ctx.Signer.Org:
		return it, fmt.Errorf("%w: %s is held by %s", ErrNotCustodian, id, it.Custodian)
	case it.Status == StatusInTransit:
		return it, fmt.Errorf("%w: %s is in transit (shipment %s)", ErrState, id, it.Shipment)
	case it.Status != StatusActive && it.Status != StatusQuarantined:
		return it, fmt.Errorf("%w: %s is %s", ErrState, id, it.Status)
	}
	return it, nil
}

func (k *Keeper) addCustody(ctx *ledger.Context, id, org, event, shipment string, _ int) {
	k.addCustodyFrom(ctx, id, org, event, shipment, "")
}

// addCustodyFrom appends an event to an item's history. Several events of
// one item in one block (pack then ship in one EPCIS document) keep their
// order: each takes the next free sequence number of that height.
func (k *Keeper) addCustodyFrom(ctx *ledger.Context, id, org, event, shipment, from string) {
	k.appendHistory(ctx, id, Custody{Org: org, Event: event, Shipment: shipment, From: from})
}

// addDecision appends an event someone answers for, with who and why.
func (k *Keeper) addDecision(ctx *ledger.Context, id, event, reason string) {
	k.appendHistory(ctx, id, Custody{Org: ctx.Signer.Org, Event: event, By: ctx.Signer.ID, Reason: reason})
}

func (k *Keeper) appendHistory(ctx *ledger.Context, id string, c Custody) {
	c.Height, c.Time = ctx.Height, ctx.Time.Unix()
	for seq := 0; ; seq++ {
		key := fmt.Sprintf("%s|%016x|%04d", id, ctx.Height, seq)
		if !custody.Has(ctx.Store, key) {
			custody.Set(ctx.Store, key, c)
			return
		}
	}
}

func (k *Keeper) pack(ctx *ledger.Context, m Pack) (any, error) {
	if err := member(ctx); err != nil {
		return nil, err
	}
	parent, ok := items.Get(ctx.Store, m.Parent)
	if ok {
		var err error
		if parent, err = k.held(ctx, m.Parent); err != nil {
			return nil, err
		}
	} else {
		gtin, serial, _ := ParseID(m.Parent)
		if gtin != "" {
			return nil, fmt.Errorf("%w: container %s is not commissioned; commission the case's serial first or use an SSCC", ErrNotFound, m.Parent)
		}
		parent = Item{ID: m.Parent, Serial: serial, Kind: ItemContainer, Status: StatusActive, Custodian: ctx.Signer.Org, Created: ctx.Height}
		k.addCustody(ctx, m.Parent, ctx.Signer.Org, "packed", "", 0)
	}
	for _, c := range m.Children {
		if c == m.Parent {
			return nil, fmt.Errorf("%w: %s cannot contain itself", ledger.ErrInvalidMsg, c)
		}
		it, err := k.held(ctx, c)
		if err != nil {
			return nil, err
		}
		if it.Status == StatusQuarantined {
			return nil, fmt.Errorf("%w: %s (%s)", ErrQuarantined, c, it.Quarantine)
		}
		it.Parent, it.Updated = m.Parent, ctx.Height
		items.Set(ctx.Store, c, it)
		children.Add(ctx.Store, m.Parent, c)
		parent.Children++
	}
	parent.Updated = ctx.Height
	items.Set(ctx.Store, m.Parent, parent)
	ctx.Emit(EventPacked.New(m.Parent, strconv.Itoa(len(m.Children))))
	return nil, nil
}

func (k *Keeper) unpack(ctx *ledger.Context, m Unpack) (any, error) {
	if err := member(ctx); err != nil {
		return nil, err
	}
	parent, err := k.held(ctx, m.Parent)
	if err != nil {
		return nil, err
	}
	list := m.Children
	if len(list) == 0 {
		list = k.Children(ctx.Store, m.Parent, MaxItems*10)
	}
	for _, c := range list {
		if !children.Has(ctx.Store, m.Parent, c) {
			return nil, fmt.Errorf("%w: %s is not in %s", ErrNotFound, c, m.Parent)
		}
		it, _ := items.Get(ctx.Store, c)
		it.Parent, it.Custodian, it.Updated = "", parent.Custodian, ctx.Height
		if parent.Quarantine != "" && overridable(it.Quarantine) {
			it.Quarantine, it.Status = parent.Quarantine, StatusQuarantined
		}
		items.Set(ctx.Store, c, it)
		children.Remove(ctx.Store, m.Parent, c)
		k.addCustodyFrom(ctx, c, parent.Custodian, "unpacked", "", m.Parent)
		parent.Children--
	}
	parent.Updated = ctx.Height
	items.Set(ctx.Store, m.Parent, parent)
	ctx.Emit(EventUnpacked.New(m.Parent, strconv.Itoa(len(list))))
	return nil, nil
}

// walk visits the item id and everything packed in it, at any depth,
// breadth first. visit says whether to look inside the item and whether to
// stop the walk there.
func (k *Keeper) walk(r state.Reader, id string, visit func(it Item) (inside, stop bool)) {
	queue := []string{id}
	for len(queue) > 0 {
		it, ok := items.Get(r, queue[0])
		queue = queue[1:]
		if !ok {
			continue
		}
		inside, stop := visit(it)
		if stop {
			return
		}
		if inside && it.Children > 0 {
			children.Walk(r, func(c string) bool { queue = append(queue, c); return true }, it.ID)
		}
	}
}

// gtinsIn adds the distinct GTINs of an item and everything packed in it to
// into.
func (k *Keeper) gtinsIn(r state.Reader, id string, into []string) []string {
	k.walk(r, id, func(it Item) (bool, bool) {
		if it.GTIN != "" && !slices.Contains(into, it.GTIN) {
			into = append(into, it.GTIN)
		}
		return true, false
	})
	return into
}

func (k *Keeper) ship(ctx *ledger.Context, m Ship) (any, error) {
	if err := member(ctx); err != nil {
		return nil, err
	}
	if _, ok := k.dir.OrgKind(ctx.Store, m.To); !ok {
		return nil, fmt.Errorf("%w: organisation %q is not an active member", ErrNotFound, m.To)
	}
	if m.To == ctx.Signer.Org {
		return nil, fmt.Errorf("%w: a shipment goes to another organisation", ledger.ErrInvalidMsg)
	}
	for _, s := range m.Sensors {
		if _, roles, ok := k.dir.Member(ctx.Store, s); !ok || !slices.Contains(roles, ledger.RoleSensor) {
			return nil, fmt.Errorf("%w: sensor %q is not an active member with the sensor role", ErrNotFound, s)
		}
	}
	id := ledger.IDFrom("sh-", ctx.TxHash)
	sh := Shipment{ID: id, From: ctx.Signer.Org, To: m.To, Items: m.Items, Sensors: m.Sensors, Status: StatusInTransit, Sent: ctx.Height, Pledge: m.Pledge}
	for i, itemID := range m.Items {
		it, err := k.held(ctx, itemID)
		if err != nil {
			return nil, err
		}
		if bad, ok := k.heldBack(ctx.Store, it, m.To); ok {
			where := ""
			if bad != itemID {
				where = " (packed in " + itemID + ")"
			}
			return nil, fmt.Errorf("%w: %s%s is quarantined or recalled: it may only go back to its manufacturer", ErrQuarantined, bad, where)
		}
		it.Status, it.Shipment, it.Updated = StatusInTransit, id, ctx.Height
		items.Set(ctx.Store, itemID, it)
		k.addCustody(ctx, itemID, ctx.Signer.Org, "shipped", id, i)
		sh.Products = k.gtinsIn(ctx.Store, itemID, sh.Products)
	}
	slices.Sort(sh.Products)
	if m.Pledge != "" && k.onShip != nil {
		if err := k.onShip(ctx, sh); err != nil {
			return nil, err
		}
	}
	shipments.Set(ctx.Store, id, sh)
	ctx.Emit(EventShipped.New(id, sh.From, sh.To, strconv.Itoa(len(m.Items))))
	return ledger.Created{ID: id}, nil
}

// heldBack returns the first of it and everything packed in it, at any
// depth, that is quarantined or recalled and so may go only back to its
// maker, when to is not that maker: a case does not carry recalled units
// past the rule a loose unit meets.
func (k *Keeper) heldBack(r state.Reader, it Item, to string) (bad string, found bool) {
	k.walk(r, it.ID, func(it Item) (bool, bool) {
		if it.Status == StatusQuarantined || k.recalled(r, it) {
			if lot, ok := lots.Get(r, it.GTIN+"/"+it.Lot); !ok || lot.Manufacturer != to {
				bad, found = it.ID, true
			}
		}
		return true, found
	})
	return bad, found
}

func (k *Keeper) recalled(r state.Reader, it Item) bool {
	if it.GTIN == "" {
		return false
	}
	lot, ok := lots.Get(r, it.GTIN+"/"+it.Lot)
	return ok && lot.Recall != nil
}

func (k *Keeper) receive(ctx *ledger.Context, m Receive) (any, error) {
	if err := member(ctx); err != nil {
		return nil, err
	}
	sh, ok := shipments.Get(ctx.Store, m.Shipment)
	if !ok {
		return nil, fmt.Errorf("%w: shipment %q", ErrNotFound, m.Shipment)
	}
	if sh.To != ctx.Signer.Org {
		return nil, fmt.Errorf("%w: shipment %s goes to %s", ErrNotCustodian, sh.ID, sh.To)
	}
	if sh.Status != StatusInTransit {
		return nil, fmt.Errorf("%w: shipment %s was received at height %d", ErrState, sh.ID, sh.ReceivedAt)
	}
	got := map[string]bool{}
	for _, id := range m.Items {
		got[id] = true
	}
	quarantine := ""
	if len(sh.Excursions) > 0 {
		e := sh.Excursions[0]
		quarantine = fmt.Sprintf("cold chain: %d m°C at %s outside %d..%d (shipment %s)", e.MilliC, time.Unix(e.Time, 0).UTC().Format(time.RFC3339), e.MinMC, e.MaxMC, sh.ID)
	}
	for i, id := range sh.Items {
		it, _ := items.Get(ctx.Store, id)
		it.Shipment, it.Updated = "", ctx.Height
		if got[id] {
			it.Custodian, it.Status = sh.To, StatusActive
			if quarantine != "" && overridable(it.Quarantine) {
				it.Quarantine = quarantine
			}
			if it.Quarantine != "" {
				it.Status = StatusQuarantined
			}
			sh.Received = append(sh.Received, id)
			k.addCustody(ctx, id, sh.To, "received", sh.ID, i)
		} else {
			it.Status = StatusMissing
			sh.Missing = append(sh.Missing, id)
			k.addCustody(ctx, id, sh.From, "missing", sh.ID, i)
		}
		items.Set(ctx.Store, id, it)
		delete(got, id)
	}
	for _, id := range m.Items { // in the receiver's order: deterministic
		if got[id] {
			sh.Extra = append(sh.Extra, id)
		}
	}
	sh.Status, sh.ReceivedAt = "received", ctx.Height
	if k.onReceive != nil && sh.Pledge != "" {
		if err := k.onReceive(ctx, sh); err != nil {
			return nil, err
		}
	}
	shipments.Set(ctx.Store, sh.ID, sh)
	ctx.Emit(EventReceived.New(sh.ID, strconv.Itoa(len(sh.Received)),
		strconv.Itoa(len(sh.Missing)), strconv.Itoa(len(sh.Extra)), sh.ColdChainVerdict()))
	return sh, nil
}

func (k *Keeper) reading(ctx *ledger.Context, m Reading) (any, error) {
	s := ctx.Signer
	if s.Kind != ledger.Member || !s.HasRole(ledger.RoleSensor) {
		return nil, fmt.Errorf("%w: readings are signed by a registered sensor (role sensor)", ErrUnauthorized)
	}
	var (
		sh       Shipment
		gtins    []string
		covered  []string
		onRecord = func(min, max int64) {}
	)
	if m.Shipment != "" {
		var ok bool
		if sh, ok = shipments.Get(ctx.Store, m.Shipment); !ok {
			return nil, fmt.Errorf("%w: shipment %q", ErrNotFound, m.Shipment)
		}
		if !slices.Contains(sh.Sensors, s.ID) {
			return nil, fmt.Errorf("%w: sensor %s is not attached to shipment %s", ErrUnauthorized, s.ID, sh.ID)
		}
		if sh.Status != StatusInTransit {
			return nil, fmt.Errorf("%w: shipment %s was received", ErrState, sh.ID)
		}
		gtins, covered = sh.Products, sh.Items
		onRecord = func(min, max int64) {
			sh.Readings += len(m.Readings)
			if sh.MinMilliC == nil || min < *sh.MinMilliC {
				sh.MinMilliC = &min
			}
			if sh.MaxMilliC == nil || max > *sh.MaxMilliC {
				sh.MaxMilliC = &max
			}
		}
	} else {
		it, ok := items.Get(ctx.Store, m.Item)
		if !ok {
			return nil, fmt.Errorf("%w: item %q", ErrNotFound, m.Item)
		}
		switch it.Status {
		case StatusDispensed, StatusDestroyed, StatusConsumed, StatusTransfused, StatusMissing:
			return nil, fmt.Errorf("%w: %s is %s: no storage to watch", ErrState, it.ID, it.Status)
		}
		if k.custodianOf(ctx.Store, it) != s.Org {
			return nil, fmt.Errorf("%w: %s's sensors cover only what %s holds", ErrUnauthorized, s.Org, s.Org)
		}
		gtins, covered = k.gtinsIn(ctx.Store, it.ID, nil), []string{k.outermost(ctx.Store, it).ID}
	}
	// The storage ranges of what the readings cover, read once.
	var watched []Product
	for _, g := range gtins {
		if p, ok := products.Get(ctx.Store, g); ok && p.ColdChain() {
			watched = append(watched, p)
		}
	}
	min, max := m.Readings[0].MilliC, m.Readings[0].MilliC
	var exc []Excursion
	for _, r := range m.Readings {
		min, max = minI(min, r.MilliC), maxI(max, r.MilliC)
		for _, p := range watched {
			if r.MilliC < p.MinMilliC || r.MilliC > p.MaxMilliC {
				exc = append(exc, Excursion{Sensor: s.ID, Time: r.Time, MilliC: r.MilliC, GTIN: p.GTIN, MinMC: p.MinMilliC, MaxMC: p.MaxMilliC, Height: ctx.Height})
			}
		}
	}
	onRecord(min, max)
	if len(exc) > 0 {
		e := exc[0]
		reason := fmt.Sprintf("cold chain: %d m°C at %s outside %d..%d (sensor %s)", e.MilliC, time.Unix(e.Time, 0).UTC().Format(time.RFC3339), e.MinMC, e.MaxMC, s.ID)
		for _, id := range covered {
			it, _ := items.Get(ctx.Store, id)
			if overridable(it.Quarantine) {
				it.Quarantine, it.Updated = reason, ctx.Height
				if it.Status == StatusActive {
					it.Status = StatusQuarantined
				}
				items.Set(ctx.Store, id, it)
			}
		}
		ctx.Emit(EventExcursion.New(m.Shipment, m.Item, s.ID, strconv.FormatInt(e.MilliC, 10)))
	}
	if m.Shipment != "" {
		sh.Excursions = append(sh.Excursions, exc...)
		shipments.Set(ctx.Store, sh.ID, sh)
	}
	return map[string]int{"excursions": len(exc)}, nil
}

func minI(a, b int64) int64 {
	if a < b {
		return a
	}
	return b
}

func maxI(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

func (k *Keeper) release(ctx *ledger.Context, m Release) (any, error) {
	if err := member(ctx); err != nil {
		return nil, err
	}
	if !ctx.Signer.HasRole(ledger.RoleQuality) {
		return nil, fmt.Errorf("%w: a quality officer releases quarantined goods", ErrUnauthorized)
	}
	if err := validItems("items", m.Items); err != nil {
		return nil, fmt.Errorf("%w: %w", ledger.ErrInvalidMsg, err)
	}
	for _, id := range m.Items {
		it, err := k.held(ctx, id)
		if err != nil {
			return nil, err
		}
		if it.Quarantine == "" {
			return nil, fmt.Errorf("%w: %s is not quarantined", ErrState, id)
		}
		if err := k.bloodHold(ctx.Store, it); err != nil {
			return nil, err
		}
		it.Quarantine, it.Status, it.Updated = "", StatusActive, ctx.Height
		items.Set(ctx.Store, id, it)
		k.addDecision(ctx, id, "released", m.Reason)
	}
	ctx.Emit(EventReleased.New(strconv.Itoa(len(m.Items))))
	return nil, nil
}

// end moves units to a final status (dispensed, destroyed); a reason, if
// given, is kept in their history with who decided.
func (k *Keeper) end(ctx *ledger.Context, ids []string, status, reason string, check func(Item) error) error {
	if err := validItems("items", ids); err != nil {
		return fmt.Errorf("%w: %w", ledger.ErrInvalidMsg, err)
	}
	for i, id := range ids {
		it, err := k.held(ctx, id)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(it); err != nil {
				return err
			}
		}
		it.Status, it.Updated = status, ctx.Height
		items.Set(ctx.Store, id, it)
		if reason != "" {
			k.addDecision(ctx, id, status, reason)
		} else {
			k.addCustody(ctx, id, ctx.Signer.Org, status, "", i)
		}
	}
	return nil
}

func (k *Keeper) dispense(ctx *ledger.Context, m Dispense) (any, error) {
	if err := member(ctx); err != nil {
		return nil, err
	}
	if !ctx.Signer.HasAnyRole(ledger.RolePharmacist, ledger.RolePhysician, ledger.RoleNurse) {
		return nil, fmt.Errorf("%w: a pharmacist, physician or nurse dispenses", ErrUnauthorized)
	}
	today := ctx.Time.UTC().Format(time.DateOnly)
	err := k.end(ctx, m.Items, StatusDispensed, "", func(it Item) error {
		if it.Kind != ItemUnit {
			return fmt.Errorf("%w: %s is a container; dispense units", ErrState, it.ID)
		}
		if p, ok := products.Get(ctx.Store, it.GTIN); ok && p.Kind == KindBloodComponent {
			return fmt.Errorf("%w: %s is a blood component: record its transfusion (supply/transfuse), which names the recipient", ErrState, it.ID)
		}
		if it.Status == StatusQuarantined {
			return fmt.Errorf("%w: %s (%s)", ErrQuarantined, it.ID, it.Quarantine)
		}
		lot, _ := lots.Get(ctx.Store, it.GTIN+"/"+it.Lot)
		if lot.Recall != nil {
			return fmt.Errorf("%w: %s is of lot %s, recalled: %s", ErrRecalled, it.ID, it.Lot, lot.Recall.Reason)
		}
		if lot.Expiry < today {
			return fmt.Errorf("%w: %s expired on %s", ErrState, it.ID, lot.Expiry)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	ctx.Emit(EventDispensed.New(strconv.Itoa(len(m.Items)), ctx.Signer.Org))
	return nil, nil
}

func (k *Keeper) destroy(ctx *ledger.Context, m Destroy) (any, error) {
	if err := member(ctx); err != nil {
		return nil, err
	}
	// A container destroyed with goods in it would leave them packed in
	// nothing, still active: say what to do instead.
	notEmpty := func(it Item) error {
		if it.Children > 0 {
			return fmt.Errorf("%w: %s holds %d items: unpack it, or destroy what it holds first", ErrState, it.ID, it.Children)
		}
		return nil
	}
	if err := k.end(ctx, m.Items, StatusDestroyed, m.Reason, notEmpty); err != nil {
		return nil, err
	}
	ctx.Emit(EventDestroyed.New(strconv.Itoa(len(m.Items)), ctx.Signer.Org))
	return nil, nil
}

// Regulators are the organisation kinds that may recall any lot.
var Regulators = []ledger.OrgKind{ledger.OrgRegulator, ledger.OrgPublicHealth, ledger.OrgMedicalBoard}

// RegulatorRecallRoles are the roles with which a regulator's member
// recalls lots (not its devices, nor any other member).
var RegulatorRecallRoles = []ledger.Role{ledger.RoleAdmin, ledger.RoleQuality, ledger.RoleEpidemiologist}

func (k *Keeper) recall(ctx *ledger.Context, m RecallLots) (any, error) {
	if err := member(ctx); err != nil {
		return nil, err
	}
	p, ok := products.Get(ctx.Store, m.GTIN)
	if !ok {
		return nil, fmt.Errorf("%w: product %s", ErrNotFound, m.GTIN)
	}
	kind, _ := k.dir.OrgKind(ctx.Store, ctx.Signer.Org)
	maker := p.Manufacturer == ctx.Signer.Org && ctx.Signer.HasAnyRole(ledger.RoleAdmin, ledger.RoleQuality)
	regulator := slices.Contains(Regulators, kind) && ctx.Signer.HasAnyRole(RegulatorRecallRoles...)
	if !maker && !regulator {
		return nil, fmt.Errorf("%w: lots are recalled by an admin or quality officer of their manufacturer, or by a member of a regulator holding one of the roles %v; %s holds %v",
			ErrUnauthorized, RegulatorRecallRoles, ctx.Signer.ID, ctx.Signer.Roles)
	}
	for _, l := range m.Lots {
		lot, ok := lots.Get(ctx.Store, m.GTIN+"/"+l)
		if !ok {
			return nil, fmt.Errorf("%w: lot %s of %s", ErrNotFound, l, m.GTIN)
		}
		if lot.Recall != nil {
			return nil, fmt.Errorf("%w: lot %s was recalled at height %d", ErrRecalled, l, lot.Recall.Height)
		}
		lot.Recall = &Recall{By: ctx.Signer.ID, Org: ctx.Signer.Org, Reason: m.Reason, Height: ctx.Height, Time: ctx.Time.Unix()}
		lots.Set(ctx.Store, m.GTIN+"/"+l, lot)
		ctx.Emit(EventRecalled.New(m.GTIN, l, ctx.Signer.Org))
	}
	return nil, nil
}

func (k *Keeper) reportScan(ctx *ledger.Context, m ReportScan) (any, error) {
	if err := member(ctx); err != nil {
		return nil, err
	}
	v, _ := k.verdict(ctx.Store, m.Item, ctx.Time)
	if v.Suspect == "" {
		return nil, fmt.Errorf("%w: %s is genuine and %s: nothing to report", ErrState, m.Item, v.Status)
	}
	if a, ok := k.RecentAlert(ctx.Store, m.Item, v.Suspect, ctx.Signer.Org, ctx.Time); ok {
		return nil, fmt.Errorf("%w: %s (%s of %s, by %s at height %d); a new one may be recorded from %s",
			ErrDuplicateAlert, a.ID, a.Reason, a.Code, a.Org, a.Height,
			time.Unix(a.Time, 0).Add(AlertPeriod).UTC().Format(time.RFC3339))
	}
	id := ledger.IDFrom("al-", ctx.TxHash)
	a := Alert{ID: id, Code: m.Item, GTIN: v.GTIN, Reason: v.Suspect, Reporter: ctx.Signer.ID, Org: ctx.Signer.Org,
		Location: m.Location, Manufacturer: v.Manufacturer, Height: ctx.Height, Time: ctx.Time.Unix()}
	alerts.Set(ctx.Store, id, a)
	alertsByMf.Add(ctx.Store, orUnknown(v.Manufacturer), id)
	alertsByScan.Set(ctx.Store, scanKey(m.Item, v.Suspect, ctx.Signer.Org), id)
	ctx.Emit(EventAlert.New(id, m.Item, v.Suspect, v.Manufacturer))
	return a, nil
}
