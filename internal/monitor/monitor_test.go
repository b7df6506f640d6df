package monitor_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	"github.com/cometbft/cometbft/types"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/medchain/medchain/internal/api/apitest"
	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/devicesim"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/localtx"
	"github.com/medchain/medchain/internal/monitor"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/telemetry"
	"github.com/medchain/medchain/internal/tx"
)

// fixture is a chain (apitest's, committing on its own) where
// general-hospital monitors alice with the oximeter "oxi" under her grant,
// and a monitor whose node is the hospital's custodian.
type fixture struct {
	t       testing.TB
	h       *apitest.Harness
	waiters *chain.Waiters
	mon     *monitor.Monitor
	reg     *prometheus.Registry
	alice   string
	grant   string
	seq     uint64
}

const device = "general-hospital/oxi"

func newFixture(t testing.TB, size int) *fixture {
	t.Helper()
	dir, idDir := t.TempDir(), t.TempDir() // removed after the monitor closes
	h, err := apitest.Start(apitest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, h: h, waiters: chain.NewWaiters(), reg: prometheus.NewRegistry()}
	h.App.Subscribe(f.waiters.Committed)
	t.Cleanup(func() {
		if f.mon != nil {
			f.mon.Close()
		}
		f.waiters.Close()
		h.Close()
	})
	reg := func(handle string, kind identity.MemberKind, role ledger.Role) {
		f.ok("hospital-admin", identity.TypeRegisterMember, identity.RegisterMember{Handle: handle, Kind: kind,
			Roles: []ledger.Role{role}, PublicKey: apitest.PubKey(handle)})
	}
	reg("dr", identity.Person, ledger.RolePhysician)
	reg("custodian", identity.System, ledger.RoleCustodian)
	reg("oxi", identity.Device, ledger.RoleSensor)
	f.ok("alice", identity.TypeRegisterPatient, identity.RegisterPatient{})
	f.alice = identity.PatientID(apitest.PubKey("alice"))
	var g ledger.Created
	f.result(f.ok("alice", records.TypeGrant, records.GrantMsg{Grantee: records.Grantee{Org: "general-hospital"},
		Purposes: []string{records.PurposeTreatment}, Expires: apitest.GenesisTime.AddDate(1, 0, 0)}), &g)
	f.grant = g.ID
	f.ok("dr", telemetry.TypeRegisterDevice, telemetry.RegisterDevice{Device: device, Kind: "pulse-oximeter"})
	f.ok("dr", telemetry.TypeAssign, telemetry.Assign{Device: device, Patient: f.alice, Grant: f.grant})
	signer := f.submitter("custodian")
	f.mon, err = monitor.Open(monitor.Options{Dir: dir, IdentityDir: idDir, App: h.App, Registry: f.reg,
		Custodians: []monitor.Custodian{{Org: "general-hospital", Signer: signer}}, BatchSize: size, BatchAge: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) submitter(name string) *localtx.Submitter {
	s, err := localtx.New(localtx.Options{Key: apitest.Key(name), Chain: f.h.App, Broadcast: f.h.Node.BroadcastTxSync, Waiters: f.waiters})
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

func (f *fixture) ok(name, typ string, msg any) chain.Outcome {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	o, err := f.submitter(name).Send(ctx, typ, msg)
	if err != nil {
		f.t.Fatalf("%s by %s: %v", typ, name, err)
	}
	return o
}

func (f *fixture) result(o chain.Outcome, v any) {
	f.t.Helper()
	if err := json.Unmarshal(o.Result.Data, v); err != nil {
		f.t.Fatal(err)
	}
}

// reading signs an observation as the device's reading seq.
func reading(t testing.TB, signer string, seq uint64, obs json.RawMessage) []byte {
	t.Helper()
	msg, _ := json.Marshal(telemetry.Reading{Seq: seq, Observation: obs})
	raw, err := tx.Sign(apitest.Key(signer), tx.Body{ChainID: apitest.ChainID, Nonce: seq, Expires: 1, Type: telemetry.TypeReading, Msg: msg})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// send signs and ingests observations as the device's next readings.
func (f *fixture) send(obs ...json.RawMessage) []monitor.Result {
	f.t.Helper()
	var raws [][]byte
	for _, o := range obs {
		f.seq++
		raws = append(raws, reading(f.t, "oxi", f.seq, o))
	}
	res, err := f.mon.Ingest(raws)
	if err != nil {
		f.t.Fatal(err)
	}
	return res
}

func (f *fixture) flush() {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if n := f.mon.Flush(ctx); n != 0 {
		f.t.Fatalf("%d batches still waiting", n)
	}
}

func (f *fixture) device() telemetry.Device {
	d, _ := f.h.App.Telemetry().Device(f.h.App.State().Committed(), device)
	return d
}

func statuses(res []monitor.Result) string {
	var b strings.Builder
	for _, r := range res {
		b.WriteString(r.Status)
		if r.Code != "" {
			b.WriteString("(" + r.Code + ")")
		}
		b.WriteString(" ")
	}
	return strings.TrimSpace(b.String())
}

func now(f *fixture) time.Time { return f.h.App.LastBlockTime() }

// Readings are batched, sealed, anchored; each proves into its anchored
// batch, and the proof fails for another reading or root.
func TestReadingsAreAnchoredAndProvable(t *testing.T) {
	f := newFixture(t, 4)
	at := now(f).Add(-time.Hour)
	var obs []json.RawMessage
	for i := range 10 {
		obs = append(obs, devicesim.SpO2(95+i%3, at.Add(time.Duration(i)*time.Minute)))
	}
	if got := statuses(f.send(obs...)); got != strings.TrimSpace(strings.Repeat("accepted ", 10)) {
		t.Fatalf("ingest: %s", got)
	}
	f.flush()
	d := f.device()
	if d.LastSeq != 10 || d.Readings != 10 || d.Batches != 3 || d.Missing != 0 {
		t.Fatalf("device after anchoring: %+v", d)
	}
	for seq := uint64(1); seq <= 10; seq++ {
		p, err := f.mon.Prove(device, seq)
		if err != nil {
			t.Fatalf("prove %d: %v", seq, err)
		}
		b, ok := f.h.App.Telemetry().Batch(f.h.App.State().Committed(), p.Batch)
		if !ok || b.Root != p.Root || seq < b.First || seq > b.Last {
			t.Fatalf("reading %d: proof names batch %s (%+v)", seq, p.Batch, b)
		}
		if err := telemetry.VerifyInclusion(p.Reading, p.Index, p.Size, p.Hashes, b.Root); err != nil {
			t.Fatalf("reading %d: %v", seq, err)
		}
		if !strings.Contains(p.Key, p.Batch) {
			t.Fatalf("state key %q", p.Key)
		}
		other := reading(t, "oxi", seq, devicesim.SpO2(50, at))
		if telemetry.VerifyInclusion(other, p.Index, p.Size, p.Hashes, b.Root) == nil {
			t.Fatalf("reading %d: a forged reading proves", seq)
		}
	}
	// The ledger holds the roots, never a value: no reading's bytes are
	// in the anchors.
	view := f.h.App.State().Committed()
	for _, b := range f.h.App.Telemetry().Batches(view, device, 0, 10) {
		raw, _ := json.Marshal(b)
		if strings.Contains(string(raw), "valueQuantity") || strings.Contains(string(raw), telemetry.LOINC) {
			t.Fatalf("batch anchor holds reading data: %s", raw)
		}
	}
}

// A replayed sequence number is refused and counted in the next anchor; a
// skipped one is a gap the anchor reports.
func TestReplaysAndGaps(t *testing.T) {
	f := newFixture(t, 100)
	at := now(f).Add(-time.Hour)
	f.send(devicesim.SpO2(97, at), devicesim.SpO2(97, at.Add(time.Minute)))
	res, _ := f.mon.Ingest([][]byte{reading(t, "oxi", 2, devicesim.SpO2(90, at.Add(2*time.Minute)))})
	if res[0].Code != "telemetry.replay" {
		t.Fatalf("replay: %+v", res[0])
	}
	f.seq = 5 // 3, 4 and 5 never sent
	res = f.send(devicesim.SpO2(97, at.Add(3*time.Minute)))
	if res[0].Status != monitor.Accepted || res[0].Missing != 3 {
		t.Fatalf("after a gap: %+v", res[0])
	}
	f.flush()
	d := f.device()
	if d.LastSeq != 6 || d.Readings != 3 || d.Missing != 3 || d.Replays != 1 {
		t.Fatalf("device: %+v", d)
	}
	gaps := f.h.App.Telemetry().Gaps(f.h.App.State().Committed(), device, 10)
	if len(gaps) != 1 || gaps[0].From != 3 || gaps[0].To != 5 {
		t.Fatalf("gaps: %+v", gaps)
	}
	if _, err := f.mon.Prove(device, 4); err == nil {
		t.Fatal("a reading that never arrived proves")
	}
	for what, want := range map[string]float64{
		`medchain_telemetry_readings_total{outcome="accepted"}`:         3,
		`medchain_telemetry_readings_total{outcome="telemetry.replay"}`: 1,
		`medchain_telemetry_batches_total{outcome="anchored"}`:          1,
	} {
		if got := metricValue(t, f.reg, what); got != want {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
}

// Unsigned, wrongly signed, unknown and unassigned devices, another
// chain's readings and bad Observations are refused with their codes.
func TestBadReadingsAreRefused(t *testing.T) {
	f := newFixture(t, 100)
	at := now(f).Add(-time.Minute)
	good := reading(t, "oxi", 1, devicesim.SpO2(97, at))
	forged := append([]byte{}, good...)
	forged[10] ^= 1 // a byte of the signature
	msg, _ := json.Marshal(telemetry.Reading{Seq: 1, Observation: devicesim.SpO2(97, at)})
	otherChain, _ := tx.Sign(apitest.Key("oxi"), tx.Body{ChainID: "other", Nonce: 1, Expires: 1, Type: telemetry.TypeReading, Msg: msg})
	wrongType, _ := tx.Sign(apitest.Key("oxi"), tx.Body{ChainID: apitest.ChainID, Nonce: 1, Expires: 1, Type: "records/read", Msg: msg})
	f.ok("hospital-admin", identity.TypeRegisterMember, identity.RegisterMember{Handle: "oxi-2", Kind: identity.Device,
		Roles: []ledger.Role{ledger.RoleSensor}, PublicKey: apitest.PubKey("oxi-2")})
	f.ok("hospital-admin", identity.TypeRegisterMember, identity.RegisterMember{Handle: "oxi-3", Kind: identity.Device,
		Roles: []ledger.Role{ledger.RoleSensor}, PublicKey: apitest.PubKey("oxi-3")})
	f.ok("dr", telemetry.TypeRegisterDevice, telemetry.RegisterDevice{Device: "general-hospital/oxi-3", Kind: "pulse-oximeter"})
	for name, c := range map[string]struct {
		raw  []byte
		code string
	}{
		"garbage":        {[]byte("not a reading"), "telemetry.bad_reading"},
		"forged":         {forged, "telemetry.bad_reading"},
		"another chain":  {otherChain, "telemetry.bad_reading"},
		"wrong type":     {wrongType, "telemetry.bad_reading"},
		"stranger":       {reading(t, "stranger", 1, devicesim.SpO2(97, at)), "identity.unknown_signer"},
		"unregistered":   {reading(t, "oxi-2", 1, devicesim.SpO2(97, at)), "telemetry.not_found"},
		"unassigned":     {reading(t, "oxi-3", 1, devicesim.SpO2(97, at)), "telemetry.not_assigned"},
		"no observation": {reading(t, "oxi", 1, json.RawMessage(`{"resourceType":"Patient"}`)), "telemetry.bad_reading"},
		"future":         {reading(t, "oxi", 1, devicesim.SpO2(97, at.Add(time.Hour))), "telemetry.bad_reading"},
		"no value":       {reading(t, "oxi", 1, json.RawMessage(`{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"59408-5"}]},"effectiveDateTime":"2026-01-01T00:00:00Z"}`)), "telemetry.bad_reading"},
	} {
		res, err := f.mon.Ingest([][]byte{c.raw})
		if err != nil || res[0].Status != monitor.Refused || res[0].Code != c.code {
			t.Errorf("%s: %+v %v, want %s", name, res, err, c.code)
		}
	}
	if _, err := f.mon.Ingest(nil); err == nil {
		t.Error("an empty request is accepted")
	}
	f.flush()
	if d := f.device(); d.Readings != 0 {
		t.Fatalf("refused readings were anchored: %+v", d)
	}
}

// Revoking the grant stops readings from the next block; the batch taken
// before is still anchored.
func TestRevokedConsentStopsReadings(t *testing.T) {
	f := newFixture(t, 100)
	at := now(f).Add(-time.Hour)
	if got := statuses(f.send(devicesim.SpO2(97, at))); got != "accepted" {
		t.Fatal(got)
	}
	f.ok("alice", records.TypeRevoke, records.Revoke{Grant: f.grant})
	if got := statuses(f.send(devicesim.SpO2(97, at.Add(time.Minute)))); got != "refused(telemetry.no_consent)" {
		t.Fatalf("after revocation: %s", got)
	}
	f.flush()
	if d := f.device(); d.Readings != 1 || d.LastSeq != 1 {
		t.Fatalf("device: %+v", d)
	}
}

// The Synthea patient's 16 vital-sign Observations, replayed one a day as
// a device stream: signed, batched per day, anchored, each reading proven;
// the billing evidence shows 16 days.
func TestSyntheaVitalsReplay(t *testing.T) {
	f := newFixture(t, 100)
	start := now(f).Add(-16 * 24 * time.Hour).Truncate(24 * time.Hour).Add(9 * time.Hour)
	stream, err := devicesim.Replay(devicesim.DemoVitals(), start, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(f.send(stream...)); strings.Contains(got, "refused") {
		t.Fatalf("ingest: %s", got)
	}
	f.flush()
	view := f.h.App.State().Committed()
	d := f.device()
	if d.Readings != 16 || d.Batches != 16 {
		t.Fatalf("device: %+v", d)
	}
	for seq := uint64(1); seq <= 16; seq++ {
		p, err := f.mon.Prove(device, seq)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := f.h.App.Telemetry().Batch(view, p.Batch)
		if err := telemetry.VerifyInclusion(p.Reading, p.Index, p.Size, p.Hashes, b.Root); err != nil {
			t.Fatal(err)
		}
	}
	ev, err := f.h.App.Telemetry().Evidence(view, f.alice, start.Format(time.DateOnly), view.Version())
	if err != nil {
		t.Fatal(err)
	}
	if ev.DaysWith != 16 || !ev.Met {
		t.Fatalf("evidence: %d days, met %v", ev.DaysWith, ev.Met)
	}
}

// A desaturation raises the SpO2 rule's alert, anchored with no value; the
// recovery clears it.
func TestAlertsAreAnchored(t *testing.T) {
	f := newFixture(t, 1000)
	var rule telemetry.Rule
	f.result(f.ok("dr", telemetry.TypeRule, telemetry.PublishRule{Kind: telemetry.RuleThreshold, Code: devicesim.CodeSpO2,
		Raise: "value < 90", Clear: "value > 92", Minutes: 5}), &rule)
	waitFor(t, func() bool { return f.mon.Rules("general-hospital") == 1 })
	at := now(f).Add(-2 * time.Hour)
	f.send(devicesim.Desaturation(at, 30, time.Minute)...)
	var alerts []telemetry.Alert
	waitFor(t, func() bool {
		alerts = f.h.App.Telemetry().Alerts(f.h.App.State().Committed(), "patient", f.alice, "", 10)
		return len(alerts) == 1 && alerts[0].Status == telemetry.AlertCleared
	})
	a := alerts[0]
	// Below 90 from reading 10 (minute 10); five minutes later it raises;
	// 96 at minute 20 clears it.
	if a.Rule != rule.ID || a.RaisedAt != at.Add(15*time.Minute).Unix() || a.ClearedAt != at.Add(20*time.Minute).Unix() {
		t.Fatalf("alert %+v", a)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for range 500 {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("condition not met in 10s")
}

// metricValue reads one counter, named as Prometheus prints it
// (name{label="value"}), from reg.
func metricValue(t *testing.T, reg *prometheus.Registry, what string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if seriesName(mf.GetName(), m) == what {
				return m.GetCounter().GetValue()
			}
		}
	}
	return -1
}

func seriesName(name string, m *dto.Metric) string {
	s := name + "{"
	for i, l := range m.GetLabel() {
		if i > 0 {
			s += ","
		}
		s += l.GetName() + `="` + l.GetValue() + `"`
	}
	return s + "}"
}

// A batch sealed but never anchored (the node could not reach consensus,
// then stopped) is anchored by the next start: the index keeps it, and
// the readings it holds are proven afterwards.
func TestUnanchoredBatchesAreSentAgainAtStart(t *testing.T) {
	f := newFixture(t, 100)
	dir, idDir := t.TempDir(), t.TempDir()
	down := errors.New("consensus unreachable")
	broken, err := localtx.New(localtx.Options{Key: apitest.Key("custodian"), Chain: f.h.App, Waiters: f.waiters,
		Broadcast: func(context.Context, types.Tx) (*coretypes.ResultBroadcastTx, error) { return nil, down }})
	if err != nil {
		t.Fatal(err)
	}
	custodians := []monitor.Custodian{{Org: "general-hospital", Signer: broken}}
	mon, err := monitor.Open(monitor.Options{Dir: dir, IdentityDir: idDir, App: f.h.App, Custodians: custodians,
		BatchAge: time.Hour, Timeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	at := now(f).Add(-time.Hour)
	var raws [][]byte
	for i := range 3 {
		raws = append(raws, reading(t, "oxi", uint64(i+1), devicesim.SpO2(97, at.Add(time.Duration(i)*time.Minute))))
	}
	if res, err := mon.Ingest(raws); err != nil || statuses(res) != "accepted accepted accepted" {
		t.Fatalf("ingest: %+v %v", res, err)
	}
	mon.Close() // sealed and stored, its anchor never sent
	if d := f.device(); d.Readings != 0 {
		t.Fatalf("anchored through a broken link: %+v", d)
	}

	custodians[0].Signer = f.submitter("custodian")
	mon, err = monitor.Open(monitor.Options{Dir: dir, IdentityDir: idDir, App: f.h.App, Custodians: custodians, BatchAge: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer mon.Close()
	waitFor(t, func() bool { return f.device().Readings == 3 })
	p, err := mon.Prove(device, 2)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := f.h.App.Telemetry().Batch(f.h.App.State().Committed(), p.Batch)
	if err := telemetry.VerifyInclusion(p.Reading, p.Index, p.Size, p.Hashes, b.Root); err != nil {
		t.Fatal(err)
	}
	// The sequence goes on after the recovered batch.
	res, _ := mon.Ingest([][]byte{reading(t, "oxi", 3, devicesim.SpO2(97, at.Add(5*time.Minute)))})
	if res[0].Code != "telemetry.replay" {
		t.Fatalf("after restart: %+v", res[0])
	}
}
