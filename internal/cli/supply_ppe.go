package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medchain/medchain/client"
)

// ---- PPE ----

type demandOptions struct {
	g                      *Global
	item, neededBy, region string
	quantity               int64
	quiet                  bool
}

func newSupplyDemandCmd(g *Global) *cobra.Command {
	o := &demandOptions{g: g}
	cmd := &cobra.Command{
		Use:   "demand --item ITEM --quantity N --needed-by YYYY-MM-DD --region REGION --as MEMBER",
		Short: "Post PPE demand for your hospital or clinic",
		Long: `Post demand for PPE, signed by a logistics officer, pharmacist or admin of a
hospital or clinic. --item is the GTIN of a registered PPE product or a category:
` + strings.Join(client.PPECategories, ", ") + `. --region is an ISO 3166-2 code (US-MA) or
a country code. Suppliers pledge against it (supply pledge) and ship with --pledge;
the demand closes when what was received reaches the quantity.

On chain: the demand (ID dm-…, organisation, item, quantity, date, region) and the
running totals of supply shortages. -q prints only the demand ID.

Example:
  medchain supply demand --item mask-n95 --quantity 500 --needed-by 2026-12-31 --region US-MA --as hospital-pharmacist`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := send(cmd, g, client.PostDemand{Item: o.item, Quantity: o.quantity, NeededBy: o.neededBy, Region: o.region})
			if err != nil {
				return err
			}
			var d client.Demand
			if err := res.Decode(&d); err != nil {
				return err
			}
			if o.quiet && !g.JSON() {
				printIDs(g.Out, d.ID)
				return nil
			}
			return printTx(g, res, fmt.Sprintf("demand %s: %d %s in %s by %s", d.ID, d.Quantity, d.Item, d.Region, d.NeededBy))
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.item, "item", "", "a PPE GTIN or category ("+strings.Join(client.PPECategories, ", ")+")")
	f.Int64Var(&o.quantity, "quantity", 0, "units needed")
	f.StringVar(&o.neededBy, "needed-by", "", "date needed by, YYYY-MM-DD")
	f.StringVar(&o.region, "region", "", "ISO 3166-2 region (US-MA) or country code")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print only the demand ID")
	for _, n := range []string{"item", "quantity", "needed-by", "region"} {
		cmd.MarkFlagRequired(n)
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "show DEMAND",
		Short: "Show a demand and the pledges against it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := g.client().Demand(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.Print(d, func(w io.Writer) {
				fmt.Fprintf(w, "demand     %s by %s (%s)\nitem       %s\nregion     %s\nneeded by  %s\nquantity   %d: %d pledged, %d delivered\nstatus     %s\n",
					d.ID, d.Org, d.By, d.Item, d.Region, d.NeededBy, d.Quantity, d.Pledged, d.Delivered, d.Status)
				table(w, "PLEDGE\tSUPPLIER\tGTIN\tQUANTITY\tIN TRANSIT\tDELIVERED", func(tw io.Writer) {
					for _, p := range d.Pledges {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\n", p.ID, p.Supplier, p.GTIN, p.Quantity, p.InTransit, p.Delivered)
					}
				})
			})
		},
	})
	return cmd
}

func newSupplyPledgeCmd(g *Global) *cobra.Command {
	var quantity int64
	var gtin string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "pledge DEMAND --quantity N [--gtin GTIN] --as LOGISTICS",
		Short: "Pledge PPE against a demand",
		Long: `Pledge units against an open demand, signed by a logistics officer or admin of
a manufacturer or distributor. For a category demand, --gtin names the registered PPE
product you will ship. Pledges never add up to more than the demand. Fulfil the
pledge with supply ship --pledge PLEDGE --to the demanding organisation.

On chain: the pledge (ID pl-…, supplier, GTIN, quantity) and the demand's pledged
total. -q prints only the pledge ID.

Example:
  medchain supply pledge dm-… --quantity 200 --gtin 09506000134369 --as pharmaco-quality`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := send(cmd, g, client.MakePledge{Demand: args[0], Quantity: quantity, GTIN: gtin})
			if err != nil {
				return err
			}
			var p client.Pledge
			if err := res.Decode(&p); err != nil {
				return err
			}
			if quiet && !g.JSON() {
				printIDs(g.Out, p.ID)
				return nil
			}
			return printTx(g, res, fmt.Sprintf("pledge %s: %d units of %s against %s", p.ID, p.Quantity, p.GTIN, p.Demand))
		},
	}
	cmd.Flags().Int64Var(&quantity, "quantity", 0, "units pledged")
	cmd.Flags().StringVar(&gtin, "gtin", "", "the PPE product shipped (required for a category demand)")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print only the pledge ID")
	cmd.MarkFlagRequired("quantity")
	return cmd
}

func newSupplyDemandsCmd(g *Global) *cobra.Command {
	var item, region string
	cmd := &cobra.Command{
		Use:   "demands [--item ITEM] [--region REGION]",
		Short: "List open PPE demand",
		Long: `List the open demands, for an item (a PPE GTIN or category) or all, in a region
or all: who needs how many by when, and how much is pledged and delivered.

Example:
  medchain supply demands --item mask-n95 --region US-MA`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			page, err := g.client().Demands(cmd.Context(), item, region)
			if err != nil {
				return err
			}
			return g.Print(page, func(w io.Writer) {
				table(w, "ID\tORG\tITEM\tREGION\tNEEDED BY\tQUANTITY\tPLEDGED\tDELIVERED\tSTATUS", func(tw io.Writer) {
					for _, d := range page.Items {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\n", d.ID, d.Org, d.Item, d.Region, d.NeededBy, d.Quantity, d.Pledged, d.Delivered, d.Status)
					}
				})
			})
		},
	}
	cmd.Flags().StringVar(&item, "item", "", "a PPE GTIN or category (default: all)")
	cmd.Flags().StringVar(&region, "region", "", "a region (default: all)")
	return cmd
}

func newSupplyShortagesCmd(g *Global) *cobra.Command {
	var item, region string
	cmd := &cobra.Command{
		Use:   "shortages [--item ITEM] [--region REGION]",
		Short: "PPE supply and demand per item and region",
		Long: `Show PPE supply and demand per item and region: units demanded, pledged and
delivered over every demand posted there, and what open demands still lack (OPEN).
--item and --region filter.

Example:
  medchain supply shortages --region US-MA`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			page, err := g.client().Shortages(cmd.Context(), item, region)
			if err != nil {
				return err
			}
			return g.Print(page, func(w io.Writer) {
				table(w, "ITEM\tREGION\tDEMANDED\tPLEDGED\tDELIVERED\tOPEN", func(tw io.Writer) {
					for _, s := range page.Items {
						fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\n", s.Item, s.Region, s.Demanded, s.Pledged, s.Delivered, s.Open)
					}
				})
			})
		},
	}
	cmd.Flags().StringVar(&item, "item", "", "a PPE GTIN or category (default: all)")
	cmd.Flags().StringVar(&region, "region", "", "a region (default: all)")
	return cmd
}
