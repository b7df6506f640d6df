package node

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/medchain/medchain/internal/api"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/supply"
	"github.com/medchain/medchain/internal/tx"
)

// custodiansFile lists the organisations whose records this node keeps, with
// the seed of each one's custodian identity (a system member with the
// custodian role that signs access receipts). It is a node secret, like
// priv_validator_key.json: mode 0600.
const custodiansFile = "custodians.json"

// CustodianHandle is the handle of a node's custodian member in each
// organisation it serves ("st-marys-hospital/records-node").
const CustodianHandle = "records-node"

type custodianEntry struct {
	Org  string `json:"org"`
	Seed string `json:"seed"` // hex, 32 bytes
}

// writeCustodians writes the node's custodian identities, in the order
// given: the first is the node's own organisation, whose identity also
// signs the alerts of suspect scans.
func writeCustodians(home string, orgs []string, seeds map[string][]byte) error {
	var list []custodianEntry
	for _, org := range orgs {
		list = append(list, custodianEntry{Org: org, Seed: hex.EncodeToString(seeds[org])})
	}
	b, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(home, "config", custodiansFile)
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("node: write %s: %w", path, err)
	}
	return nil
}

// custodianKey is one of the node's own identities: the custodian member of
// org, whose key the node holds.
type custodianKey struct {
	org string
	key ed25519.PrivKey
}

// loadCustodians reads config/custodians.json; a home without it keeps no
// records.
func loadCustodians(home string) ([]custodianKey, error) {
	path := filepath.Join(home, "config", custodiansFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("node: %w", err)
	}
	var list []custodianEntry
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("node: %s: %w", path, err)
	}
	out := make([]custodianKey, 0, len(list))
	for i, e := range list {
		seed, err := hex.DecodeString(e.Seed)
		if err != nil || len(seed) != 32 || e.Org == "" {
			return nil, fmt.Errorf("node: %s: entry %d needs an org and a 32-byte hex seed", path, i)
		}
		out = append(out, custodianKey{org: e.Org, key: ed25519.PrivKey(stdKey(seed))})
	}
	return out, nil
}

// custodianMember is the genesis member of org's custodian identity.
func custodianMember(org, key string) MemberSpec {
	return MemberSpec{Key: key, Org: org, Handle: CustodianHandle, Kind: identity.System, Roles: []ledger.Role{ledger.RoleCustodian}}
}

// scanReporter is the Reporter of the API's suspect scans: alerts signed
// by the node's own identity, the custodian member of its own organisation
// (the first in config/custodians.json), one per item and reason per
// supply.AlertPeriod (api.NewReporter). It answers once the mempool has
// accepted the transaction; the alert ID derives from its hash. A node
// without an identity of its own answers scans but records no alert.
func (n *Node) scanReporter() api.Reporter {
	if len(n.custodians) == 0 {
		return func(context.Context, string, string, string) (string, error) {
			return "", errors.New("this node has no identity of its own to record alerts with")
		}
	}
	own := n.custodians[0]
	return api.NewReporter(n.app, own.Org, func(ctx context.Context, m supply.ReportScan) (tx.Hash, error) {
		return own.Signer.Submit(ctx, supply.TypeReportScan, m)
	})
}
