package node

import (
	"encoding/json"
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

// TestInitJoinStartable: a home made to join a network (init --genesis,
// no --org, no --moniker) gets a moniker CometBFT accepts, and a moniker it
// would refuse at start is refused by init, before anything is written.
func TestInitJoinStartable(t *testing.T) {
	founder := t.TempDir()
	if _, err := Init(founder, InitOptions{ChainID: "care-net", OrgID: "st-marys", OrgName: "St Mary's", OrgKind: ledger.OrgKind("hospital"),
		Passphrase: "correct horse battery staple", Ports: Ports{P2P: 36656, RPC: 36657, API: 38080}}); err != nil {
		t.Fatal(err)
	}
	genesis := filepath.Join(founder, "config", "genesis.json")

	joiner := t.TempDir()
	if _, err := Init(joiner, InitOptions{Genesis: genesis, Peers: []string{"0123456789abcdef0123456789abcdef01234567@127.0.0.1:36656"},
		Ports: Ports{P2P: 36666, RPC: 36667, API: 38081}}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(joiner, "config", "config.toml"))
	if err != nil {
		t.Fatal(err)
	}
	var moniker string
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "moniker = "); ok {
			moniker = strings.Trim(v, `"`)
		}
	}
	if err := validMoniker(moniker); err != nil {
		t.Fatalf("a joining home's moniker %q: %v", moniker, err)
	}

	for _, bad := range []string{"st\tmarys", "sté-marys", "   "} {
		home := t.TempDir()
		if _, err := Init(home, InitOptions{Genesis: genesis, Moniker: bad}); err == nil || !strings.Contains(err.Error(), "moniker") {
			t.Errorf("Init with moniker %q: %v", bad, err)
		}
		if entries, _ := os.ReadDir(home); len(entries) != 0 {
			t.Errorf("a refused init (moniker %q) left %d entries in the home", bad, len(entries))
		}
	}
}

// TestInitJSON: init -o json and testnet -o json print snake_case keys, as
// every other command does, and a joining home has no admin key to print.
func TestInitJSON(t *testing.T) {
	b, err := json.Marshal(InitResult{ValidatorKey: make([]byte, 32), NodeID: "n"})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if _, ok := got["validator_key"]; !ok || got["node_id"] != "n" || got["admin_key"] != nil {
		t.Errorf("InitResult as JSON: %s", b)
	}
	b, err = json.Marshal(TestnetNode{Home: "h", Org: "o", NodeID: "n", Ports: Ports{P2P: 1, RPC: 2, API: 3}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"home":"h","org":"o","node_id":"n","ports":{"p2p":1,"rpc":2,"api":3}}`; string(b) != want {
		t.Errorf("TestnetNode as JSON: %s, want %s", b, want)
	}
}

// A node made by init listens for peers on every interface by default (its
// peers are other organisations' hosts), or where --p2p-listen says, and
// advertises --external-address; bad addresses are refused before anything
// is written.
func TestInitP2PAddress(t *testing.T) {
	opts := InitOptions{ChainID: "care-net", OrgID: "st-marys", OrgName: "St Mary's", OrgKind: ledger.OrgHospital,
		Passphrase: "correct horse battery staple", Ports: Ports{P2P: 36956, RPC: 36957, API: 38280}}
	for _, c := range []struct {
		listen, external string
		want, wantExt    string
	}{
		{"", "", "tcp://0.0.0.0:36956", ""},
		{"10.1.2.3", "records.st-marys.example:26656", "tcp://10.1.2.3:36956", "records.st-marys.example:26656"},
	} {
		home := t.TempDir()
		o := opts
		o.P2PListen, o.ExternalAddress = c.listen, c.external
		if _, err := Init(home, o); err != nil {
			t.Fatal(err)
		}
		cfg, err := LoadCometConfig(home)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.P2P.ListenAddress != c.want || cfg.P2P.ExternalAddress != c.wantExt || cfg.RPC.ListenAddress != "tcp://127.0.0.1:36957" {
			t.Errorf("p2p %q external %q rpc %q; want %q, %q and the RPC on loopback", cfg.P2P.ListenAddress, cfg.P2P.ExternalAddress, cfg.RPC.ListenAddress, c.want, c.wantExt)
		}
	}
	for _, bad := range []InitOptions{{P2PListen: "my-host"}, {ExternalAddress: "no-port"}} {
		home := t.TempDir()
		o := opts
		o.P2PListen, o.ExternalAddress = bad.P2PListen, bad.ExternalAddress
		if _, err := Init(home, o); err == nil || Initialised(home) {
			t.Errorf("Init with %+v: %v, initialised %v", bad, err, Initialised(home))
		}
	}
}
