package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/medchain/medchain/client"
)

// Governance: the consortium's organisations, and the proposals that admit
// and remove them and set their validators.

func newOrgsCmd(g *Global) *cobra.Command {
	cmd := &cobra.Command{Use: "orgs", Short: "List and show the consortium's member organisations"}
	list := newListCmd(g, listVerb[client.Org]{
		Use:       "list",
		Short:     "List organisations: ID, kind, status, validator power",
		AfterHelp: "list IDs after this one (paging)",
		Fetch: func(ctx context.Context, api API, _ []string, after string, limit int) (*client.Page[client.Org], error) {
			return api.Orgs(ctx, after, limit)
		},
		Header: "ID\tKIND\tSTATUS\tPOWER\tNAME",
		Row: func(o client.Org) string {
			power := "0"
			if o.Validator != nil {
				power = fmt.Sprint(o.Validator.Power)
				if o.Validator.Pending {
					power += " (pending)"
				}
			}
			return fmt.Sprintf("%s\t%s\t%s\t%s\t%s", o.ID, o.Kind, o.Status, power, o.Name)
		},
	})
	cmd.AddCommand(list, newOrgsShowCmd(g))
	return cmd
}

type orgsShowOptions struct {
	g     *Global
	prove bool
	trust trustOptions
}

func newOrgsShowCmd(g *Global) *cobra.Command {
	o := &orgsShowOptions{g: g}
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show one organisation (--prove adds its Merkle proof, verified)",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context(), args[0]) },
	}
	proveFlags(cmd.Flags(), &o.prove, "prove the organisation's ledger entry", &o.trust)
	return cmd
}

func (o *orgsShowOptions) run(ctx context.Context, id string) error {
	var opts []client.ReadOption
	var p *prover
	if o.prove {
		var err error
		if p, err = newProver(o.g, &o.trust); err != nil {
			return err
		}
		opts = append(opts, client.WithProof())
	}
	org, err := o.g.client().Org(ctx, id, opts...)
	if err != nil {
		return err
	}
	var proven string
	if p != nil {
		if org.Proof != nil && org.Proof.Key != orgKey(id) {
			return fmt.Errorf("%w: the node answered a proof of %q for organisation %s", errProof, org.Proof.Key, id)
		}
		if proven, err = p.verify(ctx, "organisation "+id, org.Proof); err != nil {
			return err
		}
	}
	return o.g.Print(org, func(w io.Writer) {
		fmt.Fprintf(w, "id         %s\nname       %s\nkind       %s\nstatus     %s\njoined     height %d\n", org.ID, org.Name, org.Kind, org.Status, org.Joined)
		if org.Validator != nil {
			if org.Validator.Pending {
				fmt.Fprintf(w, "validator  %s (power %d once its node runs: pending)\n", org.Validator.PublicKey, org.Validator.Power)
			} else {
				fmt.Fprintf(w, "validator  %s (power %d)\n", org.Validator.PublicKey, org.Validator.Power)
			}
		}
		for _, m := range org.Misbehaviour {
			fmt.Fprintf(w, "offence    %s by %s at height %d (recorded at %d; taken out of the set)\n", m.Type, m.PublicKey, m.Height, m.Committed)
		}
		printProven(w, proven)
	})
}

// orgKey is the state key of an organisation, which its proof names.
func orgKey(id string) string { return "gov/o/" + id }

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

// proposalID parses a proposal's number.
func proposalID(arg string) (uint64, error) {
	id, err := strconv.ParseUint(arg, 10, 64)
	if err != nil {
		return 0, usageErrorf("proposal ID must be a number, got %q", arg)
	}
	return id, nil
}

// outcomeLine prints where a proposal stands after a transaction.
func outcomeLine(w io.Writer, res *client.TxResult, prefix string) {
	var o client.Outcome
	res.Decode(&o)
	txLine(w, res, fmt.Sprintf("%sproposal %d is %s", prefix, o.Proposal, o.Status))
}

func newProposalsCmd(g *Global) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "proposals",
		Short: "Propose changes to the consortium and vote on them",
		Long: `Admitting or removing an organisation, changing a validator's power and
setting the break-glass limits are proposals (propose --action carries any action type). One admin of each member organisation votes for it; a proposal passes when
more than two thirds of the active member organisations approve before its deadline
(a block height), is rejected as soon as it cannot pass, and expires otherwise.
The proposer's organisation votes yes.`,
	}
	list := newListCmd(g, listVerb[client.Proposal]{
		Use:       "list",
		Short:     "List proposals with their status and tally",
		AfterHelp: "list proposals numbered after this one",
		Fetch: func(ctx context.Context, api API, _ []string, after string, limit int) (*client.Page[client.Proposal], error) {
			return api.Proposals(ctx, after, limit)
		},
		Header: "ID\tACTION\tSTATUS\tYES\tNO\tMEMBERS\tDEADLINE\tPROPOSER",
		Row: func(p client.Proposal) string {
			return fmt.Sprintf("%d\t%s\t%s\t%d\t%d\t%d\t%d\t%s", p.ID, p.Action.Type, p.Status, p.Tally.Yes, p.Tally.No, p.Tally.Members, p.Deadline, p.Proposer)
		},
	})
	cmd.AddCommand(list, newProposalsShowCmd(g), newAdmitOrgCmd(g), newRemoveOrgCmd(g), newSetValidatorCmd(g),
		newSetBreakGlassLimitsCmd(g), newProposeActionCmd(g), newVoteCmd(g))
	return cmd
}

type proposalsShowOptions struct{ g *Global }

func newProposalsShowCmd(g *Global) *cobra.Command {
	o := &proposalsShowOptions{g: g}
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show a proposal, its votes and tally",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context(), args[0]) },
	}
}

func (o *proposalsShowOptions) run(ctx context.Context, arg string) error {
	id, err := proposalID(arg)
	if err != nil {
		return err
	}
	p, err := o.g.client().Proposal(ctx, id)
	if err != nil {
		return err
	}
	return o.g.Print(p, func(w io.Writer) { printProposal(w, p) })
}

// proposeVerb is a proposal of one action: the flags every proposal has
// (--title, --deadline), those of the action, and action, which builds it.
func proposeVerb(use, short string, flags func(f *pflag.FlagSet), required []string, action func(g *Global) (client.Action, error)) sendVerb[client.Propose] {
	return sendVerb[client.Propose]{
		Use:   use,
		Short: short,
		Flags: func(f *pflag.FlagSet, m *client.Propose) {
			f.StringVar(&m.Title, "title", "", "a title for the proposal")
			f.Int64Var(&m.Deadline, "deadline", 0, "block height by which it must pass (default: the voting period)")
			flags(f)
		},
		Required: required,
		Parse: func(g *Global, _ []string, m *client.Propose) error {
			a, err := action(g)
			m.Action = a
			return err
		},
		Print: func(w io.Writer, _ *client.Propose, res *client.TxResult) { outcomeLine(w, res, "") },
	}
}

func newAdmitOrgCmd(g *Global) *cobra.Command {
	var a client.AdmitOrg
	var valKey string
	var power int64
	return newSendCmd(g, proposeVerb(
		"admit-org --as ADMIN --id ID --name NAME --kind KIND --admin-key NAME|HEX",
		"Propose admitting an organisation (with its first admin and, optionally, a validator)",
		func(f *pflag.FlagSet) {
			f.StringVar(&a.ID, "id", "", "organisation ID (a-z, 0-9, '-')")
			f.StringVar(&a.Name, "name", "", "display name")
			f.StringVar(&a.Kind, "kind", "", "organisation kind (hospital, clinic, lab, insurer, manufacturer, distributor, pharmacy, blood-centre, medical-board, charity, public-health-agency, university, regulator, device-maker)")
			f.StringVar(&a.Admin, "admin", "admin", "handle of its first admin")
			f.StringVar(&a.AdminKey, "admin-key", "", "public key of its first admin: keystore name or hex")
			f.StringVar(&valKey, "validator-key", "", "hex consensus key of its validator, if it runs one")
			f.Int64Var(&power, "power", 10, "validator power, counted once its node runs (it says so itself when it has caught up)")
		},
		[]string{"id", "name", "kind", "admin-key"},
		func(g *Global) (client.Action, error) {
			pub, err := resolveKey(g, a.AdminKey)
			if err != nil {
				return client.Action{}, err
			}
			admit := a
			admit.AdminKey = pub
			if valKey != "" {
				admit.Validator = &client.ValidatorKey{PublicKey: valKey, Power: power}
			}
			return admit.Action(), nil
		}))
}

func newRemoveOrgCmd(g *Global) *cobra.Command {
	var r client.RemoveOrg
	return newSendCmd(g, proposeVerb(
		"remove-org --as ADMIN --id ID",
		"Propose removing an organisation: its members' keys stop signing, its validator leaves",
		func(f *pflag.FlagSet) { f.StringVar(&r.ID, "id", "", "organisation ID") },
		[]string{"id"},
		func(*Global) (client.Action, error) { return r.Action(), nil }))
}

func newSetValidatorCmd(g *Global) *cobra.Command {
	var s client.SetValidator
	return newSendCmd(g, proposeVerb(
		"set-validator --as ADMIN --org ID --validator-key HEX --power N",
		"Propose setting an organisation's validator key and power (0 removes it)",
		func(f *pflag.FlagSet) {
			f.StringVar(&s.Org, "org", "", "organisation ID")
			f.StringVar(&s.PublicKey, "validator-key", "", "hex consensus public key")
			f.Int64Var(&s.Power, "power", 10, "voting power (0 removes)")
		},
		[]string{"org", "validator-key"},
		func(*Global) (client.Action, error) { return s.Action(), nil }))
}

func newVoteCmd(g *Global) *cobra.Command {
	var reject bool
	return newSendCmd(g, sendVerb[client.Vote]{
		Use:   "vote ID --approve|--reject --as ADMIN",
		Short: "Vote for your organisation on a proposal",
		Args:  cobra.ExactArgs(1),
		Flags: func(f *pflag.FlagSet, m *client.Vote) {
			f.BoolVar(&m.Approve, "approve", false, "vote yes")
			f.BoolVar(&reject, "reject", false, "vote no")
		},
		Parse: func(_ *Global, args []string, m *client.Vote) error {
			id, err := proposalID(args[0])
			if err != nil {
				return err
			}
			if m.Approve == reject {
				return usageErrorf("say --approve or --reject")
			}
			m.Proposal = id
			return nil
		},
		Print: func(w io.Writer, _ *client.Vote, res *client.TxResult) { outcomeLine(w, res, "voted; ") },
	})
}
