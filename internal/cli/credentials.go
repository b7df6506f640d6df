package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/vc"
)

func newCredentialsCmd(g *Global) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "credentials",
		Short: "Staff credentials: issue and verify them, their status on the ledger; SMART Health Cards, W3C VCs",
		Long: `Staff credentials on the ledger (docs/credentials.md). A governance decision
authorises an organisation to issue given types (issuers); its registrar issues a
credential (issue): a W3C Verifiable Credential 2.0 signed as a JWT, which goes to its
holder, while the ledger keeps only its hash, type, issuer, subject's ledger ID,
validity period and status. The issuer suspends, reinstates or revokes it (from the
next block, with a reason code); a suspended or revoked medical licence suspends the
member's clinical roles everywhere. Anyone reads its status now or at a date (status,
list) and verifies it (verify).

verify and check also work offline: SMART Health Cards and VC-JWTs with the
issuers' keys and revocation lists given as files, and the W3C data-model check.`,
	}
	cmd.AddCommand(newCredentialsVerifyCmd(g), newCredentialsCheckCmd(g),
		newCredentialsIssuersCmd(g), newCredentialsSHCIssuersCmd(g), newCredentialsIssueCmd(g), newCredentialsPresentCmd(g), newCredentialsStatusCmd(g), newCredentialsListCmd(g),
		newCredentialsChangeCmd[client.SuspendCredential](g, "suspend", "Suspend a credential your organisation issued",
			"Suspend an active credential from the next block. A suspended medical licence suspends its subject's clinical roles (physician, nurse, pharmacist) everywhere from the next block: grants to their role no longer admit them, they may not dispense, add records or open break-glass.",
			client.SuspendReasons),
		newCredentialsChangeCmd[client.ReinstateCredential](g, "reinstate", "Reinstate a suspended credential",
			"Reinstate a suspended credential from the next block; a reinstated licence gives its subject their clinical roles back.",
			client.ReinstateReasons),
		newCredentialsChangeCmd[client.RevokeCredential](g, "revoke", "Revoke a credential for good",
			"Revoke a credential from the next block; a revocation is final. A medical licence revoked for any reason but superseded or issued-in-error suspends its subject's clinical roles for good.",
			client.RevokeReasons))
	return cmd
}

// ---- verify ----

type credVerifyOptions struct {
	g          *Global
	ctx        context.Context
	file       string
	issuerKeys []string
	crls       []string
	at         string
}

func newCredentialsVerifyCmd(g *Global) *cobra.Command {
	o := &credVerifyOptions{g: g}
	cmd := &cobra.Command{
		Use:   "verify FILE|- [--issuer-keys [ISSUER=]JWKS-FILE] [--crl CRL-FILE] [--at DATE]",
		Short: "Verify a credential issued on medchain against the ledger, or a SMART Health Card or VC-JWT offline (exit 1 invalid or revoked, 3 could not check)",
		Long: `Verify a credential read from FILE (or standard input with -):

  a credential issued on medchain (a VC-JWT whose issuer is urn:medchain:org:...,
    or an SD-JWT presentation of one, which shows the claims its holder chose):
    the node at --node checks it against the ledger: the signature with the key
    the header names, the validity period and the data model; that the ledger
    recorded its hash; that the key was a registrar's or admin's of the issuer
    when it was issued (an organisation governance authorised for the type: a
    credential signed by anyone else fails, even with a valid signature); that it
    says what the ledger recorded; and its status at --at (default: now), with the
    proof of its ledger entry (-o json).
  a SMART Health Card: a .smart-health-card file, a compact JWS, or the shc:/
    numeric strings of its QR codes, one per line (the chunks shc:/C/N/... of a
    multi-chunk card in any order, each exactly once). ES256 signature, raw
    DEFLATE payload, nbf and exp, and the issuer's revocation list (rid).
  a W3C Verifiable Credential secured as a JWT: VC 2.0 (application/vc+jwt) or a
    VC 1.1 JWT with a vc claim. EdDSA (Ed25519) signature, exp, nbf, validFrom,
    validUntil, and the data model's rules.

Without --issuer-keys and --crl, a SMART Health Card is checked against the ledger's
trusted-issuer directory (issuers governance trusts, with their keys and revocation
lists: medchain credentials shc-issuers), fetched from --node.

--issuer-keys is a JSON Web Key Set of an issuer (repeat for several). As
ISSUER=FILE the keys are trusted for that issuer only (an SHC's iss, a VC's
issuer); as FILE, for any issuer that names one of its key IDs. --crl is a SMART
Health Cards revocation list (<issuer>/.well-known/crl/<kid>.json); without one
the answer says revocation was not checked. --at verifies at another instant
(2006-01-02 or 2006-01-02T15:04:05Z) than now.

It prints what was verified (signature, issuer, revocation, validity period) and
what the credential says: for a health card, the FHIR resources, vaccine codes
and dates and the patient's name (shown here, never logged).

Exit status: 0 valid; 1 invalid, expired, suspended or revoked (or not a
credential); 3 could not check: no key of the issuer was given, or the node could
not be reached for a medchain credential.

Examples:
  medchain credentials verify ~/.medchain/credentials/dr-grey-licence.jwt
  medchain credentials verify licence.jwt --at 2026-03-01
  medchain credentials verify card.smart-health-card --issuer-keys https://spec.smarthealth.cards/examples/issuer=jwks.json --crl crl.json
  medchain credentials verify qr.txt --issuer-keys jwks.json --at 2024-01-01
  medchain credentials verify licence.jwt --issuer-keys board.jwks.json -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.file, o.ctx = args[0], cmd.Context()
			return o.run()
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.issuerKeys, "issuer-keys", nil, "an issuer's JSON Web Key Set: [ISSUER=]FILE (repeatable)")
	f.StringArrayVar(&o.crls, "crl", nil, "a SMART Health Cards revocation list file (repeatable)")
	f.StringVar(&o.at, "at", "", "verify at this date or instant instead of now (2006-01-02 or RFC 3339)")
	return cmd
}

// verdict is what verify prints with -o json.
type verdict struct {
	Valid bool `json:"valid"`
	// Checked is false when the credential could not be checked.
	Checked bool   `json:"checked"`
	Code    string `json:"code,omitempty"`
	Rule    string `json:"rule,omitempty"`
	Message string `json:"message,omitempty"`
	*vc.Result
}

func (o *credVerifyOptions) run() error {
	opts := vc.Options{At: time.Now().UTC()}
	if o.at != "" {
		t, err := parseAt(o.at)
		if err != nil {
			return err
		}
		opts.At = t
	}
	for _, spec := range o.issuerKeys {
		iss, file := "", spec
		if i := strings.Index(spec, "="); i > 0 && strings.Contains(spec[:i], ":") {
			iss, file = spec[:i], spec[i+1:]
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return usageErrorf("--issuer-keys: %v", err)
		}
		keys, err := vc.ParseJWKS(b)
		if err != nil {
			return usageErrorf("--issuer-keys %s: %v", file, err)
		}
		opts.Issuers = append(opts.Issuers, vc.Issuer{ID: iss, Keys: keys})
	}
	for _, file := range o.crls {
		b, err := os.ReadFile(file)
		if err != nil {
			return usageErrorf("--crl: %v", err)
		}
		c, err := vc.ParseCRL(b)
		if err != nil {
			return usageErrorf("--crl %s: %v", file, err)
		}
		opts.CRLs = append(opts.CRLs, c)
	}
	in, err := readInput(o.g, o.file)
	if err != nil {
		return err
	}
	if len(o.issuerKeys) == 0 && strings.HasPrefix(vc.UnverifiedIssuer(string(in)), vc.OrgURN) {
		return o.onLedger(strings.TrimSpace(string(in)), opts.At)
	}
	if len(o.issuerKeys) == 0 && len(o.crls) == 0 {
		// The ledger's trusted-issuer directory, when the node answers;
		// without it the card is "not checked" (exit 3), as before.
		if err := o.directory(&opts); err != nil {
			fmt.Fprintf(o.g.Err, "medchain: the trusted-issuer directory of %s is out of reach (%v): verifying without issuer keys\n", o.g.Node, err)
		}
	}
	res, verr := vc.Verify(in, opts)
	v := verdict{Valid: verr == nil, Checked: !vc.Unverifiable(verr), Result: res}
	if verr != nil {
		v.Code, v.Rule, v.Message = refusal(verr)
	}
	if err := o.g.Print(v, func(w io.Writer) { printVerdict(w, v, opts) }); err != nil {
		return err
	}
	switch {
	case verr == nil:
		return nil
	case !v.Checked:
		return errUnchecked
	}
	return errInvalid
}

// directory adds the ledger's trusted SMART Health Card issuers (keys for
// their own iss only) and their revocation lists to opts.
func (o *credVerifyOptions) directory(opts *vc.Options) error {
	page, err := o.g.client().SHCIssuers(o.ctx)
	if err != nil {
		return err
	}
	for _, e := range page.Items {
		keys, err := vc.ParseJWKS(e.JWKS)
		if err != nil {
			continue
		}
		opts.Issuers = append(opts.Issuers, vc.Issuer{ID: e.ISS, Keys: keys})
		for _, raw := range e.CRLs {
			if c, err := vc.ParseCRL(raw); err == nil {
				opts.CRLs = append(opts.CRLs, c)
			}
		}
	}
	return nil
}

// onLedger asks the node for the ledger's verdict on a credential issued
// on medchain: exit 0 valid, 1 refused, 3 the node cannot be reached.
// Without --at the node answers for now: the status in its committed
// state, which a change decided in the last block already shows.
func (o *credVerifyOptions) onLedger(compact string, at time.Time) error {
	when := ""
	if o.at != "" {
		when = at.Format(time.RFC3339)
	}
	v, err := o.g.client().VerifyCredential(o.ctx, compact, when)
	if err != nil {
		if unreachable(err) {
			fmt.Fprintf(o.g.Err, "NOT CHECKED  a medchain credential is verified against the ledger, and the node at %s cannot be reached: %v\n", o.g.Node, err)
			return errUnchecked
		}
		return err
	}
	if err := o.g.Print(v, func(w io.Writer) { printLedgerVerdict(w, v) }); err != nil {
		return err
	}
	if !v.Valid {
		return errInvalid
	}
	return nil
}

func printLedgerVerdict(w io.Writer, v *client.CredentialVerdict) {
	if !v.Valid {
		fmt.Fprintf(w, "INVALID  %s: %s\n", v.Code, v.Message)
		if v.Ledger != nil {
			c := v.Ledger.Credential
			fmt.Fprintf(w, "  ledger: %s, a %s issued by %s, %s\n", c.ID, c.Type, c.Issuer, statusWithReason(v.Ledger.Status, v.Ledger.Reason))
		}
		return
	}
	c, l := v.Credential, v.Ledger
	fmt.Fprintf(w, "VALID  medchain credential %s, on the ledger, at %s\n", l.Credential.ID, l.At)
	fields(w, func(tw io.Writer) {
		fmt.Fprintf(tw, "  signature\tEdDSA (Ed25519) by %s: verified\n", v.Signer)
		fmt.Fprintf(tw, "  issuer\t%s, authorised for %s\n", l.Credential.Issuer, l.Credential.Type)
		fmt.Fprintf(tw, "  type\t%s\n", strings.Join(c.Types, ", "))
		fmt.Fprintf(tw, "  status\t%s on the ledger (recorded at height %d)\n", l.Status, l.Credential.Height)
		until := "no expiry"
		if c.ValidUntil != "" {
			until = "until " + c.ValidUntil
		}
		fmt.Fprintf(tw, "  valid\tfrom %s, %s\n", c.ValidFrom, until)
		subject, _ := json.Marshal(c.Subject)
		fmt.Fprintf(tw, "  subject\t%s\n", subject)
		if c.Selective {
			fmt.Fprintf(tw, "  disclosed\t%d claims shown, %d withheld by the holder\n", len(c.Subject)-1, c.Undisclosed)
		}
		if v.Proof != nil {
			fmt.Fprintf(tw, "  proof\tof its ledger entry at height %d (-o json to keep it)\n", v.Proof.Height)
		}
	})
}

func refusal(err error) (code, rule, msg string) {
	if e, ok := err.(*vc.Error); ok {
		return string(e.Code), e.Rule, e.Msg
	}
	return "", "", err.Error()
}

func printVerdict(w io.Writer, v verdict, o vc.Options) {
	if !v.Valid {
		head := "INVALID"
		if !v.Checked {
			head = "NOT CHECKED"
		}
		rule := ""
		if v.Rule != "" {
			rule = " [" + v.Rule + "]"
		}
		fmt.Fprintf(w, "%s  %s%s: %s\n", head, v.Code, rule, v.Message)
		return
	}
	at := o.At.Format(time.RFC3339)
	if c := v.Credential; c != nil {
		fmt.Fprintf(w, "VALID  W3C Verifiable Credential %s secured as a JWT, at %s\n", c.Version, at)
		fields(w, func(tw io.Writer) {
			fmt.Fprintf(tw, "  signature\tEdDSA (Ed25519), key %s: verified\n", orDash(c.KeyID))
			fmt.Fprintf(tw, "  issuer\t%s\n", c.Issuer)
			fmt.Fprintf(tw, "  type\t%s\n", strings.Join(c.Types, ", "))
			if c.ID != "" {
				fmt.Fprintf(tw, "  id\t%s\n", c.ID)
			}
			fmt.Fprintf(tw, "  valid\t%s\n", period(c.ValidFrom, c.ValidUntil))
			if len(c.Status) > 0 {
				fmt.Fprintf(tw, "  status\tnot checked offline: %s\n", c.Status)
			} else {
				fmt.Fprintf(tw, "  status\tthe credential names no status list\n")
			}
			fmt.Fprintf(tw, "  subject\t%s\n", c.Subject)
		})
		return
	}
	for i, c := range v.Cards {
		n := ""
		if len(v.Cards) > 1 {
			n = fmt.Sprintf(" %d of %d", i+1, len(v.Cards))
		}
		fmt.Fprintf(w, "VALID  SMART Health Card%s, at %s\n", n, at)
		fields(w, func(tw io.Writer) {
			fmt.Fprintf(tw, "  signature\tES256, key %s: verified\n", c.KeyID)
			fmt.Fprintf(tw, "  issuer\t%s\n", c.Issuer)
			fmt.Fprintf(tw, "  revocation\t%s\n", c.Revocation)
			from := c.ValidFrom
			fmt.Fprintf(tw, "  valid\t%s\n", period(&from, c.ValidUntil))
			fmt.Fprintf(tw, "  types\t%s\n", strings.Join(c.Types, ", "))
			var rs []string
			for t, n := range c.Resources {
				rs = append(rs, fmt.Sprintf("%s %d", t, n))
			}
			sort.Strings(rs)
			fmt.Fprintf(tw, "  bundle\tFHIR %s: %s\n", orDash(c.FHIRVersion), strings.Join(rs, ", "))
			if c.Patient != "" {
				fmt.Fprintf(tw, "  patient\t%s, born %s\n", c.Patient, orDash(c.BirthDate))
			}
			for _, im := range c.Immunization {
				fmt.Fprintf(tw, "  immunization\t%s %s on %s, %s", codeSystem(im.System), im.Code, im.Date, orDash(im.Status))
				if im.Lot != "" {
					fmt.Fprintf(tw, ", lot %s", im.Lot)
				}
				if im.Performer != "" {
					fmt.Fprintf(tw, ", by %s", im.Performer)
				}
				fmt.Fprintln(tw)
			}
			for _, ob := range c.Observations {
				fmt.Fprintf(tw, "  observation\t%s %s on %s: %s\n", codeSystem(ob.System), ob.Code, orDash(ob.Date), orDash(ob.Value))
			}
		})
	}
}

// fields writes tab-separated rows in aligned columns, with no header.
func fields(w io.Writer, rows func(tw io.Writer)) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	rows(tw)
	tw.Flush()
}

// codeSystem shortens the code systems a health card uses.
func codeSystem(s string) string {
	switch s {
	case "http://hl7.org/fhir/sid/cvx":
		return "CVX"
	case "http://loinc.org":
		return "LOINC"
	case "http://snomed.info/sct":
		return "SNOMED CT"
	}
	return s
}

func period(from, until *time.Time) string {
	f, u := "the start", "no expiry"
	if from != nil {
		f = from.UTC().Format(time.RFC3339Nano)
	}
	if until != nil {
		u = "until " + until.UTC().Format(time.RFC3339Nano)
	}
	return "from " + f + ", " + u
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// parseAt reads --at: a date (midnight UTC) or an RFC 3339 instant.
func parseAt(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, usageErrorf("--at %q: give a date (2006-01-02) or an instant (2006-01-02T15:04:05Z)", s)
}

// ---- check ----

type credCheckOptions struct {
	g    *Global
	file string
}

func newCredentialsCheckCmd(g *Global) *cobra.Command {
	o := &credCheckOptions{g: g}
	return &cobra.Command{
		Use:   "check FILE|-",
		Short: "Check a W3C Verifiable Credential against the data model (exit 1 if it breaks a rule)",
		Long: `Check that a W3C Verifiable Credential or Presentation (VC 1.1 or 2.0 JSON, or the
payload of a JWT, whose signature is not checked here) follows the normative rules
of the W3C VC data model: the base @context first, a type that includes
VerifiableCredential, an issuer that is a URL (or an object whose id is one), a
credentialSubject, issuanceDate/validFrom and expirationDate/validUntil as XML
Schema date-times in order, credentialStatus and credentialSchema with an id and a
type, a type on each proof, ids that are single URLs...

A refusal names the rule broken with a stable code (vc.data_model [issuer.url]).
Exit status: 0 the document follows the data model, 1 it does not.

Examples:
  medchain credentials check degree.json
  curl -s https://example.edu/credentials/58473 | medchain credentials check -`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.file = args[0]
			return o.run()
		},
	}
}

func (o *credCheckOptions) run() error {
	in, err := readInput(o.g, o.file)
	if err != nil {
		return err
	}
	cerr := vc.Check(in)
	v := verdict{Valid: cerr == nil, Checked: true}
	if cerr != nil {
		v.Code, v.Rule, v.Message = refusal(cerr)
	}
	if err := o.g.Print(v, func(w io.Writer) {
		if v.Valid {
			fmt.Fprintln(w, "VALID  follows the W3C VC data model")
			return
		}
		printVerdict(w, v, vc.Options{})
	}); err != nil {
		return err
	}
	if cerr != nil {
		return errInvalid
	}
	return nil
}
