// Package monitor is the custodian side of remote patient monitoring on one
// node: it takes the readings devices sign (internal/telemetry's Reading,
// a FHIR Observation and a sequence number), checks each against committed
// state (the device is registered, assigned and under its patient's
// consent: telemetry.Keeper.Admit), refuses replayed sequence numbers,
// keeps the readings of each device in batches of one UTC day, encrypts
// each closed batch at rest as records are (internal/seal: one data key
// per batch, wrapped to the patient and to the custodian organisation) and
// anchors its RFC 6962 root on the ledger (telemetry/anchor, signed by the
// organisation's custodian identity). It proves any reading's inclusion in
// its anchored batch, and runs the organisation's alert rules over the
// stream (telemetry.Evaluator), anchoring the alerts they raise and clear.
//
// Readings never reach the ledger, and nothing here decides what the
// ledger will accept: the module decides that when it executes the anchor.
// A batch still open (at most Options.BatchSize readings or
// Options.BatchAge old) is held in memory only, never on disk in the
// clear; a crash loses it, and the device's next reading is then accepted
// after a gap, which the next anchor reports.
package monitor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"filippo.io/age"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/medchain/medchain/internal/blobstore"
	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/localtx"
	"github.com/medchain/medchain/internal/seal"
	"github.com/medchain/medchain/internal/telemetry"
)

// Defaults of Options.
const (
	DefaultBatchSize = 4096
	DefaultBatchAge  = 10 * time.Second
)

// Custodian is an organisation whose devices' readings this node keeps:
// its Signer signs the organisation's anchors and alerts.
type Custodian = localtx.Custodian

// Options configure a Monitor.
type Options struct {
	// Dir holds the encrypted batches and their index.
	Dir string
	// IdentityDir holds the custodians' age identities, one
	// <org>.agekey each (the vault's, so that one identity serves an
	// organisation's records and readings).
	IdentityDir string
	Custodians  []Custodian
	App         *chain.App
	Logger      *slog.Logger
	// BatchSize closes a batch at that many readings (default
	// DefaultBatchSize, at most telemetry.MaxBatch); BatchAge closes one
	// that old (wall clock; default DefaultBatchAge).
	BatchSize int
	BatchAge  time.Duration
	// Timeout bounds the wait for an anchor or alert to commit (default
	// 20s); a batch whose anchor did not commit is sent again later.
	Timeout time.Duration
	// Registry receives the monitor's collectors (nil: none).
	Registry prometheus.Registerer
}

// Monitor is one node's monitoring service.
type Monitor struct {
	app     *chain.App
	log     *slog.Logger
	blobs   *blobstore.Store
	index   string // the batch index: one JSON file per sealed batch
	orgs    map[string]*custodian
	size    int
	age     time.Duration
	timeout time.Duration
	metrics *metrics

	mu      sync.Mutex
	devices map[string]*deviceState
	metas   map[string][]*batchMeta // device -> sealed batches, by first seq
	evals   map[string]*orgRules    // org -> its rules' evaluator
	// rulesAt is the committed height the rules were last read at.
	rulesAt int64

	alertq    chan alertJob
	tick      chan time.Time
	done      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
}

type custodian struct {
	org    string
	signer *localtx.Submitter
	ident  *age.X25519Identity
}

// Open starts the monitor and subscribes it to the app's commits. Call
// Close to stop it.
func Open(opts Options) (*Monitor, error) {
	if opts.App == nil {
		return nil, errors.New("monitor: Options.App is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	opts.BatchSize = min(opts.BatchSize, telemetry.MaxBatch)
	if opts.BatchAge <= 0 {
		opts.BatchAge = DefaultBatchAge
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 20 * time.Second
	}
	mets, err := newMetrics(opts.Registry)
	if err != nil {
		return nil, err
	}
	blobs, err := blobstore.Open(filepath.Join(opts.Dir, "blobs"))
	if err != nil {
		return nil, err
	}
	index := filepath.Join(opts.Dir, "batches")
	if err := os.MkdirAll(index, 0o700); err != nil {
		return nil, fmt.Errorf("monitor: %w", err)
	}
	m := &Monitor{
		app: opts.App, log: opts.Logger, blobs: blobs, index: index, orgs: map[string]*custodian{},
		size: opts.BatchSize, age: opts.BatchAge, timeout: opts.Timeout, metrics: mets,
		devices: map[string]*deviceState{}, metas: map[string][]*batchMeta{}, evals: map[string]*orgRules{},
		alertq: make(chan alertJob, 1024), tick: make(chan time.Time, 1), done: make(chan struct{}),
	}
	for _, c := range opts.Custodians {
		if c.Signer == nil {
			return nil, fmt.Errorf("monitor: custodian %s has no Signer", c.Org)
		}
		id, err := seal.LoadOrCreateIdentity(filepath.Join(opts.IdentityDir, c.Org+".agekey"))
		if err != nil {
			return nil, fmt.Errorf("monitor: custodian identity of %s: %w", c.Org, err)
		}
		m.orgs[c.Org] = &custodian{org: c.Org, signer: c.Signer, ident: id}
	}
	if err := m.load(); err != nil {
		return nil, err
	}
	m.refreshRules()
	opts.App.Subscribe(m.committed)
	m.wg.Add(2)
	go m.background()
	go m.alerter()
	return m, nil
}

// Orgs lists the organisations whose readings this node keeps.
func (m *Monitor) Orgs() []string {
	out := make([]string, 0, len(m.orgs))
	for o := range m.orgs {
		out = append(out, o)
	}
	slices.Sort(out)
	return out
}

// Close seals and anchors the open batches (within the timeout) and stops
// the background work.
func (m *Monitor) Close() error {
	m.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), m.timeout)
		defer cancel()
		m.Flush(ctx)
		close(m.done)
		m.wg.Wait()
	})
	return nil
}

// committed is the app's commit callback (consensus goroutine: it must not
// block): it hands the block time to the background loop.
func (m *Monitor) committed(b chain.Block) {
	select {
	case m.tick <- b.Time:
	default:
		select { // replace a tick not taken yet by the newer one
		case <-m.tick:
		default:
		}
		select {
		case m.tick <- b.Time:
		default:
		}
	}
}

// background closes batches that grew old, refreshes the alert rules and
// runs the stale-data rules at each committed block's time.
func (m *Monitor) background() {
	defer m.wg.Done()
	t := time.NewTicker(m.age / 4)
	defer t.Stop()
	for {
		select {
		case <-m.done:
			return
		case <-t.C:
			m.closeAged(time.Now())
		case bt := <-m.tick:
			m.refreshRules()
			m.tickStale(bt.Unix())
		}
	}
}
