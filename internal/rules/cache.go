package rules

import (
	"container/list"
	"crypto/sha256"
	"sync"
)

// Cache holds compiled rules of one profile, keyed by the SHA-256 of their
// source, and evicts the least recently used beyond its size. It is safe for
// concurrent use. Failed compilations are not cached.
//
// A Cache is for read paths. It changes no result: a rule compiled again
// behaves exactly as the cached one.
type Cache struct {
	p    *Profile
	size int

	mu    sync.Mutex
	order *list.List // of *Rule, most recently used first
	byKey map[[32]byte]*list.Element
}

// NewCache returns a cache of at most size compiled rules of profile p
// (size < 1 is taken as 1).
func NewCache(p *Profile, size int) *Cache {
	if size < 1 {
		size = 1
	}
	return &Cache{p: p, size: size, order: list.New(), byKey: make(map[[32]byte]*list.Element)}
}

// Compile returns the compiled rule for src, compiling it on a miss.
func (c *Cache) Compile(src string) (*Rule, error) {
	key := sha256.Sum256([]byte(src))
	c.mu.Lock()
	if el, ok := c.byKey[key]; ok && el.Value.(*Rule).src == src {
		c.order.MoveToFront(el)
		r := el.Value.(*Rule)
		c.mu.Unlock()
		return r, nil
	}
	c.mu.Unlock()

	// Compile outside the lock: concurrent misses for the same source may
	// compile twice; both results are equivalent and one is kept.
	r, err := c.p.Compile(src)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[key]; ok {
		c.order.MoveToFront(el)
		if el.Value.(*Rule).src == src {
			return el.Value.(*Rule), nil
		}
		el.Value = r // a SHA-256 collision: keep the newer rule
		return r, nil
	}
	c.byKey[key] = c.order.PushFront(r)
	for c.order.Len() > c.size {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byKey, last.Value.(*Rule).hash)
	}
	return r, nil
}

// Len returns the number of rules held.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
