package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
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

// kvNode is CometBFT's kvstore example app on an in-process CometBFT node.
type kvNode struct {
	rpcURL string
	node   *nm.Node
	app    *kvstore.Application
}

// startKVStore starts kvstore in dir with the consensus and mempool settings
// medchain writes for its own nodes.
func startKVStore(ctx context.Context, dir string, timeoutCommit time.Duration) (*kvNode, error) {
	p2pPort, err := freePort()
	if err != nil {
		return nil, err
	}
	rpcPort, err := freePort()
	if err != nil {
		return nil, err
	}
	cfg := cmtcfg.DefaultConfig()
	cfg.SetRoot(dir)
	cfg.Moniker = "kvstore-bench"
	cfg.P2P.ListenAddress = "tcp://127.0.0.1:" + strconv.Itoa(p2pPort)
	cfg.RPC.ListenAddress = "tcp://127.0.0.1:" + strconv.Itoa(rpcPort)
	cfg.P2P.AllowDuplicateIP = true
	cfg.P2P.AddrBookStrict = false
	cfg.Consensus.TimeoutCommit = timeoutCommit
	cfg.Mempool.Size = 50_000
	cfg.Mempool.CacheSize = 200_000
	cfg.Instrumentation.Prometheus = false
	for _, d := range []string{filepath.Join(dir, "config"), filepath.Join(dir, "data")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("bench: kvstore: %w", err)
		}
	}
	pv := privval.GenFilePV(cfg.PrivValidatorKeyFile(), cfg.PrivValidatorStateFile())
	pv.Save()
	nodeKey, err := p2p.LoadOrGenNodeKey(cfg.NodeKeyFile())
	if err != nil {
		return nil, fmt.Errorf("bench: kvstore node key: %w", err)
	}
	pub, err := pv.GetPubKey()
	if err != nil {
		return nil, fmt.Errorf("bench: kvstore validator key: %w", err)
	}
	doc := &types.GenesisDoc{
		ChainID:         "kvstore-bench",
		GenesisTime:     time.Now().UTC(),
		InitialHeight:   1,
		ConsensusParams: types.DefaultConsensusParams(), // as medchain's genesis
		Validators:      []types.GenesisValidator{{Address: pub.Address(), PubKey: pub, Power: 10, Name: "kvstore"}},
	}
	if err := doc.ValidateAndComplete(); err != nil {
		return nil, fmt.Errorf("bench: kvstore genesis: %w", err)
	}
	if err := doc.SaveAs(cfg.GenesisFile()); err != nil {
		return nil, fmt.Errorf("bench: kvstore genesis: %w", err)
	}

	app := kvstore.NewPersistentApplication(filepath.Join(dir, "kvstore"))
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
	kv := &kvNode{rpcURL: "http://127.0.0.1:" + strconv.Itoa(rpcPort), node: n, app: app}
	if _, err := newRPC(kv.rpcURL).waitHeight(ctx, 1, 30*time.Second); err != nil {
		kv.stop()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("bench: the kvstore node made no block: %w", err)
	}
	return kv, nil
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
