package telemetry

import (
	"encoding/hex"
	"fmt"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// The batches' Merkle trees are RFC 6962's (Certificate Transparency):
// SHA-256, leaf hash H(0x00 || leaf), node hash H(0x01 || left || right),
// over the signed readings' envelope bytes in sequence order, built and
// proven with github.com/transparency-dev/merkle.

var hasher = rfc6962.DefaultHasher

var rangeFactory = compact.RangeFactory{Hash: hasher.HashChildren}

// LeafHash is the RFC 6962 leaf hash of a signed reading.
func LeafHash(reading []byte) []byte { return hasher.HashLeaf(reading) }

// Tree accumulates leaf hashes and gives the root at any size. The zero
// value is not usable: call NewTree.
type Tree struct {
	r      *compact.Range
	leaves [][]byte
}

// NewTree returns an empty tree.
func NewTree() *Tree { return &Tree{r: rangeFactory.NewEmptyRange(0)} }

// Append adds a leaf hash.
func (t *Tree) Append(leafHash []byte) {
	if err := t.r.Append(leafHash, nil); err != nil {
		panic(fmt.Sprintf("telemetry: merkle append: %v", err)) // only on a range not starting at 0
	}
	t.leaves = append(t.leaves, leafHash)
}

// Size is the number of leaves.
func (t *Tree) Size() int { return len(t.leaves) }

// Root is the tree's root hash (the empty root for no leaves).
func (t *Tree) Root() []byte {
	if len(t.leaves) == 0 {
		return hasher.EmptyRoot()
	}
	root, err := t.r.GetRootHash(nil)
	if err != nil {
		panic(fmt.Sprintf("telemetry: merkle root: %v", err))
	}
	return root
}

// Inclusion is the inclusion proof of leaf index in the tree: the hashes a
// verifier combines with the leaf's hash to reach the root.
func (t *Tree) Inclusion(index uint64) ([][]byte, error) {
	size := uint64(len(t.leaves))
	if index >= size {
		return nil, fmt.Errorf("leaf %d of a tree of %d", index, size)
	}
	nodes, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, err
	}
	hashes := make([][]byte, len(nodes.IDs))
	for i, id := range nodes.IDs {
		begin, end := id.Coverage()
		r := rangeFactory.NewEmptyRange(begin)
		for _, h := range t.leaves[begin:end] {
			if err := r.Append(h, nil); err != nil {
				return nil, err
			}
		}
		// A proof's nodes are perfect subtrees: their range holds one hash.
		if hs := r.Hashes(); len(hs) == 1 {
			hashes[i] = hs[0]
		} else {
			return nil, fmt.Errorf("node %+v is not a perfect subtree", id)
		}
	}
	return nodes.Rehash(hashes, hasher.HashChildren)
}

// VerifyInclusion checks that reading is leaf index of a tree of size
// leaves whose root is rootHex, by the proof's hashes (hex).
func VerifyInclusion(reading []byte, index, size uint64, proofHex []string, rootHex string) error {
	root, err := hex.DecodeString(rootHex)
	if err != nil {
		return fmt.Errorf("root: %v", err)
	}
	p := make([][]byte, len(proofHex))
	for i, h := range proofHex {
		if p[i], err = hex.DecodeString(h); err != nil {
			return fmt.Errorf("proof[%d]: %v", i, err)
		}
	}
	return proof.VerifyInclusion(hasher, index, size, LeafHash(reading), p, root)
}
