package blobstore

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

func openStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "blobstore"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func mustPut(t *testing.T, s *Store, data []byte) [32]byte {
	t.Helper()
	sum, err := s.Put(data)
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	return sum
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// files returns the regular files under root, relative to it, sorted.
func files(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(root, path)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func TestOpenCreatesPrivateDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Dir() != dir {
		t.Errorf("Dir() = %q, want %q", s.Dir(), dir)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode != 0o700 {
		t.Errorf("directory mode %04o, want 0700", mode)
	}
	// Reopening an existing store keeps its blobs.
	sum := mustPut(t, s, []byte("persisted"))
	s2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s2.Get(sum); err != nil || string(got) != "persisted" {
		t.Fatalf("reopened store: Get = %q, %v", got, err)
	}
}

func TestOpenOnAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(file); err == nil {
		t.Fatal("Open on a regular file: got nil error")
	}
}

func TestPutGet(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", []byte{}},
		{"one byte", []byte{0}},
		{"text", []byte("ciphertext of a record")},
		{"4 KiB", randomBytes(4096)},
		{"1 MiB", randomBytes(1 << 20)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t)
			sum := mustPut(t, s, tt.data)
			if want := sha256.Sum256(tt.data); sum != want {
				t.Fatalf("Put returned %x, want the SHA-256 %x", sum, want)
			}
			got, err := s.Get(sum)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if !bytes.Equal(got, tt.data) {
				t.Fatal("Get returned different bytes")
			}
			if !s.Has(sum) {
				t.Error("Has = false after Put")
			}
			size, err := s.Size(sum)
			if err != nil || size != int64(len(tt.data)) {
				t.Errorf("Size = %d, %v; want %d", size, err, len(tt.data))
			}
			// Sharded path: blobs/ab/abcdef…, mode 0600, nothing else.
			h := hex.EncodeToString(sum[:])
			want := []string{"blobs/" + h[:2] + "/" + h}
			if got := files(t, s.Dir()); !slices.Equal(got, want) {
				t.Fatalf("files on disk %q, want %q", got, want)
			}
			fi, err := os.Stat(filepath.Join(s.Dir(), "blobs", h[:2], h))
			if err != nil {
				t.Fatal(err)
			}
			if mode := fi.Mode().Perm(); mode != 0o600 {
				t.Errorf("blob file mode %04o, want 0600", mode)
			}
		})
	}
}

func TestPutIdempotent(t *testing.T) {
	s := openStore(t)
	data := []byte("same blob")
	sum1 := mustPut(t, s, data)
	before, err := os.Stat(filepath.Join(s.Dir(), "blobs", hex.EncodeToString(sum1[:1]), hex.EncodeToString(sum1[:])))
	if err != nil {
		t.Fatal(err)
	}
	sum2 := mustPut(t, s, bytes.Clone(data))
	if sum1 != sum2 {
		t.Fatal("second Put returned another hash")
	}
	after, err := os.Stat(filepath.Join(s.Dir(), "blobs", hex.EncodeToString(sum1[:1]), hex.EncodeToString(sum1[:])))
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) {
		t.Error("second Put rewrote an intact blob")
	}
	if n := len(files(t, s.Dir())); n != 1 {
		t.Errorf("%d files on disk, want 1", n)
	}
}

func TestNotFound(t *testing.T) {
	s := openStore(t)
	mustPut(t, s, []byte("another blob"))
	sum := sha256.Sum256([]byte("never stored"))
	if _, err := s.Get(sum); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get: got %v, want ErrNotFound", err)
	} else if !strings.Contains(err.Error(), hex.EncodeToString(sum[:])) {
		t.Errorf("Get error %q does not name the hash", err)
	}
	if s.Has(sum) {
		t.Error("Has = true for an absent blob")
	}
	if _, err := s.Size(sum); !errors.Is(err, ErrNotFound) {
		t.Errorf("Size: got %v, want ErrNotFound", err)
	}
	if _, err := s.Key(sum, "pt-1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Key: got %v, want ErrNotFound", err)
	}
	if keys, err := s.Keys(sum); err != nil || len(keys) != 0 {
		t.Errorf("Keys = %q, %v; want none", keys, err)
	}
	if err := s.PutKey(sum, "pt-1", []byte("wrapped")); !errors.Is(err, ErrNotFound) {
		t.Errorf("PutKey on an absent blob: got %v, want ErrNotFound", err)
	}
}

func TestCorruptBlob(t *testing.T) {
	data := randomBytes(1000)
	tests := []struct {
		name    string
		corrupt func(data []byte) []byte
	}{
		{"first byte flipped", func(d []byte) []byte { d[0] ^= 0x01; return d }},
		{"middle byte flipped", func(d []byte) []byte { d[500] ^= 0x80; return d }},
		{"last byte flipped", func(d []byte) []byte { d[len(d)-1] ^= 0xff; return d }},
		{"truncated", func(d []byte) []byte { return d[:len(d)-1] }},
		{"extended", func(d []byte) []byte { return append(d, 0) }},
		{"emptied", func(d []byte) []byte { return nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t)
			sum := mustPut(t, s, data)
			h := hex.EncodeToString(sum[:])
			path := filepath.Join(s.Dir(), "blobs", h[:2], h)
			onDisk, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, tt.corrupt(onDisk), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := s.Get(sum)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Get: got %v, want ErrCorrupt", err)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file", err)
			}
			if got != nil {
				t.Error("Get returned bytes along with ErrCorrupt")
			}
			// Putting the blob again repairs it.
			mustPut(t, s, data)
			if got, err := s.Get(sum); err != nil || !bytes.Equal(got, data) {
				t.Fatalf("after repair: Get = %v", err)
			}
		})
	}
}

func TestKeys(t *testing.T) {
	recipients := []struct {
		name string
		ok   bool
	}{
		{"pt-0a1b2c3d", true},
		{"hospital/dr-house", true},
		{"org:hospital", true},
		{"..", true},
		{".", true},
		{"../../../../etc/passwd", true},
		{"/etc/passwd", true},
		{"a\x00b", true},
		{"\x00", true},
		{`C:\Windows`, true},
		{"Dr. Müller", true},
		{".tmp-looks-temporary", true},
		{"UPPER", true},
		{"upper", true}, // distinct from "UPPER", even on case-insensitive file systems
		{strings.Repeat("x", MaxRecipientLen), true},
		{strings.Repeat("\xff", MaxRecipientLen), true},
		{"", false},
		{strings.Repeat("x", MaxRecipientLen+1), false},
	}
	s := openStore(t)
	sum := mustPut(t, s, []byte("blob"))
	var want []string
	for i, r := range recipients {
		wrapped := []byte(fmt.Sprintf("wrapped key %d", i))
		err := s.PutKey(sum, r.name, wrapped)
		if !r.ok {
			if !errors.Is(err, ErrInvalidRecipient) {
				t.Errorf("PutKey(%q): got %v, want ErrInvalidRecipient", r.name, err)
			}
			if _, err := s.Key(sum, r.name); !errors.Is(err, ErrInvalidRecipient) {
				t.Errorf("Key(%q): got %v, want ErrInvalidRecipient", r.name, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("PutKey(%q): %v", r.name, err)
		}
		want = append(want, r.name)
	}
	for i, r := range recipients {
		if !r.ok {
			continue
		}
		got, err := s.Key(sum, r.name)
		if err != nil {
			t.Fatalf("Key(%q): %v", r.name, err)
		}
		if w := fmt.Sprintf("wrapped key %d", i); string(got) != w {
			t.Fatalf("Key(%q) = %q, want %q", r.name, got, w)
		}
	}
	slices.Sort(want)
	got, err := s.Keys(sum)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Keys = %q, want %q", got, want)
	}

	// Every file stays in the store: the blob and one file per key in the
	// blob's key directory, each named with 0-9a-v only.
	h := hex.EncodeToString(sum[:])
	keyPrefix := "keys/" + h[:2] + "/" + h + "/"
	all := files(t, s.Dir())
	if len(all) != 1+len(want) {
		t.Fatalf("%d files in the store, want %d: %q", len(all), 1+len(want), all)
	}
	for _, f := range all {
		if f == "blobs/"+h[:2]+"/"+h {
			continue
		}
		name, ok := strings.CutPrefix(f, keyPrefix)
		if !ok || strings.Trim(name, "0123456789abcdefghijklmnopqrstuv") != "" {
			t.Errorf("unexpected file %q", f)
		}
	}
	if parent := files(t, filepath.Dir(s.Dir())); len(parent) != len(all) {
		t.Errorf("files outside the store: %q", parent)
	}
}

func TestPutKeyReplaces(t *testing.T) {
	s := openStore(t)
	sum := mustPut(t, s, []byte("blob"))
	for _, w := range []string{"first", "second"} {
		if err := s.PutKey(sum, "org:hospital", []byte(w)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Key(sum, "org:hospital")
	if err != nil || string(got) != "second" {
		t.Fatalf("Key = %q, %v; want the second key", got, err)
	}
	if keys, _ := s.Keys(sum); len(keys) != 1 {
		t.Fatalf("Keys = %q, want one", keys)
	}
}

func TestKeyErrors(t *testing.T) {
	s := openStore(t)
	sum := mustPut(t, s, []byte("blob"))
	if err := s.PutKey(sum, "pt-1", make([]byte, MaxWrappedKeySize+1)); !errors.Is(err, ErrKeyTooLarge) {
		t.Errorf("oversized key: got %v, want ErrKeyTooLarge", err)
	}
	if err := s.PutKey(sum, "pt-1", make([]byte, MaxWrappedKeySize)); err != nil {
		t.Errorf("key of the maximum size: %v", err)
	}
	if _, err := s.Key(sum, "pt-2"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Key for another recipient: got %v, want ErrNotFound", err)
	}
	// Keys are per blob.
	other := mustPut(t, s, []byte("other blob"))
	if _, err := s.Key(other, "pt-1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Key of another blob: got %v, want ErrNotFound", err)
	}
}

func TestKeysIgnoresForeignFiles(t *testing.T) {
	s := openStore(t)
	sum := mustPut(t, s, []byte("blob"))
	if err := s.PutKey(sum, "pt-1", []byte("w")); err != nil {
		t.Fatal(err)
	}
	h := hex.EncodeToString(sum[:])
	dir := filepath.Join(s.Dir(), "keys", h[:2], h)
	for _, name := range []string{".tmp-123", "NOT-BASE32", "z"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if keys, err := s.Keys(sum); err != nil || !slices.Equal(keys, []string{"pt-1"}) {
		t.Fatalf("Keys = %q, %v; want [pt-1]", keys, err)
	}
	// Shred removes them all the same.
	if err := s.Shred(sum); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("key directory still there after Shred: %v", err)
	}
}

func TestShred(t *testing.T) {
	s := openStore(t)
	keep := mustPut(t, s, []byte("kept record"))
	if err := s.PutKey(keep, "pt-keep", []byte("w")); err != nil {
		t.Fatal(err)
	}
	sum := mustPut(t, s, []byte("record to erase"))
	for _, r := range []string{"pt-0a1b", "org:hospital", "hospital/dr-house"} {
		if err := s.PutKey(sum, r, []byte("wrapped for "+r)); err != nil {
			t.Fatal(err)
		}
	}
	keptFiles := func() []string {
		var out []string
		h := hex.EncodeToString(keep[:])
		for _, f := range files(t, s.Dir()) {
			if strings.Contains(f, h) {
				out = append(out, f)
			}
		}
		return out
	}
	before := keptFiles()

	for i := range 2 { // the second Shred finds nothing to do
		if err := s.Shred(sum); err != nil {
			t.Fatalf("Shred #%d: %v", i+1, err)
		}
		if _, err := s.Get(sum); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get after Shred: got %v, want ErrNotFound", err)
		}
		if s.Has(sum) {
			t.Error("Has = true after Shred")
		}
		if keys, err := s.Keys(sum); err != nil || len(keys) != 0 {
			t.Errorf("Keys after Shred = %q, %v; want none", keys, err)
		}
		if _, err := s.Key(sum, "pt-0a1b"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Key after Shred: got %v, want ErrNotFound", err)
		}
		// On disk: no file or directory carries the shredded hash; the
		// other blob and its key are untouched.
		h := hex.EncodeToString(sum[:])
		filepath.WalkDir(s.Dir(), func(path string, d fs.DirEntry, err error) error {
			if strings.Contains(path, h) {
				t.Errorf("%s left on disk after Shred", path)
			}
			return nil
		})
		if got := keptFiles(); !slices.Equal(got, before) {
			t.Errorf("files of the other blob changed: %q, want %q", got, before)
		}
	}
	if err := s.PutKey(sum, "pt-0a1b", []byte("w")); !errors.Is(err, ErrNotFound) {
		t.Errorf("PutKey after Shred: got %v, want ErrNotFound", err)
	}
	// Shredding a hash never stored succeeds too.
	if err := s.Shred(sha256.Sum256([]byte("never stored"))); err != nil {
		t.Errorf("Shred of an absent blob: %v", err)
	}
}

func TestWalk(t *testing.T) {
	s := openStore(t)
	want := map[[32]byte]int64{}
	for i := range 50 {
		data := randomBytes(i * 10)
		want[mustPut(t, s, data)] = int64(len(data))
	}
	// Foreign and temporary files, as a crash would leave, are skipped.
	for _, p := range []string{"blobs/zz/x", "blobs/ab/.tmp-1234", "blobs/ab/" + strings.Repeat("c", 64), "blobs/README"} {
		full := filepath.Join(s.Dir(), filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(full), 0o700)
		if err := os.WriteFile(full, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	got := map[[32]byte]int64{}
	var order [][32]byte
	err := s.Walk(func(sum [32]byte, size int64) error {
		got[sum] = size
		order = append(order, sum)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("Walk visited %d blobs, want %d", len(got), len(want))
	}
	for sum, size := range want {
		if got[sum] != size {
			t.Errorf("blob %x: size %d, want %d", sum, got[sum], size)
		}
	}
	if !slices.IsSortedFunc(order, func(a, b [32]byte) int { return bytes.Compare(a[:], b[:]) }) {
		t.Error("Walk did not visit blobs in order of hash")
	}

	// fs.SkipAll stops early without error; other errors are returned.
	n := 0
	if err := s.Walk(func([32]byte, int64) error { n++; return fs.SkipAll }); err != nil || n != 1 {
		t.Errorf("SkipAll: visited %d, err %v; want 1, nil", n, err)
	}
	boom := errors.New("boom")
	if err := s.Walk(func([32]byte, int64) error { return boom }); err != boom {
		t.Errorf("Walk returned %v, want fn's error", err)
	}

	// fn may use the store, here to shred every blob.
	if err := s.Walk(func(sum [32]byte, _ int64) error { return s.Shred(sum) }); err != nil {
		t.Fatal(err)
	}
	n = 0
	s.Walk(func([32]byte, int64) error { n++; return nil })
	if n != 0 {
		t.Errorf("%d blobs left after shredding all", n)
	}
}

// TestConcurrent runs Put, Get, PutKey, Keys and Shred of the same and of
// different blobs from many goroutines; run it with -race.
func TestConcurrent(t *testing.T) {
	s := openStore(t)
	const (
		workers = 16
		rounds  = 40
	)
	shared := [][]byte{[]byte("shared blob A"), []byte("shared blob B")}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			own := []byte(fmt.Sprintf("private blob of worker %d", w))
			for i := range rounds {
				for _, data := range append(shared, own) {
					sum, err := s.Put(data)
					if err != nil {
						t.Errorf("Put: %v", err)
						return
					}
					// Another worker may shred the shared blob at any
					// time: Get returns it intact or not at all.
					got, err := s.Get(sum)
					switch {
					case err == nil && !bytes.Equal(got, data):
						t.Errorf("Get returned wrong bytes")
					case err != nil && !errors.Is(err, ErrNotFound):
						t.Errorf("Get: %v", err)
					}
					recipient := fmt.Sprintf("worker/%d", w)
					if err := s.PutKey(sum, recipient, []byte("k")); err != nil && !errors.Is(err, ErrNotFound) {
						t.Errorf("PutKey: %v", err)
					}
					if _, err := s.Keys(sum); err != nil {
						t.Errorf("Keys: %v", err)
					}
					if _, err := s.Key(sum, recipient); err != nil && !errors.Is(err, ErrNotFound) {
						t.Errorf("Key: %v", err)
					}
					s.Has(sum)
					if _, err := s.Size(sum); err != nil && !errors.Is(err, ErrNotFound) {
						t.Errorf("Size: %v", err)
					}
					if (i+w)%3 == 0 {
						if err := s.Shred(sum); err != nil {
							t.Errorf("Shred: %v", err)
						}
					}
				}
			}
		})
	}
	// Walk concurrently with the writers.
	wg.Go(func() {
		for range rounds {
			if err := s.Walk(func([32]byte, int64) error { return nil }); err != nil {
				t.Errorf("Walk: %v", err)
			}
		}
	})
	wg.Wait()

	// Every blob left is intact; after shredding all, no key and no blob
	// remain on disk (no key outlived its blob), and no temporary file.
	err := s.Walk(func(sum [32]byte, _ int64) error {
		if _, err := s.Get(sum); err != nil {
			t.Errorf("Get after the concurrent run: %v", err)
		}
		return s.Shred(sum)
	})
	if err != nil {
		t.Fatal(err)
	}
	if left := files(t, s.Dir()); len(left) != 0 {
		t.Fatalf("files left after shredding every blob: %q", left)
	}
}

func BenchmarkPut4KiB(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	data := randomBytes(4096)
	b.SetBytes(int64(len(data)))
	i := 0
	for b.Loop() {
		i++
		copy(data, fmt.Sprint(i)) // a new blob each time
		if _, err := s.Put(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGet4KiB(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	data := randomBytes(4096)
	sum, err := s.Put(data)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := s.Get(sum); err != nil {
			b.Fatal(err)
		}
	}
}

func TestNotARegularFile(t *testing.T) {
	s := openStore(t)
	data := []byte("blob")
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:])
	if err := os.MkdirAll(filepath.Join(s.Dir(), "blobs", h[:2], h), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Size(sum); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Size: got %v, want ErrCorrupt", err)
	}
	if s.Has(sum) {
		t.Error("Has = true for a directory")
	}
	_, err := s.Get(sum)
	if err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("Get: got %v, want an error other than ErrNotFound", err)
	}
	_, err = s.Put(data)
	if err == nil {
		t.Error("Put over a directory: got nil error")
	}
}

// TestErrorMessages: every error says what failed on which blob, once.
func TestErrorMessages(t *testing.T) {
	s := openStore(t)
	sum := sha256.Sum256([]byte("absent"))
	_, getErr := s.Get(sum)
	_, sizeErr := s.Size(sum)
	_, keyErr := s.Key(sum, "pt-1")
	_, badKeyErr := s.Key(sum, "")
	for name, err := range map[string]error{
		"Get":                   getErr,
		"Size":                  sizeErr,
		"Key":                   keyErr,
		"Key, bad recipient":    badKeyErr,
		"PutKey, absent blob":   s.PutKey(sum, "pt-1", nil),
		"PutKey, bad recipient": s.PutKey(sum, "", nil),
		"PutKey, too large":     s.PutKey(sum, "pt-1", make([]byte, MaxWrappedKeySize+1)),
	} {
		if err == nil {
			t.Errorf("%s: got nil error", name)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, hex.EncodeToString(sum[:])) {
			t.Errorf("%s: %q does not name the blob", name, msg)
		}
		if n := strings.Count(msg, "blobstore:"); n != 1 {
			t.Errorf("%s: %q says \"blobstore:\" %d times", name, msg, n)
		}
	}
}
