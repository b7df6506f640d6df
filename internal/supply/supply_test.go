package supply_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/supply"
	"github.com/medchain/medchain/internal/tx"
)

// dir is a fake directory: organisations by kind, members by ID.
type dir struct {
	orgs    map[string]ledger.OrgKind
	members map[string]ledger.Principal
}

func (d dir) OrgKind(_ state.Reader, org string) (ledger.OrgKind, bool) {
	k, ok := d.orgs[org]
	return k, ok
}
func (d dir) Member(_ state.Reader, id string) (string, []ledger.Role, bool) {
	m, ok := d.members[id]
	return m.Org, m.Roles, ok
}
func (d dir) PatientExists(_ state.Reader, id string) bool { return len(id) > 3 && id[:3] == "pt-" }

func member(org, handle string, roles ...ledger.Role) ledger.Principal {
	return ledger.Principal{ID: org + "/" + handle, Kind: ledger.Member, Org: org, Roles: roles}
}

var (
	quality  = member("vaxco", "quality", "quality-officer")
	maker    = member("vaxco", "logistics", "logistics")
	dist     = member("swift", "logistics", "logistics")
	distQA   = member("swift", "qa", "quality-officer")
	pharm    = member("corner", "lee", "pharmacist")
	fridge   = member("swift", "truck-7", "sensor")
	shelf    = member("corner", "fridge-1", "sensor")
	agency   = member("health", "epi", "epidemiologist")
	stranger = member("corner", "clerk", "logistics")
)

type world struct {
	t   *testing.T
	k   *supply.Keeper
	db  *state.DB
	h   int64
	now time.Time
	seq int
}

func newWorld(t *testing.T) *world {
	t.Helper()
	db, err := state.Open("", state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := dir{orgs: map[string]ledger.OrgKind{"vaxco": "manufacturer", "swift": "distributor", "corner": "pharmacy", "health": "public-health-agency"},
		members: map[string]ledger.Principal{}}
	for _, m := range []ledger.Principal{quality, maker, dist, distQA, pharm, fridge, shelf, agency, stranger} {
		d.members[m.ID] = m
	}
	return &world{t: t, k: supply.New(d), db: db, h: 1, now: time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)}
}

func (w *world) exec(signer ledger.Principal, typ string, msg any) (any, error) {
	w.t.Helper()
	raw, err := json.Marshal(msg)
	if err != nil {
		w.t.Fatal(err)
	}
	var h ledger.Handler
	for _, r := range w.k.Routes() {
		if r.Type == typ {
			h = r.Handler
		}
	}
	w.seq++
	o := state.NewOverlay(w.db.Working())
	ctx := &ledger.Context{Store: o, ChainID: "t", Height: w.h, Time: w.now, TxHash: tx.HashOf([]byte(fmt.Sprint(w.seq))), Signer: signer}
	res, err := h(ctx, raw)
	if err == nil {
		o.Flush(w.db.Working())
	}
	if _, _, err := w.db.Commit(); err != nil {
		w.t.Fatal(err)
	}
	w.h++
	w.now = w.now.Add(time.Minute)
	return res, err
}

func (w *world) must(signer ledger.Principal, typ string, msg any) any {
	w.t.Helper()
	res, err := w.exec(signer, typ, msg)
	if err != nil {
		w.t.Fatalf("%s by %s: %v", typ, signer.ID, err)
	}
	return res
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
}

const gtin = "09506000134352"

func unit(n int) string { return supply.UnitID(gtin, fmt.Sprintf("S%04d", n)) }

// SSCCs with valid check digits.
const (
	caseA  = "00/106141412345678908"
	pallet = "00/106141412345678915"
)

func (w *world) setup() {
	w.t.Helper()
	w.must(quality, supply.TypeRegisterProduct, supply.RegisterProduct{GTIN: gtin, Name: "Vaccine X 10-dose vial", Kind: supply.KindVaccine, MinMilliC: 2000, MaxMilliC: 8000})
	w.must(maker, supply.TypeCommission, supply.Commission{GTIN: gtin, Lot: "L1", Expiry: "2027-12-31", Serials: supply.Serials{Prefix: "S", Start: 0, Count: 20, Width: 4}})
}

func (w *world) verify(id string) supply.Verdict { return w.k.Verify(w.db.Committed(), id, w.now) }

func TestPackShipReceiveVerify(t *testing.T) {
	w := newWorld(t)
	_, err := w.exec(dist, supply.TypeRegisterProduct, supply.RegisterProduct{GTIN: gtin, Name: "x", Kind: supply.KindDrug})
	wantErr(t, err, supply.ErrUnauthorized)
	w.setup()
	_, err = w.exec(maker, supply.TypeCommission, supply.Commission{GTIN: gtin, Lot: "L1", Expiry: "2027-12-31", Serials: supply.Serials{List: []string{"S0003"}}})
	wantErr(t, err, supply.ErrExists)

	var kids []string
	for i := 0; i < 10; i++ {
		kids = append(kids, unit(i))
	}
	w.must(maker, supply.TypePack, supply.Pack{Parent: caseA, Children: kids})
	w.must(maker, supply.TypePack, supply.Pack{Parent: pallet, Children: []string{caseA}})
	_, err = w.exec(maker, supply.TypeShip, supply.Ship{To: "swift", Items: []string{caseA}})
	wantErr(t, err, supply.ErrState) // the case is on a pallet: ship the pallet

	res := w.must(maker, supply.TypeShip, supply.Ship{To: "swift", Items: []string{pallet, unit(15)}, Sensors: []string{fridge.ID}})
	sh := res.(ledger.Created).ID
	if v := w.verify(unit(3)); v.Status != supply.StatusInTransit || v.Custodian != "vaxco" || v.Container != pallet {
		t.Fatalf("in transit: %+v", v)
	}
	// Only attached sensors report; an in-range reading keeps the chain.
	_, err = w.exec(shelf, supply.TypeReading, supply.Reading{Shipment: sh, Readings: []supply.Reading1{{Time: w.now.Unix(), MilliC: 5000}}})
	wantErr(t, err, supply.ErrUnauthorized)
	w.must(fridge, supply.TypeReading, supply.Reading{Shipment: sh, Readings: []supply.Reading1{{Time: w.now.Unix(), MilliC: 4500}, {Time: w.now.Unix() + 60, MilliC: 5100}}})
	// Custody moves only when the receiver confirms; the stranger cannot.
	_, err = w.exec(pharm, supply.TypeReceive, supply.Receive{Shipment: sh, Items: []string{pallet}})
	wantErr(t, err, supply.ErrNotCustodian)
	res = w.must(dist, supply.TypeReceive, supply.Receive{Shipment: sh, Items: []string{pallet, unit(19)}})
	got := res.(supply.Shipment)
	if len(got.Missing) != 1 || got.Missing[0] != unit(15) || len(got.Extra) != 1 || got.Extra[0] != unit(19) || got.ColdChainVerdict() != "pass" {
		t.Fatalf("received: %+v", got)
	}
	v := w.verify(unit(3))
	if !v.Genuine || v.Status != supply.StatusActive || v.Custodian != "swift" || v.ColdChain != "pass" || v.Lot != "L1" || v.Expiry != "2027-12-31" {
		t.Fatalf("verdict after receipt: %+v", v)
	}
	var events []string
	for _, c := range v.Custody {
		events = append(events, c.Org+":"+c.Event)
	}
	// Packed into the case, the case onto the pallet, shipped, received.
	if fmt.Sprint(events) != "[vaxco:commissioned vaxco:packed vaxco:packed vaxco:shipped swift:received]" {
		t.Fatalf("custody chain = %v", events)
	}
	if v := w.verify(unit(15)); v.Suspect != "missing" {
		t.Fatalf("missing unit: %+v", v)
	}
	if v := w.verify(caseA); v.Contents != 10 || v.Custodian != "swift" {
		t.Fatalf("case verdict: %+v", v)
	}
	// Unpacked, a unit keeps the journey it made inside the case and pallet.
	w.must(dist, supply.TypeUnpack, supply.Unpack{Parent: pallet})
	w.must(dist, supply.TypeUnpack, supply.Unpack{Parent: caseA, Children: []string{unit(3)}})
	v = w.verify(unit(3))
	events = nil
	for _, c := range v.Custody {
		events = append(events, c.Org+":"+c.Event)
	}
	if v.Container != "" || v.Custodian != "swift" || fmt.Sprint(events) != "[vaxco:commissioned vaxco:packed vaxco:packed vaxco:shipped swift:received swift:unpacked swift:unpacked]" {
		t.Fatalf("after unpacking: container %q, custody %v", v.Container, events)
	}
}

func TestColdChainExcursionQuarantines(t *testing.T) {
	w := newWorld(t)
	w.setup()
	sh := w.must(maker, supply.TypeShip, supply.Ship{To: "swift", Items: []string{unit(1), unit(2)}, Sensors: []string{fridge.ID}}).(ledger.Created).ID
	res := w.must(fridge, supply.TypeReading, supply.Reading{Shipment: sh, Readings: []supply.Reading1{{Time: w.now.Unix(), MilliC: 5000}, {Time: w.now.Unix() + 600, MilliC: 11500}}})
	if n := res.(map[string]int)["excursions"]; n != 1 {
		t.Fatalf("excursions = %d", n)
	}
	// The receiver sees fail before accepting.
	s, _ := w.k.Shipment(w.db.Committed(), sh)
	if s.ColdChainVerdict() != "fail" || *s.MaxMilliC != 11500 {
		t.Fatalf("shipment before receipt: %+v", s)
	}
	w.must(dist, supply.TypeReceive, supply.Receive{Shipment: sh, Items: []string{unit(1), unit(2)}})
	v := w.verify(unit(1))
	if v.Status != supply.StatusQuarantined || v.ColdChain != "fail" || v.ColdChainReason == "" {
		t.Fatalf("after excursion: %+v", v)
	}
	_, err := w.exec(dist, supply.TypeShip, supply.Ship{To: "corner", Items: []string{unit(1)}})
	wantErr(t, err, supply.ErrQuarantined)
	_, err = w.exec(dist, supply.TypeRelease, supply.Release{Items: []string{unit(1)}, Reason: "stability data"})
	wantErr(t, err, supply.ErrUnauthorized)
	// A release states why; who released it and why stay in the history.
	_, err = w.exec(distQA, supply.TypeRelease, supply.Release{Items: []string{unit(1)}})
	wantErr(t, err, ledger.ErrInvalidMsg)
	w.must(distQA, supply.TypeRelease, supply.Release{Items: []string{unit(1)}, Reason: "stability data allows 12h at 12C"})
	v = w.verify(unit(1))
	if v.Status != supply.StatusActive {
		t.Fatalf("after release: %+v", v)
	}
	if last := v.Custody[len(v.Custody)-1]; last.Event != "released" || last.By != distQA.ID || last.Reason != "stability data allows 12h at 12C" || last.Org != "swift" {
		t.Fatalf("the release in the history: %+v", last)
	}
	// A storage sensor watches what its organisation holds.
	_, err = w.exec(shelf, supply.TypeReading, supply.Reading{Item: unit(2), Readings: []supply.Reading1{{Time: w.now.Unix(), MilliC: 1000}}})
	wantErr(t, err, supply.ErrUnauthorized)
}

func TestDispenseScanRecall(t *testing.T) {
	w := newWorld(t)
	w.setup()
	sh := w.must(maker, supply.TypeShip, supply.Ship{To: "corner", Items: []string{unit(1), unit(2), unit(3)}}).(ledger.Created).ID
	w.must(pharm, supply.TypeReceive, supply.Receive{Shipment: sh, Items: []string{unit(1), unit(2), unit(3)}})
	_, err := w.exec(stranger, supply.TypeDispense, supply.Dispense{Items: []string{unit(1)}})
	wantErr(t, err, supply.ErrUnauthorized)
	w.must(pharm, supply.TypeDispense, supply.Dispense{Items: []string{unit(1)}})

	// A second scan of a dispensed pack, and a serial nobody made, are suspects.
	if v := w.verify(unit(1)); v.Suspect != "already_dispensed" || !v.Genuine {
		t.Fatalf("dispensed: %+v", v)
	}
	fake := supply.UnitID(gtin, "FAKE1")
	if v := w.verify(fake); v.Suspect != "unknown_serial" || v.Genuine {
		t.Fatalf("fake: %+v", v)
	}
	if v := w.verify(supply.UnitID("00012345600012", "X")); v.Suspect != "unknown_product" {
		t.Fatalf("unknown product: %+v", v)
	}
	_, err = w.exec(pharm, supply.TypeReportScan, supply.ReportScan{Item: unit(2)})
	wantErr(t, err, supply.ErrState) // genuine and active: nothing to report
	a := w.must(pharm, supply.TypeReportScan, supply.ReportScan{Item: fake, Location: "414/0614141000012"}).(supply.Alert)
	w.must(pharm, supply.TypeReportScan, supply.ReportScan{Item: unit(1)})
	if got := w.k.Alerts(w.db.Committed(), "vaxco", 10); len(got) != 2 || got[0].Manufacturer != "vaxco" {
		t.Fatalf("the manufacturer's alerts: %+v (first alert %+v)", got, a)
	}

	// Recall: only the maker or a regulator; scans say so; holders are listed.
	_, err = w.exec(pharm, supply.TypeRecall, supply.RecallLots{GTIN: gtin, Lots: []string{"L1"}, Reason: "potency"})
	wantErr(t, err, supply.ErrUnauthorized)
	// A regulator's devices and members without a recall role may not.
	for _, p := range []ledger.Principal{member("health", "door-sensor", "sensor"), member("health", "dr-a", "physician")} {
		_, err = w.exec(p, supply.TypeRecall, supply.RecallLots{GTIN: gtin, Lots: []string{"L1"}, Reason: "potency"})
		wantErr(t, err, supply.ErrUnauthorized)
	}
	w.must(agency, supply.TypeRecall, supply.RecallLots{GTIN: gtin, Lots: []string{"L1"}, Reason: "potency below specification"})
	if v := w.verify(unit(2)); v.Status != "recalled" || v.Recall == nil || v.Recall.Org != "health" {
		t.Fatalf("recalled: %+v", v)
	}
	_, err = w.exec(pharm, supply.TypeDispense, supply.Dispense{Items: []string{unit(2)}})
	wantErr(t, err, supply.ErrRecalled)
	hs := w.k.Holders(w.db.Committed(), gtin, "L1", 5)
	if len(hs) != 2 || hs[0].Org != "corner" || hs[0].Units != 2 || hs[1].Org != "vaxco" || hs[1].Units != 17 {
		t.Fatalf("holders = %+v", hs)
	}
	// Recalled goods go back to their maker only.
	_, err = w.exec(pharm, supply.TypeShip, supply.Ship{To: "swift", Items: []string{unit(2)}})
	wantErr(t, err, supply.ErrQuarantined)
	w.must(pharm, supply.TypeShip, supply.Ship{To: "vaxco", Items: []string{unit(2)}})
}

func TestExpiryAndValidation(t *testing.T) {
	w := newWorld(t)
	w.setup()
	w.must(maker, supply.TypeCommission, supply.Commission{GTIN: gtin, Lot: "OLD", Expiry: "2026-01-31", Serials: supply.Serials{List: []string{"OLD1"}}})
	old := supply.UnitID(gtin, "OLD1")
	if v := w.verify(old); v.Status != "expired" {
		t.Fatalf("expired lot: %+v", v)
	}
	for _, c := range []struct {
		name string
		msg  any
		typ  string
	}{
		{"bad check digit", supply.RegisterProduct{GTIN: "09506000134353", Name: "x", Kind: "drug"}, supply.TypeRegisterProduct},
		{"bad kind", supply.RegisterProduct{GTIN: gtin, Name: "x", Kind: "food"}, supply.TypeRegisterProduct},
		{"bad date", supply.Commission{GTIN: gtin, Lot: "L", Expiry: "2026-02-30", Serials: supply.Serials{List: []string{"a"}}}, supply.TypeCommission},
		{"too many", supply.Commission{GTIN: gtin, Lot: "L", Expiry: "2026-02-28", Serials: supply.Serials{Count: supply.MaxCommission + 1}}, supply.TypeCommission},
		{"bad sscc", supply.Pack{Parent: "00/106141412345678909", Children: []string{unit(1)}}, supply.TypePack},
		{"twice", supply.Ship{To: "swift", Items: []string{unit(1), unit(1)}}, supply.TypeShip},
		{"a sensor twice", supply.Ship{To: "swift", Items: []string{unit(1)}, Sensors: []string{fridge.ID, fridge.ID}}, supply.TypeShip},
		{"unpack a bad parent", supply.Unpack{Parent: "crate-7"}, supply.TypeUnpack},
		{"unpack a bad child", supply.Unpack{Parent: unit(1), Children: []string{"S0001"}}, supply.TypeUnpack},
		{"receive no shipment", supply.Receive{Items: []string{unit(1)}}, supply.TypeReceive},
		{"receive a bad item", supply.Receive{Shipment: "sh-1", Items: []string{"not-an-id"}}, supply.TypeReceive},
		{"reading without a time", supply.Reading{Item: unit(1), Readings: []supply.Reading1{{MilliC: 4000}}}, supply.TypeReading},
		{"reading below absolute zero", supply.Reading{Item: unit(1), Readings: []supply.Reading1{{Time: 1, MilliC: -300_000}}}, supply.TypeReading},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := w.exec(maker, c.typ, c.msg)
			wantErr(t, err, ledger.ErrInvalidMsg)
		})
	}
}

func TestEPCISEventsAnchorAndApply(t *testing.T) {
	w := newWorld(t)
	w.must(quality, supply.TypeRegisterProduct, supply.RegisterProduct{GTIN: gtin, Name: "Vaccine X", Kind: supply.KindVaccine})
	h := func(n int) string { return fmt.Sprintf("ni:///sha-256;%064x?ver=CBV2.0", n) }
	commission := supply.Event{Hash: h(1), Type: "ObjectEvent", BizStep: "commissioning", Op: supply.Op{Commission: &supply.Commission{
		GTIN: gtin, Lot: "E1", Expiry: "2028-01-31", Serials: supply.Serials{List: []string{"E001", "E002"}}}}}
	pack := supply.Event{Hash: h(2), Type: "AggregationEvent", BizStep: "packing", Op: supply.Op{Pack: &supply.Pack{Parent: caseA, Children: []string{supply.UnitID(gtin, "E001"), supply.UnitID(gtin, "E002")}}}}
	observe := supply.Event{Hash: h(3), Type: "ObjectEvent", BizStep: "inspecting"}
	w.must(maker, supply.TypeEvents, supply.Events{Events: []supply.Event{commission, pack, observe}})
	if a, ok := w.k.Event(w.db.Committed(), h(2)); !ok || a.BizStep != "packing" || a.Signer != maker.ID {
		t.Fatalf("anchor = %+v %v", a, ok)
	}
	if v := w.verify(supply.UnitID(gtin, "E002")); v.Container != caseA || !v.Genuine {
		t.Fatalf("after the events: %+v", v)
	}
	// The same event again is refused; a failing event rolls back its whole batch.
	_, err := w.exec(maker, supply.TypeEvents, supply.Events{Events: []supply.Event{observe}})
	wantErr(t, err, supply.ErrExists)
	bad := supply.Event{Hash: h(5), Type: "ObjectEvent", BizStep: "shipping", Op: supply.Op{Ship: &supply.Ship{To: "nowhere", Items: []string{caseA}}}}
	_, err = w.exec(maker, supply.TypeEvents, supply.Events{Events: []supply.Event{{Hash: h(4), Type: "ObjectEvent"}, bad}})
	wantErr(t, err, supply.ErrNotFound)
	if _, ok := w.k.Event(w.db.Committed(), h(4)); ok {
		t.Fatal("an event of a refused batch was anchored")
	}
	_, err = w.exec(maker, supply.TypeEvents, supply.Events{Events: []supply.Event{{Hash: "sha256:abc", Type: "ObjectEvent"}}})
	wantErr(t, err, ledger.ErrInvalidMsg)
}

// Destruction is by the custodian, states why, and who destroyed what and
// why stays in the history; a scan then says destroyed.
func TestDestroyKeepsWhoAndWhy(t *testing.T) {
	w := newWorld(t)
	w.setup()
	_, err := w.exec(maker, supply.TypeDestroy, supply.Destroy{Items: []string{unit(3)}})
	wantErr(t, err, ledger.ErrInvalidMsg)
	_, err = w.exec(pharm, supply.TypeDestroy, supply.Destroy{Items: []string{unit(3)}, Reason: "vial cracked"})
	wantErr(t, err, supply.ErrNotCustodian)
	w.must(maker, supply.TypeDestroy, supply.Destroy{Items: []string{unit(3)}, Reason: "vial cracked in packing"})
	v := w.verify(unit(3))
	if v.Status != supply.StatusDestroyed || v.Suspect != "destroyed" {
		t.Fatalf("a destroyed unit scans as %+v", v)
	}
	if last := v.Custody[len(v.Custody)-1]; last.Event != supply.StatusDestroyed || last.By != maker.ID || last.Reason != "vial cracked in packing" {
		t.Fatalf("the destruction in the history: %+v", last)
	}
	_, err = w.exec(maker, supply.TypeDestroy, supply.Destroy{Items: []string{unit(3)}, Reason: "again"})
	if err == nil {
		t.Fatal("a destroyed unit was destroyed again")
	}
	// A case is destroyed once empty, not with goods still packed in it.
	const sscc = "00/106141412345678908"
	w.must(maker, supply.TypePack, supply.Pack{Parent: sscc, Children: []string{unit(4), unit(5)}})
	_, err = w.exec(maker, supply.TypeDestroy, supply.Destroy{Items: []string{sscc}, Reason: "crushed"})
	wantErr(t, err, supply.ErrState)
	if !strings.Contains(err.Error(), "holds 2 items") {
		t.Fatalf("error does not say what to do: %v", err)
	}
	w.must(maker, supply.TypeUnpack, supply.Unpack{Parent: sscc})
	w.must(maker, supply.TypeDestroy, supply.Destroy{Items: []string{sscc}, Reason: "crushed"})
	if v := w.verify(unit(4)); v.Status != supply.StatusActive || v.Container != "" {
		t.Fatalf("a unit taken out of the destroyed case: %+v", v)
	}
}

// Serials follow GS1 (character set 82): '/' is allowed and must not make
// one unit's contents look like another's; '|' and '~' are refused.
func TestSerialsWithSlashes(t *testing.T) {
	w := newWorld(t)
	w.setup()
	for _, bad := range []string{"A|B", "A~B", "A B"} {
		_, err := w.exec(maker, supply.TypeCommission, supply.Commission{GTIN: gtin, Lot: "L1", Expiry: "2027-12-31", Serials: supply.Serials{List: []string{bad}}})
		wantErr(t, err, ledger.ErrInvalidMsg)
	}
	w.must(maker, supply.TypeCommission, supply.Commission{GTIN: gtin, Lot: "L1", Expiry: "2027-12-31", Serials: supply.Serials{List: []string{"A", "A/B", "X", "Y"}}})
	a, ab, x, y := supply.UnitID(gtin, "A"), supply.UnitID(gtin, "A/B"), supply.UnitID(gtin, "X"), supply.UnitID(gtin, "Y")
	w.must(maker, supply.TypePack, supply.Pack{Parent: ab, Children: []string{x}})
	w.must(maker, supply.TypePack, supply.Pack{Parent: a, Children: []string{y}})
	if got := w.k.Children(w.db.Committed(), a, 10); len(got) != 1 || got[0] != y {
		t.Fatalf("children of %s: %v, want [%s]", a, got, y)
	}
	// Unpacking everything from A leaves A/B and what it holds alone.
	w.must(maker, supply.TypeUnpack, supply.Unpack{Parent: a})
	if got := w.k.Children(w.db.Committed(), ab, 10); len(got) != 1 || got[0] != x {
		t.Fatalf("children of %s after unpacking %s: %v", ab, a, got)
	}
	if v := w.verify(x); v.Container != ab {
		t.Fatalf("%s after unpacking %s: %+v", x, a, v)
	}
	if v := w.verify(y); v.Container != "" || v.Status != supply.StatusActive {
		t.Fatalf("%s after unpacking %s: %+v", y, a, v)
	}
}
