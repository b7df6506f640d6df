package records

import (
	"fmt"
	"slices"
	"time"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/rules"
	"github.com/medchain/medchain/internal/state"
)

// ConsentProfile is what a grant's condition may read: the reader, the
// purpose, the record and the block time as unix seconds. A condition is a
// CEL expression giving a bool, e.g. `reader_roles.exists(r, r == "physician")
// && now < 1893456000`.
var ConsentProfile = rules.MustProfile([]rules.Var{
	{Name: "reader_id", Type: rules.String},
	{Name: "reader_org", Type: rules.String},
	{Name: "reader_roles", Type: rules.StringList},
	{Name: "purpose", Type: rules.String},
	{Name: "record_id", Type: rules.String},
	{Name: "record_types", Type: rules.StringList},
	{Name: "record_version", Type: rules.Int},
	{Name: "now", Type: rules.Int},
}, rules.Bool, 10_000)

// Access is a read to decide.
type Access struct {
	Reader  ledger.Principal
	Record  string
	Version int // 0: latest
	Purpose string
	// BreakGlass names a break-glass window the reader opened.
	BreakGlass string
	// Now is the time of the last committed block.
	Now time.Time
}

// Decision is the answer to an Access. Err is nil when the read is allowed;
// otherwise it wraps one of the denial errors and says why.
type Decision struct {
	Record     Record
	Version    Version
	Basis      string
	Grant      string
	BreakGlass string
	Err        error
}

// Authorize decides a read against r (committed state): is the reader the
// patient, a delegate, covered by an active grant for this purpose and
// record, or inside a break-glass window they opened? A patient's grants are
// stored together, so the check reads the record, its version, the
// delegation and one short range of state: its cost follows the patient's
// own grants, not the number of grants on the ledger.
func (k *Keeper) Authorize(r state.Reader, a Access) Decision {
	var d Decision
	rec, ok := records.Get(r, a.Record)
	if !ok {
		d.Err = fmt.Errorf("%w: %s", ErrUnknownRecord, a.Record)
		return d
	}
	d.Record = rec
	if rec.Status == StatusErased {
		e := rec.Erasure
		d.Err = fmt.Errorf("%w: record %s was erased at %s (height %d), reason %s", ErrErased, rec.ID,
			time.Unix(e.Time, 0).UTC().Format(time.RFC3339), e.Height, e.Reason)
		return d
	}
	v := a.Version
	if v == 0 {
		v = rec.Latest
	}
	ver, ok := versions.Get(r, versionKey(rec.ID, v))
	if !ok {
		d.Err = fmt.Errorf("%w: record %s has no version %d (latest is %d)", ErrUnknownRecord, rec.ID, v, rec.Latest)
		return d
	}
	d.Version = ver
	now := a.Now.Unix()
	reader := a.Reader

	switch {
	case reader.ID == rec.Patient:
		d.Basis = BasisOwner
		return d
	case delegateActive(r, rec.Patient, reader.ID, now):
		d.Basis = BasisDelegate
		return d
	}
	if a.BreakGlass != "" {
		d.BreakGlass = a.BreakGlass
		w, ok := glass.Get(r, a.BreakGlass)
		switch {
		case !ok:
			d.Err = fmt.Errorf("%w: no break-glass window %q", ErrBreakGlass, a.BreakGlass)
		case w.Reader != reader.ID:
			d.Err = fmt.Errorf("%w: window %s was opened by %s, not %s", ErrBreakGlass, w.ID, w.Reader, reader.ID)
		case w.Patient != rec.Patient:
			d.Err = fmt.Errorf("%w: window %s covers another patient", ErrBreakGlass, w.ID)
		case now >= w.Expires:
			d.Err = fmt.Errorf("%w: window %s closed at %s", ErrBreakGlass, w.ID, time.Unix(w.Expires, 0).UTC().Format(time.RFC3339))
		case !reader.HasAnyRole(ClinicalRoles...):
			d.Err = fmt.Errorf("%w: %s no longer holds a clinical role", ErrBreakGlass, reader.ID)
		case a.Purpose != PurposeEmergency:
			d.Err = fmt.Errorf("%w: a break-glass read states purpose %q, not %q", ErrBreakGlass, PurposeEmergency, a.Purpose)
		default:
			d.Basis = BasisBreakGlass
		}
		return d
	}
	if reader.Kind != ledger.Member {
		d.Err = fmt.Errorf("%w: %s holds no grant that covers record %s", ErrNoGrant, reader.ID, rec.ID)
		return d
	}

	// One pass over the patient's grants (they sit together in state): the
	// first that covers the read allows it; otherwise the refusal closest
	// to success among the reader's grants is the one the reader is told,
	// and without any, whether the patient granted other organisations.
	var (
		best   error
		rank   int
		others bool
	)
	grantsByPt.Walk(r, rec.Patient+"/", func(_ string, g Grant) bool {
		if !names(g.Grantee, reader) {
			if g.Status == StatusActive && now < g.Expires {
				others = true
			}
			return true
		}
		if n, err := k.covers(g, a, rec, ver, now); err != nil {
			if n > rank {
				rank, best = n, err
			}
			return true
		}
		d.Basis, d.Grant = BasisGrant, g.ID
		return false
	})
	switch {
	case d.Basis != "":
	case best != nil:
		d.Err = best
	case others:
		// The reader is told what it lacks, never who else the patient
		// trusts: the grants of other organisations are theirs to know.
		d.Err = fmt.Errorf("%w: no active grant on record %s names %s, its organisation %s or a role it holds", ErrWrongOrg, rec.ID, reader.ID, reader.Org)
	default:
		d.Err = fmt.Errorf("%w: %s holds no grant that covers record %s", ErrNoGrant, reader.ID, rec.ID)
	}
	return d
}

// names reports whether a grantee covers the reader: the member itself,
// its organisation, or a role it holds in its organisation.
func names(g Grantee, reader ledger.Principal) bool {
	switch {
	case g.Member != "":
		return g.Member == reader.ID
	case g.Org != reader.Org:
		return false
	case g.Role != "":
		return slices.Contains(reader.Roles, g.Role)
	}
	return true
}

func delegateActive(r state.Reader, patient, id string, now int64) bool {
	d, ok := delegations.Get(r, patient+"/"+id)
	return ok && now < d.Expires
}

// covers checks one grant naming the reader. A refusal comes with a rank:
// the refusal closest to success is the one the reader is told.
func (k *Keeper) covers(g Grant, a Access, rec Record, v Version, now int64) (int, error) {
	switch {
	case g.Status == StatusRevoked:
		return 1, fmt.Errorf("%w: grant %s was revoked at height %d", ErrGrantRevoked, g.ID, g.RevokedAt)
	case now >= g.Expires:
		return 2, fmt.Errorf("%w: grant %s expired at %s", ErrGrantExpired, g.ID, time.Unix(g.Expires, 0).UTC().Format(time.RFC3339))
	case now < g.Start:
		return 2, fmt.Errorf("%w: grant %s starts at %s", ErrGrantExpired, g.ID, time.Unix(g.Start, 0).UTC().Format(time.RFC3339))
	case !slices.Contains(g.Purposes, a.Purpose):
		return 3, fmt.Errorf("%w: grant %s allows %v, not %s", ErrPurpose, g.ID, g.Purposes, a.Purpose)
	case len(g.Records) > 0 && !slices.Contains(g.Records, rec.ID):
		return 4, fmt.Errorf("%w: grant %s covers records %v, not %s", ErrOutOfScope, g.ID, g.Records, rec.ID)
	}
	if len(g.Types) > 0 {
		for _, t := range v.Types {
			if !slices.Contains(g.Types, t) {
				return 4, fmt.Errorf("%w: grant %s covers types %v; record %s version %d also holds %s", ErrOutOfScope, g.ID, g.Types, rec.ID, v.Version, t)
			}
		}
	}
	if g.Condition != "" {
		rule, err := k.rules.Compile(g.Condition)
		if err != nil {
			return 5, fmt.Errorf("%w: grant %s: condition no longer compiles: %v", ErrCondition, g.ID, err)
		}
		ok, err := rule.EvalBool(map[string]any{
			"reader_id": a.Reader.ID, "reader_org": a.Reader.Org, "reader_roles": ledger.Names(a.Reader.Roles),
			"purpose": a.Purpose, "record_id": rec.ID, "record_types": v.Types,
			"record_version": int64(v.Version), "now": now,
		})
		if err != nil {
			return 5, fmt.Errorf("%w: grant %s: %v", ErrCondition, g.ID, err)
		}
		if !ok {
			return 5, fmt.Errorf("%w: grant %s: condition %q is false for this read", ErrCondition, g.ID, g.Condition)
		}
	}
	return 0, nil
}

// Accountable reports whether a custodian writes the receipt of a read of
// a record of patient ("" for an unknown record) that it refused to reader:
// a member (Authenticate admits only active members of active
// organisations), the patient, or an active delegate of the patient. Any
// other signer, such as a patient asking about someone else's record, gets
// the refusal and nothing on the ledger: a key anyone can register must not
// be able to make a custodian write. Served reads are always receipted.
func (k *Keeper) Accountable(r state.Reader, reader ledger.Principal, patient string, now time.Time) bool {
	switch {
	case reader.Kind == ledger.Member:
		return true
	case patient == "":
		return false
	case reader.ID == patient:
		return true
	}
	return delegateActive(r, patient, reader.ID, now.Unix())
}
