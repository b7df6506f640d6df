package chain

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/medchain/medchain/internal/ledger"
)

// The module platform's guard rails: one code table built from the module
// list without duplicates, a code for every exported error, events only
// through declared types, roles and organisation kinds only through
// ledger's constants.

const modulePath = "github.com/medchain/medchain/"

// moduleFiles parses the non-test Go files of each module of the list, by
// module name.
func moduleFiles(t *testing.T) map[string][]*ast.File {
	t.Helper()
	out := map[string][]*ast.File{}
	mods := modules(&directory{})
	for i, pkg := range ModulePackages() {
		dir := filepath.Join("..", "..", strings.TrimPrefix(pkg, modulePath))
		names, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(names) == 0 {
			t.Fatalf("module %s: no Go files in %s (%v)", pkg, dir, err)
		}
		fset := token.NewFileSet()
		for _, n := range names {
			if strings.HasSuffix(n, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, n, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			fileNames[f] = n
			out[mods[i].Name()] = append(out[mods[i].Name()], f)
		}
	}
	return out
}

type stubModule struct {
	ledger.NoGenesis
	name  string
	codes []ledger.ErrorCode
}

func (s stubModule) Name() string               { return s.name }
func (s stubModule) Routes() []ledger.Route     { return nil }
func (s stubModule) Codes() []ledger.ErrorCode  { return s.codes }
func (s stubModule) Events() []ledger.EventType { return nil }

func TestCodeTableRefusesDuplicates(t *testing.T) {
	errA, errB := errors.New("a"), errors.New("b")
	for name, mods := range map[string][]ledger.Module{
		"number twice": {stubModule{name: "m", codes: []ledger.ErrorCode{
			{Err: errA, Number: 1, Name: "a", Kind: ledger.KindInvalid}, {Err: errB, Number: 1, Name: "b", Kind: ledger.KindInvalid}}}},
		"name twice": {stubModule{name: "m", codes: []ledger.ErrorCode{
			{Err: errA, Number: 1, Name: "a", Kind: ledger.KindInvalid}, {Err: errB, Number: 2, Name: "a", Kind: ledger.KindInvalid}}}},
		"error twice, two modules": {
			stubModule{name: "m", codes: []ledger.ErrorCode{{Err: errA, Number: 1, Name: "a", Kind: ledger.KindInvalid}}},
			stubModule{name: "n", codes: []ledger.ErrorCode{{Err: errA, Number: 1, Name: "a", Kind: ledger.KindInvalid}}}},
		"module named chain": {stubModule{name: "chain"}},
		"a chain number":     {stubModule{name: "m", codes: []ledger.ErrorCode{{Err: errA, Number: 0, Name: "a", Kind: ledger.KindInvalid}}}},
		"no kind":            {stubModule{name: "m", codes: []ledger.ErrorCode{{Err: errA, Number: 3, Name: "a"}}}},
	} {
		if _, err := joinCodes(mods); err == nil {
			t.Errorf("%s: the table was built", name)
		}
	}
	if _, err := joinCodes(modules(&directory{})); err != nil {
		t.Fatalf("the real table: %v", err)
	}
}

// TestEveryExportedErrorHasACode: an exported Err… variable of a module
// that its Codes() does not list would reach clients as chain.internal.
func TestEveryExportedErrorHasACode(t *testing.T) {
	files := moduleFiles(t)
	for _, m := range modules(&directory{}) {
		var texts []string
		for _, c := range m.Codes() {
			texts = append(texts, c.Err.Error())
		}
		var declared []string
		for _, f := range files[m.Name()] {
			for _, d := range f.Decls {
				g, ok := d.(*ast.GenDecl)
				if !ok || g.Tok != token.VAR {
					continue
				}
				for _, spec := range g.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if !n.IsExported() || !strings.HasPrefix(n.Name, "Err") || i >= len(vs.Values) {
							continue
						}
						declared = append(declared, n.Name)
						lit := firstString(vs.Values[i])
						lit = strings.TrimPrefix(lit, "%w: ")
						if lit == "" || !slices.ContainsFunc(texts, func(s string) bool { return strings.HasSuffix(s, lit) }) {
							t.Errorf("%s.%s (%q) has no row in the module's Codes()", m.Name(), n.Name, lit)
						}
					}
				}
			}
		}
		if len(declared) != len(m.Codes()) {
			t.Errorf("%s declares %d exported errors %v but Codes() has %d rows", m.Name(), len(declared), declared, len(m.Codes()))
		}
	}
}

func firstString(e ast.Expr) string {
	var s string
	ast.Inspect(e, func(n ast.Node) bool {
		if b, ok := n.(*ast.BasicLit); ok && b.Kind == token.STRING && s == "" {
			s, _ = strconv.Unquote(b.Value)
		}
		return s == ""
	})
	return s
}

// TestEventsAreDeclared: each module declares its event types in events.go
// and lists every one in Events(); names are "module.event" and unique; no
// handler builds an event, an attribute or an event type inline, and Emit
// takes only EventType.New(...).
func TestEventsAreDeclared(t *testing.T) {
	files := moduleFiles(t)
	seen := map[string]bool{}
	for _, m := range modules(&directory{}) {
		for _, e := range m.Events() {
			if !strings.HasPrefix(e.Name, m.Name()+".") || seen[e.Name] {
				t.Errorf("event %q: names are %q and unique", e.Name, m.Name()+".<event>")
			}
			seen[e.Name] = true
			if e.Doc == "" || len(e.Attrs) == 0 {
				t.Errorf("event %s needs a Doc and its attribute keys", e.Name)
			}
		}
		declared := 0
		for _, f := range files[m.Name()] {
			name := filepath.Base(fileName(f))
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CompositeLit:
					switch typeName(n.Type) {
					case "ledger.EventType":
						if name != "events.go" {
							t.Errorf("%s: an EventType is declared outside events.go", name)
						}
						declared++
					case "ledger.Event", "ledger.Attr":
						t.Errorf("%s: a %s is built inline; use a declared EventType's New", name, typeName(n.Type))
					}
				case *ast.CallExpr:
					sel, ok := n.Fun.(*ast.SelectorExpr)
					if !ok || sel.Sel.Name != "Emit" || len(n.Args) != 1 {
						return true
					}
					call, ok := n.Args[0].(*ast.CallExpr)
					if s, isSel := callee(call); !ok || !isSel || s != "New" {
						t.Errorf("%s: Emit takes an event made by EventType.New", name)
					}
				}
				return true
			})
		}
		if declared != len(m.Events()) {
			t.Errorf("%s declares %d event types in events.go but Events() lists %d", m.Name(), declared, len(m.Events()))
		}
	}
}

// TestRolesAndKindsAreConstants: modules name roles and organisation kinds
// only through ledger's constants, which are all in ledger.Roles and
// ledger.OrgKinds, so a misspelt role cannot make a permission nobody
// holds.
func TestRolesAndKindsAreConstants(t *testing.T) {
	names := map[string]string{}
	for _, r := range ledger.Roles {
		names[string(r)] = "role"
	}
	for _, k := range ledger.OrgKinds {
		names[string(k)] = "organisation kind"
	}
	for mod, fs := range moduleFiles(t) {
		for _, f := range fs {
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.ValueSpec:
					// Attribute keys ("custodian", "lab") are names of
					// event attributes, not roles or kinds.
					if len(n.Names) == 1 && strings.HasPrefix(n.Names[0].Name, "Attr") {
						return false
					}
				case *ast.Field:
					return false // struct tags
				case *ast.BasicLit:
					if n.Kind != token.STRING {
						return true
					}
					s, _ := strconv.Unquote(n.Value)
					if what, ok := names[s]; ok {
						t.Errorf("%s (%s): the %s %q is spelled out; use ledger's constant", mod, filepath.Base(fileName(f)), what, s)
					}
				case *ast.CallExpr:
					if t2 := typeName(n.Fun); (t2 == "ledger.Role" || t2 == "ledger.OrgKind") && len(n.Args) == 1 {
						if _, lit := n.Args[0].(*ast.BasicLit); lit {
							t.Errorf("%s (%s): %s(literal); use ledger's constant", mod, filepath.Base(fileName(f)), t2)
						}
					}
				}
				return true
			})
		}
	}
}

// fileNames remembers each parsed file's path (ast.File has no name).
var fileNames = map[*ast.File]string{}

func fileName(f *ast.File) string {
	if n, ok := fileNames[f]; ok {
		return n
	}
	return f.Name.Name
}

func typeName(e ast.Expr) string {
	if sel, ok := e.(*ast.SelectorExpr); ok {
		if id, ok := sel.X.(*ast.Ident); ok {
			return id.Name + "." + sel.Sel.Name
		}
	}
	return ""
}

func callee(c *ast.CallExpr) (string, bool) {
	if c == nil {
		return "", false
	}
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok {
		return "", false
	}
	return sel.Sel.Name, true
}
