package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/medchain/medchain/client"
)

// The codes the records module accepts, for --help: the chain's own lists.
var (
	purposeList          = strings.Join(client.Purposes, ", ")
	breakGlassReasonList = strings.Join(client.BreakGlassReasons, ", ")
	eraseReasonList      = strings.Join(client.EraseReasons, ", ")
	authorRoleList       = strings.Join(client.AuthorRoles, ", ")
)

func newRecordsCmd(g *Global) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "records",
		Short: "Add, read, correct and erase patient records; see who read them",
		Long: `Patient records are FHIR R4 JSON documents. The node of the author's
organisation (the custodian) validates a document, encrypts it under a fresh data
key and keeps the ciphertext; the data key is wrapped with age to the patient and to
the custodian. The ledger gets only an anchor per version: the record ID, the
patient's pseudonymous ID, the FHIR resource types, the SHA-256 and size of the
ciphertext, the author and the time. Never the document, never a name.

A read is a request signed by the reader and sent to the custodian's node, which
checks it against the ledger (the patient, a delegate, a consent grant, or an open
break-glass window), wraps the data key to the reader's key and writes an access
receipt on the ledger, served or refused. See docs/records.md.`,
	}
	cmd.AddCommand(newRecordsAddCmd(g), newRecordsImportCmd(g), newRecordsReadCmd(g), newRecordsHistoryCmd(g),
		newRecordsListCmd(g), newRecordsEraseCmd(g), newRecordsAccessLogCmd(g), newRecordsBreakGlassCmd(g),
		newRecordsUnreviewedCmd(g), newRecordsReviewCmd(g), newRecordsPatientsCmd(g), newRecordsReadRequestCmd(g))
	return cmd
}

// resolvePatient turns --patient into a patient ID: a pt-… ID as it is, a
// keystore name by the identity it belongs to, and nothing by the signer's
// own identity when the signer is a patient.
func resolvePatient(g *Global, ref string) (string, error) {
	if strings.HasPrefix(ref, "pt-") {
		return ref, nil
	}
	name := ref
	if name == "" {
		name = g.As
	}
	if name == "" {
		return "", usageErrorf("name the patient with --patient PATIENT-ID (or a keystore name, see `medchain keys list`)")
	}
	ks, err := openKeystore(g)
	if err != nil {
		return "", err
	}
	e, err := ks.Get(name)
	if err != nil {
		if ref == "" {
			return "", usageErrorf("name the patient with --patient PATIENT-ID (or a keystore name, see `medchain keys list`)")
		}
		return "", usageErrorf("--patient %q is neither a patient ID (pt-…) nor a key in the keystore: %w", ref, err)
	}
	if !strings.HasPrefix(e.Identity, "pt-") {
		if ref == "" {
			return "", usageErrorf("--as %s is not a patient (%s): name the patient with --patient PATIENT-ID", name, orNone(e.Identity))
		}
		return "", usageErrorf("--patient %s: the key's identity is %s, not a patient ID (pt-…)", ref, orNone(e.Identity))
	}
	return e.Identity, nil
}

func orNone(s string) string {
	if s == "" {
		return "no identity"
	}
	return s
}

// readInput reads a file, or stdin for "-".
func readInput(g *Global, path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(g.In)
	}
	return os.ReadFile(path)
}

// unixTime formats block time in seconds.
func unixTime(s int64) string {
	if s == 0 {
		return "-"
	}
	return time.Unix(s, 0).UTC().Format("2006-01-02 15:04:05Z")
}

// withReceipt adds the access receipt of a refused read to its error.
func withReceipt(err error) error {
	var e *client.Error
	if errors.As(err, &e) && e.Receipt != "" && !strings.Contains(e.Error(), e.Receipt) {
		return fmt.Errorf("%w (access receipt %s)", err, e.Receipt)
	}
	return err
}

// ---- records add ----

type recordsAddOptions struct {
	g                *Global
	patient, correct string
	quiet            bool
}

func newRecordsAddCmd(g *Global) *cobra.Command {
	o := &recordsAddOptions{g: g}
	cmd := &cobra.Command{
		Use:   "add --as AUTHOR --patient PATIENT FILE",
		Short: "Add a FHIR resource or Bundle as a patient's record (or, with --correct, a new version)",
		Long: `Add a FHIR R4 JSON resource or Bundle (FILE, or - for stdin) as one record of a
patient. The signer must be a member of a custodian organisation with an author role
(` + authorRoleList + `).

The document goes to the node of the signer's organisation, which validates it
(an invalid document is refused with records.invalid_document), encrypts it and
keeps the ciphertext off chain. Then the signer anchors it in a records/add
transaction: record ID, patient ID, resource types, SHA-256 and size of the
ciphertext. The document itself, and anything in it, never goes on chain.

--correct REC adds a new version of REC instead (a correction): earlier versions
stay readable with records read --version N. Only the custodian adds versions.

--patient takes a patient ID (pt-…) or a keystore name whose identity is a patient.

Example:
  medchain records add --as dr-grey --patient alice observation.json
  medchain records add --as dr-grey --patient alice --correct rec-… fixed.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context(), args[0]) },
	}
	cmd.Flags().StringVar(&o.patient, "patient", "", "the patient: a patient ID (pt-…) or a keystore name (default with --correct: the record's patient)")
	cmd.Flags().StringVar(&o.correct, "correct", "", "add a new version of this record ID instead of a new record")
	cmd.Flags().BoolVarP(&o.quiet, "quiet", "q", false, "print only the record ID (for scripts)")
	return cmd
}

func (o *recordsAddOptions) run(ctx context.Context, path string) error {
	g := o.g
	doc, err := readInput(g, path)
	if err != nil {
		return err
	}
	var patient string
	if o.patient == "" && o.correct != "" {
		api, err := g.reader(readKeyed)
		if err != nil {
			return err
		}
		info, err := api.RecordInfo(ctx, o.correct)
		if err != nil {
			return err
		}
		patient = info.Patient
	} else if patient, err = resolvePatient(g, o.patient); err != nil {
		return err
	}
	s, err := g.signer()
	if err != nil {
		return err
	}
	up, err := g.client().AddRecord(ctx, s, patient, o.correct, doc)
	if err != nil {
		return err
	}
	if o.quiet && !g.JSON() {
		fmt.Fprintln(g.Out, up.Record)
		return nil
	}
	return g.Print(up, func(w io.Writer) {
		fmt.Fprintf(w, "record     %s\nversion    %d\npatient    %s\ncustodian  %s\ntypes      %s\nhash       %s\nsize       %d bytes (ciphertext)\n",
			up.Record, up.Supersedes+1, up.Patient, up.Custodian, strings.Join(up.Types, ","), up.Hash, up.Size)
	})
}

// ---- records import ----

type recordsImportOptions struct {
	g       *Global
	patient string
	batch   int
}

// importResult is what records import reports.
type importResult struct {
	Patient   string            `json:"patient"`
	Custodian string            `json:"custodian"`
	Count     int               `json:"count"`
	Seconds   float64           `json:"seconds"`
	Records   []client.Uploaded `json:"records"`
}

func newRecordsImportCmd(g *Global) *cobra.Command {
	o := &recordsImportOptions{g: g}
	cmd := &cobra.Command{
		Use:   "import --as AUTHOR --patient PATIENT FILE",
		Short: "Import a whole patient Bundle (Synthea, say): one record per entry",
		Long: `Import a FHIR R4 Bundle, such as a Synthea patient bundle, as one record per
entry. The node of the signer's organisation validates the Bundle, splits it and
encrypts each entry under its own data key (off chain); the signer then anchors the
records in records/add transactions of --batch anchors each, with a progress bar on
stderr. Only the anchors (record IDs, the patient's pseudonymous ID, resource types,
ciphertext hashes and sizes) go on chain; names, birth dates and the rest of the
bundle stay encrypted at the custodian's node.

Example:
  medchain records import --as dr-grey --patient bob internal/fhirdoc/testdata/Luigi_Wiegand_e27d88b0-c5e5-4042-ad49-184f6a900ee3.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context(), args[0]) },
	}
	cmd.Flags().StringVar(&o.patient, "patient", "", "the patient: a patient ID (pt-…) or a keystore name")
	cmd.Flags().IntVar(&o.batch, "batch", 100, "anchors per transaction (the ledger takes at most 200)")
	return cmd
}

func (o *recordsImportOptions) run(ctx context.Context, path string) error {
	g := o.g
	if o.batch < 1 {
		return usageErrorf("--batch must be at least 1")
	}
	doc, err := readInput(g, path)
	if err != nil {
		return err
	}
	patient, err := resolvePatient(g, o.patient)
	if err != nil {
		return err
	}
	s, err := g.signer()
	if err != nil {
		return err
	}
	c := g.client()
	start := time.Now()
	if !g.JSON() {
		fmt.Fprintf(g.Err, "uploading %s (%d bytes) for encryption at the custodian's node...\n", path, len(doc))
	}
	ups, err := c.Upload(ctx, s, client.Upload{Patient: patient, Document: doc, Split: true})
	if err != nil {
		return err
	}
	var pb *progressbar.ProgressBar
	if !g.JSON() && len(ups) > 0 {
		pb = progressBar(g.Err, len(ups), "anchoring records")
	}
	for i := 0; i < len(ups); i += o.batch {
		end := min(i+o.batch, len(ups))
		if err := c.Anchor(ctx, s, ups[i:end], nil); err != nil {
			if pb != nil {
				pb.Exit()
				fmt.Fprintln(g.Err)
			}
			return fmt.Errorf("%d of %d records anchored: %w", i, len(ups), err)
		}
		if pb != nil {
			pb.Set(end)
		}
	}
	res := importResult{Patient: patient, Count: len(ups), Seconds: time.Since(start).Seconds(), Records: ups}
	if len(ups) > 0 {
		res.Custodian = ups[0].Custodian
	}
	return g.Print(res, func(w io.Writer) {
		counts := map[string]int{}
		for _, u := range ups {
			for _, t := range u.Types {
				counts[t]++
			}
		}
		var parts []string
		for _, t := range slices.Sorted(maps.Keys(counts)) {
			parts = append(parts, fmt.Sprintf("%s %d", t, counts[t]))
		}
		fmt.Fprintf(w, "imported %d records for %s at %s in %s\n", res.Count, patient, res.Custodian, time.Since(start).Round(time.Millisecond))
		if len(parts) > 0 {
			fmt.Fprintf(w, "types: %s\n", strings.Join(parts, ", "))
		}
	})
}

// ---- records read ----

type recordsReadOptions struct {
	g                           *Global
	version                     int
	purpose, breakGlass, window string
	patient                     string
	minutes                     int
	out                         string
}

// readOutput is what records read prints with --output json.
type readOutput struct {
	*client.ReadResult
	// Window is the break-glass window the command opened, if any.
	Window *client.BreakGlass `json:"window,omitempty"`
	// Document is the record's FHIR JSON, unless written to --out.
	Document json.RawMessage `json:"document,omitempty"`
	Out      string          `json:"out,omitempty"`
}

func newRecordsReadCmd(g *Global) *cobra.Command {
	o := &recordsReadOptions{g: g}
	cmd := &cobra.Command{
		Use:   "read REC --as READER --purpose PURPOSE [--version N] [--break-glass REASON] [--out FILE]",
		Short: "Read a record, as consent allows (or by breaking the glass in an emergency)",
		Long: `Read a record (its latest version, or --version N). The reader signs a read
request stating the purpose of use (` + purposeList + `) and
sends it to the custodian's node, which checks it against the ledger: the reader
is the patient, a delegate, covered by an active consent grant for that purpose and
record, or inside a break-glass window they opened. If so the node wraps the
record's data key to the reader's Ed25519 key and sends the ciphertext; the document
is decrypted here and printed (or written to --out) exactly as it was added. Either
way the node writes an access receipt on the ledger (reader, record, purpose,
basis or denial code), which the patient sees with records access-log.

The request goes to --node; if that node does not keep the record, to the endpoint
the custodian's node published on the ledger (records history shows it as
"reads at"), or it fails with records.not_custodian.

A refusal prints its stable code, e.g. records.no_grant, records.grant_revoked,
records.grant_expired, records.purpose_not_granted, records.out_of_scope,
records.wrong_org, records.erased.

--break-glass REASON is for emergencies: it first opens a break-glass window on the
record's patient (a records/break-glass transaction with the reason code, signed by
the reader, who must hold a clinical role; reasons: ` + breakGlassReasonList + `),
then reads with purpose emergency under that window. The patient is the record's,
looked up with a read signed by the reader; a reader who may not see the record's
anchors yet (a clinician of another organisation, without a grant) names the
patient with --patient. --window reuses a window
already open. Break-glass reads are flagged in the access log and listed by
records break-glass.

The receipt, basis and grant are printed on stderr; -o json prints them with the
document on stdout.

Example:
  medchain records read rec-… --as dr-patel --purpose treatment --out obs.json
  medchain records read rec-… --as dr-patel --break-glass patient-unconscious --patient pt-…`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context(), args[0]) },
	}
	f := cmd.Flags()
	f.IntVar(&o.version, "version", 0, "version to read (default: the latest)")
	f.StringVar(&o.patient, "patient", "", "with --break-glass: the record's patient, a patient ID (pt-…) or keystore name (default: looked up from the record)")
	f.StringVar(&o.purpose, "purpose", "", "purpose of use: "+purposeList)
	f.StringVar(&o.breakGlass, "break-glass", "", "open a break-glass window with this reason code first, and read under it")
	f.IntVar(&o.minutes, "minutes", 0, "with --break-glass: how long the window stays open (default 60, at most 240)")
	f.StringVar(&o.window, "window", "", "read under this open break-glass window (bg-…) of yours")
	f.StringVar(&o.out, "out", "", "write the document to this file instead of stdout")
	return cmd
}

func (o *recordsReadOptions) run(ctx context.Context, rec string) error {
	g := o.g
	if o.breakGlass != "" && o.window != "" {
		return usageErrorf("give --break-glass REASON (to open a window) or --window ID (to use one), not both")
	}
	if o.minutes != 0 && o.breakGlass == "" {
		return usageErrorf("--minutes goes with --break-glass")
	}
	if o.patient != "" && o.breakGlass == "" {
		return usageErrorf("--patient goes with --break-glass")
	}
	purpose, err := readPurpose(o.purpose, o.breakGlass != "" || o.window != "")
	if err != nil {
		return err
	}
	s, err := g.signer()
	if err != nil {
		return err
	}
	c := g.client()
	out := readOutput{}
	window := o.window
	if o.breakGlass != "" {
		patient, err := o.breakGlassPatient(ctx, signedReads(c, s), rec)
		if err != nil {
			return err
		}
		res, err := c.Send(ctx, s, client.OpenBreakGlass{Patient: patient, Reason: o.breakGlass, Minutes: o.minutes})
		if err != nil {
			return err
		}
		var w client.BreakGlass
		if err := res.Decode(&w); err != nil {
			return err
		}
		out.Window, window = &w, w.ID
		if !g.JSON() {
			fmt.Fprintf(g.Err, "break-glass window %s opened on %s (%s) until %s (tx %s, height %d)\n",
				w.ID, w.Patient, w.Reason, unixTime(w.Expires), res.Hash, res.Height)
		}
	}
	r, err := c.ReadRecord(ctx, s, client.ReadRequest{Record: rec, Version: o.version, Purpose: purpose, BreakGlass: window})
	if err != nil {
		return withReceipt(err)
	}
	out.ReadResult = r
	if o.out != "" {
		if err := os.WriteFile(o.out, r.Document, 0o600); err != nil {
			return err
		}
		out.Out = o.out
	}
	if g.JSON() {
		if o.out == "" {
			if json.Valid(r.Document) {
				out.Document = r.Document
			} else {
				out.Document, _ = json.Marshal(string(r.Document))
			}
		}
		return g.Print(out, nil)
	}
	basis := r.Basis
	switch {
	case r.Grant != "":
		basis += " " + r.Grant
	case r.BreakGlass != "":
		basis += " " + r.BreakGlass
	}
	fmt.Fprintf(g.Err, "read %s version %d of %s (%d bytes): basis %s, access receipt %s\n",
		r.Record.ID, r.Version.Version, r.Record.Patient, len(r.Document), basis, r.Receipt)
	if o.out != "" {
		fmt.Fprintf(g.Err, "wrote %s\n", o.out)
		return nil
	}
	_, err = g.Out.Write(r.Document)
	return err
}

// readPurpose is the purpose a read states: --purpose, which a
// break-glass read may only leave empty or give as emergency.
func readPurpose(purpose string, breakGlass bool) (string, error) {
	if breakGlass {
		if purpose != "" && purpose != client.PurposeEmergency {
			return "", usageErrorf("a break-glass read states purpose %s, not %s", client.PurposeEmergency, purpose)
		}
		purpose = client.PurposeEmergency
	}
	if purpose == "" {
		return "", usageErrorf("say why you read with --purpose (%s)", purposeList)
	}
	return purpose, nil
}

// ---- records read-request ----

func newRecordsReadRequestCmd(g *Global) *cobra.Command {
	var (
		version         int
		purpose, window string
	)
	cmd := &cobra.Command{
		Use:   "read-request REC --as READER --purpose PURPOSE [--version N] [--window ID]",
		Short: "Sign a read request for a FHIR client: the X-Medchain-Read-Request header",
		Long: `Sign a request to read a record (its latest version, or --version N) for the
stated purpose (` + purposeList + `), and print it in standard base64: the value of the
` + client.FHIRReadRequestHeader + ` header that the FHIR facade's GET /fhir/Binary/{id}
(the record's document) and GET /fhir/Claim/{id} (a claim sealed in the record) take
from a FHIR client. The custodian's node checks it against the ledger's consent exactly
as for records read, and writes it into the read's access receipt before it answers;
so it serves one read: sign one per read. It expires as every signed request does
(the node's max_tx_ttl blocks).

Nothing is sent: this only signs. The node answers with the document itself, opened
with the custodian's key (records read opens it here instead), so reach the node
over TLS. --window reads under an open break-glass window of yours (purpose emergency).

Example:
  curl -H "` + client.FHIRReadRequestHeader + `: $(medchain records read-request rec-… --as dr-grey --purpose treatment)" \
    https://node.example/fhir/Binary/rec-…`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			purpose, err := readPurpose(purpose, window != "")
			if err != nil {
				return err
			}
			s, err := g.signer()
			if err != nil {
				return err
			}
			h, err := g.client().FHIRReadRequest(cmd.Context(), s, client.ReadRequest{Record: args[0], Version: version, Purpose: purpose, BreakGlass: window})
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(g.Out, h)
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&version, "version", 0, "version to read (default: the latest)")
	f.StringVar(&purpose, "purpose", "", "purpose of use: "+purposeList)
	f.StringVar(&window, "window", "", "read under this open break-glass window (bg-…) of yours")
	return cmd
}

// breakGlassPatient is the patient to open a break-glass window on: --patient,
// or the record's, read with api (signed by the reader).
func (o *recordsReadOptions) breakGlassPatient(ctx context.Context, api API, rec string) (string, error) {
	if o.patient != "" {
		return resolvePatient(o.g, o.patient)
	}
	info, err := api.RecordInfo(ctx, rec)
	if client.IsCode(err, client.CodeNotEntitled) {
		return "", fmt.Errorf("%w (a reader who may not see the record yet names its patient with --patient)", err)
	}
	if err != nil {
		return "", err
	}
	return info.Patient, nil
}

// prettyJSON indents a JSON document for printing; other bytes are returned as they are.
func prettyJSON(b []byte) []byte {
	var buf bytes.Buffer
	if json.Indent(&buf, b, "", "  ") != nil {
		return b
	}
	buf.WriteByte('\n')
	return buf.Bytes()
}
