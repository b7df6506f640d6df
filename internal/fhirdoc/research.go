package fhirdoc

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/medchain/medchain/internal/ledger"
)

// Research consent: a FHIR Bundle of a ResearchSubject and its Consent, as
// GET /v1/research/enrolments/{id}?format=fhir writes it, read back as the
// terms of a medchain research enrolment (the research/enrol message the
// patient signs). The mapping:
//
//	ResearchSubject.study.reference       "ResearchStudy/st-…"     → Study
//	ResearchSubject.individual.reference  "Patient/pt-…" (= Consent.patient)
//	Consent.status                        "active"
//	Consent.scope                         consentscope#research
//	Consent.patient.reference             "Patient/pt-…"           → Patient
//	Consent.policyRule                    DUO codings (optional)   → Terms
//	Consent.provision.type                "permit" (or absent)
//	Consent.provision.purpose             v3-ActReason HRESCH, only
//	Consent.provision.actor               role v3-ParticipationType CST, "Organization/<org>" → Custodians
//	Consent.provision.provision           type deny, a code in SystemBuyerClass → Refuses
//
// As for grants, whatever else the documents say is refused, not dropped:
// a restriction dropped would widen the consent.

// Systems of the research consent.
const (
	SystemDUO        = "http://purl.obolibrary.org/obo/duo.owl"
	SystemBuyerClass = "urn:medchain:buyer-class"
)

// ResearchTerms are the terms of a research enrolment read from FHIR.
type ResearchTerms struct {
	Patient    string
	Study      string
	Custodians []string
	Terms      []string
	Refuses    []string
}

var studyRefPattern = regexp.MustCompile(`^ResearchStudy/(st-[0-9a-f]{24})$`)

type (
	fResearchBundle struct {
		ResourceType string `json:"resourceType"`
		Entry        []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	fResearchSubject struct {
		ResourceType      string            `json:"resourceType"`
		ImplicitRules     string            `json:"implicitRules,omitempty"`
		ModifierExtension []json.RawMessage `json:"modifierExtension,omitempty"`
		Status            string            `json:"status"`
		Study             fReference        `json:"study"`
		Individual        fReference        `json:"individual"`
	}
	fResearchProvision struct {
		fProvision
		Nested []fNestedProvision `json:"provision,omitempty"`
	}
	fNestedProvision struct {
		ModifierExtension []json.RawMessage `json:"modifierExtension,omitempty"`
		Type              string            `json:"type"`
		Code              []fConcept        `json:"code"`
	}
)

// ParseResearchConsent reads a valid FHIR R4 Bundle holding exactly one
// ResearchSubject and one Consent as the terms of a research enrolment.
// Errors are *Error, with the element's path.
func ParseResearchConsent(raw []byte) (ResearchTerms, error) {
	var t ResearchTerms
	_, info, err := parse(raw)
	if err != nil {
		return t, err
	}
	if info.ResourceType != "Bundle" {
		return t, invalid("resourceType", "a %s, not a Bundle of a ResearchSubject and its Consent", info.ResourceType)
	}
	var b fResearchBundle
	if err := json.Unmarshal(raw, &b); err != nil {
		return t, fmt.Errorf("fhirdoc: reading a valid Bundle: %w", err)
	}
	var subject, consent json.RawMessage
	for i, e := range b.Entry {
		var head struct {
			ResourceType string `json:"resourceType"`
		}
		json.Unmarshal(e.Resource, &head)
		switch {
		case head.ResourceType == "ResearchSubject" && subject == nil:
			subject = e.Resource
		case head.ResourceType == "Consent" && consent == nil:
			consent = e.Resource
		default:
			return t, unsupported(fmt.Sprintf("Bundle.entry[%d].resource", i), "a %s: the Bundle holds one ResearchSubject and one Consent, nothing else", quoteName(head.ResourceType))
		}
	}
	if subject == nil || consent == nil {
		return t, invalid("Bundle.entry", "needs one ResearchSubject and one Consent")
	}
	var s fResearchSubject
	if err := json.Unmarshal(subject, &s); err != nil {
		return t, fmt.Errorf("fhirdoc: reading a valid ResearchSubject: %w", err)
	}
	if s.ImplicitRules != "" || len(s.ModifierExtension) > 0 {
		return t, unsupported("ResearchSubject", "implicitRules and modifierExtension are not supported")
	}
	m := studyRefPattern.FindStringSubmatch(s.Study.Reference)
	if m == nil {
		return t, unsupported("ResearchSubject.study.reference", "not a medchain study: reference it as \"ResearchStudy/st-\" and 24 hex digits")
	}
	t.Study = m[1]
	var c struct {
		fConsent
		Provision *fResearchProvision `json:"provision,omitempty"`
	}
	if err := json.Unmarshal(consent, &c); err != nil {
		return t, fmt.Errorf("fhirdoc: reading a valid Consent: %w", err)
	}
	switch {
	case c.ImplicitRules != "" || len(c.ModifierExtension) > 0:
		return ResearchTerms{}, unsupported("Consent", "implicitRules and modifierExtension are not supported: medchain cannot tell how they change the consent")
	case c.Status != "active":
		return ResearchTerms{}, unsupported("Consent.status", "%s is not supported: only an active consent enrols", quoteName(c.Status))
	}
	if code, _ := c.Scope.code(systemConsentScope); code != "research" {
		return ResearchTerms{}, unsupported("Consent.scope", "%s is not supported: an enrolment is a research consent (%s#research)", c.Scope.describe(), systemConsentScope)
	}
	if c.Patient == nil {
		return ResearchTerms{}, unsupported("Consent.patient", "missing: the patient is referenced as \"Patient/pt-…\"")
	}
	pt, ok := strings.CutPrefix(c.Patient.Reference, "Patient/")
	if !ok || ledger.ValidPatientID(pt) != nil {
		return ResearchTerms{}, unsupported("Consent.patient.reference", "not a medchain patient: reference the patient by medchain pseudonymous ID, \"Patient/pt-\" and 20 hex digits")
	}
	if s.Individual.Reference != c.Patient.Reference {
		return ResearchTerms{}, invalid("ResearchSubject.individual.reference", "is not the Consent's patient")
	}
	t.Patient = pt
	if c.PolicyRule != nil {
		for i, cd := range c.PolicyRule.Coding {
			if cd.System != SystemDUO {
				return ResearchTerms{}, unsupported(fmt.Sprintf("Consent.policyRule.coding[%d].system", i), "%s: data use terms are GA4GH DUO codes (%s)", quoteName(cd.System), SystemDUO)
			}
			t.Terms = append(t.Terms, cd.Code)
		}
	}
	p := c.Provision
	if p == nil {
		return ResearchTerms{}, unsupported("Consent.provision", "missing: the provision names the custodians and the purpose")
	}
	switch {
	case len(p.ModifierExtension) > 0 || len(p.SecurityLabel) > 0 || len(p.Class) > 0 || len(p.Code) > 0 || p.DataPeriod != nil || len(p.Data) > 0 || len(p.Action) > 0:
		return ResearchTerms{}, unsupported("Consent.provision", "only type, period, actor, purpose and deny provisions of buyer classes are supported")
	case p.Type != "" && p.Type != "permit":
		return ResearchTerms{}, unsupported("Consent.provision.type", "%s is not supported: the top provision permits", quoteName(p.Type))
	}
	if len(p.Purpose) != 1 || p.Purpose[0].System != systemActReason || p.Purpose[0].Code != "HRESCH" {
		return ResearchTerms{}, unsupported("Consent.provision.purpose", "must be exactly v3-ActReason HRESCH (healthcare research)")
	}
	for i, a := range p.Actor {
		path := fmt.Sprintf("Consent.provision.actor[%d]", i)
		if code, _ := a.Role.code(systemParticipation); code != "CST" || len(a.ModifierExtension) > 0 {
			return ResearchTerms{}, unsupported(path+".role", "%s is not supported: the actors are the custodians (v3-ParticipationType CST) whose records may be released", a.Role.describe())
		}
		org, ok := strings.CutPrefix(a.Reference.Reference, "Organization/")
		if !ok || org == "" || strings.Contains(org, "/") {
			return ResearchTerms{}, unsupported(path+".reference", "a custodian is referenced as \"Organization/<id>\"")
		}
		t.Custodians = append(t.Custodians, org)
	}
	if len(t.Custodians) == 0 {
		return ResearchTerms{}, unsupported("Consent.provision.actor", "missing: name the custodians whose records may be released")
	}
	for i, n := range p.Nested {
		path := fmt.Sprintf("Consent.provision.provision[%d]", i)
		if n.Type != "deny" || len(n.ModifierExtension) > 0 || len(n.Code) != 1 || len(n.Code[0].Coding) != 1 || n.Code[0].Coding[0].System != SystemBuyerClass {
			return ResearchTerms{}, unsupported(path, "a nested provision may only deny one buyer class (%s)", SystemBuyerClass)
		}
		t.Refuses = append(t.Refuses, n.Code[0].Coding[0].Code)
	}
	if slices.Contains(t.Custodians, "") {
		return ResearchTerms{}, invalid("Consent.provision.actor", "empty custodian")
	}
	return t, nil
}

// UnmarshalJSON reads a nested provision, keeping what it does not know
// so that it can be refused.
func (n *fNestedProvision) UnmarshalJSON(b []byte) error {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return err
	}
	type plain fNestedProvision
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*n = fNestedProvision(p)
	for k := range all {
		switch k {
		case "type", "code", "modifierExtension":
		default:
			n.Type = "unsupported" // anything else restricts in ways medchain cannot apply
		}
	}
	return nil
}
