package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/client/keystore"
	"github.com/medchain/medchain/internal/devicesim"
)

// Demo devices of St Mary's Hospital for alice (internal/node/demo.go).
const (
	demoOximeter  = "st-marys-hospital/pulse-ox-1"
	demoVitalsHub = "st-marys-hospital/vitals-hub-1"
)

// seedTelemetry tells the demo's monitoring story on a new `medchain dev`
// network, as its members and devices would with the CLI: alice grants St
// Mary's treatment; nurse Joy registers the hospital's pulse oximeter and
// home vital-signs hub and assigns both to her; Dr Grey publishes the rule
// "SpO2 below 90 for 5 minutes, clears above 92"; the oximeter streams
// twenty minutes of SpO2 in which alice desaturates, the hub replays the
// Synthea patient's 16 vital-sign Observations one a day; the node raises
// the alert and nurse Joy acknowledges it. It returns the alert's ID.
// docs/telemetry.md tells the story by hand.
func seedTelemetry(ctx context.Context, c *client.Client, ks *keystore.Store, now time.Time) (string, error) {
	keys := demoKeys{c: c, ks: ks}
	signer, send := keys.signer, func(name string, msg client.Msg, out any) error {
		_, err := keys.send(ctx, name, msg, out)
		return err
	}
	stream := func(device, key string, obs []json.RawMessage) error {
		s, err := signer(key)
		if err != nil {
			return err
		}
		var raws [][]byte
		for i, o := range obs {
			raw, err := c.SignReading(ctx, s, uint64(i+1), o)
			if err != nil {
				return err
			}
			raws = append(raws, raw)
		}
		res, err := c.SendReadings(ctx, raws)
		if err != nil {
			return fmt.Errorf("readings of %s: %w", device, err)
		}
		for _, r := range res {
			if r.Status != "accepted" {
				return fmt.Errorf("reading %d of %s refused: %s", r.Seq, device, r.Error)
			}
		}
		return nil
	}
	e, err := ks.Get("alice")
	if err != nil {
		return "", err
	}
	alice := e.Identity
	var grant client.Created
	if err := send("alice", client.GrantConsent{Grantee: client.Grantee{Org: "st-marys-hospital"}, Purposes: []string{"treatment"},
		Types: []string{"Observation"}, Expires: now.AddDate(1, 0, 0)}, &grant); err != nil {
		return "", err
	}
	for _, d := range []struct{ id, kind string }{{demoOximeter, "pulse-oximeter"}, {demoVitalsHub, "multi-parameter"}} {
		if err := send("nurse-joy", client.RegisterDevice{Device: d.id, Kind: d.kind}, nil); err != nil {
			return "", err
		}
		if err := send("nurse-joy", client.AssignDevice{Device: d.id, Patient: alice, Grant: grant.ID}, nil); err != nil {
			return "", err
		}
	}
	if err := send("dr-grey", client.PublishAlertRule{Kind: client.RuleThreshold, Code: devicesim.CodeSpO2,
		Raise: "value < 90", Clear: "value > 92", Minutes: 5}, nil); err != nil {
		return "", err
	}
	// Twenty readings a minute apart ending now: ten at 97 %, then ten
	// at 87 % (the rule raises at the fifth minute below 90).
	at := now.UTC().Truncate(time.Second).Add(-19 * time.Minute)
	var spo2 []json.RawMessage
	for i := range 20 {
		v := 97
		if i >= 10 {
			v = 87
		}
		spo2 = append(spo2, devicesim.SpO2(v, at.Add(time.Duration(i)*time.Minute)))
	}
	if err := stream(demoOximeter, "pulse-ox-1", spo2); err != nil {
		return "", err
	}
	vitals := devicesim.DemoVitals()
	replay, err := devicesim.Replay(vitals, now.UTC().Truncate(time.Second).Add(-time.Duration(len(vitals)-1)*24*time.Hour), 24*time.Hour)
	if err != nil {
		return "", err
	}
	if err := stream(demoVitalsHub, "vitals-hub-1", replay); err != nil {
		return "", err
	}
	// The node anchors the alert in a block or two.
	nurse, err := signer("nurse-joy")
	if err != nil {
		return "", err
	}
	for range 60 {
		p, err := c.As(nurse).TelemetryAlerts(ctx, "st-marys-hospital", "", "open")
		if err != nil {
			return "", err
		}
		if len(p.Items) > 0 {
			id := p.Items[0].ID
			return id, send("nurse-joy", client.AckAlert{Alert: id}, nil)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	return "", fmt.Errorf("the SpO2 alert was not anchored within 30 s")
}
