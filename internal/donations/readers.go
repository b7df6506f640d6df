package donations

import (
	"fmt"
	"strings"
	"time"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
)

// Who may see what (docs/design.md §3.11). Campaigns, needs, disbursements,
// shipment links and receipts, organisations' donations and every total
// are public: a charity's accounts are open to anyone. A person's
// donations (and the allocation of their cash to purchase orders) are seen
// by that person only; campaigns count them in their totals without
// listing them. A refusal wraps ledger.ErrNotEntitled and reads the same
// whether or not the donation exists.

// SeesDonation allows p a donation: anyone an organisation's, the donor
// alone a person's.
func (k *Keeper) SeesDonation(p ledger.Principal, d Donation) error {
	if !d.Personal() || (p.ID != "" && p.ID == d.Donor) {
		return nil
	}
	return fmt.Errorf("%w: donation %s is unknown or a person's, seen by that donor only", ledger.ErrNotEntitled, d.ID)
}

// SeesDonor allows p the list of donor's donations: anyone an
// organisation's, the person alone their own.
func (k *Keeper) SeesDonor(p ledger.Principal, donor string) error {
	if !strings.HasPrefix(donor, "pt-") || p.ID == donor {
		return nil
	}
	return fmt.Errorf("%w: the donations of a person (%s) are seen by that person only", ledger.ErrNotEntitled, donor)
}

// MayProve implements ledger.KeyReader: a person may have their own
// donations, their index and their cash's allocations proven; anyone the
// allocations of an organisation's cash. The rest of
// the module's private state (the queue of unspent funds) is proven to
// no one.
func (k *Keeper) MayProve(r state.Reader, p ledger.Principal, key string, _ time.Time) bool {
	if id, ok := personDonations.ID(key); ok {
		d, ok := personDonations.Get(r, id)
		return ok && p.ID != "" && d.Donor == p.ID
	}
	if parts, ok := byPersonDonor.Parts(key); ok {
		return p.ID != "" && parts[0] == p.ID
	}
	if id, ok := allocations.ID(key); ok {
		don, _, _ := strings.Cut(id, "/")
		d, ok := k.Donation(r, don)
		return ok && k.SeesDonation(p, d) == nil
	}
	return false
}
