package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/medchain/medchain/client"
)

// supplyAPI is the fake node of cmdutil_test.go with the supply reads
// these tests need.
type supplyAPI struct {
	*fakeAPI
	shipment func(id string) (*client.ShipmentInfo, error)
	item     func(id string) (*client.ItemInfo, error)
	mapEPCIS func(doc []byte) (*client.EPCISMapping, error)
}

func (f *supplyAPI) Shipment(_ context.Context, id string) (*client.ShipmentInfo, error) {
	return f.shipment(id)
}

func (f *supplyAPI) Item(_ context.Context, id string) (*client.ItemInfo, error) { return f.item(id) }

func (f *supplyAPI) MapEPCIS(_ context.Context, doc []byte) (*client.EPCISMapping, error) {
	return f.mapEPCIS(doc)
}

func TestSupplySendVerbs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		result json.RawMessage
		want   client.Msg
		out    string // a regexp stdout must match
	}{{
		name: "recall",
		args: []string{"supply", "recall", "09506000134352", "FLU-24A", "FLU-24B", "--reason", "potency"},
		want: client.RecallLots{GTIN: "09506000134352", Lots: []string{"FLU-24A", "FLU-24B"}, Reason: "potency"},
		out:  `^recalled 09506000134352 lot FLU-24A, FLU-24B \(tx ABC123, height 7\)\n$`,
	}, {
		name:   "ship: scanned codes become item IDs, -q prints the shipment ID",
		args:   []string{"supply", "ship", "(00)006141410000010004", "--to", "medsupply", "--sensor", "medsupply/truck-7-sensor", "--pledge", "pl-1", "-q"},
		result: json.RawMessage(`{"id":"sh-1"}`),
		want:   client.Ship{To: "medsupply", Items: []string{"00/006141410000010004"}, Sensors: []string{"medsupply/truck-7-sensor"}, Pledge: "pl-1"},
		out:    `^sh-1\n$`,
	}, {
		name:   "reading: °C into milli-°C at the times given",
		args:   []string{"supply", "reading", "--shipment", "sh-1", "2026-05-01T10:00:00Z=4.5", "2026-05-01T10:01:00Z=-0.25"},
		result: json.RawMessage(`{"excursions":1}`),
		want: client.Reading{Shipment: "sh-1", Readings: []client.TemperatureReading{
			{Time: 1777629600, MilliC: 4500}, {Time: 1777629660, MilliC: -250}}},
		out: `^2 readings recorded on shipment sh-1: EXCURSION \(1 out of range\): the goods are quarantined \(tx ABC123, height 7\)\n$`,
	}, {
		name: "products register: the storage range in milli-°C",
		args: []string{"supply", "products", "register", "--gtin", "09506000134352", "--name", "FluVax", "--kind", "vaccine", "--min", "2", "--max", "8.5"},
		want: client.RegisterProduct{GTIN: "09506000134352", Name: "FluVax", Kind: "vaccine", MinMilliC: 2000, MaxMilliC: 8500},
		out:  `^registered 09506000134352 "FluVax" \(vaccine, storage 2 to 8.5 °C\) \(tx ABC123, height 7\)\n$`,
	}, {
		name: "commission: a range of serials, -q prints the unit IDs",
		args: []string{"supply", "commission", "09506000134352", "FLU-24A", "--expiry", "2030-06-30", "--range", "VX:1:2:4", "-q"},
		want: client.Commission{GTIN: "09506000134352", Lot: "FLU-24A", Expiry: "2030-06-30", Serials: client.Serials{Prefix: "VX", Start: 1, Count: 2, Width: 4}},
		out:  `^01/09506000134352/21/VX0001\n01/09506000134352/21/VX0002\n$`,
	}, {
		name: "unpack: all of a container",
		args: []string{"supply", "unpack", "00/006141410000010004"},
		want: client.Unpack{Parent: "00/006141410000010004", Children: []string{}},
		out:  `^unpacked 00/006141410000010004 \(tx ABC123, height 7\)\n$`,
	}, {
		name: "transfuse: a patient ID as it is",
		args: []string{"supply", "transfuse", "01/09506000134376/21/A999926123456", "--recipient", "pt-0123"},
		want: client.Transfuse{Item: "01/09506000134376/21/A999926123456", Recipient: "pt-0123"},
		out:  `^transfused 01/09506000134376/21/A999926123456 to pt-0123 \(tx ABC123, height 7\)\n$`,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			api := &fakeAPI{send: committed(tc.result)}
			code, out, errs := run(t, api, tc.args...)
			if code != ExitOK {
				t.Fatalf("exit %d, stderr %q", code, errs)
			}
			if len(api.sent) != 1 || !reflect.DeepEqual(api.sent[0], tc.want) {
				t.Fatalf("sent %#v\nwant %#v", api.sent, tc.want)
			}
			if api.signer != testSigner {
				t.Errorf("signed by %v, not the --as signer", api.signer)
			}
			if !regexp.MustCompile(tc.out).MatchString(out) {
				t.Errorf("stdout %q, want it to match %s", out, tc.out)
			}
		})
	}
}

func TestSupplySendVerbJSON(t *testing.T) {
	api := &fakeAPI{send: committed(client.Created{ID: "sh-1"})}
	code, out, _ := run(t, api, "supply", "ship", "00/006141410000010004", "--to", "medsupply", "-q", "-o", "json")
	var res client.TxResult
	var c client.Created
	if code != ExitOK || json.Unmarshal([]byte(out), &res) != nil || res.Hash != "ABC123" || res.Decode(&c) != nil || c.ID != "sh-1" {
		t.Fatalf("exit %d, stdout %q: want the submission's result as JSON (-q does not apply)", code, out)
	}
}

func TestSupplySendVerbRefusesBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"supply", "reading", "--shipment", "sh-1", "4,5"},
		{"supply", "reading", "4.5"}, // neither --shipment nor --item
		{"supply", "products", "register", "--gtin", "1", "--name", "X", "--kind", "drug", "--min", "2"},
		{"supply", "commission", "09506000134352", "L", "--expiry", "2030-01-01", "--range", "SN:1:3"},
		{"supply", "commission", "09506000134352", "L", "--expiry", "2020-01-01", "--range", "SN:1:3:2"}, // expired
		{"supply", "ship", "not a code", "--to", "medsupply"},
		{"supply", "recall", "09506000134352", "L"}, // no --reason
	} {
		api := &fakeAPI{send: committed(nil)}
		code, _, errs := run(t, api, args...)
		if code != ExitUsage || len(api.sent) != 0 || errs == "" {
			t.Errorf("%q: exit %d, sent %v, stderr %q; want exit %d, nothing sent and a message", args, code, api.sent, errs, ExitUsage)
		}
	}
}

func TestSupplyRefusedBySendExits1(t *testing.T) {
	refused := &client.Error{Status: 403, Code: "supply.unauthorized", Detail: "supply: a pharmacist, physician or nurse dispenses"}
	api := &fakeAPI{send: func(client.Msg) (*client.TxResult, error) { return nil, refused }}
	code, _, errs := run(t, api, "supply", "dispense", "01/09506000134352/21/VX0001")
	if code != ExitFailed || !strings.Contains(errs, "supply.unauthorized") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
}

func TestSupplyVerifyExitCodes(t *testing.T) {
	genuine := func(status string) *client.ScanResult {
		return &client.ScanResult{Verdict: client.Verdict{Item: "01/09506000134352/21/VX0001", Genuine: true, Status: status, ColdChain: "pass"}}
	}
	suspect := &client.ScanResult{Alert: "al-1", Verdict: client.Verdict{Item: "01/09506000134352/21/VX0001",
		Suspect: "already_dispensed", Status: "dispensed", ColdChain: "pass", Manufacturer: "pharmaco"}}
	for _, tc := range []struct {
		name string
		scan *client.ScanResult
		args []string
		code int
		out  string
	}{
		{"genuine", genuine(client.ItemActive), nil, ExitOK, `(?m)^GENUINE$`},
		{"genuine and --strict", genuine(client.ItemActive), []string{"--strict"}, ExitOK, `(?m)^GENUINE$`},
		{"suspect", suspect, nil, ExitSuspect, `(?m)^SUSPECT +already_dispensed$(.|\n)*^alert +al-1 recorded for pharmaco$`},
		{"suspect, JSON", suspect, []string{"-o", "json"}, ExitSuspect, `"suspect": "already_dispensed"`},
		{"recalled", genuine("recalled"), nil, ExitOK, `(?m)^status +recalled$`},
		{"recalled and --strict", genuine("recalled"), []string{"--strict"}, ExitSuspect, `(?m)^status +recalled$`},
		{"quarantined and --strict", genuine(client.ItemQuarantined), []string{"--strict"}, ExitSuspect, `(?m)^status +quarantined$`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var scanned [2]string
			api := &fakeAPI{verify: func(code, location string) (*client.ScanResult, error) {
				scanned = [2]string{code, location}
				return tc.scan, nil
			}}
			args := append([]string{"supply", "verify", "(01)09506000134352(21)VX0001", "--location", "0614141000036"}, tc.args...)
			code, out, errs := run(t, api, args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tc.code, errs)
			}
			if !regexp.MustCompile(tc.out).MatchString(out) {
				t.Errorf("stdout %q, want it to match %s", out, tc.out)
			}
			if errs != "" {
				t.Errorf("stderr %q: the verdict is on stdout, nothing more to say", errs)
			}
			if scanned != [2]string{"(01)09506000134352(21)VX0001", "0614141000036"} {
				t.Errorf("scanned %q: the code and location must be sent as given", scanned)
			}
		})
	}
	// A failure to verify is not a verdict.
	api := &fakeAPI{verify: func(string, string) (*client.ScanResult, error) {
		return nil, &client.Error{Status: 400, Code: "supply.bad_code", Detail: "supply: not a GS1 code"}
	}}
	if code, _, _ := run(t, api, "supply", "verify", "x"); code != ExitFailed {
		t.Errorf("a refused scan: exit %d, want %d", code, ExitFailed)
	}
}

func TestSupplyReceiveChecksColdChainFirst(t *testing.T) {
	failed := &client.ShipmentInfo{ColdChain: "fail", Shipment: client.Shipment{
		ID: "sh-1", From: "pharmaco", To: "medsupply", Status: "in_transit", Items: []string{"00/006141410000010004"}}}

	shipment := func(id string) (*client.ShipmentInfo, error) {
		if id != "sh-1" {
			return nil, fmt.Errorf("fake: no shipment %q", id)
		}
		return failed, nil
	}
	api := &supplyAPI{fakeAPI: &fakeAPI{send: committed(nil)}, shipment: shipment}
	code, out, errs := run(t, api, "supply", "receive", "sh-1")
	if code != ExitFailed || len(api.sent) != 0 {
		t.Fatalf("a failed cold chain: exit %d, sent %v; want exit 1 and nothing sent", code, api.sent)
	}
	if !strings.Contains(out, "cold chain FAIL") || !strings.Contains(errs, "refusing to receive sh-1: its cold chain failed. Nothing was sent.") {
		t.Errorf("stdout %q, stderr %q", out, errs)
	}

	got := client.Shipment{ID: "sh-1", Received: []string{"00/006141410000010004"}}
	api = &supplyAPI{fakeAPI: &fakeAPI{send: committed(got)}, shipment: shipment}
	code, out, errs = run(t, api, "supply", "receive", "sh-1", "--accept-excursion")
	want := client.Receive{Shipment: "sh-1", Items: []string{"00/006141410000010004"}}
	if code != ExitOK || len(api.sent) != 1 || !reflect.DeepEqual(api.sent[0], want) {
		t.Fatalf("--accept-excursion: exit %d (stderr %q), sent %#v, want %#v", code, errs, api.sent, want)
	}
	if !strings.Contains(out, "received sh-1: 1 received, 0 missing, 0 extra (tx ABC123, height 7)") {
		t.Errorf("stdout %q", out)
	}
}

func TestSupplyShowVerb(t *testing.T) {
	var asked string
	api := &supplyAPI{fakeAPI: &fakeAPI{}, item: func(id string) (*client.ItemInfo, error) {
		asked = id
		return &client.ItemInfo{Item: client.Item{ID: id, Kind: "sscc", Status: client.ItemActive, Custodian: "medsupply"},
			Contents: []string{"01/09506000134352/21/VX0001"}}, nil
	}}
	code, out, errs := run(t, api, "supply", "item", "00/006141410000010004")
	if code != ExitOK || asked != "00/006141410000010004" {
		t.Fatalf("exit %d (stderr %q), asked for %q", code, errs, asked)
	}
	for _, want := range []string{"item       00/006141410000010004 (sscc)\n", "custodian  medsupply\n", "contains   01/09506000134352/21/VX0001\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout %q lacks %q", out, want)
		}
	}
	code, out, _ = run(t, api, "supply", "item", "00/006141410000010004", "-o", "json")
	var it client.ItemInfo
	if code != ExitOK || json.Unmarshal([]byte(out), &it) != nil || it.Custodian != "medsupply" || len(it.Contents) != 1 {
		t.Errorf("-o json: exit %d, stdout %q", code, out)
	}
	api.item = func(id string) (*client.ItemInfo, error) {
		return nil, &client.Error{Status: 404, Code: "supply.not_found", Detail: "supply: no item " + id}
	}
	if code, _, errs := run(t, api, "supply", "item", "00/1"); code != ExitFailed || !strings.Contains(errs, "supply.not_found") {
		t.Errorf("not found: exit %d, stderr %q", code, errs)
	}
}

// A show verb that is missing what it must name exits 2 without asking the
// node (the fake has no lookback or alerts: asking would panic).
func TestSupplyShowVerbUsage(t *testing.T) {
	for _, args := range [][]string{
		{"supply", "lookback"},
		{"supply", "lookback", "--donor", "9f2c4e6a8b0d1f3e", "--recipient", "pt-1"},
		{"supply", "alerts"},
	} {
		code, _, errs := run(t, &fakeAPI{}, args...)
		if code != ExitUsage || errs == "" {
			t.Errorf("%q: exit %d, stderr %q; want %d and a message", args, code, errs, ExitUsage)
		}
	}
}

// A verb with subcommands (donation and its show) keeps its own usage line;
// a group (supply) shows only "[command]".
func TestSupplyUsageLines(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		want, not string
	}{
		{[]string{"supply", "donation", "--help"}, "\n  medchain supply donation --din DIN --donor PSEUDONYM", ""},
		{[]string{"supply", "pool", "--help"}, "\n  medchain supply pool POOL ITEM... --as MEMBER", ""},
		{[]string{"supply", "demand", "--help"}, "\n  medchain supply demand --item ITEM", ""},
		{[]string{"supply", "--help"}, "\n  medchain supply [command]", "medchain supply [flags]"},
	} {
		code, out, _ := run(t, &fakeAPI{}, tc.args...)
		if code != ExitOK || !strings.Contains(out, tc.want) || (tc.not != "" && strings.Contains(out, tc.not)) {
			t.Errorf("%q: exit %d; want %q in the help (and not %q):\n%s", tc.args, code, tc.want, tc.not, out)
		}
	}
}

// import-epcis --dry-run reads the document (here from stdin), prints what
// the node maps it to and sends nothing (the fake has no ImportEPCIS and
// no Send hook: either would panic).
func TestSupplyImportEPCISDryRun(t *testing.T) {
	doc := `{"type":"EPCISDocument"}`
	api := &supplyAPI{fakeAPI: &fakeAPI{}, mapEPCIS: func(got []byte) (*client.EPCISMapping, error) {
		if string(got) != doc {
			return nil, fmt.Errorf("fake: mapped %q, want the document as read", got)
		}
		return &client.EPCISMapping{Type: "EPCISDocument", Notes: []string{"event 1 (ObjectEvent inspecting): observation: anchored only"},
			Msgs: []client.SupplyEvents{{Events: []client.SupplyEvent{
				{Hash: "ni:///sha-256;aa?ver=CBV2.0", Type: "ObjectEvent", BizStep: "shipping", Op: client.EventOp{Ship: &client.Ship{To: "medsupply", Items: []string{"00/1"}}}},
				{Hash: "ni:///sha-256;bb?ver=CBV2.0", Type: "ObjectEvent", BizStep: "inspecting"},
			}}}}, nil
	}}
	var out, errb bytes.Buffer
	g := &Global{In: strings.NewReader(doc), Out: &out, Err: &errb, NewAPI: func() API { return api }}
	if code := Run(g, []string{"supply", "import-epcis", "-", "--dry-run"}); code != ExitOK {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
	for _, want := range []string{"2 events in 1 transactions\n", "ship 1 items to medsupply", "anchor only", "note: event 1 (ObjectEvent inspecting)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout %q lacks %q", out.String(), want)
		}
	}
}

// An expiry in the past is refused before anything is signed (the chain
// would refuse it too: supply.expired_lot).
func TestSupplyCommissionExpired(t *testing.T) {
	api := &fakeAPI{send: committed(nil)}
	code, _, errs := run(t, api, "supply", "commission", "09506000134352", "L", "--expiry", "2020-01-01", "--range", "SN:1:3:2")
	if code != ExitUsage || len(api.sent) != 0 || !strings.Contains(errs, "supply.expired_lot") {
		t.Fatalf("exit %d, sent %v, stderr %q", code, api.sent, errs)
	}
}
