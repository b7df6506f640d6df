package pools_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/pools"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/tx"
)

// benchDir answers every organisation as an insurer and every record as
// its claimant's, active.
type benchDir struct{}

func (benchDir) OrgKind(state.Reader, string) (ledger.OrgKind, bool) { return ledger.OrgInsurer, true }
func (benchDir) RecordOf(_ state.Reader, id string) (string, bool, bool) {
	return "pt-" + id[len(id)-8:], true, true
}

// benchPool runs pools handlers directly over an on-disk state.
type benchPool struct {
	b    *testing.B
	db   *state.DB
	k    *pools.Keeper
	h    map[string]ledger.Handler
	now  time.Time
	seq  int
	pool string
}

func (p *benchPool) run(signer ledger.Principal, typ string, msg any) json.RawMessage {
	raw, _ := json.Marshal(msg)
	p.seq++
	ctx := &ledger.Context{Store: p.db.Working(), ChainID: "medchain-bench", Height: int64(p.seq), Time: p.now,
		TxHash: tx.HashOf([]byte(strconv.Itoa(p.seq))), Signer: signer}
	res, err := p.h[typ](ctx, raw)
	if err != nil {
		p.b.Fatalf("%s: %v", typ, err)
	}
	out, _ := json.Marshal(res)
	return out
}

func (p *benchPool) commit() {
	if _, _, err := p.db.Commit(); err != nil {
		p.b.Fatal(err)
	}
}

var (
	operator = ledger.Principal{ID: "acme/claims", Kind: ledger.Member, Org: "acme", Roles: []ledger.Role{ledger.RoleClaimsOfficer}}
	reviewer = ledger.Principal{ID: "general/dr-grey", Kind: ledger.Member, Org: "general", Roles: []ledger.Role{ledger.RolePhysician}}
)

func member(i int) ledger.Principal {
	return ledger.Principal{ID: fmt.Sprintf("pt-%08d", i), Kind: ledger.Patient}
}

// newBenchPool creates a pool (quorum 1, one reviewer) whose members
// joined and were counted by a first settlement; it returns how long that
// first settlement, which counts every member once, took.
func newBenchPool(b *testing.B, members int) (*benchPool, time.Duration) {
	db, err := state.Open(b.TempDir(), state.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	k := pools.New(benchDir{})
	p := &benchPool{b: b, db: db, k: k, h: map[string]ledger.Handler{}, now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, r := range k.Routes() {
		p.h[r.Type] = r.Handler
	}
	var created pools.Pool
	json.Unmarshal(p.run(operator, pools.TypeCreate, pools.CreatePool{Terms: pools.Terms{Conditions: []string{"C50"}, Currency: "USD",
		WaitingSeconds: 60, PeriodSeconds: 3600, MemberCap: 1000, ClaimCap: 1_000_000, ReserveLevy: 1, ReserveTarget: 1_000_000,
		Quorum: 1, ReviewSeconds: 86400}, ReserveInitial: 100_000}), &created)
	p.pool = created.ID
	p.run(reviewer, pools.TypeVolunteer, pools.Volunteer{Pool: p.pool})
	for i := range members {
		p.run(member(i), pools.TypeJoin, pools.Join{Pool: p.pool})
		if i%10_000 == 9_999 {
			p.commit()
		}
	}
	p.commit()
	p.now = p.now.Add(time.Hour)
	start := time.Now()
	p.run(operator, pools.TypeSettle, pools.SettlePeriod{Pool: p.pool})
	first := time.Since(start)
	p.commit()
	return p, first
}

// BenchmarkSettle measures a period's settlement with 10 approved claims,
// in pools of 1,000 and 10,000 members counted at the first settlement
// (whose own time, counting every member once, is reported as
// first-settle-ms): after it, the cost is the claims', not the members'
// (no per-member writes; a member's statement is derived from the
// periods).
func BenchmarkSettle(b *testing.B) {
	for _, members := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("members=%d", members), func(b *testing.B) {
			p, first := newBenchPool(b, members)
			commitment := pools.ConditionCommitment(p.pool, "C50", "00")
			i := 0
			for b.Loop() {
				i++
				b.StopTimer()
				for c := range 10 {
					claimant := member((i*10 + c) % members)
					var id ledger.Created
					json.Unmarshal(p.run(claimant, pools.TypeClaim, pools.FileClaim{Pool: p.pool, Condition: commitment,
						Evidence: []string{"rec-0000000000000000" + claimant.ID[3:]}, Amount: 5000, Currency: "USD"}), &id)
					p.run(reviewer, pools.TypeVote, pools.CastVote{Claim: id.ID, Approve: true})
				}
				p.commit()
				p.now = p.now.Add(time.Hour)
				b.StartTimer()
				p.run(operator, pools.TypeSettle, pools.SettlePeriod{Pool: p.pool})
				b.StopTimer()
				p.commit()
				b.StartTimer()
			}
			b.ReportMetric(float64(first.Microseconds())/1000, "first-settle-ms")
		})
	}
}

// BenchmarkJoin measures pools/join against a pool of 1,000 members.
func BenchmarkJoin(b *testing.B) {
	p, _ := newBenchPool(b, 1_000)
	i := 0
	for b.Loop() {
		i++
		p.run(member(1_000+i), pools.TypeJoin, pools.Join{Pool: p.pool})
		if i%1000 == 999 {
			b.StopTimer()
			p.commit()
			b.StartTimer()
		}
	}
}
