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
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/seal"
	"github.com/medchain/medchain/internal/state"
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
// record. Each anchor is checked as records/add will check it
// (records.CheckAnchor) before anything is stored, so an upload the ledger
// would refuse is refused here with the same code. The ledger is not
// touched: the author anchors the result.
func (v *Vault) Upload(_ context.Context, raw []byte) ([]Uploaded, error) {
	req, up, err := admit[records.Upload](v, raw, records.TypeUpload, MaxUpload)
	if err != nil {
		return nil, err
	}
	author := req.signer
	// Before the document is parsed; the anchor check applies it again.
	if err := records.CheckAuthor(author); err != nil {
		return nil, err
	}
	c, ok := v.orgs[author.Org]
	if !ok {
		return nil, fmt.Errorf("%w: this node keeps the records of %v, not of %s", records.ErrNotCustodian, v.Orgs(), author.Org)
	}
	keeper := v.app.Records()
	supersedes := 0
	if up.Record != "" {
		// A correction supersedes the record's latest version. A record
		// that does not exist has none: naming version 1 lets the anchor
		// check refuse it as records/add would, as an unknown record.
		supersedes = 1
		if rec, ok := keeper.Record(req.view, up.Record); ok {
			supersedes = rec.Latest
		}
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
		raw     []byte
		types   []string
		fullURL string
	}
	var docs []doc
	if up.Split && info.ResourceType == "Bundle" {
		for _, e := range entries {
			docs = append(docs, doc{raw: e.Resource, types: []string{e.ResourceType}, fullURL: e.FullURL})
		}
	} else {
		docs = append(docs, doc{raw: up.Document, types: info.Types})
	}
	// Every document is encrypted and its anchor checked before any is
	// stored: a refused upload leaves nothing behind.
	out := make([]Uploaded, 0, len(docs))
	var sealed []sealedDoc
	defer func() {
		for _, s := range sealed {
			clear(s.key)
		}
	}()
	for _, d := range docs {
		ct, key, err := seal.Seal(d.raw)
		if err != nil {
			return nil, err
		}
		sd := sealedDoc{ct: ct, key: key, sum: sha256.Sum256(ct)}
		sealed = append(sealed, sd)
		a := records.Anchor{Record: up.Record, Patient: up.Patient, Types: d.types, Hash: hex.EncodeToString(sd.sum[:]),
			Size: int64(len(ct)), Supersedes: supersedes}
		if a.Record == "" {
			a.Record = records.RecordIDFor(a.Hash)
		}
		if _, err := keeper.CheckAnchor(req.view, author, &a); err != nil {
			return nil, err
		}
		out = append(out, Uploaded{Anchor: a, Custodian: c.org, FullURL: d.fullURL})
	}
	recipients, err := v.patientRecipients(req.view, up.Patient)
	if err != nil {
		return nil, err
	}
	recipients = append(recipients, named{"org:" + c.org, c.ident.Recipient()})
	for _, s := range sealed {
		if err := v.store(s, recipients); err != nil {
			return nil, err
		}
	}
	v.log.Info("records uploaded", "author", author.ID, "patient", up.Patient, "documents", len(out))
	return out, nil
}

// sealedDoc is a document encrypted under its data key.
type sealedDoc struct {
	ct, key []byte
	sum     [32]byte // of ct
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

// store keeps a sealed document's ciphertext and one wrap of its data key
// per recipient.
func (v *Vault) store(s sealedDoc, to []named) error {
	// Marked pending before it is stored, so that no upload escapes the
	// sweep if its author never anchors it.
	if err := os.WriteFile(filepath.Join(v.pending, hex.EncodeToString(s.sum[:])), nil, 0o600); err != nil {
		return fmt.Errorf("vault: mark upload pending: %w", err)
	}
	if _, err := v.blobs.Put(s.ct); err != nil {
		return err
	}
	for _, n := range to {
		w, err := seal.Wrap(s.key, n.r)
		if err != nil {
			return err
		}
		if err := v.blobs.PutKey(s.sum, n.name, w); err != nil {
			return err
		}
	}
	return nil
}
