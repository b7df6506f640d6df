package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/medchain/medchain/client"
)

// Records as the ledger shows them (never the data): a record's history, a
// patient's records, the access log and break-glass windows; and erasure.

type recordsHistoryOptions struct{ g *Global }

func newRecordsHistoryCmd(g *Global) *cobra.Command {
	o := &recordsHistoryOptions{g: g}
	return &cobra.Command{
		Use:   "history REC --as NAME",
		Short: "Show a record's versions as the ledger anchors them (never the data)",
		Long: `Show what the ledger holds about a record: its patient, custodian (and the
endpoint its node published for reads) and status, and every version's anchor: author, block time and height, the SHA-256 and size of
the ciphertext, the FHIR resource types and which version it supersedes (a
correction). An erased record shows its tombstone: who erased it, when and why,
and the hashes of the ciphertexts that were shredded.

The anchors are private: the read is signed with the --as key, which must be the
patient's, a delegate's, or a member's of the custodian, of an organisation an
active grant names, or with a break-glass window open on the patient.

Example:
  medchain records history rec-… --as alice`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context(), args[0]) },
	}
}

func (o *recordsHistoryOptions) run(ctx context.Context, rec string) error {
	api, err := o.g.reader(readKeyed)
	if err != nil {
		return err
	}
	info, err := api.RecordInfo(ctx, rec)
	if err != nil {
		return err
	}
	return o.g.Print(info, func(w io.Writer) {
		fmt.Fprintf(w, "record     %s\npatient    %s\ncustodian  %s\n", info.ID, info.Patient, info.Custodian)
		if info.CustodianEndpoint != "" {
			fmt.Fprintf(w, "reads at   %s\n", info.CustodianEndpoint)
		}
		fmt.Fprintf(w, "status     %s\nlatest     version %d\n", info.Status, info.Latest)
		if e := info.Erasure; e != nil {
			fmt.Fprintf(w, "erased     %s (height %d) by %s, reason %s\n", unixTime(e.Time), e.Height, e.By, e.Reason)
			fmt.Fprintf(w, "shredded   the ciphertexts of %d versions (their hashes stay below)\n", len(e.Hashes))
		}
		table(w, "VERSION\tAUTHOR\tTIME\tHEIGHT\tSUPERSEDES\tTYPES\tSIZE\tHASH", func(tw io.Writer) {
			for _, v := range info.Versions {
				sup := "-"
				if v.Supersedes > 0 {
					sup = fmt.Sprint(v.Supersedes)
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\t%d\t%s\n", v.Version, v.Author, unixTime(v.Time), v.Height, sup, strings.Join(v.Types, ","), v.Size, v.Hash)
			}
		})
	})
}

func newRecordsListCmd(g *Global) *cobra.Command {
	var patient string
	return newListCmd(g, listVerb[client.Record]{
		Use:   "list --as NAME [--patient PATIENT]",
		Short: "List a patient's records: ID, status, latest version, custodian",
		Long: `List a patient's records as the ledger indexes them (heights, not data). Use
records history REC for a record's versions.

--patient takes a patient ID (pt-…) or a keystore name; without it, the --as
patient's own records. The read is signed with the --as key: the patient and
their delegates see every record; a member sees those its organisation keeps,
those an active grant to it covers, or all inside a break-glass window it opened.

Example:
  medchain records list --as alice
  medchain records list --as dr-grey --patient alice`,
		AfterHelp: "list record IDs after this one (paging)",
		Access:    readKeyed,
		Flags: func(f *pflag.FlagSet) {
			f.StringVar(&patient, "patient", "", "the patient: a patient ID (pt-…) or a keystore name (default: the --as patient)")
		},
		Fetch: func(ctx context.Context, api API, _ []string, after string, limit int) (*client.Page[client.Record], error) {
			pt, err := resolvePatient(g, patient)
			if err != nil {
				return nil, err
			}
			return api.PatientRecords(ctx, pt, after, limit)
		},
		Header: "ID\tSTATUS\tLATEST\tCUSTODIAN\tCREATED\tUPDATED",
		Row: func(r client.Record) string {
			return fmt.Sprintf("%s\t%s\t%d\t%s\t%d\t%d", r.ID, r.Status, r.Latest, r.Custodian, r.Created, r.Updated)
		},
	})
}

func newRecordsPatientsCmd(g *Global) *cobra.Command {
	var org string
	return newListCmd(g, listVerb[client.GrantingPatient]{
		Use:   "patients --as NAME [--org ORG]",
		Short: "List the patients who granted your organisation (or you) access, with the grants",
		Long: `List the patients who granted an organisation access: a consent grant to the
organisation, to a role within it or to one of its members, active now (not revoked,
started, not expired). One row per patient, by patient ID: the grants' IDs, the
purposes they allow together, and when the last of them expires. -o json has each
grant in full (grantee, purposes, types and records in scope, start and expiry).
Patients whose grants are all revoked or expired are left out. A clinician sees the
grants that cover them (to them, to the organisation, to a role they hold); the
organisation's admins, privacy officers and auditors see all its grants.

--org defaults to the --as member's organisation (as auth whoami shows it). The list
is private: the read is signed with the --as key, which must be an active member's
of the organisation.

Example:
  medchain records patients --as dr-grey
  medchain records patients --as dr-grey -o json`,
		AfterHelp: "list patients after this patient ID (paging)",
		Access:    readKeyed,
		Flags: func(f *pflag.FlagSet) {
			f.StringVar(&org, "org", "", "the organisation (default: the --as member's)")
		},
		Fetch: func(ctx context.Context, api API, _ []string, after string, limit int) (*client.Page[client.GrantingPatient], error) {
			if org == "" {
				me, err := api.Whoami(ctx)
				if err != nil {
					return nil, err
				}
				if me.Org == "" {
					return nil, usageErrorf("--as %s is not a member of an organisation: name one with --org ORG", me.ID)
				}
				org = me.Org
			}
			return api.OrgPatients(ctx, org, after, limit)
		},
		Header: "PATIENT\tGRANTS\tPURPOSES\tEXPIRES",
		Row: func(p client.GrantingPatient) string {
			var ids, purposes []string
			var last int64
			for _, gr := range p.Grants {
				ids = append(ids, gr.ID)
				purposes = append(purposes, gr.Purposes...)
				last = max(last, gr.Expires)
			}
			slices.Sort(purposes)
			return fmt.Sprintf("%s\t%s\t%s\t%s", p.Patient, strings.Join(ids, ","), strings.Join(slices.Compact(purposes), ","), unixTime(last))
		},
	})
}

func newRecordsEraseCmd(g *Global) *cobra.Command {
	return newSendCmd(g, sendVerb[client.EraseRecord]{
		Use:   "erase REC --reason REASON --as PATIENT|PRIVACY-OFFICER",
		Short: "Erase a record: the custodian shreds it, the ledger keeps a tombstone",
		Long: `Erase a record (every version). Signed by the patient, a delegate of the
patient, or a privacy officer of the custodian organisation, with a reason code:
` + eraseReasonList + `.

On chain: a records/erase transaction and the record's tombstone (who, when, why,
and the hashes of the ciphertexts). Off chain: the custodian's node destroys the
ciphertexts and every wrap of their data keys (crypto-shredding). Any later read is
refused with records.erased.`,
		Example: "  medchain records erase rec-… --as alice --reason patient-request",
		Args:    cobra.ExactArgs(1),
		Flags: func(f *pflag.FlagSet, m *client.EraseRecord) {
			f.StringVar(&m.Reason, "reason", "", "reason code: "+eraseReasonList)
		},
		Required: []string{"reason"},
		Parse:    func(_ *Global, args []string, m *client.EraseRecord) error { m.Record = args[0]; return nil },
		Print:    func(w io.Writer, m *client.EraseRecord, res *client.TxResult) { txLine(w, res, "erased "+m.Record) },
	})
}

// byPatientOrOrg checks that exactly one of --patient and --org is given and
// returns which ("patient" or "org") and the ID.
func byPatientOrOrg(g *Global, patient, org string) (by, id string, err error) {
	switch {
	case patient != "" && org != "":
		return "", "", usageErrorf("give --patient or --org, not both")
	case org != "":
		return "org", org, nil
	}
	pt, err := resolvePatient(g, patient)
	if err != nil {
		return "", "", fmt.Errorf("%w; or give --org ORG", err)
	}
	return "patient", pt, nil
}

// patientOrOrgFlags binds --patient and --org.
func patientOrOrgFlags(f *pflag.FlagSet, patient, org *string, orgHelp string) {
	f.StringVar(patient, "patient", "", "a patient ID (pt-…) or keystore name (default: the --as patient)")
	f.StringVar(org, "org", "", orgHelp)
}

func newRecordsAccessLogCmd(g *Global) *cobra.Command {
	var patient, org string
	return newListCmd(g, listVerb[client.Receipt]{
		Use:   "access-log --as NAME (--patient PATIENT | --org ORG)",
		Short: "List the access receipts: who read what, when, why, and the outcome",
		Long: `List the access receipts on the ledger, oldest first: every read of a
patient's records (--patient), or every read an organisation's node served or
refused as custodian (--org, what its privacy officer reviews). Each receipt says who
read (member and organisation), which record and version, when, for what purpose,
the outcome (granted, or denied with its stable code) and the basis: owner,
delegate, grant (with the grant ID) or break-glass (with the window and reason). A
patient's log also lists the review of each break-glass window on their records: who
opened it and why, the outcome (acknowledged or flagged), who reviewed it and when.

The log is private: the read is signed with the --as key, which must be the
patient's or a delegate's (--patient), or a privacy officer's or auditor's of the
organisation (--org).

Example:
  medchain records access-log --as alice
  medchain records access-log --as privacy-officer --org st-marys-hospital -o json`,
		AfterHelp: "list receipts after this cursor (paging)",
		Access:    readKeyed,
		Flags:     func(f *pflag.FlagSet) { patientOrOrgFlags(f, &patient, &org, "a custodian organisation") },
		Fetch: func(ctx context.Context, api API, _ []string, after string, limit int) (*client.Page[client.Receipt], error) {
			by, id, err := byPatientOrOrg(g, patient, org)
			if err != nil {
				return nil, err
			}
			if by == "org" {
				return api.OrgAccessLog(ctx, id, after, limit)
			}
			return api.AccessLog(ctx, id, after, limit)
		},
		Header: "TIME\tREADER\tRECORD\tVERSION\tPURPOSE\tOUTCOME\tBASIS\tBREAK-GLASS",
		Row: func(r client.Receipt) string {
			if r.Kind == client.EntryBreakGlassReview {
				return fmt.Sprintf("%s\t%s\t-\t-\t%s\t%s\treview %s\t%s %s", unixTime(r.Time), r.Reader, r.Purpose, r.Outcome, reviewColumn(r.Review), r.BreakGlass, r.Reason)
			}
			basis := r.Basis
			switch {
			case r.Outcome != "granted":
				basis = r.Denial
			case r.Grant != "":
				basis += " " + r.Grant
			}
			bg := "-"
			if r.BreakGlass != "" {
				bg = r.BreakGlass + " " + r.Reason
			}
			v := "-"
			if r.Version > 0 {
				v = fmt.Sprint(r.Version)
			}
			return fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s", unixTime(r.Time), r.Reader, r.Record, v, r.Purpose, r.Outcome, basis, bg)
		},
	})
}

type recordsBreakGlassOptions struct {
	g            *Global
	patient, org string
}

func newRecordsBreakGlassCmd(g *Global) *cobra.Command {
	o := &recordsBreakGlassOptions{g: g}
	cmd := &cobra.Command{
		Use:   "break-glass --as NAME (--patient PATIENT | --org ORG)",
		Short: "List break-glass windows opened on a patient's records or by an organisation",
		Long: `List the emergency break-glass windows opened on a patient's records
(--patient) or by an organisation's clinicians (--org): who opened it, on whom, the
reason code, when it opened and closes, whether it is still open, and its review by a
privacy officer (records review-break-glass; records unreviewed lists those to review).
Windows are opened by records read --break-glass; each read under one is in the access
log, and so is the window's review.

The list is private: the read is signed with the --as key, which must be the
patient's or a delegate's (--patient), or a privacy officer's or auditor's of the
organisation (--org).

Example:
  medchain records break-glass --as alice
  medchain records break-glass --as privacy-officer --org riverside-clinic`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context()) },
	}
	patientOrOrgFlags(cmd.Flags(), &o.patient, &o.org, "an organisation")
	return cmd
}

func (o *recordsBreakGlassOptions) run(ctx context.Context) error {
	by, id, err := byPatientOrOrg(o.g, o.patient, o.org)
	if err != nil {
		return err
	}
	api, err := o.g.reader(readKeyed)
	if err != nil {
		return err
	}
	page, err := api.BreakGlassWindows(ctx, by, id)
	if err != nil {
		return err
	}
	return o.g.Print(page, func(w io.Writer) {
		table(w, "ID\tREADER\tPATIENT\tREASON\tOPENED\tEXPIRES\tOPEN\tREVIEW", func(tw io.Writer) {
			for _, b := range page.Items {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%v\t%s\n", b.ID, b.Reader, b.Patient, b.Reason, unixTime(b.Opened), unixTime(b.Expires), b.Open, reviewColumn(b.Review))
			}
		})
	})
}
