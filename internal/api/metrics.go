package api

import (
	"fmt"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the API's Prometheus collectors. Route labels are mux
// patterns ("GET /v1/orgs/{id}"), never raw paths, so their number is fixed.
type metrics struct {
	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	submission *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "medchain", Subsystem: "api", Name: "requests_total",
			Help: "HTTP requests served, by route pattern and status code.",
		}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "medchain", Subsystem: "api", Name: "request_duration_seconds",
			Help:    "Time to serve an HTTP request, by route pattern and status code.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 20},
		}, []string{"route", "status"}),
		submission: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "medchain", Subsystem: "api", Name: "tx_submissions_total",
			Help: `Transactions submitted, by result: "ok", "pending", or the stable error code.`,
		}, []string{"result"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.submission} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("api: register metrics: %w", err)
		}
	}
	return m, nil
}

func (m *metrics) observe(route string, status int, d time.Duration) {
	s := strconv.Itoa(status)
	m.requests.WithLabelValues(route, s).Inc()
	m.duration.WithLabelValues(route, s).Observe(d.Seconds())
}

func (m *metrics) submitted(result string) { m.submission.WithLabelValues(result).Inc() }
