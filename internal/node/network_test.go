package node

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/medchain/medchain/client/keystore"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/tx"
)

// freeBase finds a base port with n*10 free ports above it.
func freeBase(t testing.TB, n int) int {
	t.Helper()
	for try := 0; try < 50; try++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		base := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if base+10*n > 65000 {
			continue
		}
		ok := true
		for p := base; p < base+10*n && ok; p++ {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				ok = false
				break
			}
			l.Close()
		}
		if ok {
			return base
		}
	}
	t.Fatal("no free port range")
	return 0
}

func waitFor(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type logWriter struct{ t testing.TB }

func (w logWriter) Write(p []byte) (int, error) { return len(p), nil }

var _ io.Writer = logWriter{}

// TestFourValidatorNetwork starts four validators in this process, commits
// transactions, stops one (the other three, with 3/4 of the power, go on
// committing), restarts it, and checks that it catches up to the same app hash.
func TestFourValidatorNetwork(t *testing.T) {
	dir := t.TempDir()
	base := freeBase(t, 5)
	specs, err := Testnet(dir, TestnetOptions{Validators: 4, BasePort: base, APIPort: base + 40, TimeoutCommit: 150 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	nodes := make([]*Node, 4)
	start := func(k int) {
		n, err := Start(ctx, specs[k].Home, Options{LogOutput: logWriter{t}})
		if err != nil {
			t.Fatalf("start node%d: %v", k, err)
		}
		nodes[k] = n
	}
	for k := range nodes {
		start(k)
	}
	defer func() {
		for _, n := range nodes {
			if n != nil {
				n.Stop()
			}
		}
	}()

	ks, err := keystore.Open(filepath.Join(specs[0].Home, KeystoreFile))
	if err != nil {
		t.Fatal(err)
	}
	admin, err := ks.Key("admin", keystore.DevPassphrase)
	if err != nil {
		t.Fatal(err)
	}
	height := func(n *Node) int64 { return n.App().State().Version() }
	waitFor(t, "the network's first blocks", 30*time.Second, func() bool { return height(nodes[0]) >= 2 })

	nonce := uint64(0)
	// send registers members through node0's mempool and waits until every
	// node in alive has them.
	send := func(count int, alive ...int) {
		t.Helper()
		var handles []string
		for i := 0; i < count; i++ {
			nonce++
			h := fmt.Sprintf("member-%d", nonce)
			handles = append(handles, h)
			raw, err := nurseTx(admin, h, nonce, height(nodes[0])+200)
			if err != nil {
				t.Fatal(err)
			}
			res, err := nodes[0].RPC().BroadcastTxSync(ctx, raw)
			if err != nil || res.Code != 0 {
				t.Fatalf("broadcast: %v %+v", err, res)
			}
		}
		for _, k := range alive {
			n := nodes[k]
			waitFor(t, fmt.Sprintf("node%d to commit %d members", k, count), 60*time.Second, func() bool {
				for _, h := range handles {
					if _, ok := n.App().Identity().Member(n.App().State().Committed(), specs[0].Org+"/"+h); !ok {
						return false
					}
				}
				return true
			})
		}
	}
	send(10, 0, 1, 2, 3)

	// Stop node3: three of four validators hold more than 2/3 of the power.
	if err := nodes[3].Stop(); err != nil {
		t.Fatalf("stop node3: %v", err)
	}
	stoppedAt := height(nodes[3])
	nodes[3] = nil
	send(10, 0, 1, 2)
	h0 := height(nodes[0])
	waitFor(t, "the network to go on without node3", 30*time.Second, func() bool { return height(nodes[1]) >= h0+2 })
	if height(nodes[0]) <= stoppedAt {
		t.Fatalf("no progress without node3: height %d, node3 stopped at %d", height(nodes[0]), stoppedAt)
	}

	// Restart node3: it catches up, and agrees on the app hash.
	start(3)
	target := height(nodes[0])
	waitFor(t, "node3 to catch up", 60*time.Second, func() bool { return height(nodes[3]) >= target })
	for k := 0; k < 4; k++ {
		v, err := nodes[k].App().State().At(target)
		if err != nil {
			t.Fatalf("node%d at %d: %v", k, target, err)
		}
		ref, _ := nodes[0].App().State().At(target)
		if !bytes.Equal(v.Hash(), ref.Hash()) {
			t.Fatalf("node%d app hash at height %d is %X, node0 has %X", k, target, v.Hash(), ref.Hash())
		}
	}
	// And it commits new blocks with the others.
	send(5, 0, 1, 2, 3)
}

// Ready means queries see the genesis: the app has committed a block, not
// only CometBFT stored one.
func TestReadyMeansStateIsReadable(t *testing.T) {
	base := freeBase(t, 2)
	home := t.TempDir()
	if _, err := InitDev(home, fmt.Sprintf("127.0.0.1:%d", base+5), Ports{P2P: base, RPC: base + 1}); err != nil {
		t.Fatal(err)
	}
	n, err := Start(context.Background(), home, Options{LogOutput: logWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	waitFor(t, "readiness", 30*time.Second, func() bool { return n.ready(context.Background()) == nil })
	orgs, _ := n.App().Governance().Orgs(n.App().State().Committed(), "", 100)
	if len(orgs) != len(Demo().Orgs) {
		t.Fatalf("ready, but queries see %d organisations, want %d", len(orgs), len(Demo().Orgs))
	}
}

// nurseTx is admin's signed registration of a nurse named handle on the
// testnet chain (medchain-testnet), with a key derived from the handle, so
// that every handle has its own: the load of the multi-node tests.
func nurseTx(admin []byte, handle string, nonce uint64, expires int64) ([]byte, error) {
	key := sha256.Sum256([]byte("nurse key " + handle))
	msg, err := json.Marshal(identity.RegisterMember{Handle: handle, Roles: []ledger.Role{ledger.RoleNurse}, PublicKey: key[:]})
	if err != nil {
		return nil, err
	}
	return tx.Sign(ed25519.PrivKey(admin), tx.Body{ChainID: "medchain-testnet", Nonce: nonce, Expires: expires, Type: identity.TypeRegisterMember, Msg: msg})
}
