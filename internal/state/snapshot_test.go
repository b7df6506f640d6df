package state

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

// TestSnapshotRebuildsTheTree: a version exported and imported into an
// empty store gives the same root hash and the same keys; a damaged stream
// or another hash is refused; a pinned version survives pruning.
func TestSnapshotRebuildsTheTree(t *testing.T) {
	src, err := Open(t.TempDir(), Options{KeepVersions: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for v := 1; v <= 3; v++ {
		w := src.Working()
		for i := 0; i < 200; i++ {
			w.Set([]byte(fmt.Sprintf("k/%03d/%d", i, v%2)), []byte(fmt.Sprintf("value %d at %d", i, v)))
		}
		w.Delete([]byte("k/007/0"))
		if _, _, err := src.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	version := src.Version()
	unpin := src.Pin(version)
	// Pruning goes on while the snapshot is written, and keeps it.
	for v := 0; v < 4; v++ {
		src.Working().Set([]byte("later"), []byte{byte(v)})
		if _, _, err := src.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	var stream bytes.Buffer
	if err := src.Export(version, &stream); err != nil {
		t.Fatal(err)
	}
	unpin()
	want, _ := src.At(version)

	h, err := SnapshotHash(version, bytes.NewReader(stream.Bytes()))
	if err != nil || !bytes.Equal(h, want.Hash()) {
		t.Fatalf("SnapshotHash = %X, %v; want %X", h, err, want.Hash())
	}
	dst, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if err := dst.Import(version, bytes.NewReader(stream.Bytes()), want.Hash()); err != nil {
		t.Fatal(err)
	}
	got := dst.Committed()
	if got.Version() != version || !bytes.Equal(got.Hash(), want.Hash()) {
		t.Fatalf("imported version %d hash %X, want %d %X", got.Version(), got.Hash(), version, want.Hash())
	}
	n := 0
	want.Iterate(nil, nil, func(k, v []byte) bool {
		n++
		if !bytes.Equal(got.Get(k), v) {
			t.Fatalf("key %q: %q after import, %q before", k, got.Get(k), v)
		}
		return true
	})
	if n < 200 {
		t.Fatalf("only %d keys", n)
	}
	// The imported store goes on committing.
	dst.Working().Set([]byte("next"), []byte("block"))
	if _, v, err := dst.Commit(); err != nil || v != version+1 {
		t.Fatalf("commit after import: version %d, %v", v, err)
	}

	// A damaged stream, or a stream of another tree, is refused.
	// Every byte matters: a flipped byte anywhere either fails to decode,
	// breaks the key order, or changes the root hash (inner nodes' keys are
	// not in their hashes: the order check catches those).
	for i := 0; i < stream.Len(); i += 7 {
		bad := bytes.Clone(stream.Bytes())
		bad[i] ^= 0x55
		if h, err := SnapshotHash(version, bytes.NewReader(bad)); err == nil && bytes.Equal(h, want.Hash()) {
			t.Fatalf("a stream with byte %d of %d changed rebuilt the tree", i, stream.Len())
		}
	}
	if _, err := SnapshotHash(version, bytes.NewReader(stream.Bytes()[:len(stream.Bytes())-3])); !errors.Is(err, ErrSnapshot) {
		t.Fatalf("a cut stream: %v", err)
	}
	other, _ := Open("", Options{})
	defer other.Close()
	if err := other.Import(version, bytes.NewReader(stream.Bytes()), []byte("not the hash")); !errors.Is(err, ErrSnapshot) {
		t.Fatalf("import under another hash: %v", err)
	}
}
