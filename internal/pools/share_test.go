package pools

import (
	"reflect"
	"slices"
	"testing"
)

// Share follows the rounding and shortfall rules of ADR 28, one rule per
// case, and never creates or loses a minor unit: the reserve after is
// reserve + Collected - PaidTotal, never negative.
func TestShare(t *testing.T) {
	terms := Terms{MemberCap: 1000, ReserveLevy: 10, ReserveTarget: 500}
	for _, c := range []struct {
		name    string
		amounts []int64
		members int64
		reserve int64
		terms   Terms
		want    Outcome
	}{
		{"no claims: the levy alone, while the reserve is below its target", nil, 3, 0, terms,
			Outcome{Levy: 10, Charge: 10, Collected: 30, Added: 30}},
		{"no claims, reserve at target: nothing charged", nil, 3, 500, terms,
			Outcome{}},
		{"even split", []int64{300}, 3, 500, terms,
			Outcome{Requested: 300, Share: 100, Charge: 100, Collected: 300, Paid: []int64{300}, PaidTotal: 300}},
		{"rounded up: 100 over 3 is 34 each, the 2 over go to the reserve", []int64{100}, 3, 500, terms,
			Outcome{Requested: 100, Share: 34, Charge: 34, Collected: 102, Paid: []int64{100}, PaidTotal: 100, Added: 2}},
		{"share and levy together", []int64{100}, 3, 0, terms,
			Outcome{Requested: 100, Share: 34, Levy: 10, Charge: 44, Collected: 132, Paid: []int64{100}, PaidTotal: 100, Added: 32}},
		{"capped: the reserve makes up the shortfall", []int64{2500}, 2, 600, terms,
			Outcome{Requested: 2500, Share: 1250, Charge: 1000, Capped: true, Collected: 2000, Paid: []int64{2500}, PaidTotal: 2500, Drawn: 500}},
		{"capped, reserve short: every claim paid the same fraction, rounded down", []int64{3000, 1000}, 2, 1000, terms,
			// available 3000 of 4000: 3/4 each.
			Outcome{Requested: 4000, Share: 2000, Charge: 1000, Capped: true, Collected: 2000, Paid: []int64{2250, 750}, PaidTotal: 3000, Scaled: true, Drawn: 1000}},
		{"scaled with rounding: the leftover stays in the reserve", []int64{1, 1, 1}, 1, 1, Terms{MemberCap: 1},
			// available 2 of 3: 2/3 of 1 is 0 each; nothing is drawn.
			Outcome{Requested: 3, Share: 3, Charge: 1, Capped: true, Collected: 1, Paid: []int64{0, 0, 0}, Scaled: true, Added: 1}},
		{"no member shares: the reserve pays what it can", []int64{1000}, 0, 400, terms,
			Outcome{Requested: 1000, Paid: []int64{400}, PaidTotal: 400, Scaled: true, Drawn: 400}},
		{"large amounts do not overflow", []int64{MaxAmount, MaxAmount}, 1, MaxAmount, Terms{MemberCap: MaxMemberCap},
			Outcome{Requested: 2 * MaxAmount, Share: 2 * MaxAmount, Charge: MaxMemberCap, Capped: true, Collected: MaxMemberCap,
				Paid: []int64{(MaxAmount + MaxMemberCap) / 2, (MaxAmount + MaxMemberCap) / 2}, PaidTotal: MaxAmount + MaxMemberCap, Scaled: true, Drawn: MaxAmount}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Share(c.amounts, c.members, c.terms, c.reserve)
			if c.want.Paid == nil {
				c.want.Paid = []int64{}
			}
			if !slices.Equal(got.Paid, c.want.Paid) {
				t.Errorf("paid %v, want %v", got.Paid, c.want.Paid)
			}
			got.Paid, c.want.Paid = nil, nil
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
			if after := c.reserve + got.Collected - got.PaidTotal; after < 0 || after != c.reserve+got.Added-got.Drawn {
				t.Errorf("reserve after %d: not reserve %d + added %d - drawn %d", after, c.reserve, got.Added, got.Drawn)
			}
		})
	}
}

// A commitment opens with its category and salt only, and only for a
// covered category.
func TestOpens(t *testing.T) {
	salt := "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	c := Claim{ID: "ac-000000000000000000000001", Pool: "pl-000000000000000000000001"}
	c.Condition = ConditionCommitment(c.Pool, "C50", salt)
	covered := []string{"C50", "I21"}
	if err := Opens(c, covered, "C50", salt); err != nil {
		t.Fatalf("the right opening: %v", err)
	}
	for _, o := range []struct{ cat, salt string }{
		{"I21", salt}, // another category
		{"C50", "11" + salt[2:]},
		{"C50", "short"},
	} {
		if Opens(c, covered, o.cat, o.salt) == nil {
			t.Errorf("%s %s opened the commitment to C50", o.cat, o.salt)
		}
	}
	if Opens(c, []string{"I21"}, "C50", salt) == nil {
		t.Error("an uncovered category was accepted")
	}
	if ConditionCommitment("pl-000000000000000000000002", "C50", salt) == c.Condition {
		t.Error("the commitment does not depend on the pool")
	}
}
