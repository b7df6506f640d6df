package credentials

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/medchain/medchain/internal/ledger"
)

// Message types.
const (
	TypeIssue     = "credentials/issue"
	TypeSuspend   = "credentials/suspend"
	TypeReinstate = "credentials/reinstate"
	TypeRevoke    = "credentials/revoke"
)

// ActionAuthorize is the governance proposal action that sets which
// credential types an organisation may issue.
const ActionAuthorize = "credentials/authorize"

// Authorize is the payload of a credentials/authorize proposal: the types
// org may issue from when it passes, replacing what it could before; an
// empty list withdraws its authority (credentials it issued stand until
// it revokes them).
//
//	{"org": "state-medical-board", "types": ["medical-licence", "board-certification"]}
type Authorize struct {
	Org   string   `json:"org"`
	Types []string `json:"types"`
}

func (m *Authorize) Validate() error {
	if m.Org == "" {
		return errors.New("org: the organisation to authorise is required")
	}
	if m.Types == nil {
		return errors.New("types: the credential types it may issue are required ([] withdraws them)")
	}
	for i, t := range m.Types {
		if err := validType(fmt.Sprintf("types[%d]", i), t); err != nil {
			return err
		}
		if slices.Contains(m.Types[:i], t) {
			return fmt.Errorf("types[%d]: %q given twice", i, t)
		}
	}
	return nil
}

// Issue records a credential the signer's organisation issued: its
// SHA-256 and what a verifier needs to know of it, never its content. ID
// is chosen by the issuer (it goes into the credential before it is
// signed, as its id urn:medchain:credential:<id>) and must be new.
//
//	{"id": "cr-…", "hash": "<sha256 of the VC-JWT>", "type": "medical-licence",
//	 "subject": "st-marys-hospital/dr-grey", "valid_from": "2026-01-01T00:00:00Z",
//	 "valid_until": "2028-01-01T00:00:00Z"}
type Issue struct {
	ID         string `json:"id"`
	Hash       string `json:"hash"`
	Type       string `json:"type"`
	Subject    string `json:"subject,omitempty"`
	ValidFrom  string `json:"valid_from"`
	ValidUntil string `json:"valid_until,omitempty"`
	// StatusIndex is its index in the issuer's Bitstring Status Lists,
	// chosen at random by the issuer (herd privacy) and unused; absent, the
	// credential names no status list.
	StatusIndex *uint32 `json:"status_index,omitempty"`

	from, until int64
}

func (m *Issue) Validate() error {
	if !idPattern.MatchString(m.ID) {
		return errors.New("id: cr- and 24 lower-case hex digits")
	}
	if !hashPattern.MatchString(m.Hash) {
		return errors.New("hash: the SHA-256 of the credential, 64 lower-case hex digits (the credential stays off chain)")
	}
	if err := validType("type", m.Type); err != nil {
		return err
	}
	if m.Subject != "" {
		org, handle, ok := strings.Cut(m.Subject, "/")
		if !ok || org == "" || handle == "" {
			return fmt.Errorf("subject: %q is not a member's ledger ID (org/handle); leave it out for a person the ledger does not know", m.Subject)
		}
	} else if m.Type == TypeMedicalLicence || m.Type == TypePrivileges || m.Type == TypeEmployment {
		return fmt.Errorf("subject: a %s is about a member: give their ledger ID (org/handle)", m.Type)
	}
	from, err := time.Parse(time.RFC3339, m.ValidFrom)
	if err != nil {
		return errors.New("valid_from: an RFC 3339 date-time (2026-01-01T00:00:00Z)")
	}
	m.from = from.Unix()
	if m.ValidUntil != "" {
		until, err := time.Parse(time.RFC3339, m.ValidUntil)
		if err != nil {
			return errors.New("valid_until: an RFC 3339 date-time (2028-01-01T00:00:00Z), or leave it out for no expiry")
		}
		if !until.After(from) {
			return errors.New("valid_until: must be after valid_from")
		}
		if until.Sub(from) > MaxValidity {
			return errors.New("valid_until: at most 100 years after valid_from")
		}
		m.until = until.Unix()
	}
	if m.StatusIndex != nil && *m.StatusIndex >= StatusListSize {
		return fmt.Errorf("status_index: 0 to %d", StatusListSize-1)
	}
	return nil
}

// ChangeStatus suspends, reinstates or revokes a credential, with a reason
// code from the message type's list.
//
//	{"id": "cr-…", "reason": "investigation"}
type ChangeStatus struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

func (m *ChangeStatus) Validate() error {
	if !idPattern.MatchString(m.ID) {
		return errors.New("id: cr- and 24 lower-case hex digits")
	}
	if m.Reason == "" {
		return errors.New("reason: a reason code is required")
	}
	return nil
}

// Routes implements ledger.Module.
func (k *Keeper) Routes() []ledger.Route {
	return []ledger.Route{
		{Type: TypeIssue, Handler: ledger.Handle(k.issue)},
		{Type: TypeSuspend, Handler: ledger.Handle(k.change(StatusSuspended, SuspendReasons))},
		{Type: TypeReinstate, Handler: ledger.Handle(k.change(StatusActive, ReinstateReasons))},
		{Type: TypeRevoke, Handler: ledger.Handle(k.change(StatusRevoked, RevokeReasons))},
		{Type: TypeOpenCase, Handler: ledger.Handle(k.openCase)},
		{Type: TypeAttest, Handler: ledger.Handle(k.attest)},
	}
}

// issuer checks that the signer acts for an organisation authorised to
// issue typ, with an issuer role.
func (k *Keeper) issuer(ctx *ledger.Context, typ string) error {
	s := ctx.Signer
	if s.Kind != ledger.Member || !s.HasAnyRole(IssuerRoles...) {
		return fmt.Errorf("%w: credentials are issued by a member holding one of the roles %v of an authorised organisation", ErrUnauthorized, IssuerRoles)
	}
	a, ok := authorisations.Get(ctx.Store, s.Org)
	switch {
	case !ok:
		return fmt.Errorf("%w: %s is authorised to issue no credential type (a governance decision, credentials/authorize, says who may issue what)", ErrNotAuthorised, s.Org)
	case !a.Allows(typ):
		return fmt.Errorf("%w: %s may issue %v, not %s", ErrNotAuthorised, s.Org, a.Types, typ)
	}
	return nil
}

func (k *Keeper) issue(ctx *ledger.Context, m Issue) (any, error) {
	if err := k.issuer(ctx, m.Type); err != nil {
		return nil, err
	}
	if credentials.Has(ctx.Store, m.ID) {
		return nil, fmt.Errorf("%w: credential %s", ErrExists, m.ID)
	}
	if id, ok := byHash.Get(ctx.Store, m.Hash); ok {
		return nil, fmt.Errorf("%w: a credential of hash %s is recorded already, as %s", ErrExists, m.Hash, id)
	}
	if m.Subject != "" {
		if _, _, ok := k.dir.Member(ctx.Store, m.Subject); !ok {
			return nil, fmt.Errorf("%w: subject %s is not an active member", ErrNotFound, m.Subject)
		}
	}
	if m.StatusIndex != nil && listIndexes.Has(ctx.Store, ctx.Signer.Org, listKey(*m.StatusIndex)) {
		return nil, fmt.Errorf("%w: index %d of %s's status lists is taken: draw another", ErrExists, *m.StatusIndex, ctx.Signer.Org)
	}
	s := ctx.Signer
	c := Credential{ID: m.ID, Hash: m.Hash, Type: m.Type, Issuer: s.Org, By: s.ID, Subject: m.Subject,
		ValidFrom: m.from, ValidUntil: m.until, Status: StatusActive,
		History: []Change{{Status: StatusActive, By: s.ID, Height: ctx.Height, Time: ctx.Time.Unix()}},
		Height:  ctx.Height, Time: ctx.Time.Unix()}
	credentials.Set(ctx.Store, c.ID, c)
	byHash.Set(ctx.Store, c.Hash, c.ID)
	byIssuer.Add(ctx.Store, c.Issuer, c.ID)
	if c.Subject != "" {
		bySubject.Add(ctx.Store, c.Subject, c.ID)
	}
	if c.ValidUntil != 0 {
		byExpiry.Add(ctx.Store, expiryKey(c.ValidUntil), c.ID)
	}
	if m.StatusIndex != nil {
		c.StatusIndex = *m.StatusIndex + 1
		credentials.Set(ctx.Store, c.ID, c)
		listIndexes.Add(ctx.Store, c.Issuer, listKey(*m.StatusIndex))
	}
	ctx.Emit(EventIssued.New(c.ID, c.Type, c.Issuer, c.Subject, c.Hash))
	return ledger.Created{ID: c.ID}, nil
}

func expiryKey(t int64) string { return fmt.Sprintf("%020d", t) }

func listKey(i uint32) string { return fmt.Sprintf("%06d", i) }

// change returns the handler of a status change to status, whose reasons
// come from reasons.
func (k *Keeper) change(status string, reasons []string) func(*ledger.Context, ChangeStatus) (any, error) {
	return func(ctx *ledger.Context, m ChangeStatus) (any, error) {
		s := ctx.Signer
		if s.Kind != ledger.Member || !s.HasAnyRole(IssuerRoles...) {
			return nil, fmt.Errorf("%w: a credential's status is changed by a member of its issuer holding one of the roles %v", ErrUnauthorized, IssuerRoles)
		}
		c, ok := credentials.Get(ctx.Store, m.ID)
		if !ok {
			return nil, fmt.Errorf("%w: credential %s", ErrNotFound, m.ID)
		}
		if c.Issuer != s.Org {
			return nil, fmt.Errorf("%w: credential %s was issued by %s; only its issuer changes its status", ErrUnauthorized, c.ID, c.Issuer)
		}
		if err := validReason(m.Reason, reasons); err != nil {
			return nil, fmt.Errorf("%w: %w", ledger.ErrInvalidMsg, err)
		}
		switch {
		case c.Status == StatusRevoked:
			return nil, fmt.Errorf("%w: credential %s was revoked at height %d; a revocation is final", ErrState, c.ID, c.History[len(c.History)-1].Height)
		case status == StatusSuspended && c.Status != StatusActive,
			status == StatusActive && c.Status != StatusSuspended:
			return nil, fmt.Errorf("%w: credential %s is %s", ErrState, c.ID, c.Status)
		}
		c.Status, c.Reason = status, m.Reason
		c.History = append(c.History, Change{Status: status, Reason: m.Reason, By: s.ID, Height: ctx.Height + 1, Time: ctx.Time.Unix()})
		credentials.Set(ctx.Store, c.ID, c)
		if c.Subject != "" || c.StatusIndex != 0 {
			pending.Add(ctx.Store, c.ID)
		}
		ctx.Emit(EventStatus.New(c.ID, c.Issuer, status, m.Reason, strconv.FormatInt(ctx.Height+1, 10)))
		return Changed{ID: c.ID, Status: status, Effective: ctx.Height + 1}, nil
	}
}

// Changed is the result of a status change: the status and the first
// block it applies to.
type Changed struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	Effective int64  `json:"effective_height"`
}

// EndBlock implements ledger.EndBlocker: the status changes of the block
// take effect for the next, in the barred set identity reads through
// Practising. The pending entries are walked in key order.
func (k *Keeper) EndBlock(ctx *ledger.Context) error {
	var ids []string
	pending.Walk(ctx.Store, func(id string) bool {
		ids = append(ids, id)
		return true
	})
	for _, id := range ids {
		pending.Remove(ctx.Store, id)
		c, ok := credentials.Get(ctx.Store, id)
		if !ok {
			continue
		}
		if c.StatusIndex != 0 {
			l, _ := statusLists.Get(ctx.Store, c.Issuer)
			l.Org, l.Height = c.Issuer, ctx.Height
			i := c.StatusIndex - 1
			l.Revoked = setBit(l.Revoked, i, c.Status == StatusRevoked)
			l.Suspended = setBit(l.Suspended, i, c.Status == StatusSuspended)
			statusLists.Set(ctx.Store, c.Issuer, l)
		}
		if c.Subject == "" {
			continue
		}
		if bars(c.Type, c.Status, c.Reason) {
			barred.Add(ctx.Store, c.Subject, c.ID)
		} else {
			barred.Remove(ctx.Store, c.Subject, c.ID)
		}
	}
	return nil
}

// setBit sets or clears index i in a sorted list of set indexes.
func setBit(list []uint32, i uint32, on bool) []uint32 {
	at, found := slices.BinarySearch(list, i)
	switch {
	case on && !found:
		list = slices.Insert(list, at, i)
	case !on && found:
		list = slices.Delete(list, at, at+1)
	}
	if list == nil {
		list = []uint32{}
	}
	return list
}

// ProposalActions implements ledger.Governed: who may issue what is a
// governance decision.
func (k *Keeper) ProposalActions() []ledger.ProposalAction {
	return []ledger.ProposalAction{k.trustSHCIssuer(), {
		Type: ActionAuthorize,
		Validate: func(ctx *ledger.Context, payload json.RawMessage) error {
			m, err := ledger.Decode[Authorize](payload)
			if err != nil {
				return err
			}
			return k.checkOrg(ctx, m.Org)
		},
		Execute: func(ctx *ledger.Context, payload json.RawMessage) error {
			m, err := ledger.Decode[Authorize](payload)
			if err != nil {
				return err
			}
			if err := k.checkOrg(ctx, m.Org); err != nil {
				return err
			}
			k.authorize(ctx, m)
			return nil
		},
	}}
}

func (k *Keeper) checkOrg(ctx *ledger.Context, org string) error {
	if _, ok := k.dir.OrgKind(ctx.Store, org); !ok {
		return fmt.Errorf("%w: organisation %s is not an active member of the consortium", ErrNotFound, org)
	}
	return nil
}

func (k *Keeper) authorize(ctx *ledger.Context, m Authorize) {
	types := slices.Clone(m.Types)
	slices.Sort(types)
	if len(types) == 0 {
		authorisations.Delete(ctx.Store, m.Org)
	} else {
		authorisations.Set(ctx.Store, m.Org, Authorisation{Org: m.Org, Types: types, Height: ctx.Height})
	}
	ctx.Emit(EventAuthorised.New(m.Org, strings.Join(types, ",")))
}

// Genesis is the module's genesis section: organisations authorised from
// the start (a new network's founders agree on them as on its members).
type Genesis struct {
	Issuers []Authorize `json:"issuers"`
}

// InitGenesis implements ledger.Module.
func (k *Keeper) InitGenesis(ctx *ledger.Context, raw json.RawMessage) error {
	if s := strings.TrimSpace(string(raw)); s == "" || s == "null" || s == "{}" {
		return nil
	}
	g, err := ledger.Decode[Genesis](raw)
	if err != nil {
		return err
	}
	for i, a := range g.Issuers {
		if err := a.Validate(); err != nil {
			return fmt.Errorf("issuers[%d]: %w", i, err)
		}
		if err := k.checkOrg(ctx, a.Org); err != nil {
			return fmt.Errorf("issuers[%d]: %w", i, err)
		}
		if authorisations.Has(ctx.Store, a.Org) {
			return fmt.Errorf("issuers[%d]: %s given twice", i, a.Org)
		}
		k.authorize(ctx, a)
	}
	return nil
}
