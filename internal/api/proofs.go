package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/medchain/medchain/internal/claims"
	"github.com/medchain/medchain/internal/credentials"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/supply"
)

// proofSubject is an ID GET /v1/proofs takes instead of a state key: the
// parameter that names it, and how the ID becomes the key of what the
// ledger holds for it (in the state being proven).
type proofSubject struct {
	param string
	key   func(view *state.View, id string) (string, error)
}

// proofSubjects are the IDs /v1/proofs resolves, besides ?key=.
var proofSubjects = []proofSubject{
	{"grant", func(view *state.View, id string) (string, error) {
		if !hexID("gr-", id) {
			return "", badParam("grant", "a grant ID is gr- and 24 lower-case hex digits, got %q", id)
		}
		if key, ok := records.GrantKey(view, id); ok {
			return key, nil
		}
		// An unknown grant: its path's key, which its module proves to no
		// one, so the answer is the refusal a grant the caller may not see
		// gets.
		return records.GrantPathKey(id), nil
	}},
	{"record", func(_ *state.View, id string) (string, error) {
		if err := records.ValidRecordID(id); err != nil {
			return "", badParam("record", "%v", err)
		}
		return records.RecordKey(id), nil
	}},
	{"item", func(_ *state.View, code string) (string, error) {
		id := strings.TrimSpace(code)
		if _, _, err := supply.ParseID(id); err != nil {
			if id, err = parseGS1(id); err != nil {
				return "", badParam("item", "an item ID (01/<GTIN>/21/<serial>, 00/<SSCC>), GS1 element string or Digital Link URI: %v", err)
			}
		}
		return supply.ItemKey(id), nil
	}},
	{"claim", func(_ *state.View, id string) (string, error) {
		if !hexID("cl-", id) {
			return "", badParam("claim", "a claim ID is cl- and 24 lower-case hex digits, got %q", id)
		}
		return claims.ClaimKey(id), nil
	}},
	{"credential", func(_ *state.View, id string) (string, error) {
		if !hexID("cr-", id) {
			return "", badParam("credential", "a credential ID is cr- and 24 lower-case hex digits, got %q", id)
		}
		return string(credentials.CredentialKey(id)), nil
	}},
}

// hexID reports whether id is prefix and 24 lower-case hex digits, the
// form of the ledger's IDs derived from a transaction hash.
func hexID(prefix, id string) bool {
	rest, ok := strings.CutPrefix(id, prefix)
	return ok && len(rest) == 24 && strings.Trim(rest, "0123456789abcdef") == ""
}

// getProof handles GET /v1/proofs: the proof of a state key (?key=) or of
// what the ledger holds for an ID (?grant=, ?record=, ?item=, ?claim=,
// ?credential=), in the latest state or that after block ?height=. The
// state key's module decides who may have it proven (App.MayProve), the
// same for both forms: a refusal of an ID does not say whether it exists,
// nor which key it resolved to.
func (s *Server) getProof(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	subject, id, err := proofParam(q)
	if err != nil {
		return err
	}
	view := s.app.State().Committed()
	if hs := q.Get("height"); hs != "" {
		h, err := strconv.ParseInt(hs, 10, 64)
		if err != nil || h <= 0 {
			return badParam("height", "must be a positive block height, got %q", hs)
		}
		if view, err = s.app.State().At(h); err != nil {
			return notFound("the state at height %d is not available on this node (latest %d)", h, s.app.State().Committed().Version())
		}
	}
	key, what := id, fmt.Sprintf("key %q", id)
	if subject != nil {
		if key, err = subject.key(view, id); err != nil {
			return err
		}
		what = fmt.Sprintf("%s %q", subject.param, id)
	}
	if c := caller(r); !s.app.MayProve(view, c, key, s.now()) {
		return signIn(r, "state that is not public", fmt.Errorf("%w: %s is not public state, and not state %s may read", ledger.ErrNotEntitled, what, c.ID))
	}
	p, err := prove(view, key)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

// proofParam reads which of ?key= and the ID parameters was given: exactly
// one, not empty. A nil subject means ?key=.
func proofParam(q url.Values) (subject *proofSubject, id string, err error) {
	given := []string{}
	if q.Has("key") {
		given = append(given, "key")
	}
	for i := range proofSubjects {
		if q.Has(proofSubjects[i].param) {
			given = append(given, proofSubjects[i].param)
			subject = &proofSubjects[i]
		}
	}
	switch len(given) {
	case 0:
		return nil, "", badParam("key", "is required: a state key such as %q, or an ID as grant=, record=, item=, claim= or credential=", orgKeyPrefix+"<org id>")
	case 1:
	default:
		return nil, "", badParam(given[1], "give one of key, grant, record, item, claim and credential, not %s", strings.Join(given, " and "))
	}
	id = q.Get(given[0])
	if id == "" {
		return nil, "", badParam(given[0], "is empty")
	}
	if given[0] == "key" {
		subject = nil
	}
	return subject, id, nil
}
