package monitor

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the monitor's Prometheus collectors.
type metrics struct {
	readings *prometheus.CounterVec // by outcome: accepted, or the refusal's code
	batches  *prometheus.CounterVec // by outcome: anchored, refused, retried
	alerts   *prometheus.CounterVec // by transition: raised, cleared, failed
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		readings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "medchain_telemetry_readings_total",
			Help: "Readings devices sent this node, by outcome: accepted, or the stable code of the refusal (telemetry.replay, telemetry.no_consent...).",
		}, []string{"outcome"}),
		batches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "medchain_telemetry_batches_total",
			Help: "Batches of readings this node sealed, by what became of their anchor: anchored, refused (by the chain; kept, not retried), retried (not committed in time, or the store failed).",
		}, []string{"outcome"}),
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "medchain_telemetry_alerts_total",
			Help: "Alert transitions the rules gave, by what became of them: raised, cleared (anchored), refused (by the chain), failed (not committed), dropped (queue full).",
		}, []string{"outcome"}),
	}
	for _, o := range []string{Accepted} {
		m.readings.WithLabelValues(o)
	}
	for _, o := range []string{"anchored", "refused", "retried"} {
		m.batches.WithLabelValues(o)
	}
	for _, o := range []string{"raised", "cleared", "refused", "failed", "dropped"} {
		m.alerts.WithLabelValues(o)
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.readings, m.batches, m.alerts} {
			if err := reg.Register(c); err != nil {
				return nil, errors.Join(errors.New("monitor: register metrics"), err)
			}
		}
	}
	return m, nil
}
