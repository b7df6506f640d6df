package credentials

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
)

// Credentialing: a hospital or clinic opens a case for an applicant (a
// member of the ledger) listing what it must verify, each from a primary
// source (the organisation that issues it: the medical board for the
// licence, the university for the degree); each source attests on the
// ledger, or refuses with a reason code. The case shows what is verified,
// what is missing and how long each step took; it is FHIR
// VerificationResult at the edge (the API). Only ledger IDs, types,
// codes and times: no names, no documents.

// Message types of credentialing.
const (
	TypeOpenCase = "credentials/open-case"
	TypeAttest   = "credentials/attest"
)

// ErrCaseClosed is an attestation of a case that is decided.
var ErrCaseClosed = errors.New("credentials: case decided")

// CaseRoles open a case for their hospital or clinic.
var CaseRoles = []ledger.Role{ledger.RoleAdmin, ledger.RoleRegistrar}

// CaseOrgs are the organisation kinds that credential staff.
var CaseOrgs = []ledger.OrgKind{ledger.OrgHospital, ledger.OrgClinic}

// Outcomes of a requirement.
const (
	OutcomePending  = "pending"
	OutcomeVerified = "verified"
	OutcomeRefused  = "refused"
)

// Case statuses: open until every requirement is verified (complete) or
// one is refused (refused).
const (
	CaseOpen     = "open"
	CaseComplete = "complete"
	CaseRefused  = "refused"
)

// RefuseReasons are why a primary source refuses to attest.
var RefuseReasons = []string{"disciplinary-action", "identity-mismatch", "lapsed", "no-record"}

// MaxRequirements bounds a case.
const MaxRequirements = 12

// Requirement is one thing a case must verify, from a primary source.
type Requirement struct {
	Type   string `json:"type"`
	Source string `json:"source"`
	// Outcome is pending, verified or refused; Credential the ledger
	// credential the source verified, if it named one.
	Outcome    string `json:"outcome"`
	Credential string `json:"credential,omitempty"`
	Reason     string `json:"reason,omitempty"`
	By         string `json:"by,omitempty"`
	Height     int64  `json:"height,omitempty"`
	Time       int64  `json:"time,omitempty"`
	// Seconds is how long the step took: from the case's opening to the
	// source's answer (block times).
	Seconds int64 `json:"seconds,omitempty"`
}

// Case is a credentialing case.
type Case struct {
	ID           string        `json:"id"`
	Org          string        `json:"org"`
	By           string        `json:"by"`
	Applicant    string        `json:"applicant"`
	Requirements []Requirement `json:"requirements"`
	Status       string        `json:"status"`
	Height       int64         `json:"height"`
	Time         int64         `json:"time"`
	// Decided is the block time the case was decided, Seconds how long it took.
	Decided int64 `json:"decided,omitempty"`
	Seconds int64 `json:"seconds,omitempty"`
}

// Missing lists the requirements still pending.
func (c Case) Missing() []Requirement {
	var out []Requirement
	for _, r := range c.Requirements {
		if r.Outcome == OutcomePending {
			out = append(out, r)
		}
	}
	return out
}

var (
	cases       = state.NewMap[Case](Name, "cr/cs/")
	casesOfOrg  = state.NewIndex(Name, "cr/cso/") // org/case
	casesOfAppl = state.NewIndex(Name, "cr/csa/") // applicant/case
)

// OpenCase opens a credentialing case of the signer's hospital or clinic
// for an applicant (a member), listing what to verify and from whom.
//
//	{"applicant": "st-marys-hospital/dr-grey", "requirements": [
//	  {"type": "medical-licence", "source": "state-medical-board"}, {"type": "degree", "source": "city-university"}]}
type OpenCase struct {
	Applicant    string    `json:"applicant"`
	Requirements []CaseReq `json:"requirements"`
}

// CaseReq is a requirement as a case is opened with it: a type and the
// primary source to verify it.
type CaseReq struct {
	Type   string `json:"type"`
	Source string `json:"source"`
}

func (m *OpenCase) Validate() error {
	if m.Applicant == "" {
		return errors.New("applicant: the applicant's ledger ID (org/handle) is required")
	}
	if len(m.Requirements) == 0 || len(m.Requirements) > MaxRequirements {
		return fmt.Errorf("requirements: 1 to %d", MaxRequirements)
	}
	for i, r := range m.Requirements {
		if err := validType(fmt.Sprintf("requirements[%d].type", i), r.Type); err != nil {
			return err
		}
		if r.Source == "" {
			return fmt.Errorf("requirements[%d].source: the primary source's organisation ID is required", i)
		}
		for _, o := range m.Requirements[:i] {
			if o.Type == r.Type && o.Source == r.Source {
				return fmt.Errorf("requirements[%d]: %s from %s given twice", i, r.Type, r.Source)
			}
		}
	}
	return nil
}

// Attest is a primary source's answer on one requirement of a case: it
// verified it (naming the ledger credential, if it issued one there) or
// refuses, with a reason code.
//
//	{"case": "cs-…", "type": "medical-licence", "outcome": "verified", "credential": "cr-…"}
//	{"case": "cs-…", "type": "degree", "outcome": "refused", "reason": "no-record"}
type Attest struct {
	Case       string `json:"case"`
	Type       string `json:"type"`
	Outcome    string `json:"outcome"`
	Credential string `json:"credential,omitempty"`
	Reason     string `json:"reason,omitempty"`
}

func (m *Attest) Validate() error {
	if len(m.Case) != 27 || m.Case[:3] != "cs-" {
		return errors.New("case: cs- and 24 lower-case hex digits")
	}
	if err := validType("type", m.Type); err != nil {
		return err
	}
	switch m.Outcome {
	case OutcomeVerified:
		if m.Reason != "" {
			return errors.New("reason: only a refusal has a reason")
		}
		if m.Credential != "" && !idPattern.MatchString(m.Credential) {
			return errors.New("credential: cr- and 24 lower-case hex digits")
		}
	case OutcomeRefused:
		if m.Credential != "" {
			return errors.New("credential: a refusal names no credential")
		}
		return validReason(m.Reason, RefuseReasons)
	default:
		return fmt.Errorf("outcome: %q is not verified or refused", m.Outcome)
	}
	return nil
}

func (k *Keeper) openCase(ctx *ledger.Context, m OpenCase) (any, error) {
	s := ctx.Signer
	kind, _ := k.dir.OrgKind(ctx.Store, s.Org)
	if s.Kind != ledger.Member || !slices.Contains(CaseOrgs, kind) || !s.HasAnyRole(CaseRoles...) {
		return nil, fmt.Errorf("%w: credentialing cases are opened by a member holding one of the roles %v of a hospital or clinic", ErrUnauthorized, CaseRoles)
	}
	if _, _, ok := k.dir.Member(ctx.Store, m.Applicant); !ok {
		return nil, fmt.Errorf("%w: applicant %s is not an active member", ErrNotFound, m.Applicant)
	}
	c := Case{ID: ledger.IDFrom("cs-", ctx.TxHash), Org: s.Org, By: s.ID, Applicant: m.Applicant, Status: CaseOpen,
		Height: ctx.Height, Time: ctx.Time.Unix()}
	for i, r := range m.Requirements {
		if _, ok := k.dir.OrgKind(ctx.Store, r.Source); !ok {
			return nil, fmt.Errorf("%w: requirements[%d].source %s is not an active organisation", ErrNotFound, i, r.Source)
		}
		c.Requirements = append(c.Requirements, Requirement{Type: r.Type, Source: r.Source, Outcome: OutcomePending})
	}
	cases.Set(ctx.Store, c.ID, c)
	casesOfOrg.Add(ctx.Store, c.Org, c.ID)
	casesOfAppl.Add(ctx.Store, c.Applicant, c.ID)
	ctx.Emit(EventCaseOpened.New(c.ID, c.Org, c.Applicant, strconv.Itoa(len(c.Requirements))))
	return ledger.Created{ID: c.ID}, nil
}

func (k *Keeper) attest(ctx *ledger.Context, m Attest) (any, error) {
	s := ctx.Signer
	if s.Kind != ledger.Member || !s.HasAnyRole(IssuerRoles...) {
		return nil, fmt.Errorf("%w: a primary source attests through a member holding one of the roles %v", ErrUnauthorized, IssuerRoles)
	}
	c, ok := cases.Get(ctx.Store, m.Case)
	if !ok {
		return nil, fmt.Errorf("%w: case %s", ErrNotFound, m.Case)
	}
	i := slices.IndexFunc(c.Requirements, func(r Requirement) bool { return r.Type == m.Type && r.Source == s.Org })
	switch {
	case i < 0:
		return nil, fmt.Errorf("%w: case %s asks %s for no %s", ErrUnauthorized, c.ID, s.Org, m.Type)
	case c.Status != CaseOpen:
		return nil, fmt.Errorf("%w: case %s is %s", ErrCaseClosed, c.ID, c.Status)
	case c.Requirements[i].Outcome != OutcomePending:
		return nil, fmt.Errorf("%w: %s answered on %s at height %d", ErrExists, s.Org, m.Type, c.Requirements[i].Height)
	}
	if m.Credential != "" {
		cr, ok := credentials.Get(ctx.Store, m.Credential)
		switch {
		case !ok:
			return nil, fmt.Errorf("%w: credential %s", ErrNotFound, m.Credential)
		case cr.Issuer != s.Org || cr.Type != m.Type || cr.Subject != c.Applicant:
			return nil, fmt.Errorf("%w: credential %s is a %s of %s about %q, not a %s of %s about %s", ErrMismatch, cr.ID, cr.Type, cr.Issuer, cr.Subject, m.Type, s.Org, c.Applicant)
		}
		if v := k.ValidNow(ctx.Store, cr, ctx.Time); !v.Valid {
			return nil, fmt.Errorf("%w: credential %s is not valid now: %s", ErrState, cr.ID, v.Why)
		}
	}
	now := ctx.Time.Unix()
	r := &c.Requirements[i]
	r.Outcome, r.Credential, r.Reason, r.By, r.Height, r.Time, r.Seconds = m.Outcome, m.Credential, m.Reason, s.ID, ctx.Height, now, now-c.Time
	switch {
	case m.Outcome == OutcomeRefused:
		c.Status = CaseRefused
	case len(c.Missing()) == 0:
		c.Status = CaseComplete
	}
	if c.Status != CaseOpen {
		c.Decided, c.Seconds = now, now-c.Time
	}
	cases.Set(ctx.Store, c.ID, c)
	ctx.Emit(EventAttested.New(c.ID, s.Org, m.Type, m.Outcome, c.Status))
	return c.View(), nil
}

// CaseView is a case with what is still missing: what attest answers
// and the API shows.
type CaseView struct {
	Case
	Missing []Requirement `json:"missing"`
}

// View is c with what is missing.
func (c Case) View() CaseView {
	v := CaseView{Case: c, Missing: c.Missing()}
	if v.Missing == nil {
		v.Missing = []Requirement{}
	}
	return v
}

// Case reads a credentialing case.
func (k *Keeper) Case(r state.Reader, id string) (Case, bool) { return cases.Get(r, id) }

// SeesCase allows p a case: members of the organisation that opened it,
// the applicant, and members of the primary sources it asks. A refusal
// wraps ledger.ErrNotEntitled and reads the same whether or not the case
// exists.
func (k *Keeper) SeesCase(p ledger.Principal, c Case) error {
	switch {
	case p.ID != "" && p.ID == c.Applicant:
		return nil
	case p.Kind == ledger.Member && p.Org == c.Org:
		return nil
	case p.Kind == ledger.Member && slices.ContainsFunc(c.Requirements, func(r Requirement) bool { return r.Source == p.Org }):
		return nil
	}
	return fmt.Errorf("%w: credentialing case %s is unknown, or seen only by its hospital, its applicant and the primary sources it asks", ledger.ErrNotEntitled, c.ID)
}

// MayProve implements ledger.KeyReader: a case is proven to whom may see it.
func (k *Keeper) MayProve(r state.Reader, p ledger.Principal, key string, _ time.Time) bool {
	if id, ok := cases.ID(key); ok {
		c, ok := cases.Get(r, id)
		return ok && k.SeesCase(p, c) == nil
	}
	return false
}
