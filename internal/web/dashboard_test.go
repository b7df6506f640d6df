package web_test

import (
	"context"
	stded25519 "crypto/ed25519"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/browsertest"
	"github.com/medchain/medchain/internal/node"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "write the screenshots to docs/img (for docs/dashboard.md) instead of a temporary directory")

// shots is where screenshots go: docs/img with -update-screenshots, else a
// temporary directory of t (logged).
func shots(t *testing.T) string {
	if *updateScreenshots {
		return filepath.Join("..", "..", "docs", "img")
	}
	return t.TempDir()
}

// The demo pack the test commissions: a genuine serial, and one never
// commissioned (a counterfeit's).
const (
	gtin        = "09506000134413"
	genuineCode = "(01)09506000134413(21)MR0001"
	unknownCode = "(01)09506000134413(21)FAKE999"
)

// freePorts returns n free loopback ports.
func freePorts(t *testing.T, n int) []int {
	var ports []int
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// startDev starts a `medchain dev` node in a temporary home and returns it
// once it is ready.
func startDev(t *testing.T) *node.Node {
	t.Helper()
	p := freePorts(t, 3)
	home := t.TempDir()
	if _, err := node.InitDev(home, fmt.Sprintf("127.0.0.1:%d", p[0]), node.Ports{P2P: p[1], RPC: p[2]}); err != nil {
		t.Fatal(err)
	}
	n, err := node.Start(context.Background(), home, node.Options{LogOutput: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(n.APIURL() + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return n
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the dev node is not ready after 30s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func signer(name string) *client.Signer {
	return client.NewSigner(stded25519.NewKeyFromSeed(node.DevSeed(name)))
}

// seed gives the dev node what the pages show: a product with a lot of
// serialised packs, and an open proposal.
func seed(t *testing.T, c *client.Client) {
	t.Helper()
	ctx := context.Background()
	q := signer("pharmaco-quality")
	for _, m := range []client.Msg{
		client.RegisterProduct{GTIN: gtin, Name: "MMR vaccine", Kind: "vaccine", MinMilliC: 2000, MaxMilliC: 8000},
		client.Commission{GTIN: gtin, Lot: "MMR-1", Expiry: "2030-06-30", Serials: client.Serials{Prefix: "MR", Start: 1, Count: 4, Width: 4}},
	} {
		if _, err := c.Send(ctx, q, m); err != nil {
			t.Fatalf("%T: %v", m, err)
		}
	}
	if _, err := c.Send(ctx, signer("hospital-admin"), client.Propose{Title: "Remove the foundation", Action: client.RemoveOrg{ID: "care-for-all"}.Action()}); err != nil {
		t.Fatal(err)
	}
}

// text is the rendered text of the first element sel matches, read in
// the page (not through chromedp's copy of the DOM, which can lag behind a
// part of the page just redrawn).
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	q, _ := json.Marshal(sel)
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector(`+string(q)+`) || {innerText: "<no `+strings.Trim(string(q), `"`)+`>"}).innerText`))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

func open(t *testing.T, ctx context.Context, u string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(u)); err != nil {
		t.Fatalf("navigate %s: %v", u, err)
	}
}

// loadTime reports how long the page of ctx took to load (reported, not
// asserted).
func loadTime(t *testing.T, ctx context.Context, page string) {
	ms := eval[float64](t, ctx, `performance.getEntriesByType("navigation")[0].duration`)
	t.Logf("%s loaded in %.0f ms", page, ms)
}

// TestDashboard drives the dashboard of a real dev node in headless
// Chromium: every page loads with no console error and no CSP violation,
// the network page lists the demo organisations, the latest block, the
// seeding transactions and the open proposal, the scan page says genuine
// for a commissioned pack and warns of a counterfeit for an unknown serial,
// the scan form works from the keyboard, the pages fit a phone's width, the
// public-health page says when the node has no such data, and the donations
// page shows a seeded campaign's ledger as the API reports it.
func TestDashboard(t *testing.T) {
	n := startDev(t)
	c := client.New(n.APIURL())
	seed(t, c)
	base := n.APIURL()
	dir := shots(t)
	b := browsertest.Start(t, 1280, 900)

	t.Run("overview", func(t *testing.T) {
		tab := b.Tab(t)
		open(t, tab, base+"/")
		browsertest.Wait(t, tab, "the chain's status", `document.querySelector("#chain-stats").textContent.includes("medchain-dev")`, 15*time.Second)
		loadTime(t, tab, "/")
		browsertest.Screenshot(t, tab, dir, "overview")
		b.NoProblems(t, "/")
	})

	t.Run("network", func(t *testing.T) {
		st, err := c.Status(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		tab := b.Tab(t)
		open(t, tab, base+"/network")
		browsertest.Wait(t, tab, "the network page", `document.body.dataset.loaded === "true"`, 20*time.Second)
		loadTime(t, tab, "/network")
		orgs := text(t, tab, "#orgs")
		demo := node.Demo()
		for _, o := range demo.Orgs {
			if !strings.Contains(orgs, o.Name) || !strings.Contains(orgs, o.ID) {
				t.Errorf("the organisations table does not list %s (%s):\n%s", o.Name, o.ID, orgs)
			}
		}
		if got := eval[int](t, tab, `document.querySelectorAll("#orgs tbody tr").length`); got != len(demo.Orgs) {
			t.Errorf("%d organisation rows, want %d", got, len(demo.Orgs))
		}
		if v := text(t, tab, "#validators"); !strings.Contains(v, "St Mary's Hospital") {
			t.Errorf("validators table: %s", v)
		}
		// The latest block listed is at least the one the status gave
		// before the page loaded.
		top := eval[int64](t, tab, `Number(document.querySelector("#blocks tbody tr").dataset.height)`)
		if top < st.LatestBlockHeight {
			t.Errorf("latest block listed %d, the node was at %d before", top, st.LatestBlockHeight)
		}
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, text(t, tab, "#height dd"))
		if h, err := strconv.ParseInt(digits, 10, 64); err != nil || h < st.LatestBlockHeight {
			t.Errorf("height shown %q, the node was at %d before", digits, st.LatestBlockHeight)
		}
		txs := text(t, tab, "#txs")
		for _, want := range []string{client.TypeRegisterProduct, client.TypeCommission, "governance/propose", "committed"} {
			if !strings.Contains(txs, want) {
				t.Errorf("recent transactions do not show %q:\n%s", want, txs)
			}
		}
		// A young chain is searched to its first block: no button to go further.
		if note := text(t, tab, "#txs-note"); note != "Searched every block." {
			t.Errorf("search note %q", note)
		}
		if !eval[bool](t, tab, `document.querySelector("#older").hidden`) {
			t.Error("the button to search older blocks shows on a chain searched to its start")
		}
		if p := text(t, tab, "#proposals"); !strings.Contains(p, "remove-org") || !strings.Contains(p, "Remove the foundation") {
			t.Errorf("open proposals: %s", p)
		}
		if !strings.Contains(text(t, tab, "#asof"), "As of block") {
			t.Error("no \"as of block\" in the footer")
		}
		browsertest.Screenshot(t, tab, dir, "network")
		b.NoProblems(t, "/network")
	})

	t.Run("scan genuine, by keyboard", func(t *testing.T) {
		tab := b.Tab(t)
		open(t, tab, base+"/scan")
		browsertest.Wait(t, tab, "the scan page", `document.body.dataset.ready === "true"`, 10*time.Second)
		// The barcode field has the focus on arrival: a scanner that
		// types and presses Enter needs nothing else.
		if id := eval[string](t, tab, `document.activeElement.id`); id != "code" {
			t.Fatalf("focus on arrival is on %q, want the barcode field", id)
		}
		if err := chromedp.Do(tab, chromedp.KeyEvent(genuineCode), chromedp.KeyEvent(kb.Enter)); err != nil {
			t.Fatal(err)
		}
		browsertest.Wait(t, tab, "a verdict", `document.querySelector("#verdict") !== null`, 10*time.Second)
		if v := eval[string](t, tab, `document.querySelector("#verdict").dataset.verdict`); v != "genuine" {
			t.Fatalf("verdict %q for a commissioned pack: %s", v, text(t, tab, "#result"))
		}
		res := text(t, tab, "#result")
		for _, want := range []string{"Genuine", "MMR vaccine", "MMR-1", "PharmaCo Manufacturing", "commissioned", "Cold chain", "2 °C to 8 °C"} {
			if !strings.Contains(res, want) {
				t.Errorf("the verdict does not say %q:\n%s", want, res)
			}
		}
		// The address says what was scanned.
		if u := eval[string](t, tab, `location.search`); u != "?code="+url.QueryEscape(genuineCode) {
			t.Errorf("address after the scan: %s", u)
		}
		browsertest.Screenshot(t, tab, dir, "scan-genuine")
		b.NoProblems(t, "/scan (genuine)")
	})

	t.Run("scan unknown serial", func(t *testing.T) {
		tab := b.Tab(t)
		open(t, tab, base+"/scan?code="+url.QueryEscape(unknownCode))
		browsertest.Wait(t, tab, "a verdict", `document.querySelector("#verdict") !== null`, 10*time.Second)
		if v := eval[string](t, tab, `document.querySelector("#verdict").dataset.verdict`); v != "suspect" {
			t.Fatalf("verdict %q for an unknown serial", v)
		}
		res := text(t, tab, "#result")
		for _, want := range []string{"Counterfeit warning", "never commissioned", "Do not use it", "Unknown to the ledger"} {
			if !strings.Contains(res, want) {
				t.Errorf("the warning does not say %q:\n%s", want, res)
			}
		}
		// Red, not only words.
		if bg := eval[string](t, tab, `getComputedStyle(document.querySelector("#verdict")).backgroundColor`); bg != "rgb(253, 232, 232)" {
			t.Errorf("suspect verdict background %s", bg)
		}
		browsertest.Screenshot(t, tab, dir, "scan-counterfeit")
		// On a phone's width nothing scrolls sideways.
		if err := chromedp.Do(tab, chromedp.EmulateViewport(390, 844)); err != nil {
			t.Fatal(err)
		}
		if w := eval[int](t, tab, `document.documentElement.scrollWidth`); w > 390 {
			t.Errorf("the scan page is %d px wide on a 390 px phone", w)
		}
		browsertest.Screenshot(t, tab, dir, "scan-phone")
		b.NoProblems(t, "/scan (unknown)")
	})

	t.Run("network: search older blocks", func(t *testing.T) {
		tab := b.Tab(t)
		open(t, tab, base+"/network?lookback=1")
		browsertest.Wait(t, tab, "the network page", `document.body.dataset.loaded === "true"`, 20*time.Second)
		before := text(t, tab, "#txs-note")
		if !strings.HasPrefix(before, "Searched blocks ") || eval[bool](t, tab, `document.querySelector("#older").hidden`) {
			t.Fatalf("after one block searched: note %q, button hidden %v", before, eval[bool](t, tab, `document.querySelector("#older").hidden`))
		}
		// Each press searches further back, until the first block.
		for i := 0; i < 200 && !eval[bool](t, tab, `document.querySelector("#older").hidden`); i++ {
			if err := chromedp.Do(tab, chromedp.Click(chromedp.ID("older"))); err != nil {
				t.Fatal(err)
			}
			browsertest.Wait(t, tab, "the search", `!document.querySelector("#older").disabled`, 10*time.Second)
		}
		if note := text(t, tab, "#txs-note"); note != "Searched every block." {
			t.Errorf("note after searching back: %q", note)
		}
		if txs := text(t, tab, "#txs"); !strings.Contains(txs, client.TypeRegisterProduct) {
			t.Errorf("searching back did not find the product's registration:\n%s", txs)
		}
		b.NoProblems(t, "/network?lookback=1")
	})

	t.Run("keyboard: skip link and tab order", func(t *testing.T) {
		tab := b.Tab(t)
		open(t, tab, base+"/network")
		browsertest.Wait(t, tab, "the network page", `document.body.dataset.loaded === "true"`, 20*time.Second)
		if err := chromedp.Do(tab, chromedp.KeyEvent(kb.Tab)); err != nil {
			t.Fatal(err)
		}
		if got := eval[string](t, tab, `document.activeElement.textContent`); got != "Skip to content" {
			t.Fatalf("first Tab focuses %q, want the skip link", got)
		}
		if err := chromedp.Do(tab, chromedp.KeyEvent(kb.Enter)); err != nil {
			t.Fatal(err)
		}
		browsertest.Wait(t, tab, "focus in the main content", `document.activeElement.id === "main"`, 5*time.Second)
		b.NoProblems(t, "/network (keyboard)")
	})

	t.Run("public health without case figures", func(t *testing.T) {
		tab := b.Tab(t)
		open(t, tab, base+"/public-health")
		browsertest.Wait(t, tab, "the public-health page", `document.body.dataset.ph === "none"`, 10*time.Second)
		if s := text(t, tab, "#ph-none"); !strings.Contains(s, "No organisation has reported case figures yet") || !strings.Contains(s, "import-jhu") {
			t.Errorf("public-health page of a node without case figures says %q", s)
		}
		b.NoProblems(t, "/public-health")
	})

	t.Run("not found", func(t *testing.T) {
		tab := b.Tab(t)
		open(t, tab, base+"/no-such-page")
		if h := text(t, tab, "h1"); h != "Not found" {
			t.Errorf("heading of an unknown page: %q", h)
		}
		// The browser logs the 404 of the page itself; nothing else.
		for _, p := range b.Problems() {
			if !strings.Contains(p, "404") {
				t.Errorf("/no-such-page: %s", p)
			}
		}
	})
	// Last: its seeding would push the transactions the network page
	// checks out of its recent list.
	t.Run("donations", func(t *testing.T) { testDonations(t, b, c, base, dir) })
	if *updateScreenshots {
		t.Logf("screenshots written to %s", dir)
	}
}
