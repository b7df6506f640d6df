package fhirdoc

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

const (
	ptID = "pt-0123456789abcdef0123"
	rec1 = "rec-000000000000000000000001"
	rec2 = "rec-00000000000000000000abcd"

	// The refusal every HL7 example meets first: they reference patients
	// by their own IDs.
	msgNotPatient = "not a medchain patient: reference the patient by medchain pseudonymous ID, \"Patient/pt-\" and 20 hex digits; medchain never maps other patient IDs"
	msgNoEnd      = "missing: a medchain grant must expire; give its end date"
	msgNoActor    = "missing: a medchain grant names exactly one grantee"
	msgNoPurpose  = "missing: a medchain grant names at least one purpose of use"
	msgNested     = "nested provisions are not supported: a medchain grant is one flat permit"
	msgRole       = "is not supported: a medchain grant names only who receives access (http://terminology.hl7.org/CodeSystem/v3-ParticipationType PRCP or IRCP, or a member role in urn:medchain:role)"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// patch decodes a JSON object, lets f change it and encodes it again.
func patch(t *testing.T, raw []byte, f func(c map[string]any)) []byte {
	t.Helper()
	var c map[string]any
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	f(c)
	out, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func obj(v any) map[string]any { return v.(map[string]any) }

func prov(c map[string]any) map[string]any { return obj(c["provision"]) }

func mustJSON(s string) any {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		panic(err)
	}
	return v
}

// Fixes applied to the examples, one refusal at a time.
var (
	setPatient = func(c map[string]any) { c["patient"] = map[string]any{"reference": "Patient/" + ptID} }
	setOptIn   = func(c map[string]any) {
		c["policyRule"] = mustJSON(`{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"OPTIN"}]}`)
	}
	setEnd          = func(c map[string]any) { prov(c)["period"] = map[string]any{"end": "2030-01-01"} }
	setPurposeTreat = func(c map[string]any) {
		prov(c)["purpose"] = mustJSON(`[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActReason","code":"TREAT"}]`)
	}
	setActorHospital = func(c map[string]any) {
		prov(c)["actor"] = mustJSON(`[{"role":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ParticipationType","code":"PRCP"}]},"reference":{"reference":"Organization/good-health"}}]`)
	}
)

type step struct {
	why   string
	fix   func(c map[string]any)
	path  string // the refusal; empty when the document maps
	msg   string
	terms Terms
}

// Each HL7 Consent example, and what happens as its refusals are fixed one
// by one: each example also exercises the refusal it is really about.
func TestParseConsentExamples(t *testing.T) {
	examples := []struct {
		file  string
		steps []step
	}{
		{"Consent-consent-example-Out.json", []step{
			{"as published", nil, "Consent.patient.reference", msgNotPatient, Terms{}},
			{"medchain patient", setPatient, "Consent.policyRule", `"OPTOUT" is not supported: medchain consent only grants access (opt-in)`, Terms{}},
			{"opt-in", setOptIn, "Consent.provision.period.end", msgNoEnd, Terms{}},
			// The custodian it withholds data from is not a grantee.
			{"an end date", setEnd, "Consent.provision.actor[0].role", `"CST" ` + msgRole, Terms{}},
		}},
		{"Consent-consent-example-basic.json", []step{
			{"as published", nil, "Consent.patient.reference", msgNotPatient, Terms{}},
			{"medchain patient", setPatient, "Consent.provision.actor", msgNoActor, Terms{}},
			{"the hospital as grantee", setActorHospital, "Consent.provision.purpose", msgNoPurpose, Terms{}},
			{"for treatment", setPurposeTreat, "", "", Terms{
				Patient: ptID, Grantee: Grantee{Org: "good-health"}, Purposes: []string{"treatment"},
				// FHIR counts the end date in full.
				Start: utc("1964-01-01T00:00:00Z"), End: utc("2016-01-02T00:00:00Z"),
			}},
		}},
		{"Consent-consent-example-grantor.json", []step{
			{"as published", nil, "Consent.patient.reference", msgNotPatient, Terms{}},
			{"medchain patient", setPatient, "Consent.policyRule", `"OPTOUT" is not supported: medchain consent only grants access (opt-in)`, Terms{}},
			{"opt-in", setOptIn, "Consent.provision.period.end", msgNoEnd, Terms{}},
			{"an end date", setEnd, "Consent.provision.actor", "2 actors are not supported: a medchain grant names exactly one grantee", Terms{}},
			{"without the custodian", func(c map[string]any) {
				p := prov(c)
				p["actor"] = p["actor"].([]any)[1:]
			}, "Consent.provision.actor[0].reference", `a Patient is not supported as grantee: a medchain grant goes to an organisation ("Organization/<org>") or one of its members ("Practitioner/<org>.<handle>")`, Terms{}},
			{"a member as recipient", func(c map[string]any) {
				obj(obj(prov(c)["actor"].([]any)[0])["reference"])["reference"] = "Practitioner/good-health.dr-hart"
			}, "Consent.provision.purpose", msgNoPurpose, Terms{}},
			// action "access" maps: reading is what medchain grants.
			{"for treatment", setPurposeTreat, "", "", Terms{
				Patient: ptID, Grantee: Grantee{Member: "good-health/dr-hart"}, Purposes: []string{"treatment"},
				End: utc("2030-01-02T00:00:00Z"),
			}},
		}},
		{"Consent-consent-example-notAuthor.json", []step{
			{"as published", nil, "Consent.patient.reference", msgNotPatient, Terms{}},
			{"medchain patient", setPatient, "Consent.provision.period.end", msgNoEnd, Terms{}},
			// Withholding what an organisation authored: its actor is the
			// custodian, not a recipient.
			{"an end date", setEnd, "Consent.provision.actor[0].role", `"CST" ` + msgRole, Terms{}},
		}},
		{"Consent-consent-example-notThis.json", []step{
			{"as published", nil, "Consent.patient.reference", msgNotPatient, Terms{}},
			{"medchain patient", setPatient, "Consent.provision.period.end", msgNoEnd, Terms{}},
			{"an end date", setEnd, "Consent.provision.actor", msgNoActor, Terms{}},
			{"a grantee and purpose", func(c map[string]any) { setActorHospital(c); setPurposeTreat(c) },
				"Consent.provision.data[0].meaning", `"related" is not supported: a medchain grant lists the records themselves ("instance")`, Terms{}},
			{"meaning instance", func(c map[string]any) { obj(prov(c)["data"].([]any)[0])["meaning"] = "instance" },
				"Consent.provision.data[0].reference", `"Task/example3" is not a medchain record: reference one by identifier, system urn:medchain:record, value "rec-" and 24 hex digits`, Terms{}},
			{"a medchain record", func(c map[string]any) {
				obj(prov(c)["data"].([]any)[0])["reference"] = map[string]any{"identifier": map[string]any{"system": SystemRecord, "value": rec1}}
			}, "", "", Terms{
				Patient: ptID, Grantee: Grantee{Org: "good-health"}, Purposes: []string{"treatment"},
				Records: []string{rec1}, End: utc("2030-01-02T00:00:00Z"),
			}},
		}},
		{"Consent-consent-example-notTime.json", []step{
			{"as published", nil, "Consent.patient.reference", msgNotPatient, Terms{}},
			{"medchain patient", setPatient, "Consent.provision.actor", msgNoActor, Terms{}},
			// An OPTIN root provision with a period permits within it.
			{"a grantee and purpose", func(c map[string]any) { setActorHospital(c); setPurposeTreat(c) }, "", "", Terms{
				Patient: ptID, Grantee: Grantee{Org: "good-health"}, Purposes: []string{"treatment"},
				Start: utc("2015-01-01T00:00:00Z"), End: utc("2015-02-02T00:00:00Z"),
			}},
		}},
		{"Consent-consent-example-signature.json", []step{
			{"as published", nil, "Consent.patient.reference", msgNotPatient, Terms{}},
			{"medchain patient", setPatient, "Consent.provision.provision", msgNested, Terms{}},
			{"without the nested provision", func(c map[string]any) { delete(prov(c), "provision") },
				"Consent.provision.actor[0].reference", `"Practitioner/13" is not a medchain member: reference one as "Practitioner/<org>.<handle>" for member "<org>/<handle>"`, Terms{}},
			{"a medchain member", func(c map[string]any) {
				obj(obj(prov(c)["actor"].([]any)[0])["reference"])["reference"] = "Practitioner/good-health.dr-13"
			}, "Consent.provision.purpose", msgNoPurpose, Terms{}},
			{"for treatment", setPurposeTreat, "", "", Terms{
				Patient: ptID, Grantee: Grantee{Member: "good-health/dr-13"}, Purposes: []string{"treatment"},
				Start: utc("2015-10-10T00:00:00Z"), End: utc("2016-10-11T00:00:00Z"),
			}},
		}},
		{"Consent-consent-example-smartonfhir.json", []step{
			{"as published", nil, "Consent.patient.reference", msgNotPatient, Terms{}},
			{"medchain patient", setPatient, "Consent.provision.provision", msgNested, Terms{}},
			{"the nested permit flattened", func(c map[string]any) {
				p := prov(c)
				nested := obj(p["provision"].([]any)[0])
				p["action"], p["class"] = nested["action"], nested["class"]
				delete(p, "provision")
			}, "Consent.provision.actor", msgNoActor, Terms{}},
			{"a grantee and purpose", func(c map[string]any) { setActorHospital(c); setPurposeTreat(c) }, "", "", Terms{
				Patient: ptID, Grantee: Grantee{Org: "good-health"}, Purposes: []string{"treatment"},
				Types: []string{"MedicationRequest"},
				Start: utc("2016-06-23T07:02:33Z"), End: utc("2016-06-23T07:32:33Z"),
			}},
		}},
	}
	for _, ex := range examples {
		t.Run(ex.file, func(t *testing.T) {
			doc := readTestdata(t, ex.file)
			for _, st := range ex.steps {
				if st.fix != nil {
					doc = patch(t, doc, st.fix)
				}
				ok := t.Run(st.why, func(t *testing.T) {
					got, err := ParseConsent(doc)
					if st.path != "" {
						if err == nil {
							t.Fatalf("mapped to %+v, want refusal at %s", got, st.path)
						}
						checkError(t, err, st.path, st.msg, true)
						return
					}
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(got, st.terms) {
						t.Fatalf("terms\n %+v\nwant\n %+v", got, st.terms)
					}
					// And back: the terms write a Consent that reads the same.
					out, err := FormatConsent(got)
					if err != nil {
						t.Fatal(err)
					}
					back, err := ParseConsent(out)
					if err != nil || !reflect.DeepEqual(back, got) {
						t.Fatalf("round trip: %+v, %v", back, err)
					}
				})
				if !ok {
					return
				}
			}
		})
	}
}

// base is a Consent that maps, for the refusal table to break.
func base(t *testing.T) []byte {
	out, err := FormatConsent(Terms{
		Patient: ptID, Grantee: Grantee{Org: "good-health"}, Purposes: []string{"treatment"},
		Types: []string{"Observation"}, Records: []string{rec1}, End: utc("2030-01-01T00:00:00Z"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestParseConsentRefusals(t *testing.T) {
	actor := func(c map[string]any) map[string]any { return obj(prov(c)["actor"].([]any)[0]) }
	tests := []struct {
		name        string
		fix         func(c map[string]any)
		path, msg   string
		unsupported bool
	}{
		{"draft", func(c map[string]any) { c["status"] = "draft" },
			"Consent.status", `"draft" is not supported: only an active consent grants access`, true},
		{"rejected", func(c map[string]any) { c["status"] = "rejected" },
			"Consent.status", `"rejected" is not supported: only an active consent grants access`, true},
		{"research scope", func(c map[string]any) {
			c["scope"] = mustJSON(`{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"research"}]}`)
		}, "Consent.scope", `"research" is not supported: a medchain grant is a patient-privacy consent (http://terminology.hl7.org/CodeSystem/consentscope)`, true},
		{"scope as text", func(c map[string]any) { c["scope"] = mustJSON(`{"text":"privacy"}`) },
			"Consent.scope", `a concept without a code is not supported: a medchain grant is a patient-privacy consent (http://terminology.hl7.org/CodeSystem/consentscope)`, true},
		{"no patient", func(c map[string]any) { delete(c, "patient") },
			"Consent.patient", `missing: a medchain grant is a patient's, referenced as "Patient/pt-…"`, true},
		{"patient by name", func(c map[string]any) { c["patient"] = mustJSON(`{"reference":"Patient/john-smith"}`) },
			"Consent.patient.reference", msgNotPatient, true},
		{"patient pt- but not medchain's form", func(c map[string]any) { c["patient"] = mustJSON(`{"reference":"Patient/pt-john"}`) },
			"Consent.patient.reference", msgNotPatient, true},
		{"patient absolute URL", func(c map[string]any) {
			c["patient"] = mustJSON(`{"reference":"https://fhir.example/Patient/` + ptID + `"}`)
		}, "Consent.patient.reference", msgNotPatient, true},
		{"patient by identifier", func(c map[string]any) {
			c["patient"] = mustJSON(`{"identifier":{"system":"http://hl7.org/fhir/sid/us-ssn","value":"999-34-1238"}}`)
		}, "Consent.patient.reference", msgNotPatient, true},
		{"implicitRules", func(c map[string]any) { c["implicitRules"] = "http://example.org/rules" },
			"Consent.implicitRules", "is not supported: medchain cannot apply rules it does not know", true},
		{"modifierExtension", func(c map[string]any) {
			c["modifierExtension"] = mustJSON(`[{"url":"http://example.org/x","valueBoolean":true}]`)
		}, "Consent.modifierExtension", "is not supported: medchain cannot tell how it changes the grant", true},
		{"external policy", func(c map[string]any) { c["policy"] = mustJSON(`[{"uri":"http://example.org/policy"}]`) },
			"Consent.policy", "is not supported: medchain enforces only the terms in Consent.provision, not external policies", true},
		{"opt-out", func(c map[string]any) {
			c["policyRule"] = mustJSON(`{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"OPTOUT"}]}`)
		}, "Consent.policyRule", `"OPTOUT" is not supported: medchain consent only grants access (opt-in)`, true},
		{"opt-in with restrictions", func(c map[string]any) {
			c["policyRule"] = mustJSON(`{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"OPTINR"}]}`)
		}, "Consent.policyRule", `"OPTINR" is not supported: medchain consent is an opt-in (http://terminology.hl7.org/CodeSystem/v3-ActCode OPTIN)`, true},
		{"policy only", func(c map[string]any) { delete(c, "provision") },
			"Consent.provision", "missing: a policy-only consent grants nothing medchain can enforce; a grant's terms go in provision", true},
		{"deny", func(c map[string]any) { prov(c)["type"] = "deny" },
			"Consent.provision.type", `"deny" is not supported: medchain consent only grants access`, true},
		{"provision modifierExtension", func(c map[string]any) {
			prov(c)["modifierExtension"] = mustJSON(`[{"url":"http://example.org/x","valueBoolean":true}]`)
		}, "Consent.provision.modifierExtension", "is not supported: medchain cannot tell how it changes the grant", true},
		{"nested permit", func(c map[string]any) { prov(c)["provision"] = mustJSON(`[{"type":"permit"}]`) },
			"Consent.provision.provision", msgNested, true},
		{"nested deny", func(c map[string]any) {
			prov(c)["provision"] = mustJSON(`[{"type":"deny","class":[{"system":"http://hl7.org/fhir/resource-types","code":"Observation"}]}]`)
		}, "Consent.provision.provision", msgNested, true},
		{"no period", func(c map[string]any) { delete(prov(c), "period") }, "Consent.provision.period.end", msgNoEnd, true},
		{"start only", func(c map[string]any) { prov(c)["period"] = mustJSON(`{"start":"2020-01-01"}`) },
			"Consent.provision.period.end", msgNoEnd, true},
		{"start after end", func(c map[string]any) { prov(c)["period"] = mustJSON(`{"start":"2031","end":"2030-12-31"}`) },
			"Consent.provision.period", "start is not before end", false},
		{"no actor", func(c map[string]any) { delete(prov(c), "actor") }, "Consent.provision.actor", msgNoActor, true},
		{"two actors", func(c map[string]any) { p := prov(c); p["actor"] = append(p["actor"].([]any), p["actor"].([]any)[0]) },
			"Consent.provision.actor", "2 actors are not supported: a medchain grant names exactly one grantee", true},
		{"author role", func(c map[string]any) {
			actor(c)["role"] = mustJSON(`{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ParticipationType","code":"AUT"}]}`)
		}, "Consent.provision.actor[0].role", `"AUT" ` + msgRole, true},
		{"role as text", func(c map[string]any) { actor(c)["role"] = mustJSON(`{"text":"reader"}`) },
			"Consent.provision.actor[0].role", "a role without a code " + msgRole, true},
		{"actor modifierExtension", func(c map[string]any) {
			actor(c)["modifierExtension"] = mustJSON(`[{"url":"http://example.org/x","valueBoolean":true}]`)
		}, "Consent.provision.actor[0].modifierExtension", "is not supported: medchain cannot tell how it changes the grant", true},
		{"related person", func(c map[string]any) { actor(c)["reference"] = mustJSON(`{"reference":"RelatedPerson/peter"}`) },
			"Consent.provision.actor[0].reference", `a RelatedPerson is not supported as grantee: a medchain grant goes to an organisation ("Organization/<org>") or one of its members ("Practitioner/<org>.<handle>")`, true},
		{"care team", func(c map[string]any) { actor(c)["reference"] = mustJSON(`{"reference":"CareTeam/x"}`) },
			"Consent.provision.actor[0].reference", `a CareTeam is not supported as grantee: a medchain grant goes to an organisation ("Organization/<org>") or one of its members ("Practitioner/<org>.<handle>")`, true},
		{"organisation not a medchain ID", func(c map[string]any) { actor(c)["reference"] = mustJSON(`{"reference":"Organization/Good.Health"}`) },
			"Consent.provision.actor[0].reference", `"Organization/Good.Health" is not a medchain organisation ID (2-63 characters of a-z, 0-9 and '-')`, true},
		{"actor by identifier", func(c map[string]any) {
			actor(c)["reference"] = mustJSON(`{"identifier":{"system":"urn:medchain:org","value":"good-health"}}`)
		}, "Consent.provision.actor[0].reference", `not a medchain grantee: reference an organisation as "Organization/<org>" or a member as "Practitioner/<org>.<handle>"`, true},
		{"member role on a practitioner", func(c map[string]any) {
			actor(c)["role"] = mustJSON(`{"coding":[{"system":"urn:medchain:role","code":"physician"}]}`)
			actor(c)["reference"] = mustJSON(`{"reference":"Practitioner/good-health.dr-house"}`)
		}, "Consent.provision.actor[0].role", `a member role is not supported with a Practitioner: a role grant goes to "Organization/<org>"`, true},
		{"collect", func(c map[string]any) {
			prov(c)["action"] = mustJSON(`[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentaction","code":"access"}]},{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentaction","code":"collect"}]}]`)
		}, "Consent.provision.action[1]", `"collect" is not supported: a medchain grant allows access (reading) only`, true},
		{"security label", func(c map[string]any) {
			prov(c)["securityLabel"] = mustJSON(`[{"system":"http://terminology.hl7.org/CodeSystem/v3-Confidentiality","code":"R"}]`)
		}, "Consent.provision.securityLabel", "is not supported: medchain does not label records, so it could not enforce it", true},
		{"no purpose", func(c map[string]any) { delete(prov(c), "purpose") }, "Consent.provision.purpose", msgNoPurpose, true},
		{"marketing", func(c map[string]any) {
			p := prov(c)
			p["purpose"] = append(p["purpose"].([]any), mustJSON(`{"system":"http://terminology.hl7.org/CodeSystem/v3-ActReason","code":"HMARKT"}`))
		}, "Consent.provision.purpose[1]", `"http://terminology.hl7.org/CodeSystem/v3-ActReason#HMARKT" is not supported: medchain purposes are the http://terminology.hl7.org/CodeSystem/v3-ActReason codes ETREAT, HOPERAT, HPAYMT, PUBHLTH, HRESCH, TREAT`, true},
		{"purpose in another system", func(c map[string]any) {
			prov(c)["purpose"] = mustJSON(`[{"system":"http://example.org","code":"TREAT"}]`)
		},
			"Consent.provision.purpose[0]", `"http://example.org#TREAT" is not supported: medchain purposes are the http://terminology.hl7.org/CodeSystem/v3-ActReason codes ETREAT, HOPERAT, HPAYMT, PUBHLTH, HRESCH, TREAT`, true},
		// From consent-example-signature's nested provision.
		{"class by MIME type", func(c map[string]any) {
			prov(c)["class"] = mustJSON(`[{"system":"urn:ietf:bcp:13","code":"application/hl7-cda+xml"}]`)
		},
			"Consent.provision.class[0]", `"urn:ietf:bcp:13#application/hl7-cda+xml" is not supported: medchain limits a grant by FHIR R4 resource type (http://hl7.org/fhir/resource-types)`, true},
		{"class not an R4 type", func(c map[string]any) {
			prov(c)["class"] = mustJSON(`[{"system":"http://hl7.org/fhir/resource-types","code":"ProcedureRequest"}]`)
		},
			"Consent.provision.class[0]", `"http://hl7.org/fhir/resource-types#ProcedureRequest" is not supported: medchain limits a grant by FHIR R4 resource type (http://hl7.org/fhir/resource-types)`, true},
		{"code", func(c map[string]any) {
			prov(c)["code"] = mustJSON(`[{"coding":[{"system":"http://loinc.org","code":"34133-9"}]}]`)
		},
			"Consent.provision.code", "is not supported: medchain limits a grant by resource type and record, not by code", true},
		{"data period", func(c map[string]any) { prov(c)["dataPeriod"] = mustJSON(`{"start":"2015-01-01","end":"2015-02-01"}`) },
			"Consent.provision.dataPeriod", "is not supported: medchain does not limit a grant by when the data was recorded", true},
		{"data dependents", func(c map[string]any) { obj(prov(c)["data"].([]any)[0])["meaning"] = "dependents" },
			"Consent.provision.data[0].meaning", `"dependents" is not supported: a medchain grant lists the records themselves ("instance")`, true},
		{"data by literal reference", func(c map[string]any) {
			obj(prov(c)["data"].([]any)[0])["reference"] = mustJSON(`{"reference":"Observation/` + rec1 + `"}`)
		}, "Consent.provision.data[0].reference", `"Observation/` + rec1 + `" is not a medchain record: reference one by identifier, system urn:medchain:record, value "rec-" and 24 hex digits`, true},
		{"data in another system", func(c map[string]any) {
			obj(prov(c)["data"].([]any)[0])["reference"] = mustJSON(`{"identifier":{"system":"urn:other","value":"` + rec1 + `"}}`)
		}, "Consent.provision.data[0].reference", `this reference is not a medchain record: reference one by identifier, system urn:medchain:record, value "rec-" and 24 hex digits`, true},
		// Not valid FHIR at all: Validate's error.
		{"bad status code", func(c map[string]any) { c["status"] = "revoked" },
			"Consent.status", "invalid code: not one of the codes of ConsentStateCode", false},
		{"bad end date", func(c map[string]any) { prov(c)["period"] = mustJSON(`{"end":"2030-02-30"}`) },
			"Consent.provision.period.end", "invalid dateTime: expected YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss with a time zone", false},
		{"no category", func(c map[string]any) { delete(c, "category") }, "Consent.category", "missing required field", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			terms, err := ParseConsent(patch(t, base(t), tt.fix))
			if err == nil {
				t.Fatalf("mapped to %+v", terms)
			}
			checkError(t, err, tt.path, tt.msg, tt.unsupported)
		})
	}
	// The patient's own reference is never quoted back.
	_, err := ParseConsent(patch(t, base(t), func(c map[string]any) { c["patient"] = mustJSON(`{"reference":"Patient/john-smith"}`) }))
	if strings.Contains(err.Error(), "john") {
		t.Errorf("error quotes the patient reference: %v", err)
	}
	// Not a Consent.
	_, err = ParseConsent(readTestdata(t, "Patient-example.json"))
	checkError(t, err, "resourceType", "a Patient, not a Consent", false)
}

func TestParseConsentAccepts(t *testing.T) {
	tests := []struct {
		name  string
		fix   func(c map[string]any)
		terms Terms
	}{
		{"as written", func(map[string]any) {}, Terms{Patient: ptID, Grantee: Grantee{Org: "good-health"},
			Purposes: []string{"treatment"}, Types: []string{"Observation"}, Records: []string{rec1}, End: utc("2030-01-01T00:00:00Z")}},
		{"type permit, IRCP, no action, no policyRule, metadata", func(c map[string]any) {
			p := prov(c)
			p["type"] = "permit"
			delete(p, "action")
			delete(c, "policyRule")
			obj(p["actor"].([]any)[0])["role"] = mustJSON(`{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ParticipationType","code":"IRCP"}]}`)
			c["id"] = "c1"
			c["dateTime"] = "2024-05-01T10:00:00+02:00"
			c["performer"] = mustJSON(`[{"reference":"RelatedPerson/peter"}]`)
			c["organization"] = mustJSON(`[{"reference":"Organization/f001"}]`)
			c["extension"] = mustJSON(`[{"url":"http://example.org/note","valueString":"x"}]`)
			c["patient"] = mustJSON(`{"reference":"Patient/` + ptID + `","display":"Somebody"}`)
			p["period"] = mustJSON(`{"start":"2024-05","end":"2025"}`)
		}, Terms{Patient: ptID, Grantee: Grantee{Org: "good-health"}, Purposes: []string{"treatment"},
			Types: []string{"Observation"}, Records: []string{rec1}, Start: utc("2024-05-01T00:00:00Z"), End: utc("2026-01-01T00:00:00Z")}},
		{"role grant, duplicates, zone", func(c map[string]any) {
			p := prov(c)
			obj(p["actor"].([]any)[0])["role"] = mustJSON(`{"coding":[{"system":"urn:medchain:role","code":"lab-technician"}]}`)
			p["purpose"] = mustJSON(`[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActReason","code":"TREAT"},{"system":"http://terminology.hl7.org/CodeSystem/v3-ActReason","code":"ETREAT"},{"system":"http://terminology.hl7.org/CodeSystem/v3-ActReason","code":"TREAT"}]`)
			p["class"] = mustJSON(`[{"system":"http://hl7.org/fhir/resource-types","code":"Observation"},{"system":"http://hl7.org/fhir/resource-types","code":"DiagnosticReport"}]`)
			p["period"] = mustJSON(`{"start":"2024-05-01T10:00:00.5+02:00","end":"2024-05-31T23:59:59-05:00"}`)
		}, Terms{Patient: ptID, Grantee: Grantee{Org: "good-health", Role: "lab-technician"}, Purposes: []string{"emergency", "treatment"},
			Types: []string{"DiagnosticReport", "Observation"}, Records: []string{rec1},
			Start: utc("2024-05-01T08:00:00.5Z"), End: utc("2024-06-01T04:59:59Z")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseConsent(patch(t, base(t), tt.fix))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.terms) {
				t.Errorf("terms\n %+v\nwant\n %+v", got, tt.terms)
			}
		})
	}
}

func TestFormatConsentRoundTrip(t *testing.T) {
	all := []string{"emergency", "operations", "payment", "public-health", "research", "treatment"}
	tests := []Terms{
		{Patient: ptID, Grantee: Grantee{Org: "good-health"}, Purposes: []string{"treatment"}, End: utc("2030-01-01T00:00:00Z")},
		{Patient: ptID, Grantee: Grantee{Member: "st-marys/dr-house"}, Purposes: []string{"emergency", "research"},
			Types: []string{"Observation", "Patient"}, Records: []string{rec1, rec2},
			Start: utc("2025-03-01T12:30:00.123456789Z"), End: utc("2025-03-01T13:00:00Z")},
		{Patient: ptID, Grantee: Grantee{Org: "city-lab", Role: "lab-technician"}, Purposes: all,
			Start: utc("2024-01-01T00:00:00Z"), End: utc("2034-01-01T00:00:00Z")},
		{Patient: ptID, Grantee: Grantee{Member: "h1/dr.a.b-c"}, Purposes: []string{"payment"}, Types: []string{"Claim", "ExplanationOfBenefit"}, End: utc("2026-06-30T23:59:59Z")},
	}
	for _, terms := range tests {
		out, err := FormatConsent(terms)
		if err != nil {
			t.Fatalf("%+v: %v", terms, err)
		}
		info, err := Validate(out)
		if err != nil || info.ResourceType != "Consent" {
			t.Fatalf("FormatConsent output does not validate: %v\n%s", err, out)
		}
		back, err := ParseConsent(out)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if !reflect.DeepEqual(back, terms) {
			t.Errorf("round trip:\n %+v\nwant\n %+v", back, terms)
		}
	}
	// Unsorted, duplicated, non-UTC terms come back normalised.
	in := Terms{Patient: ptID, Grantee: Grantee{Org: "good-health"}, Purposes: []string{"treatment", "emergency", "treatment"},
		Types: []string{"Patient", "Observation", "Patient"}, Records: []string{rec2, rec1},
		Start: time.Date(2025, 1, 1, 9, 0, 0, 0, time.FixedZone("CET", 3600)), End: time.Date(2025, 2, 1, 0, 0, 0, 0, time.FixedZone("X", -7200))}
	out, err := FormatConsent(in)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseConsent(out)
	want := Terms{Patient: ptID, Grantee: Grantee{Org: "good-health"}, Purposes: []string{"emergency", "treatment"},
		Types: []string{"Observation", "Patient"}, Records: []string{rec1, rec2},
		Start: utc("2025-01-01T08:00:00Z"), End: utc("2025-02-01T02:00:00Z")}
	if err != nil || !reflect.DeepEqual(back, want) {
		t.Errorf("normalised round trip: %+v, %v", back, err)
	}
}

func TestFormatConsentOutput(t *testing.T) {
	out, err := FormatConsent(Terms{Patient: ptID, Grantee: Grantee{Org: "st-marys", Role: "physician"},
		Purposes: []string{"treatment"}, Records: []string{rec1}, Start: utc("2025-01-01T00:00:00Z"), End: utc("2025-07-01T00:00:00Z")})
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "resourceType": "Consent",
  "status": "active",
  "scope": {
    "coding": [
      {
        "system": "http://terminology.hl7.org/CodeSystem/consentscope",
        "code": "patient-privacy",
        "display": "Privacy Consent"
      }
    ]
  },
  "category": [
    {
      "coding": [
        {
          "system": "http://loinc.org",
          "code": "59284-0",
          "display": "Patient Consent"
        }
      ]
    }
  ],
  "patient": {
    "reference": "Patient/pt-0123456789abcdef0123"
  },
  "policyRule": {
    "coding": [
      {
        "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
        "code": "OPTIN",
        "display": "opt-in"
      }
    ]
  },
  "provision": {
    "period": {
      "start": "2025-01-01T00:00:00Z",
      "end": "2025-07-01T00:00:00Z"
    },
    "actor": [
      {
        "role": {
          "coding": [
            {
              "system": "urn:medchain:role",
              "code": "physician"
            }
          ]
        },
        "reference": {
          "reference": "Organization/st-marys"
        }
      }
    ],
    "action": [
      {
        "coding": [
          {
            "system": "http://terminology.hl7.org/CodeSystem/consentaction",
            "code": "access",
            "display": "Access"
          }
        ]
      }
    ],
    "purpose": [
      {
        "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason",
        "code": "TREAT",
        "display": "treatment"
      }
    ],
    "data": [
      {
        "meaning": "instance",
        "reference": {
          "identifier": {
            "system": "urn:medchain:record",
            "value": "rec-000000000000000000000001"
          }
        }
      }
    ]
  }
}`
	if string(out) != want {
		t.Errorf("FormatConsent:\n%s\nwant\n%s", out, want)
	}
	out, _ = FormatConsent(Terms{Patient: ptID, Grantee: Grantee{Member: "st-marys/dr-house"}, Purposes: []string{"treatment"}, End: utc("2025-07-01T00:00:00Z")})
	if !strings.Contains(string(out), `"reference": "Practitioner/st-marys.dr-house"`) || !strings.Contains(string(out), `"code": "PRCP"`) {
		t.Errorf("member grantee:\n%s", out)
	}
}

func TestFormatConsentErrors(t *testing.T) {
	ok := Terms{Patient: ptID, Grantee: Grantee{Org: "good-health"}, Purposes: []string{"treatment"}, End: utc("2030-01-01T00:00:00Z")}
	tests := []struct {
		name string
		edit func(*Terms)
		want string
	}{
		{"patient name", func(t *Terms) { t.Patient = "John Smith" }, `Patient is not a medchain patient ID ("pt-" and 20 hex digits)`},
		{"no grantee", func(t *Terms) { t.Grantee = Grantee{} }, "Grantee: Org or Member is required"},
		{"member and org", func(t *Terms) { t.Grantee.Member = "good-health/x" }, "Grantee: give Member alone, or Org with an optional Role"},
		{"role alone", func(t *Terms) { t.Grantee = Grantee{Role: "nurse"} }, "Grantee: Org or Member is required"},
		{"member without org", func(t *Terms) { t.Grantee = Grantee{Member: "dr-house"} }, `Grantee: Member "dr-house" is not a medchain member ID "<org>/<handle>"`},
		{"member too long", func(t *Terms) { t.Grantee = Grantee{Member: strings.Repeat("o", 40) + "/" + strings.Repeat("h", 30)} },
			`Grantee: Member "` + strings.Repeat("o", 40) + "/" + strings.Repeat("h", 30) + `" is too long for a FHIR id ("` + strings.Repeat("o", 40) + "." + strings.Repeat("h", 30) + `" has 71 characters, at most 64)`},
		{"bad org", func(t *Terms) { t.Grantee = Grantee{Org: "Good Health"} }, `Grantee: Org "Good Health" is not a medchain organisation ID`},
		{"bad role", func(t *Terms) { t.Grantee.Role = "Chief Physician" }, `Grantee: Role "Chief Physician" is not a medchain role name`},
		{"no end", func(t *Terms) { t.End = time.Time{} }, "End is required: a grant must expire"},
		{"start at end", func(t *Terms) { t.Start = t.End }, "Start is not before End"},
		{"year 10000", func(t *Terms) { t.End = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, "time 10000-01-01T00:00:00Z is outside the years 1 to 9999 FHIR can write"},
		{"no purpose", func(t *Terms) { t.Purposes = nil }, "Purposes: at least one purpose is required"},
		{"unknown purpose", func(t *Terms) { t.Purposes = []string{"marketing"} }, `Purposes: "marketing" is not a medchain purpose`},
		{"unknown type", func(t *Terms) { t.Types = []string{"Observations"} }, `Types: "Observations" is not a FHIR R4 resource type`},
		{"bad record", func(t *Terms) { t.Records = []string{"rec-1"} }, `Records: "rec-1" is not a medchain record ID ("rec-" and 24 hex digits)`},
	}
	for _, tt := range tests {
		terms := ok
		tt.edit(&terms)
		_, err := FormatConsent(terms)
		if err == nil || err.Error() != "fhirdoc: consent terms: "+tt.want {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "John") {
			t.Errorf("%s: error quotes the patient: %v", tt.name, err)
		}
	}
}

func TestParseDateTime(t *testing.T) {
	tests := []struct {
		in         string
		start, end string
	}{
		{"2016", "2016-01-01T00:00:00Z", "2017-01-01T00:00:00Z"},
		{"2016-02", "2016-02-01T00:00:00Z", "2016-03-01T00:00:00Z"},
		{"2016-12-31", "2016-12-31T00:00:00Z", "2017-01-01T00:00:00Z"},
		{"2016-06-23T17:02:33+10:00", "2016-06-23T07:02:33Z", "2016-06-23T07:02:33Z"},
		{"2016-06-23T17:02:33.25Z", "2016-06-23T17:02:33.25Z", "2016-06-23T17:02:33.25Z"},
	}
	for _, tt := range tests {
		s, err1 := parseDateTime(tt.in, false)
		e, err2 := parseDateTime(tt.in, true)
		if err1 != nil || err2 != nil || !s.Equal(utc(tt.start)) || !e.Equal(utc(tt.end)) || s.Location() != time.UTC {
			t.Errorf("parseDateTime(%q) = %v, %v (%v, %v)", tt.in, s, e, err1, err2)
		}
	}
	if _, err := parseDateTime("2016-13", true); err == nil {
		t.Error("2016-13 parsed")
	}
}
