package supply_test

import (
	"fmt"
	"testing"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/supply"
)

var mask = withCheck("0950600099021") // N95 respirator

func maskUnit(n int) string { return supply.UnitID(mask, fmt.Sprintf("M%05d", n)) }

func masks(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, maskUnit(i))
	}
	return out
}

func TestPPEDemandPledgeDeliverShortages(t *testing.T) {
	w := newBloodWorld(t)
	w.setup() // vaxco's vaccine
	w.must(quality, supply.TypeRegisterProduct, supply.RegisterProduct{GTIN: mask, Name: "N95 respirator", Kind: supply.KindPPE})
	w.must(maker, supply.TypeCommission, supply.Commission{GTIN: mask, Lot: "M1", Expiry: "2031-12-31", Serials: supply.Serials{Prefix: "M", Count: 1100, Width: 5}})
	caseM1, caseM2 := supply.ContainerID(withCheck("10614141234560001")), supply.ContainerID(withCheck("10614141234560002"))
	w.must(maker, supply.TypePack, supply.Pack{Parent: caseM1, Children: masks(0, 300)})
	w.must(maker, supply.TypePack, supply.Pack{Parent: caseM2, Children: masks(300, 600)})

	// Demand: by a hospital's or clinic's logistics, for a category or a PPE GTIN.
	demand := func(item string, q int64, by, region string) supply.PostDemand {
		return supply.PostDemand{Item: item, Quantity: q, NeededBy: by, Region: region}
	}
	w.refuseAll([]refusal{
		{"manufacturer", maker, supply.TypeDemand, demand("mask-n95", 1000, "2026-06-01", "US-MA"), supply.ErrUnauthorized},
		{"physician", genDoc, supply.TypeDemand, demand("mask-n95", 1000, "2026-06-01", "US-MA"), supply.ErrUnauthorized},
		{"unknown category", genBuyer, supply.TypeDemand, demand("mask-kn99", 1000, "2026-06-01", "US-MA"), ledger.ErrInvalidMsg},
		{"not PPE", genBuyer, supply.TypeDemand, demand(gtin, 1000, "2026-06-01", "US-MA"), supply.ErrState},
		{"unknown GTIN", genBuyer, supply.TypeDemand, demand(withCheck("0950600099999"), 1000, "2026-06-01", "US-MA"), supply.ErrNotFound},
		{"no quantity", genBuyer, supply.TypeDemand, demand("mask-n95", 0, "2026-06-01", "US-MA"), ledger.ErrInvalidMsg},
		{"past date", genBuyer, supply.TypeDemand, demand("mask-n95", 1000, "2026-04-30", "US-MA"), ledger.ErrInvalidMsg},
		{"bad date", genBuyer, supply.TypeDemand, demand("mask-n95", 1000, "2026-02-30", "US-MA"), ledger.ErrInvalidMsg},
		{"bad region", genBuyer, supply.TypeDemand, demand("mask-n95", 1000, "2026-06-01", "Massachusetts"), ledger.ErrInvalidMsg},
	})
	dMA := w.must(genBuyer, supply.TypeDemand, demand("mask-n95", 1000, "2026-06-01", "US-MA")).(supply.Demand)
	dNY := w.must(lakeBuyer, supply.TypeDemand, demand("mask-n95", 500, "2026-06-15", "US-NY")).(supply.Demand)
	dNYg := w.must(lakeBuyer, supply.TypeDemand, demand(mask, 200, "2026-06-15", "US-NY")).(supply.Demand)
	if dMA.Status != supply.DemandOpen || dMA.Org != "general" {
		t.Fatalf("demand: %+v", dMA)
	}

	// Pledges: manufacturers and distributors, never more than demanded.
	pledge := func(d string, q int64, g string) supply.MakePledge {
		return supply.MakePledge{Demand: d, Quantity: q, GTIN: g}
	}
	w.refuseAll([]refusal{
		{"hospital pledges", genBuyer, supply.TypePledge, pledge(dMA.ID, 600, mask), supply.ErrUnauthorized},
		{"unknown demand", maker, supply.TypePledge, pledge("dm-nope", 600, mask), supply.ErrNotFound},
		{"category without GTIN", maker, supply.TypePledge, pledge(dMA.ID, 600, ""), ledger.ErrInvalidMsg},
		{"not PPE", maker, supply.TypePledge, pledge(dMA.ID, 600, gtin), supply.ErrState},
		{"other GTIN than demanded", maker, supply.TypePledge, pledge(dNYg.ID, 100, gtin), ledger.ErrInvalidMsg},
		{"more than demanded", maker, supply.TypePledge, pledge(dMA.ID, 1001, mask), supply.ErrExceeds},
		{"no quantity", maker, supply.TypePledge, pledge(dMA.ID, 0, mask), ledger.ErrInvalidMsg},
	})
	p1 := w.must(maker, supply.TypePledge, pledge(dMA.ID, 600, mask)).(supply.Pledge)
	p2 := w.must(dist, supply.TypePledge, pledge(dMA.ID, 400, mask)).(supply.Pledge)
	w.refuse(dist, supply.TypePledge, pledge(dMA.ID, 1, mask), supply.ErrExceeds) // fully pledged
	if p := w.must(maker, supply.TypePledge, pledge(dNYg.ID, 50, "")).(supply.Pledge); p.GTIN != mask {
		t.Fatalf("pledge against a GTIN demand: %+v", p)
	}

	// Shipments fulfil pledges: the shipper's pledge, to the demanding
	// organisation, not more than pledged (units inside containers count).
	w.refuseAll([]refusal{
		{"over-delivery", maker, supply.TypeShip, supply.Ship{To: "general", Items: append([]string{caseM1, caseM2}, masks(600, 700)...), Pledge: p1.ID}, supply.ErrExceeds},
		{"wrong destination", maker, supply.TypeShip, supply.Ship{To: "swift", Items: []string{caseM1}, Pledge: p1.ID}, ledger.ErrInvalidMsg},
		{"unknown pledge", maker, supply.TypeShip, supply.Ship{To: "general", Items: []string{caseM1}, Pledge: "pl-nope"}, supply.ErrNotFound},
		{"another's pledge", maker, supply.TypeShip, supply.Ship{To: "general", Items: []string{caseM1}, Pledge: p2.ID}, supply.ErrUnauthorized},
		{"nothing pledged in it", maker, supply.TypeShip, supply.Ship{To: "general", Items: []string{unit(1)}, Pledge: p1.ID}, supply.ErrState},
	})
	sh := w.must(maker, supply.TypeShip, supply.Ship{To: "general", Items: []string{caseM1, caseM2}, Pledge: p1.ID}).(ledger.Created).ID
	if p, _ := w.k.Pledge(w.db.Committed(), p1.ID); p.InTransit != 600 {
		t.Fatalf("pledge in transit: %+v", p)
	}
	w.must(genBuyer, supply.TypeReceive, supply.Receive{Shipment: sh, Items: []string{caseM1, caseM2}})
	if d, _ := w.k.Demand(w.db.Committed(), dMA.ID); d.Delivered != 600 || d.Status != supply.DemandOpen {
		t.Fatalf("after the first delivery: %+v", d)
	}

	// The distributor's pledge: one unit goes missing, and is shipped again.
	sh = w.must(maker, supply.TypeShip, supply.Ship{To: "swift", Items: masks(600, 1002)}).(ledger.Created).ID
	w.must(dist, supply.TypeReceive, supply.Receive{Shipment: sh, Items: masks(600, 1002)})
	w.refuse(dist, supply.TypeShip, supply.Ship{To: "general", Items: masks(600, 1000), Pledge: p1.ID}, supply.ErrUnauthorized)
	sh = w.must(dist, supply.TypeShip, supply.Ship{To: "general", Items: masks(600, 1000), Pledge: p2.ID}).(ledger.Created).ID
	w.must(genBuyer, supply.TypeReceive, supply.Receive{Shipment: sh, Items: masks(600, 999)})
	r := w.db.Committed()
	if p, _ := w.k.Pledge(r, p2.ID); p.Delivered != 399 || p.InTransit != 0 {
		t.Fatalf("pledge after a short delivery: %+v", p)
	}
	if got := w.k.Shortages(r, "mask-n95", "US-MA"); len(got) != 1 || got[0] != (supply.Shortage{Item: "mask-n95", Region: "US-MA", Demanded: 1000, Pledged: 1000, Delivered: 999, Open: 1}) {
		t.Fatalf("shortage before the last unit: %+v", got)
	}
	w.refuse(dist, supply.TypeShip, supply.Ship{To: "general", Items: masks(1000, 1002), Pledge: p2.ID}, supply.ErrExceeds)
	sh = w.must(dist, supply.TypeShip, supply.Ship{To: "general", Items: masks(1000, 1001), Pledge: p2.ID}).(ledger.Created).ID
	w.must(genBuyer, supply.TypeReceive, supply.Receive{Shipment: sh, Items: masks(1000, 1001)})

	r = w.db.Committed()
	if d, _ := w.k.Demand(r, dMA.ID); d.Delivered != 1000 || d.Status != supply.DemandClosed || d.Closed == 0 {
		t.Fatalf("met demand: %+v", d)
	}
	w.refuseAll([]refusal{
		{"pledge against a closed demand", dist, supply.TypePledge, pledge(dMA.ID, 1, mask), supply.ErrClosed},
		{"ship against a closed demand", dist, supply.TypeShip, supply.Ship{To: "general", Items: masks(1001, 1002), Pledge: p2.ID}, supply.ErrClosed},
	})

	r = w.db.Committed()
	want := []supply.Shortage{
		{Item: "mask-n95", Region: "US-MA", Demanded: 1000, Pledged: 1000, Delivered: 1000, Open: 0},
		{Item: "mask-n95", Region: "US-NY", Demanded: 500, Open: 500},
	}
	if got := w.k.Shortages(r, "mask-n95", ""); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("shortages of N95 masks: %+v", got)
	}
	wantNY := []supply.Shortage{{Item: mask, Region: "US-NY", Demanded: 200, Pledged: 50, Open: 200}, want[1]}
	if got := w.k.Shortages(r, "", "US-NY"); fmt.Sprint(got) != fmt.Sprint(wantNY) {
		t.Fatalf("shortages in New York: %+v", got)
	}
	if got := w.k.Shortages(r, "", ""); len(got) != 3 {
		t.Fatalf("all shortages: %+v", got)
	}
	if got := w.k.OpenDemands(r, "mask-n95", "", 10); len(got) != 1 || got[0].ID != dNY.ID {
		t.Fatalf("open N95 demands: %+v", got)
	}
	if got := w.k.OpenDemands(r, "mask-n95", "US-MA", 10); len(got) != 0 {
		t.Fatalf("open demands in Massachusetts: %+v", got)
	}
	if got := w.k.Pledges(r, dMA.ID); len(got) != 2 || got[0].Delivered+got[1].Delivered != 1000 {
		t.Fatalf("pledges: %+v", got)
	}
	// Without a pledge, shipping stays what it was.
	w.must(dist, supply.TypeShip, supply.Ship{To: "general", Items: masks(1001, 1002)})
}

func TestTransform(t *testing.T) {
	w := newBloodWorld(t)
	w.setup() // vaxco's vaccine units S0000..S0019, lot L1
	kit := withCheck("0950600099031")
	w.must(quality, supply.TypeRegisterProduct, supply.RegisterProduct{GTIN: kit, Name: "Vaccination kit", Kind: supply.KindDrug})
	w.must(pcQA, supply.TypeRegisterProduct, supply.RegisterProduct{GTIN: alb, Name: "Albumin 20%", Kind: supply.KindPlasmaProduct})
	const id = "urn:epc:id:gdti:0614141.00001.1"
	out := func(g, lot string, serials ...string) supply.Output {
		return supply.Output{GTIN: g, Lot: lot, Expiry: "2027-06-30", Serials: supply.Serials{List: serials}}
	}
	tf := w.must(maker, supply.TypeTransform, supply.Transform{ID: id, Inputs: []string{unit(1), unit(2)}, Outputs: []supply.Output{out(kit, "K1", "K0001")}}).(supply.Transformation)
	if tf.ID != id || tf.Inputs != 2 || len(tf.Outputs) != 1 || tf.Outputs[0] != (supply.LotRef{GTIN: kit, Lot: "K1", Units: 1}) {
		t.Fatalf("transformation: %+v", tf)
	}
	// Continuing it may add units to a lot it made.
	tf = w.must(maker, supply.TypeTransform, supply.Transform{ID: id, Outputs: []supply.Output{out(kit, "K1", "K0002")}}).(supply.Transformation)
	if tf.Outputs[0].Units != 2 {
		t.Fatalf("continued: %+v", tf)
	}
	w.must(maker, supply.TypePack, supply.Pack{Parent: caseA, Children: []string{unit(7)}})

	w.refuseAll([]refusal{
		{"unknown input", maker, supply.TypeTransform, supply.Transform{Inputs: []string{unit(99)}}, supply.ErrNotFound},
		{"not the holder", dist, supply.TypeTransform, supply.Transform{Inputs: []string{unit(3)}}, supply.ErrNotCustodian},
		{"consumed input", maker, supply.TypeTransform, supply.Transform{Inputs: []string{unit(1)}}, supply.ErrState},
		{"container input", maker, supply.TypeTransform, supply.Transform{Inputs: []string{caseA}}, supply.ErrState},
		{"packed input", maker, supply.TypeTransform, supply.Transform{Inputs: []string{unit(7)}}, supply.ErrState},
		{"another maker's product", maker, supply.TypeTransform, supply.Transform{Inputs: []string{unit(3)}, Outputs: []supply.Output{out(alb, "X1", "X1")}}, supply.ErrUnauthorized},
		{"unknown product", maker, supply.TypeTransform, supply.Transform{Outputs: []supply.Output{out(withCheck("0950600099999"), "X1", "X1")}}, supply.ErrNotFound},
		{"existing lot", maker, supply.TypeTransform, supply.Transform{Inputs: []string{unit(3)}, Outputs: []supply.Output{out(gtin, "L1", "NEW1")}}, supply.ErrExists},
		{"inputs after outputs", maker, supply.TypeTransform, supply.Transform{ID: id, Inputs: []string{unit(3)}}, supply.ErrState},
		{"someone else's transformation", pcOps, supply.TypeTransform, supply.Transform{ID: id, Outputs: []supply.Output{out(alb, "X1", "X1")}}, supply.ErrUnauthorized},
		{"nothing", maker, supply.TypeTransform, supply.Transform{}, ledger.ErrInvalidMsg},
		{"ID with a slash", maker, supply.TypeTransform, supply.Transform{ID: "a/b", Inputs: []string{unit(3)}}, ledger.ErrInvalidMsg},
		{"input twice", maker, supply.TypeTransform, supply.Transform{Inputs: []string{unit(3), unit(3)}}, ledger.ErrInvalidMsg},
		{"too many units", maker, supply.TypeTransform, supply.Transform{Outputs: []supply.Output{
			{GTIN: kit, Lot: "K9", Expiry: "2027-06-30", Serials: supply.Serials{Count: supply.MaxCommission}},
			{GTIN: kit, Lot: "K8", Expiry: "2027-06-30", Serials: supply.Serials{Count: 1}}}}, ledger.ErrInvalidMsg},
	})
	w.must(agency, supply.TypeRecall, supply.RecallLots{GTIN: gtin, Lots: []string{"L1"}, Reason: "potency"})
	w.refuse(maker, supply.TypeTransform, supply.Transform{Inputs: []string{unit(3)}}, supply.ErrRecalled)

	r := w.db.Committed()
	made, used := w.k.ItemTransformations(r, supply.UnitID(kit, "K0002"))
	if len(made) != 1 || made[0].ID != id || len(used) != 0 {
		t.Fatalf("kit: made by %+v, used by %+v", made, used)
	}
	if made, used = w.k.ItemTransformations(r, unit(2)); len(made) != 0 || len(used) != 1 || used[0].ID != id {
		t.Fatalf("vial: made by %+v, used by %+v", made, used)
	}
	if in := w.k.TransformationInputs(r, id, 10); fmt.Sprint(in) != fmt.Sprint([]string{unit(1), unit(2)}) {
		t.Fatalf("inputs: %v", in)
	}
	if v := w.verify(unit(1)); v.Status != supply.StatusConsumed {
		t.Fatalf("consumed vial: %+v", v)
	}
	if lot, _ := w.k.Lot(r, kit, "K1"); lot.Units != 2 || lot.Manufacturer != "vaxco" {
		t.Fatalf("kit lot: %+v", lot)
	}
	// A generic transformation's lot traces back through it too.
	if lt := w.k.TraceLot(r, kit, "K1"); len(lt.Transformations) != 1 || len(lt.Donations) != 0 {
		t.Fatalf("trace of the kit lot: %+v", lt)
	}
}
