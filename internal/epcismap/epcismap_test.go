package epcismap_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/medchain/medchain/internal/epcis"
	"github.com/medchain/medchain/internal/epcismap"
	"github.com/medchain/medchain/internal/gs1"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/supply"
	"github.com/medchain/medchain/internal/tx"
)

const (
	gtin = "09506000134352"
	sscc = "106141412345678908"
	gln  = "0614141000029" // the distributor's
)

// fakeDir: a manufacturer and a distributor with one member each.
type fakeDir struct{}

func (fakeDir) OrgKind(_ state.Reader, org string) (ledger.OrgKind, bool) {
	k, ok := map[string]string{"vaxco": "manufacturer", "swift": "distributor"}[org]
	return ledger.OrgKind(k), ok
}
func (fakeDir) Member(state.Reader, string) (string, []ledger.Role, bool) { return "", nil, false }
func (fakeDir) PatientExists(state.Reader, string) bool                   { return false }

func doc(t *testing.T, events ...map[string]any) []byte {
	t.Helper()
	for _, e := range events {
		e["eventTime"], e["eventTimeZoneOffset"] = "2026-05-01T08:00:00.000Z", "+00:00"
	}
	b, err := json.Marshal(map[string]any{
		"@context":      []any{"https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"},
		"type":          "EPCISDocument",
		"schemaVersion": "2.0",
		"creationDate":  "2026-05-01T08:00:00.000Z",
		"epcisBody":     map[string]any{"eventList": events},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMapAndApply: an EPCIS document from a manufacturer (commission two
// packs, pack them into a case, ship the case to the distributor's GLN) is
// validated, hashed, mapped and applied; then the distributor's receiving
// document closes the shipment.
func TestMapAndApply(t *testing.T) {
	var epcs []any
	for _, s := range []string{"S1", "S2"} {
		u, _ := gs1.SGTIN(gtin, s, 7)
		epcs = append(epcs, u)
	}
	caseURN, _ := gs1.SSCCURN(sscc, 7)
	glnURN, err := gs1.SGLN(gln, "0", 7)
	if err != nil {
		t.Fatal(err)
	}
	out := doc(t,
		map[string]any{"type": "ObjectEvent", "action": "ADD", "bizStep": "commissioning", "disposition": "active", "epcList": epcs,
			"ilmd": map[string]any{"cbvmda:lotNumber": "L7", "cbvmda:itemExpirationDate": "2027-12-31"}},
		map[string]any{"type": "AggregationEvent", "action": "ADD", "bizStep": "packing", "parentID": caseURN, "childEPCs": epcs},
		map[string]any{"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "shipping", "epcList": []any{caseURN},
			"destinationList": []any{map[string]any{"type": "owning_party", "destination": glnURN}}},
		map[string]any{"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "inspecting", "epcList": []any{caseURN}},
	)
	d, err := epcis.Parse(out)
	if err != nil {
		t.Fatalf("the test document is not valid EPCIS: %v", err)
	}

	db, err := state.Open("", state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	k := supply.New(fakeDir{})
	routes := map[string]ledger.Handler{}
	for _, r := range k.Routes() {
		routes[r.Type] = r.Handler
	}
	seq := 0
	run := func(signer ledger.Principal, typ string, msg any) (any, error) {
		raw, _ := json.Marshal(msg)
		seq++
		o := state.NewOverlay(db.Working())
		ctx := &ledger.Context{Store: o, Height: int64(seq), Time: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC), TxHash: tx.HashOf([]byte(fmt.Sprint(seq))), Signer: signer}
		res, err := routes[typ](ctx, raw)
		if err == nil {
			o.Flush(db.Working())
		}
		if _, _, cerr := db.Commit(); cerr != nil {
			t.Fatal(cerr)
		}
		return res, err
	}
	maker := ledger.Principal{ID: "vaxco/qa", Kind: ledger.Member, Org: "vaxco", Roles: []ledger.Role{"quality-officer", "admin"}}
	dist := ledger.Principal{ID: "swift/admin", Kind: ledger.Member, Org: "swift", Roles: []ledger.Role{"admin", "logistics"}}
	if _, err := run(maker, supply.TypeRegisterProduct, supply.RegisterProduct{GTIN: gtin, Name: "Vaccine X", Kind: supply.KindVaccine}); err != nil {
		t.Fatal(err)
	}

	// Before the distributor registers its GLN, the shipment cannot map.
	_, err = epcismap.Map(d, db.Committed(), k)
	if !errors.Is(err, epcismap.ErrUnmappable) || !strings.Contains(err.Error(), "event 2") || !strings.Contains(err.Error(), gln) {
		t.Fatalf("unregistered destination: %v", err)
	}
	if _, err := run(dist, supply.TypeRegisterGLN, supply.RegisterGLN{GLN: gln}); err != nil {
		t.Fatal(err)
	}
	m, err := epcismap.Map(d, db.Committed(), k)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Events) != 4 || m.Events[0].Op.Commission == nil || m.Events[1].Op.Pack == nil || m.Events[2].Op.Ship == nil || len(m.Notes) != 1 {
		t.Fatalf("mapped: %+v", m)
	}
	if _, err := run(maker, supply.TypeEvents, supply.Events{Events: m.Events}); err != nil {
		t.Fatalf("apply: %v", err)
	}
	unit := supply.UnitID(gtin, "S2")
	if it, _ := k.Item(db.Committed(), unit); it.Lot != "L7" || it.Parent != supply.ContainerID(sscc) {
		t.Fatalf("unit after the document: %+v", it)
	}
	// Each event is on the ledger under the hash GS1's algorithm gives it.
	for _, e := range d.Events {
		if _, ok := k.Event(db.Committed(), e.Hash); !ok {
			t.Fatalf("event %s not anchored", e.Hash)
		}
	}

	in := doc(t, map[string]any{"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "receiving", "epcList": []any{caseURN}})
	d2, err := epcis.Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := epcismap.Map(d2, db.Committed(), k)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run(dist, supply.TypeEvents, supply.Events{Events: m2.Events}); err != nil {
		t.Fatalf("receive: %v", err)
	}
	if v := k.Verify(db.Committed(), unit, time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC)); v.Custodian != "swift" || v.Status != supply.StatusActive {
		t.Fatalf("after receiving: %+v", v)
	}
	// The same document again is a replay of its events.
	if _, err := run(maker, supply.TypeEvents, supply.Events{Events: m.Events[3:]}); !errors.Is(err, supply.ErrExists) {
		t.Fatalf("replayed event: %v", err)
	}
}

// noLedger is committed state with no GLNs and no items: enough for events
// that do not look anything up.
type noLedger struct{}

func (noLedger) OrgOfGLN(state.Reader, string) (string, bool)  { return "", false }
func (noLedger) Item(state.Reader, string) (supply.Item, bool) { return supply.Item{}, false }

// TestClassLevelAggregationRefused: an AggregationEvent that packs or
// unpacks by quantity (childQuantityList) cannot be applied per item, so it
// is refused when the document is mapped (before anything is signed), in
// EPCIS terms: which event, what is wrong, what to send instead. It used to
// map to "pack 0 items" (ADD) or "unpack everything" (DELETE).
func TestClassLevelAggregationRefused(t *testing.T) {
	caseURN, _ := gs1.SSCCURN(sscc, 7)
	unit, _ := gs1.SGTIN(gtin, "S1", 7)
	lgtin := "urn:epc:class:lgtin:0950600.013435.L7"
	byQuantity := []any{map[string]any{"epcClass": lgtin, "quantity": 10}}
	inspect := map[string]any{"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "inspecting", "epcList": []any{caseURN}}
	mapDoc := func(t *testing.T, raw []byte) (epcismap.Mapped, error) {
		t.Helper()
		d, err := epcis.Parse(raw)
		if err != nil {
			t.Fatalf("the test document is not valid EPCIS: %v", err)
		}
		return epcismap.Map(d, nil, noLedger{})
	}
	for _, tc := range []struct {
		name, event string
		doc         []byte
	}{
		// OpenEPCIS's capture example: 52 kg of a lot packed into an SSCC.
		{"OpenEPCIS AggregationEvent_with_sensorData", "event 0 (AggregationEvent ADD packing)",
			readFile(t, "../epcis/testdata/openepcis/Capture/Documents/AggregationEvent_with_sensorData.json")},
		{"ADD by quantity only", "event 1 (AggregationEvent ADD packing)", doc(t, inspect,
			map[string]any{"type": "AggregationEvent", "action": "ADD", "bizStep": "packing", "parentID": caseURN, "childQuantityList": byQuantity})},
		{"ADD of items and quantities", "event 0 (AggregationEvent ADD packing)", doc(t,
			map[string]any{"type": "AggregationEvent", "action": "ADD", "bizStep": "packing", "parentID": caseURN, "childEPCs": []any{unit}, "childQuantityList": byQuantity})},
		{"DELETE by quantity", "event 0 (AggregationEvent DELETE unpacking)", doc(t,
			map[string]any{"type": "AggregationEvent", "action": "DELETE", "bizStep": "unpacking", "parentID": caseURN, "childQuantityList": byQuantity})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := mapDoc(t, tc.doc)
			if !errors.Is(err, epcismap.ErrUnmappable) {
				t.Fatalf("mapped to %+v, err %v; want it refused", m, err)
			}
			for _, want := range []string{tc.event, "class-level aggregation by quantity (childQuantityList) is not tracked per item", "in childEPCs instead"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}

	// Observing an aggregation by quantity changes nothing: anchored only.
	m, err := mapDoc(t, doc(t, map[string]any{"type": "AggregationEvent", "action": "OBSERVE", "bizStep": "inspecting", "parentID": caseURN, "childQuantityList": byQuantity}))
	if err != nil || len(m.Events) != 1 || m.Events[0].Op != (supply.Op{}) || len(m.Notes) != 1 {
		t.Errorf("OBSERVE by quantity: %+v, %v", m, err)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
