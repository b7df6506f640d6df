package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cometbft/cometbft/abci/example/kvstore"
	cmtcfg "github.com/cometbft/cometbft/config"
	cmtlog "github.com/cometbft/cometbft/libs/log"
	nm "github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/proxy"
	"github.com/cometbft/cometbft/types"

	"github.com/medchain/medchain/internal/node"
)

// startMedchain starts a one-validator medchain network in dir, in process,
// on free loopback ports.
func startMedchain(ctx context.Context, dir string, timeoutCommit time.Duration) (*node.Node, error) {
	base, err := freePortPair()
	if err != nil {
		return nil, err
	}
	api, err := freePort()
	if err != nil {
		return nil, err
	}
	homes, err := node.Testnet(dir, node.TestnetOptions{
		Validators: 1, ChainID: "medchain-bench", BasePort: base, APIPort: api, TimeoutCommit: timeoutCommit,
	})
	if err != nil {
		return nil, fmt.Errorf("bench: make a node home: %w", err)
	}
	// The benchmark is the node's only client and sends as fast as it
	// can, on as many connections as it has workers: the per-client rate
	// and connection limits would measure themselves.
	cfg, err := node.LoadAppConfig(homes[0].Home)
	if err != nil {
		return nil, err
	}
	cfg.API.RateLimit = 0
	cfg.API.MaxConnectionsPerClient = 0
	if err := node.WriteAppConfig(homes[0].Home, cfg); err != nil {
		return nil, err
	}
	n, err := node.Start(ctx, homes[0].Home, node.Options{LogOutput: io.Discard})
	if err != nil {
		return nil, fmt.Errorf("bench: start a medchain node: %w", err)
	}
	return n, nil
}

// kvNode is CometBFT's kvstore example app on a CometBFT node in this
// process.
type kvNode struct {
	rpcURL string
	node   *nm.Node
	app    *kvstore.Application
}

// kvSpec is what a kvstore home holds beside CometBFT's keys and genesis:
// the settings its node starts with (file kvSpecFile). CometBFT's own
// config.toml is not used, so that a home started in process and one
// started by `medchain bench kvstore-node` run with the same settings.
type kvSpec struct {
	P2PPort         int    `json:"p2p_port"`
	RPCPort         int    `json:"rpc_port"`
	PersistentPeers string `json:"persistent_peers,omitempty"`
	TimeoutCommitMS int64  `json:"timeout_commit_ms"`
}

const kvSpecFile = "bench-kvstore.json"

// writeKVHomes writes the homes of an n-validator kvstore network on
// loopback under dir (node0 ... node{n-1}), node k listening for p2p on
// basePort+10k and RPC on basePort+10k+1, as node.Testnet lays out
// medchain's. It returns the homes.
func writeKVHomes(dir string, n, basePort int, timeoutCommit time.Duration) ([]string, error) {
	homes := make([]string, n)
	pvs := make([]*privval.FilePV, n)
	ids := make([]p2p.ID, n)
	vals := make([]types.GenesisValidator, n)
	for k := range n {
		homes[k] = filepath.Join(dir, fmt.Sprintf("node%d", k))
		cfg := cmtcfg.DefaultConfig()
		cfg.SetRoot(homes[k])
		for _, d := range []string{filepath.Join(homes[k], "config"), filepath.Join(homes[k], "data")} {
			if err := os.MkdirAll(d, 0o700); err != nil {
				return nil, fmt.Errorf("bench: kvstore: %w", err)
			}
		}
		pvs[k] = privval.GenFilePV(cfg.PrivValidatorKeyFile(), cfg.PrivValidatorStateFile())
		pvs[k].Save()
		nodeKey, err := p2p.LoadOrGenNodeKey(cfg.NodeKeyFile())
		if err != nil {
			return nil, fmt.Errorf("bench: kvstore node key: %w", err)
		}
		ids[k] = nodeKey.ID()
		pub, err := pvs[k].GetPubKey()
		if err != nil {
			return nil, fmt.Errorf("bench: kvstore validator key: %w", err)
		}
		vals[k] = types.GenesisValidator{Address: pub.Address(), PubKey: pub, Power: 10, Name: fmt.Sprintf("kvstore%d", k)}
	}
	doc := &types.GenesisDoc{
		ChainID:         "kvstore-bench",
		GenesisTime:     time.Now().UTC(),
		InitialHeight:   1,
		ConsensusParams: types.DefaultConsensusParams(), // as medchain's genesis
		Validators:      vals,
	}
	if err := doc.ValidateAndComplete(); err != nil {
		return nil, fmt.Errorf("bench: kvstore genesis: %w", err)
	}
	for k, home := range homes {
		cfg := cmtcfg.DefaultConfig()
		cfg.SetRoot(home)
		if err := doc.SaveAs(cfg.GenesisFile()); err != nil {
			return nil, fmt.Errorf("bench: kvstore genesis: %w", err)
		}
		spec := kvSpec{P2PPort: basePort + 10*k, RPCPort: basePort + 10*k + 1, TimeoutCommitMS: timeoutCommit.Milliseconds()}
		// Only the higher-numbered node of a pair dials, as in
		// node.Testnet: two nodes dialling each other at once can drop
		// both connections as duplicates and go on redialling.
		var peers []string
		for j := range k {
			peers = append(peers, fmt.Sprintf("%s@127.0.0.1:%d", ids[j], basePort+10*j))
		}
		spec.PersistentPeers = strings.Join(peers, ",")
		b, err := json.Marshal(spec)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(home, kvSpecFile), b, 0o600); err != nil {
			return nil, fmt.Errorf("bench: kvstore: %w", err)
		}
	}
	return homes, nil
}

// startKVNode starts the kvstore node of a home writeKVHomes made, in this
// process, with the consensus and mempool settings medchain writes for its
// own nodes.
func startKVNode(home string) (*kvNode, error) {
	b, err := os.ReadFile(filepath.Join(home, kvSpecFile))
	if err != nil {
		return nil, fmt.Errorf("bench: %s is not a kvstore home bench made: %w", home, err)
	}
	var spec kvSpec
	if err := json.Unmarshal(b, &spec); err != nil {
		return nil, fmt.Errorf("bench: %s: %w", kvSpecFile, err)
	}
	cfg := cmtcfg.DefaultConfig()
	cfg.SetRoot(home)
	cfg.Moniker = "kvstore-bench-" + filepath.Base(home)
	cfg.P2P.ListenAddress = "tcp://127.0.0.1:" + strconv.Itoa(spec.P2PPort)
	cfg.RPC.ListenAddress = "tcp://127.0.0.1:" + strconv.Itoa(spec.RPCPort)
	cfg.P2P.PersistentPeers = spec.PersistentPeers
	cfg.P2P.AllowDuplicateIP = true
	cfg.P2P.AddrBookStrict = false
	cfg.Consensus.TimeoutCommit = time.Duration(spec.TimeoutCommitMS) * time.Millisecond
	cfg.Mempool.Size = 50_000
	cfg.Mempool.CacheSize = 200_000
	cfg.Instrumentation.Prometheus = false
	pv := privval.LoadFilePV(cfg.PrivValidatorKeyFile(), cfg.PrivValidatorStateFile())
	nodeKey, err := p2p.LoadNodeKey(cfg.NodeKeyFile())
	if err != nil {
		return nil, fmt.Errorf("bench: kvstore node key: %w", err)
	}
	app := kvstore.NewPersistentApplication(filepath.Join(home, "kvstore"))
	// One mutex per ABCI connection, as medchain's node has
	// (internal/node): CheckTx of the mempool connection runs beside
	// FinalizeBlock of the consensus one on both sides of the comparison.
	n, err := nm.NewNode(cfg, pv, nodeKey, proxy.NewConnSyncLocalClientCreator(app),
		nm.DefaultGenesisDocProviderFunc(cfg), cmtcfg.DefaultDBProvider,
		nm.DefaultMetricsProvider(cfg.Instrumentation), cmtlog.NewNopLogger())
	if err != nil {
		app.Close()
		return nil, fmt.Errorf("bench: create the kvstore node: %w", err)
	}
	if err := n.Start(); err != nil {
		app.Close()
		return nil, fmt.Errorf("bench: start the kvstore node: %w", err)
	}
	return &kvNode{rpcURL: "http://127.0.0.1:" + strconv.Itoa(spec.RPCPort), node: n, app: app}, nil
}

// startKVStore starts a one-validator kvstore network in dir, in process.
func startKVStore(ctx context.Context, dir string, timeoutCommit time.Duration) (*kvNode, error) {
	base, err := freePortPair()
	if err != nil {
		return nil, err
	}
	homes, err := writeKVHomes(dir, 1, base, timeoutCommit)
	if err != nil {
		return nil, err
	}
	kv, err := startKVNode(homes[0])
	if err != nil {
		return nil, err
	}
	if _, err := newRPC(kv.rpcURL).waitHeight(ctx, 1, 30*time.Second); err != nil {
		kv.stop()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("bench: the kvstore node made no block: %w", err)
	}
	return kv, nil
}

// ServeKVStore runs the kvstore node of a home bench wrote until ctx is
// done: the node process of a multi-validator baseline (`medchain bench
// kvstore-node`).
func ServeKVStore(ctx context.Context, home string) error {
	kv, err := startKVNode(home)
	if err != nil {
		return err
	}
	<-ctx.Done()
	return kv.stop()
}

func (k *kvNode) stop() error {
	var errs []error
	if k.node.IsRunning() {
		errs = append(errs, k.node.Stop())
		k.node.Wait()
	}
	errs = append(errs, k.app.Close())
	return errors.Join(errs...)
}

// kvTxs makes n distinct kvstore txs "key=value" of size bytes each: a
// random run prefix and the tx's number as key, random hex as value.
func kvTxs(n, size int) ([][]byte, error) {
	prefix := make([]byte, 8)
	if _, err := rand.Read(prefix); err != nil {
		return nil, err
	}
	txs := make([][]byte, n)
	buf := make([]byte, size)
	for i := range txs {
		key := fmt.Sprintf("%x%08x", prefix, i)
		valueLen := max(size-len(key)-1, 1)
		if _, err := rand.Read(buf[:(valueLen+1)/2]); err != nil {
			return nil, err
		}
		t := make([]byte, 0, len(key)+1+valueLen)
		t = append(t, key...)
		t = append(t, '=')
		t = append(t, hex.EncodeToString(buf[:(valueLen+1)/2])[:valueLen]...)
		txs[i] = t
	}
	return txs, nil
}

// freePort returns a loopback TCP port free at the time of asking.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("bench: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// freePortPair returns a port p such that p and p+1 are free, as
// node.Testnet wants (p2p on p, RPC on p+1).
func freePortPair() (int, error) {
	for range 50 {
		p, err := freePort()
		if err != nil {
			return 0, err
		}
		if p >= 65535 {
			continue
		}
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+1))
		if err != nil {
			continue
		}
		l.Close()
		return p, nil
	}
	return 0, errors.New("bench: found no two consecutive free ports")
}
