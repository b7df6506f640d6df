package vc

import (
	"bytes"
	"compress/flate"
	"crypto"
	"encoding/json"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// maxInflated bounds a SMART Health Card payload after inflating (a QR
// code holds a few kilobytes; a DEFLATE bomb is refused).
const maxInflated = 1 << 20

// Card is what a verified SMART Health Card says.
type Card struct {
	Issuer string `json:"issuer"`
	KeyID  string `json:"kid"`
	// ValidFrom is the card's nbf; ValidUntil its exp, if it has one.
	ValidFrom  time.Time  `json:"validFrom"`
	ValidUntil *time.Time `json:"validUntil,omitempty"`
	Types      []string   `json:"types"`
	// RevocationID is the card's rid, if it has one.
	RevocationID string `json:"rid,omitempty"`
	// Revocation says how revocation was checked.
	Revocation  string `json:"revocation"`
	FHIRVersion string `json:"fhirVersion,omitempty"`
	// Resources counts the FHIR Bundle's resources by type.
	Resources map[string]int `json:"resources"`
	// Patient is the patient's name as the card gives it: for the
	// verification output only, never to be logged.
	Patient      string         `json:"patient,omitempty"`
	BirthDate    string         `json:"birthDate,omitempty"`
	Immunization []Immunization `json:"immunizations,omitempty"`
	Observations []Observation  `json:"observations,omitempty"`
}

// Immunization is one Immunization resource of a card.
type Immunization struct {
	System    string `json:"system"`
	Code      string `json:"code"`
	Date      string `json:"date"`
	Status    string `json:"status,omitempty"`
	Lot       string `json:"lotNumber,omitempty"`
	Performer string `json:"performer,omitempty"`
}

// Observation is one Observation resource (a lab result) of a card.
type Observation struct {
	System string `json:"system"`
	Code   string `json:"code"`
	Date   string `json:"date,omitempty"`
	Value  string `json:"value,omitempty"`
}

// SHCJWS extracts the compact JWS of SMART Health Cards from what a
// reader gives: a .smart-health-card file ({"verifiableCredential":
// [...]}), one compact JWS, or shc:/ QR numeric strings, one per line,
// with the chunks of a multi-chunk card (shc:/C/N/...) in any order.
func SHCJWS(in []byte) ([]string, error) {
	s := strings.TrimSpace(string(in))
	switch {
	case s == "":
		return nil, errorf(CodeMalformed, "empty input")
	case strings.HasPrefix(s, "{"):
		var f struct {
			VC []string `json:"verifiableCredential"`
		}
		if err := json.Unmarshal([]byte(s), &f); err != nil {
			return nil, errorf(CodeMalformed, "not a .smart-health-card file: %s", jsonReason(err))
		}
		if len(f.VC) == 0 {
			return nil, errorf(CodeMalformed, "the .smart-health-card file has no verifiableCredential")
		}
		return f.VC, nil
	case hasPrefixFold(s, "shc:/"):
		jws, err := DecodeQR(splitQR(s))
		if err != nil {
			return nil, err
		}
		return []string{jws}, nil
	}
	return []string{s}, nil
}

// splitQR splits QR contents at each shc:/, so that chunks on separate
// lines or run together (files concatenated without newlines) both work.
func splitQR(s string) []string {
	idx := qrStart.FindAllStringIndex(s, -1)
	out := make([]string, 0, len(idx))
	for i, m := range idx {
		end := len(s)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		out = append(out, strings.TrimSpace(s[m[0]:end]))
	}
	return out
}

var qrStart = regexp.MustCompile(`(?i)shc:/`)

func hasPrefixFold(s, p string) bool {
	return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p)
}

// DecodeQR decodes the shc:/ numeric strings of one card's QR codes into
// its compact JWS: one string, or the N chunks shc:/C/N/... of a
// multi-chunk card, each exactly once, in any order.
func DecodeQR(chunks []string) (string, error) {
	if len(chunks) == 0 {
		return "", errorf(CodeMalformed, "no shc:/ QR content")
	}
	parts := make([]string, len(chunks))
	total := 0
	for _, c := range chunks {
		if !hasPrefixFold(c, "shc:/") {
			return "", errorf(CodeMalformed, "a QR chunk does not start with shc:/")
		}
		rest := c[len("shc:/"):]
		f := strings.Split(rest, "/")
		switch len(f) {
		case 1:
			if len(chunks) != 1 {
				return "", errorf(CodeMalformed, "a single-chunk shc:/ string given with %d others", len(chunks)-1)
			}
			parts[0] = f[0]
			total = 1
		case 3:
			i, err1 := strconv.Atoi(f[0])
			n, err2 := strconv.Atoi(f[1])
			if err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
				return "", errorf(CodeMalformed, "shc:/%s/%s/: not a chunk index C of N (1 <= C <= N)", f[0], f[1])
			}
			if total != 0 && n != total {
				return "", errorf(CodeMalformed, "QR chunks disagree on their number: %d and %d", total, n)
			}
			total = n
			if n != len(chunks) {
				return "", errorf(CodeMalformed, "chunk %d of %d: %d chunks given, a chunk is missing or extra", i, n, len(chunks))
			}
			if parts[i-1] != "" {
				return "", errorf(CodeMalformed, "chunk %d of %d given twice", i, n)
			}
			if f[2] == "" {
				return "", errorf(CodeMalformed, "chunk %d of %d is empty", i, n)
			}
			parts[i-1] = f[2]
		default:
			return "", errorf(CodeMalformed, "not a shc:/ numeric string (shc:/DIGITS or shc:/C/N/DIGITS)")
		}
	}
	var b strings.Builder
	for i, p := range parts {
		if p == "" {
			return "", errorf(CodeMalformed, "chunk %d of %d is missing", i+1, total)
		}
		if err := decodeNumeric(&b, p); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// decodeNumeric appends the characters of a QR numeric segment: each pair
// of digits is a character's code minus 45.
func decodeNumeric(b *strings.Builder, s string) error {
	if len(s)%2 != 0 {
		return errorf(CodeMalformed, "the shc:/ numeric data has an odd number of digits")
	}
	for i := 0; i < len(s); i += 2 {
		d1, d2 := s[i]-'0', s[i+1]-'0'
		if d1 > 9 || d2 > 9 {
			return errorf(CodeMalformed, "the shc:/ numeric data has a character that is not a digit")
		}
		v := int(d1)*10 + int(d2)
		if v > 'z'-45 {
			return errorf(CodeMalformed, "the shc:/ numeric data has the pair %02d, above 77", v)
		}
		b.WriteByte(byte(v + 45))
	}
	return nil
}

// shcPayload is the JWS payload of a SMART Health Card.
type shcPayload struct {
	Iss *string  `json:"iss"`
	Nbf *float64 `json:"nbf"`
	Exp *float64 `json:"exp"`
	VC  *struct {
		Type              []string `json:"type"`
		RID               string   `json:"rid"`
		CredentialSubject *struct {
			FHIRVersion string          `json:"fhirVersion"`
			FHIRBundle  json.RawMessage `json:"fhirBundle"`
		} `json:"credentialSubject"`
	} `json:"vc"`
}

// VerifySHC verifies one SMART Health Card given as a compact JWS: ES256
// signature with the issuer's key, raw DEFLATE payload, nbf and exp at
// o.At, revocation against the key's CRL if one is given.
func VerifySHC(jws string, o Options) (*Card, error) {
	h, err := parseHeader(jws)
	if err != nil {
		return nil, err
	}
	if err := checkAlg(h, jose.ES256, "a SMART Health Card"); err != nil {
		return nil, err
	}
	if h.Zip != "DEF" {
		return nil, errorf(CodeUnsupportedAlg, "zip %q: a SMART Health Card payload must be compressed with DEF (raw DEFLATE)", h.Zip)
	}
	// The issuer is inside the signed payload: read it unverified only to
	// find the key, then verify.
	raw, err := unverifiedPayload(jws)
	if err != nil {
		return nil, err
	}
	p, err := inflatePayload(raw)
	if err != nil {
		return nil, err
	}
	if p.Iss == nil || *p.Iss == "" {
		return nil, errorf(CodeMalformed, "the card has no iss")
	}
	key, err := o.key(*p.Iss, h.Kid)
	if err != nil {
		return nil, err
	}
	if tp, err := key.Thumbprint(crypto.SHA256); err != nil || base64URLString(tp) != key.KeyID {
		return nil, errorf(CodeUnknownIssuer, "the issuer key %q is not named by its JWK thumbprint (SHA-256), as SMART Health Cards require", key.KeyID)
	}
	if _, err := verifyJWS(jws, jose.ES256, key); err != nil {
		return nil, err
	}
	return checkCard(p, h.Kid, o)
}

func unverifiedPayload(jws string) ([]byte, error) {
	parts := strings.Split(jws, ".")
	raw, err := base64URL(parts[1])
	if err != nil {
		return nil, errorf(CodeMalformed, "the JWS payload is not base64url")
	}
	return raw, nil
}

func inflatePayload(raw []byte) (*shcPayload, error) {
	r := flate.NewReader(bytes.NewReader(raw))
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, maxInflated+1))
	if err != nil {
		return nil, errorf(CodeMalformed, "the card payload is not raw DEFLATE data")
	}
	if len(data) > maxInflated {
		return nil, errorf(CodeMalformed, "the card payload inflates to more than %d bytes", maxInflated)
	}
	var p shcPayload
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, errorf(CodeMalformed, "the card payload is not a JSON object: %s", jsonReason(err))
	}
	return &p, nil
}

func checkCard(p *shcPayload, kid string, o Options) (*Card, error) {
	if p.Nbf == nil {
		return nil, errorf(CodeMalformed, "the card has no nbf")
	}
	if p.VC == nil || p.VC.CredentialSubject == nil || len(p.VC.CredentialSubject.FHIRBundle) == 0 {
		return nil, errorf(CodeMalformed, "the card has no vc.credentialSubject.fhirBundle")
	}
	if !contains(p.VC.Type, "https://smarthealth.cards#health-card") {
		return nil, errorf(CodeMalformed, "vc.type does not include https://smarthealth.cards#health-card")
	}
	c := &Card{
		Issuer:       *p.Iss,
		KeyID:        kid,
		ValidFrom:    unixTime(*p.Nbf),
		Types:        p.VC.Type,
		RevocationID: p.VC.RID,
		FHIRVersion:  p.VC.CredentialSubject.FHIRVersion,
	}
	if o.At.Before(c.ValidFrom) {
		return nil, errorf(CodeNotYetValid, "the card is not valid before %s (nbf)", c.ValidFrom.Format(time.RFC3339))
	}
	if p.Exp != nil {
		t := unixTime(*p.Exp)
		c.ValidUntil = &t
		if !o.At.Before(t) {
			return nil, errorf(CodeExpired, "the card expired at %s (exp)", t.Format(time.RFC3339))
		}
	}
	crl := o.crl(kid)
	switch {
	case crl == nil:
		c.Revocation = "not checked: no revocation list given for key " + kid
	case c.RevocationID == "":
		c.Revocation = "the card has no rid: it cannot be revoked by the issuer's list"
	case crl.revoked(c.RevocationID, c.ValidFrom):
		return nil, errorf(CodeRevoked, "the issuer's revocation list (ctr %d) revokes rid %q", crl.Ctr, c.RevocationID)
	default:
		c.Revocation = "not revoked: rid " + c.RevocationID + " is not in the revocation list (ctr " + strconv.Itoa(crl.Ctr) + ")"
	}
	if err := readBundle(c, p.VC.CredentialSubject.FHIRBundle); err != nil {
		return nil, err
	}
	return c, nil
}

func unixTime(f float64) time.Time {
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e3))*int64(time.Millisecond)).UTC()
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

type coding struct {
	System string `json:"system"`
	Code   string `json:"code"`
}

// readBundle reads the resources of the card's FHIR Bundle.
func readBundle(c *Card, raw json.RawMessage) error {
	var b struct {
		ResourceType string `json:"resourceType"`
		Entry        []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(raw, &b); err != nil || b.ResourceType != "Bundle" {
		return errorf(CodeMalformed, "vc.credentialSubject.fhirBundle is not a FHIR Bundle")
	}
	c.Resources = map[string]int{}
	for _, e := range b.Entry {
		var r struct {
			ResourceType string `json:"resourceType"`
			Name         []struct {
				Family string   `json:"family"`
				Given  []string `json:"given"`
			} `json:"name"`
			BirthDate   string `json:"birthDate"`
			Status      string `json:"status"`
			VaccineCode struct {
				Coding []coding `json:"coding"`
			} `json:"vaccineCode"`
			Code struct {
				Coding []coding `json:"coding"`
			} `json:"code"`
			OccurrenceDateTime string `json:"occurrenceDateTime"`
			EffectiveDateTime  string `json:"effectiveDateTime"`
			LotNumber          string `json:"lotNumber"`
			Performer          []struct {
				Actor struct {
					Display string `json:"display"`
				} `json:"actor"`
			} `json:"performer"`
			ValueCodeableConcept struct {
				Coding []coding `json:"coding"`
			} `json:"valueCodeableConcept"`
			ValueQuantity *struct {
				Value json.Number `json:"value"`
				Unit  string      `json:"unit"`
			} `json:"valueQuantity"`
			ValueString string `json:"valueString"`
		}
		if err := json.Unmarshal(e.Resource, &r); err != nil || r.ResourceType == "" {
			return errorf(CodeMalformed, "an entry of the FHIR Bundle is not a resource")
		}
		c.Resources[r.ResourceType]++
		switch r.ResourceType {
		case "Patient":
			if len(r.Name) > 0 {
				n := r.Name[0]
				c.Patient = strings.TrimSpace(strings.Join(append(append([]string{}, n.Given...), n.Family), " "))
			}
			c.BirthDate = r.BirthDate
		case "Immunization":
			im := Immunization{Date: r.OccurrenceDateTime, Status: r.Status, Lot: r.LotNumber}
			if len(r.VaccineCode.Coding) > 0 {
				im.System, im.Code = r.VaccineCode.Coding[0].System, r.VaccineCode.Coding[0].Code
			}
			if len(r.Performer) > 0 {
				im.Performer = r.Performer[0].Actor.Display
			}
			c.Immunization = append(c.Immunization, im)
		case "Observation":
			ob := Observation{Date: r.EffectiveDateTime}
			if len(r.Code.Coding) > 0 {
				ob.System, ob.Code = r.Code.Coding[0].System, r.Code.Coding[0].Code
			}
			switch {
			case len(r.ValueCodeableConcept.Coding) > 0:
				ob.Value = r.ValueCodeableConcept.Coding[0].Code
			case r.ValueQuantity != nil:
				ob.Value = strings.TrimSpace(r.ValueQuantity.Value.String() + " " + r.ValueQuantity.Unit)
			default:
				ob.Value = r.ValueString
			}
			c.Observations = append(c.Observations, ob)
		}
	}
	return nil
}
