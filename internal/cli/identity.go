package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/medchain/medchain/client"
)

// Identity: an organisation's members and their keys.

// resolveKey turns --key NAME (a keystore name) or a hex public key into hex.
func resolveKey(g *Global, nameOrHex string) (string, error) {
	if len(nameOrHex) == 64 && strings.Trim(strings.ToLower(nameOrHex), "0123456789abcdef") == "" {
		return strings.ToLower(nameOrHex), nil
	}
	ks, err := openKeystore(g)
	if err != nil {
		return "", err
	}
	e, err := ks.Get(nameOrHex)
	if err != nil {
		return "", usageErrorf("%q is neither a 64-hex-character public key nor a key in the keystore: %w", nameOrHex, err)
	}
	return e.PublicKey, nil
}

// noteIdentity records in the keystore which identity a key now belongs to.
func noteIdentity(g *Global, keyName, id string) {
	ks, err := openKeystore(g)
	if err != nil {
		return
	}
	if err := ks.SetIdentity(keyName, id); err == nil {
		ks.Save()
	}
}

func printIdentity(w io.Writer, id *client.Identity) {
	fmt.Fprintf(w, "id      %s\nkind    %s\n", id.ID, id.Kind)
	if m := id.Member; m != nil {
		fmt.Fprintf(w, "org     %s\ntype    %s\nroles   %s\nstatus  %s\n", m.Org, m.Kind, strings.Join(m.Roles, ", "), m.Status)
		if c := m.StatusChange; c != nil {
			why := ""
			if c.Reason != "" {
				why = ": " + c.Reason
			}
			fmt.Fprintf(w, "        set %s by %s at height %d%s\n", c.Status, c.By, c.Height, why)
		}
		fmt.Fprintf(w, "created height %d\n", m.Created)
	}
	if p := id.Patient; p != nil {
		fmt.Fprintf(w, "created height %d\n", p.Created)
	}
	table(w, "KEY\tSTATUS\tADDED\tREVOKED\tREASON", func(tw io.Writer) {
		for _, k := range id.Keys {
			rev := ""
			if k.Revoked > 0 {
				rev = strconv.FormatInt(k.Revoked, 10)
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", k.PublicKey, k.Status, k.Added, rev, k.Reason)
		}
	})
}

// identityShowOptions show a member or a patient.
type identityShowOptions struct{ g *Global }

func newIdentityShowCmd(g *Global, use, short string) *cobra.Command {
	o := &identityShowOptions{g: g}
	return &cobra.Command{
		Use:   use,
		Short: short,
		Long: short + `.

The identity is an ID (org/handle, pt-…) or the name of a key in the keystore that
holds one (alice, dr-grey). Members are a public directory. A patient is shown only
to the patient, their delegates and members: the read is signed with the --as key
when given.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context(), args[0]) },
	}
}

func (o *identityShowOptions) run(ctx context.Context, ref string) error {
	api, err := o.g.reader(readEither)
	if err != nil {
		return err
	}
	if !strings.Contains(ref, "/") && !strings.HasPrefix(ref, "pt-") {
		// A keystore name (alice, dr-grey): the identity its key holds.
		ks, err := openKeystore(o.g)
		if err != nil {
			return err
		}
		e, err := ks.Get(ref)
		if err != nil || e.Identity == "" {
			return usageErrorf("%q is neither an identity (org/handle, pt-…) nor a keystore name with one (see `medchain keys list`)", ref)
		}
		ref = e.Identity
	}
	id, err := api.Identity(ctx, ref)
	if err != nil {
		return err
	}
	return o.g.Print(id, func(w io.Writer) { printIdentity(w, id) })
}

func newMembersCmd(g *Global) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "members",
		Short: "Register and manage an organisation's members, devices and their keys",
		Long: `Members are the people, devices and systems of an organisation, with roles
(admin, physician, nurse, pharmacist, lab-technician, claims-officer, privacy-officer,
researcher, logistics, quality-officer, registrar, epidemiologist, auditor, sensor).
An organisation's admin registers members and manages their keys; a member manages
their own keys. Revoking a key takes effect for the very next transaction.`,
	}
	list := newListCmd(g, listVerb[client.Member]{
		Use:       "list ORG",
		Short:     "List an organisation's members",
		Args:      cobra.ExactArgs(1),
		AfterHelp: "list handles after this one (paging)",
		Fetch: func(ctx context.Context, api API, args []string, after string, limit int) (*client.Page[client.Member], error) {
			return api.Members(ctx, args[0], after, limit)
		},
		Header: "ID\tKIND\tROLES\tSTATUS",
		Row: func(m client.Member) string {
			return fmt.Sprintf("%s\t%s\t%s\t%s", m.ID, m.Kind, strings.Join(m.Roles, ","), m.Status)
		},
	})
	cmd.AddCommand(list,
		newIdentityShowCmd(g, "show ORG/HANDLE", "Show a member, its roles and every key it has held"),
		newMembersAddCmd(g), newSetRolesCmd(g),
		newMemberStatusCmd(g, "suspend", "suspended", "Suspend a member: all its keys stop signing at once"),
		newMemberStatusCmd(g, "reinstate", "active", "Reinstate a suspended member"),
		newAddKeyCmd(g), newRevokeKeyCmd(g), newRotateKeyCmd(g))
	return cmd
}

type membersAddOptions struct {
	g   *Global
	msg client.RegisterMember
	// key is --key: a keystore name or hex.
	key string
}

func newMembersAddCmd(g *Global) *cobra.Command {
	o := &membersAddOptions{g: g}
	cmd := &cobra.Command{
		Use:   "add --as ADMIN --handle HANDLE --roles ROLE[,ROLE] --key NAME|HEX",
		Short: "Register a member of the signer's organisation (signed by an admin)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context()) },
	}
	f := cmd.Flags()
	f.StringVar(&o.msg.Handle, "handle", "", "the member's handle within the organisation (a-z, 0-9, '.', '-')")
	f.StringSliceVar(&o.msg.Roles, "roles", nil, "roles, comma separated")
	f.StringVar(&o.msg.Kind, "kind", "person", "person, device or system")
	f.StringVar(&o.key, "key", "", "the member's public key: a keystore name or 64 hex characters")
	for _, name := range []string{"handle", "roles", "key"} {
		cmd.MarkFlagRequired(name)
	}
	return cmd
}

func (o *membersAddOptions) run(ctx context.Context) error {
	g := o.g
	pub, err := resolveKey(g, o.key)
	if err != nil {
		return err
	}
	msg := o.msg
	msg.PublicKey = pub
	res, err := sendMsg(ctx, g, msg)
	if err != nil {
		return err
	}
	var c client.Created
	res.Decode(&c)
	if pub != o.key {
		noteIdentity(g, o.key, c.ID)
	}
	return printTx(g, res, "registered "+c.ID)
}

func newSetRolesCmd(g *Global) *cobra.Command {
	return newSendCmd(g, sendVerb[client.SetRoles]{
		Use:   "set-roles ORG/HANDLE --roles ROLE[,ROLE] --as ADMIN",
		Short: "Replace a member's roles",
		Args:  cobra.ExactArgs(1),
		Flags: func(f *pflag.FlagSet, m *client.SetRoles) {
			f.StringSliceVar(&m.Roles, "roles", nil, "roles, comma separated")
		},
		Required: []string{"roles"},
		Parse:    func(_ *Global, args []string, m *client.SetRoles) error { m.Member = args[0]; return nil },
		Print: func(w io.Writer, m *client.SetRoles, res *client.TxResult) {
			txLine(w, res, "roles of "+m.Member+" set to "+strings.Join(m.Roles, ","))
		},
	})
}

// The reason codes suspend, reinstate and revoke-key accept, for --help:
// the chain's own lists.
var (
	statusReasonList    = strings.Join(client.StatusReasons, ", ")
	keyRevokeReasonList = strings.Join(client.KeyRevokeReasons, ", ")
)

func newMemberStatusCmd(g *Global, verb, status, short string) *cobra.Command {
	return newSendCmd(g, sendVerb[client.SetMemberStatus]{
		Use:   verb + " ORG/HANDLE --as ADMIN [--reason CODE]",
		Short: short,
		Long: short + `. Signed by an admin of the member's organisation.

--reason, optional, is a code: ` + statusReasonList + `.
Free text is refused: the ledger keeps no text from outside.

On chain: the member's status, and its status change (who decided, the height,
and the reason code).`,
		Args: cobra.ExactArgs(1),
		Flags: func(f *pflag.FlagSet, m *client.SetMemberStatus) {
			f.StringVar(&m.Reason, "reason", "", "why, a code kept on the ledger: "+statusReasonList)
		},
		Parse: func(_ *Global, args []string, m *client.SetMemberStatus) error {
			m.Member, m.Status = args[0], status
			return nil
		},
		Print: func(w io.Writer, m *client.SetMemberStatus, res *client.TxResult) {
			txLine(w, res, m.Member+" is "+m.Status)
		},
	})
}

func newAddKeyCmd(g *Global) *cobra.Command {
	return newSendCmd(g, sendVerb[client.AddKey]{
		Use:   "add-key --key NAME|HEX [--owner ID] --as SIGNER",
		Short: "Give an identity (by default the signer) another key",
		Flags: func(f *pflag.FlagSet, m *client.AddKey) {
			f.StringVar(&m.PublicKey, "key", "", "the new key: a keystore name or 64 hex characters")
			f.StringVar(&m.Owner, "owner", "", "identity to add it to (default: the signer)")
		},
		Required: []string{"key"},
		Parse: func(g *Global, _ []string, m *client.AddKey) (err error) {
			m.PublicKey, err = resolveKey(g, m.PublicKey)
			return err
		},
		Print: func(w io.Writer, m *client.AddKey, res *client.TxResult) { txLine(w, res, "key "+m.PublicKey+" added") },
	})
}

func newRevokeKeyCmd(g *Global) *cobra.Command {
	return newSendCmd(g, sendVerb[client.RevokeKey]{
		Use:   "revoke-key --key NAME|HEX --as SIGNER [--reason CODE]",
		Short: "Revoke a key: no transaction it signs is accepted from now on",
		Long: `Revoke a key: no transaction it signs is accepted from now on, in this block
or any after.

--reason, optional, is a code: ` + keyRevokeReasonList + `.
Free text is refused: the ledger keeps no text from outside.

On chain: the key's record (revoked, the height, and the reason code).`,
		Flags: func(f *pflag.FlagSet, m *client.RevokeKey) {
			f.StringVar(&m.PublicKey, "key", "", "the key: a keystore name or 64 hex characters")
			f.StringVar(&m.Reason, "reason", "", "why, a code kept on the ledger: "+keyRevokeReasonList)
		},
		Required: []string{"key"},
		Parse: func(g *Global, _ []string, m *client.RevokeKey) (err error) {
			m.PublicKey, err = resolveKey(g, m.PublicKey)
			return err
		},
		Print: func(w io.Writer, m *client.RevokeKey, res *client.TxResult) {
			txLine(w, res, "key "+m.PublicKey+" revoked")
		},
	})
}

type rotateKeyOptions struct {
	g *Global
	// newKey is --new-key: a keystore name or hex.
	newKey string
}

func newRotateKeyCmd(g *Global) *cobra.Command {
	o := &rotateKeyOptions{g: g}
	cmd := &cobra.Command{
		Use:   "rotate-key --new-key NAME|HEX --as SIGNER",
		Short: "Replace the signing key with a new one in one step",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context()) },
	}
	cmd.Flags().StringVar(&o.newKey, "new-key", "", "the new key: a keystore name or 64 hex characters")
	cmd.MarkFlagRequired("new-key")
	return cmd
}

func (o *rotateKeyOptions) run(ctx context.Context) error {
	g := o.g
	pub, err := resolveKey(g, o.newKey)
	if err != nil {
		return err
	}
	s, err := g.signer()
	if err != nil {
		return err
	}
	res, err := g.client().Send(ctx, s, client.RotateKey{NewKey: pub})
	if err != nil {
		return err
	}
	if pub != o.newKey {
		if id := keyIdentity(g, g.As); id != "" {
			noteIdentity(g, o.newKey, id)
		}
	}
	return printTx(g, res, "rotated: "+s.PublicKey()+" revoked, "+pub+" active")
}

// keyIdentity is the identity the keystore notes for a key name, if any.
func keyIdentity(g *Global, name string) string {
	_, e, _ := keyEntry(g, name)
	return e.Identity
}
