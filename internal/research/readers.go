package research

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
)

// Who may see what (docs/design.md §3.11). Studies, release manifests,
// access receipts and data requests are public: they name organisations,
// codes, counts and hashes, never a patient. Which patients enrolled (and
// where, on which terms), which releases included them and what they were
// paid are private: an enrolment is seen by its patient and by the members
// of the custodians it names who make releases (their node builds the
// data set from it); a patient's list of enrolments, uses and balance by
// the patient alone; an organisation's balance by its members. A refusal
// wraps ledger.ErrNotEntitled and reads the same whether or not the thing
// exists.

// SeesEnrolment allows p an enrolment: its patient, or a member holding
// one of ReleaseRoles of a custodian it names.
func (k *Keeper) SeesEnrolment(p ledger.Principal, e Enrolment) error {
	if p.ID != "" && (p.ID == e.Patient || slices.Contains(e.Custodians, p.Org) && p.HasAnyRole(ReleaseRoles...)) {
		return nil
	}
	return fmt.Errorf("%w: enrolment %s is unknown or seen only by its patient and the custodians it names", ledger.ErrNotEntitled, e.ID)
}

// SeesPatient allows p a patient's enrolments, uses and balance: the
// patient alone.
func (k *Keeper) SeesPatient(p ledger.Principal, patient string) error {
	if p.ID != "" && p.ID == patient {
		return nil
	}
	return fmt.Errorf("%w: a patient's enrolments and the uses of their data are seen by that patient only", ledger.ErrNotEntitled)
}

// SeesCustodian allows p the enrolments that let custodian release: its
// members holding one of ReleaseRoles.
func (k *Keeper) SeesCustodian(p ledger.Principal, custodian string) error {
	if p.ID != "" && p.Org == custodian && p.HasAnyRole(ReleaseRoles...) {
		return nil
	}
	return fmt.Errorf("%w: the enrolments %s may release are seen by its members holding one of %v", ledger.ErrNotEntitled, custodian, ReleaseRoles)
}

// SeesAccount allows p an account's balance: the patient, or the
// organisation's members.
func (k *Keeper) SeesAccount(p ledger.Principal, acct string) error {
	if p.ID != "" && (p.ID == acct || !strings.HasPrefix(acct, "pt-") && p.Org == acct) {
		return nil
	}
	return fmt.Errorf("%w: a balance is seen by its owner only", ledger.ErrNotEntitled)
}

// MayProve implements ledger.KeyReader: a patient may have their own
// enrolments, indexes and balance proven, a custodian the enrolments it
// may release, an organisation's member its balance. Which enrolments a
// release or a request included is proven to no one.
func (k *Keeper) MayProve(r state.Reader, p ledger.Principal, key string, _ time.Time) bool {
	if id, ok := enrolments.ID(key); ok {
		e, ok := enrolments.Get(r, id)
		return ok && k.SeesEnrolment(p, e) == nil
	}
	if parts, ok := enrOfPt.Parts(key); ok {
		return k.SeesPatient(p, parts[0]) == nil
	}
	if id, ok := activeEnr.ID(key); ok {
		return k.SeesPatient(p, account(id)) == nil
	}
	if parts, ok := usedIn.Parts(key); ok {
		e, ok := enrolments.Get(r, parts[0])
		return ok && k.SeesPatient(p, e.Patient) == nil
	}
	if id, ok := balances.ID(key); ok {
		return k.SeesAccount(p, account(id)) == nil
	}
	return false
}

// MayRead decides whether p may read a release's data set at now: p holds
// an access receipt of its own for the release (research/access), and the
// term it was accessed under has not ended (accessTerm). The refusal reads
// the same whether or not the release exists.
func (k *Keeper) MayRead(r state.Reader, p ledger.Principal, release string, now time.Time) (Release, error) {
	refused := fmt.Errorf("%w: release %s's data set is served to whoever holds an access receipt of their own for it (research/access), within its term", ledger.ErrNotEntitled, release)
	rl, ok := releases.Get(r, release)
	if !ok || p.ID == "" {
		return Release{}, refused
	}
	receipted := false
	accOfRel.Walk(r, func(id string) bool {
		a, ok := accesses.Get(r, id)
		receipted = ok && a.By == p.ID
		return !receipted
	}, rl.ID)
	if !receipted {
		return Release{}, refused
	}
	if err := k.accessTerm(r, rl, now); err != nil {
		return Release{}, err
	}
	return rl, nil
}
