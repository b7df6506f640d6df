package cli

import (
	"context"
	stded25519 "crypto/ed25519"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/governance"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/node"
)

type devOptions struct {
	g        *Global
	listen   string
	p2p, rpc int
	reset    bool
}

func newDevCmd(g *Global) *cobra.Command {
	o := &devOptions{g: g}
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run a single-validator network with a demo consortium",
		Long: `Run a local single-validator medchain network, in this process, with its HTTP API.

The first start in a home seeds a demo consortium: one organisation of each kind
(hospital, clinic, lab, insurer, manufacturer, distributor, pharmacy, blood centre,
medical board, charity, public-health agency), members with roles, and three
patients, with their keys in the home's keystore (use them with --as NAME).
Later starts resume from the stored state; --reset starts over, deleting the dev
home's chain, records and keystore (keys made with 'medchain keys new' included; a
home that holds a real node is refused). Ctrl-C stops the node cleanly.

The demo keys are derived from their names and are public: dev networks are for
trying medchain out, never for real data.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	cmd.Flags().BoolVar(&o.reset, "reset", false, "delete this dev home (chain, records, keystore) and seed a fresh demo network")
	cmd.Flags().StringVar(&o.listen, "listen", "", "address of the HTTP API (default 127.0.0.1:8080, or what the home's medchain.toml says)")
	cmd.Flags().IntVar(&o.p2p, "p2p-port", node.DefaultPorts.P2P, "CometBFT p2p port (loopback; used when the home is created)")
	cmd.Flags().IntVar(&o.rpc, "rpc-port", node.DefaultPorts.RPC, "CometBFT RPC port (loopback; used when the home is created)")
	return cmd
}

func (o *devOptions) run(cmd *cobra.Command) error {
	g := o.g
	if o.reset {
		if err := node.ResetDev(g.Home); err != nil {
			return err
		}
	}
	created, err := node.InitDev(g.Home, o.listen, node.Ports{P2P: o.p2p, RPC: o.rpc})
	if err != nil {
		return err
	}
	n, err := node.Start(cmd.Context(), g.Home, node.Options{Listen: o.listen, LogOutput: g.Err, Warn: g.Err})
	if err != nil {
		return err
	}
	defer n.Stop()
	demo := node.Demo()
	w := g.Out
	if created {
		// Before saying it runs, so that what waits for that sees them.
		// Interrupted (Ctrl-C) while seeding: stop cleanly, unseeded.
		if err := seedPublicHealth(cmd.Context(), n.APIURL()); err != nil && cmd.Context().Err() == nil {
			return err
		}
	}
	fmt.Fprintf(w, "\nmedchain dev is running (chain %s)\n", node.DevChainID)
	if created {
		fmt.Fprintf(w, "  seeded a demo consortium: %d organisations, %d members, %d patients\n", len(demo.Orgs), len(demo.Members), len(demo.Patients))
		if ks, err := openKeystore(g); err != nil {
			fmt.Fprintf(g.Err, "medchain dev: donations demo not seeded: %v\n", err)
		} else if cp, err := seedDonations(cmd.Context(), client.New(n.APIURL()), ks, time.Now()); err != nil {
			fmt.Fprintf(g.Err, "medchain dev: %v\n", err)
		} else {
			fmt.Fprintf(w, "  seeded a mask campaign from pledge to receipt: %s\n", cp)
		}
		if ks, err := openKeystore(g); err != nil {
			fmt.Fprintf(g.Err, "medchain dev: credentials demo not seeded: %v\n", err)
		} else if cr, err := seedCredentials(cmd.Context(), n.APIURL(), ks, g.Home, time.Now()); err != nil {
			fmt.Fprintf(g.Err, "medchain dev: seeding the credentials demo: %v\n", err)
		} else {
			fmt.Fprintf(w, "  seeded dr-grey's licence %s (the credential: %s)\n", cr, filepath.Join(g.Home, DevLicenceFile))
		}
		if ks, err := openKeystore(g); err != nil {
			fmt.Fprintf(g.Err, "medchain dev: telemetry demo not seeded: %v\n", err)
		} else if al, err := seedTelemetry(cmd.Context(), client.New(n.APIURL()), ks, n.App().LastBlockTime()); err != nil {
			fmt.Fprintf(g.Err, "medchain dev: telemetry demo: %v\n", err)
		} else {
			fmt.Fprintf(w, "  seeded alice's pulse oximeter and vitals hub, an SpO2 alert acknowledged: %s\n", al)
		}
		if ks, err := openKeystore(g); err == nil {
			if cl, err := seedClaims(cmd.Context(), client.New(n.APIURL()), ks, time.Now()); err != nil {
				fmt.Fprintf(g.Err, "medchain dev: claims demo not seeded: %v\n", err)
			} else {
				fmt.Fprintf(w, "  seeded acme-health's plan acme-basic, coverage for alice and bob, and claim %s from pre-check to payment\n", cl)
			}
		}
		if ks, err := openKeystore(g); err == nil {
			if rs, err := seedResearch(cmd.Context(), client.New(n.APIURL()), ks); err != nil {
				fmt.Fprintf(g.Err, "medchain dev: %v\n", err)
			} else {
				fmt.Fprintf(w, "  seeded a study with alice and bob enrolled and a de-identified release: %s, %s\n", rs.Study, rs.Release)
			}
			if ps, err := seedPools(cmd.Context(), client.New(n.APIURL()), ks); err != nil {
				fmt.Fprintf(g.Err, "medchain dev: %v\n", err)
			} else {
				fmt.Fprintf(w, "  seeded a mutual-aid pool with alice, bob and carol, one aid claim paid: %s (medchain pools show %s)\n", ps.Pool, ps.Pool)
				if err := seedPortalRead(cmd.Context(), client.New(n.APIURL()), ks, ps.Record); err != nil {
					fmt.Fprintf(g.Err, "medchain dev: %v\n", err)
				} else {
					fmt.Fprintf(w, "  seeded dr-grey's read of alice's lab result, in her access log\n")
				}
			}
		}
		fmt.Fprintf(w, "  reported demo public-health figures (medchain publichealth series --region FR --metric hospitalised)\n")
	} else {
		fmt.Fprintf(w, "  resumed at height %d\n", n.App().State().Version())
	}
	fmt.Fprintf(w, "  dashboard     %s/   (open it in a browser)\n", n.APIURL())
	fmt.Fprintf(w, "  portal        %s/portal   (unlock a key of the keystore: alice, dr-grey...; docs/portal.md)\n", n.APIURL())
	fmt.Fprintf(w, "  HTTP API      %s   (OpenAPI: %s/v1/openapi.json)\n", n.APIURL(), n.APIURL())
	fmt.Fprintf(w, "  FHIR R4       %s/fhir   (CapabilityStatement: %s/fhir/metadata; docs/api.md)\n", n.APIURL(), n.APIURL())
	fmt.Fprintf(w, "  EPCIS 2.0     %s/epcis   (docs/supply.md)\n", n.APIURL())
	fmt.Fprintf(w, "  CometBFT RPC  %s\n", strings.TrimPrefix(n.RPCAddress(), "tcp://"))
	fmt.Fprintf(w, "  home          %s   (keystore: %s/%s)\n", g.Home, g.Home, node.KeystoreFile)
	nodeFlag := ""
	if n.APIURL() != "http://127.0.0.1:8080" {
		nodeFlag = " --node " + n.APIURL()
	}
	homeFlag := ""
	if g.Home != DefaultHome() {
		homeFlag = " --home " + g.Home
	}
	fmt.Fprintf(w, "\nTry, in another terminal:\n")
	fmt.Fprintf(w, "  medchain%s keys list\n", homeFlag)
	fmt.Fprintf(w, "  medchain%s status\n", nodeFlag)
	fmt.Fprintf(w, "  medchain%s orgs list\n", nodeFlag)
	fmt.Fprintf(w, "  medchain%s members show st-marys-hospital/dr-grey\n", nodeFlag)
	fmt.Fprintf(w, "  medchain%s%s proposals remove-org --as hospital-admin --id care-for-all\n", homeFlag, nodeFlag)
	fmt.Fprintf(w, "  medchain%s proposals list\n", nodeFlag)
	fmt.Fprintf(w, "  medchain%s%s consent list --as alice    # records: docs/records.md\n", homeFlag, nodeFlag)
	fmt.Fprintf(w, "  medchain%s supply verify \"(01)09506000134352(21)X1\"   # supply: docs/supply.md\n", nodeFlag)
	fmt.Fprintf(w, "  medchain%s donations campaigns   # donations: docs/donations.md\n", nodeFlag)
	fmt.Fprintf(w, "  medchain%s research studies   # research: docs/research.md\n", nodeFlag)
	fmt.Fprintf(w, "  medchain%s claims plans show acme-basic   # claims: docs/claims.md\n", nodeFlag)
	fmt.Fprintf(w, "  medchain%s%s telemetry alerts --patient alice --as alice   # telemetry: docs/telemetry.md\n", homeFlag, nodeFlag)
	fmt.Fprintf(w, "\nCtrl-C stops the node.\n")
	<-cmd.Context().Done()
	fmt.Fprintln(w, "stopping...")
	return n.Stop()
}

type startOptions struct {
	g      *Global
	listen string
}

func newStartCmd(g *Global) *cobra.Command {
	o := &startOptions{g: g}
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Run the node of a home made by `medchain init` or `medchain testnet`",
		Long: `Run a medchain node from its home directory (--home): CometBFT consensus in process,
the chain application and the HTTP API. Settings are in HOME/config/config.toml
(CometBFT: p2p, RPC, consensus) and HOME/config/medchain.toml (API, pruning, logs).
The node resumes from its stored state; Ctrl-C or SIGTERM stops it cleanly.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context()) },
	}
	cmd.Flags().StringVar(&o.listen, "listen", "", "override the API address of medchain.toml")
	return cmd
}

func (o *startOptions) run(ctx context.Context) error {
	return node.Run(ctx, o.g.Home, node.Options{Listen: o.listen, LogOutput: o.g.Err, Warn: o.g.Err})
}

type initOptions struct {
	g                      *Global
	chainID, org, orgName  string
	kind, genesis, moniker string
	p2p, rpc, api          int
	peers                  []string
	p2pListen              string
	externalAddress        string
	recordsEndpoint        string
	stateSyncRPC           []string
}

func newInitCmd(g *Global) *cobra.Command {
	o := &initOptions{g: g}
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create a node's home: found a new network, or join one with its genesis",
		Long: `Create the home directory of a node (--home).

To found a new network, name the founding organisation: this node becomes its
validator, and an admin key for the organisation is generated into the home's
keystore, sealed with a passphrase (from $MEDCHAIN_PASSPHRASE, or asked for).

  medchain init --home /srv/medchain --chain-id care-net --org st-marys --org-name "St Mary's" --kind hospital

To join an existing network, give its genesis file and peers; the consortium
then admits your organisation by proposal (medchain proposals admit-org).

  medchain init --home /srv/medchain --genesis genesis.json --peers ID@host:26656

With --state-sync-rpc the node starts from a peer's state snapshot instead of
replaying every block since genesis; a light client checks it against the
CometBFT RPC servers given (two, or one trusted twice). init prints the header
it trusts: compare its hash with another member's before you start.

--records-endpoint is the URL (behind your TLS proxy) at which readers of other
organisations reach this node's API for the records it keeps; the node publishes
it on the ledger at start. It can be set later in config/medchain.toml.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run() },
	}
	f := cmd.Flags()
	f.StringVar(&o.chainID, "chain-id", "medchain", "chain ID of a new network")
	f.StringVar(&o.org, "org", "", "ID of the founding organisation (a-z, 0-9, '-')")
	f.StringVar(&o.orgName, "org-name", "", "display name of the founding organisation")
	f.StringVar(&o.kind, "kind", "hospital", fmt.Sprintf("kind of the founding organisation: %v", ledger.OrgKinds))
	f.StringVar(&o.genesis, "genesis", "", "genesis.json of an existing network to join")
	f.StringVar(&o.moniker, "moniker", "", "node name shown to peers, printable ASCII (default: the organisation ID; when joining, the host name)")
	f.StringSliceVar(&o.peers, "peers", nil, "persistent peers, ID@host:port, comma separated")
	f.IntVar(&o.p2p, "p2p-port", node.DefaultPorts.P2P, "p2p port")
	f.StringVar(&o.p2pListen, "p2p-listen", "0.0.0.0", "IP address the p2p port listens on: peers of other organisations connect to it")
	f.StringVar(&o.externalAddress, "external-address", "", "host:port to advertise to peers, when they reach this node at another address (NAT)")
	f.IntVar(&o.rpc, "rpc-port", node.DefaultPorts.RPC, "CometBFT RPC port (loopback)")
	f.IntVar(&o.api, "api-port", node.DefaultPorts.API, "HTTP API port (loopback)")
	f.StringVar(&o.recordsEndpoint, "records-endpoint", "", "URL at which other organisations' readers reach this node's API, published on the ledger at start ([records] endpoint)")
	f.StringSliceVar(&o.stateSyncRPC, "state-sync-rpc", nil, "when joining: CometBFT RPC URLs of members' nodes (http://host:26657), to start from a snapshot rather than from genesis")
	return cmd
}

func (o *initOptions) run() error {
	io_ := node.InitOptions{
		ChainID: o.chainID, Moniker: o.moniker, OrgID: o.org, OrgName: o.orgName,
		OrgKind: ledger.OrgKind(o.kind), Genesis: o.genesis, Peers: o.peers,
		Ports: node.Ports{P2P: o.p2p, RPC: o.rpc, API: o.api}, RecordsEndpoint: o.recordsEndpoint,
		P2PListen: o.p2pListen, ExternalAddress: o.externalAddress, StateSyncRPC: o.stateSyncRPC,
	}
	if len(o.stateSyncRPC) > 0 && o.genesis == "" {
		return usageErrorf("--state-sync-rpc is for a node that joins a network: give --genesis")
	}
	if o.genesis == "" {
		if o.org == "" || o.orgName == "" {
			return usageErrorf("to found a network give --org and --org-name (or --genesis to join one)")
		}
		if err := governance.ValidOrgID(o.org); err != nil {
			return usageErrorf("--org: %w", err)
		}
		if err := ledger.ValidOrgKind(io_.OrgKind); err != nil {
			return usageErrorf("--kind: %w", err)
		}
		pass, err := passphrase(o.g, true)
		if err != nil {
			return err
		}
		io_.Passphrase = pass
	}
	res, err := node.Init(o.g.Home, io_)
	if err != nil {
		return err
	}
	return o.g.Print(res, func(w io.Writer) {
		fmt.Fprintf(w, "initialised %s\n  node ID        %s\n  validator key  %s\n", o.g.Home, res.NodeID, res.ValidatorKey)
		if len(res.AdminKey) > 0 {
			fmt.Fprintf(w, "  admin key      %s (keystore name \"admin\", identity %s/admin)\n", res.AdminKey, o.org)
		}
		if res.TrustHeight > 0 {
			fmt.Fprintf(w, "  state sync     trusts block %d, hash %s: compare it with another member's (medchain block %d --node THEIRS)\n", res.TrustHeight, res.TrustHash, res.TrustHeight)
		}
		fmt.Fprintf(w, "start it with: medchain start --home %s\n", o.g.Home)
	})
}

type testnetOptions struct {
	g                 *Global
	validators        int
	out, chainID      string
	basePort, apiPort int
	timeoutCommit     time.Duration
}

func newTestnetCmd(g *Global) *cobra.Command {
	o := &testnetOptions{g: g}
	cmd := &cobra.Command{
		Use:   "testnet",
		Short: "Write the homes of an N-validator network on loopback",
		Long: `Write the homes of an N-validator network on this machine, one member
organisation per validator, into OUT/node0 ... OUT/node{N-1}. Start each node
with: medchain start --home OUT/nodeK

Node K listens for p2p on BASE+10K, CometBFT RPC on BASE+10K+1 and its HTTP API
on API+K. Each home's keystore holds its organisation's admin key as "admin"
(insecure test keys, as in dev).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run() },
	}
	f := cmd.Flags()
	f.IntVar(&o.validators, "validators", 4, "number of validators (1-10)")
	f.StringVar(&o.out, "out", "", "directory to write the homes into (required)")
	f.StringVar(&o.chainID, "chain-id", "medchain-testnet", "chain ID")
	f.IntVar(&o.basePort, "base-port", 26656, "first p2p port")
	f.IntVar(&o.apiPort, "api-port", 8080, "first API port")
	f.DurationVar(&o.timeoutCommit, "timeout-commit", 500*time.Millisecond, "CometBFT timeout_commit")
	cmd.MarkFlagRequired("out")
	return cmd
}

func (o *testnetOptions) run() error {
	nodes, err := node.Testnet(o.out, node.TestnetOptions{
		Validators: o.validators, ChainID: o.chainID, BasePort: o.basePort, APIPort: o.apiPort, TimeoutCommit: o.timeoutCommit,
	})
	if err != nil {
		return err
	}
	return o.g.Print(nodes, func(w io.Writer) {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "HOME\tORG\tP2P\tRPC\tAPI")
		for _, n := range nodes {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\thttp://127.0.0.1:%d\n", n.Home, n.Org, n.Ports.P2P, n.Ports.RPC, n.Ports.API)
		}
		tw.Flush()
		fmt.Fprintf(w, "start each with: medchain start --home %s/nodeK\n", o.out)
	})
}

// passphrase reads the keystore passphrase from $MEDCHAIN_PASSPHRASE, or asks.
func passphrase(g *Global, confirm bool) (string, error) {
	if p := os.Getenv("MEDCHAIN_PASSPHRASE"); p != "" {
		return p, nil
	}
	f, ok := g.In.(*os.File)
	if !ok || !isTerminal(f) {
		return "", fmt.Errorf("a keystore passphrase is needed: set MEDCHAIN_PASSPHRASE or run in a terminal")
	}
	fmt.Fprint(g.Err, "keystore passphrase: ")
	p, err := readPassword(f)
	fmt.Fprintln(g.Err)
	if err != nil {
		return "", err
	}
	if confirm {
		fmt.Fprint(g.Err, "again: ")
		q, err := readPassword(f)
		fmt.Fprintln(g.Err)
		if err != nil {
			return "", err
		}
		if p != q {
			return "", fmt.Errorf("the passphrases differ")
		}
	}
	if p == "" {
		return "", fmt.Errorf("empty passphrase")
	}
	return p, nil
}

// seedPublicHealth has the demo epidemiologist report the demo figures
// and correct one: two transactions, a block each.
func seedPublicHealth(ctx context.Context, api string) error {
	c := client.New(api)
	s := client.NewSigner(stded25519.NewKeyFromSeed(node.DevSeed(node.DemoReporter)))
	// The genesis state is readable once the application has committed
	// block 1. CometBFT reports the block's height as soon as it is stored,
	// before the application commits it, so the state height is what counts.
	for {
		st, err := c.Status(ctx)
		if err == nil && st.StateHeight >= 1 {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	if _, err := c.Send(ctx, s, node.DemoFigures()); err != nil {
		return fmt.Errorf("dev: demo public-health figures: %w", err)
	}
	if _, err := c.Send(ctx, s, node.DemoCorrection()); err != nil {
		return fmt.Errorf("dev: demo public-health correction: %w", err)
	}
	return nil
}
