// Package research is the module of clinical research: studies, the
// patients who enrol in them, the de-identified releases custodians make
// of their records, who accessed each release, and data requests whose
// payment the ledger holds in escrow.
//
// A researcher of a university or hospital registers a study: the SHA-256
// of its protocol (the text stays off chain), its purpose and the data use
// terms it offers participants as GA4GH DUO codes (duo.go), the FHIR
// resource types it needs and the day it ends. An ethics board member (the
// ethics-reviewer role), who is not the registrant, approves it. Only then
// may patients enrol: the enrolment is the patient's own signed consent,
// naming the study, the organisations whose records may be released (their
// custodians), the patient's data use terms (the study's, or narrower) and
// the buyer classes they refuse. Nobody else can enrol a patient. A
// withdrawal ends the enrolment at once: every later release is refused if
// it includes the patient.
//
// A release is made by a custodian (its node's custodian identity or its
// privacy officer): the node decrypts the enrolled patients' records,
// de-identifies them with a versioned Safe Harbor rule set (internal/deid)
// and sends the manifest: study, rule-set version and hash, the
// enrolments included, the number of patients and the SHA-256 of the data
// set. Never the data. Researchers of the study's organisation access a
// release until the study ends; each access is a receipt on the ledger,
// and each participant can list every use of their data.
//
// A data request states a purpose (DUO), the obligations it accepts, a
// term and a price in integer minor units. The ledger admits it only for
// the participants whose terms permit that purpose by that kind of buyer,
// holds the price in escrow, and pays it out on the requester's first
// access to the release made for it: the participants' share split equally
// among the patients released, the rest to the custodian (split.go).
//
// The module keeps IDs, codes, counts, amounts and hashes: no names, no
// free text, no health data. Which patients enrolled, and where, is
// private (readers.go). It imports no other module: governance and
// identity answer through the Directory.
package research

import (
	"errors"
	"regexp"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
)

// Name is the module's name and error codespace.
const Name = "research"

// Errors, each with a stable code in the module's table (Codes).
var (
	ErrUnauthorized = errors.New("research: not allowed")
	ErrNotFound     = errors.New("research: not found")
	ErrState        = errors.New("research: not possible in this state")
	ErrExists       = errors.New("research: already exists")
	// ErrNoConsent is an enrolment signed by someone other than the
	// patient, or a release of a patient's records by a custodian the
	// enrolment does not name.
	ErrNoConsent = errors.New("research: no consent")
	// ErrWithdrawn is a release that includes a patient who withdrew.
	ErrWithdrawn = errors.New("research: participant withdrew")
	// ErrForbiddenUse is a use the data use terms forbid: a request no
	// participant's terms permit, an enrolment whose terms forbid the
	// study's own purpose, a release to a requester a participant refused.
	ErrForbiddenUse = errors.New("research: use forbidden by the data use terms")
	// ErrExpired is an action after the study ended or the request's term.
	ErrExpired = errors.New("research: term over")
	// ErrRuleSet is a release made with a rule set the ledger does not know.
	ErrRuleSet = errors.New("research: unknown de-identification rule set")
	// ErrInvalidDocument is a FHIR research consent that is not valid FHIR
	// or does not map to an enrolment (the API's, not the ledger's).
	ErrInvalidDocument = errors.New("research: invalid FHIR document")
)

// Limits.
const (
	MaxTypes       = 30            // resource types of a study
	MaxCustodians  = 10            // custodians of an enrolment
	MaxReleased    = 1000          // enrolments in one release
	MaxTermDays    = 3660          // a request's term
	MaxPrice       = 1_000_000_000 // minor units of a request
	MaxStudyYears  = 10            // from registration to the study's end
	ParticipantBps = 7000          // the participants' share of a request's price, in basis points
)

// Study statuses.
const (
	StudyProposed = "proposed"
	StudyApproved = "approved"
)

// Request statuses.
const (
	RequestEscrowed = "escrowed"
	RequestReleased = "released"
	RequestPaid     = "paid"
	// RequestCancelled: the requester cancelled it before a release, or
	// after its term with no access; its escrow is no longer held.
	RequestCancelled = "cancelled"
)

// ResourceTypes are the FHIR resource types a study may ask for, sorted.
var ResourceTypes = []string{
	"AllergyIntolerance", "CarePlan", "Claim", "Condition", "DiagnosticReport", "Encounter",
	"ExplanationOfBenefit", "FamilyMemberHistory", "ImagingStudy", "Immunization", "MedicationRequest",
	"MolecularSequence", "Observation", "Patient", "Procedure", "Specimen",
}

var (
	currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)
	hashPattern     = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// Study is a registered study. Protocol is the SHA-256 of its protocol,
// kept off chain.
type Study struct {
	ID       string `json:"id"`
	Org      string `json:"org"`
	By       string `json:"by"`
	Protocol string `json:"protocol"`
	// Purpose is the DUO permission the study's research falls under.
	Purpose string `json:"purpose"`
	// Terms are the data use terms offered to participants.
	Terms []string `json:"terms"`
	Types []string `json:"resource_types"`
	// Ends is the study's last day (UTC): enrolment and access stop after it.
	Ends     string    `json:"ends"`
	Status   string    `json:"status"`
	Approval *Approval `json:"approval,omitempty"`
	Height   int64     `json:"height"`
	Time     int64     `json:"time"`
}

// Approval is an ethics board member's approval of a study.
type Approval struct {
	By  string `json:"by"`
	Org string `json:"org"`
	// Opinion is the SHA-256 of the board's written opinion, off chain.
	Opinion string `json:"opinion,omitempty"`
	Height  int64  `json:"height"`
	Time    int64  `json:"time"`
}

// Enrolment is a patient's consent to a study. It is private to the
// patient (readers.go).
type Enrolment struct {
	ID      string `json:"id"`
	Study   string `json:"study"`
	Patient string `json:"patient"`
	// Custodians are the organisations whose records of the patient may
	// be released to the study.
	Custodians []string `json:"custodians"`
	// Terms are the patient's data use terms (DUO).
	Terms []string `json:"terms"`
	// Refuses are the buyer classes the patient refuses.
	Refuses []string `json:"refuses,omitempty"`
	Height  int64    `json:"height"`
	Time    int64    `json:"time"`
	// Withdrawn is the height of the withdrawal; no release after it
	// includes the patient.
	Withdrawn     int64 `json:"withdrawn,omitempty"`
	WithdrawnTime int64 `json:"withdrawn_time,omitempty"`
}

// Active reports whether the enrolment stands.
func (e Enrolment) Active() bool { return e.Withdrawn == 0 }

// Release is the manifest of a de-identified data set: never the data.
type Release struct {
	ID        string `json:"id"`
	Study     string `json:"study"`
	Custodian string `json:"custodian"`
	By        string `json:"by"`
	// Request is the data request the release answers, if any.
	Request     string `json:"request,omitempty"`
	RuleSet     string `json:"rule_set"`
	RuleSetHash string `json:"rule_set_hash"`
	Patients    int    `json:"patients"`
	Resources   int    `json:"resources"`
	// DataHash is the SHA-256 of the de-identified data set.
	DataHash string `json:"data_hash"`
	Accesses int    `json:"accesses"`
	Height   int64  `json:"height"`
	Time     int64  `json:"time"`
}

// Access is the receipt of one access to a release.
type Access struct {
	ID      string `json:"id"`
	Release string `json:"release"`
	Study   string `json:"study"`
	By      string `json:"by"`
	Org     string `json:"org"`
	Request string `json:"request,omitempty"`
	Height  int64  `json:"height"`
	Time    int64  `json:"time"`
}

// Request is a data request: a purpose, a term and a price held in escrow.
type Request struct {
	ID        string `json:"id"`
	Study     string `json:"study"`
	Custodian string `json:"custodian"`
	Org       string `json:"org"`
	By        string `json:"by"`
	// Class is the requester's buyer class, from its organisation's kind.
	Class    string   `json:"buyer_class"`
	Purpose  string   `json:"purpose"`
	Accepts  []string `json:"accepts,omitempty"`
	TermDays int      `json:"term_days"`
	// Until is the last instant of the term (Unix seconds).
	Until    int64  `json:"until"`
	Currency string `json:"currency"`
	Price    int64  `json:"price"`
	// Admitted counts the participants whose terms permit the request.
	Admitted int    `json:"admitted"`
	Status   string `json:"status"`
	Release  string `json:"release,omitempty"`
	// Paid is what the participants received in all, and Custodian
	// what the custodian received, when the escrow was released.
	PaidParticipants int64 `json:"paid_participants,omitempty"`
	PaidCustodian    int64 `json:"paid_custodian,omitempty"`
	Height           int64 `json:"height"`
	Time             int64 `json:"time"`
}

// Balance is what an account (a patient or an organisation) received from
// released escrows, in one currency.
type Balance struct {
	Account  string `json:"account"`
	Currency string `json:"currency"`
	Amount   int64  `json:"amount"`
}

// State. Studies, release manifests, access receipts and requests are
// public; enrolments, which releases and requests included whom, and
// balances are private (readers.go).
var (
	studies     = state.NewMap[Study](Name, "rs/st/").Public()
	releases    = state.NewMap[Release](Name, "rs/rl/").Public()
	relOfStudy  = state.NewIndex(Name, "rs/rls/").Public() // study/release
	accesses    = state.NewMap[Access](Name, "rs/ax/").Public()
	accOfRel    = state.NewIndex(Name, "rs/axr/").Public() // release/access
	requests    = state.NewMap[Request](Name, "rs/rq/").Public()
	reqOfStudy  = state.NewIndex(Name, "rs/rqs/").Public() // study/request
	enrolments  = state.NewMap[Enrolment](Name, "rs/en/")
	enrOfPt     = state.NewIndex(Name, "rs/enp/")       // patient/enrolment
	enrOfStudy  = state.NewIndex(Name, "rs/ens/")       // study/enrolment
	activeEnr   = state.NewMap[string](Name, "rs/ena/") // patient/study → the active enrolment
	usedIn      = state.NewIndex(Name, "rs/use/")       // enrolment/release
	admitted    = state.NewIndex(Name, "rs/rqa/")       // request/enrolment
	releasedEnr = state.NewIndex(Name, "rs/rle/")       // release/enrolment
	balances    = state.NewMap[Balance](Name, "rs/bal/")
)

// Directory is what research asks the other modules.
type Directory interface {
	// OrgKind returns an active organisation's kind.
	OrgKind(r state.Reader, org string) (ledger.OrgKind, bool)
}

// RuleSet is a de-identification rule set a release may name: its version
// and hash (internal/deid.Rules).
type RuleSet struct {
	Version string
	Hash    string
}

// Keeper is the research module.
type Keeper struct {
	ledger.NoGenesis
	dir Directory
	// rules are the de-identification rule sets releases may name.
	rules []RuleSet
}

// New returns the module. ruleSets are the de-identification rule sets a
// release may name (the chain passes internal/deid's).
func New(dir Directory, ruleSets ...RuleSet) *Keeper { return &Keeper{dir: dir, rules: ruleSets} }

// Name implements ledger.Module.
func (k *Keeper) Name() string { return Name }
