// Package identity is the module that knows who holds which key: members of
// organisations (people, devices, systems) with roles, and patients who
// registered themselves under a pseudonymous ID. It adds, rotates and revokes
// keys, and answers the chain's question "who signed this?".
//
// Patients carry no personal data here: a patient's ID derives from their
// first public key, and the registration message has no fields at all. The
// module asks the governance module whether an organisation is active through
// the Orgs interface; it imports no other module.
package identity

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/tx"
)

// Name is the module's name and error codespace.
const Name = "identity"

// Errors. Each has a stable code in the module's table (Codes).
var (
	ErrUnknownSigner = errors.New("identity: unknown signer")
	ErrKeyRevoked    = errors.New("identity: key revoked")
	ErrInactive      = errors.New("identity: identity or organisation not active")
	ErrUnauthorized  = errors.New("identity: not allowed")
	ErrNotFound      = errors.New("identity: not found")
	ErrExists        = errors.New("identity: already exists")
	ErrLastKey       = errors.New("identity: cannot revoke the last active key")
)

// MemberKind says what a member is.
type MemberKind string

const (
	Person MemberKind = "person"
	Device MemberKind = "device"
	System MemberKind = "system"
)

// Status of an identity or key.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
	StatusRevoked   = "revoked"
)

// Member is a person, device or system of an organisation. Its ID is
// "org/handle".
type Member struct {
	ID      string        `json:"id"`
	Org     string        `json:"org"`
	Handle  string        `json:"handle"`
	Kind    MemberKind    `json:"kind"`
	Roles   []ledger.Role `json:"roles"`
	Status  string        `json:"status"`
	Created int64         `json:"created"`
	// Keys are every key the member has held, in the order added; each
	// one's status is in its own key record.
	Keys []tx.PubKey `json:"keys"`
	// StatusChange is the last suspension or reinstatement: who, when, why.
	StatusChange *StatusChange `json:"status_change,omitempty"`
}

// StatusChange records an admin's decision on a member's status.
type StatusChange struct {
	Status string `json:"status"`
	By     string `json:"by"`
	Reason string `json:"reason,omitempty"`
	Height int64  `json:"height"`
}

// Patient is a self-registered patient: a pseudonymous ID and nothing else
// but the keys they have held, in the order added.
type Patient struct {
	ID      string      `json:"id"`
	Created int64       `json:"created"`
	Keys    []tx.PubKey `json:"keys"`
}

// Key is a public key and what it belongs to.
type Key struct {
	PublicKey tx.PubKey            `json:"public_key"`
	Owner     string               `json:"owner"`
	OwnerKind ledger.PrincipalKind `json:"owner_kind"`
	Status    string               `json:"status"`
	Added     int64                `json:"added"`
	Revoked   int64                `json:"revoked,omitempty"`
	Reason    string               `json:"reason,omitempty"`
}

var (
	members  = state.NewMap[Member](Name, "id/m/").Public()
	patients = state.NewMap[Patient](Name, "id/p/")
	keys     = state.NewMap[Key](Name, "id/k/")
	// An identity's keys are listed in its own record (Member.Keys,
	// Patient.Keys), not in an index of their own: one state key fewer per
	// registration, and the proof of the record proves the list (ADR 12).
)

// Orgs is what identity needs to know of organisations.
type Orgs interface {
	// OrgActive reports whether org is an active member of the consortium.
	OrgActive(r state.Reader, org string) bool
}

// Licences is what identity needs to know of a member's licence to
// practise (the credentials module answers).
type Licences interface {
	// Practising reports whether no licence of member is suspended or
	// revoked for cause.
	Practising(r state.Reader, member string) bool
}

// LicensedRoles are the clinical roles a member holds only while
// practising: a suspended or revoked licence leaves them out of the
// member's principal (Roles), everywhere roles are checked.
var LicensedRoles = []ledger.Role{ledger.RolePhysician, ledger.RoleNurse, ledger.RolePharmacist}

// Keeper is the identity module.
type Keeper struct {
	orgs     Orgs
	licences Licences
}

// New returns the module, asking orgs about organisations and licences
// about members' licences to practise.
func New(orgs Orgs, licences Licences) *Keeper { return &Keeper{orgs: orgs, licences: licences} }

// Roles returns the roles m may act in now: its roles, less the licensed
// ones while it is not practising. It is the single place a member's roles
// are read for acting: Authenticate and the chain's directory use it.
func (k *Keeper) Roles(r state.Reader, m Member) []ledger.Role {
	if !slices.ContainsFunc(m.Roles, func(role ledger.Role) bool { return slices.Contains(LicensedRoles, role) }) ||
		k.licences.Practising(r, m.ID) {
		return m.Roles
	}
	return slices.DeleteFunc(slices.Clone(m.Roles), func(role ledger.Role) bool { return slices.Contains(LicensedRoles, role) })
}

// Name implements ledger.Module.
func (k *Keeper) Name() string { return Name }

// PatientID derives a patient's pseudonymous ID from their first key.
func PatientID(key tx.PubKey) string {
	sum := sha256.Sum256(key)
	return "pt-" + hex.EncodeToString(sum[:10])
}

var handlePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{0,62}$`)

// ValidHandle checks a member handle.
func ValidHandle(h string) error {
	if !handlePattern.MatchString(h) {
		return fmt.Errorf("handle %q must be 1-63 characters of a-z, 0-9, '.' and '-', starting with a letter or digit", h)
	}
	return nil
}

// Authenticate returns the principal whose key signed, or an error saying
// why the key may not sign: unknown, revoked, or its owner inactive.
func (k *Keeper) Authenticate(r state.Reader, key tx.PubKey) (ledger.Principal, error) {
	rec, ok := keys.Get(r, key.String())
	if !ok {
		return ledger.Principal{}, fmt.Errorf("%w: no identity holds key %s", ErrUnknownSigner, key)
	}
	if rec.Status != StatusActive {
		return ledger.Principal{}, fmt.Errorf("%w: key %s of %s was revoked at height %d (%s)", ErrKeyRevoked, key, rec.Owner, rec.Revoked, rec.Reason)
	}
	switch rec.OwnerKind {
	case ledger.Patient:
		return ledger.Principal{ID: rec.Owner, Kind: ledger.Patient, Key: key}, nil
	case ledger.Member:
		m, ok := members.Get(r, rec.Owner)
		if !ok {
			return ledger.Principal{}, fmt.Errorf("%w: key %s names missing member %s", ErrUnknownSigner, key, rec.Owner)
		}
		if m.Status != StatusActive {
			return ledger.Principal{}, fmt.Errorf("%w: member %s is %s", ErrInactive, m.ID, m.Status)
		}
		if !k.orgs.OrgActive(r, m.Org) {
			return ledger.Principal{}, fmt.Errorf("%w: organisation %s of member %s is not an active member of the consortium", ErrInactive, m.Org, m.ID)
		}
		return ledger.Principal{ID: m.ID, Kind: ledger.Member, Org: m.Org, Roles: k.Roles(r, m), Key: key}, nil
	}
	return ledger.Principal{}, fmt.Errorf("%w: key %s has unknown owner kind %q", ErrUnknownSigner, key, rec.OwnerKind)
}

// Member reads a member by ID ("org/handle").
func (k *Keeper) Member(r state.Reader, id string) (Member, bool) { return members.Get(r, id) }

// Members lists the members of org, paged by handle.
func (k *Keeper) Members(r state.Reader, org, after string, limit int) ([]Member, string) {
	if after != "" {
		after = org + "/" + after
	}
	items, next := members.Page(r, org+"/", after, limit)
	if next != "" {
		next = next[len(org)+1:]
	}
	return items, next
}

// Patient reads a patient by pseudonymous ID.
func (k *Keeper) Patient(r state.Reader, id string) (Patient, bool) { return patients.Get(r, id) }

// Key reads a key record.
func (k *Keeper) Key(r state.Reader, key tx.PubKey) (Key, bool) { return keys.Get(r, key.String()) }

// KeysOf lists the keys an identity has held, active and revoked, in the
// order they were added.
func (k *Keeper) KeysOf(r state.Reader, owner string) []Key {
	var held []tx.PubKey
	if m, ok := members.Get(r, owner); ok {
		held = m.Keys
	} else if p, ok := patients.Get(r, owner); ok {
		held = p.Keys
	}
	out := make([]Key, 0, len(held))
	for _, key := range held {
		if rec, ok := keys.Get(r, key.String()); ok {
			out = append(out, rec)
		}
	}
	return out
}

// Exists reports whether id names a member or a patient.
func (k *Keeper) Exists(r state.Reader, id string) bool {
	return members.Has(r, id) || patients.Has(r, id)
}

// AddMember creates a member with one key. Governance calls it when it
// admits an organisation (its first admin); the register-member message
// calls it for everyone else.
func (k *Keeper) AddMember(s state.Store, height int64, m Member, key tx.PubKey) error {
	if err := ValidHandle(m.Handle); err != nil {
		return fmt.Errorf("%w: %w", ledger.ErrInvalidMsg, err)
	}
	if err := ledger.ValidRoles(m.Roles); err != nil {
		return fmt.Errorf("%w: %w", ledger.ErrInvalidMsg, err)
	}
	switch m.Kind {
	case Person, Device, System:
	default:
		return fmt.Errorf("%w: member kind %q must be person, device or system", ledger.ErrInvalidMsg, m.Kind)
	}
	if len(key) != tx.PubKeySize {
		return fmt.Errorf("%w: public key must be %d bytes", ledger.ErrInvalidMsg, tx.PubKeySize)
	}
	m.ID = m.Org + "/" + m.Handle
	if members.Has(s, m.ID) {
		return fmt.Errorf("%w: member %s", ErrExists, m.ID)
	}
	if keys.Has(s, key.String()) {
		return fmt.Errorf("%w: key %s is already registered", ErrExists, key)
	}
	m.Status, m.Created, m.Keys = StatusActive, height, []tx.PubKey{key}
	members.Set(s, m.ID, m)
	keys.Set(s, key.String(), Key{PublicKey: key, Owner: m.ID, OwnerKind: ledger.Member, Status: StatusActive, Added: height})
	return nil
}

// AddAdmin creates the first admin of a newly admitted organisation; it
// implements governance.Members.
func (k *Keeper) AddAdmin(s state.Store, height int64, org, handle string, key tx.PubKey) error {
	return k.AddMember(s, height, Member{Org: org, Handle: handle, Kind: Person, Roles: []ledger.Role{ledger.RoleAdmin}}, key)
}

// CheckAdmin reports why AddAdmin would fail, without writing: governance
// asks when an organisation's admission is proposed.
func (k *Keeper) CheckAdmin(r state.Reader, org, handle string, key tx.PubKey) error {
	if err := ValidHandle(handle); err != nil {
		return fmt.Errorf("%w: admin: %w", ledger.ErrInvalidMsg, err)
	}
	if len(key) != tx.PubKeySize {
		return fmt.Errorf("%w: admin_key must be %d bytes", ledger.ErrInvalidMsg, tx.PubKeySize)
	}
	if members.Has(r, org+"/"+handle) {
		return fmt.Errorf("%w: member %s/%s", ErrExists, org, handle)
	}
	if keys.Has(r, key.String()) {
		return fmt.Errorf("%w: admin_key %s is already registered", ErrExists, key)
	}
	return nil
}

// MayProve implements ledger.KeyReader, as GET /v1/identities and
// /v1/keys answer: a member's key is proven to anyone (members are a public
// directory); a patient's identity and keys to the patient and to members
// (delegates, whom identity does not know, use those routes with
// ?prove=true). Members' own entries are public state.
func (k *Keeper) MayProve(r state.Reader, p ledger.Principal, key string, _ time.Time) bool {
	if id, ok := keys.ID(key); ok {
		rec, ok := keys.Get(r, id)
		return ok && (rec.OwnerKind == ledger.Member || p.Kind == ledger.Member || (p.ID != "" && rec.Owner == p.ID))
	}
	if id, ok := patients.ID(key); ok {
		return p.Kind == ledger.Member || (p.ID != "" && id == p.ID)
	}
	return false
}
