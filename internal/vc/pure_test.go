package vc

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestPure: the package reads no files, opens no connection, logs nothing
// and never reads the clock (doc.go).
func TestPure(t *testing.T) {
	banned := map[string]bool{"net": true, "net/http": true, "os": true, "io/fs": true, "log": true, "log/slog": true, "math/rand": true, "math/rand/v2": true, "crypto/rand": true}
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if banned[p] || strings.HasPrefix(p, "github.com/medchain/medchain/") {
				t.Errorf("%s imports %s", f, p)
			}
		}
		if strings.Contains(string(src), "time.Now") {
			t.Errorf("%s reads the clock", f)
		}
	}
}
