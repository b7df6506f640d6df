package browsertest

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// AxeVersion is the axe-core release the accessibility checks run, taken
// from the npm registry once per machine (Deque's engine, behind
// Lighthouse's accessibility audit).
const AxeVersion = "4.14.1"

var (
	axeOnce sync.Once
	axeJS   []byte
	axeErr  error
)

// axeSource returns axe.min.js, from the user's cache or, the first time,
// from the npm registry (`npm pack axe-core@AxeVersion`, which checks the
// registry's integrity hash). It fails t when neither works: an
// accessibility check never skips.
func axeSource(t testing.TB) []byte {
	t.Helper()
	axeOnce.Do(func() { axeJS, axeErr = loadAxe() })
	if axeErr != nil {
		t.Fatalf("browsertest: axe-core %s: %v", AxeVersion, axeErr)
	}
	return axeJS
}

func loadAxe() ([]byte, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "medchain-test", "axe-core-"+AxeVersion)
	file := filepath.Join(dir, "axe.min.js")
	if b, err := os.ReadFile(file); err == nil {
		return b, nil
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return nil, errors.New("npm is not installed: install Node.js and npm (Debian: apt-get install nodejs npm) to run the accessibility checks")
	}
	tmp, err := os.MkdirTemp("", "axe-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command(npm, "pack", "--silent", "axe-core@"+AxeVersion)
	cmd.Dir = tmp
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("npm pack axe-core@%s: %v\n%s", AxeVersion, err, out)
	}
	b, err := fromTarball(filepath.Join(tmp, "axe-core-"+AxeVersion+".tgz"), "package/axe.min.js")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	part := file + ".part"
	if err := os.WriteFile(part, b, 0o644); err != nil {
		return nil, err
	}
	return b, os.Rename(part, file)
}

func fromTarball(path, name string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(z)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil, fmt.Errorf("%s has no %s", path, name)
		}
		if err != nil {
			return nil, err
		}
		if h.Name == name {
			return io.ReadAll(io.LimitReader(tr, 16<<20))
		}
	}
}

// Violation is one rule of axe-core the page breaks.
type Violation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// Accessible runs axe-core (WCAG 2.x A and AA rules and best practices) on
// the page of ctx as it is now and fails t for every serious or critical
// violation; it returns every violation found, the minor and moderate ones
// included, for the caller to log. axe is evaluated through DevTools,
// which the page's CSP does not govern: the page itself loads nothing new.
func Accessible(t testing.TB, ctx context.Context, where string) []Violation {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](string(axeSource(t)))); err != nil {
		t.Fatalf("browsertest: load axe-core: %v", err)
	}
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ["violations"]}).then((r) =>
  JSON.stringify(r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" "))}))))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("browsertest: axe.run on %s: %v", where, err)
	}
	var vs []Violation
	if err := json.Unmarshal([]byte(s), &vs); err != nil {
		t.Fatalf("browsertest: axe result %q: %v", s, err)
	}
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Errorf("%s: accessibility (%s, %s): %s at %v", where, v.ID, v.Impact, v.Help, v.Nodes)
		} else {
			t.Logf("%s: accessibility (%s, %s): %s at %v", where, v.ID, v.Impact, v.Help, v.Nodes)
		}
	}
	return vs
}
