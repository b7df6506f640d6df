package chain

import (
	"reflect"

	"github.com/medchain/medchain/internal/governance"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/supply"
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
		identity.New(d),
		records.New(d),
		supply.New(d),
	}
}

// ModulePackages lists the import paths of the modules, in order: the
// packages that hold business rules (DESIGN.md §3.10), for the architecture
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

// OrgActive implements identity.Orgs, records.Directory.
func (d *directory) OrgActive(r state.Reader, org string) bool { return d.gov().OrgActive(r, org) }

// OrgKind implements supply.Directory: an active organisation's kind.
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
	return m.Org, m.Roles, true
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
		p.Org, p.Roles = m.Org, m.Roles
	}
	return p, true
}
