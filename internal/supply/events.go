package supply

import "github.com/medchain/medchain/internal/ledger"

// Attribute keys of the module's events.
const (
	AttrGTIN         = "gtin"
	AttrLot          = "lot"
	AttrManufacturer = "manufacturer"
	AttrUnits        = "units"
	AttrParent       = "parent"
	AttrChildren     = "children"
	AttrShipment     = "shipment"
	AttrFrom         = "from"
	AttrTo           = "to"
	AttrItems        = "items"
	AttrItem         = "item"
	AttrReceived     = "received"
	AttrMissing      = "missing"
	AttrExtra        = "extra"
	AttrColdChain    = "cold_chain"
	AttrSensor       = "sensor"
	AttrMilliC       = "mc"
	AttrOrg          = "org"
	AttrBy           = "by"
	AttrAlert        = "alert"
	AttrReason       = "reason"
	AttrHash         = "hash"
	AttrType         = "type"
	AttrBizStep      = "biz_step"
	AttrGLN          = "gln"
	AttrDIN          = "din"
	AttrCentre       = "centre"
	AttrLab          = "lab"
	AttrTests        = "tests"
	AttrStatus       = "status"
	AttrTest         = "test"
	AttrQuarantined  = "quarantined"
	AttrComponents   = "components"
	AttrID           = "id"
	AttrKind         = "kind"
	AttrInputs       = "inputs"
	AttrOutputs      = "outputs"
	AttrDemand       = "demand"
	AttrRegion       = "region"
	AttrQuantity     = "quantity"
	AttrPledge       = "pledge"
	AttrSupplier     = "supplier"
	AttrDelivered    = "delivered"
)

// Events the module emits.
var (
	EventProductRegistered = ledger.EventType{Name: "supply.product_registered", Attrs: []string{AttrGTIN, AttrManufacturer},
		Doc: "A manufacturer registered a product (GTIN) with its kind and cold-chain range."}
	EventCommissioned = ledger.EventType{Name: "supply.commissioned", Attrs: []string{AttrGTIN, AttrLot, AttrUnits},
		Doc: "A manufacturer commissioned serialised units of a lot."}
	EventPacked = ledger.EventType{Name: "supply.packed", Attrs: []string{AttrParent, AttrChildren},
		Doc: "Items were packed into a container (SSCC) or case."}
	EventUnpacked = ledger.EventType{Name: "supply.unpacked", Attrs: []string{AttrParent, AttrChildren},
		Doc: "A container was unpacked: its children stand on their own again."}
	EventShipped = ledger.EventType{Name: "supply.shipped", Attrs: []string{AttrShipment, AttrFrom, AttrTo, AttrItems},
		Doc: "A custodian shipped items to another organisation; custody moves when the receiver confirms."}
	EventReceived = ledger.EventType{Name: "supply.received", Attrs: []string{AttrShipment, AttrReceived, AttrMissing, AttrExtra, AttrColdChain},
		Doc: "The receiver confirmed a shipment: counts received, missing and extra, and the cold-chain verdict."}
	EventExcursion = ledger.EventType{Name: "supply.excursion", Attrs: []string{AttrShipment, AttrItem, AttrSensor, AttrMilliC},
		Doc: "A sensor reading fell outside the product's range: the items are quarantined (mc is the temperature in milli-degrees Celsius)."}
	EventReleased = ledger.EventType{Name: "supply.released", Attrs: []string{AttrItems},
		Doc: "A quality officer released quarantined items."}
	EventDispensed = ledger.EventType{Name: "supply.dispensed", Attrs: []string{AttrItems, AttrOrg},
		Doc: "A pharmacist or clinician dispensed or administered units: they leave the supply chain."}
	EventDestroyed = ledger.EventType{Name: "supply.destroyed", Attrs: []string{AttrItems, AttrOrg},
		Doc: "A custodian destroyed items."}
	EventRecalled = ledger.EventType{Name: "supply.recalled", Attrs: []string{AttrGTIN, AttrLot, AttrBy},
		Doc: "A lot was recalled by its manufacturer or a regulator (one event per lot)."}
	EventAlert = ledger.EventType{Name: "supply.alert", Attrs: []string{AttrAlert, AttrItem, AttrReason, AttrManufacturer},
		Doc: "A member (a node, for a public scan) recorded a suspect scan (unknown product or serial, a unit already dispensed, destroyed or missing) for the manufacturer to see: at most one per item, reason and reporting organisation in 24 hours of block time."}
	EventEvent = ledger.EventType{Name: "supply.event", Attrs: []string{AttrHash, AttrType, AttrBizStep},
		Doc: "An EPCIS event was anchored by its CBV hash (one per event of a supply/events)."}
	EventGLNRegistered = ledger.EventType{Name: "supply.gln_registered", Attrs: []string{AttrGLN, AttrOrg},
		Doc: "An organisation's admin registered a GLN as one of its locations."}
	EventDonation = ledger.EventType{Name: "supply.donation", Attrs: []string{AttrDIN, AttrType, AttrCentre},
		Doc: "A blood centre recorded a donation under its donation identification number (DIN)."}
	EventTested = ledger.EventType{Name: "supply.tested", Attrs: []string{AttrDIN, AttrLab, AttrTests, AttrStatus},
		Doc: "A lab recorded test results of a donation."}
	EventDonationFailed = ledger.EventType{Name: "supply.donation_failed", Attrs: []string{AttrDIN, AttrTest, AttrQuarantined, AttrComponents},
		Doc: "A donation failed a test: its components are quarantined."}
	EventDonationReleased = ledger.EventType{Name: "supply.donation_released", Attrs: []string{AttrDIN, AttrComponents},
		Doc: "Every required test of a donation passed: its components are released."}
	EventSeparated = ledger.EventType{Name: "supply.separated", Attrs: []string{AttrDIN, AttrComponents, AttrStatus},
		Doc: "A donation was separated into components."}
	EventTransfused = ledger.EventType{Name: "supply.transfused", Attrs: []string{AttrItem, AttrDIN, AttrOrg},
		Doc: "A hospital or clinic transfused a blood component."}
	EventTransformed = ledger.EventType{Name: "supply.transformed", Attrs: []string{AttrID, AttrKind, AttrOrg, AttrInputs, AttrOutputs},
		Doc: "Inputs were transformed into outputs (plasma pooling, fractionation, repackaging)."}
	EventDemand = ledger.EventType{Name: "supply.demand", Attrs: []string{AttrDemand, AttrOrg, AttrItem, AttrRegion, AttrQuantity},
		Doc: "A hospital or clinic posted a PPE demand."}
	EventPledge = ledger.EventType{Name: "supply.pledge", Attrs: []string{AttrPledge, AttrDemand, AttrSupplier, AttrQuantity},
		Doc: "A supplier pledged goods against a demand."}
	EventPledgeDelivered = ledger.EventType{Name: "supply.pledge_delivered", Attrs: []string{AttrPledge, AttrDemand, AttrShipment, AttrUnits},
		Doc: "The receiver confirmed a shipment that fulfils a pledge: units counted against the demand."}
	EventDemandClosed = ledger.EventType{Name: "supply.demand_closed", Attrs: []string{AttrDemand, AttrOrg, AttrDelivered},
		Doc: "A demand was met in full."}
)

// Events implements ledger.Module.
func (k *Keeper) Events() []ledger.EventType {
	return []ledger.EventType{EventProductRegistered, EventCommissioned, EventPacked, EventUnpacked, EventShipped,
		EventReceived, EventExcursion, EventReleased, EventDispensed, EventDestroyed, EventRecalled, EventAlert,
		EventEvent, EventGLNRegistered, EventDonation, EventTested, EventDonationFailed, EventDonationReleased,
		EventSeparated, EventTransfused, EventTransformed, EventDemand, EventPledge, EventPledgeDelivered, EventDemandClosed}
}

// Codes implements ledger.Module: the module's code table.
func (k *Keeper) Codes() []ledger.ErrorCode {
	return []ledger.ErrorCode{
		{Err: ErrUnauthorized, Number: 1, Name: "unauthorized", Kind: ledger.KindForbidden},
		{Err: ErrNotFound, Number: 2, Name: "not_found", Kind: ledger.KindNotFound},
		{Err: ErrExists, Number: 3, Name: "exists", Kind: ledger.KindConflict},
		{Err: ErrNotCustodian, Number: 4, Name: "not_custodian", Kind: ledger.KindForbidden},
		{Err: ErrState, Number: 5, Name: "wrong_state", Kind: ledger.KindPrecondition},
		{Err: ErrRecalled, Number: 6, Name: "recalled", Kind: ledger.KindPrecondition},
		{Err: ErrQuarantined, Number: 7, Name: "quarantined", Kind: ledger.KindPrecondition},
		{Err: ErrUntested, Number: 8, Name: "untested", Kind: ledger.KindPrecondition},
		{Err: ErrTestFailed, Number: 9, Name: "test_failed", Kind: ledger.KindPrecondition},
		{Err: ErrClosed, Number: 10, Name: "closed", Kind: ledger.KindConflict},
		{Err: ErrExceeds, Number: 11, Name: "exceeds_quantity", Kind: ledger.KindPrecondition},
		{Err: ErrInvalidDocument, Number: 12, Name: "invalid_document", Kind: ledger.KindInvalid},
		{Err: ErrDuplicateAlert, Number: 13, Name: "duplicate_alert", Kind: ledger.KindConflict},
		{Err: ErrExpiredLot, Number: 14, Name: "expired_lot", Kind: ledger.KindInvalid},
	}
}
