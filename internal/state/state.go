// Package state is medchain's world state: an IAVL Merkle tree whose root is
// the app hash, committed views of it at each height, ICS23 proofs of what it
// holds, a write overlay that lets a transaction fail without leaving a trace,
// and typed maps under unique key prefixes.
//
// The tree's version is the block height: the state after block H is version
// H, and its root is the AppHash of header H+1. Storage I/O errors are not
// recoverable for a consensus node; the package panics with a *Fault so that
// the node halts rather than diverges.
//
// This package knows nothing of transactions, modules or HTTP.
package state

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/cosmos/iavl"
	idb "github.com/cosmos/iavl/db"
	ics23 "github.com/cosmos/ics23/go"
	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/filter"
	"github.com/syndtr/goleveldb/leveldb/opt"
)

// Reader reads state. Missing keys read as nil.
type Reader interface {
	Get(key []byte) []byte
	Has(key []byte) bool
	// Iterate calls fn for each key in [start, end) in ascending order until fn
	// returns false. A nil end means no upper bound.
	Iterate(start, end []byte, fn func(key, value []byte) bool)
}

// Store reads and writes state.
type Store interface {
	Reader
	Set(key, value []byte)
	Delete(key []byte)
}

// Fault is the panic value for a storage failure: the node cannot go on
// safely and must halt.
type Fault struct{ Err error }

func (f *Fault) Error() string { return "state: storage fault: " + f.Err.Error() }
func (f *Fault) Unwrap() error { return f.Err }

func must(err error) {
	if err != nil {
		panic(&Fault{Err: err})
	}
}

// ErrVersionNotFound is returned for a height that was pruned or not yet committed.
var ErrVersionNotFound = errors.New("state: version not available")

// Options tune the store. None of them changes what the tree holds or its
// hash: only how fast it is read and written (ADR 11).
type Options struct {
	// KeepVersions is how many recent versions to keep; older ones are pruned
	// at commit. Zero keeps every version.
	KeepVersions int64
	// CacheNodes is the IAVL node cache size (default DefaultCacheNodes).
	// Each block writes new nodes and orphans old ones, so a cache much
	// smaller than the live tree misses on most of a block's paths.
	CacheNodes int
	// FastIndex keeps IAVL's "fast" key→value index beside the tree: a read
	// of the latest version is then one database lookup instead of a walk
	// from the root, at the price of one more database write per key set
	// and per key deleted. Off by default: medchain's blocks write far more
	// keys than its transactions read from disk (ADR 11).
	FastIndex bool
	// WriteBufferMB is the on-disk store's memtable size in MiB (default
	// DefaultWriteBufferMB); larger means fewer, larger flushes and less
	// compaction.
	WriteBufferMB int
	// Logger, if set, is told when the read index is rebuilt.
	Logger *slog.Logger
}

// Defaults of Options.
const (
	DefaultCacheNodes    = 500_000
	DefaultWriteBufferMB = 64
	DefaultBlockCacheMB  = 256
)

// DB is the versioned Merkle store. Writes go to the working tree from one
// goroutine (the consensus connection); committed views may be read from any
// goroutine.
type DB struct {
	opts Options
	db   idb.DB
	tree *iavl.MutableTree

	// idx is the read index of the ReadIndexed prefixes (nil with
	// FastIndex, which covers every key, or when no prefix is indexed).
	idx *readIndex

	mu        sync.RWMutex
	committed *View
	// treeMu orders Commit (which changes the tree's saved versions)
	// against At (which reads them from other goroutines).
	treeMu sync.RWMutex
	// pinned is a version pruning must keep (a snapshot being exported:
	// IAVL refuses to delete a version an exporter reads), or 0.
	pinned pinnedVersion
}

// Open opens (or creates) the store in dir. An empty dir opens an in-memory store.
func Open(dir string, opts Options) (*DB, error) {
	if opts.CacheNodes == 0 {
		opts.CacheNodes = DefaultCacheNodes
	}
	if opts.WriteBufferMB == 0 {
		opts.WriteBufferMB = DefaultWriteBufferMB
	}
	var (
		db  idb.DB
		err error
	)
	if dir == "" {
		db = idb.NewMemDB()
	} else {
		db, err = idb.NewGoLevelDBWithOpts("state", dir, &opt.Options{
			Filter:              filter.NewBloomFilter(10), // as idb.NewGoLevelDB
			WriteBuffer:         opts.WriteBufferMB << 20,
			CompactionTableSize: 8 << 20, // goleveldb's default is 2 MiB
			// goleveldb's block cache holds table blocks, index blocks
			// included; at its default 8 MiB, once the tree outgrows
			// IAVL's node cache every node read re-read and decoded an
			// index block from its table file (ADR 11).
			BlockCacheCapacity: DefaultBlockCacheMB << 20,
		})
		if err != nil {
			return nil, fmt.Errorf("state: open %s: %w", dir, err)
		}
	}
	tree := iavl.NewMutableTree(db, opts.CacheNodes, !opts.FastIndex, iavl.NewNopLogger())
	if _, err := tree.Load(); err != nil {
		db.Close()
		return nil, fmt.Errorf("state: load tree: %w", err)
	}
	s := &DB{opts: opts, db: db, tree: tree}
	if !opts.FastIndex && len(ReadIndexedPrefixes()) > 0 {
		if err := s.openReadIndex(dir); err != nil {
			db.Close()
			return nil, err
		}
	}
	if err := s.refreshCommitted(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// openReadIndex opens the read index and rebuilds it from the tree unless
// it holds the tree's latest version of the current prefixes.
func (s *DB) openReadIndex(dir string) error {
	x, err := openReadIndex(dir)
	if err != nil {
		return fmt.Errorf("state: read index: %w", err)
	}
	v := s.tree.Version()
	ok, err := x.matches(v)
	if err == nil && !ok {
		start := time.Now()
		var tree *iavl.ImmutableTree
		if v > 0 {
			tree, err = s.tree.GetImmutable(v)
		} else {
			tree = iavl.NewImmutableTree(idb.NewMemDB(), 0, true, iavl.NewNopLogger())
		}
		var keys int
		if err == nil {
			keys, err = x.rebuild(tree, v)
		}
		if err == nil && s.opts.Logger != nil && v > 0 {
			s.opts.Logger.Info("state: read index rebuilt from the tree", "version", v, "prefixes", x.describe(), "keys", keys, "took", time.Since(start).Round(time.Millisecond))
		}
	}
	if err != nil {
		x.close()
		return fmt.Errorf("state: read index: %w", err)
	}
	s.idx = x
	return nil
}

// Close releases the underlying databases.
func (s *DB) Close() error {
	var err error
	if s.idx != nil {
		err = s.idx.close()
	}
	return errors.Join(err, s.db.Close())
}

// Version is the last committed version (block height); 0 before the first
// commit. Safe from any goroutine (it reads the committed view, not the
// tree that Commit changes).
func (s *DB) Version() int64 { return s.Committed().version }

// Hash is the root hash of the last committed version. Safe from any
// goroutine.
func (s *DB) Hash() []byte { return s.Committed().Hash() }

// WorkingHash is the root hash the working tree would commit to now.
func (s *DB) WorkingHash() []byte { return s.tree.WorkingHash() }

// Working is the uncommitted tree. Only the consensus goroutine may use it.
func (s *DB) Working() Store { return working{s.tree, s.idx} }

// Rollback discards every uncommitted write.
func (s *DB) Rollback() {
	s.tree.Rollback()
	if s.idx != nil {
		clear(s.idx.pending)
	}
}

// Commit saves the working tree as the next version and prunes old versions.
func (s *DB) Commit() (hash []byte, version int64, err error) {
	s.treeMu.Lock()
	defer s.treeMu.Unlock()
	hash, version, err = s.tree.SaveVersion()
	if err != nil {
		return nil, 0, fmt.Errorf("state: save version: %w", err)
	}
	if s.idx != nil {
		if err := s.idx.commit(version); err != nil {
			return nil, 0, fmt.Errorf("state: read index at %d: %w", version, err)
		}
	}
	if k := s.opts.KeepVersions; k > 0 && version > k {
		to := version - k
		if p := s.pinned.Load(); p > 0 && p <= to {
			to = p - 1
		}
		if to > 0 {
			if err := s.tree.DeleteVersionsTo(to); err != nil {
				return nil, 0, fmt.Errorf("state: prune to %d: %w", to, err)
			}
		}
	}
	if err := s.refreshCommitted(); err != nil {
		return nil, 0, err
	}
	return hash, version, nil
}

func (s *DB) refreshCommitted() error {
	v := s.tree.Version()
	var view *View
	if v == 0 {
		view = &View{tree: iavl.NewImmutableTree(idb.NewMemDB(), 0, true, iavl.NewNopLogger()), version: 0}
	} else {
		it, err := s.tree.GetImmutable(v)
		if err != nil {
			return fmt.Errorf("state: view of version %d: %w", v, err)
		}
		view = &View{tree: it, version: v}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.idx != nil {
		snap, err := s.idx.snapshot()
		if err != nil {
			return fmt.Errorf("state: read index snapshot at %d: %w", v, err)
		}
		view.snap, view.idx = snap, s.idx
	}
	s.committed = view
	return nil
}

// Committed is a read-only view of the last committed version, safe to use
// from any goroutine while the working tree changes.
func (s *DB) Committed() *View {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.committed
}

// At is a read-only view of a committed version.
func (s *DB) At(version int64) (*View, error) {
	latest := s.Committed()
	if version == latest.version {
		return latest, nil
	}
	s.treeMu.RLock()
	defer s.treeMu.RUnlock()
	if version <= 0 || !s.tree.VersionExists(version) {
		return nil, fmt.Errorf("%w: %d (latest %d)", ErrVersionNotFound, version, latest.version)
	}
	it, err := s.tree.GetImmutable(version)
	if err != nil {
		return nil, fmt.Errorf("%w: %d: %v", ErrVersionNotFound, version, err)
	}
	return &View{tree: it, version: version}, nil
}

type working struct {
	t   *iavl.MutableTree
	idx *readIndex
}

func (w working) Get(key []byte) []byte {
	v, err := w.t.Get(key)
	must(err)
	return v
}

func (w working) Has(key []byte) bool { return w.Get(key) != nil }

func (w working) Set(key, value []byte) {
	if value == nil {
		value = []byte{}
	}
	_, err := w.t.Set(key, value)
	must(err)
	if w.idx != nil {
		w.idx.note(key, bytes.Clone(value))
	}
}

func (w working) Delete(key []byte) {
	_, _, err := w.t.Remove(key)
	must(err)
	if w.idx != nil {
		w.idx.note(key, nil)
	}
}

func (w working) Iterate(start, end []byte, fn func(k, v []byte) bool) {
	it, err := w.t.Iterator(start, end, true)
	must(err)
	defer it.Close()
	for ; it.Valid(); it.Next() {
		if !fn(it.Key(), it.Value()) {
			return
		}
	}
	must(it.Error())
}

// View is an immutable committed version of the state.
type View struct {
	tree    *iavl.ImmutableTree
	version int64
	// snap is the read index at this version (nil without one).
	snap *leveldb.Snapshot
	idx  *readIndex
}

// Version is the block height this view is the state after.
func (v *View) Version() int64 { return v.version }

// Hash is this version's root hash.
func (v *View) Hash() []byte { return v.tree.Hash() }

func (v *View) Get(key []byte) []byte {
	if v.snap != nil && v.idx.covers(key) {
		if val, ok := v.indexedGet(key); ok {
			return val
		}
	}
	val, err := v.tree.Get(key)
	must(err)
	return val
}

func (v *View) Has(key []byte) bool { return v.Get(key) != nil }

func (v *View) Iterate(start, end []byte, fn func(k, v []byte) bool) {
	if v.snap != nil && v.idx.coversRange(start, end) && v.indexedIterate(start, end, fn) {
		return
	}
	// Iterator (unlike IterateRange) reads the fast index when the store
	// keeps one and this is the latest version: one database range scan
	// instead of a walk down the tree.
	it, err := v.tree.Iterator(start, end, true)
	must(err)
	defer it.Close()
	for ; it.Valid(); it.Next() {
		if !fn(it.Key(), it.Value()) {
			return
		}
	}
	must(it.Error())
}

// Prove returns the value at key (nil if absent) and an ICS23 proof of its
// membership, or of its absence, in this version. The proof verifies against
// Hash(), which is the AppHash in the header of block Version()+1.
func (v *View) Prove(key []byte) ([]byte, *ics23.CommitmentProof, error) {
	val := v.Get(key)
	var (
		p   *ics23.CommitmentProof
		err error
	)
	if val != nil {
		p, err = v.tree.GetMembershipProof(key)
	} else {
		p, err = v.tree.GetNonMembershipProof(key)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("state: prove %q at %d: %w", key, v.version, err)
	}
	return val, p, nil
}

// ErrProof is returned when a proof does not verify.
var ErrProof = errors.New("state: proof does not verify")

// VerifyProof checks that proof shows key holding value under root, or, for a
// nil value, that key is absent.
func VerifyProof(root []byte, proof *ics23.CommitmentProof, key, value []byte) error {
	var ok bool
	if value != nil {
		ok = ics23.VerifyMembership(ics23.IavlSpec, root, proof, key, value)
	} else {
		ok = ics23.VerifyNonMembership(ics23.IavlSpec, root, proof, key)
	}
	if !ok {
		return fmt.Errorf("%w: key %q under root %X", ErrProof, key, root)
	}
	return nil
}

// Overlay buffers writes over a Reader. Flush applies them to a Store in key
// order, so the resulting tree shape, and its hash, does not depend on the
// order in which a handler wrote. Discarding an overlay undoes a failed
// transaction.
type Overlay struct {
	parent Reader
	writes map[string][]byte // nil value: deleted
}

// NewOverlay starts an empty overlay over parent.
func NewOverlay(parent Reader) *Overlay {
	return &Overlay{parent: parent, writes: make(map[string][]byte)}
}

func (o *Overlay) Get(key []byte) []byte {
	if v, ok := o.writes[string(key)]; ok {
		return v
	}
	return o.parent.Get(key)
}

func (o *Overlay) Has(key []byte) bool { return o.Get(key) != nil }

func (o *Overlay) Set(key, value []byte) {
	if value == nil {
		value = []byte{}
	}
	o.writes[string(key)] = bytes.Clone(value)
}

func (o *Overlay) Delete(key []byte) { o.writes[string(key)] = nil }

// Len is the number of buffered writes and deletes.
func (o *Overlay) Len() int { return len(o.writes) }

func (o *Overlay) sortedKeys(start, end []byte) []string {
	keys := make([]string, 0, len(o.writes))
	for k := range o.writes {
		if (start == nil || k >= string(start)) && (end == nil || k < string(end)) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// Iterate merges the parent's keys with the buffered writes, in order.
func (o *Overlay) Iterate(start, end []byte, fn func(k, v []byte) bool) {
	mine := o.sortedKeys(start, end)
	i := 0
	stopped := false
	emitMine := func(limit string, inclusive bool) bool {
		for i < len(mine) && (mine[i] < limit || (inclusive && mine[i] == limit)) {
			k := mine[i]
			i++
			if v := o.writes[k]; v != nil {
				if !fn([]byte(k), v) {
					return false
				}
			}
		}
		return true
	}
	o.parent.Iterate(start, end, func(k, v []byte) bool {
		if !emitMine(string(k), false) {
			stopped = true
			return false
		}
		if _, shadowed := o.writes[string(k)]; shadowed {
			if i < len(mine) && mine[i] == string(k) {
				i++
				if nv := o.writes[string(k)]; nv != nil {
					if !fn(k, nv) {
						stopped = true
						return false
					}
				}
			}
			return true
		}
		if !fn(k, v) {
			stopped = true
			return false
		}
		return true
	})
	if stopped {
		return
	}
	for ; i < len(mine); i++ {
		if v := o.writes[mine[i]]; v != nil {
			if !fn([]byte(mine[i]), v) {
				return
			}
		}
	}
}

// Flush writes the buffered changes into dst in ascending key order and
// empties the overlay.
func (o *Overlay) Flush(dst Store) {
	for _, k := range o.sortedKeys(nil, nil) {
		if v := o.writes[k]; v == nil {
			dst.Delete([]byte(k))
		} else {
			dst.Set([]byte(k), v)
		}
	}
	clear(o.writes)
}

// PrefixEnd returns the smallest key greater than every key with prefix p,
// or nil if there is none.
func PrefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
