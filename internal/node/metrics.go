package node

import (
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/claims"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/records"
)

// chainMetrics implements chain.Observer with Prometheus collectors.
type chainMetrics struct {
	started   time.Time // set on the consensus goroutine only
	checked   *prometheus.CounterVec
	committed *prometheus.CounterVec
	height    prometheus.Gauge
	blockTxs  prometheus.Histogram
	blockTime prometheus.Histogram
	events    *prometheus.CounterVec
	reads     *prometheus.CounterVec
	decisions *prometheus.CounterVec
}

func newChainMetrics(reg prometheus.Registerer) *chainMetrics {
	m := &chainMetrics{
		checked: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "medchain_txs_checked_total", Help: "Transactions checked for the mempool, by message type and result code.",
		}, []string{"type", "code"}),
		committed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "medchain_txs_committed_total", Help: "Transactions in committed blocks, by message type and result code.",
		}, []string{"type", "code"}),
		height: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "medchain_block_height", Help: "Height of the last committed block.",
		}),
		blockTxs: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "medchain_block_txs", Help: "Transactions per committed block.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 8),
		}),
		blockTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "medchain_block_execution_seconds", Help: "Time from FinalizeBlock to the end of Commit.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}),
	}
	// Domain events by type: break-glass windows opened and reviewed, scans
	// reported suspect, shipments with a cold-chain excursion, refused
	// reads receipted, proposals decided... Types are the modules' declared
	// event types (docs/events.md), a fixed set: each starts at zero.
	m.events = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "medchain_events_total", Help: "Events in committed blocks, by event type (docs/events.md).",
	}, []string{"type"})
	for _, et := range chain.Events() {
		m.events.WithLabelValues(et.Name)
	}
	// Reads of records as their receipts commit, served or refused.
	m.reads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "medchain_record_reads_total", Help: `Record reads receipted on the ledger, by outcome ("granted" or "denied").`,
	}, []string{"outcome"})
	m.reads.WithLabelValues(records.Granted)
	m.reads.WithLabelValues(records.Denied)
	// Claims decided, by the decision: a payer's denial rate at a glance
	// (appeals decide again and count again).
	m.decisions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "medchain_claims_decided_total", Help: `Claim decisions committed, by outcome ("approved", "partly-approved" or "denied").`,
	}, []string{"outcome"})
	for _, o := range decisionOutcomes {
		m.decisions.WithLabelValues(o)
	}
	reg.MustRegister(m.checked, m.committed, m.height, m.blockTxs, m.blockTime, m.events, m.reads, m.decisions)
	return m
}

func codeLabel(c ledger.Code) string {
	if c.Number == 0 {
		return "ok"
	}
	return c.ID()
}

func (m *chainMetrics) TxChecked(msgType string, code ledger.Code) {
	m.checked.WithLabelValues(msgType, codeLabel(code)).Inc()
}

func (m *chainMetrics) BlockStarted(int64) { m.started = time.Now() }

func (m *chainMetrics) BlockCommitted(b chain.Block) {
	m.height.Set(float64(b.Height))
	m.blockTxs.Observe(float64(len(b.Results)))
	m.blockTime.Observe(time.Since(m.started).Seconds())
	for _, r := range b.Results {
		m.committed.WithLabelValues(r.Type, codeLabel(r.Code)).Inc()
		m.countEvents(r.Events)
	}
	m.countEvents(b.Events)
}

// decisionOutcomes are the statuses a claims.adjudicated event gives.
var decisionOutcomes = []string{claims.StatusApproved, claims.StatusPartly, claims.StatusDenied}

func (m *chainMetrics) countEvents(es []ledger.Event) {
	for _, e := range es {
		m.events.WithLabelValues(e.Type).Inc()
		switch e.Type {
		case records.EventRead.Name:
			if v, ok := attr(e, records.AttrOutcome); ok && (v == records.Granted || v == records.Denied) {
				m.reads.WithLabelValues(v).Inc()
			}
		case claims.EventAdjudicated.Name:
			if v, ok := attr(e, claims.AttrStatus); ok && slices.Contains(decisionOutcomes, v) {
				m.decisions.WithLabelValues(v).Inc()
			}
		}
	}
}

// attr is the value of e's attribute key.
func attr(e ledger.Event, key string) (string, bool) {
	for _, a := range e.Attrs {
		if a.Key == key {
			return a.Value, true
		}
	}
	return "", false
}
