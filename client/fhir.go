package client

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// The FHIR facade's headers for a record's document (GET /fhir/Binary/{id},
// GET /fhir/Claim/{id}): the reader's signed records/read-request goes in
// FHIRReadRequestHeader, and the ledger receipt of the read, served or
// refused, comes back in FHIRReceiptHeader.
const (
	FHIRReadRequestHeader = "X-Medchain-Read-Request"
	FHIRReceiptHeader     = "X-Medchain-Receipt"
)

// FHIRReadRequest signs req and encodes it for FHIRReadRequestHeader: what
// a FHIR client library (HAPI, fhir-kit-client, a SMART app) sends with its
// read of Binary/{record} or Claim/{claim}. The custodian writes it into
// the read's receipt, so it serves one read: sign one per read.
func (c *Client) FHIRReadRequest(ctx context.Context, s *Signer, req ReadRequest) (string, error) {
	raw, err := c.Build(ctx, s, req)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(raw), nil
}

// FHIRDocument is a record's document as the FHIR facade's Binary answers
// it.
type FHIRDocument struct {
	Record string `json:"id"`
	Meta   struct {
		VersionID   string `json:"versionId"`
		LastUpdated string `json:"lastUpdated"`
	} `json:"meta"`
	ContentType string `json:"contentType"`
	// SecurityContext is the consent the read was served under
	// (Consent/gr-…), or the patient (Patient/pt-…).
	SecurityContext struct {
		Reference string `json:"reference"`
	} `json:"securityContext"`
	// Document is the record's FHIR JSON as its author uploaded it.
	Document []byte `json:"data"`
	// Receipt is the ledger receipt of the read.
	Receipt string `json:"-"`
}

// FHIRRecord reads a record's document through the FHIR facade
// (GET /fhir/Binary/{id}) of this client's node, which must be the
// custodian's: the same consent check and receipt as ReadRecord, but the
// node opens the document, so use it over TLS. A refusal is an *Error with
// the chain's code, and its receipt if one was written.
func (c *Client) FHIRRecord(ctx context.Context, s *Signer, req ReadRequest) (*FHIRDocument, error) {
	h, err := c.FHIRReadRequest(ctx, s, req)
	if err != nil {
		return nil, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/fhir/Binary/"+url.PathEscape(req.Record), nil)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	hr.Header.Set(FHIRReadRequestHeader, h)
	hr.Header.Set("Accept", "application/fhir+json")
	resp, err := c.http.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("client: GET /fhir/Binary/%s: %w", req.Record, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("client: GET /fhir/Binary/%s: %w", req.Record, err)
	}
	if resp.StatusCode >= 400 {
		return nil, problemOf(resp, body)
	}
	var d FHIRDocument
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, fmt.Errorf("client: GET /fhir/Binary/%s: decode response: %w", req.Record, err)
	}
	d.Receipt = resp.Header.Get(FHIRReceiptHeader)
	return &d, nil
}
