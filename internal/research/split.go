package research

import (
	"strconv"

	"github.com/medchain/medchain/internal/ledger"
)

// Split divides a request's price between the n patients of its release
// and the custodian, in integer minor units:
//
//	pool      = price × ParticipantBps / 10000, rounded down
//	each      = pool / n, rounded down (each patient gets the same)
//	custodian = price − each × n (its own share and every remainder)
//
// So nothing is created or lost (each×n + custodian = price), every
// patient of a release gets the same amount, and the rounding always
// favours no patient over another: the odd minor units go to the
// custodian, which is one account.
func Split(price int64, n int) (each, custodian int64) {
	if n <= 0 {
		return 0, price
	}
	pool := price/10000*ParticipantBps + price%10000*ParticipantBps/10000
	each = pool / int64(n)
	return each, price - each*int64(n)
}

// settle releases a request's escrow on the requester's first access to
// its release: each released patient and the custodian are credited.
func (k *Keeper) settle(ctx *ledger.Context, rq Request, rl Release) {
	each, custodian := Split(rq.Price, rl.Patients)
	var ids []string // read in ID order, credited after
	releasedEnr.Walk(ctx.Store, func(id string) bool {
		ids = append(ids, id)
		return true
	}, rl.ID)
	for _, id := range ids {
		if e, ok := enrolments.Get(ctx.Store, id); ok {
			credit(ctx, e.Patient, rq.Currency, each)
		}
	}
	credit(ctx, rl.Custodian, rq.Currency, custodian)
	rq.Status = RequestPaid
	rq.PaidParticipants, rq.PaidCustodian = each*int64(rl.Patients), custodian
	requests.Set(ctx.Store, rq.ID, rq)
	ctx.Emit(EventPaid.New(rq.ID, rl.ID, strconv.FormatInt(rq.PaidParticipants, 10), strconv.FormatInt(custodian, 10), rq.Currency))
}

func credit(ctx *ledger.Context, account, currency string, amount int64) {
	if amount == 0 {
		return
	}
	key := account + "/" + currency
	b, _ := balances.Get(ctx.Store, key)
	b.Account, b.Currency, b.Amount = account, currency, b.Amount+amount
	balances.Set(ctx.Store, key, b)
}
