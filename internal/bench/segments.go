package bench

import (
	"context"
	"slices"
	"time"
)

// Segment is one stretch of a run: the committed txs from the segment
// before's end to Committed, how fast they committed, what they cost, and
// how large the process was at its end. It shows whether the cost per tx
// stays flat as the chain grows.
type Segment struct {
	// Committed counts the txs committed by the segment's end, from the
	// run's start.
	Committed int     `json:"committed"`
	TxPerSec  float64 `json:"tx_per_s"`
	// CPUPerTxUS is the CPU time of the node (or, with several
	// validators, of all their processes) and the load generator; RSSMiB
	// the node's resident memory (the sum of the validators'), which with
	// one node in process includes the load generator. Zero when the
	// target is a node bench did not start or the platform does not say.
	CPUPerTxUS float64 `json:"cpu_per_tx_us,omitempty"`
	RSSMiB     float64 `json:"rss_mib,omitempty"`
}

// sample is the measured processes' CPU time and resident memory at a
// moment.
type sample struct {
	at  time.Time
	cpu time.Duration
	rss int64 // bytes
}

// sampleEvery is how often a segmented run samples the process.
const sampleEvery = 100 * time.Millisecond

// sampler records usage every sampleEvery until ctx ends, then sends the
// samples (with one last) on the returned channel.
func sampler(ctx context.Context, usage func() (time.Duration, int64)) <-chan []sample {
	out := make(chan []sample, 1)
	take := func(at time.Time) sample {
		cpu, rss := usage()
		return sample{at, cpu, rss}
	}
	go func() {
		s := []sample{take(time.Now())}
		t := time.NewTicker(sampleEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				out <- append(s, take(time.Now()))
				return
			case now := <-t.C:
				s = append(s, take(now))
			}
		}
	}()
	return out
}

// segmentsOf cuts the commit times of a run (one per committed tx, any
// order) that started at start into segments of at least size txs. Commits
// are seen a block at a time, so a segment ends with the block that brings
// the count to its size or beyond (the last may be shorter). Each segment
// has its CPU per tx and the resident memory at its end, read from samples
// (in time order; none: zero).
func segmentsOf(commits []time.Time, start time.Time, size int, samples []sample) []Segment {
	if size <= 0 || len(commits) == 0 {
		return nil
	}
	commits = slices.Clone(commits)
	slices.SortFunc(commits, func(a, b time.Time) int { return a.Compare(b) })
	var out []Segment
	from, lo := start, 0
	for hi := 1; hi <= len(commits); hi++ {
		// A segment ends after the last commit of a block (the next one
		// is seen later), once it holds size txs, or at the end.
		if hi < len(commits) && (hi-lo < size || commits[hi].Equal(commits[hi-1])) {
			continue
		}
		to := commits[hi-1]
		seg := Segment{Committed: hi}
		if d := to.Sub(from); d > 0 {
			seg.TxPerSec = float64(hi-lo) / d.Seconds()
		}
		if len(samples) > 0 {
			a, b := sampleAt(samples, from), sampleAt(samples, to)
			if cpu := b.cpu - a.cpu; cpu > 0 {
				seg.CPUPerTxUS = float64(cpu.Microseconds()) / float64(hi-lo)
			}
			seg.RSSMiB = float64(b.rss) / (1 << 20)
		}
		out = append(out, seg)
		from, lo = to, hi
	}
	return out
}

// sampleAt is the first sample taken at or after t, or the last one.
func sampleAt(samples []sample, t time.Time) sample {
	i, _ := slices.BinarySearchFunc(samples, t, func(s sample, t time.Time) int { return s.at.Compare(t) })
	if i >= len(samples) {
		i = len(samples) - 1
	}
	return samples[i]
}
