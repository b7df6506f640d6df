package epcisrepo

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/medchain/medchain/internal/epcis"
	"github.com/medchain/medchain/internal/seal"
)

// chunk is the index record of one transaction's events, kept in the clear
// next to their sealed blob (transactions/<blob>.json): what the ledger
// shows anyway (the events' hashes, the transaction and its height) and
// where the bodies are.
type chunk struct {
	Blob string `json:"blob"` // hex SHA-256 of the sealed events
	Org  string `json:"org"`
	Job  string `json:"job"`
	// Seq is the capture sequence number of the first event.
	Seq    uint64   `json:"seq"`
	Hashes []string `json:"hashes"`
	// Pending: sealed and sent, not known to be committed. A pending chunk
	// found at start is settled against the ledger.
	Pending    bool      `json:"pending,omitempty"`
	Tx         string    `json:"tx,omitempty"`
	Height     int64     `json:"height,omitempty"`
	RecordTime time.Time `json:"record_time,omitzero"`
}

// sealedEvents is the plaintext of a blob.
type sealedEvents struct {
	Events []json.RawMessage `json:"events"`
}

// sealChunk seals events under a fresh data key wrapped to org's identity
// and stores them; it returns the blob's hex hash.
func (r *Repository) sealChunk(c *custodian, events []json.RawMessage) (string, error) {
	plain, err := json.Marshal(sealedEvents{Events: events})
	if err != nil {
		return "", err
	}
	ct, key, err := seal.Seal(plain)
	if err != nil {
		return "", err
	}
	sum, err := r.blobs.Put(ct)
	if err != nil {
		return "", err
	}
	w, err := seal.Wrap(key, c.ident.Recipient())
	if err != nil {
		return "", err
	}
	if err := r.blobs.PutKey(sum, "org:"+c.org, w); err != nil {
		return "", err
	}
	return hex.EncodeToString(sum[:]), nil
}

// openChunk reads and decrypts a chunk's events as stored.
func (r *Repository) openChunk(ch *chunk) ([]json.RawMessage, error) {
	c := r.orgs[ch.Org]
	if c == nil {
		return nil, fmt.Errorf("epcisrepo: no identity of %s on this node", ch.Org)
	}
	sum, err := blobSum(ch.Blob)
	if err != nil {
		return nil, err
	}
	ct, err := r.blobs.Get(sum)
	if err != nil {
		return nil, err
	}
	w, err := r.blobs.Key(sum, "org:"+ch.Org)
	if err != nil {
		return nil, err
	}
	key, err := seal.Unwrap(w, c.ident)
	if err != nil {
		return nil, err
	}
	plain, err := seal.Open(ct, key)
	if err != nil {
		return nil, err
	}
	var se sealedEvents
	if err := json.Unmarshal(plain, &se); err != nil {
		return nil, fmt.Errorf("epcisrepo: blob %s: %w", ch.Blob, err)
	}
	if len(se.Events) != len(ch.Hashes) {
		return nil, fmt.Errorf("epcisrepo: blob %s holds %d events, its record %d", ch.Blob, len(se.Events), len(ch.Hashes))
	}
	return se.Events, nil
}

// served is a chunk's events as queries answer them: with their
// recordTime, from the cache of recently opened chunks.
func (r *Repository) served(ch *chunk) ([]json.RawMessage, error) {
	r.cacheMu.Lock()
	evs, ok := r.cache[ch.Blob]
	r.cacheMu.Unlock()
	if ok {
		return evs, nil
	}
	stored, err := r.openChunk(ch)
	if err != nil {
		return nil, err
	}
	evs = make([]json.RawMessage, len(stored))
	rt := ch.RecordTime.UTC().Format("2006-01-02T15:04:05.000Z")
	for i, e := range stored {
		if evs[i], err = epcis.SetFields(e, map[string]string{"recordTime": rt}); err != nil {
			return nil, err
		}
	}
	r.cacheMu.Lock()
	defer r.cacheMu.Unlock()
	if _, ok := r.cache[ch.Blob]; !ok {
		r.cache[ch.Blob] = evs
		r.cached = append(r.cached, ch.Blob)
		if len(r.cached) > cachedChunks {
			delete(r.cache, r.cached[0])
			r.cached = r.cached[1:]
		}
	}
	return evs, nil
}

func blobSum(h string) ([32]byte, error) {
	var sum [32]byte
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != 32 {
		return sum, fmt.Errorf("epcisrepo: bad blob name %q", h)
	}
	copy(sum[:], b)
	return sum, nil
}

// dropChunk removes a chunk that never reached the ledger.
func (r *Repository) dropChunk(ch *chunk) {
	if sum, err := blobSum(ch.Blob); err == nil {
		if err := r.blobs.Shred(sum); err != nil && !errors.Is(err, os.ErrNotExist) {
			r.log.Error("epcisrepo: removing unsent events", "blob", ch.Blob, "err", err)
		}
	}
	if err := os.Remove(filepath.Join(r.chunkDir, ch.Blob+".json")); err != nil && !errors.Is(err, os.ErrNotExist) {
		r.log.Error("epcisrepo: removing unsent events' record", "blob", ch.Blob, "err", err)
	}
}

func (r *Repository) writeChunk(ch *chunk) error {
	return writeFile(filepath.Join(r.chunkDir, ch.Blob+".json"), ch)
}

func (r *Repository) writeJob(j *Job) error {
	return writeFile(filepath.Join(r.jobDir, j.ID+".json"), j)
}

// writeFile writes v as JSON atomically (temporary file, sync, rename),
// mode 0600.
func writeFile(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("epcisrepo: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("epcisrepo: %w", err)
	}
	return nil
}

// readDir decodes every <name>.json of dir into a new T.
func readDir[T any](dir string) ([]*T, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("epcisrepo: %w", err)
	}
	var out []*T
	for _, de := range des {
		if !strings.HasSuffix(de.Name(), ".json") || strings.HasPrefix(de.Name(), ".") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, de.Name()))
		if err != nil {
			return nil, fmt.Errorf("epcisrepo: %w", err)
		}
		v := new(T)
		if err := json.Unmarshal(b, v); err != nil {
			return nil, fmt.Errorf("epcisrepo: %s: %w", de.Name(), err)
		}
		out = append(out, v)
	}
	return out, nil
}

// load rebuilds the index from the sealed events, settles the chunks a
// stop left pending, and ends the jobs it interrupted.
func (r *Repository) load() error {
	jobs, err := readDir[Job](r.jobDir)
	if err != nil {
		return err
	}
	slices.SortFunc(jobs, func(a, b *Job) int { return cmpUint(a.Seq, b.Seq) })
	for _, j := range jobs {
		r.jobs = append(r.jobs, j)
		r.jobByID[j.ID] = j
	}
	chunks, err := readDir[chunk](r.chunkDir)
	if err != nil {
		return err
	}
	slices.SortFunc(chunks, func(a, b *chunk) int { return cmpUint(a.Seq, b.Seq) })
	var pending []*chunk
	for _, ch := range chunks {
		switch {
		case ch.Pending:
			pending = append(pending, ch)
		case r.orgs[ch.Org] == nil:
			r.log.Warn("epcisrepo: events of an organisation this node no longer holds", "org", ch.Org, "blob", ch.Blob)
		default:
			if err := r.index(ch); err != nil {
				return err
			}
		}
	}
	for _, ch := range pending {
		if r.orgs[ch.Org] != nil && r.settle(ch) {
			if err := r.index(ch); err != nil {
				return err
			}
			if j := r.jobByID[ch.Job]; j != nil {
				j.Captured += len(ch.Hashes)
				j.Transactions = append(j.Transactions, JobTx{Height: ch.Height, Events: len(ch.Hashes)})
				if err := r.writeJob(j); err != nil {
					return err
				}
			}
		}
	}
	for _, j := range r.jobs {
		if j.Running {
			j.fail(JobError{Code: codeInterrupted, Kind: kindUnavailable,
				Detail: fmt.Sprintf("the node stopped during the capture: %d of %d events were captured; capture the others again", j.Captured, j.Events)})
			if err := r.writeJob(j); err != nil {
				return err
			}
		}
	}
	return nil
}

// settle decides a chunk sent before a stop: captured if the ledger
// anchors all its events, else dropped (its transaction was refused, or
// expired unsent).
func (r *Repository) settle(ch *chunk) bool {
	view := r.app.State().Committed()
	var height int64
	for _, h := range ch.Hashes {
		a, ok := r.app.Supply().Event(view, h)
		if !ok {
			r.log.Warn("epcisrepo: events sent before a stop are not on the ledger; dropped", "blob", ch.Blob, "job", ch.Job)
			r.dropChunk(ch)
			return false
		}
		height = max(height, a.Height)
	}
	ch.Pending, ch.Height = false, height
	ch.RecordTime = r.timeOf(context.Background(), height)
	r.log.Info("epcisrepo: events sent before a stop are on the ledger", "blob", ch.Blob, "job", ch.Job, "height", height)
	return true
}

// index opens a captured chunk and adds its events to the index, in
// capture order; a chunk indexed the first time gets its sequence numbers
// (from 1) and is written.
func (r *Repository) index(ch *chunk) error {
	stored, err := r.openChunk(ch)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if ch.Seq == 0 {
		ch.Seq = max(r.nextSeq, 1)
		if err := r.writeChunk(ch); err != nil {
			return err
		}
	}
	for i, raw := range stored {
		e, err := epcis.ParseEvent(raw)
		if err != nil {
			return fmt.Errorf("epcisrepo: blob %s event %d: %w", ch.Blob, i, err)
		}
		en := newEntry(e, ch, i, ch.Seq+uint64(i))
		r.entries = append(r.entries, en)
		if _, dup := r.byHash[en.hash]; !dup {
			r.byHash[en.hash] = en
		}
		if _, dup := r.byID[en.id]; !dup {
			r.byID[en.id] = en
		}
		r.nextSeq = max(r.nextSeq, en.seq+1)
	}
	return nil
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
