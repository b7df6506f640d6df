package monitor

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/medchain/medchain/internal/localtx"
	"github.com/medchain/medchain/internal/seal"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/telemetry"
)

// batchMeta is the index entry of a sealed batch: what its anchor says,
// where its ciphertext is, and the anchor's ID once committed.
type batchMeta struct {
	// Anchor is the message that anchors the batch (its fields are
	// stored flat, beside these).
	telemetry.Anchor
	Org     string `json:"org"`
	Patient string `json:"patient"`
	Blob    string `json:"blob"` // hex SHA-256 of the ciphertext
	// AnchorID is the batch's ID on the ledger once its anchor committed;
	// Refused the code of a refusal that sending again will not change.
	AnchorID string `json:"anchor,omitempty"`
	Refused  string `json:"refused,omitempty"`

	sealed *sealedBatch // until stored
}

// sealedBatch is a batch's plaintext on its way to the blob store.
type sealedBatch struct {
	Readings [][]byte `json:"readings"` // the signed envelopes, in sequence order
	Seqs     []uint64 `json:"seqs"`
}

// closeLocked seals a device's open batch into the queue of batches to
// anchor (m.mu held); the encryption and the anchor run in the device's
// anchoring goroutine.
func (m *Monitor) closeLocked(ds *deviceState) {
	b := ds.open
	if b == nil {
		return
	}
	ds.open = nil
	meta := &batchMeta{Anchor: telemetry.Anchor{Device: ds.id, First: b.first, Last: b.last,
		Count: int64(len(b.raws)), Gaps: b.gaps, Root: hex.EncodeToString(b.tree.Root()),
		FirstTime: b.firstTime, LastTime: b.lastTime, Replays: ds.replays, Checked: b.checked},
		Org: ds.org, Patient: b.patient, sealed: &sealedBatch{Readings: b.raws, Seqs: b.seqs}}
	ds.replays = 0
	ds.queue = append(ds.queue, meta)
	if !ds.anchoring {
		ds.anchoring = true
		m.wg.Add(1)
		go m.anchorLoop(ds)
	}
}

// closeAged closes the open batches older than BatchAge.
func (m *Monitor) closeAged(now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range m.deviceIDs() {
		ds := m.devices[id]
		if ds.open != nil && now.Sub(ds.open.opened) >= m.age {
			m.closeLocked(ds)
		}
	}
}

func (m *Monitor) deviceIDs() []string {
	ids := make([]string, 0, len(m.devices))
	for id := range m.devices {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Flush closes every open batch and waits, until ctx ends, for every
// queued batch to be stored and its anchor to commit (or be refused). It
// returns how many batches are still waiting.
func (m *Monitor) Flush(ctx context.Context) int {
	m.mu.Lock()
	for _, id := range m.deviceIDs() {
		m.closeLocked(m.devices[id])
	}
	m.mu.Unlock()
	for {
		m.mu.Lock()
		waiting := 0
		for _, ds := range m.devices {
			waiting += len(ds.queue)
		}
		m.mu.Unlock()
		if waiting == 0 {
			return 0
		}
		select {
		case <-ctx.Done():
			return waiting
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// anchorLoop stores and anchors a device's queued batches in order, one
// at a time: a device's anchors must commit in sequence order.
func (m *Monitor) anchorLoop(ds *deviceState) {
	defer m.wg.Done()
	for attempt := 0; ; {
		m.mu.Lock()
		if len(ds.queue) == 0 {
			ds.anchoring = false
			m.mu.Unlock()
			return
		}
		meta := ds.queue[0]
		m.mu.Unlock()
		err := m.anchor(meta)
		if err != nil {
			m.metrics.batches.WithLabelValues("retried").Inc()
			attempt++
			m.log.Warn("monitor: batch not anchored", "device", meta.Device, "first_seq", meta.First, "attempt", attempt, "err", err)
			select {
			case <-m.done:
				if attempt < 3 {
					continue
				}
				m.mu.Lock()
				ds.queue, ds.anchoring = nil, false
				m.mu.Unlock()
				return
			case <-time.After(time.Duration(min(attempt, 10)) * time.Second):
			}
			continue
		}
		attempt = 0
		m.mu.Lock()
		ds.queue = ds.queue[1:]
		m.mu.Unlock()
	}
}

// anchor stores a batch encrypted (once) and sends its anchor. A refusal
// the chain will repeat is recorded in the index, not retried.
func (m *Monitor) anchor(meta *batchMeta) error {
	c := m.orgs[meta.Org]
	if meta.sealed != nil {
		if err := m.store(c, meta); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), m.timeout)
	defer cancel()
	o, err := c.signer.Send(ctx, telemetry.TypeAnchor, meta.Anchor)
	var ref *localtx.Refused
	switch {
	case errors.As(err, &ref):
		m.mu.Lock()
		meta.Refused = ref.Code.ID()
		m.mu.Unlock()
		m.metrics.batches.WithLabelValues("refused").Inc()
		m.log.Warn("monitor: anchor refused", "device", meta.Device, "first_seq", meta.First, "code", ref.Code.ID(), "log", ref.Log)
	case err != nil:
		return err
	default:
		var b telemetry.Batch
		if err := json.Unmarshal(o.Result.Data, &b); err != nil {
			return fmt.Errorf("monitor: anchor result: %w", err)
		}
		m.mu.Lock()
		meta.AnchorID = b.ID
		m.mu.Unlock()
		m.metrics.batches.WithLabelValues("anchored").Inc()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.saveMeta(meta)
}

// store encrypts a batch under a fresh data key, wrapped to the patient's
// active keys and to the organisation, and indexes it.
func (m *Monitor) store(c *custodian, meta *batchMeta) error {
	plain, err := json.Marshal(meta.sealed)
	if err != nil {
		return err
	}
	ct, key, err := seal.Seal(plain)
	if err != nil {
		return err
	}
	defer clear(key)
	sum := sha256.Sum256(ct)
	if _, err := m.blobs.Put(ct); err != nil {
		return err
	}
	view := m.app.State().Committed()
	w, err := seal.Wrap(key, c.ident.Recipient())
	if err != nil {
		return err
	}
	if err := m.blobs.PutKey(sum, "org:"+c.org, w); err != nil {
		return err
	}
	if err := m.wrapToPatient(view, meta.Patient, sum, key); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	meta.Blob = hex.EncodeToString(sum[:])
	if err := m.saveMeta(meta); err != nil {
		return err
	}
	meta.sealed = nil
	m.metas[meta.Device] = append(m.metas[meta.Device], meta)
	return nil
}

// wrapToPatient wraps a batch's key to the patient's active keys, as the
// vault does for a record, so the patient can read their readings.
func (m *Monitor) wrapToPatient(view state.Reader, patient string, sum [32]byte, key []byte) error {
	for _, k := range m.app.Identity().KeysOf(view, patient) {
		if k.Status != "active" {
			continue
		}
		rc, err := seal.RecipientForEd25519(ed25519.PublicKey(k.PublicKey))
		if err != nil {
			return fmt.Errorf("monitor: key of %s: %w", patient, err)
		}
		w, err := seal.Wrap(key, rc)
		if err != nil {
			return err
		}
		if err := m.blobs.PutKey(sum, patient+"/"+k.PublicKey.String(), w); err != nil {
			return err
		}
	}
	return nil
}

func metaName(device string, first uint64) string {
	return strings.ReplaceAll(device, "/", "~") + fmt.Sprintf("-%016x.json", first)
}

// saveMeta writes a batch's index entry (m.mu held).
func (m *Monitor) saveMeta(meta *batchMeta) error {
	b, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	path := filepath.Join(m.index, metaName(meta.Device, meta.First))
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("monitor: index: %w", err)
	}
	return os.Rename(tmp, path)
}

// load reads the batch index and queues again the batches whose anchor
// never committed.
func (m *Monitor) load() error {
	entries, err := os.ReadDir(m.index)
	if err != nil {
		return fmt.Errorf("monitor: index: %w", err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(m.index, e.Name()))
		if err != nil {
			return fmt.Errorf("monitor: index: %w", err)
		}
		var meta batchMeta
		if err := json.Unmarshal(b, &meta); err != nil {
			return fmt.Errorf("monitor: index %s: %w", e.Name(), err)
		}
		m.metas[meta.Device] = append(m.metas[meta.Device], &meta)
	}
	view := m.app.State().Committed()
	for dev, metas := range m.metas {
		sort.Slice(metas, func(i, j int) bool { return metas[i].First < metas[j].First })
		d, ok := m.app.Telemetry().Device(view, dev)
		if !ok || m.orgs[d.Org] == nil {
			continue
		}
		ds := m.state(d)
		for _, meta := range metas {
			if meta.AnchorID == "" && meta.Refused == "" && meta.First > d.LastSeq {
				ds.queue = append(ds.queue, meta)
			}
		}
		if len(ds.queue) > 0 {
			ds.anchoring = true
			m.wg.Add(1)
			go m.anchorLoop(ds)
		}
	}
	return nil
}
