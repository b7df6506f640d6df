package cli

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"time"

	cmtversion "github.com/cometbft/cometbft/version"
	"github.com/spf13/cobra"

	"github.com/medchain/medchain/internal/node"
)

// Version is what `medchain version` prints.
type Version struct {
	// Version is the main module's version ("(devel)" when built from a
	// work tree).
	Version string `json:"version"`
	// Commit is the VCS revision the binary was built from, and Dirty
	// whether the tree had changes.
	Commit string `json:"commit,omitempty"`
	Dirty  bool   `json:"dirty,omitempty"`
	Go     string `json:"go"`
	// CometBFT and ABCI are the consensus engine's and its protocol's
	// versions; AppVersion is the chain's application protocol version.
	CometBFT   string `json:"cometbft"`
	ABCI       string `json:"abci"`
	AppVersion uint64 `json:"app_version"`
	// Node is what the node at --node runs, unless --client; NodeError
	// says why it could not be asked.
	Node      *NodeVersion `json:"node,omitempty"`
	NodeError string       `json:"node_error,omitempty"`
}

// NodeVersion is the software of the node at --node.
type NodeVersion struct {
	URL        string `json:"url"`
	ChainID    string `json:"chain_id"`
	CometBFT   string `json:"cometbft"`
	AppVersion uint64 `json:"app_version"`
}

// buildVersion reads the binary's versions from its build information.
func buildVersion() Version {
	bi, _ := debug.ReadBuildInfo()
	return versionOf(bi)
}

// versionOf reads the versions from build information (nil: none).
func versionOf(bi *debug.BuildInfo) Version {
	v := Version{Version: "(unknown)", Go: runtime.Version(), CometBFT: "v" + cmtversion.TMCoreSemVer,
		ABCI: cmtversion.ABCISemVer, AppVersion: node.AppVersion}
	if bi == nil {
		return v
	}
	if bi.Main.Version != "" {
		v.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.modified":
			v.Dirty = s.Value == "true"
		}
	}
	for _, d := range bi.Deps {
		if d.Path == "github.com/cometbft/cometbft" {
			if d.Replace != nil {
				d = d.Replace
			}
			v.CometBFT = d.Version
		}
	}
	return v
}

type versionOptions struct {
	g          *Global
	clientOnly bool
	// build returns the binary's versions (buildVersion; tests fix it).
	build func() Version
}

func newVersionCmd(g *Global) *cobra.Command {
	o := &versionOptions{g: g, build: buildVersion}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and chain software versions of medchain and of the node",
		Long: `Print this binary's version, the commit it was built from (and "dirty" if the tree had
changes), the Go and CometBFT versions and the chain's application protocol version;
then the versions the node at --node reports, unless --client. A node that cannot
be reached is noted, not an error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context()) },
	}
	cmd.Flags().BoolVar(&o.clientOnly, "client", false, "only this binary's versions: do not ask the node")
	return cmd
}

func (o *versionOptions) run(ctx context.Context) error {
	g := o.g
	v := o.build()
	if !o.clientOnly {
		ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		st, err := g.client().Status(ctx)
		switch {
		case unreachable(err):
			v.NodeError = "cannot be reached"
		case err != nil:
			v.NodeError = err.Error()
		default:
			v.Node = &NodeVersion{URL: g.Node, ChainID: st.ChainID, CometBFT: st.NodeVersion, AppVersion: st.AppVersion}
		}
	}
	return g.Print(v, func(w io.Writer) {
		commit := v.Commit
		if commit == "" {
			commit = "(unknown)"
		}
		if v.Dirty {
			commit += " (dirty)"
		}
		fmt.Fprintf(w, "medchain     %s\ncommit       %s\ngo           %s\ncometbft     %s (ABCI %s)\napp version  %d\n",
			v.Version, commit, v.Go, v.CometBFT, v.ABCI, v.AppVersion)
		switch {
		case v.Node != nil:
			fmt.Fprintf(w, "node         %s: chain %s, cometbft %s, app version %d\n", v.Node.URL, v.Node.ChainID, v.Node.CometBFT, v.Node.AppVersion)
		case v.NodeError != "":
			fmt.Fprintf(w, "node         %s: %s\n", g.Node, v.NodeError)
		}
	})
}
