// Package bench measures how many transactions a medchain node commits per
// second, and how long each takes from submission to commit, optionally
// beside CometBFT's own kvstore example app as a baseline.
//
// A run presigns N transactions of a workload (Workload), then C workers send
// them as fast as the node accepts them: to medchain as raw bytes to
// POST /v1/txs?wait=sync, to kvstore with the broadcast_tx_sync JSON-RPC
// call. A tx counts as accepted when the node's CheckTx passed (HTTP 200 or
// code 0) and as rejected otherwise. Commits are observed the same way for
// both targets, from outside, through CometBFT's RPC: /status is polled every
// 15 ms, each new height's /block is read, and every tx of ours in it is
// marked committed at the moment the height was first seen; /block_results
// says which of them failed (code != 0). The figures are
//
//	committed tx/s  committed successful txs / (last commit seen − first submission)
//	latency         commit seen − submission began, p50/p95/p99 over committed txs
//	submit tx/s     accepted txs / (last submission answered − first submission)
//
// The observer's polling adds up to ~15 ms to each latency and costs both
// targets the same CPU. Without a target URL, Run starts a one-validator
// medchain node in process in a temporary directory and removes it after.
// The kvstore baseline always runs in process, after medchain, never beside
// it, with the same timeout_commit and mempool settings as medchain's nodes
// and the same ABCI concurrency (one mutex per connection).
//
// bench measures; it asserts nothing about speed and holds no chain rules.
package bench

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	cmted25519 "github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/medchain/medchain/client/keystore"
	"github.com/medchain/medchain/internal/node"
)

// Config describes a run.
type Config struct {
	Workload    Workload
	Txs         int // transactions in the timed phase
	Concurrency int // concurrent submitters
	// API and RPC are the target medchain node's HTTP API and CometBFT RPC
	// URLs. With API empty, Run starts a node in process.
	API, RPC string
	// Baseline also runs CometBFT's kvstore example app, after medchain.
	Baseline bool
	// TimeoutCommit is CometBFT's timeout_commit for the nodes Run starts.
	TimeoutCommit time.Duration
	// CommitTimeout bounds the wait, after the last submission, for the
	// accepted transactions to commit.
	CommitTimeout time.Duration
	// Admin is an organisation admin's key on the target network, for
	// workloads whose setup registers members. Run fills it in for the
	// node it starts.
	Admin ed25519.PrivateKey
	// Segment, if positive, also reports each stretch of this many
	// committed txs: its tx/s, CPU per tx and the process's resident
	// memory at its end (Side.Segments), to see the cost as the chain
	// grows.
	Segment int
	// Progress receives progress bars; nil shows none.
	Progress io.Writer
	// Profile, if set, is called when medchain's timed phase starts; the
	// function it returns is called when that phase ends.
	Profile func() (stop func())
}

// Report is the outcome of a run.
type Report struct {
	Workload    string `json:"workload"`
	Txs         int    `json:"txs"`
	Concurrency int    `json:"concurrency"`
	// TimeoutCommitMS is the timeout_commit of the nodes bench started
	// (absent when it started none).
	TimeoutCommitMS float64 `json:"timeout_commit_ms,omitempty"`
	Medchain        Side    `json:"medchain"`
	Kvstore         *Side   `json:"kvstore,omitempty"`
	// Ratio is medchain's committed tx/s over kvstore's (with Baseline).
	Ratio *float64 `json:"ratio,omitempty"`
}

// Side holds the figures of one target.
type Side struct {
	// Target says what was measured: a URL, or "in process".
	Target         string  `json:"target"`
	TxPerSec       float64 `json:"tx_per_s"`
	P50MS          float64 `json:"p50_ms"`
	P95MS          float64 `json:"p95_ms"`
	P99MS          float64 `json:"p99_ms"`
	MaxMS          float64 `json:"max_ms"`
	SubmitTxPerSec float64 `json:"submit_tx_per_s"`
	Sent           int     `json:"sent"`
	Accepted       int     `json:"accepted"`
	Rejected       int     `json:"rejected"`
	// FirstRejection is the answer to the first rejected submission.
	FirstRejection string `json:"first_rejection,omitempty"`
	// Committed counts accepted txs committed with code 0; Failed those
	// committed with another code; Uncommitted those never seen in a block.
	Committed   int `json:"committed"`
	Failed      int `json:"failed"`
	Uncommitted int `json:"uncommitted"`
	Blocks      int `json:"blocks"`
	// CPUPerTxUS is the CPU time this whole process (node and load
	// generator, which run in it alike for both targets) used per committed
	// tx over the timed phase, in µs. Unlike tx/s it hardly depends on other
	// work on the machine. Zero when the target is another process or the
	// platform does not say.
	CPUPerTxUS      float64 `json:"cpu_per_tx_us,omitempty"`
	MeanTxsPerBlock float64 `json:"mean_txs_per_block"`
	MeanTxBytes     float64 `json:"mean_tx_bytes"`
	DurationS       float64 `json:"duration_s"`
	// Segments is the run cut into Config.Segment committed txs each.
	Segments []Segment `json:"segments,omitempty"`
}

// Defaults.
const (
	DefaultTimeoutCommit = 200 * time.Millisecond
	DefaultCommitTimeout = 2 * time.Minute
)

// Run runs c and reports the figures. It stops early, cleaning up, when ctx
// is done.
func Run(ctx context.Context, c Config) (*Report, error) {
	switch {
	case c.Workload == nil:
		return nil, errors.New("bench: no workload")
	case c.Txs < 1:
		return nil, fmt.Errorf("bench: --txs must be at least 1, got %d", c.Txs)
	case c.Concurrency < 1:
		return nil, fmt.Errorf("bench: --concurrency must be at least 1, got %d", c.Concurrency)
	case c.API != "" && c.RPC == "":
		return nil, errors.New("bench: a target API needs its CometBFT RPC URL too")
	}
	if c.TimeoutCommit <= 0 {
		c.TimeoutCommit = DefaultTimeoutCommit
	}
	if c.CommitTimeout <= 0 {
		c.CommitTimeout = DefaultCommitTimeout
	}
	rep := &Report{Workload: c.Workload.Name(), Txs: c.Txs, Concurrency: c.Concurrency}
	if c.API == "" || c.Baseline {
		rep.TimeoutCommitMS = ms(c.TimeoutCommit)
	}

	txs, err := runMedchain(ctx, c, rep)
	if err != nil {
		return nil, err
	}
	if !c.Baseline {
		return rep, nil
	}
	side, err := runKVStore(ctx, c, meanLen(txs))
	if err != nil {
		return nil, err
	}
	rep.Kvstore = side
	if side.TxPerSec > 0 {
		r := rep.Medchain.TxPerSec / side.TxPerSec
		rep.Ratio = &r
	}
	return rep, nil
}

// runMedchain measures the medchain side into rep and returns the txs sent.
func runMedchain(ctx context.Context, c Config, rep *Report) ([][]byte, error) {
	api, rpcURL, target := c.API, c.RPC, c.API
	if api == "" {
		dir, err := os.MkdirTemp("", "medchain-bench-")
		if err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		defer removeAll(dir)
		n, err := startMedchain(ctx, dir, c.TimeoutCommit)
		if err != nil {
			return nil, err
		}
		defer n.Stop()
		api, rpcURL, target = n.APIURL(), rpcBase(n.RPCAddress()), "in process"
		ks, err := keystore.Open(filepath.Join(n.Home, node.KeystoreFile))
		if err != nil {
			return nil, err
		}
		if c.Admin, err = ks.Key("admin", keystore.DevPassphrase); err != nil {
			return nil, fmt.Errorf("bench: admin key of the node it started: %w", err)
		}
	}
	rpc := newRPC(rpcURL)
	mc := newMedchain(api, c.Concurrency)
	st, err := preflight(ctx, mc, rpc)
	if err != nil {
		return nil, err
	}

	bar := newBar(c.Progress, c.Txs, "signing "+c.Workload.Name())
	nextProposal, err := mc.nextProposal(ctx)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	plan, err := c.Workload.Prepare(ctx, Env{ChainID: st.chainID, Height: st.height, Progress: bar.add, Admin: cmted25519.PrivKey(c.Admin), NextProposal: nextProposal}, c.Txs)
	bar.done()
	if err != nil {
		return nil, err
	}
	if len(plan.Txs) == 0 {
		return nil, fmt.Errorf("bench: workload %s made no transactions", c.Workload.Name())
	}
	for _, stage := range append([][][]byte{plan.Setup}, plan.SetupStages...) {
		if len(stage) > 0 {
			if err := setup(ctx, mc, rpc, stage, c.CommitTimeout); err != nil {
				return nil, err
			}
		}
	}

	var stop func()
	if c.Profile != nil {
		stop = c.Profile()
	}
	side, err := measure(ctx, run{
		name: "medchain", send: mc.send, rpc: rpc, txs: plan.Txs,
		concurrency: c.Concurrency, commitTimeout: c.CommitTimeout, progress: c.Progress, segment: c.Segment,
	})
	if stop != nil {
		stop()
	}
	if err != nil {
		return nil, err
	}
	side.Target = target
	if c.API != "" {
		side.CPUPerTxUS = 0 // the node is another process
		for i := range side.Segments {
			side.Segments[i].CPUPerTxUS, side.Segments[i].RSSMiB = 0, 0
		}
	}
	rep.Medchain = side
	return plan.Txs, nil
}

// setup sends a workload's setup txs one by one and waits for all of them
// to commit successfully.
func setup(ctx context.Context, mc *medchain, rpc *rpcClient, txs [][]byte, timeout time.Duration) error {
	side, err := measure(ctx, run{name: "setup", send: mc.send, rpc: rpc, txs: txs, concurrency: 1, commitTimeout: timeout})
	if err != nil {
		return err
	}
	if side.Committed != len(txs) {
		return fmt.Errorf("bench: setup: %d of %d txs committed (%d rejected, first: %s; %d failed)",
			side.Committed, len(txs), side.Rejected, side.FirstRejection, side.Failed)
	}
	// CometBFT shows a block before the app has committed it; what comes
	// next is checked against the app's state, so wait for it.
	st, err := rpc.status(ctx)
	if err != nil {
		return fmt.Errorf("bench: setup: %w", err)
	}
	deadline := time.Now().Add(timeout)
	for {
		h, err := mc.stateHeight(ctx)
		if err == nil && h >= st.height {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: setup: the node's state did not reach height %d (at %d, %v)", st.height, h, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pollEvery):
		}
	}
}

// runKVStore measures CometBFT's kvstore app with txs of about txLen bytes.
func runKVStore(ctx context.Context, c Config, txLen int) (*Side, error) {
	dir, err := os.MkdirTemp("", "medchain-bench-kvstore-")
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	defer removeAll(dir)
	kv, err := startKVStore(ctx, dir, c.TimeoutCommit)
	if err != nil {
		return nil, err
	}
	defer kv.stop()
	rpc := newRPC(kv.rpcURL)
	txs, err := kvTxs(c.Txs, txLen)
	if err != nil {
		return nil, err
	}
	kc := newKVClient(kv.rpcURL, c.Concurrency)
	side, err := measure(ctx, run{
		name: "kvstore", send: kc.send, rpc: rpc, txs: txs,
		concurrency: c.Concurrency, commitTimeout: c.CommitTimeout, progress: c.Progress, segment: c.Segment,
	})
	if err != nil {
		return nil, err
	}
	side.Target = "in process"
	return &side, nil
}

// removeAll removes dir, retrying for a while: a stopped CometBFT node can
// still be writing (its address book, a tx index compaction), which makes
// a single os.RemoveAll fail with "directory not empty". Once dir is gone
// nothing can recreate files in it.
func removeAll(dir string) {
	for range 40 {
		if os.RemoveAll(dir) == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func meanLen(txs [][]byte) int {
	if len(txs) == 0 {
		return 0
	}
	total := 0
	for _, t := range txs {
		total += len(t)
	}
	return (total + len(txs)/2) / len(txs)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
