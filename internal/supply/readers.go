package supply

import (
	"fmt"
	"slices"

	"github.com/medchain/medchain/internal/ledger"
)

// Who may see blood and plasma data (docs/design.md §3.11). Donations name a
// donor (the centre's pseudonym) and carry the donor's test results;
// transfusions name a patient. The rest of the supply chain is public.
//
//   - a donation, and a lot's trace with its donations' donors and tests:
//     members of the network's organisations (blood centres, labs,
//     hospitals, fractionators and regulators all staff through them);
//     an anonymous caller sees a trace's donations without donor or tests;
//   - a donor's lookback: members of the centre that took the donations,
//     and only those donations;
//   - a recipient's lookback: the patient and their delegates (the API
//     asks records), without the donors' pseudonyms, or members of the organisation that transfused a
//     component or of the centre that took its donation, for those
//     components only.
//
// A refusal wraps ledger.ErrNotEntitled and does not say whether a donor or
// recipient has any record.

// SeesDonations allows p the donations: p is a member.
func (k *Keeper) SeesDonations(p ledger.Principal) error {
	if p.Kind != ledger.Member {
		return fmt.Errorf("%w: donations, their donors and tests are seen by members of the network's organisations", ledger.ErrNotEntitled)
	}
	return nil
}

// Public is the donation as anyone may see it: no donor, no tests, no
// certificate of origin.
func (d Donation) Public() Donation {
	d.Donor, d.Tests, d.Certificate = "", nil, ""
	return d
}

// ForCaller is the trace as p may see it: whole for a member, its
// donations Public otherwise.
func (t LotTrace) ForCaller(k *Keeper, p ledger.Principal) LotTrace {
	if k.SeesDonations(p) == nil {
		return t
	}
	ds := make([]Donation, len(t.Donations))
	for i, d := range t.Donations {
		ds[i] = d.Public()
	}
	t.Donations = ds
	return t
}

// DonorTraces keeps the traces of a donor's lookback that p may see: those
// of donations its organisation took.
func (k *Keeper) DonorTraces(p ledger.Principal, donor string, ts []Trace) ([]Trace, error) {
	out := slices.DeleteFunc(slices.Clone(ts), func(t Trace) bool { return p.Kind != ledger.Member || t.Centre != p.Org })
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: a donor's lookback is seen by the centre that took the donations; %s took none from donor %s", ledger.ErrNotEntitled, orgOf(p), donor)
	}
	return out, nil
}

// RecipientTraces keeps the traces of a recipient's lookback that member p
// may see: components its organisation transfused or whose donation it
// took.
func (k *Keeper) RecipientTraces(p ledger.Principal, recipient string, ts []Trace) ([]Trace, error) {
	out := slices.DeleteFunc(slices.Clone(ts), func(t Trace) bool {
		return p.Kind != ledger.Member || (t.Centre != p.Org && (t.Transfusion == nil || t.Transfusion.Org != p.Org))
	})
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: a recipient's lookback is seen by the patient, their delegates, and the organisations that transfused the components or took their donations; %s is none of these for %s", ledger.ErrNotEntitled, orgOf(p), recipient)
	}
	return out, nil
}

// WithoutDonors is a recipient's lookback as the patient and their
// delegates see it: the components they received, their donations and
// tests, but not the donor's pseudonym, which would let recipients find
// each other's donors.
func WithoutDonors(ts []Trace) []Trace {
	out := slices.Clone(ts)
	for i := range out {
		out[i].Donor = ""
	}
	return out
}

func orgOf(p ledger.Principal) string {
	switch {
	case p.Org != "":
		return "organisation " + p.Org
	case p.ID != "":
		return p.ID
	}
	return "an anonymous caller"
}
