package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/medchain/medchain/client"
)

func newConsentCmd(g *Global) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "consent",
		Short: "Grant, revoke, list, import and export a patient's consent; name delegates",
		Long: `A patient's consent grants are on the ledger: who may read (an organisation, one
member, or the members of an organisation holding a role), for which purposes of use
(` + purposeList + `), over which records (FHIR resource
types and/or record IDs; all by default), until when, and optionally under a CEL
condition. Custodians' nodes check every read against them. A grant holds no
health data: only pseudonymous IDs, codes and times.

Grants are signed by the patient or by one of the patient's delegates (a guardian,
say: consent delegate). They map to and from FHIR R4 Consent resources (consent
import, consent export). See docs/records.md.`,
	}
	cmd.AddCommand(newConsentGrantCmd(g), newConsentRevokeCmd(g), newConsentListCmd(g), newConsentShowCmd(g),
		newConsentImportCmd(g), newConsentExportCmd(g), newConsentDelegateCmd(g), newConsentDelegatesCmd(g))
	return cmd
}

// parseExpiry reads an RFC 3339 time, or a duration from now ("720h",
// "90m", or days: "30d").
func parseExpiry(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(d); err == nil && n > 0 {
			return now.Add(time.Duration(n) * 24 * time.Hour).UTC().Truncate(time.Second), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(d).UTC().Truncate(time.Second), nil
	}
	return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time (2027-01-31T00:00:00Z) nor a positive duration (720h, 30d)", s)
}

func granteeString(g client.Grantee) string {
	switch {
	case g.Member != "":
		return g.Member
	case g.Role != "":
		return g.Org + ":" + g.Role
	}
	return g.Org
}

func printGrant(w io.Writer, gr *client.Grant) {
	fmt.Fprintf(w, "grant      %s\npatient    %s\ngrantee    %s\npurposes   %s\n", gr.ID, gr.Patient, granteeString(gr.Grantee), strings.Join(gr.Purposes, ","))
	fmt.Fprintf(w, "types      %s\nrecords    %s\n", orAll(gr.Types), orAll(gr.Records))
	fmt.Fprintf(w, "valid      %s to %s\n", unixTime(gr.Start), unixTime(gr.Expires))
	if gr.Condition != "" {
		fmt.Fprintf(w, "condition  %s (sha256 %s)\n", gr.Condition, gr.ConditionHash)
	}
	fmt.Fprintf(w, "granted by %s at height %d\nstatus     %s\n", gr.GrantedBy, gr.Height, gr.Status)
	if gr.RevokedAt > 0 {
		fmt.Fprintf(w, "revoked    at height %d by %s\n", gr.RevokedAt, gr.RevokedBy)
	}
}

func orAll(s []string) string {
	if len(s) == 0 {
		return "all"
	}
	return strings.Join(s, ",")
}

// printGranted reports a committed grant.
func printGranted(g *Global, res *client.TxResult, quiet bool) error {
	var c client.Created
	if err := res.Decode(&c); err != nil {
		return err
	}
	if quiet && !g.JSON() {
		fmt.Fprintln(g.Out, c.ID)
		return nil
	}
	return printTx(g, res, "granted "+c.ID)
}

type consentGrantOptions struct {
	g                        *Global
	to, member, role         string
	purposes, types, records []string
	expires, start           string
	condition, patient       string
	quiet                    bool
}

func newConsentGrantCmd(g *Global) *cobra.Command {
	o := &consentGrantOptions{g: g}
	cmd := &cobra.Command{
		Use:   "grant --as PATIENT (--to ORG | --member ORG/HANDLE | --role ORG:ROLE) --purpose P[,P] --expires T",
		Short: "Grant an organisation, a member or a role access to the patient's records",
		Long: `Grant access to the signing patient's records (or, with --patient, to the records
of a patient the signer is a delegate of). Exactly one grantee:

  --to ORG             every member of the organisation
  --member ORG/HANDLE  one member
  --role ORG:ROLE      the members of ORG holding ROLE (physician, nurse, ...)

--purpose lists the purposes of use allowed (` + purposeList + `).
--types limits the grant to records holding only these FHIR resource types, and
--records to these record IDs; without them the grant covers all the patient's
records. --expires is an RFC 3339 time or a duration from now (720h, 30d).
--condition is a CEL expression that must be true for each read; it may use
reader_id, reader_org, reader_roles, purpose, record_id, record_types,
record_version and now (block time, unix seconds), e.g.
'"physician" in reader_roles && record_version == 1'.

On chain: the records/grant transaction and the grant (pseudonymous patient ID,
grantee, purposes, scope, times, condition). It takes effect from the next block;
revoke it with consent revoke. The grant ID is printed.

Example:
  medchain consent grant --as alice --to riverside-clinic --purpose treatment --expires 720h
  medchain consent grant --as alice --role st-marys-hospital:nurse --purpose treatment \
      --types Observation --expires 2027-01-01T00:00:00Z`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context()) },
	}
	f := cmd.Flags()
	f.StringVar(&o.to, "to", "", "grant to every member of this organisation")
	f.StringVar(&o.member, "member", "", "grant to one member, ORG/HANDLE")
	f.StringVar(&o.role, "role", "", "grant to the members of an organisation holding a role, ORG:ROLE")
	f.StringSliceVar(&o.purposes, "purpose", nil, "purposes of use, comma separated: "+purposeList)
	f.StringSliceVar(&o.types, "types", nil, "FHIR resource types the grant is limited to, comma separated (default: all)")
	f.StringSliceVar(&o.records, "records", nil, "record IDs the grant is limited to, comma separated (default: all)")
	f.StringVar(&o.expires, "expires", "", "expiry: RFC 3339 time or a duration from now (720h, 30d)")
	f.StringVar(&o.start, "start", "", "start, if later than now: RFC 3339 time or a duration from now")
	f.StringVar(&o.condition, "condition", "", "CEL condition each read must meet")
	f.StringVar(&o.patient, "patient", "", "the patient, when the signer acts as their delegate (patient ID or keystore name)")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print only the grant ID (for scripts)")
	cmd.MarkFlagRequired("purpose")
	cmd.MarkFlagRequired("expires")
	return cmd
}

func (o *consentGrantOptions) grantee() (client.Grantee, error) {
	n := 0
	for _, s := range []string{o.to, o.member, o.role} {
		if s != "" {
			n++
		}
	}
	if n != 1 {
		return client.Grantee{}, usageErrorf("name exactly one grantee: --to ORG, --member ORG/HANDLE or --role ORG:ROLE")
	}
	switch {
	case o.member != "":
		if !strings.Contains(o.member, "/") {
			return client.Grantee{}, usageErrorf("--member %q must be ORG/HANDLE, e.g. riverside-clinic/dr-patel", o.member)
		}
		return client.Grantee{Member: o.member}, nil
	case o.role != "":
		org, role, ok := strings.Cut(o.role, ":")
		if !ok || org == "" || role == "" {
			return client.Grantee{}, usageErrorf("--role %q must be ORG:ROLE, e.g. st-marys-hospital:nurse", o.role)
		}
		return client.Grantee{Org: org, Role: role}, nil
	}
	return client.Grantee{Org: o.to}, nil
}

func (o *consentGrantOptions) run(ctx context.Context) error {
	g := o.g
	ge, err := o.grantee()
	if err != nil {
		return err
	}
	now := time.Now()
	exp, err := parseExpiry(o.expires, now)
	if err != nil {
		return usageErrorf("--expires: %w", err)
	}
	msg := client.GrantConsent{Grantee: ge, Purposes: o.purposes, Types: o.types, Records: o.records, Expires: exp, Condition: o.condition}
	if o.start != "" {
		st, err := parseExpiry(o.start, now)
		if err != nil {
			return usageErrorf("--start: %w", err)
		}
		msg.Start = &st
	}
	if o.patient != "" {
		if msg.Patient, err = resolvePatient(g, o.patient); err != nil {
			return err
		}
	}
	res, err := sendMsg(ctx, g, msg)
	if err != nil {
		return err
	}
	return printGranted(g, res, o.quiet)
}

func newConsentRevokeCmd(g *Global) *cobra.Command {
	return newSendCmd(g, sendVerb[client.RevokeGrant]{
		Use:   "revoke GRANT --as PATIENT",
		Short: "Revoke a grant: reads under it are refused from the next block on",
		Long: `Revoke a consent grant (signed by the patient or a delegate). The grant stays on
the ledger, marked revoked with the height and signer; from the next block on,
custodians refuse reads under it with records.grant_revoked. Documents already read
are not recalled.`,
		Example: "  medchain consent revoke gr-… --as alice",
		Args:    cobra.ExactArgs(1),
		Parse:   func(_ *Global, args []string, m *client.RevokeGrant) error { m.Grant = args[0]; return nil },
		Print:   func(w io.Writer, m *client.RevokeGrant, res *client.TxResult) { txLine(w, res, "revoked "+m.Grant) },
	})
}

type consentListOptions struct {
	g       *Global
	patient string
}

func newConsentListCmd(g *Global) *cobra.Command {
	o := &consentListOptions{g: g}
	cmd := &cobra.Command{
		Use:   "list --as NAME [--patient PATIENT]",
		Short: "List a patient's grants, active and revoked",
		Long: `List a patient's consent grants as the ledger holds them: ID, grantee, purposes,
scope, expiry and status. --patient takes a patient ID or a keystore name; without
it, the --as patient's own grants.

The list is private: the read is signed with the --as key, which must be the
patient's or a delegate's.

Example:
  medchain consent list --as alice`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context()) },
	}
	cmd.Flags().StringVar(&o.patient, "patient", "", "a patient ID (pt-…) or keystore name (default: the --as patient)")
	return cmd
}

func (o *consentListOptions) run(ctx context.Context) error {
	pt, err := resolvePatient(o.g, o.patient)
	if err != nil {
		return err
	}
	api, err := o.g.reader(readKeyed)
	if err != nil {
		return err
	}
	page, err := api.Grants(ctx, pt)
	if err != nil {
		return err
	}
	return o.g.Print(page, func(w io.Writer) {
		table(w, "ID\tGRANTEE\tPURPOSES\tTYPES\tRECORDS\tEXPIRES\tSTATUS\tCONDITION", func(tw io.Writer) {
			for _, gr := range page.Items {
				cond := "-"
				if gr.Condition != "" {
					cond = "yes"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", gr.ID, granteeString(gr.Grantee), strings.Join(gr.Purposes, ","),
					orAll(gr.Types), orAll(gr.Records), unixTime(gr.Expires), gr.Status, cond)
			}
		})
	})
}

type consentShowOptions struct{ g *Global }

func newConsentShowCmd(g *Global) *cobra.Command {
	o := &consentShowOptions{g: g}
	return &cobra.Command{
		Use:   "show GRANT --as NAME",
		Short: "Show one grant",
		Long: `Show one grant. It is private: the read is signed with the --as key, which
must be the patient's, a delegate's or a member's the grant names.

Example:
  medchain consent show gr-… --as alice`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context(), args[0]) },
	}
}

func (o *consentShowOptions) run(ctx context.Context, id string) error {
	api, err := o.g.reader(readKeyed)
	if err != nil {
		return err
	}
	gr, err := api.Grant(ctx, id)
	if err != nil {
		return err
	}
	return o.g.Print(gr, func(w io.Writer) { printGrant(w, gr) })
}

type consentImportOptions struct {
	g             *Global
	dryRun, quiet bool
}

func newConsentImportCmd(g *Global) *cobra.Command {
	o := &consentImportOptions{g: g}
	cmd := &cobra.Command{
		Use:   "import FILE --as PATIENT",
		Short: "Grant what a FHIR R4 Consent says (it must map exactly to a grant)",
		Long: `Read a FHIR R4 Consent (FILE, or - for stdin), map it to a grant and sign and
send that grant. The node maps it (nothing is written by the mapping): an active
patient-privacy opt-in consent with one permit provision, the patient referenced as
Patient/pt-…, one recipient actor (Organization/ORG, Practitioner/ORG.HANDLE, or an
organisation with a role in urn:medchain:role), v3-ActReason purposes, an end date,
and optionally resource-type classes and record identifiers (urn:medchain:record).

A Consent that says more than a grant can hold (deny or nested provisions, other
actors, security labels, a patient known by another ID...) is refused with
records.invalid_document naming the element, never narrowed silently. consent
export writes Consents in this form.

--dry-run prints the grant it would sign, and sends nothing.

Example:
  medchain consent export gr-… --as alice > consent.json
  medchain consent import consent.json --as alice`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context(), args[0]) },
	}
	cmd.Flags().BoolVar(&o.dryRun, "dry-run", false, "print the grant the Consent maps to; send nothing")
	cmd.Flags().BoolVarP(&o.quiet, "quiet", "q", false, "print only the grant ID (for scripts)")
	return cmd
}

func (o *consentImportOptions) run(ctx context.Context, path string) error {
	g := o.g
	doc, err := readInput(g, path)
	if err != nil {
		return err
	}
	msg, err := g.client().ConsentFromFHIR(ctx, doc)
	if err != nil {
		var e *client.Error
		if errors.As(err, &e) && e.Code != "" {
			return fmt.Errorf("%s does not map to a medchain grant: %w", path, err)
		}
		return err
	}
	if o.dryRun {
		return g.Print(msg, func(w io.Writer) {
			fmt.Fprintf(w, "patient   %s\ngrantee   %s\npurposes  %s\ntypes     %s\nrecords   %s\nexpires   %s\n",
				msg.Patient, granteeString(msg.Grantee), strings.Join(msg.Purposes, ","), orAll(msg.Types), orAll(msg.Records), msg.Expires.Format(time.RFC3339))
			if msg.Start != nil {
				fmt.Fprintf(w, "start     %s\n", msg.Start.Format(time.RFC3339))
			}
		})
	}
	res, err := sendMsg(ctx, g, msg)
	if err != nil {
		return err
	}
	return printGranted(g, res, o.quiet)
}

type consentExportOptions struct{ g *Global }

func newConsentExportCmd(g *Global) *cobra.Command {
	o := &consentExportOptions{g: g}
	return &cobra.Command{
		Use:   "export GRANT --as NAME",
		Short: "Print a grant as a FHIR R4 Consent",
		Long: `Print a grant as a FHIR R4 Consent resource (JSON), for systems that speak FHIR.
consent import reads it back. The same JSON is printed with -o json. The read is
signed with the --as key, as for consent show.

Example:
  medchain consent export gr-… --as alice > consent.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context(), args[0]) },
	}
}

func (o *consentExportOptions) run(ctx context.Context, id string) error {
	api, err := o.g.reader(readKeyed)
	if err != nil {
		return err
	}
	raw, err := api.GrantFHIR(ctx, id)
	if err != nil {
		return err
	}
	_, err = o.g.Out.Write(prettyJSON(raw))
	return err
}

func newConsentDelegateCmd(g *Global) *cobra.Command {
	var expires string
	var remove bool
	return newSendCmd(g, sendVerb[client.DelegateAccess]{
		Use:   "delegate ID --as PATIENT (--expires T | --remove)",
		Short: "Let another identity act for the patient (or stop it)",
		Long: `Name a delegate (a guardian, a carer: any registered identity, a member ID
ORG/HANDLE or a patient ID pt-…, or a keystore name) who may act for the signing
patient until --expires: grant and revoke consent (consent grant --patient), read
the patient's records and erase them. --remove ends the delegation at once. On
chain: the patient ID, the delegate's ID and the expiry.`,
		Example: "  medchain consent delegate pt-… --as alice --expires 8760h\n  medchain consent delegate pt-… --as alice --remove",
		Args:    cobra.ExactArgs(1),
		Flags: func(f *pflag.FlagSet, _ *client.DelegateAccess) {
			f.StringVar(&expires, "expires", "", "until when: RFC 3339 time or a duration from now (720h, 30d)")
			f.BoolVar(&remove, "remove", false, "remove the delegate")
		},
		Parse: func(g *Global, args []string, m *client.DelegateAccess) error {
			m.Delegate = delegateID(g, args[0])
			switch {
			case remove == (expires != ""):
				return usageErrorf("give --expires T (to name a delegate) or --remove")
			case !remove:
				exp, err := parseExpiry(expires, time.Now())
				if err != nil {
					return usageErrorf("--expires: %w", err)
				}
				m.Expires = &exp
			}
			return nil
		},
		Print: func(w io.Writer, m *client.DelegateAccess, res *client.TxResult) {
			if m.Expires == nil {
				txLine(w, res, m.Delegate+" is no longer a delegate")
				return
			}
			txLine(w, res, m.Delegate+" is a delegate until "+m.Expires.Format(time.RFC3339))
		},
	})
}

// delegateID is a delegate's identity: a member or patient ID as it is, a
// keystore name by the identity it belongs to.
func delegateID(g *Global, ref string) string {
	if strings.HasPrefix(ref, "pt-") || strings.Contains(ref, "/") {
		return ref
	}
	if id := keyIdentity(g, ref); id != "" {
		return id
	}
	return ref
}

type consentDelegatesOptions struct {
	g       *Global
	patient string
}

func newConsentDelegatesCmd(g *Global) *cobra.Command {
	o := &consentDelegatesOptions{g: g}
	cmd := &cobra.Command{
		Use:   "delegates --as NAME [--patient PATIENT]",
		Short: "List who may act for a patient",
		Long: `List who may act for a patient, and until when. The list is private: the read is
signed with the --as key, which must be the patient's or a delegate's.

Example:
  medchain consent delegates --as alice`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context()) },
	}
	cmd.Flags().StringVar(&o.patient, "patient", "", "a patient ID (pt-…) or keystore name (default: the --as patient)")
	return cmd
}

func (o *consentDelegatesOptions) run(ctx context.Context) error {
	pt, err := resolvePatient(o.g, o.patient)
	if err != nil {
		return err
	}
	api, err := o.g.reader(readKeyed)
	if err != nil {
		return err
	}
	page, err := api.Delegates(ctx, pt)
	if err != nil {
		return err
	}
	return o.g.Print(page, func(w io.Writer) {
		table(w, "DELEGATE\tEXPIRES\tHEIGHT", func(tw io.Writer) {
			for _, d := range page.Items {
				fmt.Fprintf(tw, "%s\t%s\t%d\n", d.Delegate, unixTime(d.Expires), d.Height)
			}
		})
	})
}
