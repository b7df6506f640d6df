package client_test

import (
	"errors"
	"go/ast"
	"go/token"
	"strconv"
	"strings"
	"testing"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/chain"
)

// sdkCodes reads the SDK's error-code constants (Code...) from its source:
// name -> value.
func sdkCodes(t *testing.T) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parseDir(fset, ".", 0)
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]string{}
	for _, p := range pkgs {
		for _, f := range p {
			for _, d := range f.Decls {
				gd, ok := d.(*ast.GenDecl)
				if !ok || gd.Tok != token.CONST {
					continue
				}
				for _, s := range gd.Specs {
					vs := s.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if !strings.HasPrefix(n.Name, "Code") || i >= len(vs.Values) {
							continue
						}
						lit, ok := vs.Values[i].(*ast.BasicLit)
						if !ok || lit.Kind != token.STRING {
							t.Errorf("%s: %s is not a string literal", fset.Position(n.Pos()), n.Name)
							continue
						}
						codes[n.Name], _ = strconv.Unquote(lit.Value)
					}
				}
			}
		}
	}
	return codes
}

// constName is the SDK's name of a code: "identity.key_revoked" is
// CodeIdentityKeyRevoked.
func constName(id string) string {
	var b strings.Builder
	b.WriteString("Code")
	for _, w := range strings.FieldsFunc(id, func(r rune) bool { return r == '.' || r == '_' }) {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

// shortNames are the SDK's codes outside the Code+space+name rule: the
// two codes of a refused private read, by the names integrators test for
// (the API's own api.unauthenticated, and the chain's chain.not_entitled,
// also CodeChainNotEntitled). client's auth tests get them from a node.
var shortNames = map[string]string{
	"CodeUnauthenticated": "api.unauthenticated",
	"CodeNotEntitled":     "chain.not_entitled",
}

// TestCodesAreTheChains: the SDK has a constant for every code the chain
// reports, named after it, and none for a code the chain does not have
// (but shortNames).
func TestCodesAreTheChains(t *testing.T) {
	sdk := sdkCodes(t)
	chainIDs := map[string]bool{}
	for _, c := range chain.Codes() {
		chainIDs[c.ID()] = true
	}
	if len(chainIDs) == 0 {
		t.Fatal("chain.Codes() lists no codes")
	}
	for id := range chainIDs {
		name := constName(id)
		got, ok := sdk[name]
		switch {
		case !ok:
			t.Errorf("the chain has code %q; the SDK has no %s = %q", id, name, id)
		case got != id:
			t.Errorf("client.%s is %q, want %q", name, got, id)
		}
	}
	for name, want := range shortNames {
		if sdk[name] != want {
			t.Errorf("client.%s is %q, want %q", name, sdk[name], want)
		}
	}
	for name, v := range sdk {
		if _, short := shortNames[name]; short {
			continue
		}
		if !chainIDs[v] {
			t.Errorf("client.%s = %q, which the chain does not have", name, v)
		}
		if constName(v) != name {
			t.Errorf("client.%s = %q should be named %s", name, v, constName(v))
		}
	}
}

// IsCode matches the constants against an API error.
func TestIsCodeWithConstants(t *testing.T) {
	err := error(&client.Error{Status: 401, Code: client.CodeIdentityKeyRevoked})
	wrapped := errors.Join(errors.New("context"), err)
	if !client.IsCode(wrapped, client.CodeIdentityKeyRevoked) || client.IsCode(wrapped, client.CodeIdentityUnknownSigner) {
		t.Fatalf("IsCode(%v)", wrapped)
	}
}
