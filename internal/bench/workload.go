package bench

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/medchain/medchain/internal/epcis"
	"github.com/medchain/medchain/internal/epcismap"
	"github.com/medchain/medchain/internal/governance"
	"github.com/medchain/medchain/internal/gs1"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/supply"
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
	// NextProposal is the ID the next governance proposal will get, for
	// workloads whose setup votes on proposals it makes.
	NextProposal uint64
}

// Plan is a workload's prepared transactions.
type Plan struct {
	// Setup txs are sent one at a time and must all commit before timing
	// starts (e.g. registering the members a workload then acts as).
	Setup [][]byte
	// SetupStages are more setup, stage by stage after Setup: each stage is
	// sent like Setup once the stage before it has committed, for setup txs
	// whose CheckTx needs an earlier one's effect (e.g. signed by the admin
	// of an organisation a proposal in Setup admitted).
	SetupStages [][][]byte
	// Txs are the timed transactions.
	Txs [][]byte
}

// TTL is how many blocks past the current height prepared txs stay valid;
// the chain allows at most 1000 by default.
const TTL = 900

var workloads = map[string]func() Workload{
	"patients":  func() Workload { return Patients{} },
	"records":   func() Workload { return Records{} },
	"supply":    func() Workload { return Supply{} },
	"donations": func() Workload { return Donations{} },
	"claims":    func() Workload { return Claims{} },
	"pools":     func() Workload { return Pools{} },
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

// signer signs a message as a transaction of env's chain, valid for TTL
// blocks.
func (env Env) signer() func(key ed25519.PrivKey, nonce uint64, typ string, msg any) ([]byte, error) {
	expires := env.Height + TTL
	return func(key ed25519.PrivKey, nonce uint64, typ string, msg any) ([]byte, error) {
		m, err := json.Marshal(msg)
		if err != nil {
			return nil, err
		}
		return tx.Sign(key, tx.Body{ChainID: env.ChainID, Nonce: nonce, Expires: expires, Type: typ, Msg: m})
	}
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
	b, err := sign(env.Admin, identity.TypeRegisterMember, identity.RegisterMember{Handle: handle, Roles: []ledger.Role{ledger.RolePhysician}, PublicKey: tx.PubKey(author.PubKey().Bytes())})
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

// Supply captures EPCIS events from a manufacturer's packaging line: each
// tx is supply/events carrying EventsPerTx commissioning ObjectEvents of
// UnitsPerEvent serialised units each (one lot per tx). Every tx is made
// from a real EPCIS 2.0 document, validated against GS1's schema, hashed
// (CBV 2.0 event hashes) and mapped as POST /v1/supply/epcis does, then
// signed by the manufacturer's admin. events/s = committed tx/s × EventsPerTx.
//
// Products are registered by manufacturers, so the setup admits one: the
// admin (Env.Admin) proposes governance admit-org of a manufacturer with a
// fresh admin key, which passes at once in a one-organisation consortium
// (the node bench starts), and, once that has committed, the new admin
// registers a product with a random GTIN. Against a network of several
// organisations the proposal stays open and the setup fails.
type Supply struct {
	EventsPerTx   int // default DefaultSupplyEvents; at most 100
	UnitsPerEvent int // default DefaultSupplyUnits
}

// Defaults of the supply workload.
const (
	DefaultSupplyEvents = 10
	DefaultSupplyUnits  = 5
)

func (Supply) Name() string { return "supply" }

func (w Supply) Prepare(ctx context.Context, env Env, n int) (Plan, error) {
	if env.Admin == nil {
		return Plan{}, fmt.Errorf("bench: the supply workload admits a manufacturer by proposal: it needs an organisation admin's key (--as NAME against a running node)")
	}
	events, units := w.EventsPerTx, w.UnitsPerEvent
	if events == 0 {
		events = DefaultSupplyEvents
	}
	if units == 0 {
		units = DefaultSupplyUnits
	}
	if events < 1 || events > 100 || units < 1 {
		return Plan{}, fmt.Errorf("bench: supply: %d events per tx (1 to 100) of %d units (at least 1)", events, units)
	}
	sign := env.signer()

	maker := ed25519.GenPrivKey()
	tag := fmt.Sprintf("%x", maker.PubKey().Bytes()[:4])
	admit, err := json.Marshal(governance.AdmitOrg{ID: "bench-mfr-" + tag, Name: "Bench Manufacturer " + tag, Kind: ledger.OrgManufacturer,
		Admin: "admin", AdminKey: tx.PubKey(maker.PubKey().Bytes())})
	if err != nil {
		return Plan{}, err
	}
	propose, err := sign(env.Admin, 1, governance.TypePropose, governance.Propose{
		Action: governance.Action{Type: governance.ActionAdmitOrg, Payload: admit}, Title: "bench: a manufacturer for the supply workload"})
	if err != nil {
		return Plan{}, err
	}
	gtin, err := randomGTIN()
	if err != nil {
		return Plan{}, err
	}
	register, err := sign(maker, 0, supply.TypeRegisterProduct, supply.RegisterProduct{GTIN: gtin, Name: "Bench vaccine " + tag, Kind: supply.KindVaccine, MinMilliC: 2000, MaxMilliC: 8000})
	if err != nil {
		return Plan{}, err
	}

	t0 := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	txs, err := signAll(ctx, n, env.Progress, func(i int) ([]byte, error) {
		raw, err := commissioningDocument(gtin, i, events, units, t0)
		if err != nil {
			return nil, err
		}
		doc, err := epcis.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("the generated EPCIS document: %w", err)
		}
		m, err := epcismap.Map(doc, nil, noLedger{})
		if err != nil {
			return nil, err
		}
		return sign(maker, uint64(i+1), supply.TypeEvents, supply.Events{Events: m.Events})
	})
	return Plan{Setup: [][]byte{propose}, SetupStages: [][][]byte{{register}}, Txs: txs}, err
}

// commissioningDocument is an EPCIS 2.0 document of events commissioning
// events×units units of gtin in lot L<i>: serials B<i>-<j>.
func commissioningDocument(gtin string, i, events, units int, t0 time.Time) ([]byte, error) {
	at := t0.Add(time.Duration(i) * time.Second)
	list := make([]any, events)
	for e := range events {
		epcs := make([]any, units)
		for u := range units {
			urn, err := gs1.SGTIN(gtin, fmt.Sprintf("B%d-%d", i, e*units+u), 7)
			if err != nil {
				return nil, err
			}
			epcs[u] = urn
		}
		list[e] = map[string]any{
			"type": "ObjectEvent", "action": "ADD", "bizStep": "commissioning", "disposition": "active",
			"eventTime": at.Add(time.Duration(e) * time.Millisecond).Format("2006-01-02T15:04:05.000Z"), "eventTimeZoneOffset": "+00:00",
			"epcList":   epcs,
			"readPoint": map[string]any{"id": "urn:epc:id:sgln:0614141.00001.0"},
			"ilmd":      map[string]any{"cbvmda:lotNumber": "L" + strconv.Itoa(i), "cbvmda:itemExpirationDate": "2028-12-31"},
		}
	}
	return json.Marshal(map[string]any{
		"@context":      []any{"https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"},
		"type":          "EPCISDocument",
		"schemaVersion": "2.0",
		"creationDate":  at.Format("2006-01-02T15:04:05.000Z"),
		"epcisBody":     map[string]any{"eventList": list},
	})
}

// randomGTIN is a GTIN-14 with indicator 0, random digits and its check digit.
func randomGTIN() (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	d := []byte("0")
	for _, x := range b {
		d = append(d, '0'+x%10)
	}
	c, err := gs1.CheckDigit(string(d))
	if err != nil {
		return "", err
	}
	return string(append(d, c)), nil
}

// noLedger is the mapper's view of a ledger for commissioning events, which
// look nothing up.
type noLedger struct{}

func (noLedger) OrgOfGLN(state.Reader, string) (string, bool)  { return "", false }
func (noLedger) Item(state.Reader, string) (supply.Item, bool) { return supply.Item{}, false }
