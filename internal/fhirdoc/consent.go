package fhirdoc

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/medchain/medchain/internal/governance"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/records"
)

// Terms are the terms of a medchain consent grant, in neutral form: the
// records module converts them to and from its grant message.
type Terms struct {
	// Patient is the medchain pseudonymous patient ID ("pt-" and 20 hex
	// digits), from Consent.patient.reference "Patient/pt-…". Only such
	// IDs are accepted: medchain never maps names or other systems' IDs.
	Patient string
	// Grantee is who the grant is for.
	Grantee Grantee
	// Purposes are medchain purposes of use (treatment, payment,
	// operations, research, emergency, public-health); at least one.
	// ParseConsent returns them sorted and unique.
	Purposes []string
	// Types are FHIR resource types the grant is limited to; empty means
	// all. Sorted and unique.
	Types []string
	// Records are medchain record IDs ("rec-…") the grant is limited to;
	// empty means all. Sorted and unique.
	Records []string
	// Start is when the grant begins (zero: not stated, the records module
	// takes the block time). End is the grant's expiry, exclusive:
	// required. Both come back in UTC.
	Start, End time.Time
}

// Grantee is who a grant is for: exactly one of an organisation (Org), a
// member ("org/handle", Member), or the members of Org holding Role.
type Grantee struct {
	Org, Member, Role string
}

// Code systems and identifier systems of the Consent mapping.
const (
	// SystemRole is medchain's code system of member roles ("physician",
	// "nurse", …), used in Consent.provision.actor.role for a grant to a
	// role within an organisation.
	SystemRole = "urn:medchain:role"
	// SystemRecord is the identifier system of medchain record IDs, used
	// in Consent.provision.data.reference.identifier.
	SystemRecord = "urn:medchain:record"

	systemConsentScope  = "http://terminology.hl7.org/CodeSystem/consentscope"
	systemActCode       = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
	systemActReason     = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
	systemParticipation = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
	systemConsentAction = "http://terminology.hl7.org/CodeSystem/consentaction"
	systemResourceTypes = "http://hl7.org/fhir/resource-types"
	systemLOINC         = "http://loinc.org"
)

// purposeCodes maps v3-ActReason codes to medchain purposes, in the order
// FormatConsent writes them.
var purposeCodes = []struct{ code, purpose, display string }{
	{"ETREAT", "emergency", "Emergency Treatment"},
	{"HOPERAT", "operations", "healthcare operations"},
	{"HPAYMT", "payment", "healthcare payment"},
	{"PUBHLTH", "public-health", "public health"},
	{"HRESCH", "research", "healthcare research"},
	{"TREAT", "treatment", "treatment"},
}

func purposeOf(code string) string {
	for _, p := range purposeCodes {
		if p.code == code {
			return p.purpose
		}
	}
	return ""
}

func purposeCode(purpose string) (code, display string) {
	for _, p := range purposeCodes {
		if p.purpose == purpose {
			return p.code, p.display
		}
	}
	return "", ""
}

func purposeList() string {
	var cs []string
	for _, p := range purposeCodes {
		cs = append(cs, p.code)
	}
	return strings.Join(cs, ", ")
}

var (
	rolePattern    = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)
	fhirRefPattern = regexp.MustCompile(`^([A-Z][A-Za-z]+)/(.+)$`)
)

// The parts of a Consent the mapping reads. Everything else is metadata
// that does not change what the grant allows (see the package doc).
type (
	fConsent struct {
		ResourceType      string            `json:"resourceType"`
		ImplicitRules     string            `json:"implicitRules,omitempty"`
		ModifierExtension []json.RawMessage `json:"modifierExtension,omitempty"`
		Status            string            `json:"status"`
		Scope             *fConcept         `json:"scope,omitempty"`
		Category          []fConcept        `json:"category,omitempty"`
		Patient           *fReference       `json:"patient,omitempty"`
		Policy            []json.RawMessage `json:"policy,omitempty"`
		PolicyRule        *fConcept         `json:"policyRule,omitempty"`
		Provision         *fProvision       `json:"provision,omitempty"`
	}
	fProvision struct {
		ModifierExtension []json.RawMessage `json:"modifierExtension,omitempty"`
		Type              string            `json:"type,omitempty"`
		Period            *fPeriod          `json:"period,omitempty"`
		Actor             []fActor          `json:"actor,omitempty"`
		Action            []fConcept        `json:"action,omitempty"`
		SecurityLabel     []json.RawMessage `json:"securityLabel,omitempty"`
		Purpose           []fCoding         `json:"purpose,omitempty"`
		Class             []fCoding         `json:"class,omitempty"`
		Code              []json.RawMessage `json:"code,omitempty"`
		DataPeriod        json.RawMessage   `json:"dataPeriod,omitempty"`
		Data              []fData           `json:"data,omitempty"`
		Provision         []json.RawMessage `json:"provision,omitempty"`
	}
	fActor struct {
		ModifierExtension []json.RawMessage `json:"modifierExtension,omitempty"`
		Role              fConcept          `json:"role"`
		Reference         fReference        `json:"reference"`
	}
	fData struct {
		ModifierExtension []json.RawMessage `json:"modifierExtension,omitempty"`
		Meaning           string            `json:"meaning"`
		Reference         fReference        `json:"reference"`
	}
	fConcept struct {
		Coding []fCoding `json:"coding,omitempty"`
		Text   string    `json:"text,omitempty"`
	}
	fCoding struct {
		System  string `json:"system,omitempty"`
		Code    string `json:"code,omitempty"`
		Display string `json:"display,omitempty"`
	}
	fReference struct {
		Reference  string       `json:"reference,omitempty"`
		Type       string       `json:"type,omitempty"`
		Identifier *fIdentifier `json:"identifier,omitempty"`
	}
	fIdentifier struct {
		System string `json:"system,omitempty"`
		Value  string `json:"value,omitempty"`
	}
	fPeriod struct {
		Start string `json:"start,omitempty"`
		End   string `json:"end,omitempty"`
	}
)

// code returns the code cc has in system.
func (cc *fConcept) code(system string) (string, bool) {
	if cc == nil {
		return "", false
	}
	for _, c := range cc.Coding {
		if c.System == system {
			return c.Code, true
		}
	}
	return "", false
}

// describe names what cc says, for a refusal: its first code, or its text
// being the only thing it has.
func (cc *fConcept) describe() string {
	if cc != nil {
		for _, c := range cc.Coding {
			if c.Code != "" {
				return quoteName(c.Code)
			}
		}
	}
	return "a concept without a code"
}

// ParseConsent reads a FHIR R4 Consent as medchain grant terms. The
// document must be valid (see Validate) and say exactly what a medchain
// grant says; whatever it says that medchain cannot enforce is refused, with
// an *Error (Unsupported) naming the element and why, rather than
// dropped, since dropping a restriction would widen the access the patient
// gave. On error the Terms are zero. See the package doc for the mapping.
func ParseConsent(raw []byte) (Terms, error) {
	_, info, err := parse(raw)
	if err != nil {
		return Terms{}, err
	}
	if info.ResourceType != "Consent" {
		return Terms{}, invalid("resourceType", "a %s, not a Consent", info.ResourceType)
	}
	var c fConsent
	if err := json.Unmarshal(raw, &c); err != nil {
		return Terms{}, fmt.Errorf("fhirdoc: reading a valid Consent: %w", err)
	}
	t, err := mapConsent(&c)
	if err != nil {
		// Not the terms read so far: half a grant is no grant.
		return Terms{}, err
	}
	return t, nil
}

func mapConsent(c *fConsent) (Terms, error) {
	var t Terms
	if c.ImplicitRules != "" {
		return t, unsupported("Consent.implicitRules", "is not supported: medchain cannot apply rules it does not know")
	}
	if len(c.ModifierExtension) > 0 {
		return t, unsupported("Consent.modifierExtension", "is not supported: medchain cannot tell how it changes the grant")
	}
	if c.Status != "active" {
		return t, unsupported("Consent.status", "%s is not supported: only an active consent grants access", quoteName(c.Status))
	}
	if code, _ := c.Scope.code(systemConsentScope); code != "patient-privacy" {
		return t, unsupported("Consent.scope", "%s is not supported: a medchain grant is a patient-privacy consent (%s)", c.Scope.describe(), systemConsentScope)
	}
	if c.Patient == nil {
		return t, unsupported("Consent.patient", "missing: a medchain grant is a patient's, referenced as \"Patient/pt-…\"")
	}
	id, ok := strings.CutPrefix(c.Patient.Reference, "Patient/")
	if !ok || ledger.ValidPatientID(id) != nil {
		// The reference is not quoted: it may identify the patient.
		return t, unsupported("Consent.patient.reference", "not a medchain patient: reference the patient by medchain pseudonymous ID, \"Patient/pt-\" and 20 hex digits; medchain never maps other patient IDs")
	}
	t.Patient = id
	if len(c.Policy) > 0 {
		return t, unsupported("Consent.policy", "is not supported: medchain enforces only the terms in Consent.provision, not external policies")
	}
	if c.PolicyRule != nil {
		code, ok := c.PolicyRule.code(systemActCode)
		switch {
		case ok && (code == "OPTOUT" || code == "OPTOUTE"):
			return t, unsupported("Consent.policyRule", "%s is not supported: medchain consent only grants access (opt-in)", quoteName(code))
		case !ok || code != "OPTIN":
			return t, unsupported("Consent.policyRule", "%s is not supported: medchain consent is an opt-in (%s OPTIN)", c.PolicyRule.describe(), systemActCode)
		}
	}
	p := c.Provision
	if p == nil {
		return t, unsupported("Consent.provision", "missing: a policy-only consent grants nothing medchain can enforce; a grant's terms go in provision")
	}
	if len(p.ModifierExtension) > 0 {
		return t, unsupported("Consent.provision.modifierExtension", "is not supported: medchain cannot tell how it changes the grant")
	}
	if p.Type != "" && p.Type != "permit" {
		return t, unsupported("Consent.provision.type", "%s is not supported: medchain consent only grants access", quoteName(p.Type))
	}
	if len(p.Provision) > 0 {
		return t, unsupported("Consent.provision.provision", "nested provisions are not supported: a medchain grant is one flat permit")
	}

	// Period.
	if p.Period == nil || p.Period.End == "" {
		return t, unsupported("Consent.provision.period.end", "missing: a medchain grant must expire; give its end date")
	}
	end, err := parseDateTime(p.Period.End, true)
	if err != nil {
		return t, invalid("Consent.provision.period.end", "%v", err)
	}
	t.End = end
	if p.Period.Start != "" {
		if t.Start, err = parseDateTime(p.Period.Start, false); err != nil {
			return t, invalid("Consent.provision.period.start", "%v", err)
		}
		if !t.Start.Before(t.End) {
			return t, invalid("Consent.provision.period", "start is not before end")
		}
	}
	// FHIR writes years 1 to 9999 with any offset; in UTC an instant near
	// either end (or the day after 9999-12-31) falls outside, where
	// FormatConsent could not write the grant back.
	for _, b := range []struct {
		path string
		tm   time.Time
	}{{"Consent.provision.period.start", t.Start}, {"Consent.provision.period.end", t.End}} {
		if y := b.tm.Year(); !b.tm.IsZero() && (y < 1 || y > 9999) {
			return t, unsupported(b.path, "outside the years 1 to 9999 in UTC: a medchain grant cannot state it")
		}
	}

	// Actor: the grantee.
	switch len(p.Actor) {
	case 0:
		return t, unsupported("Consent.provision.actor", "missing: a medchain grant names exactly one grantee")
	case 1:
	default:
		return t, unsupported("Consent.provision.actor", "%d actors are not supported: a medchain grant names exactly one grantee", len(p.Actor))
	}
	if t.Grantee, err = mapActor(&p.Actor[0], "Consent.provision.actor[0]"); err != nil {
		return t, err
	}

	for i, a := range p.Action {
		if code, _ := a.code(systemConsentAction); code != "access" {
			return t, unsupported(fmt.Sprintf("Consent.provision.action[%d]", i), "%s is not supported: a medchain grant allows access (reading) only", a.describe())
		}
	}
	if len(p.SecurityLabel) > 0 {
		return t, unsupported("Consent.provision.securityLabel", "is not supported: medchain does not label records, so it could not enforce it")
	}

	// Purposes.
	if len(p.Purpose) == 0 {
		return t, unsupported("Consent.provision.purpose", "missing: a medchain grant names at least one purpose of use")
	}
	for i, c := range p.Purpose {
		purpose := ""
		if c.System == systemActReason {
			purpose = purposeOf(c.Code)
		}
		if purpose == "" {
			return t, unsupported(fmt.Sprintf("Consent.provision.purpose[%d]", i), "%s is not supported: medchain purposes are the %s codes %s", quoteName(c.System+"#"+c.Code), systemActReason, purposeList())
		}
		t.Purposes = append(t.Purposes, purpose)
	}

	// Scope: resource types and records.
	for i, c := range p.Class {
		if c.System != systemResourceTypes || !isResourceType(c.Code) {
			return t, unsupported(fmt.Sprintf("Consent.provision.class[%d]", i), "%s is not supported: medchain limits a grant by FHIR R4 resource type (%s)", quoteName(c.System+"#"+c.Code), systemResourceTypes)
		}
		t.Types = append(t.Types, c.Code)
	}
	if len(p.Code) > 0 {
		return t, unsupported("Consent.provision.code", "is not supported: medchain limits a grant by resource type and record, not by code")
	}
	if len(p.DataPeriod) > 0 {
		return t, unsupported("Consent.provision.dataPeriod", "is not supported: medchain does not limit a grant by when the data was recorded")
	}
	for i, d := range p.Data {
		path := fmt.Sprintf("Consent.provision.data[%d]", i)
		if len(d.ModifierExtension) > 0 {
			return t, unsupported(path+".modifierExtension", "is not supported: medchain cannot tell how it changes the grant")
		}
		if d.Meaning != "instance" {
			return t, unsupported(path+".meaning", "%s is not supported: a medchain grant lists the records themselves (\"instance\")", quoteName(d.Meaning))
		}
		id := d.Reference.Identifier
		if d.Reference.Reference != "" || id == nil || id.System != SystemRecord || records.ValidRecordID(id.Value) != nil {
			what := "this reference"
			if d.Reference.Reference != "" {
				what = quoteName(d.Reference.Reference)
			}
			return t, unsupported(path+".reference", "%s is not a medchain record: reference one by identifier, system %s, value \"rec-\" and 24 hex digits", what, SystemRecord)
		}
		t.Records = append(t.Records, id.Value)
	}
	t.Purposes = sortedUnique(t.Purposes)
	t.Types = sortedUnique(t.Types)
	t.Records = sortedUnique(t.Records)
	return t, nil
}

// mapActor reads the grantee of an actor.
func mapActor(a *fActor, path string) (Grantee, error) {
	var g Grantee
	if len(a.ModifierExtension) > 0 {
		return g, unsupported(path+".modifierExtension", "is not supported: medchain cannot tell how it changes the grant")
	}
	// Role: a recipient, or a medchain member role.
	role := ""
	for _, c := range a.Role.Coding {
		switch {
		case c.System == systemParticipation && (c.Code == "PRCP" || c.Code == "IRCP"):
		case c.System == SystemRole && rolePattern.MatchString(c.Code) && (role == "" || role == c.Code):
			role = c.Code
		default:
			return g, unsupported(path+".role", "%s is not supported: a medchain grant names only who receives access (%s PRCP or IRCP, or a member role in %s)", quoteName(c.Code), systemParticipation, SystemRole)
		}
	}
	if len(a.Role.Coding) == 0 {
		return g, unsupported(path+".role", "a role without a code is not supported: a medchain grant names only who receives access (%s PRCP or IRCP, or a member role in %s)", systemParticipation, SystemRole)
	}
	// Reference: Organization/<org> or Practitioner/<org>.<handle>.
	ref := a.Reference.Reference
	m := fhirRefPattern.FindStringSubmatch(ref)
	if m == nil {
		return g, unsupported(path+".reference", "not a medchain grantee: reference an organisation as \"Organization/<org>\" or a member as \"Practitioner/<org>.<handle>\"")
	}
	switch typ, id := m[1], m[2]; typ {
	case "Organization":
		if governance.ValidOrgID(id) != nil {
			return g, unsupported(path+".reference", "%s is not a medchain organisation ID (2-63 characters of a-z, 0-9 and '-')", quoteName(ref))
		}
		g.Org, g.Role = id, role
	case "Practitioner":
		org, handle, ok := strings.Cut(id, ".")
		if !ok || governance.ValidOrgID(org) != nil || identity.ValidHandle(handle) != nil {
			return g, unsupported(path+".reference", "%s is not a medchain member: reference one as \"Practitioner/<org>.<handle>\" for member \"<org>/<handle>\"", quoteName(ref))
		}
		if role != "" {
			return g, unsupported(path+".role", "a member role is not supported with a Practitioner: a role grant goes to \"Organization/<org>\"")
		}
		g.Member = org + "/" + handle
	default:
		// Not quoted: a Patient or RelatedPerson reference may identify
		// someone.
		return g, unsupported(path+".reference", "a %s is not supported as grantee: a medchain grant goes to an organisation (\"Organization/<org>\") or one of its members (\"Practitioner/<org>.<handle>\")", typ)
	}
	return g, nil
}

// parseDateTime reads a FHIR date or dateTime. A partial one (year, month
// or day, read in UTC) stands for its whole period: as a start it is the
// period's first instant, as an end the first instant after it, since FHIR
// counts an end date in full. A full dateTime is an instant.
func parseDateTime(s string, end bool) (time.Time, error) {
	var layout string
	var step func(time.Time) time.Time
	switch len(s) {
	case 4:
		layout, step = "2006", func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }
	case 7:
		layout, step = "2006-01", func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }
	case 10:
		layout, step = "2006-01-02", func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }
	default:
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}, errors.New("invalid dateTime")
		}
		return t.UTC(), nil
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return time.Time{}, errors.New("invalid date")
	}
	if end {
		t = step(t)
	}
	return t.UTC(), nil
}

func sortedUnique(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := slices.Clone(in)
	slices.Sort(out)
	return slices.Compact(out)
}

// FormatConsent writes t as a FHIR R4 Consent that ParseConsent reads back
// as the same terms (purposes, types and records sorted and unique, times
// in UTC). The output is valid: it passes Validate.
func FormatConsent(t Terms) ([]byte, error) {
	fail := func(format string, args ...any) ([]byte, error) {
		return nil, fmt.Errorf("fhirdoc: consent terms: "+format, args...)
	}
	if ledger.ValidPatientID(t.Patient) != nil {
		// Not quoted: it may be a name given by mistake.
		return fail("Patient is not a medchain patient ID (\"pt-\" and 20 hex digits)")
	}
	actor, err := formatGrantee(t.Grantee)
	if err != nil {
		return nil, err
	}
	p := &fProvision{Actor: []fActor{actor}}
	if t.End.IsZero() {
		return fail("End is required: a grant must expire")
	}
	if !t.Start.IsZero() && !t.Start.Before(t.End) {
		return fail("Start is not before End")
	}
	p.Period = &fPeriod{End: formatDateTime(t.End)}
	if !t.Start.IsZero() {
		p.Period.Start = formatDateTime(t.Start)
	}
	for _, tm := range []time.Time{t.Start, t.End} {
		if y := tm.UTC().Year(); !tm.IsZero() && (y < 1 || y > 9999) {
			return fail("time %s is outside the years 1 to 9999 FHIR can write", tm.UTC().Format(time.RFC3339))
		}
	}
	p.Action = []fConcept{{Coding: []fCoding{{System: systemConsentAction, Code: "access", Display: "Access"}}}}
	if len(t.Purposes) == 0 {
		return fail("Purposes: at least one purpose is required")
	}
	for _, purpose := range sortedUnique(t.Purposes) {
		code, display := purposeCode(purpose)
		if code == "" {
			return fail("Purposes: %q is not a medchain purpose", purpose)
		}
		p.Purpose = append(p.Purpose, fCoding{System: systemActReason, Code: code, Display: display})
	}
	for _, typ := range sortedUnique(t.Types) {
		if !isResourceType(typ) {
			return fail("Types: %q is not a FHIR R4 resource type", typ)
		}
		p.Class = append(p.Class, fCoding{System: systemResourceTypes, Code: typ})
	}
	for _, rec := range sortedUnique(t.Records) {
		if records.ValidRecordID(rec) != nil {
			return fail("Records: %q is not a medchain record ID (\"rec-\" and 24 hex digits)", rec)
		}
		p.Data = append(p.Data, fData{Meaning: "instance", Reference: fReference{Identifier: &fIdentifier{System: SystemRecord, Value: rec}}})
	}
	c := fConsent{
		ResourceType: "Consent",
		Status:       "active",
		Scope:        &fConcept{Coding: []fCoding{{System: systemConsentScope, Code: "patient-privacy", Display: "Privacy Consent"}}},
		Category:     []fConcept{{Coding: []fCoding{{System: systemLOINC, Code: "59284-0", Display: "Patient Consent"}}}},
		Patient:      &fReference{Reference: "Patient/" + t.Patient},
		PolicyRule:   &fConcept{Coding: []fCoding{{System: systemActCode, Code: "OPTIN", Display: "opt-in"}}},
		Provision:    p,
	}
	out, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("fhirdoc: writing a Consent: %w", err)
	}
	if _, err := Validate(out); err != nil {
		return nil, fmt.Errorf("fhirdoc: the Consent written is not valid FHIR (a bug): %w", err)
	}
	return out, nil
}

func formatGrantee(g Grantee) (fActor, error) {
	fail := func(format string, args ...any) (fActor, error) {
		return fActor{}, fmt.Errorf("fhirdoc: consent terms: Grantee: "+format, args...)
	}
	recipient := fConcept{Coding: []fCoding{{System: systemParticipation, Code: "PRCP", Display: "primary information recipient"}}}
	switch {
	case g.Member != "" && (g.Org != "" || g.Role != ""):
		return fail("give Member alone, or Org with an optional Role")
	case g.Member != "":
		org, handle, ok := strings.Cut(g.Member, "/")
		if !ok || governance.ValidOrgID(org) != nil || identity.ValidHandle(handle) != nil {
			return fail("Member %q is not a medchain member ID \"<org>/<handle>\"", g.Member)
		}
		id := org + "." + handle
		if len(id) > 64 {
			return fail("Member %q is too long for a FHIR id (\"%s\" has %d characters, at most 64)", g.Member, id, len(id))
		}
		return fActor{Role: recipient, Reference: fReference{Reference: "Practitioner/" + id}}, nil
	case g.Org == "":
		return fail("Org or Member is required")
	case governance.ValidOrgID(g.Org) != nil:
		return fail("Org %q is not a medchain organisation ID", g.Org)
	case g.Role != "":
		if !rolePattern.MatchString(g.Role) {
			return fail("Role %q is not a medchain role name", g.Role)
		}
		role := fConcept{Coding: []fCoding{{System: SystemRole, Code: g.Role}}}
		return fActor{Role: role, Reference: fReference{Reference: "Organization/" + g.Org}}, nil
	default:
		return fActor{Role: recipient, Reference: fReference{Reference: "Organization/" + g.Org}}, nil
	}
}

func formatDateTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}
