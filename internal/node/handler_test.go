package node

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestHandlerSplitsAPIAndDashboard: the API's paths (the FHIR facade's
// too) reach the API (its 404s stay problem details or OperationOutcomes),
// every other path the dashboard.
func TestHandlerSplitsAPIAndDashboard(t *testing.T) {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Header().Set("X-Handler", "api") })
	dash := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Header().Set("X-Handler", "web") })
	h := handler(api, dash)
	for path, want := range map[string]string{
		"/v1/status": "api", "/v1/no-such-route": "api", "/v1": "api", "/healthz": "api", "/readyz": "api", "/metrics": "api",
		"/": "web", "/network": "web", "/scan": "web", "/public-health": "web", "/static/css/app.css": "web",
		"/v1x": "web", "/healthz/x": "web", "/nope": "web",
		"/fhir/metadata": "api", "/fhir/Consent/gr-1": "api", "/fhir": "api", "/fhirx": "web",
		"/epcis/capture": "api", "/epcis/events/urn:uuid:1": "api", "/epcis": "api", "/epcisx": "web",
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if got := rec.Header().Get("X-Handler"); got != want {
			t.Errorf("%s went to %s, want %s", path, got, want)
		}
	}
}
