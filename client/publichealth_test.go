package client_test

import (
	"context"
	"testing"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/api/apitest"
)

// The public-health reads decode strictly into the SDK's types, and the
// SDK's reads return what was reported and corrected.
func TestPublicHealthViewsRoundTrip(t *testing.T) {
	h, c := start(t, apitest.Options{})
	ctx := context.Background()
	sendOK(t, c, signer("lab-admin"), client.RegisterMember{Handle: "tech", Roles: []string{"lab-technician"}, PublicKey: signer("lab-tech").PublicKey()})
	tech := signer("lab-tech")
	sendOK(t, c, tech, client.ReportFigures{Rows: []client.FigureRow{
		{Region: "CA", Metric: "tests", Date: "2025-12-30", Value: 500},
		{Region: "CA/ontario", Metric: "tests", Date: "2025-12-30", Value: 4},
		{Region: "CA/ontario", Metric: "tests", Date: "2025-12-31", Value: 90},
	}})
	res := sendOK(t, c, tech, client.CorrectFigures{Corrections: []client.FigureCorrection{
		{FigureRow: client.FigureRow{Region: "CA/ontario", Metric: "tests", Date: "2025-12-31", Value: 80}, Reason: "duplicate-removed"}}})

	strictRoundTrip(t, h.URL, []apiCase{
		{"/v1/publichealth/regions", &client.Page[client.PublicHealthRegion]{}},
		{"/v1/publichealth/series?region=CA&metric=tests", &client.Series{}},
		{"/v1/publichealth/series?region=CA%2Fontario&metric=tests&prove=true", &client.Series{}},
		{"/v1/publichealth/figures?region=CA%2Fontario&metric=tests&date=2025-12-31&prove=true", &client.Figure{}},
		{"/v1/publichealth/totals?metric=tests", &client.Totals{}},
	})

	s, err := c.Series(ctx, client.SeriesQuery{Region: "CAN", Metric: "tests"})
	if err != nil || len(s.Points) != 2 || *s.Points[1].Cumulative != 580 || !s.Points[1].Corrected {
		t.Fatalf("series %+v %v", s, err)
	}
	before, err := c.Series(ctx, client.SeriesQuery{Region: "CA", Metric: "tests", At: res.Height - 1})
	if err != nil || *before.Points[1].Cumulative != 590 {
		t.Fatalf("series before the correction %+v %v", before, err)
	}
	f, err := c.Figure(ctx, "CA/ontario", "tests", "2025-12-31", 0, client.WithProof())
	if err != nil || *f.Value != 80 || *f.Reported != 90 || len(f.History) != 2 || f.Proof == nil {
		t.Fatalf("figure %+v %v", f, err)
	}
	tot, err := c.Totals(ctx, "tests", "", 0)
	if err != nil || tot.World.Cumulative != 580 || len(tot.Countries) != 1 {
		t.Fatalf("totals %+v %v", tot, err)
	}
	mr, err := c.MeasureReport(ctx, "CA", "tests", "2025-12-31")
	if err != nil {
		t.Fatal(err)
	}
	msg, err := c.ReportFromMeasureReport(ctx, mr)
	if err != nil || len(msg.Rows) != 1 || msg.Rows[0] != (client.FigureRow{Region: "CA", Metric: "tests", Date: "2025-12-31", Value: 580}) {
		t.Fatalf("MeasureReport round trip %+v %v\n%s", msg, err, mr)
	}
}
