package chain

import (
	"bytes"
	"sync"

	"github.com/medchain/medchain/internal/tx"
)

// verifiedCache remembers transactions that CheckTx decoded and whose
// signature it verified, so that FinalizeBlock need not decode and verify
// them again. Decoding and verifying are pure functions of the raw bytes, so
// a hit gives exactly the result the work would have: the cache changes how
// fast a block executes, never what it does. A block's transaction that is
// not in the cache (proposed by another validator, evicted, or seen before
// a restart) is decoded and batch-verified as before.
//
// CheckTx (mempool goroutine) adds, FinalizeBlock (consensus goroutine)
// takes; entries a block never took are evicted oldest first beyond max.
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
