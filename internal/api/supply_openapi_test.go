package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/medchain/medchain/internal/api"
	"github.com/medchain/medchain/internal/api/apitest"
	"github.com/medchain/medchain/internal/governance"
	"github.com/medchain/medchain/internal/gs1"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/supply"
	"github.com/medchain/medchain/internal/tx"
)

// The supply test's products (GTIN-14s with valid check digits).
const (
	gtinVaccine     = "09506000134352" // vaxco, 2..8 °C
	gtinRedCells    = "09506000134369" // bloodbank, blood component, 2..6 °C
	gtinPlasma      = "09506000134376" // bloodbank, blood component (fresh frozen plasma)
	gtinAlbumin     = "09506000134383" // bloodbank, plasma product
	gtinMasks       = "09506000134390" // vaxco, PPE
	gtinNobody      = "09506000134406" // valid, never registered
	caseSSCC1       = "106141412345678908"
	caseSSCC2       = "106141412345678915"
	glnSwift        = "0614141000029"
	glnNobody       = "0614141000036"
	dinBlood        = "A999926123456"
	dinPlasma       = "A999926123457"
	donorBlood      = "a1b2c3d4e5f60718"
	donorPlasma     = "0123456789abcdef0123"
	plasmaPoolID    = "pool-2026-01"
	albuminLot      = "ALB-26-01"
	labReportSHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	vaccineExpiry   = "2027-06-30"
)

// supplyReports submits the suspect scans of the supply API's Reporter
// (api.NewReporter, as a node has it) as a node would, signed by the
// pharmacy's scanning till, and records each submission.
type supplyReports struct {
	mu    sync.Mutex
	calls [][2]string // item, location
	h     *apitest.Harness
}

func (s *supplyReports) submit(ctx context.Context, m supply.ReportScan) (tx.Hash, error) {
	s.mu.Lock()
	s.calls = append(s.calls, [2]string{m.Item, m.Location})
	s.mu.Unlock()
	raw, err := s.h.Sign("corner-till", supply.TypeReportScan, m)
	if err != nil {
		return tx.Hash{}, err
	}
	res, err := s.h.Node.BroadcastTxSync(ctx, raw)
	if err != nil {
		return tx.Hash{}, err
	}
	if res.Code != 0 {
		return tx.Hash{}, fmt.Errorf("report-scan refused: %d %s", res.Code, res.Log)
	}
	return tx.HashOf(raw), nil
}

func (s *supplyReports) all() [][2]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// supplyAdmitOrg admits an organisation through governance: the hospital
// proposes, then the admins of the member organisations vote until the
// proposal passes. Its admin key is "<id>-admin".
func (e *env) supplyAdmitOrg(id string, kind ledger.OrgKind, voters []string) {
	e.t.Helper()
	payload, err := json.Marshal(governance.AdmitOrg{ID: id, Name: id, Kind: kind, Admin: "admin", AdminKey: apitest.PubKey(id + "-admin")})
	if err != nil {
		e.t.Fatal(err)
	}
	var out governance.Outcome
	json.Unmarshal(e.ok("hospital-admin", governance.TypePropose, governance.Propose{
		Action: governance.Action{Type: governance.ActionAdmitOrg, Payload: payload}, Title: "admit " + id}).Result, &out)
	for _, v := range voters {
		if out.Status == governance.StatusPassed {
			break
		}
		json.Unmarshal(e.ok(v, governance.TypeVote, governance.CastVote{Proposal: out.Proposal, Approve: true}).Result, &out)
	}
	if out.Status != governance.StatusPassed {
		e.t.Fatalf("admitting %s: proposal %d is %s", id, out.Proposal, out.Status)
	}
}

func (e *env) supplyMember(adminKey, handle string, kind identity.MemberKind, key string, roles ...ledger.Role) {
	e.t.Helper()
	e.ok(adminKey, identity.TypeRegisterMember, identity.RegisterMember{Handle: handle, Kind: kind, Roles: roles, PublicKey: apitest.PubKey(key)})
}

// newSupplyEnv is a harness with the supply chain's organisations,
// admitted by governance (the harness genesis has only a hospital, an
// insurer and a lab), their members, and an API whose Reporter is reports.
//
//	vaxco      manufacturer          vaxco-admin, vaxco-logistics (logistics)
//	swift      distributor           swift-admin, swift-logistics (logistics), swift-truck-7 (device, sensor)
//	corner     pharmacy              corner-admin, corner-lee (pharmacist), corner-till (system, pharmacist)
//	bloodbank  blood-centre          bloodbank-admin, bloodbank-nurse (nurse), bloodbank-lab (lab-technician)
//	health     public-health-agency  health-admin
//	city-lab   lab                   lab-tech (lab-technician)
//	general-hospital hospital        hospital-admin, hospital-nurse (nurse)
func newSupplyEnv(t *testing.T) (*env, *supplyReports) {
	t.Helper()
	e := newEnv(t, apitest.Options{})
	voters := []string{"insurer-admin", "lab-admin"}
	for _, o := range []struct {
		id   string
		kind ledger.OrgKind
	}{
		{"vaxco", ledger.OrgManufacturer}, {"swift", ledger.OrgDistributor}, {"corner", ledger.OrgPharmacy},
		{"bloodbank", ledger.OrgBloodCentre}, {"health", ledger.OrgPublicHealth},
	} {
		e.supplyAdmitOrg(o.id, o.kind, voters)
		voters = append(voters, o.id+"-admin")
	}
	e.supplyMember("vaxco-admin", "logistics", identity.Person, "vaxco-logistics", ledger.RoleLogistics)
	e.supplyMember("swift-admin", "logistics", identity.Person, "swift-logistics", ledger.RoleLogistics)
	e.supplyMember("swift-admin", "truck-7", identity.Device, "swift-truck-7", ledger.RoleSensor)
	e.supplyMember("corner-admin", "lee", identity.Person, "corner-lee", ledger.RolePharmacist)
	e.supplyMember("corner-admin", "till", identity.System, "corner-till", ledger.RolePharmacist)
	e.supplyMember("bloodbank-admin", "nurse", identity.Person, "bloodbank-nurse", ledger.RoleNurse)
	e.supplyMember("bloodbank-admin", "lab", identity.Person, "bloodbank-lab", ledger.RoleLabTechnician)
	e.supplyMember("lab-admin", "tech", identity.Person, "lab-tech", ledger.RoleLabTechnician)
	e.supplyMember("hospital-admin", "nurse", identity.Person, "hospital-nurse", ledger.RoleNurse)

	reports := &supplyReports{h: e.h}
	srv, err := api.New(api.Deps{App: e.h.App, Node: e.h.Node, Reporter: api.NewReporter(e.h.App, "corner", reports.submit)})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ts.Close()
		srv.Close()
	})
	e.h.URL = ts.URL
	return e, reports
}

// supplyItem fetches GET /v1/supply/items/{id} with the ID percent-encoded
// (one path segment) and validates the answer as that route's. The
// document's router matches on the decoded path, where an item ID's
// slashes would be separators.
func (e *env) supplyItem(id string, want int, out any) []byte {
	e.t.Helper()
	path := "/v1/supply/items/" + url.PathEscape(id)
	resp, body := e.doRouted(http.MethodGet, path, "/v1/supply/items/x", "", nil, func(*http.Request) {})
	if resp.StatusCode != want {
		e.t.Fatalf("GET %s: status %d, want %d: %s", path, resp.StatusCode, want, body)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			e.t.Fatalf("GET %s: decode: %v\n%s", path, err, body)
		}
	}
	return body
}

// supplyProblem wants GET path to answer a problem with status and code
// and, if field is set, that field.
func (e *env) supplyProblem(path string, status int, code, field string) problem {
	e.t.Helper()
	resp, body := e.do(http.MethodGet, path, "", nil)
	p := wantProblem(e.t, resp, body, status, code)
	if field != "" && p.Field != field {
		e.t.Fatalf("GET %s: field %q, want %q: %s", path, p.Field, field, body)
	}
	return p
}

type supplyVerdict struct {
	supply.Verdict
	Code       string `json:"code"`
	Alert      string `json:"alert"`
	AlertError string `json:"alert_error"`
}

func (e *env) supplyScan(code, location string) supplyVerdict {
	e.t.Helper()
	q := url.Values{"code": {code}}
	if location != "" {
		q.Set("location", location)
	}
	var v supplyVerdict
	e.get("/v1/supply/verify?"+q.Encode(), http.StatusOK, &v)
	if v.Code != code {
		e.t.Fatalf("scan %q answered for code %q", code, v.Code)
	}
	return v
}

// supplyEPCISDoc builds an EPCIS 2.0 document of events.
func supplyEPCISDoc(t *testing.T, events ...map[string]any) []byte {
	t.Helper()
	for _, e := range events {
		e["eventTime"], e["eventTimeZoneOffset"] = "2026-01-01T08:00:00.000Z", "+00:00"
	}
	b, err := json.Marshal(map[string]any{
		"@context":      []any{"https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"},
		"type":          "EPCISDocument",
		"schemaVersion": "2.0",
		"creationDate":  "2026-01-01T08:00:00.000Z",
		"epcisBody":     map[string]any{"eventList": events},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type supplyPage[T any] struct {
	Items []T     `json:"items"`
	Next  *string `json:"next"`
}

// The supply endpoints answer as openapi.json says, for what a full run of
// the supply chain produces: products, lots, packs, a shipment with a
// cold-chain excursion, scans genuine and suspect (recorded as alerts),
// a recall, an EPCIS capture, blood donations with tests, a transfusion and
// both lookbacks, a plasma pool fractionated and traced, PPE demand,
// pledges, a delivery and shortages.
func TestSupplyMatchOpenAPI(t *testing.T) {
	e, reports := newSupplyEnv(t)
	unit := func(gtin, serial string) string { return supply.UnitID(gtin, serial) }
	case1 := supply.ContainerID(caseSSCC1)

	// Products.
	e.ok("vaxco-admin", supply.TypeRegisterProduct, supply.RegisterProduct{GTIN: gtinVaccine, Name: "Vaccine X 0.5 mL", Kind: supply.KindVaccine, MinMilliC: 2000, MaxMilliC: 8000})
	var prod supply.Product
	e.get("/v1/supply/products/"+gtinVaccine, http.StatusOK, &prod)
	if prod.Manufacturer != "vaxco" || prod.MinMilliC != 2000 || prod.MaxMilliC != 8000 || prod.Kind != supply.KindVaccine {
		t.Fatalf("product: %+v", prod)
	}
	e.supplyProblem("/v1/supply/products/09506000134353", 400, "api.invalid_parameter", "gtin")
	e.supplyProblem("/v1/supply/products/"+gtinNobody, 404, "supply.not_found", "")

	// Commission four units, pack three in a case.
	e.ok("vaxco-logistics", supply.TypeCommission, supply.Commission{GTIN: gtinVaccine, Lot: "L1", Expiry: vaccineExpiry,
		Serials: supply.Serials{Prefix: "S", Start: 1, Count: 4, Width: 4}})
	var lot supply.Lot
	e.get("/v1/supply/lots/"+gtinVaccine+"/L1", http.StatusOK, &lot)
	if lot.Units != 4 || lot.Expiry != vaccineExpiry || lot.Recall != nil {
		t.Fatalf("lot: %+v", lot)
	}
	e.supplyProblem("/v1/supply/lots/"+gtinVaccine+"/L9", 404, "supply.not_found", "")
	e.supplyProblem("/v1/supply/lots/"+gtinVaccine+"/"+strings.Repeat("L", 21), 400, "api.invalid_parameter", "lot")
	e.ok("vaxco-logistics", supply.TypePack, supply.Pack{Parent: case1, Children: []string{unit(gtinVaccine, "S0001"), unit(gtinVaccine, "S0002"), unit(gtinVaccine, "S0003")}})
	var item struct {
		supply.Item
		History  []supply.Custody `json:"history"`
		Contents []string         `json:"contents"`
	}
	e.supplyItem(case1, http.StatusOK, &item)
	if item.Kind != supply.ItemContainer || item.Children != 3 || len(item.Contents) != 3 || len(item.History) != 1 || item.History[0].Event != "packed" {
		t.Fatalf("case: %+v", item)
	}
	e.supplyItem(unit(gtinVaccine, "S0099"), http.StatusNotFound, nil)
	e.supplyItem("hello", http.StatusBadRequest, nil)

	// Ship the case to the distributor with a sensor; a reading outside
	// 2..8 °C quarantines it; the distributor receives it.
	var created ledger.Created
	json.Unmarshal(e.ok("vaxco-logistics", supply.TypeShip, supply.Ship{To: "swift", Items: []string{case1}, Sensors: []string{"swift/truck-7"}}).Result, &created)
	sh1 := created.ID
	t0 := apitest.GenesisTime.Unix()
	e.ok("swift-truck-7", supply.TypeReading, supply.Reading{Shipment: sh1, Readings: []supply.Reading1{{Time: t0 + 60, MilliC: 5000}, {Time: t0 + 120, MilliC: 12500}}})
	e.ok("swift-logistics", supply.TypeReceive, supply.Receive{Shipment: sh1, Items: []string{case1}})
	var shv struct {
		supply.Shipment
		ColdChain string `json:"cold_chain"`
	}
	e.get("/v1/supply/shipments/"+sh1, http.StatusOK, &shv)
	if shv.Status != "received" || shv.ColdChain != "fail" || len(shv.Excursions) != 1 || shv.Excursions[0].MilliC != 12500 ||
		shv.MinMilliC == nil || *shv.MinMilliC != 5000 || len(shv.Received) != 1 || shv.Readings != 2 {
		t.Fatalf("shipment: %+v", shv)
	}
	e.supplyProblem("/v1/supply/shipments/shipment-1", 400, "api.invalid_parameter", "id")
	e.supplyProblem("/v1/supply/shipments/sh-"+strings.Repeat("0", 24), 404, "supply.not_found", "")

	// The fourth unit goes to the pharmacy.
	json.Unmarshal(e.ok("vaxco-logistics", supply.TypeShip, supply.Ship{To: "corner", Items: []string{unit(gtinVaccine, "S0004")}}).Result, &created)
	e.ok("corner-lee", supply.TypeReceive, supply.Receive{Shipment: created.ID, Items: []string{unit(gtinVaccine, "S0004")}})

	// Scans: a GS1 element string and a Digital Link resolve to the same
	// genuine unit, and nothing is reported.
	s4 := unit(gtinVaccine, "S0004")
	for _, code := range []string{
		"(01)" + gtinVaccine + "(17)270630(10)L1(21)S0004",
		"https://id.gs1.org/01/" + gtinVaccine + "/10/L1/21/S0004?17=270630",
		s4,
	} {
		v := e.supplyScan(code, "")
		if v.Item != s4 || !v.Genuine || v.Suspect != "" || v.Status != supply.StatusActive || v.Custodian != "corner" ||
			v.ColdChain != "pass" || v.Expiry != vaccineExpiry || v.Product == nil || v.Alert != "" || len(v.Custody) != 3 {
			t.Fatalf("scan %q: %+v", code, v)
		}
	}
	if v := e.supplyScan("(01)"+gtinVaccine+"(21)S0002", ""); !v.Genuine || v.Status != supply.StatusQuarantined || v.ColdChain != "fail" || v.Container != case1 || v.Custodian != "swift" {
		t.Fatalf("scan of a quarantined unit: %+v", v)
	}
	if n := len(reports.all()); n != 0 {
		t.Fatalf("genuine scans were reported: %v", reports.all())
	}
	// An unknown serial is suspect: the Reporter records it and the
	// verdict names the alert, which reaches the manufacturer's list.
	fake := "(01)" + gtinVaccine + "(21)FAKE1"
	v := e.supplyScan(fake, glnNobody)
	if v.Genuine || v.Suspect != "unknown_serial" || v.Status != "unknown" || v.Alert == "" || v.AlertError != "" {
		t.Fatalf("scan of an unknown serial: %+v", v)
	}
	if calls := reports.all(); len(calls) != 1 || calls[0] != [2]string{unit(gtinVaccine, "FAKE1"), glnNobody} {
		t.Fatalf("reporter calls: %v", calls)
	}
	alerts := e.supplyAlerts("vaxco", 1)
	if alerts[0].ID != v.Alert || alerts[0].Reason != "unknown_serial" || alerts[0].Location != glnNobody || alerts[0].Org != "corner" {
		t.Fatalf("alert: %+v", alerts[0])
	}
	e.get("/v1/supply/alerts", http.StatusOK, nil)
	e.supplyProblem("/v1/supply/verify?code=hello", 400, "api.invalid_parameter", "code")
	// The location is a GLN or nothing: free text and a wrong check digit
	// are refused before anything is verified or reported.
	for _, loc := range []string{"Dr Grey, 12 High Street", "0614141000037", "614141000036"} {
		e.supplyProblem("/v1/supply/verify?code="+url.QueryEscape(fake)+"&location="+url.QueryEscape(loc), 400, "api.invalid_parameter", "location")
	}
	if calls := reports.all(); len(calls) != 1 {
		t.Fatalf("refused scans were reported: %v", calls)
	}
	e.supplyProblem("/v1/supply/verify", 400, "api.invalid_parameter", "code")
	e.supplyProblem("/v1/supply/verify?code="+url.QueryEscape("(01)"+gtinVaccine+"(10)L1"), 400, "api.invalid_parameter", "code")

	// Dispensed, the unit's serial scanned again is suspect.
	e.ok("corner-lee", supply.TypeDispense, supply.Dispense{Items: []string{s4}})
	if v := e.supplyScan("https://id.gs1.org/01/"+gtinVaccine+"/21/S0004", ""); v.Suspect != "already_dispensed" || v.Status != supply.StatusDispensed || v.Alert == "" {
		t.Fatalf("scan of a dispensed unit: %+v", v)
	}
	e.supplyAlerts("vaxco", 2)

	// The public health agency recalls the lot: the distributor holds
	// three units (in the case); the dispensed one is gone.
	e.ok("health-admin", supply.TypeRecall, supply.RecallLots{GTIN: gtinVaccine, Lots: []string{"L1"}, Reason: "potency"})
	e.get("/v1/supply/lots/"+gtinVaccine+"/L1", http.StatusOK, &lot)
	if lot.Recall == nil || lot.Recall.Org != "health" {
		t.Fatalf("recalled lot: %+v", lot)
	}
	var holders supplyPage[supply.Holder]
	e.get("/v1/supply/lots/"+gtinVaccine+"/L1/holders", http.StatusOK, &holders)
	if len(holders.Items) != 1 || holders.Items[0].Org != "swift" || holders.Items[0].Units != 3 || len(holders.Items[0].Items) != 3 {
		t.Fatalf("holders: %+v", holders)
	}
	if v := e.supplyScan(unit(gtinVaccine, "S0001"), ""); v.Status != "recalled" || v.Recall == nil || v.Suspect != "" {
		t.Fatalf("scan of a recalled unit: %+v", v)
	}
	e.supplyProblem("/v1/supply/lots/"+gtinVaccine+"/L9/holders", 404, "supply.not_found", "")
	e.supplyProblem("/v1/supply/lots/0950600013435/L1/holders", 400, "api.invalid_parameter", "gtin")

	testSupplyEPCIS(t, e)
	testSupplyBlood(t, e)
	testSupplyPPE(t, e)
}

// supplyAlerts waits for a manufacturer's list to hold n alerts: a suspect
// scan's alert is committed in the block after the scan.
func (e *env) supplyAlerts(manufacturer string, n int) []supply.Alert {
	e.t.Helper()
	var alerts supplyPage[supply.Alert]
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		e.get("/v1/supply/alerts?manufacturer="+manufacturer, http.StatusOK, &alerts)
		if len(alerts.Items) >= n {
			return alerts.Items
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("alerts of %s: %d, want %d", manufacturer, len(alerts.Items), n)
		}
	}
}

// testSupplyEPCIS: an EPCIS document maps to unsigned supply/events messages
// that the manufacturer signs; invalid documents are refused with the
// pointer of what is wrong.
func testSupplyEPCIS(t *testing.T, e *env) {
	e.ok("swift-admin", supply.TypeRegisterGLN, supply.RegisterGLN{GLN: glnSwift})
	must := func(s string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	var epcs []any
	for _, s := range []string{"S0100", "S0101"} {
		epcs = append(epcs, must(gs1.SGTIN(gtinVaccine, s, 7)))
	}
	caseURN := must(gs1.SSCCURN(caseSSCC2, 7))
	dest := func(gln string) []any {
		return []any{map[string]any{"type": "owning_party", "destination": must(gs1.SGLN(gln, "0", 7))}}
	}
	doc := supplyEPCISDoc(t,
		map[string]any{"type": "ObjectEvent", "action": "ADD", "bizStep": "commissioning", "disposition": "active", "epcList": epcs,
			"ilmd": map[string]any{"cbvmda:lotNumber": "L3", "cbvmda:itemExpirationDate": "2027-12-31"}},
		map[string]any{"type": "AggregationEvent", "action": "ADD", "bizStep": "packing", "parentID": caseURN, "childEPCs": epcs},
		map[string]any{"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "shipping", "epcList": []any{caseURN}, "destinationList": dest(glnSwift)},
		map[string]any{"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "inspecting", "epcList": []any{caseURN}},
	)
	var mapped struct {
		Type  string          `json:"type"`
		Msgs  []supply.Events `json:"msgs"`
		Notes []string        `json:"notes"`
	}
	e.post("/v1/supply/epcis", "application/ld+json", doc, http.StatusOK, &mapped)
	if mapped.Type != supply.TypeEvents || len(mapped.Msgs) != 1 || len(mapped.Msgs[0].Events) != 4 || len(mapped.Notes) != 1 {
		t.Fatalf("mapped: %+v", mapped)
	}
	evs := mapped.Msgs[0].Events
	if evs[0].Op.Commission == nil || evs[0].Op.Commission.Lot != "L3" || evs[1].Op.Pack == nil || evs[2].Op.Ship == nil || evs[2].Op.Ship.To != "swift" {
		t.Fatalf("mapped events: %+v", evs)
	}
	e.post("/v1/supply/epcis", "application/json", doc, http.StatusOK, nil)
	// Nothing is written until the member signs the messages.
	e.supplyProblem("/v1/supply/events?hash="+url.QueryEscape(evs[0].Hash), 404, "supply.not_found", "")
	e.ok("vaxco-logistics", supply.TypeEvents, mapped.Msgs[0])
	var anchor supply.EventAnchor
	e.get("/v1/supply/events?hash="+url.QueryEscape(evs[2].Hash), http.StatusOK, &anchor)
	if anchor.Signer != "vaxco/logistics" || anchor.BizStep != "shipping" || anchor.Type != "ObjectEvent" {
		t.Fatalf("anchor: %+v", anchor)
	}
	var it struct {
		supply.Item
		History []supply.Custody `json:"history"`
	}
	e.supplyItem(supply.UnitID(gtinVaccine, "S0100"), http.StatusOK, &it)
	if it.Lot != "L3" || it.Parent != supply.ContainerID(caseSSCC2) {
		t.Fatalf("item after the document: %+v", it)
	}
	e.supplyProblem("/v1/supply/events", 400, "api.invalid_parameter", "hash")

	// Invalid against GS1's schema: the problem points at the value.
	bad := bytes.Replace(doc, []byte(`"action":"OBSERVE"`), []byte(`"action":"SHIP"`), 1)
	resp, body := e.do(http.MethodPost, "/v1/supply/epcis", "application/json", bad)
	p := wantProblem(t, resp, body, http.StatusBadRequest, "supply.invalid_document")
	if p.Field != "/epcisBody/eventList/2/action" || !strings.Contains(p.Detail, "/epcisBody/eventList/2/action") {
		t.Fatalf("invalid document: field %q, detail %q", p.Field, p.Detail)
	}
	resp, body = e.do(http.MethodPost, "/v1/supply/epcis", "application/json", []byte(`{"type": "EPCISDocument"`))
	wantProblem(t, resp, body, http.StatusBadRequest, "supply.invalid_document")
	// Valid, but shipping to a location nobody registered.
	nowhere := supplyEPCISDoc(t, map[string]any{"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "shipping", "epcList": []any{caseURN}, "destinationList": dest(glnNobody)})
	resp, body = e.do(http.MethodPost, "/v1/supply/epcis", "application/json", nowhere)
	if p := wantProblem(t, resp, body, http.StatusBadRequest, "supply.invalid_document"); !strings.Contains(p.Detail, glnNobody) {
		t.Fatalf("unmappable document: %q", p.Detail)
	}
	resp, body = e.do(http.MethodPost, "/v1/supply/epcis", "text/xml", []byte("<epcis/>"))
	wantProblem(t, resp, body, http.StatusUnsupportedMediaType, "api.unsupported_media_type")
}

// testSupplyBlood: a blood donation tested, separated, issued and transfused, and
// both lookbacks; a plasma donation pooled and fractionated, and the
// product lot traced back to it.
func testSupplyBlood(t *testing.T, e *env) {
	e.ok("bloodbank-admin", supply.TypeRegisterProduct, supply.RegisterProduct{GTIN: gtinRedCells, Name: "Red cells, leucodepleted", Kind: supply.KindBloodComponent, MinMilliC: 2000, MaxMilliC: 6000})
	e.ok("bloodbank-admin", supply.TypeRegisterProduct, supply.RegisterProduct{GTIN: gtinPlasma, Name: "Plasma for fractionation", Kind: supply.KindBloodComponent, MinMilliC: -40000, MaxMilliC: -18000})
	e.ok("bloodbank-admin", supply.TypeRegisterProduct, supply.RegisterProduct{GTIN: gtinAlbumin, Name: "Albumin 20%", Kind: supply.KindPlasmaProduct, MinMilliC: 2000, MaxMilliC: 25000})

	e.ok("bloodbank-nurse", supply.TypeDonation, supply.RegisterDonation{DIN: dinBlood, Type: supply.DonationBlood, Donor: donorBlood})
	var sep supply.Separated
	json.Unmarshal(e.ok("bloodbank-admin", supply.TypeSeparate, supply.Separate{DIN: dinBlood, Components: []supply.ComponentSpec{{GTIN: gtinRedCells, Expiry: "2026-02-15"}}}).Result, &sep)
	rbc := supply.UnitID(gtinRedCells, dinBlood)
	if len(sep.Items) != 1 || sep.Items[0] != rbc {
		t.Fatalf("separated: %+v", sep)
	}
	var don struct {
		supply.Donation
		ComponentItems []supply.Item `json:"component_items"`
	}
	e.getAs("bloodbank-admin", "/v1/supply/donations/"+dinBlood, http.StatusOK, &don)
	if don.Status != supply.DonationPending || don.Components != 1 || len(don.ComponentItems) != 1 || don.ComponentItems[0].Status != supply.StatusQuarantined {
		t.Fatalf("pending donation: %+v", don)
	}
	e.ok("lab-tech", supply.TypeTestResults, supply.RecordTests{DIN: dinBlood, Report: labReportSHA256, Results: []supply.TestOutcome{
		{Test: "abo-rhd", Result: "pass"}, {Test: "hbv", Result: "pass"}, {Test: "hcv", Result: "pass"}, {Test: "hiv", Result: "pass"}, {Test: "syphilis", Result: "pass"}}})
	e.getAs("hospital-nurse", "/v1/supply/donations/"+dinBlood+"00", http.StatusOK, &don) // with the label's flag digits
	if don.Status != supply.DonationReleased || len(don.Tests) != 5 || don.Tests[0].Lab != "city-lab" || don.ComponentItems[0].Status != supply.StatusActive || don.Decided == 0 {
		t.Fatalf("released donation: %+v", don)
	}

	// Issued to the hospital and transfused.
	var created ledger.Created
	json.Unmarshal(e.ok("bloodbank-admin", supply.TypeShip, supply.Ship{To: "general-hospital", Items: []string{rbc}}).Result, &created)
	e.ok("hospital-admin", supply.TypeReceive, supply.Receive{Shipment: created.ID, Items: []string{rbc}})
	var pt, other ledger.Created
	json.Unmarshal(e.ok("transfusion-patient", identity.TypeRegisterPatient, identity.RegisterPatient{}).Result, &pt)
	json.Unmarshal(e.ok("other-patient", identity.TypeRegisterPatient, identity.RegisterPatient{}).Result, &other)
	e.ok("hospital-nurse", supply.TypeTransfuse, supply.Transfuse{Item: rbc, Recipient: pt.ID})

	var traces supplyPage[supply.Trace]
	e.getAs("bloodbank-nurse", "/v1/supply/lookback/donors/"+donorBlood, http.StatusOK, &traces)
	if len(traces.Items) != 1 || traces.Items[0].Item != rbc || traces.Items[0].Status != supply.StatusTransfused ||
		traces.Items[0].Transfusion == nil || traces.Items[0].Transfusion.Recipient != pt.ID || traces.Items[0].Transfusion.Org != "general-hospital" {
		t.Fatalf("donor lookback: %+v", traces)
	}
	e.getAs("transfusion-patient", "/v1/supply/lookback/recipients/"+pt.ID, http.StatusOK, &traces)
	if len(traces.Items) != 1 || traces.Items[0].Donor != donorBlood || traces.Items[0].DIN != dinBlood || len(traces.Items[0].Tests) != 5 {
		t.Fatalf("recipient lookback: %+v", traces)
	}
	e.getAs("other-patient", "/v1/supply/lookback/recipients/"+other.ID, http.StatusOK, &traces)
	if len(traces.Items) != 0 {
		t.Fatalf("lookback of a patient never transfused: %+v", traces)
	}
	var lt supply.LotTrace
	e.getAs("hospital-nurse", "/v1/supply/lots/"+gtinRedCells+"/"+dinBlood+"/trace", http.StatusOK, &lt)
	if len(lt.Donations) != 1 || lt.Donations[0].DIN != dinBlood || len(lt.Transformations) != 0 {
		t.Fatalf("red cell lot trace: %+v", lt)
	}
	if v := e.supplyScan("(01)"+gtinRedCells+"(21)"+dinBlood, ""); v.Suspect != "already_dispensed" || v.Status != supply.StatusTransfused {
		t.Fatalf("scan of a transfused unit: %+v", v)
	}

	// Plasma: tested by the centre's own lab, pooled, fractionated.
	e.ok("bloodbank-nurse", supply.TypeDonation, supply.RegisterDonation{DIN: dinPlasma, Type: supply.DonationPlasma, Donor: donorPlasma, Certificate: "coo-2026-0001"})
	e.ok("bloodbank-admin", supply.TypeSeparate, supply.Separate{DIN: dinPlasma, Components: []supply.ComponentSpec{{GTIN: gtinPlasma, Expiry: "2028-01-01"}}})
	e.ok("bloodbank-lab", supply.TypeTestResults, supply.RecordTests{DIN: dinPlasma, Results: []supply.TestOutcome{
		{Test: "hbv", Result: "pass"}, {Test: "hcv", Result: "pass"}, {Test: "hiv", Result: "pass"}}})
	plasma := supply.UnitID(gtinPlasma, dinPlasma)
	e.ok("bloodbank-admin", supply.TypePool, supply.Pool{Pool: plasmaPoolID, Items: []string{plasma}})
	e.ok("bloodbank-admin", supply.TypeFractionate, supply.Fractionate{Pool: plasmaPoolID, Outputs: []supply.Output{
		{GTIN: gtinAlbumin, Lot: albuminLot, Expiry: "2028-01-31", Serials: supply.Serials{List: []string{"ALB0001", "ALB0002"}}}}})
	var tf struct {
		supply.Transformation
		InputItems []string `json:"input_items"`
	}
	e.get("/v1/supply/transformations/"+plasmaPoolID, http.StatusOK, &tf)
	if tf.Kind != supply.TransformPool || tf.Org != "bloodbank" || tf.Inputs != 1 || len(tf.InputItems) != 1 || tf.InputItems[0] != plasma ||
		len(tf.Outputs) != 1 || tf.Outputs[0] != (supply.LotRef{GTIN: gtinAlbumin, Lot: albuminLot, Units: 2}) {
		t.Fatalf("pool: %+v", tf)
	}
	e.getAs("bloodbank-lab", "/v1/supply/lots/"+gtinAlbumin+"/"+albuminLot+"/trace", http.StatusOK, &lt)
	if len(lt.Transformations) != 1 || lt.Transformations[0].ID != plasmaPoolID || len(lt.Donations) != 1 || lt.Donations[0].DIN != dinPlasma ||
		lt.Donations[0].Certificate != "coo-2026-0001" || len(lt.Donations[0].Tests) != 3 {
		t.Fatalf("albumin lot trace: %+v", lt)
	}
	e.getAs("bloodbank-admin", "/v1/supply/lookback/donors/"+donorPlasma, http.StatusOK, &traces)
	if len(traces.Items) != 1 || !slices.Equal(traces.Items[0].ConsumedBy, []string{plasmaPoolID}) || traces.Items[0].Status != supply.StatusConsumed {
		t.Fatalf("plasma donor lookback: %+v", traces)
	}

	// Bad and unknown identifiers, asked by the blood centre's nurse. A
	// lookback of a donor or recipient it has no trace of is refused, as for
	// one it may not see: the answer says nothing of who gave or received.
	for _, c := range []struct {
		path   string
		status int
		code   string
		field  string
	}{
		{"/v1/supply/donations/O999926123456", 400, "api.invalid_parameter", "din"},
		{"/v1/supply/donations/A999926999999", 404, "supply.not_found", ""},
		{"/v1/supply/lookback/donors/Donor-1", 400, "api.invalid_parameter", "donor"},
		{"/v1/supply/lookback/donors/ffffffffffffffff", 403, "chain.not_entitled", ""},
		{"/v1/supply/lookback/recipients/patient-1", 400, "api.invalid_parameter", "id"},
		{"/v1/supply/lookback/recipients/pt-00000000000000000000", 403, "chain.not_entitled", ""},
		{"/v1/supply/transformations/" + url.PathEscape("pool 1"), 400, "api.invalid_parameter", "id"},
		{"/v1/supply/transformations/pool-2099", 404, "supply.not_found", ""},
		{"/v1/supply/lots/" + gtinAlbumin + "/NOLOT/trace", 404, "supply.not_found", ""},
		{"/v1/supply/lots/12345/" + albuminLot + "/trace", 400, "api.invalid_parameter", "gtin"},
	} {
		resp, body := e.doAs("bloodbank-nurse", http.MethodGet, c.path, "", nil)
		if p := wantProblem(t, resp, body, c.status, c.code); p.Field != c.field {
			t.Fatalf("GET %s: field %q, want %q: %s", c.path, p.Field, c.field, body)
		}
	}
}

// testSupplyPPE: demand for a category and for a GTIN, pledges, a delivery that
// closes a demand, open demands and shortages.
func testSupplyPPE(t *testing.T, e *env) {
	e.ok("vaxco-admin", supply.TypeRegisterProduct, supply.RegisterProduct{GTIN: gtinMasks, Name: "N95 respirator", Kind: supply.KindPPE})
	e.ok("vaxco-logistics", supply.TypeCommission, supply.Commission{GTIN: gtinMasks, Lot: "M1", Expiry: "2030-01-01", Serials: supply.Serials{List: []string{"M1", "M2"}}})
	var d1, d2 supply.Demand
	json.Unmarshal(e.ok("hospital-admin", supply.TypeDemand, supply.PostDemand{Item: "mask-n95", Quantity: 1000, NeededBy: "2026-06-01", Region: "US-MA"}).Result, &d1)
	json.Unmarshal(e.ok("hospital-admin", supply.TypeDemand, supply.PostDemand{Item: gtinMasks, Quantity: 2, NeededBy: "2026-03-01", Region: "US-NY"}).Result, &d2)
	e.ok("swift-admin", supply.TypePledge, supply.MakePledge{Demand: d1.ID, Quantity: 600, GTIN: gtinMasks})
	var p2 supply.Pledge
	json.Unmarshal(e.ok("vaxco-admin", supply.TypePledge, supply.MakePledge{Demand: d2.ID, Quantity: 2}).Result, &p2)
	var created ledger.Created
	masks := []string{supply.UnitID(gtinMasks, "M1"), supply.UnitID(gtinMasks, "M2")}
	json.Unmarshal(e.ok("vaxco-logistics", supply.TypeShip, supply.Ship{To: "general-hospital", Items: masks, Pledge: p2.ID}).Result, &created)
	e.ok("hospital-admin", supply.TypeReceive, supply.Receive{Shipment: created.ID, Items: masks})

	var dv struct {
		supply.Demand
		Pledges []supply.Pledge `json:"pledges"`
	}
	e.get("/v1/supply/demands/"+d1.ID, http.StatusOK, &dv)
	if dv.Status != supply.DemandOpen || dv.Pledged != 600 || len(dv.Pledges) != 1 || dv.Pledges[0].Supplier != "swift" || dv.Pledges[0].GTIN != gtinMasks {
		t.Fatalf("demand 1: %+v", dv)
	}
	e.get("/v1/supply/demands/"+d2.ID, http.StatusOK, &dv)
	if dv.Status != supply.DemandClosed || dv.Delivered != 2 || len(dv.Pledges) != 1 || dv.Pledges[0].Delivered != 2 || dv.Closed == 0 {
		t.Fatalf("demand 2: %+v", dv)
	}

	var demands supplyPage[supply.Demand]
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"", []string{d1.ID}},
		{"?item=mask-n95", []string{d1.ID}},
		{"?item=mask-n95&region=US-MA", []string{d1.ID}},
		{"?region=US-MA", []string{d1.ID}},
		{"?region=US-NY", nil},
		{"?item=" + gtinMasks, nil},
	} {
		e.get("/v1/supply/demands"+c.query, http.StatusOK, &demands)
		var got []string
		for _, d := range demands.Items {
			got = append(got, d.ID)
		}
		if !slices.Equal(got, c.want) {
			t.Fatalf("open demands%s: %v, want %v", c.query, got, c.want)
		}
	}

	var shortages supplyPage[supply.Shortage]
	e.get("/v1/supply/shortages", http.StatusOK, &shortages)
	want := []supply.Shortage{
		{Item: gtinMasks, Region: "US-NY", Demanded: 2, Pledged: 2, Delivered: 2, Open: 0},
		{Item: "mask-n95", Region: "US-MA", Demanded: 1000, Pledged: 600, Delivered: 0, Open: 1000},
	}
	if !slices.Equal(shortages.Items, want) {
		t.Fatalf("shortages: %+v", shortages.Items)
	}
	e.get("/v1/supply/shortages?item=mask-n95&region=US-MA", http.StatusOK, &shortages)
	if !slices.Equal(shortages.Items, want[1:]) {
		t.Fatalf("shortages of N95 in US-MA: %+v", shortages.Items)
	}
	e.get("/v1/supply/shortages?region=US-NY", http.StatusOK, &shortages)
	if !slices.Equal(shortages.Items, want[:1]) {
		t.Fatalf("shortages in US-NY: %+v", shortages.Items)
	}
	e.get("/v1/supply/shortages?item=gown", http.StatusOK, &shortages)
	if len(shortages.Items) != 0 {
		t.Fatalf("shortages of gowns: %+v", shortages.Items)
	}

	for _, c := range []struct {
		path  string
		code  string
		field string
	}{
		{"/v1/supply/demands?region=massachusetts", "api.invalid_parameter", "region"},
		{"/v1/supply/demands?item=masks", "api.invalid_parameter", "item"},
		{"/v1/supply/shortages?item=09506000134391", "api.invalid_parameter", "item"},
		{"/v1/supply/shortages?region=us-ma", "api.invalid_parameter", "region"},
		{"/v1/supply/demands/demand-1", "api.invalid_parameter", "id"},
	} {
		e.supplyProblem(c.path, http.StatusBadRequest, c.code, c.field)
	}
	e.supplyProblem("/v1/supply/demands/dm-"+strings.Repeat("0", 24), http.StatusNotFound, "supply.not_found", "")
}
