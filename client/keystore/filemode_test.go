//go:build unix

package keystore

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFileMode(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "newdir")
	path := filepath.Join(dir, "keystore.json")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	mustAdd(t, s, "alice", seedOf(1), "", true)
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	checkMode := func(p string, want os.FileMode) {
		t.Helper()
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s mode = %o, want %o", p, got, want)
		}
	}
	checkMode(path, 0o600)
	checkMode(dir, 0o700)

	// An existing file with loose permissions is replaced by a 0600 one.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	checkMode(path, 0o600)

	// No temp files are left behind.
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 {
		t.Errorf("dir has %d entries after Save, want 1", len(ents))
	}
}
