package fhirdoc

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestMeasureReportRoundTrip(t *testing.T) {
	n := int64(157220)
	raw, err := FormatMeasureReport(Measure{Region: "FR", Metric: "confirmed", Date: "2020-06-14", Count: &n, Reporter: "phe", Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseMeasureReport(raw)
	if err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	if m.Region != "FR" || m.Metric != "confirmed" || m.Date != "2020-06-14" || *m.Count != n {
		t.Errorf("round trip: %+v", m)
	}
	sup, err := FormatMeasureReport(Measure{Region: "CA/yukon", Metric: "deaths", Date: "2020-06-14"})
	if err != nil || !strings.Contains(string(sup), `"masked"`) || strings.Contains(string(sup), `"count"`) {
		t.Errorf("suppressed: %s, %v", sup, err)
	}
}

func TestMeasureReportRefusals(t *testing.T) {
	base := `{"resourceType":"MeasureReport","status":"complete","type":"summary","measure":"urn:medchain:measure:confirmed",
"subject":{"identifier":{"system":"urn:iso:std:iso:3166","value":"FR"}},"period":{"start":"2020-06-14","end":"2020-06-14"},
"group":[{"population":[{"code":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/measure-population","code":"initial-population"}]},"count":5}]}]}`
	if _, err := ParseMeasureReport([]byte(base)); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct{ from, to, path string }{
		"individual":   {`"type":"summary"`, `"type":"individual"`, "MeasureReport.type"},
		"two days":     {`"end":"2020-06-14"`, `"end":"2020-06-15"`, "MeasureReport.period"},
		"other system": {`urn:iso:std:iso:3166`, `http://example.org/areas`, "MeasureReport.subject.identifier"},
		"bad count":    {`"count":5`, `"count":"five"`, ""},
		"no measure":   {`urn:medchain:measure:confirmed`, `http://example.org/Measure/x`, "MeasureReport.measure"},
	} {
		_, err := ParseMeasureReport([]byte(strings.Replace(base, c.from, c.to, 1)))
		var fe *Error
		if !errors.As(err, &fe) || (c.path != "" && fe.Path != c.path) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// FuzzMeasureReport: any input is a Measure or an *Error, and a Measure
// formats to a MeasureReport that parses back to it.
func FuzzMeasureReport(f *testing.F) {
	n := int64(12)
	seed, err := FormatMeasureReport(Measure{Region: "CA/ontario", Metric: "deaths", Date: "2020-06-15", Count: &n, Reporter: "phe"})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`{"resourceType":"MeasureReport","status":"complete","type":"summary","measure":"urn:medchain:measure:x","period":{}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := ParseMeasureReport(raw)
		checkFuzzError(t, "ParseMeasureReport", err, true)
		if err != nil {
			return
		}
		out, err := FormatMeasureReport(m)
		if err != nil {
			return // a region or metric the format cannot carry; the API checks them
		}
		back, err := ParseMeasureReport(out)
		if err != nil || back.Region != m.Region || back.Metric != m.Metric || back.Date != m.Date || *back.Count != *m.Count {
			t.Fatalf("round trip: %+v → %s → %+v, %v", m, out, back, err)
		}
	})
}
