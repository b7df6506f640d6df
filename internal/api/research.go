package api

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/medchain/medchain/internal/fhirdoc"
	"github.com/medchain/medchain/internal/research"
)

// Research: studies, release manifests, access receipts and data requests
// are open (they name organisations, codes, counts and hashes); a
// patient's enrolments, the uses of their data and their balance are
// keyed (the patient), as are the enrolments a custodian may release (its
// custodian and privacy officers) and a release's data set (a holder of an
// access receipt). Building a release is keyed too: the custodian's node
// does it for one of the custodian's release roles. The research module
// decides each (readers.go); writes go through POST /v1/txs.

// researchID checks a path ID of the research module by its prefix.
func researchID(r *http.Request, prefix, what string) (string, error) {
	id := r.PathValue("id")
	if research.ValidID(prefix, id) != nil {
		return "", badParam("id", "a %s ID is %s and 24 lower-case hex digits, got %q", what, prefix, id)
	}
	return id, nil
}

// fhirParam reads ?format=json|fhir.
func fhirParam(r *http.Request) (bool, error) {
	switch f := r.URL.Query().Get("format"); f {
	case "", "json":
		return false, nil
	case "fhir":
		return true, nil
	default:
		return false, badParam("format", "must be json or fhir, got %q", f)
	}
}

// listStudies handles GET /v1/research/studies?after=&limit=.
func (s *Server) listStudies(w http.ResponseWriter, r *http.Request) error {
	after, limit, err := pageParams(r)
	if err != nil {
		return err
	}
	sts, next := s.app.Research().Studies(s.app.State().Committed(), after, limit)
	return writeJSON(w, http.StatusOK, pageView[research.Study]{Items: nonNil(sts), Next: next})
}

// getStudy handles GET /v1/research/studies/{id}?format=json|fhir: the
// study, or a FHIR R4 ResearchStudy.
func (s *Server) getStudy(w http.ResponseWriter, r *http.Request) error {
	id, err := researchID(r, "st-", "study")
	if err != nil {
		return err
	}
	asFHIR, err := fhirParam(r)
	if err != nil {
		return err
	}
	st, ok := s.app.Research().Study(s.app.State().Committed(), id)
	if !ok {
		return fmt.Errorf("%w: study %s", research.ErrNotFound, id)
	}
	if asFHIR {
		writeJSONType(w, "application/fhir+json", http.StatusOK, researchStudyFHIR(st, s.now()))
		return nil
	}
	return writeJSON(w, http.StatusOK, st)
}

// studyReleases handles GET /v1/research/studies/{id}/releases.
func (s *Server) studyReleases(w http.ResponseWriter, r *http.Request) error {
	id, err := researchID(r, "st-", "study")
	if err != nil {
		return err
	}
	rls := s.app.Research().StudyReleases(s.app.State().Committed(), id)
	return writeJSON(w, http.StatusOK, pageView[research.Release]{Items: nonNil(rls)})
}

// studyRequests handles GET /v1/research/studies/{id}/requests.
func (s *Server) studyRequests(w http.ResponseWriter, r *http.Request) error {
	id, err := researchID(r, "st-", "study")
	if err != nil {
		return err
	}
	rqs := s.app.Research().StudyRequests(s.app.State().Committed(), id)
	return writeJSON(w, http.StatusOK, pageView[research.Request]{Items: nonNil(rqs)})
}

// releaseView is a release manifest and its access receipts.
type releaseView struct {
	research.Release
	AccessLog []research.Access `json:"access_log"`
}

// getRelease handles GET /v1/research/releases/{id}.
func (s *Server) getRelease(w http.ResponseWriter, r *http.Request) error {
	id, err := researchID(r, "rl-", "release")
	if err != nil {
		return err
	}
	view, k := s.app.State().Committed(), s.app.Research()
	rl, ok := k.Release(view, id)
	if !ok {
		return fmt.Errorf("%w: release %s", research.ErrNotFound, id)
	}
	return writeJSON(w, http.StatusOK, releaseView{Release: rl, AccessLog: nonNil(k.Accesses(view, id))})
}

// releaseData handles GET /v1/research/releases/{id}/data: the
// de-identified data set, to a holder of an access receipt of their own.
func (s *Server) releaseData(w http.ResponseWriter, r *http.Request) error {
	id, err := researchID(r, "rl-", "release")
	if err != nil {
		return err
	}
	if err := s.requireVault(); err != nil {
		return err
	}
	data, err := s.vault.DataSet(caller(r), id)
	if err != nil {
		return err
	}
	return writeRaw(w, "application/fhir+json", data)
}

// buildRelease handles POST /v1/research/releases?study=&request=: the
// node builds the data set of the caller's organisation's records of the
// enrolled patients and records the manifest. The parameters are in the
// query, which the request's signature covers.
func (s *Server) buildRelease(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	study, request := q.Get("study"), q.Get("request")
	if research.ValidID("st-", study) != nil {
		return badParam("study", "a study ID is st- and 24 lower-case hex digits, got %q", study)
	}
	if request != "" && research.ValidID("rq-", request) != nil {
		return badParam("request", "a request ID is rq- and 24 lower-case hex digits, got %q", request)
	}
	if err := s.requireVault(); err != nil {
		return err
	}
	built, err := s.vault.BuildRelease(r.Context(), caller(r), study, request)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, built.Release)
}

// getRequest handles GET /v1/research/requests/{id}.
func (s *Server) getRequest(w http.ResponseWriter, r *http.Request) error {
	id, err := researchID(r, "rq-", "request")
	if err != nil {
		return err
	}
	rq, ok := s.app.Research().Request(s.app.State().Committed(), id)
	if !ok {
		return fmt.Errorf("%w: request %s", research.ErrNotFound, id)
	}
	return writeJSON(w, http.StatusOK, rq)
}

// getEnrolment handles GET /v1/research/enrolments/{id}?format=json|fhir:
// to its patient and the custodians it names; as FHIR, a Bundle of the
// ResearchSubject and its Consent. An unknown ID is refused as someone
// else's would be.
func (s *Server) getEnrolment(w http.ResponseWriter, r *http.Request) error {
	id, err := researchID(r, "en-", "enrolment")
	if err != nil {
		return err
	}
	asFHIR, err := fhirParam(r)
	if err != nil {
		return err
	}
	view, k := s.app.State().Committed(), s.app.Research()
	e, ok := k.Enrolment(view, id)
	if !ok {
		e = research.Enrolment{ID: id}
	}
	if err := k.SeesEnrolment(caller(r), e); err != nil {
		return signIn(r, "a patient's enrolment in a study", err)
	}
	if asFHIR {
		st, _ := k.Study(view, e.Study)
		writeJSONType(w, "application/fhir+json", http.StatusOK, enrolmentFHIR(e, st))
		return nil
	}
	return writeJSON(w, http.StatusOK, e)
}

// patientEnrolments handles GET /v1/patients/{id}/enrolments.
func (s *Server) patientEnrolments(w http.ResponseWriter, r *http.Request) error {
	pt := r.PathValue("id")
	k := s.app.Research()
	if err := k.SeesPatient(caller(r), pt); err != nil {
		return signIn(r, "a patient's enrolments in studies", err)
	}
	es := k.PatientEnrolments(s.app.State().Committed(), pt)
	return writeJSON(w, http.StatusOK, pageView[research.Enrolment]{Items: nonNil(es)})
}

// patientResearchUses handles GET /v1/patients/{id}/research-uses: every
// release that included the patient, what for, and who accessed it.
func (s *Server) patientResearchUses(w http.ResponseWriter, r *http.Request) error {
	pt := r.PathValue("id")
	k := s.app.Research()
	if err := k.SeesPatient(caller(r), pt); err != nil {
		return signIn(r, "the research uses of a patient's data", err)
	}
	return writeJSON(w, http.StatusOK, pageView[research.Use]{Items: nonNil(k.Uses(s.app.State().Committed(), pt))})
}

// researchBalances handles GET /v1/research/balances/{account}: what a
// patient or organisation received from released escrows.
func (s *Server) researchBalances(w http.ResponseWriter, r *http.Request) error {
	acct := r.PathValue("account")
	k := s.app.Research()
	if err := k.SeesAccount(caller(r), acct); err != nil {
		return signIn(r, "an account's research payments", err)
	}
	return writeJSON(w, http.StatusOK, pageView[research.Balance]{Items: nonNil(k.Balances(s.app.State().Committed(), acct))})
}

// releasable handles GET /v1/orgs/{id}/releasable?study=&request=: the
// enrolments the organisation may release, to its release roles.
func (s *Server) releasable(w http.ResponseWriter, r *http.Request) error {
	org := r.PathValue("id")
	q := r.URL.Query()
	study, request := q.Get("study"), q.Get("request")
	if research.ValidID("st-", study) != nil {
		return badParam("study", "a study ID is st- and 24 lower-case hex digits, got %q", study)
	}
	k := s.app.Research()
	if err := k.SeesCustodian(caller(r), org); err != nil {
		return signIn(r, "which patients enrolled in a study through this organisation", err)
	}
	es := k.Releasable(s.app.State().Committed(), study, org, request)
	return writeJSON(w, http.StatusOK, pageView[research.Enrolment]{Items: nonNil(es)})
}

// enrolDraft is the research/enrol message a FHIR research consent maps
// to, for its patient to sign.
type enrolDraft struct {
	Type    string         `json:"type"`
	Patient string         `json:"patient"`
	Msg     research.Enrol `json:"msg"`
}

// researchConsentFromFHIR handles POST /v1/research/consents/fhir: a FHIR
// Bundle of a ResearchSubject and its Consent, mapped to the research/enrol
// message the patient signs. It writes nothing.
func (s *Server) researchConsentFromFHIR(w http.ResponseWriter, r *http.Request) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		return unreadable(err)
	}
	t, err := fhirdoc.ParseResearchConsent(body)
	if err != nil {
		return fmt.Errorf("%w: %w", research.ErrInvalidDocument, err)
	}
	return writeJSON(w, http.StatusOK, enrolDraft{Type: research.TypeEnrol, Patient: t.Patient,
		Msg: research.Enrol{Study: t.Study, Custodians: t.Custodians, Terms: t.Terms, Refuses: t.Refuses}})
}

// FHIR views. Codes: DUO terms in the DUO ontology's system; medchain IDs
// as identifiers in urn:medchain: systems, as fhirdoc does for records.
const (
	systemDUO      = fhirdoc.SystemDUO
	systemStudy    = "urn:medchain:study"
	systemSHA256   = "urn:medchain:sha256"
	systemEnrolled = "urn:medchain:enrolment"
)

func duoConcepts(terms []string) []any {
	var out []any
	for _, t := range terms {
		out = append(out, map[string]any{"coding": []any{map[string]any{"system": systemDUO, "code": t, "display": research.DUOAbbreviations[t]}}})
	}
	return out
}

// researchStudyFHIR maps a study to a FHIR R4 ResearchStudy: status
// in-review until approved, active until its last day, completed after.
func researchStudyFHIR(st research.Study, now time.Time) map[string]any {
	status := "in-review"
	if st.Status == research.StudyApproved {
		status = "active"
		if st.Ends < now.UTC().Format(time.DateOnly) {
			status = "completed"
		}
	}
	out := map[string]any{
		"resourceType":          "ResearchStudy",
		"id":                    st.ID,
		"identifier":            []any{map[string]any{"system": systemStudy, "value": st.ID}},
		"status":                status,
		"protocol":              []any{map[string]any{"identifier": map[string]any{"system": systemSHA256, "value": st.Protocol}}},
		"category":              duoConcepts([]string{st.Purpose}),
		"keyword":               duoConcepts(st.Terms),
		"period":                map[string]any{"start": time.Unix(st.Time, 0).UTC().Format(time.DateOnly), "end": st.Ends},
		"sponsor":               map[string]any{"reference": "Organization/" + st.Org},
		"principalInvestigator": map[string]any{"reference": "Practitioner/" + practitionerID(st.By)},
	}
	var focus []any
	for _, t := range st.Types {
		focus = append(focus, map[string]any{"coding": []any{map[string]any{"system": "http://hl7.org/fhir/resource-types", "code": t}}})
	}
	out["focus"] = focus
	return out
}

// practitionerID is a member's FHIR id, as fhirdoc maps grantees: "org.handle".
func practitionerID(member string) string {
	b := []byte(member)
	if i := slices.Index(b, '/'); i >= 0 {
		b[i] = '.'
	}
	return string(b)
}

// enrolmentFHIR maps an enrolment to a FHIR R4 collection Bundle of its
// ResearchSubject and the research Consent it stands on.
func enrolmentFHIR(e research.Enrolment, st research.Study) map[string]any {
	start := time.Unix(e.Time, 0).UTC().Format(time.RFC3339)
	period := map[string]any{"start": start}
	subjectStatus, consentStatus := "on-study", "active"
	if !e.Active() {
		period["end"] = time.Unix(e.WithdrawnTime, 0).UTC().Format(time.RFC3339)
		subjectStatus, consentStatus = "withdrawn", "inactive"
	}
	var actors []any
	for _, c := range e.Custodians {
		actors = append(actors, map[string]any{
			"role":      map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "CST", "display": "custodian"}}},
			"reference": map[string]any{"reference": "Organization/" + c},
		})
	}
	provision := map[string]any{
		"type":    "permit",
		"period":  map[string]any{"start": start, "end": st.Ends},
		"actor":   actors,
		"purpose": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "HRESCH", "display": "healthcare research"}},
	}
	var denied []any
	for _, c := range e.Refuses {
		denied = append(denied, map[string]any{"type": "deny", "code": []any{map[string]any{"coding": []any{map[string]any{"system": fhirdoc.SystemBuyerClass, "code": c}}}}})
	}
	if denied != nil {
		provision["provision"] = denied
	}
	consent := map[string]any{
		"resourceType": "Consent",
		"id":           e.ID,
		"status":       consentStatus,
		"scope":        map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "research"}}},
		"category":     []any{map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": "57016-8", "display": "Privacy policy acknowledgement Document"}}}},
		"patient":      map[string]any{"reference": "Patient/" + e.Patient},
		"dateTime":     start,
		"policy":       []any{map[string]any{"uri": systemDUO}},
		"provision":    provision,
	}
	if len(e.Terms) > 0 {
		var codings []any
		for _, t := range e.Terms {
			codings = append(codings, map[string]any{"system": systemDUO, "code": t, "display": research.DUOAbbreviations[t]})
		}
		consent["policyRule"] = map[string]any{"coding": codings}
	}
	subject := map[string]any{
		"resourceType": "ResearchSubject",
		"id":           e.ID,
		"identifier":   []any{map[string]any{"system": systemEnrolled, "value": e.ID}},
		"status":       subjectStatus,
		"period":       period,
		"study":        map[string]any{"reference": "ResearchStudy/" + e.Study},
		"individual":   map[string]any{"reference": "Patient/" + e.Patient},
		"consent":      map[string]any{"reference": "Consent/" + e.ID},
	}
	return map[string]any{
		"resourceType": "Bundle",
		"type":         "collection",
		"entry":        []any{map[string]any{"resource": subject}, map[string]any{"resource": consent}},
	}
}
