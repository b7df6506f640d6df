package node

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cometbft/cometbft/crypto/ed25519"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	"github.com/cometbft/cometbft/types"

	"github.com/medchain/medchain/client/keystore"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/tx"
)

// ResetDev deletes a home that `medchain dev` made (its chain, its vault's
// records and keys, its keystore), so that the next InitDev seeds a fresh
// demo network. A home that holds a real node is refused and left as it
// is; a home with nothing in it is no error.
func ResetDev(home string) error {
	if !Initialised(home) {
		return nil
	}
	c, err := LoadAppConfig(home)
	if err != nil {
		return err
	}
	if !c.Dev {
		return fmt.Errorf("%w: %s holds a real node, which --reset never deletes", errNotDev, home)
	}
	lock, err := lockHome(home, "a reset")
	if err != nil {
		return fmt.Errorf("%w; stop the node before --reset", err)
	}
	defer lock.release()
	for _, name := range []string{"data", "config", KeystoreFile} {
		if err := os.RemoveAll(filepath.Join(home, name)); err != nil {
			return fmt.Errorf("node: reset %s: %w", home, err)
		}
	}
	return nil
}

// InitDev makes home a dev network with the demo consortium unless it is one
// already. It reports whether it created it. A home that is not a dev home
// is refused, so `medchain dev` never touches a real node's data.
func InitDev(home, listen string, ports Ports) (created bool, err error) {
	if Initialised(home) {
		c, err := LoadAppConfig(home)
		if err != nil {
			return false, err
		}
		if !c.Dev {
			return false, fmt.Errorf("%w: %s holds a real node; use `medchain start --home %s`, or pick another --home for dev", errNotDev, home, home)
		}
		return false, nil
	}
	if ports.P2P == 0 {
		ports.P2P = DefaultPorts.P2P
	}
	if ports.RPC == 0 {
		ports.RPC = DefaultPorts.RPC
	}
	cfg := cometConfig(home, "medchain-dev", ports)
	if err := writeCometConfig(cfg); err != nil {
		return false, err
	}
	app := DefaultAppConfig()
	app.Dev = true
	if listen != "" {
		app.API.Listen = listen
	}
	app.Records.Endpoint = "http://" + app.API.Listen
	if err := WriteAppConfig(home, app); err != nil {
		return false, err
	}
	_, pv, err := nodeKeys(home)
	if err != nil {
		return false, err
	}
	demo := Demo()
	seeds, pubs, ids, notes, order := demoKeys(demo)
	vk := pv.Key.PubKey.(ed25519.PubKey)
	doc, err := genesisDoc(demo, pubs, map[string]ed25519.PubKey{DemoValidatorOrg: vk}, time.Now())
	if err != nil {
		return false, err
	}
	if err := doc.SaveAs(cfg.GenesisFile()); err != nil {
		return false, err
	}
	if err := writeKeystore(filepath.Join(home, KeystoreFile), seeds, ids, notes, order); err != nil {
		return false, err
	}
	cust := map[string][]byte{}
	for _, org := range DemoCustodians {
		cust[org] = seeds[org+"-records-node"]
	}
	if err := writeCustodians(home, DemoCustodians, cust); err != nil {
		return false, err
	}
	return true, nil
}

// demoKeys derives the demo identities' keys.
func demoKeys(c Consortium) (seeds map[string][]byte, pubs map[string]tx.PubKey, ids, notes map[string]string, order []string) {
	seeds, pubs, ids, notes = map[string][]byte{}, map[string]tx.PubKey{}, map[string]string{}, map[string]string{}
	add := func(name string) tx.PubKey {
		seeds[name] = DevSeed(name)
		pubs[name] = pubFromSeed(seeds[name])
		order = append(order, name)
		return pubs[name]
	}
	for _, m := range c.Members {
		add(m.Key)
		ids[m.Key], notes[m.Key] = m.Org+"/"+m.Handle, strings.Join(ledger.Names(m.Roles), ",")
	}
	for _, p := range c.Patients {
		ids[p], notes[p] = identity.PatientID(add(p)), "patient"
	}
	return
}

// InitOptions describe a new single node: either the founder of a new
// network (one organisation, this node its validator) or a node joining an
// existing network with its genesis file.
type InitOptions struct {
	ChainID string
	Moniker string
	// Founding organisation (ignored with Genesis).
	OrgID, OrgName string
	OrgKind        ledger.OrgKind
	// Genesis, if set, is the path of an existing network's genesis.json.
	Genesis string
	// Passphrase seals the organisation admin's key in the keystore.
	Passphrase string
	Ports      Ports
	Peers      []string // id@host:port
	// P2PListen is the address the p2p port listens on: peers of other
	// organisations must reach it. Empty: all interfaces (0.0.0.0).
	P2PListen string
	// ExternalAddress is host:port to advertise to peers, when the listen
	// address is not what they reach (behind NAT). Empty: none.
	ExternalAddress string
	// RecordsEndpoint is [records] endpoint: the URL at which other
	// organisations' readers reach this node's API (empty: none).
	RecordsEndpoint string
	// StateSyncRPC, when joining, are CometBFT RPC addresses of the
	// network's nodes (http://host:26657): the node then starts from a
	// peer's snapshot, checked by a light client against these servers,
	// instead of replaying every block from genesis. The latest header of
	// the first is trusted; Init reports it (compare it with another source).
	StateSyncRPC []string
}

// InitResult says what Init made.
type InitResult struct {
	ValidatorKey tx.PubKey `json:"validator_key"`
	NodeID       string    `json:"node_id"`
	AdminKey     tx.PubKey `json:"admin_key,omitempty"` // empty when joining
	// TrustHeight and TrustHash: the header state sync trusts (joining
	// with StateSyncRPC).
	TrustHeight int64  `json:"trust_height,omitempty"`
	TrustHash   string `json:"trust_hash,omitempty"`
}

// Init makes home a node. It refuses a home that has a genesis already.
func Init(home string, o InitOptions) (*InitResult, error) {
	if Initialised(home) {
		return nil, fmt.Errorf("node: %s is initialised already (config/genesis.json exists)", home)
	}
	if err := (&records.SetEndpoint{URL: o.RecordsEndpoint}).Validate(); err != nil {
		return nil, fmt.Errorf("node: records endpoint: %w", err)
	}
	if o.Moniker == "" {
		o.Moniker = o.OrgID
	}
	if o.Moniker == "" {
		// Joining without --org or --moniker: CometBFT will not start
		// without a name to show its peers.
		o.Moniker = defaultMoniker()
	}
	if err := validMoniker(o.Moniker); err != nil {
		return nil, err
	}
	if o.Ports == (Ports{}) {
		o.Ports = DefaultPorts
	}
	if o.P2PListen == "" {
		o.P2PListen = "0.0.0.0"
	}
	if ip := net.ParseIP(o.P2PListen); ip == nil {
		return nil, fmt.Errorf("node: p2p listen address %q: an IP address of this host (0.0.0.0: all interfaces)", o.P2PListen)
	}
	if o.ExternalAddress != "" {
		if _, port, err := net.SplitHostPort(o.ExternalAddress); err != nil || port == "" {
			return nil, fmt.Errorf("node: external address %q: host:port that peers reach this node's p2p port at", o.ExternalAddress)
		}
	}
	cfg := cometConfig(home, o.Moniker, o.Ports)
	cfg.P2P.ListenAddress = "tcp://" + net.JoinHostPort(o.P2PListen, strconv.Itoa(o.Ports.P2P))
	cfg.P2P.ExternalAddress = o.ExternalAddress
	cfg.P2P.PersistentPeers = strings.Join(o.Peers, ",")
	var trustHeight int64
	var trustHash string
	if len(o.StateSyncRPC) > 0 {
		if o.Genesis == "" {
			return nil, fmt.Errorf("node: state sync is for a node that joins a network (give its genesis)")
		}
		var err error
		if trustHeight, trustHash, err = trustedHeader(o.StateSyncRPC[0]); err != nil {
			return nil, err
		}
		servers := o.StateSyncRPC
		if len(servers) == 1 {
			servers = []string{servers[0], servers[0]} // CometBFT wants two; one server, trusted twice
		}
		cfg.StateSync.Enable = true
		cfg.StateSync.RPCServers = servers
		cfg.StateSync.TrustHeight, cfg.StateSync.TrustHash = trustHeight, trustHash
		cfg.StateSync.DiscoveryTime = 10 * time.Second
	}
	if err := writeCometConfig(cfg); err != nil {
		return nil, err
	}
	app := DefaultAppConfig()
	app.API.Listen = fmt.Sprintf("127.0.0.1:%d", o.Ports.API)
	app.Records.Endpoint = o.RecordsEndpoint
	if err := WriteAppConfig(home, app); err != nil {
		return nil, err
	}
	nk, pv, err := nodeKeys(home)
	if err != nil {
		return nil, err
	}
	res := &InitResult{ValidatorKey: tx.PubKey(pv.Key.PubKey.Bytes()), NodeID: string(nk.ID()), TrustHeight: trustHeight, TrustHash: trustHash}
	if o.Genesis != "" {
		b, err := os.ReadFile(o.Genesis)
		if err != nil {
			return nil, fmt.Errorf("node: genesis: %w", err)
		}
		if _, err := types.GenesisDocFromJSON(b); err != nil {
			return nil, fmt.Errorf("node: %s is not a valid genesis: %w", o.Genesis, err)
		}
		return res, os.WriteFile(cfg.GenesisFile(), b, 0o644)
	}
	if o.Passphrase == "" {
		return nil, fmt.Errorf("node: a passphrase is needed to seal the admin key")
	}
	c := Consortium{ChainID: o.ChainID, Orgs: []OrgSpec{{ID: o.OrgID, Name: o.OrgName, Kind: o.OrgKind}}}
	c.Members = []MemberSpec{{Key: "admin", Org: o.OrgID, Handle: "admin", Kind: identity.Person, Roles: []ledger.Role{ledger.RoleAdmin}},
		custodianMember(o.OrgID, "records-node")}
	cseed := make([]byte, 32)
	if _, err := rand.Read(cseed); err != nil {
		return nil, err
	}
	if err := writeCustodians(home, []string{o.OrgID}, map[string][]byte{o.OrgID: cseed}); err != nil {
		return nil, err
	}
	ks, err := keystore.Open(filepath.Join(home, KeystoreFile))
	if err != nil {
		return nil, err
	}
	e, err := ks.Generate("admin", o.OrgID+"/admin", "admin of "+o.OrgID, o.Passphrase)
	if err != nil {
		return nil, err
	}
	adminKey, err := tx.ParsePubKey(e.PublicKey)
	if err != nil {
		return nil, err
	}
	doc, err := genesisDoc(c, map[string]tx.PubKey{"admin": adminKey, "records-node": pubFromSeed(cseed)}, map[string]ed25519.PubKey{o.OrgID: pv.Key.PubKey.(ed25519.PubKey)}, time.Now())
	if err != nil {
		return nil, err
	}
	if err := doc.SaveAs(cfg.GenesisFile()); err != nil {
		return nil, err
	}
	res.AdminKey = adminKey
	return res, ks.Save()
}

// defaultMoniker names a node that joins a network without an organisation
// ID or moniker: the host's name if CometBFT accepts it, else "medchain-node".
func defaultMoniker() string {
	if h, err := os.Hostname(); err == nil && validMoniker(h) == nil {
		return h
	}
	return "medchain-node"
}

// validMoniker is CometBFT's rule for the name a node shows its peers
// (printable ASCII, not blank), checked before a home is written so that
// start does not fail on it later.
func validMoniker(m string) error {
	if strings.TrimSpace(m) == "" {
		return fmt.Errorf("node: the moniker is empty")
	}
	for i := 0; i < len(m); i++ {
		if m[i] < 0x20 || m[i] > 0x7e {
			return fmt.Errorf("node: moniker %q: only printable ASCII characters (no tabs) are allowed", m)
		}
	}
	return nil
}

// TestnetOptions describe a local N-validator network.
type TestnetOptions struct {
	Validators int
	ChainID    string
	// BasePort: node k listens for p2p on BasePort+10k and RPC on BasePort+10k+1.
	BasePort int
	// APIPort: node k serves its API on APIPort+k.
	APIPort       int
	TimeoutCommit time.Duration
}

// TestnetNode describes one home of a testnet.
type TestnetNode struct {
	Home   string `json:"home"`
	Org    string `json:"org"`
	NodeID string `json:"node_id"`
	Ports  Ports  `json:"ports"`
}

var testnetOrgs = []OrgSpec{
	{"general-hospital", "General Hospital", ledger.OrgHospital},
	{"hillside-clinic", "Hillside Clinic", ledger.OrgClinic},
	{"blue-shield", "Blue Shield Insurance", ledger.OrgInsurer},
	{"metro-lab", "Metro Lab", ledger.OrgLab},
	{"main-st-pharmacy", "Main Street Pharmacy", ledger.OrgPharmacy},
	{"vaxco", "VaxCo", ledger.OrgManufacturer},
	{"swift-logistics", "Swift Logistics", ledger.OrgDistributor},
	{"city-blood-bank", "City Blood Bank", ledger.OrgBloodCentre},
	{"medical-council", "Medical Council", ledger.OrgMedicalBoard},
	{"health-agency", "Health Agency", ledger.OrgPublicHealth},
}

// Testnet writes the homes of an N-validator network on loopback under out:
// out/node0 ... out/node{N-1}, one member organisation per validator. Each
// home's keystore holds that organisation's admin key as "admin" (an
// insecure test key, like the dev keys).
func Testnet(out string, o TestnetOptions) ([]TestnetNode, error) {
	if o.Validators < 1 || o.Validators > len(testnetOrgs) {
		return nil, fmt.Errorf("node: testnet needs 1 to %d validators, got %d", len(testnetOrgs), o.Validators)
	}
	if o.ChainID == "" {
		o.ChainID = "medchain-testnet"
	}
	if o.BasePort == 0 {
		o.BasePort = 26656
	}
	if o.APIPort == 0 {
		o.APIPort = 8080
	}
	c := Consortium{ChainID: o.ChainID}
	nodes := make([]TestnetNode, o.Validators)
	vals := map[string]ed25519.PubKey{}
	pubs := map[string]tx.PubKey{}
	seeds := map[string][]byte{}
	for k := range nodes {
		org := testnetOrgs[k]
		home := filepath.Join(out, fmt.Sprintf("node%d", k))
		if Initialised(home) {
			return nil, fmt.Errorf("node: %s is initialised already", home)
		}
		ports := Ports{P2P: o.BasePort + 10*k, RPC: o.BasePort + 10*k + 1, API: o.APIPort + k}
		nk, pv, err := nodeKeys(home)
		if err != nil {
			return nil, err
		}
		nodes[k] = TestnetNode{Home: home, Org: org.ID, NodeID: string(nk.ID()), Ports: ports}
		vals[org.ID] = pv.Key.PubKey.(ed25519.PubKey)
		seed := make([]byte, 32)
		if _, err := rand.Read(seed); err != nil {
			return nil, err
		}
		key := org.ID + "-admin"
		seeds[key] = seed
		pubs[key] = pubFromSeed(seed)
		c.Orgs = append(c.Orgs, org)
		c.Members = append(c.Members, MemberSpec{Key: key, Org: org.ID, Handle: "admin", Kind: identity.Person, Roles: []ledger.Role{ledger.RoleAdmin}})
		cseed := make([]byte, 32)
		if _, err := rand.Read(cseed); err != nil {
			return nil, err
		}
		ckey := org.ID + "-records-node"
		seeds[ckey], pubs[ckey] = cseed, pubFromSeed(cseed)
		c.Members = append(c.Members, custodianMember(org.ID, ckey))
	}
	doc, err := genesisDoc(c, pubs, vals, time.Now())
	if err != nil {
		return nil, err
	}
	for k, n := range nodes {
		cfg := cometConfig(n.Home, n.Org, n.Ports)
		if o.TimeoutCommit > 0 {
			cfg.Consensus.TimeoutCommit = o.TimeoutCommit
		}
		// Each pair of nodes has one dialer, the higher-numbered node: when
		// both dial each other at once, CometBFT drops one connection as a
		// duplicate on each side and the two can go on redialling for a
		// long time (seen when a restarted validator tried to catch up).
		var peers []string
		for j, p := range nodes {
			if j < k {
				peers = append(peers, fmt.Sprintf("%s@127.0.0.1:%d", p.NodeID, p.Ports.P2P))
			}
		}
		cfg.P2P.PersistentPeers = strings.Join(peers, ",")
		if err := writeCometConfig(cfg); err != nil {
			return nil, err
		}
		app := DefaultAppConfig()
		app.API.Listen = fmt.Sprintf("127.0.0.1:%d", n.Ports.API)
		app.Records.Endpoint = "http://" + app.API.Listen
		if err := WriteAppConfig(n.Home, app); err != nil {
			return nil, err
		}
		if err := doc.SaveAs(cfg.GenesisFile()); err != nil {
			return nil, err
		}
		key := n.Org + "-admin"
		ks, err := keystore.Open(filepath.Join(n.Home, KeystoreFile))
		if err != nil {
			return nil, err
		}
		if _, err := ks.Add("admin", seeds[key], n.Org+"/admin", "testnet admin of "+n.Org+" (insecure test key)", keystore.DevPassphrase, true); err != nil {
			return nil, err
		}
		if err := ks.Save(); err != nil {
			return nil, err
		}
		if err := writeCustodians(n.Home, []string{n.Org}, map[string][]byte{n.Org: seeds[n.Org+"-records-node"]}); err != nil {
			return nil, err
		}
	}
	return nodes, nil
}

func pubFromSeed(seed []byte) tx.PubKey {
	return tx.PubKey(ed25519.PrivKey(stdKey(seed)).PubKey().Bytes())
}

// trustedHeader asks a CometBFT RPC server for its latest committed header:
// the height and hash a state-syncing light client starts from.
func trustedHeader(server string) (int64, string, error) {
	c, err := rpchttp.New(server, "/websocket")
	if err != nil {
		return 0, "", fmt.Errorf("node: state sync RPC %s: %w", server, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	res, err := c.Commit(ctx, nil)
	if err != nil {
		return 0, "", fmt.Errorf("node: state sync RPC %s: the latest header: %w", server, err)
	}
	return res.Height, res.Hash().String(), nil
}
