package bench

import (
	"context"
	"testing"

	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/medchain/medchain/internal/donations"
	"github.com/medchain/medchain/internal/tx"
)

// TestDonationsPrepare checks the donations workload's plan: its setup
// stages, then donations and deliveries alternating, all verifiable.
func TestDonationsPrepare(t *testing.T) {
	w, err := NewWorkload("donations")
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
	if len(plan.Setup) != 2 || len(plan.SetupStages) != 5 || len(plan.SetupStages[3]) != 10 || len(plan.SetupStages[4]) != 5 || len(plan.Txs) != 10 {
		t.Fatalf("plan: %d setup, %d stages, %d txs", len(plan.Setup), len(plan.SetupStages), len(plan.Txs))
	}
	for i, raw := range plan.Txs {
		d, err := tx.Decode(raw)
		if err != nil || d.Verify() != nil {
			t.Fatalf("tx %d: %v", i, err)
		}
		want := donations.TypePledge
		if i%2 == 1 {
			want = donations.TypeLinkShipment
		}
		if d.Body.Type != want {
			t.Fatalf("tx %d is %s, want %s", i, d.Body.Type, want)
		}
	}
}
