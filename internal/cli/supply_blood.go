package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medchain/medchain/client"
)

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
