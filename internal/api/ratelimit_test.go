package api_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/medchain/medchain/internal/api"
	"github.com/medchain/medchain/internal/api/apitest"
)

// A client past its burst is answered 429 api.rate_limited with
// Retry-After, loopback included; the limit is per client address.
func TestRateLimit(t *testing.T) {
	e := newEnv(t, apitest.Options{RateLimit: api.RateLimit{Rate: 0.01, Burst: 3}})
	for i := range 3 {
		if resp, body := e.do(http.MethodGet, "/healthz", "", nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d within the burst: %d %s", i+1, resp.StatusCode, body)
		}
	}
	resp, body := e.do(http.MethodGet, "/v1/status", "", nil)
	p := wantProblem(t, resp, body, http.StatusTooManyRequests, "api.rate_limited")
	if p.Detail == "" {
		t.Errorf("no detail: %s", body)
	}
	// One token every 100 s: the next is due in at most that.
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s < 1 || s > 100 {
		t.Errorf("Retry-After %q, want 1-100 seconds", resp.Header.Get("Retry-After"))
	}
}

func TestNoRateLimitByDefault(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	for i := range 50 {
		if resp, body := e.do(http.MethodGet, "/healthz", "", nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d %s", i+1, resp.StatusCode, body)
		}
	}
}

// The dashboard shares the API's server: Guard puts it behind the same
// per-client limit, so a client past its burst gets 429 from the web pages
// too, and a request to the dashboard spends the API's budget.
func TestRateLimitGuardsTheDashboard(t *testing.T) {
	e := newEnv(t, apitest.Options{RateLimit: api.RateLimit{Rate: 0.01, Burst: 2}})
	pages := e.h.API.Guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("page")) }))
	get := func(h http.Handler, path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.RemoteAddr = "192.0.2.7:40000"
		h.ServeHTTP(rec, r)
		return rec
	}
	if rec := get(pages, "/network"); rec.Code != http.StatusOK {
		t.Fatalf("first page: %d", rec.Code)
	}
	if rec := get(e.h.API, "/healthz"); rec.Code != http.StatusOK {
		t.Fatalf("the API within the burst: %d", rec.Code)
	}
	rec := get(pages, "/scan")
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "api.rate_limited") {
		t.Fatalf("a page past the burst: %d %q %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
}
