package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/medchain/medchain/client"
)

// API is what the client commands need from a node: one interface per
// area, so a reader sees what each area uses. The SDK's *client.Client is
// one; a test gives a fake (a struct embedding API that overrides the
// methods its command calls) through Global.NewAPI, so commands run without
// a node.
type API interface {
	ChainAPI
	AuthAPI
	GovernanceAPI
	RecordsAPI
	SupplyAPI
	DonationsAPI
	PublicHealthAPI
	CredentialsAPI
	ClaimsAPI
	TelemetryAPI
	PoolsAPI
	ResearchAPI
	EPCISAPI
}

// ResearchAPI reads studies, releases, requests, enrolments and uses, and
// has a custodian's node build releases.
type ResearchAPI interface {
	Studies(ctx context.Context, after string, limit int) (*client.Page[client.Study], error)
	Study(ctx context.Context, id string) (*client.Study, error)
	StudyFHIR(ctx context.Context, id string) ([]byte, error)
	StudyReleases(ctx context.Context, study string) (*client.Page[client.StudyRelease], error)
	StudyRequests(ctx context.Context, study string) (*client.Page[client.DataRequest], error)
	ReleaseLog(ctx context.Context, id string) (*client.ReleaseLog, error)
	ReleaseData(ctx context.Context, id string) ([]byte, error)
	BuildRelease(ctx context.Context, study, request string) (*client.StudyRelease, error)
	PatientEnrolments(ctx context.Context, patient string) (*client.Page[client.Enrolment], error)
	ResearchUses(ctx context.Context, patient string) (*client.Page[client.ResearchUse], error)
	ResearchBalances(ctx context.Context, account string) (*client.Page[client.ResearchBalance], error)
	ResearchConsentFromFHIR(ctx context.Context, doc []byte) (*client.EnrolDraft, error)
}

// ChainAPI reads the chain and proofs, and signs and sends transactions.
type ChainAPI interface {
	Status(ctx context.Context) (*client.Status, error)
	Tx(ctx context.Context, hash string) (*client.Tx, error)
	Block(ctx context.Context, height int64) (*client.Block, error)
	Send(ctx context.Context, s *client.Signer, msg client.Msg) (*client.TxResult, error)
	ProveID(ctx context.Context, kind client.ProofOf, id string, height int64) (*client.Proof, error)
}

// AuthAPI gets tokens and checks credentials.
type AuthAPI interface {
	Token(ctx context.Context, s *client.Signer, ttl time.Duration) (*client.Token, error)
	Whoami(ctx context.Context) (*client.Principal, error)
}

// GovernanceAPI reads organisations, members, identities and proposals.
type GovernanceAPI interface {
	Orgs(ctx context.Context, after string, limit int) (*client.Page[client.Org], error)
	Org(ctx context.Context, id string, opts ...client.ReadOption) (*client.Org, error)
	Members(ctx context.Context, org, after string, limit int) (*client.Page[client.Member], error)
	Identity(ctx context.Context, id string, opts ...client.ReadOption) (*client.Identity, error)
	Proposals(ctx context.Context, after string, limit int) (*client.Page[client.Proposal], error)
	Proposal(ctx context.Context, id uint64) (*client.Proposal, error)
}

// RecordsAPI adds and reads records and reads consent and access logs.
type RecordsAPI interface {
	Upload(ctx context.Context, s *client.Signer, up client.Upload) ([]client.Uploaded, error)
	Anchor(ctx context.Context, s *client.Signer, ups []client.Uploaded, progress func(done int)) error
	AddRecord(ctx context.Context, s *client.Signer, patient, record string, resource []byte) (*client.Uploaded, error)
	ReadRecord(ctx context.Context, s *client.Signer, req client.ReadRequest) (*client.ReadResult, error)
	FHIRReadRequest(ctx context.Context, s *client.Signer, req client.ReadRequest) (string, error)
	RecordInfo(ctx context.Context, id string) (*client.RecordInfo, error)
	PatientRecords(ctx context.Context, patient, after string, limit int) (*client.Page[client.Record], error)
	Grants(ctx context.Context, patient string) (*client.Page[client.Grant], error)
	Grant(ctx context.Context, id string) (*client.Grant, error)
	GrantFHIR(ctx context.Context, id string) (json.RawMessage, error)
	ConsentFromFHIR(ctx context.Context, consent []byte) (*client.GrantConsent, error)
	Delegates(ctx context.Context, patient string) (*client.Page[client.Delegation], error)
	AccessLog(ctx context.Context, patient, after string, limit int) (*client.Page[client.Receipt], error)
	OrgAccessLog(ctx context.Context, org, after string, limit int) (*client.Page[client.Receipt], error)
	BreakGlassWindows(ctx context.Context, by, id string) (*client.Page[client.BreakGlassWindow], error)
	UnreviewedBreakGlass(ctx context.Context, org, after string, limit int) (*client.Page[client.BreakGlassWindow], error)
	OrgPatients(ctx context.Context, org, after string, limit int) (*client.Page[client.GrantingPatient], error)
}

// SupplyAPI reads the supply chain, verifies scans and captures EPCIS.
type SupplyAPI interface {
	Verify(ctx context.Context, code, location string) (*client.ScanResult, error)
	MapEPCIS(ctx context.Context, doc []byte) (*client.EPCISMapping, error)
	ImportEPCIS(ctx context.Context, s *client.Signer, doc []byte, progress func(done, total int)) (*client.EPCISImport, error)
	Product(ctx context.Context, gtin string) (*client.Product, error)
	Lot(ctx context.Context, gtin, lot string) (*client.Lot, error)
	LotHolders(ctx context.Context, gtin, lot string) (*client.Page[client.Holder], error)
	TraceLot(ctx context.Context, gtin, lot string) (*client.LotTrace, error)
	Item(ctx context.Context, id string) (*client.ItemInfo, error)
	Shipment(ctx context.Context, id string) (*client.ShipmentInfo, error)
	Alerts(ctx context.Context, manufacturer string) (*client.Page[client.Alert], error)
	SupplyEvent(ctx context.Context, hash string) (*client.EventAnchor, error)
	Donation(ctx context.Context, din string) (*client.DonationInfo, error)
	DonorLookback(ctx context.Context, donor string) (*client.Page[client.Trace], error)
	RecipientLookback(ctx context.Context, patient string) (*client.Page[client.Trace], error)
	Transformation(ctx context.Context, id string) (*client.TransformationInfo, error)
	Demand(ctx context.Context, id string) (*client.DemandInfo, error)
	Demands(ctx context.Context, item, region string) (*client.Page[client.Demand], error)
	Shortages(ctx context.Context, item, region string) (*client.Page[client.Shortage], error)
}

// DonationsAPI reads campaigns, needs and donations.
type DonationsAPI interface {
	Campaigns(ctx context.Context, after string, limit int) (*client.Page[client.Campaign], error)
	CampaignLedger(ctx context.Context, id string) (*client.CampaignLedger, error)
	CampaignIATI(ctx context.Context, id string) (*client.IATIActivity, error)
	CampaignIATICSV(ctx context.Context, id string) ([]byte, error)
	Need(ctx context.Context, id string) (*client.Need, error)
	DonationStatus(ctx context.Context, id string, opts ...client.ReadOption) (*client.GiftStatus, error)
	DonorGifts(ctx context.Context, donor string) (*client.Page[client.Gift], error)
}

// PublicHealthAPI reports, corrects and reads public-health figures.
type PublicHealthAPI interface {
	Series(ctx context.Context, q client.SeriesQuery, opts ...client.ReadOption) (*client.Series, error)
	Figure(ctx context.Context, region, metric, date string, at int64, opts ...client.ReadOption) (*client.Figure, error)
	Totals(ctx context.Context, metric, date string, at int64) (*client.Totals, error)
	PublicHealthRegions(ctx context.Context) (*client.Page[client.PublicHealthRegion], error)
	ReportFromMeasureReport(ctx context.Context, doc []byte) (*client.ReportFigures, error)
	ImportFigures(ctx context.Context, s *client.Signer, rows []client.FigureRow, corrections []client.FigureCorrection, parallel int, progress func(done, total int)) (*client.FigureImport, error)
}

// CredentialsAPI issues credentials and reads and verifies them against
// the ledger.
type CredentialsAPI interface {
	Issuers(ctx context.Context) (*client.Page[client.IssuerAuthorisation], error)
	IssueCredential(ctx context.Context, s *client.Signer, d client.CredentialDraft) (*client.Issued, error)
	CredentialStatus(ctx context.Context, id, at string, opts ...client.ReadOption) (*client.CredentialStatus, error)
	Credentials(ctx context.Context, q client.CredentialQuery) (*client.Page[client.LedgerCredential], error)
	VerifyCredential(ctx context.Context, compact, at string) (*client.CredentialVerdict, error)
	SHCIssuers(ctx context.Context) (*client.Page[client.SHCIssuer], error)
	Case(ctx context.Context, id string) (*client.CredentialingCase, error)
	CaseFHIR(ctx context.Context, id string) (json.RawMessage, error)
}

var _ API = (*client.Client)(nil)

// client returns the node's API: Global.NewAPI's, by default an SDK client
// of --node.
func (g *Global) client() API {
	if g.NewAPI != nil {
		return g.NewAPI()
	}
	if g.CAFile == "" {
		return client.New(g.Node)
	}
	return client.New(g.Node, client.WithHTTPClient(httpClientTrusting(g.CAFile)))
}

// httpClientTrusting is an HTTP client that trusts the certificates of the
// PEM file caFile besides the system's. A file that cannot be used fails
// every request with the reason.
func httpClientTrusting(caFile string) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	pem, err := os.ReadFile(caFile)
	switch {
	case err != nil:
		return &http.Client{Transport: failing{fmt.Errorf("--ca-file: %w", err)}}
	case !pool.AppendCertsFromPEM(pem):
		return &http.Client{Transport: failing{fmt.Errorf("--ca-file %s holds no PEM certificate", caFile)}}
	}
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr, Timeout: time.Minute}
}

// failing is a transport that refuses every request with err.
type failing struct{ err error }

func (f failing) RoundTrip(*http.Request) (*http.Response, error) { return nil, f.err }

// signer returns the signer of --as: Global.NewSigner's, by default the
// keystore's key.
func (g *Global) signer() (*client.Signer, error) {
	if g.NewSigner != nil {
		return g.NewSigner()
	}
	key, _, err := signingKey(g)
	if err != nil {
		return nil, err
	}
	return client.NewSigner(key), nil
}

// readAccess is who the route of a read command answers (docs/design.md §3.11):
// zero for public data, read without a key.
type readAccess int

const (
	// readEither routes answer anyone, and say more to an entitled caller
	// (a transaction to its signer, a patient to the patient): the read is
	// signed as --as when it is given.
	readEither readAccess = iota + 1
	// readKeyed routes answer only a caller the ledger entitles: the read
	// must be signed, so --as is required.
	readKeyed
)

// errReadNeedsAs is the error of a private read without --as.
var errReadNeedsAs = usageErrorf("this command reads private data: sign the read with --as NAME " +
	"(the keystore key of someone the ledger lets see it, e.g. the patient; see `medchain keys list`) or set $MEDCHAIN_AS")

// readSigner is an API that can sign its reads: the SDK's client does
// (client.Client.As), and so may a test's fake.
type readSigner interface {
	SignReads(s *client.Signer) API
}

// reader returns the node's API for a read of access a: with --as, one
// whose reads are signed by its key (a fresh signed request per read);
// without, the plain API, or for a keyed read a usage error naming --as.
func (g *Global) reader(a readAccess) (API, error) {
	api := g.client()
	if a == 0 {
		return api, nil
	}
	if g.As == "" && g.NewSigner == nil {
		if a == readKeyed {
			return nil, errReadNeedsAs
		}
		return api, nil
	}
	s, err := g.signer()
	if err != nil {
		return nil, err
	}
	return signedReads(api, s), nil
}

// signedReads is api with its reads signed by s.
func signedReads(api API, s *client.Signer) API {
	switch a := api.(type) {
	case *client.Client:
		return a.As(s)
	case readSigner:
		return a.SignReads(s)
	}
	return api
}

// sendMsg signs msg as --as, submits it and waits for the commit.
func sendMsg(ctx context.Context, g *Global, msg client.Msg) (*client.TxResult, error) {
	s, err := g.signer()
	if err != nil {
		return nil, err
	}
	return g.client().Send(ctx, s, msg)
}

// printTx prints a committed submission: what was done, then the hash and
// height; with --output json, the submission's result.
func printTx(g *Global, res *client.TxResult, what string) error {
	return g.Print(res, func(w io.Writer) { txLine(w, res, what) })
}

// txLine writes "what (tx HASH, height N)".
func txLine(w io.Writer, res *client.TxResult, what string) {
	fmt.Fprintf(w, "%s (tx %s, height %d)\n", what, res.Hash, res.Height)
}

// sendVerb describes a verb that only parses flags and arguments into one
// message M, signs it as --as, sends it and prints the result: the "sign,
// send, print" path every such verb takes. Build the command with
// newSendCmd.
type sendVerb[M client.Msg] struct {
	Use, Short, Long, Example string
	// Args checks the number of positional arguments; nil means none.
	Args cobra.PositionalArgs
	// Flags binds the verb's flags into the message.
	Flags func(f *pflag.FlagSet, m *M)
	// Required names the flags that must be given.
	Required []string
	// Parse completes the message from the arguments and checks or
	// resolves what the flags gave (a key name into its hex, say); nil if
	// there is nothing to do. Return usageErrorf for what the user got
	// wrong.
	Parse func(g *Global, args []string, m *M) error
	// Print writes the text output of the committed message (txLine
	// helps); nil prints the message type. With --output json the
	// command prints the submission's result instead.
	Print func(w io.Writer, m *M, res *client.TxResult)
}

// sendOptions are a send verb's options: the message its flags fill.
type sendOptions[M client.Msg] struct {
	g    *Global
	verb *sendVerb[M]
	Msg  M
}

// verbCmd is the command of a generic verb, whose run takes the context
// and the positional arguments (none if args is nil).
func verbCmd(use, short, long, example string, args cobra.PositionalArgs, run func(context.Context, []string) error) *cobra.Command {
	if args == nil {
		args = cobra.NoArgs
	}
	return &cobra.Command{
		Use:     use,
		Short:   short,
		Long:    long,
		Example: example,
		Args:    args,
		RunE:    func(cmd *cobra.Command, args []string) error { return run(cmd.Context(), args) },
	}
}

// newSendCmd builds the command of a send verb.
func newSendCmd[M client.Msg](g *Global, v sendVerb[M]) *cobra.Command {
	o := &sendOptions[M]{g: g, verb: &v}
	cmd := verbCmd(v.Use, v.Short, v.Long, v.Example, v.Args, o.run)
	if v.Flags != nil {
		v.Flags(cmd.Flags(), &o.Msg)
	}
	for _, f := range v.Required {
		if err := cmd.MarkFlagRequired(f); err != nil {
			panic(fmt.Sprintf("cli: %s: %v", v.Use, err))
		}
	}
	return cmd
}

func (o *sendOptions[M]) run(ctx context.Context, args []string) error {
	if o.verb.Parse != nil {
		if err := o.verb.Parse(o.g, args, &o.Msg); err != nil {
			return err
		}
	}
	res, err := sendMsg(ctx, o.g, o.Msg)
	if err != nil {
		return err
	}
	return o.g.Print(res, func(w io.Writer) {
		if o.verb.Print != nil {
			o.verb.Print(w, &o.Msg, res)
			return
		}
		txLine(w, res, o.Msg.MsgType())
	})
}

// Exit codes of medchain, documented in the root command's help and in
// docs/cli.md.
const (
	// ExitOK: the command did what it was asked.
	ExitOK = 0
	// ExitFailed: the node refused the request, something was not found,
	// a proof did not verify, or the command failed otherwise.
	ExitFailed = 1
	// ExitUsage: the command line is wrong (unknown command or flag,
	// missing or malformed argument).
	ExitUsage = 2
	// ExitUnreachable: the node cannot be reached at --node (or the
	// CometBFT RPC at --rpc, for a light client); for credentials verify,
	// the credential could not be checked (no key of its issuer).
	ExitUnreachable = 3
	// ExitSuspect: a scanned pack is suspect (medchain supply verify).
	ExitSuspect = 4
)

// exitCodesHelp is the table of exit codes shown in the root --help.
const exitCodesHelp = `Exit codes:
  0  done
  1  refused by the node, not found, an invalid credential, a proof that does not verify, or failed otherwise
  2  usage error: unknown command or flag, missing or malformed argument
  3  the node cannot be reached (--node, $MEDCHAIN_NODE; --rpc for a light client), or a credential could not be checked
  4  suspect: a scanned pack failed verification (supply verify)`

// errSilent marks an error already reported to the user: Main prints
// nothing more.
var errSilent = errors.New("")

// errSuspect is returned by supply verify for a suspect scan, after
// printing it: exit code 4.
var errSuspect = fmt.Errorf("%wsuspect scan", errSilent)

// errInvalid is returned by credentials verify and check for a credential
// refused, after printing why: exit code 1.
var errInvalid = fmt.Errorf("%winvalid credential", errSilent)

// errUnchecked is returned by credentials verify when the credential could
// not be checked (no key of its issuer), after printing why: exit code 3.
var errUnchecked = fmt.Errorf("%wcredential not checked", errSilent)

// usageError is a mistake on the command line: exit code 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usageErrorf reports a mistake on the command line (exit code 2).
func usageErrorf(format string, a ...any) error {
	return &usageError{fmt.Errorf(format, a...)}
}

// ExitCode maps the error a command returned to the process exit code.
func ExitCode(err error) int {
	var ue *usageError
	var ce *client.Error
	var re *rpcError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ue):
		return ExitUsage
	case errors.As(err, &re):
		return ExitUnreachable
	case errors.Is(err, errSuspect):
		return ExitSuspect
	case errors.Is(err, errUnchecked):
		return ExitUnreachable
	case errors.As(err, &ce):
		return ExitFailed
	case unreachable(err):
		return ExitUnreachable
	}
	return ExitFailed
}

// unreachable reports whether err is a failure to reach the node: no
// answer at all, as opposed to an answer saying no.
func unreachable(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	var ue *url.Error
	var oe *net.OpError
	var de *net.DNSError
	return errors.As(err, &ue) || errors.As(err, &oe) || errors.As(err, &de)
}

// unreachableError says, in the user's terms, that the node at url did not
// answer: which URL, how to point at another, and the network's reason.
func unreachableError(url string, err error) error {
	reason := err
	var oe *net.OpError
	if errors.As(err, &oe) {
		reason = oe
	}
	var cve *tls.CertificateVerificationError
	if errors.As(err, &cve) {
		return fmt.Errorf("cannot reach the node at %s: its certificate is not trusted (a consortium's own CA: pass it with --ca-file or $MEDCHAIN_CA_FILE): %w", url, cve)
	}
	return fmt.Errorf("cannot reach the node at %s (set --node or $MEDCHAIN_NODE; `medchain dev` runs one): %w", url, reason)
}

// unknownSubcommand is the run function of a command group: without an
// argument it prints the group's help; with one it is an unknown
// subcommand, a usage error with cobra's suggestions.
func unknownSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "\n\nDid you mean this?"
		for _, x := range s {
			msg += "\n\t" + x
		}
	}
	return usageErrorf("%s\n\nRun '%s --help' for usage.", msg, cmd.CommandPath())
}

// groupAnnotation marks a command group, for the usage template.
const groupAnnotation = "medchain-group"

// finish readies a built command tree: command groups report unknown
// subcommands (cobra would print help and exit 0), and every run function
// notes that it started, so that Main knows an error before it (a bad
// flag, a missing argument) is a usage error.
func finish(c *cobra.Command, started *bool) {
	if c.HasSubCommands() && c.Run == nil && c.RunE == nil {
		c.Args = cobra.ArbitraryArgs
		c.RunE = unknownSubcommand
		// Its usage stays that of a group: "medchain members [command]".
		// The template is inherited, so it asks whether the command is a
		// group, not whether it has subcommands: a verb with subcommands
		// (supply donation, and its show) keeps its own usage line.
		if c.Annotations == nil {
			c.Annotations = map[string]string{}
		}
		c.Annotations[groupAnnotation] = "true"
		c.SetUsageTemplate(strings.Replace(c.UsageTemplate(), "{{if .Runnable}}", `{{if and .Runnable (not (index .Annotations "`+groupAnnotation+`"))}}`, 1))
	}
	if run := c.RunE; run != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			*started = true
			return run(cmd, args)
		}
	}
	if run := c.Run; run != nil {
		c.Run = func(cmd *cobra.Command, args []string) {
			*started = true
			run(cmd, args)
		}
	}
	for _, sub := range c.Commands() {
		finish(sub, started)
	}
}

// table writes a table: the header row, then the rows rows writes to tw,
// tab separated, in aligned columns.
func table(w io.Writer, header string, rows func(tw io.Writer)) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	rows(tw)
	tw.Flush()
}

// listVerb describes a list command over one of the API's paged listings:
// a table in text, the page itself in JSON, and --after/--limit for paging.
// Build the command with newListCmd.
type listVerb[T any] struct {
	Use, Short, Long, Example string
	// Args checks the positional arguments; nil means none.
	Args cobra.PositionalArgs
	// AfterHelp is the help of --after: what the listing is ordered by.
	AfterHelp string
	// Flags binds the verb's own flags (beyond --after and --limit), if any.
	Flags func(f *pflag.FlagSet)
	// Access is who the listing's route answers (zero: anyone).
	Access readAccess
	// Fetch reads one page.
	Fetch func(ctx context.Context, api API, args []string, after string, limit int) (*client.Page[T], error)
	// Header is the table's header row, Row one item's row (tab separated).
	Header string
	Row    func(T) string
}

// listOptions are a list verb's options.
type listOptions[T any] struct {
	g     *Global
	verb  *listVerb[T]
	After string
	Limit int
}

// newListCmd builds the command of a list verb.
func newListCmd[T any](g *Global, v listVerb[T]) *cobra.Command {
	o := &listOptions[T]{g: g, verb: &v}
	cmd := verbCmd(v.Use, v.Short, v.Long, v.Example, v.Args, o.run)
	cmd.Flags().IntVar(&o.Limit, "limit", 100, "page size (1-1000)")
	cmd.Flags().StringVar(&o.After, "after", "", v.AfterHelp)
	if v.Flags != nil {
		v.Flags(cmd.Flags())
	}
	return cmd
}

func (o *listOptions[T]) run(ctx context.Context, args []string) error {
	api, err := o.g.reader(o.verb.Access)
	if err != nil {
		return err
	}
	page, err := o.verb.Fetch(ctx, api, args, o.After, o.Limit)
	if err != nil {
		return err
	}
	return o.g.Print(page, func(w io.Writer) {
		table(w, o.verb.Header, func(tw io.Writer) {
			for _, item := range page.Items {
				fmt.Fprintln(tw, o.verb.Row(item))
			}
		})
		if page.Next != "" {
			fmt.Fprintf(w, "more: --after %s\n", page.Next)
		}
	})
}
