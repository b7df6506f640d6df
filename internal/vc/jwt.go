package vc

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Credential is what a verified VC-JWT says.
type Credential struct {
	// Version is the data model: "2.0" (application/vc+jwt, the payload is
	// the credential) or "1.1" (a JWT with a vc claim).
	Version    string          `json:"version"`
	Issuer     string          `json:"issuer"`
	KeyID      string          `json:"kid,omitempty"`
	ID         string          `json:"id,omitempty"`
	Types      []string        `json:"types"`
	ValidFrom  *time.Time      `json:"validFrom,omitempty"`
	ValidUntil *time.Time      `json:"validUntil,omitempty"`
	Subject    json.RawMessage `json:"credentialSubject"`
	// Status is the credentialStatus entry, not checked offline.
	Status json.RawMessage `json:"credentialStatus,omitempty"`
	// Selective is set for an SD-JWT: Subject then holds the disclosed
	// claims only, and Undisclosed counts the claims not disclosed.
	Selective   bool `json:"selective,omitempty"`
	Undisclosed int  `json:"undisclosed,omitempty"`
}

// jwtTypes are the typ header values of a credential secured as a JWT.
var jwtTypes = map[string]bool{"": true, "JWT": true, "vc+jwt": true, "application/vc+jwt": true, "vc+ld+jwt": true,
	SDMediaType: true, "application/" + SDMediaType: true}

func base64URL(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// VerifyJWT verifies a W3C Verifiable Credential secured as a JWT: an
// EdDSA (Ed25519) signature with a key of the issuer, the validity period
// (exp, nbf, validFrom, validUntil, issuanceDate, expirationDate) at o.At,
// and the data model's rules for the credential it carries.
func VerifyJWT(s string, o Options) (*Credential, error) {
	s = strings.TrimSpace(s)
	h, err := parseHeader(s)
	if err != nil {
		return nil, err
	}
	if err := checkAlg(h, jose.EdDSA, "a VC-JWT"); err != nil {
		return nil, err
	}
	if h.Zip != "" {
		return nil, errorf(CodeUnsupportedAlg, "zip %q: a VC-JWT payload is not compressed", h.Zip)
	}
	if !jwtTypes[h.Typ] {
		return nil, errorf(CodeMalformed, "typ %q: not a credential secured as a JWT (vc+jwt)", h.Typ)
	}
	raw, err := unverifiedPayload(s)
	if err != nil {
		return nil, err
	}
	doc, claims, version, err := jwtCredential(raw)
	if err != nil {
		return nil, err
	}
	iss := issuerID(doc["issuer"])
	key, err := o.key(iss, h.Kid)
	if err != nil {
		return nil, err
	}
	if _, err := verifyJWS(s, jose.EdDSA, key); err != nil {
		return nil, err
	}
	if err := checkDoc(doc); err != nil {
		return nil, err
	}
	c := &Credential{Version: version, Issuer: iss, KeyID: h.Kid, Types: stringList(doc["type"])}
	c.ID, _ = doc["id"].(string)
	c.Subject, _ = json.Marshal(doc["credentialSubject"])
	if st, ok := doc["credentialStatus"]; ok {
		c.Status, _ = json.Marshal(st)
	}
	from, until := claimTime(claims["nbf"]), claimTime(claims["exp"])
	for _, k := range []string{"validFrom", "issuanceDate"} {
		if t, ok := docTime(doc[k]); ok && (from == nil || t.After(*from)) {
			from = &t
		}
	}
	for _, k := range []string{"validUntil", "expirationDate"} {
		if t, ok := docTime(doc[k]); ok && (until == nil || t.Before(*until)) {
			until = &t
		}
	}
	c.ValidFrom, c.ValidUntil = from, until
	if from != nil && o.At.Before(*from) {
		return nil, errorf(CodeNotYetValid, "the credential is not valid before %s", from.Format(time.RFC3339))
	}
	if until != nil && !o.At.Before(*until) {
		return nil, errorf(CodeExpired, "the credential expired at %s", until.Format(time.RFC3339))
	}
	return c, nil
}

// jwtCredential reads the credential a JWT payload carries. A VC 1.1 JWT
// has it in the vc claim, with iss, nbf, exp, jti and sub standing for
// issuer, issuanceDate, expirationDate, id and credentialSubject.id (VC
// 1.1 §6.3.1); a VC 2.0 vc+jwt payload is the credential itself.
func jwtCredential(raw []byte) (doc, claims map[string]any, version string, err error) {
	if err := json.Unmarshal(raw, &claims); err != nil || claims == nil {
		return nil, nil, "", errorf(CodeMalformed, "the JWT claims are not a JSON object")
	}
	for _, k := range []string{"nbf", "exp", "iat"} {
		if v, ok := claims[k]; ok && claimTime(v) == nil {
			return nil, nil, "", errorf(CodeMalformed, "the %s claim must be a NumericDate (seconds since 1970)", k)
		}
	}
	vc, ok := claims["vc"]
	if !ok {
		if iss, ok := claims["iss"].(string); ok && iss != issuerID(claims["issuer"]) {
			return nil, nil, "", errorf(CodeMalformed, "iss %q differs from the credential's issuer %q", iss, issuerID(claims["issuer"]))
		}
		return claims, claims, "2.0", nil
	}
	doc, ok = vc.(map[string]any)
	if !ok {
		return nil, nil, "", errorf(CodeMalformed, "the vc claim is not a JSON object")
	}
	doc = mapJWTClaims(doc, claims)
	return doc, claims, "1.1", nil
}

// mapJWTClaims fills a VC 1.1 credential's properties from the JWT claims
// that stand for them.
func mapJWTClaims(vc, claims map[string]any) map[string]any {
	doc := make(map[string]any, len(vc)+4)
	for k, v := range vc {
		doc[k] = v
	}
	if iss, ok := claims["iss"]; ok {
		if _, has := doc["issuer"]; !has {
			doc["issuer"] = iss
		}
	}
	if t := claimTime(claims["nbf"]); t != nil {
		if _, has := doc["issuanceDate"]; !has {
			doc["issuanceDate"] = t.Format(time.RFC3339)
		}
	}
	if t := claimTime(claims["exp"]); t != nil {
		if _, has := doc["expirationDate"]; !has {
			doc["expirationDate"] = t.Format(time.RFC3339)
		}
	}
	if jti, ok := claims["jti"]; ok {
		if _, has := doc["id"]; !has {
			doc["id"] = jti
		}
	}
	if sub, ok := claims["sub"]; ok {
		if cs, ok := doc["credentialSubject"].(map[string]any); ok {
			if _, has := cs["id"]; !has {
				c := make(map[string]any, len(cs)+1)
				for k, v := range cs {
					c[k] = v
				}
				c["id"] = sub
				doc["credentialSubject"] = c
			}
		}
	}
	return doc
}

// issuerID is the issuer's URL: the string, or the object's id.
func issuerID(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		id, _ := x["id"].(string)
		return id
	}
	return ""
}

func claimTime(v any) *time.Time {
	f, ok := v.(float64)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e11 {
		return nil
	}
	t := unixTime(f)
	return &t
}

func docTime(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	return parseDateTime(s)
}

func stringList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
