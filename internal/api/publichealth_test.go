package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestPublicHealthSuppressesSmallAreaCounts: a province's count below the
// threshold is in no answer (series, figure, MeasureReport, proofs), while
// the country's total, which includes it, is shown; figures above it carry
// their provenance and a proof that verifies.
func TestPublicHealthSuppressesSmallAreaCounts(t *testing.T) {
	s := seedPrivate(t)
	e := s.env

	var ser struct {
		MinCount int64 `json:"min_count"`
		Points   []struct {
			Date       string     `json:"date"`
			Cumulative *int64     `json:"cumulative"`
			Change     *int64     `json:"change"`
			Suppressed bool       `json:"suppressed"`
			Org        string     `json:"org"`
			Proof      *proofJSON `json:"proof"`
		} `json:"points"`
	}
	e.get("/v1/publichealth/series?region=FR%2Freunion&metric=confirmed&prove=true", http.StatusOK, &ser)
	if len(ser.Points) != 2 || !ser.Points[0].Suppressed || ser.Points[0].Cumulative != nil || ser.Points[0].Proof != nil {
		t.Fatalf("province series: %+v", ser)
	}
	if p := ser.Points[1]; p.Cumulative == nil || *p.Cumulative != 40 || p.Change != nil || p.Org != "city-lab" || p.Proof == nil {
		t.Fatalf("province's second day: %+v", p)
	}
	if _, err := e.h.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := e.verify(*ser.Points[1].Proof, ser.Points[1].Proof.Value); err != nil {
		t.Errorf("proof: %v", err)
	}
	body := e.get("/v1/publichealth/figures?region=FR%2Freunion&metric=confirmed&date=2025-12-30&prove=true", http.StatusOK, nil)
	if !bytes.Contains(body, []byte(`"value":null`)) || bytes.Contains(body, []byte(`"proof"`)) || bytes.Contains(body, []byte(`"value":3`)) {
		t.Errorf("suppressed figure: %s", body)
	}
	e.get("/v1/publichealth/measurereport?region=FR%2Freunion&metric=confirmed&date=2025-12-30", http.StatusOK, nil)
	resp, _ := e.do(http.MethodGet, "/v1/proofs?key="+strings.ReplaceAll("ph/s/confirmed/FR/reunion@2025-12-30", "/", "%2F"), "", nil)
	if resp.StatusCode == http.StatusOK {
		t.Errorf("a province's figure was proven to anyone")
	}

	// The country: own figures plus the province's, corrected on the 31st.
	e.get("/v1/publichealth/series?region=FR&metric=confirmed", http.StatusOK, &ser)
	if len(ser.Points) != 2 || *ser.Points[0].Cumulative != 103 || *ser.Points[1].Cumulative != 165 || *ser.Points[1].Change != 62 {
		t.Errorf("country series: %+v", ser.Points)
	}
	var fig struct {
		Value    int64 `json:"value"`
		Reported int64 `json:"reported"`
		History  []struct {
			Value  int64  `json:"value"`
			Reason string `json:"reason"`
		} `json:"history"`
	}
	e.get("/v1/publichealth/figures?region=FR&metric=confirmed&date=2025-12-31", http.StatusOK, &fig)
	if fig.Value != 125 || fig.Reported != 120 || len(fig.History) != 2 || fig.History[1].Reason != "late-reports" {
		t.Errorf("figure: %+v", fig)
	}
	var tot struct {
		World struct{ Cumulative int64 } `json:"world"`
	}
	e.get("/v1/publichealth/totals?metric=confirmed", http.StatusOK, &tot)
	if tot.World.Cumulative != 165 {
		t.Errorf("totals: %+v", tot)
	}
	// The regions with figures, France among them, by name.
	var regs struct {
		Items []struct{ Code, Name string }
	}
	e.get("/v1/publichealth/regions?limit=5", http.StatusOK, &regs)
	if !slices.ContainsFunc(regs.Items, func(r struct{ Code, Name string }) bool { return r.Code == "FR" && r.Name == "France" }) {
		t.Errorf("regions: %+v", regs.Items)
	}

	// Bad parameters name the field.
	for _, bad := range []string{"region=ZZ&metric=confirmed", "region=FR&metric=cases", "region=FR&metric=confirmed&from=2020-13-01", "region=FR&metric=confirmed&at=99999"} {
		resp, body := e.do(http.MethodGet, "/v1/publichealth/series?"+bad, "", nil)
		if resp.StatusCode/100 != 4 {
			t.Errorf("%s: %d %s", bad, resp.StatusCode, body)
		}
	}
}

// TestPublicHealthMeasureReportIn maps a MeasureReport to a report message
// and refuses one of individuals.
func TestPublicHealthMeasureReportIn(t *testing.T) {
	e := newRecordsEnv(t)
	mr := `{"resourceType":"MeasureReport","status":"complete","type":"summary","measure":"urn:medchain:measure:deaths",
"subject":{"identifier":{"system":"urn:iso:std:iso:3166","value":"DEU"}},"period":{"start":"2020-06-14","end":"2020-06-14"},
"text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">free text never reaches the chain</div>"},
"group":[{"population":[{"code":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/measure-population","code":"initial-population"}]},"count":8885}]}]}`
	var out struct {
		Type string          `json:"type"`
		Msg  json.RawMessage `json:"msg"`
	}
	e.post("/v1/publichealth/measurereport", "application/fhir+json", []byte(mr), http.StatusOK, &out)
	if out.Type != "publichealth/report" || string(out.Msg) != `{"rows":[{"region":"DE","metric":"deaths","date":"2020-06-14","value":8885}]}` {
		t.Errorf("mapped: %s %s", out.Type, out.Msg)
	}
	e.post("/v1/publichealth/measurereport", "application/fhir+json", []byte(strings.Replace(mr, `"summary"`, `"individual"`, 1)), http.StatusBadRequest, nil)
	e.post("/v1/publichealth/measurereport", "application/fhir+json", []byte(strings.Replace(mr, `"DEU"`, `"ZZZ"`, 1)), http.StatusBadRequest, nil)
}
