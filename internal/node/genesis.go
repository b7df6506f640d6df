package node

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/types"

	"github.com/medchain/medchain/client/keystore"
	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/credentials"
	"github.com/medchain/medchain/internal/governance"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/tx"
)

// Consortium describes a network to create: its founding organisations,
// their first members and a few patients. Keys are named; the names are the
// keystore names (and so the CLI's --as names).
type Consortium struct {
	ChainID  string
	Orgs     []OrgSpec
	Members  []MemberSpec
	Patients []string
	// Issuers are the credential types founding organisations may issue
	// from the start (otherwise a governance decision).
	Issuers []credentials.Authorize
}

// OrgSpec is a founding organisation.
type OrgSpec struct {
	ID   string
	Name string
	Kind ledger.OrgKind
}

// MemberSpec is a founding member and the name of its key.
type MemberSpec struct {
	Key    string
	Org    string
	Handle string
	Kind   identity.MemberKind
	Roles  []ledger.Role
}

// DevSeed derives the seed of a demo key from its name, so that every dev
// network has the same demo identities. These keys are public knowledge:
// never use them outside `medchain dev`.
func DevSeed(name string) []byte {
	s := sha256.Sum256([]byte("medchain-dev/" + name))
	return s[:]
}

// genesisDoc builds a genesis document: the consortium plus validators
// (organisation ID → consensus public key, power 10 each).
func genesisDoc(c Consortium, keys map[string]tx.PubKey, validators map[string]ed25519.PubKey, at time.Time) (*types.GenesisDoc, error) {
	g := chain.Genesis{Params: chain.DefaultParams(), Governance: governance.Genesis{Params: governance.DefaultParams()}}
	var vals []types.GenesisValidator
	for _, o := range c.Orgs {
		spec := governance.GenesisOrg{ID: o.ID, Name: o.Name, Kind: o.Kind}
		if vk, ok := validators[o.ID]; ok {
			spec.Validator = &governance.Validator{PublicKey: tx.PubKey(vk), Power: 10}
			vals = append(vals, types.GenesisValidator{Address: vk.Address(), PubKey: vk, Power: 10, Name: o.ID})
		}
		g.Governance.Orgs = append(g.Governance.Orgs, spec)
	}
	for _, m := range c.Members {
		k, ok := keys[m.Key]
		if !ok {
			return nil, fmt.Errorf("node: no key named %q for member %s/%s", m.Key, m.Org, m.Handle)
		}
		g.Identity.Members = append(g.Identity.Members, identity.GenesisMember{Org: m.Org, Handle: m.Handle, Kind: m.Kind, Roles: m.Roles, PublicKey: k})
	}
	for _, p := range c.Patients {
		g.Identity.Patients = append(g.Identity.Patients, keys[p])
	}
	if len(c.Issuers) > 0 {
		g.Credentials = &credentials.Genesis{Issuers: c.Issuers}
	}
	appState, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		return nil, err
	}
	doc := &types.GenesisDoc{
		GenesisTime:     at.UTC(),
		ChainID:         c.ChainID,
		InitialHeight:   1,
		ConsensusParams: types.DefaultConsensusParams(),
		Validators:      vals,
		AppState:        appState,
	}
	if err := doc.ValidateAndComplete(); err != nil {
		return nil, fmt.Errorf("node: genesis: %w", err)
	}
	return doc, nil
}

// nodeKeys creates (or loads) a home's node key and validator key.
func nodeKeys(home string) (*p2p.NodeKey, *privval.FilePV, error) {
	cfgDir := filepath.Join(home, "config")
	dataDir := filepath.Join(home, "data")
	for _, d := range []string{cfgDir, dataDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, nil, err
		}
	}
	nk, err := p2p.LoadOrGenNodeKey(filepath.Join(cfgDir, "node_key.json"))
	if err != nil {
		return nil, nil, fmt.Errorf("node: node key: %w", err)
	}
	pv := privval.LoadOrGenFilePV(filepath.Join(cfgDir, "priv_validator_key.json"), filepath.Join(dataDir, "priv_validator_state.json"))
	return nk, pv, nil
}

// writeKeystore adds named seeds to home's keystore and records each key's identity.
func writeKeystore(path string, seeds map[string][]byte, identities map[string]string, notes map[string]string, order []string) error {
	ks, err := keystore.Open(path)
	if err != nil {
		return err
	}
	for _, name := range order {
		if _, err := ks.Get(name); err == nil {
			continue
		}
		if _, err := ks.Add(name, seeds[name], identities[name], notes[name], keystore.DevPassphrase, true); err != nil {
			return fmt.Errorf("node: keystore %s: %w", name, err)
		}
	}
	return ks.Save()
}
