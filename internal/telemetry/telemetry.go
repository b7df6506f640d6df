// Package telemetry is the module of remote patient monitoring. An
// organisation registers its monitoring devices (identities of kind device,
// with their own ledger keys) and assigns each to a patient under the
// patient's consent: a records grant with purpose treatment to the
// organisation, named by its ID and checked through the Directory on every
// anchor, so that a revoked or expired grant stops the device's readings.
//
// Readings never reach the ledger. A device signs each one (a FHIR
// Observation and a per-device sequence number) and sends it to its
// organisation's node (internal/monitor), which verifies it, keeps it
// encrypted at rest and anchors batches of them here: a telemetry/anchor
// carries the device, the sequence range, the count, the RFC 6962 Merkle
// root of the signed readings and the times of the first and last, signed
// by the node's custodian identity. The module checks that the batches of
// a device follow one another (a batch that overlaps an anchored one is a
// replay and is refused; readings missing between or inside batches are
// gaps, recorded and reported), and keeps, per patient and UTC day, which
// batches were anchored: the evidence of the days on which readings were
// transmitted (evidence.go).
//
// Alert rules are CEL expressions of the consensus-safe profile
// (internal/rules, AlertProfile): a threshold held for a duration with a
// separate clearing condition (hysteresis), or no reading for some minutes.
// The custodian's node evaluates them off chain over the decrypted stream
// (Evaluator, deterministic) and anchors each alert here: rule, device,
// patient pseudonym, time; never a value. The care team acknowledges or
// snoozes alerts on chain; a snooze that runs out re-opens the alert at the
// end of the block that reaches its time (EndBlock).
//
// The module keeps IDs, codes, counts, hashes and times only. It imports no
// other module: identity and records answer through the Directory.
package telemetry

import (
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
)

// Name is the module's name and error codespace.
const Name = "telemetry"

// Errors, each with a stable code in the module's table (Codes).
var (
	ErrUnauthorized = errors.New("telemetry: not allowed")
	ErrNotFound     = errors.New("telemetry: not found")
	ErrExists       = errors.New("telemetry: already exists")
	// ErrNotDevice is a member that is not an active identity of kind
	// device of the organisation.
	ErrNotDevice = errors.New("telemetry: not a device of the organisation")
	// ErrNotAssigned is a device assigned to no patient.
	ErrNotAssigned = errors.New("telemetry: device not assigned")
	// ErrNoConsent is a grant that does not allow monitoring: unknown,
	// another patient's, not to the organisation, without purpose
	// treatment, limited to records or types that exclude observations,
	// expired or revoked.
	ErrNoConsent = errors.New("telemetry: no consent")
	// ErrReplay is a reading or batch whose sequence numbers were taken
	// already.
	ErrReplay = errors.New("telemetry: sequence replayed")
	// ErrBadRule is an alert rule that does not compile in the profile or
	// is over its cost bound.
	ErrBadRule = errors.New("telemetry: invalid alert rule")
	ErrState   = errors.New("telemetry: not possible in this state")
	// ErrBadReading is a reading that is not signed by the device's key, not
	// for this chain, or not an Observation the node can take.
	ErrBadReading = errors.New("telemetry: invalid reading")
	// ErrNotCustodian is a reading sent to a node that does not keep the
	// device's organisation's data.
	ErrNotCustodian = errors.New("telemetry: not the custodian's node")
)

// Limits.
const (
	// MaxBatch bounds the readings of one anchored batch.
	MaxBatch = 65_536
	// MaxClockSkew is how far past the block time a batch's last reading
	// may be dated (device clocks drift).
	MaxClockSkew = 5 * time.Minute
	// MaxSnoozeMinutes bounds a snooze (a day).
	MaxSnoozeMinutes = 1440
	// MaxRuleMinutes bounds a rule's duration or staleness (a week).
	MaxRuleMinutes = 7 * 1440
	// EvidencePeriodDays is the period of billing evidence, and
	// EvidenceDaysRequired the days of transmission CMS requires in it
	// (remote physiologic monitoring, CPT 99454).
	EvidencePeriodDays   = 30
	EvidenceDaysRequired = 16
)

// DeviceKinds are the kinds of monitoring device, sorted. They name the
// device, never a condition.
var DeviceKinds = []string{"blood-pressure-monitor", "glucose-meter", "heart-rate-monitor", "multi-parameter", "pulse-oximeter", "thermometer", "weight-scale"}

// CareRoles act for an organisation's care team: they register and assign
// devices, publish alert rules and acknowledge alerts.
var CareRoles = []ledger.Role{ledger.RolePhysician, ledger.RoleNurse, ledger.RoleAdmin}

// Device statuses.
const (
	DeviceActive  = "active"
	DeviceRetired = "retired"
)

// Device is a registered monitoring device and its current assignment.
type Device struct {
	ID     string `json:"id"` // the device identity's member ID
	Org    string `json:"org"`
	Kind   string `json:"kind"`
	Status string `json:"status"`
	By     string `json:"by"`
	// Patient and Grant are the current assignment: the patient's
	// pseudonym and the records grant that allows it; empty when
	// unassigned.
	Patient    string `json:"patient,omitempty"`
	Grant      string `json:"grant,omitempty"`
	AssignedAt int64  `json:"assigned_at,omitempty"` // height
	// LastSeq is the last sequence number anchored; Readings the readings
	// anchored; Missing the sequence numbers skipped (gaps); Replays the
	// readings the node refused as replays.
	LastSeq  uint64 `json:"last_seq"`
	LastTime int64  `json:"last_time,omitempty"` // unix seconds, of the last reading anchored
	Readings int64  `json:"readings"`
	Batches  int64  `json:"batches"`
	Missing  int64  `json:"missing"`
	Replays  int64  `json:"replays"`
	Height   int64  `json:"height"`
}

// Batch is the anchor of a batch of readings kept off chain.
type Batch struct {
	ID      string `json:"id"`
	Device  string `json:"device"`
	Org     string `json:"org"`
	Patient string `json:"patient"`
	Grant   string `json:"grant"`
	First   uint64 `json:"first_seq"`
	Last    uint64 `json:"last_seq"`
	Count   int64  `json:"count"`
	// Root is the RFC 6962 Merkle root (hex) over the signed readings in
	// sequence order.
	Root      string `json:"root"`
	FirstTime int64  `json:"first_time"`
	LastTime  int64  `json:"last_time"`
	Day       string `json:"day"` // the UTC day of every reading
	// Missing is the sequence numbers skipped before and inside the batch.
	Missing int64 `json:"missing"`
	Replays int64 `json:"replays"`
	// Checked is the committed height the node admitted the last reading
	// on.
	Checked int64  `json:"checked"`
	By      string `json:"by"`
	Height  int64  `json:"height"`
	Time    int64  `json:"time"`
}

// Gap is a run of sequence numbers a device skipped.
type Gap struct {
	Device string `json:"device"`
	From   uint64 `json:"from_seq"`
	To     uint64 `json:"to_seq"`
	Batch  string `json:"batch"` // the batch that revealed it
	Height int64  `json:"height"`
}

// Rule kinds.
const (
	RuleThreshold = "threshold"
	RuleStale     = "stale"
)

// Rule is an alert rule of an organisation.
type Rule struct {
	ID   string `json:"id"`
	Org  string `json:"org"`
	Kind string `json:"kind"`
	// Code is the LOINC code of the observations a threshold rule reads.
	Code string `json:"code,omitempty"`
	// Raise and Clear are CEL conditions (AlertProfile); Minutes how long
	// Raise must hold (threshold) or how long without a reading (stale).
	Raise     string `json:"raise,omitempty"`
	Clear     string `json:"clear,omitempty"`
	Minutes   int64  `json:"minutes"`
	RaiseHash string `json:"raise_hash,omitempty"`
	ClearHash string `json:"clear_hash,omitempty"`
	Cost      uint64 `json:"cost"` // the static cost estimate of both conditions
	Status    string `json:"status"`
	By        string `json:"by"`
	Height    int64  `json:"height"`
}

// Rule statuses.
const (
	RuleActive  = "active"
	RuleRetired = "retired"
)

// Alert statuses.
const (
	AlertOpen         = "open"
	AlertAcknowledged = "acknowledged"
	AlertSnoozed      = "snoozed"
	AlertCleared      = "cleared"
)

// Alert is an alert a rule raised for a device's patient. It holds no
// value: the readings stay with the custodian.
type Alert struct {
	ID        string `json:"id"`
	Rule      string `json:"rule"`
	Org       string `json:"org"`
	Device    string `json:"device"`
	Patient   string `json:"patient"`
	Status    string `json:"status"`
	RaisedAt  int64  `json:"raised_at"` // unix seconds, the reading's time (stale: the block's)
	ClearedAt int64  `json:"cleared_at,omitempty"`
	// Acks are the care team's acknowledgements and snoozes, oldest first.
	Acks []Ack `json:"acks,omitempty"`
	// Realerts counts the snoozes that ran out while the alert held.
	Realerts int   `json:"realerts,omitempty"`
	Height   int64 `json:"height"`
}

// Ack is an acknowledgement (Until zero) or a snooze until a time.
type Ack struct {
	By    string `json:"by"`
	At    int64  `json:"at"`
	Until int64  `json:"until,omitempty"`
}

// State. Everything that names a patient is private (readers.go); rules
// are an organisation's and public.
var (
	devices    = state.NewMap[Device](Name, "tm/d/")
	devByOrg   = state.NewIndex(Name, "tm/do/") // org/device
	devByPt    = state.NewIndex(Name, "tm/dp/") // patient/device
	batches    = state.NewMap[Batch](Name, "tm/b/")
	batchesOf  = state.NewIndex(Name, "tm/bd/")   // device/%016x first/batch
	days       = state.NewIndex(Name, "tm/pd/")   // patient/YYYY-MM-DD/batch
	gaps       = state.NewMap[Gap](Name, "tm/g/") // device/%016x from
	ruleDefs   = state.NewMap[Rule](Name, "tm/r/").Public()
	rulesOf    = state.NewIndex(Name, "tm/ro/").Public() // org/rule
	alerts     = state.NewMap[Alert](Name, "tm/a/")
	openAlerts = state.NewMap[string](Name, "tm/ao/") // rule/device -> alert
	alertsOrg  = state.NewIndex(Name, "tm/aq/")       // org/alert
	alertsPt   = state.NewIndex(Name, "tm/ap/")       // patient/alert
	snoozes    = state.NewIndex(Name, "tm/sz/")       // %016x until/alert
)

// Directory is what telemetry asks the other modules.
type Directory interface {
	// DeviceOf returns the organisation of an active member of kind
	// device.
	DeviceOf(r state.Reader, id string) (org string, ok bool)
	// PatientExists reports whether id is a registered patient.
	PatientExists(r state.Reader, id string) bool
	// Consent returns a records grant as far as monitoring needs it.
	Consent(r state.Reader, grant string) (Consent, bool)
	// Consented reports whether patient has an active grant to org (or a
	// role within it) for purpose at now (unix seconds).
	Consented(r state.Reader, patient, org, purpose string, now int64) bool
}

// Consent is what records says of a grant.
type Consent struct {
	ID         string
	Patient    string
	GranteeOrg string // the organisation named, alone or with a role
	Member     string // set when the grant names one member
	Purposes   []string
	Types      []string // empty: every type
	Records    []string // empty: every record
	Start      int64
	Expires    int64
	Condition  bool // the grant has a CEL condition
	Revoked    bool
	RevokedAt  int64 // height
}

// PurposeTreatment and PurposePayment are the records purposes monitoring
// and billing evidence rely on.
const (
	PurposeTreatment = "treatment"
	PurposePayment   = "payment"
)

// Keeper is the telemetry module.
type Keeper struct {
	ledger.NoGenesis
	dir Directory
}

// New returns the module.
func New(dir Directory) *Keeper { return &Keeper{dir: dir} }

// Name implements ledger.Module.
func (k *Keeper) Name() string { return Name }

var (
	memberPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}/[a-z0-9][a-z0-9._-]{0,63}$`)
	hashPattern   = regexp.MustCompile(`^[0-9a-f]{64}$`)
	loincPattern  = regexp.MustCompile(`^[0-9]{1,7}-[0-9]$`)
)

func idPattern(prefix string) *regexp.Regexp {
	return regexp.MustCompile(`^` + prefix + `[0-9a-f]{24}$`)
}

func validID(field, prefix, id string) error {
	if !idPattern(prefix).MatchString(id) {
		return fmt.Errorf("%s: %s and 24 lower-case hex digits", field, prefix)
	}
	return nil
}

func seqKey(device string, seq uint64) string { return fmt.Sprintf("%s/%016x", device, seq) }

// Day is the UTC day of a unix time, as the batches and evidence use it.
func Day(unix int64) string { return time.Unix(unix, 0).UTC().Format(time.DateOnly) }

// ValidID checks an ID of the module (ar-, al-, tb-) by its prefix.
func ValidID(prefix, id string) error { return validID("id", prefix, id) }

// ValidDeviceID checks a device's member ID form, organisation/handle.
func ValidDeviceID(id string) error { return validMember("device", id) }
