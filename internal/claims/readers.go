package claims

import (
	"fmt"
	"slices"
	"time"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
)

// Who may see what (docs/design.md §3.11). Plans and their versions are
// public: anyone may read a payer's rules. A coverage reveals that a
// patient is insured, and by whom; a claim, that a patient was treated,
// where and for how much; an organisation's list of claims, which patients
// it serves. So:
//
//   - a coverage: the patient, members of the payer, and members of a
//     provider the patient consented to (an active records grant to the
//     organisation, without a condition, for treatment or payment) holding
//     one of ProviderRoles: the "entitled provider" of an eligibility check;
//   - a claim: the patient, members of its provider and of its payer;
//   - a patient's lists (coverage, claims, totals): the patient;
//   - an organisation's lists (claims, totals): its members.
//
// A refusal wraps ledger.ErrNotEntitled and reads the same whether or not
// the thing asked about exists.

// The purposes of a records grant that entitle a provider to a patient's
// coverage (records' purpose names).
const (
	PurposeTreatment = "treatment"
	PurposePayment   = "payment"
)

// SeesCoverage allows p a coverage at now.
func (k *Keeper) SeesCoverage(r state.Reader, p ledger.Principal, c Coverage, now time.Time) error {
	switch {
	case p.ID == "":
	case p.ID == c.Patient:
		return nil
	case p.Kind == ledger.Member && p.Org == c.Payer:
		return nil
	case p.Kind == ledger.Member && p.HasAnyRole(ProviderRoles...) && c.Patient != "" &&
		(k.dir.Consented(r, c.Patient, p.Org, PurposeTreatment, now.Unix()) || k.dir.Consented(r, c.Patient, p.Org, PurposePayment, now.Unix())):
		return nil
	}
	return fmt.Errorf("%w: coverage %s is unknown or seen only by its patient, its payer's members and providers the patient consented to", ledger.ErrNotEntitled, c.ID)
}

// SeesClaim allows p a claim.
func (k *Keeper) SeesClaim(p ledger.Principal, c Claim) error {
	if p.ID != "" && (p.ID == c.Patient || (p.Kind == ledger.Member && (p.Org == c.Provider || p.Org == c.Payer))) {
		return nil
	}
	return fmt.Errorf("%w: claim %s is unknown or seen only by its patient, its provider's and its payer's members", ledger.ErrNotEntitled, c.ID)
}

// SeesParty allows p the claims, coverage and totals of who: a patient
// their own, an organisation's members its own.
func (k *Keeper) SeesParty(p ledger.Principal, who string) error {
	if p.ID != "" && (p.ID == who || (p.Kind == ledger.Member && p.Org == who)) {
		return nil
	}
	return fmt.Errorf("%w: the claims and coverage of %s are seen by that patient or organisation only", ledger.ErrNotEntitled, who)
}

// MayProve implements ledger.KeyReader: whoever may see a coverage, a
// claim or a party's totals may have its key proven. The indexes are
// proven to no one.
func (k *Keeper) MayProve(r state.Reader, p ledger.Principal, key string, now time.Time) bool {
	if id, ok := coverages.ID(key); ok {
		c, ok := coverages.Get(r, id)
		return ok && k.SeesCoverage(r, p, c, now) == nil
	}
	if id, ok := claimsMap.ID(key); ok {
		c, ok := claimsMap.Get(r, id)
		return ok && k.SeesClaim(p, c) == nil
	}
	if id, ok := totals.ID(key); ok {
		who := id
		if i := slices.Index([]byte(id), '/'); i >= 0 {
			who = id[:i]
		}
		return k.SeesParty(p, who) == nil
	}
	return false
}
