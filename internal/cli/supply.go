package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"

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
		newSupplyCommissionCmd(g), newSupplyPackCmd(g), newSupplyUnpackCmd(g),
		newSupplyShipCmd(g), newSupplyReceiveCmd(g), newSupplyReadingCmd(g),
		newSupplyReleaseCmd(g), newSupplyDispenseCmd(g), newSupplyDestroyCmd(g), newSupplyRecallCmd(g),
		newSupplyHoldersCmd(g), newSupplyVerifyCmd(g), newSupplyAlertsCmd(g),
		newSupplyItemCmd(g), newSupplyShipmentCmd(g),
		newSupplyImportEPCISCmd(g), newSupplyEPCISHashCmd(g), newSupplyEventCmd(g), newSupplyRegisterGLNCmd(g),
		newSupplyCaptureCmd(g), newSupplyEventsCmd(g),
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
	bad := usageErrorf("temperature %q: degrees Celsius as a decimal with at most 3 decimals, e.g. 4.5 or -20", orig)
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
			return nil, usageErrorf("item %q: %w", c, err)
		}
		out = append(out, id)
	}
	return out, nil
}

// itemsInto is the Parse of a send verb whose arguments are the items it
// acts on: it reads them into the message field that field points at.
func itemsInto[M client.Msg](field func(m *M) *[]string) func(g *Global, args []string, m *M) error {
	return func(_ *Global, args []string, m *M) (err error) {
		*field(m), err = itemIDs(args)
		return err
	}
}

// containerArgs reads CONTAINER ITEM... into the container's item ID and
// its items'.
func containerArgs(args []string) (parent string, children []string, err error) {
	ids, err := itemIDs(args)
	if err != nil {
		return "", nil, err
	}
	return ids[0], ids[1:], nil
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
		return "", usageErrorf("%q is neither a member ID (ORG/HANDLE) nor a keystore name of a member", ref)
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
		return client.Serials{}, usageErrorf("give --serials or --range, not both")
	case len(list) > 0:
		return client.Serials{List: list}, nil
	case rng == "":
		return client.Serials{}, usageErrorf("name the serials: --serials S1,S2,... or --range PREFIX:START:COUNT:WIDTH")
	}
	parts := strings.Split(rng, ":")
	bad := usageErrorf("--range %q must be PREFIX:START:COUNT:WIDTH, e.g. SN:1:100:6 for SN000001 to SN000100", rng)
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

// printResult prints a committed send by the handler's result, decoded
// into a V: with quiet (-q), the IDs ids gives, one a line; else the line
// what gives, with the transaction. If the result cannot be read, it says
// so with the transaction, which did commit.
func printResult[V any](w io.Writer, res *client.TxResult, quiet bool, what func(v *V) string, ids func(v *V) []string) {
	var v V
	switch err := res.Decode(&v); {
	case err != nil:
		txLine(w, res, "committed, but the node's answer cannot be read ("+err.Error()+")")
	case quiet && ids != nil:
		printIDs(w, ids(&v)...)
	default:
		txLine(w, res, what(&v))
	}
}

// one is the ID of a thing made, as printResult's ids.
func one(id string) []string { return []string{id} }

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
