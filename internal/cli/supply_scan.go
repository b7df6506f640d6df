package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/medchain/medchain/client"
)

// ---- holders ----

type holdersOptions struct {
	g         *Global
	gtin, lot string
}

func newSupplyHoldersCmd(g *Global) *cobra.Command {
	o := &holdersOptions{g: g}
	return &cobra.Command{
		Use:   "holders GTIN LOT",
		Short: "Who holds units of a lot now (whom a recall must reach)",
		Long: `List the organisations that hold units of a lot now: units active, quarantined or
in transit (those in transit count for their sender until received), with their
item IDs. Dispensed, transfused, consumed and destroyed units are gone.

Example:
  medchain supply holders 09506000134352 FLU-24A`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.gtin, o.lot = args[0], args[1]
			return o.run(cmd.Context())
		},
	}
}

func (o *holdersOptions) run(ctx context.Context) error {
	api := o.g.client()
	lot, err := api.Lot(ctx, o.gtin, o.lot)
	if err != nil {
		return err
	}
	page, err := api.LotHolders(ctx, o.gtin, o.lot)
	if err != nil {
		return err
	}
	return o.g.Print(page, func(w io.Writer) {
		fmt.Fprintf(w, "lot %s of %s, expires %s, %d units made by %s\n", lot.Lot, lot.GTIN, lot.Expiry, lot.Units, lot.Manufacturer)
		if r := lot.Recall; r != nil {
			fmt.Fprintf(w, "RECALLED at height %d by %s (%s): %s\n", r.Height, r.By, r.Org, r.Reason)
		}
		table(w, "HOLDER\tUNITS\tITEMS", func(tw io.Writer) {
			for _, h := range page.Items {
				fmt.Fprintf(tw, "%s\t%d\t%s\n", h.Org, h.Units, strings.Join(h.Items, " "))
			}
		})
	})
}

// ---- verify, alerts, item, shipment ----

type verifyOptions struct {
	g        *Global
	code     string
	location string
	strict   bool
}

func newSupplyVerifyCmd(g *Global) *cobra.Command {
	o := &verifyOptions{g: g}
	cmd := &cobra.Command{
		Use:   "verify CODE [--location GLN]",
		Short: "Scan a pack: genuine or suspect, where it has been, cold chain, recall (exit 4 if suspect)",
		Long: `Verify what a barcode says against the ledger. CODE is what the scanner read: a
GS1 element string ("(01)09506000134352(17)300630(10)FLU-24A(21)VX0001", or raw
with FNC1/GS separators), a GS1 Digital Link URI, an EPC URN or an item ID
(01/<GTIN>/21/<serial>, 00/<SSCC>). It is sent as it is; the node parses it. No key
is needed: anyone holding a pack may scan it.

The answer: genuine (the serial was commissioned by the product's manufacturer) or
suspect, with why: unknown_product, unknown_serial, already_dispensed (a copied
code), destroyed, missing; then the product, lot and expiry, the status (active,
in_transit, quarantined, recalled, expired, dispensed...), who holds it and in
which container, the custody chain from commissioning to now, the cold chain (pass,
fail with the excursion, or none) and the recall, if any.

A suspect scan is recorded by the node on the ledger as an alert for the
manufacturer (see supply alerts), with --location if given: a GLN (13 digits with
their check digit), never free text; anything else is refused (api.invalid_parameter).
The alert holds the item ID, why it is suspect and the GLN, nothing else. The node
records one alert per code and reason a day (24 hours of block time): scanning the
same code again answers the alert already recorded. The answer comes once the
alert's transaction is accepted, not committed: supply alerts lists it from the
next block on. Nothing else is written.

Exit status: 0 for a genuine pack, 4 for a suspect scan, so that scripts can tell
a pack that failed verification from an error (1, or 3 when the node cannot be
reached). With --strict, 4 also for a genuine pack that must not be used:
recalled, quarantined (cold chain), expired, or not active.

Example:
  medchain supply verify "(01)09506000134352(21)VX0001" --location 0614141000036
  medchain supply verify https://id.gs1.org/01/09506000134352/21/VX0001 || echo "do not dispense"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.code = args[0]
			return o.run(cmd.Context())
		},
	}
	cmd.Flags().StringVar(&o.location, "location", "", "where the pack was scanned: a GLN (13 digits with their check digit)")
	cmd.Flags().BoolVar(&o.strict, "strict", false, "exit 4 also for a genuine pack that is not fit for use (recalled, quarantined, expired, not active)")
	return cmd
}

// run prints the verdict, then returns errSuspect (exit code 4) for a
// suspect scan and, with --strict, for a genuine pack not fit for use.
func (o *verifyOptions) run(ctx context.Context) error {
	g := o.g
	r, err := g.client().Verify(ctx, o.code, o.location)
	if err != nil {
		return err
	}
	if err := g.Print(r, func(w io.Writer) { printScan(w, r) }); err != nil {
		return err
	}
	if r.Suspect != "" || (o.strict && r.Status != client.ItemActive) {
		return errSuspect
	}
	return nil
}

func printScan(w io.Writer, r *client.ScanResult) {
	if r.Suspect != "" {
		fmt.Fprintf(w, "SUSPECT    %s\n", r.Suspect)
	} else {
		fmt.Fprintf(w, "GENUINE\n")
	}
	fmt.Fprintf(w, "item       %s\n", r.Item)
	if p := r.Product; p != nil {
		fmt.Fprintf(w, "product    %s (%s, GTIN %s) by %s, storage %s\n", p.Name, p.Kind, p.GTIN, p.Manufacturer, celsiusRange(p.MinMilliC, p.MaxMilliC))
	} else if r.GTIN != "" {
		fmt.Fprintf(w, "product    GTIN %s: not registered\n", r.GTIN)
	}
	if r.Lot != "" {
		fmt.Fprintf(w, "lot        %s, expires %s\n", r.Lot, dash(r.Expiry))
	}
	fmt.Fprintf(w, "status     %s\n", r.Status)
	if r.Custodian != "" {
		fmt.Fprintf(w, "custodian  %s\n", r.Custodian)
	}
	if r.Container != "" {
		fmt.Fprintf(w, "container  %s\n", r.Container)
	}
	if r.Contents > 0 {
		fmt.Fprintf(w, "contents   %d items\n", r.Contents)
	}
	cc := r.ColdChain
	if r.ColdChainReason != "" {
		cc += ": " + r.ColdChainReason
	}
	fmt.Fprintf(w, "cold chain %s\n", cc)
	if rc := r.Recall; rc != nil {
		fmt.Fprintf(w, "recall     by %s (%s) at %s, height %d: %s\n", rc.By, rc.Org, unixTime(rc.Time), rc.Height, rc.Reason)
	}
	if r.Alert != "" {
		fmt.Fprintf(w, "alert      %s recorded for %s\n", r.Alert, dash(r.Manufacturer))
	} else if r.AlertError != "" {
		fmt.Fprintf(w, "alert      not recorded: %s\n", r.AlertError)
	}
	if len(r.Custody) > 0 {
		fmt.Fprintln(w, "custody")
		printCustody(w, r.Custody)
	}
}

func printCustody(w io.Writer, cs []client.Custody) {
	table(w, "  HEIGHT\tTIME\tORG\tEVENT\tSHIPMENT\tBY / WHY", func(tw io.Writer) {
		for _, c := range cs {
			why := "-"
			if c.By != "" || c.Reason != "" {
				why = fmt.Sprintf("%s: %s", c.By, c.Reason)
			}
			fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%s\n", c.Height, unixTime(c.Time), dash(c.Org), c.Event, dash(c.Shipment), why)
		}
	})
}

func newSupplyAlertsCmd(g *Global) *cobra.Command {
	var mf string
	return newShowCmd(g, showVerb[client.Page[client.Alert]]{
		Use:   "alerts [--manufacturer ORG]",
		Short: "List suspect-scan alerts on a manufacturer's products",
		Long: `List the alerts of a manufacturer's products: each suspect scan (a serial never
commissioned, a pack scanned after it was dispensed or destroyed, a missing one),
with the code scanned, why it is suspect, who recorded it and where. Without
--manufacturer, the --as key's organisation.

Example:
  medchain supply alerts --manufacturer pharmaco`,
		Flags: func(f *pflag.FlagSet) {
			f.StringVar(&mf, "manufacturer", "", "the manufacturer (default: the --as key's organisation)")
		},
		Fetch: func(ctx context.Context, api API, _ []string) (*client.Page[client.Alert], error) {
			if mf == "" {
				mf = signerOrg(g)
			}
			if mf == "" {
				return nil, usageErrorf("name the manufacturer with --manufacturer ORG (or --as one of its members)")
			}
			return api.Alerts(ctx, mf)
		},
		Text: func(w io.Writer, page *client.Page[client.Alert]) {
			table(w, "ID\tTIME\tREASON\tCODE\tREPORTED BY\tLOCATION", func(tw io.Writer) {
				for _, a := range page.Items {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, unixTime(a.Time), a.Reason, a.Code, a.Reporter, dash(a.Location))
				}
			})
		},
	})
}

func newSupplyItemCmd(g *Global) *cobra.Command {
	return newShowCmd(g, showVerb[client.ItemInfo]{
		Use:   "item ITEM",
		Short: "Show an item as the ledger holds it: status, custodian, contents, custody history",
		Long: `Show an item (a unit or a container) as the ledger holds it, without the
verdict of a scan (and without recording anything): status, custodian, the container
it is packed in, its contents, quarantine and its own custody history.

Example:
  medchain supply item 00/006141410000010004`,
		Args:  cobra.ExactArgs(1),
		Fetch: byID(API.Item),
		Text: func(w io.Writer, it *client.ItemInfo) {
			fmt.Fprintf(w, "item       %s (%s)\nstatus     %s\ncustodian  %s\n", it.ID, it.Kind, it.Status, it.Custodian)
			if it.GTIN != "" {
				fmt.Fprintf(w, "product    %s lot %s serial %s\n", it.GTIN, it.Lot, it.Serial)
			}
			if it.Parent != "" {
				fmt.Fprintf(w, "packed in  %s\n", it.Parent)
			}
			if it.Shipment != "" {
				fmt.Fprintf(w, "shipment   %s\n", it.Shipment)
			}
			if it.Quarantine != "" {
				fmt.Fprintf(w, "quarantine %s\n", it.Quarantine)
			}
			for _, c := range it.Contents {
				fmt.Fprintf(w, "contains   %s\n", c)
			}
			if len(it.History) > 0 {
				fmt.Fprintln(w, "custody")
				printCustody(w, it.History)
			}
		},
	})
}

func newSupplyShipmentCmd(g *Global) *cobra.Command {
	return newShowCmd(g, showVerb[client.ShipmentInfo]{
		Use:   "shipment SHIPMENT",
		Short: "Show a shipment: items, sensors, cold chain, what was received",
		Long: `Show a shipment: sender, receiver, items, sensors, status, the cold chain
(readings' count and extremes, excursions, verdict pass, fail or none) and, once
received, what was received, missing and extra.

Example:
  medchain supply shipment sh-…`,
		Args:  cobra.ExactArgs(1),
		Fetch: byID(API.Shipment),
		Text: func(w io.Writer, sh *client.ShipmentInfo) {
			fmt.Fprintf(w, "shipment   %s\nfrom       %s\nto         %s\nstatus     %s (sent at height %d)\n", sh.ID, sh.From, sh.To, sh.Status, sh.Sent)
			fmt.Fprintf(w, "items      %s\n", strings.Join(sh.Items, " "))
			if len(sh.Sensors) > 0 {
				fmt.Fprintf(w, "sensors    %s\n", strings.Join(sh.Sensors, " "))
			}
			if sh.Pledge != "" {
				fmt.Fprintf(w, "pledge     %s\n", sh.Pledge)
			}
			fmt.Fprintln(w, coldChainLine(sh))
			if sh.ReceivedAt > 0 {
				fmt.Fprintf(w, "received   at height %d: %d received, %d missing, %d extra\n", sh.ReceivedAt, len(sh.Received), len(sh.Missing), len(sh.Extra))
			}
		},
	})
}
