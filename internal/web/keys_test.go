package web_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/medchain/medchain/client/keystore"
	"github.com/medchain/medchain/internal/browsertest"
	"github.com/medchain/medchain/internal/seal"
	"github.com/medchain/medchain/internal/tx"
	"github.com/medchain/medchain/internal/web"
)

// await evaluates an async expression in the tab and decodes its JSON
// string result into out.
func await(t *testing.T, tab context.Context, js string, out any) {
	t.Helper()
	s, err := chromedp.Run(tab, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate: %v\n%s", err, js)
	}
	if err := json.Unmarshal([]byte(s), out); err != nil {
		t.Fatalf("result %q: %v", s, err)
	}
}

// TestKeysInBrowser checks the portal's browser crypto (static/js/keys.js)
// against the Go code it must match, in headless Chromium: it opens a
// keystore file written by client/keystore (a sealed key and a dev key),
// refuses a wrong passphrase in words, unwraps a data key that
// internal/seal wrapped to the key among other recipients, opens the sealed
// record byte for byte, refuses a key wrapped to someone else, and signs an
// envelope that internal/tx decodes and verifies.
func TestKeysInBrowser(t *testing.T) {
	dir := t.TempDir()
	ks, err := keystore.Open(filepath.Join(dir, "keystore.json"))
	if err != nil {
		t.Fatal(err)
	}
	ks.WorkFactor = 12 // a real passphrase key, cheap enough for a test
	nurseSeed := bytes.Repeat([]byte{7}, 32)
	if _, err := ks.Add("nurse", nurseSeed, "st-marys-hospital/nurse", "", "correct horse", false); err != nil {
		t.Fatal(err)
	}
	devSeed := bytes.Repeat([]byte{9}, 32)
	if _, err := ks.Add("alice", devSeed, "pt-1", "patient", "", true); err != nil {
		t.Fatal(err)
	}
	if err := ks.Save(); err != nil {
		t.Fatal(err)
	}
	ksText, err := os.ReadFile(ks.Path())
	if err != nil {
		t.Fatal(err)
	}
	nurse := ed25519.NewKeyFromSeed(nurseSeed)
	other := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{3}, 32))

	doc := []byte(`{"resourceType":"Observation","status":"final","code":{"text":"Pulse"},"valueQuantity":{"value":72,"unit":"/min"}}`)
	ct, dk, err := seal.Seal(doc)
	if err != nil {
		t.Fatal(err)
	}
	custodian, err := seal.LoadOrCreateIdentity(filepath.Join(dir, "custodian.age"))
	if err != nil {
		t.Fatal(err)
	}
	toOther, err := seal.RecipientForEd25519(other.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	toNurse, err := seal.RecipientForEd25519(nurse.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	wrapped, err := seal.Wrap(dk, custodian.Recipient(), toOther, toNurse)
	if err != nil {
		t.Fatal(err)
	}
	notOurs, err := seal.Wrap(dk, custodian.Recipient(), toOther)
	if err != nil {
		t.Fatal(err)
	}

	srv := httptest.NewServer(web.Handler())
	defer srv.Close()
	b := browsertest.Start(t, 800, 600)
	tab := b.Tab(t)
	// A document of the origin that runs no script of its own.
	open(t, tab, srv.URL+"/static/vendor/medcrypto/LICENSES")
	q := func(v any) string { s, _ := json.Marshal(v); return string(s) }
	var got struct {
		Entries []struct {
			Name string `json:"name"`
			Dev  bool   `json:"dev"`
		} `json:"entries"`
		Wrong, NotOurs, NotKeystore string
		Doc, Env, Hash, DevKey      string
	}
	await(t, tab, `(async () => {
  const k = await import("/static/js/keys.js");
  const b64 = k.b64;
  const entries = k.parseKeystore(`+q(string(ksText))+`);
  const out = {entries};
  try { k.parseKeystore("{}"); } catch (e) { out.NotKeystore = e.message; }
  const nurse = entries.find((e) => e.name === "nurse");
  try { await k.unlock(nurse, "wrong horse"); } catch (e) { out.Wrong = e.message; }
  const key = await k.unlock(nurse, "correct horse");
  const dk = await key.unwrap(b64.decode(`+q(base64.StdEncoding.EncodeToString(wrapped))+`));
  const ct = b64.decode(`+q(base64.StdEncoding.EncodeToString(ct))+`);
  out.Doc = new TextDecoder().decode(k.openSealed(ct, dk));
  out.Hash = k.sha256hex(ct);
  try { await key.unwrap(b64.decode(`+q(base64.StdEncoding.EncodeToString(notOurs))+`)); } catch (e) { out.NotOurs = e.message || String(e); }
  out.Env = b64.encode(await k.envelope(key, {id: "medchain-test", height: 40, ttl: 30}, "auth/read", {method: "GET", uri: "/v1/auth/whoami"}));
  out.DevKey = (await k.unlock(entries.find((e) => e.name === "alice"), "")).publicKey;
  return JSON.stringify(out);
})()`, &got)

	if len(got.Entries) != 2 || !got.Entries[0].Dev && !got.Entries[1].Dev {
		t.Errorf("entries: %+v", got.Entries)
	}
	if !strings.Contains(got.NotKeystore, "not a medchain keystore") {
		t.Errorf("a JSON file that is no keystore: %q", got.NotKeystore)
	}
	if !strings.Contains(got.Wrong, "passphrase does not open this key") || !strings.Contains(got.Wrong, "cannot be reset") {
		t.Errorf("wrong passphrase: %q", got.Wrong)
	}
	if got.Doc != string(doc) {
		t.Errorf("opened record:\n got %s\nwant %s", got.Doc, doc)
	}
	if sum := sha256.Sum256(ct); got.Hash != hex.EncodeToString(sum[:]) {
		t.Errorf("ciphertext hash %s, Go says %x", got.Hash, sum)
	}
	if got.NotOurs == "" {
		t.Error("a data key wrapped to other keys was unwrapped")
	}
	if want := hex.EncodeToString(ed25519.NewKeyFromSeed(devSeed).Public().(ed25519.PublicKey)); got.DevKey != want {
		t.Errorf("dev key %s, want %s", got.DevKey, want)
	}
	raw, err := base64.StdEncoding.DecodeString(got.Env)
	if err != nil {
		t.Fatal(err)
	}
	env, err := tx.Decode(raw)
	if err != nil {
		t.Fatalf("the browser's envelope does not decode: %v", err)
	}
	if err := env.Verify(); err != nil {
		t.Fatalf("the browser's signature: %v", err)
	}
	if !bytes.Equal(env.Body.Signer, nurse.Public().(ed25519.PublicKey)) || env.Body.ChainID != "medchain-test" ||
		env.Body.Expires != 70 || env.Body.Type != "auth/read" || string(env.Body.Msg) != `{"method":"GET","uri":"/v1/auth/whoami"}` {
		t.Errorf("envelope body: %+v msg %s", env.Body, env.Body.Msg)
	}
	b.NoProblems(t, "keys.js")
}
