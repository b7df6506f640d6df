package client

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/medchain/medchain/internal/seal"
)

// Uploaded is a document the custodian's node encrypted and stored; its
// author anchors it with AddRecords.
type Uploaded struct {
	Anchor
	Custodian string `json:"custodian"`
	FullURL   string `json:"full_url,omitempty"`
}

// RecordInfo is a record's head and every version's anchor.
type RecordInfo struct {
	Record
	// CustodianEndpoint is the API base URL the custodian published
	// (records/set-endpoint); empty if it published none.
	CustodianEndpoint string          `json:"custodian_endpoint,omitempty"`
	Versions          []RecordVersion `json:"versions"`
}

// ReadResult is a record read and decrypted.
type ReadResult struct {
	Record     Record        `json:"record"`
	Version    RecordVersion `json:"version"`
	Receipt    string        `json:"receipt"`
	Basis      string        `json:"basis"`
	Grant      string        `json:"grant,omitempty"`
	BreakGlass string        `json:"break_glass,omitempty"`
	// Document is the plaintext: exactly the bytes the author uploaded.
	Document []byte `json:"-"`
}

// BreakGlassWindow is a break-glass window as the API lists it.
type BreakGlassWindow struct {
	BreakGlass
	// Open says whether the window is open at the latest block.
	Open bool `json:"open"`
	// OpenedAt and ExpiresAt are Opened and Expires as times.
	OpenedAt  time.Time `json:"opened_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

type signedRequest struct {
	Request string `json:"request"`
}

// signed posts a request signed by s with the transaction envelope.
func (c *Client) signed(ctx context.Context, s *Signer, path string, msg Msg, out any) (int, error) {
	raw, err := c.Build(ctx, s, msg)
	if err != nil {
		return 0, err
	}
	body, err := json.Marshal(signedRequest{Request: base64.StdEncoding.EncodeToString(raw)})
	if err != nil {
		return 0, err
	}
	return c.do(ctx, http.MethodPost, path, nil, body, "application/json", out)
}

// Upload sends a FHIR document to the node of the signer's organisation,
// which validates, encrypts and stores it. Nothing is on the ledger until
// the author anchors the result (AddRecord does both).
func (c *Client) Upload(ctx context.Context, s *Signer, up Upload) ([]Uploaded, error) {
	var out struct {
		Uploads []Uploaded `json:"uploads"`
	}
	if _, err := c.signed(ctx, s, "/v1/records/uploads", up, &out); err != nil {
		return nil, err
	}
	return out.Uploads, nil
}

// Anchor signs and submits the anchors of uploaded documents, at most
// MaxAnchorsPerTx per transaction, and waits for each to commit.
// progress, if not nil, is called with the number anchored so far.
func (c *Client) Anchor(ctx context.Context, s *Signer, ups []Uploaded, progress func(done int)) error {
	for i := 0; i < len(ups); i += MaxAnchorsPerTx {
		end := min(i+MaxAnchorsPerTx, len(ups))
		msg := AddRecords{}
		for _, u := range ups[i:end] {
			msg.Anchors = append(msg.Anchors, u.Anchor)
		}
		if _, err := c.Send(ctx, s, msg); err != nil {
			return fmt.Errorf("anchor records %d-%d: %w", i, end-1, err)
		}
		if progress != nil {
			progress(end)
		}
	}
	return nil
}

// AddRecord uploads a FHIR resource (or Bundle) for patient and anchors it:
// a new record, or with record set, a new version of that record. It
// returns what the ledger now holds.
func (c *Client) AddRecord(ctx context.Context, s *Signer, patient, record string, resource []byte) (*Uploaded, error) {
	ups, err := c.Upload(ctx, s, Upload{Patient: patient, Record: record, Document: resource})
	if err != nil {
		return nil, err
	}
	if len(ups) != 1 {
		return nil, fmt.Errorf("client: the node returned %d uploads for one document", len(ups))
	}
	if err := c.Anchor(ctx, s, ups, nil); err != nil {
		return nil, err
	}
	return &ups[0], nil
}

// ReadRecord asks the custodian's node for a record (req.Version 0: the
// latest) and decrypts it with the signer's key. A refusal is an *Error
// whose code says why (records.no_grant, records.grant_revoked,
// records.erased ...); it is on the ledger as a receipt too. If this
// client's node does not keep the record and its custodian published an
// endpoint (records/set-endpoint), a new request goes there.
func (c *Client) ReadRecord(ctx context.Context, s *Signer, req ReadRequest) (*ReadResult, error) {
	r, err := c.readRecord(ctx, s, req)
	if !IsCode(err, CodeRecordsNotCustodian) {
		return r, err
	}
	// Another organisation keeps the record: send a new request to the
	// endpoint it published on the ledger, if any.
	info, ierr := c.As(s).RecordInfo(ctx, req.Record)
	if ierr != nil {
		// The reader may not even see where the record is kept (no grant,
		// no break-glass window): that is its answer, not "wrong node".
		return nil, ierr
	}
	if info.CustodianEndpoint == "" || strings.TrimRight(info.CustodianEndpoint, "/") == c.base {
		return nil, err
	}
	there := New(info.CustodianEndpoint, WithHTTPClient(c.http), WithTTL(c.ttl))
	return there.readRecord(ctx, s, req)
}

func (c *Client) readRecord(ctx context.Context, s *Signer, req ReadRequest) (*ReadResult, error) {
	var out struct {
		ReadResult
		Ciphertext []byte `json:"ciphertext"`
		WrappedKey []byte `json:"wrapped_key"`
	}
	if _, err := c.signed(ctx, s, "/v1/records/reads", req, &out); err != nil {
		return nil, err
	}
	id, err := seal.IdentityForEd25519(s.key)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	key, err := seal.Unwrap(out.WrappedKey, id)
	if err != nil {
		return nil, fmt.Errorf("client: unwrap the data key: %w", err)
	}
	doc, err := seal.Open(out.Ciphertext, key)
	if err != nil {
		return nil, fmt.Errorf("client: decrypt %s: %w", out.Record.ID, err)
	}
	sum := sha256.Sum256(out.Ciphertext)
	if got := hex.EncodeToString(sum[:]); got != out.Version.Hash {
		return nil, fmt.Errorf("client: ciphertext of %s hashes to %s, the ledger anchors %s", out.Record.ID, got, out.Version.Hash)
	}
	r := out.ReadResult
	r.Document = doc
	return &r, nil
}

// RecordInfo reads a record's anchors (never its data). The read must be
// signed (As) or carry a token (WithToken) of someone entitled to the
// patient's records.
func (c *Client) RecordInfo(ctx context.Context, id string) (*RecordInfo, error) {
	return fetch[RecordInfo](ctx, c, "/v1/records/"+url.PathEscape(id), nil)
}

// PatientRecords lists the patient's records the caller may see: private,
// sign the read with As (or use WithToken).
func (c *Client) PatientRecords(ctx context.Context, patient, after string, limit int) (*Page[Record], error) {
	return fetch[Page[Record]](ctx, c, "/v1/patients/"+url.PathEscape(patient)+"/records", pageQuery(after, limit))
}

// Grants lists a patient's consent grants, active and revoked. Private:
// the patient and their delegates (As or WithToken).
func (c *Client) Grants(ctx context.Context, patient string) (*Page[Grant], error) {
	return fetch[Page[Grant]](ctx, c, "/v1/patients/"+url.PathEscape(patient)+"/grants", nil)
}

// Grant reads one grant. Private: the patient, their delegates and the
// members it names (As or WithToken).
func (c *Client) Grant(ctx context.Context, id string) (*Grant, error) {
	return fetch[Grant](ctx, c, "/v1/grants/"+url.PathEscape(id), nil)
}

// GrantFHIR exports a grant as a FHIR R4 Consent. Private, as Grant.
func (c *Client) GrantFHIR(ctx context.Context, id string) (json.RawMessage, error) {
	var raw json.RawMessage
	err := c.get(ctx, "/v1/grants/"+url.PathEscape(id), url.Values{"format": {"fhir"}}, &raw)
	return raw, err
}

// ConsentFromFHIR maps a FHIR R4 Consent to the grant message a patient
// signs (nothing is written). Consents that do not map are refused with a
// records.invalid_document error naming the element.
func (c *Client) ConsentFromFHIR(ctx context.Context, consent []byte) (*GrantConsent, error) {
	var out struct {
		Msg GrantConsent `json:"msg"`
	}
	if _, err := c.do(ctx, http.MethodPost, "/v1/consents/fhir", nil, consent, "application/fhir+json", &out); err != nil {
		return nil, err
	}
	return &out.Msg, nil
}

// Delegates lists who may act for a patient. Private: the patient and
// their delegates (As or WithToken).
func (c *Client) Delegates(ctx context.Context, patient string) (*Page[Delegation], error) {
	return fetch[Page[Delegation]](ctx, c, "/v1/patients/"+url.PathEscape(patient)+"/delegates", nil)
}

// AccessLog lists the receipts of every read of a patient's records.
// Private: the patient and their delegates (As or WithToken).
func (c *Client) AccessLog(ctx context.Context, patient, after string, limit int) (*Page[Receipt], error) {
	return fetch[Page[Receipt]](ctx, c, "/v1/patients/"+url.PathEscape(patient)+"/access-log", pageQuery(after, limit))
}

// OrgAccessLog lists the receipts of reads an organisation's node served or
// refused: what its privacy officer reviews. Private: the organisation's
// privacy officers and auditors (As or WithToken).
func (c *Client) OrgAccessLog(ctx context.Context, org, after string, limit int) (*Page[Receipt], error) {
	return fetch[Page[Receipt]](ctx, c, "/v1/orgs/"+url.PathEscape(org)+"/access-log", pageQuery(after, limit))
}

// OrgPatients lists the patients who granted org, a role within it or one
// of its members access, by patient ID, paged after the patient ID after:
// each with those grants active at the latest block (not revoked, started,
// not expired), those that cover the caller (to them, to the organisation,
// to a role they hold; all, to its admins, privacy officers and auditors).
// Private: the organisation's active members (As or WithToken); anyone else
// gets a CodeNotEntitled error.
func (c *Client) OrgPatients(ctx context.Context, org, after string, limit int) (*Page[GrantingPatient], error) {
	return fetch[Page[GrantingPatient]](ctx, c, "/v1/orgs/"+url.PathEscape(org)+"/patients", pageQuery(after, limit))
}

// BreakGlassWindows lists the break-glass windows opened on a patient's
// records (by "patient") or by an organisation's clinicians (by "org").
// Private: the patient and their delegates, or the organisation's privacy
// officers and auditors (As or WithToken).
func (c *Client) BreakGlassWindows(ctx context.Context, by, id string) (*Page[BreakGlassWindow], error) {
	switch by {
	case "patient":
		return fetch[Page[BreakGlassWindow]](ctx, c, "/v1/patients/"+url.PathEscape(id)+"/break-glass", nil)
	case "org":
		return fetch[Page[BreakGlassWindow]](ctx, c, "/v1/orgs/"+url.PathEscape(id)+"/break-glass", nil)
	}
	return nil, errors.New("client: BreakGlassWindows by \"patient\" or \"org\"")
}

// UnreviewedBreakGlass lists the break-glass windows of an organisation's
// clinicians that none of its privacy officers has reviewed yet
// (ReviewBreakGlass), oldest first, paged by window ID. Private, as
// BreakGlassWindows by "org".
func (c *Client) UnreviewedBreakGlass(ctx context.Context, org, after string, limit int) (*Page[BreakGlassWindow], error) {
	q := pageQuery(after, limit)
	q.Set("unreviewed", "true")
	return fetch[Page[BreakGlassWindow]](ctx, c, "/v1/orgs/"+url.PathEscape(org)+"/break-glass", q)
}

// BreakGlassLimits reads the limits on break-glass windows in force.
func (c *Client) BreakGlassLimits(ctx context.Context) (*BreakGlassLimits, error) {
	return fetch[BreakGlassLimits](ctx, c, "/v1/break-glass/limits", nil)
}
