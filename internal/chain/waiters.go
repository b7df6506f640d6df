package chain

import (
	"sync"

	"github.com/medchain/medchain/internal/tx"
)

// Outcome is a submitted transaction's result in a committed block.
type Outcome struct {
	Height int64
	Index  uint32
	Result TxResult
}

// Waiters hands committed transaction results to those waiting for them
// (the API's submissions, a custodian's receipts). Feed it with
// app.Subscribe(w.Committed): it is called after each commit, on the consensus
// goroutine, so committed never blocks: each waiter's channel has room for
// the one outcome it will ever get.
type Waiters struct {
	mu     sync.Mutex
	m      map[tx.Hash][]chan Outcome
	closed bool
	done   chan struct{}
}

// NewWaiters returns an empty set of waiters.
func NewWaiters() *Waiters {
	return &Waiters{m: map[tx.Hash][]chan Outcome{}, done: make(chan struct{})}
}

// Add registers a waiter for hash. Call it before broadcasting, so that a
// commit cannot slip between the broadcast and the registration; call
// cancel when done waiting.
func (w *Waiters) Add(hash tx.Hash) (ch <-chan Outcome, cancel func()) {
	c := make(chan Outcome, 1)
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.closed {
		w.m[hash] = append(w.m[hash], c)
	}
	return c, func() { w.remove(hash, c) }
}

func (w *Waiters) remove(hash tx.Hash, c chan Outcome) {
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

// Committed is the App.Subscribe callback.
func (w *Waiters) Committed(b Block) {
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
			c <- Outcome{Height: b.Height, Index: uint32(i), Result: r}
		}
	}
}

// Stopped is closed when no more outcomes will come.
func (w *Waiters) Stopped() <-chan struct{} { return w.done }

// Close ends all waits: Stopped is closed.
func (w *Waiters) Close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.closed {
		w.closed = true
		clear(w.m)
		close(w.done)
	}
}

// Pending counts registered waiters.
func (w *Waiters) Pending() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, l := range w.m {
		n += len(l)
	}
	return n
}
