package web_test

import (
	"context"
	stded25519 "crypto/ed25519"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/client/keystore"
	"github.com/medchain/medchain/internal/browsertest"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/node"
	"github.com/medchain/medchain/internal/tx"
)

// greyPassphrase seals dr-grey's key in the test's keystore file: the
// clinician unlocks a real passphrase key, the patient a dev key.
const greyPassphrase = "grey's ward round 7"

// portalKeystore writes a keystore file with alice's dev key and dr-grey's
// key sealed with greyPassphrase, as `medchain keys` would.
func portalKeystore(t *testing.T) string {
	t.Helper()
	ks, err := keystore.Open(filepath.Join(t.TempDir(), "keystore.json"))
	if err != nil {
		t.Fatal(err)
	}
	ks.WorkFactor = 14
	if _, err := ks.Add("alice", node.DevSeed("alice"), alice(), "patient", "", true); err != nil {
		t.Fatal(err)
	}
	if _, err := ks.Add("dr-grey", node.DevSeed("dr-grey"), "st-marys-hospital/dr-grey", "physician", greyPassphrase, false); err != nil {
		t.Fatal(err)
	}
	if err := ks.Save(); err != nil {
		t.Fatal(err)
	}
	return ks.Path()
}

func alice() string {
	pub := stded25519.NewKeyFromSeed(node.DevSeed("alice")).Public().(stded25519.PublicKey)
	return identity.PatientID(tx.PubKey(pub))
}

// unlockAs chooses name in the keystore file on the portal of tab, types
// the passphrase (none for a dev key) and presses Enter, as a keyboard user.
func unlockAs(t *testing.T, tab context.Context, file, name, pass string) {
	t.Helper()
	if err := chromedp.Do(tab,
		chromedp.SetUploadFiles(chromedp.ID("ks-file"), []string{file}),
		chromedp.WaitEnabled(chromedp.ID("ks-key")),
		chromedp.SetValue(chromedp.ID("ks-key"), name),
	); err != nil {
		t.Fatalf("choose %s: %v", name, err)
	}
	// The select's change event shows or hides the passphrase field.
	eval[bool](t, tab, `document.querySelector("#ks-key").dispatchEvent(new Event("change")) || true`)
	if pass == "" {
		if err := chromedp.Do(tab, chromedp.Click(chromedp.ID("unlock-button"))); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err := chromedp.Do(tab, chromedp.SendKeys(chromedp.ID("ks-pass"), pass+"\r")); err != nil {
		t.Fatal(err)
	}
}

// signedIn waits until the portal of tab shows who signed in, and fails
// with what the page said when it shows an error instead.
func signedIn(t *testing.T, b *browsertest.Browser, tab context.Context, who string) {
	t.Helper()
	browsertest.Wait(t, tab, who+"'s portal", `document.body.dataset.ready === "true" || document.querySelector("#unlock-status .error, #message .error")`, 30*time.Second)
	if !eval[bool](t, tab, `document.body.dataset.ready === "true"`) {
		t.Fatalf("%s is not signed in: %s %s (%q)", who, text(t, tab, "#unlock-status"), text(t, tab, "#message"), b.Problems())
	}
}

// waitOK waits for okExpr in the page of tab, and fails with the error
// the element view shows when it shows one first.
func waitOK(t *testing.T, b *browsertest.Browser, tab context.Context, what, okExpr, view string) {
	t.Helper()
	browsertest.Wait(t, tab, what, `(`+okExpr+`) || document.querySelector("`+view+` .error")`, 20*time.Second)
	if !eval[bool](t, tab, `Boolean(`+okExpr+`)`) {
		t.Fatalf("%s: %s (%q)", what, text(t, tab, view), b.Problems())
	}
}

// problemsBut fails t with the problems the pages reported, but for the
// refusals the journey provokes on purpose (the browser logs every 4xx
// answer to a fetch as an error).
func problemsBut(t *testing.T, b *browsertest.Browser, where string, expected ...string) {
	t.Helper()
next:
	for _, p := range b.Problems() {
		for _, e := range expected {
			if strings.Contains(p, e) {
				continue next
			}
		}
		t.Errorf("%s: %s", where, p)
	}
}

// TestPortal drives both journeys of the portal in headless Chromium on a
// real dev node, with a keystore file as `medchain keys` writes it: the
// patient unlocks her key, sees her records by type and opens one
// (decrypted in the browser), grants her hospital access; the clinician
// unlocks his passphrase key (a wrong passphrase first), finds her among
// the patients who granted access, reads the record under the grant; she
// revokes; his next read is refused in plain words; he opens break-glass
// and reads; her access log shows his read, the refusal and the
// highlighted break-glass read. Both views pass axe-core with no serious
// violation and fit a phone's width.
func TestPortal(t *testing.T) {
	n := startDev(t)
	base := n.APIURL()
	c := client.New(base)
	ctx := context.Background()
	grey := signer("dr-grey")
	pulse := []byte(`{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8867-4","display":"Heart rate"}]},"subject":{"reference":"Patient/alice"},"effectiveDateTime":"2026-11-30T09:15:00Z","valueQuantity":{"value":72,"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"}}`)
	mmr := []byte(`{"resourceType":"Immunization","status":"completed","vaccineCode":{"text":"MMR vaccine"},"patient":{"reference":"Patient/alice"},"occurrenceDateTime":"2026-10-02","lotNumber":"MMR-1"}`)
	var ids []string
	for i, doc := range [][]byte{pulse, mmr} {
		up, err := c.AddRecord(ctx, grey, alice(), "", doc)
		if err != nil {
			t.Fatalf("add record %d: %v", i, err)
		}
		ids = append(ids, up.Record)
	}
	pulseID, mmrID := ids[0], ids[1]
	file := portalKeystore(t)
	dir := shots(t)
	b := browsertest.Start(t, 1280, 1000)
	pt := b.Tab(t)
	doc := b.Tab(t)

	// The patient unlocks her (dev) key and sees her records.
	open(t, pt, base+"/portal")
	browsertest.Wait(t, pt, "the portal", `document.body.dataset.loaded === "true"`, 15*time.Second)
	browsertest.Accessible(t, pt, "the portal's unlock form")
	browsertest.Screenshot(t, pt, dir, "portal-unlock")
	unlockAs(t, pt, file, "alice", "")
	signedIn(t, b, pt, "alice")
	if who := text(t, pt, "#who"); !strings.Contains(who, alice()) || !strings.Contains(who, "patient") {
		t.Errorf("signed in as %q", who)
	}
	browsertest.Wait(t, pt, "two records", `document.querySelectorAll("#records tr[data-record]").length === 2`, 10*time.Second)
	recs := text(t, pt, "#records")
	for _, want := range []string{"Observation", "Immunisation", "St Mary's Hospital", "st-marys-hospital/dr-grey"} {
		if !strings.Contains(recs, want) {
			t.Errorf("records table lacks %q:\n%s", want, recs)
		}
	}
	// By type: only the immunisation.
	eval[bool](t, pt, `(() => { const f = document.querySelector("#type-filter"); f.value = "Immunization"; f.dispatchEvent(new Event("change")); return true; })()`)
	if got := eval[int](t, pt, `document.querySelectorAll("#records tr[data-record]").length`); got != 1 || !strings.Contains(text(t, pt, "#records"), "Immunisation") {
		t.Errorf("filtered by Immunization: %d rows\n%s", got, text(t, pt, "#records"))
	}
	eval[bool](t, pt, `(() => { const f = document.querySelector("#type-filter"); f.value = ""; f.dispatchEvent(new Event("change")); return true; })()`)
	// Open the pulse: decrypted here, shown for people.
	if err := chromedp.Do(pt, chromedp.Click(chromedp.CSS(`button[data-show="`+pulseID+`"]`))); err != nil {
		t.Fatal(err)
	}
	browsertest.Wait(t, pt, "the opened record", `document.querySelector("#record-view .fhir") !== null`, 20*time.Second)
	if v := text(t, pt, "#record-view"); !strings.Contains(v, "Heart rate") || !strings.Contains(v, "72 per minute") {
		t.Errorf("opened record:\n%s", v)
	}
	// She grants her hospital access for treatment.
	if err := chromedp.Do(pt, chromedp.SetValue(chromedp.ID("grant-org"), "st-marys-hospital"), chromedp.Click(chromedp.ID("grant-submit"))); err != nil {
		t.Fatal(err)
	}
	browsertest.Wait(t, pt, "the grant", `document.querySelector("#message").innerText.includes("may now read")`, 20*time.Second)
	browsertest.Wait(t, pt, "the grant listed", `document.querySelectorAll("#grants tr[data-grant] button[data-revoke]").length === 1`, 10*time.Second)
	if g := text(t, pt, "#grants"); !strings.Contains(g, "St Mary's Hospital") || !strings.Contains(g, "treatment") || !strings.Contains(g, "All records") {
		t.Errorf("grants table:\n%s", g)
	}
	browsertest.Accessible(t, pt, "the patient's portal")
	browsertest.Screenshot(t, pt, dir, "portal-patient")
	problemsBut(t, b, "patient")

	// The clinician: a wrong passphrase is explained, the right one opens.
	open(t, doc, base+"/portal")
	browsertest.Wait(t, doc, "the portal", `document.body.dataset.loaded === "true"`, 15*time.Second)
	// The browser remembers alice's sealed key: choose another.
	if err := chromedp.Do(doc, chromedp.Click(chromedp.ID("other-key"))); err != nil {
		t.Fatal(err)
	}
	unlockAs(t, doc, file, "dr-grey", "not my passphrase")
	browsertest.Wait(t, doc, "the wrong passphrase refused", `document.querySelector("#unlock-status").innerText.includes("does not open")`, 30*time.Second)
	if s := text(t, doc, "#unlock-status"); !strings.Contains(s, "cannot be reset") {
		t.Errorf("wrong passphrase: %q", s)
	}
	if err := chromedp.Do(doc, chromedp.SendKeys(chromedp.ID("ks-pass"), greyPassphrase+"\r")); err != nil {
		t.Fatal(err)
	}
	signedIn(t, b, doc, "dr-grey")
	browsertest.Wait(t, doc, "alice among the patients", `document.querySelector("#patients tr[data-patient]") !== null`, 10*time.Second)
	if p := text(t, doc, "#patients"); !strings.Contains(p, alice()) || !strings.Contains(p, "treatment") {
		t.Errorf("patients who granted access:\n%s", p)
	}
	if err := chromedp.Do(doc, chromedp.Click(chromedp.CSS(`button[data-pick="`+alice()+`"]`))); err != nil {
		t.Fatal(err)
	}
	readPulse := func() {
		t.Helper()
		browsertest.Wait(t, doc, "alice's records", `document.querySelector('#patient-records button[data-read="`+pulseID+`"]') !== null`, 10*time.Second)
		// Clicked in the page: the table may have just been redrawn.
		eval[bool](t, doc, `(document.querySelector('#patient-records button[data-read="`+pulseID+`"]').click(), true)`)
	}
	readPulse()
	browsertest.Wait(t, doc, "the record read", `document.querySelector("#clinician-view .fhir") !== null`, 20*time.Second)
	if v := text(t, doc, "#clinician-view"); !strings.Contains(v, "72 per minute") || !strings.Contains(v, "basis of grant") {
		t.Errorf("clinician's read:\n%s", v)
	}
	browsertest.Accessible(t, doc, "the clinician's portal")
	browsertest.Screenshot(t, doc, dir, "portal-clinician")
	problemsBut(t, b, "clinician")

	// She revokes; his next read is refused, in words.
	if err := chromedp.Do(pt, chromedp.Click(chromedp.CSS(`#grants button[data-revoke]`))); err != nil {
		t.Fatal(err)
	}
	browsertest.Wait(t, pt, "the revocation", `document.querySelector("#message").innerText.includes("is revoked")`, 20*time.Second)
	readPulse()
	browsertest.Wait(t, doc, "the refusal", `document.querySelector("#clinician-view .error") !== null`, 20*time.Second)
	refusal := text(t, doc, "#clinician-view")
	if !strings.Contains(refusal, "revoked the grant") && !strings.Contains(refusal, "has not granted") {
		t.Errorf("refused read says %q", refusal)
	}

	// Break-glass: open a window with a reason code and read under it.
	if err := chromedp.Do(doc,
		chromedp.SetValue(chromedp.ID("glass-patient"), alice()),
		chromedp.SetValue(chromedp.ID("glass-reason"), "patient-unconscious"),
		chromedp.Click(chromedp.CSS(`#glass-form button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	waitOK(t, b, doc, "the break-glass window", `document.querySelector("#clinician-view").innerText.includes("is open on")`, "#clinician-view")
	readPulse()
	browsertest.Wait(t, doc, "the break-glass read", `document.querySelector("#clinician-view .fhir") !== null`, 20*time.Second)
	if v := text(t, doc, "#clinician-view"); !strings.Contains(v, "break glass") {
		t.Errorf("break-glass read:\n%s", v)
	}
	problemsBut(t, b, "clinician, refused and break-glass", "/v1/records/reads")

	// Her access log: his read, the refusal (its receipt is written in a
	// batch), the break-glass read highlighted.
	browsertest.Wait(t, pt, "the access log", `(document.querySelector("#log-refresh").click(),
	  document.querySelectorAll('#access-log tr[data-outcome="denied"]').length > 0 &&
	  document.querySelectorAll('#access-log tr.glass').length > 0)`, 30*time.Second)
	log := text(t, pt, "#access-log")
	for _, want := range []string{"st-marys-hospital/dr-grey", "treatment", "Break-glass: patient unconscious (window open)", "refused: The patient revoked the grant"} {
		if !strings.Contains(log, want) {
			t.Errorf("access log lacks %q:\n%s", want, log)
		}
	}
	browsertest.Screenshot(t, pt, dir, "portal-access-log")

	// She erases the immunisation: the button asks once more, then it is gone.
	erase := `document.querySelector('#records button[data-erase="` + mmrID + `"]')`
	eval[bool](t, pt, `(`+erase+`.click(), true)`)
	if got := eval[string](t, pt, erase+`.textContent`); got != "Erase for good?" {
		t.Fatalf("the first press of Erase: the button says %q", got)
	}
	eval[bool](t, pt, `(`+erase+`.click(), true)`)
	waitOK(t, b, pt, "the erasure", `document.querySelector("#message").innerText.includes("is erased")`, "#message")
	browsertest.Wait(t, pt, "the erased record", `document.querySelector('#records tr[data-record="`+mmrID+`"]').innerText.includes("erased")`, 10*time.Second)
	if row := text(t, pt, `#records tr[data-record="`+mmrID+`"]`); !strings.Contains(row, "patient request") {
		t.Errorf("erased record's row: %s", row)
	}

	// A phone's width: nothing wider than the screen.
	if err := chromedp.Do(pt, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	if w := eval[int](t, pt, `document.documentElement.scrollWidth - window.innerWidth`); w > 0 {
		t.Errorf("the portal is %dpx wider than a 390px phone", w)
	}
	browsertest.Screenshot(t, pt, dir, "portal-phone")
	problemsBut(t, b, "patient, access log")

	// Lock: the key is gone from the page, the token ended.
	if err := chromedp.Do(pt, chromedp.Click(chromedp.ID("lock"))); err != nil {
		t.Fatal(err)
	}
	browsertest.Wait(t, pt, "locked", `!document.querySelector("#unlock").hidden && document.querySelector("#patient").hidden`, 10*time.Second)
	// The browser keeps both keys chosen here, as sealed in the file, and
	// nothing else of them.
	stored := eval[string](t, pt, `localStorage.getItem("medchain.portal.keys")`)
	if strings.Count(stored, "BEGIN AGE ENCRYPTED FILE") != 2 || strings.Contains(stored, "seed") {
		t.Errorf("what the browser keeps: %s", stored)
	}
	// Back again: alice chooses her remembered key; it opens again.
	if r := text(t, pt, "#remembered-key"); !strings.Contains(r, "alice") || !strings.Contains(r, "dr-grey") {
		t.Errorf("remembered keys: %q", r)
	}
	alicePub := signer("alice").PublicKey()
	if err := chromedp.Do(pt, chromedp.SetValue(chromedp.ID("remembered-key"), alicePub)); err != nil {
		t.Fatal(err)
	}
	eval[bool](t, pt, `document.querySelector("#remembered-key").dispatchEvent(new Event("change")) || true`)
	if err := chromedp.Do(pt, chromedp.Click(chromedp.ID("unlock-button"))); err != nil {
		t.Fatal(err)
	}
	signedIn(t, b, pt, "alice again")
	problemsBut(t, b, "patient, again")
}
