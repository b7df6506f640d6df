package client_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/api"
	"github.com/medchain/medchain/internal/api/apitest"
	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/devicesim"
	"github.com/medchain/medchain/internal/localtx"
	"github.com/medchain/medchain/internal/monitor"
	"github.com/medchain/medchain/internal/telemetry"
)

// TestTelemetry: a device assigned under alice's grant sends readings
// signed through the SDK; one is proven and the proof checked against the
// ledger's header; a forged proof fails; the evidence counts the day.
func TestTelemetry(t *testing.T) {
	h, err := apitest.Start(apitest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	waiters := chain.NewWaiters()
	h.App.Subscribe(waiters.Committed)
	t.Cleanup(waiters.Close)
	ctx := context.Background()
	c0 := client.New(h.URL)
	send := func(who string, m client.Msg) *client.TxResult {
		t.Helper()
		res, err := c0.Send(ctx, signer(who), m)
		if err != nil {
			t.Fatalf("%s by %s: %v", m.MsgType(), who, err)
		}
		return res
	}
	send("hospital-admin", client.RegisterMember{Handle: "node", Kind: "system", Roles: []string{"custodian"}, PublicKey: signer("node").PublicKey()})
	send("hospital-admin", client.RegisterMember{Handle: "oxi", Kind: "device", Roles: []string{"sensor"}, PublicKey: signer("oxi").PublicKey()})
	send("hospital-admin", client.RegisterMember{Handle: "dr", Roles: []string{"physician"}, PublicKey: signer("dr").PublicKey()})
	var pt client.Created
	send("alice", client.RegisterPatient{}).Decode(&pt)
	var gr client.Created
	send("alice", client.GrantConsent{Grantee: client.Grantee{Org: "general-hospital"}, Purposes: []string{"treatment"},
		Expires: apitest.GenesisTime.AddDate(1, 0, 0)}).Decode(&gr)
	send("dr", client.RegisterDevice{Device: "general-hospital/oxi", Kind: "pulse-oximeter"})
	send("dr", client.AssignDevice{Device: "general-hospital/oxi", Patient: pt.ID, Grant: gr.ID})

	// The monitoring node: the harness's API with a monitor.
	sub, err := localtx.New(localtx.Options{Key: apitest.Key("node"), Chain: h.App, Broadcast: h.Node.BroadcastTxSync, Waiters: waiters})
	if err != nil {
		t.Fatal(err)
	}
	mon, err := monitor.Open(monitor.Options{Dir: t.TempDir(), IdentityDir: t.TempDir(), App: h.App, BatchAge: time.Hour,
		Custodians: []monitor.Custodian{{Org: "general-hospital", Signer: sub}}})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Deps{App: h.App, Node: h.Node, Monitor: mon})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { ts.Close(); srv.Close(); mon.Close() })
	c := client.New(ts.URL)

	at := apitest.GenesisTime.Add(-30 * time.Minute)
	var readings [][]byte
	for i, v := range []int{97, 96, 98} {
		raw, err := c.SignReading(ctx, signer("oxi"), uint64(i+1), devicesim.SpO2(v, at.Add(time.Duration(i)*time.Minute)))
		if err != nil {
			t.Fatal(err)
		}
		readings = append(readings, raw)
	}
	res, err := c.SendReadings(ctx, readings)
	if err != nil || len(res) != 3 || res[2].Status != "accepted" {
		t.Fatalf("send: %+v %v", res, err)
	}
	res, _ = c.SendReadings(ctx, readings[:1])
	if res[0].Code != client.CodeTelemetryReplay {
		t.Fatalf("replay: %+v", res)
	}
	if n := mon.Flush(ctx); n != 0 {
		t.Fatalf("%d batches waiting", n)
	}

	alice := c.As(signer("alice"))
	p, err := alice.ProveReading(ctx, "general-hospital/oxi", 2)
	if err != nil {
		t.Fatal(err)
	}
	send("hospital-admin", client.RegisterMember{Handle: "later", Roles: []string{"nurse"}, PublicKey: signer("later").PublicKey()}) // the block whose header holds the proof's app hash
	b, err := c.Block(ctx, p.AnchorProof.VerifyAgainst.BlockHeight)
	if err != nil {
		t.Fatal(err)
	}
	appHash, _ := hex.DecodeString(b.AppHash)
	obs, err := client.VerifyReadingProof(p, signer("oxi").PublicKey(), appHash)
	if err != nil {
		t.Fatal(err)
	}
	var o struct {
		ValueQuantity struct {
			Value int `json:"value"`
		} `json:"valueQuantity"`
	}
	if json.Unmarshal(obs, &o) != nil || o.ValueQuantity.Value != 96 {
		t.Fatalf("proven observation %s", obs)
	}
	if _, err := client.VerifyReadingProof(p, signer("alice").PublicKey(), appHash); err == nil {
		t.Fatal("a reading verifies as signed by another key")
	}
	forged := *p
	forged.Index = 0
	if _, err := client.VerifyReadingProof(&forged, signer("oxi").PublicKey(), appHash); err == nil {
		t.Fatal("a proof at the wrong index verifies")
	}
	if _, err := c.ProveReading(ctx, "general-hospital/oxi", 2); !client.IsCode(err, "api.unauthenticated") {
		t.Fatalf("anonymous proof: %v", err)
	}

	ev, err := alice.MonitoringEvidence(ctx, pt.ID, "2025-12-31", client.WithProof())
	if err != nil || ev.DaysWith != 1 || len(ev.Proofs) != 1 || ev.Met {
		t.Fatalf("evidence: %+v %v", ev, err)
	}
	d, err := alice.TelemetryDevice(ctx, "general-hospital/oxi")
	if err != nil || d.Readings != 3 || d.Replays != 1 {
		t.Fatalf("device: %+v %v", d, err)
	}
	bs, err := alice.TelemetryBatches(ctx, "general-hospital/oxi", 2, 10)
	if err != nil || len(bs.Items) != 1 || bs.Items[0].Root != p.Root {
		t.Fatalf("batches: %+v %v", bs, err)
	}
}

// The SDK's device kinds are the module's.
func TestDeviceKindsAreTheModules(t *testing.T) {
	if !slices.Equal(client.DeviceKinds, telemetry.DeviceKinds) {
		t.Fatalf("SDK %v, module %v", client.DeviceKinds, telemetry.DeviceKinds)
	}
}
