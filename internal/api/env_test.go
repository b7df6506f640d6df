package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/cometbft/cometbft/rpc/client/local"

	"github.com/medchain/medchain/internal/api"
	"github.com/medchain/medchain/internal/api/apitest"
	"github.com/medchain/medchain/internal/monitor"
	"github.com/medchain/medchain/internal/vault"
)

// The node package passes CometBFT's in-process client as the Node.
var _ api.Node = (*local.Local)(nil)

var (
	specOnce   sync.Once
	spec       *openapi3.T
	specRouter routers.Router
	specErr    error
)

// loadSpec loads and validates openapi.json once. kin-openapi validates
// OpenAPI 3.1 documents and, for 3.1, checks instances with a JSON Schema
// 2020-12 validator; what it does not check of 3.1 (some keywords such as
// contentEncoding are annotations only) is not checked here either.
func loadSpec(t *testing.T) (*openapi3.T, routers.Router) {
	t.Helper()
	specOnce.Do(func() {
		loader := openapi3.NewLoader()
		spec, specErr = loader.LoadFromData(api.OpenAPIDocument())
		if specErr != nil {
			return
		}
		if specErr = spec.Validate(context.Background()); specErr != nil {
			return
		}
		// The document's server is "/", the node that serves it: match
		// requests by path on the test's server, whatever its address.
		routed := *spec
		routed.Servers = nil
		specRouter, specErr = legacy.NewRouter(&routed)
	})
	if specErr != nil {
		t.Fatalf("openapi.json: %v", specErr)
	}
	return spec, specRouter
}

// env is a running harness whose every response is checked against
// openapi.json.
type env struct {
	t *testing.T
	h *apitest.Harness
	// vault is the custodian service of newRecordsEnv (nil otherwise).
	vault *vault.Vault
	// monitor is newRecordsEnv's monitoring service, beside the vault.
	monitor *monitor.Monitor
}

func newEnv(t *testing.T, opts apitest.Options) *env {
	t.Helper()
	loadSpec(t)
	h, err := apitest.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return &env{t: t, h: h}
}

// do sends a request and validates the response against the document.
func (e *env) do(method, path, contentType string, body []byte) (*http.Response, []byte) {
	e.t.Helper()
	return e.doAs("", method, path, contentType, body)
}

// doAs is do signed as the harness key of signer (a signed auth/read
// request for exactly this method and request target); "" sends no
// credential.
func (e *env) doAs(signer, method, path, contentType string, body []byte) (*http.Response, []byte) {
	e.t.Helper()
	return e.doWith(method, path, contentType, body, func(req *http.Request) {
		if signer != "" {
			req.Header.Set("Authorization", e.authorization(signer, req))
		}
	})
}

// authorization is the Authorization header of a signed request for req by
// the harness key of signer.
func (e *env) authorization(signer string, req *http.Request) string {
	e.t.Helper()
	a, err := e.h.Authorization(signer, req.Method, req.URL.RequestURI())
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// doWith sends a request that prepare may change (its headers) and
// validates the response against the document.
func (e *env) doWith(method, path, contentType string, body []byte, prepare func(*http.Request)) (*http.Response, []byte) {
	e.t.Helper()
	return e.doRouted(method, path, "", contentType, body, prepare)
}

// doRouted is doWith for a path the document's router cannot match as
// sent (an item ID's escaped slashes: the router matches on the decoded
// path): the answer is validated as if the request were for docPath ("":
// path).
func (e *env) doRouted(method, path, docPath, contentType string, body []byte, prepare func(*http.Request)) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.h.URL+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	prepare(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	if docPath != "" {
		req = req.Clone(req.Context())
		req.URL.Path, req.URL.RawPath = docPath, ""
	}
	e.validate(req, resp, b)
	return resp, b
}

func (e *env) validate(req *http.Request, resp *http.Response, body []byte) {
	e.t.Helper()
	_, router := loadSpec(e.t)
	route, params, err := router.FindRoute(req)
	if err != nil && strings.HasPrefix(req.URL.Path, "/v1/identities/") {
		// A member ID "org/handle" sent with a literal slash: the document
		// has one path segment ({id}), the server accepts both forms.
		r2 := req.Clone(req.Context())
		r2.URL.Path, r2.URL.RawPath = "/v1/identities/x", ""
		route, params, err = router.FindRoute(r2)
	}
	if err != nil {
		// Not a documented route: the answer must still be a problem (an
		// OperationOutcome under /fhir).
		if strings.HasPrefix(req.URL.Path, "/fhir/") {
			e.checkSchema(resp, body, "application/fhir+json", "FHIROperationOutcome")
			return
		}
		if strings.HasPrefix(req.URL.Path, "/epcis/") {
			e.checkSchema(resp, body, "application/problem+json", "EPCISProblem")
			return
		}
		e.checkProblemBody(resp, body)
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		e.t.Errorf("%s %s -> %d does not match openapi.json: %v\nbody: %s", req.Method, req.URL, resp.StatusCode, err, body)
		return
	}
	record(route, resp, body)
}

func (e *env) checkProblemBody(resp *http.Response, body []byte) {
	e.t.Helper()
	e.checkSchema(resp, body, "application/problem+json", "Problem")
}

// checkSchema checks an undocumented route's answer: its media type, and
// its body against the document's schema of that name.
func (e *env) checkSchema(resp *http.Response, body []byte, mediaType, schema string) {
	e.t.Helper()
	doc, _ := loadSpec(e.t)
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != mediaType {
		e.t.Errorf("undocumented response is %s, not %s: %s", mt, mediaType, body)
		return
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		e.t.Errorf("%s is not JSON: %v", schema, err)
		return
	}
	if err := doc.Components.Schemas[schema].Value.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
		e.t.Errorf("answer does not match the %s schema: %v\n%s", schema, err, body)
	}
}

// get fetches path, wants status want, and decodes the body into out.
func (e *env) get(path string, want int, out any) []byte {
	e.t.Helper()
	return e.getAs("", path, want, out)
}

// getAs is get signed as the harness key of signer ("": anonymous).
func (e *env) getAs(signer, path string, want int, out any) []byte {
	e.t.Helper()
	resp, body := e.doAs(signer, http.MethodGet, path, "", nil)
	if resp.StatusCode != want {
		e.t.Fatalf("GET %s as %q: status %d, want %d: %s", path, signer, resp.StatusCode, want, body)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			e.t.Fatalf("GET %s: decode: %v\n%s", path, err, body)
		}
	}
	return body
}

// submit posts raw as a JSON submission with ?wait=.
func (e *env) submit(raw []byte, wait string) (*http.Response, []byte) {
	e.t.Helper()
	body, _ := json.Marshal(map[string]string{"tx": base64.StdEncoding.EncodeToString(raw)})
	path := "/v1/txs"
	if wait != "" {
		path += "?wait=" + wait
	}
	return e.do(http.MethodPost, path, "application/json", body)
}

// sign signs a message with the harness key of signer.
func (e *env) sign(signer, typ string, msg any) []byte {
	e.t.Helper()
	raw, err := e.h.Sign(signer, typ, msg)
	if err != nil {
		e.t.Fatal(err)
	}
	return raw
}

// ok submits a transaction in commit mode and wants it committed.
func (e *env) ok(signer, typ string, msg any) submitted {
	e.t.Helper()
	resp, body := e.submit(e.sign(signer, typ, msg), "")
	var s submitted
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &s) != nil || s.Status != "committed" {
		e.t.Fatalf("%s by %s: %d %s", typ, signer, resp.StatusCode, body)
	}
	return s
}

type submitted struct {
	Hash   string          `json:"hash"`
	Status string          `json:"status"`
	Height int64           `json:"height"`
	Index  *uint32         `json:"index"`
	Code   *uint32         `json:"code"`
	Result json.RawMessage `json:"result"`
}

type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
	Field  string `json:"field"`
	TxHash string `json:"tx_hash"`
	Height int64  `json:"height"`
}

// wantProblem decodes a problem response and checks its status and code.
func wantProblem(t *testing.T, resp *http.Response, body []byte, status int, code string) problem {
	t.Helper()
	var p problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("not a problem: %v: %s", err, body)
	}
	if resp.StatusCode != status || p.Status != status || p.Code != code {
		t.Fatalf("got %d %s, want %d %s: %s", resp.StatusCode, p.Code, status, code, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q", ct)
	}
	return p
}
