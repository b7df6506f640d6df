// Package cli holds medchain's commands, one file per area. Each command is
// an options struct, a constructor that binds flags to it, and a run
// function that does the work. Client commands talk to a node only through
// the API interface (cmdutil.go), which the Go SDK's client implements and
// tests fake; verbs that send one message share one sign-send-print path
// (sendVerb), and ExitCode is the one map from errors to exit codes. Node
// commands call internal/node. No business rules live here.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/medchain/medchain/client"
)

// Global holds the flags every command shares.
type Global struct {
	Home   string
	Node   string
	As     string
	Output string
	// CAFile is a PEM file of certificates to trust for an https --node
	// besides the system's (a consortium's own CA).
	CAFile string

	In       io.Reader
	Out, Err io.Writer

	// NewAPI returns the node's API; nil means an SDK client of --node.
	// Tests set it to a fake.
	NewAPI func() API
	// NewSigner returns the signer of --as; nil means the keystore's key.
	NewSigner func() (*client.Signer, error)
}

// DefaultHome is ~/.medchain, or $MEDCHAIN_HOME.
func DefaultHome() string {
	if h := os.Getenv("MEDCHAIN_HOME"); h != "" {
		return h
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".medchain")
	}
	return ".medchain"
}

func defaultNode() string {
	if n := os.Getenv("MEDCHAIN_NODE"); n != "" {
		return n
	}
	return "http://127.0.0.1:8080"
}

// nodeURL reads --node: a URL of the node's API, or a bare host:port
// (http:// is then meant, as `medchain dev` serves).
func nodeURL(s string) (string, error) {
	in := s
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Host == "":
		return "", fmt.Errorf("--node %q: give the node's API as http://host:port, https://host:port or host:port", in)
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("--node %q: the scheme must be http or https, not %q", in, u.Scheme)
	case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return "", fmt.Errorf("--node %q: give only the scheme, host and port (and a path prefix, if any)", in)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// JSON reports whether --output json was asked for.
func (g *Global) JSON() bool { return g.Output == "json" }

// Print writes v as indented JSON with --output json, else calls text.
func (g *Global) Print(v any, text func(w io.Writer)) error {
	if g.JSON() {
		enc := json.NewEncoder(g.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	text(g.Out)
	return nil
}

// NewRoot builds the command tree.
func NewRoot(g *Global) *cobra.Command {
	root := &cobra.Command{
		Use:   "medchain",
		Short: "medchain: a permissioned ledger for a care network",
		Long: `medchain is a permissioned blockchain for healthcare. The organisations of a care
network each run a node of one shared ledger; patients and practitioners hold their
own keys. The same binary runs a node and is its client.

Start here:
  medchain dev                 run a local network with demo data (API on 127.0.0.1:8080)
  medchain keys list           the demo identities, usable with --as NAME
  medchain status              what the node is doing
  medchain orgs list           the consortium's member organisations

Reads of private data (a patient's records and consents, blood donations, access
logs) are signed with the --as key, as sends are; medchain auth token gets a bearer
token for curl and other tools.

` + exitCodesHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if g.Output != "text" && g.Output != "json" {
				return fmt.Errorf("--output must be text or json, not %q", g.Output)
			}
			node, err := nodeURL(g.Node)
			if err != nil {
				return err
			}
			g.Node = node
			return nil
		},
	}
	root.SetIn(g.In)
	root.SetOut(g.Out)
	root.SetErr(g.Err)
	pf := root.PersistentFlags()
	pf.StringVar(&g.Home, "home", DefaultHome(), "home directory: node data, config and the keystore (env MEDCHAIN_HOME)")
	pf.StringVar(&g.Node, "node", defaultNode(), "URL of the node's HTTP API, or host:port for http:// (env MEDCHAIN_NODE)")
	pf.StringVar(&g.CAFile, "ca-file", os.Getenv("MEDCHAIN_CA_FILE"), "PEM certificates to trust for an https --node, besides the system's (env MEDCHAIN_CA_FILE)")
	pf.StringVar(&g.As, "as", os.Getenv("MEDCHAIN_AS"), "name of the keystore key to sign with (env MEDCHAIN_AS); see: medchain keys list")
	pf.StringVarP(&g.Output, "output", "o", "text", "output format: text or json")

	root.AddCommand(
		newDevCmd(g), newInitCmd(g), newStartCmd(g), newTestnetCmd(g), newBackupCmd(g),
		newKeysCmd(g),
		newBenchCmd(g),
	)
	root.AddCommand(newAuthCmd(g))
	root.AddCommand(newStatusCmd(g), newOrgsCmd(g), newMembersCmd(g), newPatientsCmd(g), newProposalsCmd(g), newTxCmd(g), newBlockCmd(g), newProveCmd(g))
	root.AddCommand(newRecordsCmd(g), newConsentCmd(g))
	root.AddCommand(newSupplyCmd(g))
	root.AddCommand(newDonationsCmd(g))
	root.AddCommand(newClaimsCmd(g))
	root.AddCommand(newTelemetryCmd(g))
	root.AddCommand(newPoolsCmd(g))
	root.AddCommand(newPublicHealthCmd(g))
	root.AddCommand(newCredentialsCmd(g))
	root.AddCommand(newCredentialingCmd(g))
	root.AddCommand(newResearchCmd(g))
	root.AddCommand(newVersionCmd(g))
	return root
}

// Main runs the CLI and returns the process exit code (see ExitCode).
func Main(args []string, in io.Reader, out, errw io.Writer) int {
	return Run(&Global{In: in, Out: out, Err: errw}, args)
}

// Run runs the command line args with g (its In, Out and Err set, and
// NewAPI and NewSigner if a test fakes them), reports an error on g.Err
// and returns the exit code.
func Run(g *Global, args []string) int {
	root := NewRoot(g)
	// cobra adds these when it executes; add them now so that finish
	// readies them too (medchain completion bsh is a usage error).
	root.SetHelpCommand(newHelpCmd(root))
	root.InitDefaultCompletionCmd()
	var started bool
	finish(root, &started)
	root.SetArgs(args)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	if !started {
		// A flag, argument or --output the command refused before running.
		var ue *usageError
		if !errors.As(err, &ue) {
			err = usageErrorf("%w\n\nRun '%s --help' for usage.", err, cmd.CommandPath())
		}
	}
	code := ExitCode(err)
	if re := (*rpcError)(nil); code == ExitUnreachable && !errors.As(err, &re) {
		err = unreachableError(g.Node, err)
	}
	if !errors.Is(err, errSilent) {
		fmt.Fprintln(g.Err, "medchain:", err)
	}
	return code
}

// newHelpCmd is `medchain help [command]`: cobra's prints "Unknown help
// topic" and exits 0; this one answers an unknown topic as an unknown
// subcommand (exit 2, with cobra's suggestions).
func newHelpCmd(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		Long:  "Help for any command: medchain help supply verify.",
		RunE: func(c *cobra.Command, args []string) error {
			cmd, rest, err := root.Find(args)
			if err != nil || cmd == nil {
				cmd, rest = root, args
			}
			if len(rest) > 0 {
				return unknownSubcommand(cmd, rest)
			}
			return cmd.Help()
		},
	}
}
