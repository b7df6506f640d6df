package client

import (
	"errors"
	"fmt"

	ics23 "github.com/cosmos/ics23/go"
)

// ErrProof is returned by VerifyProof when a proof does not verify.
var ErrProof = errors.New("client: proof does not verify")

// VerifyProof checks that p proves its Key holds its Value (or, with a nil
// Value, that the key is absent) under appHash. Take appHash from the header
// of block p.Height+1 (p.VerifyAgainst.BlockHeight) as a light client
// verified it from a header you trust, never from p.Root nor from the node
// that answered: client/light's Verifier.Verify does both steps.
func VerifyProof(p *Proof, appHash []byte) error {
	if p == nil {
		return fmt.Errorf("%w: no proof", ErrProof)
	}
	var cp ics23.CommitmentProof
	if err := cp.Unmarshal(p.Proof); err != nil {
		return fmt.Errorf("%w: decode: %v", ErrProof, err)
	}
	var ok bool
	if p.Value != nil {
		ok = ics23.VerifyMembership(ics23.IavlSpec, appHash, &cp, []byte(p.Key), p.Value)
	} else {
		ok = ics23.VerifyNonMembership(ics23.IavlSpec, appHash, &cp, []byte(p.Key))
	}
	if !ok {
		return fmt.Errorf("%w: key %q at height %d under root %X", ErrProof, p.Key, p.Height, appHash)
	}
	return nil
}
