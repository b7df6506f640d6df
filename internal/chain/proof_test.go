package chain

import (
	"testing"

	ics23 "github.com/cosmos/ics23/go"
)

func mustProof(t *testing.T, b []byte) *ics23.CommitmentProof {
	t.Helper()
	var p ics23.CommitmentProof
	if err := p.Unmarshal(b); err != nil {
		t.Fatal(err)
	}
	return &p
}
