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

// ---- blood ----

func newSupplyDonationCmd(g *Global) *cobra.Command {
	cmd := newSendCmd(g, sendVerb[client.RegisterDonation]{
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
		Flags: func(f *pflag.FlagSet, m *client.RegisterDonation) {
			f.StringVar(&m.DIN, "din", "", "ISBT 128 donation identification number")
			f.StringVar(&m.Type, "type", "blood", "blood or plasma")
			f.StringVar(&m.Donor, "donor", "", "the centre's donor pseudonym, 16-64 lowercase hex digits")
			f.StringVar(&m.Certificate, "certificate", "", "plasma certificate of origin: a reference or hash")
		},
		Required: []string{"din", "donor"},
		Print: func(w io.Writer, _ *client.RegisterDonation, res *client.TxResult) {
			printResult(w, res, false, func(d *client.Donation) string {
				return fmt.Sprintf("donation %s (%s) registered, %s", d.DIN, d.Type, d.Status)
			}, nil)
		},
	})
	cmd.AddCommand(newSupplyDonationShowCmd(g))
	return cmd
}

func newSupplyDonationShowCmd(g *Global) *cobra.Command {
	return newShowCmd(g, showVerb[client.DonationInfo]{
		Use:   "show DIN --as NAME",
		Short: "Show a donation: status, tests and components",
		Long: `Show a donation as the ledger holds it: type, donor pseudonym, centre,
certificate, status (pending, released, failed), each test with its lab, and the
components made of it with where they are now. A donation names a donor and
their tests: the read is signed with the --as key, which must be a member's of
one of the network's organisations.

Example:
  medchain supply donation show A999926123456 --as blood-centre`,
		Args:   cobra.ExactArgs(1),
		Access: readKeyed,
		Fetch:  byID(API.Donation),
		Text: func(w io.Writer, d *client.DonationInfo) {
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
		},
	})
}

func newSupplyTestResultsCmd(g *Global) *cobra.Command {
	var pass, fail []string
	return newSendCmd(g, sendVerb[client.RecordTests]{
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
		Flags: func(f *pflag.FlagSet, m *client.RecordTests) {
			f.StringSliceVar(&pass, "pass", nil, "tests passed, comma separated")
			f.StringSliceVar(&fail, "fail", nil, "tests failed, comma separated")
			f.StringVar(&m.Report, "report", "", "SHA-256 of the lab's report (64 lowercase hex)")
		},
		Parse: func(_ *Global, args []string, m *client.RecordTests) error {
			m.DIN = args[0]
			for _, t := range pass {
				m.Results = append(m.Results, client.TestOutcome{Test: t, Result: "pass"})
			}
			for _, t := range fail {
				m.Results = append(m.Results, client.TestOutcome{Test: t, Result: "fail"})
			}
			if len(m.Results) == 0 {
				return usageErrorf("give the results with --pass TEST,... and/or --fail TEST,...")
			}
			return nil
		},
		Print: func(w io.Writer, m *client.RecordTests, res *client.TxResult) {
			printResult(w, res, false, func(d *client.Donation) string {
				return fmt.Sprintf("%d results recorded; donation %s is %s", len(m.Results), d.DIN, d.Status)
			}, nil)
		},
	})
}

func newSupplySeparateCmd(g *Global) *cobra.Command {
	var comps []string
	var quiet bool
	return newSendCmd(g, sendVerb[client.Separate]{
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
		Flags: func(f *pflag.FlagSet, _ *client.Separate) {
			f.StringArrayVar(&comps, "component", nil, "a component to make: GTIN:EXPIRY[:SERIAL] (repeatable)")
			f.BoolVarP(&quiet, "quiet", "q", false, "print only the item IDs")
		},
		Parse: func(_ *Global, args []string, m *client.Separate) error {
			m.DIN = args[0]
			for _, c := range comps {
				parts := strings.Split(c, ":")
				if len(parts) < 2 || len(parts) > 3 {
					return usageErrorf("--component %q must be GTIN:EXPIRY[:SERIAL]", c)
				}
				spec := client.ComponentSpec{GTIN: parts[0], Expiry: parts[1]}
				if len(parts) == 3 {
					spec.Serial = parts[2]
				}
				m.Components = append(m.Components, spec)
			}
			if len(m.Components) == 0 {
				return usageErrorf("name the components with --component GTIN:EXPIRY[:SERIAL]")
			}
			return nil
		},
		Print: func(w io.Writer, _ *client.Separate, res *client.TxResult) {
			printResult(w, res, quiet, func(s *client.Separated) string {
				return fmt.Sprintf("donation %s separated into %s", s.DIN, strings.Join(s.Items, " "))
			}, func(s *client.Separated) []string { return s.Items })
		},
	})
}

func newSupplyTransfuseCmd(g *Global) *cobra.Command {
	var recipient string
	return newSendCmd(g, sendVerb[client.Transfuse]{
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
		Flags: func(f *pflag.FlagSet, _ *client.Transfuse) {
			f.StringVar(&recipient, "recipient", "", "the patient: a patient ID (pt-…) or a keystore name")
		},
		Required: []string{"recipient"},
		Parse: func(g *Global, args []string, m *client.Transfuse) error {
			id, err := client.ItemID(args[0])
			if err != nil {
				return usageErrorf("item %q: %w", args[0], err)
			}
			pt, err := resolvePatient(g, recipient)
			if err != nil {
				return err
			}
			m.Item, m.Recipient = id, pt
			return nil
		},
		Print: func(w io.Writer, m *client.Transfuse, res *client.TxResult) {
			txLine(w, res, fmt.Sprintf("transfused %s to %s", m.Item, m.Recipient))
		},
	})
}

func newSupplyLookbackCmd(g *Global) *cobra.Command {
	var donor, recipient string
	return newShowCmd(g, showVerb[client.Page[client.Trace]]{
		Use:   "lookback --as NAME (--donor PSEUDONYM | --recipient PATIENT)",
		Short: "Trace blood both ways: a donor's components to their recipients, a recipient's to their donors",
		Long: `Lookback. --donor lists every component of every donation of a donor (the blood
centre's pseudonym), where each is now and, if transfused, to whom: the question
when a donor later tests positive. --recipient lists every component transfused to a
patient with its donation, donor pseudonym and the donation's tests: the question
when a recipient falls ill. The patient and their delegates see it without the donor
pseudonym (shown as -), so that recipients cannot find each other's donors.

--recipient takes a patient ID (pt-…) or a keystore name.

Lookbacks are private: the read is signed with the --as key. A donor's lookback
is seen by members of the centre that took the donations; a recipient's by the
patient and their delegates, and by members of the organisations that transfused
the components or took their donations (each sees those only).

Example:
  medchain supply lookback --as blood-centre --donor 9f2c4e6a8b0d1f3e
  medchain supply lookback --as alice --recipient alice`,
		Flags: func(f *pflag.FlagSet) {
			f.StringVar(&donor, "donor", "", "the blood centre's donor pseudonym")
			f.StringVar(&recipient, "recipient", "", "the recipient: a patient ID (pt-…) or a keystore name")
		},
		Access: readKeyed,
		Fetch: func(ctx context.Context, api API, _ []string) (*client.Page[client.Trace], error) {
			switch {
			case (donor == "") == (recipient == ""):
				return nil, usageErrorf("give --donor PSEUDONYM or --recipient PATIENT")
			case donor != "":
				return api.DonorLookback(ctx, donor)
			}
			pt, err := resolvePatient(g, recipient)
			if err != nil {
				return nil, err
			}
			return api.RecipientLookback(ctx, pt)
		},
		Text: func(w io.Writer, page *client.Page[client.Trace]) {
			table(w, "DIN\tDONOR\tTYPE\tDONATION\tTESTS\tCOMPONENT\tSTATUS\tHOLDER\tRECIPIENT", func(tw io.Writer) {
				for _, t := range page.Items {
					rcpt := "-"
					if t.Transfusion != nil {
						rcpt = t.Transfusion.Recipient + " (" + t.Transfusion.Org + ")"
					} else if len(t.ConsumedBy) > 0 {
						rcpt = "pooled " + strings.Join(t.ConsumedBy, ",")
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.DIN, dash(t.Donor), t.DonationType, t.DonationStatus,
						testsSummary(t.Tests), dash(t.Item), dash(t.Status), dash(t.Custodian), rcpt)
				}
			})
		},
	})
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
	cmd := newSendCmd(g, sendVerb[client.Pool]{
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
		Parse: func(_ *Global, args []string, m *client.Pool) (err error) {
			m.Pool = args[0]
			m.Items, err = itemIDs(args[1:])
			return err
		},
		Print: func(w io.Writer, m *client.Pool, res *client.TxResult) {
			printResult(w, res, false, func(tf *client.Transformation) string {
				return fmt.Sprintf("pool %s: %d components", m.Pool, tf.Inputs)
			}, nil)
		},
	})
	cmd.AddCommand(newSupplyPoolShowCmd(g))
	return cmd
}

func newSupplyPoolShowCmd(g *Global) *cobra.Command {
	return newShowCmd(g, showVerb[client.TransformationInfo]{
		Use:   "show POOL",
		Short: "Show a pool (or any transformation): inputs and output lots",
		Args:  cobra.ExactArgs(1),
		Fetch: byID(API.Transformation),
		Text: func(w io.Writer, tf *client.TransformationInfo) {
			fmt.Fprintf(w, "%s %s of %s, by %s at height %d\n", tf.Kind, tf.ID, tf.Org, tf.By, tf.Height)
			for _, id := range tf.InputItems {
				fmt.Fprintf(w, "input   %s\n", id)
			}
			for _, o := range tf.Outputs {
				fmt.Fprintf(w, "output  %s lot %s: %d units\n", o.GTIN, o.Lot, o.Units)
			}
		},
	})
}

func newSupplyFractionateCmd(g *Global) *cobra.Command {
	var out client.TransformOutput
	var serials []string
	var rng string
	return newSendCmd(g, sendVerb[client.Fractionate]{
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
		Flags: func(f *pflag.FlagSet, _ *client.Fractionate) {
			f.StringVar(&out.GTIN, "gtin", "", "the plasma product's GTIN")
			f.StringVar(&out.Lot, "lot", "", "the new lot")
			f.StringVar(&out.Expiry, "expiry", "", "the lot's expiry, YYYY-MM-DD")
			f.StringSliceVar(&serials, "serials", nil, "serial numbers, comma separated")
			f.StringVar(&rng, "range", "", "a numeric range of serials, PREFIX:START:COUNT:WIDTH")
		},
		Required: []string{"gtin", "lot", "expiry"},
		Parse: func(_ *Global, args []string, m *client.Fractionate) (err error) {
			if out.Serials, err = parseSerials(serials, rng); err != nil {
				return err
			}
			m.Pool, m.Outputs = args[0], []client.TransformOutput{out}
			return nil
		},
		Print: func(w io.Writer, m *client.Fractionate, res *client.TxResult) {
			o := m.Outputs[0]
			txLine(w, res, fmt.Sprintf("pool %s fractionated: %d units of %s lot %s", m.Pool, len(o.Serials.Expand()), o.GTIN, o.Lot))
		},
	})
}

func newSupplyTraceCmd(g *Global) *cobra.Command {
	return newShowCmd(g, showVerb[client.LotTrace]{
		Use:   "trace GTIN LOT [--as NAME]",
		Short: "Trace a lot back to the pools and donations it was made of",
		Long: `Walk a lot back through the transformations that made it (a plasma product
lot: its pool) to the donations it was made of, with each donation's centre,
certificate and tests. A lot of blood components (lot = DIN) traces to its
donation. Donor pseudonyms and tests are shown to members only: the read is signed
with the --as key when given.

Example:
  medchain supply trace 09506000134390 ALB-001 --as fractionator`,
		Args:   cobra.ExactArgs(2),
		Access: readEither,
		Fetch: func(ctx context.Context, api API, args []string) (*client.LotTrace, error) {
			return api.TraceLot(ctx, args[0], args[1])
		},
		Text: func(w io.Writer, t *client.LotTrace) {
			fmt.Fprintf(w, "lot %s of %s\n", t.Lot, t.GTIN)
			for _, tf := range t.Transformations {
				fmt.Fprintf(w, "made by %s %s of %s: %d inputs, at height %d\n", tf.Kind, tf.ID, tf.Org, tf.Inputs, tf.Height)
			}
			table(w, "DIN\tTYPE\tCENTRE\tDONOR\tSTATUS\tTESTS\tCERTIFICATE", func(tw io.Writer) {
				for _, d := range t.Donations {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.DIN, d.Type, d.Centre, dash(d.Donor), d.Status, testsSummary(d.Tests), dash(d.Certificate))
				}
			})
		},
	})
}
