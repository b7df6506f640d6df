package credentials

import (
	"strconv"
	"strings"
	"time"
)

// FHIR is the case as a FHIR R4 Bundle (type collection) of
// VerificationResult resources, one per requirement: the applicant as
// the target Practitioner (Practitioner/<org>.<handle>, the records
// module's form), the primary source and the outcome (validated,
// val-fail, in-process), the hospital as validator. The ledger
// credential a source named is an extension (urn:medchain:credential).
func (c Case) FHIR() map[string]any {
	practitioner := "Practitioner/" + strings.Replace(c.Applicant, "/", ".", 1)
	entries := make([]any, 0, len(c.Requirements))
	for i, r := range c.Requirements {
		status, validation, at := "in-process", "unknown", c.Time
		switch r.Outcome {
		case OutcomeVerified:
			status, validation, at = "validated", "successful", r.Time
		case OutcomeRefused:
			status, validation, at = "val-fail", "failed", r.Time
		}
		source := map[string]any{
			"who":              map[string]any{"reference": "Organization/" + r.Source},
			"type":             []any{map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/primary-source-type", "code": "issuer", "display": "Issuing source"}}}},
			"validationStatus": map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/validation-status", "code": validation}}},
		}
		if r.Outcome != OutcomePending {
			source["validationDate"] = fhirTime(r.Time)
		}
		vr := map[string]any{
			"resourceType":      "VerificationResult",
			"id":                c.ID + "-" + strconv.Itoa(i),
			"target":            []any{map[string]any{"reference": practitioner}},
			"targetLocation":    []any{r.Type},
			"need":              map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/need", "code": "initial"}}},
			"status":            status,
			"statusDate":        fhirTime(at),
			"validationType":    map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/verificationresult-validation-type", "code": "primary"}}},
			"validationProcess": []any{map[string]any{"text": "primary-source verification of " + r.Type}},
			"primarySource":     []any{source},
			"validator":         []any{map[string]any{"organization": map[string]any{"reference": "Organization/" + c.Org}}},
		}
		if r.Credential != "" {
			vr["extension"] = []any{map[string]any{"url": "urn:medchain:credential", "valueString": r.Credential}}
		}
		if r.Reason != "" {
			vr["failureAction"] = map[string]any{"text": r.Reason}
		}
		entries = append(entries, map[string]any{"fullUrl": "urn:medchain:verification:" + c.ID + "-" + strconv.Itoa(i), "resource": vr})
	}
	return map[string]any{"resourceType": "Bundle", "id": c.ID, "type": "collection", "timestamp": fhirTime(c.Time), "entry": entries}
}

func fhirTime(t int64) string { return time.Unix(t, 0).UTC().Format(time.RFC3339) }
