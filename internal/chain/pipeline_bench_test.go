package chain

import (
	"context"
	"encoding/json"
	"os"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/tx"
)

// BenchmarkPatientsPipeline drives the app as a one-validator node does
// under `medchain bench`: each iteration is one block of 1000 patient
// registrations, each first checked by CheckTx (the mempool), then the
// block finalised and committed, on an on-disk store and tx log. It reports
// the app's CPU cost per tx in each phase; run it with -benchtime=10x so
// every variant sees the same tree sizes.
func BenchmarkPatientsPipeline(b *testing.B) {
	const perBlock = 1000
	g, vals := testGenesis()
	dir := b.TempDir()
	// MEDCHAIN_BENCH_FAST_INDEX=1 keeps IAVL's fast index (ADR 11), to see
	// what it costs a block.
	db, err := state.Open(dir+"/state", state.Options{FastIndex: os.Getenv("MEDCHAIN_BENCH_FAST_INDEX") == "1"})
	if err != nil {
		b.Fatal(err)
	}
	log, err := OpenTxLog(dir)
	if err != nil {
		b.Fatal(err)
	}
	app, _ := New(db, Options{TxLog: log})
	defer app.Close()
	raw, _ := json.Marshal(g)
	ctx := context.Background()
	app.InitChain(ctx, &abci.RequestInitChain{ChainId: chainID, Time: genesisTime, InitialHeight: 1, AppStateBytes: raw, Validators: vals})
	app.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{Height: 1, Time: genesisTime})
	app.Commit(ctx, &abci.RequestCommit{})

	txs := make([][]byte, b.N*perBlock)
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(txs); i += workers {
				txs[i], _ = tx.Sign(ed25519.GenPrivKey(), tx.Body{ChainID: chainID, Expires: 900, Type: identity.TypeRegisterPatient, Msg: json.RawMessage(`{}`)})
			}
		})
	}
	wg.Wait()

	var check, fin, commit time.Duration
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := range b.N {
		block := txs[i*perBlock : (i+1)*perBlock]
		t0 := time.Now()
		for _, t := range block {
			r, _ := app.CheckTx(ctx, &abci.RequestCheckTx{Tx: t, Type: abci.CheckTxType_New})
			if r.Code != 0 {
				b.Fatalf("CheckTx: %s", r.Log)
			}
		}
		t1 := time.Now()
		res, err := app.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{Height: int64(i + 2), Time: genesisTime.Add(time.Duration(i+1) * time.Second), Txs: block})
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range res.TxResults {
			if r.Code != 0 {
				b.Fatalf("FinalizeBlock: %s", r.Log)
			}
		}
		t2 := time.Now()
		if _, err := app.Commit(ctx, &abci.RequestCommit{}); err != nil {
			b.Fatal(err)
		}
		t3 := time.Now()
		check, fin, commit = check+t1.Sub(t0), fin+t2.Sub(t1), commit+t3.Sub(t2)
	}
	cpu := cpuTime() - cpu0
	n := float64(b.N * perBlock)
	b.ReportMetric(float64(cpu.Microseconds())/n, "cpu-µs/tx")
	b.ReportMetric(float64(check.Microseconds())/n, "check-µs/tx")
	b.ReportMetric(float64(fin.Microseconds())/n, "finalize-µs/tx")
	b.ReportMetric(float64(commit.Microseconds())/n, "commit-µs/tx")
	b.ReportMetric(float64((check+fin+commit).Microseconds())/n, "total-µs/tx")
}

// cpuTime is the CPU time this process has used, background goroutines
// (leveldb compaction, GC) included.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
