package records

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
)

// Who may see what the ledger holds about a patient (docs/design.md §3.11). The
// API asks these before it answers a read; every refusal wraps
// ledger.ErrNotEntitled (code chain.not_entitled) and never says whether
// the thing asked about exists, so a refusal is no oracle for which
// patients, records or grants there are.
//
//   - a patient's own lists (grants, delegates, access log, break-glass
//     windows): the patient and their active delegates;
//   - a record's anchors, and a patient's record list: those, plus members
//     of the record's custodian, members an active grant names (for the
//     records inside its scope), and a clinician inside a break-glass window
//     they opened on the patient;
//   - a grant: the patient, their delegates and the members it names;
//   - an organisation's audit trail (its access log, its clinicians'
//     break-glass windows): its privacy officers and auditors;
//   - which patients granted an organisation (or a role or member of it)
//     access, with those grants: its active members, each the grants that
//     cover them, its admins, privacy officers and auditors all of them.
//
// Seeing anchors is not reading: the data itself is served by the
// custodian's node only after Authorize, and receipted.

// AuditRoles are the roles that may see their organisation's audit trail.
var AuditRoles = []ledger.Role{ledger.RolePrivacyOfficer, ledger.RoleAuditor}

// SeesPatient allows p the patient's own lists: p is the patient or an
// active delegate.
func (k *Keeper) SeesPatient(r state.Reader, p ledger.Principal, patient string, now time.Time) error {
	if p.ID != "" && (p.ID == patient || delegateActive(r, patient, p.ID, now.Unix())) {
		return nil
	}
	return fmt.Errorf("%w: only the patient %s and their delegates see its grants, delegates, access log and break-glass windows", ledger.ErrNotEntitled, patient)
}

// RecordFilter is which of a patient's records a caller may see the
// anchors of.
type RecordFilter func(Record) bool

// RecordsSeen returns which of patient's records p may see; an error when
// it may see none of them by its standing (not merely because the patient
// has no record).
func (k *Keeper) RecordsSeen(r state.Reader, p ledger.Principal, patient string, now time.Time) (RecordFilter, error) {
	if k.SeesPatient(r, p, patient, now) == nil {
		return func(Record) bool { return true }, nil
	}
	refused := fmt.Errorf("%w: %s holds no active grant or open break-glass window on %s, and its organisation keeps none of the patient's records", ledger.ErrNotEntitled, p.ID, patient)
	if p.Kind != ledger.Member {
		return nil, refused
	}
	t := now.Unix()
	if k.inWindow(r, p, patient, t) {
		return func(Record) bool { return true }, nil
	}
	var scopes []Grant
	grantsByPt.Walk(r, patient+"/", func(_ string, g Grant) bool {
		if names(g.Grantee, p) && g.Status == StatusActive && g.Start <= t && t < g.Expires {
			scopes = append(scopes, g)
		}
		return true
	})
	keeps := func(rec Record) bool { return rec.Custodian == p.Org }
	if len(scopes) == 0 && !k.custodianOf(r, p.Org, patient) {
		return nil, refused
	}
	return func(rec Record) bool {
		if keeps(rec) {
			return true
		}
		return slices.ContainsFunc(scopes, func(g Grant) bool { return k.inScope(r, g, rec) })
	}, nil
}

// SeesRecord allows p the anchors of one record.
func (k *Keeper) SeesRecord(r state.Reader, p ledger.Principal, rec Record, now time.Time) error {
	if see, err := k.RecordsSeen(r, p, rec.Patient, now); err == nil && see(rec) {
		return nil
	}
	return fmt.Errorf("%w: record %s is unknown or not one %s may see", ledger.ErrNotEntitled, rec.ID, p.ID)
}

// SeesGrant allows p a grant: the patient, a delegate, or a member it
// names.
func (k *Keeper) SeesGrant(r state.Reader, p ledger.Principal, g Grant, now time.Time) error {
	if k.SeesPatient(r, p, g.Patient, now) == nil || (p.Kind == ledger.Member && names(g.Grantee, p)) {
		return nil
	}
	return fmt.Errorf("%w: grant %s is unknown or not one %s may see", ledger.ErrNotEntitled, g.ID, p.ID)
}

// AuditsOrg allows p the audit trail of org: p is a privacy officer or an
// auditor of org.
func (k *Keeper) AuditsOrg(p ledger.Principal, org string) error {
	if p.Kind == ledger.Member && p.Org == org && p.HasAnyRole(AuditRoles...) {
		return nil
	}
	return fmt.Errorf("%w: the access log and break-glass windows of %s are seen by its members with role %s or %s", ledger.ErrNotEntitled, org, ledger.RolePrivacyOfficer, ledger.RoleAuditor)
}

// SeesOrgPatients allows p the patients who granted org, a role within it
// or one of its members access, and those grants (OrgPatients): p is an
// active member of org. It takes the time as the other checks do; an
// active membership does not depend on it.
func (k *Keeper) SeesOrgPatients(r state.Reader, p ledger.Principal, org string, _ time.Time) error {
	if p.Kind == ledger.Member && p.Org == org {
		if o, _, ok := k.dir.Member(r, p.ID); ok && o == org {
			return nil
		}
	}
	return fmt.Errorf("%w: the patients who granted %s access are seen by its active members only", ledger.ErrNotEntitled, org)
}

// inWindow reports whether p has a break-glass window on patient open now.
func (k *Keeper) inWindow(r state.Reader, p ledger.Principal, patient string, now int64) bool {
	open := false
	glassByPt.Walk(r, func(id string) bool {
		if w, ok := glass.Get(r, id); ok && w.Reader == p.ID && now < w.Expires {
			open = true
		}
		return !open
	}, patient)
	return open && p.HasAnyRole(ClinicalRoles...)
}

// custodianOf reports whether org keeps at least one of patient's records.
func (k *Keeper) custodianOf(r state.Reader, org, patient string) bool {
	found := false
	byPatient.Walk(r, func(id string) bool {
		rec, ok := records.Get(r, id)
		found = ok && rec.Custodian == org
		return !found
	}, patient)
	return found
}

// inScope reports whether a grant's scope (records and types, not purpose
// or condition, which depend on the read) takes in a record's latest
// version.
func (k *Keeper) inScope(r state.Reader, g Grant, rec Record) bool {
	if len(g.Records) > 0 && !slices.Contains(g.Records, rec.ID) {
		return false
	}
	if len(g.Types) == 0 {
		return true
	}
	v, ok := versions.Get(r, versionKey(rec.ID, rec.Latest))
	if !ok {
		return false
	}
	for _, t := range v.Types {
		if !slices.Contains(g.Types, t) {
			return false
		}
	}
	return true
}

// PatientRecordsSeen is PatientRecords filtered by see: the page holds
// only records see allows, so a caller learns nothing of the others, not
// even their number.
func (k *Keeper) PatientRecordsSeen(r state.Reader, patient string, see RecordFilter, after string, limit int) (out []Record, next string) {
	byPatient.Walk(r, func(id string) bool {
		if after != "" && id <= after {
			return true
		}
		rec, ok := records.Get(r, id)
		if !ok || !see(rec) {
			return true
		}
		if len(out) == limit {
			next = out[len(out)-1].ID
			return false
		}
		out = append(out, rec)
		return true
	}, patient)
	return out, next
}

// MayProve implements ledger.KeyReader: which of the module's state keys p
// may have proven. Keys filed under a patient (grants, delegations, the
// record index, break-glass windows and access log by patient) go to the
// patient and their delegates (a grant also to those who see it); a
// record's head and versions to those who see the record; a grant's path
// to those who see the grant; an organisation's access log and break-glass
// indexes to its auditors; an entry of the index of the grants an
// organisation holds to its members who see that grant in OrgPatients.
// Nothing else of the module is proven to anyone.
func (k *Keeper) MayProve(r state.Reader, p ledger.Principal, key string, now time.Time) bool {
	first := func(id string) string { s, _, _ := strings.Cut(id, "/"); return s }
	if id, ok := grantsByPt.ID(key); ok {
		g, ok := grantsByPt.Get(r, id)
		return k.SeesPatient(r, p, first(id), now) == nil || (ok && k.SeesGrant(r, p, g, now) == nil)
	}
	if id, ok := delegations.ID(key); ok {
		return k.SeesPatient(r, p, first(id), now) == nil
	}
	if id, ok := accessByPt.ID(key); ok {
		return k.SeesPatient(r, p, first(id), now) == nil
	}
	for _, x := range []state.Index{byPatient, glassByPt} {
		if parts, ok := x.Parts(key); ok {
			return k.SeesPatient(r, p, parts[0], now) == nil
		}
	}
	if id, ok := accessByOrg.ID(key); ok {
		return k.AuditsOrg(p, first(id)) == nil
	}
	for _, x := range []state.Index{glassByOrg, glassToReview} {
		if parts, ok := x.Parts(key); ok {
			return k.AuditsOrg(p, parts[0]) == nil
		}
	}
	if parts, ok := grantsByOrg.Parts(key); ok {
		if k.SeesOrgPatients(r, p, parts[0], now) != nil {
			return false
		}
		g, ok := k.Grant(r, parts[len(parts)-1])
		return ok && (seesAllOrgGrants(p) || names(g.Grantee, p))
	}
	id, ok := records.ID(key)
	if !ok {
		id, ok = versions.ID(key)
	}
	if ok {
		rec, ok := records.Get(r, first(id))
		return ok && k.SeesRecord(r, p, rec, now) == nil
	}
	if id, ok := grantPaths.ID(key); ok {
		g, ok := k.Grant(r, id)
		return ok && k.SeesGrant(r, p, g, now) == nil
	}
	return false
}
