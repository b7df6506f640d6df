package client_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/api/apitest"
)

// sendOK sends msg and fails the test if the chain refuses it.
func sendOK(t *testing.T, c *client.Client, s *client.Signer, msg client.Msg) *client.TxResult {
	t.Helper()
	res, err := c.Send(context.Background(), s, msg)
	if err != nil {
		t.Fatalf("%s: %v", msg.MsgType(), err)
	}
	return res
}

// createdID is the ID a message's result names.
func createdID(t *testing.T, res *client.TxResult) string {
	t.Helper()
	var made client.Created
	if err := res.Decode(&made); err != nil || made.ID == "" {
		t.Fatalf("result of tx %s names nothing: %s %v", res.Hash, res.Result, err)
	}
	return made.ID
}

// The records and supply reads of the API decode strictly into the SDK's
// types and encode back to the same JSON, on state that has something in
// it: grants, a delegate and a break-glass window; a manufacturer's
// product, lot, a shipment received short, a PPE demand and pledge.
func TestRecordAndSupplyViewsRoundTrip(t *testing.T) {
	h, c := start(t, apitest.Options{})
	ctx := context.Background()
	hospital, maker := signer("hospital-admin"), signer("maker-admin")

	// A manufacturer joins.
	out := sendOK(t, c, hospital, client.Propose{Title: "Admit PharmaCo", Action: client.AdmitOrg{
		ID: "pharmaco", Name: "PharmaCo", Kind: "manufacturer", Admin: "admin", AdminKey: maker.PublicKey(),
	}.Action()})
	var o client.Outcome
	if err := out.Decode(&o); err != nil {
		t.Fatal(err)
	}
	for _, voter := range []string{"insurer-admin", "lab-admin"} {
		sendOK(t, c, signer(voter), client.Vote{Proposal: o.Proposal, Approve: true})
	}

	// Records: a patient's grant, delegate and a break-glass window.
	pt := createdID(t, sendOK(t, c, signer("pt-ada"), client.RegisterPatient{}))
	guardian := createdID(t, sendOK(t, c, signer("pt-guardian"), client.RegisterPatient{}))
	expires := apitest.GenesisTime.AddDate(1, 0, 0)
	grant := createdID(t, sendOK(t, c, signer("pt-ada"), client.GrantConsent{
		Grantee: client.Grantee{Org: "general-hospital", Role: "physician"}, Purposes: []string{client.PurposeTreatment},
		Types: []string{"Observation"}, Expires: expires, Condition: `"physician" in reader_roles`,
	}))
	sendOK(t, c, signer("pt-ada"), client.DelegateAccess{Delegate: guardian, Expires: &expires})
	sendOK(t, c, hospital, client.RegisterMember{Handle: "dr-b", Roles: []string{"physician"}, PublicKey: signer("dr-b").PublicKey()})
	sendOK(t, c, hospital, client.RegisterMember{Handle: "auditor", Roles: []string{"auditor"}, PublicKey: signer("hospital-auditor").PublicKey()})
	sendOK(t, c, signer("dr-b"), client.OpenBreakGlass{Patient: pt, Reason: client.BreakGlassReasons[0], Minutes: 30})

	// Supply: a cold-chain drug shipped to the hospital, one unit missing
	// on arrival; a PPE demand and a pledge against it.
	const drug, masks = "09506000134352", "09506000134369"
	sendOK(t, c, maker, client.RegisterProduct{GTIN: drug, Name: "Vaccine X", Kind: client.KindVaccine, MinMilliC: 2000, MaxMilliC: 8000})
	sendOK(t, c, maker, client.RegisterProduct{GTIN: masks, Name: "N95 masks", Kind: client.KindPPE})
	sendOK(t, c, maker, client.Commission{GTIN: drug, Lot: "L1", Expiry: "2027-12-31", Serials: client.Serials{List: []string{"A1", "A2"}}})
	a1, a2 := client.UnitID(drug, "A1"), client.UnitID(drug, "A2")
	shipment := createdID(t, sendOK(t, c, maker, client.Ship{To: "general-hospital", Items: []string{a1, a2}}))
	sendOK(t, c, hospital, client.Receive{Shipment: shipment, Items: []string{a1}})
	demand := createdID(t, sendOK(t, c, hospital, client.PostDemand{Item: "mask-n95", Quantity: 100, NeededBy: "2026-06-01", Region: "US-MA"}))
	sendOK(t, c, maker, client.MakePledge{Demand: demand, Quantity: 60, GTIN: masks})
	imported, err := c.ImportEPCIS(ctx, hospital, []byte(observations), nil)
	if err != nil {
		t.Fatal(err)
	}

	strictRoundTripAs(t, h.URL, "pt-ada", []apiCase{
		{"/v1/patients/" + pt + "/grants", &client.Page[client.Grant]{}},
		{"/v1/grants/" + grant, &client.Grant{}},
		{"/v1/patients/" + pt + "/delegates", &client.Page[client.Delegation]{}},
		{"/v1/patients/" + pt + "/break-glass", &client.Page[client.BreakGlassWindow]{}},
		{"/v1/patients/" + pt + "/records", &client.Page[client.Record]{}},
		{"/v1/patients/" + pt + "/access-log", &client.Page[client.Receipt]{}},
	})
	strictRoundTripAs(t, h.URL, "hospital-auditor", []apiCase{
		{"/v1/orgs/general-hospital/break-glass", &client.Page[client.BreakGlassWindow]{}},
		{"/v1/orgs/general-hospital/break-glass?unreviewed=true", &client.Page[client.BreakGlassWindow]{}},
		{"/v1/orgs/general-hospital/patients", &client.Page[client.GrantingPatient]{}},
	})
	strictRoundTrip(t, h.URL, []apiCase{
		{"/v1/break-glass/limits", &client.BreakGlassLimits{}},

		{"/v1/supply/products/" + drug, &client.Product{}},
		{"/v1/supply/lots/" + drug + "/L1", &client.Lot{}},
		{"/v1/supply/lots/" + drug + "/L1/holders", &client.Page[client.Holder]{}},
		{"/v1/supply/items/" + a1, &client.ItemInfo{}},
		{"/v1/supply/shipments/" + shipment, &client.ShipmentInfo{}},
		{"/v1/supply/verify?code=" + url.QueryEscape(a1), &client.ScanResult{}},
		{"/v1/supply/verify?code=" + url.QueryEscape(client.UnitID(drug, "NOPE")), &client.ScanResult{}},
		{"/v1/supply/alerts?manufacturer=pharmaco", &client.Page[client.Alert]{}},
		{"/v1/supply/events?hash=" + url.QueryEscape(imported.Events[0]), &client.EventAnchor{}},
		{"/v1/supply/demands/" + demand, &client.DemandInfo{}},
		{"/v1/supply/demands", &client.Page[client.Demand]{}},
		{"/v1/supply/shortages", &client.Page[client.Shortage]{}},
	})

	// What the SDK's reads return is what was sent.
	unreviewed, err := c.As(signer("hospital-auditor")).UnreviewedBreakGlass(ctx, "general-hospital", "", 10)
	if err != nil || len(unreviewed.Items) != 1 || unreviewed.Items[0].Reader != "general-hospital/dr-b" || unreviewed.Items[0].Review != nil {
		t.Fatalf("unreviewed break-glass %+v %v", unreviewed, err)
	}
	limits, err := c.BreakGlassLimits(ctx)
	if err != nil || limits.MaxOpen < 1 || limits.MaxPerDay < limits.MaxOpen || limits.MaxMinutes < 30 {
		t.Fatalf("break-glass limits %+v %v", limits, err)
	}
	g, err := c.As(signer("pt-ada")).Grant(ctx, grant)
	if err != nil || g.Grantee.Role != "physician" || g.Expires != expires.Unix() || g.Status != "active" {
		t.Fatalf("grant %+v %v", g, err)
	}
	sh, err := c.Shipment(ctx, shipment)
	if err != nil || len(sh.Missing) != 1 || sh.Missing[0] != a2 || sh.Status != "received" {
		t.Fatalf("shipment %+v %v", sh, err)
	}
	d, err := c.Demand(ctx, demand)
	if err != nil || len(d.Pledges) != 1 || d.Pledges[0].Quantity != 60 || d.Pledged != 60 {
		t.Fatalf("demand %+v %v", d, err)
	}
	if time.Unix(g.Start, 0).After(expires) {
		t.Fatalf("grant starts %d, after it expires", g.Start)
	}
}
