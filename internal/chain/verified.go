package chain

import (
	"bytes"
	"sync"

	"github.com/medchain/medchain/internal/tx"
)

// verifiedCache remembers transactions that were decoded and whose
// signature verified (by CheckTx, or in a batch by PreverifySignatures), so
// that CheckTx and FinalizeBlock need not decode and verify them again. Decoding and verifying are pure functions of the raw bytes, so
// a hit gives exactly the result the work would have: the cache changes how
// fast a block executes, never what it does. A block's transaction that is
// not in the cache (proposed by another validator, evicted, or seen before
// a restart) is decoded and batch-verified as before.
//
// CheckTx (mempool goroutine) and PreverifySignatures (API goroutines) add,
// FinalizeBlock (consensus goroutine) takes; CheckTx drops what it rejects;
// entries a block never took are evicted oldest first beyond max.
type verifiedCache struct {
	mu   sync.Mutex
	max  int
	m    map[tx.Hash]*tx.Tx
	fifo []tx.Hash // insertion order; may name entries already taken
	head int       // index of the oldest entry of fifo
}

func newVerifiedCache(max int) *verifiedCache {
	return &verifiedCache{max: max, m: make(map[tx.Hash]*tx.Tx)}
}

// add remembers t, whose signature verified.
func (c *verifiedCache) add(t *tx.Tx) {
	if c == nil || c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[t.Hash]; ok {
		return
	}
	for len(c.m) >= c.max && c.head < len(c.fifo) {
		delete(c.m, c.fifo[c.head])
		c.head++
	}
	if c.head > len(c.fifo)/2 && c.head > 1024 { // compact the queue
		c.fifo = append(c.fifo[:0], c.fifo[c.head:]...)
		c.head = 0
	}
	c.m[t.Hash] = t
	c.fifo = append(c.fifo, t.Hash)
}

// get returns the verified tx of raw, if CheckTx verified it. With take,
// the entry is removed: a transaction is in at most one block.
func (c *verifiedCache) get(raw []byte, take bool) *tx.Tx {
	if c == nil {
		return nil
	}
	h := tx.HashOf(raw)
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[h]
	if !ok {
		return nil
	}
	if take {
		delete(c.m, h)
	}
	// Equal hashes of unequal bytes would be a SHA-256 collision; compare
	// anyway, it costs nothing next to a signature check.
	if !bytes.Equal(t.Raw, raw) {
		return nil
	}
	return t
}

// len counts cached txs, for tests.
func (c *verifiedCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// PreverifySignatures decodes raws and checks their signatures in one batch,
// which costs well under half of checking them one by one, and remembers
// those that verify so that CheckTx and FinalizeBlock skip that work. It
// judges nothing: a transaction that does not decode or verify here is
// decoded and verified again by CheckTx, which gives the answer. The API
// calls it with the submissions that arrive together. Safe for concurrent
// use; it reads no state.
func (a *App) PreverifySignatures(raws [][]byte) {
	if a.verified == nil || len(raws) == 0 {
		return
	}
	txs := make([]*tx.Tx, 0, len(raws))
	for _, raw := range raws {
		if a.verified.get(raw, false) != nil {
			continue
		}
		if t, err := tx.Decode(bytes.Clone(raw)); err == nil {
			txs = append(txs, t)
		}
	}
	for i, err := range tx.VerifyBatch(txs) {
		if err == nil {
			a.verified.add(txs[i])
		}
	}
}
