package bench

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/tx"
)

// Workload makes the transactions of a run.
type Workload interface {
	// Name is what --workload selects.
	Name() string
	// Prepare signs n transactions valid on env's chain from env.Height on.
	Prepare(ctx context.Context, env Env, n int) (Plan, error)
}

// Env is what a workload knows of the chain when it prepares.
type Env struct {
	ChainID string
	// Height is the latest committed height.
	Height int64
	// Progress is told how many of the timed txs were made since last told.
	// Safe for concurrent use.
	Progress func(done int)
	// Admin is the key of an organisation admin on the target network, for
	// workloads that register members in their setup; nil if unknown.
	Admin ed25519.PrivKey
}

// Plan is a workload's prepared transactions.
type Plan struct {
	// Setup txs are sent one at a time and must all commit before timing
	// starts (e.g. registering the members a workload then acts as).
	Setup [][]byte
	// Txs are the timed transactions.
	Txs [][]byte
}

// TTL is how many blocks past the current height prepared txs stay valid;
// the chain allows at most 1000 by default.
const TTL = 900

var workloads = map[string]func() Workload{
	"patients": func() Workload { return Patients{} },
	"records":  func() Workload { return Records{} },
}

// Workloads lists the workload names, sorted.
func Workloads() []string {
	names := make([]string, 0, len(workloads))
	for n := range workloads {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// NewWorkload returns the workload called name.
func NewWorkload(name string) (Workload, error) {
	f, ok := workloads[name]
	if !ok {
		return nil, fmt.Errorf("bench: unknown workload %q (have: %s)", name, strings.Join(Workloads(), ", "))
	}
	return f(), nil
}

// Patients registers patients: each tx is identity/register-patient signed
// by a fresh key, the open route by which a key registers itself. It needs
// no setup, and every tx writes new state.
type Patients struct{}

func (Patients) Name() string { return "patients" }

func (Patients) Prepare(ctx context.Context, env Env, n int) (Plan, error) {
	expires := env.Height + TTL
	txs, err := signAll(ctx, n, env.Progress, func(int) ([]byte, error) {
		return tx.Sign(ed25519.GenPrivKey(), tx.Body{
			ChainID: env.ChainID,
			Expires: expires,
			Type:    identity.TypeRegisterPatient,
			Msg:     json.RawMessage(`{}`),
		})
	})
	return Plan{Txs: txs}, err
}

// signAll calls sign for 0..n-1 on every CPU and collects the results.
func signAll(ctx context.Context, n int, progress func(int), sign func(i int) ([]byte, error)) ([][]byte, error) {
	out := make([][]byte, n)
	var (
		next    atomic.Int64
		wg      sync.WaitGroup
		errOnce sync.Once
		first   error
	)
	const chunk = 64
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for {
				if ctx.Err() != nil {
					errOnce.Do(func() { first = ctx.Err() })
					return
				}
				lo := int(next.Add(chunk)) - chunk
				if lo >= n {
					return
				}
				hi := min(lo+chunk, n)
				for i := lo; i < hi; i++ {
					b, err := sign(i)
					if err != nil {
						errOnce.Do(func() { first = fmt.Errorf("bench: sign tx %d: %w", i, err) })
						return
					}
					out[i] = b
				}
				if progress != nil {
					progress(hi - lo)
				}
			}
		})
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	return out, nil
}

// Records anchors patient records: each tx is records/add with one anchor
// (a new record of one of 16 patients), signed by a physician the setup
// registers. The documents themselves stay off chain, as in real use: the
// anchor is what the ledger pays for.
type Records struct{}

func (Records) Name() string { return "records" }

const benchPatients = 16

func (Records) Prepare(ctx context.Context, env Env, n int) (Plan, error) {
	if env.Admin == nil {
		return Plan{}, fmt.Errorf("bench: the records workload registers its author: it needs an organisation admin's key (--as NAME against a running node)")
	}
	expires := env.Height + TTL
	var setup [][]byte
	nonce := uint64(0)
	sign := func(key ed25519.PrivKey, typ string, msg any) ([]byte, error) {
		m, err := json.Marshal(msg)
		if err != nil {
			return nil, err
		}
		nonce++
		return tx.Sign(key, tx.Body{ChainID: env.ChainID, Nonce: nonce, Expires: expires, Type: typ, Msg: m})
	}
	author := ed25519.GenPrivKey()
	handle := fmt.Sprintf("bench-author-%x", author.PubKey().Bytes()[:4])
	b, err := sign(env.Admin, identity.TypeRegisterMember, identity.RegisterMember{Handle: handle, Roles: []string{identity.RolePhysician}, PublicKey: tx.PubKey(author.PubKey().Bytes())})
	if err != nil {
		return Plan{}, err
	}
	setup = append(setup, b)
	patients := make([]string, benchPatients)
	for i := range patients {
		k := ed25519.GenPrivKey()
		patients[i] = identity.PatientID(tx.PubKey(k.PubKey().Bytes()))
		b, err := sign(k, identity.TypeRegisterPatient, json.RawMessage(`{}`))
		if err != nil {
			return Plan{}, err
		}
		setup = append(setup, b)
	}
	txs, err := signAll(ctx, n, env.Progress, func(i int) ([]byte, error) {
		var seed [16]byte
		if _, err := rand.Read(seed[:]); err != nil {
			return nil, err
		}
		h := records.HashHex(seed[:])
		m, _ := json.Marshal(records.Add{Anchors: []records.Anchor{{
			Record: records.RecordIDFor(h), Patient: patients[i%benchPatients],
			Types: []string{"Observation"}, Hash: h, Size: 2048,
		}}})
		return tx.Sign(author, tx.Body{ChainID: env.ChainID, Nonce: uint64(i), Expires: expires, Type: records.TypeAdd, Msg: m})
	})
	return Plan{Setup: setup, Txs: txs}, err
}
