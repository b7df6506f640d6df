package localtx_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestOnlyTheNodeSignsWithIt: the node-held keys sign through localtx in
// the node's wiring and the custodian services (the vault, the monitor of
// devices' readings, the EPCIS repository of the organisations' captures)
// only. The chain and the modules cannot
// import it (localtx imports the chain: a cycle), and no other package may:
// the API and the SDK take transactions users signed, the CLI signs with
// the user's own keys through the SDK.
func TestOnlyTheNodeSignsWithIt(t *testing.T) {
	const mod = "github.com/medchain/medchain/"
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, mod+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	allowed := []string{mod + "internal/epcisrepo", mod + "internal/monitor", mod + "internal/node", mod + "internal/vault"}
	var importers []string
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) > 1 && slices.Contains(fields[1:], mod+"internal/localtx") {
			importers = append(importers, fields[0])
		}
	}
	if !slices.Equal(importers, allowed) {
		t.Fatalf("internal/localtx is imported by %v, want exactly %v", importers, allowed)
	}
}
