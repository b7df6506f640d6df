package api_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/medchain/medchain/internal/api"
	"github.com/medchain/medchain/internal/api/apitest"
	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/localtx"
	"github.com/medchain/medchain/internal/monitor"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/seal"
	"github.com/medchain/medchain/internal/tx"
	"github.com/medchain/medchain/internal/vault"
)

// newRecordsEnv is a harness whose API has a vault: its node is custodian
// for general-hospital, whose custodian member ("general-hospital/custodian")
// signs the receipts. dr-grey (physician) authors records; acme-insurance's
// "claims" member is a reader with no grant.
func newRecordsEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t, apitest.Options{})
	e.ok("hospital-admin", identity.TypeRegisterMember, registerDrGrey())
	e.ok("hospital-admin", identity.TypeRegisterMember, identity.RegisterMember{
		Handle: "custodian", Kind: identity.System, Roles: []ledger.Role{"custodian"}, PublicKey: apitest.PubKey("hospital-custodian")})
	e.ok("insurer-admin", identity.TypeRegisterMember, identity.RegisterMember{
		Handle: "claims", Roles: []ledger.Role{"claims-officer"}, PublicKey: apitest.PubKey("claims")})

	node := e.h.Node
	waiters := chain.NewWaiters()
	e.h.App.Subscribe(waiters.Committed)
	signer, err := localtx.New(localtx.Options{Key: apitest.Key("hospital-custodian"), Chain: e.h.App, Broadcast: node.BroadcastTxSync, Waiters: waiters})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	v, err := vault.Open(vault.Options{
		Dir:        dir,
		Custodians: []vault.Custodian{{Org: "general-hospital", Signer: signer}},
		App:        e.h.App,
	})
	if err != nil {
		t.Fatal(err)
	}
	mon, err := monitor.Open(monitor.Options{Dir: t.TempDir(), IdentityDir: filepath.Join(dir, "custodians"), App: e.h.App,
		Custodians: []monitor.Custodian{{Org: "general-hospital", Signer: signer}}, BatchAge: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Deps{App: e.h.App, Node: node, Vault: v, Monitor: mon})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ts.Close()
		srv.Close()
		mon.Close()
		waiters.Close()
		v.Close()
	})
	e.h.URL, e.vault, e.monitor = ts.URL, v, mon
	return e
}

// signed wraps a signed request as the body of the records endpoints.
func signed(raw []byte) []byte {
	b, _ := json.Marshal(map[string]string{"request": base64.StdEncoding.EncodeToString(raw)})
	return b
}

func (e *env) post(path, contentType string, body []byte, want int, out any) []byte {
	e.t.Helper()
	resp, b := e.do(http.MethodPost, path, contentType, body)
	if resp.StatusCode != want {
		e.t.Fatalf("POST %s: status %d, want %d: %s", path, resp.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			e.t.Fatalf("POST %s: decode: %v\n%s", path, err, b)
		}
	}
	return b
}

// refused posts a read request and wants a problem that names its receipt.
func (e *env) refused(raw []byte, status int, code string) {
	e.t.Helper()
	resp, body := e.do(http.MethodPost, "/v1/records/reads", "application/json", signed(raw))
	wantProblem(e.t, resp, body, status, code)
	var p struct {
		Receipt string `json:"receipt"`
	}
	json.Unmarshal(body, &p)
	if want := strings.ToLower(tx.HashOf(raw).String()); p.Receipt != want {
		e.t.Fatalf("refused read: receipt %q, want %q: %s", p.Receipt, want, body)
	}
}

type servedView struct {
	Record     records.Record  `json:"record"`
	Version    records.Version `json:"version"`
	Ciphertext []byte          `json:"ciphertext"`
	WrappedKey []byte          `json:"wrapped_key"`
	Receipt    string          `json:"receipt"`
	Basis      string          `json:"basis"`
	Grant      string          `json:"grant"`
	BreakGlass string          `json:"break_glass"`
}

const observation = `{"resourceType":"Observation","status":"final","code":{"text":"Heart rate"},"valueQuantity":{"value":72,"unit":"beats/minute"}}`

// Every records endpoint answers as openapi.json says, for the answers a
// full flow produces: upload, anchor, reads served and refused (with their
// receipts), grants as JSON and FHIR, delegation, break-glass, erasure.
func TestRecordsMatchOpenAPI(t *testing.T) {
	e := newRecordsEnv(t)
	var pt ledger.Created
	json.Unmarshal(e.ok("patient-1", identity.TypeRegisterPatient, identity.RegisterPatient{}).Result, &pt)

	// Upload and anchor.
	var up struct {
		Uploads []vault.Uploaded `json:"uploads"`
	}
	e.post("/v1/records/uploads", "application/json",
		signed(e.sign("dr-grey", records.TypeUpload, records.Upload{Patient: pt.ID, Document: []byte(observation)})),
		http.StatusCreated, &up)
	if len(up.Uploads) != 1 || up.Uploads[0].Custodian != "general-hospital" || up.Uploads[0].Patient != pt.ID {
		t.Fatalf("uploads: %+v", up)
	}
	rec := up.Uploads[0].Record
	e.ok("dr-grey", records.TypeAdd, records.Add{Anchors: []records.Anchor{up.Uploads[0].Anchor}})

	var rv struct {
		records.Record
		Versions []records.Version `json:"versions"`
	}
	e.getAs("patient-1", "/v1/records/"+rec, http.StatusOK, &rv)
	if rv.ID != rec || len(rv.Versions) != 1 || rv.Versions[0].Hash != up.Uploads[0].Hash {
		t.Fatalf("record: %+v", rv)
	}
	e.getAs("patient-1", "/v1/patients/"+pt.ID+"/records?limit=1", http.StatusOK, nil)

	// The patient reads their record and decrypts it.
	var s servedView
	e.post("/v1/records/reads", "application/json",
		signed(e.sign("patient-1", records.TypeReadRequest, records.ReadRequest{Record: rec, Purpose: records.PurposeTreatment})),
		http.StatusOK, &s)
	id, err := seal.IdentityForEd25519(ed25519.PrivateKey(apitest.Key("patient-1").Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	dk, err := seal.Unwrap(s.WrappedKey, id)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := seal.Open(s.Ciphertext, dk)
	if err != nil || !bytes.Equal(plain, []byte(observation)) || s.Basis != records.BasisOwner || records.HashHex(s.Ciphertext) != s.Version.Hash {
		t.Fatalf("served: basis %q, %v, %s", s.Basis, err, plain)
	}

	// Refusals carry their receipt.
	e.refused(e.sign("claims", records.TypeReadRequest, records.ReadRequest{Record: rec, Purpose: records.PurposePayment}),
		http.StatusForbidden, "records.no_grant")
	e.refused(e.sign("claims", records.TypeReadRequest, records.ReadRequest{Record: "rec-" + strings.Repeat("0", 24), Purpose: records.PurposePayment}),
		http.StatusNotFound, "records.unknown_record")

	// A grant, as JSON and as FHIR, and the FHIR mapped back.
	var gr ledger.Created
	expires := apitest.GenesisTime.Add(365 * 24 * time.Hour)
	json.Unmarshal(e.ok("patient-1", records.TypeGrant, records.GrantMsg{
		Grantee: records.Grantee{Org: "acme-insurance"}, Purposes: []string{records.PurposePayment}, Expires: expires}).Result, &gr)
	var g records.Grant
	e.getAs("patient-1", "/v1/grants/"+gr.ID, http.StatusOK, &g)
	e.getAs("patient-1", "/v1/grants/"+gr.ID+"?format=json", http.StatusOK, nil)
	resp, consent := e.doAs("patient-1", http.MethodGet, "/v1/grants/"+gr.ID+"?format=fhir", "", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/fhir+json" {
		t.Fatalf("fhir grant: %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), consent)
	}
	var draft struct {
		Type string           `json:"type"`
		Msg  records.GrantMsg `json:"msg"`
	}
	e.post("/v1/consents/fhir", "application/fhir+json", consent, http.StatusOK, &draft)
	if draft.Type != records.TypeGrant || draft.Msg.Patient != pt.ID || draft.Msg.Grantee.Org != "acme-insurance" || !draft.Msg.Expires.Equal(expires) {
		t.Fatalf("draft: %+v", draft)
	}
	e.post("/v1/consents/fhir", "application/json", consent, http.StatusOK, nil)
	deny := bytes.Replace(consent, []byte(`"provision": {`), []byte(`"provision": {"type": "deny",`), 1)
	resp, body := e.do(http.MethodPost, "/v1/consents/fhir", "application/fhir+json", deny)
	wantProblem(t, resp, body, http.StatusBadRequest, "records.invalid_document")
	e.getAs("patient-1", "/v1/patients/"+pt.ID+"/grants", http.StatusOK, nil)

	e.refused(e.sign("claims", records.TypeReadRequest, records.ReadRequest{Record: rec, Purpose: records.PurposeResearch}),
		http.StatusForbidden, "records.purpose_not_granted")
	e.post("/v1/records/reads", "application/json",
		signed(e.sign("claims", records.TypeReadRequest, records.ReadRequest{Record: rec, Purpose: records.PurposePayment})),
		http.StatusOK, &s)
	if s.Basis != records.BasisGrant || s.Grant != gr.ID {
		t.Fatalf("grant read: %+v", s)
	}

	// Delegation and break-glass.
	until := apitest.GenesisTime.Add(30 * 24 * time.Hour)
	e.ok("patient-1", records.TypeDelegate, records.Delegate{Delegate: "acme-insurance/claims", Expires: &until})
	e.getAs("patient-1", "/v1/patients/"+pt.ID+"/delegates", http.StatusOK, nil)
	var w records.BreakGlass
	json.Unmarshal(e.ok("dr-grey", records.TypeBreakGlass, records.OpenBreakGlass{Patient: pt.ID, Reason: "life-threatening"}).Result, &w)
	var windows struct {
		Items []struct {
			ID   string `json:"id"`
			Open bool   `json:"open"`
		} `json:"items"`
	}
	e.getAs("patient-1", "/v1/patients/"+pt.ID+"/break-glass", http.StatusOK, &windows)
	if len(windows.Items) != 1 || windows.Items[0].ID != w.ID || !windows.Items[0].Open {
		t.Fatalf("break-glass: %+v", windows)
	}
	e.ok("hospital-admin", identity.TypeRegisterMember, identity.RegisterMember{
		Handle: "privacy", Roles: []ledger.Role{"privacy-officer"}, PublicKey: apitest.PubKey("hospital-privacy")})
	e.getAs("hospital-privacy", "/v1/orgs/general-hospital/break-glass", http.StatusOK, nil)
	e.post("/v1/records/reads", "application/json",
		signed(e.sign("dr-grey", records.TypeReadRequest, records.ReadRequest{Record: rec, Purpose: records.PurposeEmergency, BreakGlass: w.ID})),
		http.StatusOK, &s)
	if s.Basis != records.BasisBreakGlass || s.BreakGlass != w.ID {
		t.Fatalf("break-glass read: %+v", s)
	}

	// Access logs, paged; the refusals' receipts once their batch is
	// written (flushed here rather than waited for).
	if lost := e.vault.FlushRefusals(context.Background()); lost != 0 {
		t.Fatalf("%d receipts of refused reads lost", lost)
	}
	var log struct {
		Items []records.Receipt `json:"items"`
		Next  string            `json:"next"`
	}
	e.getAs("patient-1", "/v1/patients/"+pt.ID+"/access-log?limit=2", http.StatusOK, &log)
	if len(log.Items) != 2 || log.Next == "" {
		t.Fatalf("access log: %+v", log)
	}
	e.getAs("patient-1", "/v1/patients/"+pt.ID+"/access-log?after="+log.Next, http.StatusOK, nil)
	e.getAs("hospital-privacy", "/v1/orgs/general-hospital/access-log", http.StatusOK, &log)
	if len(log.Items) != 6 {
		t.Fatalf("custodian access log: %d receipts", len(log.Items))
	}

	// Break-glass review: the hospital's windows wait for its privacy
	// officer, who reviews one once it has closed; the patient's access log
	// shows the review.
	var short records.BreakGlass
	json.Unmarshal(e.ok("dr-grey", records.TypeBreakGlass, records.OpenBreakGlass{Patient: pt.ID, Reason: "life-threatening", Minutes: 1}).Result, &short)
	var toReview struct {
		Items []records.BreakGlass `json:"items"`
		Next  string               `json:"next"`
	}
	e.getAs("hospital-privacy", "/v1/orgs/general-hospital/break-glass?unreviewed=true&limit=1", http.StatusOK, &toReview)
	if len(toReview.Items) != 1 || toReview.Items[0].ID != w.ID || toReview.Next != w.ID {
		t.Fatalf("unreviewed, first page: %+v", toReview)
	}
	toReview.Next = "" // absent on the last page
	e.getAs("hospital-privacy", "/v1/orgs/general-hospital/break-glass?unreviewed=true&after="+w.ID, http.StatusOK, &toReview)
	if len(toReview.Items) != 1 || toReview.Items[0].ID != short.ID || toReview.Next != "" {
		t.Fatalf("unreviewed, second page: %+v", toReview)
	}
	resp, body = e.doAs("patient-1", http.MethodGet, "/v1/patients/"+pt.ID+"/break-glass?unreviewed=true", "", nil)
	wantProblem(t, resp, body, http.StatusBadRequest, "api.invalid_parameter")
	e.get("/v1/break-glass/limits", http.StatusOK, nil)
	for range 61 { // a block a second: the window closes
		if _, err := e.h.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	e.ok("hospital-privacy", records.TypeReviewBreakGlass, records.ReviewBreakGlass{Window: short.ID, Outcome: records.ReviewFlagged, Reason: "no-emergency"})
	e.getAs("hospital-privacy", "/v1/orgs/general-hospital/break-glass?unreviewed=true", http.StatusOK, &toReview)
	if len(toReview.Items) != 1 || toReview.Items[0].ID != w.ID {
		t.Fatalf("unreviewed after the review: %+v", toReview)
	}
	e.getAs("patient-1", "/v1/patients/"+pt.ID+"/access-log?limit=1000", http.StatusOK, &log)
	last := log.Items[len(log.Items)-1]
	if last.Kind != records.EntryBreakGlassReview || last.BreakGlass != short.ID || last.Review == nil || last.Review.By != "general-hospital/privacy" {
		t.Fatalf("access log review entry: %+v", last)
	}

	// Errors of the signed endpoints.
	raw := e.sign("patient-1", records.TypeReadRequest, records.ReadRequest{Record: rec, Purpose: records.PurposeTreatment})
	e.post("/v1/records/reads", "application/json", signed(raw), http.StatusOK, nil)
	resp, body = e.do(http.MethodPost, "/v1/records/reads", "application/json", signed(raw))
	wantProblem(t, resp, body, http.StatusConflict, "chain.replay")
	resp, body = e.do(http.MethodPost, "/v1/records/reads", "application/json", []byte(`{"request": "not base64!"}`))
	wantProblem(t, resp, body, http.StatusBadRequest, "api.invalid_body")
	resp, body = e.do(http.MethodPost, "/v1/records/uploads", "application/json",
		signed(e.sign("dr-grey", records.TypeUpload, records.Upload{Patient: pt.ID, Document: []byte(`{"resourceType":"Observation","code":{"text":"x"}}`)})))
	p := wantProblem(t, resp, body, http.StatusBadRequest, "records.invalid_document")
	if !strings.Contains(p.Detail, "Observation.status") {
		t.Fatalf("invalid document detail %q", p.Detail)
	}
	resp, body = e.do(http.MethodPost, "/v1/records/uploads", "application/json",
		signed(e.sign("patient-1", records.TypeUpload, records.Upload{Patient: pt.ID, Document: []byte(observation)})))
	wantProblem(t, resp, body, http.StatusForbidden, "records.unauthorized")

	// Erasure: the record's index stays, reads are refused as gone.
	e.ok("patient-1", records.TypeErase, records.Erase{Record: rec, Reason: "patient-request"})
	e.getAs("patient-1", "/v1/records/"+rec, http.StatusOK, &rv)
	if rv.Status != records.StatusErased || rv.Erasure == nil {
		t.Fatalf("erased record: %+v", rv)
	}
	e.refused(e.sign("patient-1", records.TypeReadRequest, records.ReadRequest{Record: rec, Purpose: records.PurposeTreatment}),
		http.StatusGone, "records.erased")
	resp, body = e.do(http.MethodPost, "/v1/records/uploads", "application/json",
		signed(e.sign("dr-grey", records.TypeUpload, records.Upload{Patient: pt.ID, Record: rec, Document: []byte(observation)})))
	wantProblem(t, resp, body, http.StatusGone, "records.erased")
}

// A node without a vault answers the signed endpoints 503; the queries
// still answer from the ledger.
func TestRecordsWithoutVaultMatchOpenAPI(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	for _, path := range []string{"/v1/records/uploads", "/v1/records/reads"} {
		resp, body := e.do(http.MethodPost, path, "application/json", signed([]byte("x")))
		wantProblem(t, resp, body, http.StatusServiceUnavailable, "api.no_records_here")
	}
	var pt ledger.Created
	json.Unmarshal(e.ok("patient-2", identity.TypeRegisterPatient, identity.RegisterPatient{}).Result, &pt)
	e.ok("lab-admin", identity.TypeRegisterMember, identity.RegisterMember{
		Handle: "auditor", Roles: []ledger.Role{ledger.RoleAuditor}, PublicKey: apitest.PubKey("lab-auditor")})
	for _, path := range []string{
		"/v1/patients/" + pt.ID + "/records", "/v1/patients/" + pt.ID + "/grants", "/v1/patients/" + pt.ID + "/delegates",
		"/v1/patients/" + pt.ID + "/access-log", "/v1/patients/" + pt.ID + "/break-glass",
	} {
		e.getAs("patient-2", path, http.StatusOK, nil)
	}
	for _, path := range []string{"/v1/orgs/city-lab/access-log", "/v1/orgs/city-lab/break-glass"} {
		e.getAs("lab-auditor", path, http.StatusOK, nil)
	}
	// An unknown record, patient or grant is refused like one the caller
	// may not see: the answer says nothing of what exists.
	cases := []struct {
		path   string
		status int
		code   string
	}{
		{"/v1/records/nope", 400, "api.invalid_parameter"},
		{"/v1/records/rec-" + strings.Repeat("a", 24), 403, "chain.not_entitled"},
		{"/v1/patients/pt-00/records", 403, "chain.not_entitled"},
		{"/v1/grants/gr-" + strings.Repeat("a", 24), 403, "chain.not_entitled"},
	}
	for _, c := range cases {
		resp, body := e.doAs("lab-admin", http.MethodGet, c.path, "", nil)
		wantProblem(t, resp, body, c.status, c.code)
	}
}

// Which patients granted an organisation access, as openapi.json says: the
// grants to the organisation, a role in it and its members that cover the
// caller (all of them for its admins), by patient and paged, active ones
// only, answered to the organisation's members only.
func TestOrgPatientsMatchOpenAPI(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	e.ok("hospital-admin", identity.TypeRegisterMember, registerDrGrey())
	p1, p2 := e.registerPatient("org-patient-1"), e.registerPatient("org-patient-2")
	expires := apitest.GenesisTime.AddDate(1, 0, 0)
	grant := func(key string, to records.Grantee, purposes ...string) string {
		return e.created(key, records.TypeGrant, records.GrantMsg{Grantee: to, Purposes: purposes, Expires: expires})
	}
	toOrg := grant("org-patient-1", records.Grantee{Org: "general-hospital"}, records.PurposeTreatment)
	toMember := grant("org-patient-2", records.Grantee{Member: "general-hospital/dr-grey"}, records.PurposePayment, records.PurposeTreatment)
	toRole := grant("org-patient-2", records.Grantee{Org: "general-hospital", Role: ledger.RoleNurse}, records.PurposeOperations)
	toInsurer := grant("org-patient-2", records.Grantee{Org: "acme-insurance"}, records.PurposePayment)

	type page struct {
		Items []records.GrantingPatient `json:"items"`
		Next  string                    `json:"next"`
	}
	ids := func(p records.GrantingPatient) []string {
		var out []string
		for _, g := range p.Grants {
			out = append(out, g.ID)
		}
		return out
	}
	// The admin sees every grant the organisation holds; dr-grey, a
	// physician, those that cover him (not the nurses'). By patient ID,
	// each with its grants by grant ID; never a grant to another
	// organisation.
	wants := map[string]map[string][]string{
		"hospital-admin": {p1: {toOrg}, p2: {toMember, toRole}},
		"dr-grey":        {p1: {toOrg}, p2: {toMember}},
	}
	slices.Sort(wants["hospital-admin"][p2])
	first, second := min(p1, p2), max(p1, p2)
	for as, want := range wants {
		var all page
		e.getAs(as, "/v1/orgs/general-hospital/patients", http.StatusOK, &all)
		if len(all.Items) != 2 || all.Next != "" || all.Items[0].Patient != first || all.Items[1].Patient != second {
			t.Fatalf("patients of general-hospital as %s: %+v", as, all)
		}
		for _, it := range all.Items {
			if got := ids(it); !slices.Equal(got, want[it.Patient]) {
				t.Errorf("grants of %s as %s: %v, want %v", it.Patient, as, got, want[it.Patient])
			}
		}
	}
	var insurer page
	e.getAs("insurer-admin", "/v1/orgs/acme-insurance/patients", http.StatusOK, &insurer)
	if len(insurer.Items) != 1 || insurer.Items[0].Patient != p2 || !slices.Equal(ids(insurer.Items[0]), []string{toInsurer}) {
		t.Fatalf("patients of acme-insurance: %+v", insurer)
	}

	// Paged by patient ID.
	var pg page
	e.getAs("dr-grey", "/v1/orgs/general-hospital/patients?limit=1", http.StatusOK, &pg)
	if len(pg.Items) != 1 || pg.Items[0].Patient != first || pg.Next != first {
		t.Fatalf("first page: %+v", pg)
	}
	pg = page{}
	e.getAs("dr-grey", "/v1/orgs/general-hospital/patients?limit=1&after="+first, http.StatusOK, &pg)
	if len(pg.Items) != 1 || pg.Items[0].Patient != second || pg.Next != "" {
		t.Fatalf("second page: %+v", pg)
	}

	// A revoked grant is no longer listed, nor its patient if it was their
	// only one.
	e.ok("org-patient-1", records.TypeRevoke, records.Revoke{Grant: toOrg})
	pg = page{}
	e.getAs("dr-grey", "/v1/orgs/general-hospital/patients", http.StatusOK, &pg)
	if len(pg.Items) != 1 || pg.Items[0].Patient != p2 {
		t.Fatalf("after the revocation: %+v", pg)
	}

	// Refusals: no credential, a member of another organisation, a patient
	// (even one who granted), a bad page size.
	cases := []struct {
		as, path string
		status   int
		code     string
	}{
		{"", "/v1/orgs/general-hospital/patients", 401, "api.unauthenticated"},
		{"insurer-admin", "/v1/orgs/general-hospital/patients", 403, "chain.not_entitled"},
		{"org-patient-2", "/v1/orgs/general-hospital/patients", 403, "chain.not_entitled"},
		{"dr-grey", "/v1/orgs/no-such-org/patients", 403, "chain.not_entitled"},
		{"dr-grey", "/v1/orgs/general-hospital/patients?limit=0", 400, "api.invalid_parameter"},
	}
	for _, c := range cases {
		resp, body := e.doAs(c.as, http.MethodGet, c.path, "", nil)
		wantProblem(t, resp, body, c.status, c.code)
	}
}
