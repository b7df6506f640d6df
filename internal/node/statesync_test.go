package node

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medchain/medchain/client/keystore"
)

// TestJoinByStateSync: a node joins a running network from a peer's
// snapshot, as `medchain init --genesis --peers --state-sync-rpc` sets it
// up: it never holds the early blocks, yet has the members registered in
// them, and follows the chain with the same app hash.
func TestJoinByStateSync(t *testing.T) {
	dir := t.TempDir()
	base := freeBase(t, 2)
	specs, err := Testnet(dir, TestnetOptions{Validators: 1, BasePort: base, APIPort: base + 5, TimeoutCommit: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	founderHome := specs[0].Home
	c, err := LoadAppConfig(founderHome)
	if err != nil {
		t.Fatal(err)
	}
	// A snapshot every 25 heights, the last five kept: each stays long
	// enough for the joiner's discovery (10 s) and fetch.
	c.State.SnapshotInterval, c.State.SnapshotKeep = 25, 5
	if err := WriteAppConfig(founderHome, c); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	founder, err := Start(ctx, founderHome, Options{LogOutput: logWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	defer founder.Stop()
	ks, err := keystore.Open(filepath.Join(founderHome, KeystoreFile))
	if err != nil {
		t.Fatal(err)
	}
	admin, err := ks.Key("admin", keystore.DevPassphrase)
	if err != nil {
		t.Fatal(err)
	}
	height := func(n *Node) int64 { return n.App().State().Version() }
	waitFor(t, "the first blocks", 30*time.Second, func() bool { return height(founder) >= 2 })
	for i := 0; i < 20; i++ {
		raw, err := nurseTx(admin, fmt.Sprintf("early-%d", i), uint64(i+1), height(founder)+100)
		if err != nil {
			t.Fatal(err)
		}
		if res, err := founder.RPC().BroadcastTxSync(ctx, raw); err != nil || res.Code != 0 {
			t.Fatalf("broadcast: %v %+v", err, res)
		}
	}
	org := specs[0].Org
	waitFor(t, "the members and a snapshot after them", 60*time.Second, func() bool {
		_, ok := founder.App().Identity().Member(founder.App().State().Committed(), org+"/early-19")
		entries, _ := os.ReadDir(filepath.Join(founderHome, "data", "snapshots"))
		return ok && len(entries) > 0 && height(founder) >= 27
	})

	// The joining node, set up as the documented command does.
	joinHome := filepath.Join(dir, "joiner")
	res, err := Init(joinHome, InitOptions{
		Genesis: filepath.Join(founderHome, "config", "genesis.json"),
		Peers:   []string{fmt.Sprintf("%s@127.0.0.1:%d", specs[0].NodeID, specs[0].Ports.P2P)},
		Ports:   Ports{P2P: base + 10, RPC: base + 11, API: base + 12}, P2PListen: "127.0.0.1",
		StateSyncRPC: []string{fmt.Sprintf("http://127.0.0.1:%d", specs[0].Ports.RPC)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.TrustHeight < 27 || len(res.TrustHash) != 64 {
		t.Fatalf("trusted header: %d %q", res.TrustHeight, res.TrustHash)
	}
	// The joiner's log, CometBFT's state sync included, is shown if it fails.
	jc, err := LoadAppConfig(joinHome)
	if err != nil {
		t.Fatal(err)
	}
	jc.Log.ConsensusLevel = "info"
	if err := WriteAppConfig(joinHome, jc); err != nil {
		t.Fatal(err)
	}
	jlog := &syncBuffer{}
	defer func() {
		if t.Failed() {
			for _, line := range strings.Split(string(jlog.Bytes()), "\n") {
				if strings.Contains(line, "statesync") || strings.Contains(line, "snapshot") || strings.Contains(line, "ERROR") {
					t.Log(line)
				}
			}
		}
	}()
	joiner, err := Start(ctx, joinHome, Options{LogOutput: jlog})
	if err != nil {
		t.Fatal(err)
	}
	defer joiner.Stop()
	target := height(founder) + 2
	waitFor(t, "the joiner to catch up", 90*time.Second, func() bool { return height(joiner) >= target })

	// It started from a snapshot: the first blocks are not in its store.
	st, err := joiner.RPC().Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.SyncInfo.EarliestBlockHeight <= 1 {
		t.Fatalf("the joiner holds blocks from %d: it replayed from genesis", st.SyncInfo.EarliestBlockHeight)
	}
	if _, ok := joiner.App().Identity().Member(joiner.App().State().Committed(), org+"/early-0"); !ok {
		t.Fatal("a member registered before the snapshot is missing on the joiner")
	}
	a, err := joiner.App().State().At(target)
	if err != nil {
		t.Fatal(err)
	}
	b, err := founder.App().State().At(target)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Hash(), b.Hash()) {
		t.Fatalf("app hash at %d: joiner %X, founder %X", target, a.Hash(), b.Hash())
	}
	t.Logf("joined by state sync at height %d (trusted header %d), caught up to %d", st.SyncInfo.EarliestBlockHeight, res.TrustHeight, target)
}
