package vc

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
)

// SD-JWT (RFC 9901) on the VC-JWT profile: the issuer signs a credential
// whose credentialSubject lists, under _sd, the SHA-256 digests of
// salted disclosures ([salt, claim name, value], base64url JSON) instead of
// the claims; the holder keeps the disclosures and shows only those it
// chooses (a presentation: <JWT>~<disclosure>~...~). The signed JWT is the
// same in every presentation, so the ledger keeps its hash (Hash).
// Key binding (a KB-JWT by the holder) is not used: see ADR 29.

// SDMediaType is the typ of a VC 2.0 secured as an SD-JWT.
const SDMediaType = "vc+sd-jwt"

// saltSize is the bytes of a disclosure's salt (RFC 9901 recommends 128 bits).
const saltSize = 16

// maxDisclosures bounds what a presentation may carry.
const maxDisclosures = 256

// SelectiveDocument is the VC 2.0 JSON of d with every claim made
// selectively disclosable, and the disclosures (all of them: the holder's
// copy). Salts are read from salt (crypto/rand.Reader; the package reads
// no randomness itself). The digests are sorted, hiding the claims' order.
func (d Draft) SelectiveDocument(salt io.Reader) (doc map[string]any, disclosures []string, err error) {
	if err := d.checkClaims(); err != nil {
		return nil, nil, err
	}
	claims := d.Claims
	d.Claims = nil
	doc, err = d.document()
	if err != nil {
		return nil, nil, err
	}
	names := make([]string, 0, len(claims))
	for k := range claims {
		if k == "id" || k == "_sd" || k == "..." {
			return nil, nil, fmt.Errorf("vc: %q cannot be a selectively disclosable claim", k)
		}
		names = append(names, k)
	}
	sort.Strings(names)
	var digests []any
	for _, name := range names {
		s := make([]byte, saltSize)
		if _, err := io.ReadFull(salt, s); err != nil {
			return nil, nil, fmt.Errorf("vc: salt: %w", err)
		}
		raw, err := json.Marshal([]any{base64.RawURLEncoding.EncodeToString(s), name, claims[name]})
		if err != nil {
			return nil, nil, fmt.Errorf("vc: claim %q: %w", name, err)
		}
		disc := base64.RawURLEncoding.EncodeToString(raw)
		disclosures = append(disclosures, disc)
		digests = append(digests, disclosureDigest(disc))
	}
	sort.Slice(digests, func(i, j int) bool { return digests[i].(string) < digests[j].(string) })
	subject := doc["credentialSubject"].(map[string]any)
	subject["_sd"] = digests
	doc["_sd_alg"] = "sha-256"
	return doc, disclosures, nil
}

func disclosureDigest(disc string) string {
	sum := sha256.Sum256([]byte(disc))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// JoinSD is the SD-JWT of an issuer-signed JWT and disclosures, with no
// key binding: <JWT>~<d1>~...~<dn>~.
func JoinSD(jwt string, disclosures []string) string {
	var b strings.Builder
	b.WriteString(jwt)
	b.WriteByte('~')
	for _, d := range disclosures {
		b.WriteString(d)
		b.WriteByte('~')
	}
	return b.String()
}

// splitSD splits an SD-JWT into its issuer-signed JWT and disclosures; a
// string without ~ is a plain JWT. A key-binding JWT (a last part not
// followed by ~) is refused: medchain's presentations carry none.
func splitSD(s string) (jwt string, disclosures []string, sd bool, err error) {
	s = strings.TrimSpace(s)
	jwt, rest, sd := strings.Cut(s, "~")
	if !sd {
		return jwt, nil, false, nil
	}
	if !strings.HasSuffix(rest, "~") && rest != "" {
		return "", nil, true, errorf(CodeMalformed, "an SD-JWT ends with ~ (a key-binding JWT is not accepted)")
	}
	if rest != "" {
		disclosures = strings.Split(strings.TrimSuffix(rest, "~"), "~")
	}
	if len(disclosures) > maxDisclosures {
		return "", nil, true, errorf(CodeMalformed, "%d disclosures: at most %d", len(disclosures), maxDisclosures)
	}
	return jwt, disclosures, true, nil
}

// Disclosure is one disclosed claim.
type Disclosure struct {
	Name  string `json:"name"`
	Value any    `json:"value"`
	// Encoded is the disclosure as presented.
	Encoded string `json:"-"`
}

// parseDisclosure reads [salt, name, value].
func parseDisclosure(d string) (Disclosure, error) {
	raw, err := base64.RawURLEncoding.DecodeString(d)
	if err != nil {
		return Disclosure{}, errorf(CodeMalformed, "a disclosure is not base64url without padding")
	}
	var arr []any
	if err := json.Unmarshal(raw, &arr); err != nil || len(arr) != 3 {
		return Disclosure{}, errorf(CodeMalformed, "a disclosure is not a JSON array [salt, claim name, value]")
	}
	salt, ok1 := arr[0].(string)
	name, ok2 := arr[1].(string)
	if !ok1 || !ok2 || salt == "" {
		return Disclosure{}, errorf(CodeMalformed, "a disclosure's salt and claim name must be strings")
	}
	if name == "id" || name == "_sd" || name == "..." {
		return Disclosure{}, errorf(CodeMalformed, "a disclosure may not name the claim %q", name)
	}
	return Disclosure{Name: name, Value: arr[2], Encoded: d}, nil
}

// Present keeps the disclosures of an SD-JWT whose claim names are in
// keep, and drops the others: the holder's presentation. It checks
// nothing cryptographic; a claim named in keep that the SD-JWT does not
// disclose is an error.
func Present(sdjwt string, keep []string) (string, error) {
	jwt, discs, sd, err := splitSD(sdjwt)
	if err != nil {
		return "", err
	}
	if !sd {
		return "", errorf(CodeMalformed, "not an SD-JWT (no ~): a plain VC-JWT discloses everything or nothing")
	}
	var out []string
	found := map[string]bool{}
	for _, d := range discs {
		p, err := parseDisclosure(d)
		if err != nil {
			return "", err
		}
		if slices.Contains(keep, p.Name) {
			out = append(out, d)
			found[p.Name] = true
		}
	}
	for _, k := range keep {
		if !found[k] {
			return "", errorf(CodeMalformed, "the credential discloses no claim %q", k)
		}
	}
	return JoinSD(jwt, out), nil
}

// VerifySD verifies an SD-JWT presentation (or a plain VC-JWT): the
// issuer-signed JWT as VerifyJWT does, then each disclosure against the
// digests the signed credentialSubject lists (each at most once). The
// Credential's Subject holds the subject's id and the disclosed claims
// only; Undisclosed counts the others.
func VerifySD(s string, o Options) (*Credential, error) {
	jwt, discs, sd, err := splitSD(s)
	if err != nil {
		return nil, err
	}
	c, err := VerifyJWT(jwt, o)
	if err != nil || !sd {
		return c, err
	}
	var subject map[string]any
	if err := json.Unmarshal(c.Subject, &subject); err != nil {
		return nil, errorf(CodeMalformed, "credentialSubject is not a JSON object")
	}
	digests := map[string]bool{}
	list, _ := subject["_sd"].([]any)
	for _, v := range list {
		if d, ok := v.(string); ok {
			digests[d] = true
		}
	}
	out := map[string]any{}
	if id, ok := subject["id"]; ok {
		out["id"] = id
	}
	for k, v := range subject {
		if k != "_sd" && k != "id" {
			out[k] = v // claims the issuer made always visible
		}
	}
	seen := map[string]bool{}
	for _, d := range discs {
		p, err := parseDisclosure(d)
		if err != nil {
			return nil, err
		}
		dg := disclosureDigest(d)
		switch {
		case !digests[dg]:
			return nil, errorf(CodeBadSignature, "disclosure of %q is not one the issuer signed (its digest is not in credentialSubject._sd)", p.Name)
		case seen[dg]:
			return nil, errorf(CodeMalformed, "disclosure of %q given twice", p.Name)
		}
		if _, dup := out[p.Name]; dup {
			return nil, errorf(CodeMalformed, "claim %q disclosed twice", p.Name)
		}
		seen[dg] = true
		out[p.Name] = p.Value
	}
	c.Subject, _ = json.Marshal(out)
	c.Undisclosed = len(digests) - len(seen)
	c.Selective = true
	return c, nil
}
