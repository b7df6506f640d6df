package cli

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medchain/medchain/client"
)

// ---- products ----

type productRegisterOptions struct {
	g                     *Global
	gtin, ndc, name, kind string
	min, max              string
}

func newSupplyProductRegisterCmd(g *Global) *cobra.Command {
	o := &productRegisterOptions{g: g}
	cmd := &cobra.Command{
		Use:   "register --as QUALITY-OFFICER --gtin GTIN --name NAME --kind KIND [--min C --max C]",
		Short: "Register a product of your organisation, with its storage temperature range",
		Long: `Register a product of the signer's organisation (a manufacturer, device maker or
blood centre), signed by its admin or quality officer. --kind is one of
` + strings.Join(client.ProductKinds, ", ") + `. --min and --max are the storage range in °C
(for a cold-chain product): a sensor reading outside it quarantines what it covers.

On chain: the GTIN, NDC, name, kind, the range in milli-°C and the manufacturer.

Example:
  medchain supply products register --as pharmaco-quality --gtin 09506000134352 \
      --name "FluVax 0.5 ml" --kind vaccine --min 2 --max 8`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	f := cmd.Flags()
	f.StringVar(&o.gtin, "gtin", "", "the product's GTIN-14")
	f.StringVar(&o.name, "name", "", "the product's name")
	f.StringVar(&o.kind, "kind", "", "kind: "+strings.Join(client.ProductKinds, ", "))
	f.StringVar(&o.ndc, "ndc", "", "National Drug Code, if any")
	f.StringVar(&o.min, "min", "", "lowest storage temperature, °C")
	f.StringVar(&o.max, "max", "", "highest storage temperature, °C")
	for _, n := range []string{"gtin", "name", "kind"} {
		cmd.MarkFlagRequired(n)
	}
	return cmd
}

func (o *productRegisterOptions) run(cmd *cobra.Command) error {
	msg := client.RegisterProduct{GTIN: o.gtin, NDC: o.ndc, Name: o.name, Kind: o.kind}
	if (o.min == "") != (o.max == "") {
		return errors.New("give both --min and --max, or neither (no cold chain)")
	}
	if o.min != "" {
		var err error
		if msg.MinMilliC, err = parseMilliC(o.min); err != nil {
			return fmt.Errorf("--min: %w", err)
		}
		if msg.MaxMilliC, err = parseMilliC(o.max); err != nil {
			return fmt.Errorf("--max: %w", err)
		}
	}
	res, err := send(cmd, o.g, msg)
	if err != nil {
		return err
	}
	return printTx(o.g, res, fmt.Sprintf("registered %s %q (%s, storage %s)", o.gtin, o.name, o.kind, celsiusRange(msg.MinMilliC, msg.MaxMilliC)))
}

func newSupplyProductShowCmd(g *Global) *cobra.Command {
	return &cobra.Command{
		Use:   "show GTIN",
		Short: "Show a registered product",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := g.client().Product(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.Print(p, func(w io.Writer) {
				fmt.Fprintf(w, "gtin          %s\nname          %s\nkind          %s\nmanufacturer  %s\nstorage       %s\nregistered    height %d\n",
					p.GTIN, p.Name, p.Kind, p.Manufacturer, celsiusRange(p.MinMilliC, p.MaxMilliC), p.Height)
				if p.NDC != "" {
					fmt.Fprintf(w, "ndc           %s\n", p.NDC)
				}
			})
		},
	}
}

// ---- commission ----

type commissionOptions struct {
	g       *Global
	expiry  string
	serials []string
	rng     string
	quiet   bool
}

func newSupplyCommissionCmd(g *Global) *cobra.Command {
	o := &commissionOptions{g: g}
	cmd := &cobra.Command{
		Use:   "commission GTIN LOT --expiry YYYY-MM-DD (--serials S1,S2 | --range PREFIX:START:COUNT:WIDTH) --as MEMBER",
		Short: "Commission serialised units of a lot of your product",
		Long: `Create serialised units of a lot (created on first use) of a product of the
signer's organisation. The serials are a list (--serials) or a numeric range
(--range PREFIX:START:COUNT:WIDTH: SN:1:100:6 is SN000001 to SN000100); at most
` + strconv.Itoa(client.MaxCommission) + ` a transaction. Each unit's ID is 01/<GTIN>/21/<serial>.

On chain: the lot (GTIN, lot number, expiry, manufacturer) and one item per
serial, active and held by the manufacturer.

-q prints the new item IDs, one a line.

Example:
  medchain supply commission 09506000134352 FLU-24A --expiry 2030-06-30 --range VX:1:4:4 --as pharmaco-quality`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args[0], args[1]) },
	}
	f := cmd.Flags()
	f.StringVar(&o.expiry, "expiry", "", "expiry date of the lot, YYYY-MM-DD")
	f.StringSliceVar(&o.serials, "serials", nil, "serial numbers, comma separated")
	f.StringVar(&o.rng, "range", "", "a numeric range of serials, PREFIX:START:COUNT:WIDTH")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print only the item IDs")
	cmd.MarkFlagRequired("expiry")
	return cmd
}

func (o *commissionOptions) run(cmd *cobra.Command, gtin, lot string) error {
	s, err := parseSerials(o.serials, o.rng)
	if err != nil {
		return err
	}
	res, err := send(cmd, o.g, client.Commission{GTIN: gtin, Lot: lot, Expiry: o.expiry, Serials: s})
	if err != nil {
		return err
	}
	serials := s.Expand()
	ids := make([]string, len(serials))
	for i, sn := range serials {
		ids[i] = client.UnitID(gtin, sn)
	}
	if o.quiet && !o.g.JSON() {
		printIDs(o.g.Out, ids...)
		return nil
	}
	what := fmt.Sprintf("commissioned %d units of %s lot %s, expiring %s: %s", len(ids), gtin, lot, o.expiry, ids[0])
	if len(ids) > 1 {
		what += " … " + ids[len(ids)-1]
	}
	return printTx(o.g, res, what)
}

// ---- pack, unpack ----

func newSupplyPackCmd(g *Global, unpack bool) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pack CONTAINER ITEM... --as MEMBER",
		Short: "Pack items into a case or pallet (an SSCC, created on first use)",
		Long: `Pack items the signer's organisation holds into a container: a logistic unit
named by its SSCC (00/<SSCC-18> or (00)<SSCC-18>), created on first use, or a
commissioned unit that holds others. From then on the container stands for its
contents: ship it, and everything in it travels; scan a pack inside, and the scan
follows the container's custody and cold chain.

On chain: the container and the parent of each item.

Example:
  medchain supply pack 00/006141410000010004 01/09506000134352/21/VX0001 01/09506000134352/21/VX0002 --as pharmaco-quality`,
		Args: cobra.MinimumNArgs(2),
	}
	if unpack {
		cmd.Use = "unpack CONTAINER [ITEM...] --as MEMBER"
		cmd.Short = "Take items out of a container (all of them if none is named)"
		cmd.Long = `Take items out of a container the signer's organisation holds: those named, or
all of them. They keep the container's custodian and, if it was quarantined, its
quarantine.

On chain: each item's parent is cleared.

Example:
  medchain supply unpack 00/006141410000010004 --as medsupply-logistics`
		cmd.Args = cobra.MinimumNArgs(1)
	}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ids, err := itemIDs(args)
		if err != nil {
			return err
		}
		if unpack {
			res, err := send(cmd, g, client.Unpack{Parent: ids[0], Children: ids[1:]})
			if err != nil {
				return err
			}
			what := "unpacked " + ids[0]
			if len(ids) > 1 {
				what = fmt.Sprintf("took %d items out of %s", len(ids)-1, ids[0])
			}
			return printTx(g, res, what)
		}
		res, err := send(cmd, g, client.Pack{Parent: ids[0], Children: ids[1:]})
		if err != nil {
			return err
		}
		return printTx(g, res, fmt.Sprintf("packed %d items into %s", len(ids)-1, ids[0]))
	}
	return cmd
}
