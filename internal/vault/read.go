package vault

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/seal"
	"github.com/medchain/medchain/internal/tx"
)

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

// Denied is a refused read: Err says why; Receipt names the receipt of the
// refusal, queued for the ledger's next batch, or is empty when the refusal
// is not receipted (see refuse).
type Denied struct {
	Receipt string
	Err     error
}

func (d *Denied) Error() string {
	if d.Receipt == "" {
		return d.Err.Error()
	}
	return fmt.Sprintf("%v (receipt %s)", d.Err, d.Receipt)
}
func (d *Denied) Unwrap() error { return d.Err }

// Read answers a signed records/read-request. A served read's receipt is
// written to the ledger, and has committed, before the data goes out. A
// refused read's receipt is queued for the next batch (ADR 20), and only
// when the requester is accountable for it (records.Keeper.Accountable:
// a member, the patient or an active delegate) and within its key's limit
// of receipted refusals; any other refusal is answered with its code and
// writes nothing.
func (v *Vault) Read(ctx context.Context, raw []byte) (Served, error) {
	g, err := v.serve(ctx, raw, nil)
	if err != nil {
		return Served{}, err
	}
	defer clear(g.key)
	rc, err := seal.RecipientForEd25519(g.reader)
	if err != nil {
		return Served{}, fmt.Errorf("%w: reader key: %w", records.ErrBadRequest, err)
	}
	toReader, err := seal.Wrap(g.key, rc)
	if err != nil {
		return Served{}, err
	}
	g.served.WrappedKey = toReader
	return g.served, nil
}

// ReadDocument answers a signed records/read-request as Read does, with
// the same consent check and the same receipt on the ledger before
// anything goes out, but answers the document itself, opened on this node
// with the custodian's identity: for a reader whose software cannot
// decrypt (the FHIR facade, ADR 40). The answer's Ciphertext and
// WrappedKey are empty. check, if not nil, runs on a read the ledger
// allows, before its receipt is written: its error refuses the read, and
// nothing is written (it is the caller's mistake, not an access decision).
func (v *Vault) ReadDocument(ctx context.Context, raw []byte, check func(records.Record, records.Version) error) (Served, []byte, error) {
	g, err := v.serve(ctx, raw, check)
	if err != nil {
		return Served{}, nil, err
	}
	defer clear(g.key)
	doc, err := seal.Open(g.served.Ciphertext, g.key)
	if err != nil {
		return Served{}, nil, fmt.Errorf("%w: open %s version %d: %w", records.ErrUnavailable, g.served.Record.ID, g.served.Version.Version, err)
	}
	g.served.Ciphertext = nil
	return g.served, doc, nil
}

// granted is a read the ledger allowed and receipted: what goes out, the
// data key (the caller clears it) and the reader's key.
type granted struct {
	served Served
	key    []byte
	reader ed25519.PublicKey
}

// serve decides a signed read request, writes its receipt, and fetches the
// ciphertext and the data key of a read it allows.
func (v *Vault) serve(ctx context.Context, raw []byte, check func(records.Record, records.Version) error) (granted, error) {
	req, rr, err := admit[records.ReadRequest](v, raw, records.TypeReadRequest, tx.MaxSize)
	if err != nil {
		return granted{}, err
	}
	t := req.t
	// The decision reads the record; it tells whose node keeps it too.
	d := v.app.Records().Authorize(req.view, records.Access{
		Reader: req.signer, Record: rr.Record, Version: rr.Version, Purpose: rr.Purpose,
		BreakGlass: rr.BreakGlass, Now: v.app.LastBlockTime(),
	})
	rec := d.Record
	var c *custodian
	if rec.ID != "" {
		if c = v.orgs[rec.Custodian]; c == nil {
			return granted{}, fmt.Errorf("%w: record %s is held by %s; send the request to its node", records.ErrNotCustodian, rec.ID, rec.Custodian)
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
		return granted{}, fmt.Errorf("%w: this node keeps no records", records.ErrNotCustodian)
	}
	if d.Err != nil {
		return granted{}, v.refuse(req, c, rec.Patient, entry, receipt, d.Err)
	}
	if check != nil {
		if err := check(d.Record, d.Version); err != nil {
			return granted{}, err
		}
	}
	if err := v.writeReceipt(ctx, c, entry); err != nil {
		return granted{}, err
	}
	sum, err := hex.DecodeString(d.Version.Hash)
	if err != nil || len(sum) != 32 {
		return granted{}, fmt.Errorf("%w: anchor of %s has a bad hash", records.ErrUnavailable, rec.ID)
	}
	ct, err := v.blobs.Get([32]byte(sum))
	if err != nil {
		return granted{}, fmt.Errorf("%w: %s version %d: %w", records.ErrUnavailable, rec.ID, d.Version.Version, err)
	}
	wrapped, err := v.blobs.Key([32]byte(sum), "org:"+c.org)
	if err != nil {
		return granted{}, fmt.Errorf("%w: data key of %s: %w", records.ErrUnavailable, rec.ID, err)
	}
	dk, err := seal.Unwrap(wrapped, c.ident)
	if err != nil {
		return granted{}, fmt.Errorf("%w: data key of %s: %w", records.ErrUnavailable, rec.ID, err)
	}
	return granted{
		served: Served{Record: d.Record, Version: d.Version, Ciphertext: ct, Receipt: receipt,
			Basis: d.Basis, Grant: d.Grant, BreakGlass: d.BreakGlass},
		key: dk, reader: ed25519.PublicKey(t.Body.Signer),
	}, nil
}

// writeReceipt signs a receipts transaction for c, submits it and waits for
// it to commit.
func (v *Vault) writeReceipt(ctx context.Context, c *custodian, e records.ReceiptEntry) error {
	if err := v.send(ctx, c, records.TypeReceipts, records.PostReceipts{Receipts: []records.ReceiptEntry{e}}); err != nil {
		return fmt.Errorf("vault: receipt not written, read not served: %w", err)
	}
	return nil
}

// refuse answers a refused read of a record of patient ("" if unknown) and
// decides whether its receipt is queued for c's next batch.
func (v *Vault) refuse(req *request, c *custodian, patient string, e records.ReceiptEntry, receipt string, cause error) error {
	r := v.refusals
	switch {
	case !v.app.Records().Accountable(req.view, req.signer, patient, v.app.LastBlockTime()):
		r.outcomes.WithLabelValues(refusalIneligible).Inc()
	case !r.allow(req.signer.Key.String(), time.Now()):
		r.outcomes.WithLabelValues(refusalRateLimited).Inc()
	case !r.add(c.org, e):
		r.outcomes.WithLabelValues(refusalQueueFull).Inc()
	default:
		r.outcomes.WithLabelValues(refusalQueued).Inc()
		return &Denied{Receipt: receipt, Err: cause}
	}
	return &Denied{Err: cause}
}
