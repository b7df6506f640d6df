package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/tx"
)

func TestPercentile(t *testing.T) {
	ms := func(xs ...int) []time.Duration {
		out := make([]time.Duration, len(xs))
		for i, x := range xs {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one value p50", ms(7), 50, 7 * time.Millisecond},
		{"one value p99", ms(7), 99, 7 * time.Millisecond},
		{"two values p50 is the lower", ms(1, 2), 50, 1 * time.Millisecond},
		{"two values p51 is the upper", ms(1, 2), 51, 2 * time.Millisecond},
		{"1..100 p50", ms(hundred...), 50, 50 * time.Millisecond},
		{"1..100 p95", ms(hundred...), 95, 95 * time.Millisecond},
		{"1..100 p99", ms(hundred...), 99, 99 * time.Millisecond},
		{"1..100 p100", ms(hundred...), 100, 100 * time.Millisecond},
		{"five values p95 rounds up to the max", ms(10, 20, 30, 40, 50), 95, 50 * time.Millisecond},
		{"five values p40 is exact rank 2", ms(10, 20, 30, 40, 50), 40, 20 * time.Millisecond},
		{"five values p41 is rank 3", ms(10, 20, 30, 40, 50), 41, 30 * time.Millisecond},
		{"seven values p99", ms(1, 2, 3, 4, 5, 6, 7), 99, 7 * time.Millisecond},
		{"tiny p never below the first", ms(3, 4), 0.001, 3 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Percentile(tc.sorted, tc.p); got != tc.want {
				t.Errorf("Percentile(%v, %v) = %v, want %v", tc.sorted, tc.p, got, tc.want)
			}
		})
	}
}

func TestPatientsPrepare(t *testing.T) {
	w, err := NewWorkload("patients")
	if err != nil {
		t.Fatal(err)
	}
	var progress atomic.Int64
	env := Env{ChainID: "test-chain", Height: 42, Progress: func(n int) { progress.Add(int64(n)) }}
	plan, err := w.Prepare(context.Background(), env, 130)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Setup) != 0 || len(plan.Txs) != 130 {
		t.Fatalf("plan has %d setup and %d txs, want 0 and 130", len(plan.Setup), len(plan.Txs))
	}
	signers := map[string]bool{}
	for i, raw := range plan.Txs {
		d, err := tx.Decode(raw)
		if err != nil {
			t.Fatalf("tx %d: %v", i, err)
		}
		if err := d.Verify(); err != nil {
			t.Fatalf("tx %d: %v", i, err)
		}
		b := d.Body
		if b.ChainID != "test-chain" || b.Type != identity.TypeRegisterPatient || b.Expires != 42+TTL || string(b.Msg) != "{}" {
			t.Fatalf("tx %d body = %+v", i, b)
		}
		signers[b.Signer.String()] = true
	}
	if len(signers) != 130 {
		t.Errorf("%d distinct signers for 130 txs, want a fresh key each", len(signers))
	}
	if got := progress.Load(); got != 130 {
		t.Errorf("progress counted %d, want 130", got)
	}

	if _, err := NewWorkload("nope"); err == nil {
		t.Error("NewWorkload(nope) succeeded")
	}
}

func TestKVTxs(t *testing.T) {
	txs, err := kvTxs(500, 238)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i, tx := range txs {
		if len(tx) != 238 {
			t.Fatalf("tx %d is %d bytes, want 238", i, len(tx))
		}
		if bytes.Count(tx, []byte("=")) != 1 || bytes.ContainsRune(tx, ':') || tx[0] == '=' || tx[len(tx)-1] == '=' {
			t.Fatalf("tx %d %q is not a valid kvstore key=value", i, tx)
		}
		key := string(tx[:bytes.IndexByte(tx, '=')])
		if seen[key] {
			t.Fatalf("key %q repeats", key)
		}
		seen[key] = true
	}
}

// TestRunEndToEnd runs a short bench with the baseline against nodes
// started in process. It checks the bookkeeping, never the speed.
func TestRunEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	rep, err := Run(ctx, Config{
		Workload:      Patients{},
		Txs:           200,
		Concurrency:   8,
		Baseline:      true,
		TimeoutCommit: 100 * time.Millisecond,
		CommitTimeout: 20 * time.Second,
		Segment:       80,
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*Side{"medchain": &rep.Medchain, "kvstore": rep.Kvstore} {
		// Segments of at least 80 txs, whole blocks each, the last ending
		// at 200; each measured.
		for i, g := range s.Segments {
			prev := 0
			if i > 0 {
				prev = s.Segments[i-1].Committed
			}
			if g.Committed-prev < 80 && i != len(s.Segments)-1 || g.Committed <= prev {
				t.Errorf("%s: segment %d ends at %d after %d", name, i, g.Committed, prev)
			}
			if g.TxPerSec <= 0 || g.RSSMiB <= 0 || g.CPUPerTxUS <= 0 {
				t.Errorf("%s: segment %+v without tx/s, CPU or resident memory", name, g)
			}
		}
		if n := len(s.Segments); n == 0 || s.Segments[n-1].Committed != 200 {
			t.Errorf("%s: segments %+v do not end at 200", name, s.Segments)
		}
		if s == nil {
			t.Fatalf("%s: no figures", name)
		}
		if s.Sent != 200 || s.Accepted != 200 || s.Committed != 200 {
			t.Errorf("%s: sent %d, accepted %d, committed %d; want 200 each", name, s.Sent, s.Accepted, s.Committed)
		}
		if s.Rejected != 0 || s.Failed != 0 || s.Uncommitted != 0 {
			t.Errorf("%s: rejected %d (first: %s), failed %d, uncommitted %d; want none",
				name, s.Rejected, s.FirstRejection, s.Failed, s.Uncommitted)
		}
		if s.TxPerSec <= 0 || s.SubmitTxPerSec <= 0 {
			t.Errorf("%s: tx/s %v, submit tx/s %v; want > 0", name, s.TxPerSec, s.SubmitTxPerSec)
		}
		if s.Blocks < 1 || s.MeanTxsPerBlock <= 0 {
			t.Errorf("%s: %d blocks, %v txs/block", name, s.Blocks, s.MeanTxsPerBlock)
		}
		if !(s.P50MS > 0 && s.P50MS <= s.P95MS && s.P95MS <= s.P99MS && s.P99MS <= s.MaxMS) {
			t.Errorf("%s: latencies not ordered: p50 %v p95 %v p99 %v max %v", name, s.P50MS, s.P95MS, s.P99MS, s.MaxMS)
		}
	}
	if rep.Kvstore != nil && rep.Medchain.MeanTxBytes != rep.Kvstore.MeanTxBytes {
		// kvstore txs all have medchain's mean length, rounded.
		if d := rep.Medchain.MeanTxBytes - rep.Kvstore.MeanTxBytes; d > 0.5 || d < -0.5 {
			t.Errorf("mean tx bytes: medchain %v, kvstore %v", rep.Medchain.MeanTxBytes, rep.Kvstore.MeanTxBytes)
		}
	}
	if rep.Ratio == nil || *rep.Ratio <= 0 {
		t.Errorf("ratio = %v, want > 0", rep.Ratio)
	}

	b, err := json.Marshal(rep)
	t.Logf("report: %s", b)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"workload", "txs", "concurrency", "medchain", "kvstore", "ratio"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("JSON has no %q: %s", k, b)
		}
	}
	for _, side := range []string{"medchain", "kvstore"} {
		var s map[string]any
		if err := json.Unmarshal(doc[side], &s); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"tx_per_s", "p50_ms", "p95_ms", "p99_ms", "committed", "failed", "rejected", "blocks"} {
			if _, ok := s[k]; !ok {
				t.Errorf("JSON %s has no %q", side, k)
			}
		}
	}
}

// segmentsOf: each segment's rate is its txs over the time since the one
// before ended (the first from the start), its CPU the samples' difference
// over the same span, its memory the sample at its end.
func TestSegmentsOf(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	// Blocks seen at 1s (5 txs), 2s (5 txs) and 4s (2 txs); given out of
	// order.
	var commits []time.Time
	for range 5 {
		commits = append(commits, at(2000), at(1000))
	}
	commits = append(commits, at(4000), at(4000))
	samples := []sample{
		{at(0), 0, 100 << 20}, {at(1000), 50 * time.Millisecond, 110 << 20},
		{at(2000), 80 * time.Millisecond, 120 << 20}, {at(4000), 200 * time.Millisecond, 150 << 20},
	}
	got := segmentsOf(commits, t0, 5, samples)
	want := []Segment{
		{Committed: 5, TxPerSec: 5, CPUPerTxUS: 10000, RSSMiB: 110},
		{Committed: 10, TxPerSec: 5, CPUPerTxUS: 6000, RSSMiB: 120},
		{Committed: 12, TxPerSec: 1, CPUPerTxUS: 60000, RSSMiB: 150},
	}
	if !slices.Equal(got, want) {
		t.Errorf("segments\n got %+v\nwant %+v", got, want)
	}
	if segmentsOf(commits, t0, 0, samples) != nil || segmentsOf(nil, t0, 5, samples) != nil {
		t.Error("segments without a size or commits")
	}
	// Segments of 3 end with whole blocks: 5 (the block at 1s), 10, 12.
	if g := segmentsOf(commits, t0, 3, samples); len(g) != 3 || g[0].Committed != 5 || g[1].Committed != 10 || g[2].Committed != 12 {
		t.Errorf("segments of 3 over blocks of 5, 5, 2: %+v", g)
	}
	// Segments of 7: the block at 2s brings the count to 10.
	if g := segmentsOf(commits, t0, 7, samples); len(g) != 2 || g[0].Committed != 10 || g[0].TxPerSec != 5 || g[1].Committed != 12 {
		t.Errorf("segments of 7 over blocks of 5, 5, 2: %+v", g)
	}
	// Without samples (another process): rates only.
	if g := segmentsOf(commits, t0, 12, nil); len(g) != 1 || g[0] != (Segment{Committed: 12, TxPerSec: 3}) {
		t.Errorf("one segment, no samples: %+v", g)
	}
}

func TestRunUnreachableNode(t *testing.T) {
	port, err := freePort() // nothing listens there
	if err != nil {
		t.Fatal(err)
	}
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	_, err = Run(context.Background(), Config{Workload: Patients{}, Txs: 1, Concurrency: 1, API: url, RPC: url})
	if err == nil || !strings.Contains(err.Error(), "medchain API at "+url) {
		t.Errorf("Run against nothing: err = %v, want one naming the API", err)
	}
}

// A node process that exits before it serves fails the run with what it
// printed, and leaves no process or directory behind.
func TestRunValidatorsNodeExits(t *testing.T) {
	var spawned []string
	spawn := func(kind, home string) *exec.Cmd {
		spawned = append(spawned, kind+" "+home)
		// This test binary, running no test: it prints a warning and exits.
		return exec.Command(os.Args[0], "-test.run=^$")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := Run(ctx, Config{Workload: Patients{}, Txs: 10, Concurrency: 1, Validators: 3, Spawn: spawn})
	if err == nil || !strings.Contains(err.Error(), "exited") || !strings.Contains(err.Error(), "no tests to run") {
		t.Fatalf("Run with nodes that exit: err = %v, want one saying a node exited, with its output", err)
	}
	if len(spawned) != 3 || !strings.HasPrefix(spawned[0], KindMedchain+" ") {
		t.Fatalf("spawned %q, want three medchain nodes", spawned)
	}
	for _, s := range spawned {
		home := strings.TrimPrefix(s, KindMedchain+" ")
		if _, err := os.Stat(home); !os.IsNotExist(err) {
			t.Errorf("%s is left behind (%v)", home, err)
		}
	}
}

func TestRunValidatorsRefused(t *testing.T) {
	spawn := func(kind, home string) *exec.Cmd { t.Fatalf("spawned %s %s", kind, home); return nil }
	for _, tc := range []struct {
		c    Config
		want string
	}{
		{Config{Workload: Patients{}, Txs: 1, Concurrency: 1, Validators: 4}, "needs a command to start node processes"},
		{Config{Workload: Patients{}, Txs: 1, Concurrency: 1, Validators: 11, Spawn: spawn}, "at most 10"},
		{Config{Workload: Patients{}, Txs: 1, Concurrency: 1, Validators: 2, Spawn: spawn, API: "http://127.0.0.1:1", RPC: "http://127.0.0.1:1"}, "cannot be used with --node"},
	} {
		if _, err := Run(context.Background(), tc.c); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Run(%+v): err = %v, want %q", tc.c, err, tc.want)
		}
	}
	for _, w := range []string{"supply", "donations", "claims", "pools"} {
		wl, err := NewWorkload(w)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Run(context.Background(), Config{Workload: wl, Txs: 1, Concurrency: 1, Validators: 4, Spawn: spawn})
		if err == nil || !strings.Contains(err.Error(), "workload "+w+" cannot run on 4 validators") {
			t.Errorf("%s on 4 validators: err = %v", w, err)
		}
	}
}

var sink int

// pidCPU and pidRSS read another process: here this one, which has used
// CPU time and memory.
func TestProcessUsage(t *testing.T) {
	if !procMeasured {
		t.Log("other processes are not measured on " + runtime.GOOS)
		return
	}
	// /proc counts in steps of 10 ms: use some first.
	for x := 0; processCPU() < 50*time.Millisecond; x++ {
		sink = x
	}
	if cpu := pidCPU(os.Getpid()); cpu < 40*time.Millisecond {
		t.Errorf("pidCPU(self) = %v", cpu)
	}
	if rss := pidRSS(os.Getpid()); rss < 1<<20 {
		t.Errorf("pidRSS(self) = %d bytes", rss)
	}
	if cpu, rss := pidCPU(1<<30), pidRSS(1<<30); cpu != 0 || rss != 0 {
		t.Errorf("a process that does not exist: %v, %d", cpu, rss)
	}
}

// --rate paces the submissions: with a limiter of R a second and a burst
// of one, n submissions cannot take less than (n-1)/R, however fast the
// node answers. (A bound the pacing guarantees, not a speed of the node.)
func TestRunPaced(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	const n, perSec = 41, 100.0
	rep, err := Run(ctx, Config{Workload: Patients{}, Txs: n, Concurrency: 8, Rate: perSec,
		TimeoutCommit: 100 * time.Millisecond, CommitTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Medchain
	if s.Committed != n {
		t.Fatalf("committed %d of %d (rejected %d: %s)", s.Committed, n, s.Rejected, s.FirstRejection)
	}
	// Accepted / the submission phase, which lasted at least (n-1)/R.
	if limit := float64(n) / (float64(n-1) / perSec); s.SubmitTxPerSec > limit {
		t.Errorf("submitted at %.1f tx/s, paced to %v: more than %.1f", s.SubmitTxPerSec, perSec, limit)
	}
	if rep.Rate != perSec {
		t.Errorf("report rate %v, want %v", rep.Rate, perSec)
	}
}

// A full mempool is "later", not "no": the node's 503 api.mempool_full and
// CometBFT's RPC error are told apart from refusals, and submit sends the
// transaction again until it is taken.
func TestBusyTargetsAreRetried(t *testing.T) {
	full := `{"type":"urn:medchain:problem:api.mempool_full","title":"Mempool full","status":503,"detail":"mempool is full: number of txs 50000 (max: 50000)","code":"api.mempool_full"}`
	answers := map[string]struct {
		status int
		body   string
	}{
		"/medchain-full":   {503, full},
		"/medchain-refuse": {422, `{"code":"identity.unknown_signer","status":422}`},
		"/medchain-down":   {503, `{"code":"api.unavailable","status":503}`},
		"/kv-full/":        {200, `{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"Internal error","data":"error on broadcastTxSync: mempool is full: number of txs 50000 (max: 50000)"}}`},
		"/kv-refuse/":      {200, `{"jsonrpc":"2.0","id":1,"result":{"code":1,"log":"bad tx"}}`},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := strings.TrimSuffix(r.URL.Path, "/v1/txs")
		a, ok := answers[path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(a.status)
		io.WriteString(w, a.body)
	}))
	defer srv.Close()
	ctx := context.Background()
	for _, tc := range []struct {
		send func(context.Context, []byte) error
		busy bool
	}{
		{newMedchain(srv.URL+"/medchain-full", 1).send, true},
		{newMedchain(srv.URL+"/medchain-refuse", 1).send, false},
		{newMedchain(srv.URL+"/medchain-down", 1).send, false},
		{newKVClient(srv.URL+"/kv-full", 1).send, true},
		{newKVClient(srv.URL+"/kv-refuse", 1).send, false},
	} {
		err := tc.send(ctx, []byte("tx"))
		if err == nil || errors.Is(err, errBusy) != tc.busy {
			t.Errorf("err = %v, busy %v; want busy %v", err, errors.Is(err, errBusy), tc.busy)
		}
	}

	// submit: busy twice, then taken; a refusal is not sent again.
	var calls int
	flaky := func(context.Context, []byte) error {
		calls++
		if calls <= 2 {
			return fmt.Errorf("%w: full", errBusy)
		}
		return nil
	}
	var retried atomic.Int64
	if err := submit(ctx, flaky, nil, &retried); err != nil || calls != 3 || retried.Load() != 2 {
		t.Errorf("busy twice: err %v, %d calls, %d retried; want nil, 3, 2", err, calls, retried.Load())
	}
	refused := errors.New("refused")
	calls = 0
	if err := submit(ctx, func(context.Context, []byte) error { calls++; return refused }, nil, &retried); err != refused || calls != 1 {
		t.Errorf("a refusal: err %v after %d calls", err, calls)
	}
	// A busy target and a done context: submit gives up.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := submit(cctx, func(context.Context, []byte) error { return errBusy }, nil, &retried); !errors.Is(err, context.Canceled) {
		t.Errorf("busy with a done context: %v", err)
	}
}
