package node

import (
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/ledger"
)

// Domain events are counted by type as blocks commit, every declared type
// from zero, end-of-block events included.
func TestEventMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := newChainMetrics(reg)
	m.BlockStarted(1)
	m.BlockCommitted(chain.Block{Height: 1,
		Results: []chain.TxResult{
			{Type: "records/break-glass", Events: []ledger.Event{{Type: "records.break_glass"}}},
			{Type: "records/break-glass", Events: []ledger.Event{{Type: "records.break_glass"}}},
			{Type: "supply/report-scan", Code: ledger.Code{Space: "supply", Number: 13, Name: "duplicate_alert"}},
			{Type: "records/receipts", Events: []ledger.Event{
				{Type: "records.read", Attrs: []ledger.Attr{{Key: "outcome", Value: "denied"}}},
				{Type: "records.read", Attrs: []ledger.Attr{{Key: "outcome", Value: "denied"}}},
				{Type: "records.read", Attrs: []ledger.Attr{{Key: "outcome", Value: "granted"}}},
			}},
			{Type: "claims/adjudicate", Events: []ledger.Event{{Type: "claims.adjudicated", Attrs: []ledger.Attr{{Key: "claim", Value: "cl-1"}, {Key: "status", Value: "denied"}}}}},
			{Type: "claims/adjudicate", Events: []ledger.Event{{Type: "claims.adjudicated", Attrs: []ledger.Attr{{Key: "status", Value: "partly-approved"}}}}},
			{Type: "claims/adjudicate", Events: []ledger.Event{{Type: "claims.adjudicated", Attrs: []ledger.Attr{{Key: "status", Value: "denied"}}}}},
			{Type: "claims/pay", Events: []ledger.Event{{Type: "claims.status", Attrs: []ledger.Attr{{Key: "status", Value: "paid"}}}}},
		},
		Events: []ledger.Event{{Type: "governance.decided"}},
	})
	for typ, want := range map[string]float64{"records.break_glass": 2, "governance.decided": 1, "supply.alert": 0} {
		if got := testutil.ToFloat64(m.events.WithLabelValues(typ)); got != want {
			t.Errorf("medchain_events_total{type=%q} = %v, want %v", typ, got, want)
		}
	}
	for outcome, want := range map[string]float64{"denied": 2, "granted": 1} {
		if got := testutil.ToFloat64(m.reads.WithLabelValues(outcome)); got != want {
			t.Errorf("medchain_record_reads_total{outcome=%q} = %v, want %v", outcome, got, want)
		}
	}
	for outcome, want := range map[string]float64{"denied": 2, "partly-approved": 1, "approved": 0} {
		if got := testutil.ToFloat64(m.decisions.WithLabelValues(outcome)); got != want {
			t.Errorf("medchain_claims_decided_total{outcome=%q} = %v, want %v", outcome, got, want)
		}
	}
	if n, err := testutil.GatherAndCount(reg, "medchain_claims_decided_total"); err != nil || n != 3 {
		t.Errorf("%d claims decision series (%v), want 3", n, err)
	}
	n, err := testutil.GatherAndCount(reg, "medchain_events_total")
	if err != nil || n != len(chain.Events()) {
		t.Errorf("%d event series (%v), want one per declared type: %d", n, err, len(chain.Events()))
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP medchain_block_height Height of the last committed block.
# TYPE medchain_block_height gauge
medchain_block_height 1
`), "medchain_block_height"); err != nil {
		t.Error(err)
	}
}

// A node's /metrics serves CometBFT's own metrics (consensus, p2p,
// mempool, state, blocksync, statesync) beside medchain's, from the node's
// own registry: two nodes in one process each serve theirs (CometBFT
// would otherwise register them globally, and the second node would
// panic), and medchain_build_info says what the binary is.
func TestNodeMetrics(t *testing.T) {
	for i := range 2 {
		n, _ := startDev(t)
		// Consensus has committed by readiness; wait for a block after it.
		var body string
		waitFor(t, "cometbft_consensus_height on /metrics", 20*time.Second, func() bool {
			body = getMetrics(t, n.APIURL())
			h, ok := metricValue(body, `cometbft_consensus_height{chain_id="`+DevChainID+`"}`)
			return ok && h >= 2
		})
		for _, name := range []string{
			"cometbft_consensus_validators{", "cometbft_consensus_total_txs{", "cometbft_mempool_size{",
			"cometbft_state_block_processing_time_bucket{",
			"medchain_block_height ", `medchain_build_info{app_version="` + strconv.FormatUint(AppVersion, 10) + `"`,
			`goversion="` + runtime.Version() + `"`, "go_build_info{",
		} {
			if !strings.Contains(body, "\n"+name) && !strings.Contains(body, name) {
				t.Errorf("node %d: /metrics has no %s", i, name)
			}
		}
		if v, ok := metricValue(body, "medchain_block_height"); !ok || v < 1 {
			t.Errorf("node %d: medchain_block_height %v", i, v)
		}
	}
}

func getMetrics(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %v", resp.StatusCode, err)
	}
	return string(b)
}

// metricValue is the value of the series whose line starts with series
// (name and labels as printed).
func metricValue(body, series string) (float64, bool) {
	for line := range strings.SplitSeq(body, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			return v, err == nil
		}
	}
	return 0, false
}
