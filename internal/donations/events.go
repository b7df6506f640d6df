package donations

import "github.com/medchain/medchain/internal/ledger"

// Attribute keys of the module's events.
const (
	AttrNeed         = "need"
	AttrBeneficiary  = "beneficiary"
	AttrItem         = "item"
	AttrTarget       = "target"
	AttrCampaign     = "campaign"
	AttrCharity      = "charity"
	AttrNeeds        = "needs"
	AttrCurrency     = "currency"
	AttrDonation     = "donation"
	AttrDonor        = "donor"
	AttrKind         = "kind"
	AttrAmount       = "amount"
	AttrDisbursement = "disbursement"
	AttrSupplier     = "supplier"
	AttrShipment     = "shipment"
	AttrOf           = "of"
	AttrUnits        = "units"
	AttrAccepted     = "accepted"
	AttrRejected     = "rejected"
	AttrMissing      = "missing"
	AttrLate         = "late"
)

// Events the module emits.
var (
	EventNeed = ledger.EventType{Name: "donations.need", Attrs: []string{AttrNeed, AttrBeneficiary, AttrItem, AttrTarget},
		Doc: "A hospital or clinic posted a need: item is a GTIN or PPE category (target in units) or a currency (target in minor units)."}
	EventCampaign = ledger.EventType{Name: "donations.campaign", Attrs: []string{AttrCampaign, AttrCharity, AttrNeeds, AttrCurrency},
		Doc: "A charity opened a campaign for needs."}
	EventClosed = ledger.EventType{Name: "donations.closed", Attrs: []string{AttrCampaign, AttrCharity},
		Doc: "A charity closed a campaign to pledges."}
	EventPledged = ledger.EventType{Name: "donations.pledged", Attrs: []string{AttrDonation, AttrCampaign, AttrDonor, AttrKind, AttrAmount},
		Doc: "A donor pledged cash (amount in minor units) or goods (amount in units). A person's pledge names no donor."}
	EventFunds = ledger.EventType{Name: "donations.funds", Attrs: []string{AttrDonation, AttrCampaign, AttrAmount},
		Doc: "The charity confirmed it received a cash pledge's funds (IATI incoming funds)."}
	EventDisbursed = ledger.EventType{Name: "donations.disbursed", Attrs: []string{AttrDisbursement, AttrCampaign, AttrSupplier, AttrAmount, AttrCurrency},
		Doc: "The charity paid a supplier against a purchase order for goods shipped to a beneficiary."}
	EventLinked = ledger.EventType{Name: "donations.linked", Attrs: []string{AttrShipment, AttrOf, AttrNeed, AttrUnits},
		Doc: "A supply shipment was tied to the goods donation or disbursement it carries (units counted against it)."}
	EventReceived = ledger.EventType{Name: "donations.received", Attrs: []string{AttrShipment, AttrOf, AttrNeed, AttrAccepted, AttrRejected, AttrMissing, AttrLate},
		Doc: "Supply shows the beneficiary confirmed a linked shipment: units accepted, rejected (cold-chain excursion, quarantine, recall) and missing, and whether it came after the need's date."}
)

// Events implements ledger.Module.
func (k *Keeper) Events() []ledger.EventType {
	return []ledger.EventType{EventNeed, EventCampaign, EventClosed, EventPledged, EventFunds, EventDisbursed, EventLinked, EventReceived}
}

// Codes implements ledger.Module: the module's code table.
func (k *Keeper) Codes() []ledger.ErrorCode {
	return []ledger.ErrorCode{
		{Err: ErrUnauthorized, Number: 1, Name: "unauthorized", Kind: ledger.KindForbidden},
		{Err: ErrNotFound, Number: 2, Name: "not_found", Kind: ledger.KindNotFound},
		{Err: ErrClosed, Number: 3, Name: "closed", Kind: ledger.KindConflict},
		{Err: ErrCurrency, Number: 4, Name: "currency_mismatch", Kind: ledger.KindInvalid},
		{Err: ErrExceeds, Number: 5, Name: "exceeds", Kind: ledger.KindPrecondition},
		{Err: ErrNotBeneficiary, Number: 6, Name: "not_beneficiary", Kind: ledger.KindForbidden},
		{Err: ErrNotReceived, Number: 7, Name: "not_received", Kind: ledger.KindPrecondition},
		{Err: ErrLinked, Number: 8, Name: "already_linked", Kind: ledger.KindConflict},
		{Err: ErrState, Number: 9, Name: "wrong_state", Kind: ledger.KindPrecondition},
	}
}
