package api_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/medchain/medchain/internal/pools"
)

// seedPool creates a pool of acme-insurance (waiting 1 s, periods of 2 s,
// quorum 1), has patient join it, puts dr-grey on its board and has
// patient claim 1200 with record as evidence. It
// returns the pool and the claim.
func (e *env) seedPool(patient, patientKey, record string) (pool, claim string) {
	e.t.Helper()
	var p pools.Pool
	json.Unmarshal(e.ok("claims", pools.TypeCreate, pools.CreatePool{Terms: pools.Terms{Conditions: []string{"C50", "I21"}, Currency: "USD",
		WaitingSeconds: 1, PeriodSeconds: 2, MemberCap: 1000, ClaimCap: 50000, ReserveLevy: 5, ReserveTarget: 1000, Quorum: 1, ReviewSeconds: 3600},
		ReserveInitial: 100}).Result, &p)
	e.ok(patientKey, pools.TypeJoin, pools.Join{Pool: p.ID})
	// The harness's blocks are a second apart: one block later, the
	// waiting period is over (CheckTx judges by the last block's time).
	e.ok("dr-grey", pools.TypeVolunteer, pools.Volunteer{Pool: p.ID})
	salt := "5a1f00d5a1f00d5a1f00d5a1f00d5a1f00d5a1f00d5a1f00d5a1f00d5a1f00d5"
	claim = e.created(patientKey, pools.TypeClaim, pools.FileClaim{Pool: p.ID, Condition: pools.ConditionCommitment(p.ID, "C50", salt),
		Evidence: []string{record}, Amount: 1200, Currency: "USD"})
	return p.ID, claim
}

// The pools routes answer as openapi.json says: pools and periods to
// anyone, with the trend; a claim to its claimant, its reviewer and the
// operator, refused to others as an unknown one is; a statement to the
// member alone; bad IDs and unknown pools with a clear problem.
func TestPoolsMatchOpenAPI(t *testing.T) {
	e := newRecordsEnv(t)
	pt := e.registerPatient("pool-member")
	e.registerPatient("pool-other")
	rec := e.addRecord(pt)
	pool, claim := e.seedPool(pt, "pool-member", rec)
	e.ok("dr-grey", pools.TypeVote, pools.CastVote{Claim: claim, Approve: true})
	e.ok("pool-member", pools.TypeSettle, pools.SettlePeriod{Pool: pool})

	var page struct {
		Items []pools.Pool `json:"items"`
	}
	e.get("/v1/pools", http.StatusOK, &page)
	if len(page.Items) != 1 || page.Items[0].ID != pool || page.Items[0].Sharing != 1 || page.Items[0].Settled != 1 {
		t.Fatalf("pools: %+v", page)
	}
	var view struct {
		pools.Pool
		ProjectedShare int64       `json:"projected_share"`
		Trend          pools.Trend `json:"trend"`
	}
	e.get("/v1/pools/"+pool, http.StatusOK, &view)
	// 1200 shared by one member: 1200 + the levy of 5 is over the cap of
	// 1000; the reserve of 100 pays 100 more, and the claim gets 1100.
	if view.Reserve != 0 || view.Trend.Periods != 1 || view.Trend.Shares[0] != 1200 {
		t.Fatalf("pool view: %+v", view)
	}
	var ps struct {
		Items []pools.Period `json:"items"`
		Trend pools.Trend    `json:"trend"`
	}
	e.get("/v1/pools/"+pool+"/periods", http.StatusOK, &ps)
	if len(ps.Items) != 1 || ps.Items[0].Charge != 1000 || !ps.Items[0].Capped || !ps.Items[0].Scaled || ps.Items[0].PaidTotal != 1100 ||
		len(ps.Items[0].Claims) != 1 || ps.Items[0].Claims[0].Claim != claim {
		t.Fatalf("periods: %+v", ps.Items)
	}

	// The claim: to the claimant, the reviewer and the operator's officer.
	for _, who := range []string{"pool-member", "dr-grey", "claims"} {
		var c pools.Claim
		e.getAs(who, "/v1/pools/"+pool+"/claims/"+claim, http.StatusOK, &c)
		if c.Status != pools.ClaimPaid || c.Paid != 1100 {
			t.Fatalf("claim as %s: %+v", who, c)
		}
		var cs struct {
			Items []pools.Claim `json:"items"`
		}
		e.getAs(who, "/v1/pools/"+pool+"/claims", http.StatusOK, &cs)
		if len(cs.Items) != 1 {
			t.Fatalf("claims as %s: %+v", who, cs)
		}
	}
	// Another patient sees no claim, and is refused this one as an
	// unknown one: no oracle.
	var none struct {
		Items []pools.Claim `json:"items"`
	}
	e.getAs("pool-other", "/v1/pools/"+pool+"/claims", http.StatusOK, &none)
	if len(none.Items) != 0 {
		t.Fatalf("another patient lists %+v", none.Items)
	}
	a := e.getAs("pool-other", "/v1/pools/"+pool+"/claims/"+claim, http.StatusForbidden, nil)
	b := e.getAs("pool-other", "/v1/pools/"+pool+"/claims/ac-000000000000000000000000", http.StatusForbidden, nil)
	if problemCode(a) != "chain.not_entitled" || problemCode(b) != "chain.not_entitled" {
		t.Fatalf("refusals: %s / %s", a, b)
	}
	e.supplyProblem("/v1/pools/"+pool+"/claims/"+claim, http.StatusUnauthorized, "api.unauthenticated", "")

	// The statement: the member's own.
	var st pools.Statement
	e.getAs("pool-member", "/v1/pools/"+pool+"/statements/"+pt, http.StatusOK, &st)
	if len(st.Lines) != 1 || st.Total != 1000 || st.Lines[0].Claims[0].Claim != claim {
		t.Fatalf("statement: %+v", st)
	}
	e.getAs("claims", "/v1/pools/"+pool+"/statements/"+pt, http.StatusForbidden, nil)

	// The member's pools: the member's own.
	var mine struct {
		Items []pools.MemberPool `json:"items"`
	}
	e.getAs("pool-member", "/v1/patients/"+pt+"/pools", http.StatusOK, &mine)
	if len(mine.Items) != 1 || mine.Items[0].ID != pool || mine.Items[0].Patient != pt || !mine.Items[0].Counted {
		t.Fatalf("memberships: %+v", mine)
	}
	e.getAs("pool-other", "/v1/patients/"+pt+"/pools", http.StatusForbidden, nil)
	e.supplyProblem("/v1/patients/"+pt+"/pools", http.StatusUnauthorized, "api.unauthenticated", "")
	e.supplyProblem("/v1/pools/"+pool+"/statements/"+pt, http.StatusUnauthorized, "api.unauthenticated", "")

	// Bad input.
	e.supplyProblem("/v1/pools/cancer-pool", http.StatusBadRequest, "api.invalid_parameter", "id")
	e.supplyProblem("/v1/pools/pl-000000000000000000000000", http.StatusNotFound, "pools.not_found", "")
	e.supplyProblem("/v1/pools/pl-000000000000000000000000/periods", http.StatusNotFound, "pools.not_found", "")
	e.supplyProblem("/v1/pools/"+pool+"/periods?limit=x", http.StatusBadRequest, "api.invalid_parameter", "limit")
	if p := problemCode(e.getAs("pool-member", "/v1/pools/"+pool+"/statements/alice", http.StatusBadRequest, nil)); p != "api.invalid_parameter" {
		t.Fatalf("a bad patient ID: %s", p)
	}
}

// The pools schemas list exactly the chain's codes: the categories a pool
// may cover, the reasons of a rejection and the claim statuses.
func TestPoolEnumsAreTheChains(t *testing.T) {
	var categories []string
	for _, c := range pools.Categories {
		categories = append(categories, c.Code)
	}
	for _, c := range []struct {
		name      string
		got, want []string
	}{
		{"PoolCondition", schemaEnum(t, "PoolCondition"), categories},
		{"AidVote.reason", schemaEnum(t, "AidVote", "reason"), pools.RejectReasons},
		{"AidClaim.status", schemaEnum(t, "AidClaim", "status"),
			[]string{pools.ClaimInReview, pools.ClaimApproved, pools.ClaimRejected, pools.ClaimExpired, pools.ClaimPaid}},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s: openapi.json lists %v, the chain %v", c.name, c.got, c.want)
		}
	}
}
