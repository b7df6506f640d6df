package state

import (
	"bytes"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/syndtr/goleveldb/leveldb"
)

// hot is read-indexed; cold (a neighbour, sorting right after it) is not.
var (
	hotMap  = NewMap[int]("test-readindex", "ri/hot/").ReadIndexed()
	coldMap = NewMap[int]("test-readindex", "ri/hou/")
)

// model is what the tree should hold: key -> value.
type model map[string]int

func (m model) keysUnder(prefix string) []string {
	var ks []string
	for k := range m {
		if strings.HasPrefix(k, prefix) {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	return ks
}

// randomBlock writes, deletes and rewrites keys of both maps, some twice.
func randomBlock(rng *rand.Rand, w Store, m model, n int) {
	for range n {
		id := fmt.Sprintf("%03d", rng.IntN(200))
		mp, prefix := hotMap, "ri/hot/"
		if rng.IntN(3) == 0 {
			mp, prefix = coldMap, "ri/hou/"
		}
		if rng.IntN(4) == 0 {
			mp.Delete(w, id)
			delete(m, prefix+id)
		} else {
			v := rng.IntN(1000)
			mp.Set(w, id, v)
			m[prefix+id] = v
		}
	}
}

// checkView compares every read of v with the model: gets of present and
// absent keys, whole-prefix walks and sub-range scans.
func checkView(t *testing.T, v *View, m model) {
	t.Helper()
	for i := range 200 {
		id := fmt.Sprintf("%03d", i)
		for _, p := range []struct {
			mp     Map[int]
			prefix string
		}{{hotMap, "ri/hot/"}, {coldMap, "ri/hou/"}} {
			want, present := m[p.prefix+id]
			got, ok := p.mp.Get(v, id)
			if ok != present || got != want {
				t.Fatalf("version %d: %s%s = %d, %v; want %d, %v", v.Version(), p.prefix, id, got, ok, want, present)
			}
		}
	}
	for _, sub := range []string{"", "0", "05", "1", "19"} {
		var got []string
		hotMap.Walk(v, sub, func(id string, val int) bool {
			got = append(got, fmt.Sprintf("ri/hot/%s=%d", id, val))
			return true
		})
		var want []string
		for _, k := range m.keysUnder("ri/hot/" + sub) {
			want = append(want, fmt.Sprintf("%s=%d", k, m[k]))
		}
		if !slices.Equal(got, want) {
			t.Fatalf("version %d: walk %q = %v, want %v", v.Version(), sub, got, want)
		}
	}
	// A scan across both prefixes is answered by the tree, and agrees.
	var all []string
	v.Iterate([]byte("ri/"), PrefixEnd([]byte("ri/")), func(k, _ []byte) bool {
		all = append(all, string(k))
		return true
	})
	if want := m.keysUnder("ri/"); !slices.Equal(all, want) {
		t.Fatalf("version %d: scan of ri/ = %d keys, want %d", v.Version(), len(all), len(want))
	}
}

func TestReadIndexAnswersAsTheTree(t *testing.T) {
	for _, dir := range []string{"", t.TempDir()} {
		db, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if db.idx == nil {
			t.Fatal("no read index although ri/hot/ is read-indexed")
		}
		rng := rand.New(rand.NewPCG(7, 11))
		m := model{}
		type kept struct {
			v *View
			m model
		}
		var views []kept
		for range 30 {
			// A rolled-back block's writes never reach the index.
			before := maps(m)
			randomBlock(rng, db.Working(), m, 40)
			db.Rollback()
			m = before
			randomBlock(rng, db.Working(), m, 40)
			if _, _, err := db.Commit(); err != nil {
				t.Fatal(err)
			}
			v := db.Committed()
			if v.snap == nil {
				t.Fatalf("version %d has no read index snapshot", v.Version())
			}
			checkView(t, v, m)
			views = append(views, kept{v, maps(m)})
		}
		// Older views keep answering for their version: the recent ones
		// from their snapshots, the older ones (snapshot released) from the
		// tree.
		for _, k := range views {
			checkView(t, k.v, k.m)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func maps(m model) model {
	c := model{}
	for k, v := range m {
		c[k] = v
	}
	return c
}

// logSink records what a store logs.
type logSink struct{ bytes.Buffer }

func (l *logSink) logger() *slog.Logger { return slog.New(slog.NewTextHandler(&l.Buffer, nil)) }

func TestReadIndexRebuiltWhenItDoesNotMatch(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(3, 5))
	m := model{}
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		randomBlock(rng, db.Working(), m, 50)
		if _, _, err := db.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	reopen := func(what string, opts Options, wantRebuild bool) *DB {
		t.Helper()
		var log logSink
		opts.Logger = log.logger()
		db, err := Open(dir, opts)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		rebuilt := strings.Contains(log.String(), "read index rebuilt")
		if rebuilt != wantRebuild {
			t.Fatalf("%s: rebuilt = %v, want %v (log: %s)", what, rebuilt, wantRebuild, log.String())
		}
		if !opts.FastIndex {
			checkView(t, db.Committed(), m)
		}
		return db
	}
	reopen("clean", Options{}, false).Close()

	// The process stopped after the tree saved a version and before the
	// index did: the index is a version behind, and stale.
	db = reopen("clean", Options{}, false)
	idx := db.idx
	db.idx = nil // the next commit skips the index
	randomBlock(rng, db.Working(), m, 50)
	if _, _, err := db.Commit(); err != nil {
		t.Fatal(err)
	}
	db.idx = idx
	db.Close()
	reopen("index behind", Options{}, true).Close()

	// Its metadata damaged.
	db = reopen("clean", Options{}, false)
	if err := db.idx.db.Put(readIndexMetaKey, []byte("{"), nil); err != nil {
		t.Fatal(err)
	}
	db.Close()
	reopen("damaged metadata", Options{}, true).Close()

	// Stale entries written behind its back are gone after a rebuild.
	db = reopen("clean", Options{}, false)
	if err := db.idx.db.Put([]byte("ri/hot/999"), []byte("1"), nil); err != nil {
		t.Fatal(err)
	}
	if err := db.idx.db.Put(readIndexMetaKey, []byte(`{"version":1,"prefixes":["ri/hot/"]}`), nil); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = reopen("wrong version", Options{}, true)
	if _, err := db.idx.db.Get([]byte("ri/hot/999"), nil); err != leveldb.ErrNotFound {
		t.Fatalf("a stale entry survived the rebuild: %v", err)
	}
	db.Close()

	// Blocks written with IAVL's fast index (and no read index), then
	// without it again.
	db = reopen("fast index", Options{FastIndex: true}, false)
	if db.idx != nil {
		t.Fatal("a read index beside the fast index")
	}
	randomBlock(rng, db.Working(), m, 50)
	if _, _, err := db.Commit(); err != nil {
		t.Fatal(err)
	}
	db.Close()
	reopen("after the fast index", Options{}, true).Close()
}

// Readers of committed views race with commits that release old snapshots:
// every answer still belongs to the view's version.
//
// The readers hold writing off while they read: IAVL does not allow a
// working-tree Set while another goroutine walks nodes it shares with a
// committed version (clone clears the shared node's child pointers;
// cosmos/iavl#241), and a view whose snapshot was released walks the tree.
// Commits, which release the snapshots, run freely.
func TestReadIndexConcurrentReaders(t *testing.T) {
	db, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var (
		mu      sync.Mutex
		byVers  = map[int64]model{}
		writing sync.RWMutex
	)
	rng := rand.New(rand.NewPCG(1, 9))
	m := model{}
	randomBlock(rng, db.Working(), m, 100)
	if _, v, err := db.Commit(); err != nil {
		t.Fatal(err)
	} else {
		byVers[v] = maps(m)
	}
	stop := make(chan struct{})
	errs := make(chan error, 2)
	var wg sync.WaitGroup
	for r := range 2 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					errs <- nil
					return
				default:
				}
				if err := readView(db, &mu, byVers, &writing, i, r); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for range 60 {
		writing.Lock()
		randomBlock(rng, db.Working(), m, 30)
		writing.Unlock()
		// The model of a version is published before the version is.
		mu.Lock()
		byVers[db.Version()+1] = maps(m)
		mu.Unlock()
		if _, _, err := db.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// readView reads the latest committed view slowly, so that later commits
// release its snapshot while it is in use, and checks every answer against
// the model of its version.
func readView(db *DB, mu *sync.Mutex, byVers map[int64]model, writing *sync.RWMutex, i, r int) error {
	writing.RLock()
	defer writing.RUnlock()
	v := db.Committed()
	mu.Lock()
	want := byVers[v.Version()]
	mu.Unlock()
	for j := range 200 {
		if j%20 == 0 {
			// Let a block be written now and then.
			writing.RUnlock()
			writing.RLock()
		}
		id := fmt.Sprintf("%03d", (i*31+j*7+r)%200)
		got, ok := hotMap.Get(v, id)
		w, present := want["ri/hot/"+id]
		if ok != present || got != w {
			return fmt.Errorf("version %d: ri/hot/%s = %d, %v; want %d, %v", v.Version(), id, got, ok, w, present)
		}
		if j%50 == 0 {
			n := 0
			hotMap.Walk(v, "", func(string, int) bool { n++; return true })
			if k := len(want.keysUnder("ri/hot/")); n != k {
				return fmt.Errorf("version %d: walk saw %d keys, want %d", v.Version(), n, k)
			}
		}
	}
	return nil
}
