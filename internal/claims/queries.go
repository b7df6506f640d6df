package claims

import (
	"github.com/medchain/medchain/internal/state"
)

// Plan reads a plan.
func (k *Keeper) Plan(r state.Reader, id string) (Plan, bool) { return plans.Get(r, id) }

// Plans lists plans in ID order, after an ID, paged.
func (k *Keeper) Plans(r state.Reader, after string, limit int) ([]Plan, string) {
	return plans.Page(r, "", after, limit)
}

// Versions lists a plan's versions, oldest first.
func (k *Keeper) Versions(r state.Reader, plan string) []PlanVersion {
	out := []PlanVersion{}
	versions.Walk(r, plan+"/", func(_ string, v PlanVersion) bool {
		out = append(out, v)
		return true
	})
	return out
}

// Version reads version n of a plan.
func (k *Keeper) Version(r state.Reader, plan string, n int) (PlanVersion, bool) {
	return versions.Get(r, versionKey(plan, n))
}

// InForce returns the version of a plan in force on day (YYYY-MM-DD): the
// latest whose effective date is on or before it.
func (k *Keeper) InForce(r state.Reader, plan, day string) (PlanVersion, bool) {
	return inForce(r, plan, day)
}

// PlanKey and VersionKey are the state keys of a plan and of one of its
// versions, for proofs (both public).
func PlanKey(plan string) string           { return string(plans.Key(plan)) }
func VersionKey(plan string, n int) string { return string(versions.Key(versionKey(plan, n))) }

// Coverage reads a coverage: callers check SeesCoverage before they show
// it.
func (k *Keeper) Coverage(r state.Reader, id string) (Coverage, bool) { return coverages.Get(r, id) }

// PatientCoverage lists a patient's coverage, in ID order.
func (k *Keeper) PatientCoverage(r state.Reader, patient string) []Coverage {
	return listed(r, covByPt, patient, MaxExport, func(id string) (Coverage, bool) { return coverages.Get(r, id) })
}

// Eligibility is the answer to "is this coverage good on this day, and for
// what": the coverage, whether it takes in the day, and the plan version in
// force that day with what it covers.
type Eligibility struct {
	Coverage Coverage `json:"coverage"`
	Day      string   `json:"day"`
	// Eligible is true when the coverage is active, takes in the day and
	// a version of its plan is in force on it.
	Eligible bool `json:"eligible"`
	// Reason says why not: coverage_inactive, outside_coverage or
	// not_plan_version.
	Reason  string       `json:"reason,omitempty"`
	Version *PlanVersion `json:"version,omitempty"`
}

// Eligibility answers whether coverage c is good on day.
func (k *Keeper) Eligibility(r state.Reader, c Coverage, day string) Eligibility {
	e := Eligibility{Coverage: c, Day: day}
	if v, ok := inForce(r, c.Plan, day); ok {
		e.Version = &v
	}
	switch {
	case c.Status != CoverageActive:
		e.Reason = ReasonCoverageInactive
	case !c.Covers(day):
		e.Reason = ReasonOutsideCoverage
	case e.Version == nil:
		e.Reason = ReasonNotPlanVersion
	default:
		e.Eligible = true
	}
	return e
}

// Claim reads a claim: callers check SeesClaim before they show it.
func (k *Keeper) Claim(r state.Reader, id string) (Claim, bool) { return claimsMap.Get(r, id) }

// ClaimByHash returns the ID of the claim anchoring a document hash.
func (k *Keeper) ClaimByHash(r state.Reader, hash string) (string, bool) { return byHash.Get(r, hash) }

// ClaimKey is the state key of a claim, for proofs.
func ClaimKey(id string) string { return string(claimsMap.Key(id)) }

// Party says whose claims a list is of.
type Party int

// Parties.
const (
	ByProvider Party = iota
	ByPatient
	ByPayer
)

// Claims lists the claims of a provider, patient or payer, in ID order
// after an ID, up to limit; next is the last ID when more may follow.
func (k *Keeper) Claims(r state.Reader, by Party, who, after string, limit int) (out []Claim, next string) {
	x := [...]state.Index{byProvider, byPatient, byPayer}[by]
	x.WalkFrom(r, after, func(id string) bool {
		if id == after {
			return true
		}
		if len(out) == limit {
			next = out[len(out)-1].ID
			return false
		}
		if c, ok := claimsMap.Get(r, id); ok {
			out = append(out, c)
		}
		return true
	}, who)
	return out, next
}

// Reconciliation is what was claimed, decided, paid and is owed for a
// provider's or a patient's claims, per currency.
type Reconciliation struct {
	Of     string   `json:"of"`
	Totals []Totals `json:"totals"`
}

// Reconcile totals the claims of a provider or patient.
func (k *Keeper) Reconcile(r state.Reader, who string) Reconciliation {
	rc := Reconciliation{Of: who, Totals: []Totals{}}
	totals.Walk(r, who+"/", func(_ string, t Totals) bool {
		rc.Totals = append(rc.Totals, t)
		return true
	})
	return rc
}

// MaxExport bounds the lists a query returns whole.
const MaxExport = 1000

// listed reads what index x lists under parent, through get, up to limit.
func listed[V any](r state.Reader, x state.Index, parent string, limit int, get func(id string) (V, bool)) []V {
	out := []V{}
	x.Walk(r, func(id string) bool {
		if v, ok := get(id); ok {
			out = append(out, v)
		}
		return len(out) < limit
	}, parent)
	return out
}
