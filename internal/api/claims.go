package api

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/medchain/medchain/internal/claimcheck"
	"github.com/medchain/medchain/internal/claims"
	"github.com/medchain/medchain/internal/ledger"
)

// Claims: plans and their versions are open (a payer's rules are public);
// the pre-check is open and judges coverage only for a caller entitled to
// it; coverage, claims, their FHIR renderings and reconciliations are
// keyed (the claims module's SeesCoverage, SeesClaim and SeesParty
// decide).

// listPlans handles GET /v1/plans?after=&limit=.
func (s *Server) listPlans(w http.ResponseWriter, r *http.Request) error {
	after, limit, err := pageParams(r)
	if err != nil {
		return err
	}
	ps, next := s.app.Claims().Plans(s.app.State().Committed(), after, limit)
	return writeJSON(w, http.StatusOK, pageView[claims.Plan]{Items: nonNil(ps), Next: next})
}

// planView is a plan with every version, oldest first, and with
// ?prove=true the proofs of the plan and of each version.
type planView struct {
	claims.Plan
	Versions []claims.PlanVersion `json:"versions"`
	Proofs   []*proofView         `json:"proofs,omitempty"`
}

// getPlan handles GET /v1/plans/{id}?prove=.
func (s *Server) getPlan(w http.ResponseWriter, r *http.Request) error {
	withProof, err := proveParam(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	view, k := s.app.State().Committed(), s.app.Claims()
	p, ok := k.Plan(view, id)
	if !ok {
		return fmt.Errorf("%w: plan %q", claims.ErrNotFound, id)
	}
	v := planView{Plan: p, Versions: k.Versions(view, id)}
	if withProof {
		keys := []string{claims.PlanKey(id)}
		for _, pv := range v.Versions {
			keys = append(keys, claims.VersionKey(id, pv.Version))
		}
		for _, key := range keys {
			pf, err := prove(view, key)
			if err != nil {
				return err
			}
			v.Proofs = append(v.Proofs, pf)
		}
	}
	return writeJSON(w, http.StatusOK, v)
}

// versionView is one plan version, with ?prove=true its proof.
type versionView struct {
	claims.PlanVersion
	Proof *proofView `json:"proof,omitempty"`
}

// dayParam reads a YYYY-MM-DD query parameter; absent, it is the day of
// the last block.
func (s *Server) dayParam(r *http.Request, name string) (string, error) {
	d := r.URL.Query().Get(name)
	if d == "" {
		return claims.Day(s.now()), nil
	}
	if _, err := time.Parse(time.DateOnly, d); err != nil {
		return "", badParam(name, "a date, YYYY-MM-DD, got %q", d)
	}
	return d, nil
}

// planInForce handles GET /v1/plans/{id}/in-force?date=&prove=: the
// version that judges a claim whose service date is date.
func (s *Server) planInForce(w http.ResponseWriter, r *http.Request) error {
	withProof, err := proveParam(r)
	if err != nil {
		return err
	}
	day, err := s.dayParam(r, "date")
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	view, k := s.app.State().Committed(), s.app.Claims()
	if _, ok := k.Plan(view, id); !ok {
		return fmt.Errorf("%w: plan %q", claims.ErrNotFound, id)
	}
	pv, ok := k.InForce(view, id, day)
	if !ok {
		return fmt.Errorf("%w: no version of plan %s is in force on %s", claims.ErrNotFound, id, day)
	}
	v := versionView{PlanVersion: pv}
	if withProof {
		if v.Proof, err = prove(view, claims.VersionKey(id, pv.Version)); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, v)
}

// precheckView is the pre-check's answer: the judgement, and whether the
// coverage the claim names was checked (only for a caller entitled to
// see it).
type precheckView struct {
	claimcheck.Result
	CoverageChecked bool `json:"coverage_checked"`
}

// precheck handles POST /v1/claims/precheck?plan=&version=: the body is a
// FHIR R4 Claim; the answer names every problem or passes with the
// expected amounts, under the plan version in force on the claim's service
// date (or the version given). Nothing is written.
func (s *Server) precheck(w http.ResponseWriter, r *http.Request) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	plan := r.URL.Query().Get("plan")
	if plan == "" {
		return badParam("plan", "the plan's ID is required")
	}
	version := 0
	if q := r.URL.Query().Get("version"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil || n < 1 {
			return badParam("version", "a plan version, 1 or more, got %q", q)
		}
		version = n
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		return unreadable(err)
	}
	cv, err := claimcheck.Parse(body)
	if err != nil {
		return fmt.Errorf("%w: %w", claims.ErrInvalidDocument, err)
	}
	view, k := s.app.State().Committed(), s.app.Claims()
	if _, ok := k.Plan(view, plan); !ok {
		return fmt.Errorf("%w: plan %q", claims.ErrNotFound, plan)
	}
	var pv claims.PlanVersion
	var ok bool
	if version > 0 {
		pv, ok = k.Version(view, plan, version)
	} else {
		day := cv.ServiceDay()
		if day == "" {
			day = claims.Day(s.now())
		}
		pv, ok = k.InForce(view, plan, day)
		if !ok { // a service before the first version: judge under it, which says so
			pv, ok = k.Version(view, plan, 1)
		}
	}
	if !ok {
		return fmt.Errorf("%w: plan %s has no version %d", claims.ErrNotFound, plan, version)
	}
	out := precheckView{}
	var cov *claims.Coverage
	if c, ok := k.Coverage(view, cv.Coverage); ok && k.SeesCoverage(view, caller(r), c, s.now()) == nil {
		cov, out.CoverageChecked = &c, true
	}
	out.Result = claimcheck.Judge(cv, pv, cov)
	return writeJSON(w, http.StatusOK, out)
}

// coverageMsgView is a claims/record-coverage message mapped from FHIR.
type coverageMsgView struct {
	Type string                `json:"type"`
	Msg  claims.RecordCoverage `json:"msg"`
}

// coverageFromFHIR handles POST /v1/coverage/fhir: it maps a FHIR R4
// Coverage to the claims/record-coverage message the payer then signs.
// Nothing is written.
func (s *Server) coverageFromFHIR(w http.ResponseWriter, r *http.Request) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		return unreadable(err)
	}
	m, err := claimcheck.ParseCoverage(body)
	if err != nil {
		return fmt.Errorf("%w: %w", claims.ErrInvalidDocument, err)
	}
	return writeJSON(w, http.StatusOK, coverageMsgView{Type: claims.TypeRecordCoverage, Msg: m})
}

// coverageOf reads a coverage the caller may see; an unknown ID is
// refused as another's would be, so a refusal is no oracle.
func (s *Server) coverageOf(r *http.Request) (claims.Coverage, error) {
	id := r.PathValue("id")
	if !claims.ValidID("cv-", id) {
		return claims.Coverage{}, badParam("id", "a coverage ID is cv- and 24 lower-case hex digits, got %q", id)
	}
	view, k := s.app.State().Committed(), s.app.Claims()
	c, ok := k.Coverage(view, id)
	if !ok {
		c = claims.Coverage{ID: id}
	}
	if err := k.SeesCoverage(view, caller(r), c, s.now()); err != nil {
		return c, signIn(r, "a patient's coverage", err)
	}
	return c, nil
}

// getCoverage handles GET /v1/coverage/{id}.
func (s *Server) getCoverage(w http.ResponseWriter, r *http.Request) error {
	c, err := s.coverageOf(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

// eligibility handles GET /v1/coverage/{id}/eligibility?date=&format=:
// whether the coverage is good on the day and under which plan version;
// format=fhir answers a FHIR CoverageEligibilityResponse.
func (s *Server) eligibility(w http.ResponseWriter, r *http.Request) error {
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "fhir" {
		return badParam("format", "must be json or fhir, got %q", format)
	}
	day, err := s.dayParam(r, "date")
	if err != nil {
		return err
	}
	c, err := s.coverageOf(r)
	if err != nil {
		return err
	}
	e := s.app.Claims().Eligibility(s.app.State().Committed(), c, day)
	if format == "fhir" {
		return writeRaw(w, "application/fhir+json", claimcheck.EligibilityResponse(e))
	}
	return writeJSON(w, http.StatusOK, e)
}

// patientCoverage handles GET /v1/patients/{id}/coverage: the patient's own.
func (s *Server) patientCoverage(w http.ResponseWriter, r *http.Request) error {
	pt := r.PathValue("id")
	if err := ledger.ValidPatientID(pt); err != nil {
		return badParam("id", "%v", err)
	}
	k := s.app.Claims()
	if err := k.SeesParty(caller(r), pt); err != nil {
		return signIn(r, "a patient's coverage", err)
	}
	return writeJSON(w, http.StatusOK, pageView[claims.Coverage]{Items: k.PatientCoverage(s.app.State().Committed(), pt)})
}

// claimOf reads a claim the caller may see; an unknown ID is refused as
// another's would be.
func (s *Server) claimOf(r *http.Request) (claims.Claim, error) {
	id := r.PathValue("id")
	if !claims.ValidID("cl-", id) {
		return claims.Claim{}, badParam("id", "a claim ID is cl- and 24 lower-case hex digits, got %q", id)
	}
	view, k := s.app.State().Committed(), s.app.Claims()
	c, ok := k.Claim(view, id)
	if !ok {
		c = claims.Claim{ID: id}
	}
	if err := k.SeesClaim(caller(r), c); err != nil {
		return c, signIn(r, "a patient's claim", err)
	}
	return c, nil
}

// claimView is a claim with, with ?prove=true, its proof.
type claimView struct {
	claims.Claim
	Proof *proofView `json:"proof,omitempty"`
}

// getClaim handles GET /v1/claims/{id}?prove=.
func (s *Server) getClaim(w http.ResponseWriter, r *http.Request) error {
	withProof, err := proveParam(r)
	if err != nil {
		return err
	}
	c, err := s.claimOf(r)
	if err != nil {
		return err
	}
	v := claimView{Claim: c}
	if withProof {
		if v.Proof, err = prove(s.app.State().Committed(), claims.ClaimKey(c.ID)); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, v)
}

// claimResponse handles GET /v1/claims/{id}/response: the FHIR
// ClaimResponse of the claim's latest decision, rebuilt from the ledger;
// its SHA-256 is the decision's response hash.
func (s *Server) claimResponse(w http.ResponseWriter, r *http.Request) error {
	c, err := s.claimOf(r)
	if err != nil {
		return err
	}
	d, ok := c.Decision()
	if !ok {
		return fmt.Errorf("%w: claim %s is %s: not decided yet", claims.ErrState, c.ID, c.Status)
	}
	b, _ := claimcheck.ClaimResponse(c, d)
	return writeRaw(w, "application/fhir+json", b)
}

// claimPayment handles GET /v1/claims/{id}/payment: the FHIR
// PaymentReconciliation of the claim's payment.
func (s *Server) claimPayment(w http.ResponseWriter, r *http.Request) error {
	c, err := s.claimOf(r)
	if err != nil {
		return err
	}
	b, ok := claimcheck.PaymentReconciliation(c)
	if !ok {
		return fmt.Errorf("%w: claim %s is %s: not paid", claims.ErrState, c.ID, c.Status)
	}
	return writeRaw(w, "application/fhir+json", b)
}

// partyParam reads which party a list is of: exactly one of provider,
// patient or payer.
func partyParam(r *http.Request) (claims.Party, string, error) {
	q := r.URL.Query()
	var by claims.Party
	who, n := "", 0
	for _, p := range []struct {
		name string
		by   claims.Party
	}{{"provider", claims.ByProvider}, {"patient", claims.ByPatient}, {"payer", claims.ByPayer}} {
		if v := q.Get(p.name); v != "" {
			by, who, n = p.by, v, n+1
		}
	}
	if n != 1 || len(who) > 64 {
		return 0, "", badParam("provider", "give exactly one of provider=ORG, patient=pt-… or payer=ORG")
	}
	return by, who, nil
}

// listClaims handles GET /v1/claims?provider=|patient=|payer=&after=&limit=:
// the claims of an organisation (to its members) or a patient (to them).
func (s *Server) listClaims(w http.ResponseWriter, r *http.Request) error {
	by, who, err := partyParam(r)
	if err != nil {
		return err
	}
	after, limit, err := pageParams(r)
	if err != nil {
		return err
	}
	k := s.app.Claims()
	if err := k.SeesParty(caller(r), who); err != nil {
		return signIn(r, "which patients an organisation serves", err)
	}
	cs, next := k.Claims(s.app.State().Committed(), by, who, after, limit)
	return writeJSON(w, http.StatusOK, pageView[claims.Claim]{Items: nonNil(cs), Next: next})
}

// reconciliation handles GET /v1/claims/reconciliation?of=: a provider's or
// a patient's claimed, allowed, paid and owed totals per currency.
func (s *Server) reconciliation(w http.ResponseWriter, r *http.Request) error {
	who := r.URL.Query().Get("of")
	if who == "" || len(who) > 64 {
		return badParam("of", "an organisation ID or a patient ID (pt-…)")
	}
	k := s.app.Claims()
	if err := k.SeesParty(caller(r), who); err != nil {
		return signIn(r, "what a provider or patient is paid and owed", err)
	}
	return writeJSON(w, http.StatusOK, k.Reconcile(s.app.State().Committed(), who))
}
