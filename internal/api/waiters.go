package api

import (
	"sync"

	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/tx"
)

// outcome is a submitted transaction's result in a committed block.
type outcome struct {
	height int64
	index  uint32
	result chain.TxResult
}

// waiters hands committed transaction results to the submissions waiting
// for them. It is fed by App.Subscribe after each commit, on the consensus
// goroutine, so committed never blocks: each waiter's channel has room for
// the one outcome it will ever get.
type waiters struct {
	mu     sync.Mutex
	m      map[tx.Hash][]chan outcome
	closed bool
	done   chan struct{}
}

func newWaiters() *waiters {
	return &waiters{m: map[tx.Hash][]chan outcome{}, done: make(chan struct{})}
}

// add registers a waiter for hash. Call it before broadcasting, so that a
// commit cannot slip between the broadcast and the registration; call
// cancel when done waiting.
func (w *waiters) add(hash tx.Hash) (ch <-chan outcome, cancel func()) {
	c := make(chan outcome, 1)
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.closed {
		w.m[hash] = append(w.m[hash], c)
	}
	return c, func() { w.remove(hash, c) }
}

func (w *waiters) remove(hash tx.Hash, c chan outcome) {
	w.mu.Lock()
	defer w.mu.Unlock()
	list := w.m[hash]
	for i, x := range list {
		if x == c {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(w.m, hash)
	} else {
		w.m[hash] = list
	}
}

// committed is the App.Subscribe callback.
func (w *waiters) committed(b chain.Block) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || len(w.m) == 0 {
		return
	}
	for i, r := range b.Results {
		list, ok := w.m[r.Hash]
		if !ok {
			continue
		}
		delete(w.m, r.Hash)
		for _, c := range list {
			c <- outcome{height: b.Height, index: uint32(i), result: r}
		}
	}
}

// stopped is closed when no more outcomes will come.
func (w *waiters) stopped() <-chan struct{} { return w.done }

func (w *waiters) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.closed {
		w.closed = true
		clear(w.m)
		close(w.done)
	}
}

// pending counts registered waiters, for tests.
func (w *waiters) pending() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, l := range w.m {
		n += len(l)
	}
	return n
}
