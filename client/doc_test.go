package client_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// TestMessageFieldsDocumented: every field of every message type (a type
// with a MsgType method) and of the structs they contain is documented,
// by its own comment or by the comment of the field before it naming it
// ("MinMilliC and MaxMilliC are ..."), so that go doc shows what to put in.
func TestMessageFieldsDocumented(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parseDir(fset, ".", parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	structs := map[string]*ast.StructType{}
	var queue []string
	for _, p := range pkgs {
		for _, f := range p {
			for _, d := range f.Decls {
				switch d := d.(type) {
				case *ast.GenDecl:
					for _, s := range d.Specs {
						if ts, ok := s.(*ast.TypeSpec); ok {
							if st, ok := ts.Type.(*ast.StructType); ok {
								structs[ts.Name.Name] = st
							}
						}
					}
				case *ast.FuncDecl:
					if d.Name.Name == "MsgType" && d.Recv != nil {
						queue = append(queue, recvName(d.Recv.List[0].Type))
					}
				}
			}
		}
	}
	if len(queue) < 40 {
		t.Fatalf("found %d message types; the chain routes more", len(queue))
	}
	seen := map[string]bool{}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		st, ok := structs[name]
		if seen[name] || !ok {
			continue
		}
		seen[name] = true
		var lastDoc string
		for _, fl := range st.Fields.List {
			doc := fl.Doc.Text() + fl.Comment.Text()
			for _, n := range fl.Names {
				if doc == "" && !strings.Contains(lastDoc, n.Name) {
					t.Errorf("%s: field %s.%s has no comment", fset.Position(n.Pos()), name, n.Name)
				}
			}
			if doc != "" {
				lastDoc = doc
			}
			// The structs a message holds are part of what one fills in.
			ast.Inspect(fl.Type, func(n ast.Node) bool {
				if id, ok := n.(*ast.Ident); ok && structs[id.Name] != nil {
					queue = append(queue, id.Name)
				}
				return true
			})
		}
	}
}
