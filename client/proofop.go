package client

import (
	"errors"
	"fmt"

	"github.com/cometbft/cometbft/crypto/merkle"
	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	ics23 "github.com/cosmos/ics23/go"
)

// ProofOpType is the type of the one proof operation in a node's answers
// to the ABCI query "/key" with prove set: an ics23 proof in the IAVL
// tree whose root is the app hash (the chain keeps its whole state in one
// tree, so no other operation follows it).
const ProofOpType = "ics23:iavl"

// ProofRuntime returns a CometBFT proof runtime that decodes medchain's
// proof operations (ProofOpType) besides CometBFT's own ("simple:v"), so
// that merkle.ProofRuntime.VerifyValue and VerifyAbsence check the
// ProofOps of an ABCI query answer against a header's app hash. Build the
// key path with MerkleKeyPath.
func ProofRuntime() *merkle.ProofRuntime {
	prt := merkle.DefaultProofRuntime()
	prt.RegisterOpDecoder(ProofOpType, DecodeProofOp)
	return prt
}

// DecodeProofOp decodes a proof operation of type ProofOpType: the op's
// Key is the state key, its Data an ics23.CommitmentProof in protobuf. A
// CometBFT light proxy learns the type with
// (*light/rpc.Client).RegisterOpDecoder(ProofOpType, DecodeProofOp).
func DecodeProofOp(op cmtcrypto.ProofOp) (merkle.ProofOperator, error) {
	if op.Type != ProofOpType {
		return nil, fmt.Errorf("%w: proof operation of type %q, want %q", ErrProof, op.Type, ProofOpType)
	}
	if len(op.Key) == 0 {
		return nil, fmt.Errorf("%w: proof operation without a key", ErrProof)
	}
	var cp ics23.CommitmentProof
	if err := cp.Unmarshal(op.Data); err != nil {
		return nil, fmt.Errorf("%w: decode %s proof of %q: %v", ErrProof, ProofOpType, op.Key, err)
	}
	return commitmentOp{key: op.Key, proof: &cp}, nil
}

// MerkleKeyPath is the key path of key as ProofRuntime's Verify methods
// expect it for an answer to the ABCI query path "/key" (one level: the
// tree's key, hex-encoded). It has the shape of CometBFT's
// light/rpc.KeyPathFunc, for a light proxy's KeyPathFn option.
func MerkleKeyPath(path string, key []byte) (merkle.KeyPath, error) {
	if path != "/key" {
		return nil, fmt.Errorf("client: ABCI query path %q: medchain proves only \"/key\"", path)
	}
	if len(key) == 0 {
		return nil, errors.New("client: an empty key has no proof")
	}
	return merkle.KeyPath{}.AppendKey(key, merkle.KeyEncodingHex), nil
}

// commitmentOp is a merkle.ProofOperator over one ics23 proof in the IAVL
// tree: given the value (membership) or nothing (absence), it checks the
// proof and yields the root the proof computes, which the runtime then
// compares with the app hash.
type commitmentOp struct {
	key   []byte
	proof *ics23.CommitmentProof
}

func (op commitmentOp) GetKey() []byte { return op.key }

func (op commitmentOp) ProofOp() cmtcrypto.ProofOp {
	data, err := op.proof.Marshal()
	if err != nil {
		// A proof this package decoded always encodes again.
		panic(fmt.Sprintf("client: encode an ics23 proof: %v", err))
	}
	return cmtcrypto.ProofOp{Type: ProofOpType, Key: op.key, Data: data}
}

func (op commitmentOp) Run(args [][]byte) ([][]byte, error) {
	root, err := op.proof.Calculate()
	if err != nil {
		return nil, fmt.Errorf("%w: the proof of %q computes no root: %v", ErrProof, op.key, err)
	}
	switch len(args) {
	case 0:
		if !ics23.VerifyNonMembership(ics23.IavlSpec, root, op.proof, op.key) {
			return nil, fmt.Errorf("%w: not a proof that %q is absent", ErrProof, op.key)
		}
	case 1:
		if !ics23.VerifyMembership(ics23.IavlSpec, root, op.proof, op.key, args[0]) {
			return nil, fmt.Errorf("%w: not a proof that %q holds the value given", ErrProof, op.key)
		}
	default:
		return nil, fmt.Errorf("%w: %d values for one key", ErrProof, len(args))
	}
	return [][]byte{root}, nil
}
