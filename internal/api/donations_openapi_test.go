package api_test

import (
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/medchain/medchain/internal/apiauth"
	"github.com/medchain/medchain/internal/donations"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/supply"
)

// The donations routes answer as openapi.json says: a campaign's ledger,
// its IATI export as JSON and CSV, a need, an organisation's donation
// with its proof of receipt, and a person's donation refused to an
// unsigned caller.
func TestDonationsMatchOpenAPI(t *testing.T) {
	e, _ := newSupplyEnv(t)
	e.supplyAdmitOrg("relief", ledger.OrgCharity, []string{"insurer-admin", "lab-admin", "vaxco-admin", "swift-admin", "corner-admin", "bloodbank-admin", "health-admin"})
	e.ok("alice", identity.TypeRegisterPatient, identity.RegisterPatient{})
	created := func(s submitted) string {
		var c struct {
			ID string `json:"id"`
		}
		json.Unmarshal(s.Result, &c)
		return c.ID
	}
	e.ok("vaxco-admin", supply.TypeRegisterProduct, supply.RegisterProduct{GTIN: gtinMasks, Name: "N95", Kind: supply.KindPPE})
	e.ok("vaxco-logistics", supply.TypeCommission, supply.Commission{GTIN: gtinMasks, Lot: "M1", Expiry: vaccineExpiry,
		Serials: supply.Serials{Prefix: "M", Count: 4, Width: 4}})
	need := created(e.ok("hospital-admin", donations.TypeNeed, donations.PostNeed{Item: "mask-n95", Quantity: 4, NeededBy: "2026-06-01"}))
	cp := created(e.ok("relief-admin", donations.TypeCampaign, donations.OpenCampaign{Needs: []string{need}, Currency: "USD", Closes: "2026-05-01"}))
	goods := created(e.ok("vaxco-logistics", donations.TypePledge, donations.MakePledge{Campaign: cp, Need: need, Quantity: 4, GTIN: gtinMasks}))
	cash := created(e.ok("alice", donations.TypePledge, donations.MakePledge{Campaign: cp, Amount: 2500, Currency: "USD"}))
	var units []string
	for _, s := range []string{"M0000", "M0001", "M0002", "M0003"} {
		units = append(units, supply.UnitID(gtinMasks, s))
	}
	sh := created(e.ok("vaxco-logistics", supply.TypeShip, supply.Ship{To: "general-hospital", Items: units}))
	e.ok("vaxco-logistics", donations.TypeLinkShipment, donations.LinkShipment{Of: goods, Shipment: sh})
	e.ok("hospital-admin", supply.TypeReceive, supply.Receive{Shipment: sh, Items: units[:3]})
	e.ok("hospital-admin", donations.TypeSettle, donations.Settle{Shipment: sh})

	var page struct {
		Items []donations.Campaign `json:"items"`
	}
	e.get("/v1/donations/campaigns", http.StatusOK, &page)
	if len(page.Items) != 1 || page.Items[0].ID != cp || page.Items[0].Raised != 2500 {
		t.Fatalf("campaigns: %+v", page)
	}
	var l struct {
		donations.Ledger
		Donations []donations.Donation `json:"donations"`
	}
	e.get("/v1/donations/campaigns/"+cp, http.StatusOK, &l)
	if len(l.Lines) != 1 || l.Lines[0].Received != 3 || l.Lines[0].Outstanding != 1 || len(l.Shipments) != 1 || len(l.Donations) != 1 {
		t.Fatalf("ledger: %+v", l)
	}
	var act donations.Activity
	e.get("/v1/donations/campaigns/"+cp+"/export", http.StatusOK, &act)
	if act.Identifier != "relief-"+cp || len(act.Transactions) != 1 || act.Transactions[0].Type != donations.IATIIncomingCommitment {
		t.Fatalf("activity: %+v", act)
	}
	body := e.get("/v1/donations/campaigns/"+cp+"/export?format=csv", http.StatusOK, nil)
	rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil || len(rows) != 2 || rows[0][2] != "transaction_type" || rows[1][2] != "11" {
		t.Fatalf("csv: %v %q", err, body)
	}
	e.get("/v1/donations/needs/"+need, http.StatusOK, nil)

	var st struct {
		donations.Status
		Proofs []json.RawMessage `json:"proofs"`
	}
	e.get("/v1/donations/pledges/"+goods+"?prove=true", http.StatusOK, &st)
	if st.Stage != donations.StagePartly || st.Donation.Delivered != 3 || len(st.Proofs) != 3 {
		t.Fatalf("status: %+v", st)
	}
	e.supplyProblem("/v1/donations/pledges/"+cash, http.StatusUnauthorized, "api.unauthenticated", "")
	// Signed by alice, her donation is hers to see; signed by another, it
	// is refused as an unknown one is.
	var mine donations.Status
	e.donationsSignedGet("alice", "/v1/donations/pledges/"+cash, http.StatusOK, &mine)
	if mine.Donation.Donor == "" || mine.Donation.Amount != 2500 || mine.Stage != donations.StagePledged {
		t.Fatalf("alice's donation: %+v", mine)
	}
	e.donationsSignedGet("hospital-admin", "/v1/donations/pledges/"+cash, http.StatusForbidden, nil)
	e.donationsSignedGet("hospital-admin", "/v1/donations/pledges/dn-000000000000000000000000", http.StatusForbidden, nil)
	e.donationsSignedGet("alice", "/v1/donations/donors/"+mine.Donation.Donor, http.StatusOK, nil)
	e.supplyProblem("/v1/donations/pledges/dn-000000000000000000000000", http.StatusUnauthorized, "api.unauthenticated", "")
	e.supplyProblem("/v1/donations/donors/pt-0123456789abcdef0123", http.StatusUnauthorized, "api.unauthenticated", "")
	e.get("/v1/donations/donors/vaxco", http.StatusOK, nil)
	e.supplyProblem("/v1/donations/campaigns/cp-1", http.StatusBadRequest, "api.invalid_parameter", "id")
	e.supplyProblem("/v1/donations/campaigns/cp-000000000000000000000000", http.StatusNotFound, "donations.not_found", "")
	e.supplyProblem("/v1/donations/campaigns/"+cp+"/export?format=xml", http.StatusBadRequest, "api.invalid_parameter", "format")
}

// donationsSignedGet fetches path with a read signed by signer's key
// (Authorization: Medchain, ADR 22), wants status want and decodes into out.
func (e *env) donationsSignedGet(signer, path string, want int, out any) {
	e.t.Helper()
	raw := e.sign(signer, apiauth.TypeRead, apiauth.Read{Method: http.MethodGet, URI: path})
	req, err := http.NewRequest(http.MethodGet, e.h.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", apiauth.SchemeSigned+" "+base64.StdEncoding.EncodeToString(raw))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	e.validate(req, resp, body)
	if resp.StatusCode != want {
		e.t.Fatalf("GET %s as %s: status %d, want %d: %s", path, signer, resp.StatusCode, want, body)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			e.t.Fatal(err)
		}
	}
}
