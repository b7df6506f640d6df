package browsertest_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/medchain/medchain/internal/browsertest"
)

// TestReportsProblems is the control of every browser test: a page that
// breaks its Content-Security-Policy (an inline script and an inline
// style), logs an error and throws must show all of it in Problems, and a
// clean page nothing.
func TestReportsProblems(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/bad", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><title>bad</title><style>p{color:red}</style><p>bad</p><script>console.log("inline ran")</script><script src="/bad.js"></script>`))
	})
	mux.HandleFunc("/bad.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Write([]byte(`console.error("logged error"); throw new Error("thrown error");`))
	})
	mux.HandleFunc("/good", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'none'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><title>good</title><p id="ok">fine</p>`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	b := browsertest.Start(t, 800, 600)
	tab := b.Tab(t)
	if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/bad"), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		t.Fatal(err)
	}
	browsertest.Wait(t, tab, "the page to load", `document.readyState === "complete"`, 10*time.Second)
	got := strings.Join(waitProblems(b, 4), "\n")
	t.Logf("problems of /bad:\n%s", got)
	for _, want := range []string{"script-src", "style-src", "logged error", "thrown error"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems do not mention %q:\n%s", want, got)
		}
	}
	if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/good"), chromedp.WaitVisible(chromedp.CSS("#ok"))); err != nil {
		t.Fatal(err)
	}
	b.NoProblems(t, "/good")
}

// waitProblems collects problems until there are at least n or a second
// has passed.
func waitProblems(b *browsertest.Browser, n int) []string {
	var all []string
	for range 20 {
		all = append(all, b.Problems()...)
		if len(all) >= n {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	return all
}
