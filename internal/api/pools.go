package api

import (
	"fmt"
	"net/http"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/pools"
)

// Pools: pools, their terms, boards and settled periods are open (anyone
// may see what a pool costs and where its share is going); claims and
// statements are keyed, and the pools module's SeesClaim, ClaimsSeen and
// SeesMember decide who sees them.

// poolParam checks a path ID of the pools module by its prefix.
func poolParam(r *http.Request, name, prefix, what string) (string, error) {
	id := r.PathValue(name)
	if pools.ValidID(prefix, id) != nil {
		return "", badParam(name, "a %s ID is %s and 24 lower-case hex digits, got %q", what, prefix, id)
	}
	return id, nil
}

// listPools handles GET /v1/pools?after=&limit=.
func (s *Server) listPools(w http.ResponseWriter, r *http.Request) error {
	after, limit, err := pageParams(r)
	if err != nil {
		return err
	}
	ps, next := s.app.Pools().Pools(s.app.State().Committed(), after, limit)
	return writeJSON(w, http.StatusOK, pageView[pools.Pool]{Items: nonNil(ps), Next: next})
}

// poolView is a pool with its trend and the share the period in progress
// would charge if settled now.
type poolView struct {
	pools.Pool
	ProjectedShare int64       `json:"projected_share"`
	Trend          pools.Trend `json:"trend"`
}

// getPool handles GET /v1/pools/{id}.
func (s *Server) getPool(w http.ResponseWriter, r *http.Request) error {
	id, err := poolParam(r, "id", "pl-", "pool")
	if err != nil {
		return err
	}
	view, k := s.app.State().Committed(), s.app.Pools()
	p, ok := k.Pool(view, id)
	if !ok {
		return fmt.Errorf("%w: pool %s", pools.ErrNotFound, id)
	}
	return writeJSON(w, http.StatusOK, poolView{Pool: p, ProjectedShare: p.ProjectedShare(),
		Trend: pools.TrendOf(p, k.Periods(view, id, pools.TrendWindow))})
}

// periodsView is a pool's settled periods and their trend.
type periodsView struct {
	Items []pools.Period `json:"items"`
	Trend pools.Trend    `json:"trend"`
}

// poolPeriods handles GET /v1/pools/{id}/periods?limit=: the last settled
// periods, oldest first.
func (s *Server) poolPeriods(w http.ResponseWriter, r *http.Request) error {
	id, err := poolParam(r, "id", "pl-", "pool")
	if err != nil {
		return err
	}
	_, limit, err := pageParams(r)
	if err != nil {
		return err
	}
	view, k := s.app.State().Committed(), s.app.Pools()
	p, ok := k.Pool(view, id)
	if !ok {
		return fmt.Errorf("%w: pool %s", pools.ErrNotFound, id)
	}
	ps := k.Periods(view, id, limit)
	return writeJSON(w, http.StatusOK, periodsView{Items: nonNil(ps), Trend: pools.TrendOf(p, ps)})
}

// poolClaims handles GET /v1/pools/{id}/claims: the claims the caller may
// list (all for the board and the operator, their own for a member).
func (s *Server) poolClaims(w http.ResponseWriter, r *http.Request) error {
	id, err := poolParam(r, "id", "pl-", "pool")
	if err != nil {
		return err
	}
	view, k := s.app.State().Committed(), s.app.Pools()
	p, ok := k.Pool(view, id)
	if !ok {
		p = pools.Pool{ID: id} // no oracle: refused as for a pool one does not review
	}
	keep, err := k.ClaimsSeen(view, caller(r), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pageView[pools.Claim]{Items: nonNil(k.PoolClaims(view, id, keep, maxLimit))})
}

// getPoolClaim handles GET /v1/pools/{id}/claims/{claim}.
func (s *Server) getPoolClaim(w http.ResponseWriter, r *http.Request) error {
	id, err := poolParam(r, "id", "pl-", "pool")
	if err != nil {
		return err
	}
	cid, err := poolParam(r, "claim", "ac-", "claim")
	if err != nil {
		return err
	}
	view, k := s.app.State().Committed(), s.app.Pools()
	c, ok := k.Claim(view, cid)
	if !ok || c.Pool != id {
		c = pools.Claim{ID: cid, Pool: id} // refused as someone else's: no oracle
	}
	if err := k.SeesClaim(view, caller(r), c); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

// memberStatement handles GET /v1/pools/{id}/statements/{patient}: what
// the member paid, period by period, and for which claims.
func (s *Server) memberStatement(w http.ResponseWriter, r *http.Request) error {
	id, err := poolParam(r, "id", "pl-", "pool")
	if err != nil {
		return err
	}
	pt := r.PathValue("patient")
	if err := ledger.ValidPatientID(pt); err != nil {
		return badParam("patient", "%v", err)
	}
	k := s.app.Pools()
	if err := k.SeesMember(caller(r), pt); err != nil {
		return err
	}
	st, ok := k.MemberStatement(s.app.State().Committed(), id, pt)
	if !ok {
		return fmt.Errorf("%w: %s is not and was never a member of pool %s", pools.ErrNotFound, pt, id)
	}
	return writeJSON(w, http.StatusOK, st)
}

// patientPools handles GET /v1/patients/{id}/pools: the pools a patient
// is or was a member of, to that patient.
func (s *Server) patientPools(w http.ResponseWriter, r *http.Request) error {
	pt := r.PathValue("id")
	if err := ledger.ValidPatientID(pt); err != nil {
		return badParam("id", "%v", err)
	}
	k := s.app.Pools()
	if err := k.SeesMember(caller(r), pt); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pageView[pools.MemberPool]{Items: nonNil(k.MemberPools(s.app.State().Committed(), pt, maxLimit))})
}
