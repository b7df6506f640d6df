package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/medchain/medchain/client"
)

func addClientCommands(root *cobra.Command, g *Global) {
	root.AddCommand(newStatusCmd(g), newOrgsCmd(g), newMembersCmd(g), newPatientsCmd(g), newProposalsCmd(g), newTxCmd(g), newBlockCmd(g))
}

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
		return "", fmt.Errorf("%q is neither a 64-hex-character public key nor a key in the keystore: %w", nameOrHex, err)
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

// pagedList is a list command over one of the API's paged listings: a
// table in text, the page itself in JSON, and --after/--limit for paging.
func pagedList[T any](g *Global, use, short, afterHelp string, args cobra.PositionalArgs,
	fetch func(cmd *cobra.Command, args []string, after string, limit int) (*client.Page[T], error),
	header string, row func(T) string) *cobra.Command {
	var limit int
	var after string
	c := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  args,
		RunE: func(cmd *cobra.Command, args []string) error {
			page, err := fetch(cmd, args, after, limit)
			if err != nil {
				return err
			}
			return g.Print(page, func(w io.Writer) {
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, header)
				for _, item := range page.Items {
					fmt.Fprintln(tw, row(item))
				}
				tw.Flush()
				if page.Next != "" {
					fmt.Fprintf(w, "more: --after %s\n", page.Next)
				}
			})
		},
	}
	c.Flags().IntVar(&limit, "limit", 100, "page size (1-1000)")
	c.Flags().StringVar(&after, "after", "", afterHelp)
	return c
}

func newStatusCmd(g *Global) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show the node's chain, height and app hash",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := g.client().Status(cmd.Context())
			if err != nil {
				return err
			}
			return g.Print(st, func(w io.Writer) {
				fmt.Fprintf(w, "chain       %s\nnode        %s (%s)\nheight      %d at %s\napp hash    %s\ncatching up %v\n",
					st.ChainID, st.Moniker, st.NodeID, st.LatestBlockHeight, st.LatestBlockTime.Format("2006-01-02 15:04:05Z07:00"), st.LatestAppHash, st.CatchingUp)
			})
		},
	}
}

func newOrgsCmd(g *Global) *cobra.Command {
	cmd := &cobra.Command{Use: "orgs", Short: "List and show the consortium's member organisations"}
	list := pagedList(g, "list", "List organisations: ID, kind, status, validator power", "list IDs after this one (paging)", cobra.NoArgs,
		func(cmd *cobra.Command, _ []string, after string, limit int) (*client.Page[client.Org], error) {
			return g.client().Orgs(cmd.Context(), after, limit)
		},
		"ID\tKIND\tSTATUS\tPOWER\tNAME",
		func(o client.Org) string {
			power := int64(0)
			if o.Validator != nil {
				power = o.Validator.Power
			}
			return fmt.Sprintf("%s\t%s\t%s\t%d\t%s", o.ID, o.Kind, o.Status, power, o.Name)
		})
	var prove bool
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show one organisation (--prove adds a Merkle proof)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var opts []client.ReadOption
			if prove {
				opts = append(opts, client.WithProof())
			}
			o, err := g.client().Org(cmd.Context(), args[0], opts...)
			if err != nil {
				return err
			}
			return g.Print(o, func(w io.Writer) {
				fmt.Fprintf(w, "id         %s\nname       %s\nkind       %s\nstatus     %s\njoined     height %d\n", o.ID, o.Name, o.Kind, o.Status, o.Joined)
				if o.Validator != nil {
					fmt.Fprintf(w, "validator  %s (power %d)\n", o.Validator.PublicKey, o.Validator.Power)
				}
				if o.Proof != nil {
					fmt.Fprintf(w, "proof      at height %d, verify against the app hash of block %d\n", o.Proof.Height, o.Proof.Height+1)
				}
			})
		},
	}
	show.Flags().BoolVar(&prove, "prove", false, "include an ICS23 proof of the record")
	cmd.AddCommand(list, show)
	return cmd
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
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tSTATUS\tADDED\tREVOKED\tREASON")
	for _, k := range id.Keys {
		rev := ""
		if k.Revoked > 0 {
			rev = strconv.FormatInt(k.Revoked, 10)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", k.PublicKey, k.Status, k.Added, rev, k.Reason)
	}
	tw.Flush()
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
	list := pagedList(g, "list ORG", "List an organisation's members", "list handles after this one (paging)", cobra.ExactArgs(1),
		func(cmd *cobra.Command, args []string, after string, limit int) (*client.Page[client.Member], error) {
			return g.client().Members(cmd.Context(), args[0], after, limit)
		},
		"ID\tKIND\tROLES\tSTATUS",
		func(m client.Member) string {
			return fmt.Sprintf("%s\t%s\t%s\t%s", m.ID, m.Kind, strings.Join(m.Roles, ","), m.Status)
		})

	show := &cobra.Command{
		Use:   "show ORG/HANDLE",
		Short: "Show a member, its roles and every key it has held",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := g.client().Identity(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.Print(id, func(w io.Writer) { printIdentity(w, id) })
		},
	}

	var handle, kind, keyRef string
	var roles []string
	add := &cobra.Command{
		Use:   "add --as ADMIN --handle HANDLE --roles ROLE[,ROLE] --key NAME|HEX",
		Short: "Register a member of the signer's organisation (signed by an admin)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pub, err := resolveKey(g, keyRef)
			if err != nil {
				return err
			}
			res, err := send(cmd, g, client.RegisterMember{Handle: handle, Kind: kind, Roles: roles, PublicKey: pub})
			if err != nil {
				return err
			}
			var c client.Created
			json.Unmarshal(res.Result, &c)
			if pub != keyRef {
				noteIdentity(g, keyRef, c.ID)
			}
			return printTx(g, res, "registered "+c.ID)
		},
	}
	add.Flags().StringVar(&handle, "handle", "", "the member's handle within the organisation (a-z, 0-9, '.', '-')")
	add.Flags().StringSliceVar(&roles, "roles", nil, "roles, comma separated")
	add.Flags().StringVar(&kind, "kind", "person", "person, device or system")
	add.Flags().StringVar(&keyRef, "key", "", "the member's public key: a keystore name or 64 hex characters")
	add.MarkFlagRequired("handle")
	add.MarkFlagRequired("roles")
	add.MarkFlagRequired("key")

	var setRoles []string
	setRolesCmd := &cobra.Command{
		Use:   "set-roles ORG/HANDLE --roles ROLE[,ROLE] --as ADMIN",
		Short: "Replace a member's roles",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := send(cmd, g, client.SetRoles{Member: args[0], Roles: setRoles})
			if err != nil {
				return err
			}
			return printTx(g, res, "roles of "+args[0]+" set to "+strings.Join(setRoles, ","))
		},
	}
	setRolesCmd.Flags().StringSliceVar(&setRoles, "roles", nil, "roles, comma separated")
	setRolesCmd.MarkFlagRequired("roles")

	status := func(use, status, short string) *cobra.Command {
		var reason string
		c := &cobra.Command{
			Use:   use + " ORG/HANDLE --as ADMIN",
			Short: short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				res, err := send(cmd, g, client.SetMemberStatus{Member: args[0], Status: status, Reason: reason})
				if err != nil {
					return err
				}
				return printTx(g, res, args[0]+" is "+status)
			},
		}
		c.Flags().StringVar(&reason, "reason", "", "why")
		return c
	}

	var owner, reason string
	addKey := keyTxCmd(g, "add-key --key NAME|HEX [--owner ID] --as SIGNER", "Give an identity (by default the signer) another key",
		"the new key: a keystore name or 64 hex characters",
		func(pub string) (client.Msg, string) {
			return client.AddKey{Owner: owner, PublicKey: pub}, "key " + pub + " added"
		})
	addKey.Flags().StringVar(&owner, "owner", "", "identity to add it to (default: the signer)")
	revoke := keyTxCmd(g, "revoke-key --key NAME|HEX --as SIGNER [--reason TEXT]", "Revoke a key: no transaction it signs is accepted from now on",
		"the key: a keystore name or 64 hex characters",
		func(pub string) (client.Msg, string) {
			return client.RevokeKey{PublicKey: pub, Reason: reason}, "key " + pub + " revoked"
		})
	revoke.Flags().StringVar(&reason, "reason", "", "why (kept on the ledger, 200 characters at most)")

	var newRef string
	rotate := &cobra.Command{
		Use:   "rotate-key --new-key NAME|HEX --as SIGNER",
		Short: "Replace the signing key with a new one in one step",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pub, err := resolveKey(g, newRef)
			if err != nil {
				return err
			}
			_, entry, err := signingKey(g)
			if err != nil {
				return err
			}
			res, err := send(cmd, g, client.RotateKey{NewKey: pub})
			if err != nil {
				return err
			}
			if pub != newRef && entry.Identity != "" {
				noteIdentity(g, newRef, entry.Identity)
			}
			return printTx(g, res, "rotated: "+entry.PublicKey+" revoked, "+pub+" active")
		},
	}
	rotate.Flags().StringVar(&newRef, "new-key", "", "the new key: a keystore name or 64 hex characters")
	rotate.MarkFlagRequired("new-key")

	cmd.AddCommand(list, show, add, setRolesCmd,
		status("suspend", "suspended", "Suspend a member: all its keys stop signing at once"),
		status("reinstate", "active", "Reinstate a suspended member"),
		addKey, revoke, rotate)
	return cmd
}

// keyTxCmd is a command that names a key with --key and sends one message
// about it, built by msg from the key's hex.
func keyTxCmd(g *Global, use, short, keyHelp string, msg func(pub string) (m client.Msg, done string)) *cobra.Command {
	var ref string
	c := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pub, err := resolveKey(g, ref)
			if err != nil {
				return err
			}
			m, done := msg(pub)
			res, err := send(cmd, g, m)
			if err != nil {
				return err
			}
			return printTx(g, res, done)
		},
	}
	c.Flags().StringVar(&ref, "key", "", keyHelp)
	c.MarkFlagRequired("key")
	return c
}

func newPatientsCmd(g *Global) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "patients",
		Short: "Register as a patient and look patients up",
		Long: `Patients register themselves: the signing key becomes the patient's key, and the
patient's ID (pt-...) is derived from it. Nothing personal (no name, no birth date,
no address, no identifier) is sent to the ledger.`,
	}
	register := &cobra.Command{
		Use:   "register --as NAME",
		Short: "Register the --as key as a new patient",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := send(cmd, g, client.RegisterPatient{})
			if err != nil {
				return err
			}
			var c client.Created
			json.Unmarshal(res.Result, &c)
			noteIdentity(g, g.As, c.ID)
			return printTx(g, res, "registered patient "+c.ID)
		},
	}
	show := &cobra.Command{
		Use:   "show PATIENT-ID",
		Short: "Show a patient's pseudonymous record and keys",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := g.client().Identity(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.Print(id, func(w io.Writer) { printIdentity(w, id) })
		},
	}
	cmd.AddCommand(register, show)
	return cmd
}

func printProposal(w io.Writer, p *client.Proposal) {
	fmt.Fprintf(w, "proposal  %d: %s\nstatus    %s\nproposer  %s (%s)\ncreated   height %d, deadline %d\n", p.ID, p.Action.Type, p.Status, p.Proposer, p.Org, p.Created, p.Deadline)
	if p.Title != "" {
		fmt.Fprintf(w, "title     %s\n", p.Title)
	}
	fmt.Fprintf(w, "payload   %s\ntally     %d yes, %d no of %d members (passes: %v)\n", p.Action.Payload, p.Tally.Yes, p.Tally.No, p.Tally.Members, p.Tally.Passes)
	if p.Reason != "" {
		fmt.Fprintf(w, "reason    %s\n", p.Reason)
	}
	for _, b := range p.Votes {
		v := "no"
		if b.Approve {
			v = "yes"
		}
		fmt.Fprintf(w, "  %-4s %s (%s, height %d)\n", v, b.Org, b.Member, b.Height)
	}
}

func newProposalsCmd(g *Global) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "proposals",
		Short: "Propose changes to the consortium and vote on them",
		Long: `Admitting or removing an organisation and changing a validator's power are
proposals. One admin of each member organisation votes for it; a proposal passes when
more than two thirds of the active member organisations approve before its deadline
(a block height), is rejected as soon as it cannot pass, and expires otherwise.
The proposer's organisation votes yes.`,
	}
	list := pagedList(g, "list", "List proposals with their status and tally", "list proposals numbered after this one", cobra.NoArgs,
		func(cmd *cobra.Command, _ []string, after string, limit int) (*client.Page[client.Proposal], error) {
			return g.client().Proposals(cmd.Context(), after, limit)
		},
		"ID\tACTION\tSTATUS\tYES\tNO\tMEMBERS\tDEADLINE\tPROPOSER",
		func(p client.Proposal) string {
			return fmt.Sprintf("%d\t%s\t%s\t%d\t%d\t%d\t%d\t%s", p.ID, p.Action.Type, p.Status, p.Tally.Yes, p.Tally.No, p.Tally.Members, p.Deadline, p.Proposer)
		})

	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show a proposal, its votes and tally",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("proposal ID must be a number, got %q", args[0])
			}
			p, err := g.client().Proposal(cmd.Context(), id)
			if err != nil {
				return err
			}
			return g.Print(p, func(w io.Writer) { printProposal(w, p) })
		},
	}

	var title string
	var deadline int64
	propose := func(c *cobra.Command, build func() (client.Action, error)) *cobra.Command {
		c.Args = cobra.NoArgs
		c.Flags().StringVar(&title, "title", "", "a title for the proposal")
		c.Flags().Int64Var(&deadline, "deadline", 0, "block height by which it must pass (default: the voting period)")
		c.RunE = func(cmd *cobra.Command, _ []string) error {
			a, err := build()
			if err != nil {
				return err
			}
			res, err := send(cmd, g, client.Propose{Action: a, Title: title, Deadline: deadline})
			if err != nil {
				return err
			}
			var o client.Outcome
			json.Unmarshal(res.Result, &o)
			return g.Print(res, func(w io.Writer) {
				fmt.Fprintf(w, "proposal %d is %s (tx %s, height %d)\n", o.Proposal, o.Status, res.Hash, res.Height)
			})
		}
		return c
	}

	var id, name, kind, admin, adminKey, valKey string
	var power int64
	admit := propose(&cobra.Command{
		Use:   "admit-org --as ADMIN --id ID --name NAME --kind KIND --admin-key NAME|HEX",
		Short: "Propose admitting an organisation (with its first admin and, optionally, a validator)",
	}, func() (client.Action, error) {
		pub, err := resolveKey(g, adminKey)
		if err != nil {
			return client.Action{}, err
		}
		a := client.AdmitOrg{ID: id, Name: name, Kind: kind, Admin: admin, AdminKey: pub}
		if valKey != "" {
			a.Validator = &client.ValidatorKey{PublicKey: valKey, Power: power}
		}
		return a.Action(), nil
	})
	admit.Flags().StringVar(&id, "id", "", "organisation ID (a-z, 0-9, '-')")
	admit.Flags().StringVar(&name, "name", "", "display name")
	admit.Flags().StringVar(&kind, "kind", "", "organisation kind (hospital, clinic, lab, insurer, manufacturer, distributor, pharmacy, blood-centre, medical-board, charity, public-health-agency, university, regulator, device-maker)")
	admit.Flags().StringVar(&admin, "admin", "admin", "handle of its first admin")
	admit.Flags().StringVar(&adminKey, "admin-key", "", "public key of its first admin: keystore name or hex")
	admit.Flags().StringVar(&valKey, "validator-key", "", "hex consensus key of its validator, if it runs one")
	admit.Flags().Int64Var(&power, "power", 10, "validator power")
	for _, f := range []string{"id", "name", "kind", "admin-key"} {
		admit.MarkFlagRequired(f)
	}

	var removeID string
	remove := propose(&cobra.Command{
		Use:   "remove-org --as ADMIN --id ID",
		Short: "Propose removing an organisation: its members' keys stop signing, its validator leaves",
	}, func() (client.Action, error) { return client.RemoveOrg{ID: removeID}.Action(), nil })
	remove.Flags().StringVar(&removeID, "id", "", "organisation ID")
	remove.MarkFlagRequired("id")

	var svOrg, svKey string
	var svPower int64
	setVal := propose(&cobra.Command{
		Use:   "set-validator --as ADMIN --org ID --validator-key HEX --power N",
		Short: "Propose setting an organisation's validator key and power (0 removes it)",
	}, func() (client.Action, error) {
		return client.SetValidator{Org: svOrg, PublicKey: svKey, Power: svPower}.Action(), nil
	})
	setVal.Flags().StringVar(&svOrg, "org", "", "organisation ID")
	setVal.Flags().StringVar(&svKey, "validator-key", "", "hex consensus public key")
	setVal.Flags().Int64Var(&svPower, "power", 10, "voting power (0 removes)")
	setVal.MarkFlagRequired("org")
	setVal.MarkFlagRequired("validator-key")

	var approve, reject bool
	vote := &cobra.Command{
		Use:   "vote ID --approve|--reject --as ADMIN",
		Short: "Vote for your organisation on a proposal",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pid, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("proposal ID must be a number, got %q", args[0])
			}
			if approve == reject {
				return fmt.Errorf("say --approve or --reject")
			}
			res, err := send(cmd, g, client.Vote{Proposal: pid, Approve: approve})
			if err != nil {
				return err
			}
			var o client.Outcome
			json.Unmarshal(res.Result, &o)
			return g.Print(res, func(w io.Writer) {
				fmt.Fprintf(w, "voted; proposal %d is %s (tx %s, height %d)\n", o.Proposal, o.Status, res.Hash, res.Height)
			})
		},
	}
	vote.Flags().BoolVar(&approve, "approve", false, "vote yes")
	vote.Flags().BoolVar(&reject, "reject", false, "vote no")

	cmd.AddCommand(list, show, admit, remove, setVal, vote)
	return cmd
}

func newTxCmd(g *Global) *cobra.Command {
	return &cobra.Command{
		Use:   "tx HASH",
		Short: "Show a committed transaction: its body, result and events",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := g.client().Tx(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.Print(t, func(w io.Writer) {
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
		},
	}
}

func newBlockCmd(g *Global) *cobra.Command {
	return &cobra.Command{
		Use:   "block [HEIGHT]",
		Short: "Show a committed block (default: the latest)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var h int64
			if len(args) == 1 {
				var err error
				if h, err = strconv.ParseInt(args[0], 10, 64); err != nil || h < 1 {
					return fmt.Errorf("height must be a positive number, got %q", args[0])
				}
			}
			b, err := g.client().Block(cmd.Context(), h)
			if err != nil {
				return err
			}
			return g.Print(b, func(w io.Writer) {
				fmt.Fprintf(w, "height    %d\ntime      %s\nhash      %s\napp hash  %s\ntxs       %d\n", b.Height, b.Time.Format("2006-01-02 15:04:05.000Z07:00"), b.Hash, b.AppHash, len(b.Txs))
				for _, t := range b.Txs {
					st := "ok"
					if t.Code != 0 {
						st = t.CodeID
					}
					fmt.Fprintf(w, "  %s  %s  %s\n", t.Hash, t.Type, st)
				}
			})
		},
	}
}
