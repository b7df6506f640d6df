package client_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/api/apitest"
	"github.com/medchain/medchain/internal/pools"
)

// The SDK's copy of the categories and its commitment are the chain's.
func TestPoolListsAreTheChains(t *testing.T) {
	var want []client.PoolCategory
	for _, c := range pools.Categories {
		want = append(want, client.PoolCategory{Code: c.Code, Title: c.Title})
	}
	if !reflect.DeepEqual(client.PoolCategories, want) {
		t.Errorf("client.PoolCategories = %v, the chain's %v", client.PoolCategories, want)
	}
	salt := strings.Repeat("ab", client.PoolSaltSize)
	if got, want := client.ConditionCommitment("pl-000000000000000000000001", "C50", salt), pools.ConditionCommitment("pl-000000000000000000000001", "C50", salt); got != want {
		t.Errorf("ConditionCommitment = %s, the chain's %s", got, want)
	}
}

// TestPools: an insurer's pool, a patient's aid claim with her record as
// evidence, approved by the board's physician and paid at settlement,
// read back through every pools read of the SDK, signed where it is
// private.
func TestPools(t *testing.T) {
	_, c := start(t, apitest.Options{})
	ctx := context.Background()
	send := func(who string, m client.Msg) *client.TxResult {
		t.Helper()
		res, err := c.Send(ctx, signer(who), m)
		if err != nil {
			t.Fatalf("%s by %s: %v", m.MsgType(), who, err)
		}
		return res
	}
	send("hospital-admin", client.RegisterMember{Handle: "dr-grey", Roles: []string{"physician"}, PublicKey: signer("dr-grey").PublicKey()})
	var pt client.Created
	send("alice", client.RegisterPatient{}).Decode(&pt)
	rec := "rec-0000000000000000000000a1"
	send("dr-grey", client.AddRecords{Anchors: []client.Anchor{{Record: rec, Patient: pt.ID, Types: []string{"DiagnosticReport"},
		Hash: strings.Repeat("1", 64), Size: 100}}})

	var p client.AidPool
	send("insurer-admin", client.CreatePool{PoolTerms: client.PoolTerms{Conditions: []string{"I21", "C50"}, Currency: "USD",
		WaitingSeconds: 1, PeriodSeconds: 3, MemberCap: 500, ClaimCap: 10000, Quorum: 1, ReviewSeconds: 600}}).Decode(&p)
	send("alice", client.JoinPool{Pool: p.ID})
	commitment := client.ConditionCommitment(p.ID, "C50", strings.Repeat("5a", client.PoolSaltSize))
	claim := client.FileAidClaim{Pool: p.ID, Condition: commitment, Evidence: []string{rec}, Amount: 400, Currency: "USD"}
	// Too early: the waiting period.
	if _, err := c.Send(ctx, signer("alice"), claim); !client.IsCode(err, client.CodePoolsWaitingPeriod) {
		t.Fatalf("a claim within the waiting period: %v", err)
	}
	send("dr-grey", client.Volunteer{Pool: p.ID})
	var ac client.Created
	send("alice", claim).Decode(&ac)
	if _, err := c.Send(ctx, signer("insurer-admin"), client.VoteAidClaim{Claim: ac.ID, Approve: true}); !client.IsCode(err, client.CodePoolsNotReviewer) {
		t.Fatalf("a vote off the panel: %v", err)
	}
	send("dr-grey", client.VoteAidClaim{Claim: ac.ID, Approve: true})
	var per client.PoolPeriod
	send("alice", client.SettlePeriod{Pool: p.ID}).Decode(&per)
	if per.Members != 1 || per.Charge != 400 || per.Paid != 400 || len(per.Claims) != 1 {
		t.Fatalf("settled period %+v", per)
	}

	if page, err := c.AidPools(ctx, "", 10); err != nil || len(page.Items) != 1 || page.Items[0].Conditions[0] != "C50" {
		t.Fatalf("pools %+v %v", page, err)
	}
	if v, err := c.AidPool(ctx, p.ID); err != nil || v.Settled != 1 || v.Trend.Periods != 1 || v.Trend.CapUsedBps != 8000 {
		t.Fatalf("pool %+v %v", v, err)
	}
	if ps, err := c.PoolPeriods(ctx, p.ID, 10); err != nil || len(ps.Items) != 1 || ps.Items[0].Claims[0].Claim != ac.ID {
		t.Fatalf("periods %+v %v", ps, err)
	}
	if _, err := c.AidClaim(ctx, p.ID, ac.ID); !client.IsCode(err, "api.unauthenticated") {
		t.Fatalf("an anonymous claim read: %v", err)
	}
	alice := c.As(signer("alice"))
	if cl, err := alice.AidClaim(ctx, p.ID, ac.ID); err != nil || cl.Status != client.AidPaid || cl.Paid != 400 {
		t.Fatalf("claim %+v %v", cl, err)
	}
	if cs, err := c.As(signer("dr-grey")).AidClaims(ctx, p.ID); err != nil || len(cs.Items) != 1 {
		t.Fatalf("claims as the reviewer %+v %v", cs, err)
	}
	if st, err := alice.PoolStatement(ctx, p.ID, pt.ID); err != nil || st.Total != 400 || len(st.Lines) != 1 {
		t.Fatalf("statement %+v %v", st, err)
	}
	if ms, err := alice.MemberPools(ctx, pt.ID); err != nil || len(ms.Items) != 1 || ms.Items[0].ID != p.ID || !ms.Items[0].Counted {
		t.Fatalf("memberships %+v %v", ms, err)
	}
	if _, err := c.As(signer("dr-grey")).PoolStatement(ctx, p.ID, pt.ID); !client.IsCode(err, "chain.not_entitled") {
		t.Fatalf("another's statement: %v", err)
	}
}
