package api

import (
	"sync"
	"testing"
	"time"
)

// Submissions that arrive while a batch is being verified are verified
// together in the next one; every caller returns once its own is done.
func TestSigBatcherBatchesWhatArrivesTogether(t *testing.T) {
	release := make(chan struct{})
	var (
		mu      sync.Mutex
		batches [][]string
	)
	b := newSigBatcher(func(raws [][]byte) {
		var names []string
		for _, r := range raws {
			names = append(names, string(r))
		}
		mu.Lock()
		batches = append(batches, names)
		first := len(batches) == 1
		mu.Unlock()
		if first {
			<-release // hold the first batch while the others queue
		}
	})
	defer b.close()
	never := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { b.preverify(never, []byte("first")) })
	for !func() bool { mu.Lock(); defer mu.Unlock(); return len(batches) == 1 }() {
		time.Sleep(time.Millisecond)
	}
	for _, n := range []string{"a", "b", "c"} {
		wg.Go(func() { b.preverify(never, []byte(n)) })
	}
	time.Sleep(50 * time.Millisecond) // let them queue on the channel
	close(release)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	total := 0
	for _, bt := range batches {
		total += len(bt)
	}
	if total != 4 || len(batches[0]) != 1 || len(batches) > 3 {
		t.Fatalf("batches %v", batches)
	}
}

// A stopped batcher, or a caller that gives up, never blocks a submission.
func TestSigBatcherNeverBlocks(t *testing.T) {
	hold := make(chan struct{})
	b := newSigBatcher(func([][]byte) { <-hold })
	defer close(hold)
	never := make(chan struct{})
	go b.preverify(never, []byte("stuck")) // occupies the batcher
	time.Sleep(10 * time.Millisecond)
	gaveUp := make(chan struct{})
	close(gaveUp)
	returned := make(chan struct{})
	go func() { b.preverify(gaveUp, []byte("x")); close(returned) }()
	select {
	case <-returned:
	case <-time.After(5 * time.Second):
		t.Fatal("a caller whose request is done stayed blocked")
	}
	b.close()
	returned = make(chan struct{})
	go func() { b.preverify(never, []byte("y")); close(returned) }()
	select {
	case <-returned:
	case <-time.After(5 * time.Second):
		t.Fatal("preverify blocked on a stopped batcher")
	}
}
