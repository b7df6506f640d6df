package supply_test

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/medchain/medchain/internal/gs1"
	"github.com/medchain/medchain/internal/itemid"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/supply"
	"github.com/medchain/medchain/internal/tx"
)

// The supply benchmarks build their state on disk through the module's own
// handlers, one transaction at a time in an overlay flushed into the working
// tree and committed in blocks, as the node does (less signatures, the
// replay check and CheckTx). They measure; they assert nothing about speed.
//
//	go test ./internal/supply/ -run '^$' -bench . -benchtime 1x
//	MEDCHAIN_BENCH_UNITS=100000 go test ./internal/supply/ -run '^$' -bench . -benchtime 1x

// benchUnits is how many units the benchmarks commission
// (MEDCHAIN_BENCH_UNITS overrides it, e.g. 100000 for a quick run).
func benchUnits(b *testing.B) int {
	if s := os.Getenv("MEDCHAIN_BENCH_UNITS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("MEDCHAIN_BENCH_UNITS=%q: want a positive number of units", s)
		}
		return n
	}
	return 1_000_000
}

// benchScans is how many scans one op of BenchmarkVerifyScan makes
// (MEDCHAIN_BENCH_SCANS overrides it).
func benchScans(b *testing.B) int {
	if s := os.Getenv("MEDCHAIN_BENCH_SCANS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("MEDCHAIN_BENCH_SCANS=%q: want a positive number of scans", s)
		}
		return n
	}
	return 10_000
}

// The organisations and members of the benchmarks.
var (
	benchOps   = benchMember("vaxco", "ops", "quality-officer", "logistics")
	benchDock  = benchMember("swift", "dock", "logistics")
	benchTruck = benchMember("swift", "truck-1", "sensor")
	benchPharm = benchMember("corner", "lee", "pharmacist")
)

// benchGTIN is the benchmarks' vaccine (a GTIN-14 with its check digit).
const benchGTIN = "09506000134352"

func benchMember(org, handle string, roles ...ledger.Role) ledger.Principal {
	return ledger.Principal{ID: org + "/" + handle, Kind: ledger.Member, Org: org, Roles: roles}
}

// benchDir is the benchmarks' supply.Directory: fixed organisations and
// members, no patients (the benchmarks transfuse nothing).
type benchDir struct {
	orgs    map[string]ledger.OrgKind
	members map[string]ledger.Principal
}

func (d benchDir) OrgKind(_ state.Reader, org string) (ledger.OrgKind, bool) {
	k, ok := d.orgs[org]
	return k, ok
}

func (d benchDir) Member(_ state.Reader, id string) (string, []ledger.Role, bool) {
	m, ok := d.members[id]
	return m.Org, m.Roles, ok
}

func (benchDir) PatientExists(state.Reader, string) bool { return false }

func benchDirectory() benchDir {
	d := benchDir{orgs: map[string]ledger.OrgKind{"vaxco": "manufacturer", "swift": "distributor", "corner": "pharmacy"},
		members: map[string]ledger.Principal{}}
	for _, m := range []ledger.Principal{benchOps, benchDock, benchTruck, benchPharm} {
		d.members[m.ID] = m
	}
	return d
}

// benchChain runs messages through the module's routes against an on-disk
// state and commits blocks.
type benchChain struct {
	tb     testing.TB
	db     *state.DB
	routes map[string]ledger.Handler
	height int64
	now    time.Time
	seq    int
	// pending counts the txs of the block not yet committed.
	pending int
}

func newBenchChain(tb testing.TB, dir string, k *supply.Keeper) *benchChain {
	tb.Helper()
	db, err := state.Open(dir, state.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	c := &benchChain{tb: tb, db: db, routes: map[string]ledger.Handler{}, height: 1, now: time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)}
	for _, r := range k.Routes() {
		c.routes[r.Type] = r.Handler
	}
	return c
}

// exec runs one transaction in the current block as the app does: its
// writes go to an overlay, flushed into the working tree on success.
func (c *benchChain) exec(signer ledger.Principal, typ string, msg any) any {
	raw, err := json.Marshal(msg)
	if err != nil {
		c.tb.Fatal(err)
	}
	c.seq++
	w := c.db.Working()
	o := state.NewOverlay(w)
	ctx := &ledger.Context{Store: o, ChainID: "bench", Height: c.height, Time: c.now, TxHash: tx.HashOf([]byte(strconv.Itoa(c.seq))), Signer: signer}
	res, err := c.routes[typ](ctx, raw)
	if err != nil {
		c.tb.Fatalf("tx %d (%s by %s) at height %d: %v", c.seq, typ, signer.ID, c.height, err)
	}
	o.Flush(w)
	c.pending++
	return res
}

// commit ends the block.
func (c *benchChain) commit() {
	if _, _, err := c.db.Commit(); err != nil {
		c.tb.Fatal(err)
	}
	c.height++
	c.now = c.now.Add(5 * time.Second)
	c.pending = 0
}

// maybeCommit ends the block once it holds 50 txs.
func (c *benchChain) maybeCommit() {
	if c.pending >= 50 {
		c.commit()
	}
}

// dirSize is the size of the files under dir.
func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

func withCheckDigit(tb testing.TB, digits string) string {
	c, err := gs1.CheckDigit(digits)
	if err != nil {
		tb.Fatal(err)
	}
	return digits + string(c)
}

// BenchmarkCommissionMillion commissions a million units of one product
// (MEDCHAIN_BENCH_UNITS scales it) in transactions of supply.MaxCommission
// sequential serials, each in its own block committed to an on-disk state,
// ten lots of 100,000. An op is the whole million (ns/op is its total
// time); it reports units/s, the time of one transaction with its commit
// (p50, max), and the state's size on disk afterwards.
func BenchmarkCommissionMillion(b *testing.B) {
	units := benchUnits(b)
	const lotUnits = 100_000
	var (
		perTx                 []time.Duration
		handlerTime, commitTm time.Duration
		disk                  int64
	)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		c := newBenchChain(b, dir, supply.New(benchDirectory()))
		c.exec(benchOps, supply.TypeRegisterProduct, supply.RegisterProduct{GTIN: benchGTIN, Name: "Vaccine X 10-dose vial", Kind: supply.KindVaccine, MinMilliC: 2000, MaxMilliC: 8000})
		c.commit()
		perTx = perTx[:0]
		b.StartTimer()
		for done := 0; done < units; done += supply.MaxCommission {
			n := min(supply.MaxCommission, units-done)
			t0 := time.Now()
			c.exec(benchOps, supply.TypeCommission, supply.Commission{GTIN: benchGTIN, Lot: fmt.Sprintf("L%04d", done/lotUnits), Expiry: "2028-12-31",
				Serials: supply.Serials{Prefix: "SN", Start: int64(done), Count: int64(n), Width: 9}})
			t1 := time.Now()
			c.commit()
			t2 := time.Now()
			perTx = append(perTx, t2.Sub(t0))
			handlerTime += t1.Sub(t0)
			commitTm += t2.Sub(t1)
		}
		b.StopTimer()
		k := supply.New(benchDirectory())
		last := supply.UnitID(benchGTIN, fmt.Sprintf("SN%09d", units-1))
		if v := k.Verify(c.db.Committed(), last, c.now); !v.Genuine || v.Status != supply.StatusActive {
			b.Fatalf("the last unit: %+v", v)
		}
		if err := c.db.Close(); err != nil {
			b.Fatal(err)
		}
		disk = dirSize(dir)
		b.StartTimer()
	}
	b.StopTimer()
	elapsed := b.Elapsed()
	slices.Sort(perTx)
	b.ReportMetric(float64(units)*float64(b.N)/elapsed.Seconds(), "units/s")
	b.ReportMetric(elapsed.Seconds()/float64(b.N), "total-s")
	b.ReportMetric(float64(perTx[len(perTx)/2].Microseconds())/1000, "tx-p50-ms")
	b.ReportMetric(float64(perTx[len(perTx)-1].Microseconds())/1000, "tx-max-ms")
	b.ReportMetric(float64(disk)/1e6, "disk-MB")
	b.ReportMetric(float64(disk)/float64(units), "disk-B/unit")
	b.Logf("%d units in %d txs: %s handlers, %s commits (all runs); state on disk %.1f MB",
		units, len(perTx), handlerTime.Round(time.Millisecond), commitTm.Round(time.Millisecond), float64(disk)/1e6)
}

// scanLot is one commissioned lot of the scan benchmark's state.
type scanLot struct {
	gtin, lot, expiry string
	first, count      int // global unit numbers first..first+count-1
	fate              int // lotFate*
}

// What happens to a lot, by its number mod 10; the rest stay at the
// manufacturer as commissioned.
const (
	fatePalletsShipped = iota // packed in cases and pallets; shipped to the distributor, half of it on to the pharmacy
	fatePalletsHome           // packed in cases and pallets, at the manufacturer
	fateDispensed             // shipped loose to the pharmacy; 40% dispensed
	fateColdChain             // shipped loose to the distributor with a sensor; half received, half in transit; one excursion
	fateRecalled              // half shipped to the pharmacy; the lot recalled
)

func benchSerial(n int) string { return fmt.Sprintf("S%09d", n) }

func (l scanLot) unit(i int) string { return supply.UnitID(l.gtin, benchSerial(l.first+i)) }

// code is the GS1 element string printed on a pack of the lot.
func (l scanLot) code(serial string) string {
	exp := l.expiry[2:4] + l.expiry[5:7] + l.expiry[8:10]
	return "(01)" + l.gtin + "(17)" + exp + "(10)" + l.lot + "(21)" + serial
}

func chunk(ids []string, n int) [][]string {
	var out [][]string
	for len(ids) > n {
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}

// buildScanState commissions units in lots of supply.MaxCommission and
// moves them as the lot fates say, in blocks.
func buildScanState(b *testing.B, c *benchChain, units int) []scanLot {
	vaccine := benchGTIN
	drug := withCheckDigit(b, "0950600013436")
	c.exec(benchOps, supply.TypeRegisterProduct, supply.RegisterProduct{GTIN: vaccine, Name: "Vaccine X 10-dose vial", Kind: supply.KindVaccine, MinMilliC: 2000, MaxMilliC: 8000})
	c.exec(benchOps, supply.TypeRegisterProduct, supply.RegisterProduct{GTIN: drug, Name: "Amoxicillin 500 mg x 21", Kind: supply.KindDrug})
	c.commit()

	var lots []scanLot
	for first, j := 0, 0; first < units; first, j = first+supply.MaxCommission, j+1 {
		l := scanLot{gtin: vaccine, lot: fmt.Sprintf("B%05d", j), expiry: "2028-12-31", first: first, count: min(supply.MaxCommission, units-first), fate: j % 10}
		if j%3 == 2 {
			l.gtin = drug
		}
		c.exec(benchOps, supply.TypeCommission, supply.Commission{GTIN: l.gtin, Lot: l.lot, Expiry: l.expiry,
			Serials: supply.Serials{Prefix: "S", Start: int64(first), Count: int64(l.count), Width: 9}})
		c.commit()
		lots = append(lots, l)
	}

	// Pack: cases of 50 units, pallets of 20 cases.
	ssccN := 0
	nextSSCC := func() string {
		ssccN++
		return supply.ContainerID(withCheckDigit(b, fmt.Sprintf("10614141%09d", ssccN)))
	}
	pallets := map[int][]string{} // lot index -> its pallets
	for j, l := range lots {
		if l.fate != fatePalletsShipped && l.fate != fatePalletsHome {
			continue
		}
		var cases []string
		for lo := 0; lo < l.count; lo += 50 {
			var kids []string
			for i := lo; i < min(lo+50, l.count); i++ {
				kids = append(kids, l.unit(i))
			}
			cs := nextSSCC()
			c.exec(benchOps, supply.TypePack, supply.Pack{Parent: cs, Children: kids})
			c.maybeCommit()
			cases = append(cases, cs)
		}
		for _, group := range chunk(cases, 20) {
			p := nextSSCC()
			c.exec(benchOps, supply.TypePack, supply.Pack{Parent: p, Children: group})
			c.maybeCommit()
			pallets[j] = append(pallets[j], p)
		}
	}
	c.commit()

	// Ship from the manufacturer. Each step of the goods' way is in later
	// blocks than the one before, as time passes between them.
	type shipped struct {
		id, by string
		items  []string
		lot    int
	}
	var out []shipped
	ship := func(from ledger.Principal, to string, items []string, sensors []string, lot int) {
		res := c.exec(from, supply.TypeShip, supply.Ship{To: to, Items: items, Sensors: sensors})
		out = append(out, shipped{id: res.(ledger.Created).ID, by: to, items: items, lot: lot})
		c.maybeCommit()
	}
	loose := func(l scanLot, from, to int) []string {
		ids := make([]string, 0, to-from)
		for i := from; i < to; i++ {
			ids = append(ids, l.unit(i))
		}
		return ids
	}
	for j, l := range lots {
		switch l.fate {
		case fatePalletsShipped:
			for _, g := range chunk(pallets[j], 5) {
				ship(benchOps, "swift", g, nil, j)
			}
		case fateDispensed:
			for _, g := range chunk(loose(l, 0, l.count), supply.MaxItems) {
				ship(benchOps, "corner", g, nil, j)
			}
		case fateColdChain:
			for _, g := range chunk(loose(l, 0, l.count), supply.MaxItems) {
				ship(benchOps, "swift", g, []string{benchTruck.ID}, j)
			}
		case fateRecalled:
			for _, g := range chunk(loose(l, 0, l.count/2), supply.MaxItems) {
				ship(benchOps, "corner", g, nil, j)
			}
		}
	}
	c.commit()

	// Sensor readings on the cold-chain shipments: in range, but for the
	// first shipment of the first such lot.
	excursion := false
	for _, s := range out {
		if lots[s.lot].fate != fateColdChain {
			continue
		}
		var rs []supply.Reading1
		for m := range 12 {
			rs = append(rs, supply.Reading1{Time: c.now.Unix() + int64(m)*600, MilliC: 4000 + int64(m)*100})
		}
		if !excursion {
			rs[5].MilliC, excursion = 11_500, true
		}
		c.exec(benchTruck, supply.TypeReading, supply.Reading{Shipment: s.id, Readings: rs})
		c.maybeCommit()
	}
	c.commit()

	// Receive all but the second half of each cold-chain lot's shipments.
	var forward []shipped
	seen := map[int]int{}
	for _, s := range out {
		l := lots[s.lot]
		seen[s.lot]++
		if n := (l.count + supply.MaxItems - 1) / supply.MaxItems; l.fate == fateColdChain && seen[s.lot] > (n+1)/2 {
			continue // still in transit
		}
		signer := benchDock
		if s.by == "corner" {
			signer = benchPharm
		}
		c.exec(signer, supply.TypeReceive, supply.Receive{Shipment: s.id, Items: s.items})
		c.maybeCommit()
		if l.fate == fatePalletsShipped && seen[s.lot] == 1 {
			forward = append(forward, s)
		}
	}
	c.commit()

	// The distributor sends the first pallets of each shipped lot on to
	// the pharmacy, which receives them.
	var second []string
	for _, s := range forward {
		res := c.exec(benchDock, supply.TypeShip, supply.Ship{To: "corner", Items: s.items})
		second = append(second, res.(ledger.Created).ID)
		c.maybeCommit()
	}
	c.commit()
	for i, id := range second {
		c.exec(benchPharm, supply.TypeReceive, supply.Receive{Shipment: id, Items: forward[i].items})
		c.maybeCommit()
	}
	c.commit()

	// The pharmacy dispenses 40% of what it got loose; recalls.
	for _, l := range lots {
		switch l.fate {
		case fateDispensed:
			for _, g := range chunk(loose(l, 0, l.count*4/10), supply.MaxItems) {
				c.exec(benchPharm, supply.TypeDispense, supply.Dispense{Items: g})
				c.maybeCommit()
			}
		case fateRecalled:
			c.exec(benchOps, supply.TypeRecall, supply.RecallLots{GTIN: l.gtin, Lots: []string{l.lot}, Reason: "potency"})
			c.maybeCommit()
		}
	}
	c.commit()
	return lots
}

// checkScanState spot-checks the verdicts the state should give.
func checkScanState(b *testing.B, k *supply.Keeper, view state.Reader, now time.Time, lots []scanLot) {
	for _, l := range lots {
		var (
			v    = k.Verify(view, l.unit(0), now)
			want bool
		)
		switch l.fate {
		case fatePalletsShipped:
			want = v.Custodian == "corner" && v.Container != "" && len(v.Custody) == 7 && v.Status == supply.StatusActive
		case fatePalletsHome:
			want = v.Custodian == "vaxco" && v.Container != "" && len(v.Custody) == 3
		case fateDispensed:
			want = v.Suspect == "already_dispensed"
		case fateColdChain:
			// The first unit of the first cold-chain lot went through the
			// excursion; the last units of every one are in transit.
			want = v.Status == supply.StatusQuarantined || v.Status == supply.StatusActive
			if last := k.Verify(view, l.unit(l.count-1), now); l.count > supply.MaxItems && last.Status != supply.StatusInTransit {
				b.Fatalf("lot %s, last unit: %+v", l.lot, last)
			}
		case fateRecalled:
			want = v.Status == "recalled" && v.Custodian == "corner"
		default:
			want = v.Genuine && v.Status == supply.StatusActive && v.Custodian == "vaxco" && len(v.Custody) == 1
		}
		if !want || !v.Genuine {
			b.Fatalf("lot %s (fate %d), first unit: %+v", l.lot, l.fate, v)
		}
	}
}

// BenchmarkVerifyScan measures what a barcode scan costs on the node, less
// HTTP: itemid.Read of the GS1 element string on the pack, then Verify
// against the committed view of an on-disk state holding a million units
// (MEDCHAIN_BENCH_UNITS scales it) of two products in lots of 10,000, of
// which 20% are packed in cases of 50 on pallets of 20 cases (half of those
// shipped to a distributor and received, half of that sent on to a pharmacy),
// 10% shipped loose to a pharmacy (40% of them dispensed), 10% shipped with
// a temperature sensor (half still in transit, one shipment quarantined by
// an excursion), 10% of recalled lots (half at the pharmacy) and the rest at
// the manufacturer. 95% of the scans are of existing units, chosen at
// random; 5% are of unknown serials of a registered product.
//
// The state is built once (about 4,960 txs in 200 blocks for a million
// units: ten minutes or so on two cores); the sub-benchmark's op is a batch of 10,000 scans
// (MEDCHAIN_BENCH_SCANS), so that even -benchtime 1x gives percentiles. It
// reports the p50, p99 and max latency of one scan and scans/s of one
// goroutine.
func BenchmarkVerifyScan(b *testing.B) {
	units := benchUnits(b)
	scans := benchScans(b)
	k := supply.New(benchDirectory())
	dir := b.TempDir()
	c := newBenchChain(b, dir, k)
	defer c.db.Close()
	start := time.Now()
	lots := buildScanState(b, c, units)
	view, now := c.db.Committed(), c.now
	built := fmt.Sprintf("state: %d units in %d lots, %d txs in %d blocks, written in %s; %.1f MB on disk",
		units, len(lots), c.seq, c.height-1, time.Since(start).Round(time.Second), float64(dirSize(dir))/1e6)
	checkScanState(b, k, view, now, lots)

	// The scans: a pool of codes, cycled through by the ops.
	rng := rand.New(rand.NewPCG(1, 2))
	pool := make([]string, max(scans, 100_000))
	for i := range pool {
		l := lots[rng.IntN(len(lots))]
		if i%20 == 19 {
			pool[i] = l.code("X" + strconv.Itoa(rng.IntN(1e9))) // a serial nobody made
		} else {
			pool[i] = l.code(benchSerial(l.first + rng.IntN(l.count)))
		}
	}

	b.Run(fmt.Sprintf("units=%d", units), func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N*scans)
		statuses := map[string]int{}
		next := 0
		b.ResetTimer()
		for range b.N {
			for range scans {
				code := pool[next%len(pool)]
				next++
				t := time.Now()
				id, err := itemid.Read(code)
				v := k.Verify(view, id, now)
				lat = append(lat, time.Since(t))
				if err != nil {
					b.Fatalf("%s: %v", code, err)
				}
				statuses[v.Status+"/"+v.Suspect]++
			}
		}
		b.StopTimer()
		if statuses[supply.StatusActive+"/"] == 0 || statuses["unknown/unknown_serial"] == 0 {
			b.Fatalf("scan outcomes %v: want genuine and unknown serials", statuses)
		}
		slices.Sort(lat)
		var sum time.Duration
		for _, d := range lat {
			sum += d
		}
		b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
		b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
		b.ReportMetric(float64(lat[len(lat)-1].Nanoseconds()), "max-ns")
		b.ReportMetric(float64(len(lat))/sum.Seconds(), "scans/s")
		b.Logf("%s\n%d scans: %v", built, len(lat), statuses)
	})
}
