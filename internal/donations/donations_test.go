package donations

import "testing"

// value is the part of an amount that n of quantity units stand for, in
// integers: exact at the ends, rounded down between, and free of overflow
// at the module's limits.
func TestValue(t *testing.T) {
	for _, c := range []struct{ amount, n, q, want int64 }{
		{40000, 5, 5, 40000},
		{40000, 0, 5, 0},
		{10000, 5, 10, 5000},
		{100, 1, 3, 33},
		{100, 2, 3, 66},
		{100, 3, 3, 100},
		{MaxAmount, MaxQuantity - 1, MaxQuantity, MaxAmount - MaxAmount/MaxQuantity},
		{MaxAmount, MaxQuantity, MaxQuantity, MaxAmount},
		{7, 1, 0, 0},
	} {
		if got := value(c.amount, c.n, c.q); got != c.want {
			t.Errorf("value(%d, %d, %d) = %d, want %d", c.amount, c.n, c.q, got, c.want)
		}
	}
}

// Stage follows a donation through its totals.
func TestStage(t *testing.T) {
	for _, c := range []struct {
		d    Donation
		want string
	}{
		{Donation{Kind: KindCash, Amount: 10}, StagePledged},
		{Donation{Kind: KindCash, Amount: 10, Funded: 3}, StageFunded},
		{Donation{Kind: KindCash, Amount: 10, Funded: 3, Allocated: 4}, StageCommitted},
		{Donation{Kind: KindCash, Amount: 10, Funded: 3, Allocated: 10, Delivered: 4}, StagePartly},
		{Donation{Kind: KindCash, Amount: 10, Funded: 3, Allocated: 10, Delivered: 10}, StageReceived},
		{Donation{Kind: KindGoods, Quantity: 6}, StagePledged},
		{Donation{Kind: KindGoods, Quantity: 6, Shipped: 6}, StageShipped},
		{Donation{Kind: KindGoods, Quantity: 6, Shipped: 6, Rejected: 6}, StageRejected},
		{Donation{Kind: KindGoods, Quantity: 6, Shipped: 6, Delivered: 5}, StagePartly},
		{Donation{Kind: KindGoods, Quantity: 6, Shipped: 6, Delivered: 6}, StageReceived},
	} {
		if got := c.d.Stage(); got != c.want {
			t.Errorf("%+v: stage %s, want %s", c.d, got, c.want)
		}
	}
}
