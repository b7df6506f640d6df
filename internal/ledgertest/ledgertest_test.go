package ledgertest_test

import (
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/medchain/medchain/internal/ledgertest"
)

// TestScripts runs the harness's own scripts: each command on the
// governance and identity modules, which the chain always has.
func TestScripts(t *testing.T) {
	ledgertest.Run(t, "testdata", ledgertest.WithQueries(map[string]ledgertest.Query{
		"member": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			m, ok := c.App().Identity().Member(c.View(), a["id"])
			if !ok {
				return nil, fmt.Errorf("no member %q", a["id"])
			}
			return m, nil
		},
		"height": func(c *ledgertest.Chain, _ ledgertest.Args) (any, error) {
			return map[string]any{"height": c.Height(), "time": c.Time()}, nil
		},
	}))
}

// TestOnlyTestsImportTheHarness: the harness imports testing and the
// datadriven library; no package's non-test code may link them in.
func TestOnlyTestsImportTheHarness(t *testing.T) {
	const self = "github.com/medchain/medchain/internal/ledgertest"
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "github.com/medchain/medchain/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if slices.Contains(f[1:], self) {
			t.Errorf("%s imports %s outside its tests", f[0], self)
		}
	}
}
