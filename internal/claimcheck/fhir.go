package claimcheck

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/medchain/medchain/internal/claims"
	"github.com/medchain/medchain/internal/fhirdoc"
)

// FHIR out. Each resource is built from ledger state only, so anyone who
// may read the claim rebuilds the same bytes; ClaimResponse's SHA-256 is
// what claims/adjudicate and claims/pay reference.

// SystemReason is the code system of medchain's problem and decision
// reasons (claims.Reasons), SystemRule that of rule IDs.
const (
	SystemReason = "urn:medchain:claims:reason"
	SystemRule   = "urn:medchain:claims:rule"
	SystemClaim  = "urn:medchain:claim"
)

type jsonObj = map[string]any

func money(minor int64, currency string) jsonObj {
	digits, ok := minorDigits[currency]
	if !ok {
		digits = 2
	}
	s := strconv.FormatInt(minor, 10)
	if digits > 0 {
		for len(s) <= digits {
			s = "0" + s
		}
		s = s[:len(s)-digits] + "." + s[len(s)-digits:]
	}
	return jsonObj{"value": json.Number(s), "currency": currency}
}

func adjudication(category string, minor int64, currency string) jsonObj {
	return jsonObj{"category": jsonObj{"coding": []jsonObj{{"system": "http://terminology.hl7.org/CodeSystem/adjudication", "code": category}}},
		"amount": money(minor, currency)}
}

// ClaimResponse is the FHIR R4 ClaimResponse of decision d of claim c
// (canonical JSON: Go's encoding of maps sorts keys), and its SHA-256.
// The claim is referenced by its ledger ID and document hash, the patient
// by pseudonym, the plan version in the insurance; each item's
// adjudication gives the allowed ("eligible"), payer ("benefit") and
// patient ("copay") amounts, a denial's reason as an adjudication reason
// in medchain's reason system and the deciding rule as an extension.
func ClaimResponse(c claims.Claim, d claims.Decision) ([]byte, string) {
	outcome := "complete"
	if d.Status == claims.StatusDenied {
		outcome = "error"
	} else if d.Status == claims.StatusPartly {
		outcome = "partial"
	}
	items := []jsonObj{}
	for _, it := range d.Items {
		adj := []jsonObj{adjudication("eligible", it.Allowed, c.Currency), adjudication("benefit", it.Payer, c.Currency),
			adjudication("copay", it.Patient, c.Currency)}
		if it.Reason != "" {
			adj[0]["reason"] = jsonObj{"coding": []jsonObj{{"system": SystemReason, "code": it.Reason}}}
		}
		item := jsonObj{"itemSequence": it.Sequence, "adjudication": adj}
		if it.Rule != "" {
			item["extension"] = []jsonObj{{"url": SystemRule, "valueString": it.Rule}}
		}
		items = append(items, item)
	}
	cr := jsonObj{
		"resourceType": "ClaimResponse",
		"id":           c.ID + "-" + strconv.Itoa(d.Round),
		"identifier":   []jsonObj{{"system": SystemClaim, "value": c.ID}},
		"status":       "active",
		"type":         jsonObj{"coding": []jsonObj{{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "professional"}}},
		"use":          "claim",
		"patient":      jsonObj{"reference": "Patient/" + c.Patient},
		"created":      unixDate(c.Time),
		"insurer":      jsonObj{"reference": "Organization/" + c.Payer},
		"requestor":    jsonObj{"reference": "Organization/" + c.Provider},
		"request":      jsonObj{"identifier": jsonObj{"system": "urn:medchain:claim-hash", "value": c.Hash}},
		"outcome":      outcome,
		"disposition":  d.Status,
		"item":         items,
		"total": []jsonObj{adjudication("eligible", d.Allowed, c.Currency), adjudication("benefit", d.Payer, c.Currency),
			adjudication("copay", d.Patient, c.Currency)},
		"insurance": []jsonObj{{"sequence": 1, "focal": true, "coverage": jsonObj{"reference": "Coverage/" + c.Coverage},
			"extension": []jsonObj{{"url": "urn:medchain:claims:plan-version", "valueString": c.Plan + "/" + strconv.Itoa(c.Version)}}}},
	}
	b, _ := json.Marshal(cr) // maps of strings, numbers and slices: cannot fail
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:])
}

// Adjudication is the claims/adjudicate message of a judgement of claim c
// (r.Items, under c's version) and the ClaimResponse it references: the
// decision the chain will record, tallied as the chain tallies it.
func Adjudication(c claims.Claim, items []claims.ItemDecision) (claims.Adjudicate, []byte) {
	d := claims.Tally(items)
	d.Round = len(c.Decisions) + 1
	cr, hash := ClaimResponse(c, d)
	return claims.Adjudicate{Claim: c.ID, Version: c.Version, Response: hash, Items: items}, cr
}

func unixDate(sec int64) string {
	days := sec / 86400
	// civil-from-days (Howard Hinnant's algorithm), integers only.
	z := days + 719468
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d)
}

// EligibilityResponse is the FHIR R4 CoverageEligibilityResponse of an
// eligibility answer: inforce, the plan version in force on the day as
// insurance.item benefits (each covered service with its scheduled fee)
// and, when not eligible, the reason as an error.
func EligibilityResponse(e claims.Eligibility) []byte {
	ins := jsonObj{"coverage": jsonObj{"reference": "Coverage/" + e.Coverage.ID}, "inforce": e.Eligible}
	if v := e.Version; v != nil {
		items := []jsonObj{}
		for _, s := range v.Services {
			item := jsonObj{
				"productOrService": jsonObj{"coding": []jsonObj{{"system": SystemHCPCS, "code": s.Code}}},
				"benefit":          []jsonObj{{"type": jsonObj{"coding": []jsonObj{{"system": "http://terminology.hl7.org/CodeSystem/benefit-type", "code": "benefit"}}}, "allowedMoney": money(s.Fee, v.Currency)}},
			}
			if s.PriorAuth {
				item["authorizationRequired"] = true
			}
			items = append(items, item)
		}
		ins["item"] = items
		ins["extension"] = []jsonObj{{"url": "urn:medchain:claims:plan-version", "valueString": v.Plan + "/" + strconv.Itoa(v.Version)}}
	}
	r := jsonObj{
		"resourceType": "CoverageEligibilityResponse",
		"status":       "active",
		"purpose":      []string{"benefits", "validation"},
		"patient":      jsonObj{"reference": "Patient/" + e.Coverage.Patient},
		"servicedDate": e.Day,
		"created":      e.Day,
		"request":      jsonObj{"identifier": jsonObj{"system": SystemCoverage, "value": e.Coverage.ID}},
		"outcome":      "complete",
		"insurer":      jsonObj{"reference": "Organization/" + e.Coverage.Payer},
		"insurance":    []jsonObj{ins},
	}
	if e.Reason != "" {
		r["error"] = []jsonObj{{"code": jsonObj{"coding": []jsonObj{{"system": SystemReason, "code": e.Reason}}}}}
	}
	b, _ := json.Marshal(r)
	return b
}

// CoverageResource is the FHIR R4 Coverage of a coverage the ledger
// records: its beneficiary, payer, period, plan (a class of type plan) and
// status (active, or cancelled).
func CoverageResource(c claims.Coverage) []byte {
	status := "active"
	if c.Status != claims.CoverageActive {
		status = "cancelled"
	}
	r := jsonObj{
		"resourceType": "Coverage",
		"id":           c.ID,
		"identifier":   []jsonObj{{"system": SystemCoverage, "value": c.ID}},
		"status":       status,
		"beneficiary":  jsonObj{"reference": "Patient/" + c.Patient},
		"payor":        []jsonObj{{"reference": "Organization/" + c.Payer}},
		"period":       jsonObj{"start": c.Start, "end": c.End},
		"class": []jsonObj{{
			"type":  jsonObj{"coding": []jsonObj{{"system": "http://terminology.hl7.org/CodeSystem/coverage-class", "code": "plan"}}},
			"value": c.Plan,
		}},
	}
	b, _ := json.Marshal(r)
	return b
}

// PaymentReconciliation is the FHIR R4 PaymentReconciliation of a
// claim's payment: the payment's amount, the claim and its response.
func PaymentReconciliation(c claims.Claim) ([]byte, bool) {
	p := c.Payment
	if p == nil {
		return nil, false
	}
	r := jsonObj{
		"resourceType":  "PaymentReconciliation",
		"id":            p.ID,
		"status":        "active",
		"created":       unixDate(p.Time),
		"paymentDate":   unixDate(p.Time),
		"paymentAmount": money(p.Amount, p.Currency),
		"paymentIssuer": jsonObj{"reference": "Organization/" + c.Payer},
		"outcome":       "complete",
		"detail": []jsonObj{{
			"type":      jsonObj{"coding": []jsonObj{{"system": "http://terminology.hl7.org/CodeSystem/payment-type", "code": "payment"}}},
			"request":   jsonObj{"identifier": jsonObj{"system": SystemClaim, "value": c.ID}},
			"response":  jsonObj{"identifier": jsonObj{"system": "urn:medchain:claim-response-hash", "value": p.Response}},
			"payee":     jsonObj{"reference": "Organization/" + c.Provider},
			"amount":    money(p.Amount, p.Currency),
			"submitter": jsonObj{"reference": "Organization/" + c.Provider},
		}},
	}
	b, _ := json.Marshal(r)
	return b, true
}

// ParseCoverage maps a FHIR R4 Coverage to claims/record-coverage:
//
//	Coverage.status            "active"
//	Coverage.beneficiary       "Patient/pt-…" (or identifier system urn:medchain:patient)
//	Coverage.payor[0]          "Organization/<insurer>" (checked by the chain: the signer's)
//	Coverage.class             type "plan" (coverage-class): value is the plan ID
//	Coverage.period.start/end  → start / end (both required, days)
//
// Anything else (subscriber, dependent, relationship, cost to the
// beneficiary…) is not carried: the chain keeps only pseudonym, plan,
// period and status. Refusals are *fhirdoc.Error naming the element (with
// Unsupported set for a valid Coverage that does not map).
func ParseCoverage(raw []byte) (claims.RecordCoverage, error) {
	var m claims.RecordCoverage
	info, err := fhirdoc.Validate(raw)
	if err != nil {
		return m, err
	}
	if info.ResourceType != "Coverage" {
		return m, unsupported("", "the document is a %s, not a Coverage", info.ResourceType)
	}
	var c struct {
		Status      string `json:"status"`
		Beneficiary *fRef  `json:"beneficiary"`
		Period      *struct {
			Start string `json:"start"`
			End   string `json:"end"`
		} `json:"period"`
		Class []struct {
			Type  fConcept `json:"type"`
			Value string   `json:"value"`
		} `json:"class"`
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	if err := d.Decode(&c); err != nil {
		return m, err
	}
	if c.Status != "active" {
		return m, unsupported("Coverage.status", "%q: medchain records active coverage (cancel it with claims/cancel-coverage)", c.Status)
	}
	id, ok := ref(c.Beneficiary, "Patient", SystemPatient)
	if !ok || !validPatient(id) {
		return m, unsupported("Coverage.beneficiary", "reference a medchain patient: Patient/pt-… or an identifier of system %s", SystemPatient)
	}
	m.Patient = id
	for i, cl := range c.Class {
		for _, cd := range cl.Type.Coding {
			if cd.Code == "plan" {
				m.Plan = cl.Value
				if m.Plan == "" {
					return m, unsupported(fmt.Sprintf("Coverage.class[%d].value", i), "the plan's ID")
				}
			}
		}
	}
	if m.Plan == "" {
		return m, unsupported("Coverage.class", "a class of type \"plan\" (http://terminology.hl7.org/CodeSystem/coverage-class) whose value is the plan's ID")
	}
	if c.Period == nil {
		return m, unsupported("Coverage.period", "start and end are required")
	}
	var okS, okE bool
	m.Start, okS = dayOf(c.Period.Start)
	m.End, okE = dayOf(c.Period.End)
	if !okS || !okE {
		return m, unsupported("Coverage.period", "start and end are required, as dates")
	}
	if err := m.Validate(); err != nil {
		return m, unsupported("Coverage", "%s", strings.TrimSpace(err.Error()))
	}
	return m, nil
}

// unsupported is a valid Coverage that does not map to claims/record-coverage,
// as fhirdoc reports what does not map to a grant.
func unsupported(path, format string, args ...any) error {
	return &fhirdoc.Error{Path: path, Msg: fmt.Sprintf(format, args...), Unsupported: true}
}
