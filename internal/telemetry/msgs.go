package telemetry

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
)

// Message types.
const (
	TypeRegisterDevice = "telemetry/register-device"
	TypeAssign         = "telemetry/assign"
	TypeUnassign       = "telemetry/unassign"
	TypeAnchor         = "telemetry/anchor"
	TypeRule           = "telemetry/rule"
	TypeRetireRule     = "telemetry/retire-rule"
	TypeAlert          = "telemetry/alert"
	TypeClear          = "telemetry/clear"
	TypeAck            = "telemetry/ack"
	// TypeReading is the envelope type of a device's signed reading. It
	// has no chain route: readings go to the custodian's node, never on
	// chain.
	TypeReading = "telemetry/reading"
)

// AckRoles acknowledge and snooze alerts.
var AckRoles = []ledger.Role{ledger.RolePhysician, ledger.RoleNurse}

// RegisterDevice registers a device identity of the signer's organisation
// (a member of kind device, with its own key) as a monitoring device.
//
//	{"device": "st-marys-hospital/pulse-ox-1", "kind": "pulse-oximeter"}
type RegisterDevice struct {
	Device string `json:"device"`
	Kind   string `json:"kind"`
}

func (m *RegisterDevice) Validate() error {
	if err := validMember("device", m.Device); err != nil {
		return err
	}
	if !slices.Contains(DeviceKinds, m.Kind) {
		return fmt.Errorf("kind: one of %v", DeviceKinds)
	}
	return nil
}

func validMember(field, id string) error {
	if !memberPattern.MatchString(id) {
		return fmt.Errorf("%s: a member ID, organisation/handle", field)
	}
	return nil
}

// Assign assigns a device to a patient under the patient's consent: grant
// is a records grant of the patient to the organisation (or a role in it)
// with purpose treatment, covering observations.
//
//	{"device": "st-marys-hospital/pulse-ox-1", "patient": "pt-…", "grant": "gr-…"}
type Assign struct {
	Device  string `json:"device"`
	Patient string `json:"patient"`
	Grant   string `json:"grant"`
}

func (m *Assign) Validate() error {
	if err := validMember("device", m.Device); err != nil {
		return err
	}
	if err := ledger.ValidPatientID(m.Patient); err != nil {
		return fmt.Errorf("patient: %w", err)
	}
	return validID("grant", "gr-", m.Grant)
}

// Unassign ends a device's assignment: the node takes no more of its
// readings.
type Unassign struct {
	Device string `json:"device"`
}

func (m *Unassign) Validate() error { return validMember("device", m.Device) }

// Anchor anchors a batch of a device's readings, kept off chain by the
// custodian's node: signed by the node's custodian identity.
//
//	{"device": "…", "first_seq": 1, "last_seq": 600, "count": 598, "gaps": [[17, 18]],
//	 "root": "<sha256>", "first_time": 1767225600, "last_time": 1767229200,
//	 "replays": 0, "checked": 41}
type Anchor struct {
	Device    string      `json:"device"`
	First     uint64      `json:"first_seq"`
	Last      uint64      `json:"last_seq"`
	Count     int64       `json:"count"`
	Gaps      [][2]uint64 `json:"gaps,omitempty"`
	Root      string      `json:"root"`
	FirstTime int64       `json:"first_time"`
	LastTime  int64       `json:"last_time"`
	// Replays is how many readings of the device the node refused as
	// replays since its last anchor.
	Replays int64 `json:"replays,omitempty"`
	// Checked is the committed height on which the node admitted the
	// batch's last reading.
	Checked int64 `json:"checked"`
}

// MaxGaps bounds the gaps one anchor lists inside its range.
const MaxGaps = 256

func (m *Anchor) Validate() error {
	if err := validMember("device", m.Device); err != nil {
		return err
	}
	switch {
	case m.First == 0 || m.Last < m.First:
		return errors.New("first_seq, last_seq: sequence numbers from 1, first_seq <= last_seq")
	case m.Count < 1 || m.Count > MaxBatch:
		return fmt.Errorf("count: 1 to %d readings", MaxBatch)
	case !hashPattern.MatchString(m.Root):
		return errors.New("root: the batch's RFC 6962 Merkle root, 64 lower-case hex digits")
	case m.FirstTime <= 0 || m.LastTime < m.FirstTime:
		return errors.New("first_time, last_time: unix seconds, first_time <= last_time")
	case Day(m.FirstTime) != Day(m.LastTime):
		return errors.New("first_time, last_time: a batch holds the readings of one UTC day")
	case m.Replays < 0:
		return errors.New("replays: a count, 0 or more")
	case m.Checked < 1:
		return errors.New("checked: the committed height the last reading was admitted on")
	case len(m.Gaps) > MaxGaps:
		return fmt.Errorf("gaps: at most %d", MaxGaps)
	}
	missing := uint64(0)
	prev := m.First
	for i, g := range m.Gaps {
		if g[0] <= prev || g[1] < g[0] || g[1] >= m.Last {
			return fmt.Errorf("gaps[%d]: [from, to] inside (first_seq, last_seq), in order, not overlapping", i)
		}
		missing += g[1] - g[0] + 1
		prev = g[1] + 1
	}
	if span := m.Last - m.First + 1; span-missing != uint64(m.Count) {
		return fmt.Errorf("count: %d readings between first_seq %d and last_seq %d less %d in gaps is %d, not %d",
			span, m.First, m.Last, missing, span-missing, m.Count)
	}
	return nil
}

// PublishRule publishes an alert rule of the signer's organisation:
//
//	{"kind": "threshold", "code": "59408-5", "raise": "value < 90", "clear": "value > 92", "minutes": 5}
//	{"kind": "stale", "minutes": 30}
type PublishRule struct {
	Kind    string `json:"kind"`
	Code    string `json:"code,omitempty"`
	Raise   string `json:"raise,omitempty"`
	Clear   string `json:"clear,omitempty"`
	Minutes int64  `json:"minutes"`
}

func (m *PublishRule) Validate() error {
	if m.Code != "" && !loincPattern.MatchString(m.Code) {
		return errors.New("code: a LOINC code (digits, a dash and a check digit, such as 59408-5)")
	}
	if m.Minutes < 0 || m.Minutes > MaxRuleMinutes {
		return fmt.Errorf("minutes: 0 to %d", MaxRuleMinutes)
	}
	switch m.Kind {
	case RuleThreshold:
		if m.Code == "" || m.Raise == "" || m.Clear == "" {
			return errors.New("a threshold rule has a code, a raise and a clear condition")
		}
	case RuleStale:
		if m.Raise != "" || m.Clear != "" {
			return errors.New("a stale rule has no conditions, only minutes (and optionally a code)")
		}
		if m.Minutes < 1 {
			return fmt.Errorf("minutes: a stale rule waits 1 to %d minutes", MaxRuleMinutes)
		}
	default:
		return fmt.Errorf("kind: %s or %s", RuleThreshold, RuleStale)
	}
	return nil
}

// RetireRule stops an alert rule.
type RetireRule struct {
	Rule string `json:"rule"`
}

func (m *RetireRule) Validate() error { return validID("rule", "ar-", m.Rule) }

// RaiseAlert anchors an alert the custodian's node raised: which rule, for
// which device (and so patient), when. No value.
type RaiseAlert struct {
	Rule   string `json:"rule"`
	Device string `json:"device"`
	At     int64  `json:"at"`
}

func (m *RaiseAlert) Validate() error {
	if err := validID("rule", "ar-", m.Rule); err != nil {
		return err
	}
	if m.At <= 0 {
		return errors.New("at: unix seconds")
	}
	return validMember("device", m.Device)
}

// ClearAlert records that an alert's condition cleared.
type ClearAlert struct {
	Alert string `json:"alert"`
	At    int64  `json:"at"`
}

func (m *ClearAlert) Validate() error {
	if m.At <= 0 {
		return errors.New("at: unix seconds")
	}
	return validID("alert", "al-", m.Alert)
}

// AckAlert acknowledges an alert (snooze_minutes 0: until it clears) or
// snoozes it: when the snooze runs out and the alert still holds, it opens
// again.
type AckAlert struct {
	Alert         string `json:"alert"`
	SnoozeMinutes int64  `json:"snooze_minutes,omitempty"`
}

func (m *AckAlert) Validate() error {
	if m.SnoozeMinutes < 0 || m.SnoozeMinutes > MaxSnoozeMinutes {
		return fmt.Errorf("snooze_minutes: 0 (acknowledge) to %d", MaxSnoozeMinutes)
	}
	return validID("alert", "al-", m.Alert)
}

// Routes implements ledger.Module.
func (k *Keeper) Routes() []ledger.Route {
	return []ledger.Route{
		{Type: TypeRegisterDevice, Handler: ledger.Handle(k.registerDevice)},
		{Type: TypeAssign, Handler: ledger.Handle(k.assign)},
		{Type: TypeUnassign, Handler: ledger.Handle(k.unassign)},
		{Type: TypeAnchor, Handler: ledger.Handle(k.anchor)},
		{Type: TypeRule, Handler: ledger.Handle(k.publishRule)},
		{Type: TypeRetireRule, Handler: ledger.Handle(k.retireRule)},
		{Type: TypeAlert, Handler: ledger.Handle(k.raiseAlert)},
		{Type: TypeClear, Handler: ledger.Handle(k.clearAlert)},
		{Type: TypeAck, Handler: ledger.Handle(k.ack)},
	}
}

// careTeam checks that the signer is a member of org with one of roles.
func careTeam(ctx *ledger.Context, org string, roles []ledger.Role, what string) error {
	s := ctx.Signer
	if s.Kind != ledger.Member || s.Org != org || !s.HasAnyRole(roles...) {
		return fmt.Errorf("%w: %s by a member of %s holding one of the roles %v", ErrUnauthorized, what, org, roles)
	}
	return nil
}

// custodianOf checks that the signer is org's custodian identity (its
// node).
func custodianOf(ctx *ledger.Context, org, what string) error {
	s := ctx.Signer
	if s.Kind != ledger.Member || s.Org != org || !s.HasRole(ledger.RoleCustodian) {
		return fmt.Errorf("%w: %s by the custodian identity (role %s) of %s's node", ErrUnauthorized, what, ledger.RoleCustodian, org)
	}
	return nil
}

func (k *Keeper) device(r state.Reader, id string) (Device, error) {
	d, ok := devices.Get(r, id)
	if !ok {
		return d, fmt.Errorf("%w: device %s is not registered", ErrNotFound, id)
	}
	return d, nil
}

func (k *Keeper) registerDevice(ctx *ledger.Context, m RegisterDevice) (any, error) {
	if err := careTeam(ctx, ctx.Signer.Org, CareRoles, "devices are registered"); err != nil {
		return nil, err
	}
	if org, ok := k.dir.DeviceOf(ctx.Store, m.Device); !ok || org != ctx.Signer.Org {
		return nil, fmt.Errorf("%w: %s is not an active identity of kind device of %s (register it with identity first)", ErrNotDevice, m.Device, ctx.Signer.Org)
	}
	if devices.Has(ctx.Store, m.Device) {
		return nil, fmt.Errorf("%w: device %s is registered already", ErrExists, m.Device)
	}
	d := Device{ID: m.Device, Org: ctx.Signer.Org, Kind: m.Kind, Status: DeviceActive, By: ctx.Signer.ID, Height: ctx.Height}
	devices.Set(ctx.Store, d.ID, d)
	devByOrg.Add(ctx.Store, d.Org, d.ID)
	ctx.Emit(EventDevice.New(d.ID, d.Org, d.Kind))
	return d, nil
}

// CheckConsent checks that grant lets org monitor patient at now (unix
// seconds): the patient's grant to the organisation (or a role in it),
// with purpose treatment, over every record or type or including
// Observation, started, not expired, not revoked.
func (k *Keeper) CheckConsent(r state.Reader, grant, patient, org string, now int64) error {
	c, ok := k.dir.Consent(r, grant)
	switch {
	case !ok || c.Patient != patient:
		return fmt.Errorf("%w: %s has no grant %s", ErrNoConsent, patient, grant)
	case c.GranteeOrg != org || c.Member != "":
		return fmt.Errorf("%w: grant %s is not to the care team of %s (the organisation, or a role in it)", ErrNoConsent, grant, org)
	case !slices.Contains(c.Purposes, PurposeTreatment):
		return fmt.Errorf("%w: grant %s allows %v, not %s", ErrNoConsent, grant, c.Purposes, PurposeTreatment)
	case len(c.Records) > 0:
		return fmt.Errorf("%w: grant %s covers named records only; monitoring needs a grant over the patient's observations", ErrNoConsent, grant)
	case len(c.Types) > 0 && !slices.Contains(c.Types, "Observation"):
		return fmt.Errorf("%w: grant %s covers %v, not Observation", ErrNoConsent, grant, c.Types)
	case c.Condition:
		return fmt.Errorf("%w: grant %s has a condition on reads; monitoring needs a grant without one", ErrNoConsent, grant)
	case c.Revoked:
		return fmt.Errorf("%w: grant %s was revoked at height %d", ErrNoConsent, grant, c.RevokedAt)
	case now < c.Start || now >= c.Expires:
		return fmt.Errorf("%w: grant %s is valid from %s to %s", ErrNoConsent, grant, rfc3339(c.Start), rfc3339(c.Expires))
	}
	return nil
}

func rfc3339(unix int64) string { return time.Unix(unix, 0).UTC().Format(time.RFC3339) }

func (k *Keeper) assign(ctx *ledger.Context, m Assign) (any, error) {
	d, err := k.device(ctx.Store, m.Device)
	if err != nil {
		return nil, err
	}
	if err := careTeam(ctx, d.Org, CareRoles, "devices are assigned"); err != nil {
		return nil, err
	}
	switch {
	case d.Status != DeviceActive:
		return nil, fmt.Errorf("%w: device %s is %s", ErrState, d.ID, d.Status)
	case d.Patient != "":
		return nil, fmt.Errorf("%w: device %s is assigned to a patient already: unassign it first", ErrState, d.ID)
	case !k.dir.PatientExists(ctx.Store, m.Patient):
		return nil, fmt.Errorf("%w: patient %s", ErrNotFound, m.Patient)
	}
	if err := k.CheckConsent(ctx.Store, m.Grant, m.Patient, d.Org, ctx.Time.Unix()); err != nil {
		return nil, err
	}
	d.Patient, d.Grant, d.AssignedAt = m.Patient, m.Grant, ctx.Height
	devices.Set(ctx.Store, d.ID, d)
	devByPt.Add(ctx.Store, d.Patient, d.ID)
	ctx.Emit(EventAssigned.New(d.ID, d.Patient, d.Grant))
	return d, nil
}

func (k *Keeper) unassign(ctx *ledger.Context, m Unassign) (any, error) {
	d, err := k.device(ctx.Store, m.Device)
	if err != nil {
		return nil, err
	}
	if err := careTeam(ctx, d.Org, CareRoles, "devices are unassigned"); err != nil {
		return nil, err
	}
	if d.Patient == "" {
		return nil, fmt.Errorf("%w: device %s", ErrNotAssigned, d.ID)
	}
	ctx.Emit(EventUnassigned.New(d.ID, d.Patient))
	devByPt.Remove(ctx.Store, d.Patient, d.ID)
	d.Patient, d.Grant, d.AssignedAt = "", "", 0
	devices.Set(ctx.Store, d.ID, d)
	return d, nil
}

// Admit is the check a custodian's node runs, against committed state at
// now (the last block's time), before it takes a reading of device: the
// device is registered, active, an active device identity, assigned, and
// its patient's consent holds. It returns the device.
func (k *Keeper) Admit(r state.Reader, device string, now int64) (Device, error) {
	d, err := k.device(r, device)
	if err != nil {
		return d, err
	}
	if org, ok := k.dir.DeviceOf(r, d.ID); !ok || org != d.Org || d.Status != DeviceActive {
		return d, fmt.Errorf("%w: %s is retired or suspended", ErrNotDevice, d.ID)
	}
	if d.Patient == "" {
		return d, fmt.Errorf("%w: device %s is assigned to no patient", ErrNotAssigned, d.ID)
	}
	return d, k.CheckConsent(r, d.Grant, d.Patient, d.Org, now)
}

func (k *Keeper) anchor(ctx *ledger.Context, m Anchor) (any, error) {
	d, err := k.device(ctx.Store, m.Device)
	if err != nil {
		return nil, err
	}
	if err := custodianOf(ctx, d.Org, "batches are anchored"); err != nil {
		return nil, err
	}
	if d.Patient == "" {
		return nil, fmt.Errorf("%w: device %s is assigned to no patient", ErrNotAssigned, d.ID)
	}
	switch {
	case m.Checked >= ctx.Height || m.Checked < d.AssignedAt:
		return nil, fmt.Errorf("%w: checked %d: the readings were admitted on a committed height from the assignment (%d) to %d", ledger.ErrInvalidMsg, m.Checked, d.AssignedAt, ctx.Height-1)
	case m.LastTime > ctx.Time.Add(MaxClockSkew).Unix():
		return nil, fmt.Errorf("%w: last_time %s is after the block time %s", ledger.ErrInvalidMsg, rfc3339(m.LastTime), ctx.Time.UTC().Format(time.RFC3339))
	case m.First <= d.LastSeq:
		return nil, fmt.Errorf("%w: device %s anchored sequence numbers up to %d; this batch starts at %d", ErrReplay, d.ID, d.LastSeq, m.First)
	}
	// A consent revoked after the node admitted the readings does not
	// undo them: revocation stops readings from the next block on.
	if err := k.CheckConsent(ctx.Store, d.Grant, d.Patient, d.Org, ctx.Time.Unix()); err != nil {
		c, _ := k.dir.Consent(ctx.Store, d.Grant)
		if !c.Revoked || c.RevokedAt <= m.Checked {
			return nil, err
		}
	}
	b := Batch{ID: ledger.IDFrom("tb-", ctx.TxHash), Device: d.ID, Org: d.Org, Patient: d.Patient, Grant: d.Grant,
		First: m.First, Last: m.Last, Count: m.Count, Root: m.Root, FirstTime: m.FirstTime, LastTime: m.LastTime,
		Day: Day(m.FirstTime), Replays: m.Replays, Checked: m.Checked, By: ctx.Signer.ID, Height: ctx.Height, Time: ctx.Time.Unix()}
	var found []Gap
	if m.First > d.LastSeq+1 {
		found = append(found, Gap{Device: d.ID, From: d.LastSeq + 1, To: m.First - 1})
	}
	for _, g := range m.Gaps {
		found = append(found, Gap{Device: d.ID, From: g[0], To: g[1]})
	}
	for _, g := range found {
		g.Batch, g.Height = b.ID, ctx.Height
		b.Missing += int64(g.To - g.From + 1)
		gaps.Set(ctx.Store, seqKey(d.ID, g.From), g)
	}
	batches.Set(ctx.Store, b.ID, b)
	batchesOf.Add(ctx.Store, d.ID, fmt.Sprintf("%016x", b.First), b.ID)
	days.Add(ctx.Store, b.Patient, b.Day, b.ID)
	d.LastSeq, d.LastTime = m.Last, max(d.LastTime, m.LastTime)
	d.Readings += m.Count
	d.Batches++
	d.Missing += b.Missing
	d.Replays += m.Replays
	devices.Set(ctx.Store, d.ID, d)
	ctx.Emit(EventAnchored.New(b.ID, d.ID, u(b.First), u(b.Last), strconv.FormatInt(b.Count, 10), b.Root))
	for _, g := range found {
		ctx.Emit(EventGap.New(d.ID, u(g.From), u(g.To)))
	}
	if m.Replays > 0 {
		ctx.Emit(EventReplay.New(d.ID, strconv.FormatInt(m.Replays, 10)))
	}
	return b, nil
}

func u(v uint64) string { return strconv.FormatUint(v, 10) }

func (k *Keeper) publishRule(ctx *ledger.Context, m PublishRule) (any, error) {
	if err := careTeam(ctx, ctx.Signer.Org, []ledger.Role{ledger.RolePhysician}, "alert rules are published"); err != nil {
		return nil, err
	}
	r := Rule{ID: ledger.IDFrom("ar-", ctx.TxHash), Org: ctx.Signer.Org, Kind: m.Kind, Code: m.Code, Raise: m.Raise,
		Clear: m.Clear, Minutes: m.Minutes, Status: RuleActive, By: ctx.Signer.ID, Height: ctx.Height}
	raise, clear, err := CompileRule(r)
	if err != nil {
		return nil, err
	}
	if raise != nil {
		rh, ch := raise.Hash(), clear.Hash()
		r.RaiseHash, r.ClearHash = fmt.Sprintf("%x", rh[:]), fmt.Sprintf("%x", ch[:])
		r.Cost = raise.Cost() + clear.Cost()
	}
	ruleDefs.Set(ctx.Store, r.ID, r)
	rulesOf.Add(ctx.Store, r.Org, r.ID)
	ctx.Emit(EventRule.New(r.ID, r.Org, r.Kind))
	return r, nil
}

func (k *Keeper) rule(r state.Reader, id string) (Rule, error) {
	ru, ok := ruleDefs.Get(r, id)
	if !ok {
		return ru, fmt.Errorf("%w: rule %s", ErrNotFound, id)
	}
	return ru, nil
}

func (k *Keeper) retireRule(ctx *ledger.Context, m RetireRule) (any, error) {
	r, err := k.rule(ctx.Store, m.Rule)
	if err != nil {
		return nil, err
	}
	if err := careTeam(ctx, r.Org, []ledger.Role{ledger.RolePhysician}, "alert rules are retired"); err != nil {
		return nil, err
	}
	if r.Status != RuleActive {
		return nil, fmt.Errorf("%w: rule %s is retired already", ErrState, r.ID)
	}
	r.Status = RuleRetired
	ruleDefs.Set(ctx.Store, r.ID, r)
	ctx.Emit(EventRuleRetired.New(r.ID, r.Org))
	return r, nil
}

func (k *Keeper) raiseAlert(ctx *ledger.Context, m RaiseAlert) (any, error) {
	r, err := k.rule(ctx.Store, m.Rule)
	if err != nil {
		return nil, err
	}
	if err := custodianOf(ctx, r.Org, "alerts are raised"); err != nil {
		return nil, err
	}
	d, err := k.device(ctx.Store, m.Device)
	if err != nil {
		return nil, err
	}
	switch {
	case r.Status != RuleActive:
		return nil, fmt.Errorf("%w: rule %s is retired", ErrState, r.ID)
	case d.Org != r.Org:
		return nil, fmt.Errorf("%w: device %s is %s's, rule %s is %s's", ErrUnauthorized, d.ID, d.Org, r.ID, r.Org)
	case d.Patient == "":
		return nil, fmt.Errorf("%w: device %s is assigned to no patient", ErrNotAssigned, d.ID)
	case m.At > ctx.Time.Add(MaxClockSkew).Unix():
		return nil, fmt.Errorf("%w: at %s is after the block time %s", ledger.ErrInvalidMsg, rfc3339(m.At), ctx.Time.UTC().Format(time.RFC3339))
	}
	if id, ok := openAlerts.Get(ctx.Store, r.ID+"/"+d.ID); ok {
		return nil, fmt.Errorf("%w: alert %s of rule %s for device %s has not cleared", ErrState, id, r.ID, d.ID)
	}
	a := Alert{ID: ledger.IDFrom("al-", ctx.TxHash), Rule: r.ID, Org: r.Org, Device: d.ID, Patient: d.Patient,
		Status: AlertOpen, RaisedAt: m.At, Height: ctx.Height}
	alerts.Set(ctx.Store, a.ID, a)
	openAlerts.Set(ctx.Store, r.ID+"/"+d.ID, a.ID)
	alertsOrg.Add(ctx.Store, a.Org, a.ID)
	alertsPt.Add(ctx.Store, a.Patient, a.ID)
	ctx.Emit(EventAlert.New(a.ID, a.Rule, a.Device, a.Patient))
	return a, nil
}

func (k *Keeper) alert(r state.Reader, id string) (Alert, error) {
	a, ok := alerts.Get(r, id)
	if !ok {
		return a, fmt.Errorf("%w: alert %s", ErrNotFound, id)
	}
	return a, nil
}

func (k *Keeper) clearAlert(ctx *ledger.Context, m ClearAlert) (any, error) {
	a, err := k.alert(ctx.Store, m.Alert)
	if err != nil {
		return nil, err
	}
	if err := custodianOf(ctx, a.Org, "alerts are cleared"); err != nil {
		return nil, err
	}
	if a.Status == AlertCleared {
		return nil, fmt.Errorf("%w: alert %s cleared already", ErrState, a.ID)
	}
	if m.At < a.RaisedAt || m.At > ctx.Time.Add(MaxClockSkew).Unix() {
		return nil, fmt.Errorf("%w: at %s: from the alert's time %s to the block time", ledger.ErrInvalidMsg, rfc3339(m.At), rfc3339(a.RaisedAt))
	}
	if a.Status == AlertSnoozed {
		snoozes.Remove(ctx.Store, snoozeKey(a)...)
	}
	a.Status, a.ClearedAt = AlertCleared, m.At
	alerts.Set(ctx.Store, a.ID, a)
	openAlerts.Delete(ctx.Store, a.Rule+"/"+a.Device)
	ctx.Emit(EventCleared.New(a.ID, a.Rule, a.Device))
	return a, nil
}

// snoozeKey is the snoozes entry of a snoozed alert: its last ack's
// time and its ID.
func snoozeKey(a Alert) []string {
	return []string{fmt.Sprintf("%016x", a.Acks[len(a.Acks)-1].Until), a.ID}
}

func (k *Keeper) ack(ctx *ledger.Context, m AckAlert) (any, error) {
	a, err := k.alert(ctx.Store, m.Alert)
	if err != nil {
		return nil, err
	}
	if err := careTeam(ctx, a.Org, AckRoles, "alerts are acknowledged"); err != nil {
		return nil, err
	}
	if a.Status == AlertCleared {
		return nil, fmt.Errorf("%w: alert %s cleared at %s", ErrState, a.ID, rfc3339(a.ClearedAt))
	}
	if a.Status == AlertSnoozed {
		snoozes.Remove(ctx.Store, snoozeKey(a)...)
	}
	ack := Ack{By: ctx.Signer.ID, At: ctx.Time.Unix()}
	a.Status = AlertAcknowledged
	if m.SnoozeMinutes > 0 {
		ack.Until = ack.At + m.SnoozeMinutes*60
		a.Status = AlertSnoozed
	}
	a.Acks = append(a.Acks, ack)
	if a.Status == AlertSnoozed {
		snoozes.Add(ctx.Store, snoozeKey(a)...)
	}
	alerts.Set(ctx.Store, a.ID, a)
	ctx.Emit(EventAcknowledged.New(a.ID, ack.By, strconv.FormatInt(ack.Until, 10)))
	return a, nil
}

// EndBlock implements ledger.EndBlocker: a snooze whose time the block
// reached opens its alert again (the alert has not cleared, or it would
// not be snoozed).
func (k *Keeper) EndBlock(ctx *ledger.Context) error {
	now := ctx.Time.Unix()
	var due []string
	snoozes.Walk(ctx.Store, func(rest string) bool {
		until, id, ok := cutSnooze(rest)
		if !ok || until > now {
			return false
		}
		due = append(due, id)
		return true
	})
	for _, id := range due {
		a, ok := alerts.Get(ctx.Store, id)
		if !ok {
			continue
		}
		snoozes.Remove(ctx.Store, snoozeKey(a)...)
		a.Status = AlertOpen
		a.Realerts++
		alerts.Set(ctx.Store, a.ID, a)
		ctx.Emit(EventRealerted.New(a.ID, a.Rule, a.Device, a.Patient))
	}
	return nil
}

func cutSnooze(rest string) (until int64, id string, ok bool) {
	if len(rest) < 18 || rest[16] != state.IndexSep {
		return 0, "", false
	}
	v, err := strconv.ParseInt(rest[:16], 16, 64)
	return v, rest[17:], err == nil
}
