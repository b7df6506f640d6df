// Package browsertest gives tests a headless Chromium to drive with chromedp:
// it finds the browser, installs it from Debian's packages when it is missing
// (the test command, `go test ./...`, must not depend on a set-up step), starts
// it with the flags this machine's closed network needs, and collects what
// the pages print to the console, throw, or refuse under their
// Content-Security-Policy.
//
// It is for tests only. It never skips: a test that needs a browser and
// cannot get one fails, so CI cannot pass without running the pages.
package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// EnvPath names a browser binary to use instead of searching for one.
const EnvPath = "MEDCHAIN_CHROMIUM"

// names are the binaries searched on PATH, in order: Debian's
// chromium-headless-shell (smaller, no display code), then Debian's chromium.
var names = []string{"chromium-headless-shell", "chromium", "chromium-browser", "headless_shell", "google-chrome"}

// packages are the Debian packages tried in order when no browser is found.
var packages = [][]string{
	{"chromium-headless-shell", "fonts-dejavu-core"},
	{"chromium", "fonts-dejavu-core"},
}

var (
	once    sync.Once
	found   string
	findErr error
)

// Path returns the path of a headless Chromium, installing one when none is
// found. It fails t when it can do neither.
func Path(t testing.TB) string {
	t.Helper()
	once.Do(func() { found, findErr = findOrInstall(t) })
	if findErr != nil {
		t.Fatalf("browsertest: no headless Chromium: %v", findErr)
	}
	return found
}

func find() string {
	if p := os.Getenv(EnvPath); p != "" {
		return p
	}
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// findOrInstall looks for a browser and installs one when there is none,
// under a lock file, so that test binaries of several packages running at
// once install it only once.
func findOrInstall(t testing.TB) (string, error) {
	if p := find(); p != "" {
		return p, nil
	}
	lock, err := os.OpenFile(filepath.Join(os.TempDir(), "medchain-browsertest.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("lock %s: %w", lock.Name(), err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if p := find(); p != "" { // another package installed it meanwhile
		return p, nil
	}
	if os.Geteuid() != 0 {
		return "", fmt.Errorf("none of %v is on PATH and installing one needs root: run `apt-get install chromium-headless-shell` (or chromium), or set %s", names, EnvPath)
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		return "", fmt.Errorf("none of %v is on PATH and apt-get is missing: install Chromium or set %s", names, EnvPath)
	}
	t.Logf("browsertest: no headless Chromium found; installing it with apt-get (once per machine)")
	start := time.Now()
	var out bytes.Buffer
	// Wait for another apt-get (another helper, unattended upgrades)
	// rather than fail on its lock.
	apt := func(args ...string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "apt-get", append([]string{"-o", "DPkg::Lock::Timeout=600", "-q"}, args...)...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = &out, &out
		return cmd.Run()
	}
	var errs []string
	if err := apt("update"); err != nil {
		// The package lists may be recent enough: try the install anyway.
		errs = append(errs, fmt.Sprintf("apt-get update: %v", err))
	}
	for _, pkgs := range packages {
		if err := apt(append([]string{"install", "-y", "--no-install-recommends"}, pkgs...)...); err != nil {
			errs = append(errs, fmt.Sprintf("apt-get install %s: %v", strings.Join(pkgs, " "), err))
			continue
		}
		if p := find(); p != "" {
			t.Logf("browsertest: installed %s in %s", p, time.Since(start).Round(time.Second))
			return p, nil
		}
	}
	return "", fmt.Errorf("installing Chromium failed: %s\n%s", strings.Join(errs, "; "), tail(out.String()))
}

func tail(s string) string {
	if len(s) > 4000 {
		return "..." + s[len(s)-4000:]
	}
	return s
}

// Browser is a running headless Chromium and the problems its pages
// reported.
type Browser struct {
	ctx context.Context

	mu       sync.Mutex
	problems []string
}

// Start starts a headless Chromium for t, stopped when t ends, with a
// window of width × height CSS pixels. Every tab it opens reports console
// errors, uncaught exceptions and Content-Security-Policy violations to
// Problems.
func Start(t testing.TB, width, height int) *Browser {
	t.Helper()
	path := Path(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
		// Without these, Chromium calls Google's hosts at start, and this
		// machine's closed network refuses them (noise, and slow).
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("lang", "en-GB"),
	}
	opts = append(chromedp.DefaultExecAllocatorOptions[:], opts...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	b := &Browser{ctx: ctx}
	// The first Run starts the browser: not under a test's timeout.
	if _, err := chromedp.Run(ctx, chromedp.Title()); err != nil {
		t.Fatalf("browsertest: start %s: %v", path, err)
	}
	return b
}

// violationHook reports a CSP violation to the console as an error, besides
// the browser's own log entry, so both paths catch it.
const violationHook = `document.addEventListener("securitypolicyviolation", (e) =>
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber));`

// Tab opens a new tab, closed when t ends, whose console errors, exceptions
// and CSP violations go to Problems. Run chromedp actions on the returned
// context.
func (b *Browser) Tab(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	if err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var parts []string
				for _, a := range e.Args {
					if len(a.Value) > 0 {
						parts = append(parts, string(a.Value))
					} else {
						parts = append(parts, a.Description)
					}
				}
				b.report("console.%s: %s", e.Type, strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				msg += " " + d.Exception.Description
			}
			b.report("exception at %s:%d: %s", d.URL, d.LineNumber, msg)
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError || e.Entry.Level == log.EntryLevelWarning && e.Entry.Source == log.EntrySourceSecurity {
				b.report("browser log (%s, %s): %s %s", e.Entry.Source, e.Entry.Level, e.Entry.Text, e.Entry.URL)
			}
		}
	}); err != nil {
		t.Fatalf("browsertest: listen: %v", err)
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: violationHook}); err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	return ctx
}

func (b *Browser) report(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.problems = append(b.problems, fmt.Sprintf(format, args...))
}

// Problems returns the console errors, exceptions and CSP violations every
// tab reported so far, and forgets them.
func (b *Browser) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.problems
	b.problems = nil
	return p
}

// NoProblems fails t with every problem the pages reported since the last
// call.
func (b *Browser) NoProblems(t testing.TB, where string) {
	t.Helper()
	for _, p := range b.Problems() {
		t.Errorf("%s: %s", where, p)
	}
}

// Wait evaluates the JavaScript expression in the page of ctx until it is
// true, failing t after timeout with what. It polls from Go with
// Runtime.evaluate, which a page's CSP does not govern (chromedp.Poll
// compiles its predicate with new Function in the page, which a CSP
// without 'unsafe-eval' refuses, and reports as a violation).
func Wait(t testing.TB, ctx context.Context, what, expr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("Boolean("+expr+")"))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("browsertest: timed out after %s waiting for %s (%s): %v", timeout, what, expr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Screenshot saves a PNG of the whole page of ctx to dir/name.png and
// returns its path.
func Screenshot(t testing.TB, ctx context.Context, dir, name string) string {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("browsertest: screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
