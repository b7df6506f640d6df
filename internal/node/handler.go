package node

import (
	"net/http"
	"strings"
)

// handler puts the API and the dashboard (internal/web) on one server:
// the API's routes (/v1/..., /fhir/..., /epcis/..., /healthz, /readyz, /metrics) go to api, every
// other path to the dashboard, which answers its pages and an HTML 404.
// Neither package knows the other; this is the one place that joins them.
func handler(api, dashboard http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isAPIPath(r.URL.Path) {
			api.ServeHTTP(w, r)
			return
		}
		dashboard.ServeHTTP(w, r)
	})
}

// isAPIPath reports whether p belongs to the API: under /v1, the FHIR
// facade under /fhir, the EPCIS 2.0 binding under /epcis, or one of its
// operational routes.
func isAPIPath(p string) bool {
	switch p {
	case "/v1", "/fhir", "/epcis", "/healthz", "/readyz", "/metrics":
		return true
	}
	return strings.HasPrefix(p, "/v1/") || strings.HasPrefix(p, "/fhir/") || strings.HasPrefix(p, "/epcis/")
}
