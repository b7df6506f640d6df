package bench

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/medchain/medchain/internal/claims"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/tx"
)

// TestClaimsPrepare checks the claims workload's plan: its setup (an
// insurer admitted, a patient registered, a plan, a coverage, the claims
// to decide), then submissions and decisions alternating, each decision
// of a claim submitted in the setup, all verifiable and well formed.
func TestClaimsPrepare(t *testing.T) {
	w, err := NewWorkload("claims")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Prepare(context.Background(), Env{ChainID: "c", Height: 1}, 10); err == nil {
		t.Fatal("Prepare without an admin key succeeded")
	}
	plan, err := w.Prepare(context.Background(), Env{ChainID: "c", Height: 3, Admin: ed25519.GenPrivKey()}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Setup) != 2 || len(plan.SetupStages) != 3 || len(plan.SetupStages[2]) != 5 || len(plan.Txs) != 10 {
		t.Fatalf("plan: %d setup, %d stages, %d txs", len(plan.Setup), len(plan.SetupStages), len(plan.Txs))
	}
	submitted := map[string]bool{}
	for _, raw := range plan.SetupStages[2] {
		submitted[ledger.IDFrom("cl-", tx.HashOf(raw))] = true
	}
	for i, raw := range plan.Txs {
		d, err := tx.Decode(raw)
		if err != nil || d.Verify() != nil {
			t.Fatalf("tx %d: %v", i, err)
		}
		want := claims.TypeSubmit
		if i%2 == 1 {
			want = claims.TypeAdjudicate
		}
		if d.Body.Type != want {
			t.Fatalf("tx %d is %s, want %s", i, d.Body.Type, want)
		}
		if want == claims.TypeAdjudicate {
			var m claims.Adjudicate
			if err := json.Unmarshal(d.Body.Msg, &m); err != nil || m.Validate() != nil || len(m.Items) != 2 || !submitted[m.Claim] {
				t.Fatalf("tx %d: %+v %v (not a claim of the setup, or malformed)", i, m, err)
			}
		}
	}
}
