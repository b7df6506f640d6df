package devicesim_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/medchain/medchain/internal/devicesim"
	"github.com/medchain/medchain/internal/telemetry"
)

// The embedded Synthea vitals are 16 Observations that the node's parser
// takes once rewritten as a device sends them, and no patient reference
// survives the rewrite.
func TestDemoVitalsParseAsDeviceReadings(t *testing.T) {
	obs := devicesim.DemoVitals()
	if len(obs) != 16 {
		t.Fatalf("%d vital signs, want 16", len(obs))
	}
	start := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	stream, err := devicesim.Replay(obs, start, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]bool{}
	for i, o := range stream {
		if strings.Contains(string(o), "urn:uuid") || strings.Contains(string(o), `"subject"`) {
			t.Fatalf("reading %d names the patient: %s", i, o)
		}
		p, err := telemetry.ParseObservation(o)
		if err != nil {
			t.Fatalf("reading %d: %v\n%s", i, err, o)
		}
		if p.Time != start.Add(time.Duration(i)*24*time.Hour).Unix() {
			t.Fatalf("reading %d dated %d", i, p.Time)
		}
		for _, s := range p.Samples {
			codes[s.Code] = true
		}
	}
	// Height, weight, pain score and both blood pressure components.
	for _, c := range []string{"8302-2", "29463-7", "72514-3", "8480-6", "8462-4"} {
		if !codes[c] {
			t.Errorf("no sample of %s", c)
		}
	}
}

func TestDesaturationSeries(t *testing.T) {
	obs := devicesim.Desaturation(time.Unix(0, 0), 30, time.Minute)
	var vals []int64
	for _, o := range obs {
		p, err := telemetry.ParseObservation(o)
		if err != nil {
			t.Fatal(err)
		}
		vals = append(vals, p.Samples[0].Value())
	}
	if vals[0] != 97 || vals[10] != 87 || vals[19] != 87 || vals[20] != 96 {
		t.Fatalf("series %v", vals)
	}
	var o map[string]any
	_ = json.Unmarshal(obs[0], &o)
	if o["effectiveDateTime"] != "1970-01-01T00:00:00Z" {
		t.Fatalf("time %v", o["effectiveDateTime"])
	}
}
