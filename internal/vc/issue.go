package vc

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// The profile of the credentials medchain issues: VC 2.0 secured as a JWT
// (application/vc+jwt), EdDSA with the Ed25519 key of the issuing member
// (the key the ledger knows; the header's kid is its hex), and these
// identifiers, so that a verifier finds the ledger's entry and checks it
// matches: the issuer is an organisation, the subject a member where the
// ledger knows them, the id the ledger's credential ID.
const (
	OrgURN        = "urn:medchain:org:"
	MemberURN     = "urn:medchain:member:"
	CredentialURN = "urn:medchain:credential:"
	// MediaType is the typ of a VC 2.0 secured as a JWT.
	MediaType = "vc+jwt"
)

// TypeNames maps the ledger's credential types to the VC type each
// credential carries besides VerifiableCredential.
var TypeNames = map[string]string{
	"board-certification": "BoardCertificationCredential",
	"course-certificate":  "CourseCertificateCredential",
	"degree":              "DegreeCredential",
	"employment":          "EmploymentCredential",
	"medical-licence":     "MedicalLicenceCredential",
	"npi":                 "NPICredential",
	"privileges":          "ClinicalPrivilegesCredential",
}

// Draft is a credential about to be issued on medchain.
type Draft struct {
	ID      string // the ledger's credential ID, cr-…
	Type    string // the ledger's credential type
	Issuer  string // the issuing organisation
	Subject string // the subject's ledger ID (org/handle), or "" for a person the ledger does not know
	// Claims are what the credential says of its subject (name, licence
	// number, jurisdiction...): they go to the holder only.
	Claims     map[string]any
	ValidFrom  time.Time
	ValidUntil time.Time // zero: no expiry
	// StatusLists is the URL of the issuer's Bitstring Status Lists
	// (…/v1/credentials/status-lists/<org>, the purpose appended), and
	// StatusIndex the credential's index in them; empty: no credentialStatus.
	StatusLists string
	StatusIndex uint32
}

// Document is the VC 2.0 JSON of d.
func (d Draft) Document() (map[string]any, error) {
	if err := d.checkClaims(); err != nil {
		return nil, err
	}
	return d.document()
}

// checkClaims refuses claims a credential of d's type may not make: an NPI
// credential must give a valid NPI.
func (d Draft) checkClaims() error {
	if d.Type == "npi" {
		npi, _ := d.Claims["npi"].(string)
		if npi == "" {
			return errors.New("vc: an npi credential says the subject's NPI: give the claim npi")
		}
		if err := CheckNPI(npi); err != nil {
			return fmt.Errorf("vc: claim npi: %w", err)
		}
	}
	return nil
}

// document is d's VC 2.0 JSON, its claims unchecked.
func (d Draft) document() (map[string]any, error) {
	name, ok := TypeNames[d.Type]
	if !ok {
		return nil, fmt.Errorf("vc: %q is not a credential type medchain issues", d.Type)
	}
	subject := make(map[string]any, len(d.Claims)+1)
	for k, v := range d.Claims {
		subject[k] = v
	}
	if d.Subject != "" {
		subject["id"] = MemberURN + d.Subject
	} else {
		delete(subject, "id")
	}
	doc := map[string]any{
		"@context":          []any{ContextV2},
		"id":                CredentialURN + d.ID,
		"type":              []any{"VerifiableCredential", name},
		"issuer":            OrgURN + d.Issuer,
		"validFrom":         d.ValidFrom.UTC().Format(time.RFC3339),
		"credentialSubject": subject,
	}
	if !d.ValidUntil.IsZero() {
		doc["validUntil"] = d.ValidUntil.UTC().Format(time.RFC3339)
	}
	if d.StatusLists != "" {
		doc["credentialStatus"] = statusEntries(d.StatusLists, d.StatusIndex)
	}
	return doc, nil
}

// KeyID is the kid medchain puts in the header of what a key signs: the
// Ed25519 public key in hex.
func KeyID(pub ed25519.PublicKey) string { return hex.EncodeToString(pub) }

// SignJWT secures doc as a JWT (typ vc+jwt) with an EdDSA signature by
// key. The payload is doc itself (VC 2.0 §JOSE). Ed25519 signatures are
// deterministic: the same document and key sign to the same bytes.
func SignJWT(doc map[string]any, key ed25519.PrivateKey) (string, error) {
	payload, err := json.Marshal(doc)
	if err != nil {
		return "", fmt.Errorf("vc: encode the credential: %w", err)
	}
	typ := jose.ContentType(MediaType)
	if _, sd := doc["_sd_alg"]; sd {
		typ = SDMediaType
	}
	opts := (&jose.SignerOptions{}).WithType(typ).WithHeader(jose.HeaderKey("kid"), KeyID(key.Public().(ed25519.PublicKey)))
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: key}, opts)
	if err != nil {
		return "", fmt.Errorf("vc: signer: %w", err)
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("vc: sign: %w", err)
	}
	return obj.CompactSerialize()
}

// HeaderKeyID reads the kid of a compact JWS's protected header, before
// anything is verified: which key to look up.
func HeaderKeyID(s string) (string, error) {
	jwt, _, _ := strings.Cut(strings.TrimSpace(s), "~")
	h, err := parseHeader(jwt)
	if err != nil {
		return "", err
	}
	return h.Kid, nil
}

// SubjectID is the id of a credential's subject, "" when it has none.
func SubjectID(c *Credential) (string, error) {
	var s struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(c.Subject, &s); err != nil {
		return "", errorf(CodeMalformed, "credentialSubject is not a JSON object with a string id")
	}
	return s.ID, nil
}

// Hash is the SHA-256 (lower-case hex) the ledger keeps of a credential:
// of its compact serialisation, surrounding white space removed; of an
// SD-JWT, of its issuer-signed JWT (the part before the first ~), which
// every presentation of it carries unchanged.
func Hash(compact string) string {
	jwt, _, _ := strings.Cut(strings.TrimSpace(compact), "~")
	sum := sha256.Sum256([]byte(jwt))
	return hex.EncodeToString(sum[:])
}

// UnverifiedIssuer is the issuer a compact JWS's payload names, read
// without verifying anything: which verifier to ask (the ledger for
// medchain's OrgURN). "" when it names none or is not a JWS.
func UnverifiedIssuer(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "~")
	if _, err := parseHeader(s); err != nil {
		return ""
	}
	raw, err := unverifiedPayload(s)
	if err != nil {
		return ""
	}
	var claims map[string]any
	if json.Unmarshal(raw, &claims) != nil {
		return ""
	}
	if vcClaim, ok := claims["vc"].(map[string]any); ok {
		if iss := issuerID(vcClaim["issuer"]); iss != "" {
			return iss
		}
		iss, _ := claims["iss"].(string)
		return iss
	}
	return issuerID(claims["issuer"])
}
