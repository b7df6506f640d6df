package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cosmos/iavl"
	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/filter"
	"github.com/syndtr/goleveldb/leveldb/opt"
	"github.com/syndtr/goleveldb/leveldb/storage"
	"github.com/syndtr/goleveldb/leveldb/util"
)

// The read index (ADR 13) is a plain key→value copy, beside the Merkle
// tree, of the keys under a few prefixes that the latency-critical read
// paths use (the consent check of every record read). A committed View
// answers reads under those prefixes from a database snapshot of the index
// taken at its version: one lookup instead of a walk down a tree of
// millions of nodes. It is IAVL's fast index restricted to the keys that
// need it, so that blocks do not pay a second write for every other key.
//
// It is a cache of what the tree holds at that version, written after the
// tree's version is saved; the tree stays the only source of truth, and
// consensus (the working tree) never reads it. If the index's recorded
// version or prefixes do not match the tree when the store opens (the
// process stopped between the two writes, the prefixes changed, IAVL's
// fast index was used instead), the index is rebuilt from the tree.

var readIndexed []string // prefixes, under prefixMu

// ReadIndexed marks the prefix of m as read-indexed: committed views answer
// reads and scans under it from the read index. It must be called during
// package initialisation, before a store is opened.
func (m Map[V]) ReadIndexed() Map[V] {
	mark(&readIndexed, m.prefix)
	return m
}

// ReadIndexed marks the prefix of x as read-indexed, as Map.ReadIndexed.
func (x Index) ReadIndexed() Index {
	mark(&readIndexed, x.prefix)
	return x
}

// mark adds prefix to a list of marked prefixes (read-indexed, public).
func mark(list *[]string, prefix []byte) {
	prefixMu.Lock()
	defer prefixMu.Unlock()
	*list = append(*list, string(prefix))
}

// ReadIndexedPrefixes lists the read-indexed prefixes, sorted.
func ReadIndexedPrefixes() []string {
	prefixMu.Lock()
	defer prefixMu.Unlock()
	out := slices.Clone(readIndexed)
	slices.Sort(out)
	return slices.Compact(out)
}

// readIndexMetaKey holds the index's version and prefixes. No state key
// starts with a zero byte, and reads are limited to the prefixes.
var readIndexMetaKey = []byte("\x00medchain/read-index")

type readIndexMeta struct {
	Version  int64    `json:"version"`
	Prefixes []string `json:"prefixes"`
}

// keptSnapshots is how many recent versions keep an index snapshot. A view
// older than that reads the tree instead: the same answer, more slowly.
const keptSnapshots = 4

type readIndex struct {
	db       *leveldb.DB
	prefixes []string
	// pending are the writes to indexed keys since the last commit (nil:
	// deleted). Only the consensus goroutine touches it.
	pending map[string][]byte
	// snaps are the snapshots handed to views, oldest first (under DB.mu).
	snaps []*leveldb.Snapshot
}

func openReadIndex(dir string) (*readIndex, error) {
	var (
		db  *leveldb.DB
		err error
	)
	o := &opt.Options{
		Filter:             filter.NewBloomFilter(10),
		WriteBuffer:        8 << 20,
		BlockCacheCapacity: 32 << 20,
	}
	if dir == "" {
		db, err = leveldb.Open(storage.NewMemStorage(), o)
	} else {
		path := filepath.Join(dir, "read-index.db")
		db, err = leveldb.OpenFile(path, o)
		if err != nil {
			err = fmt.Errorf("open %s: %w", path, err)
		}
	}
	if err != nil {
		return nil, err
	}
	return &readIndex{db: db, prefixes: ReadIndexedPrefixes(), pending: map[string][]byte{}}, nil
}

// covers reports whether key is under a read-indexed prefix.
func (x *readIndex) covers(key []byte) bool {
	for _, p := range x.prefixes {
		if len(key) >= len(p) && string(key[:len(p)]) == p {
			return true
		}
	}
	return false
}

// coversRange reports whether every key in [start, end) is under one
// read-indexed prefix.
func (x *readIndex) coversRange(start, end []byte) bool {
	if end == nil {
		return false
	}
	for _, p := range x.prefixes {
		if bytes.HasPrefix(start, []byte(p)) && bytes.Compare(end, PrefixEnd([]byte(p))) <= 0 {
			return true
		}
	}
	return false
}

func (x *readIndex) note(key, value []byte) {
	if x.covers(key) {
		x.pending[string(key)] = value
	}
}

// commit writes the pending changes as version v.
func (x *readIndex) commit(v int64) error {
	var b leveldb.Batch
	for k, val := range x.pending {
		if val == nil {
			b.Delete([]byte(k))
		} else {
			b.Put([]byte(k), val)
		}
	}
	meta, _ := json.Marshal(readIndexMeta{Version: v, Prefixes: x.prefixes})
	b.Put(readIndexMetaKey, meta)
	clear(x.pending)
	return x.db.Write(&b, nil)
}

// matches reports whether the index holds version v of the current prefixes.
func (x *readIndex) matches(v int64) (bool, error) {
	raw, err := x.db.Get(readIndexMetaKey, nil)
	if errors.Is(err, leveldb.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var m readIndexMeta
	if err := json.Unmarshal(raw, &m); err != nil {
		return false, nil
	}
	return m.Version == v && slices.Equal(m.Prefixes, x.prefixes), nil
}

// rebuild empties the index and copies the indexed prefixes of tree (the
// latest version, v) into it.
func (x *readIndex) rebuild(tree *iavl.ImmutableTree, v int64) (keys int, err error) {
	const batchSize = 10_000
	var b leveldb.Batch
	flush := func() error {
		if b.Len() == 0 {
			return nil
		}
		err := x.db.Write(&b, nil)
		b.Reset()
		return err
	}
	it := x.db.NewIterator(nil, nil)
	for it.Next() {
		b.Delete(bytes.Clone(it.Key()))
		if b.Len() >= batchSize {
			if err := flush(); err != nil {
				it.Release()
				return 0, err
			}
		}
	}
	it.Release()
	if err := it.Error(); err != nil {
		return 0, err
	}
	for _, p := range x.prefixes {
		it, err := tree.Iterator([]byte(p), PrefixEnd([]byte(p)), true)
		if err != nil {
			return 0, err
		}
		for ; it.Valid(); it.Next() {
			b.Put(it.Key(), it.Value())
			keys++
			if b.Len() >= batchSize {
				if err = flush(); err != nil {
					break
				}
			}
		}
		if err == nil {
			err = it.Error()
		}
		it.Close()
		if err != nil {
			return 0, err
		}
	}
	if err := flush(); err != nil {
		return 0, err
	}
	clear(x.pending)
	meta, _ := json.Marshal(readIndexMeta{Version: v, Prefixes: x.prefixes})
	return keys, x.db.Put(readIndexMetaKey, meta, &opt.WriteOptions{Sync: true})
}

// snapshot takes a snapshot for a new view and releases those older than
// keptSnapshots. The caller holds DB.mu.
func (x *readIndex) snapshot() (*leveldb.Snapshot, error) {
	s, err := x.db.GetSnapshot()
	if err != nil {
		return nil, err
	}
	x.snaps = append(x.snaps, s)
	if n := len(x.snaps) - keptSnapshots; n > 0 {
		for _, old := range x.snaps[:n] {
			old.Release()
		}
		x.snaps = slices.Delete(x.snaps, 0, n)
	}
	return s, nil
}

func (x *readIndex) close() error {
	for _, s := range x.snaps {
		s.Release()
	}
	x.snaps = nil
	return x.db.Close()
}

// indexedGet reads key from a view's snapshot. ok is false when the
// snapshot was released (the view is old): the caller reads the tree.
func (v *View) indexedGet(key []byte) (val []byte, ok bool) {
	val, err := v.snap.Get(key, nil)
	switch {
	case err == nil:
		if val == nil {
			val = []byte{}
		}
		return val, true
	case errors.Is(err, leveldb.ErrNotFound):
		return nil, true
	case errors.Is(err, leveldb.ErrSnapshotReleased), errors.Is(err, leveldb.ErrClosed):
		// An old view, or a store closing under a late reader: the tree
		// answers (or fails) as it would without the index.
		return nil, false
	}
	must(fmt.Errorf("read index: get %q: %w", key, err))
	return nil, false
}

// indexedIterate scans [start, end) of a view's snapshot. ok is false when
// the snapshot was released (or the store closed) before the scan gave
// anything: the caller scans the tree instead.
func (v *View) indexedIterate(start, end []byte, fn func(k, v []byte) bool) (ok bool) {
	it := v.snap.NewIterator(&util.Range{Start: start, Limit: end}, nil)
	defer it.Release()
	emitted := false
	for it.Next() {
		emitted = true
		// The iterator reuses its buffers; callers may keep what they get.
		if !fn(bytes.Clone(it.Key()), bytes.Clone(it.Value())) {
			return true
		}
	}
	if err := it.Error(); err != nil {
		if !emitted && (errors.Is(err, leveldb.ErrSnapshotReleased) || errors.Is(err, leveldb.ErrClosed)) {
			return false
		}
		must(fmt.Errorf("read index: scan %q: %w", start, err))
	}
	return true
}

// describe is for logs and errors.
func (x *readIndex) describe() string { return strings.Join(x.prefixes, ",") }
