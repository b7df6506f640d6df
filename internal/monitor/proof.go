package monitor

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/medchain/medchain/internal/seal"
	"github.com/medchain/medchain/internal/telemetry"
)

// Proof shows that one signed reading is in an anchored batch: the reading
// (its envelope, which carries the device's key and signature), its index
// among the batch's leaves, the batch size and the RFC 6962 inclusion proof
// to the batch root, and the anchor: the batch ID and the state key whose
// proof (GET /v1/proofs) shows the root on the ledger.
type Proof struct {
	Device  string   `json:"device"`
	Seq     uint64   `json:"seq"`
	Reading []byte   `json:"reading"` // the signed envelope (base64 in JSON)
	Index   uint64   `json:"index"`
	Size    uint64   `json:"size"`
	Hashes  []string `json:"hashes"` // hex, leaf to root
	Root    string   `json:"root"`
	Batch   string   `json:"batch"`
	Key     string   `json:"key"`
}

// Prove builds the inclusion proof of a device's reading seq. The reading
// must be in a batch this node sealed and whose anchor committed.
func (m *Monitor) Prove(device string, seq uint64) (Proof, error) {
	m.mu.Lock()
	metas := m.metas[device]
	i := sort.Search(len(metas), func(i int) bool { return metas[i].Last >= seq })
	var meta batchMeta
	found := i < len(metas) && metas[i].First <= seq
	if found {
		meta = *metas[i]
	}
	m.mu.Unlock()
	switch {
	case !found:
		return Proof{}, fmt.Errorf("%w: no batch this node keeps holds reading %d of %s", telemetry.ErrNotFound, seq, device)
	case meta.AnchorID == "":
		return Proof{}, fmt.Errorf("%w: the batch holding reading %d of %s is not anchored yet (refused: %q)", telemetry.ErrState, seq, device, meta.Refused)
	}
	c, ok := m.orgs[meta.Org]
	if !ok {
		return Proof{}, fmt.Errorf("%w: %s", telemetry.ErrNotCustodian, meta.Org)
	}
	sb, err := m.open(c, meta)
	if err != nil {
		return Proof{}, err
	}
	idx := sort.Search(len(sb.Seqs), func(i int) bool { return sb.Seqs[i] >= seq })
	if idx == len(sb.Seqs) || sb.Seqs[idx] != seq {
		return Proof{}, fmt.Errorf("%w: reading %d of %s never arrived (a gap of its batch)", telemetry.ErrNotFound, seq, device)
	}
	tree := telemetry.NewTree()
	for _, r := range sb.Readings {
		tree.Append(telemetry.LeafHash(r))
	}
	if got := hex.EncodeToString(tree.Root()); got != meta.Root {
		return Proof{}, fmt.Errorf("monitor: batch %s: stored readings give root %s, the anchor says %s", meta.AnchorID, got, meta.Root)
	}
	hashes, err := tree.Inclusion(uint64(idx))
	if err != nil {
		return Proof{}, err
	}
	p := Proof{Device: device, Seq: seq, Reading: sb.Readings[idx], Index: uint64(idx), Size: uint64(tree.Size()),
		Root: meta.Root, Batch: meta.AnchorID, Key: telemetry.BatchKey(meta.AnchorID), Hashes: make([]string, len(hashes))}
	for i, h := range hashes {
		p.Hashes[i] = hex.EncodeToString(h)
	}
	return p, nil
}

// open decrypts a stored batch with the organisation's identity.
func (m *Monitor) open(c *custodian, meta batchMeta) (*sealedBatch, error) {
	sum, err := hex.DecodeString(meta.Blob)
	if err != nil || len(sum) != 32 {
		return nil, fmt.Errorf("monitor: batch of %s from %d: bad blob hash", meta.Device, meta.First)
	}
	var s [32]byte
	copy(s[:], sum)
	ct, err := m.blobs.Get(s)
	if err != nil {
		return nil, err
	}
	w, err := m.blobs.Key(s, "org:"+c.org)
	if err != nil {
		return nil, err
	}
	key, err := seal.Unwrap(w, c.ident)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	plain, err := seal.Open(ct, key)
	if err != nil {
		return nil, err
	}
	var sb sealedBatch
	if err := json.Unmarshal(plain, &sb); err != nil {
		return nil, fmt.Errorf("monitor: batch of %s from %d: %w", meta.Device, meta.First, err)
	}
	return &sb, nil
}
