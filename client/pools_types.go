package client

import (
	"crypto/sha256"
	"encoding/hex"
)

// The pools module's messages and views (internal/pools), as the SDK's own
// types: mutual-aid pools whose members share each period's approved aid
// claims in equal whole minor units, capped per member, with a reserve.
// Amounts are integer minor units of an ISO 4217 currency; times are unix
// seconds of block time.

// Message types of the pools module.
const (
	TypeCreatePool    = "pools/create"
	TypeVolunteer     = "pools/volunteer"
	TypeJoinPool      = "pools/join"
	TypeLeavePool     = "pools/leave"
	TypeFileAidClaim  = "pools/claim"
	TypeVoteAidClaim  = "pools/vote"
	TypeSettlePeriod  = "pools/settle"
	poolConditionSalt = 32
)

// PoolCategory is an ICD-10-CM category a pool may cover, with its title
// (reference text; only codes reach the chain, and only in a pool's
// terms).
type PoolCategory struct {
	Code  string `json:"code"`
	Title string `json:"title"`
}

// PoolCategories are the categories a pool may cover (the chain's list).
var PoolCategories = []PoolCategory{
	{"C18", "Malignant neoplasm of colon"},
	{"C34", "Malignant neoplasm of bronchus and lung"},
	{"C50", "Malignant neoplasm of breast"},
	{"C61", "Malignant neoplasm of prostate"},
	{"C71", "Malignant neoplasm of brain"},
	{"C91", "Lymphoid leukemia"},
	{"C92", "Myeloid leukemia"},
	{"D61", "Other aplastic anemias and other bone marrow failure syndromes"},
	{"E84", "Cystic fibrosis"},
	{"G12", "Spinal muscular atrophy and related syndromes"},
	{"G35", "Multiple sclerosis"},
	{"I21", "Acute myocardial infarction"},
	{"I61", "Nontraumatic intracerebral hemorrhage"},
	{"I63", "Cerebral infarction"},
	{"K72", "Hepatic failure, not elsewhere classified"},
	{"N18", "Chronic kidney disease (CKD)"},
	{"T31", "Burns classified according to extent of body surface involved"},
}

// AidRejectReasons are the reasons a reviewer gives for a rejection.
var AidRejectReasons = []string{"amount-not-supported", "condition-not-covered", "evidence-insufficient", "evidence-unreadable", "onset-before-joining", "opening-mismatch"}

// PoolSaltSize is the size in bytes of a condition commitment's salt.
const PoolSaltSize = poolConditionSalt

// ConditionCommitment is what an aid claim records instead of its
// condition: the hex SHA-256 of "medchain/pools/condition/v1", the pool,
// the category and the salt (hex, PoolSaltSize random bytes), separated by
// zero bytes. The claimant gives the category and the salt (the opening)
// to the reviewers with the evidence, never to the chain.
func ConditionCommitment(pool, category, salt string) string {
	h := sha256.Sum256([]byte("medchain/pools/condition/v1\x00" + pool + "\x00" + category + "\x00" + salt))
	return hex.EncodeToString(h[:])
}

// PoolTerms are what a pool promises its members, fixed at creation.
type PoolTerms struct {
	// Conditions are the ICD-10-CM categories covered (PoolCategories).
	Conditions []string `json:"conditions"`
	// Currency is the ISO 4217 code of its amounts.
	Currency string `json:"currency"`
	// WaitingSeconds run from joining before a member may claim and shares.
	WaitingSeconds int64 `json:"waiting_seconds"`
	// PeriodSeconds is the least time between settlements.
	PeriodSeconds int64 `json:"period_seconds"`
	// MemberCap is the most a member pays in one period (share and levy).
	MemberCap int64 `json:"member_cap"`
	// ClaimCap is the most one claim may ask.
	ClaimCap int64 `json:"claim_cap"`
	// ReserveLevy is charged per member per period while the reserve is
	// below ReserveTarget.
	ReserveLevy int64 `json:"reserve_levy"`
	// ReserveTarget is the reserve the levy builds up to.
	ReserveTarget int64 `json:"reserve_target"`
	// Quorum is the number of concurring votes that decide a claim.
	Quorum int `json:"quorum"`
	// ReviewSeconds run from filing to the review deadline.
	ReviewSeconds int64 `json:"review_seconds"`
	// Doc is the SHA-256 (hex) of the terms document, kept off chain.
	Doc string `json:"doc,omitempty"`
}

// CreatePool creates a pool run by the signer's insurer or charity.
// Signed by an admin or claims officer.
type CreatePool struct {
	PoolTerms
	// ReserveInitial is the reserve the operator commits at the start.
	ReserveInitial int64 `json:"reserve_initial"`
}

// Volunteer puts the signing clinician (physician or nurse) on a pool's
// review board, or takes them off it.
type Volunteer struct {
	// Pool is the pool's ID ("pl-...").
	Pool string `json:"pool"`
	// StandDown takes the signer off the board.
	StandDown bool `json:"stand_down,omitempty"`
}

// JoinPool makes the signing patient a member; the waiting period starts.
type JoinPool struct {
	// Pool is the pool's ID ("pl-...").
	Pool string `json:"pool"`
}

// LeavePool ends the signing patient's membership: at once within the
// waiting period, otherwise when the period in progress is settled.
type LeavePool struct {
	// Pool is the pool's ID ("pl-...").
	Pool string `json:"pool"`
}

// FileAidClaim files the signing member's aid claim.
type FileAidClaim struct {
	// Pool is the pool's ID ("pl-...").
	Pool string `json:"pool"`
	// Condition is ConditionCommitment of the pool, the category and a
	// random salt: never the category itself.
	Condition string `json:"condition"`
	// Evidence are the claimant's record IDs ("rec-..."), 1 to 10.
	Evidence []string `json:"evidence"`
	// Amount is the aid asked, in minor units, at most the pool's ClaimCap.
	Amount int64 `json:"amount"`
	// Currency is the pool's currency.
	Currency string `json:"currency"`
}

// VoteAidClaim is a reviewer's vote on a claim of their panel.
type VoteAidClaim struct {
	// Claim is the claim's ID ("ac-...").
	Claim string `json:"claim"`
	// Approve approves the claim; otherwise Reason says why not.
	Approve bool `json:"approve"`
	// Reason is one of AidRejectReasons, for a rejection only.
	Reason string `json:"reason,omitempty"`
}

// SettlePeriod settles a pool's period in progress once it is over. Signed
// by a member of the pool or an admin or claims officer of its operator.
type SettlePeriod struct {
	// Pool is the pool's ID ("pl-...").
	Pool string `json:"pool"`
}

// MsgType implements Msg.
func (CreatePool) MsgType() string { return TypeCreatePool }

// MsgType implements Msg.
func (Volunteer) MsgType() string { return TypeVolunteer }

// MsgType implements Msg.
func (JoinPool) MsgType() string { return TypeJoinPool }

// MsgType implements Msg.
func (LeavePool) MsgType() string { return TypeLeavePool }

// MsgType implements Msg.
func (FileAidClaim) MsgType() string { return TypeFileAidClaim }

// MsgType implements Msg.
func (VoteAidClaim) MsgType() string { return TypeVoteAidClaim }

// MsgType implements Msg.
func (SettlePeriod) MsgType() string { return TypeSettlePeriod }

// AidPool is a mutual-aid pool and its running figures.
type AidPool struct {
	ID       string `json:"id"`
	Operator string `json:"operator"`
	By       string `json:"by"`
	PoolTerms
	Board   []string   `json:"board"`
	Reserve int64      `json:"reserve"`
	Members int64      `json:"members"`
	Sharing int64      `json:"sharing"`
	Open    OpenPeriod `json:"open"`
	Settled int        `json:"settled"`
	Height  int64      `json:"height"`
	Time    int64      `json:"time"`
}

// OpenPeriod is a pool's period in progress.
type OpenPeriod struct {
	Number   int   `json:"number"`
	Start    int64 `json:"start"`
	Ends     int64 `json:"ends"`
	Approved int64 `json:"approved"`
	Claims   int   `json:"claims"`
}

// AidPoolView is a pool with the share its period in progress would charge
// if settled now, and the trend of its last periods.
type AidPoolView struct {
	AidPool
	ProjectedShare int64     `json:"projected_share"`
	Trend          PoolTrend `json:"trend"`
}

// PoolTrend is what a pool's last periods say about its share.
type PoolTrend struct {
	Periods        int      `json:"periods"`
	Shares         []int64  `json:"shares"`
	Members        []int64  `json:"members"`
	ChangeBps      int64    `json:"change_bps"`
	RisingStreak   int      `json:"rising_streak"`
	FallingMembers int      `json:"falling_members"`
	CapUsedBps     int64    `json:"cap_used_bps"`
	Warnings       []string `json:"warnings"`
}

// PoolPeriod is a settled period's public figures.
type PoolPeriod struct {
	ID        string      `json:"id"`
	Pool      string      `json:"pool"`
	Number    int         `json:"number"`
	Start     int64       `json:"start"`
	End       int64       `json:"end"`
	Height    int64       `json:"height"`
	Members   int64       `json:"members"`
	Joined    int64       `json:"joined"`
	Left      int64       `json:"left"`
	Requested int64       `json:"requested"`
	Share     int64       `json:"share"`
	Levy      int64       `json:"levy"`
	Charge    int64       `json:"charge"`
	Capped    bool        `json:"capped"`
	Collected int64       `json:"collected"`
	Paid      int64       `json:"paid"`
	Scaled    bool        `json:"scaled"`
	Drawn     int64       `json:"drawn"`
	Added     int64       `json:"added"`
	Claims    []PaidClaim `json:"claims"`
	Currency  string      `json:"currency"`
	Reserve   int64       `json:"reserve"`
}

// PaidClaim is an approved claim a period paid.
type PaidClaim struct {
	Claim  string `json:"claim"`
	Amount int64  `json:"amount"`
	Paid   int64  `json:"paid"`
}

// PoolPeriods are a pool's last settled periods and their trend.
type PoolPeriods struct {
	Items []PoolPeriod `json:"items"`
	Trend PoolTrend    `json:"trend"`
}

// AidClaim is a member's aid claim.
type AidClaim struct {
	ID        string    `json:"id"`
	Pool      string    `json:"pool"`
	Claimant  string    `json:"claimant"`
	Condition string    `json:"condition"`
	Evidence  []string  `json:"evidence"`
	Amount    int64     `json:"amount"`
	Currency  string    `json:"currency"`
	Status    string    `json:"status"`
	Panel     []string  `json:"panel"`
	Votes     []AidVote `json:"votes"`
	Deadline  int64     `json:"deadline"`
	Filed     int64     `json:"filed"`
	Height    int64     `json:"height"`
	Decided   int64     `json:"decided,omitempty"`
	Period    int       `json:"period,omitempty"`
	Paid      int64     `json:"paid,omitempty"`
}

// Aid claim statuses.
const (
	AidInReview = "in_review"
	AidApproved = "approved"
	AidRejected = "rejected"
	AidExpired  = "expired"
	AidPaid     = "paid"
)

// AidVote is one reviewer's vote.
type AidVote struct {
	Reviewer string `json:"reviewer"`
	Approve  bool   `json:"approve"`
	Reason   string `json:"reason,omitempty"`
	Time     int64  `json:"time"`
}

// PoolTerm is one stretch of a membership.
type PoolTerm struct {
	Joined   int64 `json:"joined"`
	WaitEnds int64 `json:"wait_ends"`
	Leaving  bool  `json:"leaving,omitempty"`
	Left     int64 `json:"left,omitempty"`
	Counted  bool  `json:"counted,omitempty"`
}

// PoolMembership is a patient's membership of a pool.
type PoolMembership struct {
	Pool    string `json:"pool"`
	Patient string `json:"patient"`
	PoolTerm
	Past []PoolTerm `json:"past,omitempty"`
}

// MemberPool is one of a patient's memberships, named by its pool.
type MemberPool struct {
	// ID is the pool's.
	ID string `json:"id"`
	PoolMembership
}

// PoolStatement is what a member paid, period by period, and why.
type PoolStatement struct {
	Pool       string          `json:"pool"`
	Patient    string          `json:"patient"`
	Currency   string          `json:"currency"`
	Membership PoolMembership  `json:"membership"`
	Lines      []StatementLine `json:"lines"`
	Total      int64           `json:"total"`
}

// StatementLine is one period a member shared in.
type StatementLine struct {
	Period  int         `json:"period"`
	End     int64       `json:"end"`
	Charge  int64       `json:"charge"`
	Share   int64       `json:"share"`
	Levy    int64       `json:"levy"`
	Capped  bool        `json:"capped"`
	Scaled  bool        `json:"scaled"`
	Members int64       `json:"members"`
	Claims  []PaidClaim `json:"claims"`
}
