package chain

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var updateEventDoc = flag.Bool("update", false, "rewrite docs/events.md from the modules' event declarations")

// eventDoc is the integrators' reference of every event.
const eventDoc = "../../docs/events.md"

// renderEventDoc writes docs/events.md from the modules' declarations, in
// the module list's order.
func renderEventDoc() string {
	var b strings.Builder
	b.WriteString(`# Events

Every event the ledger emits, with its attributes in the order a module declares them. A committed
transaction's events are in its result (` + "`GET /v1/txs/{hash}`" + `, shown to its signer only) and in CometBFT's event index, where
every attribute is indexed (` + "`tx_search \"records.granted.patient='pt-…'\"`" + ` on the node's RPC). A
refused transaction emits none.

Each successful transaction also carries one ` + "`medchain.tx`" + ` event with its ` + "`type`" + ` (the
message type) and ` + "`signer`" + ` (the signer's identity; empty for ` + "`identity/register-patient`" + `).
Events at the end of a block (a proposal expiring) are in the block's results.

Every value is a string: numbers in decimal, booleans as ` + "`true`" + `/` + "`false`" + `, IDs as the API
shows them. Events carry IDs, codes and counts only: never a name or any other personal data.

This file is generated from each module's ` + "`events.go`" + ` by
` + "`go test ./internal/chain -run TestEventsDocumented -update`" + `; the test fails when the two differ.
`)
	module := ""
	for _, e := range Events() {
		m, _, _ := strings.Cut(e.Name, ".")
		if m != module {
			module = m
			b.WriteString("\n## " + m + "\n")
		}
		b.WriteString("\n### `" + e.Name + "`\n\n" + e.Doc + "\n\nAttributes: ")
		for i, a := range e.Attrs {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("`" + a + "`")
		}
		b.WriteString(".\n")
	}
	return b.String()
}

// TestEventsDocumented: docs/events.md lists exactly the declared events
// with their attributes.
func TestEventsDocumented(t *testing.T) {
	want := renderEventDoc()
	if *updateEventDoc {
		if err := os.WriteFile(eventDoc, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(eventDoc)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s differs from the modules' event declarations: run go test ./internal/chain -run TestEventsDocumented -update", eventDoc)
	}
}
