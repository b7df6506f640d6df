package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"

	"github.com/medchain/medchain/internal/web"
)

// TestHeaders: every answer of the dashboard (pages, assets, a 404, a
// refused method) carries the CSP and the safe headers; pages are HTML,
// scripts JavaScript, and nothing is listed or served under two names.
func TestHeaders(t *testing.T) {
	srv := httptest.NewServer(web.Handler())
	defer srv.Close()
	cases := []struct {
		method, path string
		status       int
		ctype        string
		contains     string
	}{
		{"GET", "/", 200, "text/html; charset=utf-8", "<title>Overview"},
		{"GET", "/network", 200, "text/html; charset=utf-8", `<a href="/network" aria-current="page">Network</a>`},
		{"GET", "/network", 200, "text/html; charset=utf-8", `id="orgs"`},
		{"GET", "/scan", 200, "text/html; charset=utf-8", `id="scan-form"`},
		{"GET", "/public-health", 200, "text/html; charset=utf-8", `id="chart-cases"`},
		{"GET", "/donations", 200, "text/html; charset=utf-8", `id="campaigns"`},
		{"GET", "/portal", 200, "text/html; charset=utf-8", `id="unlock-form"`},
		{"GET", "/portal", 200, "text/html; charset=utf-8", "your key stays in this browser"},
		{"GET", "/static/js/keys.js", 200, "text/javascript; charset=utf-8", "ssh-ed25519"},
		{"GET", "/static/vendor/medcrypto/LICENSES", 200, "", "=== age-encryption 0.3.1 ==="},
		{"GET", "/static/js/donfields.js", 200, "text/javascript; charset=utf-8", "/v1/donations/campaigns"},
		{"HEAD", "/scan", 200, "text/html; charset=utf-8", ""},
		{"GET", "/static/js/scan.js", 200, "text/javascript; charset=utf-8", "/v1/supply/verify"},
		{"GET", "/static/css/app.css", 200, "text/css; charset=utf-8", ".verdict"},
		{"GET", "/static/vendor/uplot/uPlot.esm.js", 200, "text/javascript; charset=utf-8", "v1.6.32"},
		{"GET", "/static/vendor/uplot/LICENSE", 200, "", "MIT"},
		{"GET", "/nope", 404, "text/html; charset=utf-8", "Not found"},
		{"GET", "/static/", 404, "text/html; charset=utf-8", "Not found"},
		{"GET", "/static/js/", 404, "text/html; charset=utf-8", "Not found"},
		{"GET", "/static/../pages/scan.html", 404, "", ""}, // http.FileServer refuses ".."
		{"GET", "/pages/scan.html", 404, "text/html; charset=utf-8", "Not found"},
		{"GET", "/static/js/missing.js", 404, "", ""},
		{"POST", "/scan", 405, "", ""},
	}
	for _, c := range cases {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		where := c.method + " " + c.path
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d", where, resp.StatusCode, c.status)
		}
		if c.ctype != "" && resp.Header.Get("Content-Type") != c.ctype {
			t.Errorf("%s: Content-Type %q, want %q", where, resp.Header.Get("Content-Type"), c.ctype)
		}
		if !strings.Contains(string(body), c.contains) {
			t.Errorf("%s: body does not contain %q", where, c.contains)
		}
		for k, want := range map[string]string{
			"Content-Security-Policy":      web.CSP,
			"X-Content-Type-Options":       "nosniff",
			"Referrer-Policy":              "same-origin",
			"X-Frame-Options":              "DENY",
			"Cross-Origin-Opener-Policy":   "same-origin",
			"Cross-Origin-Resource-Policy": "same-origin",
		} {
			if got := resp.Header.Get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", where, k, got, want)
			}
		}
		if resp.Header.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS over plain HTTP", where)
		}
	}
	if web.CSP != "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'" {
		t.Errorf("CSP changed: %s", web.CSP)
	}
}

// TestETag: a static file is revalidated by its ETag (embedded files have
// no modification time): unchanged, it answers 304 with no body.
func TestETag(t *testing.T) {
	srv := httptest.NewServer(web.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/static/vendor/uplot/uPlot.esm.js")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	tag := resp.Header.Get("ETag")
	if tag == "" || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("ETag %q, Cache-Control %q", tag, resp.Header.Get("Cache-Control"))
	}
	req, _ := http.NewRequest("GET", srv.URL+"/static/vendor/uplot/uPlot.esm.js", nil)
	req.Header.Set("If-None-Match", tag)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified || len(b) != 0 {
		t.Errorf("revalidation: %d with %d bytes, want 304 and none", resp.StatusCode, len(b))
	}
	if resp.Header.Get("Content-Security-Policy") != web.CSP {
		t.Error("a 304 without the CSP")
	}
}

// TestHSTSOverTLS: over TLS the dashboard tells browsers to stay on HTTPS.
func TestHSTSOverTLS(t *testing.T) {
	srv := httptest.NewTLSServer(web.Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
		t.Errorf("Strict-Transport-Security = %q", got)
	}
}

// TestNoInlineCode: the pages hold no inline script, inline style, style
// attribute or event-handler attribute, and load nothing from another
// origin: the CSP would refuse them, so they would be dead code at best.
func TestNoInlineCode(t *testing.T) {
	srv := httptest.NewServer(web.Handler())
	defer srv.Close()
	for _, p := range []string{"/", "/network", "/scan", "/public-health", "/donations", "/nope"} {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		html := strings.ToLower(string(b))
		for _, bad := range []string{"<style", " style=", " onclick=", " onload=", " onsubmit=", "javascript:", "http://", "https://", "//cdn"} {
			if strings.Contains(html, bad) {
				t.Errorf("%s contains %q", p, bad)
			}
		}
		for _, s := range strings.Split(html, "<script")[1:] {
			if !strings.Contains(s[:strings.Index(s, ">")], "src=") || !strings.HasPrefix(s[strings.Index(s, ">")+1:], "</script>") {
				t.Errorf("%s has an inline script: <script%s", p, s[:min(len(s), 80)])
			}
		}
	}
}

// TestImports: the dashboard imports only the standard library (it knows
// the node through its public API, from the browser), and the API does not
// import the dashboard: the node package joins them.
func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}: {{join .Imports \" \"}}",
		"github.com/medchain/medchain/internal/web", "github.com/medchain/medchain/internal/api").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, ": ")
		for _, imp := range strings.Fields(imports) {
			if strings.HasSuffix(pkg, "/web") && strings.Contains(imp, ".") {
				t.Errorf("internal/web imports %s: it must use only the standard library", imp)
			}
			if strings.HasSuffix(pkg, "/api") && strings.HasSuffix(imp, "/internal/web") {
				t.Errorf("internal/api imports %s", imp)
			}
		}
	}
}
