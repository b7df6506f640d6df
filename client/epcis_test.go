package client_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/api"
	"github.com/medchain/medchain/internal/api/apitest"
	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/epcisrepo"
	"github.com/medchain/medchain/internal/localtx"
)

// TestEPCIS: a member of the hospital captures an EPCIS document through
// the SDK and follows the job; the events read back, paged, and one by its
// hash, whose anchor is proven; an anonymous capture is refused with the
// standard's problem and medchain's code.
func TestEPCIS(t *testing.T) {
	h, err := apitest.Start(apitest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	waiters := chain.NewWaiters()
	h.App.Subscribe(waiters.Committed)
	t.Cleanup(waiters.Close)
	ctx := context.Background()
	c0 := client.New(h.URL)
	for _, m := range []client.RegisterMember{
		{Handle: "node", Kind: "system", Roles: []string{"custodian"}, PublicKey: signer("node").PublicKey()},
		{Handle: "pharmacy", Roles: []string{"pharmacist"}, PublicKey: signer("pharmacist").PublicKey()},
	} {
		if _, err := c0.Send(ctx, signer("hospital-admin"), m); err != nil {
			t.Fatal(err)
		}
	}
	sub, err := localtx.New(localtx.Options{Key: apitest.Key("node"), Chain: h.App, Broadcast: h.Node.BroadcastTxSync, Waiters: waiters})
	if err != nil {
		t.Fatal(err)
	}
	repo, err := epcisrepo.Open(epcisrepo.Options{Dir: t.TempDir(), IdentityDir: t.TempDir(), App: h.App,
		Custodians: []epcisrepo.Custodian{{Org: "general-hospital", Signer: sub}}})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Deps{App: h.App, Node: h.Node, EPCIS: repo})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { ts.Close(); srv.Close(); repo.Close() })

	doc := []byte(`{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0",
	"creationDate":"2026-05-04T08:00:00.000Z","epcisBody":{"eventList":[
	{"type":"ObjectEvent","action":"OBSERVE","bizStep":"inspecting","eventTime":"2026-05-04T08:00:00.000Z","eventTimeZoneOffset":"+00:00","epcList":["urn:epc:id:sgtin:9506000.013435.A1"]},
	{"type":"ObjectEvent","action":"OBSERVE","bizStep":"storing","eventTime":"2026-05-04T09:00:00.000Z","eventTimeZoneOffset":"+00:00","epcList":["urn:epc:id:sgtin:9506000.013435.A1"]}]}}`)
	anon := client.New(ts.URL)
	if _, err := anon.CaptureEPCIS(ctx, doc, ""); !client.IsCode(err, client.CodeUnauthenticated) {
		t.Fatalf("anonymous capture: %v", err)
	}
	c := anon.As(signer("pharmacist"))
	if _, err := c.CaptureEPCIS(ctx, []byte(`{"type":"EPCISDocument"}`), ""); !client.IsCode(err, client.CodeSupplyInvalidDocument) {
		t.Fatalf("invalid document: %v", err)
	}
	j, err := c.CaptureEPCIS(ctx, doc, client.CaptureProceed)
	if err != nil || j.Behaviour != client.CaptureProceed || j.Events != 2 {
		t.Fatalf("capture: %+v %v", j, err)
	}
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if j, err = c.WaitCaptureJob(wctx, j.ID, 5*time.Millisecond); err != nil || !j.Success || j.Captured != 2 || j.CapturedBy != "general-hospital/pharmacy" {
		t.Fatalf("job: %+v %v", j, err)
	}
	page, err := c.QueryEPCIS(ctx, client.EPCISQuery{Params: url.Values{"MATCH_epc": {"https://id.gs1.org/01/09506000134352/21/A1"}}, PerPage: 1})
	if err != nil || len(page.Events) != 1 || page.NextPageToken == "" {
		t.Fatalf("first page: %+v %v", page, err)
	}
	last, err := c.QueryEPCIS(ctx, client.EPCISQuery{Params: url.Values{"MATCH_epc": {"https://id.gs1.org/01/09506000134352/21/A1"}}, PerPage: 1, NextPageToken: page.NextPageToken})
	if err != nil || len(last.Events) != 1 || last.NextPageToken != "" {
		t.Fatalf("second page: %+v %v", last, err)
	}
	ev, _, err := c.EPCISEvent(ctx, "ni:///sha-256;0000000000000000000000000000000000000000000000000000000000000000?ver=CBV2.0")
	if !client.IsCode(err, "api.not_found") {
		t.Fatalf("an unknown event: %s %v", ev, err)
	}
	page, _ = c.QueryEPCIS(ctx, client.EPCISQuery{Params: url.Values{"EQ_bizStep": {"storing"}}})
	var first struct {
		EventID string `json:"eventID"`
	}
	if err := json.Unmarshal(page.Events[0], &first); err != nil {
		t.Fatal(err)
	}
	ev, hash, err := c.EPCISEvent(ctx, first.EventID)
	if err != nil || hash != first.EventID || len(ev) == 0 {
		t.Fatalf("one event: %s %s %v", ev, hash, err)
	}
	if _, err := c0.Send(ctx, signer("hospital-admin"), client.RegisterMember{Handle: "later", Roles: []string{"nurse"}, PublicKey: signer("later").PublicKey()}); err != nil {
		t.Fatal(err)
	}
	p, err := c0.Proof(ctx, "sup/e/"+hash, j.Transactions[0].Height)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c0.Block(ctx, p.VerifyAgainst.BlockHeight)
	if err != nil {
		t.Fatal(err)
	}
	root, err := hex.DecodeString(b.AppHash)
	if err != nil {
		t.Fatal(err)
	}
	if err := client.VerifyProof(p, root); err != nil {
		t.Fatalf("the event's anchor: %v", err)
	}
}
