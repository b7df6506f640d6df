package telemetry

import (
	"fmt"
	"time"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
)

// Who may see what (docs/design.md §3.11). A device's record, its batches,
// gaps and alerts name the patient it is assigned to, so they are seen by
// the members of the device's organisation (its care team and node) and by
// the patient, never by anyone else. A patient's devices, alerts and billing
// evidence are seen by the patient, by members of an organisation that has
// assigned a device to them, and, for the evidence, by members of an
// organisation the patient granted purpose payment (a payer). Alert rules
// are public: they name no patient. A refusal wraps ledger.ErrNotEntitled and
// reads the same whether or not the thing exists.

// SeesDevice allows p a device and what hangs off it.
func (k *Keeper) SeesDevice(p ledger.Principal, d Device) error {
	if p.ID != "" && ((p.Kind == ledger.Member && p.Org == d.Org) || (d.Patient != "" && p.ID == d.Patient)) {
		return nil
	}
	return fmt.Errorf("%w: device %s is unknown or seen by the members of its organisation and its patient only", ledger.ErrNotEntitled, d.ID)
}

// SeesOrg allows p the devices and alerts of org: its members.
func (k *Keeper) SeesOrg(p ledger.Principal, org string) error {
	if p.Kind == ledger.Member && p.Org == org {
		return nil
	}
	return fmt.Errorf("%w: the devices and alerts of %s are seen by its members only", ledger.ErrNotEntitled, org)
}

// SeesPatient allows p a patient's devices and alerts: the patient, and
// members of an organisation with a device assigned to them.
func (k *Keeper) SeesPatient(r state.Reader, p ledger.Principal, patient string) error {
	if p.ID != "" && (p.ID == patient || (p.Kind == ledger.Member && k.monitors(r, p.Org, patient))) {
		return nil
	}
	return fmt.Errorf("%w: the monitoring of %s is seen by the patient and the organisations monitoring them only", ledger.ErrNotEntitled, patient)
}

func (k *Keeper) monitors(r state.Reader, org, patient string) bool {
	found := false
	devByPt.Walk(r, func(id string) bool {
		d, ok := devices.Get(r, id)
		found = ok && d.Org == org
		return !found
	}, patient)
	return found
}

// SeesEvidence allows p a patient's billing evidence: whoever SeesPatient,
// and members of an organisation the patient granted purpose payment at
// now.
func (k *Keeper) SeesEvidence(r state.Reader, p ledger.Principal, patient string, now time.Time) error {
	if k.SeesPatient(r, p, patient) == nil {
		return nil
	}
	if p.Kind == ledger.Member && k.dir.Consented(r, patient, p.Org, PurposePayment, now.Unix()) {
		return nil
	}
	return fmt.Errorf("%w: the billing evidence of %s is seen by the patient, the organisations monitoring them and those they granted purpose payment", ledger.ErrNotEntitled, patient)
}

// MayProve implements ledger.KeyReader: a batch's anchor is proven to
// whoever may see its patient's evidence (the payer checks the days with
// it); a device's record to whoever sees the device.
func (k *Keeper) MayProve(r state.Reader, p ledger.Principal, key string, now time.Time) bool {
	if id, ok := batches.ID(key); ok {
		b, ok := batches.Get(r, id)
		return ok && ((p.ID != "" && p.ID == b.Patient) || (p.Kind == ledger.Member && p.Org == b.Org) ||
			k.SeesEvidence(r, p, b.Patient, now) == nil)
	}
	if id, ok := devices.ID(key); ok {
		d, ok := devices.Get(r, id)
		return ok && k.SeesDevice(p, d) == nil
	}
	return false
}
