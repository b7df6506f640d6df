package vault

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"filippo.io/age"

	"github.com/medchain/medchain/internal/fhirdoc"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/seal"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/tx"
)

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
