package ledgertest

import (
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
)

// TestReplayCatchesADifferentHash: the replay at the end of a script fails
// when a block gives another app hash than it gave in the script (here the
// recorded hash is altered, as a handler that read a map in random order
// or the clock would alter it), and passes on the untouched history.
func TestReplayCatchesADifferentHash(t *testing.T) {
	run := func() *Chain {
		s := &script{runner: &runner{queries: map[string]Query{}}, names: newNames()}
		if _, err := s.genesis(&datadriven.TestData{Cmd: "genesis"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.exec(&datadriven.TestData{Cmd: "exec",
			CmdArgs: []datadriven.CmdArg{{Key: "signer", Vals: []string{"carol"}}, {Key: "type", Vals: []string{"identity/register-patient"}}},
			Input:   "{}"}); err != nil {
			t.Fatal(err)
		}
		return s.c
	}
	if err := run().verifyReplay(); err != nil {
		t.Fatalf("an untouched history: %v", err)
	}
	c := run()
	last := &c.blocks[len(c.blocks)-1]
	last.appHash = append([]byte(nil), last.appHash...)
	last.appHash[0] ^= 0xFF
	err := c.verifyReplay()
	if err == nil || !strings.Contains(err.Error(), "not deterministic") {
		t.Fatalf("a block whose hash differs on replay: %v", err)
	}
}
