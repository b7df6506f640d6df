package ledgertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/crypto/ed25519"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/tx"
)

// ChainID is the chain ID of every script's chain.
const ChainID = "medchain-test"

// GenesisTime is the time of every script's genesis.
var GenesisTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// BlockStep is how far each block's time lies after the last one's.
const BlockStep = 5 * time.Second

// txTTL is how many blocks past its own a script's transaction stays valid.
const txTTL = 100

// Query answers a "query" command: it reads the committed state through
// c.App() and returns what to print as JSON. args are the command's k=v
// arguments, placeholders expanded.
type Query func(c *Chain, args Args) (any, error)

// Args are a command's arguments by key.
type Args map[string]string

// Option configures Run.
type Option func(*runner)

// WithQueries registers the queries scripts may call by name.
func WithQueries(qs map[string]Query) Option {
	return func(r *runner) {
		for name, q := range qs {
			r.queries[name] = q
		}
	}
}

type runner struct {
	queries map[string]Query
}

// Run runs every script file under dir (a module's "testdata"), each as a
// subtest on chains of its own.
func Run(t *testing.T, dir string, opts ...Option) {
	t.Helper()
	r := &runner{queries: map[string]Query{}}
	for _, o := range opts {
		o(r)
	}
	datadriven.Walk(t, dir, func(t *testing.T, path string) {
		s := &script{runner: r, names: newNames()}
		datadriven.RunTest(t, path, s.run)
		if err := s.c.verifyReplay(); err != nil {
			t.Fatal(err)
		}
	})
}

// Key returns the key pair a name stands for.
func Key(name string) ed25519.PrivKey { return ed25519.GenPrivKeyFromSecret([]byte(name)) }

// PubKey returns the public key a name stands for.
func PubKey(name string) tx.PubKey { return tx.PubKey(Key(name).PubKey().Bytes()) }

// Chain is one script's running application, as queries see it.
type Chain struct {
	app    *chain.App
	db     *state.DB
	height int64
	time   time.Time
	nonce  uint64
	// committed is every module key of the last committed state, prev of
	// the one before: the last block's changes are the difference.
	committed, prev map[string][]byte
	names           *names
	// signers' votes are recorded in each block as its last commit.
	signers []abci.VoteInfo
	// misbehaviour is the evidence the next block records.
	misbehaviour []abci.Misbehavior
	// init and blocks are the chain's history, replayed on a fresh app at
	// the end of the script (verifyReplay).
	init   *abci.RequestInitChain
	blocks []recorded
}

// recorded is one finalized block and the app hash it gave.
type recorded struct {
	req     *abci.RequestFinalizeBlock
	appHash []byte
}

// App is the application under test.
func (c *Chain) App() *chain.App { return c.app }

// View is the last committed state.
func (c *Chain) View() *state.View { return c.db.Committed() }

// Height is the height of the last committed block (0 after genesis).
func (c *Chain) Height() int64 { return c.height }

// Time is the time of the last committed block.
func (c *Chain) Time() time.Time { return c.time }

// Key is the public key of name; the output will print it as $key(name).
func (c *Chain) Key(name string) tx.PubKey { return c.names.key(name) }

// PatientID is the patient ID of name's key; the output will print it as
// $pt(name).
func (c *Chain) PatientID(name string) string { return c.names.patient(name) }

// script is the state of one script file.
type script struct {
	*runner
	names *names
	c     *Chain
}

func (s *script) run(t *testing.T, d *datadriven.TestData) string {
	t.Helper()
	if d.Cmd != "genesis" && s.c == nil {
		d.Fatalf(t, "%s before genesis", d.Cmd)
	}
	var out string
	var err error
	switch d.Cmd {
	case "genesis":
		out, err = s.genesis(d)
	case "exec":
		out, err = s.exec(d)
	case "block":
		out, err = s.block(d)
	case "check":
		out, err = s.check(d)
	case "advance":
		out, err = s.advance(d)
	case "state":
		out, err = s.state(d)
	case "query":
		out, err = s.query(d)
	case "signers":
		out, err = s.setSigners(d)
	case "misbehaviour":
		out, err = s.addMisbehaviour(d)
	default:
		err = fmt.Errorf("unknown command %q (genesis, exec, block, check, advance, state, query, signers, misbehaviour)", d.Cmd)
	}
	if err != nil {
		d.Fatalf(t, "%v", err)
	}
	return out
}

// args collects a command's k=v arguments, placeholders expanded, and
// refuses any key not in allowed.
func (s *script) args(cmdArgs []datadriven.CmdArg, allowed ...string) (Args, error) {
	a := Args{}
	for _, arg := range cmdArgs {
		ok := false
		for _, k := range allowed {
			ok = ok || k == arg.Key
		}
		if !ok {
			return nil, fmt.Errorf("unknown argument %q (known: %s)", arg.Key, strings.Join(allowed, ", "))
		}
		v, err := s.expand(strings.Join(arg.Vals, ","))
		if err != nil {
			return nil, err
		}
		a[arg.Key] = v
	}
	return a, nil
}

// expand replaces the placeholders of in, against the next block.
func (s *script) expand(in string) (string, error) {
	next, at := int64(1), GenesisTime.Add(BlockStep)
	if s.c != nil {
		next, at = s.c.height+1, s.c.time.Add(BlockStep)
	}
	return s.names.expand(in, next, at)
}

// txSpec is one transaction a command asks for.
type txSpec struct {
	signer, typ string
	msg         json.RawMessage
}

func (s *script) spec(a Args, input string) (txSpec, error) {
	sp := txSpec{signer: a["signer"], typ: a["type"]}
	if sp.signer == "" || sp.typ == "" {
		return sp, fmt.Errorf("signer= and type= are required")
	}
	s.names.patient(sp.signer) // prints its key, and its ID if it registers as a patient
	msg, err := s.expand(strings.TrimSpace(input))
	if err != nil {
		return sp, err
	}
	if msg == "" {
		msg = "{}"
	}
	sp.msg = json.RawMessage(msg)
	return sp, nil
}

// sign builds the signed transaction of sp for the next block.
func (s *script) sign(sp txSpec) ([]byte, error) {
	c := s.c
	c.nonce++
	raw, err := tx.Sign(Key(sp.signer), tx.Body{
		ChainID: ChainID, Nonce: c.nonce, Expires: c.height + 1 + txTTL, Type: sp.typ, Msg: sp.msg,
	})
	if err != nil {
		return nil, fmt.Errorf("sign %s by %s: %w", sp.typ, sp.signer, err)
	}
	return raw, nil
}

func (s *script) exec(d *datadriven.TestData) (string, error) {
	a, err := s.args(d.CmdArgs, "signer", "type")
	if err != nil {
		return "", err
	}
	sp, err := s.spec(a, d.Input)
	if err != nil {
		return "", err
	}
	raw, err := s.sign(sp)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	resp, err := s.c.finalize(s.c.time.Add(BlockStep), [][]byte{raw})
	if err != nil {
		return "", err
	}
	s.printResult(&b, "", resp.TxResults[0])
	s.printBlock(&b, resp)
	return b.String(), nil
}

func (s *script) block(d *datadriven.TestData) (string, error) {
	if _, err := s.args(d.CmdArgs); err != nil {
		return "", err
	}
	specs, err := s.blockSpecs(d.Input)
	if err != nil {
		return "", err
	}
	var txs [][]byte
	for _, sp := range specs {
		raw, err := s.sign(sp)
		if err != nil {
			return "", err
		}
		txs = append(txs, raw)
	}
	if len(txs) == 0 {
		return "", fmt.Errorf("block: no transactions (use advance for an empty block)")
	}
	resp, err := s.c.finalize(s.c.time.Add(BlockStep), txs)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for i, r := range resp.TxResults {
		s.printResult(&b, fmt.Sprintf("tx %d: ", i), r)
	}
	s.printBlock(&b, resp)
	return b.String(), nil
}

// blockSpecs reads a block's input: one "exec signer=<name> type=<type>
// <json>" a line.
func (s *script) blockSpecs(input string) ([]txSpec, error) {
	var specs []txSpec
	for line := range strings.SplitSeq(strings.TrimSpace(input), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		head, msg, _ := strings.Cut(line, " {")
		if msg != "" {
			msg = "{" + msg
		}
		cmd, cmdArgs, err := datadriven.ParseLine(head)
		if err != nil {
			return nil, err
		}
		if cmd != "exec" {
			return nil, fmt.Errorf("block: %q: each line is exec signer=<name> type=<type> <json>", line)
		}
		a, err := s.args(cmdArgs, "signer", "type")
		if err != nil {
			return nil, err
		}
		sp, err := s.spec(a, msg)
		if err != nil {
			return nil, err
		}
		specs = append(specs, sp)
	}
	return specs, nil
}

func (s *script) check(d *datadriven.TestData) (string, error) {
	a, err := s.args(d.CmdArgs, "signer", "type")
	if err != nil {
		return "", err
	}
	sp, err := s.spec(a, d.Input)
	if err != nil {
		return "", err
	}
	raw, err := s.sign(sp)
	if err != nil {
		return "", err
	}
	r, err := s.c.app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw, Type: abci.CheckTxType_New})
	if err != nil {
		return "", fmt.Errorf("CheckTx: %w", err)
	}
	var b strings.Builder
	s.printResult(&b, "", &abci.ExecTxResult{Code: r.Code, Codespace: r.Codespace, Log: r.Log, Info: r.Info, Data: r.Data})
	return b.String(), nil
}

func (s *script) advance(d *datadriven.TestData) (string, error) {
	a, err := s.args(d.CmdArgs, "blocks", "time")
	if err != nil {
		return "", err
	}
	n, step := 1, BlockStep
	if v, ok := a["blocks"]; ok {
		if _, err := fmt.Sscan(v, &n); err != nil || n < 1 {
			return "", fmt.Errorf("advance: blocks=%q is not a positive number", v)
		}
	}
	if v, ok := a["time"]; ok {
		if step, err = time.ParseDuration(v); err != nil || step <= 0 {
			return "", fmt.Errorf("advance: time=%q is not a positive duration", v)
		}
	}
	before := s.c.committed
	var b strings.Builder
	var body strings.Builder
	for i := 0; i < n; i++ {
		at := s.c.time.Add(BlockStep)
		if i == 0 {
			at = s.c.time.Add(step)
		}
		resp, err := s.c.finalize(at, nil)
		if err != nil {
			return "", err
		}
		var blk strings.Builder
		s.printEndBlock(&blk, resp)
		if blk.Len() > 0 {
			fmt.Fprintf(&body, "block %d\n%s", s.c.height, blk.String())
		}
	}
	fmt.Fprintf(&b, "height %d time %s\n", s.c.height, s.c.time.Format(time.RFC3339))
	b.WriteString(body.String())
	s.printDiff(&b, before, s.c.committed)
	return b.String(), nil
}

func (s *script) state(d *datadriven.TestData) (string, error) {
	a, err := s.args(d.CmdArgs, "prefix")
	if err != nil {
		return "", err
	}
	p := []byte(a["prefix"])
	var b strings.Builder
	var end []byte
	if len(p) > 0 {
		end = state.PrefixEnd(p)
	}
	s.c.View().Iterate(p, end, func(k, v []byte) bool {
		fmt.Fprintf(&b, "%s%s\n", s.key(k), s.value(" = ", v))
		return true
	})
	if b.Len() == 0 {
		return "(none)\n", nil
	}
	return b.String(), nil
}

func (s *script) query(d *datadriven.TestData) (string, error) {
	if len(d.CmdArgs) == 0 || len(d.CmdArgs[0].Vals) != 0 {
		return "", fmt.Errorf("query: the first argument names the query")
	}
	name := d.CmdArgs[0].Key
	q, ok := s.queries[name]
	if !ok {
		return "", fmt.Errorf("query: no query %q registered (WithQueries)", name)
	}
	a := Args{}
	for _, arg := range d.CmdArgs[1:] {
		v, err := s.expand(strings.Join(arg.Vals, ","))
		if err != nil {
			return "", err
		}
		a[arg.Key] = v
	}
	res, err := q(s.c, a)
	if err != nil {
		return s.names.shorten("error: "+err.Error()) + "\n", nil
	}
	out, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return "", fmt.Errorf("query %s: %w", name, err)
	}
	return s.names.shorten(string(out)) + "\n", nil
}

// finalize runs one block of txs at time at and commits it.
func (c *Chain) finalize(at time.Time, txs [][]byte) (*abci.ResponseFinalizeBlock, error) {
	h := c.height + 1
	req := &abci.RequestFinalizeBlock{Height: h, Time: at, Txs: txs,
		DecidedLastCommit: abci.CommitInfo{Votes: c.signers}, Misbehavior: c.misbehaviour}
	resp, err := c.app.FinalizeBlock(context.Background(), req)
	c.misbehaviour = nil
	if err == nil {
		c.blocks = append(c.blocks, recorded{req: req, appHash: resp.AppHash})
	}
	if err != nil {
		return nil, fmt.Errorf("finalize block %d: %w", h, err)
	}
	if _, err := c.app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		return nil, fmt.Errorf("commit block %d: %w", h, err)
	}
	c.height, c.time = h, at
	c.prev = c.committed
	c.committed = moduleState(c.db.Committed())
	return resp, nil
}

// setSigners sets the validators whose votes the following blocks record.
func (s *script) setSigners(d *datadriven.TestData) (string, error) {
	s.c.signers = nil
	var b strings.Builder
	for _, arg := range d.CmdArgs {
		if len(arg.Vals) != 0 {
			return "", fmt.Errorf("signers: %q: give names, not k=v", arg.Key)
		}
		addr := ed25519.PubKey(s.names.key(arg.Key)).Address()
		s.c.signers = append(s.c.signers, abci.VoteInfo{
			Validator: abci.Validator{Address: addr}, BlockIdFlag: cmtproto.BlockIDFlagCommit})
		fmt.Fprintf(&b, "%s %X\n", arg.Key, []byte(addr))
	}
	if b.Len() == 0 {
		return "no votes recorded\n", nil
	}
	return b.String(), nil
}

// addMisbehaviour makes the next block record evidence against a validator.
func (s *script) addMisbehaviour(d *datadriven.TestData) (string, error) {
	if len(d.CmdArgs) == 0 || len(d.CmdArgs[0].Vals) != 0 {
		return "", fmt.Errorf("misbehaviour: the first argument names the validator")
	}
	name := d.CmdArgs[0].Key
	a, err := s.args(d.CmdArgs[1:], "type", "height")
	if err != nil {
		return "", err
	}
	typ := abci.MisbehaviorType_DUPLICATE_VOTE
	if a["type"] == "light-client-attack" {
		typ = abci.MisbehaviorType_LIGHT_CLIENT_ATTACK
	} else if a["type"] != "" && a["type"] != "duplicate-vote" {
		return "", fmt.Errorf("misbehaviour: type=%q (duplicate-vote, light-client-attack)", a["type"])
	}
	h := s.c.height
	if v, ok := a["height"]; ok {
		if _, err := fmt.Sscan(v, &h); err != nil {
			return "", fmt.Errorf("misbehaviour: height=%q", v)
		}
	}
	addr := ed25519.PubKey(s.names.key(name)).Address()
	s.c.misbehaviour = append(s.c.misbehaviour, abci.Misbehavior{Type: typ, Validator: abci.Validator{Address: addr}, Height: h})
	return fmt.Sprintf("the next block records %s by %s at height %d\n", typ, name, h), nil
}

// verifyReplay runs the chain's blocks again on a fresh app, from the same
// genesis, and fails unless every block gives the same app hash: the
// determinism check of every module's messages, refusals and end-block
// work, as the scripts exercise them. The replaying app never ran CheckTx,
// so it also checks that what the mempool cached changes nothing.
func (c *Chain) verifyReplay() error {
	if c == nil || c.init == nil {
		return nil
	}
	db, err := state.Open("", state.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	app, err := chain.New(db, chain.Options{})
	if err != nil {
		return err
	}
	if _, err := app.InitChain(context.Background(), c.init); err != nil {
		return fmt.Errorf("replay: genesis: %w", err)
	}
	for _, b := range c.blocks {
		resp, err := app.FinalizeBlock(context.Background(), b.req)
		if err != nil {
			return fmt.Errorf("replay: block %d: %w", b.req.Height, err)
		}
		if !bytes.Equal(resp.AppHash, b.appHash) {
			return fmt.Errorf("replay: block %d gives app hash %X on a fresh app, %X in the script: a module's handling is not deterministic", b.req.Height, resp.AppHash, b.appHash)
		}
		if _, err := app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
			return fmt.Errorf("replay: commit %d: %w", b.req.Height, err)
		}
	}
	c.init = nil // once
	return nil
}
