package client

import "encoding/json"

// The telemetry module's messages and views (internal/telemetry): remote
// patient monitoring. Devices sign readings (DeviceReading) that their
// organisation's node keeps off chain and anchors in batches; the ledger
// holds devices, assignments, batch roots, gaps, alert rules and alerts,
// never a value.

// Message types of the telemetry module.
const (
	TypeRegisterDevice = "telemetry/register-device"
	TypeAssignDevice   = "telemetry/assign"
	TypeUnassignDevice = "telemetry/unassign"
	TypeAnchorBatch    = "telemetry/anchor"
	TypeAlertRule      = "telemetry/rule"
	TypeRetireRule     = "telemetry/retire-rule"
	TypeRaiseAlert     = "telemetry/alert"
	TypeClearAlert     = "telemetry/clear"
	TypeAckAlert       = "telemetry/ack"
	// TypeDeviceReading is a device's signed reading: sent to its
	// organisation's node (SendReadings), never a transaction.
	TypeDeviceReading = "telemetry/reading"
)

// Device kinds.
var DeviceKinds = []string{"blood-pressure-monitor", "glucose-meter", "heart-rate-monitor", "multi-parameter", "pulse-oximeter", "thermometer", "weight-scale"}

// RegisterDevice registers a device identity (a member of kind device) of
// the signer's organisation as a monitoring device. Signed by a physician,
// nurse or admin.
type RegisterDevice struct {
	// Device is the device's member ID, organisation/handle.
	Device string `json:"device"`
	// Kind is one of DeviceKinds.
	Kind string `json:"kind"`
}

// AssignDevice assigns a device to a patient under the patient's records
// grant to the organisation with purpose treatment.
type AssignDevice struct {
	// Device is the device's member ID.
	Device string `json:"device"`
	// Patient is the patient's pseudonymous ID ("pt-...").
	Patient string `json:"patient"`
	// Grant is the patient's records grant ("gr-...") to the
	// organisation (or a role in it), purpose treatment, over every record
	// or type or including Observation, with no condition.
	Grant string `json:"grant"`
}

// UnassignDevice ends a device's assignment.
type UnassignDevice struct {
	// Device is the device's member ID.
	Device string `json:"device"`
}

// AnchorBatch anchors a batch of a device's readings; the node's custodian
// identity signs it (internal/monitor does).
type AnchorBatch struct {
	// Device is the device's member ID.
	Device string `json:"device"`
	// First and Last are the batch's sequence range; Count its readings
	// (the range less Gaps, the runs [from, to] missing inside it).
	First uint64      `json:"first_seq"`
	Last  uint64      `json:"last_seq"`
	Count int64       `json:"count"`
	Gaps  [][2]uint64 `json:"gaps,omitempty"`
	// Root is the RFC 6962 root (hex) over the signed readings in order.
	Root string `json:"root"`
	// FirstTime and LastTime are the readings' times (unix seconds, one
	// UTC day).
	FirstTime int64 `json:"first_time"`
	LastTime  int64 `json:"last_time"`
	// Replays is how many readings the node refused as replays since its
	// last anchor.
	Replays int64 `json:"replays,omitempty"`
	// Checked is the committed height the last reading was admitted on.
	Checked int64 `json:"checked"`
}

// Alert rule kinds.
const (
	RuleThreshold = "threshold"
	RuleStale     = "stale"
)

// PublishAlertRule publishes an alert rule of the signer's organisation
// (a physician): a threshold ("value < 90" for Minutes, cleared by "value
// > 92") or a stale-data rule (no reading for Minutes).
type PublishAlertRule struct {
	// Kind is RuleThreshold or RuleStale.
	Kind string `json:"kind"`
	// Code is the LOINC code the rule reads (a threshold's, required;
	// a stale rule's, optional).
	Code string `json:"code,omitempty"`
	// Raise and Clear are CEL conditions over code, unit, value (floored
	// integer) and milli (thousandths), of a threshold rule.
	Raise string `json:"raise,omitempty"`
	Clear string `json:"clear,omitempty"`
	// Minutes is how long Raise must hold, or how long without a reading.
	Minutes int64 `json:"minutes"`
}

// RetireAlertRule retires an alert rule.
type RetireAlertRule struct {
	// Rule is the rule's ID ("ar-...").
	Rule string `json:"rule"`
}

// RaiseAlert anchors an alert; the node's custodian identity signs it.
type RaiseAlert struct {
	// Rule is the rule's ID; Device the device whose readings raised it;
	// At the time (unix seconds).
	Rule   string `json:"rule"`
	Device string `json:"device"`
	At     int64  `json:"at"`
}

// ClearAlert records that an alert cleared; the node's custodian identity
// signs it.
type ClearAlert struct {
	// Alert is the alert's ID ("al-..."); At when it cleared.
	Alert string `json:"alert"`
	At    int64  `json:"at"`
}

// AckAlert acknowledges an alert, or snoozes it for SnoozeMinutes (1 to
// 1440): when the snooze runs out and the alert holds, it opens again.
// Signed by a physician or nurse of the alert's organisation.
type AckAlert struct {
	// Alert is the alert's ID ("al-...").
	Alert string `json:"alert"`
	// SnoozeMinutes is 0 to acknowledge, or a snooze of 1 to 1440.
	SnoozeMinutes int64 `json:"snooze_minutes,omitempty"`
}

// DeviceReading is what a device signs for each reading: its sequence
// number (1, 2, 3 …) and a FHIR Observation.
type DeviceReading struct {
	// Seq is the device's sequence number, from 1, one more each reading.
	Seq uint64 `json:"seq"`
	// Observation is a FHIR Observation: a LOINC code, an
	// effectiveDateTime, a valueQuantity or components.
	Observation json.RawMessage `json:"observation"`
}

func (RegisterDevice) MsgType() string   { return TypeRegisterDevice }
func (AssignDevice) MsgType() string     { return TypeAssignDevice }
func (UnassignDevice) MsgType() string   { return TypeUnassignDevice }
func (AnchorBatch) MsgType() string      { return TypeAnchorBatch }
func (PublishAlertRule) MsgType() string { return TypeAlertRule }
func (RetireAlertRule) MsgType() string  { return TypeRetireRule }
func (RaiseAlert) MsgType() string       { return TypeRaiseAlert }
func (ClearAlert) MsgType() string       { return TypeClearAlert }
func (AckAlert) MsgType() string         { return TypeAckAlert }
func (DeviceReading) MsgType() string    { return TypeDeviceReading }

// TelemetryDevice is a monitoring device and its assignment.
type TelemetryDevice struct {
	ID         string `json:"id"`
	Org        string `json:"org"`
	Kind       string `json:"kind"`
	Status     string `json:"status"`
	By         string `json:"by"`
	Patient    string `json:"patient,omitempty"`
	Grant      string `json:"grant,omitempty"`
	AssignedAt int64  `json:"assigned_at,omitempty"`
	LastSeq    uint64 `json:"last_seq"`
	LastTime   int64  `json:"last_time,omitempty"`
	Readings   int64  `json:"readings"`
	Batches    int64  `json:"batches"`
	Missing    int64  `json:"missing"`
	Replays    int64  `json:"replays"`
	Height     int64  `json:"height"`
}

// TelemetryBatch is the anchor of a batch of readings.
type TelemetryBatch struct {
	ID        string `json:"id"`
	Device    string `json:"device"`
	Org       string `json:"org"`
	Patient   string `json:"patient"`
	Grant     string `json:"grant"`
	First     uint64 `json:"first_seq"`
	Last      uint64 `json:"last_seq"`
	Count     int64  `json:"count"`
	Root      string `json:"root"`
	FirstTime int64  `json:"first_time"`
	LastTime  int64  `json:"last_time"`
	Day       string `json:"day"`
	Missing   int64  `json:"missing"`
	Replays   int64  `json:"replays"`
	Checked   int64  `json:"checked"`
	By        string `json:"by"`
	Height    int64  `json:"height"`
	Time      int64  `json:"time"`
}

// TelemetryGap is a run of sequence numbers a device skipped.
type TelemetryGap struct {
	Device string `json:"device"`
	From   uint64 `json:"from_seq"`
	To     uint64 `json:"to_seq"`
	Batch  string `json:"batch"`
	Height int64  `json:"height"`
}

// AlertRule is an organisation's alert rule.
type AlertRule struct {
	ID        string `json:"id"`
	Org       string `json:"org"`
	Kind      string `json:"kind"`
	Code      string `json:"code,omitempty"`
	Raise     string `json:"raise,omitempty"`
	Clear     string `json:"clear,omitempty"`
	Minutes   int64  `json:"minutes"`
	RaiseHash string `json:"raise_hash,omitempty"`
	ClearHash string `json:"clear_hash,omitempty"`
	Cost      uint64 `json:"cost"`
	Status    string `json:"status"`
	By        string `json:"by"`
	Height    int64  `json:"height"`
}

// TelemetryAlert is an alert a rule raised for a device's patient.
type TelemetryAlert struct {
	ID        string     `json:"id"`
	Rule      string     `json:"rule"`
	Org       string     `json:"org"`
	Device    string     `json:"device"`
	Patient   string     `json:"patient"`
	Status    string     `json:"status"`
	RaisedAt  int64      `json:"raised_at"`
	ClearedAt int64      `json:"cleared_at,omitempty"`
	Acks      []AlertAck `json:"acks,omitempty"`
	Realerts  int        `json:"realerts,omitempty"`
	Height    int64      `json:"height"`
}

// AlertAck is an acknowledgement (Until zero) or a snooze.
type AlertAck struct {
	By    string `json:"by"`
	At    int64  `json:"at"`
	Until int64  `json:"until,omitempty"`
}

// ReadingResult is what became of one sent reading.
type ReadingResult struct {
	Device  string `json:"device,omitempty"`
	Seq     uint64 `json:"seq,omitempty"`
	Status  string `json:"status"` // accepted | refused
	Code    string `json:"code,omitempty"`
	Error   string `json:"error,omitempty"`
	Missing uint64 `json:"missing,omitempty"`
}

// ReadingProof shows one signed reading is in an anchored batch (check it
// with VerifyReadingProof).
type ReadingProof struct {
	Device      string         `json:"device"`
	Seq         uint64         `json:"seq"`
	Reading     []byte         `json:"reading"`
	Index       uint64         `json:"index"`
	Size        uint64         `json:"size"`
	Hashes      []string       `json:"hashes"`
	Root        string         `json:"root"`
	Batch       string         `json:"batch"`
	Key         string         `json:"key"`
	Anchor      TelemetryBatch `json:"anchor"`
	AnchorProof *Proof         `json:"anchor_proof"`
}

// EvidenceDay is a day with anchored readings.
type EvidenceDay struct {
	Day      string   `json:"day"`
	Batches  []string `json:"batches"`
	Readings int64    `json:"readings"`
	Devices  []string `json:"devices"`
	Key      string   `json:"key"`
}

// Evidence is a patient's billing evidence over 30 days: the days with
// readings transmitted automatically (CMS needs 16), with the ledger's
// proof of one batch per day when asked WithProof.
type Evidence struct {
	Patient  string        `json:"patient"`
	From     string        `json:"from"`
	To       string        `json:"to"`
	Days     []EvidenceDay `json:"days"`
	DaysWith int           `json:"days_with_readings"`
	Required int           `json:"required"`
	Met      bool          `json:"met"`
	Height   int64         `json:"height"`
	Proofs   []*Proof      `json:"proofs,omitempty"`
}
