package cli

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/api/apitest"
)

const jhuDir = "../jhu/testdata"

// jhuExpected sums a country's rows (its own and its provinces') of a JHU
// file on a date (M/D/YY), straight from the CSV.
func jhuExpected(t *testing.T, file, country, date string) int64 {
	t.Helper()
	f, err := os.Open(filepath.Join(jhuDir, file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, h := range recs[0] {
		if h == date {
			col = i
		}
	}
	var sum int64
	n := 0
	for _, r := range recs[1:] {
		if r[1] == country {
			v, _ := strconv.ParseInt(r[col], 10, 64)
			sum += v
			n++
		}
	}
	if col < 0 || n == 0 {
		t.Fatalf("no %s on %s in %s", country, date, file)
	}
	return sum
}

// jhuWorld sums a JHU file's column of a date.
func jhuWorld(t *testing.T, file, date string) int64 {
	t.Helper()
	f, err := os.Open(filepath.Join(jhuDir, file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(recs[0], date)
	var sum int64
	for _, r := range recs[1:] {
		v, _ := strconv.ParseInt(r[col], 10, 64)
		sum += v
	}
	return sum
}

// startPHNode is a node on which the CLI's test signer is a lab technician
// of city-lab, a reporter.
func startPHNode(t *testing.T) (*apitest.Harness, *client.Client) {
	t.Helper()
	h, err := apitest.Start(apitest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	c := client.New(h.URL)
	admin := client.NewSigner(apitest.PrivateKey("lab-admin"))
	if _, err := c.Send(context.Background(), admin, client.RegisterMember{Handle: "tech", Roles: []string{"lab-technician"}, PublicKey: testSigner.PublicKey()}); err != nil {
		t.Fatal(err)
	}
	return h, c
}

// TestImportJHU imports the whole JHU global series and reads figures back:
// each equals the source file's, provinces summed into their countries,
// errata corrected to the files' values with their history kept.
func TestImportJHU(t *testing.T) {
	h, c := startPHNode(t)
	ctx := context.Background()
	code, out, errOut := run(t, c, "publichealth", "import-jhu", jhuDir)
	if code != 0 || !strings.Contains(out, "imported 114610 figures and 108 corrections") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, tc := range []struct{ file, metric, country, region, date string }{
		{"time_series_covid19_confirmed_global.csv", "confirmed", "France", "FR", "4/4/20"},
		{"time_series_covid19_confirmed_global.csv", "confirmed", "France", "FR", "6/14/20"},
		{"time_series_covid19_confirmed_global.csv", "confirmed", "China", "CN", "2/15/20"},
		{"time_series_covid19_confirmed_global.csv", "confirmed", "Canada", "CA", "5/1/20"},
		{"time_series_covid19_confirmed_global.csv", "confirmed", "US", "US", "4/7/20"},
		{"time_series_covid19_deaths_global.csv", "deaths", "United Kingdom", "GB", "6/15/20"},
		{"time_series_covid19_deaths_global.csv", "deaths", "Australia", "AU", "4/20/20"},
		{"time_series_covid19_deaths_global.csv", "deaths", "France", "FR", "4/1/20"},
		{"time_series_covid19_recovered_global.csv", "recovered", "Canada", "CA", "6/1/20"},
		{"time_series_covid19_recovered_global.csv", "recovered", "Germany", "DE", "3/31/20"},
	} {
		d, _ := time.Parse("1/2/06", tc.date)
		iso := d.Format(time.DateOnly)
		want := jhuExpected(t, tc.file, tc.country, tc.date)
		s, err := c.Series(ctx, client.SeriesQuery{Region: tc.region, Metric: tc.metric, From: iso, To: iso})
		if err != nil || len(s.Points) != 1 || s.Points[0].Cumulative == nil || *s.Points[0].Cumulative != want {
			t.Errorf("%s %s %s: %+v %v, want %d", tc.region, tc.metric, iso, s, err, want)
		}
	}
	// The world's total is the sum of every row of the file.
	tot, err := c.Totals(ctx, "confirmed", "2020-06-14", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, ct := range tot.Countries {
		if ct.Region == "FR" && ct.Cumulative != jhuExpected(t, "time_series_covid19_confirmed_global.csv", "France", "6/14/20") {
			t.Errorf("France's total %+v", ct)
		}
	}
	world := jhuWorld(t, "time_series_covid19_confirmed_global.csv", "6/14/20")
	if tot.World.Cumulative != world || len(tot.Countries) != 188 {
		t.Errorf("world total %d of %d countries, want %d of 188", tot.World.Cumulative, len(tot.Countries), world)
	}
	// An erratum: France's confirmed of 2020-04-04, reported as 89953 and
	// corrected to the files' 68605 (definition-change).
	f, err := c.Figure(ctx, "FR", "confirmed", "2020-04-04", 0, client.WithProof())
	if err != nil || *f.Reported != 89953 || *f.Value != 68605 || f.Reason != "definition-change" || f.Proof == nil || len(f.History) != 2 {
		t.Errorf("erratum: %+v %v", f, err)
	}
	// A second import is refused before anything is signed.
	height := h.Node.Height()
	code, _, errOut = run(t, c, "publichealth", "import-jhu", jhuDir)
	if code == 0 || !strings.Contains(errOut, "already on the ledger") || h.Node.Height() != height {
		t.Errorf("second import: exit %d, %s", code, errOut)
	}
}

// TestImportJHUBadRows: a bad row is reported naming file, row and field,
// and nothing is sent.
func TestImportJHUBadRows(t *testing.T) {
	h, c := startPHNode(t)
	height := h.Node.Height()
	for _, tc := range []struct{ from, to, want string }{
		{"Afghanistan,33.0,65.0,0,0,0", "Afghanistan,33.0,65.0,0,x,0", `time_series_covid19_confirmed_global.csv: row 2 (AF), field "1/23/20": "x" is not a count`},
		{",Afghanistan,", ",Atlantis,", `time_series_covid19_confirmed_global.csv: row 2, field "Province/State"/"Country/Region": ""/"Atlantis" is not in the region table`},
		{"6/15/20", "1/1/40", `time_series_covid19_confirmed_global.csv: row 1, field "1/1/40": 2040-01-01 is in the future`},
	} {
		dir := t.TempDir()
		for _, name := range []string{"time_series_covid19_confirmed_global.csv", "time_series_covid19_deaths_global.csv", "time_series_covid19_recovered_global.csv", "Errata.csv"} {
			b, err := os.ReadFile(filepath.Join(jhuDir, name))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(name, "confirmed") {
				if !strings.Contains(string(b), tc.from) {
					t.Fatalf("%q not in the file", tc.from)
				}
				b = []byte(strings.Replace(string(b), tc.from, tc.to, 1))
			}
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		code, _, errOut := run(t, c, "publichealth", "import-jhu", dir)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("exit %d, stderr %q, want %q", code, errOut, tc.want)
		}
	}
	if h.Node.Height() != height {
		t.Errorf("blocks were made: height %d, was %d", h.Node.Height(), height)
	}
}
