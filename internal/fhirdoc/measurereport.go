package fhirdoc

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// MeasureReport systems: medchain's public-health figures as FHIR R4
// MeasureReports in the manner of HL7 SANER (a summary report of one
// measure for one area and one day, its count a population count).
const (
	// MeasurePrefix is the canonical of a metric's Measure: "urn:medchain:measure:confirmed".
	MeasurePrefix = "urn:medchain:measure:"
	// SystemISO3166 identifies a country by its ISO 3166-1 code.
	SystemISO3166 = "urn:iso:std:iso:3166"
	// SystemRegion identifies any medchain region ("CA/ontario").
	SystemRegion = "urn:medchain:region"
	// SystemOrg identifies a medchain organisation.
	SystemOrg = "urn:medchain:org"
	// SystemMeasurePopulation is FHIR's measure-population code system.
	SystemMeasurePopulation = "http://terminology.hl7.org/CodeSystem/measure-population"
	// DataAbsentReason is the extension of a suppressed count.
	DataAbsentReason = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
)

// Measure is what a MeasureReport says in medchain's terms: a region's
// cumulative count of a metric at the end of a day.
type Measure struct {
	Region string
	Metric string
	Date   string // YYYY-MM-DD
	// Count is nil when suppressed (FormatMeasureReport only).
	Count *int64
	// Reporter is the reporting organisation (FormatMeasureReport only).
	Reporter string
	// Time is when the figure was written (FormatMeasureReport only).
	Time time.Time
}

type mrIdentifier struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value,omitempty"`
}

type mrRef struct {
	Reference  string        `json:"reference,omitempty"`
	Identifier *mrIdentifier `json:"identifier,omitempty"`
	Display    string        `json:"display,omitempty"`
}

type mrCoding struct {
	System string `json:"system,omitempty"`
	Code   string `json:"code,omitempty"`
}

type mrConcept struct {
	Coding []mrCoding `json:"coding,omitempty"`
	Text   string     `json:"text,omitempty"`
}

type mrExtension struct {
	URL       string `json:"url"`
	ValueCode string `json:"valueCode,omitempty"`
}

type mrPopulation struct {
	Extension []mrExtension `json:"extension,omitempty"`
	Code      *mrConcept    `json:"code,omitempty"`
	Count     *int64        `json:"count,omitempty"`
}

type mrGroup struct {
	Code       *mrConcept        `json:"code,omitempty"`
	Population []mrPopulation    `json:"population,omitempty"`
	Stratifier []json.RawMessage `json:"stratifier,omitempty"`
}

type mrPeriod struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

type fMeasureReport struct {
	ResourceType      string            `json:"resourceType"`
	Status            string            `json:"status"`
	Type              string            `json:"type"`
	Measure           string            `json:"measure"`
	Subject           *mrRef            `json:"subject,omitempty"`
	Date              string            `json:"date,omitempty"`
	Reporter          *mrRef            `json:"reporter,omitempty"`
	Period            mrPeriod          `json:"period"`
	Group             []mrGroup         `json:"group,omitempty"`
	EvaluatedResource []json.RawMessage `json:"evaluatedResource,omitempty"`
	ImplicitRules     string            `json:"implicitRules,omitempty"`
	ModifierExtension []json.RawMessage `json:"modifierExtension,omitempty"`
	Contained         []json.RawMessage `json:"contained,omitempty"`
}

// ParseMeasureReport validates raw as a FHIR R4 MeasureReport and maps it
// to a Measure: status complete, type summary, measure
// MeasurePrefix+metric, subject.identifier a region (SystemISO3166 or
// SystemRegion), a period of one day (start and end on the same date), and
// one group with one initial-population count. Whatever would describe
// individuals (stratifiers, evaluated resources, contained resources) is
// refused; narrative text, identifiers and extensions are ignored and
// never reach the chain. Region and metric are checked by the caller
// against the ledger's lists.
func ParseMeasureReport(raw []byte) (Measure, error) {
	_, info, err := parse(raw)
	if err != nil {
		return Measure{}, err
	}
	if info.ResourceType != "MeasureReport" {
		return Measure{}, invalid("resourceType", "a %s, not a MeasureReport", info.ResourceType)
	}
	var mr fMeasureReport
	if err := json.Unmarshal(raw, &mr); err != nil {
		return Measure{}, fmt.Errorf("fhirdoc: reading a valid MeasureReport: %w", err)
	}
	var m Measure
	switch {
	case mr.ImplicitRules != "" || len(mr.ModifierExtension) > 0:
		return m, unsupported("MeasureReport.implicitRules", "rules and modifier extensions are not supported")
	case len(mr.Contained) > 0 || len(mr.EvaluatedResource) > 0:
		return m, unsupported("MeasureReport.evaluatedResource", "a report of aggregates only: no contained or evaluated resources")
	case mr.Status != "complete":
		return m, unsupported("MeasureReport.status", "must be complete")
	case mr.Type != "summary":
		return m, unsupported("MeasureReport.type", "must be summary (aggregates only)")
	}
	metric, ok := strings.CutPrefix(mr.Measure, MeasurePrefix)
	if !ok || metric == "" {
		return m, unsupported("MeasureReport.measure", "must be %s<metric>", MeasurePrefix)
	}
	m.Metric = metric
	if mr.Subject == nil || mr.Subject.Identifier == nil ||
		(mr.Subject.Identifier.System != SystemISO3166 && mr.Subject.Identifier.System != SystemRegion) || mr.Subject.Identifier.Value == "" {
		return m, unsupported("MeasureReport.subject.identifier", "must identify a region (system %s or %s)", SystemISO3166, SystemRegion)
	}
	m.Region = mr.Subject.Identifier.Value
	if len(mr.Period.Start) < 10 || len(mr.Period.End) < 10 || mr.Period.Start[:10] != mr.Period.End[:10] {
		return m, unsupported("MeasureReport.period", "must be one day: start and end on the same date")
	}
	m.Date = mr.Period.End[:10]
	if len(mr.Group) != 1 || len(mr.Group[0].Population) != 1 {
		return m, unsupported("MeasureReport.group", "must be one group with one population")
	}
	if len(mr.Group[0].Stratifier) > 0 {
		return m, unsupported("MeasureReport.group[0].stratifier", "strata are not supported: counts per region and day only")
	}
	p := mr.Group[0].Population[0]
	if p.Code == nil || len(p.Code.Coding) != 1 || p.Code.Coding[0].System != SystemMeasurePopulation || p.Code.Coding[0].Code != "initial-population" {
		return m, unsupported("MeasureReport.group[0].population[0].code", "must be %s#initial-population", SystemMeasurePopulation)
	}
	if p.Count == nil {
		return m, invalid("MeasureReport.group[0].population[0].count", "is required")
	}
	m.Count = p.Count
	return m, nil
}

// FormatMeasureReport writes m as a FHIR R4 MeasureReport (the shape
// ParseMeasureReport reads); a suppressed count (nil) is absent, with the
// data-absent-reason "masked".
func FormatMeasureReport(m Measure) ([]byte, error) {
	system := SystemRegion
	if !strings.Contains(m.Region, "/") {
		system = SystemISO3166
	}
	pop := mrPopulation{
		Code:  &mrConcept{Coding: []mrCoding{{System: SystemMeasurePopulation, Code: "initial-population"}}},
		Count: m.Count,
	}
	if m.Count == nil {
		pop.Extension = []mrExtension{{URL: DataAbsentReason, ValueCode: "masked"}}
	}
	mr := fMeasureReport{
		ResourceType: "MeasureReport", Status: "complete", Type: "summary", Measure: MeasurePrefix + m.Metric,
		Subject: &mrRef{Identifier: &mrIdentifier{System: system, Value: m.Region}},
		Period:  mrPeriod{Start: m.Date, End: m.Date},
		Group:   []mrGroup{{Code: &mrConcept{Coding: []mrCoding{{System: MeasurePrefix[:len(MeasurePrefix)-1], Code: m.Metric}}}, Population: []mrPopulation{pop}}},
	}
	if m.Reporter != "" {
		mr.Reporter = &mrRef{Identifier: &mrIdentifier{System: SystemOrg, Value: m.Reporter}}
	}
	if !m.Time.IsZero() {
		mr.Date = m.Time.UTC().Format(time.RFC3339)
	}
	raw, err := json.Marshal(mr)
	if err != nil {
		return nil, err
	}
	if _, _, err := parse(raw); err != nil {
		return nil, fmt.Errorf("fhirdoc: formatted MeasureReport does not validate: %w", err)
	}
	return raw, nil
}
