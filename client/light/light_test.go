package light_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	"github.com/cometbft/cometbft/crypto/merkle"
	cmtlight "github.com/cometbft/cometbft/light"
	lrpc "github.com/cometbft/cometbft/light/rpc"
	lightdb "github.com/cometbft/cometbft/light/store/db"
	rpcclient "github.com/cometbft/cometbft/rpc/client"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/client/light"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/node"
)

// chainNode is a real node started for a test: its API (the SDK's client)
// and its CometBFT RPC address.
type chainNode struct {
	api *client.Client
	rpc string
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// start starts a node in a fresh home: `medchain dev`'s (chainID "") or a
// single founding node of chainID, and waits until it has made block 3.
func start(t *testing.T, chainID string) chainNode {
	t.Helper()
	home := t.TempDir()
	ports := node.Ports{P2P: freePort(t), RPC: freePort(t), API: freePort(t)}
	listen := fmt.Sprintf("127.0.0.1:%d", ports.API)
	if chainID == "" {
		if _, err := node.InitDev(home, listen, ports); err != nil {
			t.Fatal(err)
		}
	} else if _, err := node.Init(home, node.InitOptions{ChainID: chainID, OrgID: "other-hospital", OrgName: "Other Hospital",
		OrgKind: ledger.OrgHospital, Passphrase: "correct horse battery staple", Ports: ports, P2PListen: "127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	n, err := node.Start(context.Background(), home, node.Options{Listen: listen, LogOutput: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop() })
	c := chainNode{api: client.New(n.APIURL()), rpc: fmt.Sprintf("http://127.0.0.1:%d", ports.RPC)}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if st, err := c.api.Status(context.Background()); err == nil && st.LatestBlockHeight >= 3 {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatal("the node made no block 3 in 60 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// trusted is the header at height h as a node's API reports it: in the
// tests, the out-of-band source of trust.
func (c chainNode) trusted(t *testing.T, h int64) light.TrustOptions {
	t.Helper()
	b, err := c.api.Block(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := hex.DecodeString(b.Hash)
	if err != nil {
		t.Fatal(err)
	}
	return light.TrustOptions{Height: h, Hash: hash}
}

// TestVerifier: proofs from a dev node verify against headers the light
// client verified from a trusted one; a tampered proof, a proof presented
// as another key's, a wrong trusted hash and another chain's node are each
// refused; CometBFT's light proxy and proof runtime check the ABCI query's
// proofs once they know medchain's proof operation. One test, so that the
// nodes start once.
func TestVerifier(t *testing.T) {
	ctx := context.Background()
	dev := start(t, "")
	trust := dev.trusted(t, 2)
	v, err := light.NewVerifier(ctx, trust, dev.rpc)
	if err != nil {
		t.Fatal(err)
	}
	if v.ChainID() != "medchain-dev" {
		t.Fatalf("chain %q", v.ChainID())
	}

	const key = "gov/o/st-marys-hospital"
	p, err := dev.api.Proof(ctx, key, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.Verify(ctx, p)
	if err != nil {
		t.Fatalf("a node's proof of %s: %v", key, err)
	}
	b, err := dev.api.Block(ctx, p.Height+1)
	if err != nil {
		t.Fatal(err)
	}
	if got.Key != key || !bytes.Equal(got.Value, p.Value) || got.Height != p.Height || got.Header.Height != p.Height+1 ||
		fmt.Sprintf("%X", got.Header.AppHash) != b.AppHash || fmt.Sprintf("%X", got.Header.Hash) != b.Hash ||
		got.Header.ChainID != "medchain-dev" || got.TrustedHeight != 2 || !bytes.Equal(got.TrustedHash, trust.Hash) {
		t.Fatalf("verified %+v; block %d: hash %s app hash %s", got, p.Height+1, b.Hash, b.AppHash)
	}

	// An absent key verifies as absent, at an older height too (the light
	// client verifies backwards from the trusted header... and forwards).
	absent, err := dev.api.Proof(ctx, "gov/o/no-such-org", 1)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := v.Verify(ctx, absent); err != nil || got.Value != nil || got.Header.Height != 2 {
		t.Fatalf("absence at height 1: %+v, %v", got, err)
	}

	refused := func(what string, p *client.Proof, want error) {
		t.Helper()
		_, err := v.Verify(ctx, p)
		if !errors.Is(err, want) {
			t.Fatalf("%s: %v, want %v", what, err, want)
		}
		t.Logf("%s: %v", what, err)
	}
	tampered := *p
	tampered.Value = bytes.Replace(p.Value, []byte("St Mary"), []byte("St Mark"), 1)
	refused("a tampered value", &tampered, client.ErrProof)
	other := *p
	other.Key = "gov/o/riverside-clinic"
	refused("a proof presented as another key's", &other, client.ErrProof)
	shifted := *p
	shifted.Height, shifted.VerifyAgainst.BlockHeight = p.Height-1, p.Height
	refused("a proof presented as of another height", &shifted, client.ErrProof)
	absentAsPresent := *absent
	absentAsPresent.Value = []byte(`{}`)
	refused("an absence proof presented as a value", &absentAsPresent, client.ErrProof)

	// The wrong trusted hash: refused at once.
	wrong := trust
	wrong.Hash = bytes.Repeat([]byte{0xAB}, 32)
	if _, err := light.NewVerifier(ctx, wrong, dev.rpc); !errors.Is(err, light.ErrHeader) || !strings.Contains(err.Error(), "ABAB") {
		t.Fatalf("a wrong trusted hash: %v", err)
	} else {
		t.Logf("a wrong trusted hash: %v", err)
	}
	if _, err := light.NewVerifier(ctx, light.TrustOptions{Height: 2, Hash: trust.Hash, ChainID: "care-net"}, dev.rpc); !errors.Is(err, light.ErrHeader) || !strings.Contains(err.Error(), `"care-net"`) {
		t.Fatalf("another chain ID: %v", err)
	}

	// Another chain's node: its headers are not the trusted chain's, and a
	// verifier of that chain refuses this chain's proofs.
	other2 := start(t, "medchain-other")
	if _, err := light.NewVerifier(ctx, trust, other2.rpc); !errors.Is(err, light.ErrHeader) {
		t.Fatalf("the dev chain's trusted header at another chain's node: %v", err)
	} else {
		t.Logf("another chain's node: %v", err)
	}
	ov, err := light.NewVerifier(ctx, other2.trusted(t, 2), other2.rpc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ov.Verify(ctx, p); !errors.Is(err, client.ErrProof) {
		t.Fatalf("a dev proof against the other chain's header: %v", err)
	}

	// CometBFT's light proxy checks the ABCI query's proof operations once
	// it knows medchain's; its default proof runtime does not.
	lc, err := cmtlight.NewHTTPClient(ctx, "medchain-dev", cmtlight.TrustOptions{Period: time.Hour, Height: trust.Height, Hash: trust.Hash},
		dev.rpc, []string{dev.rpc}, lightdb.New(dbm.NewMemDB(), ""))
	if err != nil {
		t.Fatal(err)
	}
	rpc, err := rpchttp.New(dev.rpc, "/websocket")
	if err != nil {
		t.Fatal(err)
	}
	// At the proof's height, whose next header is made: the proxy verifies
	// header H+1 and does not wait for it.
	proxy := lrpc.NewClient(rpc, lc, lrpc.KeyPathFn(client.MerkleKeyPath))
	at := rpcclient.ABCIQueryOptions{Height: p.Height}
	if _, err := proxy.ABCIQueryWithOptions(ctx, "/key", []byte(key), at); err == nil || !strings.Contains(err.Error(), "unrecognized proof type") {
		t.Fatalf("CometBFT's default proof runtime on medchain's proof: %v", err)
	}
	proxy.RegisterOpDecoder(client.ProofOpType, client.DecodeProofOp)
	res, err := proxy.ABCIQueryWithOptions(ctx, "/key", []byte(key), at)
	if err != nil {
		t.Fatalf("the light proxy with medchain's proof operation: %v", err)
	}
	if !bytes.Equal(res.Response.Value, p.Value) {
		t.Fatalf("the light proxy's answer: %s", res.Response.Value)
	}

	proofRuntime(t, v, rpc)
}

// proofRuntime checks the ABCI query's proof operations, as a node's
// CometBFT RPC answers them, with client.ProofRuntime against the app hash
// of a header the light client verified.
func proofRuntime(t *testing.T, v *light.Verifier, rpc *rpchttp.HTTP) {
	ctx := context.Background()
	prt := client.ProofRuntime()
	for _, c := range []struct {
		key     string
		present bool
	}{{"gov/o/st-marys-hospital", true}, {"gov/o/no-such-org", false}} {
		res, err := rpc.ABCIQueryWithOptions(ctx, "/key", []byte(c.key), rpcclient.ABCIQueryOptions{Prove: true})
		if err != nil {
			t.Fatal(err)
		}
		r := res.Response
		if r.Code != 0 || r.ProofOps == nil || len(r.ProofOps.Ops) != 1 || r.ProofOps.Ops[0].Type != client.ProofOpType || (r.Value != nil) != c.present {
			t.Fatalf("%s: query answer %+v", c.key, r)
		}
		h, err := v.Header(ctx, r.Height+1)
		if err != nil {
			t.Fatal(err)
		}
		kp, err := client.MerkleKeyPath("/key", r.Key)
		if err != nil {
			t.Fatal(err)
		}
		if c.present {
			err = prt.VerifyValue(r.ProofOps, h.AppHash, kp.String(), r.Value)
		} else {
			err = prt.VerifyAbsence(r.ProofOps, h.AppHash, kp.String())
		}
		if err != nil {
			t.Fatalf("%s at height %d against header %d: %v", c.key, r.Height, h.Height, err)
		}
		// The same operations do not verify another key, another value or
		// another header's app hash.
		otherKP, _ := client.MerkleKeyPath("/key", []byte("gov/o/riverside-clinic"))
		if prt.VerifyValue(r.ProofOps, h.AppHash, otherKP.String(), r.Value) == nil {
			t.Fatalf("%s: verified as another key", c.key)
		}
		if c.present {
			if prt.VerifyValue(r.ProofOps, h.AppHash, kp.String(), append(bytes.Clone(r.Value), ' ')) == nil {
				t.Fatalf("%s: verified another value", c.key)
			}
			if prt.VerifyAbsence(r.ProofOps, h.AppHash, kp.String()) == nil {
				t.Fatalf("%s: a membership proof verified absence", c.key)
			}
		}
		if prt.VerifyValue(r.ProofOps, bytes.Repeat([]byte{1}, 32), kp.String(), r.Value) == nil {
			t.Fatalf("%s: verified against another app hash", c.key)
		}
		if err := merkle.DefaultProofRuntime().VerifyValue(r.ProofOps, h.AppHash, kp.String(), r.Value); err == nil {
			t.Fatalf("%s: CometBFT's default runtime knows %s", c.key, client.ProofOpType)
		}
	}
	if _, err := client.MerkleKeyPath("/store/acc/key", []byte("x")); err == nil {
		t.Fatal("a Cosmos SDK store path was taken")
	}
}
