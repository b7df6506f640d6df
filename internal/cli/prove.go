package cli

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/client/light"
)

// localRPC is the CometBFT RPC of `medchain dev` and of the homes
// medchain writes (on loopback).
const localRPC = "http://127.0.0.1:26657"

// trustOptions are the flags that say what proofs are verified against: a
// header the user trusts (--trust-height and --trust-hash, from which
// CometBFT's light client verifies the header a proof needs over --rpc),
// or, without them, the node's own word for that header.
type trustOptions struct {
	height, hash string
	period       time.Duration
	rpc          string
	// badPeriod is a $MEDCHAIN_TRUST_PERIOD that is no duration.
	badPeriod string
}

// bind adds the trust flags to f, with their environment defaults.
func (o *trustOptions) bind(f *pflag.FlagSet) {
	f.StringVar(&o.height, "trust-height", os.Getenv("MEDCHAIN_TRUST_HEIGHT"), "height of a header you trust, got out of band (env MEDCHAIN_TRUST_HEIGHT); with --trust-hash, proofs are verified by a light client from it")
	f.StringVar(&o.hash, "trust-hash", os.Getenv("MEDCHAIN_TRUST_HASH"), "hash of the trusted header, 64 hex digits (env MEDCHAIN_TRUST_HASH)")
	period := light.DefaultTrustPeriod
	if env := os.Getenv("MEDCHAIN_TRUST_PERIOD"); env != "" {
		if p, err := time.ParseDuration(env); err == nil {
			period = p
		} else {
			o.badPeriod = env
		}
	}
	f.DurationVar(&o.period, "trust-period", period, "how long a verified header stays trusted (env MEDCHAIN_TRUST_PERIOD)")
	rpc := localRPC
	if r := os.Getenv("MEDCHAIN_RPC"); r != "" {
		rpc = r
	}
	f.StringVar(&o.rpc, "rpc", rpc, "CometBFT RPC the light client asks for headers, URL[,WITNESS...] (env MEDCHAIN_RPC); used with --trust-height")
}

// proveFlags binds --prove (its help says what is proven) and the trust
// flags.
func proveFlags(f *pflag.FlagSet, prove *bool, what string, t *trustOptions) {
	f.BoolVar(prove, "prove", false, what+" and verify it (against --trust-height/--trust-hash, else the node's own header)")
	t.bind(f)
}

// errProof marks a proof that does not verify: exit 1.
var errProof = errors.New("proof does not verify")

// rpcError is a CometBFT RPC that cannot be reached: exit 3, said in its
// own words (not --node's).
type rpcError struct {
	url string
	err error
}

func (e *rpcError) Error() string {
	return fmt.Sprintf("cannot reach CometBFT's RPC at %s for the light client (set --rpc or $MEDCHAIN_RPC; a node keeps it on loopback, see docs/operations.md): %v", e.url, e.err)
}

func (e *rpcError) Unwrap() error { return e.err }

// prover verifies the proofs of one command: it starts the light client
// when first needed.
type prover struct {
	g     *Global
	trust *trustOptions
	v     *light.Verifier
	// height and hash are the trusted header, parsed (height 0: none).
	height int64
	hash   []byte
}

// newProver checks the trust flags.
func newProver(g *Global, t *trustOptions) (*prover, error) {
	p := &prover{g: g, trust: t}
	switch {
	case t.badPeriod != "":
		return nil, usageErrorf("$MEDCHAIN_TRUST_PERIOD %q: a duration such as 168h", t.badPeriod)
	case t.height == "" && t.hash == "":
		return p, nil
	case t.height == "" || t.hash == "":
		return nil, usageErrorf("give --trust-height and --trust-hash together (or $MEDCHAIN_TRUST_HEIGHT and $MEDCHAIN_TRUST_HASH): a header's height and its hash")
	}
	h, err := strconv.ParseInt(t.height, 10, 64)
	if err != nil || h <= 0 {
		return nil, usageErrorf("--trust-height %q: a block height from 1", t.height)
	}
	hash, err := hex.DecodeString(t.hash)
	if err != nil || len(hash) != 32 {
		return nil, usageErrorf("--trust-hash %q: the header's hash, 64 hex digits (medchain block %d -o json, \"hash\", from a node you trust)", t.hash, h)
	}
	if t.period <= 0 {
		return nil, usageErrorf("--trust-period %s: a positive duration", t.period)
	}
	p.height, p.hash = h, hash
	return p, nil
}

// header is the header at height and its app hash: verified by the light
// client from the trusted header, or, without one, as the node reports it.
func (p *prover) header(ctx context.Context, height int64) (hash, appHash []byte, err error) {
	if p.height == 0 {
		b, err := waitBlock(ctx, p.g, height)
		if err != nil {
			return nil, nil, fmt.Errorf("the header at height %d: %w", height, err)
		}
		if hash, err = hex.DecodeString(b.Hash); err == nil {
			appHash, err = hex.DecodeString(b.AppHash)
		}
		return hash, appHash, err
	}
	if p.v == nil {
		servers := strings.Split(p.trust.rpc, ",")
		v, err := light.NewVerifier(ctx, light.TrustOptions{Height: p.height, Hash: p.hash, Period: p.trust.period}, servers[0], servers[1:]...)
		if err != nil {
			return nil, nil, p.rpcError(err)
		}
		p.v = v
	}
	h, err := p.v.Header(ctx, height)
	if err != nil {
		return nil, nil, p.rpcError(err)
	}
	return h.Hash, h.AppHash, nil
}

// rpcError tells an RPC that did not answer from a header that did not
// verify.
func (p *prover) rpcError(err error) error {
	if unreachable(err) && !errors.Is(err, light.ErrHeader) {
		return &rpcError{url: p.trust.rpc, err: err}
	}
	return err
}

// verify checks proofs (of what: "grant gr-…") against the header after
// their state and returns the line that says so (a line per height, when
// the proofs are of several). A proof that does not verify is an error
// (exit 1). Without a trusted header it warns on stderr that the node was
// taken at its word.
func (p *prover) verify(ctx context.Context, what string, proofs ...*client.Proof) (string, error) {
	var lines []string
	var heights []int64
	count := map[int64]int{}
	for _, pf := range proofs {
		if pf == nil {
			return "", fmt.Errorf("%w: the node answered %s without a proof", errProof, what)
		}
		if count[pf.Height] == 0 {
			heights = append(heights, pf.Height)
		}
		count[pf.Height]++
	}
	if len(heights) == 0 {
		return "", fmt.Errorf("%w: the node answered %s without a proof", errProof, what)
	}
	for _, h := range heights {
		hash, appHash, err := p.header(ctx, h+1)
		if err != nil {
			var re *rpcError
			if errors.As(err, &re) {
				return "", err
			}
			return "", fmt.Errorf("%s at height %d, header %d: %w", what, h, h+1, err)
		}
		for _, pf := range proofs {
			if pf.Height != h {
				continue
			}
			if err := client.VerifyProof(pf, appHash); err != nil {
				return "", fmt.Errorf("%w: %s at height %d against header %d (app hash %X): %w", errProof, what, h, h+1, appHash, err)
			}
		}
		subject := what
		if n := count[h]; n > 1 {
			subject = fmt.Sprintf("%s (%d keys)", what, n)
		}
		lines = append(lines, fmt.Sprintf("proof: verified %s at height %d against header %d (hash %X, app hash %X), %s", subject, h, h+1, hash, appHash, p.source()))
	}
	p.warnUntrusted(what)
	out := strings.Join(lines, "\n")
	if p.g.JSON() {
		fmt.Fprintln(p.g.Err, out)
	}
	return out, nil
}

// source says where the headers come from: the trusted header, or the
// node's word.
func (p *prover) source() string {
	if p.height != 0 {
		return fmt.Sprintf("trusted from height %d hash %X", p.height, p.hash)
	}
	return "as this node reports it"
}

// warnUntrusted says on stderr, without a trusted header, that what was
// checked against the node's own headers.
func (p *prover) warnUntrusted(what string) {
	if p.height == 0 {
		fmt.Fprintf(p.g.Err, "WARNING: no trusted header (--trust-height and --trust-hash): %s checked against the header this node itself reports, which trusts the node; give a header from another organisation's node or a validator's checkpoint\n", what)
	}
}

// printProven writes the verified line(s) after a command's text (in JSON
// mode verify wrote them to stderr).
func printProven(w io.Writer, line string) {
	if line != "" {
		fmt.Fprintln(w, line)
	}
}

// newProveCmd is `medchain prove KIND ID`: a proof of what the ledger holds
// for an ID, verified.
func newProveCmd(g *Global) *cobra.Command {
	var (
		trust  trustOptions
		height int64
	)
	kinds := []string{string(client.ProofOfGrant), string(client.ProofOfRecord), string(client.ProofOfItem), string(client.ProofOfClaim), string(client.ProofOfCredential)}
	cmd := verbCmd("prove KIND ID [--height H] [--trust-height H --trust-hash HASH]",
		"Prove what the ledger holds for a grant, record, item, claim or credential, and verify it",
		`Ask the node for the Merkle proof of the ledger's entry for ID (KIND: `+strings.Join(kinds, ", ")+`), in the
latest state or that after block --height, and verify it here against the app hash of the
header that commits to that state (the next block's). With --trust-height and --trust-hash,
a header you trust got out of band (another organisation's node, a validator's published
checkpoint), CometBFT's light client verifies that header from it over --rpc; without them
the proof is checked against the node's own header, with a warning. A grant, record or claim
is proven only to whom may see it (--as); an item or a credential to anyone (an unknown one
is proven absent). Exit 1 if the proof does not verify.`,
		`  medchain prove grant gr-… --as alice --trust-height 2 --trust-hash 5F0E…
  medchain prove item "(01)09506000134352(21)SN0001"`,
		cobra.ExactArgs(2), func(ctx context.Context, args []string) error {
			kind := client.ProofOf(args[0])
			valid := false
			for _, k := range kinds {
				valid = valid || args[0] == k
			}
			if !valid {
				return usageErrorf("KIND %q: one of %s", args[0], strings.Join(kinds, ", "))
			}
			p, err := newProver(g, &trust)
			if err != nil {
				return err
			}
			access := readEither
			if kind == client.ProofOfGrant || kind == client.ProofOfRecord || kind == client.ProofOfClaim {
				access = readKeyed
			}
			api, err := g.reader(access)
			if err != nil {
				return err
			}
			pf, err := api.ProveID(ctx, kind, args[1], height)
			if err != nil {
				return err
			}
			what := string(kind) + " " + args[1]
			if pf.Value == nil {
				what += " (absent)"
			}
			line, err := p.verify(ctx, what, pf)
			if err != nil {
				return err
			}
			return g.Print(pf, func(w io.Writer) {
				fmt.Fprintf(w, "key     %s\n", pf.Key)
				if pf.Value == nil {
					fmt.Fprintf(w, "value   (absent)\n")
				} else {
					fmt.Fprintf(w, "value   %s\n", bytes.TrimSpace(pf.Value))
				}
				printProven(w, line)
			})
		})
	cmd.Flags().Int64Var(&height, "height", 0, "prove the state after this block (default: the latest)")
	trust.bind(cmd.Flags())
	return cmd
}
