// Package web is the dashboard every node serves to browsers: plain HTML,
// CSS and small JavaScript modules embedded in the binary, which read the
// node's public HTTP API (/v1) from the browser. Pages: the network
// (organisations, validators, blocks, proposals), a scan page (is this pack
// genuine?), public-health figures with charts (uPlot, vendored),
// donation campaigns with their public ledgers, and the portal (/portal)
// where patients and clinicians work with their own keys.
//
// Handler serves the browser routes only, with a strict
// Content-Security-Policy and the safe headers of Tailscale's safeweb; the
// node package puts it beside the API handler. The package must not import
// the API, the chain or any module: the pages know the node only through
// the public API, as any other client does. The dashboard pages need no
// key; the portal unlocks the visitor's key in the browser (static/js/keys.js,
// ADR 36) and signs what it asks, as the CLI does; no key or passphrase
// ever reaches the node. Nothing is fetched from another origin at run time.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed static pages
var files embed.FS

// CSP is the dashboard's Content-Security-Policy: scripts, styles and
// fetches from the node itself only, nothing inline, no framing, no plugins.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// page is one browser route: its content (pages/<File>, which defines
// "main") inside pages/layout.html.
type page struct {
	Path, Label, File, Title, Script string
	CSS                              []string
	// Keyed pages work with the visitor's own key (the portal).
	Keyed bool
}

// pages are the browser routes, in the navigation's order.
var pages = []page{
	{Path: "/", Label: "Overview", File: "home.html", Title: "Overview", Script: "/static/js/home.js"},
	{Path: "/network", Label: "Network", File: "network.html", Title: "Network", Script: "/static/js/network.js"},
	{Path: "/scan", Label: "Scan a pack", File: "scan.html", Title: "Scan a pack", Script: "/static/js/scan.js"},
	{Path: "/public-health", Label: "Public health", File: "public-health.html", Title: "Public health",
		Script: "/static/js/publichealth.js", CSS: []string{"/static/vendor/uplot/uPlot.min.css"}},
	{Path: "/donations", Label: "Donations", File: "donations.html", Title: "Donations", Script: "/static/js/donations.js"},
	{Path: "/portal", Label: "Your records", File: "portal.html", Title: "Your records", Script: "/static/js/portal.js", Keyed: true},
}

var notFound = page{File: "not-found.html", Title: "Not found"}

// render renders p's HTML once: the pages change only with the binary.
func render(p page) []byte {
	t := template.Must(template.ParseFS(files, "pages/layout.html", "pages/"+p.File))
	var b bytes.Buffer
	data := struct {
		page
		Nav []page
	}{p, pages}
	if err := t.ExecuteTemplate(&b, "layout", data); err != nil {
		panic(fmt.Sprintf("web: page %s: %v", p.File, err)) // fixed at build time; a test renders every page
	}
	return b.Bytes()
}

// Handler serves the dashboard: its pages, its static files under
// /static/, and an HTML 404 for any other path, all with the security
// headers. Only GET and HEAD are answered.
func Handler() http.Handler {
	static, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	html := map[string][]byte{}
	for _, p := range pages {
		html[p.Path] = render(p)
	}
	missing := render(notFound)
	etags := etagsOf(static)
	assets := http.StripPrefix("/static/", http.FileServerFS(static))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secure(w, r)
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if b, ok := html[r.URL.Path]; ok {
			servePage(w, r, b, http.StatusOK)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/static/") && !strings.HasSuffix(r.URL.Path, "/") {
			// Every file is versioned with the binary: revalidate (an
			// unchanged file answers 304 by its ETag); no directory listings.
			w.Header().Set("Cache-Control", "no-cache")
			if tag, ok := etags[strings.TrimPrefix(r.URL.Path, "/static/")]; ok {
				w.Header().Set("ETag", tag)
			}
			assets.ServeHTTP(w, r)
			return
		}
		servePage(w, r, missing, http.StatusNotFound)
	})
}

// etagsOf hashes every file of static: embedded files have no
// modification time, so their content names their version.
func etagsOf(static fs.FS) map[string]string {
	tags := map[string]string{}
	err := fs.WalkDir(static, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(static, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		tags[p] = `"` + hex.EncodeToString(sum[:12]) + `"`
		return nil
	})
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return tags
}

// secure sets the headers of every dashboard response. They follow
// Tailscale's safeweb for browser routes, and add what it leaves to the
// application: no framing (also for browsers without CSP level 2), a
// browsing context and resources of our own, no powerful features.
func secure(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
	if r.TLS != nil {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
}

func servePage(w http.ResponseWriter, r *http.Request, b []byte, status int) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(b)
	}
}
