package keystore

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/armor"
)

const testWorkFactor = 10

func seedOf(b byte) []byte { return bytes.Repeat([]byte{b}, SeedSize) }

// newStore opens a fresh store in a temp dir with a fast work factor.
func newStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "keys", "keystore.json"))
	if err != nil {
		t.Fatal(err)
	}
	s.WorkFactor = testWorkFactor
	return s
}

func mustAdd(t *testing.T, s *Store, name string, seed []byte, pass string, dev bool) Entry {
	t.Helper()
	e, err := s.Add(name, seed, "", "", pass, dev)
	if err != nil {
		t.Fatalf("Add(%q): %v", name, err)
	}
	return e
}

func TestOpenMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "keystore.json")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if s.Path() != path {
		t.Errorf("Path() = %q, want %q", s.Path(), path)
	}
	if n := len(s.List()); n != 0 {
		t.Errorf("List() has %d entries, want 0", n)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open created the file (stat err %v)", err)
	}
}

func TestRoundTrip(t *testing.T) {
	s := newStore(t)
	seed := seedOf(7)
	added, err := s.Add("alice", seed, "id-alice", "clinic A", "correct horse", false)
	if err != nil {
		t.Fatal(err)
	}
	if added.Created.IsZero() || added.Dev {
		t.Errorf("unexpected entry %+v", added)
	}
	if _, err := s.Generate("bob", "", "random", "pw-bob"); err != nil {
		t.Fatal(err)
	}
	mustAdd(t, s, "carol", seedOf(9), "", true)
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}

	// Reopen with the default work factor: decryption must still work.
	s2, err := Open(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	list := s2.List()
	var names []string
	for _, e := range list {
		names = append(names, e.Name)
	}
	if got := strings.Join(names, ","); got != "alice,bob,carol" {
		t.Fatalf("List names = %s, want alice,bob,carol", got)
	}
	got, err := s2.Get("alice")
	if err != nil {
		t.Fatal(err)
	}
	if got != added {
		t.Errorf("Get after reopen = %+v, want %+v", got, added)
	}
	if !list[2].Dev || list[0].Dev || list[1].Dev {
		t.Errorf("dev flags wrong: %+v", list)
	}

	for _, tc := range []struct{ name, pass string }{
		{"alice", "correct horse"},
		{"bob", "pw-bob"},
		{"carol", "ignored"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key, err := s2.Key(tc.name, tc.pass)
			if err != nil {
				t.Fatal(err)
			}
			if len(key) != 64 {
				t.Fatalf("key is %d bytes, want 64", len(key))
			}
			e, _ := s2.Get(tc.name)
			pubBytes, err := hex.DecodeString(e.PublicKey)
			if err != nil {
				t.Fatal(err)
			}
			pub := ed25519.PublicKey(pubBytes)
			if !bytes.Equal(key.Public().(ed25519.PublicKey), pub) {
				t.Errorf("key's public key %X != listed %s", key.Public(), e.PublicKey)
			}
			msg := []byte("medchain tx body")
			sig := ed25519.Sign(key, msg)
			if !ed25519.Verify(pub, msg, sig) {
				t.Error("signature does not verify with listed public key")
			}
			if ed25519.Verify(pub, []byte("other"), sig) {
				t.Error("signature verifies for a different message")
			}
		})
	}

	exp, err := s2.Export("alice", "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if exp != hex.EncodeToString(seed) {
		t.Errorf("Export = %s, want %x", exp, seed)
	}
}

func TestWrongPassphrase(t *testing.T) {
	s := newStore(t)
	mustAdd(t, s, "alice", seedOf(1), "right", false)
	for _, pass := range []string{"wrong", "", "right "} {
		if _, err := s.Key("alice", pass); !errors.Is(err, ErrPassphrase) {
			t.Errorf("Key(%q) err = %v, want ErrPassphrase", pass, err)
		}
		if _, err := s.Export("alice", pass); !errors.Is(err, ErrPassphrase) {
			t.Errorf("Export(%q) err = %v, want ErrPassphrase", pass, err)
		}
	}
}

func TestNotFound(t *testing.T) {
	s := newStore(t)
	_, err := s.Get("nobody")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty store: err = %v, want ErrNotFound saying the keystore is empty", err)
	}
	mustAdd(t, s, "zed", seedOf(1), "", true)
	mustAdd(t, s, "amy", seedOf(2), "", true)

	calls := map[string]func() error{
		"Get":         func() error { _, err := s.Get("nobody"); return err },
		"Key":         func() error { _, err := s.Key("nobody", "x"); return err },
		"Export":      func() error { _, err := s.Export("nobody", "x"); return err },
		"SetIdentity": func() error { return s.SetIdentity("nobody", "id") },
		"Remove":      func() error { return s.Remove("nobody") },
	}
	for name, call := range calls {
		err := call()
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: err = %v, want ErrNotFound", name, err)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, `"nobody"`) || !strings.Contains(msg, "amy, zed") {
			t.Errorf("%s: error %q should name the missing key and list amy, zed", name, msg)
		}
	}
}

func TestDuplicates(t *testing.T) {
	s := newStore(t)
	mustAdd(t, s, "alice", seedOf(1), "pw", false)
	tests := []struct {
		desc string
		name string
		seed []byte
		dev  bool
	}{
		{"same name, other key", "alice", seedOf(2), false},
		{"same name, dev", "alice", seedOf(3), true},
		{"same key, other name", "alice2", seedOf(1), false},
		{"same key as dev", "alice3", seedOf(1), true},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			if _, err := s.Add(tc.name, tc.seed, "", "", "pw", tc.dev); !errors.Is(err, ErrExists) {
				t.Errorf("err = %v, want ErrExists", err)
			}
		})
	}
	if n := len(s.List()); n != 1 {
		t.Errorf("store has %d keys after rejected adds, want 1", n)
	}
}

func TestInvalidNames(t *testing.T) {
	s := newStore(t)
	tests := []struct {
		name string
		ok   bool
	}{
		{"alice", true},
		{"a", true},
		{"0node", true},
		{"dev.validator-1_b", true},
		{strings.Repeat("a", 64), true},
		{"", false},
		{strings.Repeat("a", 65), false},
		{"Alice", false},
		{"-alice", false},
		{".alice", false},
		{"_alice", false},
		{"al ice", false},
		{"al/ice", false},
		{"alice\n", false},
		{"émile", false},
	}
	for i, tc := range tests {
		_, err := s.Add(tc.name, seedOf(byte(i+1)), "", "", "", true)
		if tc.ok && err != nil {
			t.Errorf("Add(%q): unexpected error %v", tc.name, err)
		}
		if !tc.ok && !errors.Is(err, ErrInvalidName) {
			t.Errorf("Add(%q): err = %v, want ErrInvalidName", tc.name, err)
		}
	}
}

func TestAddErrors(t *testing.T) {
	s := newStore(t)
	if _, err := s.Add("a", seedOf(1), "", "", "", false); err == nil || !strings.Contains(err.Error(), "passphrase") {
		t.Errorf("empty passphrase for non-dev key: err = %v", err)
	}
	for _, n := range []int{0, 31, 33, 64} {
		if _, err := s.Add("a", make([]byte, n), "", "", "pw", false); err == nil {
			t.Errorf("seed of %d bytes accepted", n)
		}
	}
	s.WorkFactor = MaxWorkFactor + 1
	if _, err := s.Add("a", seedOf(1), "", "", "pw", false); err == nil {
		t.Error("out-of-range WorkFactor accepted")
	}
	if n := len(s.List()); n != 0 {
		t.Errorf("store has %d keys after failed adds, want 0", n)
	}
}

func TestDevKey(t *testing.T) {
	s := newStore(t)
	s.WorkFactor = 0 // dev keys must not use the (slow) default.
	seed := seedOf(5)
	e, err := s.Add("dev-alice", seed, "", "", "this is ignored", true)
	if err != nil {
		t.Fatal(err)
	}
	if !e.Dev {
		t.Error("entry not marked dev")
	}
	for _, pass := range []string{"", "wrong", DevPassphrase} {
		exp, err := s.Export("dev-alice", pass)
		if err != nil {
			t.Fatalf("Export(%q): %v", pass, err)
		}
		if exp != hex.EncodeToString(seed) {
			t.Errorf("Export(%q) = %s, want %x", pass, exp, seed)
		}
	}
	// The sealed blob is plain age: DevPassphrase opens it, and it was sealed
	// with work factor DevWorkFactor (a higher one would be refused here).
	id, err := age.NewScryptIdentity(DevPassphrase)
	if err != nil {
		t.Fatal(err)
	}
	id.SetMaxWorkFactor(DevWorkFactor)
	r, err := age.Decrypt(armor.NewReader(strings.NewReader(s.keys["dev-alice"].Sealed)), id)
	if err != nil {
		t.Fatalf("decrypting dev key with age: %v", err)
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), seed) {
		t.Error("age plaintext is not the seed")
	}
}

func TestSetIdentityAndRemovePersist(t *testing.T) {
	s := newStore(t)
	mustAdd(t, s, "alice", seedOf(1), "", true)
	mustAdd(t, s, "bob", seedOf(2), "", true)
	if err := s.SetIdentity("alice", "patient-42"); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove("bob"); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	list := s2.List()
	if len(list) != 1 || list[0].Name != "alice" || list[0].Identity != "patient-42" {
		t.Errorf("after reopen List() = %+v, want only alice with identity patient-42", list)
	}
	// The removed key's public key is free again.
	if _, err := s2.Add("bob2", seedOf(2), "", "", "", true); err != nil {
		t.Errorf("re-adding removed key: %v", err)
	}
}

func TestCorruptedFile(t *testing.T) {
	// A valid file to mutate.
	s := newStore(t)
	mustAdd(t, s, "alice", seedOf(1), "", true)
	mustAdd(t, s, "bob", seedOf(2), "", true)
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	valid, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	mutate := func(f func(*file)) []byte {
		var doc file
		if err := json.Unmarshal(valid, &doc); err != nil {
			t.Fatal(err)
		}
		f(&doc)
		b, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		desc string
		data []byte
		want string
	}{
		{"empty", nil, "empty"},
		{"not json", []byte("hello"), "JSON"},
		{"truncated", valid[:len(valid)/2], "JSON"},
		{"wrong version", mutate(func(f *file) { f.Version = 2 }), "version 2"},
		{"bad name", mutate(func(f *file) { f.Keys[0].Name = "Bad Name" }), `invalid name "Bad Name"`},
		{"dup name", mutate(func(f *file) { f.Keys[1].Name = "alice" }), "duplicate name"},
		{"short public key", mutate(func(f *file) { f.Keys[0].PublicKey = "abcd" }), "public_key"},
		{"non-hex public key", mutate(func(f *file) { f.Keys[0].PublicKey = strings.Repeat("zz", 32) }), "public_key"},
		{"dup public key", mutate(func(f *file) { f.Keys[1].PublicKey = f.Keys[0].PublicKey }), "same public_key"},
		{"bad created", mutate(func(f *file) { f.Keys[0].Created = "yesterday" }), "created"},
		{"seed in clear", mutate(func(f *file) { f.Keys[0].Sealed = hex.EncodeToString(seedOf(1)) }), "sealed"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "keystore.json")
			if err := os.WriteFile(path, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Open(path)
			if err == nil {
				t.Fatal("Open succeeded on a corrupted file")
			}
			if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q should name %s and contain %q", msg, path, tc.want)
			}
		})
	}

	// Swapped ciphertexts parse but must not yield a key that does not
	// match the listed public key.
	path := filepath.Join(t.TempDir(), "keystore.json")
	swapped := mutate(func(f *file) { f.Keys[0].Sealed, f.Keys[1].Sealed = f.Keys[1].Sealed, f.Keys[0].Sealed })
	if err := os.WriteFile(path, swapped, 0o600); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s2.Key("alice", "")
	if err == nil || errors.Is(err, ErrPassphrase) || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("swapped ciphertext: err = %v, want public key mismatch", err)
	}
}

func TestSeedNeverInPlaintext(t *testing.T) {
	s := newStore(t)
	seeds := map[string][]byte{"alice": seedOf(0xab), "bob": seedOf(0x5c)}
	mustAdd(t, s, "alice", seeds["alice"], "pw", false)
	mustAdd(t, s, "bob", seeds["bob"], "", true)
	gen, err := s.Generate("carol", "", "", "pw")
	if err != nil {
		t.Fatal(err)
	}
	exp, err := s.Export(gen.Name, "pw")
	if err != nil {
		t.Fatal(err)
	}
	seeds["carol"], _ = hex.DecodeString(exp)
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	for name, seed := range seeds {
		forms := map[string][]byte{
			"raw":       seed,
			"hex":       []byte(hex.EncodeToString(seed)),
			"HEX":       []byte(strings.ToUpper(hex.EncodeToString(seed))),
			"base64":    []byte(base64.StdEncoding.EncodeToString(seed)),
			"base64raw": []byte(base64.RawStdEncoding.EncodeToString(seed)),
			"half-hex":  []byte(hex.EncodeToString(seed[:16])),
		}
		for form, b := range forms {
			if bytes.Contains(data, b) {
				t.Errorf("seed of %s appears in the file as %s", name, form)
			}
		}
	}
}
