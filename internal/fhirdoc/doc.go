// Package fhirdoc handles FHIR R4 JSON at medchain's edge: the API and CLI
// validate what users send, split Bundles into records, convert Consent
// to and from grant terms, and list a test patient's personal data for the
// privacy scan. Nothing here runs in the state machine or goes on chain;
// the modules work on their own small types (docs/design.md §3.8).
//
// # Validation
//
// Validate parses a document with google/fhir's validating R4 parser
// (github.com/google/fhir/go/jsonformat) and reports the first problem as
// an *Error whose Path names the element in FHIR's JSON names, e.g.
// "Observation.status" or "Bundle.entry[3].resource.birthDate", and whose
// message never repeats the document's values (they may be personal data,
// and errors reach logs). Empty input, input that is not JSON, a JSON array
// or other non-object, a missing or unknown resourceType and documents over
// MaxSize have errors of their own.
//
// # Consent
//
// ParseConsent and FormatConsent map a FHIR R4 Consent to and from Terms,
// the terms of a medchain grant. The mapping:
//
//	Consent.status                      "active"
//	Consent.scope                       consentscope#patient-privacy
//	Consent.patient.reference           "Patient/pt-…"        → Terms.Patient
//	Consent.policyRule                  v3-ActCode#OPTIN (or absent)
//	Consent.provision.type              "permit" (or absent)
//	Consent.provision.period.start/end  → Terms.Start / Terms.End (end required)
//	Consent.provision.actor             exactly one           → Terms.Grantee
//	Consent.provision.action            consentaction#access (or absent)
//	Consent.provision.purpose           v3-ActReason codes    → Terms.Purposes
//	Consent.provision.class             resource-types codes  → Terms.Types
//	Consent.provision.data              meaning "instance", a record identifier → Terms.Records
//
// Purposes: v3-ActReason TREAT is treatment, HPAYMT payment, HOPERAT
// operations, HRESCH research, ETREAT emergency, PUBHLTH public-health.
//
// Actors (the grantee) are referenced as follows. An organisation is
// "Organization/<org>" (a medchain organisation ID is a valid FHIR id). A
// member "<org>/<handle>" is "Practitioner/<org>.<handle>": a FHIR id may
// not hold '/', and since organisation IDs have no '.', the first '.'
// separates the two (the whole id must fit FHIR's 64 characters). The
// actor's role is v3-ParticipationType PRCP (written) or IRCP (also read):
// the recipient of access. A grant to the members of an organisation who
// hold a role is the organisation's reference with the role coded in
// medchain's own system instead: role {system SystemRole ("urn:medchain:role"),
// code "physician"}; FHIR binds actor.role extensibly, and no standard code
// says "members holding this role". Records are referenced by identifier,
// since a record is no one FHIR resource type:
// {"identifier": {"system": "urn:medchain:record", "value": "rec-…"}}.
//
// A medchain grant only grants, to one grantee, for stated purposes, until
// an expiry. Whatever a Consent says beyond that is refused, not dropped,
// because dropping a restriction would widen the access the patient gave:
// a deny or nested provision, opt-out policies, external policy
// references, implicitRules and modifierExtensions, actor roles other than
// the recipient (custodian, author…), several actors or none, actions
// other than access, security labels, code and dataPeriod restrictions,
// data meanings other than "instance", a consent that is not active or not
// about patient privacy, a policy-only consent with no provision, a
// missing end date, a period reaching outside the years 1 to 9999 in UTC,
// and a patient referenced by anything but a medchain pseudonymous ID
// (medchain never maps names or other systems' IDs).
// Elements that do not change what is granted are ignored: id, meta,
// text, extension, identifier, category, dateTime, performer (the signer
// of the grant transaction is who grants), organization, source and
// verification. Refusals are *Error with Unsupported set.
//
// # Personal data
//
// PersonalData lists the identifying strings of the Patient resources in a
// document (names, birth date, address, telecom, identifiers…), leaving
// out strings too short or too generic to search for; a test then searches
// everything the chain stores for them (docs/design.md §3.1).
package fhirdoc
