package state

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/cosmos/iavl"
	idb "github.com/cosmos/iavl/db"
)

// A snapshot stream is the tree of one version as IAVL exports it (its
// nodes in depth-first post-order), one node after another:
//
//	height  1 byte (int8; 0 for a leaf)
//	version uvarint
//	key     uvarint length, then the bytes
//	value   uvarint length+1, then the bytes (0: no value, an inner node)
//
// Importing the nodes in the same order rebuilds the same tree, so the
// same root hash: what a node joining by state sync checks against the app
// hash its light client trusts (ADR 33).

// ErrSnapshot marks a snapshot stream that does not rebuild the tree it
// claims to.
var ErrSnapshot = errors.New("state: snapshot")

// maxSnapshotField bounds a key or value read from a stream.
const maxSnapshotField = 64 << 20

// Export writes the tree of a committed version to w as a snapshot stream.
// Hold Pin(version) meanwhile, so that pruning cannot remove it.
func (s *DB) Export(version int64, w io.Writer) error {
	s.treeMu.RLock()
	it, err := s.tree.GetImmutable(version)
	s.treeMu.RUnlock()
	if err != nil {
		return fmt.Errorf("%w: %d: %v", ErrVersionNotFound, version, err)
	}
	exp, err := it.Export()
	if err != nil {
		return fmt.Errorf("state: export %d: %w", version, err)
	}
	defer exp.Close()
	bw := bufio.NewWriterSize(w, 1<<16)
	var buf [binary.MaxVarintLen64]byte
	put := func(n uint64) error {
		_, err := bw.Write(buf[:binary.PutUvarint(buf[:], n)])
		return err
	}
	for {
		n, err := exp.Next()
		if errors.Is(err, iavl.ErrorExportDone) {
			break
		}
		if err != nil {
			return fmt.Errorf("state: export %d: %w", version, err)
		}
		if err := bw.WriteByte(byte(n.Height)); err != nil {
			return err
		}
		if err := put(uint64(n.Version)); err != nil {
			return err
		}
		if err := put(uint64(len(n.Key))); err != nil {
			return err
		}
		if _, err := bw.Write(n.Key); err != nil {
			return err
		}
		if n.Value == nil {
			err = put(0)
		} else if err = put(uint64(len(n.Value)) + 1); err == nil {
			_, err = bw.Write(n.Value)
		}
		if err != nil {
			return err
		}
	}
	return bw.Flush()
}

// keyRange is the smallest and largest key under a node of a stream.
type keyRange struct{ min, max []byte }

// readNodes calls fn for each node of a snapshot stream, after checking
// what the root hash does not cover: an inner node's hash is over its
// children's hashes, not over its key, so a stream with a wrong inner key
// would rebuild the right hash and a tree whose lookups go astray. Each
// inner node's key must be the smallest key of its right subtree, and
// every key of its left subtree smaller.
func readNodes(r io.Reader, fn func(*iavl.ExportNode) error) error {
	var stack []keyRange
	return readRawNodes(r, func(n *iavl.ExportNode) error {
		if n.Height == 0 {
			if n.Value == nil {
				return fmt.Errorf("%w: a leaf without a value", ErrSnapshot)
			}
			stack = append(stack, keyRange{n.Key, n.Key})
		} else {
			if len(stack) < 2 || n.Value != nil {
				return fmt.Errorf("%w: an inner node out of order", ErrSnapshot)
			}
			l, r := stack[len(stack)-2], stack[len(stack)-1]
			if !bytes.Equal(n.Key, r.min) || bytes.Compare(l.max, r.min) >= 0 {
				return fmt.Errorf("%w: inner node key %X does not split its subtrees", ErrSnapshot, n.Key)
			}
			stack = append(stack[:len(stack)-2], keyRange{l.min, r.max})
		}
		return fn(n)
	})
}

// readRawNodes decodes a snapshot stream.
func readRawNodes(r io.Reader, fn func(*iavl.ExportNode) error) error {
	br := bufio.NewReaderSize(r, 1<<16)
	field := func(what string, extra uint64) ([]byte, bool, error) {
		n, err := binary.ReadUvarint(br)
		if err != nil {
			return nil, false, fmt.Errorf("%w: %s length: %v", ErrSnapshot, what, err)
		}
		if n < extra {
			return nil, false, nil
		}
		n -= extra
		if n > maxSnapshotField {
			return nil, false, fmt.Errorf("%w: %s of %d bytes", ErrSnapshot, what, n)
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(br, b); err != nil {
			return nil, false, fmt.Errorf("%w: %s: %v", ErrSnapshot, what, err)
		}
		return b, true, nil
	}
	for {
		h, err := br.ReadByte()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrSnapshot, err)
		}
		v, err := binary.ReadUvarint(br)
		if err != nil {
			return fmt.Errorf("%w: version: %v", ErrSnapshot, err)
		}
		key, _, err := field("key", 0)
		if err != nil {
			return err
		}
		val, ok, err := field("value", 1)
		if err != nil {
			return err
		}
		if !ok {
			val = nil
		}
		if err := fn(&iavl.ExportNode{Height: int8(h), Version: int64(v), Key: key, Value: val}); err != nil {
			return err
		}
	}
}

// SnapshotHash rebuilds the tree of a snapshot stream in memory and returns
// its root hash, without touching the store: a stream is checked against
// the trusted app hash before Import writes it.
func SnapshotHash(version int64, r io.Reader) ([]byte, error) {
	tree := iavl.NewMutableTree(idb.NewMemDB(), 0, true, iavl.NewNopLogger())
	imp, err := tree.Import(version)
	if err != nil {
		return nil, fmt.Errorf("state: snapshot hash: %w", err)
	}
	defer imp.Close()
	if err := readNodes(r, imp.Add); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSnapshot, err)
	}
	if err := imp.Commit(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSnapshot, err)
	}
	return tree.Hash(), nil
}

// Import makes an empty store hold the tree of a snapshot stream as
// version, and fails unless its root hash is want. Check the stream with
// SnapshotHash first: an import that fails leaves a store to be deleted.
func (s *DB) Import(version int64, r io.Reader, want []byte) error {
	s.treeMu.Lock()
	defer s.treeMu.Unlock()
	if v := s.tree.Version(); v != 0 {
		return fmt.Errorf("state: import: the store holds version %d already", v)
	}
	imp, err := s.tree.Import(version)
	if err != nil {
		return fmt.Errorf("state: import: %w", err)
	}
	defer imp.Close()
	if err := readNodes(r, imp.Add); err != nil {
		return err
	}
	if err := imp.Commit(); err != nil {
		return fmt.Errorf("%w: %v", ErrSnapshot, err)
	}
	if got := s.tree.Hash(); !bytes.Equal(got, want) {
		return fmt.Errorf("%w: rebuilt root %X, want %X", ErrSnapshot, got, want)
	}
	if s.idx != nil {
		it, err := s.tree.GetImmutable(version)
		if err != nil {
			return fmt.Errorf("state: import: %w", err)
		}
		if _, err := s.idx.rebuild(it, version); err != nil {
			return fmt.Errorf("state: import: read index: %w", err)
		}
	}
	return s.refreshCommitted()
}

// Pin keeps version from being pruned until the returned function is
// called (a snapshot being written). One pin at a time.
func (s *DB) Pin(version int64) (unpin func()) {
	s.pinned.Store(version)
	return func() { s.pinned.CompareAndSwap(version, 0) }
}

// pinnedVersion is the version Pin holds, or 0.
type pinnedVersion = atomic.Int64
