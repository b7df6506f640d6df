package client_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// forbidden are the packages (and everything below them) the SDK must not
// depend on: the node's storage, rules and document engines and CometBFT's
// node side. Integrators import the SDK; they must not build a node.
var forbidden = []string{
	"github.com/cosmos/iavl",
	"github.com/syndtr/goleveldb",
	"cel.dev/cel-go",
	"github.com/google/cel-go",
	"github.com/santhosh-tekuri/jsonschema",
	"github.com/google/fhir",
	"github.com/cometbft/cometbft/abci",
	"github.com/cometbft/cometbft/node",
	"github.com/cometbft/cometbft/rpc",
	"github.com/cometbft/cometbft/state",
	"github.com/cometbft/cometbft/store",
	"github.com/cometbft/cometbft/mempool",
	"github.com/cometbft/cometbft/consensus",
}

// allowedInternal are the only internal packages the SDK may use: small
// helpers that keep one copy of a wire rule (the envelope and the strict
// JSON it is decoded with, record decryption, item IDs). A module's package
// would bring the node with it.
var allowedInternal = []string{
	"github.com/medchain/medchain/internal/gs1",
	"github.com/medchain/medchain/internal/itemid",
	"github.com/medchain/medchain/internal/jsondec",
	"github.com/medchain/medchain/internal/seal",
	"github.com/medchain/medchain/internal/tx",
	"github.com/medchain/medchain/internal/vc",
}

// lightForbidden is forbidden for client/light, the light-client verifier:
// it needs CometBFT's light client, RPC client and types (and with them
// cometbft-db and its ABCI types), but not the node.
var lightForbidden = []string{
	"github.com/cosmos/iavl",
	"cel.dev/cel-go",
	"github.com/google/cel-go",
	"github.com/santhosh-tekuri/jsonschema",
	"github.com/google/fhir",
	"github.com/cometbft/cometbft/node",
	"github.com/cometbft/cometbft/state",
	"github.com/cometbft/cometbft/store",
	"github.com/cometbft/cometbft/mempool",
	"github.com/cometbft/cometbft/consensus",
}

// TestDependencies fails when the SDK (client and client/keystore) depends
// on a forbidden package or an internal package beyond allowedInternal, in
// the manner of Tailscale's tstest/deptest; client/light, likewise on one
// of lightForbidden.
func TestDependencies(t *testing.T) {
	for pkg, forbidden := range map[string][]string{
		"github.com/medchain/medchain/client":          forbidden,
		"github.com/medchain/medchain/client/keystore": forbidden,
		"github.com/medchain/medchain/client/light":    lightForbidden,
	} {
		cmd := exec.Command(goTool(t), "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", pkg)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		deps := strings.Fields(string(out))
		if len(deps) == 0 {
			t.Fatalf("go list -deps %s listed nothing", pkg)
		}
		for _, dep := range deps {
			for _, f := range forbidden {
				if dep == f || strings.HasPrefix(dep, f+"/") {
					t.Errorf("%s depends on %s (forbidden: %s)", pkg, dep, f)
				}
			}
			if strings.Contains(dep, "/medchain/internal/") && !slices.Contains(allowedInternal, dep) {
				t.Errorf("%s depends on %s: the SDK may use only the internal packages %v", pkg, dep, allowedInternal)
			}
		}
	}
}

func goTool(t *testing.T) string {
	p, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go tool to list dependencies with: %v", err)
	}
	return p
}

// TestNoInternalTypeInAPI: no exported declaration of the SDK names a type
// of an internal package, so that integrators never hold a type they
// cannot import (and the chain's types can change behind the SDK).
func TestNoInternalTypeInAPI(t *testing.T) {
	for _, dir := range []string{".", "keystore", "light"} {
		fset := token.NewFileSet()
		pkgs, err := parseDir(fset, dir, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pkgs {
			for _, f := range p {
				internal := map[string]string{} // local name -> import path
				for _, imp := range f.Imports {
					path, _ := strconv.Unquote(imp.Path.Value)
					if !strings.Contains(path, "/internal/") {
						continue
					}
					local := path[strings.LastIndex(path, "/")+1:]
					if imp.Name != nil {
						local = imp.Name.Name
					}
					internal[local] = path
				}
				for _, n := range exportedTypeExprs(f) {
					ast.Inspect(n, func(n ast.Node) bool {
						sel, ok := n.(*ast.SelectorExpr)
						if !ok {
							return true
						}
						if x, ok := sel.X.(*ast.Ident); ok && internal[x.Name] != "" {
							t.Errorf("%s: the exported API names %s.%s, a type of %s", fset.Position(sel.Pos()), x.Name, sel.Sel.Name, internal[x.Name])
						}
						return true
					})
				}
			}
		}
	}
}

// exportedTypeExprs returns the parts of f's exported declarations that
// name types: signatures of exported functions and methods of exported
// types, exported types' definitions (their exported fields), and the
// types of exported variables and constants.
func exportedTypeExprs(f *ast.File) []ast.Node {
	var out []ast.Node
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() {
				continue
			}
			if d.Recv != nil && !ast.IsExported(recvName(d.Recv.List[0].Type)) {
				continue
			}
			out = append(out, d.Type)
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					if !s.Name.IsExported() {
						continue
					}
					if st, ok := s.Type.(*ast.StructType); ok {
						for _, fl := range st.Fields.List {
							if len(fl.Names) == 0 || slices.ContainsFunc(fl.Names, func(n *ast.Ident) bool { return n.IsExported() }) {
								out = append(out, fl.Type)
							}
						}
						continue
					}
					out = append(out, s.Type)
				case *ast.ValueSpec:
					if slices.ContainsFunc(s.Names, func(n *ast.Ident) bool { return n.IsExported() }) {
						if s.Type != nil {
							out = append(out, s.Type)
						}
						for _, v := range s.Values {
							out = append(out, v)
						}
					}
				}
			}
		}
	}
	return out
}

func recvName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return recvName(e.X)
	case *ast.IndexExpr:
		return recvName(e.X)
	case *ast.Ident:
		return e.Name
	}
	return ""
}

// parseDir parses the package's non-test Go files in dir (one package: the
// SDK's), as a list of one package's files.
func parseDir(fset *token.FileSet, dir string, mode parser.Mode) ([][]*ast.File, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	var files []*ast.File
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, n, nil, mode)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return [][]*ast.File{files}, nil
}
