package api

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/medchain/medchain/internal/jsondec"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/monitor"
	"github.com/medchain/medchain/internal/telemetry"
)

// Telemetry: devices post signed readings to their organisation's node
// (open: each reading is signed by a device key, which the monitor checks);
// devices, batches, gaps, alerts, proofs and billing evidence name a
// patient and are keyed (the telemetry module's Sees… decide); alert rules
// name none and are open.

func (s *Server) requireMonitor() error {
	if s.monitor == nil {
		return unavailable(codeNoVault, errors.New("this node keeps no readings (it serves no custodian organisation)"))
	}
	return nil
}

// readingsRequest is the body of POST /v1/telemetry/readings.
type readingsRequest struct {
	Readings []string `json:"readings"`
}

// postReadings handles POST /v1/telemetry/readings: each reading answered
// on its own (200 with one result per reading, accepted or refused).
func (s *Server) postReadings(w http.ResponseWriter, r *http.Request) error {
	if err := s.requireMonitor(); err != nil {
		return err
	}
	if err := requireJSON(r); err != nil {
		return err
	}
	limit := int64(monitor.MaxReadingsPerRequest*telemetry.MaxReading*4/3 + 1024)
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &apiError{code: codeBodyTooLarge, kind: kindTooLarge, msg: fmt.Sprintf("request body exceeds %d bytes", mbe.Limit)}
		}
		return unreadable(err)
	}
	var req readingsRequest
	if err := jsondec.Strict(body, &req); err != nil {
		return badJSON(err, `{"readings": ["<base64 signed reading>", …]}`)
	}
	if len(req.Readings) == 0 || len(req.Readings) > monitor.MaxReadingsPerRequest {
		return badBody("readings", "1 to %d signed readings", monitor.MaxReadingsPerRequest)
	}
	raws := make([][]byte, len(req.Readings))
	for i, s := range req.Readings {
		if raws[i], err = base64.StdEncoding.Strict().DecodeString(s); err != nil {
			return badBody(fmt.Sprintf("readings[%d]", i), "a signed reading in standard base64: %v", jsondec.Explain(nil, err))
		}
	}
	res, err := s.monitor.Ingest(raws)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pageView[monitor.Result]{Items: res})
}

// deviceParam reads the device ID of /v1/telemetry/devices/{org}/{handle}.
func deviceParam(r *http.Request) (string, error) {
	id := r.PathValue("org") + "/" + r.PathValue("handle")
	if telemetry.ValidDeviceID(id) != nil {
		return "", badParam("device", "a device's member ID, organisation/handle, got %q", id)
	}
	return id, nil
}

// device reads a device the caller may see; an unknown device is refused
// as one the caller may not see (no oracle).
func (s *Server) device(r *http.Request) (telemetry.Device, error) {
	id, err := deviceParam(r)
	if err != nil {
		return telemetry.Device{}, err
	}
	k := s.app.Telemetry()
	d, ok := k.Device(s.app.State().Committed(), id)
	if !ok {
		d = telemetry.Device{ID: id}
	}
	if err := k.SeesDevice(caller(r), d); err != nil {
		return d, signIn(r, "a monitoring device and its patient", err)
	}
	return d, nil
}

// listDevices handles GET /v1/telemetry/devices?org=|patient=.
func (s *Server) listDevices(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	org, patient := q.Get("org"), q.Get("patient")
	k, view, p := s.app.Telemetry(), s.app.State().Committed(), caller(r)
	switch {
	case (org == "") == (patient == ""):
		return badParam("org", "give org or patient")
	case org != "":
		if err := k.SeesOrg(p, org); err != nil {
			return signIn(r, "an organisation's monitored patients", err)
		}
		return writeJSON(w, http.StatusOK, pageView[telemetry.Device]{Items: nonNil(k.OrgDevices(view, org, maxLimit))})
	}
	if ledger.ValidPatientID(patient) != nil {
		return badParam("patient", "a patient ID (pt- and 20 lower-case hex digits)")
	}
	if err := k.SeesPatient(view, p, patient); err != nil {
		return signIn(r, "a patient's devices", err)
	}
	return writeJSON(w, http.StatusOK, pageView[telemetry.Device]{Items: nonNil(k.PatientDevices(view, patient, maxLimit))})
}

// getDevice handles GET /v1/telemetry/devices/{org}/{handle}.
func (s *Server) getDevice(w http.ResponseWriter, r *http.Request) error {
	d, err := s.device(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

// deviceBatches handles GET /v1/telemetry/devices/{org}/{handle}/batches?from_seq=&limit=.
func (s *Server) deviceBatches(w http.ResponseWriter, r *http.Request) error {
	d, err := s.device(r)
	if err != nil {
		return err
	}
	var from uint64
	if v := r.URL.Query().Get("from_seq"); v != "" {
		if from, err = strconv.ParseUint(v, 10, 64); err != nil {
			return badParam("from_seq", "a sequence number, got %q", v)
		}
	}
	_, limit, err := pageParams(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pageView[telemetry.Batch]{Items: nonNil(s.app.Telemetry().Batches(s.app.State().Committed(), d.ID, from, limit))})
}

// deviceGaps handles GET /v1/telemetry/devices/{org}/{handle}/gaps.
func (s *Server) deviceGaps(w http.ResponseWriter, r *http.Request) error {
	d, err := s.device(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pageView[telemetry.Gap]{Items: nonNil(s.app.Telemetry().Gaps(s.app.State().Committed(), d.ID, maxLimit))})
}

// readingProofView is a reading's inclusion proof and the ledger's proof
// of the batch's anchor.
type readingProofView struct {
	monitor.Proof
	Anchor      telemetry.Batch `json:"anchor"`
	AnchorProof *proofView      `json:"anchor_proof"`
}

// proveReading handles GET /v1/telemetry/devices/{org}/{handle}/readings/{seq}/proof:
// served by the device's custodian node to whoever sees the device.
func (s *Server) proveReading(w http.ResponseWriter, r *http.Request) error {
	if err := s.requireMonitor(); err != nil {
		return err
	}
	d, err := s.device(r)
	if err != nil {
		return err
	}
	seq, err := strconv.ParseUint(r.PathValue("seq"), 10, 64)
	if err != nil || seq == 0 {
		return badParam("seq", "a sequence number from 1, got %q", r.PathValue("seq"))
	}
	p, err := s.monitor.Prove(d.ID, seq)
	if err != nil {
		return err
	}
	view := s.app.State().Committed()
	b, ok := s.app.Telemetry().Batch(view, p.Batch)
	if !ok {
		return fmt.Errorf("%w: batch %s is not on the ledger at height %d", telemetry.ErrNotFound, p.Batch, view.Version())
	}
	ap, err := prove(view, p.Key)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, readingProofView{Proof: p, Anchor: b, AnchorProof: ap})
}

// listRules handles GET /v1/telemetry/rules?org=.
func (s *Server) listRules(w http.ResponseWriter, r *http.Request) error {
	org := r.URL.Query().Get("org")
	if org == "" {
		return badParam("org", "the organisation whose rules to list")
	}
	return writeJSON(w, http.StatusOK, pageView[telemetry.Rule]{Items: nonNil(s.app.Telemetry().OrgRules(s.app.State().Committed(), org, maxLimit))})
}

// getRule handles GET /v1/telemetry/rules/{id}.
func (s *Server) getRule(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if telemetry.ValidID("ar-", id) != nil {
		return badParam("id", "a rule ID is ar- and 24 lower-case hex digits, got %q", id)
	}
	ru, ok := s.app.Telemetry().Rule(s.app.State().Committed(), id)
	if !ok {
		return fmt.Errorf("%w: rule %s", telemetry.ErrNotFound, id)
	}
	return writeJSON(w, http.StatusOK, ru)
}

// listAlerts handles GET /v1/telemetry/alerts?org=|patient=&status=.
func (s *Server) listTelemetryAlerts(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	org, patient, status := q.Get("org"), q.Get("patient"), q.Get("status")
	switch status {
	case "", telemetry.AlertOpen, telemetry.AlertAcknowledged, telemetry.AlertSnoozed, telemetry.AlertCleared:
	default:
		return badParam("status", "open, acknowledged, snoozed or cleared, got %q", status)
	}
	k, view, p := s.app.Telemetry(), s.app.State().Committed(), caller(r)
	switch {
	case (org == "") == (patient == ""):
		return badParam("org", "give org or patient")
	case org != "":
		if err := k.SeesOrg(p, org); err != nil {
			return signIn(r, "an organisation's alerts and their patients", err)
		}
		return writeJSON(w, http.StatusOK, pageView[telemetry.Alert]{Items: nonNil(k.Alerts(view, "org", org, status, maxLimit))})
	}
	if ledger.ValidPatientID(patient) != nil {
		return badParam("patient", "a patient ID (pt- and 20 lower-case hex digits)")
	}
	if err := k.SeesPatient(view, p, patient); err != nil {
		return signIn(r, "a patient's alerts", err)
	}
	return writeJSON(w, http.StatusOK, pageView[telemetry.Alert]{Items: nonNil(k.Alerts(view, "patient", patient, status, maxLimit))})
}

// getTelemetryAlert handles GET /v1/telemetry/alerts/{id}.
func (s *Server) getTelemetryAlert(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if telemetry.ValidID("al-", id) != nil {
		return badParam("id", "an alert ID is al- and 24 lower-case hex digits, got %q", id)
	}
	k, view := s.app.Telemetry(), s.app.State().Committed()
	a, ok := k.Alert(view, id)
	if !ok || k.SeesOrg(caller(r), a.Org) != nil && caller(r).ID != a.Patient {
		return signIn(r, "an alert and its patient", fmt.Errorf("%w: alert %s is unknown or seen by its organisation's members and its patient only", ledger.ErrNotEntitled, id))
	}
	return writeJSON(w, http.StatusOK, a)
}

// evidenceView is a patient's billing evidence and, with ?prove=true, the
// ledger's proof of one anchored batch per day.
type evidenceView struct {
	telemetry.Evidence
	Proofs []*proofView `json:"proofs,omitempty"`
}

// patientEvidence handles GET /v1/telemetry/patients/{id}/evidence?from=&prove=.
func (s *Server) patientEvidence(w http.ResponseWriter, r *http.Request) error {
	withProof, err := proveParam(r)
	if err != nil {
		return err
	}
	patient := r.PathValue("id")
	if ledger.ValidPatientID(patient) != nil {
		return badParam("id", "a patient ID (pt- and 20 lower-case hex digits)")
	}
	from := r.URL.Query().Get("from")
	if _, err := time.Parse(time.DateOnly, from); err != nil {
		return badParam("from", "the first day of the %d-day period, YYYY-MM-DD, got %q", telemetry.EvidencePeriodDays, from)
	}
	k, view := s.app.Telemetry(), s.app.State().Committed()
	if err := k.SeesEvidence(view, caller(r), patient, s.now()); err != nil {
		return signIn(r, "a patient's monitoring", err)
	}
	ev, err := k.Evidence(view, patient, from, view.Version())
	if err != nil {
		return badParam("from", "%v", err)
	}
	v := evidenceView{Evidence: ev}
	if withProof {
		for _, d := range ev.Days {
			p, err := prove(view, d.Key)
			if err != nil {
				return err
			}
			v.Proofs = append(v.Proofs, p)
		}
	}
	return writeJSON(w, http.StatusOK, v)
}
