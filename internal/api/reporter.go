package api

import (
	"context"
	"sync"
	"time"

	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/supply"
	"github.com/medchain/medchain/internal/tx"
)

// Reporter records a suspect scan on the ledger (a supply/report-scan
// transaction signed by the node's own identity) and returns the alert's
// ID: a new alert's, or that of the alert already standing for the same
// item and suspect reason (supply.AlertPeriod). location is a GLN or
// empty; the route has checked both item and location.
type Reporter func(ctx context.Context, item, suspect, location string) (string, error)

// SubmitScan signs m with the node's own identity and puts it in the
// mempool, returning the transaction's hash once CheckTx accepted it.
type SubmitScan func(ctx context.Context, m supply.ReportScan) (tx.Hash, error)

// pendingScanTTL is how long the Reporter answers a submitted, not yet
// committed alert's ID for the same scan instead of submitting again: a
// few blocks, past which the committed state answers (or the transaction
// failed, and the next scan submits anew).
const pendingScanTTL = time.Minute

// maxPendingScans bounds the Reporter's memory of submitted alerts.
const maxPendingScans = 10_000

// NewReporter returns the Reporter of a node that signs its alerts as a
// member of org. It writes at most one alert per (item, suspect reason)
// per supply.AlertPeriod, however many scans come: a scan whose alert
// stands on the committed ledger, or was submitted by this Reporter and
// awaits its block, is answered that alert's ID and submits nothing (the
// chain would refuse it as supply.duplicate_alert).
func NewReporter(app *chain.App, org string, submit SubmitScan) Reporter {
	r := &reporter{app: app, org: org, submit: submit, pending: map[string]pendingScan{}}
	return r.report
}

type reporter struct {
	app    *chain.App
	org    string
	submit SubmitScan

	mu      sync.Mutex
	pending map[string]pendingScan // item\x00suspect
}

type pendingScan struct {
	alert string
	until time.Time
}

func (r *reporter) report(ctx context.Context, item, suspect, location string) (string, error) {
	if id, ok := r.committed(item, suspect); ok {
		return id, nil
	}
	key := item + "\x00" + suspect
	now := time.Now()
	// Held while submitting: concurrent scans of one code wait for the
	// first one's answer rather than each submitting a transaction.
	r.mu.Lock()
	defer r.mu.Unlock()
	if p, ok := r.pending[key]; ok && now.Before(p.until) {
		return p.alert, nil
	}
	hash, err := r.submit(ctx, supply.ReportScan{Item: item, Location: location})
	if err != nil {
		// Refused as a duplicate: the alert committed since we looked.
		if id, ok := r.committed(item, suspect); ok {
			return id, nil
		}
		return "", err
	}
	id := ledger.IDFrom("al-", hash)
	if len(r.pending) >= maxPendingScans {
		for k, p := range r.pending {
			if !now.Before(p.until) {
				delete(r.pending, k)
			}
		}
	}
	if len(r.pending) < maxPendingScans {
		r.pending[key] = pendingScan{alert: id, until: now.Add(pendingScanTTL)}
	}
	return id, nil
}

// committed is the alert standing on the committed ledger for the scan.
func (r *reporter) committed(item, suspect string) (string, bool) {
	a, ok := r.app.Supply().RecentAlert(r.app.State().Committed(), item, suspect, r.org, r.app.LastBlockTime())
	return a.ID, ok
}
