package chain

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medchain/medchain/internal/state"
)

// State-sync snapshots (ADR 33). Every SnapshotInterval heights the node
// writes the state of that height (state.DB.Export, gzip) into
// Dir/<height>/ as chunks of SnapshotChunkSize bytes, with a manifest, and
// keeps the last SnapshotKeep. A node joining by state sync is offered them
// by its peers through CometBFT; it checks every chunk against the SHA-256
// the snapshot's metadata lists, rebuilds the tree in memory, and imports
// it only if its root is the app hash CometBFT's light client trusts.

// SnapshotFormat is the only snapshot format: a gzip stream of the state
// package's export.
const SnapshotFormat = 1

// SnapshotChunkSize is the size of a snapshot chunk (the last is shorter).
const SnapshotChunkSize = 8 << 20

// maxSnapshotChunks bounds a snapshot offered by a peer (8 GiB).
const maxSnapshotChunks = 1024

// SnapshotOptions configure snapshots; a zero Interval makes none.
type SnapshotOptions struct {
	Dir      string
	Interval int64
	// Keep is how many recent snapshots stay on disk (default 2).
	Keep int
}

type snapshotManifest struct {
	Height int64    `json:"height"`
	Format uint32   `json:"format"`
	Chunks []string `json:"chunks"` // SHA-256 of each, hex
	Hash   string   `json:"hash"`   // SHA-256 of the whole, hex
}

// snapshots writes and serves this node's snapshots, and restores one.
type snapshots struct {
	opts SnapshotOptions
	app  *App

	mu      sync.Mutex
	running bool
	wg      sync.WaitGroup // the snapshot being written, for Close

	// restore in progress (the consensus connection's goroutine only)
	offer   *abci.Snapshot
	appHash []byte
	chunks  [][]byte
}

// maybeSnapshot starts writing a snapshot of height in the background if
// it is one of the interval's; one at a time.
func (s *snapshots) maybeSnapshot(height int64) {
	if s == nil || s.opts.Interval <= 0 || height%s.opts.Interval != 0 {
		return
	}
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		s.app.log.Warn("snapshot: the previous one is still being written; skipping", "height", height)
		return
	}
	s.running = true
	s.mu.Unlock()
	unpin := s.app.db.Pin(height)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() {
			unpin()
			s.mu.Lock()
			s.running = false
			s.mu.Unlock()
		}()
		if err := s.write(height); err != nil {
			s.app.log.Error("snapshot: not written", "height", height, "err", err)
			return
		}
		s.prune()
	}()
}

func (s *snapshots) write(height int64) error {
	tmp, err := os.MkdirTemp(s.opts.Dir, ".tmp-")
	if err != nil {
		if err := os.MkdirAll(s.opts.Dir, 0o700); err != nil {
			return err
		}
		if tmp, err = os.MkdirTemp(s.opts.Dir, ".tmp-"); err != nil {
			return err
		}
	}
	defer os.RemoveAll(tmp)
	cw := &chunkWriter{dir: tmp, whole: sha256.New()}
	zw, _ := gzip.NewWriterLevel(cw, gzip.BestSpeed)
	if err := s.app.db.Export(height, zw); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := cw.flush(); err != nil {
		return err
	}
	m := snapshotManifest{Height: height, Format: SnapshotFormat, Chunks: cw.sums, Hash: fmt.Sprintf("%x", cw.whole.Sum(nil))}
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(filepath.Join(tmp, "manifest.json"), b, 0o600); err != nil {
		return err
	}
	final := filepath.Join(s.opts.Dir, strconv.FormatInt(height, 10))
	os.RemoveAll(final)
	if err := os.Rename(tmp, final); err != nil {
		return err
	}
	s.app.log.Info("snapshot: written", "height", height, "chunks", len(m.Chunks))
	return nil
}

// chunkWriter cuts a stream into chunk files, hashing each and the whole.
type chunkWriter struct {
	dir   string
	buf   []byte
	sums  []string
	whole hash.Hash
}

func (c *chunkWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		room := SnapshotChunkSize - len(c.buf)
		take := min(room, len(p))
		c.buf = append(c.buf, p[:take]...)
		p = p[take:]
		if len(c.buf) == SnapshotChunkSize {
			if err := c.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (c *chunkWriter) flush() error {
	if len(c.buf) == 0 {
		return nil
	}
	name := filepath.Join(c.dir, fmt.Sprintf("chunk-%d", len(c.sums)))
	if err := os.WriteFile(name, c.buf, 0o600); err != nil {
		return err
	}
	sum := sha256.Sum256(c.buf)
	c.sums = append(c.sums, fmt.Sprintf("%x", sum))
	c.whole.Write(c.buf)
	c.buf = c.buf[:0]
	return nil
}

// wait waits for the snapshot being written, if any.
func (s *snapshots) wait() {
	if s != nil {
		s.wg.Wait()
	}
}

// list reads the snapshots on disk, newest first.
func (s *snapshots) list() []snapshotManifest {
	if s == nil || s.opts.Dir == "" {
		return nil
	}
	entries, _ := os.ReadDir(s.opts.Dir)
	var out []snapshotManifest
	for _, e := range entries {
		if _, err := strconv.ParseInt(e.Name(), 10, 64); err != nil || !e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(s.opts.Dir, e.Name(), "manifest.json"))
		var m snapshotManifest
		if err != nil || json.Unmarshal(b, &m) != nil {
			continue
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b snapshotManifest) int { return int(b.Height - a.Height) })
	return out
}

func (s *snapshots) prune() {
	keep := s.opts.Keep
	if keep <= 0 {
		keep = 2
	}
	for i, m := range s.list() {
		if i >= keep {
			os.RemoveAll(filepath.Join(s.opts.Dir, strconv.FormatInt(m.Height, 10)))
		}
	}
}

// ListSnapshots implements abci.Application.
func (a *App) ListSnapshots(context.Context, *abci.RequestListSnapshots) (*abci.ResponseListSnapshots, error) {
	resp := &abci.ResponseListSnapshots{}
	for _, m := range a.snaps.list() {
		meta, err := chunkSums(m.Chunks)
		if err != nil {
			continue
		}
		hash, _ := hexBytes(m.Hash)
		resp.Snapshots = append(resp.Snapshots, &abci.Snapshot{Height: uint64(m.Height), Format: m.Format, Chunks: uint32(len(m.Chunks)), Hash: hash, Metadata: meta})
	}
	return resp, nil
}

// LoadSnapshotChunk implements abci.Application.
func (a *App) LoadSnapshotChunk(_ context.Context, req *abci.RequestLoadSnapshotChunk) (*abci.ResponseLoadSnapshotChunk, error) {
	if a.snaps == nil || req.Format != SnapshotFormat {
		return &abci.ResponseLoadSnapshotChunk{}, nil
	}
	b, err := os.ReadFile(filepath.Join(a.snaps.opts.Dir, strconv.FormatUint(req.Height, 10), fmt.Sprintf("chunk-%d", req.Chunk)))
	if err != nil {
		return &abci.ResponseLoadSnapshotChunk{}, nil // pruned meanwhile: CometBFT asks another peer
	}
	return &abci.ResponseLoadSnapshotChunk{Chunk: b}, nil
}

// OfferSnapshot implements abci.Application: a peer's snapshot, with the app
// hash CometBFT's light client trusts for its height.
func (a *App) OfferSnapshot(_ context.Context, req *abci.RequestOfferSnapshot) (*abci.ResponseOfferSnapshot, error) {
	switch {
	case a.db.Version() != 0:
		a.log.Error("snapshot: offered one, but this node has state already")
		return &abci.ResponseOfferSnapshot{Result: abci.ResponseOfferSnapshot_ABORT}, nil
	case req.Snapshot == nil || req.Snapshot.Format != SnapshotFormat:
		return &abci.ResponseOfferSnapshot{Result: abci.ResponseOfferSnapshot_REJECT_FORMAT}, nil
	case req.Snapshot.Chunks == 0 || req.Snapshot.Chunks > maxSnapshotChunks || len(req.Snapshot.Metadata) != 32*int(req.Snapshot.Chunks) || len(req.AppHash) == 0:
		return &abci.ResponseOfferSnapshot{Result: abci.ResponseOfferSnapshot_REJECT}, nil
	}
	if a.snaps == nil {
		a.snaps = &snapshots{app: a}
	}
	a.snaps.offer, a.snaps.appHash = req.Snapshot, bytes.Clone(req.AppHash)
	a.snaps.chunks = make([][]byte, req.Snapshot.Chunks)
	a.log.Info("snapshot: restoring", "height", req.Snapshot.Height, "chunks", req.Snapshot.Chunks)
	return &abci.ResponseOfferSnapshot{Result: abci.ResponseOfferSnapshot_ACCEPT}, nil
}

// ApplySnapshotChunk implements abci.Application. Each chunk must match the
// SHA-256 the snapshot's metadata lists (else it is fetched again from
// another peer); after the last, the state is rebuilt in memory and
// imported only if its root is the trusted app hash.
func (a *App) ApplySnapshotChunk(_ context.Context, req *abci.RequestApplySnapshotChunk) (*abci.ResponseApplySnapshotChunk, error) {
	s := a.snaps
	if s == nil || s.offer == nil {
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_ABORT}, nil
	}
	i := int(req.Index)
	if i >= len(s.chunks) {
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_REJECT_SNAPSHOT}, nil
	}
	sum := sha256.Sum256(req.Chunk)
	if !bytes.Equal(sum[:], s.offer.Metadata[32*i:32*i+32]) {
		a.log.Warn("snapshot: a chunk does not match its hash; fetching it again", "chunk", i, "sender", req.Sender)
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_RETRY,
			RefetchChunks: []uint32{req.Index}, RejectSenders: []string{req.Sender}}, nil
	}
	s.chunks[i] = req.Chunk
	for _, c := range s.chunks {
		if c == nil {
			return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_ACCEPT}, nil
		}
	}
	height := int64(s.offer.Height)
	stream := func() (io.Reader, error) {
		rs := make([]io.Reader, len(s.chunks))
		for j, c := range s.chunks {
			rs[j] = bytes.NewReader(c)
		}
		return gzip.NewReader(io.MultiReader(rs...))
	}
	r, err := stream()
	var root []byte
	if err == nil {
		root, err = state.SnapshotHash(height, r)
	}
	if err != nil || !bytes.Equal(root, s.appHash) {
		a.log.Error("snapshot: refused: it does not rebuild the trusted state", "height", height, "root", fmt.Sprintf("%X", root), "trusted", fmt.Sprintf("%X", s.appHash), "err", err)
		s.offer, s.chunks = nil, nil
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_REJECT_SNAPSHOT}, nil
	}
	if r, err = stream(); err == nil {
		err = a.db.Import(height, r, s.appHash)
	}
	if err != nil {
		// The store is half written: this node cannot go on.
		return nil, fmt.Errorf("chain: snapshot import at %d: %w", height, err)
	}
	if m, ok := metaMap.Get(a.db.Committed(), metaKey); ok {
		a.mu.Lock()
		a.meta = m
		a.mu.Unlock()
	} else {
		return nil, errors.New("chain: the restored state has no chain metadata")
	}
	s.offer, s.chunks = nil, nil
	a.log.Info("snapshot: restored", "height", height)
	return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_ACCEPT}, nil
}

func chunkSums(hexes []string) ([]byte, error) {
	var out []byte
	for _, h := range hexes {
		b, err := hexBytes(h)
		if err != nil || len(b) != 32 {
			return nil, fmt.Errorf("chain: snapshot manifest: chunk hash %q", h)
		}
		out = append(out, b...)
	}
	return out, nil
}

func hexBytes(s string) ([]byte, error) { return hex.DecodeString(s) }
