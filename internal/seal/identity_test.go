package seal

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"filippo.io/age"
	cmted25519 "github.com/cometbft/cometbft/crypto/ed25519"
)

func TestLoadOrCreateIdentityPersists(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config", "custodian.age") // parent is created
	id, err := LoadOrCreateIdentity(path)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Errorf("identity file mode %04o, want 0600", mode)
	}
	di, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if mode := di.Mode().Perm(); mode != 0o700 {
		t.Errorf("created parent directory mode %04o, want 0700", mode)
	}
	// No temporary file is left behind.
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the identity file", len(entries))
	}
	// The file is in age-keygen format, with the public key as a comment.
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(content), "# public key: "+id.Recipient().String()+"\n") {
		t.Errorf("identity file lacks the public key comment:\n%s", content)
	}

	again, err := LoadOrCreateIdentity(path)
	if err != nil {
		t.Fatalf("reload: %v", err)
	}
	if again.String() != id.String() {
		t.Fatal("reloaded identity differs from the created one")
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(after, content) {
		t.Fatal("reloading rewrote the identity file")
	}

	// A key wrapped to the identity before a restart unwraps after it.
	_, key, err := Seal([]byte("record"))
	if err != nil {
		t.Fatal(err)
	}
	wrapped, err := Wrap(key, id.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	got, err := Unwrap(wrapped, again)
	if err != nil || !bytes.Equal(got, key) {
		t.Fatalf("unwrap with reloaded identity: %v", err)
	}
}

func TestLoadOrCreateIdentityReadsAgeKeygenFile(t *testing.T) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "key.txt")
	content := "# created: 2024-01-01T00:00:00Z\n# public key: " + id.Recipient().String() + "\n\n" + id.String() + "\n"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := LoadOrCreateIdentity(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != id.String() {
		t.Fatal("loaded a different identity")
	}
}

func TestLoadOrCreateIdentityCorrupt(t *testing.T) {
	valid, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	other, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	s := valid.String()
	// Change the last character (part of the Bech32 checksum) to another
	// valid Bech32 character.
	last := "Q"
	if strings.HasSuffix(s, "Q") {
		last = "P"
	}
	badChecksum := s[:len(s)-1] + last
	tests := []struct {
		name    string
		content string
	}{
		{"empty", ""},
		{"comments only", "# public key: age1xyz\n"},
		{"garbage", "hello world\n"},
		{"bad checksum", badChecksum + "\n"},
		{"truncated key", s[:len(s)/2] + "\n"},
		{"public key instead of secret", valid.Recipient().String() + "\n"},
		{"two identities", s + "\n" + other.String() + "\n"},
		{"binary", "\x00\xff\xfe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "custodian.age")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadOrCreateIdentity(path)
			if !errors.Is(err, ErrCorruptIdentity) {
				t.Fatalf("got %v, want ErrCorruptIdentity", err)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file", err)
			}
			if strings.Contains(err.Error(), "AGE-SECRET-KEY") {
				t.Errorf("error %q leaks key material", err)
			}
			// A corrupt file is never replaced by a new identity.
			after, _ := os.ReadFile(path)
			if string(after) != tt.content {
				t.Fatal("the corrupt file was modified")
			}
		})
	}
}

func TestLoadOrCreateIdentityConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "custodian.age")
	const n = 8
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			id, err := LoadOrCreateIdentity(path)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = id.String()
		})
	}
	wg.Wait()
	onDisk, err := LoadOrCreateIdentity(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range ids {
		if s != onDisk.String() {
			t.Fatalf("caller %d got an identity that is not the one on disk", i)
		}
	}
}

func TestLoadOrCreateIdentityUnreadableDir(t *testing.T) {
	// A path below a regular file cannot be created.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateIdentity(filepath.Join(file, "custodian.age")); err == nil {
		t.Fatal("got nil error")
	}
}

// CometBFT's Ed25519 keys, with which members and patients sign
// transactions, convert to the standard library types this package takes.
func TestCometBFTKeyConversion(t *testing.T) {
	cmtPriv := cmted25519.GenPrivKey()
	r, err := RecipientForEd25519(ed25519.PublicKey(cmtPriv.PubKey().Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	id, err := IdentityForEd25519(ed25519.PrivateKey(cmtPriv.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	_, key, err := Seal([]byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	wrapped, err := Wrap(key, r)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Unwrap(wrapped, id)
	if err != nil || !bytes.Equal(got, key) {
		t.Fatalf("Unwrap: %v", err)
	}
}
