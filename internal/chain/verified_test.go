package chain

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/tx"
)

// A node whose CheckTx saw a block's transactions (its own proposal) and a
// node that sees them only in the block (another proposer's) must execute
// the block identically: the verified-tx cache may only skip work whose
// result is the same.
func TestVerifiedCacheDoesNotChangeResults(t *testing.T) {
	proposer, other := newHarness(t), newHarness(t)
	proposer.block() // CheckTx reads committed state: commit the genesis
	other.block()
	for i := range 3 {
		var txs [][]byte
		for j := range 10 {
			n := fmt.Sprintf("c-%d-%d", i, j)
			txs = append(txs, proposer.sign("hospital-admin", identity.TypeRegisterMember, identity.RegisterMember{Handle: n, Roles: []ledger.Role{"nurse"}, PublicKey: pub(n)}))
			txs = append(txs, proposer.sign("p-"+n, identity.TypeRegisterPatient, identity.RegisterPatient{}))
		}
		for _, raw := range txs {
			if r := proposer.check(raw); r.Code != 0 {
				t.Fatalf("CheckTx: %s", r.Log)
			}
		}
		forged := bytes.Clone(txs[1])
		forged[5] ^= 0xff // signature byte: CheckTx rejects it, so it is not cached
		if r := proposer.check(forged); r.Info != "chain.bad_signature" {
			t.Fatalf("CheckTx of a forged signature: %q %s", r.Info, r.Log)
		}
		// A forged tx, a tx no CheckTx saw, and a tx twice.
		unchecked := proposer.sign("p-unchecked-"+fmt.Sprint(i), identity.TypeRegisterPatient, identity.RegisterPatient{})
		txs = append(txs, forged, unchecked, txs[2])
		a, b := proposer.block(txs...), other.block(txs...)
		if !bytes.Equal(a.AppHash, b.AppHash) {
			t.Fatalf("block %d: app hash %X with the cache, %X without", i+1, a.AppHash, b.AppHash)
		}
		for k := range a.TxResults {
			ra, rb := a.TxResults[k], b.TxResults[k]
			if ra.Code != rb.Code || ra.Log != rb.Log || !bytes.Equal(ra.Data, rb.Data) {
				t.Fatalf("block %d tx %d: %d %q with the cache, %d %q without", i+1, k, ra.Code, ra.Log, rb.Code, rb.Log)
			}
		}
		if r := a.TxResults[len(txs)-3]; r.Info != "chain.bad_signature" {
			t.Fatalf("forged tx in a block: %q %s", r.Info, r.Log)
		}
		if r := a.TxResults[len(txs)-1]; r.Info != "chain.replay" {
			t.Fatalf("a tx twice in a block: %q %s", r.Info, r.Log)
		}
	}
	if n := proposer.app.verified.len(); n != 0 {
		t.Fatalf("%d txs left in the cache after their blocks", n)
	}
}

func TestVerifiedCacheBounded(t *testing.T) {
	h := newHarness(t)
	c := newVerifiedCache(3)
	var raws [][]byte
	for i := range 5 {
		raw := h.sign(fmt.Sprintf("k%d", i), identity.TypeRegisterPatient, identity.RegisterPatient{})
		d, err := tx.Decode(raw)
		if err != nil {
			t.Fatal(err)
		}
		c.add(d)
		raws = append(raws, raw)
	}
	if c.len() != 3 {
		t.Fatalf("cache holds %d, bound 3", c.len())
	}
	if c.get(raws[0], false) != nil || c.get(raws[1], false) != nil {
		t.Fatal("the oldest entries were not evicted")
	}
	if c.get(raws[4], true) == nil || c.get(raws[4], true) != nil {
		t.Fatal("take did not remove the entry")
	}
	other := bytes.Clone(raws[3])
	other[len(other)-2] ^= 1
	if c.get(other, false) != nil {
		t.Fatal("other bytes found")
	}
}

// CheckTx keeps no reference to the caller's buffer: CometBFT owns it.
func TestCheckTxCopiesWhatItCaches(t *testing.T) {
	h := newHarness(t)
	raw := h.sign("p-copy", identity.TypeRegisterPatient, identity.RegisterPatient{})
	buf := bytes.Clone(raw)
	if r, _ := h.app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: buf, Type: abci.CheckTxType_New}); r.Code != 0 {
		t.Fatal(r.Log)
	}
	for i := range buf {
		buf[i] = 0
	}
	if c := h.app.verified.get(raw, false); c == nil || !bytes.Equal(c.Raw, raw) {
		t.Fatal("the cached tx changed with the caller's buffer")
	}
}
