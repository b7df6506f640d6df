package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/medchain/medchain/client"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// ---- products ----

func newSupplyProductRegisterCmd(g *Global) *cobra.Command {
	var min, max string
	return newSendCmd(g, sendVerb[client.RegisterProduct]{
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
		Flags: func(f *pflag.FlagSet, m *client.RegisterProduct) {
			f.StringVar(&m.GTIN, "gtin", "", "the product's GTIN-14")
			f.StringVar(&m.Name, "name", "", "the product's name")
			f.StringVar(&m.Kind, "kind", "", "kind: "+strings.Join(client.ProductKinds, ", "))
			f.StringVar(&m.NDC, "ndc", "", "National Drug Code, if any")
			f.StringVar(&min, "min", "", "lowest storage temperature, °C")
			f.StringVar(&max, "max", "", "highest storage temperature, °C")
		},
		Required: []string{"gtin", "name", "kind"},
		Parse: func(_ *Global, _ []string, m *client.RegisterProduct) (err error) {
			m.MinMilliC, m.MaxMilliC, err = storageRange(min, max)
			return err
		},
		Print: func(w io.Writer, m *client.RegisterProduct, res *client.TxResult) {
			txLine(w, res, fmt.Sprintf("registered %s %q (%s, storage %s)", m.GTIN, m.Name, m.Kind, celsiusRange(m.MinMilliC, m.MaxMilliC)))
		},
	})
}

// storageRange reads --min and --max (°C, both or neither) into milli-°C.
func storageRange(min, max string) (minMC, maxMC int64, err error) {
	if (min == "") != (max == "") {
		return 0, 0, usageErrorf("give both --min and --max, or neither (no cold chain)")
	}
	if min == "" {
		return 0, 0, nil
	}
	if minMC, err = parseMilliC(min); err != nil {
		return 0, 0, fmt.Errorf("--min: %w", err)
	}
	if maxMC, err = parseMilliC(max); err != nil {
		return 0, 0, fmt.Errorf("--max: %w", err)
	}
	return minMC, maxMC, nil
}

func newSupplyProductShowCmd(g *Global) *cobra.Command {
	return newShowCmd(g, showVerb[client.Product]{
		Use:   "show GTIN",
		Short: "Show a registered product",
		Args:  cobra.ExactArgs(1),
		Fetch: byID(API.Product),
		Text: func(w io.Writer, p *client.Product) {
			fmt.Fprintf(w, "gtin          %s\nname          %s\nkind          %s\nmanufacturer  %s\nstorage       %s\nregistered    height %d\n",
				p.GTIN, p.Name, p.Kind, p.Manufacturer, celsiusRange(p.MinMilliC, p.MaxMilliC), p.Height)
			if p.NDC != "" {
				fmt.Fprintf(w, "ndc           %s\n", p.NDC)
			}
		},
	})
}

// ---- commission ----

func newSupplyCommissionCmd(g *Global) *cobra.Command {
	var serials []string
	var rng string
	var quiet bool
	return newSendCmd(g, sendVerb[client.Commission]{
		Use:   "commission GTIN LOT --expiry YYYY-MM-DD (--serials S1,S2 | --range PREFIX:START:COUNT:WIDTH) --as MEMBER",
		Short: "Commission serialised units of a lot of your product",
		Long: `Create serialised units of a lot (created on first use) of a product of the
signer's organisation. The serials are a list (--serials) or a numeric range
(--range PREFIX:START:COUNT:WIDTH: SN:1:100:6 is SN000001 to SN000100); at most
` + strconv.Itoa(client.MaxCommission) + ` a transaction. Each unit's ID is 01/<GTIN>/21/<serial>.

On chain: the lot (GTIN, lot number, expiry, manufacturer) and one item per
serial, active and held by the manufacturer.

-q prints the new item IDs, one a line. An --expiry before today is refused
before anything is signed: the ledger makes no expired lot (supply.expired_lot).

Example:
  medchain supply commission 09506000134352 FLU-24A --expiry 2030-06-30 --range VX:1:4:4 --as pharmaco-quality`,
		Args: cobra.ExactArgs(2),
		Flags: func(f *pflag.FlagSet, m *client.Commission) {
			f.StringVar(&m.Expiry, "expiry", "", "expiry date of the lot, YYYY-MM-DD")
			f.StringSliceVar(&serials, "serials", nil, "serial numbers, comma separated")
			f.StringVar(&rng, "range", "", "a numeric range of serials, PREFIX:START:COUNT:WIDTH")
			f.BoolVarP(&quiet, "quiet", "q", false, "print only the item IDs")
		},
		Required: []string{"expiry"},
		Parse: func(_ *Global, args []string, m *client.Commission) (err error) {
			m.GTIN, m.Lot = args[0], args[1]
			if today := time.Now().UTC().Format(time.DateOnly); m.Expiry < today {
				return usageErrorf("--expiry %s is before today (%s): the ledger makes no expired lot (supply.expired_lot); check the date", m.Expiry, today)
			}
			m.Serials, err = parseSerials(serials, rng)
			return err
		},
		Print: func(w io.Writer, m *client.Commission, res *client.TxResult) {
			ids := unitIDs(m.GTIN, m.Serials)
			if quiet {
				printIDs(w, ids...)
				return
			}
			what := fmt.Sprintf("commissioned %d units of %s lot %s, expiring %s: %s", len(ids), m.GTIN, m.Lot, m.Expiry, ids[0])
			if len(ids) > 1 {
				what += " … " + ids[len(ids)-1]
			}
			txLine(w, res, what)
		},
	})
}

// unitIDs are the item IDs of serials of a GTIN.
func unitIDs(gtin string, s client.Serials) []string {
	serials := s.Expand()
	ids := make([]string, len(serials))
	for i, sn := range serials {
		ids[i] = client.UnitID(gtin, sn)
	}
	return ids
}

// ---- pack, unpack ----

func newSupplyPackCmd(g *Global) *cobra.Command {
	return newSendCmd(g, sendVerb[client.Pack]{
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
		Parse: func(_ *Global, args []string, m *client.Pack) (err error) {
			m.Parent, m.Children, err = containerArgs(args)
			return err
		},
		Print: func(w io.Writer, m *client.Pack, res *client.TxResult) {
			txLine(w, res, fmt.Sprintf("packed %d items into %s", len(m.Children), m.Parent))
		},
	})
}

func newSupplyUnpackCmd(g *Global) *cobra.Command {
	return newSendCmd(g, sendVerb[client.Unpack]{
		Use:   "unpack CONTAINER [ITEM...] --as MEMBER",
		Short: "Take items out of a container (all of them if none is named)",
		Long: `Take items out of a container the signer's organisation holds: those named, or
all of them. They keep the container's custodian and, if it was quarantined, its
quarantine.

On chain: each item's parent is cleared.

Example:
  medchain supply unpack 00/006141410000010004 --as medsupply-logistics`,
		Args: cobra.MinimumNArgs(1),
		Parse: func(_ *Global, args []string, m *client.Unpack) (err error) {
			m.Parent, m.Children, err = containerArgs(args)
			return err
		},
		Print: func(w io.Writer, m *client.Unpack, res *client.TxResult) {
			if len(m.Children) > 0 {
				txLine(w, res, fmt.Sprintf("took %d items out of %s", len(m.Children), m.Parent))
				return
			}
			txLine(w, res, "unpacked "+m.Parent)
		},
	})
}
