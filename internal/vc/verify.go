package vc

import (
	"encoding/json"
	"strings"
)

// Result is what Verify found: the SMART Health Cards of the input, or
// the VC-JWT.
type Result struct {
	// Format is "smart-health-card" or "vc-jwt".
	Format     string      `json:"format"`
	Cards      []*Card     `json:"cards,omitempty"`
	Credential *Credential `json:"credential,omitempty"`
}

// Verify recognises the input and verifies it: a .smart-health-card file,
// shc:/ QR numeric strings, or a compact JWS (a SMART Health Card if its
// header says zip DEF, else a VC-JWT or an SD-JWT presentation of one). Every card of a file must verify.
func Verify(in []byte, o Options) (*Result, error) {
	s := strings.TrimSpace(string(in))
	if !strings.HasPrefix(s, "{") && !hasPrefixFold(s, "shc:/") {
		h, err := parseHeader(s)
		if err != nil {
			return nil, err
		}
		if h.Zip == "" {
			c, err := VerifySD(s, o)
			if err != nil {
				return nil, err
			}
			return &Result{Format: "vc-jwt", Credential: c}, nil
		}
	}
	if strings.HasPrefix(s, "{") && !isSHCFile(s) {
		return nil, errorf(CodeMalformed, "a JSON document that is not a .smart-health-card file: for an unsigned W3C credential, use Check")
	}
	jws, err := SHCJWS(in)
	if err != nil {
		return nil, err
	}
	r := &Result{Format: "smart-health-card"}
	for _, j := range jws {
		c, err := VerifySHC(j, o)
		if err != nil {
			return nil, err
		}
		r.Cards = append(r.Cards, c)
	}
	return r, nil
}

func isSHCFile(s string) bool {
	var f map[string]json.RawMessage
	if json.Unmarshal([]byte(s), &f) != nil {
		return true // SHCJWS reports the JSON error
	}
	_, ok := f["verifiableCredential"]
	return ok
}
