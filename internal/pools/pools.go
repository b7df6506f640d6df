// Package pools is the module of mutual-aid pools: members share the cost
// of each other's serious illness, period by period, as Ant's Xiang Hu Bao
// did, with the rules that model lacked so that a pool does not collapse
// when healthy members leave.
//
// An insurer or a charity runs a pool. It lists the conditions it covers
// as ICD-10-CM categories from a fixed list (Categories), a waiting period
// for new members, a cap on what a member pays per period, a cap per
// claim, a reserve (an initial amount, a levy per member per period while
// it is below its target) and the review rules (quorum, deadline).
// Patients join under their own pseudonymous key; joining starts the
// waiting period, leaving takes effect when the period they are covered
// in is settled. A member's aid claim cites their own anchored records as
// evidence (the records module answers through the Directory) and commits
// to the condition with a salted hash: no diagnosis, not even the
// category, is on chain. Clinicians who volunteer for the pool's board
// read the evidence under the patient's consent, open the commitment off
// chain, and vote; a quorum decides, and a claim undecided at its deadline
// expires. When a period ends, its approved payouts are shared equally by
// the members who were past their waiting period, in integer minor units
// (Share), and the period's figures are published so that a rising share
// is seen early (Trend).
//
// The module keeps IDs, hashes, codes of the pool's terms, statuses and
// amounts only. It imports no other module.
package pools

import (
	"errors"
	"regexp"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
)

// Name is the module's name and error codespace.
const Name = "pools"

// Errors, each with a stable code in the module's table (Codes).
var (
	ErrUnauthorized = errors.New("pools: not allowed")
	ErrNotFound     = errors.New("pools: not found")
	ErrCurrency     = errors.New("pools: currency mismatch")
	// ErrNotMember is an act that needs a membership the signer does not
	// hold (a claim, a leave, a settlement asked by a patient).
	ErrNotMember = errors.New("pools: not a member")
	// ErrWaiting is a claim by a member still in their waiting period.
	ErrWaiting = errors.New("pools: in the waiting period")
	// ErrEvidence is an evidence record that does not exist, is erased or
	// is another patient's.
	ErrEvidence = errors.New("pools: evidence not the claimant's")
	// ErrOverCap is a claim over the pool's cap per claim.
	ErrOverCap = errors.New("pools: over the cap per claim")
	// ErrNoBoard is a claim while fewer clinicians serve on the board than
	// the quorum.
	ErrNoBoard = errors.New("pools: board smaller than the quorum")
	// ErrNotReviewer is a vote by someone not on the claim's panel.
	ErrNotReviewer = errors.New("pools: not a reviewer of this claim")
	ErrVoted       = errors.New("pools: already voted")
	// ErrDeadline is a vote after the claim's review deadline.
	ErrDeadline = errors.New("pools: review deadline passed")
	// ErrPeriodOpen is a settlement asked before the period's end.
	ErrPeriodOpen = errors.New("pools: period not over")
	ErrState      = errors.New("pools: not possible in this state")
)

// Limits.
const (
	MaxAmount      = 1_000_000_000_000 // minor units of any amount
	MaxWaiting     = 2 * 366 * 86400   // seconds
	MaxPeriod      = 366 * 86400       // seconds
	MaxReview      = 90 * 86400        // seconds
	MaxBoard       = 25                // clinicians on a pool's board
	MaxEvidence    = 10                // records an aid claim cites
	MaxSettleClaim = 1000              // approved claims one period pays
	MaxExport      = 1000              // rows a query returns at most
)

// Who runs pools and who reviews (ADR 28).
var (
	// Operators are the organisation kinds that may run a pool.
	Operators = []ledger.OrgKind{ledger.OrgInsurer, ledger.OrgCharity}
	// OperatorRoles act for the operator: create and settle.
	OperatorRoles = []ledger.Role{ledger.RoleAdmin, ledger.RoleClaimsOfficer}
	// ReviewerRoles may volunteer for a board: clinicians, whom a patient
	// can grant a read of the evidence in the records module.
	ReviewerRoles = []ledger.Role{ledger.RolePhysician, ledger.RoleNurse}
)

// Claim statuses.
const (
	ClaimInReview = "in_review"
	ClaimApproved = "approved"
	ClaimRejected = "rejected"
	// ClaimExpired: undecided at the deadline, which counts as rejected;
	// the member may file again.
	ClaimExpired = "expired"
	// ClaimPaid: settled with its period (Paid may be less than Amount
	// when the period's payouts were scaled down).
	ClaimPaid = "paid"
)

// RejectReasons are the reasons a reviewer gives for a rejection: codes,
// never prose.
var RejectReasons = []string{"amount-not-supported", "condition-not-covered", "evidence-insufficient", "evidence-unreadable", "onset-before-joining", "opening-mismatch"}

var (
	currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)
	hashPattern     = regexp.MustCompile(`^[0-9a-f]{64}$`)
	recordPattern   = regexp.MustCompile(`^rec-[0-9a-f]{24}$`)
	idPatterns      = map[string]*regexp.Regexp{
		"pl-": regexp.MustCompile(`^pl-[0-9a-f]{24}$`),
		"ac-": regexp.MustCompile(`^ac-[0-9a-f]{24}$`),
	}
)

// Pool is a mutual-aid pool and its running figures. Amounts are minor
// units of Currency; times are unix seconds of block time.
type Pool struct {
	ID       string `json:"id"`
	Operator string `json:"operator"`
	By       string `json:"by"`
	Terms
	// Board are the clinicians who volunteered to review, sorted.
	Board []string `json:"board"`
	// Reserve is what the reserve holds now.
	Reserve int64 `json:"reserve"`
	// Members are active memberships (waiting or sharing); Sharing those
	// counted at the last settlement as past their waiting period.
	Members int64 `json:"members"`
	Sharing int64 `json:"sharing"`
	// Open is the period in progress.
	Open    OpenPeriod `json:"open"`
	Settled int        `json:"settled"` // periods settled
	Height  int64      `json:"height"`
	Time    int64      `json:"time"`
}

// Terms are what a pool promises its members, fixed at creation.
type Terms struct {
	// Conditions are the ICD-10-CM categories covered, sorted.
	Conditions []string `json:"conditions"`
	Currency   string   `json:"currency"`
	// WaitingSeconds run from joining before a member may claim and shares.
	WaitingSeconds int64 `json:"waiting_seconds"`
	// PeriodSeconds is the least time between settlements.
	PeriodSeconds int64 `json:"period_seconds"`
	// MemberCap is the most a member is charged in one period (share of
	// the payouts and levy together); ClaimCap the most one claim asks.
	MemberCap int64 `json:"member_cap"`
	ClaimCap  int64 `json:"claim_cap"`
	// ReserveLevy is charged per member per period while the reserve is
	// below ReserveTarget.
	ReserveLevy   int64 `json:"reserve_levy"`
	ReserveTarget int64 `json:"reserve_target"`
	// Quorum is the number of concurring votes that decide a claim;
	// ReviewSeconds the time from filing to the deadline.
	Quorum        int   `json:"quorum"`
	ReviewSeconds int64 `json:"review_seconds"`
	// Doc is the SHA-256 of the pool's terms document, kept off chain.
	Doc string `json:"doc,omitempty"`
}

// OpenPeriod is the period in progress: it began at the last settlement
// (or the pool's creation) and may be settled PeriodSeconds later.
type OpenPeriod struct {
	Number   int   `json:"number"`
	Start    int64 `json:"start"`
	Ends     int64 `json:"ends"` // the earliest settlement
	Approved int64 `json:"approved"`
	Claims   int   `json:"claims"` // approved so far
}

// Membership is a patient's membership of a pool: its current term and
// the earlier ones. Private to the patient (readers.go).
type Membership struct {
	Pool    string `json:"pool"`
	Patient string `json:"patient"`
	Term
	Past []Term `json:"past,omitempty"`
}

// Term is one stretch of membership. A member shares in a period whose
// settlement time is at or after WaitEnds and, if they left, at or before
// Left.
type Term struct {
	Joined   int64 `json:"joined"`
	WaitEnds int64 `json:"wait_ends"`
	// Leaving is set when the member gave notice: they stay covered and
	// share until the period is settled.
	Leaving bool `json:"leaving,omitempty"`
	// Left is when the term ended (0 while active).
	Left int64 `json:"left,omitempty"`
	// Counted is set once a settlement counted the member as sharing.
	Counted bool `json:"counted,omitempty"`
}

// Active reports whether the term is running.
func (t Term) Active() bool { return t.Left == 0 }

// sharedIn reports whether the term shared in a period settled at end.
func (t Term) sharedIn(end int64) bool {
	return t.WaitEnds <= end && (t.Left == 0 || end <= t.Left) && t.Joined <= end
}

// Claim is a member's aid claim. Private to the claimant, the pool's
// board and its operator (readers.go).
type Claim struct {
	ID       string `json:"id"`
	Pool     string `json:"pool"`
	Claimant string `json:"claimant"`
	// Condition is the salted commitment to the covered category
	// (ConditionCommitment): the category itself stays off chain.
	Condition string   `json:"condition"`
	Evidence  []string `json:"evidence"`
	Amount    int64    `json:"amount"`
	Currency  string   `json:"currency"`
	Status    string   `json:"status"`
	// Panel is the board when the claim was filed: who may vote.
	Panel    []string `json:"panel"`
	Votes    []Vote   `json:"votes"`
	Deadline int64    `json:"deadline"`
	Filed    int64    `json:"filed"`
	Height   int64    `json:"height"`
	Decided  int64    `json:"decided,omitempty"` // time
	// Period is the period that pays it, once approved; Paid what it paid.
	Period int   `json:"period,omitempty"`
	Paid   int64 `json:"paid,omitempty"`
}

// Vote is one reviewer's vote.
type Vote struct {
	Reviewer string `json:"reviewer"`
	Approve  bool   `json:"approve"`
	Reason   string `json:"reason,omitempty"`
	Time     int64  `json:"time"`
}

// Tally counts a claim's votes.
func (c Claim) Tally() (approve, reject int) {
	for _, v := range c.Votes {
		if v.Approve {
			approve++
		} else {
			reject++
		}
	}
	return approve, reject
}

// State. Pools and periods are public; memberships, claims and their
// indexes are private (readers.go).
var (
	pools   = state.NewMap[Pool](Name, "pl/p/").Public()
	periods = state.NewMap[Period](Name, "pl/s/").Public() // pool/%08d number

	members  = state.NewMap[Membership](Name, "pl/m/") // pool/patient
	claims   = state.NewMap[Claim](Name, "pl/c/")
	byMember = state.NewIndex(Name, "pl/mp/") // patient/pool
	byPool   = state.NewIndex(Name, "pl/cp/") // pool/claim
	// approved lists the approved claims of a pool's open period.
	approved = state.NewIndex(Name, "pl/ca/") // pool/claim
	// inReview lists each member's claim in review (one at a time).
	inReview = state.NewIndex(Name, "pl/ci/") // pool/patient
	// deadlines lists claims in review by deadline, for EndBlock.
	deadlines = state.NewIndex(Name, "pl/cd/") // %016x deadline/claim
	// waiting lists members not yet counted as sharing, by the end of
	// their waiting period, for the settlement.
	waiting = state.NewIndex(Name, "pl/mw/") // pool/%016x wait end/patient
	// leaving lists members whose notice takes effect at the settlement.
	leaving = state.NewIndex(Name, "pl/ml/") // pool/patient
)

// Directory is what pools asks the other modules.
type Directory interface {
	// OrgKind returns an active organisation's kind.
	OrgKind(r state.Reader, org string) (ledger.OrgKind, bool)
	// RecordOf answers who a record is about and whether it is active
	// (neither erased nor revoked).
	RecordOf(r state.Reader, id string) (patient string, active, ok bool)
}

// Keeper is the pools module.
type Keeper struct {
	ledger.NoGenesis
	dir Directory
}

// New returns the module.
func New(dir Directory) *Keeper { return &Keeper{dir: dir} }

// Name implements ledger.Module.
func (k *Keeper) Name() string { return Name }

func memberKey(pool, patient string) string { return pool + "/" + patient }

func periodKey(pool string, n int) string { return pool + "/" + pad(int64(n), 8) }
