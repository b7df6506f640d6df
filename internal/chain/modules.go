package chain

import (
	"reflect"

	"github.com/medchain/medchain/internal/claims"
	"github.com/medchain/medchain/internal/credentials"
	"github.com/medchain/medchain/internal/deid"
	"github.com/medchain/medchain/internal/donations"
	"github.com/medchain/medchain/internal/governance"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/pools"
	"github.com/medchain/medchain/internal/publichealth"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/research"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/supply"
	"github.com/medchain/medchain/internal/telemetry"
	"github.com/medchain/medchain/internal/tx"
)

// modules is THE list of the chain's modules, in order. From it come the
// routes, the genesis sections, the end-of-block order, the error-code table,
// the events and the architecture test's list of module packages. A module
// asks the others' questions through the directory, which answers from
// this list. Adding a module is its package and one line here.
func modules(d *directory) []ledger.Module {
	return []ledger.Module{
		governance.New(d),
		identity.New(d, d),
		records.New(d),
		supply.New(d),
		donations.New(d),
		publichealth.New(d),
		credentials.New(d, d),
		research.New(d, research.RuleSet{Version: deid.Version, Hash: deid.RuleSet().Hash()}),
		claims.New(d),
		telemetry.New(d),
		pools.New(d),
	}
}

// ModulePackages lists the import paths of the modules, in order: the
// packages that hold business rules (docs/design.md §3.10), for the architecture
// test.
func ModulePackages() []string {
	var out []string
	for _, m := range modules(&directory{}) {
		out = append(out, reflect.TypeOf(m).Elem().PkgPath())
	}
	return out
}

// moduleOf returns the module of type T in mods.
func moduleOf[T ledger.Module](mods []ledger.Module) T {
	for _, m := range mods {
		if t, ok := m.(T); ok {
			return t
		}
	}
	var zero T
	panic("chain: no module of type " + reflect.TypeOf(zero).String())
}

// directory answers each module's questions about the others (the small
// interfaces each module declares), from the app's module list.
type directory struct{ mods []ledger.Module }

func (d *directory) gov() *governance.Keeper { return moduleOf[*governance.Keeper](d.mods) }
func (d *directory) ident() *identity.Keeper { return moduleOf[*identity.Keeper](d.mods) }
func (d *directory) supply() *supply.Keeper  { return moduleOf[*supply.Keeper](d.mods) }
func (d *directory) credentials() *credentials.Keeper {
	return moduleOf[*credentials.Keeper](d.mods)
}

// Practising implements identity.Licences: no licence of member's is
// suspended or revoked for cause.
func (d *directory) Practising(r state.Reader, member string) bool {
	return d.credentials().Practising(r, member)
}

// Record implements claims.Directory: a record's patient and custodian.
func (d *directory) Record(r state.Reader, id string) (patient, custodian string, ok bool) {
	rec, ok := moduleOf[*records.Keeper](d.mods).Record(r, id)
	return rec.Patient, rec.Custodian, ok
}

// RecordOf implements pools.Directory: whose a record is and whether it
// is active (neither erased nor revoked).
func (d *directory) RecordOf(r state.Reader, id string) (patient string, active, ok bool) {
	rec, ok := moduleOf[*records.Keeper](d.mods).Record(r, id)
	return rec.Patient, rec.Status == records.StatusActive, ok
}

// PPEDemand implements donations.Directory: a supply PPE demand's
// organisation and item.
func (d *directory) PPEDemand(r state.Reader, id string) (org, item string, ok bool) {
	dm, ok := d.supply().Demand(r, id)
	return dm.Org, dm.Item, ok
}

// Delivery implements donations.Directory: what a supply shipment
// delivered of a product.
func (d *directory) Delivery(r state.Reader, id, gtin string) (donations.Delivery, bool) {
	a, ok := d.supply().Arrival(r, id, gtin)
	return donations.Delivery{From: a.From, To: a.To, Received: a.Received, Shipped: a.Shipped, Accepted: a.Accepted,
		Quarantined: a.Quarantined, Recalled: a.Recalled, Missing: a.Missing, ColdChain: a.ColdChain,
		ReceivedAt: a.ReceivedAt, ReceivedTime: a.ReceivedTime}, ok
}

// SignerAt implements credentials.Signers: the member key belonged to at
// height (added by then, not revoked by then) and its roles now.
func (d *directory) SignerAt(r state.Reader, key tx.PubKey, height int64) (member, org string, roles []ledger.Role, ok bool) {
	k, ok := d.ident().Key(r, key)
	if !ok || k.OwnerKind != ledger.Member || k.Added > height || (k.Revoked != 0 && k.Revoked <= height) {
		return "", "", nil, false
	}
	m, ok := d.ident().Member(r, k.Owner)
	if !ok {
		return "", "", nil, false
	}
	return m.ID, m.Org, m.Roles, true
}

// OrgActive implements identity.Orgs, records.Directory.
func (d *directory) OrgActive(r state.Reader, org string) bool { return d.gov().OrgActive(r, org) }

// OrgKind implements supply.Directory, publichealth.Directory: an active organisation's kind.
func (d *directory) OrgKind(r state.Reader, org string) (ledger.OrgKind, bool) {
	o, ok := d.gov().Org(r, org)
	if !ok || !d.gov().OrgActive(r, org) {
		return "", false
	}
	return o.Kind, true
}

// AddAdmin implements governance.Members.
func (d *directory) AddAdmin(s state.Store, height int64, org, handle string, key tx.PubKey) error {
	return d.ident().AddAdmin(s, height, org, handle, key)
}

// CheckAdmin implements governance.Members.
func (d *directory) CheckAdmin(r state.Reader, org, handle string, key tx.PubKey) error {
	return d.ident().CheckAdmin(r, org, handle, key)
}

// PatientExists implements records.Directory, supply.Directory.
func (d *directory) PatientExists(r state.Reader, id string) bool {
	_, ok := d.ident().Patient(r, id)
	return ok
}

// Member implements records.Directory, supply.Directory: an active member's
// organisation and roles.
func (d *directory) Member(r state.Reader, id string) (string, []ledger.Role, bool) {
	m, ok := d.ident().Member(r, id)
	if !ok || m.Status != identity.StatusActive {
		return "", nil, false
	}
	return m.Org, d.ident().Roles(r, m), true
}

// Exists implements records.Directory.
func (d *directory) Exists(r state.Reader, id string) bool { return d.ident().Exists(r, id) }

// KeyOwner implements records.Directory: the principal a key belongs to,
// whether or not the key is still active.
func (d *directory) KeyOwner(r state.Reader, key tx.PubKey) (ledger.Principal, bool) {
	k, ok := d.ident().Key(r, key)
	if !ok {
		return ledger.Principal{}, false
	}
	p := ledger.Principal{ID: k.Owner, Kind: k.OwnerKind, Key: key}
	if m, ok := d.ident().Member(r, k.Owner); ok {
		p.Org, p.Roles = m.Org, d.ident().Roles(r, m)
	}
	return p, true
}

// Telemetry's questions (telemetry.Directory).

func (d *directory) records() *records.Keeper { return moduleOf[*records.Keeper](d.mods) }

// DeviceOf implements telemetry.Directory: the organisation of an active
// member of kind device.
func (d *directory) DeviceOf(r state.Reader, id string) (string, bool) {
	m, ok := d.ident().Member(r, id)
	if !ok || m.Status != identity.StatusActive || m.Kind != identity.Device || !d.gov().OrgActive(r, m.Org) {
		return "", false
	}
	return m.Org, true
}

// Consent implements telemetry.Directory: a records grant.
func (d *directory) Consent(r state.Reader, id string) (telemetry.Consent, bool) {
	g, ok := d.records().Grant(r, id)
	if !ok {
		return telemetry.Consent{}, false
	}
	return telemetry.Consent{ID: g.ID, Patient: g.Patient, GranteeOrg: g.Grantee.Org, Member: g.Grantee.Member,
		Purposes: g.Purposes, Types: g.Types, Records: g.Records, Start: g.Start, Expires: g.Expires,
		Condition: g.Condition != "", Revoked: g.Status == records.StatusRevoked, RevokedAt: g.RevokedAt}, true
}

// Consented implements telemetry.Directory, claims.Directory.
func (d *directory) Consented(r state.Reader, patient, org, purpose string, now int64) bool {
	return d.records().Consented(r, patient, org, purpose, now)
}
