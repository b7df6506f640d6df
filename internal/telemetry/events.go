package telemetry

import "github.com/medchain/medchain/internal/ledger"

// Attribute keys of the module's events.
const (
	AttrDevice  = "device"
	AttrOrg     = "org"
	AttrKind    = "kind"
	AttrPatient = "patient"
	AttrGrant   = "grant"
	AttrBatch   = "batch"
	AttrFirst   = "first_seq"
	AttrLast    = "last_seq"
	AttrCount   = "count"
	AttrRoot    = "root"
	AttrFrom    = "from_seq"
	AttrTo      = "to_seq"
	AttrRule    = "rule"
	AttrAlert   = "alert"
	AttrBy      = "by"
	AttrUntil   = "until"
)

// Events the module emits.
var (
	EventDevice = ledger.EventType{Name: "telemetry.device", Attrs: []string{AttrDevice, AttrOrg, AttrKind},
		Doc: "An organisation registered one of its device identities as a monitoring device of a kind (pulse-oximeter…)."}
	EventAssigned = ledger.EventType{Name: "telemetry.assigned", Attrs: []string{AttrDevice, AttrPatient, AttrGrant},
		Doc: "A device was assigned to a patient under the patient's records grant (purpose treatment)."}
	EventUnassigned = ledger.EventType{Name: "telemetry.unassigned", Attrs: []string{AttrDevice, AttrPatient},
		Doc: "A device's assignment ended: its readings are no longer taken."}
	EventAnchored = ledger.EventType{Name: "telemetry.anchored", Attrs: []string{AttrBatch, AttrDevice, AttrFirst, AttrLast, AttrCount, AttrRoot},
		Doc: "The custodian's node anchored a batch of a device's readings (kept off chain): sequence range, count and RFC 6962 Merkle root."}
	EventGap = ledger.EventType{Name: "telemetry.gap", Attrs: []string{AttrDevice, AttrFrom, AttrTo},
		Doc: "A batch revealed sequence numbers the device skipped (readings never received)."}
	EventReplay = ledger.EventType{Name: "telemetry.replay", Attrs: []string{AttrDevice, AttrCount},
		Doc: "The custodian's node refused readings of the device whose sequence numbers it had taken already (count since its last anchor)."}
	EventRule = ledger.EventType{Name: "telemetry.rule", Attrs: []string{AttrRule, AttrOrg, AttrKind},
		Doc: "A physician published an alert rule of the organisation (threshold or stale)."}
	EventRuleRetired = ledger.EventType{Name: "telemetry.rule_retired", Attrs: []string{AttrRule, AttrOrg},
		Doc: "An alert rule was retired."}
	EventAlert = ledger.EventType{Name: "telemetry.alert", Attrs: []string{AttrAlert, AttrRule, AttrDevice, AttrPatient},
		Doc: "The custodian's node raised an alert of a rule for a device's patient (no value)."}
	EventCleared = ledger.EventType{Name: "telemetry.cleared", Attrs: []string{AttrAlert, AttrRule, AttrDevice},
		Doc: "An alert's clearing condition was met."}
	EventAcknowledged = ledger.EventType{Name: "telemetry.acknowledged", Attrs: []string{AttrAlert, AttrBy, AttrUntil},
		Doc: "A clinician acknowledged an alert (until 0) or snoozed it until a unix time."}
	EventRealerted = ledger.EventType{Name: "telemetry.realerted", Attrs: []string{AttrAlert, AttrRule, AttrDevice, AttrPatient},
		Doc: "A snooze ran out while its alert still held: the alert is open again (end of block)."}
)

// Events implements ledger.Module.
func (k *Keeper) Events() []ledger.EventType {
	return []ledger.EventType{EventDevice, EventAssigned, EventUnassigned, EventAnchored, EventGap, EventReplay,
		EventRule, EventRuleRetired, EventAlert, EventCleared, EventAcknowledged, EventRealerted}
}

// Codes implements ledger.Module: the module's code table.
func (k *Keeper) Codes() []ledger.ErrorCode {
	return []ledger.ErrorCode{
		{Err: ErrUnauthorized, Number: 1, Name: "unauthorized", Kind: ledger.KindForbidden},
		{Err: ErrNotFound, Number: 2, Name: "not_found", Kind: ledger.KindNotFound},
		{Err: ErrExists, Number: 3, Name: "exists", Kind: ledger.KindConflict},
		{Err: ErrNotDevice, Number: 4, Name: "not_device", Kind: ledger.KindPrecondition},
		{Err: ErrNotAssigned, Number: 5, Name: "not_assigned", Kind: ledger.KindPrecondition},
		{Err: ErrNoConsent, Number: 6, Name: "no_consent", Kind: ledger.KindForbidden},
		{Err: ErrReplay, Number: 7, Name: "replay", Kind: ledger.KindConflict},
		{Err: ErrBadRule, Number: 8, Name: "bad_rule", Kind: ledger.KindInvalid},
		{Err: ErrState, Number: 9, Name: "wrong_state", Kind: ledger.KindPrecondition},
		{Err: ErrBadReading, Number: 10, Name: "bad_reading", Kind: ledger.KindInvalid},
		{Err: ErrNotCustodian, Number: 11, Name: "not_custodian", Kind: ledger.KindPrecondition},
	}
}
