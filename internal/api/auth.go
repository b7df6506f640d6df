package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/medchain/medchain/internal/apiauth"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
)

// access is who a route answers (docs/design.md §3.11).
type access int

const (
	// open routes serve public data (products, scan verdicts,
	// organisations, blocks) and look at no credential.
	open access = iota
	// keyed routes reveal something about a patient, an organisation's
	// patients or who read what: they answer 401 without a valid
	// credential, and the handler asks the owning module whether the
	// caller may see the answer (403 otherwise).
	keyed
	// either routes answer anyone, but say more to a caller entitled to
	// more (a transaction's body to its signer, a patient's identity to the
	// patient): a credential is optional and, when given, must be valid.
	either
)

// Stable codes of the API's authentication errors.
const (
	codeUnauthenticated = "api.unauthenticated"
	codeBusy            = "api.busy"
)

// wwwAuthenticate is the challenge of every 401: the two ways to
// authenticate.
const wwwAuthenticate = apiauth.SchemeSigned + ` realm="medchain", ` + apiauth.SchemeBearer + ` realm="medchain"`

type callerKey struct{}

// caller is the authenticated identity behind a request; zero for an
// anonymous caller.
func caller(r *http.Request) ledger.Principal {
	p, _ := r.Context().Value(callerKey{}).(ledger.Principal)
	return p
}

// guard authenticates the request as the route's access demands and puts
// the caller in its context.
func (s *Server) guard(a access, h http.Handler) http.Handler {
	if a == open {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authenticate(r)
		if err == nil && p.IsZero() && a == keyed {
			err = signIn(r, "private data", nil)
		}
		if err != nil {
			s.writeProblem(w, r, err)
			return
		}
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, p)))
	})
}

// signIn is how a route refuses: an anonymous caller is asked to
// authenticate (401), saying what the route reveals; an authenticated one
// gets the refusal itself (403, a module's ledger.ErrNotEntitled).
func signIn(r *http.Request, reveals string, refusal error) error {
	if !caller(r).IsZero() {
		return refusal
	}
	return fmt.Errorf("%w: %s %s reveals %s: sign the request (Authorization: %s <signed auth/read request>) or send a token (Authorization: %s <token from POST /v1/auth/tokens>)",
		apiauth.ErrUnauthenticated, r.Method, r.URL.Path, reveals, apiauth.SchemeSigned, apiauth.SchemeBearer)
}

// window is where the chain stands for a signed request: the next block,
// as for a transaction.
func (s *Server) window(view *state.View) apiauth.Window {
	return apiauth.Window{ChainID: s.app.ChainID(), Height: view.Version() + 1, MaxTTL: s.app.Params().MaxTxTTL}
}

// authenticate checks the request's credential, if any, and resolves its
// key to an identity in committed state: a zero principal for no
// credential, an error for a bad one or a key the ledger does not know or
// has revoked.
func (s *Server) authenticate(r *http.Request) (ledger.Principal, error) {
	scheme, cred, err := apiauth.ParseAuthorization(r.Header.Get("Authorization"))
	if err != nil || scheme == "" {
		return ledger.Principal{}, err
	}
	view := s.app.State().Committed()
	var key []byte
	switch scheme {
	case apiauth.SchemeSigned:
		key, err = s.auth.Signed(cred, r.Method, r.URL.RequestURI(), s.window(view))
	default:
		key, _, err = s.auth.Bearer(cred)
	}
	if err != nil {
		return ledger.Principal{}, err
	}
	return s.app.Identity().Authenticate(view, key)
}

// issueToken handles POST /v1/auth/tokens: a signed auth/token request in,
// a bearer token out.
func (s *Server) issueToken(w http.ResponseWriter, r *http.Request) error {
	raw, err := readSigned(w, r, apiauth.MaxRequest)
	if err != nil {
		return err
	}
	view := s.app.State().Committed()
	iss, err := s.auth.Issue(raw, s.window(view))
	if err != nil {
		return err
	}
	p, err := s.app.Identity().Authenticate(view, iss.Key)
	if err != nil {
		s.auth.Revoke(iss.Token)
		return err
	}
	return writeJSON(w, http.StatusCreated, tokenView{Issued: iss, Identity: p})
}

type tokenView struct {
	apiauth.Issued
	Identity ledger.Principal `json:"identity"`
}

// revokeToken handles DELETE /v1/auth/tokens/current: it ends the token
// the request carries.
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	scheme, cred, err := apiauth.ParseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return err
	}
	if scheme != apiauth.SchemeBearer {
		return fmt.Errorf("%w: send the token to end as Authorization: %s <token>", apiauth.ErrUnauthenticated, apiauth.SchemeBearer)
	}
	if !s.auth.Revoke(cred) {
		return fmt.Errorf("%w: token is unknown on this node or already ended", apiauth.ErrUnauthenticated)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// whoami handles GET /v1/auth/whoami: the identity a credential stands
// for, so a client can check its set-up.
func (s *Server) whoami(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, caller(r))
}

// authError turns the authenticator's errors into problems.
func authError(err error) (*apiError, bool) {
	switch {
	case errors.Is(err, apiauth.ErrUnauthenticated):
		return &apiError{code: codeUnauthenticated, kind: ledger.KindUnauthenticated, field: "Authorization", msg: unwrapped(err, apiauth.ErrUnauthenticated)}, true
	case errors.Is(err, apiauth.ErrBusy):
		return &apiError{code: codeBusy, kind: kindUnavailable, msg: unwrapped(err, apiauth.ErrBusy)}, true
	}
	return nil, false
}

// unwrapped is err's message without the sentinel's own text.
func unwrapped(err, sentinel error) string {
	msg := err.Error()
	if p := sentinel.Error() + ": "; len(msg) > len(p) && msg[:len(p)] == p {
		return msg[len(p):]
	}
	return msg
}

// now is the ledger's clock for entitlement checks: the last block's time.
func (s *Server) now() time.Time { return s.app.LastBlockTime() }
