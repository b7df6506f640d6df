package bench

import (
	"bytes"
	"context"
	"testing"

	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/medchain/medchain/internal/governance"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/supply"
	"github.com/medchain/medchain/internal/tx"
)

// TestSupplyPrepare checks the supply workload's plan: the admission of a
// manufacturer by the admin, then its product, then events of real EPCIS
// documents signed by the manufacturer's admin.
func TestSupplyPrepare(t *testing.T) {
	w, err := NewWorkload("supply")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Prepare(context.Background(), Env{ChainID: "c", Height: 1}, 1); err == nil {
		t.Fatal("Prepare without an admin key succeeded")
	}
	admin := ed25519.GenPrivKey()
	plan, err := w.Prepare(context.Background(), Env{ChainID: "c", Height: 7, Admin: admin}, 30)
	if err != nil {
		t.Fatal(err)
	}
	decode := func(raw []byte) tx.Body {
		t.Helper()
		d, err := tx.Decode(raw)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Verify(); err != nil {
			t.Fatal(err)
		}
		if d.Body.ChainID != "c" || d.Body.Expires != 7+TTL {
			t.Fatalf("body %+v", d.Body)
		}
		return d.Body
	}
	if len(plan.Setup) != 1 || len(plan.SetupStages) != 1 || len(plan.SetupStages[0]) != 1 || len(plan.Txs) != 30 {
		t.Fatalf("plan: %d setup txs, stages %v, %d txs", len(plan.Setup), len(plan.SetupStages), len(plan.Txs))
	}
	p := decode(plan.Setup[0])
	if p.Type != governance.TypePropose || !bytes.Equal(p.Signer, admin.PubKey().Bytes()) {
		t.Fatalf("first setup tx: %+v", p)
	}
	prop, err := ledger.Decode[governance.Propose](p.Msg)
	if err != nil {
		t.Fatal(err)
	}
	admit, err := ledger.Decode[governance.AdmitOrg](prop.Action.Payload)
	if err != nil || prop.Action.Type != governance.ActionAdmitOrg || admit.Kind != ledger.OrgManufacturer {
		t.Fatalf("proposal %+v: %v", prop, err)
	}
	r := decode(plan.SetupStages[0][0])
	reg, err := ledger.Decode[supply.RegisterProduct](r.Msg)
	if err != nil || r.Type != supply.TypeRegisterProduct || !bytes.Equal(r.Signer, admit.AdminKey) {
		t.Fatalf("second stage: %+v %v", r, err)
	}
	hashes, units := map[string]bool{}, map[string]bool{}
	for i, raw := range plan.Txs {
		b := decode(raw)
		if b.Type != supply.TypeEvents || !bytes.Equal(b.Signer, admit.AdminKey) {
			t.Fatalf("tx %d: %+v", i, b)
		}
		m, err := ledger.Decode[supply.Events](b.Msg)
		if err != nil {
			t.Fatalf("tx %d: %v", i, err)
		}
		if len(m.Events) != DefaultSupplyEvents {
			t.Fatalf("tx %d has %d events", i, len(m.Events))
		}
		for _, e := range m.Events {
			c := e.Op.Commission
			if c == nil || c.GTIN != reg.GTIN || e.BizStep != "commissioning" || hashes[e.Hash] {
				t.Fatalf("tx %d: event %+v", i, e)
			}
			hashes[e.Hash] = true
			for _, s := range c.Serials.Expand() {
				units[s] = true
			}
		}
	}
	if want := 30 * DefaultSupplyEvents * DefaultSupplyUnits; len(units) != want {
		t.Errorf("%d distinct serials, want %d", len(units), want)
	}
}
