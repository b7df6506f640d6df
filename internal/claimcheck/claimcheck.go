// Package claimcheck judges a FHIR R4 Claim against a plan version of the
// claims module: the pre-check a provider runs before it submits, the
// adjudication a payer records, and the audit anyone holding the claim
// runs to compare the two with the ledger are this one function (Judge),
// so they cannot disagree.
//
// It runs at the edge (the API, the CLI, the payer's tooling), never in
// the state machine: the chain holds no claim document. It is pure and
// deterministic: no clock (the service date comes from the claim), no
// I/O, no map iteration into results, no floats (FHIR decimals are read
// as exact decimal strings into integer minor units).
//
// # The claim view
//
// Parse validates the document with google/fhir's R4 parser (fhirdoc) and
// reads a small view of it. medchain identities are referenced as FHIR
// references or identifiers:
//
//	Claim.patient     "Patient/pt-…"  or identifier system urn:medchain:patient
//	Claim.insurer     "Organization/<org>" or identifier system urn:medchain:org
//	Claim.provider    as insurer
//	Claim.insurance[].coverage  "Coverage/cv-…" or identifier system urn:medchain:coverage
//	Claim.insurance[].preAuthRef  any value: a prior authorisation is cited
//	Claim.diagnosis[].diagnosisCodeableConcept.coding  ICD-10-CM (system
//	                  http://hl7.org/fhir/sid/icd-10-cm, or none), dot optional
//	Claim.item[].productOrService.coding  HCPCS (system
//	                  https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets, or none)
//	Claim.item[].servicedDate (or servicedPeriod.start, or Claim.billablePeriod.start)
//	Claim.item[].quantity.value  units, a whole number (1 if absent)
//	Claim.item[].net (or unitPrice × quantity)  money, in minor units
//
// # Judging
//
// Judge reports every problem at once, each with its FHIR path and a
// stable code (claims.Reasons), and decides each item: claim-level
// problems (a missing or invalid element, the wrong payer, a coverage
// that is not active or not the claim's, no covered diagnosis) deny every
// item with the first of them; then per item, in this order: a service
// code that is not HCPCS (unknown_code), not in the fee schedule
// (code_not_covered), the wrong currency, a date outside the coverage or
// before the version took effect, more units than allowed, a prior
// authorisation needed and not cited, each benefit rule in the plan's
// order; an amount over the schedule does not deny the item but allows
// it at the schedule (reduced, over_schedule). The patient's share is the
// plan's basis points of the allowed amount, rounded down; the payer pays
// the rest. A claim passes pre-check when there is no problem at all.
package claimcheck

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/medchain/medchain/internal/claims"
	"github.com/medchain/medchain/internal/fhirdoc"
	"github.com/medchain/medchain/internal/rules"
)

// Systems medchain reads codes and identities in.
const (
	SystemICD10CM  = "http://hl7.org/fhir/sid/icd-10-cm"
	SystemHCPCS    = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
	SystemPatient  = "urn:medchain:patient"
	SystemOrg      = "urn:medchain:org"
	SystemCoverage = "urn:medchain:coverage"
)

// ErrNotClaim is a document that is valid FHIR but not a Claim.
var ErrNotClaim = errors.New("claimcheck: not a FHIR Claim")

// Problem is one thing wrong with a claim under a plan version.
type Problem struct {
	// Path is the FHIR element, e.g. "Claim.item[1].net".
	Path string `json:"path"`
	// Code is one of claims.Reasons.
	Code string `json:"code"`
	// Item is the item's sequence for an item's problem, 0 for the claim's.
	Item int    `json:"item,omitempty"`
	Msg  string `json:"message"`
}

// Item is one service line of the claim view.
type Item struct {
	Sequence int    `json:"sequence"`
	Path     string `json:"path"`
	Service  string `json:"service,omitempty"`
	System   string `json:"system,omitempty"`
	Day      string `json:"day,omitempty"` // YYYY-MM-DD
	Units    int64  `json:"units"`
	Amount   int64  `json:"amount"` // minor units
	Currency string `json:"currency,omitempty"`
}

// Diagnosis is a diagnosis code of the claim view.
type Diagnosis struct {
	Path   string `json:"path"`
	Code   string `json:"code"` // without the dot
	System string `json:"system,omitempty"`
}

// View is what Judge reads of a claim.
type View struct {
	// Hash is the SHA-256 of the document's bytes: what the ledger
	// anchors.
	Hash      string      `json:"hash"`
	Patient   string      `json:"patient,omitempty"`
	Insurer   string      `json:"insurer,omitempty"`
	Provider  string      `json:"provider,omitempty"`
	Coverage  string      `json:"coverage,omitempty"`
	PreAuth   bool        `json:"prior_auth"`
	Diagnoses []Diagnosis `json:"diagnoses"`
	Items     []Item      `json:"items"`
	Total     int64       `json:"total"`
	Currency  string      `json:"currency,omitempty"`
	// present are the required elements (claims.Elements) the claim has;
	// problems the form problems found while reading.
	present  map[string]bool
	problems []Problem
}

// ServiceDay is the earliest service date of the claim ("" if none):
// the day whose plan version judges it.
func (v View) ServiceDay() string {
	day := ""
	for _, it := range v.Items {
		if it.Day != "" && (day == "" || it.Day < day) {
			day = it.Day
		}
	}
	return day
}

// fhir types read from the document (json.Number keeps decimals exact).
type (
	fRef struct {
		Reference  string `json:"reference"`
		Identifier *struct {
			System string `json:"system"`
			Value  string `json:"value"`
		} `json:"identifier"`
	}
	fCoding struct {
		System string `json:"system"`
		Code   string `json:"code"`
	}
	fConcept struct {
		Coding []fCoding `json:"coding"`
	}
	fMoney struct {
		Value    json.Number `json:"value"`
		Currency string      `json:"currency"`
	}
	fClaim struct {
		ResourceType   string `json:"resourceType"`
		Patient        *fRef  `json:"patient"`
		Insurer        *fRef  `json:"insurer"`
		Provider       *fRef  `json:"provider"`
		BillablePeriod *struct {
			Start string `json:"start"`
		} `json:"billablePeriod"`
		CareTeam  []json.RawMessage `json:"careTeam"`
		Insurance []struct {
			Focal      bool     `json:"focal"`
			Coverage   *fRef    `json:"coverage"`
			PreAuthRef []string `json:"preAuthRef"`
		} `json:"insurance"`
		Diagnosis []struct {
			Concept *fConcept `json:"diagnosisCodeableConcept"`
		} `json:"diagnosis"`
		Item []struct {
			Sequence         int       `json:"sequence"`
			ProductOrService *fConcept `json:"productOrService"`
			ServicedDate     string    `json:"servicedDate"`
			ServicedPeriod   *struct {
				Start string `json:"start"`
			} `json:"servicedPeriod"`
			Quantity *struct {
				Value json.Number `json:"value"`
			} `json:"quantity"`
			UnitPrice *fMoney `json:"unitPrice"`
			Net       *fMoney `json:"net"`
		} `json:"item"`
		Total *fMoney `json:"total"`
	}
)

// Parse validates raw as a FHIR R4 Claim and reads its view. An invalid
// document is an error (a *fhirdoc.Error naming the element); a valid
// Claim whose elements medchain cannot read gets problems in the view,
// which Judge reports.
func Parse(raw []byte) (View, error) {
	info, err := fhirdoc.Validate(raw)
	if err != nil {
		return View{}, err
	}
	if info.ResourceType != "Claim" {
		return View{}, fmt.Errorf("%w: the document is a %s", ErrNotClaim, info.ResourceType)
	}
	var c fClaim
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&c); err != nil {
		// Unreachable after Validate, which read the same JSON.
		return View{}, fmt.Errorf("claimcheck: %w", err)
	}
	sum := sha256.Sum256(raw)
	v := View{Hash: hex.EncodeToString(sum[:]), present: map[string]bool{}, Diagnoses: []Diagnosis{}, Items: []Item{}}
	v.read(&c)
	return v, nil
}

func (v *View) problem(path, code string, item int, format string, args ...any) {
	v.problems = append(v.problems, Problem{Path: path, Code: code, Item: item, Msg: fmt.Sprintf(format, args...)})
}

// ref reads a medchain ID from a reference of type typ ("Patient/…") or
// an identifier of system.
func ref(r *fRef, typ, system string) (id string, ok bool) {
	if r == nil {
		return "", false
	}
	if rest, found := strings.CutPrefix(r.Reference, typ+"/"); found && rest != "" {
		return rest, true
	}
	if r.Identifier != nil && r.Identifier.System == system && r.Identifier.Value != "" {
		return r.Identifier.Value, true
	}
	return "", false
}

func (v *View) read(c *fClaim) {
	if c.Patient != nil {
		v.present["Claim.patient"] = true
		id, ok := ref(c.Patient, "Patient", SystemPatient)
		if !ok || !validPatient(id) {
			v.problem("Claim.patient", claims.ReasonInvalidElement, 0, "reference a medchain patient: Patient/pt-… or an identifier of system %s", SystemPatient)
		} else {
			v.Patient = id
		}
	}
	for _, e := range []struct {
		r    *fRef
		path string
		into *string
	}{{c.Insurer, "Claim.insurer", &v.Insurer}, {c.Provider, "Claim.provider", &v.Provider}} {
		if e.r == nil {
			continue
		}
		v.present[e.path] = true
		if id, ok := ref(e.r, "Organization", SystemOrg); ok {
			*e.into = id
		} else {
			v.problem(e.path, claims.ReasonInvalidElement, 0, "reference a medchain organisation: Organization/<id> or an identifier of system %s", SystemOrg)
		}
	}
	if c.BillablePeriod != nil && c.BillablePeriod.Start != "" {
		v.present["Claim.billablePeriod"] = true
	}
	if len(c.CareTeam) > 0 {
		v.present["Claim.careTeam"] = true
	}
	for i, ins := range c.Insurance {
		if len(ins.PreAuthRef) > 0 {
			v.PreAuth = true
		}
		if ins.Coverage == nil || (!ins.Focal && len(c.Insurance) > 1) {
			continue
		}
		v.present["Claim.insurance.coverage"] = true
		path := fmt.Sprintf("Claim.insurance[%d].coverage", i)
		if id, ok := ref(ins.Coverage, "Coverage", SystemCoverage); ok && claims.ValidID("cv-", id) {
			v.Coverage = id
		} else {
			v.problem(path, claims.ReasonInvalidElement, 0, "reference a medchain coverage: Coverage/cv-… or an identifier of system %s", SystemCoverage)
		}
	}
	for i, dx := range c.Diagnosis {
		path := fmt.Sprintf("Claim.diagnosis[%d].diagnosisCodeableConcept", i)
		if dx.Concept == nil || len(dx.Concept.Coding) == 0 {
			continue // a diagnosisReference: not a code the plan can cover
		}
		v.present["Claim.diagnosis"] = true
		cd := dx.Concept.Coding[0]
		code := strings.ReplaceAll(cd.Code, ".", "")
		switch {
		case cd.System != "" && cd.System != SystemICD10CM:
			v.problem(path+".coding[0].system", claims.ReasonUnknownCode, 0, "diagnoses are coded in ICD-10-CM (%s)", SystemICD10CM)
		case !claims.ValidDiagnosis(code):
			v.problem(path+".coding[0].code", claims.ReasonUnknownCode, 0, "%q is not an ICD-10-CM code", cd.Code)
		default:
			v.Diagnoses = append(v.Diagnoses, Diagnosis{Path: path, Code: code, System: cd.System})
		}
	}
	billable := ""
	if c.BillablePeriod != nil {
		billable = c.BillablePeriod.Start
	}
	for i, it := range c.Item {
		path := fmt.Sprintf("Claim.item[%d]", i)
		item := Item{Sequence: it.Sequence, Path: path, Units: 1}
		if it.ProductOrService != nil && len(it.ProductOrService.Coding) > 0 {
			v.present["Claim.item.productOrService"] = true
			cd := it.ProductOrService.Coding[0]
			switch {
			case cd.System != "" && cd.System != SystemHCPCS:
				v.problem(path+".productOrService.coding[0].system", claims.ReasonUnknownCode, it.Sequence, "services are coded in HCPCS (%s)", SystemHCPCS)
			case !claims.ValidService(cd.Code):
				v.problem(path+".productOrService.coding[0].code", claims.ReasonUnknownCode, it.Sequence, "%q is not a HCPCS Level II code", cd.Code)
			default:
				item.Service, item.System = cd.Code, cd.System
			}
		} else {
			v.missing(path+".productOrService", "Claim.item.productOrService", it.Sequence)
		}
		date := it.ServicedDate
		if date == "" && it.ServicedPeriod != nil {
			date = it.ServicedPeriod.Start
		}
		if date != "" {
			v.present["Claim.item.servicedDate"] = true
		} else {
			date = billable
			v.missing(path+".servicedDate", "Claim.item.servicedDate", it.Sequence)
		}
		if date != "" {
			if day, ok := dayOf(date); ok {
				item.Day = day
			} else {
				v.problem(path+".servicedDate", claims.ReasonInvalidElement, it.Sequence, "a date with at least a day (YYYY-MM-DD)")
			}
		}
		if it.Quantity != nil && it.Quantity.Value != "" {
			n, err := strconv.ParseInt(it.Quantity.Value.String(), 10, 64)
			if err != nil || n < 1 || n > claims.MaxUnits {
				v.problem(path+".quantity.value", claims.ReasonInvalidElement, it.Sequence, "units: a whole number from 1 to %d", claims.MaxUnits)
			} else {
				item.Units = n
			}
		}
		switch {
		case it.Net != nil:
			v.present["Claim.item.net"] = true
			item.Amount, item.Currency = v.money(path+".net", it.Sequence, it.Net)
		case it.UnitPrice != nil:
			v.present["Claim.item.net"] = true
			p, cur := v.money(path+".unitPrice", it.Sequence, it.UnitPrice)
			item.Amount, item.Currency = p*item.Units, cur
		default:
			v.missing(path+".net", "Claim.item.net", it.Sequence)
		}
		v.Items = append(v.Items, item)
	}
	if c.Total != nil {
		v.present["Claim.total"] = true
		v.Total, v.Currency = v.money("Claim.total", 0, c.Total)
	} else {
		for _, it := range v.Items {
			v.Total += it.Amount
			if v.Currency == "" {
				v.Currency = it.Currency
			}
		}
	}
}

// missing notes an item element absent where a plan may require it; Judge
// reports it only if the plan does.
func (v *View) missing(path, element string, seq int) {
	v.problems = append(v.problems, Problem{Path: path, Code: claims.ReasonMissingElement, Item: seq, Msg: "required by the plan: " + element})
}

// minorDigits are the decimals of currencies that do not have two.
var minorDigits = map[string]int{"BIF": 0, "CLP": 0, "JPY": 0, "KRW": 0, "VND": 0, "XAF": 0, "XOF": 0, "BHD": 3, "KWD": 3, "OMR": 3, "TND": 3}

// money reads a FHIR Money as integer minor units: exactly, or a problem
// when the value has more decimals than the currency has.
func (v *View) money(path string, seq int, m *fMoney) (int64, string) {
	if m.Currency == "" {
		v.problem(path+".currency", claims.ReasonMissingElement, seq, "money needs its currency (ISO 4217)")
	}
	digits, ok := minorDigits[m.Currency]
	if !ok {
		digits = 2
	}
	s := m.Value.String()
	whole, frac, _ := strings.Cut(s, ".")
	if strings.ContainsAny(s, "eE-+") || whole == "" || len(frac) > digits {
		v.problem(path+".value", claims.ReasonInvalidElement, seq, "a positive amount with at most %d decimals in %s", digits, m.Currency)
		return 0, m.Currency
	}
	frac += strings.Repeat("0", digits-len(frac))
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || n > claims.MaxAmount {
		v.problem(path+".value", claims.ReasonInvalidElement, seq, "at most %d minor units", claims.MaxAmount)
		return 0, m.Currency
	}
	return n, m.Currency
}

func validPatient(id string) bool {
	return len(id) == 23 && strings.HasPrefix(id, "pt-") && strings.Trim(id[3:], "0123456789abcdef") == ""
}

// dayOf reads the day of a FHIR date or dateTime (the day as written).
func dayOf(s string) (string, bool) {
	if len(s) < 10 {
		return "", false
	}
	if _, err := time.Parse(time.DateOnly, s[:10]); err != nil {
		return "", false
	}
	return s[:10], true
}

// epochDay is the number of days from 1970-01-01 to day.
func epochDay(day string) int64 {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return 0
	}
	return t.Unix() / 86400
}

// Result is the judgement of a claim under a plan version: the pre-check's
// answer and the adjudication's decision alike.
type Result struct {
	Plan    string `json:"plan"`
	Version int    `json:"version"`
	// RuleSet is the version's hash (claims.PlanVersion.Hash).
	RuleSet string `json:"rule_set"`
	// Claim is the SHA-256 of the claim document.
	Claim    string    `json:"claim"`
	Pass     bool      `json:"pass"`
	Problems []Problem `json:"problems"`
	// Items are the decisions, in claims/adjudicate's terms.
	Items    []claims.ItemDecision `json:"items"`
	Status   string                `json:"status"` // approved, partly-approved or denied
	Claimed  int64                 `json:"claimed"`
	Allowed  int64                 `json:"allowed"`
	Payer    int64                 `json:"payer"`
	Patient  int64                 `json:"patient"`
	Currency string                `json:"currency"`
}

// Judge judges claim view v under plan version pv, for coverage cv (nil
// when the caller does not know it: the coverage checks are skipped).
func Judge(v View, pv claims.PlanVersion, cv *claims.Coverage) Result {
	r := Result{Plan: pv.Plan, Version: pv.Version, RuleSet: pv.Hash, Claim: v.Hash, Problems: []Problem{},
		Items: []claims.ItemDecision{}, Claimed: v.Total, Currency: pv.Currency}
	// Form: what reading found, less missing elements the plan does not
	// require; then the required claim-level elements.
	for _, p := range v.problems {
		if p.Code == claims.ReasonMissingElement && strings.HasPrefix(p.Msg, "required by the plan: ") &&
			!slices.Contains(pv.Required, strings.TrimPrefix(p.Msg, "required by the plan: ")) {
			continue
		}
		r.Problems = append(r.Problems, p)
	}
	for _, e := range pv.Required {
		if strings.HasPrefix(e, "Claim.item.") || v.present[e] {
			continue
		}
		r.Problems = append(r.Problems, Problem{Path: e, Code: claims.ReasonMissingElement, Msg: "required by the plan"})
	}
	if len(v.Items) == 0 {
		r.Problems = append(r.Problems, Problem{Path: "Claim.item", Code: claims.ReasonMissingElement, Msg: "a claim has at least one item"})
	}
	// Payer and coverage.
	if v.Insurer != "" && v.Insurer != pv.Payer {
		r.Problems = append(r.Problems, Problem{Path: "Claim.insurer", Code: claims.ReasonWrongPayer, Msg: fmt.Sprintf("the claim is for %s; plan %s is %s's", v.Insurer, pv.Plan, pv.Payer)})
	}
	if cv != nil {
		switch {
		case cv.Plan != pv.Plan:
			r.Problems = append(r.Problems, Problem{Path: "Claim.insurance.coverage", Code: claims.ReasonWrongPayer, Msg: fmt.Sprintf("coverage %s is under plan %s, not %s", cv.ID, cv.Plan, pv.Plan)})
		case v.Coverage != "" && v.Coverage != cv.ID:
			r.Problems = append(r.Problems, Problem{Path: "Claim.insurance.coverage", Code: claims.ReasonInvalidElement, Msg: fmt.Sprintf("the claim names coverage %s, not %s", v.Coverage, cv.ID)})
		case v.Patient != "" && v.Patient != cv.Patient:
			r.Problems = append(r.Problems, Problem{Path: "Claim.patient", Code: claims.ReasonInvalidElement, Msg: fmt.Sprintf("coverage %s is another patient's", cv.ID)})
		case cv.Status != claims.CoverageActive:
			r.Problems = append(r.Problems, Problem{Path: "Claim.insurance.coverage", Code: claims.ReasonCoverageInactive, Msg: fmt.Sprintf("coverage %s is %s", cv.ID, cv.Status)})
		}
	}
	covered := false
	for _, d := range v.Diagnoses {
		if _, ok := slices.BinarySearch(pv.Diagnoses, d.Code); ok {
			covered = true
		}
	}
	if len(v.Diagnoses) > 0 && !covered {
		r.Problems = append(r.Problems, Problem{Path: "Claim.diagnosis", Code: claims.ReasonDiagnosisNotCovered, Msg: fmt.Sprintf("none of the claim's diagnoses is covered by %s version %d", pv.Plan, pv.Version)})
	}
	// The first claim-level problem denies every item.
	claimLevel := slices.IndexFunc(r.Problems, func(p Problem) bool { return p.Item == 0 })
	dx := make([]string, 0, len(v.Diagnoses))
	for _, d := range v.Diagnoses {
		dx = append(dx, d.Code)
	}
	if len(dx) > 12 {
		dx = dx[:12]
	}
	for i, it := range v.Items {
		seq := i + 1
		d := claims.ItemDecision{Sequence: seq, Outcome: claims.OutcomeApproved}
		deny := func(reason, rule string) {
			if d.Outcome != claims.OutcomeDenied {
				d = claims.ItemDecision{Sequence: seq, Outcome: claims.OutcomeDenied, Reason: reason, Rule: rule}
			}
		}
		add := func(path, code, rule, format string, args ...any) {
			r.Problems = append(r.Problems, Problem{Path: path, Code: code, Item: seq, Msg: fmt.Sprintf(format, args...)})
			deny(code, rule)
		}
		if claimLevel >= 0 {
			p := r.Problems[claimLevel]
			deny(p.Code, checkOf(p.Code))
		}
		if it.Sequence != seq {
			add(it.Path+".sequence", claims.ReasonInvalidElement, claims.CheckFormat, "items are numbered from 1 in order: %d", seq)
		}
		for _, p := range r.Problems {
			if p.Item == it.Sequence && p.Item != 0 {
				deny(p.Code, checkOf(p.Code))
			}
		}
		sv, inSchedule := pv.Service(it.Service)
		switch {
		case it.Service == "":
			if d.Outcome != claims.OutcomeDenied {
				add(it.Path+".productOrService", claims.ReasonMissingElement, claims.CheckFormat, "a HCPCS code prices the item")
			}
		case !inSchedule:
			add(it.Path+".productOrService", claims.ReasonCodeNotCovered, claims.CheckCodes, "%s is not in the fee schedule of %s version %d", it.Service, pv.Plan, pv.Version)
		}
		if it.Currency != "" && it.Currency != pv.Currency {
			add(it.Path+".net.currency", claims.ReasonWrongCurrency, claims.CheckFormat, "plan %s pays in %s", pv.Plan, pv.Currency)
		}
		if it.Day != "" {
			if it.Day < pv.Effective {
				add(it.Path+".servicedDate", claims.ReasonNotPlanVersion, claims.CheckCoverage, "version %d of %s takes effect on %s", pv.Version, pv.Plan, pv.Effective)
			}
			if cv != nil && cv.Status == claims.CoverageActive && !cv.Covers(it.Day) {
				add(it.Path+".servicedDate", claims.ReasonOutsideCoverage, claims.CheckCoverage, "coverage %s runs from %s to %s", cv.ID, cv.Start, cv.End)
			}
		}
		if !inSchedule {
			r.Items = append(r.Items, d)
			continue
		}
		maxUnits := sv.MaxUnits
		if maxUnits == 0 {
			maxUnits = claims.MaxUnits
		}
		if it.Units > maxUnits {
			add(it.Path+".quantity", claims.ReasonUnitsOverLimit, claims.CheckSchedule, "%s: at most %d units per item", it.Service, maxUnits)
		}
		if sv.PriorAuth && !v.PreAuth {
			add("Claim.insurance.preAuthRef", claims.ReasonPriorAuth, claims.CheckPriorAuth, "%s needs a prior authorisation", it.Service)
		}
		fee := sv.Fee * it.Units
		for _, rule := range pv.Rules {
			ok, err := evalRule(pv, rule, it, dx, fee, len(v.Items), v.PreAuth)
			if err != nil || !ok {
				add(it.Path, rule.Reason, rule.ID, "rule %s: %s", rule.ID, ruleMsg(err))
			}
		}
		over := it.Amount > fee
		if over {
			r.Problems = append(r.Problems, Problem{Path: it.Path + ".net", Code: claims.ReasonOverSchedule, Item: seq,
				Msg: fmt.Sprintf("%d claimed; the schedule allows %d (%d × %s at %d)", it.Amount, fee, it.Units, it.Service, sv.Fee)})
		}
		if d.Outcome == claims.OutcomeDenied {
			r.Items = append(r.Items, d)
			continue
		}
		d.Allowed = it.Amount
		if over {
			d.Outcome, d.Reason, d.Rule, d.Allowed = claims.OutcomeReduced, claims.ReasonOverSchedule, claims.CheckSchedule, fee
		}
		if d.Allowed == 0 {
			d = claims.ItemDecision{Sequence: seq, Outcome: claims.OutcomeDenied, Reason: claims.ReasonInvalidElement, Rule: claims.CheckFormat}
			r.Items = append(r.Items, d)
			continue
		}
		d.Patient = pv.PatientShare(d.Allowed)
		d.Payer = d.Allowed - d.Patient
		r.Items = append(r.Items, d)
	}
	t := claims.Tally(r.Items)
	r.Allowed, r.Payer, r.Patient, r.Status = t.Allowed, t.Payer, t.Patient, t.Status
	r.Pass = len(r.Problems) == 0
	return r
}

// checkOf is the built-in check that finds a problem code.
func checkOf(code string) string {
	switch code {
	case claims.ReasonWrongPayer:
		return claims.CheckPayer
	case claims.ReasonCoverageInactive, claims.ReasonOutsideCoverage, claims.ReasonNotPlanVersion:
		return claims.CheckCoverage
	case claims.ReasonUnknownCode, claims.ReasonCodeNotCovered, claims.ReasonDiagnosisNotCovered:
		return claims.CheckCodes
	case claims.ReasonPriorAuth:
		return claims.CheckPriorAuth
	case claims.ReasonOverSchedule, claims.ReasonUnitsOverLimit:
		return claims.CheckSchedule
	}
	return claims.CheckFormat
}

func ruleMsg(err error) string {
	if err != nil {
		return "could not be evaluated: " + err.Error()
	}
	return "not met"
}

// evalRule evaluates a benefit rule for one item. Rules compile once per
// source (rules.Cache) and are safe for concurrent use.
func evalRule(pv claims.PlanVersion, rule claims.Rule, it Item, dx []string, fee int64, count int, preAuth bool) (bool, error) {
	prg, err := ruleCache.Compile(rule.Expr)
	if err != nil {
		return false, err
	}
	day := int64(0)
	if it.Day != "" {
		day = epochDay(it.Day)
	}
	return prg.EvalBool(map[string]any{
		"service": it.Service, "diagnoses": dx, "units": it.Units, "amount": it.Amount, "fee": fee,
		"item_count": int64(count), "prior_auth": preAuth, "service_day": day,
	})
}

var ruleCache = rules.NewCache(claims.RuleProfile, 1024)
