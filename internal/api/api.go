// Package api is medchain's HTTP API: JSON under /v1, described by the
// OpenAPI 3.1 document openapi.json (served at /v1/openapi.json), with errors
// as RFC 9457 problem details carrying the chain's stable error codes, plus
// /healthz, /readyz and Prometheus /metrics.
//
// Handlers parse a request, call a module keeper (reading one committed
// snapshot of state) or the CometBFT node, and encode the answer. They hold
// no business rules: whether a transaction is valid, who may do what and
// what a message does are decided by the chain when the transaction is
// checked and executed, never here. The package must not write state, sign
// anything, or start CometBFT; the node package wires it.
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	"github.com/cometbft/cometbft/types"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/medchain/medchain/internal/apiauth"
	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/epcisrepo"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/monitor"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/vault"
)

// Node is what the API needs of CometBFT;
// *github.com/cometbft/cometbft/rpc/client/local.Local satisfies it.
type Node interface {
	Status(ctx context.Context) (*coretypes.ResultStatus, error)
	BroadcastTxSync(ctx context.Context, tx types.Tx) (*coretypes.ResultBroadcastTx, error)
	Tx(ctx context.Context, hash []byte, prove bool) (*coretypes.ResultTx, error)
	Block(ctx context.Context, height *int64) (*coretypes.ResultBlock, error)
	BlockResults(ctx context.Context, height *int64) (*coretypes.ResultBlockResults, error)
}

// Deps are the API's collaborators.
type Deps struct {
	App    *chain.App
	Node   Node
	Logger *slog.Logger
	// Registry receives the API's collectors; /metrics serves it. A nil
	// Registry gets a fresh one.
	Registry *prometheus.Registry
	// Ready returns nil when the node is ready to serve (caught up). Nil
	// means always ready.
	Ready func(ctx context.Context) error
	// Vault is the node's custodian service; nil on a node that keeps no
	// records (the records upload and read endpoints then answer 503).
	Vault *vault.Vault
	// Monitor is the node's monitoring service; nil on a node that keeps
	// no records (the telemetry readings and proof endpoints answer 503).
	Monitor *monitor.Monitor
	// EPCIS is the node's EPCIS repository (the /epcis binding); nil on a
	// node that holds no organisation's identity (its routes answer 503).
	EPCIS *epcisrepo.Repository
	// Reporter records suspect scans as alerts; nil on a node without an
	// identity of its own (scans are then answered but not recorded).
	Reporter Reporter
	// CommitTimeout bounds how long POST /v1/txs waits for a commit
	// (default 15s); past it the answer is 202 with status "pending".
	CommitTimeout time.Duration
	// RateLimit bounds each client IP's requests (zero: no limit); a
	// request over it is answered 429 api.rate_limited with Retry-After.
	RateLimit RateLimit
}

// DefaultCommitTimeout is used when Deps.CommitTimeout is zero.
const DefaultCommitTimeout = 15 * time.Second

// Server is the HTTP API. It implements http.Handler.
type Server struct {
	app           *chain.App
	node          Node
	log           *slog.Logger
	ready         func(context.Context) error
	commitTimeout time.Duration

	mux      *http.ServeMux
	routes   []route
	metrics  *metrics
	waiters  *chain.Waiters
	vault    *vault.Vault
	monitor  *monitor.Monitor
	epcis    *epcisrepo.Repository
	reporter Reporter
	limiter  *limiter // nil: no rate limit
	auth     *apiauth.Authenticator
	// unavailable throttles the log of 503 answers.
	unavailable everySecond
}

// route binds a Go 1.22 ServeMux pattern ("GET /v1/orgs/{id}") to its handler.
type route struct {
	pattern string
	access  access
	handler http.Handler
}

// New builds the API over d. It subscribes to the app's commits to answer
// waiting transaction submissions; call Close to stop.
func New(d Deps) (*Server, error) {
	if d.App == nil || d.Node == nil {
		return nil, errors.New("api: Deps.App and Deps.Node are required")
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	if d.CommitTimeout <= 0 {
		d.CommitTimeout = DefaultCommitTimeout
	}
	m, err := newMetrics(d.Registry)
	if err != nil {
		return nil, err
	}
	s := &Server{
		app: d.App, node: d.Node, log: d.Logger, ready: d.Ready, commitTimeout: d.CommitTimeout,
		mux: http.NewServeMux(), metrics: m, waiters: chain.NewWaiters(), vault: d.Vault, monitor: d.Monitor, epcis: d.EPCIS, reporter: d.Reporter,
		limiter: newLimiter(d.RateLimit), auth: apiauth.New(nil),
	}
	d.App.Subscribe(s.waiters.Committed)

	s.routes = []route{
		{"GET /healthz", open, s.endpoint(s.healthz)},
		{"GET /readyz", open, s.endpoint(s.readyz)},
		{"GET /metrics", open, promhttp.HandlerFor(d.Registry, promhttp.HandlerOpts{ErrorLog: slogPromLogger{d.Logger}})},
		{"GET /v1/openapi.json", open, http.HandlerFunc(serveOpenAPI)},
		{"GET /v1/status", open, s.endpoint(s.status)},
		{"POST /v1/auth/tokens", open, s.endpoint(s.issueToken)},
		{"DELETE /v1/auth/tokens/current", open, s.endpoint(s.revokeToken)},
		{"GET /v1/auth/whoami", keyed, s.endpoint(s.whoami)},
		{"POST /v1/txs", open, s.endpoint(s.submitTx)},
		{"GET /v1/txs/{hash}", either, s.endpoint(s.getTx)},
		{"GET /v1/blocks/latest", open, s.endpoint(s.latestBlock)},
		{"GET /v1/blocks/{height}", open, s.endpoint(s.blockAt)},
		{"GET /v1/orgs", open, s.endpoint(s.listOrgs)},
		{"GET /v1/orgs/{id}", open, s.endpoint(s.getOrg)},
		{"GET /v1/orgs/{id}/members", open, s.endpoint(s.listMembers)},
		{"GET /v1/identities/{id...}", either, s.endpoint(s.getIdentity)},
		{"GET /v1/keys/{public_key}", either, s.endpoint(s.getKey)},
		{"GET /v1/validators", open, s.endpoint(s.listValidators)},
		{"GET /v1/proposals", open, s.endpoint(s.listProposals)},
		{"GET /v1/proposals/{id}", open, s.endpoint(s.getProposal)},
		{"GET /v1/proofs", either, s.endpoint(s.getProof)},
		{"POST /v1/records/uploads", open, s.endpoint(s.uploadRecords)},
		{"POST /v1/records/reads", open, s.endpoint(s.readRecord)},
		{"GET /v1/records/{id}", keyed, s.endpoint(s.getRecord)},
		{"GET /v1/patients/{id}/records", keyed, s.endpoint(s.patientRecords)},
		{"GET /v1/patients/{id}/grants", keyed, s.endpoint(s.patientGrants)},
		{"GET /v1/patients/{id}/delegates", keyed, s.endpoint(s.patientDelegates)},
		{"GET /v1/patients/{id}/access-log", keyed, s.endpoint(s.accessLog(records.ByPatient))},
		{"GET /v1/patients/{id}/break-glass", keyed, s.endpoint(s.breakGlass("patient"))},
		{"GET /v1/orgs/{id}/access-log", keyed, s.endpoint(s.accessLog(records.ByCustodian))},
		{"GET /v1/orgs/{id}/break-glass", keyed, s.endpoint(s.breakGlass("org"))},
		{"GET /v1/orgs/{id}/patients", keyed, s.endpoint(s.orgPatients)},
		{"GET /v1/break-glass/limits", open, s.endpoint(s.breakGlassLimits)},
		{"GET /v1/grants/{id}", keyed, s.endpoint(s.getGrant)},
		{"POST /v1/consents/fhir", open, s.endpoint(s.consentFromFHIR)},
		{"GET /v1/supply/verify", open, s.endpoint(s.verifyScan)},
		{"GET /v1/supply/products/{gtin}", open, s.endpoint(s.getProduct)},
		{"GET /v1/supply/lots/{gtin}/{lot}", open, s.endpoint(s.getLot)},
		{"GET /v1/supply/lots/{gtin}/{lot}/holders", open, s.endpoint(s.lotHolders)},
		{"GET /v1/supply/lots/{gtin}/{lot}/trace", either, s.endpoint(s.lotTrace)},
		{"GET /v1/supply/items/{id...}", open, s.endpoint(s.getItem)},
		{"GET /v1/supply/shipments/{id}", open, s.endpoint(s.getShipment)},
		{"GET /v1/supply/alerts", open, s.endpoint(s.listAlerts)},
		{"GET /v1/supply/events", open, s.endpoint(s.getEvent)},
		{"POST /v1/supply/epcis", open, s.endpoint(s.epcisToEvents)},
		{"GET /v1/supply/donations/{din}", keyed, s.endpoint(s.getDonation)},
		{"GET /v1/supply/lookback/donors/{donor}", keyed, s.endpoint(s.donorLookback)},
		{"GET /v1/supply/lookback/recipients/{id}", keyed, s.endpoint(s.recipientLookback)},
		{"GET /v1/supply/transformations/{id}", open, s.endpoint(s.getTransformation)},
		{"GET /v1/supply/demands", open, s.endpoint(s.listDemands)},
		{"GET /v1/supply/demands/{id}", open, s.endpoint(s.getDemand)},
		{"GET /v1/supply/shortages", open, s.endpoint(s.listShortages)},
		{"GET /v1/donations/campaigns", open, s.endpoint(s.listCampaigns)},
		{"GET /v1/donations/campaigns/{id}", open, s.endpoint(s.getCampaign)},
		{"GET /v1/donations/campaigns/{id}/export", open, s.endpoint(s.exportCampaign)},
		{"GET /v1/donations/needs/{id}", open, s.endpoint(s.getNeed)},
		{"GET /v1/donations/pledges/{id}", either, s.endpoint(s.getPledge)},
		{"GET /v1/donations/donors/{donor}", either, s.endpoint(s.donorDonations)},
		{"GET /v1/pools", open, s.endpoint(s.listPools)},
		{"GET /v1/pools/{id}", open, s.endpoint(s.getPool)},
		{"GET /v1/pools/{id}/periods", open, s.endpoint(s.poolPeriods)},
		{"GET /v1/pools/{id}/claims", keyed, s.endpoint(s.poolClaims)},
		{"GET /v1/pools/{id}/claims/{claim}", keyed, s.endpoint(s.getPoolClaim)},
		{"GET /v1/pools/{id}/statements/{patient}", keyed, s.endpoint(s.memberStatement)},
		{"GET /v1/patients/{id}/pools", keyed, s.endpoint(s.patientPools)},
		{"GET /v1/publichealth/regions", open, s.endpoint(s.listRegions)},
		{"GET /v1/publichealth/series", open, s.endpoint(s.phSeries)},
		{"GET /v1/publichealth/figures", open, s.endpoint(s.phFigure)},
		{"GET /v1/publichealth/totals", open, s.endpoint(s.phTotals)},
		{"GET /v1/publichealth/measurereport", open, s.endpoint(s.phMeasureReport)},
		{"POST /v1/publichealth/measurereport", open, s.endpoint(s.phFromMeasureReport)},
		{"GET /v1/credentials/issuers", open, s.endpoint(s.listIssuers)},
		{"GET /v1/credentials/shc-issuers", open, s.endpoint(s.listSHCIssuers)},
		{"GET /v1/credentials", open, s.endpoint(s.listCredentials)},
		{"GET /v1/credentials/{id}", open, s.endpoint(s.getCredential)},
		{"POST /v1/credentials/verify", open, s.endpoint(s.verifyCredential)},
		{"GET /v1/credentials/status-lists/{org}/{purpose}", open, s.endpoint(s.getStatusList)},
		{"GET /v1/credentials/cases/{id}", keyed, s.endpoint(s.getCase)},
		{"GET /v1/research/studies", open, s.endpoint(s.listStudies)},
		{"GET /v1/research/studies/{id}", open, s.endpoint(s.getStudy)},
		{"GET /v1/research/studies/{id}/releases", open, s.endpoint(s.studyReleases)},
		{"GET /v1/research/studies/{id}/requests", open, s.endpoint(s.studyRequests)},
		{"POST /v1/research/releases", keyed, s.endpoint(s.buildRelease)},
		{"GET /v1/research/releases/{id}", open, s.endpoint(s.getRelease)},
		{"GET /v1/research/releases/{id}/data", keyed, s.endpoint(s.releaseData)},
		{"GET /v1/research/requests/{id}", open, s.endpoint(s.getRequest)},
		{"GET /v1/research/enrolments/{id}", keyed, s.endpoint(s.getEnrolment)},
		{"GET /v1/research/balances/{account}", keyed, s.endpoint(s.researchBalances)},
		{"GET /v1/patients/{id}/enrolments", keyed, s.endpoint(s.patientEnrolments)},
		{"GET /v1/patients/{id}/research-uses", keyed, s.endpoint(s.patientResearchUses)},
		{"GET /v1/orgs/{id}/releasable", keyed, s.endpoint(s.releasable)},
		{"POST /v1/research/consents/fhir", open, s.endpoint(s.researchConsentFromFHIR)},
		{"GET /v1/plans", open, s.endpoint(s.listPlans)},
		{"GET /v1/plans/{id}", open, s.endpoint(s.getPlan)},
		{"GET /v1/plans/{id}/in-force", open, s.endpoint(s.planInForce)},
		{"POST /v1/claims/precheck", either, s.endpoint(s.precheck)},
		{"POST /v1/coverage/fhir", open, s.endpoint(s.coverageFromFHIR)},
		{"GET /v1/coverage/{id}", keyed, s.endpoint(s.getCoverage)},
		{"GET /v1/coverage/{id}/eligibility", keyed, s.endpoint(s.eligibility)},
		{"GET /v1/patients/{id}/coverage", keyed, s.endpoint(s.patientCoverage)},
		{"GET /v1/claims", keyed, s.endpoint(s.listClaims)},
		{"GET /v1/claims/reconciliation", keyed, s.endpoint(s.reconciliation)},
		{"GET /v1/claims/{id}", keyed, s.endpoint(s.getClaim)},
		{"GET /v1/claims/{id}/response", keyed, s.endpoint(s.claimResponse)},
		{"GET /v1/claims/{id}/payment", keyed, s.endpoint(s.claimPayment)},
		{"POST /v1/telemetry/readings", open, s.endpoint(s.postReadings)},
		{"GET /v1/telemetry/devices", keyed, s.endpoint(s.listDevices)},
		{"GET /v1/telemetry/devices/{org}/{handle}", keyed, s.endpoint(s.getDevice)},
		{"GET /v1/telemetry/devices/{org}/{handle}/batches", keyed, s.endpoint(s.deviceBatches)},
		{"GET /v1/telemetry/devices/{org}/{handle}/gaps", keyed, s.endpoint(s.deviceGaps)},
		{"GET /v1/telemetry/devices/{org}/{handle}/readings/{seq}/proof", keyed, s.endpoint(s.proveReading)},
		{"GET /v1/telemetry/rules", open, s.endpoint(s.listRules)},
		{"GET /v1/telemetry/rules/{id}", open, s.endpoint(s.getRule)},
		{"GET /v1/telemetry/alerts", keyed, s.endpoint(s.listTelemetryAlerts)},
		{"GET /v1/telemetry/alerts/{id}", keyed, s.endpoint(s.getTelemetryAlert)},
		{"GET /v1/telemetry/patients/{id}/evidence", keyed, s.endpoint(s.patientEvidence)},
	}
	s.routes = append(s.routes, s.fhirRoutes()...)
	s.routes = append(s.routes, s.epcisRoutes()...)
	for _, r := range s.routes {
		s.mux.Handle(r.pattern, s.guard(r.access, r.handler))
	}
	return s, nil
}

// Close stops answering commit waits: submissions still waiting get 202
// "pending". The app keeps the subscription (it has no unsubscribe), but it
// does nothing once closed.
func (s *Server) Close() error {
	s.waiters.Close()
	return nil
}

// ServeHTTP implements http.Handler: it routes, logs, counts and times the
// request, and turns the mux's own 404 and 405 answers into problems.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	_, pattern := s.mux.Handler(r)
	label := pattern
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.log.Error("api: handler panicked", "route", label, "panic", p)
			if sw.status == 0 {
				s.writeProblem(sw, r, fmt.Errorf("%w: handler panicked", chain.ErrInternal))
			}
		}
		d := time.Since(start)
		s.metrics.observe(label, sw.statusCode(), d)
		lvl := slog.LevelInfo
		if label == "GET /healthz" || label == "GET /readyz" || label == "GET /metrics" {
			lvl = slog.LevelDebug
		}
		s.log.Log(r.Context(), lvl, "http request",
			"method", r.Method, "route", label, "path", r.URL.Path,
			"status", sw.statusCode(), "bytes", sw.bytes, "duration", d, "remote", r.RemoteAddr)
	}()
	if s.limiter != nil {
		if ok, wait := s.limiter.allow(r, start); !ok {
			label = "rate_limited"
			sw.Header().Set("Retry-After", retryAfter(wait))
			s.writeProblem(sw, r, s.limiter.rateLimited(wait))
			return
		}
	}
	if pattern == "" {
		label = "unmatched"
		s.unmatched(sw, r)
		return
	}
	s.mux.ServeHTTP(sw, r)
}

// Guard puts h (the dashboard, which shares the API's server) behind the
// same per-client rate limit and the same request metrics and log, under
// the route label "dashboard": one client cannot flood the node through
// its web pages either.
func (s *Server) Guard(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		label := "dashboard"
		defer func() {
			s.metrics.observe(label, sw.statusCode(), time.Since(start))
			s.log.Debug("http request", "method", r.Method, "route", label, "path", r.URL.Path,
				"status", sw.statusCode(), "bytes", sw.bytes, "duration", time.Since(start), "remote", r.RemoteAddr)
		}()
		if s.limiter != nil {
			if ok, wait := s.limiter.allow(r, start); !ok {
				label = "rate_limited"
				sw.Header().Set("Retry-After", retryAfter(wait))
				s.writeProblem(sw, r, s.limiter.rateLimited(wait))
				return
			}
		}
		h.ServeHTTP(sw, r)
	})
}

// unmatched answers a request no route matches, with the status the mux
// would have used (404, or 405 with Allow) but as a problem.
func (s *Server) unmatched(w http.ResponseWriter, r *http.Request) {
	h, _ := s.mux.Handler(r)
	rec := &headerRecorder{header: http.Header{}}
	h.ServeHTTP(rec, r)
	if rec.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", rec.header.Get("Allow"))
		s.writeProblem(w, r, &apiError{code: codeMethodNotAllowed, kind: kindMethodNotAllowed,
			msg: fmt.Sprintf("method %s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, rec.header.Get("Allow"))})
		return
	}
	s.writeProblem(w, r, &apiError{code: codeNotFound, kind: ledger.KindNotFound,
		msg: fmt.Sprintf("no route for %s %s; see /v1/openapi.json", r.Method, r.URL.Path)})
}

// endpoint adapts a handler that returns an error into an http.Handler that
// writes the error as a problem.
func (s *Server) endpoint(fn func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			s.writeProblem(w, r, err)
		}
	})
}

// patterns lists the routed patterns, for tests that compare them with the
// OpenAPI document.
func (s *Server) patterns() []string {
	out := make([]string, len(s.routes))
	for i, r := range s.routes {
		out[i] = r.pattern
	}
	return out
}

// openAPIPath turns a mux pattern's path into the OpenAPI path template:
// "{id...}" becomes "{id}".
func openAPIPath(path string) string { return strings.ReplaceAll(path, "...}", "}") }

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) statusCode() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// headerRecorder captures what the mux's fallback handler would answer.
type headerRecorder struct {
	header http.Header
	status int
}

func (r *headerRecorder) Header() http.Header         { return r.header }
func (r *headerRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *headerRecorder) WriteHeader(code int)        { r.status = code }

type slogPromLogger struct{ l *slog.Logger }

func (l slogPromLogger) Println(v ...any) { l.l.Error("api: metrics: " + fmt.Sprint(v...)) }
