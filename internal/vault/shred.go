package vault

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/medchain/medchain/internal/records"
)

func (v *Vault) shredder() {
	defer v.wg.Done()
	sweep := time.NewTicker(min(v.ttl/4, time.Hour))
	defer sweep.Stop()
	for {
		select {
		case <-v.done:
			return
		case id := <-v.shred:
			v.shredRecord(id)
		case <-sweep.C:
			if _, err := v.Sweep(v.app.LastBlockTime()); err != nil {
				v.log.Error("vault: sweep of unanchored uploads failed", "err", err)
			}
		}
	}
}

// Sweep shreds the uploads that no anchor names and that were stored more
// than the upload TTL before now, and returns how many. The node passes the
// last block's time as now, not the clock: a node catching up after a
// stop has an old block time, so it cannot take an upload whose anchor it
// has not applied yet for an abandoned one.
func (v *Vault) Sweep(now time.Time) (int, error) {
	view := v.app.State().Committed()
	keeper := v.app.Records()
	cutoff := now.Add(-v.ttl)
	entries, err := os.ReadDir(v.pending)
	if err != nil {
		return 0, fmt.Errorf("vault: sweep: %w", err)
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		sum, herr := hex.DecodeString(name)
		if herr != nil || len(sum) != 32 {
			continue // not ours
		}
		marker := filepath.Join(v.pending, name)
		if _, ok := keeper.ByHash(view, name); ok {
			os.Remove(marker) // anchored: no longer pending
			continue
		}
		fi, ierr := e.Info()
		if ierr != nil || !fi.ModTime().Before(cutoff) {
			continue
		}
		if err = v.blobs.Shred([32]byte(sum)); err != nil {
			break
		}
		os.Remove(marker)
		n++
	}
	if n > 0 {
		v.log.Info("vault: shredded uploads never anchored", "count", n, "stored_before", cutoff.UTC().Format(time.RFC3339))
	}
	return n, err
}

// shredRecord destroys the ciphertexts and wrapped keys of an erased record
// this node keeps.
func (v *Vault) shredRecord(id string) {
	view := v.app.State().Committed()
	rec, ok := v.app.Records().Record(view, id)
	if !ok || rec.Erasure == nil || v.orgs[rec.Custodian] == nil {
		return
	}
	for _, h := range rec.Erasure.Hashes {
		sum, err := hex.DecodeString(h)
		if err != nil || len(sum) != 32 {
			continue
		}
		if err := v.blobs.Shred([32]byte(sum)); err != nil {
			v.log.Error("vault: shred failed", "record", id, "hash", h, "err", err)
			continue
		}
	}
	v.log.Info("record shredded", "record", id, "versions", len(rec.Erasure.Hashes), "reason", rec.Erasure.Reason)
}

// Reconcile shreds what the ledger says is erased but the blob store still
// holds (an erasure committed while the node was down, or a full queue).
// The node calls it at start.
func (v *Vault) Reconcile() error {
	view := v.app.State().Committed()
	keeper := v.app.Records()
	var erased []string
	err := v.blobs.Walk(func(sum [32]byte, _ int64) error {
		ref, ok := keeper.ByHash(view, hex.EncodeToString(sum[:]))
		if !ok {
			return nil // not anchored (yet): an upload waiting for its author
		}
		if rec, ok := keeper.Record(view, ref.Record); ok && rec.Status == records.StatusErased && !slices.Contains(erased, rec.ID) {
			erased = append(erased, rec.ID)
		}
		return nil
	})
	for _, id := range erased {
		v.shredRecord(id)
	}
	return err
}
