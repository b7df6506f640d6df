package cli

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/medchain/medchain/client"
)

// epcisFake is a node's EPCIS binding: it keeps what it was asked and who
// signed.
type epcisFake struct {
	API
	by       *client.Signer
	captured *[]string
	queries  *[]client.EPCISQuery
	job      client.EPCISCaptureJob
	pages    []client.EPCISEvents
}

func (f *epcisFake) SignReads(s *client.Signer) API { c := *f; c.by = s; return &c }

func (f *epcisFake) CaptureEPCIS(_ context.Context, doc []byte, behaviour string) (*client.EPCISCaptureJob, error) {
	if f.by == nil {
		return nil, &client.Error{Status: 401, Code: client.CodeUnauthenticated}
	}
	*f.captured = append(*f.captured, behaviour+" "+string(doc))
	j := f.job
	j.Running, j.Captured, j.Transactions, j.Errors = true, 0, nil, nil
	return &j, nil
}

func (f *epcisFake) WaitCaptureJob(_ context.Context, id string, _ time.Duration) (*client.EPCISCaptureJob, error) {
	j := f.job
	return &j, nil
}

func (f *epcisFake) QueryEPCIS(_ context.Context, q client.EPCISQuery) (*client.EPCISEvents, error) {
	*f.queries = append(*f.queries, q)
	p := f.pages[0]
	f.pages = f.pages[1:]
	return &p, nil
}

func TestSupplyCapture(t *testing.T) {
	dir := t.TempDir()
	doc := filepath.Join(dir, "doc.json")
	if err := os.WriteFile(doc, []byte(`{"type":"EPCISDocument"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var captured []string
	ok := &epcisFake{captured: &captured, job: client.EPCISCaptureJob{ID: "cj-1", Org: "st-marys-hospital", Behaviour: "proceed",
		Success: true, Events: 2, Captured: 2, Transactions: []client.EPCISCaptureTx{{Hash: "AB12", Height: 9, Events: 2}}}}
	code, out, errOut := run(t, ok, "supply", "capture", doc, "--as", "x", "--proceed")
	if code != 0 || !regexp.MustCompile(`^capture cj-1 for st-marys-hospital \(proceed\): 2 of 2 events captured\ntx AB12 at height 9: 2 events\n$`).MatchString(out) {
		t.Fatalf("capture: %d %q %q", code, out, errOut)
	}
	if len(captured) != 1 || captured[0] != `proceed {"type":"EPCISDocument"}` {
		t.Fatalf("sent: %q", captured)
	}
	failed := &epcisFake{captured: &captured, job: client.EPCISCaptureJob{ID: "cj-2", Org: "st-marys-hospital", Behaviour: "rollback", Events: 2,
		Errors: []client.EPCISProblem{{Code: "supply.invalid_document", Detail: "event 1 (ObjectEvent OBSERVE receiving): none of its items is in transit"}}}}
	code, out, errOut = run(t, failed, "supply", "capture", doc, "--as", "x")
	if code == 0 || !strings.Contains(out, "error supply.invalid_document: event 1") || !strings.HasPrefix(errOut, "medchain: capture job cj-2: 0 of 2 events captured") {
		t.Fatalf("failed capture: %d %q %q", code, out, errOut)
	}
}

func TestSupplyEvents(t *testing.T) {
	var queries []client.EPCISQuery
	ev := func(id, step string) json.RawMessage {
		b, _ := json.Marshal(map[string]any{"type": "ObjectEvent", "eventTime": "2026-05-05T10:00:00.000Z", "action": "OBSERVE",
			"bizStep": step, "epcList": []string{"https://id.gs1.org/00/006141410000010028"}, "eventID": id})
		return b
	}
	f := &epcisFake{queries: &queries, pages: []client.EPCISEvents{
		{Events: []json.RawMessage{ev("ni:///sha-256;aa?ver=CBV2.0", "https://ref.gs1.org/cbv/BizStep-receiving")}, NextPageToken: "t1"},
		{Events: []json.RawMessage{ev("urn:uuid:1", "receiving")}},
	}}
	code, out, errOut := run(t, f, "supply", "events", "--as", "x", "--bizstep", "receiving", "--bizstep", "shipping", "--location", "0614141000029",
		"--since", "2026-05-01T00:00:00Z", "--param", "MATCH_parentID=urn:epc:id:sscc:0614141.1000001002", "--per-page", "1", "--all")
	if code != 0 {
		t.Fatalf("events: %d %q", code, errOut)
	}
	want := url.Values{"EQ_bizStep": {"receiving|shipping"}, "EQ_bizLocation": {"https://id.gs1.org/414/0614141000029"},
		"GE_eventTime": {"2026-05-01T00:00:00Z"}, "MATCH_parentID": {"urn:epc:id:sscc:0614141.1000001002"}}
	if len(queries) != 2 || queries[0].Params.Encode() != want.Encode() || queries[0].PerPage != 1 || queries[1].NextPageToken != "t1" {
		t.Fatalf("queries: %+v", queries)
	}
	if !regexp.MustCompile(`(?m)^TIME +TYPE +ACTION +BIZ STEP +DISPOSITION +EPCS +EVENT ID\n2026-05-05T10:00:00.000Z +ObjectEvent +OBSERVE +receiving +- +1 +ni:///sha-256;aa\?ver=CBV2.0\n.* urn:uuid:1\n$`).MatchString(out) {
		t.Fatalf("events table:\n%s", out)
	}
	if code, _, errOut = run(t, f, "supply", "events", "--as", "x", "--param", "nonsense"); code == 0 || !strings.Contains(errOut, "NAME=VALUE") {
		t.Fatalf("bad --param: %d %q", code, errOut)
	}
}
