package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/medchain/medchain/client"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// ---- PPE ----

func newSupplyDemandCmd(g *Global) *cobra.Command {
	var quiet bool
	cmd := newSendCmd(g, sendVerb[client.PostDemand]{
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
		Flags: func(f *pflag.FlagSet, m *client.PostDemand) {
			f.StringVar(&m.Item, "item", "", "a PPE GTIN or category ("+strings.Join(client.PPECategories, ", ")+")")
			f.Int64Var(&m.Quantity, "quantity", 0, "units needed")
			f.StringVar(&m.NeededBy, "needed-by", "", "date needed by, YYYY-MM-DD")
			f.StringVar(&m.Region, "region", "", "ISO 3166-2 region (US-MA) or country code")
			f.BoolVarP(&quiet, "quiet", "q", false, "print only the demand ID")
		},
		Required: []string{"item", "quantity", "needed-by", "region"},
		Print: func(w io.Writer, _ *client.PostDemand, res *client.TxResult) {
			printResult(w, res, quiet, func(d *client.Demand) string {
				return fmt.Sprintf("demand %s: %d %s in %s by %s", d.ID, d.Quantity, d.Item, d.Region, d.NeededBy)
			}, func(d *client.Demand) []string { return one(d.ID) })
		},
	})
	cmd.AddCommand(newSupplyDemandShowCmd(g))
	return cmd
}

func newSupplyDemandShowCmd(g *Global) *cobra.Command {
	return newShowCmd(g, showVerb[client.DemandInfo]{
		Use:   "show DEMAND",
		Short: "Show a demand and the pledges against it",
		Args:  cobra.ExactArgs(1),
		Fetch: byID(API.Demand),
		Text: func(w io.Writer, d *client.DemandInfo) {
			fmt.Fprintf(w, "demand     %s by %s (%s)\nitem       %s\nregion     %s\nneeded by  %s\nquantity   %d: %d pledged, %d delivered\nstatus     %s\n",
				d.ID, d.Org, d.By, d.Item, d.Region, d.NeededBy, d.Quantity, d.Pledged, d.Delivered, d.Status)
			table(w, "PLEDGE\tSUPPLIER\tGTIN\tQUANTITY\tIN TRANSIT\tDELIVERED", func(tw io.Writer) {
				for _, p := range d.Pledges {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\n", p.ID, p.Supplier, p.GTIN, p.Quantity, p.InTransit, p.Delivered)
				}
			})
		},
	})
}

func newSupplyPledgeCmd(g *Global) *cobra.Command {
	var quiet bool
	return newSendCmd(g, sendVerb[client.MakePledge]{
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
		Flags: func(f *pflag.FlagSet, m *client.MakePledge) {
			f.Int64Var(&m.Quantity, "quantity", 0, "units pledged")
			f.StringVar(&m.GTIN, "gtin", "", "the PPE product shipped (required for a category demand)")
			f.BoolVarP(&quiet, "quiet", "q", false, "print only the pledge ID")
		},
		Required: []string{"quantity"},
		Parse: func(_ *Global, args []string, m *client.MakePledge) error {
			m.Demand = args[0]
			return nil
		},
		Print: func(w io.Writer, _ *client.MakePledge, res *client.TxResult) {
			printResult(w, res, quiet, func(p *client.Pledge) string {
				return fmt.Sprintf("pledge %s: %d units of %s against %s", p.ID, p.Quantity, p.GTIN, p.Demand)
			}, func(p *client.Pledge) []string { return one(p.ID) })
		},
	})
}

// ppeFilters binds --item and --region, the filters of the PPE listings.
func ppeFilters(item, region *string) func(f *pflag.FlagSet) {
	return func(f *pflag.FlagSet) {
		f.StringVar(item, "item", "", "a PPE GTIN or category (default: all)")
		f.StringVar(region, "region", "", "a region (default: all)")
	}
}

func newSupplyDemandsCmd(g *Global) *cobra.Command {
	var item, region string
	return newShowCmd(g, showVerb[client.Page[client.Demand]]{
		Use:   "demands [--item ITEM] [--region REGION]",
		Short: "List open PPE demand",
		Long: `List the open demands, for an item (a PPE GTIN or category) or all, in a region
or all: who needs how many by when, and how much is pledged and delivered.

Example:
  medchain supply demands --item mask-n95 --region US-MA`,
		Flags: ppeFilters(&item, &region),
		Fetch: func(ctx context.Context, api API, _ []string) (*client.Page[client.Demand], error) {
			return api.Demands(ctx, item, region)
		},
		Text: func(w io.Writer, page *client.Page[client.Demand]) {
			table(w, "ID\tORG\tITEM\tREGION\tNEEDED BY\tQUANTITY\tPLEDGED\tDELIVERED\tSTATUS", func(tw io.Writer) {
				for _, d := range page.Items {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\n", d.ID, d.Org, d.Item, d.Region, d.NeededBy, d.Quantity, d.Pledged, d.Delivered, d.Status)
				}
			})
		},
	})
}

func newSupplyShortagesCmd(g *Global) *cobra.Command {
	var item, region string
	return newShowCmd(g, showVerb[client.Page[client.Shortage]]{
		Use:   "shortages [--item ITEM] [--region REGION]",
		Short: "PPE supply and demand per item and region",
		Long: `Show PPE supply and demand per item and region: units demanded, pledged and
delivered over every demand posted there, and what open demands still lack (OPEN).
--item and --region filter.

Example:
  medchain supply shortages --region US-MA`,
		Flags: ppeFilters(&item, &region),
		Fetch: func(ctx context.Context, api API, _ []string) (*client.Page[client.Shortage], error) {
			return api.Shortages(ctx, item, region)
		},
		Text: func(w io.Writer, page *client.Page[client.Shortage]) {
			table(w, "ITEM\tREGION\tDEMANDED\tPLEDGED\tDELIVERED\tOPEN", func(tw io.Writer) {
				for _, s := range page.Items {
					fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\n", s.Item, s.Region, s.Demanded, s.Pledged, s.Delivered, s.Open)
				}
			})
		},
	})
}
