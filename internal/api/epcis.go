package api

// The GS1 EPCIS 2.0 REST binding under /epcis (docs/adr/0037-epcis-rest-binding.md):
// capture of EPCIS documents as asynchronous jobs, signed onto the ledger
// by the capturing organisation's own identity (internal/epcisrepo), and
// queries of the captured events, which the node keeps off chain. Answers
// carry GS1-EPCIS-Version and GS1-CBV-Version; errors are RFC 7807 problems
// of the standard's exception types (epcisException:ValidationException
// ...), still carrying medchain's stable code (writeProblem).

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/medchain/medchain/internal/epcis"
	"github.com/medchain/medchain/internal/epcisrepo"
	"github.com/medchain/medchain/internal/ledger"
)

const (
	// epcisVersion and cbvVersion are the versions this binding speaks.
	epcisVersion = "2.0.0"
	cbvVersion   = "2.0.0"
	// epcisContext is the standard JSON-LD context of EPCIS 2.0 answers.
	epcisContext = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
	// eventHashHeader carries the CBV 2.0 hash of a single event answered,
	// the key of its anchor (GET /v1/proofs?key=sup/e/<hash>).
	eventHashHeader = "Medchain-Event-Hash"
)

// Codes of the binding's own errors.
const (
	codeNoEPCIS          = "api.no_epcis_repository"
	codeNotHeldHere      = "api.not_captured_here"
	codeCaptureLimit     = "api.capture_limit_exceeded"
	codeQueryTooLarge    = "api.query_too_large"
	codeCaptureQueueFull = "api.capture_queue_full"
)

// epcisRoutes are the binding's routes; they are in the OpenAPI document
// like every other.
func (s *Server) epcisRoutes() []route {
	return []route{
		{"GET /epcis", open, s.epcisEndpoint(s.epcisTopLevel)},
		{"POST /epcis/capture", keyed, s.epcisEndpoint(s.epcisCapture)},
		{"GET /epcis/capture", keyed, s.epcisEndpoint(s.epcisJobs)},
		{"GET /epcis/capture/{captureID}", keyed, s.epcisEndpoint(s.epcisJob)},
		{"GET /epcis/events", keyed, s.epcisEndpoint(s.epcisEvents("", ""))},
		{"GET /epcis/events/{eventID}", keyed, s.epcisEndpoint(s.epcisEvent)},
		{"GET /epcis/eventTypes", open, s.epcisEndpoint(s.epcisStatic(eventTypeNames))},
		{"GET /epcis/bizSteps", open, s.epcisEndpoint(s.epcisStatic(func() []string { return epcis.Terms(epcis.VocabBizStep) }))},
		{"GET /epcis/dispositions", open, s.epcisEndpoint(s.epcisStatic(func() []string { return epcis.Terms(epcis.VocabDisposition) }))},
		{"GET /epcis/epcs", keyed, s.epcisEndpoint(s.epcisValues(epcisrepo.ValueEPCs))},
		{"GET /epcis/bizLocations", keyed, s.epcisEndpoint(s.epcisValues(epcisrepo.ValueBizLocations))},
		{"GET /epcis/readPoints", keyed, s.epcisEndpoint(s.epcisValues(epcisrepo.ValueReadPoints))},
		{"GET /epcis/eventTypes/{eventType}/events", keyed, s.epcisEndpoint(s.epcisEvents("eventType", "eventType"))},
		{"GET /epcis/epcs/{epc}/events", keyed, s.epcisEndpoint(s.epcisEvents("epc", "MATCH_anyEPC"))},
		{"GET /epcis/bizSteps/{bizStep}/events", keyed, s.epcisEndpoint(s.epcisEvents("bizStep", "EQ_bizStep"))},
		{"GET /epcis/dispositions/{disposition}/events", keyed, s.epcisEndpoint(s.epcisEvents("disposition", "EQ_disposition"))},
		{"GET /epcis/bizLocations/{bizLocation}/events", keyed, s.epcisEndpoint(s.epcisEvents("bizLocation", "EQ_bizLocation"))},
		{"GET /epcis/readPoints/{readPoint}/events", keyed, s.epcisEndpoint(s.epcisEvents("readPoint", "EQ_readPoint"))},
	}
}

// isEPCISPath reports whether p is the binding's, whose errors are EPCIS
// problems.
func isEPCISPath(p string) bool { return p == "/epcis" || strings.HasPrefix(p, "/epcis/") }

// epcisEndpoint checks the versions and media types the client asks for,
// then runs fn.
func (s *Server) epcisEndpoint(fn func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return s.endpoint(func(w http.ResponseWriter, r *http.Request) error {
		setEPCISHeaders(w)
		if v := r.Header.Get("GS1-EPCIS-Version"); v != "" && !strings.HasPrefix(v, "2.") && v != "2" {
			return &apiError{code: codeUnsupportedMedia, kind: kindNotAcceptable, field: "GS1-EPCIS-Version",
				msg: fmt.Sprintf("GS1-EPCIS-Version %q: this repository speaks EPCIS %s", v, epcisVersion)}
		}
		if v := r.Header.Get("GS1-CBV-Version"); v != "" && !strings.HasPrefix(v, "2.") && !strings.HasPrefix(v, "1.") && v != "2" {
			return &apiError{code: codeUnsupportedMedia, kind: kindNotAcceptable, field: "GS1-CBV-Version",
				msg: fmt.Sprintf("GS1-CBV-Version %q: this repository takes CBV 1.x and 2.x values and answers in CBV %s", v, cbvVersion)}
		}
		if !acceptsJSON(r.Header.Get("Accept")) {
			return &apiError{code: codeUnsupportedMedia, kind: kindNotAcceptable, field: "Accept",
				msg: fmt.Sprintf("Accept %q: this repository answers JSON-LD only (application/ld+json, application/json)", r.Header.Get("Accept"))}
		}
		return fn(w, r)
	})
}

func setEPCISHeaders(w http.ResponseWriter) {
	w.Header().Set("GS1-EPCIS-Version", epcisVersion)
	w.Header().Set("GS1-CBV-Version", cbvVersion)
}

// acceptsJSON reports whether an Accept header takes JSON or JSON-LD.
func acceptsJSON(accept string) bool {
	if strings.TrimSpace(accept) == "" {
		return true
	}
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || params["q"] == "0" {
			continue
		}
		switch mt {
		case "*/*", "application/*", "application/json", "application/ld+json", "application/problem+json":
			return true
		}
	}
	return false
}

// requireEPCIS checks that the node keeps an EPCIS repository.
func (s *Server) requireEPCIS() error {
	if s.epcis == nil {
		return unavailable(codeNoEPCIS, errors.New("this node keeps no EPCIS repository (it holds no organisation's identity)"))
	}
	return nil
}

// collection is the binding's JSON-LD Collection of names or URIs.
type collection struct {
	Context string   `json:"@context"`
	Type    string   `json:"type"`
	Member  []string `json:"member"`
}

func writeCollection(w http.ResponseWriter, member []string) error {
	if member == nil {
		member = []string{}
	}
	return writeJSON(w, http.StatusOK, collection{Context: epcisContext, Type: "Collection", Member: member})
}

// epcisTopLevel handles GET /epcis: the top-level resources served here.
func (s *Server) epcisTopLevel(w http.ResponseWriter, r *http.Request) error {
	return writeCollection(w, []string{"capture", "events", "eventTypes", "epcs", "bizSteps", "bizLocations", "readPoints", "dispositions"})
}

func eventTypeNames() []string {
	out := make([]string, len(epcis.EventTypes))
	for i, t := range epcis.EventTypes {
		out[i] = string(t)
	}
	return out
}

// epcisStatic answers a list the standard fixes (event types, CBV
// business steps and dispositions): the same on every node.
func (s *Server) epcisStatic(list func() []string) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error { return writeCollection(w, list()) }
}

// epcisCapture handles POST /epcis/capture: an EPCISDocument (or
// EPCISQueryDocument) to capture for the caller's organisation, validated
// at once against GS1's schema, captured by a job whose URL the Location
// header gives.
func (s *Server) epcisCapture(w http.ResponseWriter, r *http.Request) error {
	p := caller(r)
	org, err := s.app.Supply().CapturesFor(p)
	if err != nil {
		return err
	}
	if err := s.requireEPCIS(); err != nil {
		return err
	}
	if !s.epcis.Holds(org) {
		return &apiError{code: codeNotHeldHere, kind: ledger.KindForbidden,
			msg: fmt.Sprintf("this node captures EPCIS events for %s, not for %s: capture on %s's own node", strings.Join(s.epcis.Orgs(), ", "), org, org)}
	}
	ct := r.Header.Get("Content-Type")
	if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" && mt != "application/ld+json" {
		return &apiError{code: codeUnsupportedMedia, kind: kindUnsupportedMedia, field: "Content-Type",
			msg: fmt.Sprintf("Content-Type %q: capture takes EPCIS 2.0 JSON-LD (application/ld+json or application/json)", ct)}
	}
	behaviour := epcisrepo.Behaviour(r.Header.Get("GS1-Capture-Error-Behaviour"))
	switch behaviour {
	case "", epcisrepo.Rollback, epcisrepo.Proceed:
	default:
		return &apiError{code: codeInvalidParameter, kind: ledger.KindInvalid, field: "GS1-Capture-Error-Behaviour",
			msg: fmt.Sprintf("header GS1-Capture-Error-Behaviour: must be rollback or proceed, got %q", behaviour)}
	}
	w.Header().Set("GS1-EPCIS-Capture-Limit", strconv.Itoa(epcisrepo.MaxEvents))
	w.Header().Set("GS1-EPCIS-Capture-File-Size-Limit", strconv.Itoa(epcisrepo.MaxDocument))
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, epcisrepo.MaxDocument))
	if err != nil {
		return unreadable(err)
	}
	job, err := s.epcis.Capture(epcisrepo.Request{Org: org, Member: p.ID, Behaviour: behaviour, Document: body})
	switch {
	case errors.Is(err, epcisrepo.ErrTooMany):
		return &apiError{code: codeCaptureLimit, kind: kindTooLarge, msg: strings.TrimPrefix(err.Error(), "epcisrepo: ")}
	case errors.Is(err, epcisrepo.ErrBusy):
		return unavailable(codeCaptureQueueFull, err)
	case err != nil:
		return invalidDocument(err)
	}
	w.Header().Set("GS1-Capture-Error-Behaviour", string(job.Behaviour))
	w.Header().Set("Location", "/epcis/capture/"+job.ID)
	return writeJSON(w, http.StatusAccepted, jobView(job))
}

// captureJobView is a capture job as the binding shows it: its errors as
// EPCIS problems.
type captureJobView struct {
	ID           string            `json:"captureID"`
	CreatedAt    string            `json:"createdAt"`
	FinishedAt   string            `json:"finishedAt,omitempty"`
	Running      bool              `json:"running"`
	Success      bool              `json:"success"`
	Behaviour    string            `json:"captureErrorBehaviour"`
	Errors       []epcisProblem    `json:"errors"`
	Org          string            `json:"org"`
	CapturedBy   string            `json:"capturedBy"`
	Events       int               `json:"events"`
	Captured     int               `json:"captured"`
	Transactions []epcisrepo.JobTx `json:"transactions"`
}

func jobView(j epcisrepo.Job) captureJobView {
	v := captureJobView{ID: j.ID, CreatedAt: j.CreatedAt.UTC().Format(time.RFC3339), Running: j.Running, Success: j.Success,
		Behaviour: string(j.Behaviour), Errors: []epcisProblem{}, Org: j.Org, CapturedBy: j.CapturedBy, Events: j.Events,
		Captured: j.Captured, Transactions: nonNil(j.Transactions)}
	if j.FinishedAt != nil {
		v.FinishedAt = j.FinishedAt.UTC().Format(time.RFC3339)
	}
	for _, e := range j.Errors {
		status := statusOf(e.Kind)
		v.Errors = append(v.Errors, epcisProblem{Type: epcisExceptionOf(status, http.MethodPost, e.Code), Title: epcisTitleOf(status, http.MethodPost, e.Code),
			Status: status, Detail: e.Detail, Code: e.Code, Field: e.Pointer, Event: e.Event})
	}
	return v
}

// jobOf finds a job of the caller's organisation: another's is not found,
// as a job that does not exist.
func (s *Server) jobOf(r *http.Request, id string) (epcisrepo.Job, error) {
	j, ok := s.epcis.Job(id)
	if !ok || j.Org != caller(r).Org {
		return epcisrepo.Job{}, notFound("no capture job %s of %s", id, caller(r).Org)
	}
	return j, nil
}

// epcisJob handles GET /epcis/capture/{captureID}.
func (s *Server) epcisJob(w http.ResponseWriter, r *http.Request) error {
	if err := s.app.Supply().SeesEventBodies(caller(r)); err != nil {
		return err
	}
	if err := s.requireEPCIS(); err != nil {
		return err
	}
	j, err := s.jobOf(r, r.PathValue("captureID"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, jobView(j))
}

// epcisJobs handles GET /epcis/capture: the capture jobs of the caller's
// organisation, newest first, perPage at a time.
func (s *Server) epcisJobs(w http.ResponseWriter, r *http.Request) error {
	if err := s.app.Supply().SeesEventBodies(caller(r)); err != nil {
		return err
	}
	if err := s.requireEPCIS(); err != nil {
		return err
	}
	per, after, err := epcisPage(r.URL.Query(), func(s string) (string, error) {
		if !strings.HasPrefix(s, "cj-") {
			return "", &epcisrepo.ParamError{Param: "nextPageToken", Msg: "is not a token this repository gave (take it from the Link header of the page before)"}
		}
		return s, nil
	})
	if err != nil {
		return err
	}
	jobs, next := s.epcis.Jobs(caller(r).Org, after, per)
	out := make([]captureJobView, 0, len(jobs))
	for _, j := range jobs {
		out = append(out, jobView(j))
	}
	setNextLink(w, r, next)
	return writeJSON(w, http.StatusOK, out)
}

// epcisPage reads perPage and nextPageToken, and refuses any other
// parameter.
func epcisPage(q url.Values, token func(string) (string, error)) (per int, after string, err error) {
	per = epcisrepo.DefaultPerPage
	for k := range q {
		switch k {
		case "perPage":
			n, err := strconv.Atoi(q.Get(k))
			if err != nil || n < 1 || n > epcisrepo.MaxPerPage {
				return 0, "", badParam(k, "must be an integer from 1 to %d, got %q", epcisrepo.MaxPerPage, q.Get(k))
			}
			per = n
		case "nextPageToken":
			if after, err = token(q.Get(k)); err != nil {
				return 0, "", paramError(err)
			}
		default:
			return 0, "", badParam(k, "is not a parameter of this resource (perPage and nextPageToken are)")
		}
	}
	return per, after, nil
}

// setNextLink sets the Link header of a page with a next one: the same
// request with the next page's token.
func setNextLink(w http.ResponseWriter, r *http.Request, next string) {
	if next == "" {
		return
	}
	q := r.URL.Query()
	q.Set("nextPageToken", next)
	w.Header().Set("Link", fmt.Sprintf(`<%s?%s>; rel="next"`, r.URL.EscapedPath(), q.Encode()))
}

// paramError turns the repository's parameter errors into problems.
func paramError(err error) error {
	var pe *epcisrepo.ParamError
	if errors.As(err, &pe) {
		return badParam(pe.Param, "%s", pe.Msg)
	}
	return err
}

// queryDocument is the EPCISQueryDocument of a query's answer.
type queryDocument struct {
	Context       []string     `json:"@context"`
	Type          string       `json:"type"`
	SchemaVersion string       `json:"schemaVersion"`
	CreationDate  string       `json:"creationDate"`
	Body          queryDocBody `json:"epcisBody"`
}

type queryDocBody struct {
	QueryResults struct {
		QueryName   string `json:"queryName"`
		ResultsBody struct {
			EventList []json.RawMessage `json:"eventList"`
		} `json:"resultsBody"`
	} `json:"queryResults"`
}

func writeQueryDocument(w http.ResponseWriter, events []json.RawMessage) error {
	d := queryDocument{Context: []string{epcisContext}, Type: "EPCISQueryDocument", SchemaVersion: "2.0",
		CreationDate: time.Now().UTC().Format("2006-01-02T15:04:05.000Z")}
	d.Body.QueryResults.QueryName = "SimpleEventQuery"
	d.Body.QueryResults.ResultsBody.EventList = nonNil(events)
	return writeJSON(w, http.StatusOK, d)
}

// epcisEvents handles GET /epcis/events and the resources of events by one
// value (GET /epcis/bizSteps/{bizStep}/events ...): pathParam's value is
// the query parameter param.
func (s *Server) epcisEvents(pathParam, param string) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := s.app.Supply().SeesEventBodies(caller(r)); err != nil {
			return err
		}
		if err := s.requireEPCIS(); err != nil {
			return err
		}
		var fixed url.Values
		if pathParam != "" {
			fixed = url.Values{param: {r.PathValue(pathParam)}}
		}
		q, err := epcisrepo.ParseQuery(r.URL.Query(), fixed)
		if err != nil {
			return paramError(err)
		}
		page, err := s.epcis.Query(caller(r), q)
		if errors.Is(err, epcisrepo.ErrQueryTooLarge) {
			return &apiError{code: codeQueryTooLarge, kind: kindTooLarge, field: "maxEventCount", msg: strings.TrimPrefix(err.Error(), "epcisrepo: ")}
		}
		if err != nil {
			return err
		}
		setNextLink(w, r, page.Next)
		return writeQueryDocument(w, page.Events)
	}
}

// epcisEvent handles GET /epcis/events/{eventID}: one event, by its
// eventID or its CBV 2.0 event hash, in an EPCISQueryDocument; the hash
// in the Medchain-Event-Hash header.
func (s *Server) epcisEvent(w http.ResponseWriter, r *http.Request) error {
	if err := s.app.Supply().SeesEventBodies(caller(r)); err != nil {
		return err
	}
	if err := s.requireEPCIS(); err != nil {
		return err
	}
	raw, hash, err := s.epcis.Event(caller(r), r.PathValue("eventID"))
	if errors.Is(err, epcisrepo.ErrNotFound) {
		return notFound("%s", strings.TrimPrefix(err.Error(), "epcisrepo: "))
	}
	if err != nil {
		return err
	}
	w.Header().Set(eventHashHeader, hash)
	return writeQueryDocument(w, []json.RawMessage{raw})
}

// epcisValues handles GET /epcis/epcs, /bizLocations and /readPoints: the
// values of the events the caller may see.
func (s *Server) epcisValues(kind string) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := s.app.Supply().SeesEventBodies(caller(r)); err != nil {
			return err
		}
		if err := s.requireEPCIS(); err != nil {
			return err
		}
		per, after, err := epcisPage(r.URL.Query(), epcisrepo.ParseValueToken)
		if err != nil {
			return err
		}
		vals, next, err := s.epcis.Values(caller(r), kind, after, per)
		if err != nil {
			return err
		}
		if next != "" {
			next = epcisrepo.ValueToken(next)
		}
		setNextLink(w, r, next)
		return writeCollection(w, vals)
	}
}

// epcisProblem is an RFC 7807 problem as EPCIS 2.0 defines its exceptions
// (type "epcisException:<Name>"), with medchain's stable code and the
// field at fault.
type epcisProblem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	Code   string `json:"code"`
	Field  string `json:"field,omitempty"`
	// Event is the index in the document of the event a capture job's
	// error is about.
	Event *int `json:"event,omitempty"`
}

// epcisExceptionOf is the EPCIS exception type of a problem of status,
// for a request of method.
func epcisExceptionOf(status int, method, code string) string {
	name := "ImplementationException"
	switch status {
	case http.StatusBadRequest:
		name = "ValidationException"
		if method == http.MethodGet && code == codeInvalidParameter {
			name = "QueryParameterException"
		}
	case http.StatusUnauthorized, http.StatusForbidden:
		name = "SecurityException"
	case http.StatusNotFound:
		name = "NoSuchResourceException"
	case http.StatusNotAcceptable:
		name = "NotAcceptableException"
	case http.StatusConflict:
		name = "ResourceAlreadyExistsException"
	case http.StatusRequestEntityTooLarge:
		name = "CaptureLimitExceededException"
		if method == http.MethodGet {
			name = "QueryTooLargeException"
		}
	case http.StatusRequestURITooLong:
		name = "URITooLongException"
	case http.StatusUnsupportedMediaType:
		name = "UnsupportedMediaTypeException"
	}
	return "epcisException:" + name
}

// epcisTitleOf is the fixed title of a problem's type.
func epcisTitleOf(status int, method, code string) string {
	switch t := epcisExceptionOf(status, method, code); t {
	case "epcisException:ValidationException":
		return "Invalid EPCIS document or request"
	case "epcisException:QueryParameterException":
		return "Invalid query parameter"
	case "epcisException:SecurityException":
		if status == http.StatusUnauthorized {
			return "Unauthorised request"
		}
		return "Access to resource forbidden"
	case "epcisException:NoSuchResourceException":
		return "Resource not found"
	case "epcisException:NotAcceptableException":
		return "Conflicting request and response headers"
	case "epcisException:ResourceAlreadyExistsException":
		return "A resource with the provided identifier already exists"
	case "epcisException:CaptureLimitExceededException":
		return "Capture payload too large"
	case "epcisException:QueryTooLargeException":
		return "Query result too large"
	case "epcisException:UnsupportedMediaTypeException":
		return "Unsupported media type"
	}
	if status >= 500 && status != http.StatusServiceUnavailable {
		return "A server-side error occurred"
	}
	return titleOf(code)
}

// writeEPCISProblem writes p as the binding's problem.
func writeEPCISProblem(w http.ResponseWriter, r *http.Request, p problem) {
	setEPCISHeaders(w)
	ep := epcisProblem{Type: epcisExceptionOf(p.Status, r.Method, p.Code), Title: epcisTitleOf(p.Status, r.Method, p.Code),
		Status: p.Status, Detail: p.Detail, Code: p.Code, Field: p.Field}
	writeJSONType(w, "application/problem+json", p.Status, ep)
}
