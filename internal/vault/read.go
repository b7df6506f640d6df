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
	req, rr, err := admit[records.ReadRequest](v, raw, records.TypeReadRequest, tx.MaxSize)
	if err != nil {
		return Served{}, err
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
	if d.Err != nil {
		return Served{}, v.refuse(req, c, rec.Patient, entry, receipt, d.Err)
	}
	if err := v.writeReceipt(ctx, c, entry); err != nil {
		return Served{}, err
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
