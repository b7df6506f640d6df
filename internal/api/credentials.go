package api

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/credentials"
	"github.com/medchain/medchain/internal/jsondec"
	"github.com/medchain/medchain/internal/vc"
)

// Credentials: the register of who may issue what, the credentials'
// ledger entries (hashes, types, issuers, subjects' ledger IDs, validity,
// status with history) and verification are open: staff credentials are
// a public register, and none of it holds a credential's content or
// anything about a patient.

var credentialID = regexp.MustCompile(`^cr-[0-9a-f]{24}$`)

// instantParam reads ?at= (RFC 3339, or YYYY-MM-DD for the start of that day,
// UTC); empty is the last block's time.
func (s *Server) instantParam(field, v string) (time.Time, error) {
	if v == "" {
		return s.now(), nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	return time.Time{}, badParam(field, "an instant, RFC 3339 (2026-06-01T12:00:00Z) or a date (2026-06-01, its start in UTC), got %q", v)
}

// listIssuers handles GET /v1/credentials/issuers.
func (s *Server) listIssuers(w http.ResponseWriter, r *http.Request) error {
	after, limit, err := pageParams(r)
	if err != nil {
		return err
	}
	list, next := s.app.Credentials().Authorisations(s.app.State().Committed(), after, limit)
	return writeJSON(w, http.StatusOK, pageView[credentials.Authorisation]{Items: nonNil(list), Next: next})
}

// credentialStatusView is a credential's validity at an instant, with the
// proof of its ledger entry when asked.
type credentialStatusView struct {
	credentials.Validity
	Proof *proofView `json:"proof,omitempty"`
}

// getCredential handles GET /v1/credentials/{id}?at=&prove=: the ledger's
// entry and whether the credential was valid at the instant.
func (s *Server) getCredential(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if !credentialID.MatchString(id) {
		return badParam("id", "a credential ID is cr- and 24 lower-case hex digits, got %q", id)
	}
	withProof, err := proveParam(r)
	if err != nil {
		return err
	}
	at, err := s.instantParam("at", r.URL.Query().Get("at"))
	if err != nil {
		return err
	}
	view, k := s.app.State().Committed(), s.app.Credentials()
	c, ok := k.Credential(view, id)
	if !ok {
		return fmt.Errorf("%w: credential %s", credentials.ErrNotFound, id)
	}
	v := credentialStatusView{Validity: k.ValidAt(view, c, at)}
	if r.URL.Query().Get("at") == "" {
		v.Validity = k.ValidNow(view, c, at)
	}
	if withProof {
		if v.Proof, err = prove(view, string(credentials.CredentialKey(id))); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, v)
}

// listCredentials handles GET /v1/credentials?subject=|issuer=
// [&expiring_within=DAYS]: the credentials about a member or issued by an
// organisation; with expiring_within, those in force ending within that
// many days of the last block (the recredentialing reminders), soonest
// first.
func (s *Server) listCredentials(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	subject, issuer := q.Get("subject"), q.Get("issuer")
	view, k := s.app.State().Committed(), s.app.Credentials()
	if d := q.Get("expiring_within"); d != "" {
		days, err := strconv.Atoi(d)
		if err != nil || days < 1 || days > 3660 {
			return badParam("expiring_within", "a number of days, 1 to 3660, got %q", d)
		}
		now := s.now()
		return writeJSON(w, http.StatusOK, pageView[credentials.Credential]{Items: nonNil(k.Expiring(view, now, now.AddDate(0, 0, days), issuer, subject, maxLimit))})
	}
	switch {
	case subject != "" && issuer != "":
		return badParam("issuer", "give subject or issuer, not both (or expiring_within to narrow by both)")
	case subject != "":
		return writeJSON(w, http.StatusOK, pageView[credentials.Credential]{Items: nonNil(k.Of(view, subject, maxLimit))})
	case issuer != "":
		return writeJSON(w, http.StatusOK, pageView[credentials.Credential]{Items: nonNil(k.IssuedBy(view, issuer, maxLimit))})
	}
	return badParam("subject", "give subject (a member, org/handle), issuer (an organisation) or expiring_within (days)")
}

// verifyRequest is the body of POST /v1/credentials/verify.
type verifyRequest struct {
	Credential string `json:"credential"`
	At         string `json:"at,omitempty"`
}

// verdictView is the ledger's verdict with the proof of the credential's
// entry, when there is one.
type verdictView struct {
	credentials.Verdict
	Proof *proofView `json:"proof,omitempty"`
}

// maxCredential bounds a credential's size (vc bounds a compact JWS at 1 MiB).
const maxCredential = 1 << 20

// verifyCredential handles POST /v1/credentials/verify: the ledger's
// verdict on a VC-JWT issued on medchain. An invalid credential is a
// verdict (200, valid false, its code), not an error; a body that is not
// a request is.
func (s *Server) verifyCredential(w http.ResponseWriter, r *http.Request) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCredential+1024))
	if err != nil {
		return unreadable(err)
	}
	var req verifyRequest
	if err := jsondec.Strict(body, &req); err != nil {
		return badJSON(err, `{"credential": "<VC-JWT>", "at": "<RFC 3339 or date>"}`)
	}
	if strings.TrimSpace(req.Credential) == "" {
		return badBody("credential", "is required: the VC-JWT, its compact serialisation")
	}
	at, err := s.instantParam("at", req.At)
	if err != nil {
		return badBody("at", "an instant, RFC 3339 (2026-06-01T12:00:00Z) or a date (2026-06-01, its start in UTC), got %q", req.At)
	}
	view, k := s.app.State().Committed(), s.app.Credentials()
	v := verdictView{Verdict: k.Verify(view, req.Credential, at, req.At == "")}
	if v.Ledger != nil {
		if v.Proof, err = prove(view, string(credentials.CredentialKey(v.Ledger.Credential.ID))); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, v)
}

// statusListView is a status list credential with the proof of the
// ledger entry it is computed from (?prove=true).
type statusListView struct {
	Credential map[string]any `json:"credential"`
	Proof      *proofView     `json:"proof"`
}

// getStatusList handles GET /v1/credentials/status-lists/{org}/{purpose}:
// the issuer's Bitstring Status List credential for revocation or
// suspension, computed from the ledger as of the last block; with
// ?prove=true, wrapped with the proof of the ledger entry it comes from.
func (s *Server) getStatusList(w http.ResponseWriter, r *http.Request) error {
	org, purpose := r.PathValue("org"), r.PathValue("purpose")
	if purpose != vc.PurposeRevocation && purpose != vc.PurposeSuspension {
		return badParam("purpose", "revocation or suspension, got %q", purpose)
	}
	withProof, err := proveParam(r)
	if err != nil {
		return err
	}
	view, k := s.app.State().Committed(), s.app.Credentials()
	if _, authorised := k.Authorisation(view, org); !authorised && len(k.IssuedBy(view, org, 1)) == 0 {
		return fmt.Errorf("%w: %s is not an issuer of credentials (authorised now, or having issued any)", credentials.ErrNotFound, org)
	}
	l := k.StatusList(view, org)
	set := l.Revoked
	if purpose == vc.PurposeSuspension {
		set = l.Suspended
	}
	enc, err := vc.EncodeStatusList(set, credentials.StatusListSize)
	if err != nil {
		return fmt.Errorf("%w: status list of %s: %v", chain.ErrInternal, org, err)
	}
	url := requestBase(r) + "/v1/credentials/status-lists/" + org + "/" + purpose
	doc := vc.StatusListCredential(url, org, purpose, enc, s.now())
	if !withProof {
		return writeJSON(w, http.StatusOK, doc)
	}
	p, err := prove(view, string(credentials.StatusListKey(org)))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, statusListView{Credential: doc, Proof: p})
}

// requestBase is the scheme and host the request was made to.
func requestBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// listSHCIssuers handles GET /v1/credentials/shc-issuers: the trusted
// SMART Health Card issuers with their JWKS and revocation lists.
func (s *Server) listSHCIssuers(w http.ResponseWriter, r *http.Request) error {
	after, limit, err := pageParams(r)
	if err != nil {
		return err
	}
	list, next := s.app.Credentials().SHCIssuers(s.app.State().Committed(), after, limit)
	return writeJSON(w, http.StatusOK, pageView[credentials.SHCIssuer]{Items: nonNil(list), Next: next})
}

// getCase handles GET /v1/credentials/cases/{id}?format=json|fhir: a
// credentialing case, to its hospital's members, its applicant and the
// primary sources it asks; ?format=fhir answers a FHIR R4 Bundle of
// VerificationResults. An unknown case is refused like one the caller
// may not see.
func (s *Server) getCase(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	k := s.app.Credentials()
	c, ok := k.Case(s.app.State().Committed(), id)
	if !ok {
		c = credentials.Case{ID: id}
	}
	if err := k.SeesCase(caller(r), c); err != nil {
		return signIn(r, "a credentialing case", err)
	}
	switch f := r.URL.Query().Get("format"); f {
	case "", "json":
		return writeJSON(w, http.StatusOK, c.View())
	case "fhir":
		b, err := json.Marshal(c.FHIR())
		if err != nil {
			return err
		}
		return writeRaw(w, "application/fhir+json", append(b, '\n'))
	default:
		return badParam("format", "must be json or fhir, got %q", f)
	}
}
