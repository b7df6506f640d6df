package vc

import (
	"encoding/json"
	"regexp"
	"strings"
	"time"
)

// The base contexts: the first @context item of a VC 1.1 and a VC 2.0
// credential or presentation.
const (
	ContextV1 = "https://www.w3.org/2018/credentials/v1"
	ContextV2 = "https://www.w3.org/ns/credentials/v2"
)

// zkpProofTypes are the proof types of zero-knowledge credentials, which
// must name their credentialSchema (VC 1.1 §5.8).
var zkpProofTypes = []string{"CLSignature2019", "AnonCred"}

// Check validates a W3C Verifiable Credential or Presentation (VC 1.1 or
// 2.0 JSON, unsigned; or the payload of a compact JWT, read without
// checking its signature) against the normative rules of the data model.
// A refusal is an *Error with Code vc.data_model and the Rule broken.
func Check(in []byte) error {
	s := strings.TrimSpace(string(in))
	var doc map[string]any
	if strings.HasPrefix(s, "ey") && strings.Count(s, ".") == 2 {
		if _, err := parseHeader(s); err != nil {
			return err
		}
		raw, err := unverifiedPayload(s)
		if err != nil {
			return err
		}
		d, _, _, err := jwtCredential(raw)
		if err != nil {
			return err
		}
		doc = d
	} else if err := json.Unmarshal([]byte(s), &doc); err != nil || doc == nil {
		if err == nil {
			return errorf(CodeMalformed, "not a JSON object")
		}
		return errorf(CodeMalformed, "not a JSON object: %s", jsonReason(err))
	}
	return checkDoc(doc)
}

// checkDoc checks a credential or a presentation.
func checkDoc(doc map[string]any) error {
	v2, err := checkContext(doc)
	if err != nil {
		return err
	}
	types, err := checkTypes(doc)
	if err != nil {
		return err
	}
	if err := checkID(doc, "id"); err != nil {
		return err
	}
	switch {
	case contains(types, "VerifiableCredential"):
		if err := checkCredential(doc, v2); err != nil {
			return err
		}
		subjects, _ := objects(doc["credentialSubject"])
		return checkNPIClaims(types, subjects)
	case contains(types, "VerifiablePresentation"):
		return checkPresentation(doc, v2)
	}
	return ruleError("type.verifiable_credential", "type must include VerifiableCredential (or VerifiablePresentation for a presentation)")
}

func checkContext(doc map[string]any) (v2 bool, err error) {
	ctx, ok := doc["@context"]
	if !ok {
		return false, ruleError("context.required", "@context is required")
	}
	var first any
	switch c := ctx.(type) {
	case []any:
		if len(c) == 0 {
			return false, ruleError("context.required", "@context must not be empty")
		}
		first = c[0]
	case string:
		first = c
	default:
		return false, ruleError("context.base_first", "@context must be an ordered set whose first item is %s or %s", ContextV1, ContextV2)
	}
	switch first {
	case ContextV1:
		return false, nil
	case ContextV2:
		return true, nil
	}
	return false, ruleError("context.base_first", "the first @context item must be %s (VC 1.1) or %s (VC 2.0), not %v", ContextV1, ContextV2, first)
}

func checkTypes(doc map[string]any) ([]string, error) {
	t, ok := doc["type"]
	if !ok {
		return nil, ruleError("type.required", "type is required")
	}
	var types []string
	switch x := t.(type) {
	case string:
		types = []string{x}
	case []any:
		for _, e := range x {
			s, ok := e.(string)
			if !ok || s == "" {
				return nil, ruleError("type.terms", "each type must be a term or a URL (a non-empty string)")
			}
			types = append(types, s)
		}
	default:
		return nil, ruleError("type.terms", "type must be a string or an array of strings")
	}
	if len(types) == 0 {
		return nil, ruleError("type.verifiable_credential", "type must have one or more values, including VerifiableCredential")
	}
	return types, nil
}

func checkCredential(doc map[string]any, v2 bool) error {
	if err := checkIssuer(doc); err != nil {
		return err
	}
	cs, ok := doc["credentialSubject"]
	if !ok {
		return ruleError("credential_subject.required", "credentialSubject is required")
	}
	subjects, ok := objects(cs)
	if !ok || len(subjects) == 0 {
		return ruleError("credential_subject.object", "credentialSubject must be an object or an array of objects")
	}
	for _, s := range subjects {
		if err := checkID(s, "credentialSubject.id"); err != nil {
			return err
		}
	}
	fromKey, untilKey := "issuanceDate", "expirationDate"
	if v2 {
		fromKey, untilKey = "validFrom", "validUntil"
	}
	from, err := checkDate(doc, fromKey, !v2, v2)
	if err != nil {
		return err
	}
	until, err := checkDate(doc, untilKey, false, v2)
	if err != nil {
		return err
	}
	if from != nil && until != nil && until.Before(*from) {
		return ruleError(ruleName(untilKey)+".order", "%s must not be before %s", untilKey, fromKey)
	}
	for _, k := range []string{"credentialStatus", "credentialSchema", "refreshService", "termsOfUse", "evidence"} {
		if err := checkTyped(doc, k); err != nil {
			return err
		}
	}
	proofs, err := checkProof(doc)
	if err != nil {
		return err
	}
	if zkp(proofs) {
		if _, ok := doc["credentialSchema"]; !ok {
			return ruleError("credential_schema.zkp", "a credential with a zero-knowledge proof (%s) must have a credentialSchema", proofType(proofs))
		}
	}
	return nil
}

func checkPresentation(doc map[string]any, v2 bool) error {
	if h, ok := doc["holder"]; ok {
		if id := issuerID(h); !isURL(id) {
			return ruleError("holder.url", "holder must be a URL (or an object whose id is one)")
		}
	}
	proofs, err := checkProof(doc)
	if err != nil {
		return err
	}
	vcs, ok := doc["verifiableCredential"]
	if !ok {
		return nil
	}
	list, isList := vcs.([]any)
	if !isList {
		list = []any{vcs}
	}
	anyZKP := false
	for _, e := range list {
		switch x := e.(type) {
		case string:
			// A credential secured as a JWT (an enveloped credential):
			// verified on its own, not checked here.
		case map[string]any:
			if _, ok := x["@context"]; !ok && v2 && x["type"] == "EnvelopedVerifiableCredential" {
				continue
			}
			if err := checkDoc(x); err != nil {
				return err
			}
			p, _ := x["proof"]
			ps, _ := objects(p)
			anyZKP = anyZKP || zkp(ps)
		default:
			return ruleError("verifiable_credential.object", "verifiableCredential must hold credentials (objects) or JWT-secured credentials (strings)")
		}
	}
	if anyZKP && len(proofs) == 0 {
		return ruleError("presentation.proof_zkp", "a presentation of zero-knowledge credentials must carry a proof of its own")
	}
	return nil
}

// checkIssuer: issuer is required, single, a URL or an object with an id URL.
func checkIssuer(doc map[string]any) error {
	iss, ok := doc["issuer"]
	if !ok {
		return ruleError("issuer.required", "issuer is required")
	}
	switch x := iss.(type) {
	case string:
		if !isURL(x) {
			return ruleError("issuer.url", "issuer must be a URL, not %q", x)
		}
	case map[string]any:
		id, _ := x["id"].(string)
		if !isURL(id) {
			return ruleError("issuer.url", "an issuer object must have an id that is a URL")
		}
	case []any:
		return ruleError("issuer.single", "issuer must be a single URL or object, not an array")
	default:
		return ruleError("issuer.url", "issuer must be a URL or an object with an id")
	}
	return nil
}

// checkID: an id, if present, is a single URL.
func checkID(doc map[string]any, name string) error {
	v, ok := doc["id"]
	if !ok {
		return nil
	}
	rule := ruleName(name)
	switch x := v.(type) {
	case string:
		if !isURL(x) {
			return ruleError(rule+".url", "%s must be a URL, not %q", name, x)
		}
	case []any:
		return ruleError(rule+".single", "%s must be a single URL, not an array", name)
	default:
		return ruleError(rule+".url", "%s must be a URL", name)
	}
	return nil
}

// checkDate: a date-time property, single, in XML Schema dateTime form
// (with a time zone offset for VC 2.0's dateTimeStamp).
func checkDate(doc map[string]any, key string, required, needZone bool) (*time.Time, error) {
	rule := ruleName(key)
	v, ok := doc[key]
	if !ok {
		if required {
			return nil, ruleError(rule+".required", "%s is required", key)
		}
		return nil, nil
	}
	s, ok := v.(string)
	if !ok {
		if _, isArr := v.([]any); isArr {
			return nil, ruleError(rule+".single", "%s must be a single date-time, not an array", key)
		}
		return nil, ruleError(rule+".format", "%s must be an XML Schema dateTime string", key)
	}
	if needZone && !zoned.MatchString(s) {
		return nil, ruleError(rule+".format", "%s %q must be an XML Schema dateTimeStamp (a date-time with a time zone)", key, s)
	}
	t, ok := parseDateTime(s)
	if !ok {
		return nil, ruleError(rule+".format", "%s %q is not an XML Schema dateTime", key, s)
	}
	return &t, nil
}

// checkTyped: each object of the property needs a type (and an id for
// credentialStatus and credentialSchema).
func checkTyped(doc map[string]any, key string) error {
	v, ok := doc[key]
	if !ok {
		return nil
	}
	rule := ruleName(key)
	objs, ok := objects(v)
	if !ok {
		return ruleError(rule+".object", "%s must be an object or an array of objects", key)
	}
	for _, o := range objs {
		if key == "credentialStatus" || key == "credentialSchema" {
			id, ok := o["id"].(string)
			if !ok {
				return ruleError(rule+".id", "each %s must have an id", key)
			}
			if !isURL(id) {
				return ruleError(rule+".id", "the id of %s must be a URL, not %q", key, id)
			}
		}
		if !hasType(o) {
			return ruleError(rule+".type", "each %s must have a type", key)
		}
	}
	return nil
}

func checkProof(doc map[string]any) ([]map[string]any, error) {
	p, ok := doc["proof"]
	if !ok {
		return nil, nil
	}
	proofs, ok := objects(p)
	if !ok {
		return nil, ruleError("proof.object", "proof must be an object or an array of objects")
	}
	for _, o := range proofs {
		if !hasType(o) {
			return nil, ruleError("proof.type", "each proof must have a type")
		}
	}
	return proofs, nil
}

func hasType(o map[string]any) bool {
	switch t := o["type"].(type) {
	case string:
		return t != ""
	case []any:
		return len(t) > 0
	}
	return false
}

func zkp(proofs []map[string]any) bool {
	return proofType(proofs) != ""
}

func proofType(proofs []map[string]any) string {
	for _, p := range proofs {
		t, _ := p["type"].(string)
		for _, z := range zkpProofTypes {
			if strings.Contains(t, z) {
				return t
			}
		}
	}
	return ""
}

// objects reads an object or an array of objects.
func objects(v any) ([]map[string]any, bool) {
	switch x := v.(type) {
	case map[string]any:
		return []map[string]any{x}, true
	case []any:
		out := make([]map[string]any, 0, len(x))
		for _, e := range x {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, false
			}
			out = append(out, m)
		}
		return out, true
	}
	return nil, false
}

// isURL: an absolute URL (RFC 3986): a scheme, a colon, no spaces.
var urlRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]+$`)

func isURL(s string) bool { return urlRE.MatchString(s) }

var (
	dateTimeRE = regexp.MustCompile(`^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$`)
	zoned      = regexp.MustCompile(`(Z|[+-]\d{2}:\d{2})$`)
)

// parseDateTime reads an XML Schema dateTime; one without a time zone is
// read as UTC.
func parseDateTime(s string) (time.Time, bool) {
	if !dateTimeRE.MatchString(s) {
		return time.Time{}, false
	}
	if !zoned.MatchString(s) {
		s += "Z"
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// ruleName turns a property name into a rule code part:
// issuanceDate → issuance_date, credentialSubject.id → credential_subject.id.
func ruleName(key string) string {
	var b strings.Builder
	for i, r := range key {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r + 'a' - 'A')
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
