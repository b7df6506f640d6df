package telemetry_test

import (
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/medchain/medchain/internal/telemetry"
)

// Every leaf of trees of every size up to 33 (past several powers of two)
// proves against the root; a changed reading, index or root does not.
func TestInclusionProofs(t *testing.T) {
	for size := 1; size <= 33; size++ {
		tree := telemetry.NewTree()
		var leaves [][]byte
		for i := range size {
			leaf := fmt.Appendf(nil, "reading %d", i)
			leaves = append(leaves, leaf)
			tree.Append(telemetry.LeafHash(leaf))
		}
		root := hex.EncodeToString(tree.Root())
		for i := range size {
			p, err := tree.Inclusion(uint64(i))
			if err != nil {
				t.Fatal(err)
			}
			ph := make([]string, len(p))
			for j, h := range p {
				ph[j] = hex.EncodeToString(h)
			}
			if err := telemetry.VerifyInclusion(leaves[i], uint64(i), uint64(size), ph, root); err != nil {
				t.Fatalf("size %d leaf %d: %v", size, i, err)
			}
			if telemetry.VerifyInclusion([]byte("forged"), uint64(i), uint64(size), ph, root) == nil {
				t.Fatalf("size %d leaf %d: a forged reading verifies", size, i)
			}
			if size > 1 && telemetry.VerifyInclusion(leaves[i], uint64((i+1)%size), uint64(size), ph, root) == nil {
				t.Fatalf("size %d leaf %d: verifies at another index", size, i)
			}
		}
	}
}

// The root of one leaf is its leaf hash, and the empty tree's root is
// SHA-256 of nothing (RFC 6962 §2.1).
func TestRootVectors(t *testing.T) {
	if got := hex.EncodeToString(telemetry.NewTree().Root()); got != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Fatalf("empty root %s", got)
	}
	tree := telemetry.NewTree()
	tree.Append(telemetry.LeafHash([]byte("x")))
	if got, want := hex.EncodeToString(tree.Root()), hex.EncodeToString(telemetry.LeafHash([]byte("x"))); got != want {
		t.Fatalf("root of one leaf %s, want %s", got, want)
	}
}
