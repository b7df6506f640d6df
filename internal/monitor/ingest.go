package monitor

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/telemetry"
	"github.com/medchain/medchain/internal/tx"
)

// MaxReadingsPerRequest bounds the readings one Ingest call takes.
const MaxReadingsPerRequest = 1000

// Result is what became of one reading.
type Result struct {
	Device string `json:"device,omitempty"`
	Seq    uint64 `json:"seq,omitempty"`
	// Status is "accepted" or "refused"; a refusal has the stable code
	// and the reason.
	Status string `json:"status"`
	Code   string `json:"code,omitempty"`
	Error  string `json:"error,omitempty"`
	// Missing is the sequence numbers skipped just before this reading.
	Missing uint64 `json:"missing,omitempty"`
}

// Result statuses.
const (
	Accepted = "accepted"
	Refused  = "refused"
)

// deviceState is what the node holds of one device.
type deviceState struct {
	id, org string
	last    uint64 // the last sequence number taken (sealed or open)
	replays int64  // readings refused as replays since the last sealed batch
	open    *openBatch
	// queue holds sealed batches waiting for their anchor, oldest first;
	// anchoring is true while a goroutine sends them.
	queue     []*batchMeta
	anchoring bool
}

// openBatch is a batch being filled: readings in sequence order, in memory.
type openBatch struct {
	patient   string
	first     uint64
	last      uint64
	gaps      [][2]uint64
	raws      [][]byte
	seqs      []uint64
	tree      *telemetry.Tree
	firstTime int64
	lastTime  int64
	day       string
	checked   int64
	opened    time.Time // wall clock, for BatchAge
}

// decoded is a reading that passed the envelope checks.
type decoded struct {
	t   *tx.Tx
	msg telemetry.Reading
}

// Ingest takes signed readings (telemetry.TypeReading envelopes), each
// checked on its own: the envelope and signature (verified together, as a
// batch), the device's admission against committed state, its sequence
// number and its Observation. The answer has one Result per reading, in
// order. An error is returned only for a request that is wrong as a whole.
func (m *Monitor) Ingest(raws [][]byte) ([]Result, error) {
	if len(raws) == 0 || len(raws) > MaxReadingsPerRequest {
		return nil, fmt.Errorf("%w: readings: 1 to %d signed readings", telemetry.ErrBadReading, MaxReadingsPerRequest)
	}
	out := make([]Result, len(raws))
	decs := make([]*decoded, len(raws))
	parsed := make([]telemetry.Observation, len(raws))
	parseErrs := make([]error, len(raws))
	// Decoding, signature checks and parsing need no state: they run on
	// every core, a chunk of the request each.
	chainID := m.app.ChainID()
	workers := min(runtime.GOMAXPROCS(0), (len(raws)+63)/64)
	chunk := (len(raws) + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := 0; lo < len(raws); lo += chunk {
		hi := min(lo+chunk, len(raws))
		wg.Go(func() {
			var txs []*tx.Tx
			var at []int
			for i := lo; i < hi; i++ {
				d, err := decode(raws[i], chainID)
				if err != nil {
					out[i] = refused(err)
					continue
				}
				decs[i] = d
				txs = append(txs, d.t)
				at = append(at, i)
			}
			for j, err := range tx.VerifyBatch(txs) {
				i := at[j]
				if err != nil {
					out[i] = refused(fmt.Errorf("%w: %v", telemetry.ErrBadReading, err))
					decs[i] = nil
					continue
				}
				parsed[i], parseErrs[i] = telemetry.ParseObservation(decs[i].msg.Observation)
			}
		})
	}
	wg.Wait()
	view := m.app.State().Committed()
	now := m.app.LastBlockTime()
	// Rules published in a block the background loop has not handled yet
	// apply to readings taken after it.
	m.mu.Lock()
	stale := m.rulesAt < view.Version()
	m.mu.Unlock()
	if stale {
		m.refreshRules()
	}
	type admitted struct {
		dev telemetry.Device
		err error
	}
	seen := map[string]admitted{} // key -> admission, for this request
	obs := make([]telemetry.Observation, len(raws))
	devs := make([]telemetry.Device, len(raws))
	for i, d := range decs {
		if d == nil {
			continue
		}
		key := d.t.Body.Signer.String()
		a, ok := seen[key]
		if !ok {
			a.dev, a.err = m.admit(view, d.t.Body.Signer, now)
			seen[key] = a
		}
		out[i].Device, out[i].Seq = a.dev.ID, d.msg.Seq
		if a.err != nil {
			out[i] = refused(a.err)
			out[i].Device, out[i].Seq = a.dev.ID, d.msg.Seq
			decs[i] = nil
			continue
		}
		o, err := parsed[i], parseErrs[i]
		if err != nil {
			out[i] = refused(fmt.Errorf("%w: %v", telemetry.ErrBadReading, err))
			out[i].Device, out[i].Seq = a.dev.ID, d.msg.Seq
			decs[i] = nil
			continue
		}
		if o.Time > now.Add(telemetry.MaxClockSkew).Unix() {
			out[i] = refused(fmt.Errorf("%w: observation.effectiveDateTime %s is after the ledger's time %s", telemetry.ErrBadReading,
				time.Unix(o.Time, 0).UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339)))
			out[i].Device, out[i].Seq = a.dev.ID, d.msg.Seq
			decs[i] = nil
			continue
		}
		obs[i], devs[i] = o, a.dev
	}
	height := view.Version()
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, d := range decs {
		if d == nil {
			continue
		}
		out[i] = m.take(devs[i], d, obs[i], height)
	}
	for _, r := range out {
		if r.Status == Accepted {
			m.metrics.readings.WithLabelValues(Accepted).Inc()
		} else {
			m.metrics.readings.WithLabelValues(r.Code).Inc()
		}
	}
	return out, nil
}

func refused(err error) Result {
	return Result{Status: Refused, Code: chain.CodeOf(err).ID(), Error: err.Error()}
}

// decode checks a reading's envelope: layout, type, chain and message.
func decode(raw []byte, chainID string) (*decoded, error) {
	t, err := tx.DecodeLimit(raw, telemetry.MaxReading)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", telemetry.ErrBadReading, err)
	}
	if t.Body.Type != telemetry.TypeReading {
		return nil, fmt.Errorf("%w: type is %q, not %q", telemetry.ErrBadReading, t.Body.Type, telemetry.TypeReading)
	}
	if t.Body.ChainID != chainID {
		return nil, fmt.Errorf("%w: signed for chain %q, this is %q", telemetry.ErrBadReading, t.Body.ChainID, chainID)
	}
	msg, err := ledger.Decode[telemetry.Reading](t.Body.Msg)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", telemetry.ErrBadReading, strings.TrimPrefix(err.Error(), ledger.ErrInvalidMsg.Error()+": "))
	}
	return &decoded{t: t, msg: msg}, nil
}

// admit authenticates a reading's signer and checks its device against
// committed state.
func (m *Monitor) admit(view state.Reader, key tx.PubKey, now time.Time) (telemetry.Device, error) {
	p, err := m.app.Identity().Authenticate(view, key)
	if err != nil {
		return telemetry.Device{}, err
	}
	d, err := m.app.Telemetry().Admit(view, p.ID, now.Unix())
	if err != nil {
		return telemetry.Device{ID: p.ID}, err
	}
	if _, ok := m.orgs[d.Org]; !ok {
		return d, fmt.Errorf("%w: this node keeps the readings of %v, not of %s", telemetry.ErrNotCustodian, m.Orgs(), d.Org)
	}
	return d, nil
}

// take puts an admitted reading in its device's open batch (m.mu held).
func (m *Monitor) take(dev telemetry.Device, d *decoded, o telemetry.Observation, height int64) Result {
	seq := d.msg.Seq
	ds := m.state(dev)
	r := Result{Device: dev.ID, Seq: seq, Status: Accepted}
	if seq <= ds.last {
		ds.replays++
		res := refused(fmt.Errorf("%w: device %s sent sequence number %d already (the last taken is %d)", telemetry.ErrReplay, dev.ID, seq, ds.last))
		res.Device, res.Seq = dev.ID, seq
		return res
	}
	day := telemetry.Day(o.Time)
	if b := ds.open; b != nil && (b.day != day || b.patient != dev.Patient) {
		m.closeLocked(ds)
	}
	if seq > ds.last+1 {
		r.Missing = seq - ds.last - 1
		if b := ds.open; b != nil {
			b.gaps = append(b.gaps, [2]uint64{ds.last + 1, seq - 1})
		}
	}
	b := ds.open
	if b == nil {
		b = &openBatch{patient: dev.Patient, first: seq, tree: telemetry.NewTree(), firstTime: o.Time, day: day, opened: time.Now()}
		ds.open = b
	}
	b.last, b.checked = seq, height
	b.raws = append(b.raws, d.t.Raw)
	b.seqs = append(b.seqs, seq)
	b.tree.Append(telemetry.LeafHash(d.t.Raw))
	b.firstTime, b.lastTime = min(b.firstTime, o.Time), max(b.lastTime, o.Time)
	ds.last = seq
	m.evaluate(dev, o)
	if len(b.raws) >= m.size {
		m.closeLocked(ds)
	}
	return r
}

// state returns the node's state of a device, starting from what the
// ledger anchored and what this node sealed.
func (m *Monitor) state(dev telemetry.Device) *deviceState {
	ds, ok := m.devices[dev.ID]
	if !ok {
		ds = &deviceState{id: dev.ID, org: dev.Org, last: dev.LastSeq}
		if metas := m.metas[dev.ID]; len(metas) > 0 {
			ds.last = max(ds.last, metas[len(metas)-1].Last)
		}
		m.devices[dev.ID] = ds
	}
	return ds
}
