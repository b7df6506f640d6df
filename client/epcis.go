package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// A node's GS1 EPCIS 2.0 REST binding (/epcis): capture an EPCIS document
// for your organisation, which the node signs onto the ledger with your
// organisation's own identity and keeps, and query the events captured
// there. Every call but the standard's fixed lists is private: use a
// client made by As (a member of the capturing organisation, of a trading
// partner the events name by GLN, or of a regulator) or WithToken.

// Capture error behaviours (GS1-Capture-Error-Behaviour).
const (
	// CaptureRollback captures all the events or none (at most 100).
	CaptureRollback = "rollback"
	// CaptureProceed captures every event it can and reports the others.
	CaptureProceed = "proceed"
)

// EPCISCaptureJob is a capture job: running, then its outcome.
type EPCISCaptureJob struct {
	ID         string `json:"captureID"`
	CreatedAt  string `json:"createdAt"`
	FinishedAt string `json:"finishedAt,omitempty"`
	Running    bool   `json:"running"`
	// Success is false once an event failed: in rollback nothing was
	// captured, in proceed the others were.
	Success   bool           `json:"success"`
	Behaviour string         `json:"captureErrorBehaviour"`
	Errors    []EPCISProblem `json:"errors"`
	// Org is the organisation the events were captured for, whose
	// identity on the node signed them; CapturedBy the member who asked.
	Org        string `json:"org"`
	CapturedBy string `json:"capturedBy"`
	// Events is how many events the document held; Captured how many are
	// on the ledger, with their bodies on the node.
	Events       int              `json:"events"`
	Captured     int              `json:"captured"`
	Transactions []EPCISCaptureTx `json:"transactions"`
}

// EPCISCaptureTx is a transaction that anchored some of a job's events.
type EPCISCaptureTx struct {
	Hash   string `json:"hash"`
	Height int64  `json:"height"`
	Events int    `json:"events"`
}

// EPCISProblem is an EPCIS 2.0 exception (RFC 7807) with medchain's
// stable code: an error of a capture job.
type EPCISProblem struct {
	// Type is "epcisException:<Name>" (ValidationException ...).
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	Code   string `json:"code"`
	// Field is the JSON pointer of the event at fault in the document;
	// Event its index.
	Field string `json:"field,omitempty"`
	Event *int   `json:"event,omitempty"`
}

// EPCISEvents is a page of the events a query matched.
type EPCISEvents struct {
	// Document is the node's EPCISQueryDocument, as it sent it.
	Document json.RawMessage
	// Events are the page's events, each as captured, with its recordTime
	// and an eventID (its CBV 2.0 event hash if the capture gave none).
	Events []json.RawMessage
	// NextPageToken asks for the next page (EPCISQuery.NextPageToken); ""
	// on the last.
	NextPageToken string
}

// EPCISQuery is a query of captured events: the EPCIS 2.0 query
// parameters by name (EQ_bizStep, MATCH_epc, GE_eventTime ...), several
// values of one as alternatives.
type EPCISQuery struct {
	Params url.Values
	// PerPage is the page size (0: the node's default, 30).
	PerPage int
	// NextPageToken continues a query where the page before ended.
	NextPageToken string
}

// CaptureEPCIS sends an EPCIS 2.0 document (EPCISDocument or
// EPCISQueryDocument, JSON-LD) to the node's capture endpoint, for the
// caller's organisation; behaviour is CaptureRollback (or "") or
// CaptureProceed. It returns the job as it starts: follow it with
// CaptureJob or WaitCaptureJob. A document GS1's schema refuses is an
// *Error with code supply.invalid_document whose Field is the JSON
// pointer of the first offending value.
func (c *Client) CaptureEPCIS(ctx context.Context, doc []byte, behaviour string) (*EPCISCaptureJob, error) {
	var j EPCISCaptureJob
	if _, _, err := c.epcisDo(withSignedPost(ctx), http.MethodPost, "/epcis/capture", nil, doc, behaviour, &j); err != nil {
		return nil, err
	}
	return &j, nil
}

// CaptureJob reads a capture job of the caller's organisation.
func (c *Client) CaptureJob(ctx context.Context, id string) (*EPCISCaptureJob, error) {
	var j EPCISCaptureJob
	if _, _, err := c.epcisDo(ctx, http.MethodGet, "/epcis/capture/"+url.PathEscape(id), nil, nil, "", &j); err != nil {
		return nil, err
	}
	return &j, nil
}

// WaitCaptureJob polls a capture job every interval (0: 200ms) until it
// ends or ctx does.
func (c *Client) WaitCaptureJob(ctx context.Context, id string, interval time.Duration) (*EPCISCaptureJob, error) {
	if interval <= 0 {
		interval = 200 * time.Millisecond
	}
	for {
		j, err := c.CaptureJob(ctx, id)
		if err != nil || !j.Running {
			return j, err
		}
		select {
		case <-ctx.Done():
			return j, ctx.Err()
		case <-time.After(interval):
		}
	}
}

// QueryEPCIS asks the node for the captured events the caller may see
// that q matches, one page.
func (c *Client) QueryEPCIS(ctx context.Context, q EPCISQuery) (*EPCISEvents, error) {
	params := url.Values{}
	for k, vs := range q.Params {
		params[k] = vs
	}
	if q.PerPage > 0 {
		params.Set("perPage", fmt.Sprint(q.PerPage))
	}
	if q.NextPageToken != "" {
		params.Set("nextPageToken", q.NextPageToken)
	}
	var doc json.RawMessage
	h, _, err := c.epcisDo(ctx, http.MethodGet, "/epcis/events", params, nil, "", &doc)
	if err != nil {
		return nil, err
	}
	out := &EPCISEvents{Document: doc, NextPageToken: nextPageToken(h.Get("Link"))}
	if out.Events, err = queryDocumentEvents(doc); err != nil {
		return nil, err
	}
	return out, nil
}

// EPCISEvent reads one captured event by its eventID or its CBV 2.0 event
// hash, with its hash. The ledger anchors the event under that hash: Proof
// of the key "sup/e/"+hash proves it, and anyone holding the event can
// recompute the hash with GS1's algorithm (medchain supply epcis-hash).
func (c *Client) EPCISEvent(ctx context.Context, id string) (event json.RawMessage, hash string, err error) {
	var doc json.RawMessage
	h, _, err := c.epcisDo(ctx, http.MethodGet, "/epcis/events/"+url.PathEscape(id), nil, nil, "", &doc)
	if err != nil {
		return nil, "", err
	}
	evs, err := queryDocumentEvents(doc)
	if err != nil {
		return nil, "", err
	}
	if len(evs) != 1 {
		return nil, "", fmt.Errorf("client: GET /epcis/events/%s: %d events, not one", id, len(evs))
	}
	return evs[0], h.Get("Medchain-Event-Hash"), nil
}

func queryDocumentEvents(doc json.RawMessage) ([]json.RawMessage, error) {
	var d struct {
		Body struct {
			QueryResults struct {
				ResultsBody struct {
					EventList []json.RawMessage `json:"eventList"`
				} `json:"resultsBody"`
			} `json:"queryResults"`
		} `json:"epcisBody"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("client: an EPCISQueryDocument: %w", err)
	}
	return d.Body.QueryResults.ResultsBody.EventList, nil
}

// nextPageToken is the nextPageToken of a Link header's rel="next" target.
func nextPageToken(link string) string {
	for _, part := range strings.Split(link, ",") {
		target, params, ok := strings.Cut(strings.TrimSpace(part), ";")
		if !ok || !strings.Contains(params, `rel="next"`) {
			continue
		}
		u, err := url.Parse(strings.Trim(strings.TrimSpace(target), "<>"))
		if err == nil {
			return u.Query().Get("nextPageToken")
		}
	}
	return ""
}

// epcisDo is do for the binding: the capture's behaviour header, and the
// answer's headers back.
func (c *Client) epcisDo(ctx context.Context, method, path string, query url.Values, body []byte, behaviour string, out any) (http.Header, int, error) {
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	ctx = withEPCISHeaders(ctx, behaviour)
	resp, b, err := c.send(ctx, method, u, body, contentTypeOf(body))
	if err == nil && resp.StatusCode == http.StatusUnauthorized && c.reader != nil && c.chain.forgetOlderThan(resp.sent) {
		resp, b, err = c.send(ctx, method, u, body, contentTypeOf(body))
	}
	if err != nil {
		return nil, 0, fmt.Errorf("client: %s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 400 {
		return resp.Header, resp.StatusCode, problemOf(resp.Response, b)
	}
	if raw, ok := out.(*json.RawMessage); ok {
		*raw = b
	} else if err := json.Unmarshal(b, out); err != nil {
		return nil, resp.StatusCode, fmt.Errorf("client: %s %s: decode response: %w", method, path, err)
	}
	return resp.Header, resp.StatusCode, nil
}

func contentTypeOf(body []byte) string {
	if body == nil {
		return ""
	}
	return "application/ld+json"
}

type epcisHeadersKey struct{}

// withEPCISHeaders marks a request of the binding: send makes it speak
// EPCIS 2.0 (GS1-EPCIS-Version) with the capture's error behaviour.
func withEPCISHeaders(ctx context.Context, behaviour string) context.Context {
	return context.WithValue(ctx, epcisHeadersKey{}, behaviour)
}

// epcisHeaders sets the binding's request headers on req if ctx asks.
func epcisHeaders(ctx context.Context, req *http.Request) {
	behaviour, ok := ctx.Value(epcisHeadersKey{}).(string)
	if !ok {
		return
	}
	req.Header.Set("GS1-EPCIS-Version", "2.0.0")
	req.Header.Set("Accept", "application/ld+json, application/json, application/problem+json")
	if behaviour != "" {
		req.Header.Set("GS1-Capture-Error-Behaviour", behaviour)
	}
}
