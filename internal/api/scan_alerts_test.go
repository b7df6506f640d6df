package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/medchain/medchain/internal/api"
	"github.com/medchain/medchain/internal/supply"
	"github.com/medchain/medchain/internal/tx"
)

// TestAnonymousSuspectScansWriteOneAlert: twenty scans of one suspect
// code by anonymous callers, at once and one after another, before and
// after the alert commits, submit one report-scan and write one alert;
// every answer names it.
func TestAnonymousSuspectScansWriteOneAlert(t *testing.T) {
	e, reports := newSupplyEnv(t)
	code := "(01)" + gtinNobody + "(21)COPY1"
	path := "/v1/supply/verify?code=" + url.QueryEscape(code) + "&location=" + glnNobody
	scan := func() (supplyVerdict, error) {
		var v supplyVerdict
		resp, err := http.Get(e.h.URL + path)
		if err != nil {
			return v, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err == nil && resp.StatusCode != http.StatusOK {
			t.Errorf("scan: %d %s", resp.StatusCode, body)
		}
		if err == nil {
			err = json.Unmarshal(body, &v)
		}
		return v, err
	}
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		alerts = map[string]int{}
	)
	record := func(v supplyVerdict, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil || v.Suspect != "unknown_product" || v.AlertError != "" {
			t.Errorf("scan: %+v, %v", v, err)
		}
		alerts[v.Alert]++
	}
	for range 10 {
		wg.Add(1)
		go func() { defer wg.Done(); record(scan()) }()
	}
	wg.Wait()
	for range 5 {
		record(scan())
	}
	list := e.supplyAlerts("", 1)
	for range 5 {
		record(scan())
	}
	if len(alerts) != 1 || alerts[list[0].ID] != 20 {
		t.Fatalf("answers named alerts %v, want %s 20 times", alerts, list[0].ID)
	}
	if calls := reports.all(); len(calls) != 1 {
		t.Fatalf("report-scan submitted %d times: %v", len(calls), calls)
	}
	// A block later, still one alert, with coded fields only.
	time.Sleep(200 * time.Millisecond)
	list = e.supplyAlerts("", 1)
	if a := list[0]; len(list) != 1 || a.Code != supply.UnitID(gtinNobody, "COPY1") || a.Reason != "unknown_product" || a.Location != glnNobody || a.Org != "corner" {
		t.Fatalf("alerts: %+v", list)
	}
}

// TestSuspectScansAreRateLimited: GET /v1/supply/verify is behind the
// per-client rate limit like every route: past its burst an anonymous
// caller gets 429 and nothing is reported.
func TestSuspectScansAreRateLimited(t *testing.T) {
	e, reports := newSupplyEnv(t)
	srv, err := api.New(api.Deps{App: e.h.App, Node: e.h.Node, RateLimit: api.RateLimit{Rate: 0.01, Burst: 3},
		Reporter: api.NewReporter(e.h.App, "corner", reports.submit)})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { ts.Close(); srv.Close() })
	e.h.URL = ts.URL
	for i := range 3 {
		code := "(01)" + gtinNobody + "(21)R" + string(rune('0'+i))
		if v := e.supplyScan(code, ""); v.Alert == "" {
			t.Fatalf("scan %d within the burst: %+v", i+1, v)
		}
	}
	resp, body := e.do(http.MethodGet, "/v1/supply/verify?code="+url.QueryEscape("(01)"+gtinNobody+"(21)R9"), "", nil)
	wantProblem(t, resp, body, http.StatusTooManyRequests, "api.rate_limited")
	if calls := reports.all(); len(calls) != 3 {
		t.Fatalf("report-scan submitted %d times, want 3: %v", len(calls), calls)
	}
}

// TestReporterAnswersTheStandingAlert: an alert the organisation recorded
// otherwise (a member's own report-scan) is the one a public scan answers,
// and a submission refused because the alert committed meanwhile answers
// it too.
func TestReporterAnswersTheStandingAlert(t *testing.T) {
	e, reports := newSupplyEnv(t)
	item := supply.UnitID(gtinNobody, "OWN1")
	e.ok("corner-lee", supply.TypeReportScan, supply.ReportScan{Item: item})
	own := e.supplyAlerts("", 1)[0]
	if v := e.supplyScan("(01)"+gtinNobody+"(21)OWN1", glnNobody); v.Alert != own.ID {
		t.Fatalf("scan answered alert %q, want the standing %s", v.Alert, own.ID)
	}
	if calls := reports.all(); len(calls) != 0 {
		t.Fatalf("report-scan submitted: %v", calls)
	}

	// The alert commits between the Reporter's look and its submission:
	// the chain refuses the duplicate, and the Reporter answers the alert.
	item = supply.UnitID(gtinNobody, "RACE1")
	var committed supply.Alert
	report := api.NewReporter(e.h.App, "corner", func(ctx context.Context, m supply.ReportScan) (tx.Hash, error) {
		if err := json.Unmarshal(e.ok("corner-lee", supply.TypeReportScan, m).Result, &committed); err != nil {
			t.Fatal(err)
		}
		return reports.submit(ctx, m)
	})
	id, err := report(context.Background(), item, "unknown_product", "")
	if err != nil || committed.ID == "" || id != committed.ID {
		t.Fatalf("report: %q, %v; want the alert committed meanwhile, %q", id, err, committed.ID)
	}
	if calls := reports.all(); len(calls) != 1 {
		t.Fatalf("report-scan submitted %d times: %v", len(calls), calls)
	}
}
