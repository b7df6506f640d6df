package epcis

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// withEvents returns a valid document (the envelope of a vector document)
// holding the given events.
func withEvents(t testing.TB, events ...string) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(readFile(t, vectorDir+"ReferenceEventHashAlgorithm3.jsonld"), &doc); err != nil {
		t.Fatal(err)
	}
	var list []any
	for _, e := range events {
		var ev any
		if err := json.Unmarshal([]byte(e), &ev); err != nil {
			t.Fatalf("%v in %s", err, e)
		}
		list = append(list, ev)
	}
	doc["epcisBody"] = map[string]any{"eventList": list}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParse(t *testing.T) {
	published := func(name string) []string { return lines(readFile(t, vectorDir+name+".hashes.txt")) }
	tests := []struct {
		name string
		raw  []byte
		doc  Document // Events compared field by field
	}{
		{"sensor data", readFile(t, vectorDir+"epcisDocWithSensorDataObjectEvent.jsonld"), Document{
			Type: "EPCISDocument", SchemaVersion: "2.0", CreationDate: "2022-02-17T11:30:47.000Z",
			Events: []Event{{
				Type: ObjectEvent, Hash: published("epcisDocWithSensorDataObjectEvent")[0],
				EventTime: "2022-02-16T14:00:00.000Z", EventTimeZoneOffset: "+01:00",
				Action: "OBSERVE", BizStep: "inspecting", ReadPoint: "https://id.gs1.org/414/4012345000054",
				EPCs: []string{"https://id.gs1.org/01/04012345111118/21/9876"},
				Sensors: func() []SensorReport {
					var out []SensorReport
					for i, tm := range []string{"13:05", "13:35", "13:55"} {
						for _, r := range []struct{ typ, v, uom string }{
							{"Temperature", []string{"26", "26.1", "26.2"}[i], "CEL"},
							{"AbsoluteHumidity", []string{"12.1", "12.2", "12.2"}[i], "A93"},
							{"Speed", []string{"160", "161", "162"}[i], "KMH"},
							{"Illuminance", []string{"800", "801", "802"}[i], "LUX"},
						} {
							out = append(out, SensorReport{Type: r.typ, DeviceID: "https://id.gs1.org/8004/4000001111",
								Time: "2022-02-16T" + tm + ":00.000Z", Value: r.v, UOM: r.uom})
						}
					}
					return out
				}(),
			}},
		}},
		{"transformation with error declaration", readFile(t, vectorDir+"epcisDocWithXMLstartTagAndErrorDeclaration.jsonld"), Document{
			Type: "EPCISDocument", SchemaVersion: "2.0", CreationDate: "2022-02-17T11:30:47.000Z",
			Events: []Event{{
				Type: TransformationEvent, Hash: published("epcisDocWithXMLstartTagAndErrorDeclaration")[0],
				EventID: "urn:uuid:374d95fc-9457-4a51-bd6a-0bba133845a8", EventTime: "2020-01-13T23:00:00.000Z", EventTimeZoneOffset: "+01:00",
				BizStep: "commissioning", ReadPoint: "https://id.gs1.org/414/4012345000009",
				InputEPCs:        []string{"https://id.gs1.org/01/04012345111118/21/987"},
				OutputEPCs:       []string{"https://id.gs1.org/01/04012345333336/21/AGHFG"},
				InputQuantities:  []Quantity{{Class: "https://id.gs1.org/01/04012345222227/10/87545GHGH"}},
				OutputQuantities: []Quantity{{Class: "https://id.gs1.org/01/04012345444445", Quantity: "452", UOM: "KGM"}},
				ErrorDeclaration: &ErrorDeclaration{DeclarationTime: "2020-01-14T23:00:00.000Z", Reason: "incorrect_data"},
			}},
		}},
		{"shipping: parties and transactions", readFile(t, vectorDir+"epcisDocWithShippingAndTransportingEvent.jsonld"), Document{
			Type: "EPCISDocument", SchemaVersion: "2.0", CreationDate: "2022-02-17T11:30:47.000Z",
			Events: []Event{{
				Type: ObjectEvent, Hash: published("epcisDocWithShippingAndTransportingEvent")[0],
				EventTime: "2022-02-16T11:50:00.000Z", EventTimeZoneOffset: "+01:00", Action: "OBSERVE", BizStep: "departing",
				ReadPoint:       "https://id.gs1.org/414/4012345000221",
				EPCs:            []string{"https://id.gs1.org/00/140123451122233341"},
				BizTransactions: []BizTx{{Type: "desadv", ID: "urn:epcglobal:cbv:bt:4012345000009:ASN1099"}},
				SourceList:      []Party{{Type: "possessing_party", ID: "https://id.gs1.org/417/4012345000009"}},
				DestinationList: []Party{{Type: "possessing_party", ID: "https://id.gs1.org/417/4023333000000"}},
			}, {
				Type: ObjectEvent, Hash: published("epcisDocWithShippingAndTransportingEvent")[1],
				EventTime: "2022-02-16T15:50:00.000Z", EventTimeZoneOffset: "+01:00", Action: "OBSERVE", BizStep: "transporting",
				ReadPoint: "geo:47.506694,11.104301",
				EPCs:      []string{"https://id.gs1.org/00/140123451122233341"},
			}},
		}},
		{"recall: persistent disposition", readFile(t, vectorDir+"persistentDisposition.jsonld"), Document{
			Type: "EPCISDocument", SchemaVersion: "2.0", CreationDate: "2022-02-17T11:30:47.000Z",
			Events: []Event{{
				Type: ObjectEvent, Hash: published("persistentDisposition")[0],
				EventTime: "2021-04-01T14:00:00.000Z", EventTimeZoneOffset: "+01:00", Action: "OBSERVE",
				BizStep: "shipping", Disposition: "in_transit", PersistentDispositionSet: []string{"recalled"},
				ReadPoint: "https://id.gs1.org/414/4012345000054",
				EPCs:      []string{"https://id.gs1.org/01/04012345111118/21/1", "https://id.gs1.org/01/04012345111118/21/2"},
			}, {
				Type: ObjectEvent, Hash: published("persistentDisposition")[1],
				EventTime: "2021-04-01T14:00:00.000Z", EventTimeZoneOffset: "+01:00", Action: "OBSERVE",
				BizStep: "inspecting", PersistentDispositionUnset: []string{"recalled"},
				ReadPoint: "https://id.gs1.org/414/4012345000054",
				EPCs:      []string{"https://id.gs1.org/01/04012345111118/21/2"},
			}},
		}},
		{"aggregation", readFile(t, "testdata/gs1-epcis/JSON/Example_9.6.3-AggregationEvent.jsonld"), Document{
			Type: "EPCISDocument", SchemaVersion: "2.0", CreationDate: "2005-07-11T11:30:47.000Z",
			Events: []Event{{
				Type: AggregationEvent, Hash: "", // checked against DocumentHashes below
				EventID:   "ni:///sha-256;87b5f18a69993f0052046d4687dfacdf48f7c988cfabda2819688c86b4066a49?ver=CBV2.0",
				EventTime: "2013-06-08T14:58:56.591Z", EventTimeZoneOffset: "+02:00", Action: "OBSERVE",
				BizStep: "receiving", Disposition: "in_progress",
				ReadPoint: "https://id.gs1.org/414/0614141007776", BizLocation: "https://id.gs1.org/414/0614141008889",
				ParentID:  "https://id.gs1.org/00/106141412345678908",
				ChildEPCs: []string{"https://id.gs1.org/01/10614141073464/21/2017", "https://id.gs1.org/01/10614141073464/21/2018"},
				ChildQuantities: []Quantity{
					{Class: "https://id.gs1.org/01/04012345987652", Quantity: "10"},
					{Class: "https://id.gs1.org/01/04012345123456/10/998877", Quantity: "200.5", UOM: "KGM"},
				},
			}},
		}},
		{"standard values as web URIs and CURIEs", withEvents(t, `{
			"type": "ObjectEvent", "eventTime": "2024-05-06T07:08:09.0105+02:00", "eventTimeZoneOffset": "+02:00",
			"epcList": ["https://pharma.example/01/09521234543213/10/LOT1/21/SN-1?exp=260101"], "action": "OBSERVE",
			"bizStep": "https://ref.gs1.org/cbv/BizStep-dispensing", "disposition": "cbv:Disp-dispensed",
			"bizTransactionList": [{"bizTransaction": "urn:epcglobal:cbv:bt:0614141000005:RX-1"}],
			"sensorElementList": [{"sensorMetadata": {"deviceID": "urn:epc:id:giai:4000001.7", "time": "2024-05-06T05:00:00Z"},
				"sensorReport": [{"type": "gs1:Temperature", "exception": "ALARM_CONDITION", "minValue": -18.50, "maxValue": 8e0, "uom": "CEL"},
					{"type": "example:vibration", "time": "2024-05-06T05:01:00Z", "deviceID": "urn:epc:id:giai:4000001.8", "value": 0.000}]}]}`), Document{
			Type: "EPCISDocument", SchemaVersion: "2.0", CreationDate: "2022-02-17T11:30:47.000Z",
			Events: []Event{{
				Type: ObjectEvent, EventTime: "2024-05-06T05:08:09.011Z", EventTimeZoneOffset: "+02:00", Action: "OBSERVE",
				BizStep: "dispensing", Disposition: "dispensed",
				EPCs:            []string{"https://id.gs1.org/01/09521234543213/21/SN-1"},
				BizTransactions: []BizTx{{ID: "urn:epcglobal:cbv:bt:0614141000005:RX-1"}},
				Sensors: []SensorReport{
					{Type: "Temperature", Exception: "ALARM_CONDITION", DeviceID: "https://id.gs1.org/8004/40000017",
						Time: "2024-05-06T05:00:00.000Z", MinValue: "-18.5", MaxValue: "8", UOM: "CEL"},
					{Type: "https://ns.example.com/epcis/vibration", DeviceID: "https://id.gs1.org/8004/40000018",
						Time: "2024-05-06T05:01:00.000Z", Value: "0"},
				},
			}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.raw)
			if err != nil {
				t.Fatal(err)
			}
			hashes, err := DocumentHashes(tc.raw)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Events) != len(tc.doc.Events) {
				t.Fatalf("%d events, want %d", len(got.Events), len(tc.doc.Events))
			}
			for i := range tc.doc.Events {
				if tc.doc.Events[i].Hash == "" {
					tc.doc.Events[i].Hash = hashes[i]
				}
				if got.Events[i].Hash != hashes[i] {
					t.Errorf("event %d hash %s, DocumentHashes %s", i, got.Events[i].Hash, hashes[i])
				}
				if !reflect.DeepEqual(got.Events[i], tc.doc.Events[i]) {
					t.Errorf("event %d:\n got %+v\nwant %+v", i, got.Events[i], tc.doc.Events[i])
				}
			}
			got.Events, tc.doc.Events = nil, nil
			if !reflect.DeepEqual(got, tc.doc) {
				t.Errorf("document %+v, want %+v", got, tc.doc)
			}
		})
	}
}

// TestParseAllValidExamples: every valid example parses; events come in
// document order with their event hashes, RFC 3339 times and decimals.
func TestParseAllValidExamples(t *testing.T) {
	files := glob(t, "testdata/gs1-epcis/JSON/*.jsonld", "testdata/gs1-epcis/JSON/*/*.jsonld",
		"testdata/openepcis/Capture/Documents/*.json", vectorDir+"*.jsonld")
	for _, f := range files {
		if _, bad := notValidAgainstGS1Schema[f]; bad {
			continue
		}
		t.Run(strings.TrimPrefix(f, "testdata/"), func(t *testing.T) {
			raw := readFile(t, f)
			doc, err := Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			hashes, err := DocumentHashes(raw)
			if err != nil {
				t.Fatal(err)
			}
			if len(doc.Events) != len(hashes) || len(doc.Events) == 0 {
				t.Fatalf("%d events, %d hashes", len(doc.Events), len(hashes))
			}
			for i, e := range doc.Events {
				if e.Hash != hashes[i] {
					t.Errorf("event %d: hash out of order", i)
				}
				for _, ts := range []string{e.EventTime, e.RecordTime} {
					if ts == "" {
						continue
					}
					if _, err := time.Parse(time.RFC3339, ts); err != nil || !strings.HasSuffix(ts, "Z") {
						t.Errorf("event %d: time %q is not RFC 3339 UTC", i, ts)
					}
				}
				for _, q := range append(append(e.Quantities, e.ChildQuantities...), append(e.InputQuantities, e.OutputQuantities...)...) {
					if q.Quantity != "" {
						if d, ok := canonicalDecimal(q.Quantity); !ok || d != q.Quantity {
							t.Errorf("event %d: quantity %q is not a canonical decimal", i, q.Quantity)
						}
					}
				}
				for _, s := range e.Sensors {
					for _, v := range []string{s.Value, s.MinValue, s.MaxValue, s.MeanValue} {
						if d, ok := canonicalDecimal(v); v != "" && (!ok || d != v) {
							t.Errorf("event %d: sensor value %q is not a canonical decimal", i, v)
						}
					}
				}
			}
		})
	}
}

func TestParseQueryDocument(t *testing.T) {
	doc, err := Parse(readFile(t, vectorDir+"epcisQueryDocument.jsonld"))
	if err != nil {
		t.Fatal(err)
	}
	want := lines(readFile(t, vectorDir+"epcisQueryDocument.hashes.txt"))
	if doc.Type != "EPCISQueryDocument" || len(doc.Events) != 2 || doc.Events[0].Hash != want[0] || doc.Events[1].Hash != want[1] {
		t.Errorf("got %+v", doc)
	}
	if got := doc.Events[1].BizTransactions; len(got) != 2 || got[0] != (BizTx{"po", "http://transaction.acme.com/po/12345678"}) {
		t.Errorf("bizTransactions %+v", got)
	}
}

func TestParseRejects(t *testing.T) {
	var ve *ValidationError
	for name, raw := range map[string][]byte{
		"invalid":  readFile(t, "testdata/openepcis/Capture/Invalid/ObjectEvent_with_invalid_action.json"),
		"an event": readFile(t, "testdata/openepcis/Capture/Events/ObjectEvent.json"),
		"not JSON": []byte("{"),
	} {
		if _, err := Parse(raw); !errors.As(err, &ve) {
			t.Errorf("%s: Parse returned %v, want a *ValidationError", name, err)
		}
	}
}

func TestShortNames(t *testing.T) {
	if err := loadVocabularies(); err != nil {
		t.Fatal(err)
	}
	h := newHasher(newPrefixes().with(map[string]any{"c": "https://ref.gs1.org/cbv/"}), nil)
	tests := []struct {
		vocab *vocabulary
		in    any
		want  string
	}{
		{vocDisposition, "in_transit", "in_transit"},
		{vocDisposition, "urn:epcglobal:cbv:disp:in_transit", "in_transit"},
		{vocDisposition, "https://ref.gs1.org/cbv/Disp-in_transit", "in_transit"},
		{vocDisposition, "cbv:Disp-in_transit", "in_transit"},
		{vocDisposition, "c:Disp-in_transit", "in_transit"},
		{vocDisposition, "https://ns.gs1.org/voc/Disp-in_transit", "in_transit"},
		{vocDisposition, " recalled ", "recalled"},
		{vocDisposition, "urn:epcglobal:cbv:disp:lost", "https://ref.gs1.org/cbv/Disp-lost"},
		{vocDisposition, "https://example.org/disp/quarantined", "https://example.org/disp/quarantined"},
		{vocBizStep, "urn:epcglobal:cbv:bizstep:receiving", "receiving"},
		{vocBizStep, "https://ref.gs1.org/cbv/BizStep-commissioning", "commissioning"},
		{vocBizStep, nil, ""},
		{vocBizTxType, "urn:epcglobal:cbv:btt:po", "po"},
		{vocSrcDestType, "urn:epcglobal:cbv:sdt:owning_party", "owning_party"},
		{vocErrorReason, "urn:epcglobal:cbv:er:did_not_occur", "did_not_occur"},
		{vocMeasurement, "https://gs1.org/voc/Temperature", "Temperature"},
		{vocMeasurement, "gs1:RelativeHumidity", "RelativeHumidity"},
		{vocComponent, "cbv:Comp-latitude", "latitude"},
	}
	for _, tc := range tests {
		if got := h.short(tc.in, tc.vocab); got != tc.want {
			t.Errorf("%s %q -> %q, want %q", tc.vocab.def, tc.in, got, tc.want)
		}
	}
}

// TestNoFloats: the parsed types hold no floating-point numbers (the ledger
// forbids them), nor raw JSON.
func TestNoFloats(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var check func(reflect.Type, string)
	check = func(typ reflect.Type, path string) {
		if seen[typ] {
			return
		}
		seen[typ] = true
		switch typ.Kind() {
		case reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128, reflect.Interface, reflect.Map:
			t.Errorf("%s has kind %s", path, typ.Kind())
		case reflect.Pointer, reflect.Slice:
			check(typ.Elem(), path+"[]")
		case reflect.Struct:
			for i := range typ.NumField() {
				check(typ.Field(i).Type, path+"."+typ.Field(i).Name)
			}
		}
		if typ == reflect.TypeFor[json.RawMessage]() || typ == reflect.TypeFor[json.Number]() {
			t.Errorf("%s is %s", path, typ)
		}
	}
	check(reflect.TypeFor[Document](), "Document")
}

// benchmarkDocument builds a document of n events cycling through every
// event of the OpenEPCIS capture document that combines all event types.
func benchmarkDocument(b testing.TB, n int) []byte {
	raw := readFile(b, "testdata/openepcis/Capture/Documents/Combination_of_different_event.json")
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		b.Fatal(err)
	}
	body := doc["epcisBody"].(map[string]any)
	src := body["eventList"].([]any)
	var list []any
	for i := range n {
		var ev map[string]any
		e, _ := json.Marshal(src[i%len(src)])
		if err := json.Unmarshal(e, &ev); err != nil {
			b.Fatal(err)
		}
		ev["eventID"] = fmt.Sprintf("urn:uuid:00000000-0000-4000-8000-%012d", i)
		list = append(list, ev)
	}
	body["eventList"] = list
	out, err := json.Marshal(doc)
	if err != nil {
		b.Fatal(err)
	}
	if err := ValidateDocument(out); err != nil {
		b.Fatal(err)
	}
	return out
}

// BenchmarkParse measures Parse (schema validation, conversion and the event
// hash of every event) on a 100-event document.
func BenchmarkParse(b *testing.B) {
	raw := benchmarkDocument(b, 100)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		doc, err := Parse(raw)
		if err != nil || len(doc.Events) != 100 {
			b.Fatal(err)
		}
	}
}

// The lot and expiry come from CBV master data only, whichever other
// extension fields an ILMD carries, and never from map order.
func TestILMDLotIsCBVMasterData(t *testing.T) {
	raw := withEvents(t, `{"type":"ObjectEvent","eventTime":"2024-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00",
		"epcList":["urn:epc:id:sgtin:0614141.107346.2018"],"action":"ADD","bizStep":"commissioning",
		"ilmd":{"other:lotNumber":"OTHER","cbvmda:lotNumber":"ABC123","zz:itemExpirationDate":"2099-01-01","cbvmda:itemExpirationDate":"2026-06-30"}}`)
	for range 30 {
		doc, err := Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if e := doc.Events[0]; e.Lot != "ABC123" || e.Expiry != "2026-06-30" {
			t.Fatalf("lot %q, expiry %q: want the CBV master data ABC123, 2026-06-30", e.Lot, e.Expiry)
		}
	}
}
