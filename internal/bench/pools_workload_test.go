package bench

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/pools"
	"github.com/medchain/medchain/internal/tx"
)

// TestPoolsPrepare checks the pools workload's plan: the insurer's
// admission, the pool, a patient per join, and joins of that pool by
// those patients, all verifiable.
func TestPoolsPrepare(t *testing.T) {
	w, err := NewWorkload("pools")
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
	if len(plan.Setup) != 1 || len(plan.SetupStages) != 2 || len(plan.SetupStages[0]) != 1 || len(plan.SetupStages[1]) != 10 || len(plan.Txs) != 10 {
		t.Fatalf("plan: %d setup, %d stages, %d txs", len(plan.Setup), len(plan.SetupStages), len(plan.Txs))
	}
	pool := ledger.IDFrom("pl-", tx.HashOf(plan.SetupStages[0][0]))
	for i, raw := range plan.Txs {
		d, err := tx.Decode(raw)
		if err != nil || d.Verify() != nil {
			t.Fatalf("tx %d: %v", i, err)
		}
		var j pools.Join
		if d.Body.Type != pools.TypeJoin || json.Unmarshal(d.Body.Msg, &j) != nil || j.Pool != pool {
			t.Fatalf("tx %d: %s %s, want a join of %s", i, d.Body.Type, d.Body.Msg, pool)
		}
		reg, _ := tx.Decode(plan.SetupStages[1][i])
		if string(reg.Body.Signer) != string(d.Body.Signer) {
			t.Fatalf("tx %d is not signed by the patient registered for it", i)
		}
	}
}
