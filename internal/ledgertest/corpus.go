package ledgertest

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
)

// Corpus is what the modules' scripts hold, gathered for fuzzing: one chain
// whose genesis is the union of every script's cast, and the messages the
// scripts send, by type, placeholders filled in against that chain.
type Corpus struct {
	// Chain is running, its genesis committed.
	Chain *Chain
	// Signers are the names of every member and patient of the cast, and
	// "stranger", a key of no one.
	Signers []string
	// Messages are, by message type, up to perType messages each with the
	// name of its signer.
	Messages map[string][]Message
}

// Message is one transaction of a script: its signer's name and its msg.
type Message struct {
	Signer string
	Msg    []byte
	// Invalid marks a message the script expects the chain to refuse as
	// chain.invalid_message (its shape or a field's content; for a block,
	// when any of its transactions is): a counter-example of its type.
	Invalid bool
}

// ReadCorpus reads the scripts matching glob (such as
// "../*/testdata/*.txt") with the scripts' own parser and starts the chain
// of their union cast: the first declaration of a name wins, and members of
// organisations no script declares (broken casts some scripts declare on
// purpose) are left out.
func ReadCorpus(tb testing.TB, glob string, perType int) *Corpus {
	tb.Helper()
	paths, err := filepath.Glob(glob)
	if err != nil || len(paths) == 0 {
		tb.Fatalf("ledgertest: no scripts match %s: %v", glob, err)
	}
	var (
		cast     []string
		declared = map[string]bool{}
		orgs     = map[string]bool{}
		execs    []*datadriven.TestData
	)
	for _, p := range paths {
		datadriven.RunTestAny(tb, p, func(tb testing.TB, d *datadriven.TestData) string {
			switch d.Cmd {
			case "genesis":
				input := d.Input
				if strings.TrimSpace(input) == "" {
					input = StandardCast
				}
				for line := range strings.SplitSeq(input, "\n") {
					f := strings.Fields(line)
					if len(f) < 2 || (f[0] != "org" && f[0] != "member" && f[0] != "patient") || declared[f[0]+" "+f[1]] {
						continue
					}
					declared[f[0]+" "+f[1]] = true
					if f[0] == "org" {
						orgs[f[1]] = true
					}
					cast = append(cast, strings.TrimSpace(line))
				}
			case "exec", "check", "block":
				dd := *d // the parser reuses d
				execs = append(execs, &dd)
			}
			// The file stays as it is, even under -rewrite.
			return d.Expected
		})
	}
	c := &Corpus{Messages: map[string][]Message{}}
	cast = slices.DeleteFunc(cast, func(line string) bool {
		f := strings.Fields(line)
		org, _, _ := strings.Cut(f[1], "/")
		return f[0] == "member" && !orgs[org]
	})
	for _, line := range cast {
		if f := strings.Fields(line); f[0] != "org" {
			c.Signers = append(c.Signers, f[1])
		}
	}
	c.Signers = append(c.Signers, "stranger")

	s := &script{runner: &runner{queries: map[string]Query{}}, names: newNames()}
	out, err := s.genesis(&datadriven.TestData{Cmd: "genesis", Input: strings.Join(cast, "\n")})
	if err != nil || s.c == nil {
		tb.Fatalf("ledgertest: the scripts' union cast does not start a chain: %v %s", err, out)
	}
	c.Chain = s.c
	for _, d := range execs {
		var specs []txSpec
		if d.Cmd == "block" {
			specs, err = s.blockSpecs(d.Input)
		} else {
			var a Args
			if a, err = s.args(d.CmdArgs, "signer", "type"); err == nil {
				var sp txSpec
				sp, err = s.spec(a, d.Input)
				specs = []txSpec{sp}
			}
		}
		if err != nil {
			tb.Fatalf("ledgertest: %s: %s: %v", d.Pos, d.Cmd, err)
		}
		invalid := strings.Contains(d.Expected, "chain.invalid_message")
		for _, sp := range specs {
			if len(c.Messages[sp.typ]) < perType {
				c.Messages[sp.typ] = append(c.Messages[sp.typ], Message{Signer: sp.signer, Msg: sp.msg, Invalid: invalid})
			}
		}
	}
	return c
}
