package api_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/medchain/medchain/internal/api/apitest"
	"github.com/medchain/medchain/internal/devicesim"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/monitor"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/telemetry"
	"github.com/medchain/medchain/internal/tx"
)

// seedDevice is the seeded chain's pulse oximeter (key "seed-oxi").
const seedDevice = "general-hospital/oxi"

// seededTelemetry is walk-patient's monitoring on the seeded chain.
type seededTelemetry struct {
	grant, rule, alert string
	batches            []string
}

// secrets adds what names the patient's monitoring.
func (st seededTelemetry) secrets(out map[string]string) {
	out[st.grant] = "a grant ID"
	out[st.alert] = "a telemetry alert ID"
	for _, b := range st.batches {
		out[b] = "a telemetry batch ID"
	}
}

// telemetryDevice registers general-hospital's oximeter and assigns it to
// patient under a treatment grant; it returns the grant.
func telemetryDevice(e *env, patientKey, patient string) string {
	e.t.Helper()
	e.supplyMember("hospital-admin", "oxi", identity.Device, "seed-oxi", ledger.RoleSensor)
	grant := e.created(patientKey, records.TypeGrant, records.GrantMsg{Grantee: records.Grantee{Org: "general-hospital"},
		Purposes: []string{records.PurposeTreatment}, Expires: apitest.GenesisTime.AddDate(1, 0, 0)})
	e.ok("hospital-admin", telemetry.TypeRegisterDevice, telemetry.RegisterDevice{Device: seedDevice, Kind: "pulse-oximeter"})
	e.ok("hospital-admin", telemetry.TypeAssign, telemetry.Assign{Device: seedDevice, Patient: patient, Grant: grant})
	return grant
}

// signedReadings signs observations as the oximeter's readings from seq.
func signedReadings(t *testing.T, seq uint64, obs ...json.RawMessage) []byte {
	t.Helper()
	var req struct {
		Readings []string `json:"readings"`
	}
	for i, o := range obs {
		msg, _ := json.Marshal(telemetry.Reading{Seq: seq + uint64(i), Observation: o})
		raw, err := tx.Sign(apitest.Key("seed-oxi"), tx.Body{ChainID: apitest.ChainID, Nonce: 1, Expires: 1, Type: telemetry.TypeReading, Msg: msg})
		if err != nil {
			t.Fatal(err)
		}
		req.Readings = append(req.Readings, base64.StdEncoding.EncodeToString(raw))
	}
	b, _ := json.Marshal(req)
	return b
}

// seedTelemetry monitors patient: five readings anchored (late on New
// Year's Eve), an SpO2 rule, an alert a nurse snoozed.
func seedTelemetry(e *env, patient string) seededTelemetry {
	e.t.Helper()
	st := seededTelemetry{grant: telemetryDevice(e, keyPatient, patient)}
	at := apitest.GenesisTime.Add(-time.Hour)
	e.post("/v1/telemetry/readings", "application/json", signedReadings(e.t, 1, devicesim.Desaturation(at, 5, time.Minute)...), http.StatusOK, nil)
	if n := e.monitor.Flush(context.Background()); n != 0 {
		e.t.Fatalf("%d batches not anchored", n)
	}
	for _, b := range e.h.App.Telemetry().Batches(e.h.App.State().Committed(), seedDevice, 0, 10) {
		st.batches = append(st.batches, b.ID)
	}
	if len(st.batches) != 1 {
		e.t.Fatalf("batches %v", st.batches)
	}
	st.rule = e.created("dr-grey", telemetry.TypeRule, telemetry.PublishRule{Kind: telemetry.RuleThreshold, Code: devicesim.CodeSpO2, Raise: "value < 90", Clear: "value > 92", Minutes: 5})
	st.alert = e.created("hospital-custodian", telemetry.TypeAlert, telemetry.RaiseAlert{Rule: st.rule, Device: seedDevice, At: at.Add(4 * time.Minute).Unix()})
	e.ok("hospital-nurse", telemetry.TypeAck, telemetry.AckAlert{Alert: st.alert, SnoozeMinutes: 15})
	return st
}

// The telemetry routes answer as openapi.json says: readings taken and
// refused one by one, a device and its batches, a reading's proof that
// verifies against the ledger, alerts, rules and the billing evidence with
// its proofs, and the refusals of callers the ledger does not entitle.
func TestTelemetryMatchOpenAPI(t *testing.T) {
	e := newRecordsEnv(t)
	e.supplyMember("hospital-admin", "nurse", identity.Person, "hospital-nurse", ledger.RoleNurse)
	patient := e.registerPatient("alice")
	e.registerPatient(keyStranger)
	telemetryDevice(e, "alice", patient)
	at := apitest.GenesisTime.Add(-2 * time.Hour)

	// Three readings taken, then a replay, a forgery and garbage refused
	// (each on its own: the request is answered 200).
	var res struct {
		Items []monitor.Result `json:"items"`
	}
	e.post("/v1/telemetry/readings", "application/json", signedReadings(t, 1, devicesim.SpO2(97, at), devicesim.SpO2(96, at.Add(time.Minute)), devicesim.SpO2(95, at.Add(2*time.Minute))), http.StatusOK, &res)
	for _, r := range res.Items {
		if r.Status != monitor.Accepted || r.Device != seedDevice {
			t.Fatalf("readings: %+v", res.Items)
		}
	}
	bad := signedReadings(t, 3, devicesim.SpO2(90, at.Add(3*time.Minute)))
	var body struct {
		Readings []string `json:"readings"`
	}
	json.Unmarshal(bad, &body)
	forged, _ := base64.StdEncoding.DecodeString(body.Readings[0])
	forged[20] ^= 1
	body.Readings = append(body.Readings, base64.StdEncoding.EncodeToString(forged), base64.StdEncoding.EncodeToString([]byte("junk")))
	raw, _ := json.Marshal(body)
	e.post("/v1/telemetry/readings", "application/json", raw, http.StatusOK, &res)
	if len(res.Items) != 3 || res.Items[0].Code != "telemetry.replay" || res.Items[1].Code != "telemetry.bad_reading" || res.Items[2].Code != "telemetry.bad_reading" {
		t.Fatalf("refusals: %+v", res.Items)
	}
	resp, b := e.do(http.MethodPost, "/v1/telemetry/readings", "application/json", []byte(`{"readings": []}`))
	wantProblem(t, resp, b, http.StatusBadRequest, "api.invalid_body")
	if n := e.monitor.Flush(context.Background()); n != 0 {
		t.Fatalf("%d batches not anchored", n)
	}

	var d telemetry.Device
	e.getAs("hospital-nurse", "/v1/telemetry/devices/"+seedDevice, http.StatusOK, &d)
	if d.Readings != 3 || d.Replays != 1 || d.Patient != patient {
		t.Fatalf("device: %+v", d)
	}
	e.getAs("alice", "/v1/telemetry/devices/"+seedDevice, http.StatusOK, nil)
	e.getAs(keyStranger, "/v1/telemetry/devices/"+seedDevice, http.StatusForbidden, nil)
	e.getAs(keyStranger, "/v1/telemetry/devices/general-hospital/nothing", http.StatusForbidden, nil)
	e.supplyProblem("/v1/telemetry/devices/"+seedDevice, http.StatusUnauthorized, "api.unauthenticated", "")
	var devs struct {
		Items []telemetry.Device `json:"items"`
	}
	e.getAs("alice", "/v1/telemetry/devices?patient="+patient, http.StatusOK, &devs)
	if len(devs.Items) != 1 {
		t.Fatalf("alice's devices: %+v", devs)
	}
	e.getAs("alice", "/v1/telemetry/devices?org=general-hospital", http.StatusForbidden, nil)
	var batches struct {
		Items []telemetry.Batch `json:"items"`
	}
	e.getAs("dr-grey", "/v1/telemetry/devices/"+seedDevice+"/batches", http.StatusOK, &batches)
	if len(batches.Items) != 1 || batches.Items[0].Count != 3 || batches.Items[0].Replays != 1 {
		t.Fatalf("batches: %+v", batches)
	}
	e.getAs("dr-grey", "/v1/telemetry/devices/"+seedDevice+"/gaps", http.StatusOK, nil)

	// The proof of reading 2: the reading is the device's, it is in the
	// batch whose root the ledger holds, and the ledger's proof verifies
	// against the next block's app hash.
	var p struct {
		monitor.Proof
		Anchor      telemetry.Batch `json:"anchor"`
		AnchorProof proofJSON       `json:"anchor_proof"`
	}
	e.getAs("alice", "/v1/telemetry/devices/"+seedDevice+"/readings/2/proof", http.StatusOK, &p)
	rt, err := tx.Decode(p.Reading)
	if err != nil || rt.Verify() != nil || rt.Body.Signer.String() != apitest.PubKey("seed-oxi").String() {
		t.Fatalf("the proven reading is not the device's: %v", err)
	}
	if err := telemetry.VerifyInclusion(p.Reading, p.Index, p.Size, p.Hashes, p.Anchor.Root); err != nil {
		t.Fatal(err)
	}
	if _, err := e.h.Commit(); err != nil { // the block whose header holds the proof's app hash
		t.Fatal(err)
	}
	if err := e.verify(p.AnchorProof, p.AnchorProof.Value); err != nil {
		t.Fatalf("anchor proof: %v", err)
	}
	var onLedger telemetry.Batch
	if err := json.Unmarshal(p.AnchorProof.Value, &onLedger); err != nil || onLedger.Root != p.Root {
		t.Fatalf("the proven anchor holds root %q, the reading's proof %q", onLedger.Root, p.Root)
	}
	e.getAs(keyStranger, "/v1/telemetry/devices/"+seedDevice+"/readings/2/proof", http.StatusForbidden, nil)
	e.getAs("alice", "/v1/telemetry/devices/"+seedDevice+"/readings/9/proof", http.StatusNotFound, nil)
	e.getAs("alice", "/v1/telemetry/devices/"+seedDevice+"/readings/x/proof", http.StatusBadRequest, nil)

	// Rules are public; an alert is the care team's and the patient's.
	rule := e.created("dr-grey", telemetry.TypeRule, telemetry.PublishRule{Kind: telemetry.RuleStale, Minutes: 30})
	var rules struct {
		Items []telemetry.Rule `json:"items"`
	}
	e.get("/v1/telemetry/rules?org=general-hospital", http.StatusOK, &rules)
	if len(rules.Items) != 1 || rules.Items[0].ID != rule {
		t.Fatalf("rules: %+v", rules)
	}
	e.get("/v1/telemetry/rules/"+rule, http.StatusOK, nil)
	e.supplyProblem("/v1/telemetry/rules/ar-000000000000000000000000", http.StatusNotFound, "telemetry.not_found", "")
	alert := e.created("hospital-custodian", telemetry.TypeAlert, telemetry.RaiseAlert{Rule: rule, Device: seedDevice, At: apitest.GenesisTime.Unix()})
	var alerts struct {
		Items []telemetry.Alert `json:"items"`
	}
	e.getAs("hospital-nurse", "/v1/telemetry/alerts?org=general-hospital&status=open", http.StatusOK, &alerts)
	if len(alerts.Items) != 1 || alerts.Items[0].ID != alert {
		t.Fatalf("alerts: %+v", alerts)
	}
	e.getAs("alice", "/v1/telemetry/alerts/"+alert, http.StatusOK, nil)
	e.getAs(keyStranger, "/v1/telemetry/alerts/"+alert, http.StatusForbidden, nil)
	e.getAs("hospital-nurse", "/v1/telemetry/alerts?org=general-hospital&status=loud", http.StatusBadRequest, nil)

	// The billing evidence, with a proof per day, to the patient; to the
	// insurer only once the patient grants it purpose payment.
	var ev struct {
		telemetry.Evidence
		Proofs []proofJSON `json:"proofs"`
	}
	path := "/v1/telemetry/patients/" + patient + "/evidence?from=2025-12-25&prove=true"
	e.getAs("alice", path, http.StatusOK, &ev)
	if ev.DaysWith != 1 || ev.Met || len(ev.Proofs) != 1 || ev.Days[0].Day != "2025-12-31" {
		t.Fatalf("evidence: %+v", ev)
	}
	if _, err := e.h.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := e.verify(ev.Proofs[0], ev.Proofs[0].Value); err != nil {
		t.Fatal(err)
	}
	e.getAs("claims", path, http.StatusForbidden, nil)
	e.ok("alice", records.TypeGrant, records.GrantMsg{Grantee: records.Grantee{Org: "acme-insurance"},
		Purposes: []string{records.PurposePayment}, Expires: apitest.GenesisTime.AddDate(1, 0, 0)})
	e.getAs("claims", path, http.StatusOK, nil)
	e.getAs("claims", "/v1/telemetry/patients/"+patient+"/evidence?from=25-12-2025", http.StatusBadRequest, nil)
}

// The real-data test: the Synthea patient's 16 vital-sign
// Observations replayed as a device stream, one a day, through the API:
// signed by the device, taken by the node, batched per day, anchored;
// every reading proven through the API and checked against the ledger;
// the evidence shows 16 days.
func TestTelemetrySyntheaReplayThroughTheAPI(t *testing.T) {
	e := newRecordsEnv(t)
	patient := e.registerPatient("alice")
	telemetryDevice(e, "alice", patient)
	start := apitest.GenesisTime.AddDate(0, 0, -16).Add(9 * time.Hour)
	stream, err := devicesim.Replay(devicesim.DemoVitals(), start, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Items []monitor.Result `json:"items"`
	}
	e.post("/v1/telemetry/readings", "application/json", signedReadings(t, 1, stream...), http.StatusOK, &res)
	if len(res.Items) != 16 {
		t.Fatalf("results: %+v", res.Items)
	}
	for _, r := range res.Items {
		if r.Status != monitor.Accepted {
			t.Fatalf("refused: %+v", r)
		}
	}
	if n := e.monitor.Flush(context.Background()); n != 0 {
		t.Fatalf("%d batches not anchored", n)
	}
	type readingProof struct {
		monitor.Proof
		Anchor      telemetry.Batch `json:"anchor"`
		AnchorProof proofJSON       `json:"anchor_proof"`
	}
	proofs := make([]readingProof, 16)
	for i := range proofs {
		e.getAs("alice", "/v1/telemetry/devices/"+seedDevice+"/readings/"+itoa(int64(i+1))+"/proof", http.StatusOK, &proofs[i])
	}
	if _, err := e.h.Commit(); err != nil { // the block whose header holds the proofs' app hash
		t.Fatal(err)
	}
	for i, p := range proofs {
		if err := telemetry.VerifyInclusion(p.Reading, p.Index, p.Size, p.Hashes, p.Anchor.Root); err != nil {
			t.Fatalf("reading %d: %v", i+1, err)
		}
		if err := e.verify(p.AnchorProof, p.AnchorProof.Value); err != nil {
			t.Fatalf("reading %d: anchor proof: %v", i+1, err)
		}
		if p.Anchor.Day != start.AddDate(0, 0, i).Format(time.DateOnly) {
			t.Fatalf("reading %d anchored for day %s", i+1, p.Anchor.Day)
		}
	}
	var ev telemetry.Evidence
	e.getAs("alice", "/v1/telemetry/patients/"+patient+"/evidence?from="+start.Format(time.DateOnly), http.StatusOK, &ev)
	if ev.DaysWith != 16 || !ev.Met {
		t.Fatalf("evidence: %d days, met %v", ev.DaysWith, ev.Met)
	}
}
