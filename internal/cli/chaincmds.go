package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"
)

// The chain's own state: the node's status, blocks and transactions.

type statusOptions struct{ g *Global }

func newStatusCmd(g *Global) *cobra.Command {
	o := &statusOptions{g: g}
	return &cobra.Command{
		Use:   "status",
		Short: "Show the node's chain, height and app hash",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context()) },
	}
}

func (o *statusOptions) run(ctx context.Context) error {
	st, err := o.g.client().Status(ctx)
	if err != nil {
		return err
	}
	return o.g.Print(st, func(w io.Writer) {
		fmt.Fprintf(w, "chain       %s\nnode        %s (%s)\nheight      %d at %s\napp hash    %s\ncatching up %v\n",
			st.ChainID, st.Moniker, st.NodeID, st.LatestBlockHeight, st.LatestBlockTime.Format("2006-01-02 15:04:05Z07:00"), st.LatestAppHash, st.CatchingUp)
	})
}

type txOptions struct{ g *Global }

func newTxCmd(g *Global) *cobra.Command {
	o := &txOptions{g: g}
	return &cobra.Command{
		Use:   "tx HASH [--as SIGNER]",
		Short: "Show a committed transaction: its body, result and events",
		Long: `Show a committed transaction. A transaction may name a patient, so only its
signer sees its signer, body, result and log: the read is signed with the --as key
when given. Anyone else sees what a block shows (hash, height, type, code), marked
redacted.

Example:
  medchain tx 6F5F1FC7… --as dr-grey`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context(), args[0]) },
	}
}

func (o *txOptions) run(ctx context.Context, hash string) error {
	api, err := o.g.reader(readEither)
	if err != nil {
		return err
	}
	t, err := api.Tx(ctx, hash)
	if err != nil {
		return err
	}
	return o.g.Print(t, func(w io.Writer) {
		if t.Redacted {
			fmt.Fprintf(w, "hash     %s\nheight   %d (index %d)\ntype     %s\n", t.Hash, t.Height, t.Index, t.Type)
			if t.Code != 0 {
				fmt.Fprintf(w, "FAILED   %s\n", t.CodeID)
			}
			fmt.Fprintln(w, "redacted: only its signer sees its signer, message, result and events (sign the read with --as)")
			return
		}
		fmt.Fprintf(w, "hash     %s\nheight   %d (index %d)\ntype     %s\nsigner   %s\n", t.Hash, t.Height, t.Index, t.Type, t.SignerID)
		if t.Code != 0 {
			fmt.Fprintf(w, "FAILED   %s: %s\n", t.CodeID, t.Log)
		} else {
			fmt.Fprintf(w, "result   ok %s\n", t.Result)
		}
		if t.Body != nil {
			fmt.Fprintf(w, "message  %s\n", t.Body.Msg)
		}
	})
}

type blockOptions struct{ g *Global }

func newBlockCmd(g *Global) *cobra.Command {
	o := &blockOptions{g: g}
	return &cobra.Command{
		Use:   "block [HEIGHT]",
		Short: "Show a committed block (default: the latest)",
		Args:  cobra.MaximumNArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context(), args) },
	}
}

func (o *blockOptions) run(ctx context.Context, args []string) error {
	var h int64
	if len(args) == 1 {
		var err error
		if h, err = strconv.ParseInt(args[0], 10, 64); err != nil || h < 1 {
			return usageErrorf("height must be a positive number, got %q", args[0])
		}
	}
	b, err := o.g.client().Block(ctx, h)
	if err != nil {
		return err
	}
	return o.g.Print(b, func(w io.Writer) {
		fmt.Fprintf(w, "height    %d\ntime      %s\nhash      %s\napp hash  %s\ntxs       %d\n", b.Height, b.Time.Format("2006-01-02 15:04:05.000Z07:00"), b.Hash, b.AppHash, len(b.Txs))
		for _, t := range b.Txs {
			st := "ok"
			if t.Code != 0 {
				st = t.CodeID
			}
			fmt.Fprintf(w, "  %s  %s  %s\n", t.Hash, t.Type, st)
		}
	})
}
