package pools

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/medchain/medchain/internal/ledger"
)

// Period is a settled period's public figures: how many members shared,
// which claims were paid, what each member was charged and where the
// reserve stands, so that a rising share shows early.
type Period struct {
	ID     string `json:"id"` // pool/number
	Pool   string `json:"pool"`
	Number int    `json:"number"`
	Start  int64  `json:"start"`
	End    int64  `json:"end"` // settlement time
	Height int64  `json:"height"`
	// Members shared in the period; Joined of them for the first time
	// (their waiting period ended during it); Left stopped sharing after
	// it (their notice took effect).
	Members int64 `json:"members"`
	Joined  int64 `json:"joined"`
	Left    int64 `json:"left"`
	Outcome
	Claims   []PaidClaim `json:"claims"`
	Currency string      `json:"currency"`
	// Reserve is what the reserve holds after the settlement.
	Reserve int64 `json:"reserve"`
}

// PaidClaim is one approved claim a period paid.
type PaidClaim struct {
	Claim  string `json:"claim"`
	Amount int64  `json:"amount"`
	Paid   int64  `json:"paid"`
}

func (k *Keeper) settle(ctx *ledger.Context, m SettlePeriod) (any, error) {
	p, err := k.pool(ctx.Store, m.Pool)
	if err != nil {
		return nil, err
	}
	if !k.operates(ctx, p.Operator) {
		if _, err := k.membership(ctx, p.ID); err != nil {
			return nil, fmt.Errorf("%w: a period is settled by a member of the pool or by the operator %s's members holding one of the roles %v", ErrUnauthorized, p.Operator, OperatorRoles)
		}
	}
	now := ctx.Time.Unix()
	if now < p.Open.Ends {
		return nil, fmt.Errorf("%w: period %d of pool %s may be settled from %s", ErrPeriodOpen, p.Open.Number, p.ID, at(p.Open.Ends))
	}
	per := Period{ID: periodKey(p.ID, p.Open.Number), Pool: p.ID, Number: p.Open.Number, Start: p.Open.Start, End: now,
		Height: ctx.Height, Currency: p.Currency, Claims: []PaidClaim{}}

	// Members whose waiting period is over start to share.
	var started []string
	waiting.Walk(ctx.Store, func(rest string) bool {
		if rest[:16] > hex16(now) {
			return false
		}
		started = append(started, rest)
		return true
	}, p.ID)
	for _, e := range started {
		at, pt, _ := strings.Cut(e, string(rune(0)))
		waiting.Remove(ctx.Store, p.ID, at, pt)
		ms, _ := members.Get(ctx.Store, memberKey(p.ID, pt))
		ms.Counted = true
		members.Set(ctx.Store, memberKey(p.ID, pt), ms)
		p.Sharing++
		per.Joined++
	}
	per.Members = p.Sharing

	// The period's approved claims, in ID order.
	var ids []string
	approved.Walk(ctx.Store, func(id string) bool {
		ids = append(ids, id)
		return len(ids) < MaxSettleClaim
	}, p.ID)
	amounts := make([]int64, len(ids))
	cs := make([]Claim, len(ids))
	for i, id := range ids {
		cs[i], _ = claims.Get(ctx.Store, id)
		amounts[i] = cs[i].Amount
	}
	per.Outcome = Share(amounts, per.Members, p.Terms, p.Reserve)
	for i, c := range cs {
		approved.Remove(ctx.Store, p.ID, c.ID)
		c.Status, c.Paid, c.Period = ClaimPaid, per.Paid[i], per.Number
		claims.Set(ctx.Store, c.ID, c)
		per.Claims = append(per.Claims, PaidClaim{Claim: c.ID, Amount: c.Amount, Paid: c.Paid})
		ctx.Emit(EventPaid.New(c.ID, p.ID, strconv.Itoa(per.Number), strconv.FormatInt(c.Paid, 10)))
	}
	p.Reserve += per.Collected - per.PaidTotal
	per.Reserve = p.Reserve

	// Notices take effect: those members shared in this period, not after.
	var gone []string
	leaving.Walk(ctx.Store, func(pt string) bool { gone = append(gone, pt); return true }, p.ID)
	for _, pt := range gone {
		leaving.Remove(ctx.Store, p.ID, pt)
		ms, _ := members.Get(ctx.Store, memberKey(p.ID, pt))
		if ms.Counted {
			p.Sharing--
			per.Left++
		} else {
			waiting.Remove(ctx.Store, p.ID, hex16(ms.WaitEnds), pt)
		}
		ms.Leaving, ms.Left = false, now
		members.Set(ctx.Store, memberKey(p.ID, pt), ms)
		p.Members--
	}

	periods.Set(ctx.Store, per.ID, per)
	p.Settled = per.Number
	p.Open = OpenPeriod{Number: per.Number + 1, Start: now, Ends: now + p.PeriodSeconds}
	// Claims beyond MaxSettleClaim wait for the next period.
	approved.Walk(ctx.Store, func(id string) bool {
		c, _ := claims.Get(ctx.Store, id)
		p.Open.Approved += c.Amount
		p.Open.Claims++
		return true
	}, p.ID)
	pools.Set(ctx.Store, p.ID, p)
	ctx.Emit(EventSettled.New(p.ID, strconv.Itoa(per.Number), strconv.FormatInt(per.Members, 10),
		strconv.Itoa(len(per.Claims)), strconv.FormatInt(per.PaidTotal, 10), strconv.FormatInt(per.Charge, 10),
		strconv.FormatInt(per.Reserve, 10)))
	return per, nil
}
