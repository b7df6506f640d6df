package bench

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/medchain/medchain/internal/governance"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/pools"
	"github.com/medchain/medchain/internal/tx"
)

// Pools measures members joining a mutual-aid pool, the step Xiang Hu
// Bao took a hundred million times: each timed tx is pools/join by a
// patient the setup registered (a membership, its waiting-period entry and
// the pool's count written). joins/s is the committed tx/s.
//
// The setup admits an insurer by a proposal of the admin (Env.Admin, a
// hospital's admin in the one-organisation network bench starts, where
// it passes alone), has it create a pool, and registers one patient per
// timed tx.
type Pools struct{}

func (Pools) Name() string { return "pools" }

func (Pools) Prepare(ctx context.Context, env Env, n int) (Plan, error) {
	if env.Admin == nil {
		return Plan{}, fmt.Errorf("bench: the pools workload admits an insurer by proposal: it needs an organisation admin's key (--as NAME against a running node)")
	}
	sign := env.signer()
	insurer := ed25519.GenPrivKey()
	tag := fmt.Sprintf("%x", insurer.PubKey().Bytes()[:4])
	payload, err := json.Marshal(governance.AdmitOrg{ID: "bench-insurer-" + tag, Name: "Bench Insurer " + tag, Kind: ledger.OrgInsurer,
		Admin: "admin", AdminKey: tx.PubKey(insurer.PubKey().Bytes())})
	if err != nil {
		return Plan{}, err
	}
	admit, err := sign(env.Admin, 1, governance.TypePropose, governance.Propose{
		Action: governance.Action{Type: governance.ActionAdmitOrg, Payload: payload}, Title: "bench: for the pools workload"})
	if err != nil {
		return Plan{}, err
	}
	create, err := sign(insurer, 1, pools.TypeCreate, pools.CreatePool{Terms: pools.Terms{Conditions: []string{"C50", "I21", "I63"},
		Currency: "USD", WaitingSeconds: 7_776_000, PeriodSeconds: 2_592_000, MemberCap: 1000, ClaimCap: 5_000_000,
		ReserveLevy: 50, ReserveTarget: 1_000_000, Quorum: 2, ReviewSeconds: 1_209_600}, ReserveInitial: 100_000})
	if err != nil {
		return Plan{}, err
	}
	pool := ledger.IDFrom("pl-", tx.HashOf(create))
	keys := make([]ed25519.PrivKey, n)
	for i := range keys {
		keys[i] = ed25519.GenPrivKey()
	}
	register, err := signAll(ctx, n, nil, func(i int) ([]byte, error) {
		return sign(keys[i], 0, identity.TypeRegisterPatient, identity.RegisterPatient{})
	})
	if err != nil {
		return Plan{}, err
	}
	txs, err := signAll(ctx, n, env.Progress, func(i int) ([]byte, error) {
		return sign(keys[i], 1, pools.TypeJoin, pools.Join{Pool: pool})
	})
	return Plan{Setup: [][]byte{admit}, SetupStages: [][][]byte{{create}, register}, Txs: txs}, err
}
