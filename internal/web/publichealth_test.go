package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/browsertest"
	"github.com/medchain/medchain/internal/jhu"
	"github.com/medchain/medchain/internal/node"
)

// importJHU reports, on n, the JHU CSSE series (internal/jhu/testdata,
// copies of shared/data) of a few regions, confirmed cases and deaths:
// Germany, Italy, and France with its provinces (and their recovered
// counts), with the errata's
// corrections of those regions. It returns the figures' count.
func importJHU(t *testing.T, n *node.Node) int {
	t.Helper()
	set, err := jhu.Load("../jhu/testdata", time.Now().UTC().Format(time.DateOnly))
	if err != nil {
		t.Fatal(err)
	}
	keep := func(r jhu.Row) bool {
		return (r.Metric == "confirmed" || r.Metric == "deaths" || r.Metric == "recovered") &&
			(r.Region == "DE" || r.Region == "IT" || r.Region == "FR" || strings.HasPrefix(r.Region, "FR/"))
	}
	var rows []client.FigureRow
	for _, r := range set.Rows {
		if keep(r) {
			rows = append(rows, client.FigureRow{Region: r.Region, Metric: r.Metric, Date: r.Date, Value: r.Value})
		}
	}
	var fixes []client.FigureCorrection
	for _, c := range set.Corrections {
		if keep(c.Row) {
			fixes = append(fixes, client.FigureCorrection{FigureRow: client.FigureRow{Region: c.Region, Metric: c.Metric, Date: c.Date, Value: c.Value}, Reason: c.Reason})
		}
	}
	if _, err := client.New(n.APIURL()).ImportFigures(context.Background(), signer(node.DemoReporter), rows, fixes, 4, nil); err != nil {
		t.Fatal(err)
	}
	return len(rows)
}

// TestPublicHealthPage drives the public-health page against a dev node
// holding JHU's series of a few countries: totals and mortality as the
// API gives them, both charts drawn by uPlot under the CSP with every day
// of the series and the corrected and flagged days marked, the country
// filter (from the keyboard) changing the charts, a CSV export of the
// series, and "as of block N".
func TestPublicHealthPage(t *testing.T) {
	n := startDev(t)
	importJHU(t, n)
	c := client.New(n.APIURL())
	ctx := context.Background()
	series := func(region, metric string) *client.Series {
		s, err := c.Series(ctx, client.SeriesQuery{Region: region, Metric: metric})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	marked := func(s *client.Series) (n int) {
		for _, p := range s.Points {
			if p.Corrected || p.Flag != "" {
				n++
			}
		}
		return n
	}
	last := func(s *client.Series) int64 { return *s.Points[len(s.Points)-1].Cumulative }
	num := func(v int64) string {
		s := strconv.FormatInt(v, 10)
		for i := len(s) - 3; i > 0; i -= 3 {
			s = s[:i] + "," + s[i:]
		}
		return s
	}

	b := browsertest.Start(t, 1280, 900)
	tab := b.Tab(t)
	open(t, tab, n.APIURL()+"/public-health")
	browsertest.Wait(t, tab, "the public-health page", `document.body.dataset.ph === "ready"`, 20*time.Second)
	loadTime(t, tab, "/public-health")

	// The country with the most cases, as the API's totals count them,
	// comes first.
	tot, err := c.Totals(ctx, "confirmed", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	top, other := "", ""
	var most int64 = -1
	for _, ct := range tot.Countries {
		if ct.Cumulative > most {
			top, most = ct.Region, ct.Cumulative
		}
	}
	for _, r := range []string{"FR", "IT"} {
		if r != top {
			other = r
			break
		}
	}
	if r := eval[string](t, tab, `document.body.dataset.region`); r != top {
		t.Fatalf("first region shown: %q, want %s, the most cases", r, top)
	}
	check := func(region string) {
		t.Helper()
		cases, deaths := series(region, "confirmed"), series(region, "deaths")
		totals := text(t, tab, "#totals")
		for _, want := range []string{num(last(cases)), num(last(deaths)), fmt.Sprintf("%.2f%%", 100*float64(last(deaths))/float64(last(cases)))} {
			if !strings.Contains(totals, want) {
				t.Errorf("%s: totals do not show %q:\n%s", region, want, totals)
			}
		}
		// The recovery rate, from the recovered totals.
		rec, err := c.Totals(ctx, "recovered", "", 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, ct := range rec.Countries {
			if ct.Region == region {
				if got, want := text(t, tab, "#recovery dd"), fmt.Sprintf("%.2f%%", 100*float64(ct.Cumulative)/float64(last(cases))); got != want {
					t.Errorf("%s: recovery %q, want %q", region, got, want)
				}
			}
		}
		// The latest figure's provenance: its reporter, block and a link to
		// its proof when it is one reported figure; a country summed from
		// its provinces says so.
		p := cases.Points[len(cases.Points)-1]
		src := text(t, tab, "#source dd")
		if p.Tx == "" {
			if !strings.Contains(src, "sum of its provinces") {
				t.Errorf("%s: source of a summed figure: %q", region, src)
			}
		} else {
			href := eval[string](t, tab, `document.querySelector("#source a.proof").getAttribute("href")`)
			resp, err := http.Get(n.APIURL() + href)
			if err != nil {
				t.Fatal(err)
			}
			var fig struct {
				TX    string        `json:"tx"`
				Proof *client.Proof `json:"proof"`
			}
			json.NewDecoder(resp.Body).Decode(&fig)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || fig.Proof == nil || fig.TX != p.Tx || !strings.Contains(src, "block") {
				t.Errorf("%s: source %q, proof link %s: %d, figure of tx %s with proof %v; want tx %s", region, src, href, resp.StatusCode, fig.TX, fig.Proof != nil, p.Tx)
			}
		}
		for id, s := range map[string]*client.Series{"chart-cases": cases, "chart-deaths": deaths} {
			if k := eval[int](t, tab, `document.querySelectorAll("#`+id+` canvas").length`); k != 1 {
				t.Errorf("%s: #%s has %d canvases, want a uPlot chart", region, id, k)
			}
			if pts := eval[string](t, tab, `document.querySelector("#`+id+`").dataset.points`); pts != strconv.Itoa(len(s.Points)) {
				t.Errorf("%s: #%s draws %s days, want the series' %d", region, id, pts, len(s.Points))
			}
			if m := eval[string](t, tab, `document.querySelector("#`+id+`").dataset.marked`); m != strconv.Itoa(marked(s)) {
				t.Errorf("%s: #%s marks %s days, want the %d corrected or flagged", region, id, m, marked(s))
			}
		}
	}
	check(top)
	if marked(series("FR", "confirmed")) == 0 {
		t.Error("France's cases have no corrected or flagged day: the errata were not applied")
	}
	if w := text(t, tab, "#world-row"); !strings.Contains(w, num(tot.World.Cumulative)) {
		t.Errorf("world row %q, want %s cases", w, num(tot.World.Cumulative))
	}
	if ct := text(t, tab, "#countries"); !strings.Contains(ct, "Germany") || !strings.Contains(ct, "Italy") {
		t.Errorf("the country table:\n%s", ct)
	}
	if !strings.Contains(text(t, tab, "#corrections"), "corrected") {
		t.Errorf("corrections: %s", text(t, tab, "#corrections"))
	}
	if !strings.Contains(text(t, tab, "#asof"), "Figures as of block") {
		t.Errorf("footer: %s", text(t, tab, "#asof"))
	}
	browsertest.Screenshot(t, tab, shots(t), "public-health")

	// The country filter, from the keyboard: focus the list, pick the
	// other country, press Enter on the button; the charts follow.
	if err := chromedp.Do(tab, chromedp.Focus(chromedp.ID("region")), chromedp.SetValue(chromedp.ID("region"), other),
		chromedp.Focus(chromedp.CSS(`#ph-form button[type="submit"]`)), chromedp.KeyEvent("\r")); err != nil {
		t.Fatal(err)
	}
	browsertest.Wait(t, tab, other+"'s figures", `document.body.dataset.region === "`+other+`"`, 10*time.Second)
	check(other)
	if u := eval[string](t, tab, `location.search`); u != "?region="+other {
		t.Errorf("address after the filter: %s", u)
	}

	// On a phone the charts shrink to the page: nothing scrolls sideways.
	if err := chromedp.Do(tab, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	browsertest.Wait(t, tab, "the charts to fit a phone", `document.documentElement.scrollWidth <= 390`, 5*time.Second)
	browsertest.Screenshot(t, tab, shots(t), "public-health-phone")

	if err := chromedp.Do(tab, chromedp.Click(chromedp.ID("csv"))); err != nil {
		t.Fatal(err)
	}
	rows := len(series(other, "confirmed").Points) + len(series(other, "deaths").Points)
	browsertest.Wait(t, tab, "the CSV export", `document.body.dataset.csvRows === "`+strconv.Itoa(rows)+`"`, 5*time.Second)
	b.NoProblems(t, "/public-health")
}
