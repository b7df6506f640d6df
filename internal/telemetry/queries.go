package telemetry

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/medchain/medchain/internal/state"
)

// Device reads a registered device.
func (k *Keeper) Device(r state.Reader, id string) (Device, bool) { return devices.Get(r, id) }

// OrgDevices lists an organisation's devices in ID order.
func (k *Keeper) OrgDevices(r state.Reader, org string, limit int) []Device {
	var out []Device
	devByOrg.Walk(r, func(id string) bool {
		if d, ok := devices.Get(r, id); ok {
			out = append(out, d)
		}
		return len(out) < limit
	}, org)
	return out
}

// PatientDevices lists the devices assigned to a patient.
func (k *Keeper) PatientDevices(r state.Reader, patient string, limit int) []Device {
	var out []Device
	devByPt.Walk(r, func(id string) bool {
		if d, ok := devices.Get(r, id); ok {
			out = append(out, d)
		}
		return len(out) < limit
	}, patient)
	return out
}

// Batch reads an anchored batch.
func (k *Keeper) Batch(r state.Reader, id string) (Batch, bool) { return batches.Get(r, id) }

// BatchKey is the state key of a batch's anchor: what a proof of it
// proves (GET /v1/proofs?key=…).
func BatchKey(id string) string { return string(batches.Key(id)) }

// Batches lists a device's anchored batches in sequence order, from the
// one holding sequence number from (0: the first).
func (k *Keeper) Batches(r state.Reader, device string, from uint64, limit int) []Batch {
	var out []Batch
	start := ""
	if from > 0 {
		if b, ok := k.BatchOf(r, device, from); ok {
			start = fmt.Sprintf("%016x", b.First)
		} else {
			start = fmt.Sprintf("%016x", from)
		}
	}
	batchesOf.WalkFrom(r, start, func(rest string) bool {
		_, id, _ := strings.Cut(rest, string(state.IndexSep))
		if b, ok := batches.Get(r, id); ok {
			out = append(out, b)
		}
		return len(out) < limit
	}, device)
	return out
}

// BatchOf finds the anchored batch of device whose range holds seq.
func (k *Keeper) BatchOf(r state.Reader, device string, seq uint64) (Batch, bool) {
	var found Batch
	ok := false
	// The batches are in order of their first sequence number; the one
	// holding seq is the last that starts at or before it.
	batchesOf.Walk(r, func(rest string) bool {
		first, id, _ := strings.Cut(rest, string(state.IndexSep))
		f, err := strconv.ParseUint(first, 16, 64)
		if err != nil || f > seq {
			return false
		}
		found.ID = id
		return true
	}, device)
	if found.ID != "" {
		found, ok = batches.Get(r, found.ID)
		ok = ok && found.Last >= seq
	}
	return found, ok
}

// Gaps lists the sequence numbers a device skipped, oldest first.
func (k *Keeper) Gaps(r state.Reader, device string, limit int) []Gap {
	var out []Gap
	gaps.Walk(r, device+"/", func(_ string, g Gap) bool {
		out = append(out, g)
		return len(out) < limit
	})
	return out
}

// Rule reads an alert rule.
func (k *Keeper) Rule(r state.Reader, id string) (Rule, bool) { return ruleDefs.Get(r, id) }

// OrgRules lists an organisation's alert rules (active and retired).
func (k *Keeper) OrgRules(r state.Reader, org string, limit int) []Rule {
	var out []Rule
	rulesOf.Walk(r, func(id string) bool {
		if ru, ok := ruleDefs.Get(r, id); ok {
			out = append(out, ru)
		}
		return len(out) < limit
	}, org)
	return out
}

// Alert reads an alert.
func (k *Keeper) Alert(r state.Reader, id string) (Alert, bool) { return alerts.Get(r, id) }

// OpenAlert returns the alert of rule for device that has not cleared.
func (k *Keeper) OpenAlert(r state.Reader, rule, device string) (Alert, bool) {
	id, ok := openAlerts.Get(r, rule+"/"+device)
	if !ok {
		return Alert{}, false
	}
	return alerts.Get(r, id)
}

// Alerts lists the alerts of an organisation (by "org") or a patient (by
// "patient"), in ID order; with status, only those.
func (k *Keeper) Alerts(r state.Reader, by, id, status string, limit int) []Alert {
	idx := alertsOrg
	if by == "patient" {
		idx = alertsPt
	}
	var out []Alert
	idx.Walk(r, func(aid string) bool {
		if a, ok := alerts.Get(r, aid); ok && (status == "" || a.Status == status) {
			out = append(out, a)
		}
		return len(out) < limit
	}, id)
	return out
}

// EvidenceDay is one day of a patient's billing evidence: the batches
// anchored for readings of that UTC day, and the state key of the first,
// which a payer has proven (GET /v1/proofs) to check the day.
type EvidenceDay struct {
	Day      string   `json:"day"`
	Batches  []string `json:"batches"`
	Readings int64    `json:"readings"`
	Devices  []string `json:"devices"`
	Key      string   `json:"key"`
}

// Evidence is a patient's billing evidence for remote monitoring over a
// period of EvidencePeriodDays days: on how many days readings were
// transmitted automatically (signed by an assigned device and anchored).
type Evidence struct {
	Patient  string        `json:"patient"`
	From     string        `json:"from"`
	To       string        `json:"to"`
	Days     []EvidenceDay `json:"days"`
	DaysWith int           `json:"days_with_readings"`
	Required int           `json:"required"`
	Met      bool          `json:"met"`
	Height   int64         `json:"height"`
}

// Evidence counts the days from from (YYYY-MM-DD, inclusive) over
// EvidencePeriodDays on which batches of patient's readings were anchored.
func (k *Keeper) Evidence(r state.Reader, patient, from string, height int64) (Evidence, error) {
	start, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return Evidence{}, fmt.Errorf("from: a date, YYYY-MM-DD")
	}
	to := start.AddDate(0, 0, EvidencePeriodDays-1).Format(time.DateOnly)
	ev := Evidence{Patient: patient, From: from, To: to, Days: []EvidenceDay{}, Required: EvidenceDaysRequired, Height: height}
	days.WalkFrom(r, from, func(rest string) bool {
		day, id, _ := strings.Cut(rest, string(state.IndexSep))
		if day > to {
			return false
		}
		b, ok := batches.Get(r, id)
		if !ok {
			return true
		}
		if n := len(ev.Days); n == 0 || ev.Days[n-1].Day != day {
			ev.Days = append(ev.Days, EvidenceDay{Day: day, Key: BatchKey(id)})
		}
		d := &ev.Days[len(ev.Days)-1]
		d.Batches = append(d.Batches, id)
		d.Readings += b.Count
		if !containsStr(d.Devices, b.Device) {
			d.Devices = append(d.Devices, b.Device)
		}
		return true
	}, patient)
	ev.DaysWith = len(ev.Days)
	ev.Met = ev.DaysWith >= ev.Required
	return ev, nil
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
