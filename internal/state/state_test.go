package state

import (
	"bytes"
	"fmt"
	"testing"
)

func TestCommitViewsAndProofs(t *testing.T) {
	db, err := Open("", Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := db.Working()
	w.Set([]byte("a/1"), []byte("one"))
	w.Set([]byte("a/2"), []byte("two"))
	working := db.WorkingHash()
	hash, v, err := db.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if v != 1 || !bytes.Equal(hash, working) {
		t.Fatalf("commit: version %d, hash %X, working hash was %X", v, hash, working)
	}
	w.Set([]byte("a/1"), []byte("uno"))
	if _, _, err := db.Commit(); err != nil {
		t.Fatal(err)
	}

	// The old view still reads the old value; the new one the new value.
	old, err := db.At(1)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(old.Get([]byte("a/1"))); got != "one" {
		t.Fatalf("version 1 a/1 = %q", got)
	}
	if got := string(db.Committed().Get([]byte("a/1"))); got != "uno" {
		t.Fatalf("latest a/1 = %q", got)
	}

	// Membership proof verifies against that version's hash only.
	val, proof, err := old.Prove([]byte("a/1"))
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyProof(old.Hash(), proof, []byte("a/1"), val); err != nil {
		t.Fatal(err)
	}
	if err := VerifyProof(db.Committed().Hash(), proof, []byte("a/1"), val); err == nil {
		t.Fatal("proof of version 1 verified against version 2's root")
	}
	if err := VerifyProof(old.Hash(), proof, []byte("a/1"), []byte("forged")); err == nil {
		t.Fatal("proof verified a forged value")
	}
	// Non-membership proof.
	val, proof, err = db.Committed().Prove([]byte("a/3"))
	if err != nil || val != nil {
		t.Fatalf("absent key: val %q err %v", val, err)
	}
	if err := VerifyProof(db.Committed().Hash(), proof, []byte("a/3"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.At(9); err == nil {
		t.Fatal("At(9) of a 2-version store succeeded")
	}
}

func TestReopenResumes(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		db.Working().Set([]byte(fmt.Sprintf("k%d", i)), []byte("v"))
		if _, _, err := db.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	db.Working().Set([]byte("uncommitted"), []byte("x"))
	hash := db.Hash()
	db.Close()

	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Version() != 3 || !bytes.Equal(db.Hash(), hash) {
		t.Fatalf("reopened at version %d hash %X, want 3 %X", db.Version(), db.Hash(), hash)
	}
	if db.Committed().Has([]byte("uncommitted")) {
		t.Fatal("uncommitted write survived a reopen")
	}
}

func TestPruning(t *testing.T) {
	db, _ := Open("", Options{KeepVersions: 2})
	for i := 0; i < 5; i++ {
		db.Working().Set([]byte("k"), []byte{byte(i)})
		if _, _, err := db.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.At(2); err == nil {
		t.Fatal("version 2 should be pruned when keeping 2 of 5")
	}
	if _, err := db.At(4); err != nil {
		t.Fatalf("version 4 should be kept: %v", err)
	}
}

func TestOverlayIsolationAndOrder(t *testing.T) {
	db, _ := Open("", Options{})
	w := db.Working()
	w.Set([]byte("b"), []byte("parent-b"))
	w.Set([]byte("d"), []byte("parent-d"))
	w.Set([]byte("f"), []byte("parent-f"))

	o := NewOverlay(w)
	o.Set([]byte("a"), []byte("new-a"))
	o.Set([]byte("d"), []byte("new-d"))
	o.Delete([]byte("f"))
	o.Set([]byte("g"), []byte("new-g"))

	var got []string
	o.Iterate(nil, nil, func(k, v []byte) bool {
		got = append(got, string(k)+"="+string(v))
		return true
	})
	want := "[a=new-a b=parent-b d=new-d g=new-g]"
	if fmt.Sprint(got) != want {
		t.Fatalf("merged iteration %v, want %v", got, want)
	}
	// Early stop.
	n := 0
	o.Iterate(nil, nil, func(k, v []byte) bool { n++; return n < 2 })
	if n != 2 {
		t.Fatalf("iteration did not stop: %d", n)
	}
	if string(w.Get([]byte("d"))) != "parent-d" {
		t.Fatal("overlay write leaked into parent before flush")
	}
	o.Flush(w)
	if string(w.Get([]byte("d"))) != "new-d" || w.Has([]byte("f")) || o.Len() != 0 {
		t.Fatal("flush did not apply writes and deletes")
	}
}

// Two overlays with the same writes in different orders produce the same root.
func TestOverlayFlushOrderIndependent(t *testing.T) {
	hash := func(order []int) []byte {
		db, _ := Open("", Options{})
		o := NewOverlay(db.Working())
		for _, i := range order {
			o.Set([]byte(fmt.Sprintf("key-%03d", i)), []byte("v"))
		}
		o.Flush(db.Working())
		return db.WorkingHash()
	}
	a := hash([]int{5, 1, 9, 3, 7, 0, 2, 8, 4, 6})
	b := hash([]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	if !bytes.Equal(a, b) {
		t.Fatalf("roots differ: %X vs %X", a, b)
	}
}

type rec struct {
	ID string `json:"id"`
	N  int64  `json:"n"`
}

// Prefixes are claimed once per process (at package initialisation, as
// modules do), so that the tests can run with -count.
var (
	testMap = NewMap[rec]("test", "test/map/")
	testIdx = NewIndex("test", "test/idx/")
	_       = RegisterPrefix("t1", "overlap/a/")
)

func TestMapAndIndex(t *testing.T) {
	m, x := testMap, testIdx
	db, _ := Open("", Options{})
	w := db.Working()
	for i := 0; i < 5; i++ {
		id := fmt.Sprintf("r%d", i)
		m.Set(w, id, rec{ID: id, N: int64(i)})
		x.Add(w, "grp", id)
	}
	if r, ok := m.Get(w, "r3"); !ok || r.N != 3 {
		t.Fatalf("get r3: %+v %v", r, ok)
	}
	if _, ok := m.Get(w, "nope"); ok {
		t.Fatal("absent id found")
	}
	page, next := m.Page(w, "", "", 2)
	if len(page) != 2 || next != "r1" {
		t.Fatalf("page 1: %v next %q", page, next)
	}
	page, next = m.Page(w, "", next, 10)
	if len(page) != 3 || page[0].ID != "r2" || next != "" {
		t.Fatalf("page 2: %v next %q", page, next)
	}
	var rest []string
	x.Walk(w, func(r string) bool { rest = append(rest, r); return true }, "grp")
	if fmt.Sprint(rest) != "[r0 r1 r2 r3 r4]" {
		t.Fatalf("index walk %v", rest)
	}
}

func TestRegisterPrefixRejectsOverlap(t *testing.T) {
	// overlap/a/ is claimed above.
	for _, p := range []string{"overlap/a/", "overlap/", "overlap/a/b/"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("prefix %q overlapping overlap/a/ was accepted", p)
				}
			}()
			RegisterPrefix("t2", p)
		}()
	}
}

func BenchmarkCommit1000RandomWrites(b *testing.B) {
	db, _ := Open(b.TempDir(), Options{KeepVersions: 10})
	defer db.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		o := NewOverlay(db.Working())
		for j := 0; j < 1000; j++ {
			o.Set([]byte(fmt.Sprintf("k/%08x", uint32(i*1000+j)*2654435761)), []byte("value-of-some-length-0123456789"))
		}
		o.Flush(db.Working())
		if _, _, err := db.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}

// Every Reader iterates alike: in order, all of a range, stopping when told.
func TestIterateSameOnEveryReader(t *testing.T) {
	db, _ := Open("", Options{})
	for i := 0; i < 5; i++ {
		db.Working().Set([]byte(fmt.Sprintf("it/%d", i)), []byte{byte(i)})
	}
	db.Working().Set([]byte("other"), []byte("x"))
	if _, _, err := db.Commit(); err != nil {
		t.Fatal(err)
	}
	readers := map[string]Reader{
		"working":   db.Working(),
		"committed": db.Committed(),
		"overlay":   NewOverlay(db.Committed()),
	}
	for name, r := range readers {
		var all []string
		r.Iterate([]byte("it/"), PrefixEnd([]byte("it/")), func(k, _ []byte) bool { all = append(all, string(k)); return true })
		if fmt.Sprint(all) != "[it/0 it/1 it/2 it/3 it/4]" {
			t.Errorf("%s: iterated %v", name, all)
		}
		n := 0
		r.Iterate([]byte("it/"), nil, func(k, _ []byte) bool { n++; return n < 3 })
		if n != 3 {
			t.Errorf("%s: did not stop after 3, saw %d", name, n)
		}
	}
}

// The fast index is a read accelerator only: switching it on or off between
// restarts changes neither what is read nor the root hash, and a stale index
// left by a node that ran without it is not trusted when it is switched on
// again.
func TestFastIndexTogglesSafely(t *testing.T) {
	dir := t.TempDir()
	var hashes [][]byte
	for round, fast := range []bool{true, false, true, false} {
		db, err := Open(dir, Options{FastIndex: fast})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		for r := range round {
			k := []byte(fmt.Sprintf("k%d", r))
			want := fmt.Sprintf("v%d", round-1)
			if r == round-1 {
				want = "new"
			}
			if got := string(db.Committed().Get(k)); got != want {
				t.Fatalf("round %d (fast %v): %s = %q, want %q", round, fast, k, got, want)
			}
		}
		if db.Committed().Has([]byte("gone")) {
			t.Fatalf("round %d: a deleted key reads as present", round)
		}
		w := db.Working()
		for r := range round {
			w.Set([]byte(fmt.Sprintf("k%d", r)), []byte(fmt.Sprintf("v%d", round)))
		}
		w.Set([]byte(fmt.Sprintf("k%d", round)), []byte("new"))
		w.Set([]byte("gone"), []byte("x"))
		w.Delete([]byte("gone"))
		h, _, err := db.Commit()
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, h)
		db.Close()
	}
	// The same writes without ever using the index give the same roots.
	ref, _ := Open("", Options{})
	for round := range 4 {
		w := ref.Working()
		for r := range round {
			w.Set([]byte(fmt.Sprintf("k%d", r)), []byte(fmt.Sprintf("v%d", round)))
		}
		w.Set([]byte(fmt.Sprintf("k%d", round)), []byte("new"))
		h, _, _ := ref.Commit()
		if !bytes.Equal(h, hashes[round]) {
			t.Fatalf("round %d: root %X, without the index %X", round, hashes[round], h)
		}
	}
}

// Parts may contain '/': the entries under one part never include those of
// a longer part that starts with it.
func TestIndexPartsWithSlashes(t *testing.T) {
	db, _ := Open("", Options{})
	w := db.Working()
	testIdx.Add(w, "01/x/21/A", "child-1")
	testIdx.Add(w, "01/x/21/A/B", "child-2")
	testIdx.Add(w, "01/x/21/A", "sub/child-3")
	var got []string
	testIdx.Walk(w, func(rest string) bool { got = append(got, rest); return true }, "01/x/21/A")
	if want := []string{"child-1", "sub/child-3"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("under 01/x/21/A: %q, want %q", got, want)
	}
	if !testIdx.Has(w, "01/x/21/A/B", "child-2") || testIdx.Has(w, "01/x/21/A", "B/child-2") {
		t.Fatal("Has confuses parts with '/' in them")
	}
}
