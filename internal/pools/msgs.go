package pools

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
)

// Message types.
const (
	TypeCreate    = "pools/create"
	TypeVolunteer = "pools/volunteer"
	TypeJoin      = "pools/join"
	TypeLeave     = "pools/leave"
	TypeClaim     = "pools/claim"
	TypeVote      = "pools/vote"
	TypeSettle    = "pools/settle"
)

// CreatePool creates a pool run by the signer's insurer or charity, with
// an initial reserve the operator commits.
//
//	{"conditions": ["C50", "I21", "I63"], "currency": "USD",
//	 "waiting_seconds": 7776000, "period_seconds": 2592000,
//	 "member_cap": 1000, "claim_cap": 5000000,
//	 "reserve_initial": 100000, "reserve_levy": 50, "reserve_target": 1000000,
//	 "quorum": 2, "review_seconds": 1209600, "doc": "<sha256>"}
type CreatePool struct {
	Terms
	ReserveInitial int64 `json:"reserve_initial"`
}

func (m *CreatePool) Validate() error {
	if len(m.Conditions) == 0 || len(m.Conditions) > len(Categories) {
		return fmt.Errorf("conditions: 1 to %d ICD-10-CM categories", len(Categories))
	}
	for i, c := range m.Conditions {
		if err := ValidCategory(c); err != nil {
			return fmt.Errorf("conditions[%d]: %w", i, err)
		}
		if slices.Contains(m.Conditions[:i], c) {
			return fmt.Errorf("conditions[%d]: %s is given twice", i, c)
		}
	}
	if !currencyPattern.MatchString(m.Currency) {
		return errors.New("currency: an ISO 4217 code (three capital letters)")
	}
	for _, f := range []struct {
		name      string
		v, lo, hi int64
	}{
		{"waiting_seconds", m.WaitingSeconds, 1, MaxWaiting},
		{"period_seconds", m.PeriodSeconds, 1, MaxPeriod},
		{"member_cap", m.MemberCap, 1, MaxMemberCap},
		{"claim_cap", m.ClaimCap, 1, MaxAmount},
		{"reserve_initial", m.ReserveInitial, 0, MaxAmount},
		{"reserve_levy", m.ReserveLevy, 0, m.MemberCap},
		{"reserve_target", m.ReserveTarget, 0, MaxAmount},
		{"quorum", int64(m.Quorum), 1, MaxBoard},
		{"review_seconds", m.ReviewSeconds, 1, MaxReview},
	} {
		if f.v < f.lo || f.v > f.hi {
			return fmt.Errorf("%s: %d to %d, got %d", f.name, f.lo, f.hi, f.v)
		}
	}
	if m.Doc != "" && !hashPattern.MatchString(m.Doc) {
		return errors.New("doc: the SHA-256 of the pool's terms, 64 lower-case hex digits (the text stays off chain)")
	}
	return nil
}

// MaxMemberCap bounds the cap per member per period (minor units), so that
// a period's collection fits in 64 bits for any number of members a chain
// can hold.
const MaxMemberCap = 1_000_000_000

// Volunteer puts the signing clinician on a pool's board, or takes them
// off it (stand_down). A clinician off the board stays on the panels of
// the claims filed while they served.
type Volunteer struct {
	Pool      string `json:"pool"`
	StandDown bool   `json:"stand_down,omitempty"`
}

func (m *Volunteer) Validate() error { return validID("pool", "pl-", m.Pool) }

// Join makes the signing patient a member of a pool; their waiting period
// starts now.
type Join struct {
	Pool string `json:"pool"`
}

func (m *Join) Validate() error { return validID("pool", "pl-", m.Pool) }

// Leave ends the signing patient's membership: at once during the waiting
// period, otherwise when the period in progress is settled (they share in
// it, as they were covered in it).
type Leave struct {
	Pool string `json:"pool"`
}

func (m *Leave) Validate() error { return validID("pool", "pl-", m.Pool) }

// FileClaim files the signing member's aid claim: the commitment to the
// condition (ConditionCommitment), the anchored records that are its
// evidence, and the amount asked.
//
//	{"pool": "pl-…", "condition": "<sha256>", "evidence": ["rec-…"],
//	 "amount": 250000, "currency": "USD"}
type FileClaim struct {
	Pool      string   `json:"pool"`
	Condition string   `json:"condition"`
	Evidence  []string `json:"evidence"`
	Amount    int64    `json:"amount"`
	Currency  string   `json:"currency"`
}

func (m *FileClaim) Validate() error {
	if err := validID("pool", "pl-", m.Pool); err != nil {
		return err
	}
	if !hashPattern.MatchString(m.Condition) {
		return errors.New("condition: the commitment to the condition, 64 lower-case hex digits (SHA-256 of the pool, the category and a salt; the category stays off chain)")
	}
	if len(m.Evidence) == 0 || len(m.Evidence) > MaxEvidence {
		return fmt.Errorf("evidence: 1 to %d record IDs", MaxEvidence)
	}
	for i, id := range m.Evidence {
		if !recordPattern.MatchString(id) || slices.Contains(m.Evidence[:i], id) {
			return fmt.Errorf("evidence[%d]: not a record ID (rec- and 24 lower-case hex digits), or given twice", i)
		}
	}
	if !currencyPattern.MatchString(m.Currency) {
		return errors.New("currency: an ISO 4217 code (three capital letters)")
	}
	if m.Amount <= 0 || m.Amount > MaxAmount {
		return fmt.Errorf("amount: 1 to %d minor units", MaxAmount)
	}
	return nil
}

// CastVote is a reviewer's vote on a claim: approve, or reject with one of
// RejectReasons.
type CastVote struct {
	Claim   string `json:"claim"`
	Approve bool   `json:"approve"`
	Reason  string `json:"reason,omitempty"`
}

func (m *CastVote) Validate() error {
	if err := validID("claim", "ac-", m.Claim); err != nil {
		return err
	}
	switch {
	case m.Approve && m.Reason != "":
		return errors.New("reason: only a rejection gives a reason")
	case !m.Approve && !slices.Contains(RejectReasons, m.Reason):
		return fmt.Errorf("reason: a rejection gives one of %v", RejectReasons)
	}
	return nil
}

// SettlePeriod settles a pool's period in progress, once it is over.
type SettlePeriod struct {
	Pool string `json:"pool"`
}

func (m *SettlePeriod) Validate() error { return validID("pool", "pl-", m.Pool) }

func validID(field, prefix, id string) error {
	if !idPatterns[prefix].MatchString(id) {
		return fmt.Errorf("%s: %s and 24 lower-case hex digits", field, prefix)
	}
	return nil
}

// Routes implements ledger.Module.
func (k *Keeper) Routes() []ledger.Route {
	return []ledger.Route{
		{Type: TypeCreate, Handler: ledger.Handle(k.create)},
		{Type: TypeVolunteer, Handler: ledger.Handle(k.volunteer)},
		{Type: TypeJoin, Handler: ledger.Handle(k.join)},
		{Type: TypeLeave, Handler: ledger.Handle(k.leave)},
		{Type: TypeClaim, Handler: ledger.Handle(k.claim)},
		{Type: TypeVote, Handler: ledger.Handle(k.vote)},
		{Type: TypeSettle, Handler: ledger.Handle(k.settle)},
	}
}

// operates reports whether the signer acts for operator with an operator
// role.
func (k *Keeper) operates(ctx *ledger.Context, operator string) bool {
	s := ctx.Signer
	return s.Kind == ledger.Member && s.Org == operator && s.HasAnyRole(OperatorRoles...)
}

func (k *Keeper) create(ctx *ledger.Context, m CreatePool) (any, error) {
	s := ctx.Signer
	kind, ok := k.dir.OrgKind(ctx.Store, s.Org)
	if s.Kind != ledger.Member || !ok || !slices.Contains(Operators, kind) || !s.HasAnyRole(OperatorRoles...) {
		return nil, fmt.Errorf("%w: pools are run by a member of an insurer or charity holding one of the roles %v", ErrUnauthorized, OperatorRoles)
	}
	now := ctx.Time.Unix()
	t := m.Terms
	t.Conditions = slices.Sorted(slices.Values(t.Conditions))
	p := Pool{ID: ledger.IDFrom("pl-", ctx.TxHash), Operator: s.Org, By: s.ID, Terms: t, Board: []string{},
		Reserve: m.ReserveInitial, Open: OpenPeriod{Number: 1, Start: now, Ends: now + t.PeriodSeconds},
		Height: ctx.Height, Time: now}
	pools.Set(ctx.Store, p.ID, p)
	ctx.Emit(EventCreated.New(p.ID, p.Operator, strconv.Itoa(len(t.Conditions)), p.Currency, strconv.FormatInt(p.MemberCap, 10)))
	return p, nil
}

func (k *Keeper) pool(r state.Reader, id string) (Pool, error) {
	p, ok := pools.Get(r, id)
	if !ok {
		return p, fmt.Errorf("%w: pool %s", ErrNotFound, id)
	}
	return p, nil
}

func (k *Keeper) volunteer(ctx *ledger.Context, m Volunteer) (any, error) {
	s := ctx.Signer
	if s.Kind != ledger.Member || !s.HasAnyRole(ReviewerRoles...) {
		return nil, fmt.Errorf("%w: a board is of clinicians: members holding one of the roles %v", ErrUnauthorized, ReviewerRoles)
	}
	if _, ok := k.dir.OrgKind(ctx.Store, s.Org); !ok {
		return nil, fmt.Errorf("%w: %s is not an active organisation", ErrUnauthorized, s.Org)
	}
	p, err := k.pool(ctx.Store, m.Pool)
	if err != nil {
		return nil, err
	}
	i, on := slices.BinarySearch(p.Board, s.ID)
	switch {
	case m.StandDown && !on:
		return nil, fmt.Errorf("%w: %s is not on the board of pool %s", ErrState, s.ID, p.ID)
	case m.StandDown:
		p.Board = slices.Delete(p.Board, i, i+1)
	case on:
		return nil, fmt.Errorf("%w: %s is on the board of pool %s already", ErrState, s.ID, p.ID)
	case len(p.Board) >= MaxBoard:
		return nil, fmt.Errorf("%w: the board of pool %s is full (%d)", ErrState, p.ID, MaxBoard)
	default:
		p.Board = slices.Insert(p.Board, i, s.ID)
	}
	pools.Set(ctx.Store, p.ID, p)
	ctx.Emit(EventBoard.New(p.ID, s.ID, strconv.FormatBool(!m.StandDown), strconv.Itoa(len(p.Board))))
	return nil, nil
}

func (k *Keeper) join(ctx *ledger.Context, m Join) (any, error) {
	if ctx.Signer.Kind != ledger.Patient {
		return nil, fmt.Errorf("%w: members are patients, under their own key", ErrUnauthorized)
	}
	p, err := k.pool(ctx.Store, m.Pool)
	if err != nil {
		return nil, err
	}
	pt, now := ctx.Signer.ID, ctx.Time.Unix()
	ms, had := members.Get(ctx.Store, memberKey(p.ID, pt))
	if had && ms.Active() {
		return nil, fmt.Errorf("%w: %s is a member of pool %s since %s", ErrState, pt, p.ID, at(ms.Joined))
	}
	if had {
		ms.Past = append(ms.Past, ms.Term)
	}
	ms.Pool, ms.Patient = p.ID, pt
	ms.Term = Term{Joined: now, WaitEnds: now + p.WaitingSeconds}
	members.Set(ctx.Store, memberKey(p.ID, pt), ms)
	byMember.Add(ctx.Store, pt, p.ID)
	waiting.Add(ctx.Store, p.ID, hex16(ms.WaitEnds), pt)
	p.Members++
	pools.Set(ctx.Store, p.ID, p)
	ctx.Emit(EventJoined.New(p.ID, strconv.FormatInt(ms.WaitEnds, 10)))
	return ms, nil
}

// membership reads the signer's active membership of pool.
func (k *Keeper) membership(ctx *ledger.Context, pool string) (Membership, error) {
	ms, ok := members.Get(ctx.Store, memberKey(pool, ctx.Signer.ID))
	if ctx.Signer.Kind != ledger.Patient || !ok || !ms.Active() {
		return ms, fmt.Errorf("%w: the signer is not a member of pool %s", ErrNotMember, pool)
	}
	return ms, nil
}

func (k *Keeper) leave(ctx *ledger.Context, m Leave) (any, error) {
	ms, err := k.membership(ctx, m.Pool)
	if err != nil {
		return nil, err
	}
	p, _ := pools.Get(ctx.Store, m.Pool)
	if ms.Leaving {
		return nil, fmt.Errorf("%w: %s leaves pool %s when period %d is settled", ErrState, ms.Patient, p.ID, p.Open.Number)
	}
	now := ctx.Time.Unix()
	if !ms.Counted && now < ms.WaitEnds {
		// Still waiting: never covered, shares in nothing.
		waiting.Remove(ctx.Store, p.ID, hex16(ms.WaitEnds), ms.Patient)
		ms.Left = now
		p.Members--
		pools.Set(ctx.Store, p.ID, p)
	} else {
		ms.Leaving = true
		leaving.Add(ctx.Store, p.ID, ms.Patient)
	}
	members.Set(ctx.Store, memberKey(p.ID, ms.Patient), ms)
	ctx.Emit(EventLeft.New(p.ID, strconv.FormatBool(ms.Left != 0)))
	return ms, nil
}

func (k *Keeper) claim(ctx *ledger.Context, m FileClaim) (any, error) {
	ms, err := k.membership(ctx, m.Pool)
	if err != nil {
		return nil, err
	}
	p, _ := pools.Get(ctx.Store, m.Pool)
	now := ctx.Time.Unix()
	switch {
	case now < ms.WaitEnds:
		return nil, fmt.Errorf("%w: %s may claim from %s, when the waiting period of %d s since joining ends", ErrWaiting, ms.Patient, at(ms.WaitEnds), p.WaitingSeconds)
	case m.Currency != p.Currency:
		return nil, fmt.Errorf("%w: pool %s pays in %s, the claim is in %s", ErrCurrency, p.ID, p.Currency, m.Currency)
	case m.Amount > p.ClaimCap:
		return nil, fmt.Errorf("%w: pool %s pays at most %d %s per claim, the claim asks %d", ErrOverCap, p.ID, p.ClaimCap, p.Currency, m.Amount)
	case len(p.Board) < p.Quorum:
		return nil, fmt.Errorf("%w: pool %s has %d clinicians on its board, its quorum is %d", ErrNoBoard, p.ID, len(p.Board), p.Quorum)
	}
	for i, id := range m.Evidence {
		pt, active, ok := k.dir.RecordOf(ctx.Store, id)
		if !ok || !active || pt != ms.Patient {
			return nil, fmt.Errorf("%w: evidence[%d]: record %s is unknown, erased or not the claimant's", ErrEvidence, i, id)
		}
	}
	if inReview.Has(ctx.Store, p.ID, ms.Patient) {
		return nil, fmt.Errorf("%w: %s has a claim in review in pool %s: one at a time", ErrState, ms.Patient, p.ID)
	}
	c := Claim{ID: ledger.IDFrom("ac-", ctx.TxHash), Pool: p.ID, Claimant: ms.Patient, Condition: m.Condition,
		Evidence: m.Evidence, Amount: m.Amount, Currency: m.Currency, Status: ClaimInReview,
		Panel: slices.Clone(p.Board), Votes: []Vote{}, Deadline: now + p.ReviewSeconds, Filed: now, Height: ctx.Height}
	claims.Set(ctx.Store, c.ID, c)
	byPool.Add(ctx.Store, p.ID, c.ID)
	inReview.Add(ctx.Store, p.ID, c.Claimant)
	deadlines.Add(ctx.Store, hex16(c.Deadline), c.ID)
	ctx.Emit(EventClaimed.New(p.ID, c.ID, strconv.FormatInt(c.Amount, 10), strconv.FormatInt(c.Deadline, 10)))
	return ledger.Created{ID: c.ID}, nil
}

func (k *Keeper) vote(ctx *ledger.Context, m CastVote) (any, error) {
	c, ok := claims.Get(ctx.Store, m.Claim)
	s := ctx.Signer
	if !ok || s.Kind != ledger.Member || !slices.Contains(c.Panel, s.ID) {
		return nil, fmt.Errorf("%w: claim %s is unknown or %s is not on its panel (the pool's board when it was filed)", ErrNotReviewer, m.Claim, s.ID)
	}
	now := ctx.Time.Unix()
	switch {
	case c.Status != ClaimInReview:
		return nil, fmt.Errorf("%w: claim %s is %s", ErrState, c.ID, c.Status)
	case now >= c.Deadline:
		return nil, fmt.Errorf("%w: claim %s could be voted on before %s", ErrDeadline, c.ID, at(c.Deadline))
	case slices.ContainsFunc(c.Votes, func(v Vote) bool { return v.Reviewer == s.ID }):
		return nil, fmt.Errorf("%w: %s voted on claim %s", ErrVoted, s.ID, c.ID)
	}
	c.Votes = append(c.Votes, Vote{Reviewer: s.ID, Approve: m.Approve, Reason: m.Reason, Time: now})
	ctx.Emit(EventVoted.New(c.ID, s.ID, strconv.FormatBool(m.Approve)))
	p, _ := pools.Get(ctx.Store, c.Pool)
	yes, no := c.Tally()
	switch {
	case yes >= p.Quorum:
		c.Status = ClaimApproved
		c.Period = p.Open.Number
		p.Open.Approved += c.Amount
		p.Open.Claims++
		pools.Set(ctx.Store, p.ID, p)
		approved.Add(ctx.Store, p.ID, c.ID)
	case no >= p.Quorum || len(c.Panel)-no < p.Quorum:
		// Rejected by a quorum, or too few reviewers left to approve.
		c.Status = ClaimRejected
	}
	if c.Status != ClaimInReview {
		c.Decided = now
		deadlines.Remove(ctx.Store, hex16(c.Deadline), c.ID)
		inReview.Remove(ctx.Store, c.Pool, c.Claimant)
		ctx.Emit(EventDecided.New(c.ID, c.Pool, c.Status))
	}
	claims.Set(ctx.Store, c.ID, c)
	return c, nil
}

// EndBlock expires the claims in review whose deadline has come: an
// undecided claim counts as rejected.
func (k *Keeper) EndBlock(ctx *ledger.Context) error {
	upTo := hex16(ctx.Time.Unix())
	var due []string
	deadlines.Walk(ctx.Store, func(rest string) bool {
		if rest[:16] > upTo {
			return false
		}
		due = append(due, rest)
		return true
	})
	for _, e := range due {
		id := e[17:]
		deadlines.Remove(ctx.Store, e[:16], id)
		c, ok := claims.Get(ctx.Store, id)
		if !ok || c.Status != ClaimInReview {
			continue
		}
		c.Status, c.Decided = ClaimExpired, ctx.Time.Unix()
		claims.Set(ctx.Store, id, c)
		inReview.Remove(ctx.Store, c.Pool, c.Claimant)
		ctx.Emit(EventDecided.New(c.ID, c.Pool, c.Status))
	}
	return nil
}

// at formats a time of the module (unix seconds) for a message.
func at(t int64) string { return time.Unix(t, 0).UTC().Format(time.RFC3339) }

func hex16(t int64) string { return fmt.Sprintf("%016x", t) }

func pad(n int64, w int) string { return fmt.Sprintf("%0*d", w, n) }
