package cli

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/medchain/medchain/client"
)

func newSupplyCmd(g *Global) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "supply",
		Short: "Follow medicines, vaccines, PPE, blood and plasma from maker to patient; verify a pack",
		Long: `The supply chain on the ledger. Manufacturers register products (GTIN, kind,
storage range) and commission serialised units in lots; units are packed into cases,
shipped and received with both sides signing, kept cold under the readings of
registered sensors, dispensed or destroyed. Manufacturers and regulators recall
lots. Anyone can verify a pack by its barcode: genuine or not, where it has been,
cold chain kept or broken, recalled or not. Blood centres register donations, record
tests, separate components and trace each unit to its donor and recipients both ways;
plasma is pooled and fractionated; hospitals post PPE demand that suppliers pledge
and ship against.

Items are named by GS1 keys: a unit is 01/<GTIN-14>/21/<serial>, a case or pallet
00/<SSCC-18>. Wherever a command takes an item, a GS1 element string
("(01)09506000134352(21)A1"), a Digital Link URI or an EPC URN works too.
Temperatures are given in °C with up to three decimals (4.5, -20, 8.25) and kept on
the ledger as integer milli-degrees.

On chain: GTINs, lots, expiry dates, serials, custody, shipments, readings'
extremes and excursions, recalls, suspect-scan alerts, donation numbers, the blood
centre's donor pseudonym, test outcomes and recipients' patient IDs. Never a name.
See docs/supply.md.`,
	}
	products := &cobra.Command{Use: "products", Short: "Register and show products"}
	products.AddCommand(newSupplyProductRegisterCmd(g), newSupplyProductShowCmd(g))
	cmd.AddCommand(products,
		newSupplyCommissionCmd(g), newSupplyPackCmd(g, false), newSupplyPackCmd(g, true),
		newSupplyShipCmd(g), newSupplyReceiveCmd(g), newSupplyReadingCmd(g),
		newSupplyReleaseCmd(g), newSupplyDispenseCmd(g), newSupplyDestroyCmd(g), newSupplyRecallCmd(g),
		newSupplyHoldersCmd(g), newSupplyVerifyCmd(g), newSupplyAlertsCmd(g),
		newSupplyItemCmd(g), newSupplyShipmentCmd(g),
		newSupplyImportEPCISCmd(g), newSupplyEventCmd(g), newSupplyRegisterGLNCmd(g),
		newSupplyDonationCmd(g), newSupplyTestResultsCmd(g), newSupplySeparateCmd(g), newSupplyTransfuseCmd(g),
		newSupplyLookbackCmd(g),
		newSupplyPoolCmd(g), newSupplyFractionateCmd(g), newSupplyTraceCmd(g),
		newSupplyDemandCmd(g), newSupplyPledgeCmd(g), newSupplyDemandsCmd(g), newSupplyShortagesCmd(g),
	)
	return cmd
}

// ---- helpers ----

// parseMilliC reads degrees Celsius written as a decimal ("4.5", "-20",
// "8.25", optionally followed by "C" or "°C") into integer milli-degrees,
// without floating point: the ledger has none, and 0.1 has no exact binary
// form.
func parseMilliC(s string) (int64, error) {
	orig := s
	s = strings.TrimSpace(s)
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(s, "C"), "°"))
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	bad := fmt.Errorf("temperature %q: degrees Celsius as a decimal with at most 3 decimals, e.g. 4.5 or -20", orig)
	if whole == "" || len(whole) > 6 || len(frac) > 3 || (hasDot && frac == "") {
		return 0, bad
	}
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return 0, bad
		}
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f := int64(0)
	if frac != "" {
		f, _ = strconv.ParseInt(frac+strings.Repeat("0", 3-len(frac)), 10, 64)
	}
	mc := w*1000 + f
	if neg {
		mc = -mc
	}
	return mc, nil
}

// celsius formats milli-degrees as degrees, exactly: 4500 → "4.5".
func celsius(mc int64) string {
	sign := ""
	if mc < 0 {
		sign, mc = "-", -mc
	}
	s := sign + strconv.FormatInt(mc/1000, 10)
	if f := mc % 1000; f != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%03d", f), "0")
	}
	return s
}

func celsiusRange(min, max int64) string {
	if min == 0 && max == 0 {
		return "none"
	}
	return celsius(min) + " to " + celsius(max) + " °C"
}

// itemIDs turns what the user typed (item IDs, GS1 element strings,
// Digital Link URIs, EPC URNs) into item IDs.
func itemIDs(codes []string) ([]string, error) {
	out := make([]string, 0, len(codes))
	for _, c := range codes {
		id, err := client.ItemID(c)
		if err != nil {
			return nil, fmt.Errorf("item %q: %w", c, err)
		}
		out = append(out, id)
	}
	return out, nil
}

// memberID turns a member reference into its ID: ORG/HANDLE as it is, a
// keystore name by the identity it belongs to.
func memberID(g *Global, ref string) (string, error) {
	if strings.Contains(ref, "/") {
		return ref, nil
	}
	ks, err := openKeystore(g)
	if err != nil {
		return "", err
	}
	e, err := ks.Get(ref)
	if err != nil || !strings.Contains(e.Identity, "/") {
		return "", fmt.Errorf("%q is neither a member ID (ORG/HANDLE) nor a keystore name of a member", ref)
	}
	return e.Identity, nil
}

// signerOrg is the organisation of the --as key's identity, if known.
func signerOrg(g *Global) string {
	if g.As == "" {
		return ""
	}
	ks, err := openKeystore(g)
	if err != nil {
		return ""
	}
	e, err := ks.Get(g.As)
	if err != nil {
		return ""
	}
	org, _, ok := strings.Cut(e.Identity, "/")
	if !ok {
		return ""
	}
	return org
}

// parseSerials reads --serials A,B,C or --range PREFIX:START:COUNT:WIDTH.
func parseSerials(list []string, rng string) (client.Serials, error) {
	switch {
	case len(list) > 0 && rng != "":
		return client.Serials{}, errors.New("give --serials or --range, not both")
	case len(list) > 0:
		return client.Serials{List: list}, nil
	case rng == "":
		return client.Serials{}, errors.New("name the serials: --serials S1,S2,... or --range PREFIX:START:COUNT:WIDTH")
	}
	parts := strings.Split(rng, ":")
	bad := fmt.Errorf("--range %q must be PREFIX:START:COUNT:WIDTH, e.g. SN:1:100:6 for SN000001 to SN000100", rng)
	if len(parts) < 4 {
		return client.Serials{}, bad
	}
	n := len(parts)
	start, err1 := strconv.ParseInt(parts[n-3], 10, 64)
	count, err2 := strconv.ParseInt(parts[n-2], 10, 64)
	width, err3 := strconv.Atoi(parts[n-1])
	if err1 != nil || err2 != nil || err3 != nil || count < 1 {
		return client.Serials{}, bad
	}
	return client.Serials{Prefix: strings.Join(parts[:n-3], ":"), Start: start, Count: count, Width: width}, nil
}

// printIDs prints one ID a line (the -q output of commands that make things).
func printIDs(w io.Writer, ids ...string) {
	for _, id := range ids {
		fmt.Fprintln(w, id)
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

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

// ---- ship, receive ----

type shipOptions struct {
	g          *Global
	to, pledge string
	sensors    []string
	quiet      bool
}

func newSupplyShipCmd(g *Global) *cobra.Command {
	o := &shipOptions{g: g}
	cmd := &cobra.Command{
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
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args) },
	}
	f := cmd.Flags()
	f.StringVar(&o.to, "to", "", "the receiving organisation")
	f.StringSliceVar(&o.sensors, "sensor", nil, "sensor covering the shipment: member ID or keystore name (repeatable)")
	f.StringVar(&o.pledge, "pledge", "", "the PPE pledge (pl-…) this shipment fulfils")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print only the shipment ID")
	cmd.MarkFlagRequired("to")
	return cmd
}

func (o *shipOptions) run(cmd *cobra.Command, args []string) error {
	ids, err := itemIDs(args)
	if err != nil {
		return err
	}
	msg := client.Ship{To: o.to, Items: ids, Pledge: o.pledge}
	for _, s := range o.sensors {
		id, err := memberID(o.g, s)
		if err != nil {
			return fmt.Errorf("--sensor: %w", err)
		}
		msg.Sensors = append(msg.Sensors, id)
	}
	res, err := send(cmd, o.g, msg)
	if err != nil {
		return err
	}
	var c client.Created
	if err := res.Decode(&c); err != nil {
		return err
	}
	if o.quiet && !o.g.JSON() {
		printIDs(o.g.Out, c.ID)
		return nil
	}
	return printTx(o.g, res, fmt.Sprintf("shipment %s: %d items to %s", c.ID, len(ids), o.to))
}

type receiveOptions struct {
	g               *Global
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
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args[0]) },
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

func (o *receiveOptions) run(cmd *cobra.Command, shipment string) error {
	g := o.g
	c := g.client()
	sh, err := c.Shipment(cmd.Context(), shipment)
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
	res, err := send(cmd, g, client.Receive{Shipment: shipment, Items: items})
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

type readingOptions struct {
	g              *Global
	shipment, item string
	interval       time.Duration
}

func newSupplyReadingCmd(g *Global) *cobra.Command {
	o := &readingOptions{g: g}
	cmd := &cobra.Command{
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
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args) },
	}
	cmd.Flags().StringVar(&o.shipment, "shipment", "", "the shipment in transit the readings cover")
	cmd.Flags().StringVar(&o.item, "item", "", "the item in storage the readings cover")
	cmd.Flags().DurationVar(&o.interval, "interval", time.Minute, "time between readings given without a time")
	return cmd
}

func (o *readingOptions) run(cmd *cobra.Command, args []string) error {
	if (o.shipment == "") == (o.item == "") {
		return errors.New("give --shipment SH or --item ITEM")
	}
	msg := client.Reading{Shipment: o.shipment}
	if o.item != "" {
		id, err := client.ItemID(o.item)
		if err != nil {
			return err
		}
		msg.Item = id
	}
	now := time.Now().UTC().Truncate(time.Second)
	for i, a := range args {
		t := now.Add(-time.Duration(len(args)-1-i) * o.interval)
		val := a
		if at, v, ok := strings.Cut(a, "="); ok {
			var err error
			if t, err = time.Parse(time.RFC3339, at); err != nil {
				return fmt.Errorf("reading %q: the time must be RFC 3339 (2026-05-01T10:00:00Z)", a)
			}
			val = v
		}
		mc, err := parseMilliC(val)
		if err != nil {
			return err
		}
		msg.Readings = append(msg.Readings, client.TemperatureReading{Time: t.Unix(), MilliC: mc})
	}
	res, err := send(cmd, o.g, msg)
	if err != nil {
		return err
	}
	var r struct {
		Excursions int `json:"excursions"`
	}
	res.Decode(&r)
	on := "shipment " + o.shipment
	if o.item != "" {
		on = msg.Item
	}
	what := fmt.Sprintf("%d readings recorded on %s: within range", len(args), on)
	if r.Excursions > 0 {
		what = fmt.Sprintf("%d readings recorded on %s: EXCURSION (%d out of range): the goods are quarantined", len(args), on, r.Excursions)
	}
	return printTx(o.g, res, what)
}

// ---- release, dispense, destroy, recall ----

func newSupplyReleaseCmd(g *Global) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "release ITEM... --reason TEXT --as QUALITY-OFFICER",
		Short: "Release quarantined items after review",
		Long: `Lift the quarantine of items the signer's organisation holds, after review (a
stability study shows the excursion did no harm, say). Signed by a quality officer.
Components of a blood donation that is untested or failed a test cannot be released.

On chain: the items are active again, with a "released" event in their history
(who released them, and the reason).

Example:
  medchain supply release 00/006141410000010011 --reason "stability data: 2 h at 9 °C acceptable" --as medsupply-quality`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := itemIDs(args)
			if err != nil {
				return err
			}
			res, err := send(cmd, g, client.Release{Items: ids, Reason: reason})
			if err != nil {
				return err
			}
			return printTx(g, res, fmt.Sprintf("released %d items", len(ids)))
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why the quarantine is lifted")
	cmd.MarkFlagRequired("reason")
	return cmd
}

func newSupplyDispenseCmd(g *Global) *cobra.Command {
	return &cobra.Command{
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
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := itemIDs(args)
			if err != nil {
				return err
			}
			res, err := send(cmd, g, client.Dispense{Items: ids})
			if err != nil {
				return err
			}
			return printTx(g, res, fmt.Sprintf("dispensed %d units", len(ids)))
		},
	}
}

func newSupplyDestroyCmd(g *Global) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "destroy ITEM... --reason TEXT --as MEMBER",
		Short: "Record items destroyed",
		Long: `Record items the signer's organisation holds as destroyed (expired, damaged,
quarantined beyond release).

On chain: the items' status, and a "destroyed" event in their history (who
destroyed them, and the reason).

Example:
  medchain supply destroy 00/006141410000010011 --reason "cold chain excursion" --as medsupply-quality`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := itemIDs(args)
			if err != nil {
				return err
			}
			res, err := send(cmd, g, client.Destroy{Items: ids, Reason: reason})
			if err != nil {
				return err
			}
			return printTx(g, res, fmt.Sprintf("destroyed %d items", len(ids)))
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why")
	cmd.MarkFlagRequired("reason")
	return cmd
}

func newSupplyRecallCmd(g *Global) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "recall GTIN LOT... --reason TEXT --as QUALITY-OFFICER|REGULATOR",
		Short: "Recall lots of a product",
		Long: `Recall lots of a product. Signed by an admin or quality officer of its
manufacturer, or by a member of a regulator (kinds: ` + strings.Join(client.Regulators, ", ") + `)
holding one of the roles ` + strings.Join(client.RegulatorRecallRoles, ", ") + `.
From the next block on, scans of the lots' units say recalled, they cannot be
dispensed, transfused or shipped except back to the manufacturer, and supply
holders lists who still has them.

On chain: the recall on each lot (who, organisation, reason, height, time).

Example:
  medchain supply recall 09506000134352 FLU-24A --reason "potency below specification" --as epidemiologist`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := send(cmd, g, client.RecallLots{GTIN: args[0], Lots: args[1:], Reason: reason})
			if err != nil {
				return err
			}
			return printTx(g, res, fmt.Sprintf("recalled %s lot %s", args[0], strings.Join(args[1:], ", ")))
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why (kept on the ledger, at most 200 characters)")
	cmd.MarkFlagRequired("reason")
	return cmd
}

func newSupplyHoldersCmd(g *Global) *cobra.Command {
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
			c := g.client()
			lot, err := c.Lot(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			page, err := c.LotHolders(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			return g.Print(page, func(w io.Writer) {
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
		},
	}
}

// ---- verify, alerts, item, shipment ----

type verifyOptions struct {
	g        *Global
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
manufacturer (see supply alerts), with --location if given. Nothing else is
written.

Exit status: 0 for a genuine pack, 4 for a suspect scan, 1 for a refusal or
failure, 3 if the node cannot be reached, so that scripts can branch on it. With
--strict, 1 also for a genuine pack that must not be used: recalled, quarantined
(cold chain), expired, or not active.

Example:
  medchain supply verify "(01)09506000134352(21)VX0001" --location 0614141000036
  medchain supply verify https://id.gs1.org/01/09506000134352/21/VX0001 || echo "do not dispense"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args[0]) },
	}
	cmd.Flags().StringVar(&o.location, "location", "", "where the pack was scanned: a GLN or a short code")
	cmd.Flags().BoolVar(&o.strict, "strict", false, "exit 1 also for a genuine pack that is not fit for use (recalled, quarantined, expired, not active)")
	return cmd
}

func (o *verifyOptions) run(cmd *cobra.Command, code string) error {
	g := o.g
	r, err := g.client().Verify(cmd.Context(), code, o.location)
	if err != nil {
		return err
	}
	if err := g.Print(r, func(w io.Writer) { printScan(w, r) }); err != nil {
		return err
	}
	switch {
	case r.Suspect != "":
		return errSuspect
	case o.strict && r.Status != client.ItemActive:
		return errSilent
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
	cmd := &cobra.Command{
		Use:   "alerts [--manufacturer ORG]",
		Short: "List suspect-scan alerts on a manufacturer's products",
		Long: `List the alerts of a manufacturer's products: each suspect scan (a serial never
commissioned, a pack scanned after it was dispensed or destroyed, a missing one),
with the code scanned, why it is suspect, who recorded it and where. Without
--manufacturer, the --as key's organisation.

Example:
  medchain supply alerts --manufacturer pharmaco`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if mf == "" {
				mf = signerOrg(g)
			}
			if mf == "" {
				return errors.New("name the manufacturer with --manufacturer ORG (or --as one of its members)")
			}
			page, err := g.client().Alerts(cmd.Context(), mf)
			if err != nil {
				return err
			}
			return g.Print(page, func(w io.Writer) {
				table(w, "ID\tTIME\tREASON\tCODE\tREPORTED BY\tLOCATION", func(tw io.Writer) {
					for _, a := range page.Items {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, unixTime(a.Time), a.Reason, a.Code, a.Reporter, dash(a.Location))
					}
				})
			})
		},
	}
	cmd.Flags().StringVar(&mf, "manufacturer", "", "the manufacturer (default: the --as key's organisation)")
	return cmd
}

func newSupplyItemCmd(g *Global) *cobra.Command {
	return &cobra.Command{
		Use:   "item ITEM",
		Short: "Show an item as the ledger holds it: status, custodian, contents, custody history",
		Long: `Show an item (a unit or a container) as the ledger holds it, without the
verdict of a scan (and without recording anything): status, custodian, the container
it is packed in, its contents, quarantine and its own custody history.

Example:
  medchain supply item 00/006141410000010004`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			it, err := g.client().Item(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.Print(it, func(w io.Writer) {
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
			})
		},
	}
}

func newSupplyShipmentCmd(g *Global) *cobra.Command {
	return &cobra.Command{
		Use:   "shipment SHIPMENT",
		Short: "Show a shipment: items, sensors, cold chain, what was received",
		Long: `Show a shipment: sender, receiver, items, sensors, status, the cold chain
(readings' count and extremes, excursions, verdict pass, fail or none) and, once
received, what was received, missing and extra.

Example:
  medchain supply shipment sh-…`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sh, err := g.client().Shipment(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.Print(sh, func(w io.Writer) {
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
			})
		},
	}
}

// ---- EPCIS, GLN ----

type importEPCISOptions struct {
	g      *Global
	dryRun bool
}

func newSupplyImportEPCISCmd(g *Global) *cobra.Command {
	o := &importEPCISOptions{g: g}
	cmd := &cobra.Command{
		Use:   "import-epcis FILE --as MEMBER [--dry-run]",
		Short: "Capture a GS1 EPCIS 2.0 JSON document: validate, hash, map and apply its events",
		Long: `Capture an EPCIS 2.0 JSON(-LD) document (FILE, or - for stdin). The node validates
it against GS1's JSON schema, computes each event's CBV 2.0 event hash and maps the
events to ledger operations: ObjectEvent ADD commissioning (lot and expiry from the
ILMD), AggregationEvent ADD/DELETE (pack, unpack), ObjectEvent shipping (to the
organisation that registered the destination GLN, see supply register-gln),
receiving (the shipment its items are in), dispensing, destroying, and
TransformationEvent. Other events (observations, inspections) are anchored only,
with a note. Then the signer signs and sends the mapped supply/events
transactions (at most 100 events each, each applied all or nothing), with a
progress bar on stderr.

On chain: every event's hash, type and business step under its hash (so the same
event cannot be captured twice), and what each does. Not the document.

--dry-run prints what the document maps to and sends nothing.

Example:
  medchain supply import-epcis shipment.jsonld --as pharmaco-quality`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args[0]) },
	}
	cmd.Flags().BoolVar(&o.dryRun, "dry-run", false, "print the mapping; send nothing")
	return cmd
}

// opString says what one mapped event does.
func opString(e client.SupplyEvent) string {
	op := e.Op
	switch {
	case op.Commission != nil:
		return fmt.Sprintf("commission %d units of %s lot %s", len(op.Commission.Serials.Expand()), op.Commission.GTIN, op.Commission.Lot)
	case op.Pack != nil:
		return fmt.Sprintf("pack %d items into %s", len(op.Pack.Children), op.Pack.Parent)
	case op.Unpack != nil:
		return "unpack " + op.Unpack.Parent
	case op.Ship != nil:
		return fmt.Sprintf("ship %d items to %s", len(op.Ship.Items), op.Ship.To)
	case op.Receive != nil:
		return fmt.Sprintf("receive %d items of %s", len(op.Receive.Items), op.Receive.Shipment)
	case op.Dispense != nil:
		return fmt.Sprintf("dispense %d units", len(op.Dispense.Items))
	case op.Destroy != nil:
		return fmt.Sprintf("destroy %d items", len(op.Destroy.Items))
	case op.Transform != nil:
		return fmt.Sprintf("transform %d inputs into %d lots", len(op.Transform.Inputs), len(op.Transform.Outputs))
	}
	return "anchor only"
}

func (o *importEPCISOptions) run(cmd *cobra.Command, path string) error {
	g := o.g
	doc, err := readInput(g, path)
	if err != nil {
		return err
	}
	c := g.client()
	if o.dryRun {
		m, err := c.MapEPCIS(cmd.Context(), doc)
		if err != nil {
			return err
		}
		return g.Print(m, func(w io.Writer) {
			fmt.Fprintf(w, "%d events in %d transactions\n", m.Events(), len(m.Msgs))
			table(w, "EVENT\tTYPE\tBIZ STEP\tDOES\tHASH", func(tw io.Writer) {
				i := 0
				for _, msg := range m.Msgs {
					for _, e := range msg.Events {
						fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", i, e.Type, dash(e.BizStep), opString(e), e.Hash)
						i++
					}
				}
			})
			for _, n := range m.Notes {
				fmt.Fprintf(w, "note: %s\n", n)
			}
		})
	}
	s, err := g.signer()
	if err != nil {
		return err
	}
	var pb *progressbar.ProgressBar
	progress := func(done, total int) {
		if g.JSON() || total == 0 {
			return
		}
		if pb == nil {
			pb = progressbar.NewOptions(total,
				progressbar.OptionSetWriter(g.Err),
				progressbar.OptionSetDescription("capturing events"),
				progressbar.OptionShowCount(),
				progressbar.OptionSetWidth(30),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionSetPredictTime(false),
				progressbar.OptionOnCompletion(func() { fmt.Fprintln(g.Err) }),
			)
			pb.RenderBlank()
		}
		pb.Set(done)
	}
	start := time.Now()
	res, err := c.ImportEPCIS(cmd.Context(), s, doc, progress)
	if err != nil {
		if pb != nil {
			pb.Exit()
			fmt.Fprintln(g.Err)
		}
		return err
	}
	return g.Print(res, func(w io.Writer) {
		fmt.Fprintf(w, "captured %d events in %d transactions in %s\n", len(res.Events), len(res.Txs), time.Since(start).Round(time.Millisecond))
		for _, t := range res.Txs {
			fmt.Fprintf(w, "tx %s at height %d\n", t.Hash, t.Height)
		}
		for _, id := range res.Shipments {
			fmt.Fprintf(w, "shipment %s\n", id)
		}
		for _, id := range res.Transformations {
			fmt.Fprintf(w, "transformation %s\n", id)
		}
		for _, n := range res.Notes {
			fmt.Fprintf(w, "note: %s\n", n)
		}
	})
}

func newSupplyEventCmd(g *Global) *cobra.Command {
	return &cobra.Command{
		Use:   "event HASH",
		Short: "Show an EPCIS event anchored on the ledger, by its CBV event hash",
		Long: `Show what the ledger holds of an EPCIS event captured with supply import-epcis:
its CBV 2.0 event hash (ni:///sha-256;…?ver=CBV2.0, as GS1's algorithm computes it
from the event, so anyone holding the event can recompute it), its type, business
step, who captured it and at which height. The event itself is not on the ledger.

Example:
  medchain supply event 'ni:///sha-256;58d2…?ver=CBV2.0'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := g.client().SupplyEvent(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.Print(e, func(w io.Writer) {
				fmt.Fprintf(w, "event      %s\ntype       %s\nbiz step   %s\ncaptured   by %s at height %d\n", e.Hash, e.Type, dash(e.BizStep), e.Signer, e.Height)
			})
		},
	}
}

func newSupplyRegisterGLNCmd(g *Global) *cobra.Command {
	return &cobra.Command{
		Use:   "register-gln GLN --as ADMIN",
		Short: "Claim a GS1 Global Location Number for your organisation",
		Long: `Claim a GS1 Global Location Number (13 digits with its check digit) for the
signer's organisation, signed by its admin, so that EPCIS shipping events naming it
as destination map to the organisation. A GLN belongs to one organisation.

On chain: the GLN and the organisation.

Example:
  medchain supply register-gln 0614141000029 --as distributor-admin`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := send(cmd, g, client.RegisterGLN{GLN: args[0]})
			if err != nil {
				return err
			}
			return printTx(g, res, "registered GLN "+args[0])
		},
	}
}

// ---- blood ----

type donationOptions struct {
	g                            *Global
	din, typ, donor, certificate string
}

func newSupplyDonationCmd(g *Global) *cobra.Command {
	o := &donationOptions{g: g}
	cmd := &cobra.Command{
		Use:   "donation --din DIN --donor PSEUDONYM [--type blood|plasma] [--certificate REF] --as NURSE",
		Short: "Register a blood or plasma donation",
		Long: `Register a donation under its ISBT 128 donation identification number (13
characters, e.g. A999926123456; two trailing flag digits are dropped). Signed by a
nurse, physician or registrar of a blood centre.

--donor is the centre's pseudonym of the donor: 16 to 64 lowercase hex digits
(e.g. an HMAC of the centre's own donor number under a key it keeps). Never a name,
and deliberately not the donor's patient ID: the donation's test results sit next to
it on the ledger. A plasma donation needs --certificate, a reference or hash of its
certificate of origin.

The donation is pending until its required tests pass (blood: ` + strings.Join(client.RequiredTests("blood"), ", ") + `;
plasma: ` + strings.Join(client.RequiredTests("plasma"), ", ") + `).

On chain: the DIN, type, donor pseudonym, centre, certificate reference and status.

Example:
  medchain supply donation --din A999926123456 --donor 9f2c4e6a8b0d1f3e --as blood-nurse`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := send(cmd, g, client.RegisterDonation{DIN: o.din, Type: o.typ, Donor: o.donor, Certificate: o.certificate})
			if err != nil {
				return err
			}
			var d client.Donation
			if err := res.Decode(&d); err != nil {
				return err
			}
			return printTx(g, res, fmt.Sprintf("donation %s (%s) registered, %s", d.DIN, d.Type, d.Status))
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.din, "din", "", "ISBT 128 donation identification number")
	f.StringVar(&o.typ, "type", "blood", "blood or plasma")
	f.StringVar(&o.donor, "donor", "", "the centre's donor pseudonym, 16-64 lowercase hex digits")
	f.StringVar(&o.certificate, "certificate", "", "plasma certificate of origin: a reference or hash")
	cmd.MarkFlagRequired("din")
	cmd.MarkFlagRequired("donor")
	cmd.AddCommand(newSupplyDonationShowCmd(g))
	return cmd
}

func newSupplyDonationShowCmd(g *Global) *cobra.Command {
	return &cobra.Command{
		Use:   "show DIN",
		Short: "Show a donation: status, tests and components",
		Long: `Show a donation as the ledger holds it: type, donor pseudonym, centre,
certificate, status (pending, released, failed), each test with its lab, and the
components made of it with where they are now.

Example:
  medchain supply donation show A999926123456`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := g.client().Donation(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.Print(d, func(w io.Writer) {
				fmt.Fprintf(w, "donation     %s (%s)\ndonor        %s\ncentre       %s\nstatus       %s\nregistered   %s (height %d)\n",
					d.DIN, d.Type, d.Donor, d.Centre, d.Status, unixTime(d.Time), d.Height)
				if d.Certificate != "" {
					fmt.Fprintf(w, "certificate  %s\n", d.Certificate)
				}
				if len(d.Tests) > 0 {
					table(w, "TEST\tRESULT\tLAB\tBY\tHEIGHT", func(tw io.Writer) {
						for _, t := range d.Tests {
							fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", t.Test, t.Result, t.Lab, t.By, t.Height)
						}
					})
				}
				if len(d.ComponentItems) > 0 {
					table(w, "COMPONENT\tSTATUS\tCUSTODIAN\tQUARANTINE", func(tw io.Writer) {
						for _, it := range d.ComponentItems {
							fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", it.ID, it.Status, it.Custodian, dash(it.Quarantine))
						}
					})
				}
			})
		},
	}
}

func newSupplyTestResultsCmd(g *Global) *cobra.Command {
	var pass, fail []string
	var report string
	cmd := &cobra.Command{
		Use:   "test-results DIN [--pass TEST,...] [--fail TEST,...] [--report SHA256] --as LAB-TECHNICIAN",
		Short: "Record a donation's test results",
		Long: `Record test results of a donation, each pass or fail, signed by a lab technician
of a lab or of the donation's blood centre. Tests are short codes (hiv, hbv, hcv,
syphilis, abo-rhd, htlv, wnv, nat-hiv...). --report is the SHA-256 of the lab's
report, which stays with the lab.

When every required test has passed, the donation is released and its components
leave quarantine. A failed test fails the donation: every component not yet used is
quarantined wherever it is, and supply lookback finds those already transfused.

On chain: each test's code and outcome, the lab, the signer and the report hash.

Example:
  medchain supply test-results A999926123456 --pass abo-rhd,hbv,hcv,hiv,syphilis --as blood-tech`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			msg := client.RecordTests{DIN: args[0], Report: report}
			for _, t := range pass {
				msg.Results = append(msg.Results, client.TestOutcome{Test: t, Result: "pass"})
			}
			for _, t := range fail {
				msg.Results = append(msg.Results, client.TestOutcome{Test: t, Result: "fail"})
			}
			if len(msg.Results) == 0 {
				return errors.New("give the results with --pass TEST,... and/or --fail TEST,...")
			}
			res, err := send(cmd, g, msg)
			if err != nil {
				return err
			}
			var d client.Donation
			if err := res.Decode(&d); err != nil {
				return err
			}
			return printTx(g, res, fmt.Sprintf("%d results recorded; donation %s is %s", len(msg.Results), d.DIN, d.Status))
		},
	}
	cmd.Flags().StringSliceVar(&pass, "pass", nil, "tests passed, comma separated")
	cmd.Flags().StringSliceVar(&fail, "fail", nil, "tests failed, comma separated")
	cmd.Flags().StringVar(&report, "report", "", "SHA-256 of the lab's report (64 lowercase hex)")
	return cmd
}

func newSupplySeparateCmd(g *Global) *cobra.Command {
	var comps []string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "separate DIN --component GTIN:EXPIRY[:SERIAL]... --as MEMBER",
		Short: "Separate a donation into components (units whose lot is the DIN)",
		Long: `Make components of a donation: units of the centre's blood-component products
(register them with supply products register --kind blood-component), one per
--component GTIN:EXPIRY[:SERIAL]. The lot is the DIN, so a recall of lot DIN
recalls the donation; the serial defaults to the DIN and must start with it (splits
add a suffix). Signed by a member of the donation's centre. Components of a donation
still awaiting its tests are made in quarantine.

On chain: the units (01/<GTIN>/21/<serial>, lot = DIN) and their link to the
donation. -q prints only the item IDs.

Example:
  medchain supply separate A999926123456 --component 09506000134376:2030-12-31 --as blood-tech`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			msg := client.Separate{DIN: args[0]}
			for _, c := range comps {
				parts := strings.Split(c, ":")
				if len(parts) < 2 || len(parts) > 3 {
					return fmt.Errorf("--component %q must be GTIN:EXPIRY[:SERIAL]", c)
				}
				spec := client.ComponentSpec{GTIN: parts[0], Expiry: parts[1]}
				if len(parts) == 3 {
					spec.Serial = parts[2]
				}
				msg.Components = append(msg.Components, spec)
			}
			if len(msg.Components) == 0 {
				return errors.New("name the components with --component GTIN:EXPIRY[:SERIAL]")
			}
			res, err := send(cmd, g, msg)
			if err != nil {
				return err
			}
			var s client.Separated
			if err := res.Decode(&s); err != nil {
				return err
			}
			if quiet && !g.JSON() {
				printIDs(g.Out, s.Items...)
				return nil
			}
			return printTx(g, res, fmt.Sprintf("donation %s separated into %s", s.DIN, strings.Join(s.Items, " ")))
		},
	}
	cmd.Flags().StringArrayVar(&comps, "component", nil, "a component to make: GTIN:EXPIRY[:SERIAL] (repeatable)")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print only the item IDs")
	return cmd
}

func newSupplyTransfuseCmd(g *Global) *cobra.Command {
	var recipient string
	cmd := &cobra.Command{
		Use:   "transfuse ITEM --recipient PATIENT --as PHYSICIAN|NURSE",
		Short: "Record a blood component transfused to a patient",
		Long: `Record a blood component transfused to a patient. Signed by a physician or nurse
of the hospital or clinic that holds it. The component's donation must be released
by its tests, and the component not quarantined, recalled or expired.

--recipient takes a patient ID (pt-…) or a keystore name whose identity is a patient.

On chain: the component's status, the recipient's pseudonymous patient ID, the
organisation and the signer: what supply lookback walks both ways.

Example:
  medchain supply transfuse 01/09506000134376/21/A999926123456 --recipient alice --as nurse-joy`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := client.ItemID(args[0])
			if err != nil {
				return err
			}
			pt, err := resolvePatient(g, recipient)
			if err != nil {
				return err
			}
			res, err := send(cmd, g, client.Transfuse{Item: id, Recipient: pt})
			if err != nil {
				return err
			}
			return printTx(g, res, fmt.Sprintf("transfused %s to %s", id, pt))
		},
	}
	cmd.Flags().StringVar(&recipient, "recipient", "", "the patient: a patient ID (pt-…) or a keystore name")
	cmd.MarkFlagRequired("recipient")
	return cmd
}

func newSupplyLookbackCmd(g *Global) *cobra.Command {
	var donor, recipient string
	cmd := &cobra.Command{
		Use:   "lookback (--donor PSEUDONYM | --recipient PATIENT)",
		Short: "Trace blood both ways: a donor's components to their recipients, a recipient's to their donors",
		Long: `Lookback. --donor lists every component of every donation of a donor (the blood
centre's pseudonym), where each is now and, if transfused, to whom: the question
when a donor later tests positive. --recipient lists every component transfused to a
patient with its donation, donor pseudonym and the donation's tests: the question
when a recipient falls ill.

--recipient takes a patient ID (pt-…) or a keystore name.

Example:
  medchain supply lookback --donor 9f2c4e6a8b0d1f3e
  medchain supply lookback --recipient alice`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var page *client.Page[client.Trace]
			var err error
			switch {
			case (donor == "") == (recipient == ""):
				return errors.New("give --donor PSEUDONYM or --recipient PATIENT")
			case donor != "":
				page, err = g.client().DonorLookback(cmd.Context(), donor)
			default:
				var pt string
				if pt, err = resolvePatient(g, recipient); err != nil {
					return err
				}
				page, err = g.client().RecipientLookback(cmd.Context(), pt)
			}
			if err != nil {
				return err
			}
			return g.Print(page, func(w io.Writer) {
				table(w, "DIN\tDONOR\tTYPE\tDONATION\tTESTS\tCOMPONENT\tSTATUS\tHOLDER\tRECIPIENT", func(tw io.Writer) {
					for _, t := range page.Items {
						rcpt := "-"
						if t.Transfusion != nil {
							rcpt = t.Transfusion.Recipient + " (" + t.Transfusion.Org + ")"
						} else if len(t.ConsumedBy) > 0 {
							rcpt = "pooled " + strings.Join(t.ConsumedBy, ",")
						}
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.DIN, t.Donor, t.DonationType, t.DonationStatus,
							testsSummary(t.Tests), dash(t.Item), dash(t.Status), dash(t.Custodian), rcpt)
					}
				})
			})
		},
	}
	cmd.Flags().StringVar(&donor, "donor", "", "the blood centre's donor pseudonym")
	cmd.Flags().StringVar(&recipient, "recipient", "", "the recipient: a patient ID (pt-…) or a keystore name")
	return cmd
}

// testsSummary is "hiv:pass,hbv:pass" shortened to what matters.
func testsSummary(ts []client.TestResult) string {
	if len(ts) == 0 {
		return "-"
	}
	var failed []string
	for _, t := range ts {
		if t.Result != "pass" {
			failed = append(failed, t.Test)
		}
	}
	if len(failed) > 0 {
		return "FAILED " + strings.Join(failed, ",")
	}
	return fmt.Sprintf("%d passed", len(ts))
}

// ---- plasma ----

func newSupplyPoolCmd(g *Global) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pool POOL ITEM... --as MEMBER",
		Short: "Pool plasma components of released donations",
		Long: `Pool plasma components the signer's organisation (a fractionator or blood
centre) holds into a pool named POOL (1-100 letters, digits and . _ : -). Each must
be a component of a donation released by its tests. More components may be added
with the same POOL until it is fractionated.

On chain: the pool (a transformation of kind pool), the components consumed and
the link from each to the pool: trace and lookback walk it.

Example:
  medchain supply pool POOL-2026-001 01/09506000134383/21/A999926123457 --as blood-tech`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := itemIDs(args[1:])
			if err != nil {
				return err
			}
			res, err := send(cmd, g, client.Pool{Pool: args[0], Items: ids})
			if err != nil {
				return err
			}
			var tf client.Transformation
			res.Decode(&tf)
			return printTx(g, res, fmt.Sprintf("pool %s: %d components", args[0], tf.Inputs))
		},
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "show POOL",
		Short: "Show a pool (or any transformation): inputs and output lots",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			tf, err := g.client().Transformation(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.Print(tf, func(w io.Writer) {
				fmt.Fprintf(w, "%s %s of %s, by %s at height %d\n", tf.Kind, tf.ID, tf.Org, tf.By, tf.Height)
				for _, id := range tf.InputItems {
					fmt.Fprintf(w, "input   %s\n", id)
				}
				for _, o := range tf.Outputs {
					fmt.Fprintf(w, "output  %s lot %s: %d units\n", o.GTIN, o.Lot, o.Units)
				}
			})
		},
	})
	return cmd
}

type fractionateOptions struct {
	g                 *Global
	gtin, lot, expiry string
	serials           []string
	rng               string
}

func newSupplyFractionateCmd(g *Global) *cobra.Command {
	o := &fractionateOptions{g: g}
	cmd := &cobra.Command{
		Use:   "fractionate POOL --gtin GTIN --lot LOT --expiry YYYY-MM-DD (--serials S,... | --range PREFIX:START:COUNT:WIDTH) --as MEMBER",
		Short: "Make a lot of a plasma product from a pool",
		Long: `Fractionate a pool: commission a new lot of a plasma product (kind
plasma-product, made by the signer's organisation, which made the pool) with its
serialised units. Once a pool has outputs, nothing more can go into it.

On chain: the lot and units, and the link from the lot to the pool: supply trace
walks any unit's lot back to the pool, its donations and their tests.

Example:
  medchain supply fractionate POOL-2026-001 --gtin 09506000134390 --lot ALB-001 --expiry 2030-01-31 --range ALB:1:4:3 --as blood-tech`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := parseSerials(o.serials, o.rng)
			if err != nil {
				return err
			}
			res, err := send(cmd, g, client.Fractionate{Pool: args[0],
				Outputs: []client.TransformOutput{{GTIN: o.gtin, Lot: o.lot, Expiry: o.expiry, Serials: s}}})
			if err != nil {
				return err
			}
			return printTx(g, res, fmt.Sprintf("pool %s fractionated: %d units of %s lot %s", args[0], len(s.Expand()), o.gtin, o.lot))
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.gtin, "gtin", "", "the plasma product's GTIN")
	f.StringVar(&o.lot, "lot", "", "the new lot")
	f.StringVar(&o.expiry, "expiry", "", "the lot's expiry, YYYY-MM-DD")
	f.StringSliceVar(&o.serials, "serials", nil, "serial numbers, comma separated")
	f.StringVar(&o.rng, "range", "", "a numeric range of serials, PREFIX:START:COUNT:WIDTH")
	for _, n := range []string{"gtin", "lot", "expiry"} {
		cmd.MarkFlagRequired(n)
	}
	return cmd
}

func newSupplyTraceCmd(g *Global) *cobra.Command {
	return &cobra.Command{
		Use:   "trace GTIN LOT",
		Short: "Trace a lot back to the pools and donations it was made of",
		Long: `Walk a lot back through the transformations that made it (a plasma product
lot: its pool) to the donations it was made of, with each donation's centre,
certificate and tests. A lot of blood components (lot = DIN) traces to its
donation.

Example:
  medchain supply trace 09506000134390 ALB-001`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := g.client().TraceLot(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			return g.Print(t, func(w io.Writer) {
				fmt.Fprintf(w, "lot %s of %s\n", t.Lot, t.GTIN)
				for _, tf := range t.Transformations {
					fmt.Fprintf(w, "made by %s %s of %s: %d inputs, at height %d\n", tf.Kind, tf.ID, tf.Org, tf.Inputs, tf.Height)
				}
				table(w, "DIN\tTYPE\tCENTRE\tDONOR\tSTATUS\tTESTS\tCERTIFICATE", func(tw io.Writer) {
					for _, d := range t.Donations {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.DIN, d.Type, d.Centre, d.Donor, d.Status, testsSummary(d.Tests), dash(d.Certificate))
					}
				})
			})
		},
	}
}

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
