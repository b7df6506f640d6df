// Package vault is the custodian side of patient records on one node: it
// takes a FHIR document from an author, validates it, encrypts it under a
// fresh data key, keeps the ciphertext in the node's blob store with the data
// key wrapped to the patient and to the custodian organisation, and hands
// back the anchor the author then signs onto the ledger. It serves reads:
// it checks the reader's signed request against committed consent, writes
// the access receipt on the ledger (and waits for it to commit) before it
// answers, and wraps the data key to the reader. The receipts of refused
// reads are written in batches, and only for requesters accountable for
// them, within a limit per key (receipts.go, ADR 20). When the ledger records an
// erasure of one of its records it shreds the ciphertext and every wrapped
// key.
//
// A node serves the organisations whose custodian identity it holds: a
// member with the custodian role whose key signs the receipts, and an age
// X25519 identity that the data keys are wrapped to.
package vault

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"filippo.io/age"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/medchain/medchain/internal/blobstore"
	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/localtx"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/seal"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/tx"
)

// Custodian is an organisation this node keeps records for: its Signer
// signs the organisation's receipts and endpoint announcements.
type Custodian = localtx.Custodian

// Options configure a Vault.
type Options struct {
	// Dir holds the blob store and the custodians' age identities.
	Dir        string
	Custodians []Custodian
	App        *chain.App
	Logger     *slog.Logger
	// ReceiptTimeout bounds how long a read waits for its receipt to
	// commit, and an endpoint announcement for its transaction (default
	// 20s). A read whose receipt does not commit is not served.
	ReceiptTimeout time.Duration
	// UploadTTL is how long an upload may wait for its anchor: a blob no
	// anchor names, stored longer ago than this (in block time), is
	// shredded (default DefaultUploadTTL).
	UploadTTL time.Duration

	// RefusalFlush is how often the receipts of refused reads are written
	// in a batch (default DefaultRefusalFlush); a full batch
	// (MaxReceiptsPerTx) is written at once.
	RefusalFlush time.Duration
	// RefusalLimit is how many refused reads of one requester key are
	// receipted per RefusalPeriod (defaults DefaultRefusalLimit,
	// DefaultRefusalPeriod); the key's further refusals are answered
	// without a receipt.
	RefusalLimit  int
	RefusalPeriod time.Duration
	// Registry receives the vault's collectors (nil: none).
	Registry prometheus.Registerer
}

// DefaultUploadTTL is how long an upload waits for its anchor by default.
const DefaultUploadTTL = 24 * time.Hour

// Vault is one node's custodian service.
type Vault struct {
	app     *chain.App
	blobs   *blobstore.Store
	log     *slog.Logger
	orgs    map[string]*custodian
	timeout time.Duration
	ttl     time.Duration
	// dir is Options.Dir: research data sets are kept under releases/.
	dir string
	// pending holds one empty file per upload not yet seen anchored, named
	// by its ciphertext hash: the sweep looks at these, not the whole store.
	pending string

	mu   sync.Mutex
	seen map[tx.Hash]int64 // signed requests in use, until their expiry height

	refusals  *refusals // receipts of refused reads, batched
	closeOnce sync.Once

	shred chan string // hashes to shred, fed from the commit callback
	done  chan struct{}
	wg    sync.WaitGroup
}

type custodian struct {
	org    string
	signer *localtx.Submitter
	ident  *age.X25519Identity
}

// Open starts the vault over opts.Dir and subscribes it to the app's
// commits. Call Close to stop it.
func Open(opts Options) (*Vault, error) {
	if opts.App == nil {
		return nil, errors.New("vault: Options.App is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.ReceiptTimeout <= 0 {
		opts.ReceiptTimeout = 20 * time.Second
	}
	if opts.UploadTTL <= 0 {
		opts.UploadTTL = DefaultUploadTTL
	}
	if opts.RefusalFlush <= 0 {
		opts.RefusalFlush = DefaultRefusalFlush
	}
	if opts.RefusalLimit <= 0 {
		opts.RefusalLimit = DefaultRefusalLimit
	}
	if opts.RefusalPeriod <= 0 {
		opts.RefusalPeriod = DefaultRefusalPeriod
	}
	blobs, err := blobstore.Open(filepath.Join(opts.Dir, "blobs"))
	if err != nil {
		return nil, err
	}
	pending := filepath.Join(opts.Dir, "pending")
	if err := os.MkdirAll(pending, 0o700); err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	v := &Vault{
		app: opts.App, blobs: blobs, log: opts.Logger, orgs: map[string]*custodian{},
		timeout: opts.ReceiptTimeout, ttl: opts.UploadTTL, seen: map[tx.Hash]int64{},
		shred: make(chan string, 1024), done: make(chan struct{}), pending: pending, dir: opts.Dir,
	}
	for _, c := range opts.Custodians {
		if c.Signer == nil {
			return nil, fmt.Errorf("vault: custodian %s has no Signer", c.Org)
		}
		id, err := seal.LoadOrCreateIdentity(filepath.Join(opts.Dir, "custodians", c.Org+".agekey"))
		if err != nil {
			return nil, fmt.Errorf("vault: custodian identity of %s: %w", c.Org, err)
		}
		v.orgs[c.Org] = &custodian{org: c.Org, signer: c.Signer, ident: id}
	}
	if v.refusals, err = newRefusals(v, opts); err != nil {
		return nil, err
	}
	opts.App.Subscribe(v.committed)
	v.wg.Add(2)
	go v.shredder()
	go func() {
		defer v.wg.Done()
		v.refusals.run(v.done)
	}()
	return v, nil
}

// Close stops the vault's background work (shredding, announcements,
// batches of receipts) and tries, at most the receipt timeout, to write the
// receipts of refused reads still pending; those it cannot write are
// logged and counted as lost (the node flushes them with FlushRefusals
// before it stops following its transactions). Reads waiting for their
// receipts end when the node closes the waiters of the custodians'
// Signers.
func (v *Vault) Close() error {
	v.closeOnce.Do(func() {
		close(v.done)
		v.wg.Wait()
		v.refusals.flush(context.Background())
	})
	return nil
}

// Orgs lists the organisations this node is custodian for.
func (v *Vault) Orgs() []string {
	out := make([]string, 0, len(v.orgs))
	for o := range v.orgs {
		out = append(out, o)
	}
	sort.Strings(out)
	return out
}

// Blobs is the node's blob store (for maintenance and tests).
func (v *Vault) Blobs() *blobstore.Store { return v.blobs }

// request is an admitted signed request and the committed state it is
// decided on.
type request struct {
	t      *tx.Tx
	view   *state.View
	signer ledger.Principal
}

// admit is the one admission of the signed requests this node takes (read
// requests and uploads), for every path that takes one: it decodes the
// envelope of at most limit bytes, checks the signature, the type and the
// message (records.DecodeRequest), the chain and the validity window as the
// chain checks a transaction's (chain.CheckWindow, at the next block's
// height), authenticates the signer against committed state, and refuses a
// request already used, here or in a receipt on the ledger.
func admit[M any](v *Vault, raw []byte, typ string, limit int) (*request, M, error) {
	var zero M
	t, m, err := records.DecodeRequest[M](raw, typ, limit)
	if err != nil {
		return nil, zero, err
	}
	view := v.app.State().Committed()
	if err := chain.CheckWindow(&t.Body, v.app.ChainID(), view.Version()+1, v.app.Params().MaxTxTTL); err != nil {
		return nil, zero, err
	}
	p, err := v.app.Identity().Authenticate(view, t.Body.Signer)
	if err != nil {
		return nil, zero, err
	}
	id := strings.ToLower(t.Hash.String())
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, dup := v.seen[t.Hash]; dup || v.app.Records().HasReceipt(view, id) {
		return nil, zero, fmt.Errorf("%w: request %s was already used; sign a new one", chain.ErrReplay, t.Hash)
	}
	v.seen[t.Hash] = t.Body.Expires
	return &request{t: t, view: view, signer: p}, m, nil
}

// send signs a transaction of c's custodian identity, submits it and waits,
// at most the receipt timeout, for it to commit.
func (v *Vault) send(ctx context.Context, c *custodian, typ string, m any) error {
	ctx, stop := context.WithTimeout(ctx, v.timeout)
	defer stop()
	_, err := c.signer.Send(ctx, typ, m)
	return err
}

// Announce publishes url as the records endpoint of every organisation this
// node keeps records for whose published endpoint differs (records/
// set-endpoint, signed by its custodian identity), so that readers of other
// organisations find this node. It runs in the background: it waits until
// ready reports the node ready, and retries a failed publication a few
// times.
func (v *Vault) Announce(url string, ready func(context.Context) error) {
	url = strings.TrimRight(url, "/")
	v.wg.Add(1)
	go func() {
		defer v.wg.Done()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			select {
			case <-v.done:
				cancel()
			case <-ctx.Done():
			}
		}()
		wait := func(d time.Duration) bool {
			select {
			case <-ctx.Done():
				return false
			case <-time.After(d):
				return true
			}
		}
		for ready(ctx) != nil {
			if !wait(500 * time.Millisecond) {
				return
			}
		}
		for _, org := range v.Orgs() {
			c := v.orgs[org]
			for attempt := 1; ; attempt++ {
				if e, ok := v.app.Records().Endpoint(v.app.State().Committed(), org); ok && e.URL == url {
					break
				}
				err := v.send(ctx, c, records.TypeEndpoint, records.SetEndpoint{URL: url})
				if err == nil {
					v.log.Info("vault: records endpoint published", "org", org, "url", url)
					break
				}
				if ctx.Err() != nil || errors.Is(err, localtx.ErrStopped) {
					return
				}
				v.log.Warn("vault: records endpoint not published", "org", org, "url", url, "attempt", attempt, "err", err)
				if attempt == 5 || !wait(time.Duration(attempt)*5*time.Second) {
					break
				}
			}
		}
	}()
}

// committed is the app's commit callback (consensus goroutine: it must not
// block). It forgets expired requests and queues the shredding of records
// erased in this block.
func (v *Vault) committed(b chain.Block) {
	v.mu.Lock()
	for h, exp := range v.seen {
		if exp < b.Height {
			delete(v.seen, h)
		}
	}
	v.mu.Unlock()
	for _, r := range b.Results {
		if r.Type != records.TypeErase || r.Code.Number != 0 {
			continue
		}
		t, err := tx.Decode(r.Raw)
		if err != nil {
			continue
		}
		m, err := ledger.Decode[records.Erase](t.Body.Msg)
		if err != nil {
			continue
		}
		select {
		case v.shred <- m.Record:
		default:
			v.log.Error("vault: shred queue full; the record is shredded at the next start", "record", m.Record)
		}
	}
}
