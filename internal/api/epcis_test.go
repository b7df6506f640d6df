package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/api"
	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/epcis"
	"github.com/medchain/medchain/internal/epcisrepo"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/localtx"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/supply"

	"github.com/medchain/medchain/internal/api/apitest"
)

// GLNs of the EPCIS tests: the hospital's receiving dock and vaxco's plant.
const (
	glnHospital = "0614141000029"
	glnVaxco    = "0614141000036"
	gtinEPCIS   = "09506000134352"
	ssccEPCIS   = "106141412345678908"
)

// newEPCISEnv is a harness whose API has an EPCIS repository keeping the
// events of general-hospital and of vaxco (a manufacturer admitted by
// governance), each signed by its custodian member:
//
//	general-hospital  hospital-admin (admin), hospital-pharmacist (pharmacist), custodian hospital-custodian
//	vaxco             vaxco-admin (admin), vaxco-logistics (logistics), custodian vaxco-custodian
//	city-lab          lab-tech (lab technician): a member of no trading partner
//	a patient         epcis-patient
func newEPCISEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t, apitest.Options{})
	e.supplyAdmitOrg("vaxco", ledger.OrgManufacturer, []string{"insurer-admin", "lab-admin"})
	e.supplyMember("vaxco-admin", "logistics", identity.Person, "vaxco-logistics", ledger.RoleLogistics, ledger.RoleQuality)
	e.supplyMember("vaxco-admin", "custodian", identity.System, "vaxco-custodian", ledger.RoleCustodian)
	e.supplyMember("hospital-admin", "pharmacy", identity.Person, "hospital-pharmacist", ledger.RolePharmacist)
	e.supplyMember("hospital-admin", "custodian", identity.System, "hospital-custodian", ledger.RoleCustodian)
	e.supplyMember("lab-admin", "tech", identity.Person, "lab-tech", ledger.RoleLabTechnician)
	e.registerPatient("epcis-patient")

	waiters := chain.NewWaiters()
	e.h.App.Subscribe(waiters.Committed)
	var custodians []epcisrepo.Custodian
	for org, key := range map[string]string{"general-hospital": "hospital-custodian", "vaxco": "vaxco-custodian"} {
		s, err := localtx.New(localtx.Options{Key: apitest.Key(key), Chain: e.h.App, Broadcast: e.h.Node.BroadcastTxSync, Waiters: waiters})
		if err != nil {
			t.Fatal(err)
		}
		custodians = append(custodians, epcisrepo.Custodian{Org: org, Signer: s})
	}
	repo, err := epcisrepo.Open(epcisrepo.Options{Dir: t.TempDir(), IdentityDir: t.TempDir(), Custodians: custodians, App: e.h.App, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Deps{App: e.h.App, Node: e.h.Node, EPCIS: repo})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ts.Close()
		srv.Close()
		waiters.Close()
		repo.Close()
	})
	e.h.URL = ts.URL
	return e
}

// capture posts doc to POST /epcis/capture as signer ("": anonymous), with
// the GS1-Capture-Error-Behaviour behaviour ("": none).
func (e *env) capture(signer, behaviour, contentType string, doc []byte) (*http.Response, []byte) {
	e.t.Helper()
	return e.doWith(http.MethodPost, "/epcis/capture", contentType, doc, func(req *http.Request) {
		if behaviour != "" {
			req.Header.Set("GS1-Capture-Error-Behaviour", behaviour)
		}
		if signer != "" {
			req.Header.Set("Authorization", e.authorization(signer, req))
		}
	})
}

type captureJob struct {
	ID         string         `json:"captureID"`
	Running    bool           `json:"running"`
	Success    bool           `json:"success"`
	Behaviour  string         `json:"captureErrorBehaviour"`
	Errors     []epcisProblem `json:"errors"`
	Org        string         `json:"org"`
	CapturedBy string         `json:"capturedBy"`
	Events     int            `json:"events"`
	Captured   int            `json:"captured"`
	Txs        []struct {
		Hash   string `json:"hash"`
		Height int64  `json:"height"`
		Events int    `json:"events"`
	} `json:"transactions"`
}

type epcisProblem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
	Field  string `json:"field"`
	Event  *int   `json:"event"`
}

// captured captures doc as signer and waits for its job to end.
func (e *env) captured(signer, behaviour string, doc []byte) captureJob {
	e.t.Helper()
	resp, body := e.capture(signer, behaviour, "application/ld+json", doc)
	if resp.StatusCode != http.StatusAccepted {
		e.t.Fatalf("capture as %s: %d %s", signer, resp.StatusCode, body)
	}
	var j captureJob
	if err := json.Unmarshal(body, &j); err != nil {
		e.t.Fatal(err)
	}
	if loc := resp.Header.Get("Location"); loc != "/epcis/capture/"+j.ID || !strings.HasPrefix(j.ID, "cj-") {
		e.t.Fatalf("capture: Location %q, job %q", loc, j.ID)
	}
	for _, h := range []string{"GS1-EPCIS-Version", "GS1-CBV-Version", "GS1-Capture-Error-Behaviour"} {
		if resp.Header.Get(h) == "" {
			e.t.Errorf("capture answer has no %s", h)
		}
	}
	return e.job(signer, j.ID)
}

// job polls a capture job until it ends.
func (e *env) job(signer, id string) captureJob {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var j captureJob
		e.getAs(signer, "/epcis/capture/"+id, http.StatusOK, &j)
		if !j.Running {
			return j
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("capture job %s still running: %+v", id, j)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// queryDoc is what a query answers: the EPCISQueryDocument, checked against
// GS1's schema, and its events' CBV hashes recomputed from their bodies.
type queryDoc struct {
	raw    []byte
	events []map[string]any
	hashes []string
	next   string // the Link header's target
}

func (e *env) epcisQuery(signer, path string) queryDoc {
	e.t.Helper()
	resp, body := e.doAs(signer, http.MethodGet, path, "", nil)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("GET %s as %s: %d %s", path, signer, resp.StatusCode, body)
	}
	if resp.Header.Get("GS1-EPCIS-Version") != "2.0.0" || resp.Header.Get("GS1-CBV-Version") != "2.0.0" {
		e.t.Errorf("GET %s: no GS1 version headers: %v", path, resp.Header)
	}
	if err := epcis.ValidateDocument(body); err != nil {
		e.t.Fatalf("GET %s: the answer does not validate against GS1's schema: %v\n%s", path, err, body)
	}
	var d struct {
		Body struct {
			QR struct {
				RB struct {
					EventList []map[string]any `json:"eventList"`
				} `json:"resultsBody"`
			} `json:"queryResults"`
		} `json:"epcisBody"`
	}
	if err := json.Unmarshal(body, &d); err != nil {
		e.t.Fatal(err)
	}
	hashes, err := epcis.DocumentHashes(body)
	if err != nil {
		e.t.Fatal(err)
	}
	q := queryDoc{raw: body, events: d.Body.QR.RB.EventList, hashes: hashes}
	if l := resp.Header.Get("Link"); l != "" {
		if !strings.HasPrefix(l, "<") || !strings.HasSuffix(l, `>; rel="next"`) {
			e.t.Fatalf("Link %q", l)
		}
		q.next = l[1:strings.Index(l, ">")]
	}
	return q
}

// epcisRefused wants a request answered with the EPCIS problem of status,
// type and code, naming field.
func (e *env) epcisRefused(resp *http.Response, body []byte, status int, typ, code, field string) epcisProblem {
	e.t.Helper()
	var p epcisProblem
	if err := json.Unmarshal(body, &p); err != nil {
		e.t.Fatalf("not a problem: %s", body)
	}
	if resp.StatusCode != status || p.Status != status || p.Type != "epcisException:"+typ || p.Code != code || field != "" && p.Field != field {
		e.t.Fatalf("got %d %s %s field %q, want %d %s %s field %q: %s", resp.StatusCode, p.Type, p.Code, p.Field, status, typ, code, field, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" || resp.Header.Get("GS1-EPCIS-Version") == "" {
		e.t.Fatalf("problem: Content-Type %q, headers %v", ct, resp.Header)
	}
	return p
}

func sortedCopy(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// supplyDoc is an EPCIS 2.0 document of events (eventTime and offset set
// when absent).
func supplyDoc(t *testing.T, events ...map[string]any) []byte {
	t.Helper()
	for i, ev := range events {
		if ev["eventTime"] == nil {
			ev["eventTime"] = fmt.Sprintf("2026-05-04T08:%02d:00.000Z", 10*i)
		}
		ev["eventTimeZoneOffset"] = "+00:00"
	}
	b, err := json.Marshal(map[string]any{
		"@context":      []any{"https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"},
		"type":          "EPCISDocument",
		"schemaVersion": "2.0",
		"creationDate":  "2026-05-04T08:00:00.000Z",
		"epcisBody":     map[string]any{"eventList": events},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func unitURN(serial string) string {
	return "https://id.gs1.org/01/" + gtinEPCIS + "/21/" + serial
}

// vaxcoShipment commissions three packs, packs them into a case and ships
// the case to the hospital's GLN, from vaxco's.
func vaxcoShipment(t *testing.T) []byte {
	units := []any{unitURN("EP0001"), unitURN("EP0002"), unitURN("EP0003")}
	return supplyDoc(t,
		map[string]any{"type": "ObjectEvent", "action": "ADD", "bizStep": "commissioning", "disposition": "active", "epcList": units,
			"bizLocation": map[string]any{"id": "urn:epc:id:sgln:0614141.00003.0"},
			"ilmd":        map[string]any{"cbvmda:lotNumber": "EP-1", "cbvmda:itemExpirationDate": "2030-03-31"}},
		map[string]any{"type": "AggregationEvent", "action": "ADD", "bizStep": "packing", "parentID": "urn:epc:id:sscc:0614141.1234567890", "childEPCs": units},
		map[string]any{"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "shipping", "disposition": "in_transit",
			"epcList":         []any{"https://id.gs1.org/00/" + ssccEPCIS},
			"sourceList":      []any{map[string]any{"type": "owning_party", "source": "https://id.gs1.org/417/" + glnVaxco}},
			"destinationList": []any{map[string]any{"type": "owning_party", "destination": "https://id.gs1.org/417/" + glnHospital}}},
	)
}

// hospitalReceipt is the hospital's receiving of the case, naming vaxco as
// the source.
func hospitalReceipt(t *testing.T) []byte {
	return supplyDoc(t, map[string]any{"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "receiving", "disposition": "in_progress",
		"eventTime": "2026-05-05T10:00:00.000Z", "eventID": "urn:uuid:2d9a7d30-ff44-4b0e-9d55-5c1e9d4f1f01",
		"epcList":     []any{"https://id.gs1.org/00/" + ssccEPCIS},
		"bizLocation": map[string]any{"id": "https://id.gs1.org/414/" + glnHospital},
		"readPoint":   map[string]any{"id": "https://id.gs1.org/414/" + glnHospital + "/254/dock-1"},
		"sourceList":  []any{map[string]any{"type": "owning_party", "source": "https://id.gs1.org/417/" + glnVaxco}}})
}

// The supply chain through the binding: vaxco captures the commissioning,
// packing and shipping of a case, the hospital its receipt; each sees its
// own events and the other's that name it, by the standard's parameters,
// paged; a stranger sees none; an event's hash is proven on the ledger.
func TestEPCISCaptureAndQuery(t *testing.T) {
	e := newEPCISEnv(t)
	e.ok("vaxco-logistics", supply.TypeRegisterProduct, supply.RegisterProduct{GTIN: gtinEPCIS, Name: "Vaccine X", Kind: "vaccine"})
	e.ok("hospital-admin", supply.TypeRegisterGLN, supply.RegisterGLN{GLN: glnHospital})
	e.ok("vaxco-admin", supply.TypeRegisterGLN, supply.RegisterGLN{GLN: glnVaxco})

	ship := vaxcoShipment(t)
	j := e.captured("vaxco-logistics", "", ship)
	if !j.Success || j.Captured != 3 || j.Events != 3 || len(j.Txs) != 1 || j.Org != "vaxco" || j.CapturedBy != "vaxco/logistics" || j.Behaviour != "rollback" || len(j.Errors) != 0 {
		t.Fatalf("vaxco's capture: %+v", j)
	}
	shipHashes, _ := epcis.DocumentHashes(ship)
	for _, h := range shipHashes {
		a, ok := e.h.App.Supply().Event(e.h.App.State().Committed(), h)
		if !ok || a.Signer != "vaxco/custodian" || a.Height != j.Txs[0].Height {
			t.Fatalf("anchor of %s: %+v %v", h, a, ok)
		}
	}
	recv := e.captured("hospital-pharmacist", "", hospitalReceipt(t))
	if !recv.Success || recv.Captured != 1 || recv.Org != "general-hospital" {
		t.Fatalf("the hospital's capture: %+v", recv)
	}
	if it, ok := e.h.App.Supply().Item(e.h.App.State().Committed(), "00/"+ssccEPCIS); !ok || it.Custodian != "general-hospital" {
		t.Fatalf("the case after its receipt: %+v", it)
	}
	recvHashes, _ := epcis.DocumentHashes(hospitalReceipt(t))
	all := append(slices.Clone(shipHashes), recvHashes...)

	// Each sees its own events and the other's that name it.
	if q := e.epcisQuery("vaxco-logistics", "/epcis/events"); !slices.Equal(q.hashes, all) {
		t.Fatalf("vaxco sees %v, want %v", q.hashes, all)
	}
	if q := e.epcisQuery("hospital-pharmacist", "/epcis/events"); !slices.Equal(q.hashes, []string{shipHashes[2], recvHashes[0]}) {
		t.Fatalf("the hospital sees %v", q.hashes)
	}
	if q := e.epcisQuery("lab-tech", "/epcis/events"); len(q.events) != 0 {
		t.Fatalf("a stranger sees %v", q.hashes)
	}
	// The standard's parameters, as vaxco sees the four events.
	rt, _ := e.epcisQuery("vaxco-logistics", "/epcis/events?EQ_bizStep=receiving").events[0]["recordTime"].(string)
	for path, want := range map[string][]string{
		"eventType=AggregationEvent":                                                                 {shipHashes[1]},
		"eventType=ObjectEvent|TransactionEvent":                                                     {shipHashes[0], shipHashes[2], recvHashes[0]},
		"EQ_bizStep=receiving":                                                                       {recvHashes[0]},
		"EQ_bizStep=https://ref.gs1.org/cbv/BizStep-shipping":                                        {shipHashes[2]},
		"EQ_bizStep=urn:epcglobal:cbv:bizstep:packing":                                               {shipHashes[1]},
		"EQ_disposition=in_transit":                                                                  {shipHashes[2]},
		"EQ_action=ADD":                                                                              {shipHashes[0], shipHashes[1]},
		"MATCH_epc=urn:epc:id:sgtin:9506000.013435.EP0002":                                           {shipHashes[0], shipHashes[1]},
		"MATCH_epc=https://id.gs1.org/01/" + gtinEPCIS:                                               {shipHashes[0], shipHashes[1]},
		"MATCH_anyEPC=urn:epc:id:sscc:0614141.1234567890":                                            {shipHashes[1], shipHashes[2], recvHashes[0]},
		"MATCH_parentID=https://id.gs1.org/00/" + ssccEPCIS:                                          {shipHashes[1]},
		"EQ_bizLocation=urn:epc:id:sgln:0614141.00002.0":                                             {recvHashes[0]},
		"EQ_readPoint=https://id.gs1.org/414/" + glnHospital + "/254/dock-1":                         {recvHashes[0]},
		"WD_bizLocation=https://id.gs1.org/414/" + glnVaxco:                                          {shipHashes[0]},
		"GE_eventTime=2026-05-04T08:10:00.000Z&LT_eventTime=2026-05-05T00:00:00%2B00:00":             {shipHashes[1], shipHashes[2]},
		"GE_eventTime=2026-05-05T11:00:00.000+01:00":                                                 {recvHashes[0]},
		"LT_recordTime=" + url.QueryEscape(rt):                                                       shipHashes,
		"GE_recordTime=" + url.QueryEscape(rt):                                                       {recvHashes[0]},
		"EQ_eventID=urn:uuid:2d9a7d30-ff44-4b0e-9d55-5c1e9d4f1f01|" + url.QueryEscape(shipHashes[0]): {shipHashes[0], recvHashes[0]},
		"orderBy=eventTime":                                                                          {recvHashes[0], shipHashes[2], shipHashes[1], shipHashes[0]},
		"orderBy=eventTime&orderDirection=ASC&eventCountLimit=2":                                     {shipHashes[0], shipHashes[1]},
		"orderBy=recordTime&orderDirection=DESC&eventCountLimit=1":                                   {recvHashes[0]},
		"EXISTS_errorDeclaration=true":                                                               nil,
		"EQ_bizStep=receiving&MATCH_epc=https://id.gs1.org/00/" + ssccEPCIS:                          {recvHashes[0]},
	} {
		if q := e.epcisQuery("vaxco-logistics", "/epcis/events?"+path); !slices.Equal(q.hashes, want) {
			t.Errorf("?%s: %v, want %v", path, q.hashes, want)
		}
	}
	// The resources of events by one value.
	for path, want := range map[string][]string{
		"/epcis/eventTypes/AggregationEvent/events":                                                                                  {shipHashes[1]},
		"/epcis/bizSteps/shipping/events":                                                                                            {shipHashes[2]},
		"/epcis/dispositions/in_progress/events":                                                                                     {recvHashes[0]},
		"/epcis/epcs/" + url.PathEscape("urn:epc:id:sgtin:9506000.013435.EP0001") + "/events":                                        {shipHashes[0], shipHashes[1]},
		"/epcis/bizLocations/" + url.PathEscape("https://id.gs1.org/414/"+glnHospital) + "/events":                                   {recvHashes[0]},
		"/epcis/readPoints/" + url.PathEscape("https://id.gs1.org/414/"+glnHospital+"/254/dock-1") + "/events?eventType=ObjectEvent": {recvHashes[0]},
	} {
		if q := e.epcisQueryRouted("vaxco-logistics", path); !slices.Equal(q.hashes, want) {
			t.Errorf("%s: %v, want %v", path, q.hashes, want)
		}
	}
	// Pages of one event follow the Link header to the end.
	var paged []string
	next := "/epcis/events?perPage=1&orderBy=eventTime&orderDirection=ASC"
	for n := 0; next != ""; n++ {
		if n > 5 {
			t.Fatal("paging does not end")
		}
		q := e.epcisQuery("vaxco-logistics", next)
		if len(q.events) != 1 {
			t.Fatalf("page %s: %d events", next, len(q.events))
		}
		paged = append(paged, q.hashes...)
		next = q.next
	}
	if !slices.Equal(paged, []string{shipHashes[0], shipHashes[1], shipHashes[2], recvHashes[0]}) {
		t.Fatalf("paged: %v", paged)
	}
	// What the binding adds to a captured event, and what it keeps.
	q := e.epcisQuery("hospital-pharmacist", "/epcis/events?EQ_bizStep=shipping")
	ev := q.events[0]
	if ev["eventID"] != shipHashes[2] || ev["recordTime"] == nil || ev["bizStep"] != "shipping" {
		t.Fatalf("the shipping event as served: %v", ev)
	}
	if q := e.epcisQuery("hospital-pharmacist", "/epcis/events?EQ_bizStep=receiving"); q.events[0]["eventID"] != "urn:uuid:2d9a7d30-ff44-4b0e-9d55-5c1e9d4f1f01" {
		t.Fatalf("the capturer's eventID is not kept: %v", q.events[0])
	}
	resp, body := e.doAs("vaxco-logistics", http.MethodGet, "/epcis/events?maxEventCount=3", "", nil)
	e.epcisRefused(resp, body, http.StatusRequestEntityTooLarge, "QueryTooLargeException", "api.query_too_large", "maxEventCount")

	// One event by its ID or its hash, with its hash; its anchor's proof
	// verifies against the next block's app hash.
	for _, id := range []string{"urn:uuid:2d9a7d30-ff44-4b0e-9d55-5c1e9d4f1f01", recvHashes[0]} {
		resp, body := e.doRouted(http.MethodGet, "/epcis/events/"+url.PathEscape(id), "/epcis/events/x", "", nil, func(req *http.Request) {
			req.Header.Set("Authorization", e.authorization("vaxco-logistics", req))
		})
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Medchain-Event-Hash") != recvHashes[0] {
			t.Fatalf("GET event %s: %d %v %s", id, resp.StatusCode, resp.Header, body)
		}
		if hs, err := epcis.DocumentHashes(body); err != nil || !slices.Equal(hs, recvHashes) {
			t.Fatalf("GET event %s: hashes %v %v", id, hs, err)
		}
	}
	e.ok("hospital-admin", identity.TypeRegisterMember, identity.RegisterMember{Handle: "later", Roles: []ledger.Role{ledger.RoleNurse}, PublicKey: apitest.PubKey("later")})
	c := client.New(e.h.URL)
	p, err := c.Proof(context.Background(), "sup/e/"+recvHashes[0], recv.Txs[0].Height)
	if err != nil {
		t.Fatal(err)
	}
	var anchor supply.EventAnchor
	if err := json.Unmarshal(p.Value, &anchor); err != nil || anchor.Hash != recvHashes[0] || anchor.Signer != "general-hospital/custodian" {
		t.Fatalf("proven anchor %s: %v", p.Value, err)
	}
	if err := client.VerifyProof(p, e.appHashOf(p.VerifyAgainst.BlockHeight)); err != nil {
		t.Fatalf("the anchor's proof: %v", err)
	}
	// An event a caller may not see is not found, as one that does not exist.
	resp, body = e.doRouted(http.MethodGet, "/epcis/events/"+url.PathEscape(shipHashes[0]), "/epcis/events/x", "", nil, func(req *http.Request) {
		req.Header.Set("Authorization", e.authorization("hospital-pharmacist", req))
	})
	e.epcisRefused(resp, body, http.StatusNotFound, "NoSuchResourceException", "api.not_found", "")

	// The lists of values and the static ones.
	var col struct {
		Member []string `json:"member"`
	}
	e.getAs("vaxco-logistics", "/epcis/epcs", http.StatusOK, &col)
	if want := []string{unitURN("EP0001"), unitURN("EP0002"), unitURN("EP0003"), "https://id.gs1.org/00/" + ssccEPCIS}; !slices.Equal(col.Member, sortedCopy(want)) {
		t.Errorf("epcs: %v", col.Member)
	}
	e.getAs("hospital-pharmacist", "/epcis/bizLocations", http.StatusOK, &col)
	if !slices.Equal(col.Member, []string{"https://id.gs1.org/414/" + glnHospital}) {
		t.Errorf("bizLocations: %v", col.Member)
	}
	e.getAs("vaxco-logistics", "/epcis/readPoints", http.StatusOK, &col)
	if !slices.Equal(col.Member, []string{"https://id.gs1.org/414/" + glnHospital + "/254/dock-1"}) {
		t.Errorf("readPoints: %v", col.Member)
	}
	resp, _ = e.doAs("vaxco-logistics", http.MethodGet, "/epcis/epcs?perPage=2", "", nil)
	if l := resp.Header.Get("Link"); !strings.Contains(l, "nextPageToken=") {
		t.Errorf("epcs?perPage=2: Link %q", l)
	}
	e.get("/epcis/eventTypes", http.StatusOK, &col)
	if !slices.Equal(col.Member, []string{"AggregationEvent", "AssociationEvent", "ObjectEvent", "TransactionEvent", "TransformationEvent"}) {
		t.Errorf("eventTypes: %v", col.Member)
	}
	e.get("/epcis/bizSteps", http.StatusOK, &col)
	if !slices.Contains(col.Member, "receiving") || len(col.Member) < 30 {
		t.Errorf("bizSteps: %v", col.Member)
	}
	e.get("/epcis", http.StatusOK, &col)

	// Capture jobs: each organisation sees its own.
	var jobs []captureJob
	e.getAs("vaxco-logistics", "/epcis/capture", http.StatusOK, &jobs)
	if len(jobs) != 1 || jobs[0].ID != j.ID {
		t.Fatalf("vaxco's jobs: %+v", jobs)
	}
	resp, body = e.doAs("hospital-pharmacist", http.MethodGet, "/epcis/capture/"+j.ID, "", nil)
	e.epcisRefused(resp, body, http.StatusNotFound, "NoSuchResourceException", "api.not_found", "")

	// The same document again: the ledger refuses events it anchors
	// already; nothing changes.
	again := e.captured("vaxco-logistics", "", ship)
	if again.Success || again.Captured != 0 || len(again.Errors) != 1 || again.Errors[0].Code != "supply.exists" ||
		again.Errors[0].Type != "epcisException:ResourceAlreadyExistsException" || again.Errors[0].Field != "/epcisBody/eventList/0" {
		t.Fatalf("capturing again: %+v", again)
	}
	if q := e.epcisQuery("vaxco-logistics", "/epcis/events"); len(q.events) != 4 {
		t.Fatalf("after the refused capture: %d events", len(q.events))
	}
	e.getAs("vaxco-logistics", "/epcis/capture?perPage=1", http.StatusOK, &jobs)
	if len(jobs) != 1 || jobs[0].ID != again.ID {
		t.Fatalf("newest job first: %+v", jobs)
	}
}

// epcisQueryRouted is epcisQuery for a path with an encoded value the
// document's router cannot match as sent.
func (e *env) epcisQueryRouted(signer, path string) queryDoc {
	e.t.Helper()
	seg := strings.Split(strings.SplitN(path, "?", 2)[0], "/")
	seg[3] = "x"
	resp, body := e.doRouted(http.MethodGet, path, strings.Join(seg, "/"), "", nil, func(req *http.Request) {
		req.Header.Set("Authorization", e.authorization(signer, req))
	})
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	hashes, err := epcis.DocumentHashes(body)
	if err != nil {
		e.t.Fatal(err)
	}
	return queryDoc{raw: body, hashes: hashes}
}

// exampleOutcomes are the example documents whose capture fails, by file,
// with the code and index of the event the job names: the ledger cannot
// apply them (an item it does not know, a receipt of what is not in
// transit, class-level packing), or holds their events already (another
// example has the same event: the same CBV hash). Every other valid
// example is captured whole.
var exampleOutcomes = map[string]string{
	"gs1-epcis/JSON/AssociationEvent/AssociationEvent-g.jsonld":                                   "supply.exists at event 0",
	"gs1-epcis/JSON/EPCISQueryDocument.jsonld":                                                    "supply.invalid_document at event 0",
	"gs1-epcis/JSON/Example_9.6.1-ObjectEvent-with-pseudo-SBDH-headers.jsonld":                    "supply.invalid_document at event 0",
	"gs1-epcis/JSON/Example_9.6.1-ObjectEvent.jsonld":                                             "supply.invalid_document at event 0",
	"gs1-epcis/JSON/Example_9.6.1-with-comment.jsonld":                                            "supply.invalid_document at event 0",
	"gs1-epcis/JSON/Example_9.6.2-ObjectEvent.jsonld":                                             "supply.invalid_document at event 0",
	"gs1-epcis/JSON/Example_9.6.4-TransformationEvent.jsonld":                                     "supply.invalid_document at event 0",
	"gs1-epcis/JSON/WithDigitalLinkID/Example_9.6.1-ObjectEventWithDigitalLink.jsonld":            "supply.invalid_document at event 0",
	"gs1-epcis/JSON/WithDigitalLinkID/Example_9.6.2-ObjectEventWithDigitalLink.jsonld":            "supply.invalid_document at event 0",
	"gs1-epcis/JSON/WithDigitalLinkID/Example_9.6.4-TransformationEventWithDigitalLink.jsonld":    "supply.invalid_document at event 0",
	"gs1-epcis/JSON/WithErrorDeclaration/Example_9.6.1-ObjectEvent-with-error-declaration.jsonld": "supply.invalid_document at event 1",
	"openepcis/Capture/Documents/AggregationEvent.json":                                           "supply.exists at event 0",
	"openepcis/Capture/Documents/AggregationEvent_with_digitalLink.json":                          "supply.exists at event 0",
	"openepcis/Capture/Documents/AggregationEvent_with_sensorData.json":                           "supply.invalid_document at event 0",
	"openepcis/Capture/Documents/AssociationEvent.json":                                           "supply.exists at event 0",
	"openepcis/Capture/Documents/AssociationEvent_2.json":                                         "supply.exists at event 0",
	"openepcis/Capture/Documents/AssociationEvent_with_sensorData.json":                           "supply.exists at event 0",
	"openepcis/Capture/Documents/Combination_of_different_event.json":                             "supply.invalid_document at event 3",
	"openepcis/Capture/Documents/CurieString_document.json":                                       "supply.invalid_document at event 0",
	"openepcis/Capture/Documents/ObjectEvent.json":                                                "supply.invalid_document at event 0",
	"openepcis/Capture/Documents/ObjectEvent_all_possible_fields.json":                            "supply.exists at event 0",
	"openepcis/Capture/Documents/ObjectEvent_with_comment.json":                                   "supply.invalid_document at event 0",
	"openepcis/Capture/Documents/ObjectEvent_with_digitalLink.json":                               "supply.invalid_document at event 0",
	"openepcis/Capture/Documents/ObjectEvent_with_error_declaration.json":                         "supply.invalid_document at event 1",
	"openepcis/Capture/Documents/ObjectEvent_with_persistentDisposition.json":                     "supply.invalid_document at event 0",
	"openepcis/Capture/Documents/ObjectEvent_with_sensorData.json":                                "supply.exists at event 0",
	"openepcis/Capture/Documents/ObjectEvent_with_userExtensions.json":                            "supply.invalid_document at event 0",
	"openepcis/Capture/Documents/SensorData_and_extension.json":                                   "supply.exists at event 0",
	"openepcis/Capture/Documents/TransactionEvent.json":                                           "supply.exists at event 0",
	"openepcis/Capture/Documents/TransactionEvent_all_possible_fields.json":                       "supply.exists at event 0",
	"openepcis/Capture/Documents/TransformationEvent.json":                                        "supply.invalid_document at event 0",
	"openepcis/Capture/Documents/TransformationEvent_all_possible_fields.json":                    "supply.exists at event 0",
	"openepcis/Capture/Documents/TransformationEvent_with_digitalLink.json":                       "supply.invalid_document at event 0",
	"openepcis/Capture/Documents/TransformationEvent_with_error_declaration.json":                 "supply.invalid_document at event 1",
	"openepcis/Query/Combination_of_different_event.json":                                         "supply.invalid_document at event 3",
	"openepcis/Query/CurieString_document.json":                                                   "supply.invalid_document at event 0",
	"openepcis/Query/JumbledFieldsOrder.json":                                                     "supply.exists at event 0",
	"openepcis/Query/ObjectEventWithAllPossibleFields.json":                                       "supply.exists at event 0",
	"openepcis/Query/QueryDocumentWithMultipleEvents.json":                                        "supply.invalid_document at event 0",
	"openepcis/Query/TransformationEvent_with_error_declaration.json":                             "supply.invalid_document at event 1",
}

// The example documents of OpenEPCIS and GS1, captured one by one by the
// hospital in rollback: each valid one is captured whole or refused whole,
// with the event at fault named; what is captured reads back by eventID,
// event type, business step and event time as the documents say; an
// invalid one is refused at once, naming the field, and leaves no job.
func TestEPCISCaptureExampleDocuments(t *testing.T) {
	e := newEPCISEnv(t)
	var files []string
	for _, g := range []string{"../epcis/testdata/openepcis/Capture/Documents/*.json", "../epcis/testdata/openepcis/Query/*.json",
		"../epcis/testdata/gs1-epcis/JSON/*.jsonld", "../epcis/testdata/gs1-epcis/JSON/*/*.jsonld"} {
		m, err := filepath.Glob(g)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	slices.Sort(files)
	view := func() *state.View { return e.h.App.State().Committed() }
	anchored := func(hashes []string) (n int) {
		for _, h := range hashes {
			if _, ok := e.h.App.Supply().Event(view(), h); ok {
				n++
			}
		}
		return n
	}
	var captured []epcis.Event
	jobs, refused, invalid := 0, 0, 0
	for _, f := range files {
		name := strings.TrimPrefix(f, "../epcis/testdata/")
		doc, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		parsed, perr := epcis.Parse(doc)
		var ve *epcis.ValidationError
		if errors.As(perr, &ve) {
			resp, body := e.capture("hospital-admin", "", "application/ld+json", doc)
			e.epcisRefused(resp, body, http.StatusBadRequest, "ValidationException", "supply.invalid_document", ve.Problems[0].Location)
			invalid++
			continue
		}
		if perr != nil {
			t.Fatalf("%s: %v", name, perr)
		}
		hashes := make([]string, len(parsed.Events))
		for i, ev := range parsed.Events {
			hashes[i] = ev.Hash
		}
		before := anchored(hashes)
		j := e.captured("hospital-admin", "", doc)
		jobs++
		outcome := "captured"
		if !j.Success {
			outcome = fmt.Sprintf("%s at event %d", j.Errors[0].Code, *j.Errors[0].Event)
			if j.Errors[0].Field != fmt.Sprintf("%s/%d", eventListPointer(parsed), *j.Errors[0].Event) || !strings.Contains(j.Errors[0].Detail, fmt.Sprintf("event %d", *j.Errors[0].Event)) {
				t.Errorf("%s: the error does not name its event: %+v", name, j.Errors[0])
			}
		}
		t.Logf("%s: %d events, %s", name, len(hashes), outcome)
		if want, ok := exampleOutcomes[name]; ok && outcome != want || !ok && outcome != "captured" {
			t.Errorf("%s: %s, want %s", name, outcome, cmpOr(exampleOutcomes[name], "captured"))
		}
		if !j.Success {
			refused++
			if j.Captured != 0 || anchored(hashes) != before {
				t.Errorf("%s: a refused capture changed the ledger: %d anchored before, %d after, job %+v", name, before, anchored(hashes), j)
			}
			// Greedy capture takes every event it can and names the others.
			p := e.captured("hospital-admin", "proceed", doc)
			jobs++
			failed := map[int]bool{}
			for _, pe := range p.Errors {
				if pe.Event == nil || failed[*pe.Event] || pe.Field != fmt.Sprintf("%s/%d", eventListPointer(parsed), *pe.Event) {
					t.Errorf("%s in proceed: an error not about one event: %+v", name, pe)
					continue
				}
				failed[*pe.Event] = true
			}
			if p.Success || p.Behaviour != "proceed" || p.Captured+len(failed) != len(hashes) {
				t.Errorf("%s in proceed: %+v", name, p)
			}
			for i, ev := range parsed.Events {
				if failed[i] {
					continue
				}
				if _, ok := e.h.App.Supply().Event(view(), ev.Hash); !ok {
					t.Errorf("%s in proceed: event %d captured but not anchored", name, i)
				}
				captured = append(captured, ev)
			}
			continue
		}
		if j.Captured != len(hashes) || anchored(hashes) != len(hashes) {
			t.Errorf("%s: captured %d of %d, anchored %d", name, j.Captured, len(hashes), anchored(hashes))
		}
		// What the node signs holds coded values only: a sender's own
		// business step URI stays in the body, not on the ledger.
		for i, ev := range parsed.Events {
			a, _ := e.h.App.Supply().Event(view(), ev.Hash)
			standard := slices.Contains(epcis.Terms(epcis.VocabBizStep), ev.BizStep)
			if standard && a.BizStep != ev.BizStep || !standard && a.BizStep != "" || a.Type != string(ev.Type) {
				t.Errorf("%s event %d: anchored as %s %q, the event is %s %q", name, i, a.Type, a.BizStep, ev.Type, ev.BizStep)
			}
		}
		captured = append(captured, parsed.Events...)
		ids := make([]string, len(parsed.Events))
		for i, ev := range parsed.Events {
			ids[i] = url.QueryEscape(cmpOr(ev.EventID, ev.Hash))
		}
		// Examples reuse eventIDs (EPCIS wants them unique; the binding
		// does not refuse a repeated one): the answer holds the document's
		// events, and others' of the same IDs.
		q := e.epcisQuery("hospital-admin", "/epcis/events?perPage=1000&EQ_eventID="+strings.Join(ids, "|"))
		for _, h := range hashes {
			if !slices.Contains(q.hashes, h) {
				t.Errorf("%s: by eventID %v, not %s", name, q.hashes, h)
			}
		}
		for _, ev := range q.events {
			if !slices.Contains(ids, url.QueryEscape(fmt.Sprint(ev["eventID"]))) {
				t.Errorf("%s: by eventID, an event of eventID %v", name, ev["eventID"])
			}
		}
	}
	if jobs < 100 || invalid != 3 || refused != len(exampleOutcomes) || len(captured) < 50 {
		t.Fatalf("%d documents captured by %d jobs (%d refused), %d invalid: too few", len(captured), jobs, refused, invalid)
	}
	// What the documents say, queried back.
	count := func(keep func(epcis.Event) bool) (n int) {
		for _, ev := range captured {
			if keep(ev) {
				n++
			}
		}
		return n
	}
	checks := map[string]int{}
	for _, typ := range epcis.EventTypes {
		checks["eventType="+string(typ)] = count(func(ev epcis.Event) bool { return ev.Type == typ })
	}
	for _, step := range []string{"shipping", "receiving", "commissioning", "sensor_reporting", "inspecting"} {
		checks["EQ_bizStep="+step] = count(func(ev epcis.Event) bool { return ev.BizStep == step })
	}
	for _, d := range []string{"in_transit", "in_progress", "active"} {
		checks["EQ_disposition="+d] = count(func(ev epcis.Event) bool { return ev.Disposition == d })
	}
	checks["GE_eventTime=2020-01-01T00:00:00Z&LT_eventTime=2023-01-01T00:00:00Z"] = count(func(ev epcis.Event) bool {
		return ev.EventTime >= "2020-01-01T00:00:00.000Z" && ev.EventTime < "2023-01-01T00:00:00.000Z"
	})
	checks["EQ_action=DELETE"] = count(func(ev epcis.Event) bool { return ev.Action == "DELETE" })
	checks["EXISTS_errorDeclaration=true"] = count(func(ev epcis.Event) bool { return ev.ErrorDeclaration != nil })
	for params, want := range checks {
		q := e.epcisQuery("hospital-admin", "/epcis/events?perPage=1000&"+params)
		if len(q.events) != want {
			t.Errorf("?%s: %d events, the documents have %d", params, len(q.events), want)
		}
	}
	var list []captureJob
	e.getAs("hospital-admin", "/epcis/capture?perPage=1000", http.StatusOK, &list)
	if len(list) != jobs {
		t.Errorf("%d capture jobs listed, %d made (an invalid document makes none)", len(list), jobs)
	}
}

func eventListPointer(d epcis.Document) string {
	if d.Type == "EPCISQueryDocument" {
		return "/epcisBody/queryResults/resultsBody/eventList"
	}
	return "/epcisBody/eventList"
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// What the binding refuses at once, in the standard's problem form naming
// the field: documents GS1's schema refuses (OpenEPCIS's invalid examples),
// what is not JSON-LD (the DSCSA example is EPCIS 1.2 XML), callers who may
// not capture, and captures over the limits. None leaves a job or touches
// the ledger.
func TestEPCISCaptureRefusals(t *testing.T) {
	e := newEPCISEnv(t)
	height := e.h.Node.Height()
	invalid, err := filepath.Glob("../epcis/testdata/openepcis/Capture/Invalid/*.json")
	if err != nil || len(invalid) != 10 {
		t.Fatalf("invalid examples: %v %v", invalid, err)
	}
	for _, f := range invalid {
		doc, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var ve *epcis.ValidationError
		if _, err := epcis.Parse(doc); !errors.As(err, &ve) {
			t.Fatalf("%s: %v", f, err)
		}
		resp, body := e.capture("hospital-pharmacist", "", "application/json", doc)
		p := e.epcisRefused(resp, body, http.StatusBadRequest, "ValidationException", "supply.invalid_document", ve.Problems[0].Location)
		if !strings.Contains(p.Detail, ve.Problems[0].String()) {
			t.Errorf("%s: the problem does not name the field: %+v", f, p)
		}
	}
	dscsa, err := os.ReadFile("../epcis/testdata/dscsa/GS1_US_Pharma_Example_2_2_1_1.xml")
	if err != nil {
		t.Fatal(err)
	}
	resp, body := e.capture("hospital-pharmacist", "", "application/xml", dscsa)
	e.epcisRefused(resp, body, http.StatusUnsupportedMediaType, "UnsupportedMediaTypeException", "api.unsupported_media_type", "Content-Type")
	resp, body = e.capture("hospital-pharmacist", "", "application/json", dscsa)
	e.epcisRefused(resp, body, http.StatusBadRequest, "ValidationException", "supply.invalid_document", "")

	doc := hospitalReceipt(t)
	resp, body = e.capture("", "", "application/ld+json", doc)
	e.epcisRefused(resp, body, http.StatusUnauthorized, "SecurityException", "api.unauthenticated", "Authorization")
	if resp.Header.Get("WWW-Authenticate") == "" {
		t.Error("401 without a challenge")
	}
	resp, body = e.capture("epcis-patient", "", "application/ld+json", doc)
	e.epcisRefused(resp, body, http.StatusForbidden, "SecurityException", "supply.unauthorized", "")
	resp, body = e.capture("lab-tech", "", "application/ld+json", doc)
	p := e.epcisRefused(resp, body, http.StatusForbidden, "SecurityException", "api.not_captured_here", "")
	if !strings.Contains(p.Detail, "city-lab") {
		t.Errorf("not captured here: %s", p.Detail)
	}
	resp, body = e.capture("hospital-pharmacist", "all", "application/ld+json", doc)
	e.epcisRefused(resp, body, http.StatusBadRequest, "ValidationException", "api.invalid_parameter", "GS1-Capture-Error-Behaviour")
	resp, body = e.doWith(http.MethodPost, "/epcis/capture", "application/ld+json", doc, func(req *http.Request) {
		req.Header.Set("GS1-EPCIS-Version", "1.2.0")
		req.Header.Set("Authorization", e.authorization("hospital-pharmacist", req))
	})
	e.epcisRefused(resp, body, http.StatusNotAcceptable, "NotAcceptableException", "api.unsupported_media_type", "GS1-EPCIS-Version")
	// All or nothing takes one transaction's worth of events.
	events := make([]map[string]any, supply.MaxEventsPerTx+1)
	for i := range events {
		events[i] = map[string]any{"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "inspecting", "eventTime": fmt.Sprintf("2026-05-04T%02d:%02d:00.000Z", i/60, i%60),
			"epcList": []any{unitURN(fmt.Sprintf("BIG%04d", i))}}
	}
	big := supplyDoc(t, events...)
	resp, body = e.capture("hospital-pharmacist", "", "application/ld+json", big)
	p = e.epcisRefused(resp, body, http.StatusRequestEntityTooLarge, "CaptureLimitExceededException", "api.capture_limit_exceeded", "")
	if !strings.Contains(p.Detail, "proceed") {
		t.Errorf("the limit does not say what to do: %s", p.Detail)
	}
	// An unknown route under /epcis is the standard's problem too.
	resp, body = e.doAs("hospital-pharmacist", http.MethodGet, "/epcis/queries", "", nil)
	e.epcisRefused(resp, body, http.StatusNotFound, "NoSuchResourceException", "api.not_found", "")
	resp, body = e.doAs("hospital-pharmacist", http.MethodGet, "/epcis/events", "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("events: %d %s", resp.StatusCode, body)
	}
	resp, body = e.doWith(http.MethodGet, "/epcis/eventTypes", "", nil, func(req *http.Request) { req.Header.Set("Accept", "application/xml") })
	e.epcisRefused(resp, body, http.StatusNotAcceptable, "NotAcceptableException", "api.unsupported_media_type", "Accept")

	var jobs []captureJob
	e.getAs("hospital-pharmacist", "/epcis/capture", http.StatusOK, &jobs)
	if len(jobs) != 0 || e.h.Node.Height() != height {
		t.Fatalf("refusals left %d jobs, %d blocks", len(jobs), e.h.Node.Height()-height)
	}
	// A big document is captured greedily, 100 events a transaction.
	j := e.captured("hospital-pharmacist", "proceed", big)
	if !j.Success || j.Captured != len(events) || len(j.Txs) != 2 || j.Txs[0].Events != supply.MaxEventsPerTx {
		t.Fatalf("big capture in proceed: %+v", j)
	}
}

// In proceed, the events the ledger cannot apply are reported one by one,
// each by its index and pointer, and the others captured; in rollback, the
// same document captures nothing.
func TestEPCISCaptureErrorBehaviour(t *testing.T) {
	e := newEPCISEnv(t)
	doc := supplyDoc(t,
		map[string]any{"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "inspecting", "epcList": []any{unitURN("OK0001")}},
		// Receiving what is in transit nowhere: the mapping fails.
		map[string]any{"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "receiving", "epcList": []any{unitURN("NONE01")}},
		map[string]any{"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "storing", "epcList": []any{unitURN("OK0002")}},
		// Packing items the ledger does not know: the chain refuses it.
		map[string]any{"type": "AggregationEvent", "action": "ADD", "bizStep": "packing", "parentID": "https://id.gs1.org/00/" + ssccEPCIS, "childEPCs": []any{unitURN("NONE02")}},
	)
	hashes, _ := epcis.DocumentHashes(doc)
	j := e.captured("hospital-pharmacist", "", doc)
	if j.Success || j.Captured != 0 || len(j.Errors) != 1 || *j.Errors[0].Event != 1 || j.Errors[0].Code != "supply.invalid_document" ||
		j.Errors[0].Type != "epcisException:ValidationException" || j.Errors[0].Status != http.StatusBadRequest {
		t.Fatalf("rollback: %+v", j)
	}
	for _, h := range hashes {
		if _, ok := e.h.App.Supply().Event(e.h.App.State().Committed(), h); ok {
			t.Fatalf("rollback anchored %s", h)
		}
	}
	j = e.captured("hospital-pharmacist", "proceed", doc)
	if j.Success || j.Captured != 2 || len(j.Errors) != 2 || len(j.Txs) != 1 || j.Txs[0].Events != 2 {
		t.Fatalf("proceed: %+v", j)
	}
	for k, want := range []struct {
		event      int
		code, typ  string
		inTheWords string
	}{{1, "supply.invalid_document", "ValidationException", "none of its items is in transit"}, {3, "supply.not_found", "NoSuchResourceException", "event 3"}} {
		got := j.Errors[k]
		if got.Event == nil || *got.Event != want.event || got.Code != want.code || got.Type != "epcisException:"+want.typ ||
			got.Field != fmt.Sprintf("/epcisBody/eventList/%d", want.event) || !strings.Contains(got.Detail, want.inTheWords) {
			t.Errorf("proceed error %d: %+v, want event %d %s %s", k, got, want.event, want.code, want.typ)
		}
	}
	if q := e.epcisQuery("hospital-pharmacist", "/epcis/events"); !slices.Equal(q.hashes, []string{hashes[0], hashes[2]}) {
		t.Fatalf("proceed captured %v", q.hashes)
	}
}

// The standard's query parameters: OpenEPCIS's query examples sent as URL
// parameters, the invalid ones refused naming the parameter.
func TestEPCISQueryParameters(t *testing.T) {
	e := newEPCISEnv(t)
	e.captured("hospital-pharmacist", "", supplyDoc(t, map[string]any{"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "inspecting",
		"quantityList": []any{map[string]any{"epcClass": "https://id.gs1.org/01/" + gtinEPCIS + "/10/LOT1", "quantity": 12.5, "uom": "KGM"}}}))
	params := func(file string) url.Values {
		raw, err := os.ReadFile("../epcis/testdata/openepcis/Query/Queries/" + file)
		if err != nil {
			t.Fatal(err)
		}
		var q map[string]any
		if err := json.Unmarshal(raw, &q); err != nil {
			t.Fatal(err)
		}
		v := url.Values{}
		for k, x := range q {
			if k == "@context" {
				continue
			}
			switch x := x.(type) {
			case []any:
				var parts []string
				for _, p := range x {
					parts = append(parts, fmt.Sprint(p))
				}
				v.Set(k, strings.Join(parts, "|"))
			default:
				v.Set(k, fmt.Sprint(x))
			}
		}
		return v
	}
	if q := e.epcisQuery("hospital-pharmacist", "/epcis/events?"+params("SimpleEventQuery.json").Encode()); len(q.events) != 0 {
		t.Fatalf("SimpleEventQuery: %d events", len(q.events))
	}
	bad := params("Invalid/Query_with_invalid_values.json")
	for _, name := range []string{"GE_eventTime", "EQ_action", "orderDirection"} {
		v := url.Values{name: {bad.Get(name)}, "orderBy": {"eventTime"}}
		resp, body := e.doAs("hospital-pharmacist", http.MethodGet, "/epcis/events?"+v.Encode(), "", nil)
		p := e.epcisRefused(resp, body, http.StatusBadRequest, "QueryParameterException", "api.invalid_parameter", name)
		if !strings.Contains(p.Detail, bad.Get(name)) {
			t.Errorf("%s: the detail does not quote the value: %s", name, p.Detail)
		}
	}
	for path, field := range map[string]string{
		"/epcis/events?" + params("Invalid/Query_with_unknown_parameter.json").Encode(): "GE_eventDate",
		"/epcis/events?EQ_deviceID=urn:x":                                               "EQ_deviceID",
		"/epcis/events?EQ_bizTransaction_po=urn:x":                                      "EQ_bizTransaction_po",
		"/epcis/events?perPage=0":                                                       "perPage",
		"/epcis/events?perPage=1001":                                                    "perPage",
		"/epcis/events?nextPageToken=nonsense":                                          "nextPageToken",
		"/epcis/events?eventCountLimit=3":                                               "eventCountLimit",
		"/epcis/events?orderBy=quantity":                                                "orderBy",
		"/epcis/events?GE_quantity=abc":                                                 "GE_quantity",
		"/epcis/events?EQ_bizStep=":                                                     "EQ_bizStep",
		"/epcis/events?GE_eventTime=2026-05-04T08:00:00":                                "GE_eventTime",
		"/epcis/bizSteps/shipping/events?EQ_bizStep=receiving":                          "EQ_bizStep",
		"/epcis/epcs?limit=3":                                                           "limit",
		"/epcis/capture?after=cj-0":                                                     "after",
	} {
		resp, body := e.doAs("hospital-pharmacist", http.MethodGet, path, "", nil)
		e.epcisRefused(resp, body, http.StatusBadRequest, "QueryParameterException", "api.invalid_parameter", field)
	}
	for path, want := range map[string]int{
		"/epcis/events?GE_quantity=12.5&LT_quantity=13":                        1,
		"/epcis/events?GT_quantity=12.5":                                       0,
		"/epcis/events?EQ_quantity=12.50":                                      1,
		"/epcis/events?MATCH_epcClass=urn:epc:class:lgtin:9506000.013435.LOT1": 1,
		"/epcis/events?MATCH_anyEPCClass=https://id.gs1.org/01/" + gtinEPCIS:   1,
		"/epcis/events?MATCH_epcClass=https://id.gs1.org/01/09506000134369":    0,
	} {
		if q := e.epcisQuery("hospital-pharmacist", path); len(q.events) != want {
			t.Errorf("%s: %d events, want %d", path, len(q.events), want)
		}
	}
	// Queries are private: an anonymous caller is asked to sign in, a
	// patient is refused.
	resp, body := e.do(http.MethodGet, "/epcis/events", "", nil)
	e.epcisRefused(resp, body, http.StatusUnauthorized, "SecurityException", "api.unauthenticated", "")
	resp, body = e.doAs("epcis-patient", http.MethodGet, "/epcis/events", "", nil)
	e.epcisRefused(resp, body, http.StatusForbidden, "SecurityException", "chain.not_entitled", "")
}
