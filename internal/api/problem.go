package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/jsondec"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/vault"
)

// Kinds of error the API itself adds to the chain's (ledger.KindInvalid ...).
const (
	kindTooLarge         ledger.Kind = "too_large"
	kindUnsupportedMedia ledger.Kind = "unsupported_media_type"
	kindMethodNotAllowed ledger.Kind = "method_not_allowed"
	kindUnavailable      ledger.Kind = "unavailable"
	kindRateLimited      ledger.Kind = "rate_limited"
	// kindNotAcceptable: a _format the FHIR facade does not produce.
	kindNotAcceptable ledger.Kind = "not_acceptable"
)

// statusOfKind is THE table from error kinds to HTTP statuses: every problem
// the API writes gets its status here, whether the error came from the
// chain (through ledger.Code.Kind) or from the API itself.
var statusOfKind = map[ledger.Kind]int{
	ledger.KindInvalid:         http.StatusBadRequest,
	ledger.KindUnauthenticated: http.StatusUnauthorized,
	ledger.KindForbidden:       http.StatusForbidden,
	ledger.KindNotFound:        http.StatusNotFound,
	ledger.KindConflict:        http.StatusConflict,
	// The state does not allow the action now (revoking an identity's
	// last key): a conflict with the resource's current state.
	ledger.KindPrecondition: http.StatusConflict,
	ledger.KindGone:         http.StatusGone,
	ledger.KindInternal:     http.StatusInternalServerError,
	kindTooLarge:            http.StatusRequestEntityTooLarge,
	kindUnsupportedMedia:    http.StatusUnsupportedMediaType,
	kindMethodNotAllowed:    http.StatusMethodNotAllowed,
	kindUnavailable:         http.StatusServiceUnavailable,
	kindRateLimited:         http.StatusTooManyRequests,
	kindNotAcceptable:       http.StatusNotAcceptable,
}

func statusOf(kind ledger.Kind) int {
	if s, ok := statusOfKind[kind]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Stable codes of errors that the API itself raises, in the "api" space.
// Chain errors keep the chain's codes ("identity.key_revoked").
const (
	codeInvalidParameter = "api.invalid_parameter"
	codeInvalidBody      = "api.invalid_body"
	codeBodyTooLarge     = "api.body_too_large"
	codeUnsupportedMedia = "api.unsupported_media_type"
	codeNotFound         = "api.not_found"
	codeMethodNotAllowed = "api.method_not_allowed"
	codeNotReady         = "api.not_ready"
	codeNodeUnavailable  = "api.node_unavailable"
	codeMempoolFull      = "api.mempool_full"
	codeNoVault          = "api.no_records_here"
	codeRateLimited      = "api.rate_limited"
)

// apiError is an error raised by the API (a bad parameter, an unknown
// route), with its stable code, kind and, for bad input, the field at fault.
type apiError struct {
	code  string
	kind  ledger.Kind
	field string
	msg   string
}

func (e *apiError) Error() string { return "api: " + e.msg }

func badParam(field, format string, args ...any) *apiError {
	return &apiError{code: codeInvalidParameter, kind: ledger.KindInvalid, field: field,
		msg: fmt.Sprintf("parameter %q: ", field) + fmt.Sprintf(format, args...)}
}

func badBody(field, format string, args ...any) *apiError {
	prefix := "request body: "
	if field != "" {
		prefix = fmt.Sprintf("request body field %q: ", field)
	}
	return &apiError{code: codeInvalidBody, kind: ledger.KindInvalid, field: field, msg: prefix + fmt.Sprintf(format, args...)}
}

// badJSON is a request body that does not decode, said in the body's own
// JSON terms (jsondec); shape is the body expected.
func badJSON(err error, shape string) *apiError {
	var je *jsondec.Error
	if errors.As(err, &je) && je.Path != "" {
		return badBody(je.Path, "%s", je.Msg)
	}
	return badBody("", "%v (expected %s)", jsondec.Explain(nil, err), shape)
}

// unreadable is a request body that could not be read whole: too large,
// cut short, or too slow for the server's read timeout.
func unreadable(err error) *apiError {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &apiError{code: codeBodyTooLarge, kind: kindTooLarge, msg: fmt.Sprintf("request body exceeds %d bytes", mbe.Limit)}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return badBody("", "not received in time (see the server's read_timeout)")
	}
	return badBody("", "the connection ended before the whole body was received")
}

func notFound(format string, args ...any) *apiError {
	return &apiError{code: codeNotFound, kind: ledger.KindNotFound, msg: fmt.Sprintf(format, args...)}
}

func unavailable(code string, err error) *apiError {
	return &apiError{code: code, kind: kindUnavailable, msg: err.Error()}
}

// txError is a transaction the chain refused, in CheckTx or in a block.
type txError struct {
	code   ledger.Code
	log    string
	hash   string
	height int64 // 0: refused by CheckTx
}

func (e *txError) Error() string { return e.log }

// codeOfABCI finds the chain code of an ABCI codespace and number. A code
// the table does not know (a newer node's) keeps its numbers and is treated
// as internal.
func codeOfABCI(space string, number uint32) ledger.Code {
	if c, ok := chain.Lookup(space, number); ok {
		return c
	}
	return ledger.Code{Space: space, Number: number, Name: fmt.Sprintf("code_%d", number), Kind: ledger.KindInternal}
}

// problem is an RFC 9457 problem details object.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Code is the stable error code ("identity.key_revoked"); clients
	// branch on it, never on Detail.
	Code   string `json:"code"`
	Field  string `json:"field,omitempty"`
	TxHash string `json:"tx_hash,omitempty"`
	Height int64  `json:"height,omitempty"`
	// Receipt names the access receipt of a refused read.
	Receipt string `json:"receipt,omitempty"`
}

// problemTypeURI names a problem type by its stable code. It is a URN, not
// a link: there is nothing to fetch.
func problemTypeURI(code string) string { return "urn:medchain:problem:" + code }

// titleOf makes a problem type's fixed title from its code:
// "identity.key_revoked" -> "Key revoked".
func titleOf(code string) string {
	name := code[strings.IndexByte(code, '.')+1:]
	name = strings.ReplaceAll(name, "_", " ")
	if name == "" {
		return "Error"
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

// problemOf builds the problem for err.
func problemOf(err error) problem {
	var (
		ae   *apiError
		te   *txError
		p    problem
		kind ledger.Kind
	)
	if a, ok := authError(err); ok {
		err = a
	}
	switch {
	case errors.As(err, &te):
		p.Code, kind, p.Detail = te.code.ID(), te.code.Kind, te.log
		p.TxHash, p.Height = te.hash, te.height
	case errors.As(err, &ae):
		p.Code, kind, p.Detail, p.Field = ae.code, ae.kind, ae.msg, ae.field
	default:
		// A module's sentinel (governance.ErrNotFound ...) or a real failure:
		// the chain's table decides, and unknown errors are internal.
		c := chain.CodeOf(err)
		p.Code, kind, p.Detail = c.ID(), c.Kind, err.Error()
	}
	var denied *vault.Denied
	if errors.As(err, &denied) {
		p.Receipt = denied.Receipt
	}
	if kind == ledger.KindInternal && te == nil {
		p.Detail = "internal error; the node's log has the details"
	}
	p.Status = statusOf(kind)
	p.Type = problemTypeURI(p.Code)
	p.Title = titleOf(p.Code)
	return p
}

// writeProblem writes err as an application/problem+json response.
func (s *Server) writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	p := problemOf(err)
	switch {
	case p.Code == codeNotReady:
		// Expected while the node starts or catches up; load balancers poll it.
		s.log.Debug("api: not ready", "path", r.URL.Path, "err", err)
	case p.Status == http.StatusServiceUnavailable:
		// The node cannot serve now (catching up, mempool full, no
		// vault): a condition of the node, not a failure of the request,
		// and it comes in floods. A warning, at most once a second.
		if s.unavailable.allow(time.Now()) {
			s.log.Warn("api: unavailable", "method", r.Method, "path", r.URL.Path, "code", p.Code, "err", err,
				"suppressed", s.unavailable.suppressed())
		}
	case p.Status >= 500:
		s.log.Error("api: request failed", "method", r.Method, "path", r.URL.Path, "code", p.Code, "err", err)
	}
	if p.Status == http.StatusUnauthorized {
		// RFC 9110 requires a challenge with 401: the two credentials a
		// private read takes (transactions carry their own signature).
		w.Header().Set("WWW-Authenticate", wwwAuthenticate)
	}
	if isEPCISPath(r.URL.Path) {
		// EPCIS clients read errors as the standard's exceptions.
		writeEPCISProblem(w, r, p)
		return
	}
	if isFHIRPath(r.URL.Path) {
		// FHIR clients read errors as OperationOutcomes; a refused
		// read's receipt goes in the header a served one's does.
		if p.Receipt != "" {
			w.Header().Set(ReceiptHeader, p.Receipt)
		}
		writeJSONType(w, fhirMediaType+"; fhirVersion=4.0", p.Status, operationOutcome(p))
		return
	}
	writeJSONType(w, "application/problem+json", p.Status, p)
}

// everySecond lets one event through a second and counts the others.
type everySecond struct {
	mu      sync.Mutex
	last    time.Time
	dropped int
}

func (e *everySecond) allow(now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if now.Sub(e.last) < time.Second {
		e.dropped++
		return false
	}
	e.last = now
	return true
}

// suppressed returns and resets how many events were held back since the
// last one let through.
func (e *everySecond) suppressed() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := e.dropped
	e.dropped = 0
	return n
}

// writeJSON writes v as an application/json response.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	writeJSONType(w, "application/json", status, v)
	return nil
}

func writeJSONType(w http.ResponseWriter, contentType string, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only a programming error gets here: every response type marshals.
		b = []byte(`{"type":"urn:medchain:problem:chain.internal","title":"Internal","status":500,"code":"chain.internal"}`)
		contentType, status = "application/problem+json", http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// writeRaw writes b, already encoded, as a 200 answer of contentType.
func writeRaw(w http.ResponseWriter, contentType string, b []byte) error {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(b)
	return err
}
