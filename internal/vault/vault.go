// Package vault is the custodian side of patient records on one node: it
// takes a FHIR document from an author, validates it, encrypts it under a
// fresh data key, keeps the ciphertext in the node's blob store with the data
// key wrapped to the patient and to the custodian organisation, and hands
// back the anchor the author then signs onto the ledger. It serves reads:
// it checks the reader's signed request against committed consent, writes
// the access receipt on the ledger (and waits for it to commit) before it
// answers, and wraps the data key to the reader. When the ledger records an
// erasure of one of its records it shreds the ciphertext and every wrapped
// key.
//
// A node serves the organisations whose custodian identity it holds: a
// member with the custodian role whose key signs the receipts, and an age
// X25519 identity that the data keys are wrapped to.
package vault

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	cmted25519 "github.com/cometbft/cometbft/crypto/ed25519"

	"filippo.io/age"

	"github.com/medchain/medchain/internal/blobstore"
	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/fhirdoc"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/seal"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/tx"
)

// Custodian is an organisation this node keeps records for.
type Custodian struct {
	Org string
	// Key signs the organisation's receipts: the key of a member of Org
	// with the custodian role.
	Key cmted25519.PrivKey
}

// Submitter puts a signed transaction in the mempool (CometBFT's
// broadcast_tx_sync): it returns once CheckTx accepted or refused it.
type Submitter func(ctx context.Context, tx []byte) error

// Options configure a Vault.
type Options struct {
	// Dir holds the blob store and the custodians' age identities.
	Dir        string
	Custodians []Custodian
	App        *chain.App
	Submit     Submitter
	Logger     *slog.Logger
	// ReceiptTimeout bounds how long a read waits for its receipt to
	// commit (default 20s). A read whose receipt does not commit is not
	// served.
	ReceiptTimeout time.Duration
	// UploadTTL is how long an upload may wait for its anchor: a blob no
	// anchor names, stored longer ago than this (in block time), is
	// shredded (default DefaultUploadTTL).
	UploadTTL time.Duration
}

// DefaultUploadTTL is how long an upload waits for its anchor by default.
const DefaultUploadTTL = 24 * time.Hour

// Vault is one node's custodian service.
type Vault struct {
	app     *chain.App
	blobs   *blobstore.Store
	submit  Submitter
	log     *slog.Logger
	orgs    map[string]*custodian
	waiters *chain.Waiters
	timeout time.Duration
	ttl     time.Duration
	// pending holds one empty file per upload not yet seen anchored, named
	// by its ciphertext hash: the sweep looks at these, not the whole store.
	pending string

	mu   sync.Mutex
	seen map[tx.Hash]int64 // signed requests in use, until their expiry height

	shred chan string // hashes to shred, fed from the commit callback
	done  chan struct{}
	wg    sync.WaitGroup
}

type custodian struct {
	org   string
	key   cmted25519.PrivKey
	pub   tx.PubKey
	ident *age.X25519Identity

	mu    sync.Mutex // one receipts transaction at a time per org
	nonce uint64
}

// Open starts the vault over opts.Dir and subscribes it to the app's
// commits. Call Close to stop it.
func Open(opts Options) (*Vault, error) {
	if opts.App == nil || opts.Submit == nil {
		return nil, errors.New("vault: Options.App and Options.Submit are required")
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
	blobs, err := blobstore.Open(filepath.Join(opts.Dir, "blobs"))
	if err != nil {
		return nil, err
	}
	pending := filepath.Join(opts.Dir, "pending")
	if err := os.MkdirAll(pending, 0o700); err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	v := &Vault{
		app: opts.App, blobs: blobs, submit: opts.Submit, log: opts.Logger, orgs: map[string]*custodian{},
		waiters: chain.NewWaiters(), timeout: opts.ReceiptTimeout, ttl: opts.UploadTTL, seen: map[tx.Hash]int64{},
		shred: make(chan string, 1024), done: make(chan struct{}), pending: pending,
	}
	for _, c := range opts.Custodians {
		id, err := seal.LoadOrCreateIdentity(filepath.Join(opts.Dir, "custodians", c.Org+".agekey"))
		if err != nil {
			return nil, fmt.Errorf("vault: custodian identity of %s: %w", c.Org, err)
		}
		// The nonce only has to make this node's receipts distinct; the
		// clock's nanoseconds do that across restarts.
		v.orgs[c.Org] = &custodian{org: c.Org, key: c.Key, pub: tx.PubKey(c.Key.PubKey().Bytes()), ident: id, nonce: uint64(time.Now().UnixNano())}
	}
	opts.App.Subscribe(v.committed)
	v.wg.Add(1)
	go v.shredder()
	return v, nil
}

// Close stops the vault: reads waiting for receipts fail.
func (v *Vault) Close() error {
	v.waiters.Close()
	close(v.done)
	v.wg.Wait()
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

// request is a verified signed request and the committed state it is
// decided on.
type request struct {
	t      *tx.Tx
	view   *state.View
	signer ledger.Principal
}

// admit checks a signed request's envelope against committed state: the
// signature, the chain, its expiry window, that it is not a replay, and who
// signed it.
func (v *Vault) admit(t *tx.Tx, wantType string) (*request, error) {
	if t.Body.Type != wantType {
		return nil, fmt.Errorf("%w: type is %q, not %q", records.ErrBadRequest, t.Body.Type, wantType)
	}
	// The same window as a transaction's, at the next block's height.
	view := v.app.State().Committed()
	if err := chain.CheckWindow(&t.Body, v.app.ChainID(), view.Version()+1, v.app.Params().MaxTxTTL); err != nil {
		return nil, err
	}
	p, err := v.app.Identity().Authenticate(view, t.Body.Signer)
	if err != nil {
		return nil, err
	}
	id := strings.ToLower(t.Hash.String())
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, dup := v.seen[t.Hash]; dup || v.app.Records().HasReceipt(view, id) {
		return nil, fmt.Errorf("%w: request %s was already used; sign a new one", chain.ErrReplay, t.Hash)
	}
	v.seen[t.Hash] = t.Body.Expires
	return &request{t: t, view: view, signer: p}, nil
}

// MaxUpload bounds a signed upload request, document included.
const MaxUpload = 16 << 20

// Uploaded is an encrypted document, stored, waiting for its author to
// anchor it with a records/add transaction.
type Uploaded struct {
	records.Anchor
	Custodian string `json:"custodian"`
	// FullURL and ID name the Bundle entry a split upload came from.
	FullURL string `json:"full_url,omitempty"`
}

// Upload validates, encrypts and stores the FHIR document of a signed
// records/upload request. With Split, each entry of a Bundle becomes its own
// record. The ledger is not touched: the author anchors the result.
func (v *Vault) Upload(_ context.Context, raw []byte) ([]Uploaded, error) {
	t, err := tx.DecodeLimit(raw, MaxUpload)
	if err == nil {
		err = t.Verify()
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", records.ErrBadRequest, err)
	}
	req, err := v.admit(t, records.TypeUpload)
	if err != nil {
		return nil, err
	}
	up, err := ledger.Decode[records.Upload](t.Body.Msg)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", records.ErrBadRequest, err)
	}
	author := req.signer
	if author.Kind != ledger.Member || !author.HasAnyRole(records.AuthorRoles...) {
		return nil, fmt.Errorf("%w: %s may not add records (needs one of the roles %v)", records.ErrUnauthorized, author.ID, records.AuthorRoles)
	}
	c, ok := v.orgs[author.Org]
	if !ok {
		return nil, fmt.Errorf("%w: this node keeps the records of %v, not of %s", records.ErrNotCustodian, v.Orgs(), author.Org)
	}
	keeper := v.app.Records()
	if _, ok := v.app.Identity().Patient(req.view, up.Patient); !ok {
		return nil, fmt.Errorf("%w: patient %q is not registered", records.ErrNotFound, up.Patient)
	}
	supersedes := 0
	if up.Record != "" {
		rec, ok := keeper.Record(req.view, up.Record)
		switch {
		case !ok:
			return nil, fmt.Errorf("%w: %s", records.ErrUnknownRecord, up.Record)
		case rec.Custodian != author.Org:
			return nil, fmt.Errorf("%w: record %s is held by %s", records.ErrUnauthorized, rec.ID, rec.Custodian)
		case rec.Patient != up.Patient:
			return nil, fmt.Errorf("%w: record %s belongs to another patient", records.ErrBadRequest, rec.ID)
		case rec.Status == records.StatusErased:
			return nil, fmt.Errorf("%w: record %s was erased", records.ErrErased, rec.ID)
		}
		if up.Split {
			return nil, fmt.Errorf("%w: a correction replaces one record; split applies to new records only", records.ErrBadRequest)
		}
		supersedes = rec.Latest
	}
	// One validating parse, which splits a Bundle too if asked to.
	var (
		info    fhirdoc.Info
		entries []fhirdoc.Entry
	)
	if up.Split {
		info, entries, err = fhirdoc.ValidateSplit(up.Document)
	} else {
		info, err = fhirdoc.Validate(up.Document)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", records.ErrInvalidDocument, err)
	}
	type doc struct {
		raw            []byte
		types          []string
		fullURL, resID string
	}
	var docs []doc
	if up.Split && info.ResourceType == "Bundle" {
		for _, e := range entries {
			docs = append(docs, doc{raw: e.Resource, types: []string{e.ResourceType}, fullURL: e.FullURL})
		}
	} else {
		docs = append(docs, doc{raw: up.Document, types: info.Types})
	}
	recipients, err := v.patientRecipients(req.view, up.Patient)
	if err != nil {
		return nil, err
	}
	recipients = append(recipients, named{"org:" + c.org, c.ident.Recipient()})
	out := make([]Uploaded, 0, len(docs))
	for _, d := range docs {
		a, err := v.store(d.raw, recipients)
		if err != nil {
			return nil, err
		}
		a.Patient, a.Types, a.Supersedes = up.Patient, d.types, supersedes
		if up.Record != "" {
			a.Record = up.Record
		} else {
			a.Record = records.RecordIDFor(a.Hash)
		}
		out = append(out, Uploaded{Anchor: a, Custodian: c.org, FullURL: d.fullURL})
	}
	v.log.Info("records uploaded", "author", author.ID, "patient", up.Patient, "documents", len(out))
	return out, nil
}

type named struct {
	name string
	r    age.Recipient
}

// patientRecipients are the patient's active keys as age recipients.
func (v *Vault) patientRecipients(r state.Reader, patient string) ([]named, error) {
	var out []named
	for _, k := range v.app.Identity().KeysOf(r, patient) {
		if k.Status != "active" {
			continue
		}
		rc, err := seal.RecipientForEd25519(ed25519.PublicKey(k.PublicKey))
		if err != nil {
			return nil, fmt.Errorf("vault: key of %s: %w", patient, err)
		}
		out = append(out, named{patient + "/" + k.PublicKey.String(), rc})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: patient %s has no active key to wrap the data key to", records.ErrBadRequest, patient)
	}
	return out, nil
}

// store encrypts plaintext under a fresh key, keeps the ciphertext and one
// wrap of the key per recipient, and returns the anchor's hash and size.
func (v *Vault) store(plaintext []byte, to []named) (records.Anchor, error) {
	ct, key, err := seal.Seal(plaintext)
	if err != nil {
		return records.Anchor{}, err
	}
	// Marked pending before it is stored, so that no upload escapes the
	// sweep if its author never anchors it.
	sum := sha256.Sum256(ct)
	if err := os.WriteFile(filepath.Join(v.pending, hex.EncodeToString(sum[:])), nil, 0o600); err != nil {
		return records.Anchor{}, fmt.Errorf("vault: mark upload pending: %w", err)
	}
	if _, err := v.blobs.Put(ct); err != nil {
		return records.Anchor{}, err
	}
	for _, n := range to {
		w, err := seal.Wrap(key, n.r)
		if err != nil {
			return records.Anchor{}, err
		}
		if err := v.blobs.PutKey(sum, n.name, w); err != nil {
			return records.Anchor{}, err
		}
	}
	clear(key)
	return records.Anchor{Hash: hex.EncodeToString(sum[:]), Size: int64(len(ct))}, nil
}

// Served is a read the custodian answered: the ciphertext and its data key
// wrapped to the reader's key.
type Served struct {
	Record     records.Record  `json:"record"`
	Version    records.Version `json:"version"`
	Ciphertext []byte          `json:"ciphertext"`
	WrappedKey []byte          `json:"wrapped_key"`
	Receipt    string          `json:"receipt"`
	Basis      string          `json:"basis"`
	Grant      string          `json:"grant,omitempty"`
	BreakGlass string          `json:"break_glass,omitempty"`
}

// Denied is a refused read: Err says why, Receipt names the receipt of the
// refusal on the ledger.
type Denied struct {
	Receipt string
	Err     error
}

func (d *Denied) Error() string { return fmt.Sprintf("%v (receipt %s)", d.Err, d.Receipt) }
func (d *Denied) Unwrap() error { return d.Err }

// Read answers a signed records/read-request. Every decision on a record
// this node keeps, granted or denied, is written to the ledger as a receipt
// before the answer goes out.
func (v *Vault) Read(ctx context.Context, raw []byte) (Served, error) {
	t, rr, err := records.DecodeReadRequest(raw, v.app.ChainID())
	if err != nil {
		return Served{}, err
	}
	req, err := v.admit(t, records.TypeReadRequest)
	if err != nil {
		return Served{}, err
	}
	// The decision reads the record; it tells whose node keeps it too.
	d := v.app.Records().Authorize(req.view, records.Access{
		Reader: req.signer, Record: rr.Record, Version: rr.Version, Purpose: rr.Purpose,
		BreakGlass: rr.BreakGlass, Now: v.app.LastBlockTime(),
	})
	rec := d.Record
	var c *custodian
	if rec.ID != "" {
		if c = v.orgs[rec.Custodian]; c == nil {
			return Served{}, fmt.Errorf("%w: record %s is held by %s; send the request to its node", records.ErrNotCustodian, rec.ID, rec.Custodian)
		}
	} else if c = v.orgs[req.signer.Org]; c == nil {
		// An unknown record: the refusal is receipted by the first
		// organisation this node serves.
		for _, o := range v.Orgs() {
			c = v.orgs[o]
			break
		}
	}
	entry := records.ReceiptEntry{Request: raw, CheckedAt: req.view.Version()}
	if d.Err != nil {
		entry.Outcome, entry.Denial = records.Denied, chain.CodeOf(d.Err).ID()
	} else {
		entry.Outcome, entry.Version, entry.Basis, entry.Grant = records.Granted, d.Version.Version, d.Basis, d.Grant
	}
	receipt := strings.ToLower(t.Hash.String())
	if c == nil {
		return Served{}, fmt.Errorf("%w: this node keeps no records", records.ErrNotCustodian)
	}
	if err := v.writeReceipt(ctx, c, entry); err != nil {
		return Served{}, err
	}
	if d.Err != nil {
		return Served{}, &Denied{Receipt: receipt, Err: d.Err}
	}
	sum, err := hex.DecodeString(d.Version.Hash)
	if err != nil || len(sum) != 32 {
		return Served{}, fmt.Errorf("%w: anchor of %s has a bad hash", records.ErrUnavailable, rec.ID)
	}
	ct, err := v.blobs.Get([32]byte(sum))
	if err != nil {
		return Served{}, fmt.Errorf("%w: %s version %d: %w", records.ErrUnavailable, rec.ID, d.Version.Version, err)
	}
	wrapped, err := v.blobs.Key([32]byte(sum), "org:"+c.org)
	if err != nil {
		return Served{}, fmt.Errorf("%w: data key of %s: %w", records.ErrUnavailable, rec.ID, err)
	}
	dk, err := seal.Unwrap(wrapped, c.ident)
	if err != nil {
		return Served{}, fmt.Errorf("%w: data key of %s: %w", records.ErrUnavailable, rec.ID, err)
	}
	defer clear(dk)
	rc, err := seal.RecipientForEd25519(ed25519.PublicKey(t.Body.Signer))
	if err != nil {
		return Served{}, fmt.Errorf("%w: reader key: %w", records.ErrBadRequest, err)
	}
	toReader, err := seal.Wrap(dk, rc)
	if err != nil {
		return Served{}, err
	}
	return Served{Record: d.Record, Version: d.Version, Ciphertext: ct, WrappedKey: toReader, Receipt: receipt,
		Basis: d.Basis, Grant: d.Grant, BreakGlass: d.BreakGlass}, nil
}

// writeReceipt signs a receipts transaction for c, submits it and waits for
// it to commit.
func (v *Vault) writeReceipt(ctx context.Context, c *custodian, e records.ReceiptEntry) error {
	if err := v.send(ctx, c, records.TypeReceipts, records.PostReceipts{Receipts: []records.ReceiptEntry{e}}); err != nil {
		return fmt.Errorf("vault: receipt %w, read not served", err)
	}
	return nil
}

// send signs a transaction of c's custodian identity, submits it and waits
// for it to commit.
func (v *Vault) send(ctx context.Context, c *custodian, typ string, m any) error {
	c.mu.Lock()
	c.nonce++
	nonce := c.nonce
	c.mu.Unlock()
	msg, err := json.Marshal(m)
	if err != nil {
		return err
	}
	next := v.app.State().Committed().Version() + 1
	raw, err := tx.Sign(c.key, tx.Body{ChainID: v.app.ChainID(), Signer: c.pub, Nonce: nonce,
		Expires: next + min(v.app.Params().MaxTxTTL, 50), Type: typ, Msg: msg})
	if err != nil {
		return err
	}
	hash := tx.HashOf(raw)
	done, cancel := v.waiters.Add(hash)
	defer cancel()
	if err := v.submit(ctx, raw); err != nil {
		return fmt.Errorf("not accepted: %w", err)
	}
	ctx, stop := context.WithTimeout(ctx, v.timeout)
	defer stop()
	select {
	case o := <-done:
		if o.Result.Code.Number != 0 {
			return fmt.Errorf("refused by the ledger (%s: %s)", o.Result.Code.ID(), o.Result.Log)
		}
		return nil
	case <-v.waiters.Stopped():
		return errors.New("not committed: shutting down")
	case <-ctx.Done():
		return fmt.Errorf("did not commit in time: %w", ctx.Err())
	}
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
				if ctx.Err() != nil {
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
// block). It wakes receipt waiters, forgets expired requests, and queues the
// shredding of records erased in this block.
func (v *Vault) committed(b chain.Block) {
	v.waiters.Committed(b)
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

func (v *Vault) shredder() {
	defer v.wg.Done()
	sweep := time.NewTicker(min(v.ttl/4, time.Hour))
	defer sweep.Stop()
	for {
		select {
		case <-v.done:
			return
		case id := <-v.shred:
			v.shredRecord(id)
		case <-sweep.C:
			if _, err := v.Sweep(v.app.LastBlockTime()); err != nil {
				v.log.Error("vault: sweep of unanchored uploads failed", "err", err)
			}
		}
	}
}

// Sweep shreds the uploads that no anchor names and that were stored more
// than the upload TTL before now, and returns how many. The node passes the
// last block's time as now, not the clock: a node catching up after a
// stop has an old block time, so it cannot take an upload whose anchor it
// has not applied yet for an abandoned one.
func (v *Vault) Sweep(now time.Time) (int, error) {
	view := v.app.State().Committed()
	keeper := v.app.Records()
	cutoff := now.Add(-v.ttl)
	entries, err := os.ReadDir(v.pending)
	if err != nil {
		return 0, fmt.Errorf("vault: sweep: %w", err)
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		sum, herr := hex.DecodeString(name)
		if herr != nil || len(sum) != 32 {
			continue // not ours
		}
		marker := filepath.Join(v.pending, name)
		if _, ok := keeper.ByHash(view, name); ok {
			os.Remove(marker) // anchored: no longer pending
			continue
		}
		fi, ierr := e.Info()
		if ierr != nil || !fi.ModTime().Before(cutoff) {
			continue
		}
		if err = v.blobs.Shred([32]byte(sum)); err != nil {
			break
		}
		os.Remove(marker)
		n++
	}
	if n > 0 {
		v.log.Info("vault: shredded uploads never anchored", "count", n, "stored_before", cutoff.UTC().Format(time.RFC3339))
	}
	return n, err
}

// shredRecord destroys the ciphertexts and wrapped keys of an erased record
// this node keeps.
func (v *Vault) shredRecord(id string) {
	view := v.app.State().Committed()
	rec, ok := v.app.Records().Record(view, id)
	if !ok || rec.Erasure == nil || v.orgs[rec.Custodian] == nil {
		return
	}
	for _, h := range rec.Erasure.Hashes {
		sum, err := hex.DecodeString(h)
		if err != nil || len(sum) != 32 {
			continue
		}
		if err := v.blobs.Shred([32]byte(sum)); err != nil {
			v.log.Error("vault: shred failed", "record", id, "hash", h, "err", err)
			continue
		}
	}
	v.log.Info("record shredded", "record", id, "versions", len(rec.Erasure.Hashes), "reason", rec.Erasure.Reason)
}

// Reconcile shreds what the ledger says is erased but the blob store still
// holds (an erasure committed while the node was down, or a full queue).
// The node calls it at start.
func (v *Vault) Reconcile() error {
	view := v.app.State().Committed()
	keeper := v.app.Records()
	var erased []string
	err := v.blobs.Walk(func(sum [32]byte, _ int64) error {
		ref, ok := keeper.ByHash(view, hex.EncodeToString(sum[:]))
		if !ok {
			return nil // not anchored (yet): an upload waiting for its author
		}
		if rec, ok := keeper.Record(view, ref.Record); ok && rec.Status == records.StatusErased && !slices.Contains(erased, rec.ID) {
			erased = append(erased, rec.ID)
		}
		return nil
	})
	for _, id := range erased {
		v.shredRecord(id)
	}
	return err
}
