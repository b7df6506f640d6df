// Package devicesim makes the streams of monitoring devices for tests,
// demos and benchmarks: it turns FHIR vital-sign Observations (real ones,
// such as the Synthea patient's embedded here, or synthetic pulse-oximeter
// readings) into the Observations a device sends, one per reading, dated
// as a live stream. It signs nothing and sends nothing: the caller signs
// each as a telemetry reading with the device's key.
//
// A device knows nothing of the patient it is attached to: the
// Observations it sends carry no subject, encounter or identifier, only
// the code, the value and the time.
package devicesim

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"
)

//go:embed synthea_luigi_wiegand_vitals.json
var demoBundle []byte

// DemoVitals returns the vital-sign Observations of the Synthea patient
// Luigi Wiegand (16, over four encounters; SOURCES.md), oldest first.
func DemoVitals() []json.RawMessage {
	obs, err := VitalSigns(demoBundle)
	if err != nil {
		panic("devicesim: embedded bundle: " + err.Error())
	}
	return obs
}

type resource struct {
	ResourceType string `json:"resourceType"`
	Category     []struct {
		Coding []struct {
			Code string `json:"code"`
		} `json:"coding"`
	} `json:"category"`
	EffectiveDateTime string `json:"effectiveDateTime"`
}

// VitalSigns reads the Observations of category vital-signs of a FHIR
// Bundle (a patient's record, as Synthea writes it), oldest first.
func VitalSigns(bundle []byte) ([]json.RawMessage, error) {
	var b struct {
		ResourceType string `json:"resourceType"`
		Entry        []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(bundle, &b); err != nil {
		return nil, fmt.Errorf("devicesim: not a FHIR Bundle: %w", err)
	}
	if b.ResourceType != "Bundle" {
		return nil, fmt.Errorf("devicesim: resourceType %q, not Bundle", b.ResourceType)
	}
	type dated struct {
		raw json.RawMessage
		at  time.Time
	}
	var out []dated
	for _, e := range b.Entry {
		var r resource
		if json.Unmarshal(e.Resource, &r) != nil || r.ResourceType != "Observation" || !vital(r) {
			continue
		}
		at, err := time.Parse(time.RFC3339, r.EffectiveDateTime)
		if err != nil {
			continue
		}
		out = append(out, dated{e.Resource, at})
	}
	if len(out) == 0 {
		return nil, errors.New("devicesim: the bundle holds no vital-sign Observation with an effectiveDateTime")
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	obs := make([]json.RawMessage, len(out))
	for i, d := range out {
		obs[i] = d.raw
	}
	return obs, nil
}

func vital(r resource) bool {
	for _, c := range r.Category {
		for _, cd := range c.Coding {
			if cd.Code == "vital-signs" {
				return true
			}
		}
	}
	return false
}

// AsDevice rewrites an Observation as a device sends it: its status,
// category, code, value (or components) and effectiveDateTime set to at;
// no id, subject, encounter or other field.
func AsDevice(obs json.RawMessage, at time.Time) (json.RawMessage, error) {
	var in map[string]json.RawMessage
	if err := json.Unmarshal(obs, &in); err != nil {
		return nil, fmt.Errorf("devicesim: observation: %w", err)
	}
	out := map[string]any{"resourceType": "Observation", "effectiveDateTime": at.UTC().Format(time.RFC3339)}
	for _, k := range []string{"status", "category", "code", "valueQuantity", "component"} {
		if v, ok := in[k]; ok {
			out[k] = v
		}
	}
	return json.Marshal(out)
}

// Replay dates observations as a device stream: the i-th at start plus i
// steps (a step of a day makes one reading a day).
func Replay(obs []json.RawMessage, start time.Time, step time.Duration) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, len(obs))
	for i, o := range obs {
		var err error
		if out[i], err = AsDevice(o, start.Add(time.Duration(i)*step)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// LOINC codes of pulse oximetry.
const (
	CodeSpO2      = "59408-5" // Oxygen saturation in Arterial blood by Pulse oximetry
	CodeHeartRate = "8867-4"  // Heart rate
)

// SpO2 is a synthetic pulse-oximeter Observation: SpO2 in percent at at.
func SpO2(percent int, at time.Time) json.RawMessage {
	b, _ := json.Marshal(map[string]any{
		"resourceType": "Observation",
		"status":       "final",
		"category": []any{map[string]any{"coding": []any{map[string]string{
			"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}}}},
		"code": map[string]any{"coding": []any{map[string]string{
			"system": "http://loinc.org", "code": CodeSpO2, "display": "Oxygen saturation in Arterial blood by Pulse oximetry"}}},
		"effectiveDateTime": at.UTC().Format(time.RFC3339),
		"valueQuantity":     map[string]any{"value": percent, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"},
	})
	return b
}

// Desaturation is a synthetic SpO2 series of n readings one step apart from
// start: 97 %, falling to 87 % for the middle third, back to 96 %. With
// readings a minute apart and n of 30 or more, the "below 90 for 5
// minutes" rule of the guide raises once and clears once.
func Desaturation(start time.Time, n int, step time.Duration) []json.RawMessage {
	out := make([]json.RawMessage, n)
	for i := range n {
		v := 97
		switch {
		case i >= n/3 && i < 2*n/3:
			v = 87
		case i >= 2*n/3:
			v = 96
		}
		out[i] = SpO2(v, start.Add(time.Duration(i)*step))
	}
	return out
}
