package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/medchain/medchain/client"
)

// Authentication of reads: tokens for tools that cannot sign (curl, a
// dashboard), and a check of who a key stands for.

func newAuthCmd(g *Global) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth",
		Short: "Get a bearer token for private reads; check who a key stands for",
		Long: `Reads of private data (a patient's records, grants, delegates, access log and
break-glass windows; blood donations and lookbacks; an organisation's access log)
are answered only to someone the ledger entitles. medchain's read commands sign
each such read with the --as key. Tools that cannot sign, such as curl, send a
bearer token instead:

  TOKEN=$(medchain auth token --as alice -q)
  curl -H "Authorization: Bearer $TOKEN" $MEDCHAIN_NODE/v1/patients/pt-…/grants

A token stands for the --as key on the node that issued it, for --ttl (15 minutes
by default, at most an hour), until it expires or the node restarts.`,
	}
	cmd.AddCommand(newAuthTokenCmd(g), newAuthWhoamiCmd(g))
	return cmd
}

type authTokenOptions struct {
	g           *Global
	ttl         time.Duration
	json, quiet bool
}

func newAuthTokenCmd(g *Global) *cobra.Command {
	o := &authTokenOptions{g: g}
	cmd := &cobra.Command{
		Use:   "token --as NAME [--ttl 15m]",
		Short: "Get a bearer token standing for the --as key, for reads with curl and other tools",
		Long: `Ask the node for a bearer token standing for the --as key (a signed auth/token
request; nothing is written to the ledger) and print it with its expiry and the
identity it stands for. Send it as "Authorization: Bearer TOKEN" on the reads the
key may make. It lives --ttl (1m to 1h) on the node that issued it; keep it like
a password.

Example:
  medchain auth token --as alice
  TOKEN=$(medchain auth token --as alice --ttl 5m -q)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context()) },
	}
	cmd.Flags().DurationVar(&o.ttl, "ttl", 15*time.Minute, "how long the token lives: 1m to 1h, whole seconds")
	cmd.Flags().BoolVar(&o.json, "json", false, "print the token, its expiry and identity as JSON (same as --output json)")
	cmd.Flags().BoolVarP(&o.quiet, "quiet", "q", false, "print only the token (for scripts)")
	return cmd
}

func (o *authTokenOptions) run(ctx context.Context) error {
	g := o.g
	if o.ttl < time.Minute || o.ttl > time.Hour || o.ttl%time.Second != 0 {
		return usageErrorf("--ttl %v: from 1m to 1h, in whole seconds", o.ttl)
	}
	s, err := g.signer()
	if err != nil {
		return err
	}
	tok, err := g.client().Token(ctx, s, o.ttl)
	if err != nil {
		return err
	}
	if o.json {
		g.Output = "json"
	}
	if o.quiet && !g.JSON() {
		fmt.Fprintln(g.Out, tok.Token)
		return nil
	}
	return g.Print(tok, func(w io.Writer) {
		fmt.Fprintf(w, "token     %s\nexpires   %s (in %s)\nidentity  %s\n", tok.Token,
			tok.ExpiresAt.UTC().Format(time.RFC3339), time.Until(tok.ExpiresAt).Round(time.Minute), principalLine(tok.Identity))
	})
}

type authWhoamiOptions struct{ g *Global }

func newAuthWhoamiCmd(g *Global) *cobra.Command {
	o := &authWhoamiOptions{g: g}
	return &cobra.Command{
		Use:   "whoami --as NAME",
		Short: "Show the identity the --as key stands for, as the node sees it",
		Long: `Sign a read with the --as key and show the identity the node finds for it: its
ID, kind, organisation and roles. A key the ledger does not know, or has revoked,
is refused: a way to check a set-up before a private read.

Example:
  medchain auth whoami --as dr-grey`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context()) },
	}
}

func (o *authWhoamiOptions) run(ctx context.Context) error {
	api, err := o.g.reader(readKeyed)
	if err != nil {
		return err
	}
	p, err := api.Whoami(ctx)
	if err != nil {
		return err
	}
	return o.g.Print(p, func(w io.Writer) {
		fmt.Fprintf(w, "identity  %s\nkey       %s\n", principalLine(*p), p.Key)
	})
}

// principalLine is an identity in one line: "general-hospital/dr-grey
// (member of general-hospital: physician)", "pt-… (patient)".
func principalLine(p client.Principal) string {
	if p.Kind != "member" {
		return p.ID + " (" + p.Kind + ")"
	}
	if len(p.Roles) == 0 {
		// A member holds no role it may act in: a suspended licence, say,
		// withholds the clinical ones (docs/credentials.md).
		return fmt.Sprintf("%s (member of %s: no role in force)", p.ID, p.Org)
	}
	return fmt.Sprintf("%s (member of %s: %s)", p.ID, p.Org, strings.Join(p.Roles, ","))
}
