package chain

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// txDoc is the integrators' reference of every transaction type.
const txDoc = "../../docs/transactions.md"

// txDocHeading is how txDoc names a transaction type: "### `records/grant`".
var txDocHeading = regexp.MustCompile("^### `([a-z-]+/[a-z-]+)`$")

// TestTransactionsDocumented: docs/transactions.md has a section for every
// message type the app routes, and none for a type it does not route, so
// that neither list changes without the other.
func TestTransactionsDocumented(t *testing.T) {
	raw, err := os.ReadFile(txDoc)
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for i, line := range strings.Split(string(raw), "\n") {
		m := txDocHeading.FindStringSubmatch(strings.TrimSuffix(line, "\r"))
		if m == nil {
			continue
		}
		if documented[m[1]] {
			t.Errorf("%s:%d: %s has a second section", txDoc, i+1, m[1])
		}
		documented[m[1]] = true
	}

	routed := map[string]bool{}
	for _, typ := range newHarness(t).app.MessageTypes() {
		routed[typ] = true
	}
	if len(routed) == 0 {
		t.Fatal("the app routes no message types")
	}

	var missing, extra []string
	for typ := range routed {
		if !documented[typ] {
			missing = append(missing, typ)
		}
	}
	for typ := range documented {
		if !routed[typ] {
			extra = append(extra, typ)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	if len(missing) > 0 {
		t.Errorf("%s has no \"### `type`\" section for these routed types: %s", txDoc, strings.Join(missing, ", "))
	}
	if len(extra) > 0 {
		t.Errorf("%s documents types the app does not route: %s", txDoc, strings.Join(extra, ", "))
	}
}
