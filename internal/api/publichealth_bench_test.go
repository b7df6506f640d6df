package api_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/api/apitest"
	"github.com/medchain/medchain/internal/jhu"
)

// importJHU starts a harness and imports the whole JHU global series into
// it (114,610 figures and 108 corrections), signed by a lab technician.
func importJHU(b *testing.B) (*apitest.Harness, time.Duration, int) {
	b.Helper()
	h, err := apitest.Start(apitest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(h.Close)
	c := client.New(h.URL)
	ctx := context.Background()
	tech := client.NewSigner(apitest.PrivateKey("bench-tech"))
	if _, err := c.Send(ctx, client.NewSigner(apitest.PrivateKey("lab-admin")), client.RegisterMember{Handle: "tech", Roles: []string{"lab-technician"}, PublicKey: tech.PublicKey()}); err != nil {
		b.Fatal(err)
	}
	set, err := jhu.Load("../jhu/testdata", "2026-01-01")
	if err != nil {
		b.Fatal(err)
	}
	rows := make([]client.FigureRow, len(set.Rows))
	for i, r := range set.Rows {
		rows[i] = client.FigureRow(r)
	}
	fixes := make([]client.FigureCorrection, len(set.Corrections))
	for i, f := range set.Corrections {
		fixes[i] = client.FigureCorrection{FigureRow: client.FigureRow(f.Row), Reason: f.Reason}
	}
	start := time.Now()
	if _, err := c.ImportFigures(ctx, tech, rows, fixes, 4, nil); err != nil {
		b.Fatal(err)
	}
	return h, time.Since(start), len(rows) + len(fixes)
}

// BenchmarkPublicHealthImportJHU reports the rows per second of importing
// the whole JHU global series through the API (signed, checked and
// executed, in-process node). One import is one iteration: run it with
// -benchtime 1x.
func BenchmarkPublicHealthImportJHU(b *testing.B) {
	var rows int
	var took time.Duration
	for b.Loop() {
		_, t, n := importJHU(b)
		rows, took = rows+n, took+t
	}
	b.ReportMetric(float64(rows)/took.Seconds(), "rows/s")
}

// BenchmarkPublicHealthSeries reports the latency of GET
// /v1/publichealth/series over the whole imported JHU series: countries
// with many provinces (China: 33, the United Kingdom: 11, France: 11),
// without (Germany, the United States) and a province, for a whole metric
// (146 days); p50 and p99 in milliseconds. Totals too.
func BenchmarkPublicHealthSeries(b *testing.B) {
	h, _, _ := importJHU(b)
	paths := []string{
		"/v1/publichealth/series?region=CN&metric=confirmed",
		"/v1/publichealth/series?region=GB&metric=deaths",
		"/v1/publichealth/series?region=FR&metric=confirmed",
		"/v1/publichealth/series?region=DE&metric=recovered",
		"/v1/publichealth/series?region=US&metric=confirmed",
		"/v1/publichealth/series?region=CA%2Fontario&metric=confirmed",
	}
	for _, tc := range []struct {
		name  string
		paths []string
	}{
		{"series", paths},
		{"totals", []string{"/v1/publichealth/totals?metric=confirmed", "/v1/publichealth/totals?metric=deaths&date=2020-04-15"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var lat []time.Duration
			i := 0
			for b.Loop() {
				start := time.Now()
				resp, err := http.Get(h.URL + tc.paths[i%len(tc.paths)])
				if err != nil || resp.StatusCode != http.StatusOK {
					b.Fatalf("%v %v", resp, err)
				}
				resp.Body.Close()
				lat = append(lat, time.Since(start))
				i++
			}
			slices.Sort(lat)
			ms := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
			b.ReportMetric(ms(0.5), "p50-ms")
			b.ReportMetric(ms(0.99), "p99-ms")
		})
	}
}
