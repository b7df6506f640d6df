package chain

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
)

// TestStateSyncRestoresASnapshot: a node writes snapshots every three
// heights; a fresh app is offered the latest, takes its chunks (a chunk that
// does not match its hash is fetched again), and ends at the snapshot's
// height with its app hash, then executes the next block as the first node
// does. A snapshot that does not rebuild the trusted hash is refused.
func TestStateSyncRestoresASnapshot(t *testing.T) {
	dir := t.TempDir()
	g, vals := testGenesis()
	h := newHarnessOpts(t, g, vals, Options{Snapshots: SnapshotOptions{Dir: dir, Interval: 3, Keep: 2}})
	var list *abci.ResponseListSnapshots
	for i := 0; i < 7; i++ {
		var txs [][]byte
		for j := 0; j < 10; j++ {
			n := fmt.Sprintf("m-%d-%d", i, j)
			txs = append(txs, h.sign("hospital-admin", identity.TypeRegisterMember, identity.RegisterMember{Handle: n, Roles: []ledger.Role{"nurse"}, PublicKey: pub(n)}))
		}
		h.block(txs...)
		// Heights 3 and 6 are written in the background, one at a time (a
		// height whose turn comes while one is written is skipped): wait
		// for each, as a loaded machine may take a while.
		if height := int64(i + 1); height%3 == 0 {
			waitUntil(t, func() bool {
				list, _ = h.app.ListSnapshots(context.Background(), &abci.RequestListSnapshots{})
				return len(list.Snapshots) > 0 && list.Snapshots[0].Height == uint64(height)
			})
		}
	}
	if len(list.Snapshots) != 2 {
		t.Fatalf("%d snapshots listed, want 2 (heights 6 and 3)", len(list.Snapshots))
	}
	snap := list.Snapshots[0]
	trusted, err := h.app.State().At(6)
	if err != nil {
		t.Fatal(err)
	}

	fresh := func() *App {
		db, err := state.Open("", state.Options{})
		if err != nil {
			t.Fatal(err)
		}
		app, err := New(db, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return app
	}
	restore := func(app *App, appHash []byte, tamper bool) abci.ResponseApplySnapshotChunk_Result {
		off, _ := app.OfferSnapshot(context.Background(), &abci.RequestOfferSnapshot{Snapshot: snap, AppHash: appHash})
		if off.Result != abci.ResponseOfferSnapshot_ACCEPT {
			t.Fatalf("offer: %v", off.Result)
		}
		var last abci.ResponseApplySnapshotChunk_Result
		for i := uint32(0); i < snap.Chunks; i++ {
			c, _ := h.app.LoadSnapshotChunk(context.Background(), &abci.RequestLoadSnapshotChunk{Height: snap.Height, Format: snap.Format, Chunk: i})
			if tamper {
				bad := bytes.Clone(c.Chunk)
				bad[len(bad)/2] ^= 1
				r, _ := app.ApplySnapshotChunk(context.Background(), &abci.RequestApplySnapshotChunk{Index: i, Chunk: bad, Sender: "liar"})
				if r.Result != abci.ResponseApplySnapshotChunk_RETRY || len(r.RejectSenders) != 1 || r.RejectSenders[0] != "liar" {
					t.Fatalf("a chunk that does not match its hash: %+v", r)
				}
			}
			r, err := app.ApplySnapshotChunk(context.Background(), &abci.RequestApplySnapshotChunk{Index: i, Chunk: c.Chunk, Sender: "peer"})
			if err != nil {
				t.Fatal(err)
			}
			last = r.Result
		}
		return last
	}

	// Under another trusted hash: refused, and the app stays empty.
	other := fresh()
	if r := restore(other, bytes.Repeat([]byte{1}, 32), false); r != abci.ResponseApplySnapshotChunk_REJECT_SNAPSHOT {
		t.Fatalf("a snapshot that does not rebuild the trusted hash: %v", r)
	}
	if other.State().Version() != 0 {
		t.Fatal("a refused snapshot left state behind")
	}

	app := fresh()
	if r := restore(app, trusted.Hash(), true); r != abci.ResponseApplySnapshotChunk_ACCEPT {
		t.Fatalf("restore: %v", r)
	}
	info, _ := app.Info(context.Background(), &abci.RequestInfo{})
	if info.LastBlockHeight != 6 || !bytes.Equal(info.LastBlockAppHash, trusted.Hash()) {
		t.Fatalf("after the restore: height %d hash %X, want 6 %X", info.LastBlockHeight, info.LastBlockAppHash, trusted.Hash())
	}
	// Block 7, as the first node executed it, gives the same hash.
	want := h.blocks[6]
	resp, err := app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: 7, Time: genesisTime.Add(7 * time.Second), Txs: want})
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := h.app.State().At(7)
	if !bytes.Equal(resp.AppHash, ref.Hash()) {
		t.Fatalf("block 7 after the restore gives %X, the first node %X", resp.AppHash, ref.Hash())
	}
	// Offered again once it has state: aborted.
	off, _ := app.OfferSnapshot(context.Background(), &abci.RequestOfferSnapshot{Snapshot: snap, AppHash: trusted.Hash()})
	if off.Result != abci.ResponseOfferSnapshot_ABORT {
		t.Fatalf("an offer to an app with state: %v", off.Result)
	}
	// Only the last two snapshots stay on disk.
	entries, _ := os.ReadDir(dir)
	var kept []string
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(dir, e.Name(), "manifest.json")); err == nil {
			kept = append(kept, e.Name())
		}
	}
	if len(kept) != 2 {
		t.Fatalf("snapshots on disk: %v", kept)
	}
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
