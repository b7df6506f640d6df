// Package epcisrepo is a node's EPCIS 2.0 repository, the node side of the
// EPCIS 2.0 REST binding (docs/adr/0037-epcis-rest-binding.md): it runs
// capture jobs for the organisations whose identity the node holds (the
// custodians of config/custodians.json) and answers queries over the events
// they captured.
//
// A capture job validates nothing itself (the API hands it a document GS1's
// schema accepted): it maps each event to a ledger operation
// (internal/epcismap, against committed state), has the capturing
// organisation's own identity sign supply/events (at most
// supply.MaxEventsPerTx events per transaction, each applied all or none)
// and waits for the commit. The ledger anchors each event under its CBV 2.0
// event hash; the event itself, as captured (with the document's @context
// carried onto it, an eventID if it had none, and the block time of its
// anchor as its recordTime), is kept here, sealed as records are
// (internal/seal: one data key per transaction's events, wrapped to the
// organisation's age identity) in a blob store, never on the ledger and
// never on disk in the clear. An index of the events' query fields is kept
// in memory, rebuilt from the sealed blobs at start.
//
// Who may capture for an organisation and who may read an event's body are
// the supply module's rules (supply.Keeper.CapturesFor, SeesEventBody);
// what the ledger accepts, the module decides when it executes the events.
// Nothing here runs in consensus.
package epcisrepo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"filippo.io/age"

	"github.com/medchain/medchain/internal/blobstore"
	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/localtx"
	"github.com/medchain/medchain/internal/seal"
)

// Limits of a capture.
const (
	// MaxEvents is the most events one capture takes.
	MaxEvents = 10_000
	// MaxDocument is the largest document one capture takes, in bytes.
	MaxDocument = 16 << 20
	// DefaultPerPage and MaxPerPage bound a query's page (perPage).
	DefaultPerPage = 30
	MaxPerPage     = 1000
	// queueLen is how many capture jobs may wait per organisation.
	queueLen = 64
	// cachedChunks is how many opened transactions' events stay in memory.
	cachedChunks = 256
)

// Custodian is an organisation whose events this node captures and keeps:
// its Signer signs the organisation's supply/events.
type Custodian = localtx.Custodian

// Options configure a Repository.
type Options struct {
	// Dir holds the sealed events, the index of their transactions and
	// the capture jobs.
	Dir string
	// IdentityDir holds the custodians' age identities, one <org>.agekey
	// each (the vault's, so that one identity serves an organisation's
	// records, readings and events).
	IdentityDir string
	Custodians  []Custodian
	App         *chain.App
	Logger      *slog.Logger
	// BlockTime returns the time of a committed block, for events whose
	// transaction committed while the node was down (nil: the last block's
	// time).
	BlockTime func(ctx context.Context, height int64) (time.Time, error)
	// Timeout bounds the wait for one transaction to commit (default 30s).
	Timeout time.Duration
}

// Repository is one node's EPCIS repository.
type Repository struct {
	app       *chain.App
	log       *slog.Logger
	blobs     *blobstore.Store
	chunkDir  string
	jobDir    string
	orgs      map[string]*custodian
	timeout   time.Duration
	blockTime func(ctx context.Context, height int64) (time.Time, error)

	mu      sync.RWMutex
	entries []*entry          // captured events, in capture order
	byHash  map[string]*entry // CBV event hash -> event
	byID    map[string]*entry // eventID -> event (the first captured)
	nextSeq uint64
	jobs    []*Job // in creation order
	jobByID map[string]*Job

	cacheMu sync.Mutex
	cache   map[string][]json.RawMessage // blob -> its events as served
	cached  []string                     // blobs in cache, oldest first

	timesMu sync.Mutex
	times   map[int64]time.Time // recent block heights -> times
	tick    chan struct{}       // closed and replaced at each commit

	done      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
}

type custodian struct {
	org    string
	signer *localtx.Submitter
	ident  *age.X25519Identity
	queue  chan *run
}

// Open opens the repository in opts.Dir, rebuilds the index from the
// sealed events, settles what a stop interrupted, and starts one capture
// worker per organisation. Call Close to stop.
func Open(opts Options) (*Repository, error) {
	if opts.App == nil {
		return nil, errors.New("epcisrepo: Options.App is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	blobs, err := blobstore.Open(filepath.Join(opts.Dir, "blobs"))
	if err != nil {
		return nil, err
	}
	r := &Repository{
		app: opts.App, log: opts.Logger, blobs: blobs,
		chunkDir: filepath.Join(opts.Dir, "transactions"), jobDir: filepath.Join(opts.Dir, "jobs"),
		orgs: map[string]*custodian{}, timeout: opts.Timeout, blockTime: opts.BlockTime,
		byHash: map[string]*entry{}, byID: map[string]*entry{}, jobByID: map[string]*Job{},
		cache: map[string][]json.RawMessage{}, times: map[int64]time.Time{}, tick: make(chan struct{}),
		done: make(chan struct{}),
	}
	for _, d := range []string{r.chunkDir, r.jobDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("epcisrepo: %w", err)
		}
	}
	for _, c := range opts.Custodians {
		if c.Signer == nil {
			return nil, fmt.Errorf("epcisrepo: custodian %s has no Signer", c.Org)
		}
		id, err := seal.LoadOrCreateIdentity(filepath.Join(opts.IdentityDir, c.Org+".agekey"))
		if err != nil {
			return nil, fmt.Errorf("epcisrepo: custodian identity of %s: %w", c.Org, err)
		}
		r.orgs[c.Org] = &custodian{org: c.Org, signer: c.Signer, ident: id, queue: make(chan *run, queueLen)}
	}
	opts.App.Subscribe(r.committed)
	if err := r.load(); err != nil {
		return nil, err
	}
	for _, c := range r.orgs {
		r.wg.Add(1)
		go r.worker(c)
	}
	return r, nil
}

// Orgs lists the organisations whose events this node captures.
func (r *Repository) Orgs() []string {
	out := make([]string, 0, len(r.orgs))
	for o := range r.orgs {
		out = append(out, o)
	}
	slices.Sort(out)
	return out
}

// Holds reports whether this node captures events for org.
func (r *Repository) Holds(org string) bool { return r.orgs[org] != nil }

// Close stops the capture workers once their current transaction is
// settled; jobs still queued end as interrupted.
func (r *Repository) Close() error {
	r.closeOnce.Do(func() {
		close(r.done)
		r.wg.Wait()
	})
	return nil
}

// committed is the app's commit callback (consensus goroutine: it must not
// block): it remembers the block's time, the recordTime of the events it
// anchors.
func (r *Repository) committed(b chain.Block) {
	r.timesMu.Lock()
	defer r.timesMu.Unlock()
	r.times[b.Height] = b.Time.UTC()
	delete(r.times, b.Height-1024)
	close(r.tick)
	r.tick = make(chan struct{})
}

// timeOf is the time of the committed block at height h: from the
// commits this process saw (waiting a little for the one being delivered),
// else from opts.BlockTime, else the last block's.
func (r *Repository) timeOf(ctx context.Context, h int64) time.Time {
	deadline := time.After(2 * time.Second)
	for {
		r.timesMu.Lock()
		t, ok := r.times[h]
		tick := r.tick
		r.timesMu.Unlock()
		if ok {
			return t
		}
		if r.app.Height() > h || !waitable(tick, deadline) {
			break
		}
	}
	if r.blockTime != nil {
		if t, err := r.blockTime(ctx, h); err == nil {
			return t.UTC()
		}
	}
	return r.app.LastBlockTime().UTC()
}

// waitable waits for the next commit; false when the deadline passed.
func waitable(tick <-chan struct{}, deadline <-chan time.Time) bool {
	select {
	case <-tick:
		return true
	case <-deadline:
		return false
	}
}
