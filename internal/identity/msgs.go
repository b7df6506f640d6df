package identity

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/tx"
)

// Message types.
const (
	TypeRegisterMember  = "identity/register-member"
	TypeSetRoles        = "identity/set-roles"
	TypeSetMemberStatus = "identity/set-member-status"
	TypeAddKey          = "identity/add-key"
	TypeRotateKey       = "identity/rotate-key"
	TypeRevokeKey       = "identity/revoke-key"
	TypeRegisterPatient = "identity/register-patient"
)

// RegisterMember adds a member to the signer's organisation. Signed by an
// admin of that organisation.
type RegisterMember struct {
	Handle    string        `json:"handle"`
	Kind      MemberKind    `json:"kind"`
	Roles     []ledger.Role `json:"roles"`
	PublicKey tx.PubKey     `json:"public_key"`
}

func (m *RegisterMember) Validate() error {
	if m.Kind == "" {
		m.Kind = Person
	}
	if err := ValidHandle(m.Handle); err != nil {
		return err
	}
	if len(m.PublicKey) == 0 {
		return errors.New("public_key is required")
	}
	return ledger.ValidRoles(m.Roles)
}

// SetRoles replaces a member's roles. Signed by an admin of the member's
// organisation.
type SetRoles struct {
	Member string        `json:"member"`
	Roles  []ledger.Role `json:"roles"`
}

func (m *SetRoles) Validate() error { return ledger.ValidRoles(m.Roles) }

// SetMemberStatus suspends or reinstates a member: a suspended member's keys
// stop signing at once. Signed by an admin of the member's organisation.
// The reason, optional, is one of StatusReasons and is kept in the
// member's StatusChange.
type SetMemberStatus struct {
	Member string `json:"member"`
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// StatusReasons are the reason codes a SetMemberStatus may give: the state
// keeps a code, never free text.
var StatusReasons = []string{"leave", "left-organisation", "under-investigation", "licence-suspended", "licence-reinstated", "returned", "entered-in-error", "other"}

// KeyRevokeReasons are the reason codes a RevokeKey may give. rotated is
// also what a RotateKey records on the key it replaces.
var KeyRevokeReasons = []string{"lost", "stolen", "compromised", "device-retired", "rotated", "left-organisation", "entered-in-error", "other"}

// validReason checks that an optional reason kept in state is empty or one
// of the codes allowed. The refusal does not repeat the text: free text
// never reaches the chain, not even in a refusal.
func validReason(what, r string, codes []string) error {
	if r != "" && !slices.Contains(codes, r) {
		return fmt.Errorf("reason: not a %s reason code (one of %s)", what, strings.Join(codes, ", "))
	}
	return nil
}

func (m *SetMemberStatus) Validate() error {
	if m.Status != StatusActive && m.Status != StatusSuspended {
		return fmt.Errorf("status must be %q or %q", StatusActive, StatusSuspended)
	}
	return validReason("status", m.Reason, StatusReasons)
}

// AddKey gives an identity another key. Signed by the identity itself or, for
// members, an admin of its organisation. Owner defaults to the signer.
type AddKey struct {
	Owner     string    `json:"owner,omitempty"`
	PublicKey tx.PubKey `json:"public_key"`
}

func (m *AddKey) Validate() error {
	if len(m.PublicKey) == 0 {
		return errors.New("public_key is required")
	}
	return nil
}

// RotateKey adds NewKey and revokes OldKey (by default the signing key) in
// one step.
type RotateKey struct {
	Owner  string    `json:"owner,omitempty"`
	OldKey tx.PubKey `json:"old_key,omitempty"`
	NewKey tx.PubKey `json:"new_key"`
}

func (m *RotateKey) Validate() error {
	if len(m.NewKey) == 0 {
		return errors.New("new_key is required")
	}
	return nil
}

// RevokeKey revokes a key. The revocation takes effect at once: no later
// transaction signed by it is accepted, in this block or any after. The
// reason, optional, is one of KeyRevokeReasons and is kept on the key's
// record.
type RevokeKey struct {
	PublicKey tx.PubKey `json:"public_key"`
	Reason    string    `json:"reason,omitempty"`
}

func (m *RevokeKey) Validate() error {
	if len(m.PublicKey) == 0 {
		return errors.New("public_key is required")
	}
	return validReason("key revocation", m.Reason, KeyRevokeReasons)
}

// RegisterPatient registers the signer's key as a new patient. It has no
// fields: no name, birth date or any other personal data reaches the ledger.
type RegisterPatient struct{}

// Routes implements ledger.Module.
func (k *Keeper) Routes() []ledger.Route {
	return []ledger.Route{
		{Type: TypeRegisterMember, Handler: ledger.Handle(k.registerMember)},
		{Type: TypeSetRoles, Handler: ledger.Handle(k.setRoles)},
		{Type: TypeSetMemberStatus, Handler: ledger.Handle(k.setMemberStatus)},
		{Type: TypeAddKey, Handler: ledger.Handle(k.addKey)},
		{Type: TypeRotateKey, Handler: ledger.Handle(k.rotateKey)},
		{Type: TypeRevokeKey, Handler: ledger.Handle(k.revokeKey)},
		{Type: TypeRegisterPatient, Handler: ledger.Handle(k.registerPatient), Open: true},
	}
}

func requireAdmin(ctx *ledger.Context, org string) error {
	s := ctx.Signer
	if s.Kind != ledger.Member || s.Org != org || !s.HasRole(ledger.RoleAdmin) {
		return fmt.Errorf("%w: %s is not an admin of organisation %s", ErrUnauthorized, s.ID, org)
	}
	return nil
}

func (k *Keeper) registerMember(ctx *ledger.Context, m RegisterMember) (any, error) {
	if ctx.Signer.Kind != ledger.Member {
		return nil, fmt.Errorf("%w: only an organisation's admin registers members", ErrUnauthorized)
	}
	org := ctx.Signer.Org
	if err := requireAdmin(ctx, org); err != nil {
		return nil, err
	}
	mem := Member{Org: org, Handle: m.Handle, Kind: m.Kind, Roles: m.Roles}
	if err := k.AddMember(ctx.Store, ctx.Height, mem, m.PublicKey); err != nil {
		return nil, err
	}
	id := org + "/" + m.Handle
	ctx.Emit(EventMemberRegistered.New(id, org, string(m.Kind)))
	return ledger.Created{ID: id}, nil
}

func (k *Keeper) memberForAdmin(ctx *ledger.Context, id string) (Member, error) {
	mem, ok := members.Get(ctx.Store, id)
	if !ok {
		return mem, fmt.Errorf("%w: member %q", ErrNotFound, id)
	}
	return mem, requireAdmin(ctx, mem.Org)
}

func (k *Keeper) setRoles(ctx *ledger.Context, m SetRoles) (any, error) {
	mem, err := k.memberForAdmin(ctx, m.Member)
	if err != nil {
		return nil, err
	}
	// As with suspension: an admin who dropped their own admin role could
	// leave the organisation with no admin, and nothing could name one.
	if mem.ID == ctx.Signer.ID && !slices.Contains(m.Roles, ledger.RoleAdmin) {
		return nil, fmt.Errorf("%w: an admin cannot remove their own admin role (another admin of %s can)", ErrUnauthorized, mem.Org)
	}
	mem.Roles = m.Roles
	members.Set(ctx.Store, mem.ID, mem)
	ctx.Emit(EventRolesSet.New(mem.ID))
	return nil, nil
}

func (k *Keeper) setMemberStatus(ctx *ledger.Context, m SetMemberStatus) (any, error) {
	mem, err := k.memberForAdmin(ctx, m.Member)
	if err != nil {
		return nil, err
	}
	if mem.ID == ctx.Signer.ID && m.Status == StatusSuspended {
		return nil, fmt.Errorf("%w: an admin cannot suspend themselves", ErrUnauthorized)
	}
	mem.Status = m.Status
	mem.StatusChange = &StatusChange{Status: m.Status, By: ctx.Signer.ID, Reason: m.Reason, Height: ctx.Height}
	members.Set(ctx.Store, mem.ID, mem)
	ctx.Emit(EventMemberStatus.New(mem.ID, m.Status))
	return nil, nil
}

// mayManageKeys checks that the signer may change owner's keys: the owner
// itself, or an admin of the owner's organisation. It returns the owner kind.
func (k *Keeper) mayManageKeys(ctx *ledger.Context, owner string) (ledger.PrincipalKind, error) {
	if owner == ctx.Signer.ID {
		return ctx.Signer.Kind, nil
	}
	if mem, ok := members.Get(ctx.Store, owner); ok {
		return ledger.Member, requireAdmin(ctx, mem.Org)
	}
	if patients.Has(ctx.Store, owner) {
		return "", fmt.Errorf("%w: only patient %s manages their own keys", ErrUnauthorized, owner)
	}
	return "", fmt.Errorf("%w: identity %q", ErrNotFound, owner)
}

func (k *Keeper) addKey(ctx *ledger.Context, m AddKey) (any, error) {
	if m.Owner == "" {
		m.Owner = ctx.Signer.ID
	}
	kind, err := k.mayManageKeys(ctx, m.Owner)
	if err != nil {
		return nil, err
	}
	if keys.Has(ctx.Store, m.PublicKey.String()) {
		return nil, fmt.Errorf("%w: key %s is already registered", ErrExists, m.PublicKey)
	}
	switch kind {
	case ledger.Member:
		mem, ok := members.Get(ctx.Store, m.Owner)
		if !ok {
			return nil, fmt.Errorf("%w: member %q", ErrNotFound, m.Owner)
		}
		mem.Keys = append(mem.Keys, m.PublicKey)
		members.Set(ctx.Store, mem.ID, mem)
	case ledger.Patient:
		pt, ok := patients.Get(ctx.Store, m.Owner)
		if !ok {
			return nil, fmt.Errorf("%w: patient %q", ErrNotFound, m.Owner)
		}
		pt.Keys = append(pt.Keys, m.PublicKey)
		patients.Set(ctx.Store, pt.ID, pt)
	default:
		return nil, fmt.Errorf("%w: identity %q of kind %q", ErrNotFound, m.Owner, kind)
	}
	keys.Set(ctx.Store, m.PublicKey.String(), Key{PublicKey: m.PublicKey, Owner: m.Owner, OwnerKind: kind, Status: StatusActive, Added: ctx.Height})
	ctx.Emit(EventKeyAdded.New(m.Owner, m.PublicKey.String()))
	return nil, nil
}

func (k *Keeper) revoke(ctx *ledger.Context, key tx.PubKey, reason string, allowLast bool) error {
	rec, ok := keys.Get(ctx.Store, key.String())
	if !ok {
		return fmt.Errorf("%w: key %s", ErrNotFound, key)
	}
	if _, err := k.mayManageKeys(ctx, rec.Owner); err != nil {
		return err
	}
	if rec.Status == StatusRevoked {
		return fmt.Errorf("%w: key %s was revoked at height %d", ErrKeyRevoked, key, rec.Revoked)
	}
	if !allowLast {
		active := 0
		for _, other := range k.KeysOf(ctx.Store, rec.Owner) {
			if other.Status == StatusActive {
				active++
			}
		}
		if active <= 1 {
			return fmt.Errorf("%w: %s has no other active key; add one first, or rotate", ErrLastKey, rec.Owner)
		}
	}
	rec.Status, rec.Revoked, rec.Reason = StatusRevoked, ctx.Height, reason
	keys.Set(ctx.Store, key.String(), rec)
	ctx.Emit(EventKeyRevoked.New(rec.Owner, key.String()))
	return nil
}

func (k *Keeper) revokeKey(ctx *ledger.Context, m RevokeKey) (any, error) {
	// An admin may revoke a member's last key (a lost device, a person who
	// left); an identity may not lock itself out.
	rec, ok := keys.Get(ctx.Store, m.PublicKey.String())
	allowLast := ok && rec.Owner != ctx.Signer.ID
	return nil, k.revoke(ctx, m.PublicKey, m.Reason, allowLast)
}

func (k *Keeper) rotateKey(ctx *ledger.Context, m RotateKey) (any, error) {
	if m.Owner == "" {
		m.Owner = ctx.Signer.ID
	}
	if len(m.OldKey) == 0 {
		if m.Owner != ctx.Signer.ID {
			return nil, fmt.Errorf("%w: old_key is required when rotating another identity's key", ledger.ErrInvalidMsg)
		}
		m.OldKey = ctx.SignerKey
	}
	old, ok := keys.Get(ctx.Store, m.OldKey.String())
	if !ok || old.Owner != m.Owner {
		return nil, fmt.Errorf("%w: key %s of %s", ErrNotFound, m.OldKey, m.Owner)
	}
	if _, err := k.addKey(ctx, AddKey{Owner: m.Owner, PublicKey: m.NewKey}); err != nil {
		return nil, err
	}
	return nil, k.revoke(ctx, m.OldKey, "rotated", true)
}

func (k *Keeper) registerPatient(ctx *ledger.Context, _ RegisterPatient) (any, error) {
	key := ctx.SignerKey
	if rec, ok := keys.Get(ctx.Store, key.String()); ok {
		return nil, fmt.Errorf("%w: key %s already belongs to %s", ErrExists, key, rec.Owner)
	}
	id := PatientID(key)
	if patients.Has(ctx.Store, id) {
		return nil, fmt.Errorf("%w: patient %s", ErrExists, id)
	}
	patients.Set(ctx.Store, id, Patient{ID: id, Created: ctx.Height, Keys: []tx.PubKey{key}})
	keys.Set(ctx.Store, key.String(), Key{PublicKey: key, Owner: id, OwnerKind: ledger.Patient, Status: StatusActive, Added: ctx.Height})
	ctx.Emit(EventPatientRegistered.New(id))
	return ledger.Created{ID: id}, nil
}
