// Package claims is the module of insurance claims whose rules are
// published on the ledger, so that a provider knows before it sends a
// claim what the payer will decide.
//
// An insurer publishes a plan as a versioned rule set: the claim elements
// it requires, the diagnoses (ICD-10-CM) and services (HCPCS) it covers,
// a fee schedule in integer minor units of one currency, the patient's
// share in basis points, and benefit rules in the consensus-safe CEL
// profile (internal/rules). A version takes effect on its effective date,
// and a version after the first only after a notice period in block time;
// every version is kept. The insurer records a patient's coverage under a
// plan (pseudonymous patient, plan, period, status). A provider submits a
// claim by its SHA-256 and the plan version it was judged under; the
// payer adjudicates it with the same version off chain (Judge, shared with
// the pre-check) and records per-item decisions with rule IDs and
// amounts; the chain checks what it can (amounts add up, the patient's
// share follows the plan's rounding rule, rule IDs are the version's). A
// claim that the provider pre-checked under a version and that is denied
// for a format or missing-data reason under that version is flagged as a
// dispute. Appeals reopen a decision; a payment references the decision's
// ClaimResponse hash and is taken once.
//
// Nothing here reads FHIR: the claim document, its diagnoses and its
// service lines stay off chain (internal/claimcheck reads them at the
// edge). On chain: plans (public), coverage, claims, decisions and
// payments as IDs, hashes, codes of reasons and rules, statuses and
// amounts (private to the patient, the provider and the payer,
// readers.go). The module imports no other module: governance, identity
// and records answer through the Directory interface.
package claims

import (
	"errors"
	"regexp"
	"time"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/rules"
	"github.com/medchain/medchain/internal/state"
)

// Name is the module's name and error codespace.
const Name = "claims"

// Errors, each with a stable code in the module's table (Codes).
var (
	ErrUnauthorized = errors.New("claims: not allowed")
	ErrNotFound     = errors.New("claims: not found")
	// ErrExists is a plan version or a claim document submitted twice.
	ErrExists = errors.New("claims: already exists")
	// ErrNotice is a plan version whose effective date is inside the
	// notice period, or not after the version before it.
	ErrNotice = errors.New("claims: notice period not respected")
	// ErrRule is a benefit rule that does not compile under the claims
	// profile.
	ErrRule = errors.New("claims: invalid benefit rule")
	// ErrWrongPayer is a claim or coverage for another payer's plan.
	ErrWrongPayer = errors.New("claims: wrong payer")
	// ErrCoverage is a claim under a coverage that is not active.
	ErrCoverage = errors.New("claims: coverage not active")
	// ErrVersion is a claim under a plan version not in force, or a
	// decision under another version than the claim's.
	ErrVersion = errors.New("claims: wrong rule-set version")
	// ErrInconsistent is a claim in another currency than its plan, or a
	// decision or payment whose items or amounts do not add up
	// against the claim and the plan version.
	ErrInconsistent = errors.New("claims: inconsistent with the claim or plan")
	// ErrPaid is a payment of a claim already paid.
	ErrPaid = errors.New("claims: already paid")
	// ErrInvalidDocument is a FHIR document (Claim, Coverage) at the
	// edge that is not valid FHIR R4 or not what medchain can map.
	ErrInvalidDocument = errors.New("claims: invalid FHIR document")
	ErrState           = errors.New("claims: not possible in this state")
)

// Limits.
const (
	MaxDiagnoses = 500               // covered diagnosis codes per plan version
	MaxServices  = 500               // services in a fee schedule
	MaxRules     = 32                // benefit rules per plan version
	MaxItems     = 50                // items of a claim
	MaxAmount    = 1_000_000_000_000 // minor units of a fee, claim or payment
	MaxUnits     = 10_000            // units of a service per item
	MaxAppeals   = 2                 // appeals per claim
	// NoticeDays is the notice period of a plan version after the first:
	// its effective date is at least this many days after the block
	// that publishes it.
	NoticeDays = 30
	// RuleMaxCost is the cost budget of one benefit rule.
	RuleMaxCost = 2000
)

// Claim statuses.
const (
	StatusSubmitted = "submitted"
	StatusInReview  = "in-review"
	StatusApproved  = "approved"
	StatusPartly    = "partly-approved"
	StatusDenied    = "denied"
	StatusAppealed  = "appealed"
	StatusPaid      = "paid"
)

// Coverage statuses.
const (
	CoverageActive    = "active"
	CoverageCancelled = "cancelled"
)

// Item outcomes of a decision.
const (
	OutcomeApproved = "approved"
	// OutcomeReduced is an item allowed at less than claimed (at the fee
	// schedule).
	OutcomeReduced = "reduced"
	OutcomeDenied  = "denied"
)

// Reasons: the stable codes of pre-check problems and of item decisions.
// The first group is about the claim's form: a claim that passed
// pre-check under a version cannot fail them under the same version, so a
// denial for one of them is a dispute.
const (
	ReasonMissingElement = "missing_element"
	ReasonInvalidElement = "invalid_element"
	ReasonUnknownCode    = "unknown_code"
	ReasonWrongCurrency  = "wrong_currency"

	ReasonCodeNotCovered      = "code_not_covered"
	ReasonDiagnosisNotCovered = "diagnosis_not_covered"
	ReasonPriorAuth           = "prior_auth_required"
	ReasonOverSchedule        = "over_schedule"
	ReasonUnitsOverLimit      = "units_over_limit"
	ReasonWrongPayer          = "wrong_payer"
	ReasonOutsideCoverage     = "outside_coverage"
	ReasonCoverageInactive    = "coverage_inactive"
	ReasonNotPlanVersion      = "not_plan_version"
	ReasonBenefitLimit        = "benefit_limit"
	ReasonNotMedicallyNeeded  = "not_medically_necessary"
	ReasonNotCovered          = "not_covered"
)

// FormatReasons are the reasons about a claim's form (see Reasons).
var FormatReasons = []string{ReasonMissingElement, ReasonInvalidElement, ReasonUnknownCode, ReasonWrongCurrency}

// Reasons lists every reason code, sorted.
var Reasons = []string{
	ReasonBenefitLimit, ReasonCodeNotCovered, ReasonCoverageInactive, ReasonDiagnosisNotCovered,
	ReasonInvalidElement, ReasonMissingElement, ReasonNotCovered, ReasonNotMedicallyNeeded,
	ReasonNotPlanVersion, ReasonOutsideCoverage, ReasonOverSchedule, ReasonPriorAuth,
	ReasonUnitsOverLimit, ReasonUnknownCode, ReasonWrongCurrency, ReasonWrongPayer,
}

// RuleReasons are the reasons a benefit rule may deny an item with.
var RuleReasons = []string{ReasonBenefitLimit, ReasonNotCovered, ReasonNotMedicallyNeeded, ReasonPriorAuth}

// Built-in checks: the rule IDs of the decisions Judge takes itself (a
// plan's own rules have IDs of their own, which may not start with "std-").
const (
	CheckFormat    = "std-format"
	CheckCodes     = "std-codes"
	CheckSchedule  = "std-schedule"
	CheckPriorAuth = "std-prior-auth"
	CheckPayer     = "std-payer"
	CheckCoverage  = "std-coverage"
	CheckShare     = "std-share"
)

// Checks lists the built-in checks.
var Checks = []string{CheckCodes, CheckCoverage, CheckFormat, CheckPayer, CheckPriorAuth, CheckSchedule, CheckShare}

// Elements are the parts of a claim a plan may require, named by their
// FHIR R4 Claim paths ([] for each item).
var Elements = []string{
	"Claim.billablePeriod", "Claim.careTeam", "Claim.diagnosis", "Claim.insurance.coverage",
	"Claim.insurer", "Claim.item.net", "Claim.item.productOrService", "Claim.item.servicedDate",
	"Claim.patient", "Claim.provider", "Claim.total",
}

// AppealReasons are the codes an appeal gives (no prose reaches the chain).
var AppealReasons = []string{"additional_information", "coding_corrected", "decision_error", "prior_auth_obtained"}

// RuleProfile is the profile of a plan's benefit rules: evaluated per
// item, true lets the item through, false denies it with the rule's
// reason. Inputs: the item's service code, the claim's diagnosis codes
// (ICD-10-CM, without the dot), units, the claimed amount and the
// scheduled fee for those units (minor units), the number of items on the
// claim, whether the claim cites a prior authorisation, and the service
// day (days since 1970-01-01, UTC): no clock.
var RuleProfile = rules.MustProfile([]rules.Var{
	{Name: "service", Type: rules.String, MaxLen: 16},
	{Name: "diagnoses", Type: rules.StringList, MaxLen: 12},
	{Name: "units", Type: rules.Int},
	{Name: "amount", Type: rules.Int},
	{Name: "fee", Type: rules.Int},
	{Name: "item_count", Type: rules.Int},
	{Name: "prior_auth", Type: rules.Bool},
	{Name: "service_day", Type: rules.Int},
}, rules.Bool, RuleMaxCost)

var (
	currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)
	hashPattern     = regexp.MustCompile(`^[0-9a-f]{64}$`)
	planPattern     = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,39}$`)
	ruleIDPattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)
	// ICD-10-CM codes without the dot: a letter, a digit, an alphanumeric,
	// then up to four alphanumerics. Syntax only: the list itself is
	// checked off chain (internal/codelist).
	icdPattern = regexp.MustCompile(`^[A-TV-Z][0-9][0-9A-Z][0-9A-Z]{0,4}$`)
	// HCPCS Level II codes: a letter and four digits.
	hcpcsPattern = regexp.MustCompile(`^[A-V][0-9]{4}$`)
)

// ValidDiagnosis checks the syntax of an ICD-10-CM code (without the dot).
func ValidDiagnosis(code string) bool { return icdPattern.MatchString(code) }

// ValidService checks the syntax of a HCPCS Level II code.
func ValidService(code string) bool { return hcpcsPattern.MatchString(code) }

// Plan is an insurer's plan: its versions are PlanVersions.
type Plan struct {
	ID       string `json:"id"`
	Payer    string `json:"payer"`
	Versions int    `json:"versions"`
	Height   int64  `json:"height"`
}

// Service is a covered service of a plan's fee schedule.
type Service struct {
	Code string `json:"code"` // HCPCS Level II
	// Fee is the scheduled fee of one unit, in minor units.
	Fee int64 `json:"fee"`
	// MaxUnits bounds the units of one item (0: MaxUnits).
	MaxUnits  int64 `json:"max_units,omitempty"`
	PriorAuth bool  `json:"prior_auth,omitempty"`
}

// Rule is a benefit rule: a CEL expression over RuleProfile that must
// hold for an item to be paid, and the reason an item is denied with
// otherwise.
type Rule struct {
	ID     string `json:"id"`
	Expr   string `json:"expr"`
	Reason string `json:"reason"`
}

// RuleSet is what a plan version says: the body of claims/publish-plan
// less the plan's ID.
type RuleSet struct {
	Currency  string `json:"currency"`
	Effective string `json:"effective"`
	// Required are claim elements (Elements) a claim must carry.
	Required []string `json:"required"`
	// Diagnoses are the covered ICD-10-CM codes, without the dot, sorted;
	// a claim's diagnoses must include at least one of them.
	Diagnoses []string `json:"diagnoses"`
	// Services is the fee schedule, sorted by code.
	Services []Service `json:"services"`
	// PatientShareBP is the patient's share of an allowed amount in basis
	// points (2000 is 20%), rounded down to the minor unit: the payer pays
	// the rest.
	PatientShareBP int64  `json:"patient_share_bp"`
	Rules          []Rule `json:"rules,omitempty"`
}

// PlanVersion is one version of a plan's rule set.
type PlanVersion struct {
	Plan    string `json:"plan"`
	Version int    `json:"version"`
	Payer   string `json:"payer"`
	By      string `json:"by"`
	RuleSet
	// Hash is the SHA-256 of the rule set as published (the message's
	// canonical JSON): the version's identity for audits.
	Hash   string `json:"hash"`
	Height int64  `json:"height"`
	Time   int64  `json:"time"`
}

// Service returns the plan's service code.
func (v PlanVersion) Service(code string) (Service, bool) {
	for _, s := range v.Services {
		if s.Code == code {
			return s, true
		}
	}
	return Service{}, false
}

// Rule returns the plan's rule id.
func (v PlanVersion) Rule(id string) (Rule, bool) {
	for _, r := range v.Rules {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}

// PatientShare is the patient's share of an allowed amount: PatientShareBP
// basis points of it, rounded down to the minor unit (the payer pays the
// rest), computed without overflow for amounts up to MaxAmount.
func (v PlanVersion) PatientShare(allowed int64) int64 {
	return allowed/10000*v.PatientShareBP + allowed%10000*v.PatientShareBP/10000
}

// Coverage is a patient's coverage under a plan.
type Coverage struct {
	ID      string `json:"id"`
	Patient string `json:"patient"`
	Plan    string `json:"plan"`
	Payer   string `json:"payer"`
	Start   string `json:"start"` // first day covered (UTC)
	End     string `json:"end"`   // last day covered
	Status  string `json:"status"`
	By      string `json:"by"`
	Height  int64  `json:"height"`
}

// Covers reports whether the coverage is active and takes in day.
func (c Coverage) Covers(day string) bool {
	return c.Status == CoverageActive && c.Start <= day && day <= c.End
}

// ItemDecision is the decision on one item of a claim.
type ItemDecision struct {
	Sequence int    `json:"sequence"`
	Outcome  string `json:"outcome"`
	// Reason is the code of a denial or reduction; Rule the check or the
	// plan's rule that decided.
	Reason string `json:"reason,omitempty"`
	Rule   string `json:"rule,omitempty"`
	// Amounts in minor units: Allowed = Payer + Patient.
	Allowed int64 `json:"allowed"`
	Payer   int64 `json:"payer"`
	Patient int64 `json:"patient"`
}

// Decision is a payer's adjudication of a claim.
type Decision struct {
	Round int `json:"round"` // 1, then one more per appeal
	// Response is the SHA-256 of the FHIR ClaimResponse the payer issued.
	Response string         `json:"response"`
	Items    []ItemDecision `json:"items"`
	Allowed  int64          `json:"allowed"`
	Payer    int64          `json:"payer"`
	Patient  int64          `json:"patient"`
	Status   string         `json:"status"`
	// Dispute flags a denial for a format reason of a claim pre-checked
	// under the same version.
	Dispute bool   `json:"dispute,omitempty"`
	By      string `json:"by"`
	Height  int64  `json:"height"`
}

// Appeal reopens a decision.
type Appeal struct {
	Reason string `json:"reason"`
	By     string `json:"by"`
	Height int64  `json:"height"`
}

// Payment is the payer's payment of a decision.
type Payment struct {
	ID       string `json:"id"`
	Response string `json:"response"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	By       string `json:"by"`
	Height   int64  `json:"height"`
	Time     int64  `json:"time"`
}

// Claim is a submitted claim: the document's hash, never its content.
type Claim struct {
	ID   string `json:"id"`
	Hash string `json:"hash"` // SHA-256 of the FHIR Claim document
	// Record is the records record sealing the document at the
	// provider's custodian node, if the provider sealed it there.
	Record   string `json:"record,omitempty"`
	Coverage string `json:"coverage"`
	Patient  string `json:"patient"`
	Plan     string `json:"plan"`
	Version  int    `json:"version"`
	Payer    string `json:"payer"`
	Provider string `json:"provider"`
	By       string `json:"by"`
	Items    int    `json:"items"`
	Total    int64  `json:"total"`
	Currency string `json:"currency"`
	// Prechecked says the provider's pre-check under Version passed.
	Prechecked bool       `json:"prechecked"`
	Status     string     `json:"status"`
	Decisions  []Decision `json:"decisions,omitempty"`
	Appeals    []Appeal   `json:"appeals,omitempty"`
	Payment    *Payment   `json:"payment,omitempty"`
	Height     int64      `json:"height"`
	Time       int64      `json:"time"`
}

// Decision is the claim's latest decision, if any.
func (c Claim) Decision() (Decision, bool) {
	if len(c.Decisions) == 0 {
		return Decision{}, false
	}
	return c.Decisions[len(c.Decisions)-1], true
}

// Totals are what was decided, paid and is owed for a provider's or a
// patient's claims, in minor units of one currency.
type Totals struct {
	Currency string `json:"currency"`
	Claims   int64  `json:"claims"`
	Claimed  int64  `json:"claimed"`
	Allowed  int64  `json:"allowed"`
	// Payer is what payers decided to pay; Paid what they paid; Owed the
	// difference.
	Payer   int64 `json:"payer"`
	Paid    int64 `json:"paid"`
	Owed    int64 `json:"owed"`
	Patient int64 `json:"patient"` // the patients' shares
}

// State. Plans and their versions are public; coverage, claims and their
// indexes and totals are private (readers.go).
var (
	plans    = state.NewMap[Plan](Name, "clm/p/").Public()
	versions = state.NewMap[PlanVersion](Name, "clm/v/").Public() // plan/%04d version

	coverages  = state.NewMap[Coverage](Name, "clm/cv/")
	covByPt    = state.NewIndex(Name, "clm/cvp/") // patient/coverage
	claimsMap  = state.NewMap[Claim](Name, "clm/c/")
	byHash     = state.NewMap[string](Name, "clm/h/") // claim hash -> claim ID
	byProvider = state.NewIndex(Name, "clm/cpr/")     // provider org/claim
	byPatient  = state.NewIndex(Name, "clm/cpt/")     // patient/claim
	byPayer    = state.NewIndex(Name, "clm/cpy/")     // payer org/claim
	totals     = state.NewMap[Totals](Name, "clm/t/") // org or patient/currency
)

// Directory is what claims asks the other modules.
type Directory interface {
	// OrgKind returns an active organisation's kind.
	OrgKind(r state.Reader, org string) (ledger.OrgKind, bool)
	// PatientExists reports whether a patient is registered.
	PatientExists(r state.Reader, id string) bool
	// Consented reports whether patient has, at now (unix seconds), an
	// active records grant to org (without a condition) allowing purpose.
	Consented(r state.Reader, patient, org, purpose string, now int64) bool
	// Record returns a record's patient and custodian organisation.
	Record(r state.Reader, id string) (patient, custodian string, ok bool)
}

// Keeper is the claims module.
type Keeper struct {
	ledger.NoGenesis
	dir   Directory
	rules *rules.Cache
}

// New returns the module.
func New(dir Directory) *Keeper { return &Keeper{dir: dir, rules: rules.NewCache(RuleProfile, 1024)} }

// Name implements ledger.Module.
func (k *Keeper) Name() string { return Name }

// Day is the UTC date of t, YYYY-MM-DD (ledger.Day).
func Day(t time.Time) string { return ledger.Day(t) }
