package node

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medchain/medchain/internal/ledger"
)

func TestInitRecordsEndpoint(t *testing.T) {
	opts := InitOptions{ChainID: "care-net", OrgID: "st-marys", OrgName: "St Mary's", OrgKind: ledger.OrgKind("hospital"),
		Passphrase: "correct horse battery staple", Ports: Ports{P2P: 36656, RPC: 36657, API: 38080}}

	// A bad endpoint is refused before anything is written.
	home := t.TempDir()
	bad := opts
	bad.RecordsEndpoint = "ftp://records.example"
	if _, err := Init(home, bad); err == nil || !strings.Contains(err.Error(), "scheme must be https or http") {
		t.Fatalf("Init with %s: %v", bad.RecordsEndpoint, err)
	}
	if entries, _ := os.ReadDir(home); len(entries) != 0 || Initialised(home) {
		t.Fatalf("a refused init left %d entries in the home", len(entries))
	}

	// A good one lands in medchain.toml.
	good := opts
	good.RecordsEndpoint = "https://records.st-marys.example"
	if _, err := Init(home, good); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadAppConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Records.Endpoint != good.RecordsEndpoint || cfg.Records.UploadTTL.Duration <= 0 {
		t.Fatalf("[records] = %+v", cfg.Records)
	}

	// An endpoint edited into medchain.toml by hand is checked at load.
	path := filepath.Join(home, "config", appConfigFile)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(raw), good.RecordsEndpoint, "https://records.example/?x=1", 1)
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadAppConfig(home); err == nil || !strings.Contains(err.Error(), "[records] endpoint") || !strings.Contains(err.Error(), "no query") {
		t.Fatalf("LoadAppConfig of a bad endpoint: %v", err)
	}
}
