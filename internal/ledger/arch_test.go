package ledger_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/medchain/medchain/internal/chain"
)

type pkg struct {
	ImportPath string
	Doc        string
	Imports    []string
	Name       string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", "github.com/medchain/medchain/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

const mod = "github.com/medchain/medchain/"

// moduleSet is the chain's module list (internal/chain/modules.go): the
// packages that hold business rules (docs/design.md §3.10).
func moduleSet(t *testing.T) map[string]bool {
	t.Helper()
	set := map[string]bool{}
	for _, p := range chain.ModulePackages() {
		set[p] = true
	}
	if len(set) == 0 {
		t.Fatal("the chain lists no modules")
	}
	return set
}

// TestModulesImportNoFrameworks: modules never import net/http, CometBFT, or
// each other; the pure packages import no module.
func TestModulesImportNoFrameworks(t *testing.T) {
	modules := moduleSet(t)
	for _, p := range listPackages(t) {
		pure := modules[p.ImportPath] || p.ImportPath == mod+"internal/tx" || p.ImportPath == mod+"internal/state" || p.ImportPath == mod+"internal/ledger"
		if !pure {
			continue
		}
		for _, imp := range p.Imports {
			switch {
			case imp == "net/http", strings.HasPrefix(imp, "github.com/cometbft/cometbft/abci"),
				strings.HasPrefix(imp, "github.com/cometbft/cometbft/node"), strings.HasPrefix(imp, "github.com/cometbft/cometbft/rpc"):
				t.Errorf("%s imports %s", p.ImportPath, imp)
			case modules[imp]:
				t.Errorf("%s imports module %s: declare an interface instead", p.ImportPath, imp)
			case strings.HasPrefix(imp, mod+"internal/") && (strings.HasSuffix(imp, "/api") || strings.HasSuffix(imp, "/node") || strings.HasSuffix(imp, "/chain") || strings.HasSuffix(imp, "/cli")):
				t.Errorf("%s imports %s", p.ImportPath, imp)
			}
		}
	}
}

// TestCLIUsesOnlyTheSDK: the CLI's client commands reach the node through
// client/, never through the API or chain packages.
func TestCLIUsesOnlyTheSDK(t *testing.T) {
	for _, p := range listPackages(t) {
		if p.ImportPath != mod+"internal/cli" {
			continue
		}
		for _, imp := range p.Imports {
			if imp == mod+"internal/api" || imp == mod+"internal/chain" || imp == mod+"internal/identity" {
				t.Errorf("internal/cli imports %s", imp)
			}
		}
	}
}

// TestEveryPackageHasADocComment says what each package is for.
func TestEveryPackageHasADocComment(t *testing.T) {
	for _, p := range listPackages(t) {
		if p.Name == "main" && strings.HasSuffix(p.ImportPath, "cmd/medchain") && p.Doc != "" {
			continue
		}
		if strings.TrimSpace(p.Doc) == "" {
			t.Errorf("%s has no package doc comment", p.ImportPath)
		}
	}
}
