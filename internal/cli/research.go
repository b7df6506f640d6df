package cli

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/deid"
)

func newResearchCmd(g *Global) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "research",
		Short: "Clinical research: studies, enrolment, de-identified releases, data requests",
		Long: `Clinical research on the ledger: a research organisation registers a study and an
ethics board member approves it; patients enrol (and withdraw); the custodian
releases a de-identified data set of the consenting patients, whose manifest the
ledger records; researchers read it for a term, every access receipted.

deidentify runs the release's Safe Harbor rules locally on a FHIR file, with no node.
See docs/research.md.`,
	}
	studies := newResearchStudiesCmd(g)
	studies.AddCommand(newResearchRegisterCmd(g), newResearchApproveCmd(g), newResearchShowCmd(g))
	requests := newResearchRequestsCmd(g)
	requests.AddCommand(newResearchRequestCmd(g), newResearchCancelCmd(g))
	cmd.AddCommand(studies, newResearchEnrolCmd(g), newResearchWithdrawCmd(g), newResearchEnrolmentsCmd(g),
		newResearchReleaseCmd(g), newResearchReleasesCmd(g), newResearchAccessCmd(g), requests,
		newResearchUsesCmd(g), newResearchBalanceCmd(g), newResearchDeidentifyCmd(g))
	return cmd
}

// duoNames maps the DUO abbreviations the commands accept to the terms.
var duoNames = map[string]string{
	"NRES": client.DUONoRestriction, "GRU": client.DUOGeneralResearch, "HMB": client.DUOHealthMedical, "POA": client.DUOPopulation,
	"NCU": client.DUONonCommercial, "NPU": client.DUONotForProfit, "NPUNCU": client.DUONotForProfitNonCom, "NPOA": client.DUONoPopulation,
	"IRB": client.DUOEthicsApproval, "PUB": client.DUOPublication,
}

// duoTerm reads a DUO term given as its abbreviation (HMB) or CURIE
// (DUO:0000006); anything else goes to the chain as given, which names
// what it knows.
func duoTerm(s string) string {
	if t, ok := duoNames[strings.ToUpper(s)]; ok {
		return t
	}
	return s
}

func duoTerms(l []string) []string {
	var out []string
	for _, s := range l {
		out = append(out, duoTerm(s))
	}
	return out
}

// duoShort is a term's abbreviation, for text.
func duoShort(t string) string {
	for k, v := range duoNames {
		if v == t {
			return k
		}
	}
	return t
}

func duoList(l []string) string {
	var out []string
	for _, t := range l {
		out = append(out, duoShort(t))
	}
	return strings.Join(out, ",")
}

// ---- studies ----

func newResearchStudiesCmd(g *Global) *cobra.Command {
	return newListCmd(g, listVerb[client.Study]{
		Use:       "studies",
		Short:     "List studies; register, approve and show them",
		Long:      "List studies (public). Subcommands register, approve and show one.",
		Example:   "  medchain research studies\n  medchain research studies show st-…",
		AfterHelp: "list studies after this ID",
		Fetch: func(ctx context.Context, api API, _ []string, after string, limit int) (*client.Page[client.Study], error) {
			return api.Studies(ctx, after, limit)
		},
		Header: "ID\tORG\tSTATUS\tPURPOSE\tTERMS\tENDS\tTYPES",
		Row: func(s client.Study) string {
			return fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s\t%s", s.ID, s.Org, s.Status, duoShort(s.Purpose), duoList(s.Terms), s.Ends, strings.Join(s.Types, ","))
		},
	})
}

func newResearchRegisterCmd(g *Global) *cobra.Command {
	var quiet bool
	var protocol string
	return newSendCmd(g, sendVerb[client.RegisterStudy]{
		Use:   "register --protocol FILE --purpose DUO --terms DUO... --types TYPE... --ends YYYY-MM-DD --as RESEARCHER",
		Short: "Register a study of your university or hospital",
		Long: `Register a study, signed by a researcher of a university or hospital. Only the
SHA-256 of the --protocol file goes on the ledger. --purpose is the DUO permission the
research falls under (HMB, POA or GRU); --terms are the data use terms offered to
participants: one permission (NRES, GRU, HMB, POA) and any modifiers (NCU, NPU, NPUNCU,
NPOA, IRB, PUB), as abbreviations or CURIEs (DUO:0000006). --types are the FHIR resource
types a release holds; --ends the study's last day. An ethics board member approves it
next (studies approve). -q prints only the study ID.`,
		Example: `  medchain research studies register --protocol protocol.pdf --purpose HMB --terms HMB,NCU --types Observation,Condition,Patient --ends 2027-12-31 --as researcher`,
		Flags: func(f *pflag.FlagSet, m *client.RegisterStudy) {
			f.StringVar(&protocol, "protocol", "", "the protocol's file (only its SHA-256 goes on chain)")
			f.StringVar(&m.Purpose, "purpose", "", "the DUO permission of the research: HMB, POA or GRU")
			f.StringSliceVar(&m.Terms, "terms", nil, "data use terms offered to participants (DUO)")
			f.StringSliceVar(&m.Types, "types", nil, "FHIR resource types a release holds")
			f.StringVar(&m.Ends, "ends", "", "the study's last day, YYYY-MM-DD")
			f.BoolVarP(&quiet, "quiet", "q", false, "print only the study ID")
		},
		Required: []string{"protocol", "purpose", "terms", "types", "ends"},
		Parse: func(_ *Global, _ []string, m *client.RegisterStudy) (err error) {
			m.Purpose, m.Terms = duoTerm(m.Purpose), duoTerms(m.Terms)
			m.Protocol, err = hashFile(protocol)
			return err
		},
		Print: func(w io.Writer, _ *client.RegisterStudy, res *client.TxResult) {
			printResult(w, res, quiet, func(s *client.Study) string {
				return fmt.Sprintf("study %s registered: %s, terms %s, until %s; next, an ethics board member approves it", s.ID, duoShort(s.Purpose), duoList(s.Terms), s.Ends)
			}, func(s *client.Study) []string { return one(s.ID) })
		},
	})
}

func newResearchApproveCmd(g *Global) *cobra.Command {
	var opinion string
	return newSendCmd(g, sendVerb[client.ApproveStudy]{
		Use:   "approve STUDY [--opinion FILE] --as ETHICS-REVIEWER",
		Short: "Approve a study as an ethics board member",
		Long: `Approve a proposed study, signed by a member with the ethics-reviewer role who did
not register it. --opinion FILE puts the SHA-256 of the board's written opinion on the
ledger. Patients may enrol from then on.`,
		Example: `  medchain research studies approve st-… --opinion opinion.pdf --as ethics-reviewer`,
		Args:    cobra.ExactArgs(1),
		Flags: func(f *pflag.FlagSet, m *client.ApproveStudy) {
			f.StringVar(&opinion, "opinion", "", "the board's opinion (only its SHA-256 goes on chain)")
		},
		Parse: func(_ *Global, args []string, m *client.ApproveStudy) (err error) {
			m.Study = args[0]
			if opinion != "" {
				m.Opinion, err = hashFile(opinion)
			}
			return err
		},
		Print: func(w io.Writer, m *client.ApproveStudy, res *client.TxResult) {
			txLine(w, res, "study "+m.Study+" approved: patients may enrol")
		},
	})
}

// studyView is a study with its releases and requests.
type studyView struct {
	*client.Study
	Releases []client.StudyRelease `json:"releases"`
	Requests []client.DataRequest  `json:"requests"`
}

func newResearchShowCmd(g *Global) *cobra.Command {
	var asFHIR bool
	cmd := newShowCmd(g, showVerb[json.RawMessage]{
		Use:   "show STUDY [--fhir]",
		Short: "Show a study, its releases and data requests (--fhir: as a FHIR ResearchStudy)",
		Long:  "Show a study (public): its protocol hash, purpose and terms, resource types, last day, approval, releases and data requests. --fhir prints the FHIR R4 ResearchStudy.",
		Args:  cobra.ExactArgs(1),
		Flags: func(f *pflag.FlagSet) { f.BoolVar(&asFHIR, "fhir", false, "print the FHIR R4 ResearchStudy") },
		Fetch: func(ctx context.Context, api API, args []string) (*json.RawMessage, error) {
			var raw json.RawMessage
			var err error
			if asFHIR {
				raw, err = api.StudyFHIR(ctx, args[0])
				return &raw, err
			}
			st, err := api.Study(ctx, args[0])
			if err != nil {
				return nil, err
			}
			v := studyView{Study: st}
			rls, err := api.StudyReleases(ctx, args[0])
			if err != nil {
				return nil, err
			}
			rqs, err := api.StudyRequests(ctx, args[0])
			if err != nil {
				return nil, err
			}
			v.Releases, v.Requests = rls.Items, rqs.Items
			raw, err = json.Marshal(v)
			return &raw, err
		},
		Text: func(w io.Writer, raw *json.RawMessage) {
			if asFHIR {
				w.Write(append(*raw, '\n'))
				return
			}
			var v struct {
				client.Study
				Releases []client.StudyRelease `json:"releases"`
				Requests []client.DataRequest  `json:"requests"`
			}
			json.Unmarshal(*raw, &v)
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintf(tw, "study\t%s (%s)\n", v.ID, v.Status)
			fmt.Fprintf(tw, "organisation\t%s, registered by %s\n", v.Org, v.By)
			fmt.Fprintf(tw, "protocol\tsha256 %s\n", v.Protocol)
			fmt.Fprintf(tw, "purpose\t%s (%s)\n", duoShort(v.Purpose), v.Purpose)
			fmt.Fprintf(tw, "terms\t%s\n", duoList(v.Terms))
			fmt.Fprintf(tw, "resource types\t%s\n", strings.Join(v.Types, ", "))
			fmt.Fprintf(tw, "ends\t%s\n", v.Ends)
			if a := v.Approval; a != nil {
				fmt.Fprintf(tw, "approved\tby %s at height %d\n", a.By, a.Height)
			}
			tw.Flush()
			for _, r := range v.Releases {
				fmt.Fprintf(w, "release %s by %s: %d patients, %d resources, %s, data sha256 %s, %d accesses\n", r.ID, r.Custodian, r.Patients, r.Resources, r.RuleSet, r.DataHash, r.Accesses)
			}
			for _, r := range v.Requests {
				fmt.Fprintf(w, "request %s by %s (%s) for %s: %d admitted, %d %s %s\n", r.ID, r.Org, r.Class, duoShort(r.Purpose), r.Admitted, r.Price, r.Currency, r.Status)
			}
		},
	})
	return cmd
}

// ---- enrolment ----

func newResearchEnrolCmd(g *Global) *cobra.Command {
	var quiet bool
	var fhirFile string
	return newSendCmd(g, sendVerb[client.Enrol]{
		Use:   "enrol (STUDY --custodian ORG... [--terms DUO...] [--refuse CLASS...] | --fhir FILE) --as PATIENT",
		Short: "Enrol in a study: your own consent, signed with your key",
		Long: `Enrol in an approved study, signed by the patient: nobody else can enrol you.
--custodian names the organisations whose records of yours may be released to the
study, de-identified. --terms are your data use terms (DUO, the study's by default);
they must permit the study's purpose, and they decide which later data requests may
have your data. --refuse lists buyer classes you refuse in advance: academic, clinical,
commercial, non-profit, payer, public. Withdraw at any time (research withdraw): no
later release includes you. -q prints only the enrolment ID.

--fhir FILE reads the consent instead from a FHIR R4 Bundle of a ResearchSubject and
its Consent (scope research, purpose HRESCH, the custodians as CST actors, DUO codes
as policyRule, refused buyer classes as deny provisions), which the node maps; the
consent must be yours.`,
		Example: `  medchain research enrol st-… --custodian st-marys-hospital --terms HMB,NCU --refuse commercial --as alice
  medchain research enrol --fhir consent.json --as alice`,
		Args: cobra.MaximumNArgs(1),
		Flags: func(f *pflag.FlagSet, m *client.Enrol) {
			f.StringVar(&fhirFile, "fhir", "", "a FHIR Bundle of a ResearchSubject and its Consent to enrol by")
			f.StringSliceVar(&m.Custodians, "custodian", nil, "an organisation whose records may be released; repeat or comma-separate")
			f.StringSliceVar(&m.Terms, "terms", nil, "your data use terms (DUO; default: the study's)")
			f.StringSliceVar(&m.Refuses, "refuse", nil, "buyer classes you refuse")
			f.BoolVarP(&quiet, "quiet", "q", false, "print only the enrolment ID")
		},
		Parse: func(g *Global, args []string, m *client.Enrol) error {
			if fhirFile == "" {
				if len(args) != 1 || len(m.Custodians) == 0 {
					return usageErrorf("give the STUDY and --custodian, or --fhir FILE")
				}
				m.Study, m.Terms = args[0], duoTerms(m.Terms)
				return nil
			}
			if len(args) > 0 || len(m.Custodians) > 0 || len(m.Terms) > 0 || len(m.Refuses) > 0 {
				return usageErrorf("--fhir FILE says the study, custodians, terms and refusals: give nothing else")
			}
			doc, err := readInput(g, fhirFile)
			if err != nil {
				return usageErrorf("--fhir: %v", err)
			}
			d, err := g.client().ResearchConsentFromFHIR(context.Background(), doc)
			if err != nil {
				return err
			}
			if pt, err := resolvePatient(g, ""); err == nil && pt != d.Patient {
				return usageErrorf("--fhir: the consent is %s's, not yours (--as %s is %s)", d.Patient, g.As, pt)
			}
			*m = d.Msg
			return nil
		},
		Print: func(w io.Writer, _ *client.Enrol, res *client.TxResult) {
			printResult(w, res, quiet, func(e *client.Enrolment) string {
				return fmt.Sprintf("enrolled in %s as %s: records of %s, terms %s", e.Study, e.ID, strings.Join(e.Custodians, ", "), duoList(e.Terms))
			}, func(e *client.Enrolment) []string { return one(e.ID) })
		},
	})
}

func newResearchWithdrawCmd(g *Global) *cobra.Command {
	return newSendCmd(g, sendVerb[client.Withdraw]{
		Use:     "withdraw ENROLMENT --as PATIENT",
		Short:   "Withdraw from a study: no later release includes you",
		Long:    "Withdraw an enrolment, signed by its patient. From then on every release that includes you is refused; releases made before stay as they were.",
		Example: `  medchain research withdraw en-… --as alice`,
		Args:    cobra.ExactArgs(1),
		Parse: func(_ *Global, args []string, m *client.Withdraw) error {
			m.Enrolment = args[0]
			return nil
		},
		Print: func(w io.Writer, m *client.Withdraw, res *client.TxResult) {
			txLine(w, res, "withdrew "+m.Enrolment+": no later release includes you")
		},
	})
}

func newResearchEnrolmentsCmd(g *Global) *cobra.Command {
	return newListCmd(g, listVerb[client.Enrolment]{
		Use: "enrolments PATIENT --as PATIENT",
		// PATIENT is a pt-… ID or a keystore name.
		Short:   "List a patient's enrolments (private: the patient's)",
		Long:    "List a patient's enrolments, withdrawn ones too: signed by the patient.",
		Example: "  medchain research enrolments pt-… --as alice",
		Args:    cobra.ExactArgs(1),
		Access:  readKeyed,
		Fetch: func(ctx context.Context, api API, args []string, _ string, _ int) (*client.Page[client.Enrolment], error) {
			pt, err := resolvePatient(g, args[0])
			if err != nil {
				return nil, err
			}
			return api.PatientEnrolments(ctx, pt)
		},
		Header: "ID\tSTUDY\tCUSTODIANS\tTERMS\tREFUSES\tWITHDRAWN",
		Row: func(e client.Enrolment) string {
			w := "-"
			if e.Withdrawn > 0 {
				w = fmt.Sprintf("at height %d", e.Withdrawn)
			}
			return fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s", e.ID, e.Study, strings.Join(e.Custodians, ","), duoList(e.Terms), dash(strings.Join(e.Refuses, ",")), w)
		},
	})
}

// ---- releases ----

type researchReleaseOptions struct {
	g       *Global
	study   string
	request string
}

func newResearchReleaseCmd(g *Global) *cobra.Command {
	o := &researchReleaseOptions{g: g}
	cmd := verbCmd("release STUDY [--request RQ] --as CUSTODIAN-MEMBER",
		"Have your organisation's node build and record a de-identified release of a study",
		`Ask your organisation's node (--node) to build a release of a study, signed by a
member with the custodian or privacy-officer role. The node reads the active
enrolments that name your organisation (and, with --request, that the request
admitted), decrypts the latest version of each of those patients' records it keeps
whose types the study asked for, de-identifies them with the Safe Harbor rule set
(the rules research deidentify runs), and records the manifest on the ledger: rule
set and hash, patients, resources, SHA-256 of the data set. The data stays on the
node; researchers fetch it with research access.`,
		`  medchain research release st-… --as hospital-privacy`, cobra.ExactArgs(1),
		func(ctx context.Context, args []string) error {
			o.study = args[0]
			return o.run(ctx)
		})
	cmd.Flags().StringVar(&o.request, "request", "", "the data request the release answers (rq-…)")
	return cmd
}

func (o *researchReleaseOptions) run(ctx context.Context) error {
	api, err := o.g.reader(readKeyed)
	if err != nil {
		return err
	}
	rl, err := api.BuildRelease(ctx, o.study, o.request)
	if err != nil {
		return err
	}
	return o.g.Print(rl, func(w io.Writer) {
		fmt.Fprintf(w, "release %s of %s by %s: %d patients, %d resources, %s (sha256 %s), data sha256 %s\n",
			rl.ID, rl.Study, rl.Custodian, rl.Patients, rl.Resources, rl.RuleSet, rl.RuleSetHash, rl.DataHash)
	})
}

func newResearchReleasesCmd(g *Global) *cobra.Command {
	return newListCmd(g, listVerb[client.StudyRelease]{
		Use:     "releases STUDY",
		Short:   "List a study's release manifests (public)",
		Long:    "List a study's release manifests: custodian, patients counted, rule set, SHA-256 of the data set, accesses. Never who.",
		Example: "  medchain research releases st-…",
		Args:    cobra.ExactArgs(1),
		Fetch: func(ctx context.Context, api API, args []string, _ string, _ int) (*client.Page[client.StudyRelease], error) {
			return api.StudyReleases(ctx, args[0])
		},
		Header: "ID\tCUSTODIAN\tREQUEST\tPATIENTS\tRESOURCES\tRULE SET\tDATA SHA256\tACCESSES",
		Row: func(r client.StudyRelease) string {
			return fmt.Sprintf("%s\t%s\t%s\t%d\t%d\t%s\t%s\t%d", r.ID, r.Custodian, dash(r.Request), r.Patients, r.Resources, r.RuleSet, r.DataHash, r.Accesses)
		},
	})
}

type researchAccessOptions struct {
	g       *Global
	release string
	out     string
}

func newResearchAccessCmd(g *Global) *cobra.Command {
	o := &researchAccessOptions{g: g}
	cmd := verbCmd("access RELEASE [--out FILE] --as RESEARCHER",
		"Access a release: receipt it on the ledger, then fetch the de-identified data set",
		`Access a release: first a research/access transaction, the receipt every participant
sees, signed by a researcher of the study's organisation (or, for a data request's
release, of the requester's); then the data set from the custodian's node (--node must
be that node), checked against the manifest's SHA-256. The first access to a request's
release releases its escrow. The data set goes to --out, or standard output.`,
		`  medchain research access rl-… --out dataset.json --as researcher`, cobra.ExactArgs(1),
		func(ctx context.Context, args []string) error {
			o.release = args[0]
			return o.run(ctx)
		})
	cmd.Flags().StringVar(&o.out, "out", "-", "write the data set to this file (- is standard output)")
	return cmd
}

func (o *researchAccessOptions) run(ctx context.Context) error {
	res, err := sendMsg(ctx, o.g, client.AccessRelease{Release: o.release})
	if err != nil {
		return err
	}
	var receipt client.ReleaseAccess
	if err := res.Decode(&receipt); err != nil {
		return err
	}
	api, err := o.g.reader(readKeyed)
	if err != nil {
		return err
	}
	log, err := api.ReleaseLog(ctx, o.release)
	if err != nil {
		return err
	}
	data, err := api.ReleaseData(ctx, o.release)
	if err != nil {
		return fmt.Errorf("access %s receipted, but the data set was not served: %w", receipt.ID, err)
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != log.DataHash {
		return fmt.Errorf("access %s: the data set served does not match the manifest's SHA-256 %s", receipt.ID, log.DataHash)
	}
	if o.out == "-" {
		_, err := o.g.Out.Write(data)
		return err
	}
	if err := os.WriteFile(o.out, data, 0o600); err != nil {
		return err
	}
	return o.g.Print(receipt, func(w io.Writer) {
		txLine(w, res, fmt.Sprintf("access %s receipted; %d bytes written to %s (sha256 %s, as the manifest)", receipt.ID, len(data), o.out, log.DataHash))
	})
}

// ---- requests ----

func newResearchRequestsCmd(g *Global) *cobra.Command {
	return newListCmd(g, listVerb[client.DataRequest]{
		Use:     "requests STUDY",
		Short:   "List a study's data requests (public); create one",
		Long:    "List a study's data requests: requester, buyer class, purpose, participants admitted, price and escrow status. Subcommand create makes one.",
		Example: "  medchain research requests st-…",
		Args:    cobra.ExactArgs(1),
		Fetch: func(ctx context.Context, api API, args []string, _ string, _ int) (*client.Page[client.DataRequest], error) {
			return api.StudyRequests(ctx, args[0])
		},
		Header: "ID\tORG\tCLASS\tPURPOSE\tADMITTED\tPRICE\tSTATUS\tRELEASE",
		Row: func(r client.DataRequest) string {
			return fmt.Sprintf("%s\t%s\t%s\t%s\t%d\t%d %s\t%s\t%s", r.ID, r.Org, r.Class, duoShort(r.Purpose), r.Admitted, r.Price, r.Currency, r.Status, dash(r.Release))
		},
	})
}

func newResearchRequestCmd(g *Global) *cobra.Command {
	var quiet bool
	return newSendCmd(g, sendVerb[client.RequestData]{
		Use:   "create STUDY --custodian ORG --purpose DUO [--accept IRB,PUB] --term-days N --currency CUR --price MINOR --as MEMBER",
		Short: "Request a study's data for a purpose, the price held in escrow",
		Long: `Request the data of a study's participants kept by --custodian, signed by a
researcher or admin of your organisation, whose kind makes its buyer class. The ledger
admits only the participants whose terms permit --purpose (HMB, POA, GRU) by your class
and who do not refuse it; --accept takes on the obligations IRB and PUB some
participants ask for. The --price (minor units of --currency) is held in escrow; on your
first access to the release made for the request, 70% (rounded down) is split equally
among the released patients (each share rounded down) and the rest goes to the
custodian. You may access it for --term-days. -q prints only the request ID.`,
		Example: `  medchain research requests create st-… --custodian st-marys-hospital --purpose HMB --accept PUB --term-days 365 --currency USD --price 100000 --as pharmaco-quality`,
		Args:    cobra.ExactArgs(1),
		Flags: func(f *pflag.FlagSet, m *client.RequestData) {
			f.StringVar(&m.Custodian, "custodian", "", "the organisation whose records are asked for")
			f.StringVar(&m.Purpose, "purpose", "", "the DUO permission of the use: HMB, POA or GRU")
			f.StringSliceVar(&m.Accepts, "accept", nil, "obligations taken on: IRB, PUB")
			f.IntVar(&m.TermDays, "term-days", 0, "days you may access the release")
			f.StringVar(&m.Currency, "currency", "", "ISO 4217 code")
			f.Int64Var(&m.Price, "price", 0, "the price, in minor units")
			f.BoolVarP(&quiet, "quiet", "q", false, "print only the request ID")
		},
		Required: []string{"custodian", "purpose", "term-days", "currency", "price"},
		Parse: func(_ *Global, args []string, m *client.RequestData) error {
			m.Study, m.Purpose, m.Accepts = args[0], duoTerm(m.Purpose), duoTerms(m.Accepts)
			return nil
		},
		Print: func(w io.Writer, _ *client.RequestData, res *client.TxResult) {
			printResult(w, res, quiet, func(r *client.DataRequest) string {
				return fmt.Sprintf("request %s: %d participants admitted, %d %s held in escrow", r.ID, r.Admitted, r.Price, r.Currency)
			}, func(r *client.DataRequest) []string { return one(r.ID) })
		},
	})
}

func newResearchCancelCmd(g *Global) *cobra.Command {
	return newSendCmd(g, sendVerb[client.CancelRequest]{
		Use:     "cancel REQUEST --as MEMBER",
		Short:   "Cancel your organisation's data request",
		Long:    "Cancel a data request of your organisation, signed by a researcher or admin: before a release was made for it, or after its term if its release was never accessed. Its escrow is no longer held.",
		Example: `  medchain research requests cancel rq-… --as manufacturer-admin`,
		Args:    cobra.ExactArgs(1),
		Parse: func(_ *Global, args []string, m *client.CancelRequest) error {
			m.Request = args[0]
			return nil
		},
		Print: func(w io.Writer, m *client.CancelRequest, res *client.TxResult) {
			txLine(w, res, "request "+m.Request+" cancelled: its escrow is no longer held")
		},
	})
}

// ---- participants ----

func newResearchUsesCmd(g *Global) *cobra.Command {
	return newListCmd(g, listVerb[client.ResearchUse]{
		Use:     "uses PATIENT --as PATIENT",
		Short:   "Every use of a patient's data in research (private: the patient's)",
		Long:    "List every release that included the patient, what it was for, and every access to it: signed by the patient.",
		Example: "  medchain research uses pt-… --as alice",
		Args:    cobra.ExactArgs(1),
		Access:  readKeyed,
		Fetch: func(ctx context.Context, api API, args []string, _ string, _ int) (*client.Page[client.ResearchUse], error) {
			pt, err := resolvePatient(g, args[0])
			if err != nil {
				return nil, err
			}
			return api.ResearchUses(ctx, pt)
		},
		Header: "ENROLMENT\tRELEASE\tSTUDY\tCUSTODIAN\tPURPOSE\tRELEASED\tACCESSED BY",
		Row: func(u client.ResearchUse) string {
			var by []string
			for _, a := range u.Accesses {
				by = append(by, fmt.Sprintf("%s@%d", a.By, a.Height))
			}
			return fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s\t%s", u.Enrolment, u.Release.ID, u.Release.Study, u.Release.Custodian, duoShort(u.Purpose),
				unixTime(u.Release.Time), dash(strings.Join(by, " ")))
		},
	})
}

func newResearchBalanceCmd(g *Global) *cobra.Command {
	return newListCmd(g, listVerb[client.ResearchBalance]{
		Use:     "balance ACCOUNT --as NAME",
		Short:   "What a patient or organisation received from data requests (private)",
		Long:    "List what an account received from released escrows, by currency (minor units): a patient's, signed by the patient; an organisation's, by one of its members.",
		Example: "  medchain research balance pt-… --as alice",
		Args:    cobra.ExactArgs(1),
		Access:  readKeyed,
		Fetch: func(ctx context.Context, api API, args []string, _ string, _ int) (*client.Page[client.ResearchBalance], error) {
			acct := args[0]
			if pt, err := resolvePatient(g, acct); err == nil {
				acct = pt // a patient's keystore name
			}
			return api.ResearchBalances(ctx, acct)
		},
		Header: "ACCOUNT\tCURRENCY\tAMOUNT",
		Row: func(b client.ResearchBalance) string {
			return fmt.Sprintf("%s\t%s\t%d", b.Account, b.Currency, b.Amount)
		},
	})
}

// ---- deidentify ----

type researchDeidOptions struct {
	g       *Global
	file    string
	out     string
	study   string
	keyFile string
	year    int
	subject string
}

func newResearchDeidentifyCmd(g *Global) *cobra.Command {
	o := &researchDeidOptions{g: g}
	cmd := &cobra.Command{
		Use:   "deidentify FILE|- [--out FILE] [--study ID] [--key-file FILE] [--year YYYY]",
		Short: "De-identify a FHIR R4 resource or Bundle by the Safe Harbor rules of releases (no node)",
		Long: `De-identify a FHIR R4 JSON resource, typically a patient's Bundle (a Synthea
bundle, say), read from FILE (or standard input with -), by the rule set a release
applies (HIPAA Safe Harbor, 45 CFR 164.514(b)(2)): names, addresses below the state
(ZIP codes cut to 3 digits, restricted prefixes to 000), dates finer than a year,
ages over 89, telecom, identifiers, URLs, photos and attachments removed or
generalised, also in narratives, notes and extensions; resource ids replaced by
per-study pseudonyms. Codes, values and years stay.

The de-identified JSON goes to --out FILE, or to standard output. What was done
(the rule set's version and hash, resources, patients, what was removed) goes to
standard error, or to standard output as JSON with -o json and --out.

Pseudonyms are keyed hashes of the id and --study: the same patient gets unlinkable
pseudonyms in two studies, and only the holder of the key can link them to anyone.
--key-file holds the key (at least 32 bytes, or 64 hex digits); without it a random
key is drawn and forgotten, so the pseudonyms of two runs differ. Ages are reckoned
at --year (default: this year); a deceased patient's at death.

Examples:
  medchain research deidentify Clemente_Kreiger.json --out clemente-deid.json
  medchain research deidentify bundle.json --study st-1 --key-file custodian.key --year 2026 --out - | jq .
  cat bundle.json | medchain research deidentify - --out deid.json -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.file = args[0]
			return o.run()
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.out, "out", "-", "write the de-identified JSON to this file (- is standard output)")
	f.StringVar(&o.study, "study", "local", "the study the pseudonyms are for")
	f.StringVar(&o.keyFile, "key-file", "", "the pseudonym key: a file of at least 32 bytes, or 64 hex digits (default: a random key, forgotten)")
	f.IntVar(&o.year, "year", 0, "the year ages are reckoned at (default: this year, UTC)")
	f.StringVar(&o.subject, "subject", "", "the ledger's ID of the patient (pt-…), whose pseudonym the Patient gets")
	return cmd
}

// deidReport is what deidentify reports.
type deidReport struct {
	RuleSet   string       `json:"rule_set"`
	Hash      string       `json:"rule_set_hash"`
	Study     string       `json:"study"`
	Resources int          `json:"resources"`
	Patients  []string     `json:"patients"`
	Removed   []deid.Count `json:"removed"`
	Out       string       `json:"out"`
}

func (o *researchDeidOptions) run() error {
	raw, err := readInput(o.g, o.file)
	if err != nil {
		return usageErrorf("%v", err)
	}
	opts := deid.Options{Study: o.study, Year: o.year, Subject: o.subject}
	if opts.Year == 0 {
		opts.Year = time.Now().UTC().Year()
	}
	if o.keyFile != "" {
		if opts.Key, err = readKeyFile(o.keyFile); err != nil {
			return usageErrorf("--key-file: %v", err)
		}
	} else {
		opts.Key = make([]byte, deid.MinKey)
		if _, err := rand.Read(opts.Key); err != nil {
			return err
		}
	}
	res, err := deid.Deidentify(raw, opts)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "deid: invalid input: ")
		for opt, flag := range map[string]string{"study: ": "--study: ", "key: ": "--key-file: ", "year: ": "--year: "} {
			if strings.HasPrefix(msg, opt) {
				return usageErrorf("%s", flag+strings.TrimPrefix(msg, opt))
			}
		}
		return usageErrorf("%s: %s", o.file, msg)
	}
	if o.out == "-" {
		if _, err := o.g.Out.Write(res.Data); err != nil {
			return err
		}
	} else if err := os.WriteFile(o.out, res.Data, 0o600); err != nil {
		return err
	}
	rs := deid.RuleSet()
	rep := deidReport{RuleSet: rs.Version, Hash: rs.Hash(), Study: o.study, Resources: res.Resources, Patients: res.Patients, Removed: res.Removed, Out: o.out}
	if rep.Patients == nil {
		rep.Patients = []string{}
	}
	if o.g.JSON() && o.out != "-" {
		return o.g.Print(rep, nil)
	}
	printDeidReport(o.g.Err, rep, o.keyFile == "")
	return nil
}

func printDeidReport(w io.Writer, rep deidReport, randomKey bool) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "rule set\t%s (sha256 %s)\n", rep.RuleSet, rep.Hash)
	fmt.Fprintf(tw, "resources\t%d\n", rep.Resources)
	fmt.Fprintf(tw, "patients\t%d %s\n", len(rep.Patients), strings.Join(rep.Patients, " "))
	var removed []string
	for _, c := range rep.Removed {
		removed = append(removed, fmt.Sprintf("%s %d", c.Kind, c.N))
	}
	fmt.Fprintf(tw, "removed\t%s\n", strings.Join(removed, ", "))
	if randomKey {
		fmt.Fprintf(tw, "key\ta random key, forgotten: these pseudonyms link to nothing (give --key-file to keep them stable)\n")
	}
	if rep.Out != "-" {
		fmt.Fprintf(tw, "written to\t%s\n", rep.Out)
	}
	tw.Flush()
}

// readKeyFile reads a pseudonym key: 64 or more hex digits, or the file's
// bytes.
func readKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if s := strings.TrimSpace(string(b)); len(s) >= 2*deid.MinKey {
		if k, err := hex.DecodeString(s); err == nil {
			return k, nil
		}
	}
	if len(b) < deid.MinKey {
		return nil, fmt.Errorf("%s holds %d bytes: a key needs at least %d (or %d hex digits)", path, len(b), deid.MinKey, 2*deid.MinKey)
	}
	return b, nil
}
