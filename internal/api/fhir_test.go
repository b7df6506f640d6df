package api_test

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/medchain/medchain/internal/api/apitest"
	"github.com/medchain/medchain/internal/fhirdoc"
	"github.com/medchain/medchain/internal/records"
)

// fhirAnswer checks that an answer of the FHIR facade is
// application/fhir+json and one valid FHIR R4 resource of type want, as
// google/fhir's validating R4 parser reads it, and decodes it into out.
func fhirAnswer(t *testing.T, resp *http.Response, body []byte, status int, want string, out any) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s: status %d, want %d: %s", resp.Request.URL, resp.StatusCode, status, body)
	}
	if mt, params, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/fhir+json" || params["fhirversion"] != "4.0" {
		t.Errorf("%s: Content-Type %q, want application/fhir+json; fhirVersion=4.0", resp.Request.URL, resp.Header.Get("Content-Type"))
	}
	info, err := fhirdoc.Validate(body)
	if err != nil {
		t.Fatalf("%s: not valid FHIR R4: %v\n%s", resp.Request.URL, err, body)
	}
	if info.ResourceType != want {
		t.Fatalf("%s: a %s, want a %s", resp.Request.URL, info.ResourceType, want)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatal(err)
		}
	}
}

type fhirBundle struct {
	Type  string
	Total *int
	Link  []struct{ Relation, URL string }
	Entry []struct {
		FullURL  string
		Resource struct {
			ResourceType string
			ID           string
			Status       string
		}
	}
}

func (b fhirBundle) next() string {
	for _, l := range b.Link {
		if l.Relation == "next" {
			return l.URL
		}
	}
	return ""
}

type outcome struct {
	Issue []struct {
		Severity, Code, Diagnostics string
		Details                     struct {
			Coding []struct{ System, Code string }
		}
	}
}

// wantOutcome checks an OperationOutcome: its status, FHIR issue type and
// medchain code, and that its diagnostics say diag.
func wantOutcome(t *testing.T, resp *http.Response, body []byte, status int, issue, code, diag string) {
	t.Helper()
	var o outcome
	fhirAnswer(t, resp, body, status, "OperationOutcome", &o)
	if len(o.Issue) != 1 || o.Issue[0].Severity != "error" || o.Issue[0].Code != issue ||
		len(o.Issue[0].Details.Coding) != 1 || o.Issue[0].Details.Coding[0].Code != code ||
		!strings.Contains(o.Issue[0].Diagnostics, diag) {
		t.Errorf("%s: outcome %s, want issue %s, code %s, diagnostics with %q", resp.Request.URL, body, issue, code, diag)
	}
}

func TestFHIRMetadata(t *testing.T) {
	e := newRecordsEnv(t)
	resp, body := e.do(http.MethodGet, "/fhir/metadata", "", nil)
	var cs struct {
		Kind, FHIRVersion string
		Rest              []struct {
			Mode     string
			Resource []struct {
				Type        string
				Interaction []struct{ Code string }
				SearchParam []struct{ Name, Type string }
			}
		}
	}
	fhirAnswer(t, resp, body, http.StatusOK, "CapabilityStatement", &cs)
	if cs.Kind != "instance" || cs.FHIRVersion != "4.0.1" || len(cs.Rest) != 1 || cs.Rest[0].Mode != "server" {
		t.Fatalf("capability statement: %s", body)
	}
	// Exactly what the facade serves: a resource is read when its
	// GET /fhir/{type}/{id} route is in the OpenAPI document, searched
	// when GET /fhir/{type} is, and every such route's type is listed.
	doc, _ := loadSpec(t)
	routed := map[string][]string{}
	for path := range doc.Paths.Map() {
		parts := strings.Split(strings.TrimPrefix(path, "/fhir/"), "/")
		if !strings.HasPrefix(path, "/fhir/") || parts[0] == "metadata" {
			continue
		}
		if len(parts) == 2 && parts[1] == "{id}" {
			routed[parts[0]] = append(routed[parts[0]], "read")
		} else if len(parts) == 1 {
			routed[parts[0]] = append(routed[parts[0]], "search-type")
		} else {
			t.Errorf("a facade route %s that is neither a read nor a search", path)
		}
	}
	var types []string
	for _, r := range cs.Rest[0].Resource {
		types = append(types, r.Type)
		var codes []string
		for _, i := range r.Interaction {
			codes = append(codes, i.Code)
		}
		want := routed[r.Type]
		slices.Sort(want)
		if !slices.Equal(codes, want) {
			t.Errorf("%s: interactions %v, the routes serve %v", r.Type, codes, want)
		}
		if slices.Contains(codes, "search-type") != (len(r.SearchParam) > 0) {
			t.Errorf("%s: search parameters %v with interactions %v", r.Type, r.SearchParam, codes)
		}
		for _, p := range r.SearchParam {
			if p.Name == "" || p.Type == "" {
				t.Errorf("%s: a search parameter without name or type", r.Type)
			}
		}
		delete(routed, r.Type)
	}
	if len(routed) != 0 {
		t.Errorf("served but not in the CapabilityStatement: %v", routed)
	}
	if !slices.Equal(types, []string{"Consent", "MeasureReport", "ResearchStudy", "Device", "ClaimResponse", "Coverage", "VerificationResult",
		"DocumentReference", "Binary", "Claim", "AuditEvent"}) {
		t.Fatalf("resources %v", types)
	}
	// With _format: json and FHIR's own media type; XML is not served.
	resp, body = e.do(http.MethodGet, "/fhir/metadata?_format="+url.QueryEscape("application/fhir+json"), "", nil)
	fhirAnswer(t, resp, body, http.StatusOK, "CapabilityStatement", nil)
	resp, body = e.do(http.MethodGet, "/fhir/metadata?_format=xml", "", nil)
	wantOutcome(t, resp, body, http.StatusNotAcceptable, "not-supported", "api.unsupported_media_type", "_format")
	// A resource type the facade does not serve.
	resp, body = e.do(http.MethodGet, "/fhir/Patient/pt-00000000000000000000", "", nil)
	wantOutcome(t, resp, body, http.StatusNotFound, "not-found", "api.not_found", "/fhir/Patient")
}

func TestFHIRConsent(t *testing.T) {
	s := seedPrivate(t)
	e := s.env
	// Two more grants of the patient's: three in all, one revoked.
	more := func() string {
		res := e.ok(keyPatient, records.TypeGrant, records.GrantMsg{
			Grantee: records.Grantee{Org: "city-lab"}, Purposes: []string{records.PurposeTreatment},
			Expires: apitest.GenesisTime.Add(90 * 24 * time.Hour)})
		var c struct{ ID string }
		if err := json.Unmarshal(res.Result, &c); err != nil || c.ID == "" {
			t.Fatalf("grant: %s", res.Result)
		}
		return c.ID
	}
	g2, g3 := more(), more()
	e.ok(keyPatient, records.TypeRevoke, records.Revoke{Grant: g3})

	// Read: the patient sees the Consent; nobody without a key, nor a
	// stranger, does, and the answer does not say whether it exists.
	resp, body := e.doAs(keyPatient, http.MethodGet, "/fhir/Consent/"+s.grant, "", nil)
	var c struct{ ID, Status string }
	fhirAnswer(t, resp, body, http.StatusOK, "Consent", &c)
	if c.ID != s.grant || c.Status != "active" {
		t.Errorf("Consent %s: id %q status %q", s.grant, c.ID, c.Status)
	}
	resp, body = e.do(http.MethodGet, "/fhir/Consent/"+s.grant, "", nil)
	wantOutcome(t, resp, body, http.StatusUnauthorized, "login", "api.unauthenticated", "")
	if resp.Header.Get("WWW-Authenticate") == "" {
		t.Error("a 401 without WWW-Authenticate")
	}
	resp, body = e.doAs(keyStranger, http.MethodGet, "/fhir/Consent/"+s.grant, "", nil)
	wantOutcome(t, resp, body, http.StatusForbidden, "forbidden", "chain.not_entitled", "not entitled")
	resp, body = e.doAs(keyStranger, http.MethodGet, "/fhir/Consent/gr-000000000000000000000000", "", nil)
	wantOutcome(t, resp, body, http.StatusForbidden, "forbidden", "chain.not_entitled", "not entitled")

	// Search, a page of one at a time: every grant once, in ID order,
	// following the next links as a FHIR client does.
	var all []string
	var total int
	path := "/fhir/Consent?patient=" + s.patient + "&_count=1"
	for pages := 0; path != ""; pages++ {
		if pages > 10 {
			t.Fatal("the next links never end")
		}
		resp, body := e.doAs(keyPatient, http.MethodGet, path, "", nil)
		var b fhirBundle
		fhirAnswer(t, resp, body, http.StatusOK, "Bundle", &b)
		if b.Type != "searchset" || b.Total == nil || len(b.Entry) > 1 {
			t.Fatalf("%s: %s", path, body)
		}
		total = *b.Total
		for _, en := range b.Entry {
			if en.Resource.ResourceType != "Consent" || !strings.HasSuffix(en.FullURL, "/fhir/Consent/"+en.Resource.ID) {
				t.Errorf("entry %+v", en)
			}
			all = append(all, en.Resource.ID)
		}
		path = ""
		if n := b.next(); n != "" {
			u, err := url.Parse(n)
			if err != nil {
				t.Fatal(err)
			}
			path = u.RequestURI()
		}
	}
	// The same as one page of all of them, which holds the three.
	resp, body = e.doAs(keyPatient, http.MethodGet, "/fhir/Consent?patient="+s.patient+"&_count=100", "", nil)
	var one fhirBundle
	fhirAnswer(t, resp, body, http.StatusOK, "Bundle", &one)
	var want []string
	for _, en := range one.Entry {
		want = append(want, en.Resource.ID)
	}
	if !slices.Equal(all, want) || total != len(want) || !slices.IsSorted(want) {
		t.Errorf("the pages held %v (total %d), one page %v", all, total, want)
	}
	for _, id := range []string{s.grant, g2, g3} {
		if !slices.Contains(want, id) {
			t.Errorf("grant %s is not among the patient's Consents %v", id, want)
		}
	}
	// status=active leaves the revoked grant out.
	resp, body = e.doAs(keyPatient, http.MethodGet, "/fhir/Consent?patient=Patient/"+s.patient+"&status=active", "", nil)
	var active fhirBundle
	fhirAnswer(t, resp, body, http.StatusOK, "Bundle", &active)
	var ids []string
	for _, en := range active.Entry {
		ids = append(ids, en.Resource.ID)
	}
	if slices.Contains(ids, g3) || !slices.Contains(ids, g2) || len(ids) != len(want)-1 {
		t.Errorf("active: %v of %v (%s is revoked)", ids, want, g3)
	}
	resp, body = e.doAs(keyPatient, http.MethodGet, "/fhir/Consent/"+g3, "", nil)
	fhirAnswer(t, resp, body, http.StatusOK, "Consent", &c)
	if c.Status != "inactive" {
		t.Errorf("revoked grant %s: status %q, want inactive", g3, c.Status)
	}

	// Bad searches say which parameter is wrong.
	for path, param := range map[string]string{
		"/fhir/Consent": "patient",
		"/fhir/Consent?patient=" + s.patient + "&_count=0": "_count",
		"/fhir/Consent?patient=" + s.patient + "&status=x": "status",
	} {
		resp, body := e.doAs(keyPatient, http.MethodGet, path, "", nil)
		wantOutcome(t, resp, body, http.StatusBadRequest, "invalid", "api.invalid_parameter", "parameter "+param)
	}
	// Another patient's consents: refused.
	resp, body = e.doAs(keyStranger, http.MethodGet, "/fhir/Consent?patient="+s.patient, "", nil)
	wantOutcome(t, resp, body, http.StatusForbidden, "forbidden", "chain.not_entitled", "not entitled")
}

func TestFHIRMeasureReportAndResearchStudy(t *testing.T) {
	s := seedPrivate(t)
	e := s.env
	// The seeded figures: FR confirmed on 2025-12-31, corrected to 125.
	resp, body := e.do(http.MethodGet, "/fhir/MeasureReport?subject=FR&measure=confirmed&date=2025-12-31", "", nil)
	var b fhirBundle
	fhirAnswer(t, resp, body, http.StatusOK, "Bundle", &b)
	if len(b.Entry) != 1 || b.Entry[0].Resource.ResourceType != "MeasureReport" || b.Entry[0].Resource.ID != "FR.confirmed.2025-12-31" {
		t.Fatalf("search: %s", body)
	}
	resp, body = e.do(http.MethodGet, "/fhir/MeasureReport/FR.confirmed.2025-12-31", "", nil)
	var mr struct {
		ID    string
		Group []struct {
			Population []struct{ Count int }
		}
	}
	fhirAnswer(t, resp, body, http.StatusOK, "MeasureReport", &mr)
	// FR's own 125 and Réunion's 40: a country with its provinces.
	if mr.ID != "FR.confirmed.2025-12-31" || len(mr.Group) != 1 || len(mr.Group[0].Population) != 1 || mr.Group[0].Population[0].Count != 165 {
		t.Errorf("MeasureReport: %s", body)
	}
	// A province, its slash as a dot.
	resp, body = e.do(http.MethodGet, "/fhir/MeasureReport/FR.reunion.confirmed.2025-12-31", "", nil)
	fhirAnswer(t, resp, body, http.StatusOK, "MeasureReport", nil)
	// No figure that day: an empty searchset; read by ID: not found.
	resp, body = e.do(http.MethodGet, "/fhir/MeasureReport?subject=FR&measure=confirmed&date=2025-01-01", "", nil)
	var none fhirBundle
	fhirAnswer(t, resp, body, http.StatusOK, "Bundle", &none)
	if len(none.Entry) != 0 || none.Total == nil || *none.Total != 0 {
		t.Errorf("a day without figures: %s", body)
	}
	resp, body = e.do(http.MethodGet, "/fhir/MeasureReport/FR.confirmed.2025-01-01", "", nil)
	wantOutcome(t, resp, body, http.StatusNotFound, "not-found", "publichealth.not_found", "FR")
	// Bad parameters are named in the facade's terms.
	resp, body = e.do(http.MethodGet, "/fhir/MeasureReport?subject=FR&measure=sneezes&date=2025-12-31", "", nil)
	wantOutcome(t, resp, body, http.StatusBadRequest, "invalid", "api.invalid_parameter", "parameter measure")
	resp, body = e.do(http.MethodGet, "/fhir/MeasureReport?subject=FR&date=2025-12-31", "", nil)
	wantOutcome(t, resp, body, http.StatusBadRequest, "invalid", "api.invalid_parameter", "parameter measure")

	// ResearchStudy: the seeded study, read and found by search.
	resp, body = e.do(http.MethodGet, "/fhir/ResearchStudy/"+s.study, "", nil)
	var st struct{ ID string }
	fhirAnswer(t, resp, body, http.StatusOK, "ResearchStudy", &st)
	if st.ID != s.study {
		t.Errorf("ResearchStudy id %q, want %s", st.ID, s.study)
	}
	resp, body = e.do(http.MethodGet, "/fhir/ResearchStudy?_count=100", "", nil)
	var studies fhirBundle
	fhirAnswer(t, resp, body, http.StatusOK, "Bundle", &studies)
	found := false
	for _, en := range studies.Entry {
		found = found || en.Resource.ID == s.study
	}
	if !found {
		t.Errorf("the study is not in the search: %s", body)
	}
	resp, body = e.do(http.MethodGet, "/fhir/ResearchStudy/st-000000000000000000000000", "", nil)
	wantOutcome(t, resp, body, http.StatusNotFound, "not-found", "research.not_found", "ResearchStudy/st-000000000000000000000000")
}

// walkPages follows a search's next links as a FHIR client does and
// returns every entry's resource, each page checked as a valid Bundle.
func walkPages(t *testing.T, e *env, signer, path string) []json.RawMessage {
	t.Helper()
	var out []json.RawMessage
	for pages := 0; path != ""; pages++ {
		if pages > 50 {
			t.Fatalf("%s: the next links never end", path)
		}
		resp, body := e.doAs(signer, http.MethodGet, path, "", nil)
		var b struct {
			fhirBundle
			Entry []struct{ Resource json.RawMessage }
		}
		fhirAnswer(t, resp, body, http.StatusOK, "Bundle", &b)
		for _, en := range b.Entry {
			out = append(out, en.Resource)
		}
		path = ""
		if n := b.next(); n != "" {
			u, err := url.Parse(n)
			if err != nil {
				t.Fatal(err)
			}
			path = u.RequestURI()
		}
	}
	return out
}

func TestFHIRDeviceAndAuditEvent(t *testing.T) {
	s := seedPrivate(t)
	e := s.env
	devID := strings.Replace(seedDevice, "/", ".", 1)

	// The patient's devices, and one read by ID.
	var found bool
	for _, raw := range walkPages(t, e, keyPatient, "/fhir/Device?patient="+s.patient+"&_count=1") {
		var d struct {
			ResourceType, ID, Status string
			Patient                  struct{ Reference string }
		}
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatal(err)
		}
		if d.ResourceType != "Device" || d.Patient.Reference != "Patient/"+s.patient {
			t.Errorf("device %s", raw)
		}
		found = found || d.ID == devID
	}
	if !found {
		t.Errorf("the patient's devices lack %s", devID)
	}
	resp, body := e.doAs(keyPatient, http.MethodGet, "/fhir/Device/"+devID, "", nil)
	var d struct{ ID, Status string }
	fhirAnswer(t, resp, body, http.StatusOK, "Device", &d)
	if d.ID != devID || d.Status != "active" {
		t.Errorf("Device: %s", body)
	}
	resp, body = e.doAs(keyStranger, http.MethodGet, "/fhir/Device/"+devID, "", nil)
	wantOutcome(t, resp, body, http.StatusForbidden, "forbidden", "chain.not_entitled", "")
	resp, body = e.doAs(keyPatient, http.MethodGet, "/fhir/Device?patient="+s.patient+"&organization=general-hospital", "", nil)
	wantOutcome(t, resp, body, http.StatusBadRequest, "invalid", "api.invalid_parameter", "one of them")

	// The patient's access log as AuditEvents, page by page: the same
	// receipts as /v1's log, reads served (outcome 0) and refused (4).
	var log struct{ Items []records.Receipt }
	e.getAs(keyPatient, "/v1/patients/"+s.patient+"/access-log?limit=1000", http.StatusOK, &log)
	events := walkPages(t, e, keyPatient, "/fhir/AuditEvent?patient="+s.patient+"&_count=2")
	if len(events) != len(log.Items) || len(events) < 2 {
		t.Fatalf("%d AuditEvents, %d receipts in the access log", len(events), len(log.Items))
	}
	outcomes := map[string]int{}
	for i, raw := range events {
		var ev struct {
			ID, Outcome, Action string
			Agent               []struct {
				Who struct{ Identifier struct{ Value string } }
			}
		}
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		rc := log.Items[i]
		if ev.ID != rc.ID || len(ev.Agent) != 1 || ev.Agent[0].Who.Identifier.Value != rc.Reader {
			t.Errorf("event %d %s, receipt %+v", i, raw, rc)
		}
		outcomes[ev.Outcome]++
	}
	if outcomes["0"] == 0 || outcomes["4"] == 0 {
		t.Errorf("outcomes %v: want reads served (0) and refused (4)", outcomes)
	}
	// An organisation's: to its privacy officer, not to a patient.
	if len(walkPages(t, e, "hospital-privacy", "/fhir/AuditEvent?source=general-hospital")) == 0 {
		t.Error("general-hospital's node served no read")
	}
	resp, body = e.doAs(keyPatient, http.MethodGet, "/fhir/AuditEvent?source=general-hospital", "", nil)
	wantOutcome(t, resp, body, http.StatusForbidden, "forbidden", "chain.not_entitled", "")
	resp, body = e.doAs(keyStranger, http.MethodGet, "/fhir/AuditEvent?patient="+s.patient, "", nil)
	wantOutcome(t, resp, body, http.StatusForbidden, "forbidden", "chain.not_entitled", "")
}

func TestFHIRClaimResponse(t *testing.T) {
	s := seedPrivate(t)
	e := s.env
	// The seeded claim, decided and paid: its ClaimResponse by ID, and in
	// each party's search.
	id := s.claim + "-1"
	resp, body := e.doAs(keyPatient, http.MethodGet, "/fhir/ClaimResponse/"+id, "", nil)
	var cr struct{ ID, Outcome string }
	fhirAnswer(t, resp, body, http.StatusOK, "ClaimResponse", &cr)
	if cr.ID != id || cr.Outcome == "" {
		t.Errorf("ClaimResponse: %s", body)
	}
	// The same document as /v1 rebuilds (whose hash the payer recorded).
	resp, v1 := e.doAs(keyPatient, http.MethodGet, "/v1/claims/"+s.claim+"/response", "", nil)
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(v1)) != strings.TrimSpace(string(body)) {
		t.Errorf("the facade's ClaimResponse differs from /v1's:\n%s\n%s", body, v1)
	}
	for signer, path := range map[string]string{
		keyPatient:        "/fhir/ClaimResponse?patient=" + s.patient,
		"insurer-privacy": "/fhir/ClaimResponse?insurer=acme-insurance&_count=1",
	} {
		var ids []string
		for _, raw := range walkPages(t, e, signer, path) {
			var r struct{ ResourceType, ID string }
			if err := json.Unmarshal(raw, &r); err != nil {
				t.Fatal(err)
			}
			if r.ResourceType != "ClaimResponse" {
				t.Errorf("%s: a %s", path, r.ResourceType)
			}
			ids = append(ids, r.ID)
		}
		if !slices.Contains(ids, id) {
			t.Errorf("%s: %v lacks %s", path, ids, id)
		}
	}
	// Another round than the ledger's latest, another patient's, no party.
	resp, body = e.doAs(keyPatient, http.MethodGet, "/fhir/ClaimResponse/"+s.claim+"-2", "", nil)
	wantOutcome(t, resp, body, http.StatusNotFound, "not-found", "claims.not_found", "no such decision")
	resp, body = e.doAs(keyStranger, http.MethodGet, "/fhir/ClaimResponse/"+id, "", nil)
	wantOutcome(t, resp, body, http.StatusForbidden, "forbidden", "chain.not_entitled", "")
	resp, body = e.doAs(keyPatient, http.MethodGet, "/fhir/ClaimResponse", "", nil)
	wantOutcome(t, resp, body, http.StatusBadRequest, "invalid", "api.invalid_parameter", "one of patient")
	resp, body = e.doAs(keyPatient, http.MethodGet, "/fhir/ClaimResponse/"+s.claim, "", nil)
	wantOutcome(t, resp, body, http.StatusBadRequest, "invalid", "api.invalid_parameter", "round")
}

// Coverage: by ID and by patient, to the patient and the payer's members,
// the same facts as /v1/coverage; refused to a stranger.
func TestFHIRCoverage(t *testing.T) {
	s := seedPrivate(t)
	e := s.env
	resp, body := e.doAs(keyPatient, http.MethodGet, "/fhir/Coverage/"+s.coverage, "", nil)
	var cv struct {
		ID, Status  string
		Beneficiary struct{ Reference string }
		Payor       []struct{ Reference string }
		Period      struct{ Start, End string }
		Class       []struct{ Value string }
	}
	fhirAnswer(t, resp, body, http.StatusOK, "Coverage", &cv)
	var v1 struct{ ID, Patient, Plan, Payer, Start, End, Status string }
	e.getAs(keyPatient, "/v1/coverage/"+s.coverage, http.StatusOK, &v1)
	if cv.ID != v1.ID || cv.Status != "active" || cv.Beneficiary.Reference != "Patient/"+v1.Patient ||
		len(cv.Payor) != 1 || cv.Payor[0].Reference != "Organization/"+v1.Payer ||
		cv.Period.Start != v1.Start || cv.Period.End != v1.End || len(cv.Class) != 1 || cv.Class[0].Value != v1.Plan {
		t.Errorf("Coverage %s\n/v1: %+v", body, v1)
	}
	for _, signer := range []string{keyPatient, "insurer-privacy"} {
		var ids []string
		for _, raw := range walkPages(t, e, signer, "/fhir/Coverage?patient=Patient/"+s.patient+"&_count=1") {
			var r struct{ ResourceType, ID string }
			if err := json.Unmarshal(raw, &r); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, r.ResourceType+"/"+r.ID)
		}
		if !slices.Contains(ids, "Coverage/"+s.coverage) {
			t.Errorf("Coverage search as %s: %v", signer, ids)
		}
	}
	resp, body = e.doAs(keyStranger, http.MethodGet, "/fhir/Coverage/"+s.coverage, "", nil)
	wantOutcome(t, resp, body, http.StatusForbidden, "forbidden", "chain.not_entitled", "")
	resp, body = e.doAs(keyStranger, http.MethodGet, "/fhir/Coverage?patient="+s.patient, "", nil)
	wantOutcome(t, resp, body, http.StatusForbidden, "forbidden", "chain.not_entitled", "")
	resp, body = e.doAs(keyPatient, http.MethodGet, "/fhir/Coverage", "", nil)
	wantOutcome(t, resp, body, http.StatusBadRequest, "invalid", "api.invalid_parameter", "names the patient")
	resp, body = e.doAs(keyPatient, http.MethodGet, "/fhir/Coverage/cv-nope", "", nil)
	wantOutcome(t, resp, body, http.StatusBadRequest, "invalid", "api.invalid_parameter", "cv-")
}

func TestFHIRVerificationResult(t *testing.T) {
	s := seedPrivate(t)
	e := s.env
	// The case's requirements, as /v1 has them, one by one.
	var c struct{ Requirements []struct{ Type string } }
	e.getAs("dr-grey", "/v1/credentials/cases/"+s.credCase, http.StatusOK, &c)
	if len(c.Requirements) == 0 {
		t.Fatal("the seeded case has no requirement")
	}
	for i, req := range c.Requirements {
		id := s.credCase + "-" + strconv.Itoa(i)
		resp, body := e.doAs("dr-grey", http.MethodGet, "/fhir/VerificationResult/"+id, "", nil)
		var vr struct {
			ID             string
			TargetLocation []string
		}
		fhirAnswer(t, resp, body, http.StatusOK, "VerificationResult", &vr)
		if vr.ID != id || len(vr.TargetLocation) != 1 || vr.TargetLocation[0] != req.Type {
			t.Errorf("VerificationResult %s: %s (requirement %s)", id, body, req.Type)
		}
	}
	resp, body := e.doAs("dr-grey", http.MethodGet, "/fhir/VerificationResult/"+s.credCase+"-"+strconv.Itoa(len(c.Requirements)), "", nil)
	wantOutcome(t, resp, body, http.StatusNotFound, "not-found", "credentials.not_found", "requirements")
	resp, body = e.doAs(keyStranger, http.MethodGet, "/fhir/VerificationResult/"+s.credCase+"-0", "", nil)
	wantOutcome(t, resp, body, http.StatusForbidden, "forbidden", "chain.not_entitled", "")
	resp, body = e.do(http.MethodGet, "/fhir/VerificationResult/"+s.credCase+"-0", "", nil)
	wantOutcome(t, resp, body, http.StatusUnauthorized, "login", "api.unauthenticated", "")
}
