package web_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/medchain/medchain/client/keystore"
	"github.com/medchain/medchain/internal/browsertest"
	"github.com/medchain/medchain/internal/web"
)

// BenchmarkUnlockInBrowser is how long the portal takes to open a keystore
// key in headless Chromium (keys.js: age's scrypt, then WebCrypto's
// import), at the keystore's default work factor (18) and a dev key's
// (10): go test ./internal/web -run '^$' -bench UnlockInBrowser -benchtime 5x
func BenchmarkUnlockInBrowser(b *testing.B) {
	for _, wf := range []int{10, 18} {
		b.Run("workfactor="+strconv.Itoa(wf), func(b *testing.B) {
			ks, err := keystore.Open(filepath.Join(b.TempDir(), "keystore.json"))
			if err != nil {
				b.Fatal(err)
			}
			ks.WorkFactor = wf
			if _, err := ks.Add("k", bytes.Repeat([]byte{7}, 32), "", "", "a passphrase", false); err != nil {
				b.Fatal(err)
			}
			if err := ks.Save(); err != nil {
				b.Fatal(err)
			}
			text, err := os.ReadFile(ks.Path())
			if err != nil {
				b.Fatal(err)
			}
			q, _ := json.Marshal(string(text))
			srv := httptest.NewServer(web.Handler())
			defer srv.Close()
			br := browsertest.Start(b, 800, 600)
			tab := br.Tab(b)
			if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/static/vendor/medcrypto/LICENSES")); err != nil {
				b.Fatal(err)
			}
			unlock := `(async () => {
  const k = await import("/static/js/keys.js");
  return (await k.unlock(k.parseKeystore(` + string(q) + `)[0], "a passphrase")).publicKey;
})()`
			b.ResetTimer()
			for range b.N {
				if pub, err := chromedp.Run(tab, chromedp.Evaluate[string](unlock, chromedp.EvalAwaitPromise)); err != nil || len(pub) != 64 {
					b.Fatalf("unlock: %q %v", pub, err)
				}
			}
		})
	}
}
