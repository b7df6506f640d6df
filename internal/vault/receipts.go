package vault

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/medchain/medchain/internal/localtx"
	"github.com/medchain/medchain/internal/records"
)

// Defaults of the receipts of refused reads (ADR 20).
const (
	// DefaultRefusalFlush is how long a refused read's receipt waits for
	// others to share its transaction.
	DefaultRefusalFlush = 2 * time.Second
	// DefaultRefusalLimit is how many refused reads of one key are
	// receipted per DefaultRefusalPeriod.
	DefaultRefusalLimit = 60
	// DefaultRefusalPeriod is the window of DefaultRefusalLimit.
	DefaultRefusalPeriod = time.Minute
	// maxPendingRefusals bounds the refusals waiting for their batch per
	// custodian organisation; one more is answered without a receipt.
	maxPendingRefusals = 8 * records.MaxReceiptsPerTx
)

// Outcomes of a refused read, the label of medchain_vault_refused_reads_total.
const (
	refusalQueued      = "queued"       // its receipt is in the batch
	refusalIneligible  = "ineligible"   // neither member, patient nor delegate: no receipt
	refusalRateLimited = "rate_limited" // the key's refusals are over the limit: no receipt
	refusalQueueFull   = "queue_full"   // too many pending: no receipt
)

// refusals collects the receipts of refused reads per custodian and writes
// them in batches: when a custodian has MaxReceiptsPerTx pending, and every
// flush interval. Served reads do not go through it: their receipt commits
// before the data leaves the node.
type refusals struct {
	v        *Vault
	interval time.Duration
	limit    int
	period   time.Duration

	mu      sync.Mutex
	pending map[string][]records.ReceiptEntry // by custodian organisation
	windows map[string]window                 // by requester key
	full    chan struct{}                     // a batch is full: flush now

	outcomes *prometheus.CounterVec
	written  prometheus.Counter
	lost     prometheus.Counter
}

// window counts one key's receipted refusals since start.
type window struct {
	start time.Time
	n     int
}

func newRefusals(v *Vault, opts Options) (*refusals, error) {
	r := &refusals{v: v, interval: opts.RefusalFlush, limit: opts.RefusalLimit, period: opts.RefusalPeriod,
		pending: map[string][]records.ReceiptEntry{}, windows: map[string]window{}, full: make(chan struct{}, 1),
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "medchain_vault_refused_reads_total",
			Help: "Reads this node refused, by what became of their receipt: queued, ineligible (requester neither member, patient nor delegate), rate_limited (the key's refusals over [records] refused_receipts_limit), queue_full.",
		}, []string{"receipt"}),
		written: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "medchain_vault_refusal_receipts_written_total", Help: "Receipts of refused reads committed to the ledger.",
		}),
		lost: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "medchain_vault_refusal_receipts_lost_total", Help: "Receipts of refused reads queued but not written (refused by the chain, or pending at a stop that could not flush them).",
		}),
	}
	for _, o := range []string{refusalQueued, refusalIneligible, refusalRateLimited, refusalQueueFull} {
		r.outcomes.WithLabelValues(o)
	}
	if opts.Registry != nil {
		for _, c := range []prometheus.Collector{r.outcomes, r.written, r.lost} {
			if err := opts.Registry.Register(c); err != nil {
				return nil, errors.Join(errors.New("vault: register metrics"), err)
			}
		}
	}
	return r, nil
}

// allow counts a refusal of key at now against the key's limit and reports
// whether it may be receipted.
func (r *refusals) allow(key string, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	w := r.windows[key]
	if now.Sub(w.start) >= r.period || now.Before(w.start) {
		w = window{start: now}
	}
	if w.n >= r.limit {
		return false
	}
	w.n++
	r.windows[key] = w
	return true
}

// add queues e for org's next batch; false when the queue is full.
func (r *refusals) add(org string, e records.ReceiptEntry) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	q := r.pending[org]
	if len(q) >= maxPendingRefusals {
		return false
	}
	r.pending[org] = append(q, e)
	if len(q)+1 >= records.MaxReceiptsPerTx {
		select {
		case r.full <- struct{}{}:
		default:
		}
	}
	return true
}

// run flushes every interval or when a batch is full, until done.
func (r *refusals) run(done <-chan struct{}) {
	t := time.NewTicker(r.interval)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		case <-r.full:
		}
		r.flush(context.Background())
		r.forget(time.Now())
	}
}

// forget drops the windows that have ended.
func (r *refusals) forget(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, w := range r.windows {
		if now.Sub(w.start) >= r.period {
			delete(r.windows, k)
		}
	}
}

// flush writes the pending receipts, MaxReceiptsPerTx a transaction, each
// waited for until it commits (at most the receipt timeout). A batch the
// chain refuses is retried one receipt at a time, so that one bad entry
// does not take the others with it. It returns how many were lost.
func (r *refusals) flush(ctx context.Context) int {
	r.mu.Lock()
	pending := r.pending
	r.pending = map[string][]records.ReceiptEntry{}
	r.mu.Unlock()
	lost := 0
	for _, org := range r.v.Orgs() {
		q := pending[org]
		for len(q) > 0 {
			n := min(len(q), records.MaxReceiptsPerTx)
			lost += r.write(ctx, org, q[:n], true)
			q = q[n:]
		}
	}
	return lost
}

func (r *refusals) write(ctx context.Context, org string, batch []records.ReceiptEntry, split bool) int {
	c := r.v.orgs[org]
	err := r.v.send(ctx, c, records.TypeReceipts, records.PostReceipts{Receipts: batch})
	if err == nil {
		r.written.Add(float64(len(batch)))
		return 0
	}
	var refused *localtx.Refused
	if split && len(batch) > 1 && errors.As(err, &refused) && ctx.Err() == nil {
		lost := 0
		for i := range batch {
			lost += r.write(ctx, org, batch[i:i+1], false)
		}
		return lost
	}
	r.lost.Add(float64(len(batch)))
	r.v.log.Error("vault: receipts of refused reads not written", "org", org, "receipts", len(batch), "err", err)
	return len(batch)
}

// FlushRefusals writes the receipts of refused reads still waiting for
// their batch and returns how many could not be written. The node calls it
// at stop, after the API has stopped taking reads and before the node's
// transactions stop being followed; tests call it to see a batch now.
func (v *Vault) FlushRefusals(ctx context.Context) int { return v.refusals.flush(ctx) }
