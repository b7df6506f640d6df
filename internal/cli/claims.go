package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/claimcheck"
	"github.com/medchain/medchain/internal/claims"
	"github.com/medchain/medchain/internal/codelist"
)

// ClaimsAPI reads plans, coverage and claims and pre-checks claims.
type ClaimsAPI interface {
	Plans(ctx context.Context, after string, limit int) (*client.Page[client.Plan], error)
	Plan(ctx context.Context, id string, opts ...client.ReadOption) (*client.PlanHistory, error)
	PlanInForce(ctx context.Context, id, day string, opts ...client.ReadOption) (*client.PlanVersion, error)
	Precheck(ctx context.Context, claim []byte, plan string, version int) (*client.Precheck, error)
	CoverageFromFHIR(ctx context.Context, coverage []byte) (*client.RecordCoverage, error)
	Coverage(ctx context.Context, id string) (*client.Coverage, error)
	Eligibility(ctx context.Context, id, day string) (*client.Eligibility, error)
	PatientCoverage(ctx context.Context, patient string) (*client.Page[client.Coverage], error)
	EligibilityFHIR(ctx context.Context, id, day string) (json.RawMessage, error)
	Claim(ctx context.Context, id string, opts ...client.ReadOption) (*client.Claim, error)
	ClaimResponse(ctx context.Context, id string) ([]byte, error)
	Claims(ctx context.Context, by, who, after string, limit int) (*client.Page[client.Claim], error)
	Reconciliation(ctx context.Context, of string) (*client.Reconciliation, error)
}

func newClaimsCmd(g *Global) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "claims",
		Short: "Insurance plans on the ledger, pre-check, claims, adjudication and payment",
		Long: `Insurance claims whose rules are published on the ledger. An insurer publishes a plan
as versioned rule sets (required claim elements, covered ICD-10-CM diagnoses, a HCPCS fee
schedule in minor units, the patient's share, benefit rules in CEL); a new version takes
effect only after 30 days' notice. It records patients' coverage. A provider pre-checks a
FHIR R4 Claim against the plan (every problem at once, with the FHIR element), submits it
(only the document's SHA-256 goes on chain; the document stays with the provider and goes
to the payer off chain), the payer adjudicates it with the same code and version, and pays.
Anyone holding the claim file can audit the decision against the ledger.

Amounts are integers in minor units (17500 USD is $175.00). No diagnosis, service line or
other health data is on chain. See docs/claims.md.`,
	}
	plans := newClaimsPlansCmd(g)
	plans.AddCommand(newClaimsPublishCmd(g), newClaimsPlanShowCmd(g))
	coverage := &cobra.Command{Use: "coverage", Short: "Record, show and cancel patients' coverage",
		Long: "A payer records a patient's coverage under one of its plans (pseudonymous patient, plan, period, status)."}
	coverage.AddCommand(newClaimsCoverageRecordCmd(g), newClaimsCoverageShowCmd(g), newClaimsCoverageListCmd(g), newClaimsCoverageCancelCmd(g))
	cmd.AddCommand(plans, coverage, newClaimsEligibilityCmd(g), newClaimsPrecheckCmd(g), newClaimsSubmitCmd(g),
		newClaimsReviewCmd(g), newClaimsAdjudicateCmd(g), newClaimsAppealCmd(g), newClaimsPayCmd(g),
		newClaimsShowCmd(g), newClaimsListCmd(g), newClaimsReconcileCmd(g), newClaimsAuditCmd(g))
	return cmd
}

func newClaimsPlansCmd(g *Global) *cobra.Command {
	return newListCmd(g, listVerb[client.Plan]{
		Use:       "plans",
		Short:     "List plans; publish and show them",
		Long:      "List the plans on the ledger (public). Subcommands publish a version and show a plan's history.",
		Example:   "  medchain claims plans\n  medchain claims plans show acme-basic",
		AfterHelp: "list plans after this ID",
		Fetch: func(ctx context.Context, api API, _ []string, after string, limit int) (*client.Page[client.Plan], error) {
			return api.Plans(ctx, after, limit)
		},
		Header: "ID\tPAYER\tVERSIONS",
		Row:    func(p client.Plan) string { return fmt.Sprintf("%s\t%s\t%d", p.ID, p.Payer, p.Versions) },
	})
}

// readFile reads a file named on the command line.
func readFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	return b, nil
}

// checkPlanCodes checks a plan's codes against the code lists shipped
// with medchain (the chain checks only their syntax).
func checkPlanCodes(m *client.PublishPlan) error {
	var unknown []string
	for i, c := range m.Diagnoses {
		if !codelist.ICD10CM(c) {
			unknown = append(unknown, fmt.Sprintf("diagnoses[%d] %s is not in the ICD-10-CM list", i, c))
		}
	}
	for i, s := range m.Services {
		if !codelist.HCPCS(s.Code) {
			unknown = append(unknown, fmt.Sprintf("services[%d].code %s is not in the HCPCS Level II list", i, s.Code))
		}
	}
	if len(unknown) > 0 {
		return usageErrorf("%s (--skip-code-check publishes anyway)", strings.Join(unknown, "; "))
	}
	return nil
}

func newClaimsPublishCmd(g *Global) *cobra.Command {
	var skip, quiet bool
	return newSendCmd(g, sendVerb[client.PublishPlan]{
		Use:   "publish FILE --as CLAIMS-OFFICER",
		Short: "Publish a version of a plan of your insurer",
		Long: `Publish a version of a plan, signed by a claims officer or admin of an insurer. FILE is
the rule set as JSON (the claims/publish-plan message, docs/transactions.md): plan ID,
currency, effective date, required claim elements, covered ICD-10-CM diagnoses (no dot,
sorted), the HCPCS fee schedule (minor units per unit, sorted by code), the patient's
share in basis points and CEL benefit rules. The codes are checked against the ICD-10-CM
and HCPCS lists medchain ships before anything is sent. A version after the first takes
effect 30 days after publication at the earliest. -q prints only the version's hash.`,
		Example: `  medchain claims plans publish plan.json --as claims-officer`,
		Args:    cobra.ExactArgs(1),
		Flags: func(f *pflag.FlagSet, _ *client.PublishPlan) {
			f.BoolVar(&skip, "skip-code-check", false, "publish codes that are not in the shipped code lists")
			f.BoolVarP(&quiet, "quiet", "q", false, "print only the version's hash")
		},
		Parse: func(_ *Global, args []string, m *client.PublishPlan) error {
			b, err := readFile(args[0])
			if err != nil {
				return err
			}
			d := json.NewDecoder(strings.NewReader(string(b)))
			d.DisallowUnknownFields()
			if err := d.Decode(m); err != nil {
				return usageErrorf("%s: not a plan rule set: %v", args[0], err)
			}
			if skip {
				return nil
			}
			return checkPlanCodes(m)
		},
		Print: func(w io.Writer, _ *client.PublishPlan, res *client.TxResult) {
			printResult(w, res, quiet, func(v *client.PlanVersion) string {
				return fmt.Sprintf("plan %s version %d of %s, in force from %s, rule set %s", v.Plan, v.Version, v.Payer, v.Effective, v.Hash)
			}, func(v *client.PlanVersion) []string { return one(v.Hash) })
		},
	})
}

func newClaimsPlanShowCmd(g *Global) *cobra.Command {
	var prove bool
	var day, proven string
	var trust trustOptions
	return newShowCmd(g, showVerb[client.PlanHistory]{
		Use:   "show PLAN [--date YYYY-MM-DD] [--prove]",
		Short: "A plan and every version of its rule set",
		Long: `Show a plan's versions, oldest first: effective date, rule-set hash, fee schedule,
covered diagnoses and benefit rules. --date shows only the version in force on that day: the
one that judges a claim whose service date it is. --prove adds the Merkle proofs of the
plan and the versions shown (kept with --output json) and verifies each against the header
after its state: one you trust (--trust-height, --trust-hash), else the node's own.`,
		Args: cobra.ExactArgs(1),
		Flags: func(f *pflag.FlagSet) {
			proveFlags(f, &prove, "prove the plan and its versions", &trust)
			f.StringVar(&day, "date", "", "show only the version in force on this day, YYYY-MM-DD")
		},
		Fetch: func(ctx context.Context, api API, args []string) (*client.PlanHistory, error) {
			var opts []client.ReadOption
			var p *prover
			if prove {
				var err error
				if p, err = newProver(g, &trust); err != nil {
					return nil, err
				}
				opts = append(opts, client.WithProof())
			}
			var h *client.PlanHistory
			if day != "" {
				v, err := api.PlanInForce(ctx, args[0], day, opts...)
				if err != nil {
					return nil, err
				}
				h = &client.PlanHistory{ID: v.Plan, Payer: v.Payer, Versions: []client.PlanVersion{*v}}
				if v.Proof != nil {
					h.Proofs = []*client.Proof{v.Proof}
				}
			} else {
				var err error
				if h, err = api.Plan(ctx, args[0], opts...); err != nil {
					return nil, err
				}
			}
			if p != nil {
				var err error
				if proven, err = p.verify(ctx, "plan "+args[0], h.Proofs...); err != nil {
					return nil, err
				}
			}
			return h, nil
		},
		Text: func(w io.Writer, p *client.PlanHistory) {
			fmt.Fprintf(w, "plan %s of %s\n", p.ID, p.Payer)
			for _, v := range p.Versions {
				fmt.Fprintf(w, "\nversion %d  effective %s  %s  patient share %d bp  rule set %s\n", v.Version, v.Effective, v.Currency, v.PatientShareBP, v.Hash)
				fmt.Fprintf(w, "required   %s\ndiagnoses  %s\n", strings.Join(v.Required, ", "), strings.Join(v.Diagnoses, ", "))
				table(w, "SERVICE\tFEE\tMAX UNITS\tPRIOR AUTH", func(tw io.Writer) {
					for _, s := range v.Services {
						fmt.Fprintf(tw, "%s\t%d\t%d\t%v\n", s.Code, s.Fee, s.MaxUnits, s.PriorAuth)
					}
				})
				for _, r := range v.Rules {
					fmt.Fprintf(w, "rule %s (%s): %s\n", r.ID, r.Reason, r.Expr)
				}
			}
			if proven != "" {
				fmt.Fprintln(w)
				printProven(w, proven)
			}
		},
	})
}

func newClaimsCoverageRecordCmd(g *Global) *cobra.Command {
	var fhir string
	var quiet bool
	return newSendCmd(g, sendVerb[client.RecordCoverage]{
		Use:   "record (--patient PATIENT --plan PLAN --start YYYY-MM-DD --end YYYY-MM-DD | --fhir FILE) --as CLAIMS-OFFICER",
		Short: "Record a patient's coverage under a plan of your insurer",
		Long: `Record a patient's coverage, signed by a claims officer or admin of the plan's insurer.
--fhir FILE takes a FHIR R4 Coverage instead (beneficiary Patient/pt-…, a class of type
plan whose value is the plan ID, period start and end); only the pseudonym, plan and
period reach the chain. --patient takes a patient ID or a keystore name. -q prints only
the coverage ID.`,
		Example: `  medchain claims coverage record --patient alice --plan acme-basic --start 2026-01-01 --end 2026-12-31 --as claims-officer`,
		Flags: func(f *pflag.FlagSet, m *client.RecordCoverage) {
			f.StringVar(&m.Patient, "patient", "", "the patient: a patient ID (pt-…) or a keystore name")
			f.StringVar(&m.Plan, "plan", "", "the plan")
			f.StringVar(&m.Start, "start", "", "first day covered, YYYY-MM-DD")
			f.StringVar(&m.End, "end", "", "last day covered, YYYY-MM-DD")
			f.StringVar(&fhir, "fhir", "", "a FHIR R4 Coverage file")
			f.BoolVarP(&quiet, "quiet", "q", false, "print only the coverage ID")
		},
		Parse: func(g *Global, _ []string, m *client.RecordCoverage) error {
			if fhir != "" {
				b, err := readFile(fhir)
				if err != nil {
					return err
				}
				got, err := g.client().CoverageFromFHIR(context.Background(), b)
				if err != nil {
					return err
				}
				*m = *got
				return nil
			}
			if m.Patient == "" || m.Plan == "" || m.Start == "" || m.End == "" {
				return usageErrorf("give --patient, --plan, --start and --end, or --fhir FILE")
			}
			pt, err := resolvePatient(g, m.Patient)
			m.Patient = pt
			return err
		},
		Print: func(w io.Writer, _ *client.RecordCoverage, res *client.TxResult) {
			printResult(w, res, quiet, func(c *client.Coverage) string {
				return fmt.Sprintf("coverage %s: %s under %s from %s to %s", c.ID, c.Patient, c.Plan, c.Start, c.End)
			}, func(c *client.Coverage) []string { return one(c.ID) })
		},
	})
}

func coverageText(w io.Writer, c *client.Coverage) {
	fmt.Fprintf(w, "coverage  %s\npatient   %s\nplan      %s of %s\nperiod    %s to %s\nstatus    %s\n", c.ID, c.Patient, c.Plan, c.Payer, c.Start, c.End, c.Status)
}

func newClaimsCoverageShowCmd(g *Global) *cobra.Command {
	return newShowCmd(g, showVerb[client.Coverage]{
		Use:    "show COVERAGE --as NAME",
		Short:  "A coverage (its patient, its payer or a provider the patient consented to)",
		Long:   "Show a coverage. Private: signed by its patient, a member of its payer, or a claims officer, physician or admin of a provider the patient gave a records grant for treatment or payment.",
		Args:   cobra.ExactArgs(1),
		Access: readKeyed,
		Fetch:  byID(API.Coverage),
		Text:   coverageText,
	})
}

func newClaimsCoverageListCmd(g *Global) *cobra.Command {
	var patient string
	return newShowCmd(g, showVerb[client.Page[client.Coverage]]{
		Use:    "list [--patient PATIENT] --as PATIENT",
		Short:  "A patient's coverage",
		Long:   "List a patient's coverage, signed by that patient. --patient takes a patient ID or a keystore name (default: the --as patient).",
		Access: readKeyed,
		Flags: func(f *pflag.FlagSet) {
			f.StringVar(&patient, "patient", "", "a patient ID (pt-…) or keystore name (default: the --as patient)")
		},
		Fetch: func(ctx context.Context, api API, _ []string) (*client.Page[client.Coverage], error) {
			pt, err := resolvePatient(g, patient)
			if err != nil {
				return nil, err
			}
			return api.PatientCoverage(ctx, pt)
		},
		Text: func(w io.Writer, p *client.Page[client.Coverage]) {
			table(w, "ID\tPLAN\tPAYER\tSTART\tEND\tSTATUS", func(tw io.Writer) {
				for _, c := range p.Items {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Plan, c.Payer, c.Start, c.End, c.Status)
				}
			})
		},
	})
}

func newClaimsCoverageCancelCmd(g *Global) *cobra.Command {
	return newSendCmd(g, sendVerb[client.CancelCoverage]{
		Use:     "cancel COVERAGE --as CLAIMS-OFFICER",
		Short:   "Cancel a coverage of your insurer",
		Long:    "Cancel a coverage: claims under it are refused from the next block.",
		Example: "  medchain claims coverage cancel cv-… --as claims-officer",
		Args:    cobra.ExactArgs(1),
		Parse:   func(_ *Global, args []string, m *client.CancelCoverage) error { m.Coverage = args[0]; return nil },
		Print: func(w io.Writer, m *client.CancelCoverage, res *client.TxResult) {
			txLine(w, res, "cancelled "+m.Coverage)
		},
	})
}

func newClaimsEligibilityCmd(g *Global) *cobra.Command {
	var day string
	var fhir bool
	cmd := verbCmd("eligibility COVERAGE [--date YYYY-MM-DD] [--fhir] --as NAME", "Is a coverage good on a day, and for what",
		`Answer whether a coverage is good on a day (default: today by block time) and under which
plan version, with the services it covers and their fees. --fhir prints a FHIR R4
CoverageEligibilityResponse. Private, as coverage show.`,
		"  medchain claims eligibility cv-… --as dr-grey", cobra.ExactArgs(1),
		func(ctx context.Context, args []string) error {
			api, err := g.reader(readKeyed)
			if err != nil {
				return err
			}
			if fhir {
				raw, err := api.EligibilityFHIR(ctx, args[0], day)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintln(g.Out, string(raw))
				return err
			}
			e, err := api.Eligibility(ctx, args[0], day)
			if err != nil {
				return err
			}
			return g.Print(e, func(w io.Writer) {
				verdict := "ELIGIBLE"
				if !e.Eligible {
					verdict = "NOT ELIGIBLE (" + e.Reason + ")"
				}
				fmt.Fprintf(w, "%s on %s\n", verdict, e.Day)
				coverageText(w, &e.Coverage)
				if v := e.Version; v != nil {
					fmt.Fprintf(w, "version   %d (effective %s, rule set %s)\n", v.Version, v.Effective, v.Hash)
					table(w, "SERVICE\tFEE\tPRIOR AUTH", func(tw io.Writer) {
						for _, s := range v.Services {
							fmt.Fprintf(tw, "%s\t%d %s\t%v\n", s.Code, s.Fee, v.Currency, s.PriorAuth)
						}
					})
				}
			})
		})
	cmd.Flags().StringVar(&day, "date", "", "the day, YYYY-MM-DD (default: today by block time)")
	cmd.Flags().BoolVar(&fhir, "fhir", false, "print a FHIR CoverageEligibilityResponse")
	return cmd
}

// printPrecheck writes a pre-check's answer for people.
func printPrecheck(w io.Writer, r *client.Precheck) {
	verdict := "PASS"
	if !r.Pass {
		verdict = fmt.Sprintf("FAIL: %d problem(s)", len(r.Problems))
	}
	fmt.Fprintf(w, "%s under %s version %d (rule set %s)\nclaim     %s\n", verdict, r.Plan, r.Version, r.RuleSet, r.Claim)
	if !r.CoverageChecked {
		fmt.Fprintln(w, "coverage  not checked (sign with --as as its patient, its payer or a provider the patient consented to)")
	}
	if len(r.Problems) > 0 {
		table(w, "CODE\tELEMENT\tITEM\tPROBLEM", func(tw io.Writer) {
			for _, p := range r.Problems {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", p.Code, p.Path, p.Item, p.Message)
			}
		})
	}
	printItems(w, r.Items)
	fmt.Fprintf(w, "%s: claimed %d, allowed %d, payer %d, patient %d %s\n", r.Status, r.Claimed, r.Allowed, r.Payer, r.Patient, r.Currency)
}

func printItems(w io.Writer, items []client.ItemDecision) {
	table(w, "ITEM\tOUTCOME\tREASON\tRULE\tALLOWED\tPAYER\tPATIENT", func(tw io.Writer) {
		for _, d := range items {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%d\n", d.Sequence, d.Outcome, dash(d.Reason), dash(d.Rule), d.Allowed, d.Payer, d.Patient)
		}
	})
}

func newClaimsPrecheckCmd(g *Global) *cobra.Command {
	var plan string
	var version int
	cmd := verbCmd("precheck FILE --plan PLAN [--version N] [--as NAME]", "Check a FHIR Claim against a plan before sending it",
		`Check a FHIR R4 Claim against a plan's published rules: every problem at once, each with
the FHIR element and a stable code (missing_element, unknown_code, code_not_covered,
prior_auth_required, over_schedule, wrong_payer, outside_coverage …), or a pass with the
payer's and the patient's amounts. The answer names the plan version (the one in force on
the claim's service date, or --version) and the claim's SHA-256. Signed with --as by
someone entitled to the coverage the claim names, the coverage is checked too. Nothing is
written. Exit code 1 when the claim does not pass.`,
		"  medchain claims precheck claim.json --plan acme-basic --as dr-grey", cobra.ExactArgs(1),
		func(ctx context.Context, args []string) error {
			doc, err := readFile(args[0])
			if err != nil {
				return err
			}
			api, err := g.reader(readEither)
			if err != nil {
				return err
			}
			r, err := api.Precheck(ctx, doc, plan, version)
			if err != nil {
				return err
			}
			if err := g.Print(r, func(w io.Writer) { printPrecheck(w, r) }); err != nil {
				return err
			}
			if !r.Pass {
				return fmt.Errorf("%wclaim does not pass", errSilent)
			}
			return nil
		})
	cmd.Flags().StringVar(&plan, "plan", "", "the plan")
	cmd.Flags().IntVar(&version, "version", 0, "judge under this version (default: the one in force on the service date)")
	_ = cmd.MarkFlagRequired("plan")
	return cmd
}

func newClaimsSubmitCmd(g *Global) *cobra.Command {
	var plan, coverage string
	var force, quiet, seal bool
	cmd := verbCmd("submit FILE --plan PLAN [--coverage COVERAGE] [--seal] --as PROVIDER-MEMBER [--force]", "Pre-check a FHIR Claim and anchor it",
		`Pre-check a FHIR R4 Claim (as claims precheck, signed by --as), then anchor it: the claim's
SHA-256, its coverage (Claim.insurance.coverage, Coverage/cv-…, or --coverage), the plan version that
judged it, its number of items and total, and whether the pre-check passed. Without --seal the
document stays with you: send it to the payer off chain. With --seal it is first added as a
record of the patient kept (encrypted) by your organisation's custodian node, as records add
does, and the claim names that record: the payer reads it there under the patient's consent
for payment (medchain claims adjudicate without --claim), and the read is receipted. A claim
that does not pass is not sent unless --force (it is then anchored as not pre-checked). Signed
by a claims officer, physician or admin of a hospital, clinic, lab or pharmacy (--seal: a
member who may add records). -q prints only the claim ID.`,
		"  medchain claims submit claim.json --plan acme-basic --as dr-grey", cobra.ExactArgs(1),
		func(ctx context.Context, args []string) error {
			doc, err := readFile(args[0])
			if err != nil {
				return err
			}
			view, err := claimcheck.Parse(doc)
			if err != nil {
				return usageErrorf("%s: %v", args[0], err)
			}
			switch {
			case coverage != "" && view.Coverage != "" && coverage != view.Coverage:
				return usageErrorf("--coverage %s: the claim names coverage %s", coverage, view.Coverage)
			case coverage == "" && view.Coverage == "":
				return usageErrorf("%s: the claim names no medchain coverage (Claim.insurance.coverage: Coverage/cv-…): give --coverage", args[0])
			case coverage == "":
				coverage = view.Coverage
			}
			api, err := g.reader(readEither)
			if err != nil {
				return err
			}
			r, err := api.Precheck(ctx, doc, plan, 0)
			if err != nil {
				return err
			}
			if !r.Pass && !force {
				printPrecheck(g.Err, r)
				return fmt.Errorf("the claim does not pass the pre-check under %s version %d: fix it, or send it anyway with --force", r.Plan, r.Version)
			}
			record := ""
			if seal {
				if view.Patient == "" {
					return usageErrorf("%s: --seal needs the claim's patient (Claim.patient: Patient/pt-…)", args[0])
				}
				s, err := g.signer()
				if err != nil {
					return err
				}
				up, err := g.client().AddRecord(ctx, s, view.Patient, "", doc)
				if err != nil {
					return err
				}
				record = up.Anchor.Record
			}
			res, err := sendMsg(ctx, g, client.SubmitClaim{Record: record, Coverage: coverage, Version: r.Version, Hash: r.Claim,
				Items: len(view.Items), Total: view.Total, Currency: view.Currency, Prechecked: r.Pass})
			if err != nil {
				return err
			}
			return g.Print(res, func(w io.Writer) {
				printResult(w, res, quiet, func(c *client.Created) string {
					sealed := ""
					if record != "" {
						sealed = ", sealed as record " + record
					}
					return fmt.Sprintf("claim %s under %s version %d (pre-check %v), %d %s%s", c.ID, r.Plan, r.Version, r.Pass, view.Total, view.Currency, sealed)
				}, func(c *client.Created) []string { return one(c.ID) })
			})
		})
	cmd.Flags().StringVar(&plan, "plan", "", "the plan of the claim's coverage")
	cmd.Flags().StringVar(&coverage, "coverage", "", "the coverage (cv-…), when the claim does not name it")
	cmd.Flags().BoolVar(&seal, "seal", false, "keep the document as an encrypted record at your custodian node and name it in the claim")
	cmd.Flags().BoolVar(&force, "force", false, "anchor a claim that does not pass the pre-check")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print only the claim ID")
	_ = cmd.MarkFlagRequired("plan")
	return cmd
}

func newClaimsReviewCmd(g *Global) *cobra.Command {
	return newSendCmd(g, sendVerb[client.ReviewClaim]{
		Use:     "review CLAIM --as CLAIMS-OFFICER",
		Short:   "Mark a claim in review",
		Long:    "Mark a submitted or appealed claim in review, signed by a claims officer or admin of its payer.",
		Example: "  medchain claims review cl-… --as claims-officer",
		Args:    cobra.ExactArgs(1),
		Parse:   func(_ *Global, args []string, m *client.ReviewClaim) error { m.Claim = args[0]; return nil },
		Print:   func(w io.Writer, m *client.ReviewClaim, res *client.TxResult) { txLine(w, res, m.Claim+" in review") },
	})
}

// judge recomputes the decision of a claim from its document under its
// plan version, as the payer and an auditor do.
// judged is a claim on the ledger judged again from its document: what
// adjudicate and audit start from.
type judged struct {
	api    API
	claim  *client.Claim
	doc    []byte
	result claimcheck.Result
	ledger claims.Claim
}

// judgeClaim reads claim id (a signed read), its document (file, or its
// sealed record) and judges it under the plan version it names.
func judgeClaim(ctx context.Context, g *Global, id, file string) (*judged, error) {
	api, err := g.reader(readKeyed)
	if err != nil {
		return nil, err
	}
	c, err := api.Claim(ctx, id)
	if err != nil {
		return nil, err
	}
	doc, err := claimDocument(ctx, g, c, file)
	if err != nil {
		return nil, err
	}
	r, lc, err := judge(ctx, api, c, doc)
	if err != nil {
		return nil, err
	}
	return &judged{api: api, claim: c, doc: doc, result: r, ledger: lc}, nil
}

func judge(ctx context.Context, api API, c *client.Claim, doc []byte) (claimcheck.Result, claims.Claim, error) {
	var lc claims.Claim
	sum := sha256.Sum256(doc)
	if got := hex.EncodeToString(sum[:]); got != c.Hash {
		return claimcheck.Result{}, lc, fmt.Errorf("the file is not claim %s's document: its SHA-256 is %s, the ledger holds %s", c.ID, got, c.Hash)
	}
	view, err := claimcheck.Parse(doc)
	if err != nil {
		return claimcheck.Result{}, lc, err
	}
	h, err := api.Plan(ctx, c.Plan)
	if err != nil {
		return claimcheck.Result{}, lc, err
	}
	i := slices.IndexFunc(h.Versions, func(v client.PlanVersion) bool { return v.Version == c.Version })
	if i < 0 {
		return claimcheck.Result{}, lc, fmt.Errorf("plan %s has no version %d", c.Plan, c.Version)
	}
	pv, err := convert[claims.PlanVersion](h.Versions[i])
	if err != nil {
		return claimcheck.Result{}, lc, err
	}
	if lc, err = convert[claims.Claim](c); err != nil {
		return claimcheck.Result{}, lc, err
	}
	var cov *claims.Coverage
	if cv, err := api.Coverage(ctx, c.Coverage); err == nil {
		x, err := convert[claims.Coverage](cv)
		if err != nil {
			return claimcheck.Result{}, lc, err
		}
		cov = &x
	}
	return claimcheck.Judge(view, pv, cov), lc, nil
}

// claimDocument is the document of claim c: the file, if given, or the
// record that seals it, read (under purpose payment) as the signer.
func claimDocument(ctx context.Context, g *Global, c *client.Claim, file string) ([]byte, error) {
	if file != "" {
		return readFile(file)
	}
	if c.Record == "" {
		return nil, usageErrorf("claim %s was not sealed as a record: give its document with --claim FILE", c.ID)
	}
	s, err := g.signer()
	if err != nil {
		return nil, err
	}
	r, err := g.client().ReadRecord(ctx, s, client.ReadRequest{Record: c.Record, Purpose: client.PurposePayment})
	if err != nil {
		return nil, err
	}
	return r.Document, nil
}

// convert re-reads an SDK value as the module's type (the same JSON).
func convert[T any](v any) (T, error) {
	var out T
	b, err := json.Marshal(v)
	if err == nil {
		err = json.Unmarshal(b, &out)
	}
	return out, err
}

func newClaimsAdjudicateCmd(g *Global) *cobra.Command {
	var file string
	cmd := verbCmd("adjudicate CLAIM [--claim FILE] --as CLAIMS-OFFICER", "Decide a claim with the shared pre-check code and record it",
		`Decide a claim as its payer: FILE is the claim document the provider sent (its SHA-256
must be the one the ledger holds); without --claim, the document of a sealed claim is read from
its record at the provider's node, under the patient's consent for payment (receipted). The decision is computed with the same code and plan
version as the pre-check, per item (approved, reduced to the schedule, denied, with the
reason and the rule), and recorded with the SHA-256 of its FHIR ClaimResponse; the chain
checks that the amounts add up and the patient's share follows the plan.`,
		"  medchain claims adjudicate cl-… --claim claim.json --as claims-officer", cobra.ExactArgs(1),
		func(ctx context.Context, args []string) error {
			j, err := judgeClaim(ctx, g, args[0], file)
			if err != nil {
				return err
			}
			c, r := j.claim, j.result
			msg, _ := claimcheck.Adjudication(j.ledger, r.Items)
			sdk, err := convert[client.Adjudicate](msg)
			if err != nil {
				return err
			}
			res, err := sendMsg(ctx, g, sdk)
			if err != nil {
				return err
			}
			return g.Print(res, func(w io.Writer) {
				printResult(w, res, false, func(d *client.ClaimDecision) string {
					return fmt.Sprintf("claim %s %s: allowed %d, payer %d, patient %d; ClaimResponse %s", c.ID, d.Status, d.Allowed, d.Payer, d.Patient, d.Response)
				}, nil)
				items, _ := convert[[]client.ItemDecision](r.Items)
				printItems(w, items)
			})
		})
	cmd.Flags().StringVar(&file, "claim", "", "the claim's FHIR document (default: read from its sealed record)")
	return cmd
}

func newClaimsAppealCmd(g *Global) *cobra.Command {
	return newSendCmd(g, sendVerb[client.AppealClaim]{
		Use:   "appeal CLAIM --reason REASON --as NAME",
		Short: "Appeal a denied or partly approved claim",
		Long: `Ask the payer to decide a claim again, signed by its patient or by a claims officer,
physician or admin of its provider, for a reason from a fixed list (no free text reaches
the chain): ` + strings.Join(claims.AppealReasons, ", ") + `. At most two appeals per claim.`,
		Example: "  medchain claims appeal cl-… --reason prior_auth_obtained --as dr-grey",
		Args:    cobra.ExactArgs(1),
		Flags: func(f *pflag.FlagSet, m *client.AppealClaim) {
			f.StringVar(&m.Reason, "reason", "", "one of "+strings.Join(claims.AppealReasons, ", "))
		},
		Required: []string{"reason"},
		Parse:    func(_ *Global, args []string, m *client.AppealClaim) error { m.Claim = args[0]; return nil },
		Print:    func(w io.Writer, m *client.AppealClaim, res *client.TxResult) { txLine(w, res, m.Claim+" appealed") },
	})
}

func newClaimsPayCmd(g *Global) *cobra.Command {
	var quiet bool
	cmd := verbCmd("pay CLAIM --as CLAIMS-OFFICER", "Pay a claim's decision",
		`Record the payment of an approved or partly approved claim: the payer's amount of its
latest decision, referencing its ClaimResponse hash. A claim is paid once. -q prints
only the payment ID.`,
		"  medchain claims pay cl-… --as claims-officer", cobra.ExactArgs(1),
		func(ctx context.Context, args []string) error {
			api, err := g.reader(readKeyed)
			if err != nil {
				return err
			}
			c, err := api.Claim(ctx, args[0])
			if err != nil {
				return err
			}
			if len(c.Decisions) == 0 {
				return fmt.Errorf("claim %s is %s: not decided yet", c.ID, c.Status)
			}
			d := c.Decisions[len(c.Decisions)-1]
			res, err := sendMsg(ctx, g, client.PayClaim{Claim: c.ID, Response: d.Response, Amount: d.Payer, Currency: c.Currency})
			if err != nil {
				return err
			}
			return g.Print(res, func(w io.Writer) {
				printResult(w, res, quiet, func(p *client.Created) string {
					return fmt.Sprintf("payment %s: %d %s for %s", p.ID, d.Payer, c.Currency, c.ID)
				}, func(p *client.Created) []string { return one(p.ID) })
			})
		})
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print only the payment ID")
	return cmd
}

func newClaimsShowCmd(g *Global) *cobra.Command {
	var fhir, prove bool
	var trust trustOptions
	cmd := verbCmd("show CLAIM [--fhir] [--prove] --as NAME", "A claim: status, decisions, appeals, payment",
		`Show a claim as the ledger holds it: hash, plan version, status, each decision per item
(outcome, reason, rule, amounts; flagged DISPUTE for a format denial of a pre-checked
claim), appeals and payment. --fhir prints the FHIR R4 ClaimResponse of the latest
decision instead (its SHA-256 is the decision's response hash). Private: the claim's
patient and its provider's and payer's members.`,
		"  medchain claims show cl-… --as alice", cobra.ExactArgs(1),
		func(ctx context.Context, args []string) error {
			api, err := g.reader(readKeyed)
			if err != nil {
				return err
			}
			if fhir {
				b, err := api.ClaimResponse(ctx, args[0])
				if err != nil {
					return err
				}
				_, err = fmt.Fprintln(g.Out, string(b))
				return err
			}
			var opts []client.ReadOption
			var p *prover
			if prove {
				if p, err = newProver(g, &trust); err != nil {
					return err
				}
				opts = append(opts, client.WithProof())
			}
			c, err := api.Claim(ctx, args[0], opts...)
			if err != nil {
				return err
			}
			var proven string
			if p != nil {
				if c.Proof != nil {
					if err := client.CheckProofOf(c.Proof, client.ProofOfClaim, args[0]); err != nil {
						return err
					}
				}
				if proven, err = p.verify(ctx, "claim "+args[0], c.Proof); err != nil {
					return err
				}
			}
			return g.Print(c, func(w io.Writer) {
				sealed := "kept by the provider (off chain)"
				if c.Record != "" {
					sealed = "sealed as record " + c.Record + " at the provider's custodian node"
				}
				fmt.Fprintf(w, "claim     %s (%s)\nhash      %s\npatient   %s\nprovider  %s\npayer     %s, plan %s version %d, coverage %s\nclaimed   %d %s in %d items, pre-checked %v\n",
					c.ID, c.Status, c.Hash, c.Patient, c.Provider, c.Payer, c.Plan, c.Version, c.Coverage, c.Total, c.Currency, c.Items, c.Prechecked)
				fmt.Fprintf(w, "document  %s\n", sealed)
				for _, d := range c.Decisions {
					dispute := ""
					if d.Dispute {
						dispute = "  DISPUTE: denied for a format reason after passing pre-check under the same version"
					}
					fmt.Fprintf(w, "\ndecision %d by %s at height %d: %s, allowed %d, payer %d, patient %d%s\nresponse  %s\n", d.Round, d.By, d.Height, d.Status, d.Allowed, d.Payer, d.Patient, dispute, d.Response)
					printItems(w, d.Items)
				}
				for _, a := range c.Appeals {
					fmt.Fprintf(w, "appeal by %s at height %d: %s\n", a.By, a.Height, a.Reason)
				}
				if p := c.Payment; p != nil {
					fmt.Fprintf(w, "paid      %d %s by %s at height %d (%s)\n", p.Amount, p.Currency, p.By, p.Height, p.ID)
				}
				printProven(w, proven)
			})
		})
	cmd.Flags().BoolVar(&fhir, "fhir", false, "print the FHIR ClaimResponse")
	proveFlags(cmd.Flags(), &prove, "prove the claim's ledger entry (kept with --output json)", &trust)
	return cmd
}

func newClaimsListCmd(g *Global) *cobra.Command {
	var provider, payer, patient string
	return newListCmd(g, listVerb[client.Claim]{
		Use:   "list (--provider ORG | --payer ORG | --patient PATIENT) --as NAME",
		Short: "The claims of a provider, payer or patient",
		Long: `List the claims of an organisation (signed by one of its members) or of a patient (signed
by them; --patient takes a patient ID or a keystore name).`,
		Example:   "  medchain claims list --provider st-marys-hospital --as dr-grey\n  medchain claims list --patient alice --as alice",
		AfterHelp: "list claims after this ID",
		Access:    readKeyed,
		Flags: func(f *pflag.FlagSet) {
			f.StringVar(&provider, "provider", "", "a provider organisation")
			f.StringVar(&payer, "payer", "", "a payer organisation")
			f.StringVar(&patient, "patient", "", "a patient ID (pt-…) or keystore name")
		},
		Fetch: func(ctx context.Context, api API, _ []string, after string, limit int) (*client.Page[client.Claim], error) {
			by, who := "", ""
			n := 0
			for _, p := range [][2]string{{"provider", provider}, {"payer", payer}, {"patient", patient}} {
				if p[1] != "" {
					by, who, n = p[0], p[1], n+1
				}
			}
			if n != 1 {
				return nil, usageErrorf("give one of --provider, --payer or --patient")
			}
			if by == "patient" {
				pt, err := resolvePatient(g, who)
				if err != nil {
					return nil, err
				}
				who = pt
			}
			return api.Claims(ctx, by, who, after, limit)
		},
		Header: "ID\tSTATUS\tPROVIDER\tPAYER\tPLAN\tTOTAL\tPAID",
		Row: func(c client.Claim) string {
			paid := int64(0)
			if c.Payment != nil {
				paid = c.Payment.Amount
			}
			return fmt.Sprintf("%s\t%s\t%s\t%s\t%s/%d\t%d %s\t%d", c.ID, c.Status, c.Provider, c.Payer, c.Plan, c.Version, c.Total, c.Currency, paid)
		},
	})
}

func newClaimsReconcileCmd(g *Global) *cobra.Command {
	return newShowCmd(g, showVerb[client.Reconciliation]{
		Use:   "reconcile WHO --as NAME",
		Short: "What a provider's or patient's claims were paid and are owed",
		Long: `Total the claims of a provider (an organisation ID, signed by a member) or a patient (a
patient ID or keystore name, signed by them) per currency: claimed, allowed, the payers'
share decided, paid, owed, and the patients' share.`,
		Args:   cobra.ExactArgs(1),
		Access: readKeyed,
		Fetch: func(ctx context.Context, api API, args []string) (*client.Reconciliation, error) {
			who := args[0]
			if pt, err := resolvePatient(g, who); err == nil {
				who = pt // a patient's keystore name
			}
			return api.Reconciliation(ctx, who)
		},
		Text: func(w io.Writer, r *client.Reconciliation) {
			fmt.Fprintf(w, "%s\n", r.Of)
			table(w, "CURRENCY\tCLAIMS\tCLAIMED\tALLOWED\tPAYER\tPAID\tOWED\tPATIENT", func(tw io.Writer) {
				for _, t := range r.Totals {
					fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", t.Currency, t.Claims, t.Claimed, t.Allowed, t.Payer, t.Paid, t.Owed, t.Patient)
				}
			})
		},
	})
}

// errAuditMismatch is audit's finding that the ledger and the
// recomputation differ: exit code 1 after the report.
var errAuditMismatch = fmt.Errorf("%waudit: the ledger's decision differs from the recomputation", errSilent)

func newClaimsAuditCmd(g *Global) *cobra.Command {
	var file string
	cmd := verbCmd("audit CLAIM [--claim FILE] --as NAME", "Recompute a claim's decision and compare it with the ledger",
		`Recompute the decision of a claim from its document (FILE, whose SHA-256 must be the one
anchored; without --claim, read from the claim's sealed record, as its patient or under a
consent for payment) and the plan version it was judged under, with the same code as the pre-check
and the payer's adjudication, and compare with the ledger: the version is the one in
force on the service date, each item's outcome, reason, rule and amounts match, and the
ClaimResponse the ledger's decision rebuilds hashes to the recorded response. Signed by
the claim's patient, provider or payer. Exit code 1 when anything differs.`,
		"  medchain claims audit cl-… --claim claim.json --as alice", cobra.ExactArgs(1),
		func(ctx context.Context, args []string) error {
			j, err := judgeClaim(ctx, g, args[0], file)
			if err != nil {
				return err
			}
			api, c, doc, r := j.api, j.claim, j.doc, j.result
			recomputed, err := convert[[]client.ItemDecision](r.Items)
			if err != nil {
				return err
			}
			a := audit{Claim: c.ID, Hash: c.Hash, Plan: c.Plan, Version: c.Version, Recomputed: recomputed}
			view, _ := claimcheck.Parse(doc)
			if day := view.ServiceDay(); day != "" {
				if v, err := api.PlanInForce(ctx, c.Plan, day); err != nil || v.Version != c.Version {
					a.Findings = append(a.Findings, fmt.Sprintf("the claim was made under version %d, but the version in force on its service date %s is not it", c.Version, day))
				}
			}
			if len(c.Decisions) == 0 {
				a.Findings = append(a.Findings, "not decided yet: nothing to compare")
			} else {
				d := c.Decisions[len(c.Decisions)-1]
				a.Ledger = d.Items
				if !slices.Equal(recomputed, d.Items) {
					a.Findings = append(a.Findings, "the item decisions differ")
				}
				cr, err := api.ClaimResponse(ctx, c.ID)
				sum := sha256.Sum256(cr)
				if err != nil || hex.EncodeToString(sum[:]) != d.Response {
					a.Findings = append(a.Findings, "the ClaimResponse rebuilt from the ledger does not hash to the recorded response "+d.Response)
				}
				if d.Dispute {
					a.Findings = append(a.Findings, "flagged as a dispute: denied for a format reason although pre-checked under the same version")
				}
			}
			a.Match = len(a.Findings) == 0 || (len(a.Findings) == 1 && strings.HasPrefix(a.Findings[0], "flagged"))
			if err := g.Print(a, func(w io.Writer) {
				verdict := "MATCH: the ledger's decision is the one the rules give"
				if !a.Match {
					verdict = "MISMATCH"
				}
				fmt.Fprintf(w, "%s\nclaim     %s (document %s)\nplan      %s version %d\n", verdict, a.Claim, a.Hash, a.Plan, a.Version)
				for _, f := range a.Findings {
					fmt.Fprintf(w, "- %s\n", f)
				}
				fmt.Fprintln(w, "\nrecomputed:")
				printItems(w, a.Recomputed)
				if a.Ledger != nil {
					fmt.Fprintln(w, "\non the ledger:")
					printItems(w, a.Ledger)
				}
			}); err != nil {
				return err
			}
			if !a.Match {
				return errAuditMismatch
			}
			return nil
		})
	cmd.Flags().StringVar(&file, "claim", "", "the claim's FHIR document (default: read from its sealed record)")
	return cmd
}

// audit is claims audit's report.
type audit struct {
	Claim      string                `json:"claim"`
	Hash       string                `json:"hash"`
	Plan       string                `json:"plan"`
	Version    int                   `json:"version"`
	Match      bool                  `json:"match"`
	Findings   []string              `json:"findings"`
	Recomputed []client.ItemDecision `json:"recomputed"`
	Ledger     []client.ItemDecision `json:"ledger"`
}
