package api_test

import (
	"net/http"
	"strconv"
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
