package monitor_test

import (
	"context"
	"encoding/json"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/medchain/medchain/internal/api/apitest"
	"github.com/medchain/medchain/internal/devicesim"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/telemetry"
	"github.com/medchain/medchain/internal/tx"
)

// BenchmarkIngest measures a node's ingestion with batching: requests of
// 1000 signed SpO2 readings from 50 devices (20 each, in order), each
// reading's envelope decoded, its signature verified (batch verification),
// its device admitted against committed state, its Observation parsed, its
// sequence checked, its leaf added to its device's batch and the alert
// rules run over it. The timer covers the ingestion; then every batch is
// sealed and anchored, which is timed apart (s-to-anchor-all: the node
// does it in the background as batches close). The ledger cost is
// reported as bytes of anchor transactions on chain per reading. Signing
// (the devices' work) is outside the timer.
//
//	go test ./internal/monitor -run - -bench Ingest -benchtime 40x
func BenchmarkIngest(b *testing.B) {
	const devices, perDevice = 50, 20
	f := newFixture(b, 4096)
	ids := []string{device}
	for i := 1; i < devices; i++ {
		h := fmt.Sprintf("oxi-%02d", i)
		f.ok("hospital-admin", identity.TypeRegisterMember, identity.RegisterMember{Handle: h, Kind: identity.Device,
			Roles: []ledger.Role{ledger.RoleSensor}, PublicKey: apitest.PubKey(h)})
		f.ok("dr", telemetry.TypeRegisterDevice, telemetry.RegisterDevice{Device: "general-hospital/" + h, Kind: "pulse-oximeter"})
		f.ok("dr", telemetry.TypeAssign, telemetry.Assign{Device: "general-hospital/" + h, Patient: f.alice, Grant: f.grant})
		ids = append(ids, "general-hospital/"+h)
	}
	f.ok("dr", telemetry.TypeRule, telemetry.PublishRule{Kind: telemetry.RuleThreshold, Code: devicesim.CodeSpO2, Raise: "value < 90", Clear: "value > 92", Minutes: 5})
	start := f.h.App.LastBlockTime().Add(-time.Hour).Truncate(time.Hour)
	keys := make([]string, devices)
	for i, id := range ids {
		keys[i] = id[len("general-hospital/"):]
	}
	obs := make([]json.RawMessage, 60)
	for s := range obs {
		obs[s] = devicesim.SpO2(95+s%4, start.Add(time.Duration(s)*time.Minute))
	}
	heightBefore := f.h.Node.Height()
	var seq uint64
	readings := 0
	var cpu time.Duration // process CPU time while the timer runs
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		raws := make([][]byte, 0, devices*perDevice)
		for d := range devices {
			for k := range perDevice {
				s := seq + uint64(k) + 1
				msg, _ := json.Marshal(telemetry.Reading{Seq: s, Observation: obs[int(s)%len(obs)]})
				raw, err := tx.Sign(apitest.Key(keys[d]), tx.Body{ChainID: apitest.ChainID, Nonce: s, Expires: 1, Type: telemetry.TypeReading, Msg: msg})
				if err != nil {
					b.Fatal(err)
				}
				raws = append(raws, raw)
			}
		}
		seq += perDevice
		before := cpuTime(b)
		b.StartTimer()
		res, err := f.mon.Ingest(raws)
		b.StopTimer()
		cpu += cpuTime(b) - before
		b.StartTimer()
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range res {
			if r.Status != "accepted" {
				b.Fatalf("refused: %+v", r)
			}
		}
		readings += len(raws)
	}
	b.StopTimer()
	b.ReportMetric(float64(readings)/b.Elapsed().Seconds(), "readings/s")
	// CPU per reading does not depend on what else the machine runs:
	// cores / it is what the node would take on an idle machine.
	b.ReportMetric(float64(cpu.Microseconds())/float64(readings), "cpu-µs/reading")
	// Then every open batch is sealed and anchored (in production this
	// runs in the background as batches close; timed apart).
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	flushStart := time.Now()
	if n := f.mon.Flush(ctx); n != 0 {
		b.Fatalf("%d batches not anchored", n)
	}
	b.ReportMetric(time.Since(flushStart).Seconds(), "s-to-anchor-all")
	var onChain, anchors int
	for h := heightBefore + 1; h <= f.h.Node.Height(); h++ {
		blk, err := f.h.Node.Block(ctx, &h)
		if err != nil {
			b.Fatal(err)
		}
		for _, raw := range blk.Block.Txs {
			t, err := tx.Decode(raw)
			if err == nil && t.Body.Type == telemetry.TypeAnchor {
				onChain += len(raw)
				anchors++
			}
		}
	}
	var anchored int64
	for _, id := range ids {
		d, _ := f.h.App.Telemetry().Device(f.h.App.State().Committed(), id)
		anchored += d.Readings
	}
	if anchored != int64(readings) {
		b.Fatalf("%d readings anchored of %d", anchored, readings)
	}
	b.ReportMetric(float64(onChain)/float64(readings), "B-on-chain/reading")
	b.ReportMetric(float64(anchors), "anchors")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
