package telemetry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/medchain/medchain/internal/jsondec"
)

// Reading is what a device signs for each reading: the message of a
// TypeReading envelope (internal/tx), signed by the device's ledger key.
// The envelope's chain_id must be the chain's; its nonce and expiry are not
// used (a device may send readings it buffered while offline): Seq, which
// the device increments by one for each reading, is what the node checks
// for replays and gaps.
//
//	{"seq": 42, "observation": {"resourceType": "Observation", …}}
type Reading struct {
	Seq         uint64          `json:"seq"`
	Observation json.RawMessage `json:"observation"`
}

// MaxReading bounds a signed reading, envelope included.
const MaxReading = 16 << 10

func (m *Reading) Validate() error {
	if m.Seq == 0 {
		return errors.New("seq: the device's sequence number, from 1")
	}
	if len(m.Observation) == 0 || m.Observation[0] != '{' {
		return errors.New("observation: a FHIR Observation (a JSON object)")
	}
	return nil
}

// LOINC is the code system of the codes alert rules read.
const LOINC = "http://loinc.org"

// Observation is what the node reads of a reading's FHIR Observation: its
// time and its values (the Observation's own, or each component's, as a
// blood pressure has).
type Observation struct {
	Time    int64 // unix seconds, effectiveDateTime (or effectiveInstant)
	Samples []Sample
}

type fhirQuantity struct {
	Value json.Number `json:"value"`
	Unit  string      `json:"unit"`
	Code  string      `json:"code"`
}

type fhirConcept struct {
	Coding []struct {
		System string `json:"system"`
		Code   string `json:"code"`
	} `json:"coding"`
}

func (c fhirConcept) loinc() string {
	for _, cd := range c.Coding {
		if cd.System == LOINC && loincPattern.MatchString(cd.Code) {
			return cd.Code
		}
	}
	return ""
}

type fhirObservation struct {
	ResourceType      string        `json:"resourceType"`
	Status            string        `json:"status"`
	Code              fhirConcept   `json:"code"`
	EffectiveDateTime string        `json:"effectiveDateTime"`
	EffectiveInstant  string        `json:"effectiveInstant"`
	ValueQuantity     *fhirQuantity `json:"valueQuantity"`
	Component         []struct {
		Code          fhirConcept   `json:"code"`
		ValueQuantity *fhirQuantity `json:"valueQuantity"`
	} `json:"component"`
}

// ObservationStatuses are the statuses of an Observation a node takes as a
// reading.
var ObservationStatuses = []string{"amended", "corrected", "final", "preliminary"}

// ParseObservation reads a device's Observation: resourceType Observation,
// a status of ObservationStatuses, a LOINC code, an effectiveDateTime with
// a time zone, and a valueQuantity or components with one each. Errors name
// the field as FHIR spells it. It is a structural check for the
// ingestion path, not a full FHIR validation.
func ParseObservation(raw []byte) (Observation, error) {
	var o fhirObservation
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&o); err != nil {
		return Observation{}, fmt.Errorf("observation: %v", jsondec.Explain(raw, err))
	}
	var out Observation
	switch {
	case o.ResourceType != "Observation":
		return out, fmt.Errorf("observation.resourceType: %q, not Observation", o.ResourceType)
	case !slices.Contains(ObservationStatuses, o.Status):
		return out, fmt.Errorf("observation.status: %q, not one of %v", o.Status, ObservationStatuses)
	case o.Code.loinc() == "":
		return out, fmt.Errorf("observation.code: no coding of system %s", LOINC)
	}
	when := o.EffectiveDateTime
	if when == "" {
		when = o.EffectiveInstant
	}
	t, err := time.Parse(time.RFC3339, when)
	if err != nil {
		return out, errors.New("observation.effectiveDateTime: a date and time with seconds and a time zone (RFC 3339)")
	}
	out.Time = t.Unix()
	add := func(field, code string, q *fhirQuantity) error {
		if q == nil {
			return fmt.Errorf("%s.valueQuantity: missing", field)
		}
		m, err := ParseMilli(q.Value.String())
		if err != nil {
			return fmt.Errorf("%s.valueQuantity.value: %v", field, err)
		}
		unit := q.Code
		if unit == "" {
			unit = q.Unit
		}
		out.Samples = append(out.Samples, Sample{Code: code, Unit: unit, Milli: m, Time: out.Time})
		return nil
	}
	if len(o.Component) == 0 {
		return out, add("observation", o.Code.loinc(), o.ValueQuantity)
	}
	for i, c := range o.Component {
		code := c.Code.loinc()
		if code == "" {
			return out, fmt.Errorf("observation.component[%d].code: no coding of system %s", i, LOINC)
		}
		if err := add(fmt.Sprintf("observation.component[%d]", i), code, c.ValueQuantity); err != nil {
			return out, err
		}
	}
	return out, nil
}
