package node

import (
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"

	"github.com/cometbft/cometbft/blocksync"
	cs "github.com/cometbft/cometbft/consensus"
	mempl "github.com/cometbft/cometbft/mempool"
	nm "github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/proxy"
	sm "github.com/cometbft/cometbft/state"
	"github.com/cometbft/cometbft/statesync"
	cmtversion "github.com/cometbft/cometbft/version"
	"github.com/prometheus/client_golang/prometheus"
)

// CometNamespace prefixes CometBFT's own metrics on the node's /metrics
// (cometbft_consensus_height, cometbft_p2p_peers...), as CometBFT's own
// endpoint would name them.
const CometNamespace = "cometbft"

// defaultRegisterer guards prometheus.DefaultRegisterer while CometBFT's
// metrics are made (cometMetrics).
var defaultRegisterer sync.Mutex

// cometMetrics is CometBFT's metrics provider with its collectors
// registered in reg, the node's own registry, instead of a second HTTP
// listener (CometBFT's [instrumentation] prometheus stays off). CometBFT
// makes its metrics with go-kit, which registers every collector with
// prometheus.DefaultRegisterer and would panic on the second node of a
// process; so the default registerer is reg while they are made, under a
// lock, and restored at once. Nothing else of medchain registers with the
// default registerer.
func cometMetrics(reg prometheus.Registerer) nm.MetricsProvider {
	return func(chainID string) (*cs.Metrics, *p2p.Metrics, *mempl.Metrics, *sm.Metrics, *proxy.Metrics, *blocksync.Metrics, *statesync.Metrics) {
		defaultRegisterer.Lock()
		defer defaultRegisterer.Unlock()
		old := prometheus.DefaultRegisterer
		prometheus.DefaultRegisterer = reg
		defer func() { prometheus.DefaultRegisterer = old }()
		return cs.PrometheusMetrics(CometNamespace, "chain_id", chainID),
			p2p.PrometheusMetrics(CometNamespace, "chain_id", chainID),
			mempl.PrometheusMetrics(CometNamespace, "chain_id", chainID),
			sm.PrometheusMetrics(CometNamespace, "chain_id", chainID),
			proxy.PrometheusMetrics(CometNamespace, "chain_id", chainID),
			blocksync.PrometheusMetrics(CometNamespace, "chain_id", chainID),
			statesync.PrometheusMetrics(CometNamespace, "chain_id", chainID)
	}
}

// buildInfo is medchain_build_info: 1, labelled with what the binary is
// (version and VCS revision from its build information, the Go and
// CometBFT versions, the chain application's version).
func buildInfo() prometheus.Collector {
	version, revision, modified := "(unknown)", "", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "medchain_build_info",
		Help: "1, labelled with the node's software: medchain version and revision, Go, CometBFT and the chain application's version.",
		ConstLabels: prometheus.Labels{
			"version": version, "revision": revision, "modified": modified, "goversion": runtime.Version(),
			"cometbft": cmtversion.TMCoreSemVer, "app_version": strconv.FormatUint(AppVersion, 10),
		},
	})
	g.Set(1)
	return g
}
