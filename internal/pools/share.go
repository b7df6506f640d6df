package pools

import "math/bits"

// Outcome is the arithmetic of one period's settlement, in minor units.
type Outcome struct {
	// Requested is the sum of the approved claims' amounts.
	Requested int64 `json:"requested"`
	// Share is each sharing member's part of Requested: Requested divided
	// by the sharing members, rounded up (0 when no member shares).
	Share int64 `json:"share"`
	// Levy is charged per member towards the reserve: the pool's levy
	// while the reserve is below its target, else 0.
	Levy int64 `json:"levy"`
	// Charge is what each sharing member pays: Share plus Levy, at most
	// the pool's cap per member. Capped is set when the cap cut it.
	Charge int64 `json:"charge"`
	Capped bool  `json:"capped"`
	// Collected is Charge times the sharing members.
	Collected int64 `json:"collected"`
	// Paid is what each approved claim receives, in the claims' order;
	// Scaled is set when the collection and the whole reserve could not
	// pay them in full and every claim was paid the same fraction.
	Paid      []int64 `json:"-"`
	PaidTotal int64   `json:"paid"`
	Scaled    bool    `json:"scaled"`
	// Drawn is taken from the reserve; Added put into it (the levy and
	// what rounding collects beyond the payouts). At most one is non-zero.
	Drawn int64 `json:"drawn"`
	Added int64 `json:"added"`
}

// Share settles a period: the approved amounts, the members who share
// and the reserve before settlement, under terms t. The rules (ADR 28):
//
//  1. Share = ceil(Requested / members): every member pays the same whole
//     number of minor units; what rounding up collects beyond the
//     payouts (less than one minor unit per member) goes to the reserve.
//  2. Charge = min(MemberCap, Share + Levy), Levy being charged only
//     while the reserve is below ReserveTarget.
//  3. If the collection falls short of the payouts, the reserve makes up
//     the difference, up to all of it.
//  4. If that is still short, every claim is paid the same fraction:
//     amount × available ÷ Requested, rounded down; the few minor units
//     the rounding leaves stay in the reserve.
//
// The reserve after settlement is reserve + Collected - PaidTotal, never
// negative.
func Share(amounts []int64, members int64, t Terms, reserve int64) Outcome {
	var o Outcome
	for _, a := range amounts {
		o.Requested += a
	}
	if members > 0 {
		o.Share = (o.Requested + members - 1) / members
	}
	if reserve < t.ReserveTarget && members > 0 {
		o.Levy = t.ReserveLevy
	}
	o.Charge = o.Share + o.Levy
	if o.Charge > t.MemberCap {
		o.Charge, o.Capped = t.MemberCap, true
	}
	o.Collected = o.Charge * members
	available := min(o.Requested, o.Collected+reserve)
	o.Paid = make([]int64, len(amounts))
	for i, a := range amounts {
		if available == o.Requested {
			o.Paid[i] = a
		} else {
			o.Paid[i] = mulDiv(a, available, o.Requested)
			o.Scaled = true
		}
		o.PaidTotal += o.Paid[i]
	}
	if d := o.PaidTotal - o.Collected; d > 0 {
		o.Drawn = d
	} else {
		o.Added = -d
	}
	return o
}

// mulDiv is a×b÷c rounded down, for 0 ≤ a, 0 ≤ b ≤ c, c > 0: exact in 128
// bits, so amounts up to MaxAmount never overflow.
func mulDiv(a, b, c int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	q, _ := bits.Div64(hi, lo, uint64(c))
	return int64(q)
}
