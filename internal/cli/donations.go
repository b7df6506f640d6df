package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/medchain/medchain/client"
)

func newDonationsCmd(g *Global) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "donations",
		Short: "Campaigns whose donations count as received only when the goods arrived",
		Long: `Charitable campaigns on the ledger. Hospitals and clinics post needs (units of a
product by GTIN or PPE category, or cash); a charity runs a campaign for them;
organisations and people pledge cash, organisations also goods. Goods travel as
supply shipments: a donation counts as received only as far as supply shows the
beneficiary confirmed goods fit for use (partial receipts counted as such; a cold-chain
excursion, a quarantine or a recall rejects them). Nobody marks anything received by
hand. Cash is disbursed against purchase orders to suppliers and counts as delivered
as the goods it bought arrive.

Amounts are integers in minor units of an ISO 4217 currency (25000 USD is $250.00).

On chain: needs, campaigns, pledges, confirmations of funds, disbursements with the
SHA-256 of their purchase order, shipment links and receipts read from supply. Never a
name or free text: a campaign's description and a purchase order stay off chain, as
their hashes. A person's donations are seen by that person only. See docs/donations.md.`,
	}
	campaigns := newDonationsCampaignsCmd(g)
	campaigns.AddCommand(newDonationsOpenCmd(g), newDonationsCloseCmd(g), newDonationsShowCmd(g))
	cmd.AddCommand(newDonationsNeedCmd(g), campaigns, newDonationsPledgeCmd(g), newDonationsFundsCmd(g),
		newDonationsDisburseCmd(g), newDonationsLinkCmd(g), newDonationsSettleCmd(g),
		newDonationsStatusCmd(g), newDonationsDonorCmd(g), newDonationsExportCmd(g))
	return cmd
}

// hashFile is the SHA-256 (hex) of a file: what the ledger keeps of an
// off-chain document.
func hashFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", usageErrorf("%v", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

func newDonationsNeedCmd(g *Global) *cobra.Command {
	var quiet bool
	cmd := newSendCmd(g, sendVerb[client.PostNeed]{
		Use:   "need (--item ITEM --quantity N | --currency CUR --amount MINOR) --needed-by YYYY-MM-DD [--demand DM] --as MEMBER",
		Short: "Post a need of your hospital or clinic",
		Long: `Post a need, signed by a logistics officer, pharmacist or admin of a hospital or
clinic: units of an item (a GTIN-14 or a PPE category: ` + strings.Join(client.PPECategories, ", ") + `)
or an amount of cash, needed by a date. --demand ties it to one of your supply PPE demands
for the same item. A charity then runs a campaign for it. -q prints only the need ID.`,
		Example: `  medchain donations need --item mask-n95 --quantity 500 --needed-by 2026-12-31 --as general-hospital/pharmacist`,
		Flags: func(f *pflag.FlagSet, m *client.PostNeed) {
			f.StringVar(&m.Item, "item", "", "a GTIN-14 or PPE category")
			f.Int64Var(&m.Quantity, "quantity", 0, "units needed")
			f.StringVar(&m.Currency, "currency", "", "ISO 4217 code, for a cash need")
			f.Int64Var(&m.Amount, "amount", 0, "cash needed, in minor units")
			f.StringVar(&m.NeededBy, "needed-by", "", "date needed by, YYYY-MM-DD")
			f.StringVar(&m.Demand, "demand", "", "your supply PPE demand it stands for (dm-…)")
			f.BoolVarP(&quiet, "quiet", "q", false, "print only the need ID")
		},
		Required: []string{"needed-by"},
		Print: func(w io.Writer, _ *client.PostNeed, res *client.TxResult) {
			printResult(w, res, quiet, func(n *client.Need) string {
				if n.Currency != "" {
					return fmt.Sprintf("need %s: %d %s by %s", n.ID, n.Amount, n.Currency, n.NeededBy)
				}
				return fmt.Sprintf("need %s: %d %s by %s", n.ID, n.Quantity, n.Item, n.NeededBy)
			}, func(n *client.Need) []string { return one(n.ID) })
		},
	})
	return cmd
}

func newDonationsCampaignsCmd(g *Global) *cobra.Command {
	return newListCmd(g, listVerb[client.Campaign]{
		Use:       "campaigns",
		Short:     "List campaigns; open, close and show them",
		Long:      "List campaigns with their cash totals (minor units). Subcommands open, close and show one.",
		Example:   "  medchain donations campaigns\n  medchain donations campaigns show cp-…",
		AfterHelp: "list campaigns after this ID",
		Fetch: func(ctx context.Context, api API, _ []string, after string, limit int) (*client.Page[client.Campaign], error) {
			return api.Campaigns(ctx, after, limit)
		},
		Header: "ID\tCHARITY\tSTATUS\tCLOSES\tNEEDS\tCURRENCY\tRAISED\tFUNDED\tDISBURSED\tDELIVERED",
		Row: func(c client.Campaign) string {
			return fmt.Sprintf("%s\t%s\t%s\t%s\t%d\t%s\t%d\t%d\t%d\t%d", c.ID, c.Charity, c.Status, c.Closes, len(c.Needs), c.Currency, c.Raised, c.Funded, c.Disbursed, c.Delivered)
		},
	})
}

func newDonationsOpenCmd(g *Global) *cobra.Command {
	var quiet bool
	var doc string
	return newSendCmd(g, sendVerb[client.OpenCampaign]{
		Use:   "open --need ND... --currency CUR --closes YYYY-MM-DD [--doc FILE] --as CHARITY-MEMBER",
		Short: "Open a campaign of your charity for needs",
		Long: `Open a campaign, signed by an admin or logistics officer of a charity, for needs
posted by hospitals and clinics (each in no other campaign), in one currency, taking
pledges until --closes. --doc FILE puts the SHA-256 of the campaign's description on
the ledger; the text stays with you. -q prints only the campaign ID.`,
		Example: `  medchain donations campaigns open --need nd-… --currency USD --closes 2026-12-31 --doc appeal.md --as relief/admin`,
		Flags: func(f *pflag.FlagSet, m *client.OpenCampaign) {
			f.StringSliceVar(&m.Needs, "need", nil, "a need (nd-…); repeat or comma-separate")
			f.StringVar(&m.Currency, "currency", "", "ISO 4217 code of the campaign's cash")
			f.StringVar(&m.Closes, "closes", "", "last day pledges are taken, YYYY-MM-DD")
			f.StringVar(&doc, "doc", "", "a file describing the campaign (only its SHA-256 goes on chain)")
			f.BoolVarP(&quiet, "quiet", "q", false, "print only the campaign ID")
		},
		Required: []string{"need", "currency", "closes"},
		Parse: func(_ *Global, _ []string, m *client.OpenCampaign) (err error) {
			if doc != "" {
				m.Doc, err = hashFile(doc)
			}
			return err
		},
		Print: func(w io.Writer, _ *client.OpenCampaign, res *client.TxResult) {
			printResult(w, res, quiet, func(c *client.Campaign) string {
				return fmt.Sprintf("campaign %s of %s: %d needs, %s, pledges until %s", c.ID, c.Charity, len(c.Needs), c.Currency, c.Closes)
			}, func(c *client.Campaign) []string { return one(c.ID) })
		},
	})
}

func newDonationsCloseCmd(g *Global) *cobra.Command {
	return newSendCmd(g, sendVerb[client.CloseCampaign]{
		Use:     "close CAMPAIGN --as CHARITY-MEMBER",
		Short:   "Close a campaign to pledges",
		Long:    "Close a campaign of your charity to pledges; disbursements and deliveries go on.",
		Example: "  medchain donations campaigns close cp-… --as relief/admin",
		Args:    cobra.ExactArgs(1),
		Parse:   func(_ *Global, args []string, m *client.CloseCampaign) error { m.Campaign = args[0]; return nil },
		Print: func(w io.Writer, m *client.CloseCampaign, res *client.TxResult) {
			txLine(w, res, "closed "+m.Campaign)
		},
	})
}

func newDonationsShowCmd(g *Global) *cobra.Command {
	return newShowCmd(g, showVerb[client.CampaignLedger]{
		Use:   "show CAMPAIGN",
		Short: "A campaign's public ledger",
		Long: `Show a campaign's ledger: cash raised, funded, disbursed and delivered, then per
beneficiary and item what was committed (pledged or bought), shipped, received fit for
use, rejected and is outstanding, with LATE for a need that had deliveries after its
date or is past it with goods outstanding; then its shipments and their receipts.`,
		Args:  cobra.ExactArgs(1),
		Fetch: byID(API.CampaignLedger),
		Text: func(w io.Writer, l *client.CampaignLedger) {
			c := l.Campaign
			fmt.Fprintf(w, "campaign   %s by %s (%s), pledges until %s\ncash (%s)  raised %d, funded %d, disbursed %d, delivered %d, available %d\n",
				c.ID, c.Charity, c.Status, c.Closes, c.Currency, c.Raised, c.Funded, c.Disbursed, c.Delivered, l.Available)
			table(w, "NEED\tBENEFICIARY\tITEM\tNEEDED BY\tTARGET\tCOMMITTED\tSHIPPED\tRECEIVED\tREJECTED\tOUTSTANDING\tLATE", func(tw io.Writer) {
				for _, n := range l.Lines {
					late := ""
					if n.Late {
						late = "LATE"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", n.Need, n.Beneficiary, n.Item+n.Currency, n.NeededBy,
						n.Target, n.Committed, n.Shipped, n.Received, n.Rejected, n.Outstanding, late)
				}
			})
			fmt.Fprintln(w)
			shipmentTable(w, l.Shipments)
		},
	})
}

// shipmentTable prints linked shipments and their receipts.
func shipmentTable(w io.Writer, ls []client.ShipmentLink) {
	if len(ls) == 0 {
		return
	}
	table(w, "SHIPMENT\tFOR\tFROM\tTO\tUNITS\tRECEIPT", func(tw io.Writer) {
		for _, l := range ls {
			r := "in transit (or not read: donations settle)"
			if rc := l.Receipt; rc != nil {
				r = fmt.Sprintf("%d accepted, %d quarantined, %d recalled, %d missing; cold chain %s", rc.Accepted, rc.Quarantined, rc.Recalled, rc.Missing, rc.ColdChain)
				if rc.Late {
					r += "; LATE"
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", l.Shipment, l.Of, l.From, l.Beneficiary, l.Units, r)
		}
	})
}

func newDonationsPledgeCmd(g *Global) *cobra.Command {
	var quiet bool
	return newSendCmd(g, sendVerb[client.Donate]{
		Use:   "pledge CAMPAIGN (--amount MINOR --currency CUR | --need ND --quantity N [--gtin GTIN]) --as DONOR",
		Short: "Pledge cash to a campaign, or goods to one of its needs",
		Long: `Pledge to a campaign that is open. Cash: --amount in minor units and --currency, the
campaign's. Goods (organisations only): --need and --quantity, and --gtin for a need of a
PPE category. Sign as a person (your patient key: your pledge is private to you) or as an
admin or logistics officer of your organisation. -q prints only the donation ID.`,
		Example: `  medchain donations pledge cp-… --amount 25000 --currency USD --as alice
  medchain donations pledge cp-… --need nd-… --quantity 100 --gtin 09506000134390 --as acme/logistics`,
		Args: cobra.ExactArgs(1),
		Flags: func(f *pflag.FlagSet, m *client.Donate) {
			f.Int64Var(&m.Amount, "amount", 0, "cash, in minor units")
			f.StringVar(&m.Currency, "currency", "", "ISO 4217 code")
			f.StringVar(&m.Need, "need", "", "the need goods are for (nd-…)")
			f.Int64Var(&m.Quantity, "quantity", 0, "units of goods")
			f.StringVar(&m.GTIN, "gtin", "", "the product shipped")
			f.BoolVarP(&quiet, "quiet", "q", false, "print only the donation ID")
		},
		Parse: func(_ *Global, args []string, m *client.Donate) error { m.Campaign = args[0]; return nil },
		Print: func(w io.Writer, m *client.Donate, res *client.TxResult) {
			printResult(w, res, quiet, func(c *client.Created) string {
				if m.Need != "" {
					return fmt.Sprintf("donation %s: %d units for %s", c.ID, m.Quantity, m.Need)
				}
				return fmt.Sprintf("donation %s: %d %s to %s", c.ID, m.Amount, m.Currency, m.Campaign)
			}, func(c *client.Created) []string { return one(c.ID) })
		},
	})
}

func newDonationsFundsCmd(g *Global) *cobra.Command {
	return newSendCmd(g, sendVerb[client.ConfirmFunds]{
		Use:     "funds DONATION --as CHARITY-MEMBER",
		Short:   "Confirm your charity received a cash pledge's funds",
		Long:    "Confirm that the funds of a cash pledge arrived (IATI incoming funds): from then on they may be disbursed, first confirmed first spent.",
		Example: "  medchain donations funds dn-… --as relief/admin",
		Args:    cobra.ExactArgs(1),
		Parse:   func(_ *Global, args []string, m *client.ConfirmFunds) error { m.Donation = args[0]; return nil },
		Print: func(w io.Writer, m *client.ConfirmFunds, res *client.TxResult) {
			txLine(w, res, "funds of "+m.Donation+" confirmed")
		},
	})
}

func newDonationsDisburseCmd(g *Global) *cobra.Command {
	var quiet bool
	var po string
	return newSendCmd(g, sendVerb[client.Disburse]{
		Use:   "disburse CAMPAIGN --need ND --supplier ORG --amount MINOR --currency CUR --gtin GTIN --quantity N --po FILE --as CHARITY-MEMBER",
		Short: "Pay a supplier against a purchase order for a need",
		Long: `Disburse a campaign's confirmed funds to a manufacturer or distributor against a
purchase order for --quantity units of --gtin to be shipped to the need's beneficiary.
--po FILE puts the purchase order's SHA-256 on the ledger; the document stays with you.
Refused beyond the funds left (over-disbursement) or what the need lacks. The cash
counts as delivered as the goods arrive. -q prints only the disbursement ID.`,
		Example: "  medchain donations disburse cp-… --need nd-… --supplier swift --amount 40000 --currency USD --gtin 09506000134390 --quantity 400 --po po-17.pdf --as relief/admin",
		Args:    cobra.ExactArgs(1),
		Flags: func(f *pflag.FlagSet, m *client.Disburse) {
			f.StringVar(&m.Need, "need", "", "the need (nd-…)")
			f.StringVar(&m.Supplier, "supplier", "", "the manufacturer or distributor paid")
			f.Int64Var(&m.Amount, "amount", 0, "cash, in minor units")
			f.StringVar(&m.Currency, "currency", "", "ISO 4217 code")
			f.StringVar(&m.GTIN, "gtin", "", "the product bought")
			f.Int64Var(&m.Quantity, "quantity", 0, "units bought")
			f.StringVar(&po, "po", "", "the purchase order file (only its SHA-256 goes on chain)")
			f.BoolVarP(&quiet, "quiet", "q", false, "print only the disbursement ID")
		},
		Required: []string{"need", "supplier", "amount", "currency", "gtin", "quantity", "po"},
		Parse: func(_ *Global, args []string, m *client.Disburse) (err error) {
			m.Campaign = args[0]
			m.PO, err = hashFile(po)
			return err
		},
		Print: func(w io.Writer, m *client.Disburse, res *client.TxResult) {
			printResult(w, res, quiet, func(c *client.Created) string {
				return fmt.Sprintf("disbursement %s: %d %s to %s for %d of %s", c.ID, m.Amount, m.Currency, m.Supplier, m.Quantity, m.GTIN)
			}, func(c *client.Created) []string { return one(c.ID) })
		},
	})
}

func newDonationsLinkCmd(g *Global) *cobra.Command {
	return newSendCmd(g, sendVerb[client.LinkShipment]{
		Use:   "link DONATION|DISBURSEMENT --shipment SH --as MEMBER",
		Short: "Tie a supply shipment to the donation or purchase it carries",
		Long: `Tie a supply shipment to the goods donation (dn-…) or disbursement (db-…) whose goods
it carries, signed by a member of the shipper or of the charity. The shipment must go to
the need's beneficiary. If the beneficiary has confirmed it already, its receipt is read
at once.`,
		Example: "  medchain donations link dn-… --shipment sh-… --as acme/logistics",
		Args:    cobra.ExactArgs(1),
		Flags: func(f *pflag.FlagSet, m *client.LinkShipment) {
			f.StringVar(&m.Shipment, "shipment", "", "the supply shipment (sh-…)")
		},
		Required: []string{"shipment"},
		Parse:    func(_ *Global, args []string, m *client.LinkShipment) error { m.Of = args[0]; return nil },
		Print:    func(w io.Writer, _ *client.LinkShipment, res *client.TxResult) { printLink(w, res) },
	})
}

func newDonationsSettleCmd(g *Global) *cobra.Command {
	return newSendCmd(g, sendVerb[client.Settle]{
		Use:   "settle SHIPMENT --as PARTY",
		Short: "Read a linked shipment's receipt from supply",
		Long: `Read what arrived of a linked shipment from supply, once the beneficiary confirmed it
there (supply receive): units accepted, quarantined (cold-chain excursion), recalled and
missing, and whether it came after the need's date. Signed by the donor or a member of
the charity, shipper or beneficiary. Nobody can claim a receipt: it is read.`,
		Example: "  medchain donations settle sh-… --as general-hospital/pharmacist",
		Args:    cobra.ExactArgs(1),
		Parse:   func(_ *Global, args []string, m *client.Settle) error { m.Shipment = args[0]; return nil },
		Print:   func(w io.Writer, _ *client.Settle, res *client.TxResult) { printLink(w, res) },
	})
}

func printLink(w io.Writer, res *client.TxResult) {
	printResult(w, res, false, func(l *client.ShipmentLink) string {
		if rc := l.Receipt; rc != nil {
			return fmt.Sprintf("shipment %s for %s: %d accepted, %d quarantined, %d recalled, %d missing of %d", l.Shipment, l.Of, rc.Accepted, rc.Quarantined, rc.Recalled, rc.Missing, l.Units)
		}
		return fmt.Sprintf("shipment %s carries %d units for %s (in transit)", l.Shipment, l.Units, l.Of)
	}, nil)
}

func newDonationsStatusCmd(g *Global) *cobra.Command {
	var prove bool
	var proven string
	var trust trustOptions
	return newShowCmd(g, showVerb[client.GiftStatus]{
		Use:   "status DONATION [--prove]",
		Short: "Where a donation stands, with its proof of receipt",
		Long: `Show where a donation stands: pledged, funded, committed (cash spent on a purchase
order), shipped, partly received, received or rejected, with the shipments that carry it
and their receipts. A person's donation is shown only to that person: sign with --as.
--prove adds the Merkle proofs of the donation, its links and the supply shipments
(kept with --output json) and verifies each against the header after its state: one you
trust (--trust-height, --trust-hash), else the node's own.`,
		Args:   cobra.ExactArgs(1),
		Access: readEither,
		Flags: func(f *pflag.FlagSet) {
			proveFlags(f, &prove, "prove the donation's receipt", &trust)
		},
		Fetch: func(ctx context.Context, api API, args []string) (*client.GiftStatus, error) {
			var opts []client.ReadOption
			var p *prover
			if prove {
				var err error
				if p, err = newProver(g, &trust); err != nil {
					return nil, err
				}
				opts = append(opts, client.WithProof())
			}
			s, err := api.DonationStatus(ctx, args[0], opts...)
			if err != nil || p == nil {
				return s, err
			}
			proofs := make([]*client.Proof, len(s.Proofs))
			for i := range s.Proofs {
				proofs[i] = &s.Proofs[i]
			}
			if proven, err = p.verify(ctx, "donation "+args[0], proofs...); err != nil {
				return nil, err
			}
			return s, nil
		},
		Text: func(w io.Writer, s *client.GiftStatus) {
			d := s.Donation
			what := fmt.Sprintf("%d %s", d.Amount, d.Currency)
			if d.Kind == "goods" {
				what = fmt.Sprintf("%d of %s for %s", d.Quantity, d.GTIN, d.Need)
			}
			fmt.Fprintf(w, "donation   %s to %s by %s (%s)\ngift       %s %s\nstage      %s\ndelivered  %d\n", d.ID, d.Campaign, d.Donor, d.DonorKind, d.Kind, what, s.Stage, d.Delivered)
			shipmentTable(w, s.Shipments)
			for _, sc := range s.Spent {
				b := sc.Disbursement
				fmt.Fprintf(w, "\nspent %d of it on %s: %d %s to %s for %d of %s; %d delivered\n", sc.Amount, b.ID, b.Amount, b.Currency, b.Supplier, b.Quantity, b.GTIN, sc.Delivered)
				shipmentTable(w, sc.Shipments)
			}
			if proven != "" {
				fmt.Fprintln(w)
				printProven(w, proven)
			}
		},
	})
}

func newDonationsDonorCmd(g *Global) *cobra.Command {
	return newShowCmd(g, showVerb[client.Page[client.Gift]]{
		Use:   "donor DONOR",
		Short: "A donor's donations",
		Long: `List an organisation's donations (by its ID), or a person's (by patient ID or
keystore name; signed with --as by that person).`,
		Args:   cobra.ExactArgs(1),
		Access: readEither,
		Fetch: func(ctx context.Context, api API, args []string) (*client.Page[client.Gift], error) {
			donor := args[0]
			if ks, err := openKeystore(g); err == nil && !strings.HasPrefix(donor, "pt-") {
				// A keystore name of a patient (alice) names that person.
				if e, err := ks.Get(donor); err == nil && strings.HasPrefix(e.Identity, "pt-") {
					donor = e.Identity
				}
			}
			return api.DonorGifts(ctx, donor)
		},
		Text: func(w io.Writer, p *client.Page[client.Gift]) {
			table(w, "DONATION\tCAMPAIGN\tKIND\tAMOUNT\tQUANTITY\tDELIVERED", func(tw io.Writer) {
				for _, d := range p.Items {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%d %s\t%d\t%d\n", d.ID, d.Campaign, d.Kind, d.Amount, d.Currency, d.Quantity, d.Delivered)
				}
			})
		},
	})
}

func newDonationsExportCmd(g *Global) *cobra.Command {
	var format string
	cmd := verbCmd("export CAMPAIGN [--format json|csv]", "Export a campaign in IATI terms",
		`Export a campaign as an IATI activity: transactions typed by the IATI TransactionType
codelist (1 incoming funds, 2 outgoing commitment, 3 disbursement, 11 incoming
commitment of goods in kind, 13 incoming pledge), values in minor units. --format csv
writes a header row and a row per transaction.`,
		"  medchain donations export cp-… --format csv > campaign.csv",
		cobra.ExactArgs(1), func(ctx context.Context, args []string) error {
			switch format {
			case "csv":
				b, err := g.client().CampaignIATICSV(ctx, args[0])
				if err != nil {
					return err
				}
				_, err = g.Out.Write(b)
				return err
			case "json":
				a, err := g.client().CampaignIATI(ctx, args[0])
				if err != nil {
					return err
				}
				g.Output = "json"
				return g.Print(a, nil)
			}
			return usageErrorf("--format must be json or csv, not %q", format)
		})
	cmd.Flags().StringVar(&format, "format", "json", "json or csv")
	return cmd
}
