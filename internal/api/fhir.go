package api

// The FHIR R4 facade under /fhir: what the ledger holds, as the FHIR
// resources a HAPI client or a SMART app asks for, through the same
// entitlement checks as the /v1 routes. Read and search-type for Consent
// (from grants), MeasureReport (public-health figures), ResearchStudy and
// Device (monitoring devices) and ClaimResponse (adjudications, rebuilt
// from the ledger), Coverage and DocumentReference (what the ledger
// anchors of a record); search-type for AuditEvent (access receipts); read
// for VerificationResult (a credentialing case's primary-source checks),
// and for Binary and Claim (a record's document, through the custodian's
// consent check: fhir_records.go); GET /fhir/metadata says exactly that. Answers are application/fhir+json;
// errors are OperationOutcomes (writeProblem); searches answer searchset
// Bundles paged with _count and _cursor.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/claimcheck"
	"github.com/medchain/medchain/internal/claims"
	"github.com/medchain/medchain/internal/credentials"
	"github.com/medchain/medchain/internal/fhirdoc"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/research"
	"github.com/medchain/medchain/internal/telemetry"
)

const (
	fhirMediaType = "application/fhir+json"
	// fhirDefaultCount and fhirMaxCount bound a search page (_count).
	fhirDefaultCount = 20
	fhirMaxCount     = 100
	// capabilityDate is when the facade's capabilities last changed.
	capabilityDate = "2026-12-07"
)

// fhirRoutes are the facade's routes; they are in the OpenAPI document
// like every other.
func (s *Server) fhirRoutes() []route {
	return []route{
		{"GET /fhir/metadata", open, s.fhirEndpoint(s.fhirMetadata)},
		{"GET /fhir/Consent", keyed, s.fhirEndpoint(s.fhirSearchConsent)},
		{"GET /fhir/Consent/{id}", keyed, s.fhirEndpoint(s.fhirReadConsent)},
		{"GET /fhir/MeasureReport", open, s.fhirEndpoint(s.fhirSearchMeasureReport)},
		{"GET /fhir/MeasureReport/{id}", open, s.fhirEndpoint(s.fhirReadMeasureReport)},
		{"GET /fhir/ResearchStudy", open, s.fhirEndpoint(s.fhirSearchResearchStudy)},
		{"GET /fhir/ResearchStudy/{id}", open, s.fhirEndpoint(s.fhirReadResearchStudy)},
		{"GET /fhir/Device", keyed, s.fhirEndpoint(s.fhirSearchDevice)},
		{"GET /fhir/Device/{id}", keyed, s.fhirEndpoint(s.fhirReadDevice)},
		{"GET /fhir/AuditEvent", keyed, s.fhirEndpoint(s.fhirSearchAuditEvent)},
		{"GET /fhir/ClaimResponse", keyed, s.fhirEndpoint(s.fhirSearchClaimResponse)},
		{"GET /fhir/Coverage", keyed, s.fhirEndpoint(s.fhirSearchCoverage)},
		{"GET /fhir/Coverage/{id}", keyed, s.fhirEndpoint(s.fhirReadCoverage)},
		{"GET /fhir/ClaimResponse/{id}", keyed, s.fhirEndpoint(s.fhirReadClaimResponse)},
		{"GET /fhir/VerificationResult/{id}", keyed, s.fhirEndpoint(s.fhirReadVerificationResult)},
		{"GET /fhir/DocumentReference", keyed, s.fhirEndpoint(s.fhirSearchDocumentReference)},
		{"GET /fhir/DocumentReference/{id}", keyed, s.fhirEndpoint(s.fhirReadDocumentReference)},
		{"GET /fhir/Binary/{id}", open, s.fhirEndpoint(s.fhirReadBinary)},
		{"GET /fhir/Claim/{id}", open, s.fhirEndpoint(s.fhirReadClaim)},
	}
}

// isFHIRPath reports whether p is the facade's, whose errors are
// OperationOutcomes.
func isFHIRPath(p string) bool { return p == "/fhir" || strings.HasPrefix(p, "/fhir/") }

// fhirEndpoint checks _format, then runs fn.
func (s *Server) fhirEndpoint(fn func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return s.endpoint(func(w http.ResponseWriter, r *http.Request) error {
		switch f := r.URL.Query().Get("_format"); f {
		case "", "json", "application/json", fhirMediaType:
		default:
			return &apiError{code: codeUnsupportedMedia, kind: kindNotAcceptable, field: "_format",
				msg: fmt.Sprintf("_format %q: this server answers FHIR JSON only (json, application/fhir+json)", f)}
		}
		return fn(w, r)
	})
}

func writeFHIR(w http.ResponseWriter, status int, v any) error {
	writeJSONType(w, fhirMediaType+"; fhirVersion=4.0", status, v)
	return nil
}

func writeFHIRRaw(w http.ResponseWriter, raw []byte) error {
	return writeRaw(w, fhirMediaType+"; fhirVersion=4.0", raw)
}

// fhirBase is the facade's base URL as the client reached it.
func fhirBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/fhir"
}

// fhirMetadata answers GET /fhir/metadata: a CapabilityStatement of what
// the facade supports, and nothing else.
func (s *Server) fhirMetadata(w http.ResponseWriter, r *http.Request) error {
	page := []map[string]any{
		{"name": "_count", "type": "number", "documentation": fmt.Sprintf("results per page, 1 to %d (default %d)", fhirMaxCount, fhirDefaultCount)},
		{"name": "_cursor", "type": "string", "documentation": "where the page starts: the next link of the page before"},
	}
	resource := func(typ, doc string, params ...map[string]any) map[string]any {
		return map[string]any{
			"type":          typ,
			"documentation": doc,
			"interaction":   []any{map[string]any{"code": "read"}, map[string]any{"code": "search-type"}},
			"searchParam":   append(params, page...),
		}
	}
	searchOnly := func(typ, doc string, params ...map[string]any) map[string]any {
		r := resource(typ, doc, params...)
		r["interaction"] = []any{map[string]any{"code": "search-type"}}
		return r
	}
	readOnly := func(typ, doc string) map[string]any {
		return map[string]any{"type": typ, "documentation": doc, "interaction": []any{map[string]any{"code": "read"}}}
	}
	cs := map[string]any{
		"resourceType": "CapabilityStatement",
		"status":       "active",
		"date":         capabilityDate,
		"publisher":    "medchain",
		"kind":         "instance",
		"software":     map[string]any{"name": "medchain"},
		"implementation": map[string]any{
			"description": "medchain node: the ledger's consents, public-health figures and research studies as FHIR R4",
			"url":         fhirBase(r),
		},
		"fhirVersion": "4.0.1",
		"format":      []any{"json", fhirMediaType},
		"rest": []any{map[string]any{
			"mode": "server",
			"security": map[string]any{
				"description": "Consent answers only a caller the ledger entitles (the patient, their delegates, the members a grant names): " +
					"Authorization: Bearer <token from POST /v1/auth/tokens>, or a signed request (Authorization: Medchain …). " +
					"MeasureReport and ResearchStudy are public. A record's document (Binary, Claim) needs the reader's signed records/read-request in " + ReadRequestHeader +
					": the custodian checks consent against the ledger and writes the receipt before it answers.",
			},
			"resource": []any{
				resource("Consent", "a patient's grants of access to their records (read: any grant the caller may see)",
					map[string]any{"name": "patient", "type": "reference", "documentation": "the patient's pseudonymous ID (pt-…), or Patient/pt-…; required"},
					map[string]any{"name": "status", "type": "token", "documentation": "active or inactive (revoked or expired)"}),
				resource("MeasureReport", "a public-health figure: a region's cumulative count of a metric on a day (id REGION.METRIC.DATE, a province's / as a dot)",
					map[string]any{"name": "subject", "type": "token", "documentation": "region: ISO 3166-1 alpha-2, or a province as CA/ontario; required"},
					map[string]any{"name": "measure", "type": "token", "documentation": "metric: confirmed, deaths, recovered, tests, hospitalised, icu, vaccinations; required"},
					map[string]any{"name": "date", "type": "date", "documentation": "the day, YYYY-MM-DD; required"}),
				resource("ResearchStudy", "a study registered on the ledger"),
				resource("Device", "a monitoring device and the patient it is assigned to (id ORG.HANDLE); to the device's organisation and the patient",
					map[string]any{"name": "patient", "type": "reference", "documentation": "the patient's pseudonymous ID: their devices"},
					map[string]any{"name": "organization", "type": "reference", "documentation": "an organisation's devices, to its members (one of patient and organization)"}),
				resource("ClaimResponse", "the adjudication of a claim, rebuilt from the ledger (id CLAIM-ROUND: the latest round's); to the claim's patient, provider and payer",
					map[string]any{"name": "patient", "type": "reference", "documentation": "the patient's claims, to the patient"},
					map[string]any{"name": "requestor", "type": "reference", "documentation": "a provider's claims, to its members"},
					map[string]any{"name": "insurer", "type": "reference", "documentation": "a payer's claims, to its members (one of patient, requestor and insurer)"}),
				resource("Coverage", "a patient's insurance coverage as the ledger records it (id cv-…); to the patient, the payer's members and providers the patient consented to",
					map[string]any{"name": "patient", "type": "reference", "documentation": "the patient's pseudonymous ID (pt-…), or Patient/pt-…; required (beneficiary is the same)"}),
				readOnly("VerificationResult", "one primary-source check of a credentialing case (id CASE-N, the case's Nth requirement from 0); to the hospital's members, the applicant and the sources asked"),
				resource("DocumentReference", "a patient record as the ledger anchors it: patient, custodian, the resource types it holds, version and author (id rec-…); "+
					"its document is Binary/{id}; to whoever may see the record (the patient, their delegates, the custodian's members, grantees); erased records are gone (410)",
					map[string]any{"name": "patient", "type": "reference", "documentation": "the patient's pseudonymous ID (pt-…), or Patient/pt-…; required (subject is the same)"}),
				readOnly("Binary", "a record's document, its bytes as the author uploaded them (id rec-…), read through the custodian's consent check and receipted on the ledger: "+
					"send the reader's signed records/read-request (standard base64) in the "+ReadRequestHeader+" header, to the custodian's node; the receipt's ID comes back in "+ReceiptHeader),
				readOnly("Claim", "a claim document its provider sealed in a record (id cl-…), read as Binary is (the read request names the claim's record) and checked against the hash the ledger anchors"),
				searchOnly("AuditEvent", "an access receipt: a read of a record served or refused, or the review of a break-glass window",
					map[string]any{"name": "patient", "type": "reference", "documentation": "the reads of a patient's records, to the patient and their delegates"},
					map[string]any{"name": "source", "type": "reference", "documentation": "the reads an organisation's node served or refused, to its privacy officers and auditors (one of patient and source)"}),
			},
		}},
	}
	return writeFHIR(w, http.StatusOK, cs)
}

// fhirReadConsent answers GET /fhir/Consent/{id}: a grant, to whoever may
// see it (GET /v1/grants/{id}).
func (s *Server) fhirReadConsent(w http.ResponseWriter, r *http.Request) error {
	g, err := s.seenGrant(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	raw, err := s.consentResource(g)
	if err != nil {
		return err
	}
	return writeFHIRRaw(w, raw)
}

// consentResource is g as a FHIR Consent (the terms as GET
// /v1/grants/{id}?format=fhir gives them) with its ID, and status inactive
// once revoked or expired.
func (s *Server) consentResource(g records.Grant) ([]byte, error) {
	raw, err := fhirdoc.FormatConsent(termsOf(g))
	if err != nil {
		return nil, err
	}
	var c map[string]any
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, err
	}
	c["id"] = g.ID
	if !grantActive(g, s.now()) {
		c["status"] = "inactive"
	}
	return json.Marshal(c)
}

// grantActive reports whether g is in force at now: not revoked, not
// expired.
func grantActive(g records.Grant, now time.Time) bool {
	return g.RevokedAt == 0 && (g.Expires == 0 || g.Expires > now.Unix())
}

// fhirSearchConsent answers GET /fhir/Consent?patient=: the patient's
// grants, to whoever may see the patient's (GET /v1/patients/{id}/grants).
func (s *Server) fhirSearchConsent(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	pt := strings.TrimPrefix(q.Get("patient"), "Patient/")
	if pt == "" {
		return badParam("patient", "a Consent search names the patient: patient=pt-… (the patient's pseudonymous ID)")
	}
	status := q.Get("status")
	if status != "" && status != "active" && status != "inactive" {
		return badParam("status", "must be active or inactive, got %q", status)
	}
	count, cursor, err := fhirPage(r)
	if err != nil {
		return err
	}
	view := s.app.State().Committed()
	if err := s.app.Records().SeesPatient(view, caller(r), pt, s.now()); err != nil {
		return err
	}
	gs := s.app.Records().Grants(view, pt, maxLimit)
	slices.SortFunc(gs, func(a, b records.Grant) int { return strings.Compare(a.ID, b.ID) })
	var matched []records.Grant
	for _, g := range gs {
		if status == "" || (status == "active") == grantActive(g, s.now()) {
			matched = append(matched, g)
		}
	}
	return s.writeSearch(w, r, "Consent", len(matched), count, cursor, func(after string, n int) ([]fhirEntry, string, error) {
		return pageByID(matched, func(g records.Grant) string { return g.ID }, after, n, s.consentResource)
	})
}

// pageByID is the page of items (sorted by id) after the one whose ID is
// after, at most n of them, each rendered, and the cursor of the next page
// ("" at the end).
func pageByID[T any](items []T, id func(T) string, after string, n int, render func(T) ([]byte, error)) ([]fhirEntry, string, error) {
	i := 0
	for after != "" && i < len(items) && id(items[i]) <= after {
		i++
	}
	var out []fhirEntry
	for ; i < len(items) && len(out) < n; i++ {
		raw, err := render(items[i])
		if err != nil {
			return nil, "", err
		}
		out = append(out, fhirEntry{id: id(items[i]), resource: raw})
	}
	next := ""
	if i < len(items) && len(out) > 0 {
		next = out[len(out)-1].id
	}
	return out, next, nil
}

// measureReportID is the facade's ID of a figure: REGION.METRIC.DATE, a
// province's slash written as a dot (FHIR IDs allow no slash).
func measureReportID(region, metric, date string) string {
	return strings.ReplaceAll(region, "/", ".") + "." + metric + "." + date
}

// fhirReadMeasureReport answers GET /fhir/MeasureReport/{id}.
func (s *Server) fhirReadMeasureReport(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	parts := strings.Split(id, ".")
	if len(parts) < 3 {
		return badParam("id", "a MeasureReport ID is REGION.METRIC.DATE (FR.hospitalised.2025-12-01, CA.ontario.deaths.2020-06-14), got %q", id)
	}
	n := len(parts)
	q := url.Values{"region": {strings.Join(parts[:n-2], "/")}, "metric": {parts[n-2]}, "date": {parts[n-1]}}
	raw, err := s.measureReport(r, q)
	if err != nil {
		return err
	}
	return writeFHIRRaw(w, raw)
}

// fhirSearchMeasureReport answers GET /fhir/MeasureReport?subject=&measure=&date=:
// a Bundle of the one figure, or none.
func (s *Server) fhirSearchMeasureReport(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	for _, p := range []string{"subject", "measure", "date"} {
		if q.Get(p) == "" {
			return badParam(p, "a MeasureReport search names subject (a region), measure (a metric) and date")
		}
	}
	count, cursor, err := fhirPage(r)
	if err != nil {
		return err
	}
	region := strings.TrimPrefix(q.Get("subject"), "Location/")
	vq := url.Values{"region": {region}, "metric": {q.Get("measure")}, "date": {strings.TrimPrefix(q.Get("date"), "eq")}}
	raw, err := s.measureReport(r, vq)
	var entries []fhirEntry
	switch {
	case err == nil:
		entries = []fhirEntry{{id: measureReportID(region, vq.Get("metric"), vq.Get("date")), resource: raw}}
	case chain.CodeOf(err).Kind == ledger.KindNotFound:
		// No figure: an empty searchset, not an error.
	default:
		return fhirParamNames(err)
	}
	return s.writeSearch(w, r, "MeasureReport", len(entries), count, cursor, func(after string, n int) ([]fhirEntry, string, error) {
		if after != "" {
			return nil, "", nil
		}
		return entries, "", nil
	})
}

// measureReport is the figure q (region, metric, date) names, as the FHIR
// MeasureReport GET /v1/publichealth/measurereport answers.
func (s *Server) measureReport(r *http.Request, q url.Values) ([]byte, error) {
	r2 := r.Clone(r.Context())
	r2.URL = &url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
	rec := &bodyRecorder{header: http.Header{}}
	if err := s.phMeasureReport(rec, r2); err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(rec.body.Bytes(), &m); err != nil {
		return nil, err
	}
	m["id"] = measureReportID(q.Get("region"), q.Get("metric"), q.Get("date"))
	return json.Marshal(m)
}

// fhirParamNames renames the /v1 parameters of a figure in an error to
// the facade's search parameters.
func fhirParamNames(err error) error {
	if ae, ok := err.(*apiError); ok {
		names := map[string]string{"region": "subject", "metric": "measure"}
		if n, ok := names[ae.field]; ok {
			c := *ae
			c.field = n
			c.msg = strings.Replace(c.msg, ae.field, n, 1)
			return &c
		}
	}
	return err
}

// fhirReadResearchStudy answers GET /fhir/ResearchStudy/{id}.
func (s *Server) fhirReadResearchStudy(w http.ResponseWriter, r *http.Request) error {
	id, err := researchID(r, "st-", "study")
	if err != nil {
		return err
	}
	st, ok := s.app.Research().Study(s.app.State().Committed(), id)
	if !ok {
		return fmt.Errorf("%w: ResearchStudy/%s", research.ErrNotFound, id)
	}
	return writeFHIR(w, http.StatusOK, researchStudyFHIR(st, s.now()))
}

// fhirSearchResearchStudy answers GET /fhir/ResearchStudy: every study,
// paged.
func (s *Server) fhirSearchResearchStudy(w http.ResponseWriter, r *http.Request) error {
	count, cursor, err := fhirPage(r)
	if err != nil {
		return err
	}
	view := s.app.State().Committed()
	return s.writeSearch(w, r, "ResearchStudy", -1, count, cursor, func(after string, n int) ([]fhirEntry, string, error) {
		sts, next := s.app.Research().Studies(view, after, n)
		out := make([]fhirEntry, 0, len(sts))
		for _, st := range sts {
			raw, err := json.Marshal(researchStudyFHIR(st, s.now()))
			if err != nil {
				return nil, "", err
			}
			out = append(out, fhirEntry{id: st.ID, resource: raw})
		}
		return out, next, nil
	})
}

// deviceFHIRID is the facade's ID of a device: its member ID, org.handle
// (FHIR IDs allow no slash).
func deviceFHIRID(id string) string { return strings.Replace(id, "/", ".", 1) }

// deviceResource is d as a FHIR Device: no value of a reading, only what
// the ledger holds of the device.
func deviceResource(d telemetry.Device) ([]byte, error) {
	status := "inactive"
	if d.Status == "active" {
		status = "active"
	}
	dev := map[string]any{
		"resourceType": "Device",
		"id":           deviceFHIRID(d.ID),
		"identifier":   []any{map[string]any{"system": "urn:medchain:member", "value": d.ID}},
		"status":       status,
		"type":         map[string]any{"text": d.Kind},
		"owner":        map[string]any{"identifier": map[string]any{"system": "urn:medchain:org", "value": d.Org}},
	}
	if d.Patient != "" {
		dev["patient"] = map[string]any{"reference": "Patient/" + d.Patient}
	}
	return json.Marshal(dev)
}

// fhirReadDevice answers GET /fhir/Device/{id} (ORG.HANDLE), as GET
// /v1/telemetry/devices/{org}/{handle}.
func (s *Server) fhirReadDevice(w http.ResponseWriter, r *http.Request) error {
	org, handle, ok := strings.Cut(r.PathValue("id"), ".")
	if !ok {
		return badParam("id", "a Device ID is ORG.HANDLE (st-marys-hospital.pulse-ox-1), got %q", r.PathValue("id"))
	}
	r2 := r.Clone(r.Context())
	r2.SetPathValue("org", org)
	r2.SetPathValue("handle", handle)
	d, err := s.device(r2)
	if err != nil {
		return err
	}
	if _, known := s.app.Telemetry().Device(s.app.State().Committed(), d.ID); !known {
		return fmt.Errorf("%w: Device/%s", telemetry.ErrNotFound, r.PathValue("id"))
	}
	raw, err := deviceResource(d)
	if err != nil {
		return err
	}
	return writeFHIRRaw(w, raw)
}

// fhirSearchDevice answers GET /fhir/Device?patient=|organization=, as
// GET /v1/telemetry/devices?patient=|org=.
func (s *Server) fhirSearchDevice(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	pt, org := strings.TrimPrefix(q.Get("patient"), "Patient/"), strings.TrimPrefix(q.Get("organization"), "Organization/")
	count, cursor, err := fhirPage(r)
	if err != nil {
		return err
	}
	k, view, p := s.app.Telemetry(), s.app.State().Committed(), caller(r)
	var ds []telemetry.Device
	switch {
	case (pt == "") == (org == ""):
		return badParam("patient", "a Device search names the patient (patient=pt-…) or the organisation (organization=ORG), one of them")
	case org != "":
		if err := k.SeesOrg(p, org); err != nil {
			return signIn(r, "an organisation's monitored patients", err)
		}
		ds = k.OrgDevices(view, org, maxLimit)
	default:
		if ledger.ValidPatientID(pt) != nil {
			return badParam("patient", "a patient ID (pt- and 20 lower-case hex digits), got %q", pt)
		}
		if err := k.SeesPatient(view, p, pt); err != nil {
			return signIn(r, "a patient's devices", err)
		}
		ds = k.PatientDevices(view, pt, maxLimit)
	}
	fid := func(d telemetry.Device) string { return deviceFHIRID(d.ID) }
	slices.SortFunc(ds, func(a, b telemetry.Device) int { return strings.Compare(fid(a), fid(b)) })
	return s.writeSearch(w, r, "Device", len(ds), count, cursor, func(after string, n int) ([]fhirEntry, string, error) {
		return pageByID(ds, fid, after, n, deviceResource)
	})
}

// auditEventResource is an access receipt as a FHIR AuditEvent: who read
// which record of which patient at which custodian, for what, and whether
// it was served; a break-glass review entry as the review it records.
func auditEventResource(rc records.Receipt) ([]byte, error) {
	outcome, desc := "0", rc.Basis
	if rc.Outcome != records.Granted {
		outcome, desc = "4", rc.Denial
	}
	ev := map[string]any{
		"resourceType": "AuditEvent",
		"id":           rc.ID,
		"type":         map[string]any{"system": "http://terminology.hl7.org/CodeSystem/audit-event-type", "code": "rest", "display": "RESTful Operation"},
		"recorded":     time.Unix(rc.Time, 0).UTC().Format(time.RFC3339),
		"agent": []any{map[string]any{
			"who":       map[string]any{"identifier": map[string]any{"system": "urn:medchain:member", "value": rc.Reader}},
			"requestor": true,
		}},
		"entity": []any{},
	}
	source := rc.Custodian
	if rc.Kind == records.EntryBreakGlassReview {
		ev["action"] = "E"
		desc = "break-glass window " + rc.BreakGlass + " reviewed: " + rc.Outcome
		outcome = "0"
		source = rc.ReaderOrg
	} else {
		ev["action"] = "R"
		ev["subtype"] = []any{map[string]any{"system": "http://hl7.org/fhir/restful-interaction", "code": "read", "display": "read"}}
		ev["purposeOfEvent"] = []any{map[string]any{"text": rc.Purpose}}
	}
	ev["outcome"] = outcome
	if desc != "" {
		ev["outcomeDesc"] = desc
	}
	if source == "" {
		source = "unknown"
	}
	ev["source"] = map[string]any{"observer": map[string]any{"identifier": map[string]any{"system": "urn:medchain:org", "value": source}}}
	var entities []any
	if rc.Patient != "" {
		entities = append(entities, map[string]any{"what": map[string]any{"reference": "Patient/" + rc.Patient}})
	}
	if rc.Record != "" {
		entities = append(entities, map[string]any{"what": map[string]any{"identifier": map[string]any{"system": "urn:medchain:record", "value": rc.Record}}})
	}
	if len(entities) > 0 {
		ev["entity"] = entities
	} else {
		delete(ev, "entity")
	}
	return json.Marshal(ev)
}

// fhirSearchAuditEvent answers GET /fhir/AuditEvent?patient=|source=: a
// patient's access log, or an organisation's, oldest first, as GET
// /v1/patients/{id}/access-log and /v1/orgs/{id}/access-log.
func (s *Server) fhirSearchAuditEvent(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	pt, org := strings.TrimPrefix(q.Get("patient"), "Patient/"), strings.TrimPrefix(q.Get("source"), "Organization/")
	count, cursor, err := fhirPage(r)
	if err != nil {
		return err
	}
	view := s.app.State().Committed()
	by, id := records.ByPatient, pt
	switch {
	case (pt == "") == (org == ""):
		return badParam("patient", "an AuditEvent search names the patient (patient=pt-…) or the organisation whose node served the reads (source=ORG), one of them")
	case org != "":
		by, id = records.ByCustodian, org
		if err := s.app.Records().AuditsOrg(caller(r), org); err != nil {
			return err
		}
	default:
		if err := s.app.Records().SeesPatient(view, caller(r), pt, s.now()); err != nil {
			return err
		}
	}
	return s.writeSearch(w, r, "AuditEvent", -1, count, cursor, func(after string, n int) ([]fhirEntry, string, error) {
		items, next := s.app.Records().AccessLog(view, by, id, after, n)
		out := make([]fhirEntry, 0, len(items))
		for _, rc := range items {
			raw, err := auditEventResource(rc)
			if err != nil {
				return nil, "", err
			}
			out = append(out, fhirEntry{id: rc.ID, resource: raw})
		}
		return out, next, nil
	})
}

// fhirReadClaimResponse answers GET /fhir/ClaimResponse/{id}: the
// adjudication of a claim (CLAIM-ROUND, the latest round's), as GET
// /v1/claims/{id}/response.
func (s *Server) fhirReadClaimResponse(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	claim, round, err := indexedID(id, 1, "a ClaimResponse ID is the claim's ID and the round of its decision (cl-…-1)")
	if err != nil {
		return err
	}
	r2 := r.Clone(r.Context())
	r2.SetPathValue("id", claim)
	c, err := s.claimOf(r2)
	if err != nil {
		return err
	}
	d, ok := c.Decision()
	if !ok || d.Round != round {
		return fmt.Errorf("%w: ClaimResponse/%s: the ledger holds no such decision (the claim is %s)", claims.ErrNotFound, id, c.Status)
	}
	b, _ := claimcheck.ClaimResponse(c, d)
	return writeFHIRRaw(w, b)
}

// fhirSearchClaimResponse answers GET /fhir/ClaimResponse?patient=|requestor=|insurer=:
// the decided claims of a party, as GET /v1/claims?patient=|provider=|payer= lists them.
func (s *Server) fhirSearchClaimResponse(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var by claims.Party
	who, n := "", 0
	for _, p := range []struct {
		name, prefix string
		by           claims.Party
	}{{"patient", "Patient/", claims.ByPatient}, {"requestor", "Organization/", claims.ByProvider}, {"insurer", "Organization/", claims.ByPayer}} {
		if v := strings.TrimPrefix(q.Get(p.name), p.prefix); v != "" {
			by, who, n = p.by, v, n+1
		}
	}
	if n != 1 || len(who) > 64 {
		return badParam("patient", "a ClaimResponse search names one of patient=pt-…, requestor=ORG (the provider) or insurer=ORG (the payer)")
	}
	count, cursor, err := fhirPage(r)
	if err != nil {
		return err
	}
	k := s.app.Claims()
	if err := k.SeesParty(caller(r), who); err != nil {
		return signIn(r, "which patients an organisation serves", err)
	}
	view := s.app.State().Committed()
	return s.writeSearch(w, r, "ClaimResponse", -1, count, cursor, func(after string, n int) ([]fhirEntry, string, error) {
		cs, next := k.Claims(view, by, who, after, n)
		out := make([]fhirEntry, 0, len(cs))
		for _, c := range cs {
			d, ok := c.Decision()
			if !ok {
				continue // not decided yet: no ClaimResponse
			}
			b, _ := claimcheck.ClaimResponse(c, d)
			out = append(out, fhirEntry{id: c.ID + "-" + strconv.Itoa(d.Round), resource: b})
		}
		return out, next, nil
	})
}

// fhirReadCoverage answers GET /fhir/Coverage/{id}: a coverage as GET
// /v1/coverage/{id} answers it, to whoever may see it.
func (s *Server) fhirReadCoverage(w http.ResponseWriter, r *http.Request) error {
	c, err := s.coverageOf(r)
	if err != nil {
		return err
	}
	return writeFHIRRaw(w, claimcheck.CoverageResource(c))
}

// fhirSearchCoverage answers GET /fhir/Coverage?patient= (or beneficiary=):
// the patient's coverage, each as the caller may see it (GET
// /v1/patients/{id}/coverage answers the patient; a payer's members and
// consented providers see theirs). A caller who may see none of it is
// refused, as for a patient with none.
func (s *Server) fhirSearchCoverage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	pt := strings.TrimPrefix(q.Get("patient"), "Patient/")
	if b := strings.TrimPrefix(q.Get("beneficiary"), "Patient/"); pt == "" {
		pt = b
	}
	if err := ledger.ValidPatientID(pt); err != nil {
		return badParam("patient", "a Coverage search names the patient: patient=pt-… (%v)", err)
	}
	count, cursor, err := fhirPage(r)
	if err != nil {
		return err
	}
	view, k, who := s.app.State().Committed(), s.app.Claims(), caller(r)
	var seen []claims.Coverage
	for _, c := range k.PatientCoverage(view, pt) {
		if k.SeesCoverage(view, who, c, s.now()) == nil {
			seen = append(seen, c)
		}
	}
	slices.SortFunc(seen, func(a, b claims.Coverage) int { return strings.Compare(a.ID, b.ID) })
	if len(seen) == 0 {
		if err := k.SeesParty(who, pt); err != nil {
			return signIn(r, "a patient's coverage", err)
		}
	}
	return s.writeSearch(w, r, "Coverage", len(seen), count, cursor, func(after string, n int) ([]fhirEntry, string, error) {
		return pageByID(seen, func(c claims.Coverage) string { return c.ID }, after, n,
			func(c claims.Coverage) ([]byte, error) { return claimcheck.CoverageResource(c), nil })
	})
}

// fhirReadVerificationResult answers GET /fhir/VerificationResult/{id}:
// requirement N of credentialing case CASE (CASE-N), from the Bundle GET
// /v1/credentials/cases/{id}?format=fhir answers, to whoever may see the
// case.
func (s *Server) fhirReadVerificationResult(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	caseID, n, err := indexedID(id, 0, "a VerificationResult ID is the case's ID and the requirement's index (cs-…-0)")
	if err != nil {
		return err
	}
	k := s.app.Credentials()
	c, ok := k.Case(s.app.State().Committed(), caseID)
	if !ok {
		c = credentials.Case{ID: caseID}
	}
	if err := k.SeesCase(caller(r), c); err != nil {
		return signIn(r, "a credentialing case", err)
	}
	entries, _ := c.FHIR()["entry"].([]any)
	if n >= len(entries) {
		return fmt.Errorf("%w: VerificationResult/%s: case %s has %d requirements", credentials.ErrNotFound, id, c.ID, len(entries))
	}
	return writeFHIR(w, http.StatusOK, entries[n].(map[string]any)["resource"])
}

// indexedID splits a facade ID made of a ledger ID and a number
// (cl-…-1) at its last dash; the number must be at least min.
func indexedID(id string, min int, what string) (string, int, error) {
	i := strings.LastIndexByte(id, '-')
	n, err := strconv.Atoi(id[i+1:])
	if i < 0 || err != nil || n < min {
		return "", 0, badParam("id", "%s, got %q", what, id)
	}
	return id[:i], n, nil
}

// fhirPage reads _count and _cursor.
func fhirPage(r *http.Request) (count int, cursor string, err error) {
	q := r.URL.Query()
	count = fhirDefaultCount
	if c := q.Get("_count"); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 1 || n > fhirMaxCount {
			return 0, "", badParam("_count", "must be an integer from 1 to %d, got %q", fhirMaxCount, c)
		}
		count = n
	}
	return count, q.Get("_cursor"), nil
}

// fhirEntry is one resource of a search page.
type fhirEntry struct {
	id       string
	resource json.RawMessage
}

// writeSearch answers a searchset Bundle of the page that starts after
// cursor, with self and next links, and the total when it is known (≥ 0).
func (s *Server) writeSearch(w http.ResponseWriter, r *http.Request, typ string, total, count int, cursor string,
	page func(after string, n int) ([]fhirEntry, string, error)) error {
	entries, next, err := page(cursor, count)
	if err != nil {
		return err
	}
	base := fhirBase(r)
	link := func(rel, cur string) map[string]any {
		q := r.URL.Query()
		q.Del("_cursor")
		if cur != "" {
			q.Set("_cursor", cur)
		}
		u := base + "/" + typ
		if enc := q.Encode(); enc != "" {
			u += "?" + enc
		}
		return map[string]any{"relation": rel, "url": u}
	}
	links := []any{link("self", cursor)}
	if next != "" {
		links = append(links, link("next", next))
	}
	items := make([]any, len(entries))
	for i, e := range entries {
		items[i] = map[string]any{
			"fullUrl":  base + "/" + typ + "/" + e.id,
			"resource": e.resource,
			"search":   map[string]any{"mode": "match"},
		}
	}
	b := map[string]any{
		"resourceType": "Bundle",
		"type":         "searchset",
		"timestamp":    s.now().UTC().Format(time.RFC3339),
		"link":         links,
		"entry":        items,
	}
	if total >= 0 {
		b["total"] = total
	}
	return writeFHIR(w, http.StatusOK, b)
}

// operationOutcome is p as a FHIR OperationOutcome: the issue type from
// the HTTP status, the stable code as a coding, the detail as diagnostics.
func operationOutcome(p problem) map[string]any {
	issueType := map[int]string{
		http.StatusBadRequest: "invalid", http.StatusUnauthorized: "login", http.StatusForbidden: "forbidden",
		http.StatusNotFound: "not-found", http.StatusConflict: "conflict", http.StatusGone: "deleted",
		http.StatusRequestEntityTooLarge: "too-costly", http.StatusUnsupportedMediaType: "not-supported",
		http.StatusNotAcceptable: "not-supported", http.StatusMethodNotAllowed: "not-supported",
		http.StatusTooManyRequests: "throttled", http.StatusServiceUnavailable: "transient",
	}[p.Status]
	if issueType == "" {
		issueType = "exception"
	}
	diag := p.Detail
	if p.Field != "" {
		diag = "parameter " + p.Field + ": " + diag
	}
	issue := map[string]any{
		"severity": "error",
		"code":     issueType,
		"details": map[string]any{
			"coding": []any{map[string]any{"system": "urn:medchain:problem", "code": p.Code, "display": p.Title}},
			"text":   p.Title,
		},
	}
	if diag != "" {
		issue["diagnostics"] = diag
	}
	return map[string]any{"resourceType": "OperationOutcome", "issue": []any{issue}}
}

// bodyRecorder keeps what a handler writes, to reuse a /v1 handler's answer.
type bodyRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bodyRecorder) Header() http.Header         { return b.header }
func (b *bodyRecorder) WriteHeader(status int)      { b.status = status }
func (b *bodyRecorder) Write(p []byte) (int, error) { return b.body.Write(p) }
