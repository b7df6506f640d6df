package monitor

import (
	"context"
	"errors"
	"strings"

	"github.com/medchain/medchain/internal/localtx"
	"github.com/medchain/medchain/internal/telemetry"
)

// orgRules is an organisation's alert rules and their evaluator.
type orgRules struct {
	sig  string // the rules' IDs and statuses: a change rebuilds the evaluator
	eval *telemetry.Evaluator
}

// alertJob is an alert transition to anchor.
type alertJob struct {
	org string
	telemetry.Transition
}

// refreshRules rebuilds the evaluator of an organisation whose rules
// changed on the ledger. The new evaluator starts afresh (a duration
// counts from the next reading).
func (m *Monitor) refreshRules() {
	view := m.app.State().Committed()
	m.mu.Lock()
	m.rulesAt = view.Version()
	m.mu.Unlock()
	for _, org := range m.Orgs() {
		rs := m.app.Telemetry().OrgRules(view, org, 1000)
		var sig strings.Builder
		for _, r := range rs {
			sig.WriteString(r.ID + ":" + r.Status + ",")
		}
		m.mu.Lock()
		cur := m.evals[org]
		if cur == nil || cur.sig != sig.String() {
			e, err := telemetry.NewEvaluator(rs)
			if err != nil {
				m.log.Error("monitor: alert rules do not compile", "org", org, "err", err)
			} else {
				m.evals[org] = &orgRules{sig: sig.String(), eval: e}
			}
		}
		m.mu.Unlock()
	}
}

// evaluate runs a device's organisation's rules over a reading (m.mu
// held) and queues the transitions.
func (m *Monitor) evaluate(dev telemetry.Device, o telemetry.Observation) {
	r := m.evals[dev.Org]
	if r == nil {
		return
	}
	for _, s := range o.Samples {
		trs, err := r.eval.Observe(dev.ID, s)
		if err != nil {
			m.log.Warn("monitor: alert rule failed on a reading", "device", dev.ID, "err", err)
		}
		m.queueAlerts(dev.Org, trs)
	}
}

// tickStale runs the stale-data rules at a committed block's time.
func (m *Monitor) tickStale(now int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, org := range m.Orgs() {
		if r := m.evals[org]; r != nil {
			m.queueAlerts(org, r.eval.Tick(now))
		}
	}
}

func (m *Monitor) queueAlerts(org string, trs []telemetry.Transition) {
	for _, t := range trs {
		select {
		case m.alertq <- alertJob{org: org, Transition: t}:
		default:
			m.metrics.alerts.WithLabelValues("dropped").Inc()
			m.log.Error("monitor: alert queue full, transition dropped", "rule", t.Rule, "device", t.Device, "raised", t.Raised)
		}
	}
}

// alerter anchors alert transitions in the order they happened.
func (m *Monitor) alerter() {
	defer m.wg.Done()
	for {
		select {
		case <-m.done:
			return
		case j := <-m.alertq:
			m.sendAlert(j)
		}
	}
}

func (m *Monitor) sendAlert(j alertJob) {
	c := m.orgs[j.org]
	ctx, cancel := context.WithTimeout(context.Background(), m.timeout)
	defer cancel()
	var err error
	if j.Raised {
		_, err = c.signer.Send(ctx, telemetry.TypeAlert, telemetry.RaiseAlert{Rule: j.Rule, Device: j.Device, At: j.At})
	} else {
		a, ok := m.app.Telemetry().OpenAlert(m.app.State().Committed(), j.Rule, j.Device)
		if !ok {
			return // never anchored, or cleared already
		}
		_, err = c.signer.Send(ctx, telemetry.TypeClear, telemetry.ClearAlert{Alert: a.ID, At: max(j.At, a.RaisedAt)})
	}
	var ref *localtx.Refused
	switch {
	case errors.As(err, &ref):
		m.metrics.alerts.WithLabelValues("refused").Inc()
		m.log.Warn("monitor: alert refused", "rule", j.Rule, "device", j.Device, "raised", j.Raised, "code", ref.Code.ID(), "log", ref.Log)
	case err != nil:
		m.metrics.alerts.WithLabelValues("failed").Inc()
		m.log.Error("monitor: alert not anchored", "rule", j.Rule, "device", j.Device, "raised", j.Raised, "err", err)
	default:
		if j.Raised {
			m.metrics.alerts.WithLabelValues("raised").Inc()
		} else {
			m.metrics.alerts.WithLabelValues("cleared").Inc()
		}
		m.log.Info("monitor: alert anchored", "rule", j.Rule, "device", j.Device, "raised", j.Raised)
	}
}

// Rules reports how many active alert rules of org the node evaluates.
func (m *Monitor) Rules(org string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.evals[org]
	if r == nil {
		return 0
	}
	return r.eval.Len()
}
