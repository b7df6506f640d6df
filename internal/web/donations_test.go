package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/browsertest"
	"github.com/medchain/medchain/internal/donations"
	"github.com/medchain/medchain/internal/web"
)

// The donations the dashboard test seeds: the clinic needs ten surgical
// masks, PharmaCo gives four, ships and the clinic receives them (six
// outstanding); the hospital needs fifty nitrile gloves nobody has
// pledged; Acme Health pledges $100.00 the charity confirms.
const (
	maskGTIN   = "09506000990514"
	maskNeed   = 10
	maskGiven  = 4
	gloveNeed  = 50
	cashPledge = 10000 // cents
)

// seedDonations runs the mask story of `medchain dev` (internal/cli/devseed.go)
// through the SDK with the demo's keys, plus an unmet need of the
// hospital, and returns the campaign's ID.
func seedDonations(t *testing.T, c *client.Client) string {
	t.Helper()
	ctx := context.Background()
	send := func(name string, msg client.Msg) string {
		t.Helper()
		res, err := c.Send(ctx, signer(name), msg)
		if err != nil {
			t.Fatalf("%s by %s: %v", msg.MsgType(), name, err)
		}
		var created struct {
			ID string `json:"id"`
		}
		if len(res.Result) > 0 {
			json.Unmarshal(res.Result, &created)
		}
		return created.ID
	}
	day := func(d int) string { return time.Now().AddDate(0, 0, d).UTC().Format(time.DateOnly) }
	var units []string
	for i := 1; i <= maskGiven; i++ {
		units = append(units, fmt.Sprintf("01/%s/21/S%03d", maskGTIN, i))
	}
	send("pharmaco-quality", client.RegisterProduct{GTIN: maskGTIN, Name: "Surgical mask", Kind: client.KindPPE})
	send("pharmaco-quality", client.Commission{GTIN: maskGTIN, Lot: "S26", Expiry: day(3 * 365), Serials: client.Serials{Prefix: "S", Start: 1, Count: maskGiven, Width: 3}})
	masks := send("clinic-admin", client.PostNeed{Item: "mask-surgical", Quantity: maskNeed, NeededBy: day(30)})
	gloves := send("hospital-admin", client.PostNeed{Item: "gloves-nitrile", Quantity: gloveNeed, NeededBy: day(14)})
	doc := sha256.Sum256([]byte("Care For All: masks and gloves (dashboard test)."))
	campaign := send("charity-admin", client.OpenCampaign{Needs: []string{masks, gloves}, Currency: "USD", Closes: day(21), Doc: hex.EncodeToString(doc[:])})
	gift := send("pharmaco-quality", client.Donate{Campaign: campaign, Need: masks, Quantity: maskGiven, GTIN: maskGTIN})
	shipment := send("pharmaco-quality", client.Ship{To: "riverside-clinic", Items: units})
	send("pharmaco-quality", client.LinkShipment{Of: gift, Shipment: shipment})
	send("clinic-admin", client.Receive{Shipment: shipment, Items: units})
	send("clinic-admin", client.Settle{Shipment: shipment})
	cash := send("insurer-admin", client.Donate{Campaign: campaign, Amount: cashPledge, Currency: "USD"})
	send("charity-admin", client.ConfirmFunds{Donation: cash})
	if !strings.HasPrefix(campaign, "cp-") {
		t.Fatalf("campaign ID %q", campaign)
	}
	return campaign
}

// apiLedger is what the API says of a campaign: the figures the page must show.
func apiLedger(t *testing.T, base, id string) donations.Ledger {
	t.Helper()
	resp, err := http.Get(base + "/v1/donations/campaigns/" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var l donations.Ledger
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&l) != nil {
		t.Fatalf("GET the campaign: %s", resp.Status)
	}
	return l
}

// checkLines: every need's row shows the API's figures, and its late flag
// in words exactly when the API says late.
func checkLines(t *testing.T, tab context.Context, l donations.Ledger) {
	t.Helper()
	if n := eval[int](t, tab, `document.querySelectorAll("#lines tbody tr[data-need]").length`); n != len(l.Lines) {
		t.Errorf("%d need rows, the API has %d", n, len(l.Lines))
	}
	for _, x := range l.Lines {
		row := `#lines tr[data-need="` + x.Need + `"]`
		cells := eval[[]string](t, tab, `[...document.querySelectorAll('`+row+` td')].map((td) => td.innerText)`)
		if len(cells) != 9 {
			t.Errorf("need %s: cells %q", x.Need, cells)
			continue
		}
		for i, want := range []int64{x.Target, x.Committed, x.Shipped, x.Received, x.Rejected, x.Outstanding} {
			if x.Currency == "" && cells[3+i] != strconv.FormatInt(want, 10) {
				t.Errorf("need %s column %d: %q, the API says %d", x.Need, 3+i, cells[3+i], want)
			}
		}
		if late := strings.Contains(cells[2], "Late"); late != x.Late {
			t.Errorf("need %s: late shown %v, the API says %v (%q)", x.Need, late, x.Late, cells[2])
		}
	}
}

// testDonations drives the donations page of the dev node, once the
// donations are seeded: the campaign listed, chosen from the keyboard, its
// cash and deliveries as the API reports them, the export links same-origin
// to the API (and answered), no horizontal scroll on a phone.
func testDonations(t *testing.T, b *browsertest.Browser, c *client.Client, base, dir string) {
	id := seedDonations(t, c)
	l := apiLedger(t, base, id)
	tab := b.Tab(t)
	open(t, tab, base+"/donations")
	browsertest.Wait(t, tab, "the donations page", `document.body.dataset.donations === "ready"`, 15*time.Second)
	loadTime(t, tab, "/donations")
	list := text(t, tab, "#campaigns")
	for _, want := range []string{id, "Care For All", "care-for-all", "USD", "open"} {
		if !strings.Contains(list, want) {
			t.Errorf("the campaigns table does not show %q:\n%s", want, list)
		}
	}
	if !eval[bool](t, tab, `document.querySelector("#ledger").hidden`) {
		t.Error("a ledger shows before a campaign is chosen")
	}
	if cur := eval[string](t, tab, `document.querySelector('nav.main a[aria-current="page"]').textContent`); cur != "Donations" {
		t.Errorf("navigation marks %q as the page", cur)
	}

	// Choose the campaign from the keyboard: Tab to its link, press Enter.
	for i := 0; i < 30 && eval[string](t, tab, `document.activeElement.getAttribute("href") || ""`) != "/donations?campaign="+id; i++ {
		if err := chromedp.Do(tab, chromedp.KeyEvent(kb.Tab)); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(tab, chromedp.KeyEvent(kb.Enter)); err != nil {
		t.Fatal(err)
	}
	browsertest.Wait(t, tab, "the campaign's ledger", `document.body.dataset.campaign === "`+id+`"`, 15*time.Second)
	if u := eval[string](t, tab, `location.search`); u != "?campaign="+id {
		t.Errorf("address after choosing: %s", u)
	}
	if f := eval[string](t, tab, `document.activeElement.id`); f != "ledger-h" {
		t.Errorf("focus after choosing is on %q, want the ledger's heading", f)
	}
	for sel, want := range map[string]string{
		"#cash-raised dd": "$100.00", "#cash-funded dd": "$100.00", "#cash-disbursed dd": "$0.00",
		"#cash-delivered dd": "$0.00", "#cash-available dd": "$100.00",
	} {
		if got := text(t, tab, sel); got != want {
			t.Errorf("%s shows %q, want %q", sel, got, want)
		}
	}
	if l.Campaign.Raised != cashPledge || l.Available != cashPledge {
		t.Errorf("the API says raised %d, available %d", l.Campaign.Raised, l.Available)
	}
	// The API's own figures: four masks received, six and fifty gloves outstanding.
	var received, outstanding int64
	for _, x := range l.Lines {
		received += x.Received
		outstanding += x.Outstanding
	}
	if received != maskGiven || outstanding != maskNeed-maskGiven+gloveNeed {
		t.Errorf("the API says %d received, %d outstanding", received, outstanding)
	}
	checkLines(t, tab, l)
	lines := text(t, tab, "#lines")
	for _, want := range []string{"Riverside Family Clinic", "St Mary's Hospital", "mask-surgical", "gloves-nitrile"} {
		if !strings.Contains(lines, want) {
			t.Errorf("the needs table does not show %q:\n%s", want, lines)
		}
	}
	for _, f := range []string{"json", "csv"} {
		sel := `#exports a[data-format="` + f + `"]`
		want := "/v1/donations/campaigns/" + id + "/export?format=" + f
		if h := eval[string](t, tab, `document.querySelector('`+sel+`').getAttribute("href")`); h != want {
			t.Errorf("%s export links to %q, want %q", f, h, want)
		}
		abs := eval[string](t, tab, `document.querySelector('`+sel+`').href`)
		if !strings.HasPrefix(abs, base+"/v1/") {
			t.Errorf("%s export is not the node's API: %s", f, abs)
		}
		resp, err := http.Get(abs)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), f) {
			t.Errorf("%s export answers %s, %s", f, resp.Status, resp.Header.Get("Content-Type"))
		}
	}
	// Public totals only: no donor and no donation is named.
	if page := text(t, tab, "main"); strings.Contains(page, "dn-") || strings.Contains(page, "acme") || strings.Contains(page, "Acme") {
		t.Errorf("the page names a donation or a donor:\n%s", page)
	}
	browsertest.Screenshot(t, tab, dir, "donations")

	if err := chromedp.Do(tab, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	browsertest.Wait(t, tab, "the page to fit a phone", `document.documentElement.scrollWidth <= 390`, 5*time.Second)
	// Every figure is on the screen, labelled: no table to scroll sideways.
	if off := eval[[]string](t, tab, `[...document.querySelectorAll("#lines td, #campaigns td")]
		.filter((td) => td.getBoundingClientRect().right > 390 || !td.dataset.label).map((td) => td.innerText)`); len(off) > 0 {
		t.Errorf("cells off a phone's screen or unlabelled: %q", off)
	}
	if lbl := eval[string](t, tab, `getComputedStyle(document.querySelector("#lines td.outstanding"), "::before").content`); lbl != `"Outstanding"` {
		t.Errorf("the outstanding figure on a phone is labelled %s", lbl)
	}
	browsertest.Screenshot(t, tab, dir, "donations-phone")
	b.NoProblems(t, "/donations")
}

// fakeLateCampaign is a node's API whose one campaign has a need past its
// date with goods outstanding and a need whose goods arrived late, in the
// API's own types: a real node's block time cannot be moved past a date.
func fakeLateCampaign(t *testing.T, id string) *httptest.Server {
	c := donations.Campaign{ID: id, Charity: "care-for-all", Currency: "EUR", Closes: "2026-11-30", Status: donations.CampaignClosed,
		Needs:  []string{"nd-000000000000000000000001", "nd-000000000000000000000002", "nd-000000000000000000000003"},
		Raised: 1234567, Funded: 1200000, Disbursed: 900000, Delivered: 450000}
	l := donations.Ledger{Campaign: c, Available: c.Funded - c.Disbursed, Shipments: []donations.Link{}, Lines: []donations.Line{
		{Need: c.Needs[0], Beneficiary: "riverside-clinic", Item: "mask-n95", NeededBy: "2026-11-01", Target: 1000, Committed: 1000,
			Shipped: 1000, Received: 950, Rejected: 50, Outstanding: 50, LateUnits: 950, Late: true},
		{Need: c.Needs[1], Beneficiary: "st-marys-hospital", Item: "gown", NeededBy: "2026-11-15", Target: 200, Committed: 80, Outstanding: 200, Late: true},
		{Need: c.Needs[2], Beneficiary: "st-marys-hospital", Currency: "EUR", NeededBy: "2027-02-01", Target: 500000, Committed: 450000,
			Shipped: 450000, Received: 450000, Outstanding: 50000},
	}}
	mux := http.NewServeMux()
	js := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("GET /v1/status", func(w http.ResponseWriter, r *http.Request) {
		js(w, map[string]any{"chain_id": "medchain-test", "latest_block_height": 99, "latest_block_time": "2026-12-07T06:00:00Z"})
	})
	mux.HandleFunc("GET /v1/orgs", func(w http.ResponseWriter, r *http.Request) {
		js(w, map[string]any{"items": []map[string]string{
			{"id": "care-for-all", "name": "Care For All"}, {"id": "riverside-clinic", "name": "Riverside Family Clinic"}, {"id": "st-marys-hospital", "name": "St Mary's Hospital"}}})
	})
	mux.HandleFunc("GET /v1/donations/campaigns", func(w http.ResponseWriter, r *http.Request) {
		js(w, map[string]any{"items": []donations.Campaign{c}})
	})
	mux.HandleFunc("GET /v1/donations/campaigns/{id}", func(w http.ResponseWriter, r *http.Request) {
		js(w, l)
	})
	mux.Handle("/", web.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestDonationsLate: late needs are flagged in words (and a coloured
// border), a closed campaign says so, cash needs and totals are money in
// the campaign's currency, and IDs or dates from the address that are not
// a campaign's are refused in words.
func TestDonationsLate(t *testing.T) {
	const id = "cp-0000000000000000000000aa"
	srv := fakeLateCampaign(t, id)
	b := browsertest.Start(t, 1280, 900)
	tab := b.Tab(t)
	open(t, tab, srv.URL+"/donations?campaign="+id)
	browsertest.Wait(t, tab, "the ledger", `document.body.dataset.campaign === "`+id+`"`, 15*time.Second)
	rows := eval[[]string](t, tab, `[...document.querySelectorAll("#lines tbody tr")].map((tr) => tr.innerText)`)
	if len(rows) != 3 {
		t.Fatalf("rows %q", rows)
	}
	for i, want := range []string{"Late: 950 received after the date", "Late: past its date", ""} {
		if want == "" {
			if strings.Contains(rows[i], "Late") {
				t.Errorf("row %d is flagged late: %q", i, rows[i])
			}
		} else if !strings.Contains(rows[i], want) {
			t.Errorf("row %d does not say %q: %q", i, want, rows[i])
		}
	}
	if n := eval[int](t, tab, `document.querySelectorAll("#lines tr.late").length`); n != 2 {
		t.Errorf("%d rows marked late, want 2", n)
	}
	if !strings.Contains(rows[2], "€5,000.00") || !strings.Contains(rows[2], "€500.00") {
		t.Errorf("cash need not in euros: %q", rows[2])
	}
	if got := text(t, tab, "#cash-raised dd"); got != "€12,345.67" {
		t.Errorf("raised %q", got)
	}
	if about := text(t, tab, "#ledger-about"); !strings.Contains(about, "closed") || !strings.Contains(about, "Care For All") {
		t.Errorf("about: %q", about)
	}
	browsertest.Screenshot(t, tab, shots(t), "donations-late")

	open(t, tab, srv.URL+"/donations?campaign=nope")
	browsertest.Wait(t, tab, "the page", `document.body.dataset.donations === "ready"`, 15*time.Second)
	if s := text(t, tab, "#don-status"); !strings.Contains(s, "is not a campaign ID") {
		t.Errorf("a bad campaign ID: %q", s)
	}
	b.NoProblems(t, "/donations (late)")
}
