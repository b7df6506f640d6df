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
// marked committed at the moment the height was first seen. After the timed
// phase, /block_results says which of them failed (code != 0): encoding
// every event of every tx is work the node would do for the observer, more
// for medchain's txs than for kvstore's, so it is kept out of the figures.
// The figures are
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
	"strconv"
	"sync/atomic"
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
	// Validators, if above 1, makes Run start networks of that many
	// validators, each node its own process (Spawn) on loopback, for
	// medchain and for the kvstore baseline alike. The timed txs are sent
	// to the nodes in turn; commits are observed on node 0.
	Validators int
	// Spawn makes the command of one node process, for Validators > 1.
	Spawn SpawnFunc
	// Rate, if positive, paces the timed submissions of both targets to
	// this many transactions a second altogether: the commit latency of a
	// network under a load it may keep up with, rather than of a flood.
	Rate float64
}

// Report is the outcome of a run.
type Report struct {
	Workload    string `json:"workload"`
	Txs         int    `json:"txs"`
	Concurrency int    `json:"concurrency"`
	// TimeoutCommitMS is the timeout_commit of the nodes bench started
	// (absent when it started none).
	TimeoutCommitMS float64 `json:"timeout_commit_ms,omitempty"`
	// Rate is the offered load in tx/s (absent: as fast as the target
	// answered).
	Rate float64 `json:"rate,omitempty"`
	// Validators is the size of the networks bench started (absent for
	// one).
	Validators int   `json:"validators,omitempty"`
	Medchain   Side  `json:"medchain"`
	Kvstore    *Side `json:"kvstore,omitempty"`
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
	// Retried counts the sends the target turned away because its
	// mempool was full; bench sent each again after a pause, and its
	// latency counts from the first send.
	Retried int `json:"retried"`
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
	case c.Validators > 1 && c.API != "":
		return nil, errors.New("bench: --validators starts its own network; it cannot be used with --node")
	case c.Validators > 1 && c.Spawn == nil:
		return nil, errors.New("bench: more than one validator needs a command to start node processes")
	case c.Rate < 0:
		return nil, fmt.Errorf("bench: --rate must be positive, got %v", c.Rate)
	case c.Validators > maxValidators:
		return nil, fmt.Errorf("bench: --validators must be at most %d, got %d", maxValidators, c.Validators)
	case c.Validators > 1 && oneOrgSetup[c.Workload.Name()]:
		return nil, fmt.Errorf("bench: workload %s cannot run on %d validators: its setup admits organisations by a proposal that one organisation passes alone only in a one-organisation network (the patients and records workloads can)",
			c.Workload.Name(), c.Validators)
	}
	if c.Validators < 1 {
		c.Validators = 1
	}
	if c.TimeoutCommit <= 0 {
		c.TimeoutCommit = DefaultTimeoutCommit
	}
	if c.CommitTimeout <= 0 {
		c.CommitTimeout = DefaultCommitTimeout
	}
	rep := &Report{Workload: c.Workload.Name(), Txs: c.Txs, Concurrency: c.Concurrency, Rate: c.Rate}
	if c.Validators > 1 {
		rep.Validators = c.Validators
	}
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

// maxValidators is the most validators bench starts: node.Testnet's
// organisations.
const maxValidators = 10

// oneOrgSetup names the workloads whose setup passes governance proposals
// with the admin's vote alone.
var oneOrgSetup = map[string]bool{"supply": true, "donations": true, "claims": true, "pools": true}

// medchainTarget is the network a medchain run sends to.
type medchainTarget struct {
	nodes  []*medchain // the timed txs go to each in turn
	rpc    *rpcClient  // node 0's CometBFT RPC: commits are observed there
	target string
	// usage measures the node processes; nil: the node runs in this
	// process; measured false: neither (a node bench did not start).
	usage    func() (time.Duration, int64)
	measured bool
	stop     func()
}

// startMedchainTarget starts the network c describes, or names the one
// c.API serves.
func startMedchainTarget(ctx context.Context, c *Config) (*medchainTarget, error) {
	if c.API != "" {
		return &medchainTarget{nodes: []*medchain{newMedchain(c.API, c.Concurrency)}, rpc: newRPC(c.RPC), target: c.API, stop: func() {}}, nil
	}
	dir, err := os.MkdirTemp("", "medchain-bench-")
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	var home string
	t := &medchainTarget{measured: true}
	if c.Validators == 1 {
		n, err := startMedchain(ctx, dir, c.TimeoutCommit)
		if err != nil {
			removeAll(dir)
			return nil, err
		}
		t.nodes, t.rpc, t.target = []*medchain{newMedchain(n.APIURL(), c.Concurrency)}, newRPC(rpcBase(n.RPCAddress())), "in process"
		t.stop = func() { n.Stop(); removeAll(dir) }
		home = n.Home
	} else {
		cl, apis, rpcs, err := startMedchainCluster(ctx, dir, c)
		if err != nil {
			removeAll(dir)
			return nil, err
		}
		for _, api := range apis {
			t.nodes = append(t.nodes, newMedchain(api, c.Concurrency))
		}
		t.rpc, t.usage = newRPC(rpcs[0]), cl.usage
		t.target = fmt.Sprintf("%d validators, one process each", c.Validators)
		t.stop = func() { cl.stop(); removeAll(dir) }
		home = cl.homes[0]
	}
	ks, err := keystore.Open(filepath.Join(home, node.KeystoreFile))
	if err == nil {
		c.Admin, err = ks.Key("admin", keystore.DevPassphrase)
	}
	if err != nil {
		t.stop()
		return nil, fmt.Errorf("bench: admin key of the node it started: %w", err)
	}
	return t, nil
}

// send sends the txs to the target's nodes in turn.
func (t *medchainTarget) send() func(ctx context.Context, raw []byte) error {
	if len(t.nodes) == 1 {
		return t.nodes[0].send
	}
	var next atomic.Uint64
	return func(ctx context.Context, raw []byte) error {
		return t.nodes[int(next.Add(1)-1)%len(t.nodes)].send(ctx, raw)
	}
}

// runMedchain measures the medchain side into rep and returns the txs sent.
func runMedchain(ctx context.Context, c Config, rep *Report) ([][]byte, error) {
	t, err := startMedchainTarget(ctx, &c)
	if err != nil {
		return nil, err
	}
	defer t.stop()
	mc, rpc := t.nodes[0], t.rpc
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
			if err := setup(ctx, t.nodes, rpc, stage, c.CommitTimeout); err != nil {
				return nil, err
			}
		}
	}

	var stop func()
	if c.Profile != nil {
		stop = c.Profile()
	}
	side, err := measure(ctx, run{
		name: "medchain", send: t.send(), rpc: rpc, txs: plan.Txs, usage: t.usage, rate: c.Rate,
		concurrency: c.Concurrency, commitTimeout: c.CommitTimeout, progress: c.Progress, segment: c.Segment,
	})
	if stop != nil {
		stop()
	}
	if err != nil {
		return nil, err
	}
	side.Target = t.target
	if !t.measured {
		side.CPUPerTxUS = 0 // the node is another process
		for i := range side.Segments {
			side.Segments[i].CPUPerTxUS, side.Segments[i].RSSMiB = 0, 0
		}
	}
	rep.Medchain = side
	return plan.Txs, nil
}

// startMedchainCluster writes the homes of a c.Validators-node medchain
// network under dir and starts each node in its own process. It returns
// the nodes' API and CometBFT RPC URLs once every node serves and the
// network has made a block.
func startMedchainCluster(ctx context.Context, dir string, c *Config) (*cluster, []string, []string, error) {
	base, apiBase, err := freeLayout(c.Validators)
	if err != nil {
		return nil, nil, nil, err
	}
	nodes, err := node.Testnet(dir, node.TestnetOptions{
		Validators: c.Validators, ChainID: "medchain-bench", BasePort: base, APIPort: apiBase, TimeoutCommit: c.TimeoutCommit,
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("bench: make the node homes: %w", err)
	}
	homes := make([]string, len(nodes))
	apis := make([]string, len(nodes))
	rpcs := make([]string, len(nodes))
	for k, n := range nodes {
		homes[k] = n.Home
		apis[k] = "http://127.0.0.1:" + strconv.Itoa(n.Ports.API)
		rpcs[k] = "http://127.0.0.1:" + strconv.Itoa(n.Ports.RPC)
		// As for the node in process: no per-client limits, and the
		// logs of errors only (the kvstore nodes log nothing).
		cfg, err := node.LoadAppConfig(n.Home)
		if err != nil {
			return nil, nil, nil, err
		}
		cfg.API.RateLimit = 0
		cfg.API.MaxConnectionsPerClient = 0
		cfg.Log.Level, cfg.Log.ConsensusLevel = "error", "error"
		if err := node.WriteAppConfig(n.Home, cfg); err != nil {
			return nil, nil, nil, err
		}
	}
	cl, err := startCluster(c.Spawn, KindMedchain, homes)
	if err != nil {
		return nil, nil, nil, err
	}
	probes := make([]*medchain, len(apis))
	for k, api := range apis {
		probes[k] = newMedchain(api, 1)
	}
	err = cl.waitReady(ctx, "serving its API at height 1", func(ctx context.Context, k int) bool {
		h, err := probes[k].stateHeight(ctx)
		return err == nil && h >= 1
	})
	if err != nil {
		cl.stop()
		return nil, nil, nil, err
	}
	return cl, apis, rpcs, nil
}

// setup sends a workload's setup txs one by one to the first node and
// waits for all of them to commit successfully, and for every node's state
// to hold them.
func setup(ctx context.Context, nodes []*medchain, rpc *rpcClient, txs [][]byte, timeout time.Duration) error {
	side, err := measure(ctx, run{name: "setup", send: nodes[0].send, rpc: rpc, txs: txs, concurrency: 1, commitTimeout: timeout})
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
	for k := 0; k < len(nodes); {
		h, err := nodes[k].stateHeight(ctx)
		if err == nil && h >= st.height {
			k++
			continue
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: setup: the state of node %d did not reach height %d (at %d, %v)", k, st.height, h, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pollEvery):
		}
	}
	return nil
}

// runKVStore measures CometBFT's kvstore app with txs of about txLen bytes,
// on a network of c.Validators like medchain's.
func runKVStore(ctx context.Context, c Config, txLen int) (*Side, error) {
	dir, err := os.MkdirTemp("", "medchain-bench-kvstore-")
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	defer removeAll(dir)
	var (
		rpcs   []string
		usage  func() (time.Duration, int64)
		target = "in process"
	)
	if c.Validators == 1 {
		kv, err := startKVStore(ctx, dir, c.TimeoutCommit)
		if err != nil {
			return nil, err
		}
		defer kv.stop()
		rpcs = []string{kv.rpcURL}
	} else {
		cl, urls, err := startKVCluster(ctx, dir, c)
		if err != nil {
			return nil, err
		}
		defer cl.stop()
		rpcs, usage = urls, cl.usage
		target = fmt.Sprintf("%d validators, one process each", c.Validators)
	}
	txs, err := kvTxs(c.Txs, txLen)
	if err != nil {
		return nil, err
	}
	clients := make([]*kvClient, len(rpcs))
	for k, u := range rpcs {
		clients[k] = newKVClient(u, c.Concurrency)
	}
	send := clients[0].send
	if len(clients) > 1 {
		var next atomic.Uint64
		send = func(ctx context.Context, raw []byte) error {
			return clients[int(next.Add(1)-1)%len(clients)].send(ctx, raw)
		}
	}
	side, err := measure(ctx, run{
		name: "kvstore", send: send, rpc: newRPC(rpcs[0]), txs: txs, usage: usage, rate: c.Rate,
		concurrency: c.Concurrency, commitTimeout: c.CommitTimeout, progress: c.Progress, segment: c.Segment,
	})
	if err != nil {
		return nil, err
	}
	side.Target = target
	return &side, nil
}

// startKVCluster writes the homes of a c.Validators-node kvstore network
// under dir and starts each node in its own process. It returns the nodes'
// RPC URLs once every node answers and the network has made a block.
func startKVCluster(ctx context.Context, dir string, c Config) (*cluster, []string, error) {
	base, _, err := freeLayout(c.Validators)
	if err != nil {
		return nil, nil, err
	}
	homes, err := writeKVHomes(dir, c.Validators, base, c.TimeoutCommit)
	if err != nil {
		return nil, nil, err
	}
	rpcs := make([]string, len(homes))
	for k := range homes {
		rpcs[k] = "http://127.0.0.1:" + strconv.Itoa(base+10*k+1)
	}
	cl, err := startCluster(c.Spawn, KindKVStore, homes)
	if err != nil {
		return nil, nil, err
	}
	err = cl.waitReady(ctx, "at height 1", func(ctx context.Context, k int) bool {
		st, err := newRPC(rpcs[k]).status(ctx)
		return err == nil && st.height >= 1
	})
	if err != nil {
		cl.stop()
		return nil, nil, err
	}
	return cl, rpcs, nil
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
