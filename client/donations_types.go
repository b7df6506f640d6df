package client

// The donations module's messages and views (internal/donations), as the
// SDK's own types: campaigns whose donations count as received only when
// supply shows the goods arrived. Amounts are integer minor units of an
// ISO 4217 currency.

// Message types of the donations module.
const (
	TypeNeed          = "donations/need"
	TypeCampaign      = "donations/campaign"
	TypeCloseCampaign = "donations/close"
	TypeDonate        = "donations/pledge"
	TypeConfirmFunds  = "donations/funds"
	TypeDisburse      = "donations/disburse"
	TypeLinkShipment  = "donations/link-shipment"
	TypeSettle        = "donations/settle"
)

// PostNeed posts a need of the signer's hospital or clinic: units of an
// item or an amount of cash. Signed by a logistics officer, pharmacist or
// admin.
type PostNeed struct {
	// Item is a GTIN-14 or a PPE category ("mask-n95"); with Quantity.
	Item string `json:"item,omitempty"`
	// Quantity is the units needed.
	Quantity int64 `json:"quantity,omitempty"`
	// Currency is an ISO 4217 code, for a cash need; with Amount.
	Currency string `json:"currency,omitempty"`
	// Amount is the cash needed, in minor units.
	Amount int64 `json:"amount,omitempty"`
	// NeededBy is the date it is needed by, YYYY-MM-DD.
	NeededBy string `json:"needed_by"`
	// Demand is the organisation's supply PPE demand it stands for, if any.
	Demand string `json:"demand,omitempty"`
}

// OpenCampaign opens a campaign of the signer's charity for needs, in one
// currency. Signed by an admin or logistics officer of a charity.
type OpenCampaign struct {
	// Needs are the needs' IDs ("nd-..."), 1 to 50, each in no other campaign.
	Needs []string `json:"needs"`
	// Currency is the ISO 4217 code of its cash.
	Currency string `json:"currency"`
	// Closes is the last day pledges are taken, YYYY-MM-DD.
	Closes string `json:"closes"`
	// Doc is the SHA-256 (hex) of its description, which stays off chain.
	Doc string `json:"doc,omitempty"`
}

// CloseCampaign stops a campaign taking pledges.
type CloseCampaign struct {
	// Campaign is the campaign's ID ("cp-...").
	Campaign string `json:"campaign"`
}

// Donate pledges cash to a campaign, or goods to one of its needs. A person
// signs with their patient key (cash only); an organisation through an
// admin or logistics officer.
type Donate struct {
	// Campaign is the campaign's ID ("cp-...").
	Campaign string `json:"campaign"`
	// Amount is the cash pledged, in minor units of Currency.
	Amount int64 `json:"amount,omitempty"`
	// Currency is the campaign's currency.
	Currency string `json:"currency,omitempty"`
	// Need is the need the goods are for ("nd-...").
	Need string `json:"need,omitempty"`
	// Quantity is the units pledged.
	Quantity int64 `json:"quantity,omitempty"`
	// GTIN is the product shipped: required for a need of a PPE category.
	GTIN string `json:"gtin,omitempty"`
}

// ConfirmFunds records that the charity received a cash pledge's funds.
type ConfirmFunds struct {
	// Donation is the cash donation's ID ("dn-...").
	Donation string `json:"donation"`
}

// Disburse pays a supplier against a purchase order for goods shipped to
// a need's beneficiary, from the campaign's confirmed funds.
type Disburse struct {
	// Campaign is the campaign's ID ("cp-...").
	Campaign string `json:"campaign"`
	// Need is the need the goods are for ("nd-...").
	Need string `json:"need"`
	// Supplier is the manufacturer or distributor paid.
	Supplier string `json:"supplier"`
	// Amount is what is paid, in minor units of Currency.
	Amount int64 `json:"amount"`
	// Currency is the campaign's currency.
	Currency string `json:"currency"`
	// GTIN is the product bought.
	GTIN string `json:"gtin"`
	// Quantity is the units bought.
	Quantity int64 `json:"quantity"`
	// PO is the SHA-256 (hex) of the purchase order, kept off chain.
	PO string `json:"po"`
}

// LinkShipment ties a supply shipment to the goods donation or
// disbursement whose goods it carries. Signed by a member of the shipper
// or of the charity.
type LinkShipment struct {
	// Of is the donation ("dn-...") or disbursement ("db-...").
	Of string `json:"of"`
	// Shipment is the supply shipment's ID ("sh-...").
	Shipment string `json:"shipment"`
}

// Settle reads a linked shipment's receipt from supply, once the
// beneficiary confirmed it there. Signed by the donor or a member of the
// charity, shipper or beneficiary.
type Settle struct {
	// Shipment is the supply shipment's ID ("sh-...").
	Shipment string `json:"shipment"`
}

// MsgType implements Msg.
func (PostNeed) MsgType() string { return TypeNeed }

// MsgType implements Msg.
func (OpenCampaign) MsgType() string { return TypeCampaign }

// MsgType implements Msg.
func (CloseCampaign) MsgType() string { return TypeCloseCampaign }

// MsgType implements Msg.
func (Donate) MsgType() string { return TypeDonate }

// MsgType implements Msg.
func (ConfirmFunds) MsgType() string { return TypeConfirmFunds }

// MsgType implements Msg.
func (Disburse) MsgType() string { return TypeDisburse }

// MsgType implements Msg.
func (LinkShipment) MsgType() string { return TypeLinkShipment }

// MsgType implements Msg.
func (Settle) MsgType() string { return TypeSettle }

// Need is what a hospital or clinic asks for, with its running totals in
// its unit (units, or minor units for a cash need).
type Need struct {
	ID          string `json:"id"`
	Beneficiary string `json:"beneficiary"`
	By          string `json:"by"`
	Item        string `json:"item,omitempty"`
	Quantity    int64  `json:"quantity,omitempty"`
	Currency    string `json:"currency,omitempty"`
	Amount      int64  `json:"amount,omitempty"`
	NeededBy    string `json:"needed_by"`
	Demand      string `json:"demand,omitempty"`
	Campaign    string `json:"campaign,omitempty"`
	Pledged     int64  `json:"pledged"`
	Bought      int64  `json:"bought"`
	Shipped     int64  `json:"shipped"`
	Received    int64  `json:"received"`
	Rejected    int64  `json:"rejected"`
	Late        int64  `json:"late"`
	Height      int64  `json:"height"`
	Time        int64  `json:"time"`
}

// Campaign is a charity's campaign; cash totals in minor units.
type Campaign struct {
	ID        string   `json:"id"`
	Charity   string   `json:"charity"`
	By        string   `json:"by"`
	Needs     []string `json:"needs"`
	Currency  string   `json:"currency"`
	Closes    string   `json:"closes"`
	Doc       string   `json:"doc,omitempty"`
	Status    string   `json:"status"`
	Raised    int64    `json:"raised"`
	Funded    int64    `json:"funded"`
	Disbursed int64    `json:"disbursed"`
	Delivered int64    `json:"delivered"`
	Height    int64    `json:"height"`
	Time      int64    `json:"time"`
	ClosedAt  int64    `json:"closed_at,omitempty"`
}

// Gift is a donation of cash or goods to a campaign. Donor is an
// organisation or a person's patient ID.
type Gift struct {
	ID        string `json:"id"`
	Campaign  string `json:"campaign"`
	Donor     string `json:"donor"`
	DonorKind string `json:"donor_kind"`
	By        string `json:"by"`
	Kind      string `json:"kind"`
	Amount    int64  `json:"amount,omitempty"`
	Currency  string `json:"currency,omitempty"`
	Funded    int64  `json:"funded,omitempty"`
	Allocated int64  `json:"allocated,omitempty"`
	Need      string `json:"need,omitempty"`
	GTIN      string `json:"gtin,omitempty"`
	Quantity  int64  `json:"quantity,omitempty"`
	Shipped   int64  `json:"shipped,omitempty"`
	Rejected  int64  `json:"rejected,omitempty"`
	Delivered int64  `json:"delivered"`
	Height    int64  `json:"height"`
	Time      int64  `json:"time"`
}

// Disbursement is cash paid to a supplier against a purchase order.
type Disbursement struct {
	ID        string `json:"id"`
	Campaign  string `json:"campaign"`
	Need      string `json:"need"`
	Supplier  string `json:"supplier"`
	By        string `json:"by"`
	Amount    int64  `json:"amount"`
	Currency  string `json:"currency"`
	GTIN      string `json:"gtin"`
	Quantity  int64  `json:"quantity"`
	PO        string `json:"po"`
	Shipped   int64  `json:"shipped"`
	Received  int64  `json:"received"`
	Rejected  int64  `json:"rejected"`
	Delivered int64  `json:"delivered"`
	Height    int64  `json:"height"`
	Time      int64  `json:"time"`
}

// GiftReceipt is what arrived of a linked shipment, as supply showed it.
type GiftReceipt struct {
	Accepted     int64  `json:"accepted"`
	Quarantined  int64  `json:"quarantined"`
	Recalled     int64  `json:"recalled"`
	Missing      int64  `json:"missing"`
	ColdChain    string `json:"cold_chain"`
	ReceivedAt   int64  `json:"received_at"`
	ReceivedTime int64  `json:"received_time"`
	Late         bool   `json:"late"`
	Height       int64  `json:"height"`
}

// ShipmentLink is a supply shipment tied to the donation or disbursement
// it carries, with its receipt once read.
type ShipmentLink struct {
	Shipment    string       `json:"shipment"`
	Of          string       `json:"of"`
	Campaign    string       `json:"campaign"`
	Need        string       `json:"need"`
	Beneficiary string       `json:"beneficiary"`
	From        string       `json:"from"`
	GTIN        string       `json:"gtin"`
	Units       int64        `json:"units"`
	By          string       `json:"by"`
	Height      int64        `json:"height"`
	Receipt     *GiftReceipt `json:"receipt,omitempty"`
}

// LedgerLine is one need of a campaign's ledger, in the need's unit.
type LedgerLine struct {
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
	LateUnits   int64  `json:"late_units"`
	Late        bool   `json:"late"`
}

// CampaignLedger is a campaign's public account.
type CampaignLedger struct {
	Campaign      Campaign       `json:"campaign"`
	Available     int64          `json:"available"`
	Lines         []LedgerLine   `json:"lines"`
	Shipments     []ShipmentLink `json:"shipments"`
	Disbursements []Disbursement `json:"disbursements"`
	Donations     []Gift         `json:"donations"`
}

// CashAllocation is the part of a cash donation one disbursement spent.
type CashAllocation struct {
	Donation     string `json:"donation"`
	Disbursement string `json:"disbursement"`
	Amount       int64  `json:"amount"`
	Delivered    int64  `json:"delivered"`
}

// SpentCash is a CashAllocation with its disbursement and shipments.
type SpentCash struct {
	Donation     string         `json:"donation"`
	Amount       int64          `json:"amount"`
	Delivered    int64          `json:"delivered"`
	Disbursement Disbursement   `json:"disbursement"`
	Shipments    []ShipmentLink `json:"shipments"`
}

// GiftStatus is where a donation stands: its stage (pledged, funded,
// committed, shipped, partly_received, received, rejected), the shipments
// of its goods or the disbursements its cash paid, and, when asked, its
// proof of receipt.
type GiftStatus struct {
	Donation  Gift           `json:"donation"`
	Stage     string         `json:"stage"`
	Shipments []ShipmentLink `json:"shipments,omitempty"`
	Spent     []SpentCash    `json:"spent,omitempty"`
	ProofKeys []string       `json:"proof_keys"`
	Proofs    []Proof        `json:"proofs,omitempty"`
}

// IATIActivity is a campaign as an IATI activity.
type IATIActivity struct {
	Identifier   string            `json:"iati_identifier"`
	ReportingOrg string            `json:"reporting_org"`
	Currency     string            `json:"default_currency"`
	Status       string            `json:"activity_status"`
	Participants []IATIParticipant `json:"participating_orgs"`
	Transactions []IATITransaction `json:"transactions"`
}

// IATIParticipant is a participating organisation and its IATI role code.
type IATIParticipant struct {
	Ref  string `json:"ref"`
	Role string `json:"role"`
}

// IATITransaction is an IATI transaction (TransactionType codes 1, 2, 3,
// 11, 13); Value is nil for goods in kind.
type IATITransaction struct {
	Ref         string `json:"ref"`
	Type        string `json:"transaction_type"`
	Date        string `json:"transaction_date"`
	Value       *int64 `json:"value,omitempty"`
	Currency    string `json:"currency,omitempty"`
	ProviderOrg string `json:"provider_org,omitempty"`
	ReceiverOrg string `json:"receiver_org,omitempty"`
	GTIN        string `json:"gtin,omitempty"`
	Quantity    int64  `json:"quantity,omitempty"`
	Received    int64  `json:"received,omitempty"`
	Height      int64  `json:"height"`
}
