package vc

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Issuer is an issuer's public keys, as the caller trusts them: read from
// a JWKS file now, from the ledger's issuer directory later.
type Issuer struct {
	// ID is the issuer's identifier as credentials name it (an SHC's iss,
	// a VC's issuer). Empty means the keys are trusted for whichever issuer
	// a credential signed with one of them names.
	ID   string
	Keys []jose.JSONWebKey
}

// Options is what a verification depends on besides the credential.
type Options struct {
	// At is the instant to verify at (validity period, revocation
	// timestamps). It is required: the package never reads the clock.
	At time.Time
	// Issuers are the trusted issuers' keys.
	Issuers []Issuer
	// CRLs are SMART Health Card revocation lists, one per key ID.
	CRLs []*CRL
}

// ParseJWKS reads a JSON Web Key Set ({"keys": [...]}). Keys it cannot
// read (an unknown kty) are skipped; a set with no usable key is refused.
func ParseJWKS(b []byte) ([]jose.JSONWebKey, error) {
	var raw struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, errorf(CodeMalformed, "not a JSON Web Key Set: %s", jsonReason(err))
	}
	var keys []jose.JSONWebKey
	for _, r := range raw.Keys {
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(r); err != nil || !k.Valid() || !k.IsPublic() {
			continue
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errorf(CodeMalformed, "the JSON Web Key Set has no usable public key")
	}
	return keys, nil
}

// CRL is a SMART Health Cards revocation list for one issuer key: the
// revocation IDs (rid) of the cards revoked, each optionally with a
// ".timestamp" suffix that limits the revocation to cards whose nbf is
// before that time.
type CRL struct {
	Kid    string   `json:"kid"`
	Method string   `json:"method"`
	Ctr    int      `json:"ctr"`
	Rids   []string `json:"rids"`
}

// ParseCRL reads a revocation list file (<issuer>/.well-known/crl/<kid>.json).
func ParseCRL(b []byte) (*CRL, error) {
	var c CRL
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, errorf(CodeMalformed, "not a SMART Health Cards revocation list: %s", jsonReason(err))
	}
	if c.Kid == "" {
		return nil, errorf(CodeMalformed, "the revocation list has no kid")
	}
	if c.Method != "rid" {
		return nil, errorf(CodeMalformed, "revocation list method %q: only \"rid\" is defined", c.Method)
	}
	return &c, nil
}

// revoked reports whether the list revokes rid for a card valid from nbf.
func (c *CRL) revoked(rid string, nbf time.Time) bool {
	for _, e := range c.Rids {
		id, ts, hasTS := strings.Cut(e, ".")
		if id != rid {
			continue
		}
		if !hasTS {
			return true
		}
		sec, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			return true // an unreadable limit: revoke, the safe side
		}
		if nbf.Before(time.Unix(sec, 0)) {
			return true
		}
	}
	return false
}

func (o *Options) crl(kid string) *CRL {
	for _, c := range o.CRLs {
		if c.Kid == kid {
			return c
		}
	}
	return nil
}

// key finds the key kid of issuer iss among the trusted issuers. With no
// kid, an issuer's only key is used.
func (o *Options) key(iss, kid string) (*jose.JSONWebKey, error) {
	var cands []*jose.JSONWebKey
	for i := range o.Issuers {
		is := &o.Issuers[i]
		if is.ID != "" && is.ID != iss {
			continue
		}
		for j := range is.Keys {
			k := &is.Keys[j]
			if kid == "" || k.KeyID == kid {
				cands = append(cands, k)
			}
		}
	}
	switch {
	case len(cands) == 1:
		return cands[0], nil
	case len(cands) > 1 && kid != "":
		return cands[0], nil
	case len(cands) > 1:
		return nil, errorf(CodeUnknownIssuer, "the credential names no key ID (kid) and issuer %q has several keys", iss)
	case len(o.Issuers) == 0:
		return nil, errorf(CodeUnknownIssuer, "no issuer keys given: cannot check the signature of issuer %q", iss)
	}
	return nil, errorf(CodeUnknownIssuer, "no key %q of issuer %q among the trusted issuer keys", kid, iss)
}

// jsonReason says why JSON did not decode, without Go type names.
func jsonReason(err error) string {
	switch e := err.(type) {
	case *json.SyntaxError:
		return "invalid JSON at byte " + strconv.FormatInt(e.Offset, 10)
	case *json.UnmarshalTypeError:
		if e.Field != "" {
			return "member " + strconv.Quote(e.Field) + " has the wrong JSON type (" + e.Value + ")"
		}
		return "wrong JSON type (" + e.Value + ")"
	}
	if err.Error() == "unexpected end of JSON input" {
		return "truncated JSON"
	}
	return "invalid JSON"
}
