package records

import (
	"slices"

	"github.com/medchain/medchain/internal/state"
)

// Consented reports whether patient has, at now (unix seconds), an active
// grant to org (the organisation, or a role within it) that allows purpose
// without a condition: the standing consent other modules ask about when
// no single record is read (telemetry's billing evidence for a payer). A
// grant with a condition does not count: its condition speaks of a read.
func (k *Keeper) Consented(r state.Reader, patient, org, purpose string, now int64) bool {
	found := false
	grantsByPt.Walk(r, patient+"/", func(_ string, g Grant) bool {
		found = g.Grantee.Org == org && g.Grantee.Member == "" && g.Status == StatusActive &&
			now >= g.Start && now < g.Expires && g.Condition == "" && slices.Contains(g.Purposes, purpose)
		return !found
	})
	return found
}
