package node

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/medchain/medchain/client/keystore"
)

// link is a TCP proxy standing for the network between two nodes: cut, it
// closes what passes and refuses new connections, as a partition would.
type link struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cut    bool
	conns  []net.Conn
}

func newLink(t *testing.T, listen, target string) *link {
	t.Helper()
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		t.Fatal(err)
	}
	l := &link{ln: ln, target: target}
	go l.serve()
	t.Cleanup(func() { ln.Close(); l.setCut(true) })
	return l
}

func (l *link) addr() string { return l.ln.Addr().String() }

func (l *link) serve() {
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		l.mu.Lock()
		if l.cut {
			l.mu.Unlock()
			c.Close()
			continue
		}
		u, err := net.Dial("tcp", l.target)
		if err != nil {
			l.mu.Unlock()
			c.Close()
			continue
		}
		l.conns = append(l.conns, c, u)
		l.mu.Unlock()
		go func() { io.Copy(u, c); u.Close() }()
		go func() { io.Copy(c, u); c.Close() }()
	}
}

func (l *link) setCut(cut bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cut = cut
	if cut {
		for _, c := range l.conns {
			c.Close()
		}
		l.conns = nil
	}
}

// TestPartitionedValidatorRejoins runs four validators whose links to node3
// pass through proxies, cuts them under load (node3 is partitioned from
// the other three, which hold three quarters of the power and go on), heals
// them, and checks that node3 catches up with every transaction the others
// committed meanwhile and the same app hash, and that all four commit
// together again.
func TestPartitionedValidatorRejoins(t *testing.T) {
	dir := t.TempDir()
	// The nodes take base to base+43; the six proxies base+50 to base+55,
	// inside the range freeBase checked, so that no proxy's port (an
	// ephemeral one, as before) can be one a node is about to bind.
	base := freeBase(t, 6)
	specs, err := Testnet(dir, TestnetOptions{Validators: 4, BasePort: base, APIPort: base + 40, TimeoutCommit: 150 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// Every link to and from node3 goes through a proxy.
	var links []*link
	for k := range specs {
		cfg, err := LoadCometConfig(specs[k].Home)
		if err != nil {
			t.Fatal(err)
		}
		var peers []string
		for j, p := range specs {
			if j == k {
				continue
			}
			addr := fmt.Sprintf("127.0.0.1:%d", p.Ports.P2P)
			if j == 3 || k == 3 {
				l := newLink(t, fmt.Sprintf("127.0.0.1:%d", base+50+len(links)), addr)
				links = append(links, l)
				addr = l.addr()
			}
			peers = append(peers, p.NodeID+"@"+addr)
		}
		cfg.P2P.PersistentPeers = strings.Join(peers, ",")
		if k == 3 {
			// node3 must not accept the others' connections around the
			// proxies: it only dials out, through them.
			cfg.P2P.MaxNumInboundPeers = 0
		} else {
			cfg.P2P.MaxNumOutboundPeers = 10
		}
		if err := writeCometConfig(cfg); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	nodes := make([]*Node, 4)
	for k := range nodes {
		n, err := Start(ctx, specs[k].Home, Options{LogOutput: logWriter{t}})
		if err != nil {
			t.Fatalf("start node%d: %v", k, err)
		}
		nodes[k] = n
		defer n.Stop()
	}
	height := func(n *Node) int64 { return n.App().State().Version() }
	waitFor(t, "all four committing", 60*time.Second, func() bool { return height(nodes[3]) >= 3 })

	ks, err := keystore.Open(filepath.Join(specs[0].Home, KeystoreFile))
	if err != nil {
		t.Fatal(err)
	}
	admin, err := ks.Key("admin", keystore.DevPassphrase)
	if err != nil {
		t.Fatal(err)
	}
	nonce := uint64(0)
	var sent []string
	send := func(count int, via func(i int) int) {
		t.Helper()
		for i := 0; i < count; i++ {
			nonce++
			h := fmt.Sprintf("p-%d", nonce)
			raw, err := nurseTx(admin, h, nonce, height(nodes[0])+300)
			if err != nil {
				t.Fatal(err)
			}
			if res, err := nodes[via(i)].RPC().BroadcastTxSync(ctx, raw); err != nil || res.Code != 0 {
				t.Fatalf("broadcast: %v %+v", err, res)
			}
			sent = append(sent, specs[0].Org+"/"+h)
		}
	}
	has := func(n *Node, ids []string) bool {
		view := n.App().State().Committed()
		for _, id := range ids {
			if _, ok := n.App().Identity().Member(view, id); !ok {
				return false
			}
		}
		return true
	}

	send(10, k0)
	waitFor(t, "the first members everywhere", 60*time.Second, func() bool { return has(nodes[3], sent) })

	// The partition: node3 alone on its side.
	for _, l := range links {
		l.setCut(true)
	}
	cutAt := height(nodes[3])
	send(20, k0)
	waitFor(t, "the three to commit without node3", 60*time.Second, func() bool { return has(nodes[0], sent) && has(nodes[2], sent) })
	h0 := height(nodes[0])
	waitFor(t, "the three to go on", 30*time.Second, func() bool { return height(nodes[1]) >= h0+3 })
	if h := height(nodes[3]); h > cutAt+1 {
		t.Fatalf("node3 committed up to %d while cut off at %d: the partition leaked", h, cutAt)
	}

	// Healed: node3 catches up, with the same app hash.
	for _, l := range links {
		l.setCut(false)
	}
	waitFor(t, "node3 to catch up after the partition", 90*time.Second, func() bool { return has(nodes[3], sent) })
	target := height(nodes[0])
	waitFor(t, "node3 to reach node0's height", 60*time.Second, func() bool { return height(nodes[3]) >= target })
	ref, err := nodes[0].App().State().At(target)
	if err != nil {
		t.Fatal(err)
	}
	for k := 1; k < 4; k++ {
		v, err := nodes[k].App().State().At(target)
		if err != nil {
			t.Fatalf("node%d at %d: %v", k, target, err)
		}
		if !bytes.Equal(v.Hash(), ref.Hash()) {
			t.Fatalf("node%d app hash at %d is %X, node0 %X", k, target, v.Hash(), ref.Hash())
		}
	}
	// And all four commit together again: transactions sent to node3 reach all.
	before := len(sent)
	send(5, func(int) int { return 3 })
	waitFor(t, "new members everywhere after the partition", 60*time.Second, func() bool {
		return has(nodes[0], sent[before:]) && has(nodes[3], sent[before:])
	})
}

// k0 spreads the load over the three nodes on the majority's side.
func k0(i int) int { return i % 3 }
