package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/medchain/medchain/internal/bench"
)

type benchOptions struct {
	g             *Global
	rpc           string
	txs, conc     int
	segment       int
	baseline      bool
	json          bool
	workload      string
	timeoutCommit time.Duration
	commitTimeout time.Duration
	cpuProfile    string
	memProfile    string
	validators    int
	rate          float64
}

func newBenchCmd(g *Global) *cobra.Command {
	o := &benchOptions{g: g}
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure committed transactions per second and commit latency",
		Long: `Send signed transactions to a medchain node at a set concurrency and report
committed tx/s and the latency from submission to commit (p50/p95/p99).

Without --node, bench starts a one-validator node in this process, in a temporary
directory it removes afterwards. With the --node flag (not $MEDCHAIN_NODE alone)
it targets a running node's API; --rpc is that node's CometBFT RPC (default: the
same host, port 26657).

All transactions are signed before timing starts. They are sent as raw bytes to
POST /v1/txs?wait=sync; a non-200 answer counts as rejected, except 503
api.mempool_full: a full mempool is the node asking to be sent it later, so bench
sends it again after a pause (20 ms, doubling to 500 ms) and counts the retries. Commits are seen
by polling the CometBFT RPC (/status, /block) every 15 ms: a transaction's
commit time is when its block was first seen. Which committed transactions
failed is read from /block_results after the timed phase, so that encoding
the blocks' events for bench is not counted against medchain.

  committed tx/s   successful committed txs / (last commit seen - first submission)
  latency          commit seen - submission, over committed txs
  submit tx/s      accepted txs / submission phase
  CPU µs/tx        CPU time of this process (node and load generator) per
                   committed tx, when bench started the node: unlike tx/s
                   it hardly changes with other work on the machine

--segment N also reports every stretch of at least N committed transactions
(whole blocks): its tx/s, CPU µs/tx and this process's resident memory at its
end, for both targets. It shows whether the cost per transaction stays flat as
the ledger grows.

--validators N starts networks of N validators instead, each node its own
process (this binary: medchain start, and bench kvstore-node for the baseline)
on loopback, in temporary directories. The timed transactions go to the nodes
in turn, as clients of N organisations would send them; commits are observed
on node 0, so the latency is to the commit as node 0 saw it. CPU µs/tx is then
that of all the node processes and bench together; --segment's memory is the
sum of the nodes'. The patients and records workloads run on any number; the
others admit organisations by a proposal one organisation passes alone only on
one validator.

--rate R paces the submissions to R transactions a second altogether, for both
targets: the commit latency of a network under a load it keeps up with. Without
it the workers send as fast as the node answers, and the latency is mostly the
wait behind the mempool's backlog.

--baseline then runs CometBFT's own kvstore example app (in process, or as
--validators processes) with the same timeout_commit, mempool settings and ABCI
concurrency (one mutex per connection, as medchain's node), the same number of
"key=value" transactions of the same mean size at the same concurrency and rate
(broadcast_tx_sync over its HTTP RPC), and prints the ratio medchain/kvstore. docs/performance.md has the
figures and where the time goes.

Workloads:
  patients   identity/register-patient, each signed by a fresh key
  records    records/add, one record anchor per tx, signed by a physician the
             setup registers (against a running node, --as names an
             organisation admin who registers it)
  supply     supply/events, 10 EPCIS commissioning events of 5 units each per
             tx, made from real EPCIS 2.0 documents (validated, hashed and
             mapped as POST /v1/supply/epcis does); events/s = committed tx/s
             x 10. The setup admits a manufacturer by a governance proposal
             of the admin, which passes alone only in a one-organisation
             network such as the node bench starts
  donations  half donations/pledge (one mask each), half deliveries:
             donations/link-shipment of a shipment the hospital received,
             whose receipt the chain reads from supply; donations/s and
             deliveries/s are each half the committed tx/s. The setup
             admits a charity and a manufacturer by proposals of the
             admin (a hospital's, as in the node bench starts), opens a
             campaign for the hospital's need, and pledges, ships and
             receives one mask per delivery
  claims     half claims/submit (a two-item FHIR claim's hash), half
             claims/adjudicate of a claim submitted in the setup (per-item
             decisions the chain checks); claims/s and decisions/s are each
             half the committed tx/s, the p99 latency is to a decision. The
             setup admits an insurer by a proposal of the admin, publishes
             its plan, records a patient's coverage and submits the claims
             the timed decisions decide
  pools      pools/join, each by a patient the setup registers: joins/s is
             the committed tx/s. The setup admits an insurer by a proposal
             of the admin and has it create a pool

Examples:
  medchain bench
  medchain bench --txs 20000 --concurrency 64 --baseline
  medchain bench --validators 4 --txs 20000 --baseline
  medchain bench --validators 4 --txs 5000 --rate 500 --baseline
  medchain bench --node http://127.0.0.1:8080 --txs 5000 --json
  medchain bench --workload records --txs 10000
  medchain bench --workload records --txs 1000000 --segment 100000
  medchain bench --workload supply --txs 2000 --concurrency 32
  medchain bench --workload donations --txs 2000
  medchain bench --workload claims --txs 2000
  medchain bench --workload pools --txs 5000
  medchain bench --node http://127.0.0.1:8080 --workload records --as hospital-admin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	f := cmd.Flags()
	f.StringVar(&o.rpc, "rpc", "", "CometBFT RPC URL of the --node (default: its host, port 26657)")
	f.IntVar(&o.txs, "txs", 5000, "number of transactions to send")
	f.IntVarP(&o.conc, "concurrency", "c", 64, "concurrent submitters")
	f.BoolVar(&o.baseline, "baseline", false, "also measure CometBFT's kvstore example app, after medchain")
	f.BoolVar(&o.json, "json", false, "print one JSON object and no progress bars (same as --output json)")
	f.StringVar(&o.workload, "workload", "patients", "what to send: "+strings.Join(bench.Workloads(), ", "))
	f.DurationVar(&o.timeoutCommit, "timeout-commit", bench.DefaultTimeoutCommit, "CometBFT timeout_commit of the nodes bench starts (medchain without --node, and kvstore)")
	f.IntVar(&o.segment, "segment", 0, "also report every N committed txs: their tx/s, CPU µs/tx and the process's resident memory (to see the cost as the chain grows)")
	f.DurationVar(&o.commitTimeout, "commit-timeout", bench.DefaultCommitTimeout, "how long to wait after the last submission for accepted txs to commit")
	f.IntVar(&o.validators, "validators", 1, "validators of the networks bench starts, each node its own process (medchain and the kvstore baseline)")
	f.Float64Var(&o.rate, "rate", 0, "pace the submissions to this many tx/s altogether (default: as fast as the node answers)")
	f.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of medchain's timed phase to this file")
	f.MarkHidden("cpuprofile")
	f.StringVar(&o.memProfile, "memprofile", "", "write an allocation profile of medchain's timed phase to this file")
	f.MarkHidden("memprofile")
	cmd.AddCommand(newBenchKVStoreNodeCmd(g))
	return cmd
}

// newBenchKVStoreNodeCmd is the process of one kvstore validator of
// bench --validators N --baseline.
func newBenchKVStoreNodeCmd(g *Global) *cobra.Command {
	return &cobra.Command{
		Use:    "kvstore-node",
		Short:  "Run one node of the kvstore baseline network bench --validators starts",
		Hidden: true,
		Long: `Run CometBFT's kvstore example app on a CometBFT node from a home that
medchain bench wrote (--home), until interrupted. bench --validators N --baseline
starts N of these; it is not meant to be run by hand.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return bench.ServeKVStore(cmd.Context(), g.Home) },
	}
}

// spawnNode starts one node of a bench network with this binary: the one
// the command was run as (os.Args[0], found as the shell found it), which
// under a test harness's alias can differ from os.Executable.
func spawnNode(kind, home string) *exec.Cmd {
	exe, err := exec.LookPath(os.Args[0])
	if err != nil {
		if exe, err = os.Executable(); err != nil {
			exe = os.Args[0]
		}
	}
	if kind == bench.KindKVStore {
		return exec.Command(exe, "bench", "kvstore-node", "--home", home)
	}
	return exec.Command(exe, "start", "--home", home)
}

func (o *benchOptions) run(cmd *cobra.Command) error {
	g := o.g
	asJSON := o.json || g.JSON()
	w, err := bench.NewWorkload(o.workload)
	if err != nil {
		return err
	}
	c := bench.Config{
		Workload: w, Txs: o.txs, Concurrency: o.conc, Baseline: o.baseline,
		TimeoutCommit: o.timeoutCommit, CommitTimeout: o.commitTimeout, Segment: o.segment,
		Validators: o.validators, Spawn: spawnNode, Rate: o.rate,
	}
	if o.validators < 1 {
		return usageErrorf("--validators must be at least 1, got %d", o.validators)
	}
	if cmd.Flags().Changed("node") {
		c.API = strings.TrimRight(g.Node, "/")
		c.RPC = o.rpc
		if c.RPC == "" {
			if c.RPC, err = defaultRPC(c.API); err != nil {
				return err
			}
		}
		if g.As != "" {
			if c.Admin, _, err = signingKey(g); err != nil {
				return err
			}
		}
	} else if o.rpc != "" {
		return usageErrorf("--rpc needs --node: without --node bench starts its own node")
	}
	if !asJSON {
		c.Progress = g.Err
	}
	var profiles []func() func()
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer f.Close()
		profiles = append(profiles, func() func() {
			if err := pprof.StartCPUProfile(f); err != nil {
				fmt.Fprintln(g.Err, "medchain: --cpuprofile:", err)
				return func() {}
			}
			return pprof.StopCPUProfile
		})
	}
	if o.memProfile != "" {
		f, err := os.Create(o.memProfile)
		if err != nil {
			return fmt.Errorf("--memprofile: %w", err)
		}
		defer f.Close()
		// The allocs profile counts from the start of the process: write
		// the timed phase's as the difference of two snapshots (pprof -base).
		base := o.memProfile + ".base"
		profiles = append(profiles, func() func() {
			if err := writeAllocs(base); err != nil {
				fmt.Fprintln(g.Err, "medchain: --memprofile:", err)
			}
			return func() {
				runtime.GC() // the profile is as of the last collection
				if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
					fmt.Fprintln(g.Err, "medchain: --memprofile:", err)
				}
				fmt.Fprintf(g.Err, "medchain: allocations of the timed phase: go tool pprof -base %s %s\n", base, o.memProfile)
			}
		})
	}
	if len(profiles) > 0 {
		c.Profile = func() func() {
			var stops []func()
			for _, p := range profiles {
				stops = append(stops, p())
			}
			return func() {
				for _, stop := range stops {
					stop()
				}
			}
		}
	}

	rep, err := bench.Run(cmd.Context(), c)
	if err != nil {
		if errors.Is(err, context.Canceled) && cmd.Context().Err() != nil {
			return errors.New("bench: interrupted")
		}
		return err
	}
	if asJSON {
		enc := json.NewEncoder(g.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printBench(g.Out, rep)
	}
	if rep.Medchain.Committed == 0 {
		return errors.New("bench: no medchain transaction committed")
	}
	return nil
}

// defaultRPC is the CometBFT RPC beside an API URL: same host, port 26657.
func defaultRPC(api string) (string, error) {
	u, err := url.Parse(api)
	if err != nil || u.Host == "" {
		return "", usageErrorf("--node %q is not a URL like http://127.0.0.1:8080", api)
	}
	return "http://" + net.JoinHostPort(u.Hostname(), "26657"), nil
}

func printBench(w io.Writer, r *bench.Report) {
	fmt.Fprintf(w, "workload %s: %d txs at concurrency %d", r.Workload, r.Txs, r.Concurrency)
	if r.TimeoutCommitMS > 0 {
		fmt.Fprintf(w, ", timeout_commit %s", time.Duration(r.TimeoutCommitMS*float64(time.Millisecond)))
	}
	if r.Validators > 1 {
		fmt.Fprintf(w, ", %d validators", r.Validators)
	}
	if r.Rate > 0 {
		fmt.Fprintf(w, ", paced to %g tx/s", r.Rate)
	}
	fmt.Fprintf(w, "\nmedchain: %s\n", r.Medchain.Target)
	if r.Kvstore != nil {
		fmt.Fprintf(w, "kvstore: %s\n", r.Kvstore.Target)
	}
	fmt.Fprintln(w)

	sides := []*bench.Side{&r.Medchain}
	names := []string{"medchain"}
	if r.Kvstore != nil {
		sides = append(sides, r.Kvstore)
		names = append(names, "kvstore")
	}
	line := fmt.Sprintf("%-16s", "")
	for _, n := range names {
		line += fmt.Sprintf("%12s", n)
	}
	fmt.Fprintln(w, line)
	row := func(name string, v func(s *bench.Side) string) {
		line := fmt.Sprintf("%-16s", name)
		for _, s := range sides {
			line += fmt.Sprintf("%12s", v(s))
		}
		fmt.Fprintln(w, line)
	}
	f1 := func(x float64) string { return fmt.Sprintf("%.1f", x) }
	d := func(x int) string { return fmt.Sprint(x) }
	row("committed tx/s", func(s *bench.Side) string { return f1(s.TxPerSec) })
	row("latency p50 ms", func(s *bench.Side) string { return f1(s.P50MS) })
	row("latency p95 ms", func(s *bench.Side) string { return f1(s.P95MS) })
	row("latency p99 ms", func(s *bench.Side) string { return f1(s.P99MS) })
	row("latency max ms", func(s *bench.Side) string { return f1(s.MaxMS) })
	row("submit tx/s", func(s *bench.Side) string { return f1(s.SubmitTxPerSec) })
	row("committed", func(s *bench.Side) string { return d(s.Committed) })
	row("failed", func(s *bench.Side) string { return d(s.Failed) })
	row("rejected", func(s *bench.Side) string { return d(s.Rejected) })
	row("retried (full)", func(s *bench.Side) string { return d(s.Retried) })
	row("never committed", func(s *bench.Side) string { return d(s.Uncommitted) })
	row("blocks", func(s *bench.Side) string { return d(s.Blocks) })
	row("mean txs/block", func(s *bench.Side) string { return f1(s.MeanTxsPerBlock) })
	row("mean tx bytes", func(s *bench.Side) string { return f1(s.MeanTxBytes) })
	row("duration s", func(s *bench.Side) string { return fmt.Sprintf("%.2f", s.DurationS) })
	if r.Medchain.CPUPerTxUS > 0 {
		row("CPU µs/tx", func(s *bench.Side) string { return f1(s.CPUPerTxUS) })
	}
	if r.Ratio != nil {
		fmt.Fprintf(w, "\nmedchain/kvstore committed tx/s: %.2f\n", *r.Ratio)
	}
	for i, s := range sides {
		printSegments(w, names[i], s.Segments)
	}
	for i, s := range sides {
		if s.FirstRejection != "" {
			fmt.Fprintf(w, "\nfirst rejection (%s): %s\n", names[i], s.FirstRejection)
		}
	}
}

// printSegments prints a side's segments (--segment), if any.
func printSegments(w io.Writer, name string, segs []bench.Segment) {
	if len(segs) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s by segment\n%12s %12s %12s %12s\n", name, "committed", "tx/s", "CPU µs/tx", "RSS MiB")
	for _, s := range segs {
		cpu, rss := "-", "-"
		if s.CPUPerTxUS > 0 {
			cpu = fmt.Sprintf("%.1f", s.CPUPerTxUS)
		}
		if s.RSSMiB > 0 {
			rss = fmt.Sprintf("%.0f", s.RSSMiB)
		}
		fmt.Fprintf(w, "%12d %12.1f %12s %12s\n", s.Committed, s.TxPerSec, cpu, rss)
	}
}

// writeAllocs writes the allocs profile so far to path.
func writeAllocs(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	runtime.GC() // the profile is as of the last collection
	return pprof.Lookup("allocs").WriteTo(f, 0)
}
