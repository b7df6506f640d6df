package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/medchain/medchain/client"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// ---- ship, receive ----

func newSupplyShipCmd(g *Global) *cobra.Command {
	var sensors []string
	var quiet bool
	return newSendCmd(g, sendVerb[client.Ship]{
		Use:   "ship ITEM... --to ORG [--sensor MEMBER]... [--pledge PLEDGE] --as MEMBER",
		Short: "Ship items (units, cases, pallets) to another organisation",
		Long: `Ship items the signer's organisation holds (each not packed in another: ship the
outermost container) to another member organisation. Custody moves only when the
receiver confirms with supply receive; until then the items are in transit.

--sensor names the registered sensors (members with the sensor role, by ID
ORG/HANDLE or keystore name) whose readings cover the shipment: a reading outside a
shipped product's storage range fails its cold chain, and the receiver gets the
goods in quarantine. --pledge names the PPE pledge the shipment fulfils (see supply
pledge): the units of the pledge's GTIN are counted against it.

Quarantined or recalled goods may only go back to their manufacturer.

On chain: the shipment (ID sh-…, from, to, items, sensors, products) and a
"shipped" custody event per item. -q prints only the shipment ID.

Example:
  medchain supply ship 00/006141410000010004 --to medsupply --sensor truck-sensor --as pharmaco-quality`,
		Args: cobra.MinimumNArgs(1),
		Flags: func(f *pflag.FlagSet, m *client.Ship) {
			f.StringVar(&m.To, "to", "", "the receiving organisation")
			f.StringSliceVar(&sensors, "sensor", nil, "sensor covering the shipment: member ID or keystore name (repeatable)")
			f.StringVar(&m.Pledge, "pledge", "", "the PPE pledge (pl-…) this shipment fulfils")
			f.BoolVarP(&quiet, "quiet", "q", false, "print only the shipment ID")
		},
		Required: []string{"to"},
		Parse: func(g *Global, args []string, m *client.Ship) error {
			ids, err := itemIDs(args)
			if err != nil {
				return err
			}
			m.Items = ids
			for _, s := range sensors {
				id, err := memberID(g, s)
				if err != nil {
					return usageErrorf("--sensor: %w", err)
				}
				m.Sensors = append(m.Sensors, id)
			}
			return nil
		},
		Print: func(w io.Writer, m *client.Ship, res *client.TxResult) {
			printResult(w, res, quiet, func(c *client.Created) string {
				return fmt.Sprintf("shipment %s: %d items to %s", c.ID, len(m.Items), m.To)
			}, func(c *client.Created) []string { return one(c.ID) })
		},
	})
}

type receiveOptions struct {
	g               *Global
	shipment        string
	items           []string
	acceptExcursion bool
}

func newSupplyReceiveCmd(g *Global) *cobra.Command {
	o := &receiveOptions{g: g}
	cmd := &cobra.Command{
		Use:   "receive SHIPMENT [--items ITEM,...] [--accept-excursion] --as MEMBER",
		Short: "Confirm what arrived of a shipment (cold chain checked first)",
		Long: `Confirm the receipt of a shipment to the signer's organisation. First the
shipment's cold-chain verdict is read from the ledger and printed: pass (readings
within every shipped product's range), fail (an excursion), or none (no readings or
no cold-chain products). A shipment whose cold chain failed is refused, and nothing
is sent, unless --accept-excursion is given: then it is received and the goods are
recorded in quarantine, as the ledger always does for a failed cold chain (a quality
officer may release them after review with supply release). Nothing is asked
interactively.

--items lists what arrived (default: everything shipped). Items shipped but not
listed are recorded missing; items listed but not shipped, extra.

On chain: custody moves to the receiver, with a "received" custody event per
item; the shipment records what was received, missing and extra.

Example:
  medchain supply receive sh-… --as medsupply-logistics
  medchain supply receive sh-… --accept-excursion --as medsupply-quality`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.shipment = args[0]
			return o.run(cmd.Context())
		},
	}
	cmd.Flags().StringSliceVar(&o.items, "items", nil, "the items that arrived, comma separated (default: all shipped)")
	cmd.Flags().BoolVar(&o.acceptExcursion, "accept-excursion", false, "receive a shipment whose cold chain failed (its goods are quarantined)")
	return cmd
}

// coldChainLine describes a shipment's cold chain in one line.
func coldChainLine(sh *client.ShipmentInfo) string {
	var b strings.Builder
	switch sh.ColdChain {
	case "pass":
		b.WriteString("cold chain pass")
	case "fail":
		b.WriteString("cold chain FAIL")
	default:
		b.WriteString("cold chain none")
	}
	if sh.Readings > 0 && sh.MinMilliC != nil && sh.MaxMilliC != nil {
		fmt.Fprintf(&b, ": %d readings, %s to %s °C", sh.Readings, celsius(*sh.MinMilliC), celsius(*sh.MaxMilliC))
	} else {
		b.WriteString(": no readings")
	}
	if len(sh.Excursions) > 0 {
		e := sh.Excursions[0]
		fmt.Fprintf(&b, "; %d excursions, first %s °C at %s (sensor %s) outside %s", len(sh.Excursions),
			celsius(e.MilliC), unixTime(e.Time), e.Sensor, celsiusRange(e.MinMC, e.MaxMC))
	}
	return b.String()
}

func (o *receiveOptions) run(ctx context.Context) error {
	g := o.g
	sh, err := g.client().Shipment(ctx, o.shipment)
	if err != nil {
		return err
	}
	pre := g.Out
	if g.JSON() {
		pre = g.Err
	}
	fmt.Fprintf(pre, "shipment %s from %s to %s, %d items, %s\n", sh.ID, sh.From, sh.To, len(sh.Items), sh.Status)
	fmt.Fprintln(pre, coldChainLine(sh))
	if sh.ColdChain == "fail" && !o.acceptExcursion {
		fmt.Fprintf(g.Err, "medchain: refusing to receive %s: its cold chain failed. Nothing was sent.\n"+
			"  --accept-excursion receives it with its goods in quarantine (for review, release or destruction).\n", sh.ID)
		return errSilent
	}
	items := sh.Items
	if len(o.items) > 0 {
		if items, err = itemIDs(o.items); err != nil {
			return err
		}
	}
	res, err := sendMsg(ctx, g, client.Receive{Shipment: o.shipment, Items: items})
	if err != nil {
		return err
	}
	var got client.Shipment
	if err := res.Decode(&got); err != nil {
		return err
	}
	return g.Print(res, func(w io.Writer) {
		fmt.Fprintf(w, "received %s: %d received, %d missing, %d extra (tx %s, height %d)\n",
			got.ID, len(got.Received), len(got.Missing), len(got.Extra), res.Hash, res.Height)
		if len(got.Excursions) > 0 { // the cold-chain verdict is "fail"
			fmt.Fprintf(w, "the goods are quarantined (cold chain); see supply verify, supply release\n")
		}
		for _, id := range got.Missing {
			fmt.Fprintf(w, "missing  %s\n", id)
		}
		for _, id := range got.Extra {
			fmt.Fprintf(w, "extra    %s\n", id)
		}
	})
}

// ---- reading ----
// ---- reading ----

func newSupplyReadingCmd(g *Global) *cobra.Command {
	var shipment, item string
	var interval time.Duration
	return newSendCmd(g, sendVerb[client.Reading]{
		Use:   "reading (--shipment SH | --item ITEM) [TIME=]CELSIUS... --as SENSOR",
		Short: "Record temperature readings, signed by a registered sensor",
		Long: `Record temperature readings of a shipment in transit (--shipment; the sensor must
be attached to it) or of an item in storage (--item; the sensor's organisation must
hold it). Signed by a member with the sensor role (a device).

Each reading is CELSIUS (4.5, -20, 8.25: up to three decimals, converted to integer
milli-degrees without floating point) or TIME=CELSIUS with TIME in RFC 3339.
Readings without a time are spaced --interval apart, the last one now.

A reading outside a product's storage range is an excursion: what the readings
cover is quarantined at once, and the shipment's cold chain fails.

On chain: for a shipment, the count and extremes of its readings and each
excursion (sensor, time, value, range); for an item, its quarantine.

Example:
  medchain supply reading --shipment sh-… 4.5 5.1 4.8 --as truck-sensor
  medchain supply reading --item 01/09506000134352/21/VX0003 2026-05-01T10:00:00Z=9.5 --as ward-fridge-sensor`,
		Args: cobra.MinimumNArgs(1),
		Flags: func(f *pflag.FlagSet, _ *client.Reading) {
			f.StringVar(&shipment, "shipment", "", "the shipment in transit the readings cover")
			f.StringVar(&item, "item", "", "the item in storage the readings cover")
			f.DurationVar(&interval, "interval", time.Minute, "time between readings given without a time")
		},
		Parse: func(_ *Global, args []string, m *client.Reading) error {
			r, err := readingMsg(shipment, item, args, interval, time.Now())
			*m = r
			return err
		},
		Print: func(w io.Writer, m *client.Reading, res *client.TxResult) {
			on := "shipment " + m.Shipment
			if m.Item != "" {
				on = m.Item
			}
			printResult(w, res, false, func(r *readingResult) string {
				if r.Excursions > 0 {
					return fmt.Sprintf("%d readings recorded on %s: EXCURSION (%d out of range): the goods are quarantined", len(m.Readings), on, r.Excursions)
				}
				return fmt.Sprintf("%d readings recorded on %s: within range", len(m.Readings), on)
			}, nil)
		},
	})
}

// readingResult is what a Reading's handler returns.
type readingResult struct {
	Excursions int `json:"excursions"` // readings out of range
}

// readingMsg reads [TIME=]CELSIUS arguments into a Reading of a shipment
// or an item; readings without a time are spaced interval apart, the last
// one at now.
func readingMsg(shipment, item string, args []string, interval time.Duration, now time.Time) (client.Reading, error) {
	if (shipment == "") == (item == "") {
		return client.Reading{}, usageErrorf("give --shipment SH or --item ITEM")
	}
	msg := client.Reading{Shipment: shipment}
	if item != "" {
		id, err := client.ItemID(item)
		if err != nil {
			return client.Reading{}, usageErrorf("--item %q: %w", item, err)
		}
		msg.Item = id
	}
	now = now.UTC().Truncate(time.Second)
	for i, a := range args {
		t := now.Add(-time.Duration(len(args)-1-i) * interval)
		val := a
		if at, v, ok := strings.Cut(a, "="); ok {
			var err error
			if t, err = time.Parse(time.RFC3339, at); err != nil {
				return client.Reading{}, usageErrorf("reading %q: the time must be RFC 3339 (2026-05-01T10:00:00Z)", a)
			}
			val = v
		}
		mc, err := parseMilliC(val)
		if err != nil {
			return client.Reading{}, err
		}
		msg.Readings = append(msg.Readings, client.TemperatureReading{Time: t.Unix(), MilliC: mc})
	}
	return msg, nil
}

// ---- release, dispense, destroy, recall ----

// The reason codes release, destroy and recall accept, for --help: the
// chain's own lists.
var (
	releaseReasonList = strings.Join(client.ReleaseReasons, ", ")
	destroyReasonList = strings.Join(client.DestroyReasons, ", ")
	recallReasonList  = strings.Join(client.RecallReasons, ", ")
)

func newSupplyReleaseCmd(g *Global) *cobra.Command {
	return newSendCmd(g, sendVerb[client.Release]{
		Use:   "release ITEM... --reason CODE --as QUALITY-OFFICER",
		Short: "Release quarantined items after review",
		Long: `Lift the quarantine of items the signer's organisation holds, after review (a
stability study shows the excursion did no harm, say). Signed by a quality officer.
Components of a blood donation that is untested or failed a test cannot be released.

--reason is a code: ` + releaseReasonList + `. Free text is
refused: the ledger keeps no text from outside.

On chain: the items are active again, with a "released" event in their history
(who released them, and the reason code).

Example:
  medchain supply release 00/006141410000010011 --reason stability-data --as medsupply-quality`,
		Args: cobra.MinimumNArgs(1),
		Flags: func(f *pflag.FlagSet, m *client.Release) {
			f.StringVar(&m.Reason, "reason", "", "why the quarantine is lifted, a code: "+releaseReasonList)
		},
		Required: []string{"reason"},
		Parse:    itemsInto(func(m *client.Release) *[]string { return &m.Items }),
		Print: func(w io.Writer, m *client.Release, res *client.TxResult) {
			txLine(w, res, fmt.Sprintf("released %d items", len(m.Items)))
		},
	})
}

func newSupplyDispenseCmd(g *Global) *cobra.Command {
	return newSendCmd(g, sendVerb[client.Dispense]{
		Use:   "dispense ITEM... --as PHARMACIST|PHYSICIAN|NURSE",
		Short: "Record units handed to patients",
		Long: `Record units the signer's organisation holds as dispensed. Signed by a
pharmacist, physician or nurse. Quarantined, recalled and expired units are refused,
and so are blood components (use supply transfuse).

On chain: the units' status and a "dispensed" custody event. No patient is named.
A later scan of a dispensed pack is suspect (already_dispensed): a sign of a
counterfeit that copied its code.

Example:
  medchain supply dispense 01/09506000134352/21/VX0001 --as pharmacist-lee`,
		Args:  cobra.MinimumNArgs(1),
		Parse: itemsInto(func(m *client.Dispense) *[]string { return &m.Items }),
		Print: func(w io.Writer, m *client.Dispense, res *client.TxResult) {
			txLine(w, res, fmt.Sprintf("dispensed %d units", len(m.Items)))
		},
	})
}

func newSupplyDestroyCmd(g *Global) *cobra.Command {
	return newSendCmd(g, sendVerb[client.Destroy]{
		Use:   "destroy ITEM... --reason CODE --as MEMBER",
		Short: "Record items destroyed",
		Long: `Record items the signer's organisation holds as destroyed (expired, damaged,
quarantined beyond release).

--reason is a code: ` + destroyReasonList + `. Free text is refused: the ledger keeps no text from outside.

On chain: the items' status, and a "destroyed" event in their history (who
destroyed them, and the reason code).

Example:
  medchain supply destroy 00/006141410000010011 --reason cold-chain-excursion --as medsupply-quality`,
		Args: cobra.MinimumNArgs(1),
		Flags: func(f *pflag.FlagSet, m *client.Destroy) {
			f.StringVar(&m.Reason, "reason", "", "why, a code: "+destroyReasonList)
		},
		Required: []string{"reason"},
		Parse:    itemsInto(func(m *client.Destroy) *[]string { return &m.Items }),
		Print: func(w io.Writer, m *client.Destroy, res *client.TxResult) {
			txLine(w, res, fmt.Sprintf("destroyed %d items", len(m.Items)))
		},
	})
}

func newSupplyRecallCmd(g *Global) *cobra.Command {
	return newSendCmd(g, sendVerb[client.RecallLots]{
		Use:   "recall GTIN LOT... --reason CODE --as QUALITY-OFFICER|REGULATOR",
		Short: "Recall lots of a product",
		Long: `Recall lots of a product. Signed by an admin or quality officer of its
manufacturer, or by a member of a regulator (kinds: ` + strings.Join(client.Regulators, ", ") + `)
holding one of the roles ` + strings.Join(client.RegulatorRecallRoles, ", ") + `.
From the next block on, scans of the lots' units say recalled, they cannot be
dispensed, transfused or shipped except back to the manufacturer, and supply
holders lists who still has them.

--reason is a code: ` + recallReasonList + `. Free text is refused: the ledger keeps no text from outside.

On chain: the recall on each lot (who, organisation, reason code, height, time).

Example:
  medchain supply recall 09506000134352 FLU-24A --reason potency --as epidemiologist`,
		Args: cobra.MinimumNArgs(2),
		Flags: func(f *pflag.FlagSet, m *client.RecallLots) {
			f.StringVar(&m.Reason, "reason", "", "why, a code kept on the ledger: "+recallReasonList)
		},
		Required: []string{"reason"},
		Parse: func(_ *Global, args []string, m *client.RecallLots) error {
			m.GTIN, m.Lots = args[0], args[1:]
			return nil
		},
		Print: func(w io.Writer, m *client.RecallLots, res *client.TxResult) {
			txLine(w, res, fmt.Sprintf("recalled %s lot %s", m.GTIN, strings.Join(m.Lots, ", ")))
		},
	})
}
