package vc

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/go-jose/go-jose/v4"
)

// header is what verification reads from a JWS protected header before
// trusting anything: the algorithm, the key ID, the compression.
type header struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Zip string `json:"zip"`
	Typ string `json:"typ"`
	Cty string `json:"cty"`
}

// maxCompact bounds a compact JWS (and so what it can inflate to).
const maxCompact = 1 << 20

// parseHeader splits a compact JWS and reads its protected header.
func parseHeader(s string) (header, error) {
	var h header
	if len(s) > maxCompact {
		return h, errorf(CodeMalformed, "the JWS is longer than %d bytes", maxCompact)
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return h, errorf(CodeMalformed, "not a compact JWS: %d dot-separated parts, not 3", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return h, errorf(CodeMalformed, "the JWS protected header is not base64url")
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return h, errorf(CodeMalformed, "the JWS protected header is not a JSON object: %s", jsonReason(err))
	}
	if h.Alg == "" {
		return h, errorf(CodeMalformed, "the JWS protected header has no alg")
	}
	return h, nil
}

// checkAlg refuses any algorithm but want (alg none first of all).
func checkAlg(h header, want jose.SignatureAlgorithm, format string) error {
	switch {
	case strings.EqualFold(h.Alg, "none"):
		return errorf(CodeUnsupportedAlg, "alg \"none\": an unsecured JWS is never accepted")
	case h.Alg != string(want):
		return errorf(CodeUnsupportedAlg, "alg %q: %s must be signed with %s", h.Alg, format, want)
	}
	return nil
}

// verifyJWS checks the signature of compact JWS s with key and returns the
// payload. alg must already have been checked against the header.
func verifyJWS(s string, alg jose.SignatureAlgorithm, key *jose.JSONWebKey) ([]byte, error) {
	obj, err := jose.ParseSignedCompact(s, []jose.SignatureAlgorithm{alg})
	if err != nil {
		return nil, errorf(CodeMalformed, "not a valid compact JWS")
	}
	payload, err := obj.Verify(key)
	if err != nil {
		return nil, errorf(CodeBadSignature, "the %s signature does not verify with key %q", alg, key.KeyID)
	}
	return payload, nil
}

func base64URLString(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
