package fhirdoc

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// researchConsent is an enrolment as GET /v1/research/enrolments/{id}
// ?format=fhir writes it.
const researchConsent = `{"resourceType":"Bundle","type":"collection","entry":[
{"resource":{"resourceType":"ResearchSubject","id":"en-3c787cf60081c75fc4910fbf","status":"on-study","period":{"start":"2026-01-01T00:00:20Z"},
 "study":{"reference":"ResearchStudy/st-ecdb618afa0f74766cbe6f05"},"individual":{"reference":"Patient/pt-0123456789abcdef0123"},
 "consent":{"reference":"Consent/en-3c787cf60081c75fc4910fbf"}}},
{"resource":{"resourceType":"Consent","id":"en-3c787cf60081c75fc4910fbf","status":"active",
 "scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"research"}]},
 "category":[{"coding":[{"system":"http://loinc.org","code":"57016-8"}]}],
 "patient":{"reference":"Patient/pt-0123456789abcdef0123"},"dateTime":"2026-01-01T00:00:20Z",
 "policy":[{"uri":"http://purl.obolibrary.org/obo/duo.owl"}],
 "policyRule":{"coding":[{"system":"http://purl.obolibrary.org/obo/duo.owl","code":"DUO:0000006"},{"system":"http://purl.obolibrary.org/obo/duo.owl","code":"DUO:0000046"}]},
 "provision":{"type":"permit","period":{"start":"2026-01-01T00:00:20Z","end":"2027-12-31"},
  "actor":[{"role":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ParticipationType","code":"CST"}]},"reference":{"reference":"Organization/st-marys"}}],
  "purpose":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActReason","code":"HRESCH"}],
  "provision":[{"type":"deny","code":[{"coding":[{"system":"urn:medchain:buyer-class","code":"commercial"}]}]}]}}}]}`

func TestParseResearchConsent(t *testing.T) {
	got, err := ParseResearchConsent([]byte(researchConsent))
	if err != nil {
		t.Fatal(err)
	}
	if got.Patient != "pt-0123456789abcdef0123" || got.Study != "st-ecdb618afa0f74766cbe6f05" || !slices.Equal(got.Custodians, []string{"st-marys"}) ||
		!slices.Equal(got.Terms, []string{"DUO:0000006", "DUO:0000046"}) || !slices.Equal(got.Refuses, []string{"commercial"}) {
		t.Fatalf("%+v", got)
	}
	// Whatever narrows or changes the consent beyond what an enrolment
	// says is refused, with the element's path.
	for _, c := range []struct{ name, from, to, path string }{
		{"not research", `"code":"research"`, `"code":"patient-privacy"`, "Consent.scope"},
		{"inactive", `"status":"active"`, `"status":"inactive"`, "Consent.status"},
		{"another purpose", `"code":"HRESCH"`, `"code":"TREAT"`, "Consent.provision.purpose"},
		{"an actor who is no custodian", `"code":"CST"`, `"code":"IRCP"`, "Consent.provision.actor[0].role"},
		{"another patient", `"individual":{"reference":"Patient/pt-0123456789abcdef0123"}`, `"individual":{"reference":"Patient/pt-aaaaaaaaaaaaaaaaaaaa"}`, "ResearchSubject.individual.reference"},
		{"not a medchain study", `ResearchStudy/st-ecdb618afa0f74766cbe6f05`, `ResearchStudy/diabetes-2026`, "ResearchSubject.study.reference"},
		{"terms in another system", `{"system":"http://purl.obolibrary.org/obo/duo.owl","code":"DUO:0000046"}`, `{"system":"urn:other","code":"x"}`, "Consent.policyRule.coding[1].system"},
		{"a deny of something else", `"system":"urn:medchain:buyer-class"`, `"system":"urn:other"`, "Consent.provision.provision[0]"},
		{"a data restriction", `"purpose":[`, `"dataPeriod":{"start":"2020-01-01"},"purpose":[`, "Consent.provision"},
	} {
		doc := strings.Replace(researchConsent, c.from, c.to, 1)
		if doc == researchConsent {
			t.Fatalf("%s: the edit does not apply", c.name)
		}
		_, err := ParseResearchConsent([]byte(doc))
		var e *Error
		if !errors.As(err, &e) || e.Path != c.path {
			t.Errorf("%s: %v, want an error at %s", c.name, err, c.path)
		}
	}
	if _, err := ParseResearchConsent([]byte(`{"resourceType":"Consent"}`)); err == nil {
		t.Error("a lone Consent is accepted")
	}
}
