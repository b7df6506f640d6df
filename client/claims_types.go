package client

// The claims module's messages and views (internal/claims), as the SDK's
// own types: plans published as versioned rule sets, coverage, claims
// anchored by hash, adjudication, appeals and payment. Amounts are integer
// minor units of the plan's ISO 4217 currency.

// Message types of the claims module.
const (
	TypePublishPlan    = "claims/publish-plan"
	TypeRecordCoverage = "claims/record-coverage"
	TypeCancelCoverage = "claims/cancel-coverage"
	TypeSubmitClaim    = "claims/submit"
	TypeReviewClaim    = "claims/review"
	TypeAdjudicate     = "claims/adjudicate"
	TypeAppealClaim    = "claims/appeal"
	TypePayClaim       = "claims/pay"
)

// PlanService is a covered service of a plan's fee schedule.
type PlanService struct {
	// Code is a HCPCS Level II code ("G0438").
	Code string `json:"code"`
	// Fee is the scheduled fee of one unit, minor units.
	Fee int64 `json:"fee"`
	// MaxUnits bounds the units of one item (0: 10000).
	MaxUnits int64 `json:"max_units,omitempty"`
	// PriorAuth says the service needs a prior authorisation.
	PriorAuth bool `json:"prior_auth,omitempty"`
}

// BenefitRule is a CEL expression that must hold for an item to be paid,
// and the reason an item is denied with otherwise.
type BenefitRule struct {
	// ID names the rule in decisions; it may not start with "std-".
	ID string `json:"id"`
	// Expr is CEL over service, diagnoses, units, amount, fee,
	// item_count, prior_auth and service_day; true lets the item through.
	Expr string `json:"expr"`
	// Reason is the denial's code: benefit_limit, not_covered,
	// not_medically_necessary or prior_auth_required.
	Reason string `json:"reason"`
}

// PublishPlan publishes a new version of a plan of the signer's insurer.
// Signed by a claims officer or admin of an insurer.
type PublishPlan struct {
	// Plan is the plan's ID ("acme-basic").
	Plan string `json:"plan"`
	// Currency is the ISO 4217 code of fees and claims.
	Currency string `json:"currency"`
	// Effective is the day the version takes effect, YYYY-MM-DD: for a
	// version after the first, at least 30 days after publication.
	Effective string `json:"effective"`
	// Required are the claim elements a claim must carry ("Claim.patient").
	Required []string `json:"required"`
	// Diagnoses are the covered ICD-10-CM codes without the dot, sorted.
	Diagnoses []string `json:"diagnoses"`
	// Services is the fee schedule, sorted by code.
	Services []PlanService `json:"services"`
	// PatientShareBP is the patient's share in basis points, rounded down.
	PatientShareBP int64 `json:"patient_share_bp"`
	// Rules are up to 32 benefit rules, evaluated per item in order.
	Rules []BenefitRule `json:"rules,omitempty"`
}

// RecordCoverage records a patient's coverage under a plan of the
// signer's insurer.
type RecordCoverage struct {
	// Patient is the pseudonymous patient ID ("pt-...").
	Patient string `json:"patient"`
	// Plan is one of the signer's insurer's plans.
	Plan string `json:"plan"`
	// Start and End are the first and last day covered, YYYY-MM-DD.
	Start string `json:"start"`
	End   string `json:"end"`
}

// CancelCoverage cancels a coverage.
type CancelCoverage struct {
	// Coverage is the coverage's ID ("cv-...").
	Coverage string `json:"coverage"`
}

// SubmitClaim anchors a claim by the SHA-256 of its FHIR document.
// Signed by a claims officer, physician or admin of a provider.
type SubmitClaim struct {
	// Record, when set, is the record (rec-...) sealing the claim document
	// at the provider's custodian node (AddRecord); the payer reads it
	// there under the patient's consent for payment.
	Record string `json:"record,omitempty"`
	// Coverage is the patient's coverage the claim is made under ("cv-...").
	Coverage string `json:"coverage"`
	// Version is the plan version judging the claim: the one in force on
	// its service date.
	Version int `json:"version"`
	// Hash is the SHA-256 (hex) of the FHIR Claim document, which stays
	// off chain.
	Hash string `json:"hash"`
	// Items is the claim's number of items, 1 to 50.
	Items int `json:"items"`
	// Total is the claimed total, minor units of Currency.
	Total int64 `json:"total"`
	// Currency is the plan's currency.
	Currency string `json:"currency"`
	// Prechecked says the provider's pre-check under Version passed.
	Prechecked bool `json:"prechecked"`
}

// ReviewClaim marks a claim in review by its payer.
type ReviewClaim struct {
	// Claim is the claim's ID ("cl-...").
	Claim string `json:"claim"`
}

// ItemDecision is the decision on one item of a claim.
type ItemDecision struct {
	// Sequence is the item's number, from 1 in order.
	Sequence int `json:"sequence"`
	// Outcome is approved, reduced (to the schedule) or denied.
	Outcome string `json:"outcome"`
	// Reason is the code of a reduction or denial ("prior_auth_required").
	Reason string `json:"reason,omitempty"`
	// Rule is the built-in check ("std-prior-auth") or plan rule that decided.
	Rule string `json:"rule,omitempty"`
	// Allowed = Payer + Patient, minor units.
	Allowed int64 `json:"allowed"`
	// Payer is what the payer pays of the item.
	Payer int64 `json:"payer"`
	// Patient is the patient's share: the plan's basis points, rounded down.
	Patient int64 `json:"patient"`
}

// Adjudicate records the payer's decision on a claim.
type Adjudicate struct {
	// Claim is the claim's ID ("cl-...").
	Claim string `json:"claim"`
	// Version is the claim's plan version.
	Version int `json:"version"`
	// Response is the SHA-256 of the FHIR ClaimResponse.
	Response string `json:"response"`
	// Items are the item decisions, one per item, in order.
	Items []ItemDecision `json:"items"`
}

// AppealClaim asks the payer to decide a claim again.
type AppealClaim struct {
	// Claim is the claim's ID ("cl-...").
	Claim string `json:"claim"`
	// Reason is additional_information, coding_corrected, decision_error
	// or prior_auth_obtained.
	Reason string `json:"reason"`
}

// PayClaim records the payer's payment of a claim's decision.
type PayClaim struct {
	// Claim is the claim's ID ("cl-...").
	Claim string `json:"claim"`
	// Response is the latest decision's ClaimResponse hash.
	Response string `json:"response"`
	// Amount is the decision's payer amount, minor units.
	Amount int64 `json:"amount"`
	// Currency is the claim's currency.
	Currency string `json:"currency"`
}

// MsgType implements Msg.
func (PublishPlan) MsgType() string { return TypePublishPlan }

// MsgType implements Msg.
func (RecordCoverage) MsgType() string { return TypeRecordCoverage }

// MsgType implements Msg.
func (CancelCoverage) MsgType() string { return TypeCancelCoverage }

// MsgType implements Msg.
func (SubmitClaim) MsgType() string { return TypeSubmitClaim }

// MsgType implements Msg.
func (ReviewClaim) MsgType() string { return TypeReviewClaim }

// MsgType implements Msg.
func (Adjudicate) MsgType() string { return TypeAdjudicate }

// MsgType implements Msg.
func (AppealClaim) MsgType() string { return TypeAppealClaim }

// MsgType implements Msg.
func (PayClaim) MsgType() string { return TypePayClaim }

// Plan is an insurer's plan.
type Plan struct {
	ID       string `json:"id"`
	Payer    string `json:"payer"`
	Versions int    `json:"versions"`
	Height   int64  `json:"height"`
}

// PlanVersion is one version of a plan's rule set.
type PlanVersion struct {
	Plan           string        `json:"plan"`
	Version        int           `json:"version"`
	Payer          string        `json:"payer"`
	By             string        `json:"by"`
	Currency       string        `json:"currency"`
	Effective      string        `json:"effective"`
	Required       []string      `json:"required"`
	Diagnoses      []string      `json:"diagnoses"`
	Services       []PlanService `json:"services"`
	PatientShareBP int64         `json:"patient_share_bp"`
	Rules          []BenefitRule `json:"rules,omitempty"`
	// Hash is the SHA-256 of the rule set as published.
	Hash   string `json:"hash"`
	Height int64  `json:"height"`
	Time   int64  `json:"time"`
	// Proof is set when asked for (WithProof).
	Proof *Proof `json:"proof,omitempty"`
}

// PlanHistory is a plan with every version, oldest first.
type PlanHistory struct {
	ID       string        `json:"id"`
	Payer    string        `json:"payer"`
	Versions []PlanVersion `json:"versions"`
	Height   int64         `json:"height"`
	Proofs   []*Proof      `json:"proofs,omitempty"`
}

// Coverage is a patient's coverage under a plan.
type Coverage struct {
	ID      string `json:"id"`
	Patient string `json:"patient"`
	Plan    string `json:"plan"`
	Payer   string `json:"payer"`
	Start   string `json:"start"`
	End     string `json:"end"`
	Status  string `json:"status"`
	By      string `json:"by"`
	Height  int64  `json:"height"`
}

// Eligibility says whether a coverage is good on a day, and under which
// plan version.
type Eligibility struct {
	Coverage Coverage     `json:"coverage"`
	Day      string       `json:"day"`
	Eligible bool         `json:"eligible"`
	Reason   string       `json:"reason,omitempty"`
	Version  *PlanVersion `json:"version,omitempty"`
}

// ClaimDecision is a payer's adjudication of a claim.
type ClaimDecision struct {
	Round    int            `json:"round"`
	Response string         `json:"response"`
	Items    []ItemDecision `json:"items"`
	Allowed  int64          `json:"allowed"`
	Payer    int64          `json:"payer"`
	Patient  int64          `json:"patient"`
	Status   string         `json:"status"`
	Dispute  bool           `json:"dispute,omitempty"`
	By       string         `json:"by"`
	Height   int64          `json:"height"`
}

// ClaimAppeal is an appeal of a claim's decision.
type ClaimAppeal struct {
	Reason string `json:"reason"`
	By     string `json:"by"`
	Height int64  `json:"height"`
}

// ClaimPayment is the payment of a claim's decision.
type ClaimPayment struct {
	ID       string `json:"id"`
	Response string `json:"response"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	By       string `json:"by"`
	Height   int64  `json:"height"`
	Time     int64  `json:"time"`
}

// Claim is a claim as the ledger holds it: the document's hash, never its
// content.
type Claim struct {
	ID         string          `json:"id"`
	Hash       string          `json:"hash"`
	Record     string          `json:"record,omitempty"`
	Coverage   string          `json:"coverage"`
	Patient    string          `json:"patient"`
	Plan       string          `json:"plan"`
	Version    int             `json:"version"`
	Payer      string          `json:"payer"`
	Provider   string          `json:"provider"`
	By         string          `json:"by"`
	Items      int             `json:"items"`
	Total      int64           `json:"total"`
	Currency   string          `json:"currency"`
	Prechecked bool            `json:"prechecked"`
	Status     string          `json:"status"`
	Decisions  []ClaimDecision `json:"decisions,omitempty"`
	Appeals    []ClaimAppeal   `json:"appeals,omitempty"`
	Payment    *ClaimPayment   `json:"payment,omitempty"`
	Height     int64           `json:"height"`
	Time       int64           `json:"time"`
	// Proof is set when asked for (WithProof).
	Proof *Proof `json:"proof,omitempty"`
}

// ClaimTotals are what was claimed, allowed, decided, paid and is owed,
// in one currency.
type ClaimTotals struct {
	Currency string `json:"currency"`
	Claims   int64  `json:"claims"`
	Claimed  int64  `json:"claimed"`
	Allowed  int64  `json:"allowed"`
	Payer    int64  `json:"payer"`
	Paid     int64  `json:"paid"`
	Owed     int64  `json:"owed"`
	Patient  int64  `json:"patient"`
}

// Reconciliation totals the claims of a provider or a patient.
type Reconciliation struct {
	Of     string        `json:"of"`
	Totals []ClaimTotals `json:"totals"`
}

// PrecheckProblem is one thing wrong with a claim under a plan version.
type PrecheckProblem struct {
	// Path is the FHIR element ("Claim.item[1].net").
	Path string `json:"path"`
	// Code is a stable reason ("prior_auth_required").
	Code    string `json:"code"`
	Item    int    `json:"item,omitempty"`
	Message string `json:"message"`
}

// Precheck is the judgement of a claim under a plan version.
type Precheck struct {
	Plan    string `json:"plan"`
	Version int    `json:"version"`
	// RuleSet is the version's hash; Claim the document's SHA-256.
	RuleSet         string            `json:"rule_set"`
	Claim           string            `json:"claim"`
	Pass            bool              `json:"pass"`
	Problems        []PrecheckProblem `json:"problems"`
	Items           []ItemDecision    `json:"items"`
	Status          string            `json:"status"`
	Claimed         int64             `json:"claimed"`
	Allowed         int64             `json:"allowed"`
	Payer           int64             `json:"payer"`
	Patient         int64             `json:"patient"`
	Currency        string            `json:"currency"`
	CoverageChecked bool              `json:"coverage_checked"`
}
