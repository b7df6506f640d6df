package client

import "github.com/medchain/medchain/internal/itemid"

// Message types of the supply module: what each message's MsgType returns.
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
	TypeSupplyEvents    = "supply/events"
	TypeRegisterGLN     = "supply/register-gln"
	// Blood and plasma.
	TypeDonation    = "supply/donation"
	TypeTestResults = "supply/test-results"
	TypeSeparate    = "supply/separate"
	TypeTransfuse   = "supply/transfuse"
	TypePool        = "supply/pool"
	TypeFractionate = "supply/fractionate"
	TypeTransform   = "supply/transform"
	// PPE supply and demand.
	TypeDemand = "supply/demand"
	TypePledge = "supply/pledge"
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

// Item statuses (a Verdict may also say recalled, expired or unknown).
const (
	ItemActive      = "active"
	ItemInTransit   = "in_transit"
	ItemDispensed   = "dispensed"
	ItemDestroyed   = "destroyed"
	ItemQuarantined = "quarantined"
	ItemMissing     = "missing"
	ItemConsumed    = "consumed" // transformed into other products
	ItemTransfused  = "transfused"
)

// Codes a supply message may carry, sorted as the chain lists them (a test
// keeps them equal to the chain's).
var (
	// ProductKinds lists every product kind.
	ProductKinds = []string{KindBloodComponent, KindDevice, KindDrug, KindPlasmaProduct, KindPPE, KindVaccine}
	// PPECategories are the PPE items a demand may name instead of a GTIN.
	PPECategories = []string{"face-shield", "gloves-nitrile", "gown", "mask-n95", "mask-surgical"}
	// Regulators are the organisation kinds that may recall any lot.
	Regulators = []string{"regulator", "public-health-agency", "medical-board"}
	// RegulatorRecallRoles are the roles with which a regulator's member recalls lots.
	RegulatorRecallRoles = []string{"admin", "quality-officer", "epidemiologist"}
	// ReleaseReasons are the reason codes a Release may give.
	ReleaseReasons = []string{"stability-data", "excursion-within-tolerance", "sensor-fault", "quarantine-in-error", "tests-passed"}
	// DestroyReasons are the reason codes a Destroy may give
	// (epcis-destroying is what an EPCIS destroying event maps to).
	DestroyReasons = []string{"expired", "damaged", "cold-chain-excursion", "recalled", "contaminated", "counterfeit", "label-error", "quality-failure", "entered-in-error", "epcis-destroying"}
	// RecallReasons are the reason codes a RecallLots may give.
	RecallReasons = []string{"potency", "contamination", "sterility", "particulates", "labelling", "packaging", "stability", "counterfeit", "adverse-events", "regulatory-order", "other"}
)

// RequiredTests lists the tests a donation of a type ("blood", "plasma")
// must pass before its components are released.
func RequiredTests(donationType string) []string {
	if donationType == "plasma" {
		return []string{"hbv", "hcv", "hiv"}
	}
	return []string{"abo-rhd", "hbv", "hcv", "hiv", "syphilis"}
}

// Limits of supply messages.
const (
	MaxCommission = 10_000 // units per commission
	MaxItems      = 1_000  // items per pack, ship, receive ...
	MaxReadings   = 500    // readings per message
)

// UnitID is the item ID of a serialised unit.
func UnitID(gtin, serial string) string { return itemid.Unit(gtin, serial) }

// ContainerID is the item ID of a logistic unit identified by an SSCC.
func ContainerID(sscc string) string { return itemid.Container(sscc) }

// ItemID reads what a scanner or a person gives: a GS1 element string
// ("(01)09506000134352(17)271231(10)L1(21)ABC123", or raw with FNC1/GS
// separators), a GS1 Digital Link URI, an EPC URN (sgtin, sscc) or an item
// ID as the ledger writes it, and returns the item ID. It works offline.
func ItemID(code string) (string, error) { return itemid.Read(code) }

// ValidGTIN checks a GTIN-14 and its check digit.
func ValidGTIN(gtin string) error { return itemid.ValidGTIN(gtin) }

// The supply module's messages. Item IDs are GS1 Digital Link paths,
// "01/<GTIN-14>/21/<serial>" for a unit and "00/<SSCC>" for a case or
// pallet (ItemID reads the other forms a scanner gives); dates are
// YYYY-MM-DD; temperatures are integers in milli-degrees Celsius.

// RegisterProduct registers a product of the signer's organisation (a
// manufacturer, device maker or blood centre).
type RegisterProduct struct {
	// GTIN is the product's GTIN-14.
	GTIN string `json:"gtin"`
	// NDC is its US National Drug Code, if any.
	NDC string `json:"ndc,omitempty"`
	// Name is its name, for people.
	Name string `json:"name"`
	// Kind is one of ProductKinds.
	Kind string `json:"kind"`
	// MinMilliC and MaxMilliC are the storage range in milli-degrees
	// Celsius; both zero: no cold chain.
	MinMilliC int64 `json:"min_mc,omitempty"`
	MaxMilliC int64 `json:"max_mc,omitempty"`
}

// Commission creates serialised units of a lot. Signed by a member of the
// product's manufacturer.
type Commission struct {
	// GTIN is the product's GTIN-14.
	GTIN string `json:"gtin"`
	// Lot is the lot (batch) number, GS1 AI 10.
	Lot string `json:"lot"`
	// Expiry is the lot's expiry date, YYYY-MM-DD.
	Expiry string `json:"expiry"`
	// Serials are the units' serial numbers (at most MaxCommission).
	Serials Serials `json:"serials"`
}

// Serials names the serials of a commission: a list, or a numeric range
// Prefix + zero-padded numbers Start..Start+Count-1 of Width digits.
type Serials struct {
	// List is the serials one by one; or leave it empty and give a range.
	List []string `json:"list,omitempty"`
	// Prefix, Start, Count and Width give a range of serials.
	Prefix string `json:"prefix,omitempty"`
	Start  int64  `json:"start,omitempty"`
	Count  int64  `json:"count,omitempty"`
	Width  int    `json:"width,omitempty"`
}

// Expand lists the serials: the List, or the range's.
func (s Serials) Expand() []string {
	if len(s.List) > 0 {
		return s.List
	}
	return itemid.SerialRange(s.Prefix, s.Start, s.Count, s.Width)
}

// Pack puts items into a container (created if new). Signed by their custodian.
type Pack struct {
	// Parent is the container's item ID ("00/<SSCC>").
	Parent string `json:"parent"`
	// Children are the item IDs to put in it.
	Children []string `json:"children"`
}

// Unpack takes items out of a container (all of them if Children is empty).
type Unpack struct {
	// Parent is the container's item ID.
	Parent string `json:"parent"`
	// Children are the item IDs to take out; empty: all.
	Children []string `json:"children,omitempty"`
}

// Ship sends items (each not packed in another) to an organisation. Custody
// moves only when the receiver confirms.
type Ship struct {
	// To is the receiving organisation's ID.
	To string `json:"to"`
	// Items are the item IDs shipped.
	Items []string `json:"items"`
	// Sensors are the registered devices whose readings cover the shipment.
	Sensors []string `json:"sensors,omitempty"`
	// Pledge is the PPE pledge the shipment fulfils, if any.
	Pledge string `json:"pledge,omitempty"`
}

// Receive confirms what arrived of a shipment. Signed by a member of the
// receiving organisation. Items shipped but not listed are recorded missing;
// items listed but not shipped are recorded extra.
type Receive struct {
	// Shipment is the shipment's ID.
	Shipment string `json:"shipment"`
	// Items are the item IDs that arrived.
	Items []string `json:"items"`
}

// Reading is a batch of temperature readings signed by a sensor: for a
// shipment in transit, or for an item in storage.
type Reading struct {
	// Shipment is the shipment in transit the readings cover; or
	Shipment string `json:"shipment,omitempty"`
	// Item is the item in storage they cover.
	Item string `json:"item,omitempty"`
	// Readings are 1 to MaxReadings readings.
	Readings []TemperatureReading `json:"readings"`
}

// TemperatureReading is one reading: unix seconds and milli-degrees Celsius.
type TemperatureReading struct {
	// Time is when it was read, unix seconds.
	Time int64 `json:"time"`
	// MilliC is the temperature in milli-degrees Celsius.
	MilliC int64 `json:"mc"`
}

// Release lifts a quarantine after review. Signed by a quality officer of
// the custodian. The reason code is kept in each item's history.
type Release struct {
	// Items are the quarantined item IDs to release.
	Items []string `json:"items"`
	// Reason says why they may be used: one of ReleaseReasons (the chain
	// refuses free text).
	Reason string `json:"reason"`
}

// Dispense records units handed to patients (no patient is named). Signed
// by a pharmacist, physician or nurse of the custodian.
type Dispense struct {
	// Items are the dispensed units' item IDs.
	Items []string `json:"items"`
}

// Destroy records items destroyed. Signed by a member of the custodian.
// The reason code is kept in each item's history.
type Destroy struct {
	// Items are the destroyed items' IDs.
	Items []string `json:"items"`
	// Reason says why they were destroyed: one of DestroyReasons.
	Reason string `json:"reason"`
}

// RecallLots recalls lots of a product. Signed by the manufacturer or a
// regulator.
type RecallLots struct {
	// GTIN is the product's GTIN-14.
	GTIN string `json:"gtin"`
	// Lots are the lot numbers recalled.
	Lots []string `json:"lots"`
	// Reason says why, for everyone who holds units: one of
	// RecallReasons.
	Reason string `json:"reason"`
}

// ReportScan records a suspect scan: the handler checks the suspicion
// against the ledger, so no genuine, active item can be reported. An
// organisation's second report of an item for the same reason within a day
// of block time is refused with CodeSupplyDuplicateAlert.
type ReportScan struct {
	// Item is the scanned item's ID: 01/<GTIN-14>/21/<serial> or 00/<SSCC>.
	Item string `json:"item"`
	// Location is the GLN where it was scanned (13 digits with their check
	// digit), or empty. Never free text: the chain refuses anything else.
	Location string `json:"location,omitempty"`
}

// SupplyEvents anchors and applies EPCIS events, in order; all or none.
type SupplyEvents struct {
	// Events are 1 to 100 events, as MapEPCIS maps them.
	Events []SupplyEvent `json:"events"`
}

// SupplyEvent is an EPCIS event as the ledger takes it: its CBV event hash, its
// type and business step, and the operation it maps to. The API validates
// the EPCIS document against GS1's schema and maps it; the signer is who
// captured it.
type SupplyEvent struct {
	// Hash is the event's CBV 2.0 event hash (ni:///sha-256;…?ver=CBV2.0).
	Hash string `json:"hash"`
	// Type is the EPCIS event type ("ObjectEvent" ...).
	Type string `json:"type"`
	// BizStep is the CBV business step ("shipping" ...).
	BizStep string `json:"biz_step,omitempty"`
	// Op is what the event does to the ledger.
	Op EventOp `json:"op"`
}

// EventOp is what one EPCIS event does to the ledger: at most one of the
// operations, or none for an event that is only anchored (an observation).
type EventOp struct {
	// Commission, Pack, Unpack, Ship, Receive, Dispense and Destroy are
	// the operation of the same message type.
	Commission *Commission `json:"commission,omitempty"`
	Pack       *Pack       `json:"pack,omitempty"`
	Unpack     *Unpack     `json:"unpack,omitempty"`
	Ship       *Ship       `json:"ship,omitempty"`
	Receive    *Receive    `json:"receive,omitempty"`
	Dispense   *Dispense   `json:"dispense,omitempty"`
	Destroy    *Destroy    `json:"destroy,omitempty"`
	// Transform is a TransformationEvent (its ID the transformationID).
	Transform *Transform `json:"transform,omitempty"`
}

// RegisterGLN claims a GS1 Global Location Number for the signer's
// organisation, so that EPCIS events naming it as source or destination map
// to the organisation. Signed by an admin.
type RegisterGLN struct {
	// GLN is the 13-digit Global Location Number.
	GLN string `json:"gln"`
}

// RegisterDonation registers a donation. Signed by a nurse, physician or
// registrar of a blood centre.
//
//	{"din": "A999926123456", "type": "blood"|"plasma", "donor": "<16-64 hex>", "certificate": "…"}
type RegisterDonation struct {
	// DIN is the ISBT 128 donation identification number.
	DIN string `json:"din"`
	// Type is "blood" or "plasma".
	Type string `json:"type"`
	// Donor is the centre's pseudonym of the donor, 16 to 64 hex digits.
	Donor string `json:"donor"`
	// Certificate is the plasma certificate of origin (a reference or
	// hash), required for plasma.
	Certificate string `json:"certificate,omitempty"`
}

// RecordTests records test results of a donation. Signed by a lab
// technician of a lab or of the donation's blood centre.
//
//	{"din": "…", "results": [{"test": "hiv", "result": "pass"}], "report": "<sha256>"}
type RecordTests struct {
	// DIN is the donation's DIN.
	DIN string `json:"din"`
	// Results are the tests' outcomes (RequiredTests lists the tests).
	Results []TestOutcome `json:"results"`
	// Report is the hex SHA-256 of the lab's report, if any.
	Report string `json:"report,omitempty"`
}

// TestOutcome is one result as a lab reports it.
type TestOutcome struct {
	// Test names the test ("hiv" ...).
	Test string `json:"test"`
	// Result is "pass" or "fail".
	Result string `json:"result"`
}

// Separate makes components of a donation: units of blood-component
// products of the donation's centre, lot = DIN. Signed by a member of the
// centre.
//
//	{"din": "…", "components": [{"gtin": "…", "serial": "<DIN…>", "expiry": "2026-06-12"}]}
type Separate struct {
	// DIN is the donation's DIN.
	DIN string `json:"din"`
	// Components are the components to make.
	Components []ComponentSpec `json:"components"`
}

// ComponentSpec is one component to make. Serial defaults to the DIN and
// must start with it (splits add a suffix).
type ComponentSpec struct {
	// GTIN is the blood-component product's GTIN-14.
	GTIN string `json:"gtin"`
	// Serial is the unit's serial; empty: the DIN.
	Serial string `json:"serial,omitempty"`
	// Expiry is the component's expiry date, YYYY-MM-DD.
	Expiry string `json:"expiry"`
}

// Transfuse records a component transfused to a patient. Signed by a
// physician or nurse of the hospital or clinic that holds it.
//
//	{"item": "01/…/21/…", "recipient": "pt-…"}
type Transfuse struct {
	// Item is the component's item ID.
	Item string `json:"item"`
	// Recipient is the patient's ID ("pt-...").
	Recipient string `json:"recipient"`
}

// Pool pools plasma components of released donations. Signed by a member
// of the manufacturer (fractionator) or blood centre that holds them. The
// pool is a transformation of kind "pool"; more components may be added
// until it is fractionated.
//
//	{"pool": "POOL-2026-001", "items": ["01/…/21/…", …]}
type Pool struct {
	// Pool is the pool's ID (the transformation's).
	Pool string `json:"pool"`
	// Items are the plasma components' item IDs.
	Items []string `json:"items"`
}

// Fractionate commissions lots of plasma products from a pool. Signed by a
// member of the organisation that made the pool and makes the products.
//
//	{"pool": "…", "outputs": [{"gtin": "…", "lot": "…", "expiry": "…", "serials": {…}}]}
type Fractionate struct {
	// Pool is the pool's ID.
	Pool string `json:"pool"`
	// Outputs are the plasma product lots to commission.
	Outputs []TransformOutput `json:"outputs"`
}

// Transform consumes inputs and commissions outputs.
//
//	{"id": "urn:epc:id:gdti:0614141.00001.1", "inputs": ["01/…/21/…"],
//	 "outputs": [{"gtin": "…", "lot": "…", "expiry": "2027-01-31", "serials": {…}}]}
type Transform struct {
	// ID is the transformation ID: optional for a new transformation
	// ("tf-" + the transaction hash), required to continue one.
	ID string `json:"id,omitempty"`
	// Inputs are the item IDs consumed.
	Inputs []string `json:"inputs,omitempty"`
	// Outputs are the lots commissioned.
	Outputs []TransformOutput `json:"outputs,omitempty"`
}

// TransformOutput is an output lot to commission: as in supply/commission.
type TransformOutput struct {
	// GTIN is the product's GTIN-14.
	GTIN string `json:"gtin"`
	// Lot is the lot number.
	Lot string `json:"lot"`
	// Expiry is the lot's expiry date, YYYY-MM-DD.
	Expiry string `json:"expiry"`
	// Serials are the units' serial numbers.
	Serials Serials `json:"serials"`
}

// PostDemand posts a demand. Signed by a logistics officer, pharmacist or
// admin of a hospital or clinic.
//
//	{"item": "mask-n95"|"<GTIN>", "quantity": 1000, "needed_by": "2026-06-01", "region": "US-MA"}
type PostDemand struct {
	// Item is a GTIN-14 or one of PPECategories.
	Item string `json:"item"`
	// Quantity is the units needed.
	Quantity int64 `json:"quantity"`
	// NeededBy is the date they are needed by, YYYY-MM-DD.
	NeededBy string `json:"needed_by"`
	// Region is an ISO 3166-2 code ("US-MA").
	Region string `json:"region"`
}

// MakePledge pledges units against a demand. Signed by a logistics officer
// or admin of a manufacturer or distributor.
//
//	{"demand": "dm-…", "quantity": 600, "gtin": "<GTIN>"}
type MakePledge struct {
	// Demand is the demand's ID ("dm-...").
	Demand string `json:"demand"`
	// Quantity is the units pledged.
	Quantity int64 `json:"quantity"`
	// GTIN is the product shipped: required for a category demand, the
	// demand's own for a GTIN demand.
	GTIN string `json:"gtin,omitempty"`
}

// MsgType implements Msg.
func (RegisterProduct) MsgType() string { return TypeRegisterProduct }

// MsgType implements Msg.
func (Commission) MsgType() string { return TypeCommission }

// MsgType implements Msg.
func (Pack) MsgType() string { return TypePack }

// MsgType implements Msg.
func (Unpack) MsgType() string { return TypeUnpack }

// MsgType implements Msg.
func (Ship) MsgType() string { return TypeShip }

// MsgType implements Msg.
func (Receive) MsgType() string { return TypeReceive }

// MsgType implements Msg.
func (Reading) MsgType() string { return TypeReading }

// MsgType implements Msg.
func (Release) MsgType() string { return TypeRelease }

// MsgType implements Msg.
func (Dispense) MsgType() string { return TypeDispense }

// MsgType implements Msg.
func (Destroy) MsgType() string { return TypeDestroy }

// MsgType implements Msg.
func (RecallLots) MsgType() string { return TypeRecall }

// MsgType implements Msg.
func (ReportScan) MsgType() string { return TypeReportScan }

// MsgType implements Msg.
func (SupplyEvents) MsgType() string { return TypeSupplyEvents }

// MsgType implements Msg.
func (RegisterGLN) MsgType() string { return TypeRegisterGLN }

// MsgType implements Msg.
func (RegisterDonation) MsgType() string { return TypeDonation }

// MsgType implements Msg.
func (RecordTests) MsgType() string { return TypeTestResults }

// MsgType implements Msg.
func (Separate) MsgType() string { return TypeSeparate }

// MsgType implements Msg.
func (Transfuse) MsgType() string { return TypeTransfuse }

// MsgType implements Msg.
func (Pool) MsgType() string { return TypePool }

// MsgType implements Msg.
func (Fractionate) MsgType() string { return TypeFractionate }

// MsgType implements Msg.
func (Transform) MsgType() string { return TypeTransform }

// MsgType implements Msg.
func (PostDemand) MsgType() string { return TypeDemand }

// MsgType implements Msg.
func (MakePledge) MsgType() string { return TypePledge }

// The supply module's views: what the API's reads return.

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

// Recall is a lot's recall: who recalled it, when and why (Reason is one
// of RecallReasons).
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

// Custody is one hand-over in an item's history.
type Custody struct {
	Org      string `json:"org"`
	Event    string `json:"event"` // commissioned, shipped, received, dispensed ...
	Shipment string `json:"shipment,omitempty"`
	// From is the container an "unpacked" item came out of: its history
	// before that is the container's.
	From string `json:"from,omitempty"`
	// By and Reason are kept for decisions a person answers for: a
	// quarantine lifted ("released"), goods destroyed. Reason is a code
	// of ReleaseReasons or DestroyReasons.
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
	Location string `json:"location,omitempty"` // the GLN where it was scanned
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

// Verdict is what a scan of one identifier answers.
type Verdict struct {
	Item string `json:"item"`
	// Genuine: the serial was commissioned by the product's manufacturer.
	Genuine bool `json:"genuine"`
	// Suspect, if set, says why the scan is a suspected counterfeit or
	// diversion: unknown_product, unknown_serial, already_dispensed,
	// destroyed, missing.
	Suspect      string   `json:"suspect,omitempty"`
	GTIN         string   `json:"gtin,omitempty"`
	Product      *Product `json:"product,omitempty"`
	Lot          string   `json:"lot,omitempty"`
	Expiry       string   `json:"expiry,omitempty"`
	Manufacturer string   `json:"manufacturer,omitempty"`
	// Status: active, in_transit, dispensed, transfused, recalled,
	// quarantined, expired, destroyed, missing, consumed.
	Status    string    `json:"status"`
	Custodian string    `json:"custodian,omitempty"`
	Container string    `json:"container,omitempty"`
	Contents  int       `json:"contents,omitempty"`
	Custody   []Custody `json:"custody,omitempty"`
	// ColdChain is "pass", "fail" (with the reason) or "none".
	ColdChain       string  `json:"cold_chain"`
	ColdChainReason string  `json:"cold_chain_reason,omitempty"`
	Recall          *Recall `json:"recall,omitempty"`
}

// Holder is who holds units of a recalled lot.
type Holder struct {
	Org   string   `json:"org"`
	Units int      `json:"units"`
	Items []string `json:"items"`
}

// Donation is a blood or plasma donation.
type Donation struct {
	DIN    string `json:"din"`
	Type   string `json:"type"`
	Donor  string `json:"donor"` // the centre's pseudonym
	Centre string `json:"centre"`
	// Certificate is the plasma certificate of origin: a reference or hash.
	Certificate string       `json:"certificate,omitempty"`
	Status      string       `json:"status"`
	Tests       []TestResult `json:"tests,omitempty"` // sorted by test
	Components  int          `json:"components"`
	Height      int64        `json:"height"`
	Time        int64        `json:"time"`
	Decided     int64        `json:"decided,omitempty"` // height of release or failure
}

// TestResult is one test of a donation, signed by a lab.
type TestResult struct {
	Test   string `json:"test"`
	Result string `json:"result"` // pass | fail
	Lab    string `json:"lab"`
	By     string `json:"by"`
	Report string `json:"report,omitempty"` // SHA-256 of the lab's report
	Height int64  `json:"height"`
	Time   int64  `json:"time"`
}

// Separated is what supply/separate made.
type Separated struct {
	DIN   string   `json:"din"`
	Items []string `json:"items"`
}

// Transfusion records a component transfused to a patient.
type Transfusion struct {
	Item      string `json:"item"`
	DIN       string `json:"din"`
	Recipient string `json:"recipient"`
	Org       string `json:"org"`
	By        string `json:"by"`
	Height    int64  `json:"height"`
	Time      int64  `json:"time"`
}

// Trace is one component in a lookback: its donation, the donation's
// tests, where the component is and, if transfused, to whom.
type Trace struct {
	DIN            string       `json:"din"`
	DonationType   string       `json:"donation_type"`
	Donor          string       `json:"donor,omitempty"` // empty in a recipient's lookback read by the patient or a delegate
	Centre         string       `json:"centre"`
	Certificate    string       `json:"certificate,omitempty"`
	DonationStatus string       `json:"donation_status"`
	Tests          []TestResult `json:"tests,omitempty"`
	// Item is empty for a donation without components.
	Item        string       `json:"item,omitempty"`
	GTIN        string       `json:"gtin,omitempty"`
	Status      string       `json:"status,omitempty"`
	Custodian   string       `json:"custodian,omitempty"`
	Transfusion *Transfusion `json:"transfusion,omitempty"`
	// ConsumedBy are the transformations (pools) the component went into.
	ConsumedBy []string `json:"consumed_by,omitempty"`
}

// LotTrace is where a lot comes from.
type LotTrace struct {
	GTIN string `json:"gtin"`
	Lot  string `json:"lot"`
	// Transformations are those the lot descends from, nearest first.
	Transformations []Transformation `json:"transformations,omitempty"`
	// Donations are the donations it was made of, with their tests, by DIN.
	Donations []Donation `json:"donations,omitempty"`
}

// Transformation is the record of a transformation.
type Transformation struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	Org  string `json:"org"`
	By   string `json:"by"`
	// Inputs is the number of items consumed; TransformationInfo lists them.
	Inputs  int      `json:"inputs"`
	Outputs []LotRef `json:"outputs,omitempty"`
	Height  int64    `json:"height"`
	Time    int64    `json:"time"`
	Updated int64    `json:"updated"`
}

// LotRef is an output lot and the units made in it.
type LotRef struct {
	GTIN  string `json:"gtin"`
	Lot   string `json:"lot"`
	Units int64  `json:"units"`
}

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
