package api

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/medchain/medchain/internal/fhirdoc"
	"github.com/medchain/medchain/internal/jsondec"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/vault"
)

// signedRequest is the body of the records endpoints that act on private
// data: a request signed with the transaction envelope (never submitted as a
// transaction), in standard base64.
type signedRequest struct {
	Request string `json:"request"`
}

// readSigned reads a {"request": "<base64>"} body of at most limit bytes
// (decoded).
func readSigned(w http.ResponseWriter, r *http.Request, limit int) ([]byte, error) {
	if err := requireJSON(r); err != nil {
		return nil, err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(limit)*4/3+1024))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &apiError{code: codeBodyTooLarge, kind: kindTooLarge, msg: fmt.Sprintf("request body exceeds %d bytes", mbe.Limit)}
		}
		return nil, unreadable(err)
	}
	var req signedRequest
	if err := jsondec.Strict(body, &req); err != nil {
		return nil, badJSON(err, `{"request": "<base64>"}`)
	}
	if req.Request == "" {
		return nil, badBody("request", "is required: the signed request in standard base64")
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(req.Request)
	if err != nil {
		return nil, badBody("request", "%v", jsondec.Explain(nil, err))
	}
	return raw, nil
}

func requireJSON(r *http.Request) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !bytes.HasPrefix([]byte(ct), []byte("application/json")) && !bytes.HasPrefix([]byte(ct), []byte("application/fhir+json")) {
		return &apiError{code: codeUnsupportedMedia, kind: kindUnsupportedMedia, field: "Content-Type",
			msg: fmt.Sprintf("Content-Type %q must be application/json", ct)}
	}
	return nil
}

func (s *Server) requireVault() error {
	if s.vault == nil {
		return unavailable(codeNoVault, errors.New("this node keeps no records (it serves no custodian organisation)"))
	}
	return nil
}

// uploadRecords handles POST /v1/records/uploads.
func (s *Server) uploadRecords(w http.ResponseWriter, r *http.Request) error {
	if err := s.requireVault(); err != nil {
		return err
	}
	raw, err := readSigned(w, r, vault.MaxUpload)
	if err != nil {
		return err
	}
	ups, err := s.vault.Upload(r.Context(), raw)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, uploadsView{Uploads: ups})
}

type uploadsView struct {
	Uploads []vault.Uploaded `json:"uploads"`
}

// readRecord handles POST /v1/records/reads.
func (s *Server) readRecord(w http.ResponseWriter, r *http.Request) error {
	if err := s.requireVault(); err != nil {
		return err
	}
	raw, err := readSigned(w, r, 64<<10)
	if err != nil {
		return err
	}
	served, err := s.vault.Read(r.Context(), raw)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, served)
}

type recordView struct {
	records.Record
	CustodianEndpoint string            `json:"custodian_endpoint,omitempty"`
	Versions          []records.Version `json:"versions"`
}

// getRecord handles GET /v1/records/{id}: the anchors, never the data, to
// a caller who may see the record (records.SeesRecord). An unknown record
// is refused like a record the caller may not see: the answer is no oracle
// for which records exist.
func (s *Server) getRecord(w http.ResponseWriter, r *http.Request) error {
	rec, err := s.seenRecord(r)
	if err != nil {
		return err
	}
	view := s.app.State().Committed()
	out := recordView{Record: rec, Versions: s.app.Records().Versions(view, rec.ID)}
	if e, ok := s.app.Records().Endpoint(view, rec.Custodian); ok {
		out.CustodianEndpoint = e.URL
	}
	return writeJSON(w, http.StatusOK, out)
}

// seenRecord is the record the path's {id} names, if the caller may see it
// (records.SeesRecord); an unknown record is refused alike.
func (s *Server) seenRecord(r *http.Request) (records.Record, error) {
	id := r.PathValue("id")
	if err := records.ValidRecordID(id); err != nil {
		return records.Record{}, badParam("id", "%v", err)
	}
	view := s.app.State().Committed()
	rec, ok := s.app.Records().Record(view, id)
	if !ok {
		rec = records.Record{ID: id}
	}
	if err := s.app.Records().SeesRecord(view, caller(r), rec, s.now()); err != nil {
		return records.Record{}, err
	}
	return rec, nil
}

// patientRecords handles GET /v1/patients/{id}/records: the records of the
// patient the caller may see (records.RecordsSeen): all of them for the
// patient and their delegates; for a member, those its organisation keeps,
// those its active grants take in, or all within a break-glass window.
func (s *Server) patientRecords(w http.ResponseWriter, r *http.Request) error {
	after, limit, err := pageParams(r)
	if err != nil {
		return err
	}
	view := s.app.State().Committed()
	pt := r.PathValue("id")
	see, err := s.app.Records().RecordsSeen(view, caller(r), pt, s.now())
	if err != nil {
		return err
	}
	items, next := s.app.Records().PatientRecordsSeen(view, pt, see, after, limit)
	return writeJSON(w, http.StatusOK, pageView[records.Record]{Items: nonNil(items), Next: next})
}

// patientGrants handles GET /v1/patients/{id}/grants, for the patient and
// their delegates.
func (s *Server) patientGrants(w http.ResponseWriter, r *http.Request) error {
	view := s.app.State().Committed()
	pt := r.PathValue("id")
	if err := s.app.Records().SeesPatient(view, caller(r), pt, s.now()); err != nil {
		return err
	}
	gs := s.app.Records().Grants(view, pt, maxLimit)
	return writeJSON(w, http.StatusOK, pageView[records.Grant]{Items: nonNil(gs)})
}

// patientDelegates handles GET /v1/patients/{id}/delegates.
func (s *Server) patientDelegates(w http.ResponseWriter, r *http.Request) error {
	view := s.app.State().Committed()
	if err := s.app.Records().SeesPatient(view, caller(r), r.PathValue("id"), s.now()); err != nil {
		return err
	}
	ds := s.app.Records().Delegations(view, r.PathValue("id"))
	return writeJSON(w, http.StatusOK, pageView[records.Delegation]{Items: nonNil(ds)})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// getGrant handles GET /v1/grants/{id}, for the patient, their delegates
// and the members the grant names; ?format=fhir answers a FHIR R4 Consent.
// An unknown grant is refused like one the caller may not see.
func (s *Server) getGrant(w http.ResponseWriter, r *http.Request) error {
	g, err := s.seenGrant(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	switch f := r.URL.Query().Get("format"); f {
	case "", "json":
		return writeJSON(w, http.StatusOK, g)
	case "fhir":
		b, err := fhirdoc.FormatConsent(termsOf(g))
		if err != nil {
			return err
		}
		return writeRaw(w, "application/fhir+json", append(b, '\n'))
	default:
		return badParam("format", "must be json or fhir, got %q", f)
	}
}

// seenGrant is grant id, if the caller may see it; an unknown grant is
// refused like one the caller may not see.
func (s *Server) seenGrant(r *http.Request, id string) (records.Grant, error) {
	view := s.app.State().Committed()
	g, ok := s.app.Records().Grant(view, id)
	if !ok {
		g = records.Grant{ID: id}
	}
	return g, s.app.Records().SeesGrant(view, caller(r), g, s.now())
}

// consentFromFHIR handles POST /v1/consents/fhir: it maps a FHIR R4
// Consent to the records/grant message that the patient then signs. Nothing
// is written.
func (s *Server) consentFromFHIR(w http.ResponseWriter, r *http.Request) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		return unreadable(err)
	}
	terms, err := fhirdoc.ParseConsent(body)
	if err != nil {
		return fmt.Errorf("%w: %w", records.ErrInvalidDocument, err)
	}
	return writeJSON(w, http.StatusOK, consentView{Type: records.TypeGrant, Msg: grantOf(terms)})
}

type consentView struct {
	Type string           `json:"type"`
	Msg  records.GrantMsg `json:"msg"`
}

// accessLog handles GET /v1/patients/{id}/access-log and
// GET /v1/orgs/{id}/access-log (the receipts of reads the organisation's
// node served or refused).
func (s *Server) accessLog(by records.LogBy) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		after, limit, err := pageParams(r)
		if err != nil {
			return err
		}
		view := s.app.State().Committed()
		if err := s.seesLog(view, r, by == records.ByPatient); err != nil {
			return err
		}
		items, next := s.app.Records().AccessLog(view, by, r.PathValue("id"), after, limit)
		return writeJSON(w, http.StatusOK, pageView[records.Receipt]{Items: nonNil(items), Next: next})
	}
}

// orgPatients handles GET /v1/orgs/{id}/patients: the patients who granted
// the organisation, a role within it or one of its members access, by
// patient ID and paged, each with those of its grants active at the last
// block's time. For the organisation's active members only.
func (s *Server) orgPatients(w http.ResponseWriter, r *http.Request) error {
	after, limit, err := pageParams(r)
	if err != nil {
		return err
	}
	view, org, now := s.app.State().Committed(), r.PathValue("id"), s.now()
	if err := s.app.Records().SeesOrgPatients(view, caller(r), org, now); err != nil {
		return err
	}
	items, next := s.app.Records().OrgPatients(view, caller(r), org, after, limit, now)
	return writeJSON(w, http.StatusOK, pageView[records.GrantingPatient]{Items: nonNil(items), Next: next})
}

// breakGlass handles GET /v1/patients/{id}/break-glass and
// GET /v1/orgs/{id}/break-glass: the emergency windows opened on a
// patient's records, or by an organisation's clinicians; with
// ?unreviewed=true (organisations only), the windows its privacy officers
// have not reviewed yet, oldest first and paged. A patient's windows are
// for the patient and their delegates; an organisation's for its privacy
// officers and auditors.
func (s *Server) breakGlass(by string) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		view := s.app.State().Committed()
		if err := s.seesLog(view, r, by == "patient"); err != nil {
			return err
		}
		var (
			ws   []records.BreakGlass
			next string
		)
		switch u := r.URL.Query().Get("unreviewed"); {
		case u != "" && u != "true" && u != "false":
			return badParam("unreviewed", "must be true or false, got %q", u)
		case u == "true" && by != "org":
			return badParam("unreviewed", "lists an organisation's windows to review: GET /v1/orgs/{id}/break-glass?unreviewed=true")
		case u == "true":
			after, limit, err := pageParams(r)
			if err != nil {
				return err
			}
			ws, next = s.app.Records().UnreviewedBreakGlass(view, r.PathValue("id"), after, limit)
		default:
			ws = s.app.Records().BreakGlassFor(view, by, r.PathValue("id"), maxLimit)
		}
		out := make([]breakGlassView, 0, len(ws))
		now := s.app.LastBlockTime().Unix()
		for _, w := range ws {
			out = append(out, breakGlassView{BreakGlass: w, Open: now < w.Expires,
				OpenedAt: time.Unix(w.Opened, 0).UTC(), ExpiresAt: time.Unix(w.Expires, 0).UTC()})
		}
		return writeJSON(w, http.StatusOK, pageView[breakGlassView]{Items: out, Next: next})
	}
}

// seesLog allows the caller a patient's trail (byPatient) or an
// organisation's: the {id} of the route.
func (s *Server) seesLog(view *state.View, r *http.Request, byPatient bool) error {
	if byPatient {
		return s.app.Records().SeesPatient(view, caller(r), r.PathValue("id"), s.now())
	}
	return s.app.Records().AuditsOrg(caller(r), r.PathValue("id"))
}

// breakGlassLimits handles GET /v1/break-glass/limits: the limits on
// break-glass windows in force (governance sets them).
func (s *Server) breakGlassLimits(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, s.app.Records().BreakGlassLimits(s.app.State().Committed()))
}

type breakGlassView struct {
	records.BreakGlass
	Open      bool      `json:"open"`
	OpenedAt  time.Time `json:"opened_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// termsOf maps a grant to the neutral consent terms of fhirdoc.
func termsOf(g records.Grant) fhirdoc.Terms {
	return fhirdoc.Terms{
		Patient:  g.Patient,
		Grantee:  fhirdoc.Grantee{Org: g.Grantee.Org, Member: g.Grantee.Member, Role: string(g.Grantee.Role)},
		Purposes: g.Purposes, Types: g.Types, Records: g.Records,
		Start: time.Unix(g.Start, 0).UTC(), End: time.Unix(g.Expires, 0).UTC(),
	}
}

// grantOf maps imported consent terms to the grant message a patient signs.
func grantOf(t fhirdoc.Terms) records.GrantMsg {
	m := records.GrantMsg{
		Patient:  t.Patient,
		Grantee:  records.Grantee{Org: t.Grantee.Org, Member: t.Grantee.Member, Role: ledger.Role(t.Grantee.Role)},
		Purposes: t.Purposes, Types: t.Types, Records: t.Records, Expires: t.End.UTC(),
	}
	if !t.Start.IsZero() {
		start := t.Start.UTC()
		m.Start = &start
	}
	return m
}
