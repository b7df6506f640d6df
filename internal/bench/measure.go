package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/time/rate"

	"github.com/medchain/medchain/internal/tx"
)

// pollEvery is how often the observer asks for the latest height.
const pollEvery = 15 * time.Millisecond

// rpcGiveUp is how long the observer tolerates a CometBFT RPC that fails
// every poll before it gives up on the run.
const rpcGiveUp = 10 * time.Second

// run is one timed phase against one target.
type run struct {
	name          string
	send          func(ctx context.Context, raw []byte) error
	rpc           *rpcClient
	txs           [][]byte
	concurrency   int
	commitTimeout time.Duration
	progress      io.Writer
	// segment, if positive, reports the run in segments of this many
	// committed txs (Side.Segments).
	segment int
	// rate, if positive, paces the submissions to this many a second
	// altogether (an offered load); otherwise the workers send as fast as
	// the target answers.
	rate float64
	// usage is the CPU time used so far by the processes measured, and
	// their resident memory; nil: this process's (the node runs in it).
	usage func() (time.Duration, int64)
}

// measure sends r.txs at r.concurrency, observes their commits and computes
// the figures.
func measure(parent context.Context, r run) (Side, error) {
	n := len(r.txs)
	index := make(map[tx.Hash]int, n)
	bytes := 0
	for i, t := range r.txs {
		index[tx.HashOf(t)] = i
		bytes += len(t)
	}
	if len(index) != n {
		return Side{}, fmt.Errorf("bench: %s: %d of the %d txs are duplicates", r.name, n-len(index), n)
	}
	st, err := r.rpc.status(parent)
	if err != nil {
		return Side{}, fmt.Errorf("bench: %s: CometBFT RPC at %s: %w", r.name, r.rpc.base, err)
	}

	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	bar := newBar(r.progress, n, r.name+" committed")
	obs := newObserver(r.rpc, index, st.height+1, bar)
	submitted := make(chan struct{})
	accepted := make([]bool, n)
	observed := make(chan error, 1)
	go func() { observed <- obs.run(ctx, submitted, accepted, r.commitTimeout) }()

	var (
		submitAt   = make([]time.Time, n)
		next       atomic.Int64
		wg         sync.WaitGroup
		mu         sync.Mutex
		rejected   int
		firstError string
		retried    atomic.Int64
	)
	usage := r.usage
	if usage == nil {
		usage = func() (time.Duration, int64) { return processCPU(), processRSS() }
	}
	cpuNow := func() time.Duration { cpu, _ := usage(); return cpu }
	var samples <-chan []sample
	stopSampling := func() {}
	if r.segment > 0 {
		sctx, stop := context.WithCancel(ctx)
		samples, stopSampling = sampler(sctx, usage), stop
	}
	var pace *rate.Limiter
	if r.rate > 0 {
		pace = rate.NewLimiter(rate.Limit(r.rate), 1)
	}
	start, cpuStart := time.Now(), cpuNow()
	for range min(r.concurrency, n) {
		wg.Go(func() {
			for ctx.Err() == nil {
				if pace != nil && pace.Wait(ctx) != nil {
					return
				}
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				submitAt[i] = time.Now()
				err := submit(ctx, r.send, r.txs[i], &retried)
				if err == nil {
					accepted[i] = true
					continue
				}
				if ctx.Err() != nil {
					return
				}
				mu.Lock()
				rejected++
				if firstError == "" {
					firstError = err.Error()
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	submitEnd := time.Now()
	close(submitted)
	err = <-observed
	cpu := cpuNow() - cpuStart
	stopSampling()
	var sampled []sample
	if samples != nil {
		sampled = <-samples
	}
	bar.done()
	if err == nil {
		// Outside the timed phase (observer.results says why).
		err = obs.results(ctx, r.commitTimeout)
	}
	if parent.Err() != nil {
		return Side{}, parent.Err()
	}
	if err != nil {
		return Side{}, fmt.Errorf("bench: %s: %w", r.name, err)
	}

	s := Side{Sent: n, Rejected: rejected, FirstRejection: firstError, Retried: int(retried.Load()), MeanTxBytes: float64(bytes) / float64(n)}
	var (
		lat        []time.Duration
		lastCommit time.Time
		heights    = map[int64]bool{}
		commits    []time.Time
	)
	for i := range n {
		if !accepted[i] {
			continue
		}
		s.Accepted++
		if obs.height[i] == 0 {
			s.Uncommitted++
			continue
		}
		if obs.code[i] == 0 {
			s.Committed++
			commits = append(commits, obs.seenAt[i])
		} else {
			s.Failed++
		}
		lat = append(lat, obs.seenAt[i].Sub(submitAt[i]))
		heights[obs.height[i]] = true
		if obs.seenAt[i].After(lastCommit) {
			lastCommit = obs.seenAt[i]
		}
	}
	if d := submitEnd.Sub(start); d > 0 {
		s.SubmitTxPerSec = float64(s.Accepted) / d.Seconds()
	}
	if !lastCommit.IsZero() {
		d := lastCommit.Sub(start)
		s.DurationS = d.Seconds()
		s.TxPerSec = float64(s.Committed) / d.Seconds()
	}
	if s.Committed > 0 && cpu > 0 {
		s.CPUPerTxUS = float64(cpu.Microseconds()) / float64(s.Committed)
	}
	s.Blocks = len(heights)
	if s.Blocks > 0 {
		s.MeanTxsPerBlock = float64(s.Committed+s.Failed) / float64(s.Blocks)
	}
	s.Segments = segmentsOf(commits, start, r.segment, sampled)
	slices.Sort(lat)
	s.P50MS, s.P95MS, s.P99MS = ms(Percentile(lat, 50)), ms(Percentile(lat, 95)), ms(Percentile(lat, 99))
	if len(lat) > 0 {
		s.MaxMS = ms(lat[len(lat)-1])
	}
	return s, nil
}

// errBusy marks a submission the target turned away for now, its mempool
// being full: a client sends it again later, and so does bench.
var errBusy = errors.New("mempool full")

// Pauses between sends of a transaction the target turned away as busy.
const (
	busyPause    = 20 * time.Millisecond
	busyPauseMax = 500 * time.Millisecond
)

// submit sends raw, and sends it again after a growing pause for as long
// as the target answers that its mempool is full (counted in retried). A
// long run that outpaces the node's blocks then measures what the node
// commits, rather than how many transactions a full mempool turned away.
func submit(ctx context.Context, send func(context.Context, []byte) error, raw []byte, retried *atomic.Int64) error {
	pause := busyPause
	for {
		err := send(ctx, raw)
		if !errors.Is(err, errBusy) {
			return err
		}
		retried.Add(1)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, busyPauseMax)
	}
}

// Percentile returns the p-th percentile (0 < p <= 100) of sorted by the
// nearest-rank method: the smallest value such that at least p% of the
// values are at most it. It returns 0 for no values.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	// rank = ceil(p/100 * n), computed in integers where possible to avoid
	// 0.95*100 = 95.00000000000001 style rounding up.
	rank := int(p * float64(n) / 100)
	if float64(rank)*100 < p*float64(n) {
		rank++
	}
	return sorted[min(max(rank, 1), n)-1]
}

// observer watches a chain's new blocks for known txs.
type observer struct {
	rpc   *rpcClient
	index map[tx.Hash]int
	bar   *bar
	next  int64 // next height to read

	// Per tx, written by run only; read after run returns.
	seenAt []time.Time
	height []int64 // 0: not seen
	code   []uint32

	pending []blockOfOurs // blocks whose results are still to read
}

// blockOfOurs lists where our txs sit in a block.
type blockOfOurs struct {
	height int64
	pos    []int // position in the block
	idx    []int // our tx index
}

func newObserver(rpc *rpcClient, index map[tx.Hash]int, from int64, b *bar) *observer {
	n := len(index)
	return &observer{rpc: rpc, index: index, bar: b, next: from,
		seenAt: make([]time.Time, n), height: make([]int64, n), code: make([]uint32, n)}
}

// run polls until, after submitted is closed, every accepted tx has been
// seen with its result, or timeout has passed since then.
func (o *observer) run(ctx context.Context, submitted <-chan struct{}, accepted []bool, timeout time.Duration) error {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	var (
		done            bool // submission over: accepted is final
		deadline        time.Time
		want, got       int
		lastOK          = time.Now()
		lastErr         error
		countIfAccepted = func(i int) {
			if done && accepted[i] {
				got++
			}
		}
	)
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-submitted:
			submitted = nil
			done, deadline = true, time.Now().Add(timeout)
			for i, ok := range accepted {
				if ok {
					want++
					if o.height[i] != 0 {
						got++
					}
				}
			}
		case <-tick.C:
		}
		if err := o.poll(ctx, countIfAccepted); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			lastErr = err
			if time.Since(lastOK) > rpcGiveUp {
				return fmt.Errorf("CometBFT RPC at %s failing for %s: %w", o.rpc.base, rpcGiveUp, lastErr)
			}
		} else {
			lastOK = time.Now()
		}
		if done && got >= want {
			return nil
		}
		if done && time.Now().After(deadline) {
			return nil // what is missing is reported as uncommitted
		}
	}
}

// poll reads the blocks committed since the last poll, and the results of
// blocks still missing them.
func (o *observer) poll(ctx context.Context, seen func(i int)) error {
	st, err := o.rpc.status(ctx)
	if err != nil {
		return err
	}
	at := time.Now()
	for ; o.next <= st.height; o.next++ {
		txs, err := o.rpc.blockTxs(ctx, o.next)
		if err != nil {
			return fmt.Errorf("block %d: %w", o.next, err)
		}
		b := blockOfOurs{height: o.next}
		for pos, t := range txs {
			i, ok := o.index[tx.HashOf(t)]
			if !ok || o.height[i] != 0 {
				continue
			}
			o.seenAt[i], o.height[i] = at, o.next
			b.pos, b.idx = append(b.pos, pos), append(b.idx, i)
			seen(i)
		}
		if len(b.idx) > 0 {
			o.bar.add(len(b.idx))
			o.pending = append(o.pending, b)
		}
	}
	return nil
}

// results reads the results of the blocks seen, which says which of our
// txs failed. It runs after the timed phase: CometBFT's JSON encoding of
// block results (every event of every tx) is work the RPC server does for
// the observer, and medchain's txs carry events where kvstore's carry
// none, so reading them during the run would charge medchain for the
// measuring. Results are written after a block is stored: one not there
// yet is asked for again until timeout.
func (o *observer) results(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for len(o.pending) > 0 {
		b := o.pending[0]
		codes, err := o.rpc.blockCodes(ctx, b.height)
		if err != nil {
			var rerr *rpcError
			if !errors.As(err, &rerr) || time.Now().After(deadline) {
				return fmt.Errorf("block_results %d: %w", b.height, err)
			}
			select { // not executed yet
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(pollEvery):
			}
			continue
		}
		for k, pos := range b.pos {
			if pos >= len(codes) {
				return fmt.Errorf("block_results %d: %d results for a tx at position %d", b.height, len(codes), pos)
			}
			o.code[b.idx[k]] = codes[pos]
		}
		o.pending = o.pending[1:]
	}
	return nil
}

// bar is a progress bar; a nil *bar shows nothing.
type bar struct{ pb *progressbar.ProgressBar }

func newBar(w io.Writer, max int, desc string) *bar {
	if w == nil || max < 1 {
		return nil
	}
	pb := progressbar.NewOptions(max,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(fmt.Sprintf("%-20s", desc)),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("tx"),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	)
	pb.RenderBlank() // starts the clock now, not at the first Add
	return &bar{pb: pb}
}

func (b *bar) add(n int) {
	if b != nil {
		b.pb.Add(n)
	}
}

// done ends the bar, full or not, on its own line.
func (b *bar) done() {
	if b != nil && !b.pb.IsFinished() {
		b.pb.Exit()
	}
}
