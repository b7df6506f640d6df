package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"strings"
	"testing"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/api/apitest"
)

// observations is an EPCIS 2.0 document of two observations: events that
// change nothing on the ledger and are only anchored, which any member may
// capture.
const observations = `{
  "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
  "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-05-04T08:00:00.000Z",
  "epcisBody": {"eventList": [
    {"type": "ObjectEvent", "eventTime": "2026-05-04T08:00:00.000Z", "eventTimeZoneOffset": "+00:00",
     "action": "OBSERVE", "bizStep": "inspecting", "epcList": ["https://id.gs1.org/01/09506000134352/21/A1"]},
    {"type": "ObjectEvent", "eventTime": "2026-05-04T09:00:00.000Z", "eventTimeZoneOffset": "+00:00",
     "action": "OBSERVE", "bizStep": "inspecting", "epcList": ["https://id.gs1.org/00/006141410000010004"]}
  ]}
}`

func TestImportEPCIS(t *testing.T) {
	_, c := start(t, apitest.Options{})
	ctx := context.Background()

	m, err := c.MapEPCIS(ctx, []byte(observations))
	if err != nil {
		t.Fatal(err)
	}
	if m.Type != client.TypeSupplyEvents || len(m.Msgs) != 1 || m.Events() != 2 || len(m.Notes) != 2 {
		t.Fatalf("mapping: %+v", m)
	}

	var calls [][2]int
	res, err := c.ImportEPCIS(ctx, signer("hospital-admin"), []byte(observations), func(done, total int) {
		calls = append(calls, [2]int{done, total})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Events) != 2 || len(res.Txs) != 1 || !res.Txs[0].Committed() || len(res.Shipments) != 0 {
		t.Fatalf("import: %+v", res)
	}
	if fmt.Sprint(calls) != "[[0 2] [2 2]]" {
		t.Fatalf("progress calls %v", calls)
	}
	for i, h := range res.Events {
		if h != m.Msgs[0].Events[i].Hash {
			t.Fatalf("event %d: hash %s, mapped %s", i, h, m.Msgs[0].Events[i].Hash)
		}
		a, err := c.SupplyEvent(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		if a.Signer != "general-hospital/admin" || a.BizStep != "inspecting" || a.Height != res.Txs[0].Height {
			t.Fatalf("anchor: %+v", a)
		}
	}

	// The same events again are refused, and the result says none went in.
	res, err = c.ImportEPCIS(ctx, signer("hospital-admin"), []byte(observations), nil)
	if !client.IsCode(err, client.CodeSupplyExists) || res == nil || len(res.Events) != 0 || !strings.Contains(err.Error(), "0 of 2 events") {
		t.Fatalf("replay: %+v %v", res, err)
	}
	// A document that is not EPCIS is refused before anything is signed.
	_, err = c.ImportEPCIS(ctx, signer("hospital-admin"), []byte(`{"type": "EPCISDocument"}`), nil)
	if !client.IsCode(err, client.CodeSupplyInvalidDocument) {
		t.Fatalf("invalid document: %v", err)
	}
}

func TestSupplyQueries(t *testing.T) {
	_, c := start(t, apitest.Options{})
	ctx := context.Background()

	// Scans are public: a product nobody registered is suspect.
	v, err := c.Verify(ctx, "(01)09506000134352(10)L1(21)A/1", "0614141000036")
	if err != nil {
		t.Fatal(err)
	}
	if v.Genuine || v.Suspect != "unknown_product" || v.Item != "01/09506000134352/21/A/1" || v.Code != "(01)09506000134352(10)L1(21)A/1" {
		t.Fatalf("verdict: %+v", v)
	}
	// A code without a serial cannot be verified.
	if _, err := c.Verify(ctx, "(01)09506000134352(10)L1", ""); !client.IsCode(err, "api.invalid_parameter") {
		t.Fatalf("no serial: %v", err)
	}
	// Item IDs hold slashes (in serials too) and go in the path as they are.
	var e *client.Error
	if _, err := c.Item(ctx, "01/09506000134352/21/A/1"); !errors.As(err, &e) || e.Code != client.CodeSupplyNotFound || !strings.Contains(e.Detail, "01/09506000134352/21/A/1") {
		t.Fatalf("item: %v", err)
	}
	if _, err := c.Product(ctx, "09506000134352"); !client.IsCode(err, client.CodeSupplyNotFound) {
		t.Fatalf("product: %v", err)
	}
	// Donations are private: anonymous reads are refused before anything
	// else; an authenticated one learns the DIN is malformed.
	if _, err := c.Donation(ctx, "not-a-din"); !client.IsCode(err, client.CodeUnauthenticated) {
		t.Fatalf("anonymous donation: %v", err)
	}
	if _, err := c.As(signer("hospital-admin")).Donation(ctx, "not-a-din"); !errors.As(err, &e) || e.Status != http.StatusBadRequest {
		t.Fatalf("donation: %v", err)
	}
	for name, f := range map[string]func() (int, error){
		"shortages": func() (int, error) { p, err := c.Shortages(ctx, "mask-n95", "US-MA"); return lenOf(p), err },
		"demands":   func() (int, error) { p, err := c.Demands(ctx, "", ""); return lenOf(p), err },
		"alerts":    func() (int, error) { p, err := c.Alerts(ctx, "pharmaco"); return lenOf(p), err },
	} {
		if n, err := f(); err != nil || n != 0 {
			t.Errorf("%s: %d items, %v", name, n, err)
		}
	}
}

func lenOf[T any](p *client.Page[T]) int {
	if p == nil {
		return -1
	}
	return len(p.Items)
}

func TestItemID(t *testing.T) {
	for in, want := range map[string]string{
		"(01)09506000134352(17)271231(10)L1(21)ABC123":   "01/09506000134352/21/ABC123",
		"https://id.gs1.org/01/09506000134352/21/ABC123": "01/09506000134352/21/ABC123",
		"(00)006141410000010004":                         "00/006141410000010004",
		"01/09506000134352/21/ABC123":                    "01/09506000134352/21/ABC123",
		client.UnitID("09506000134352", "X"):             "01/09506000134352/21/X",
		client.ContainerID("006141410000010004"):         "00/006141410000010004",
	} {
		if got, err := client.ItemID(in); err != nil || got != want {
			t.Errorf("ItemID(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := client.ItemID("(01)09506000134352(10)L1"); err == nil {
		t.Error("a GTIN without a serial is not an item")
	}
}

// Anyone can scan a pack: the verdict says whether it is genuine and, if
// not, why. A suspect scan on a node with an identity of its own is also
// recorded as an alert for the manufacturer.
func ExampleClient_Verify() {
	node := startNode()
	defer node.Close()
	c := client.New(node.URL)

	// What a scanner read from a pack's DataMatrix: GTIN, expiry, lot, serial.
	v, err := c.Verify(context.Background(), "(01)09506000134352(17)271231(10)L1(21)ABC123", "")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v.Item)
	fmt.Println("genuine:", v.Genuine, "suspect:", v.Suspect)
	// Output:
	// 01/09506000134352/21/ABC123
	// genuine: false suspect: unknown_product
}
