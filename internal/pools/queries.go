package pools

import (
	"github.com/medchain/medchain/internal/state"
)

// ValidID checks an ID of the module by its prefix ("pl-" a pool, "ac-"
// an aid claim).
func ValidID(prefix, id string) error { return validID("id", prefix, id) }

// Pool reads a pool.
func (k *Keeper) Pool(r state.Reader, id string) (Pool, bool) { return pools.Get(r, id) }

// Pools lists pools in ID order, after an ID, paged.
func (k *Keeper) Pools(r state.Reader, after string, limit int) ([]Pool, string) {
	return pools.Page(r, "", after, limit)
}

// Claim reads an aid claim: callers check SeesClaim before they show it.
func (k *Keeper) Claim(r state.Reader, id string) (Claim, bool) { return claims.Get(r, id) }

// PoolClaims lists a pool's claims that keep returns true for, in ID
// order, up to limit.
func (k *Keeper) PoolClaims(r state.Reader, pool string, keep func(Claim) bool, limit int) []Claim {
	var out []Claim
	byPool.Walk(r, func(id string) bool {
		if c, ok := claims.Get(r, id); ok && keep(c) {
			out = append(out, c)
		}
		return len(out) < limit
	}, pool)
	return out
}

// Membership reads a patient's membership of a pool.
func (k *Keeper) Membership(r state.Reader, pool, patient string) (Membership, bool) {
	return members.Get(r, memberKey(pool, patient))
}

// MemberPool is one of a patient's memberships, named by its pool.
type MemberPool struct {
	ID string `json:"id"` // the pool
	Membership
}

// MemberPools lists a patient's memberships (past ones included), by
// pool, up to limit.
func (k *Keeper) MemberPools(r state.Reader, patient string, limit int) []MemberPool {
	var out []MemberPool
	byMember.Walk(r, func(pool string) bool {
		if ms, ok := members.Get(r, memberKey(pool, patient)); ok {
			out = append(out, MemberPool{ID: pool, Membership: ms})
		}
		return len(out) < limit
	}, patient)
	return out
}

// Periods lists a pool's settled periods, oldest first: the last limit.
func (k *Keeper) Periods(r state.Reader, pool string, limit int) []Period {
	p, ok := pools.Get(r, pool)
	if !ok || limit <= 0 {
		return nil
	}
	after := ""
	if p.Settled > limit {
		after = periodKey(pool, p.Settled-limit)
	}
	out, _ := periods.Page(r, pool+"/", after, limit)
	return out
}

// Trend is what a pool's recent periods say about where its share is
// going: the signal Xiang Hu Bao's members saw only when their share had
// tripled.
type Trend struct {
	// Periods is how many settled periods it reads (the last TrendWindow
	// at most); Shares and Members are theirs, oldest first.
	Periods int     `json:"periods"`
	Shares  []int64 `json:"shares"`
	Members []int64 `json:"members"`
	// ChangeBps is the last period's share against the one before, in
	// basis points (integers, rounded toward zero; 0 without a share
	// before).
	ChangeBps int64 `json:"change_bps"`
	// RisingStreak counts the periods in a row, up to the last, whose
	// share rose; FallingMembers those whose sharing members fell.
	RisingStreak   int `json:"rising_streak"`
	FallingMembers int `json:"falling_members"`
	// CapUsedBps is the last share against the cap per member (basis
	// points).
	CapUsedBps int64 `json:"cap_used_bps"`
	// Warnings are codes: share-rising (two periods in a row or more),
	// near-cap (the share at 80% of the cap or more), capped (the cap cut
	// the last charge), reserve-drawn, scaled (claims paid less than
	// asked), members-falling (two periods in a row or more),
	// reserve-below-target.
	Warnings []string `json:"warnings"`
}

// TrendWindow is the number of periods Trend reads.
const TrendWindow = 6

// TrendOf reads the trend of pool p from its settled periods (oldest
// first).
func TrendOf(p Pool, ps []Period) Trend {
	if len(ps) > TrendWindow {
		ps = ps[len(ps)-TrendWindow:]
	}
	t := Trend{Periods: len(ps), Shares: []int64{}, Members: []int64{}, Warnings: []string{}}
	for i, per := range ps {
		t.Shares = append(t.Shares, per.Share)
		t.Members = append(t.Members, per.Members)
		if i == 0 {
			continue
		}
		prev := ps[i-1]
		if per.Share > prev.Share {
			t.RisingStreak++
		} else {
			t.RisingStreak = 0
		}
		if per.Members < prev.Members {
			t.FallingMembers++
		} else {
			t.FallingMembers = 0
		}
	}
	warn := func(on bool, code string) {
		if on {
			t.Warnings = append(t.Warnings, code)
		}
	}
	if n := len(ps); n > 0 {
		last := ps[n-1]
		if n > 1 && ps[n-2].Share > 0 {
			t.ChangeBps = (last.Share - ps[n-2].Share) * 10_000 / ps[n-2].Share
		}
		t.CapUsedBps = mulDiv(min(last.Share, p.MemberCap), 10_000, p.MemberCap)
		warn(t.RisingStreak >= 2, "share-rising")
		warn(t.CapUsedBps >= 8_000, "near-cap")
		warn(last.Capped, "capped")
		warn(last.Drawn > 0, "reserve-drawn")
		warn(last.Scaled, "scaled")
	}
	warn(t.FallingMembers >= 2, "members-falling")
	warn(p.Reserve < p.ReserveTarget, "reserve-below-target")
	return t
}

// Statement is what a member paid, period by period, and why: the claims
// each period paid and how many members shared them.
type Statement struct {
	Pool       string          `json:"pool"`
	Patient    string          `json:"patient"`
	Currency   string          `json:"currency"`
	Membership Membership      `json:"membership"`
	Lines      []StatementLine `json:"lines"`
	// Total is what the member was charged over the lines.
	Total int64 `json:"total"`
}

// StatementLine is one period the member shared in.
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

// MemberStatement is a patient's statement in a pool: every settled
// period they shared in, in order.
func (k *Keeper) MemberStatement(r state.Reader, pool, patient string) (Statement, bool) {
	ms, ok := members.Get(r, memberKey(pool, patient))
	if !ok {
		return Statement{}, false
	}
	p, _ := pools.Get(r, pool)
	st := Statement{Pool: pool, Patient: patient, Currency: p.Currency, Membership: ms, Lines: []StatementLine{}}
	terms := append(append([]Term{}, ms.Past...), ms.Term)
	periods.Walk(r, pool+"/", func(_ string, per Period) bool {
		for _, t := range terms {
			if t.sharedIn(per.End) {
				st.Lines = append(st.Lines, StatementLine{Period: per.Number, End: per.End, Charge: per.Charge, Share: per.Share,
					Levy: per.Levy, Capped: per.Capped, Scaled: per.Scaled, Members: per.Members, Claims: per.Claims})
				st.Total += per.Charge
				break
			}
		}
		return true
	})
	return st, true
}

// PeriodKey is the state key of a settled period, for proofs.
func PeriodKey(pool string, n int) string { return string(periods.Key(periodKey(pool, n))) }

// ProjectedShare is what the period in progress would charge each member
// for its payouts if it were settled now, among the members counted at
// the last settlement (ceil, as Share; 0 when none is counted yet).
func (p Pool) ProjectedShare() int64 {
	if p.Sharing == 0 {
		return 0
	}
	return (p.Open.Approved + p.Sharing - 1) / p.Sharing
}
