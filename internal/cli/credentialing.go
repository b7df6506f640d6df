package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/medchain/medchain/client"
)

func newCredentialingCmd(g *Global) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "credentialing",
		Short: "Credentialing cases: a hospital asks primary sources, each attests on the ledger",
		Long: `A hospital or clinic opens a credentialing case for an applicant (a member),
listing what to verify and from which primary source (the organisation that issued
it: the medical board for the licence, the university for the degree). Each source
attests on the ledger that it verified it (naming its ledger credential, if any) or
refuses with a reason code. The case shows what is verified, what is missing and how
long each step took; show --fhir gives it as FHIR R4 VerificationResults. Cases are
private to the hospital's members, the applicant and the sources asked: sign reads
with --as. See docs/credentials.md.`,
	}
	cmd.AddCommand(newCredentialingOpenCmd(g), newCredentialingAttestCmd(g), newCredentialingShowCmd(g))
	return cmd
}

func newCredentialingOpenCmd(g *Global) *cobra.Command {
	var reqs []string
	var quiet bool
	return newSendCmd(g, sendVerb[client.OpenCase]{
		Use:   "open APPLICANT --require TYPE@SOURCE... --as ADMIN",
		Short: "Open a credentialing case for an applicant",
		Long: `Open a credentialing case of your hospital or clinic (signed by an admin or
registrar) for APPLICANT (org/handle), with one --require TYPE@SOURCE per thing to
verify: a credential type (` + strings.Join(credentialTypes, ", ") + `) and the
organisation that is its primary source. -q prints only the case ID.`,
		Example: "  medchain credentialing open st-marys-hospital/dr-grey --require medical-licence@state-medical-board --require degree@city-university --as hospital-admin",
		Args:    cobra.ExactArgs(1),
		Flags: func(f *pflag.FlagSet, _ *client.OpenCase) {
			f.StringArrayVar(&reqs, "require", nil, "TYPE@SOURCE: a credential type and its primary source (repeatable)")
			f.BoolVarP(&quiet, "quiet", "q", false, "print only the case ID")
		},
		Required: []string{"require"},
		Parse: func(_ *Global, args []string, m *client.OpenCase) error {
			m.Applicant = args[0]
			for _, r := range reqs {
				t, src, ok := strings.Cut(r, "@")
				if !ok || t == "" || src == "" {
					return usageErrorf("--require %q: give TYPE@SOURCE, e.g. medical-licence@state-medical-board", r)
				}
				m.Requirements = append(m.Requirements, client.CaseRequirementSpec{Type: t, Source: src})
			}
			return nil
		},
		Print: func(w io.Writer, m *client.OpenCase, res *client.TxResult) {
			printResult(w, res, quiet, func(c *client.Created) string {
				return fmt.Sprintf("opened case %s for %s: %d requirements", c.ID, m.Applicant, len(m.Requirements))
			}, func(c *client.Created) []string { return one(c.ID) })
		},
	})
}

func newCredentialingAttestCmd(g *Global) *cobra.Command {
	var verified bool
	var refused string
	return newSendCmd(g, sendVerb[client.Attest]{
		Use:   "attest CASE TYPE (--verified [--credential CR] | --refused REASON) --as REGISTRAR",
		Short: "Answer a case as its primary source: verified, or refused with a reason",
		Long: `Answer one requirement of a credentialing case as the primary source it names
(signed by a registrar or admin of that organisation): --verified, optionally naming
the ledger credential you issued (it must be about the applicant and valid now), or
--refused with a reason code: ` + strings.Join(client.CaseRefuseReasons, ", ") + `.`,
		Example: "  medchain credentialing attest cs-… medical-licence --verified --credential cr-… --as board-registrar",
		Args:    cobra.ExactArgs(2),
		Flags: func(f *pflag.FlagSet, m *client.Attest) {
			f.BoolVar(&verified, "verified", false, "the source verified it")
			f.StringVar(&refused, "refused", "", "the source refuses, with this reason code")
			f.StringVar(&m.Credential, "credential", "", "the ledger credential (cr-…) verified")
		},
		Parse: func(_ *Global, args []string, m *client.Attest) error {
			m.Case, m.Type = args[0], args[1]
			switch {
			case verified == (refused != ""):
				return usageErrorf("say --verified or --refused REASON")
			case verified:
				m.Outcome = "verified"
			default:
				m.Outcome, m.Reason = "refused", refused
			}
			return nil
		},
		Print: func(w io.Writer, m *client.Attest, res *client.TxResult) {
			printResult(w, res, false, func(c *client.CredentialingCase) string {
				return fmt.Sprintf("%s %s on case %s; the case is %s (%d missing)", m.Type, m.Outcome, c.ID, c.Status, len(c.Missing))
			}, nil)
		},
	})
}

func newCredentialingShowCmd(g *Global) *cobra.Command {
	var fhir bool
	cmd := verbCmd("show CASE [--fhir] --as MEMBER", "A credentialing case: verified, missing, how long each step took",
		`Show a credentialing case: each requirement's primary source and outcome, who
answered and how long after the case was opened; what is still missing. --fhir prints
it as a FHIR R4 Bundle of VerificationResult resources. Private: sign the read with
--as (a member of the hospital, the applicant, or a member of a source it asks).`,
		"  medchain credentialing show cs-… --as hospital-admin", cobra.ExactArgs(1),
		func(ctx context.Context, args []string) error {
			api, err := g.reader(readKeyed)
			if err != nil {
				return err
			}
			if fhir {
				b, err := api.CaseFHIR(ctx, args[0])
				if err != nil {
					return err
				}
				var v any
				_ = json.Unmarshal(b, &v)
				out, _ := json.MarshalIndent(v, "", "  ")
				fmt.Fprintln(g.Out, string(out))
				return nil
			}
			c, err := api.Case(ctx, args[0])
			if err != nil {
				return err
			}
			return g.Print(c, func(w io.Writer) {
				took := fmt.Sprintf("%d of %d missing", len(c.Missing), len(c.Requirements))
				if c.Decided != 0 {
					took = "decided after " + (time.Duration(c.Seconds) * time.Second).String()
				}
				fmt.Fprintf(w, "case %s of %s for %s: %s (%s)\n", c.ID, c.Org, c.Applicant, c.Status, took)
				table(w, "TYPE\tSOURCE\tOUTCOME\tCREDENTIAL\tBY\tAFTER", func(tw io.Writer) {
					for _, r := range c.Requirements {
						after := "-"
						if r.Outcome != "pending" {
							after = (time.Duration(r.Seconds) * time.Second).String()
						}
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Type, r.Source, statusWithReason(r.Outcome, r.Reason), dash(r.Credential), dash(r.By), after)
					}
				})
			})
		})
	cmd.Flags().BoolVar(&fhir, "fhir", false, "print the case as FHIR R4 VerificationResults")
	return cmd
}
