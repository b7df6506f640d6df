package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/medchain/medchain/client"
)

// The credentials commands that talk to the ledger: who may issue what,
// issuing, status and its changes. verify (credentials.go) asks the ledger
// about a credential issued on medchain.

func newCredentialsIssuersCmd(g *Global) *cobra.Command {
	return newShowCmd(g, showVerb[client.Page[client.IssuerAuthorisation]]{
		Use:   "issuers",
		Short: "The organisations authorised to issue credentials, and the types each may issue",
		Long: `List the organisations a governance decision authorises to issue credentials, with
the types each may issue (medical-licence, board-certification, degree,
course-certificate, employment, privileges, npi). A credential signed by any other
organisation fails verification, even with a valid signature. Authorise one with
medchain proposals propose --action credentials/authorize --payload '{"org": ..., "types": [...]}'.`,
		Fetch: func(ctx context.Context, api API, _ []string) (*client.Page[client.IssuerAuthorisation], error) {
			return api.Issuers(ctx)
		},
		Text: func(w io.Writer, p *client.Page[client.IssuerAuthorisation]) {
			table(w, "ORG\tTYPES\tSINCE HEIGHT", func(tw io.Writer) {
				for _, a := range p.Items {
					fmt.Fprintf(tw, "%s\t%s\t%d\n", a.Org, strings.Join(a.Types, ", "), a.Height)
				}
			})
		},
	})
}

func newCredentialsSHCIssuersCmd(g *Global) *cobra.Command {
	return newShowCmd(g, showVerb[client.Page[client.SHCIssuer]]{
		Use:   "shc-issuers",
		Short: "The trusted-issuer directory: SMART Health Card issuers governance trusts",
		Long: `List the SMART Health Card issuers in the ledger's trusted-issuer directory, with
their keys and revocation lists (held on the ledger by content). credentials verify
uses them when no --issuer-keys and --crl are given. Add or remove one by proposal:
medchain proposals propose --action credentials/trust-shc-issuer --payload
'{"iss": "https://...", "jwks": {...}, "crls": [...]}' (or '{"iss": ..., "remove": true}').`,
		Fetch: func(ctx context.Context, api API, _ []string) (*client.Page[client.SHCIssuer], error) {
			return api.SHCIssuers(ctx)
		},
		Text: func(w io.Writer, p *client.Page[client.SHCIssuer]) {
			table(w, "ISS\tKEYS\tREVOCATION LISTS\tSINCE HEIGHT", func(tw io.Writer) {
				for _, e := range p.Items {
					var jwks struct {
						Keys []struct {
							Kid string `json:"kid"`
						} `json:"keys"`
					}
					_ = json.Unmarshal(e.JWKS, &jwks)
					var kids []string
					for _, k := range jwks.Keys {
						kids = append(kids, k.Kid)
					}
					fmt.Fprintf(tw, "%s\t%s\t%d\t%d\n", e.ISS, strings.Join(kids, ", "), len(e.CRLs), e.Height)
				}
			})
		},
	})
}

type credIssueOptions struct {
	g                     *Global
	typ, subject, issuer  string
	claimsFile            string
	claims                []string
	validFrom, validUntil string
	to                    string
	id                    string
	noStatusList          bool
	plain                 bool
}

func newCredentialsIssueCmd(g *Global) *cobra.Command {
	o := &credIssueOptions{g: g}
	cmd := &cobra.Command{
		Use:   "issue --type TYPE [--subject ORG/HANDLE] (--claims FILE | --claim KEY=VALUE...) --valid-from DATE [--valid-until DATE] [--to FILE] --as REGISTRAR",
		Short: "Issue a credential: a VC-JWT for its holder, its hash on the ledger",
		Long: `Issue a credential of your organisation, signed by a registrar or admin of an
organisation authorised for the type: the command builds a W3C Verifiable Credential
2.0 (issuer urn:medchain:org:<your org>, subject urn:medchain:member:<subject>, id
urn:medchain:credential:<id>), signs it as a JWT with your key (EdDSA,
application/vc+jwt) and records on the ledger only its SHA-256, type, issuer, subject
and validity period. The credential, with the claims (name, licence number...), goes
to the holder: it is written to --to FILE, or to standard output. It names its
entries in the issuer's Bitstring Status Lists on --node (revocation and
suspension, at an index drawn at random), so that standard verifiers can check its
status without medchain; --no-status-list leaves them out.

Every claim is selectively disclosable (an SD-JWT, RFC 9901): the file holds the
signed credential and one disclosure per claim, and the holder shows only the claims
it chooses with medchain credentials present. --no-selective issues a plain VC-JWT.

--subject is the subject's ledger ID (org/handle); leave it out for a person the
ledger does not know (a student). Claims come from a JSON object file (--claims) or
--claim KEY=VALUE flags. An npi credential gives the subject's NPI as --claim
npi=NNNNNNNNNN, refused unless its check digit is right (Luhn over 80840 and its
first nine digits). Dates are 2006-01-02 (midnight UTC) or RFC 3339.`,
		Example: `  medchain credentials issue --type medical-licence --subject st-marys-hospital/dr-grey \
    --claim name='Meredith Grey' --claim licenceNumber=MD-2019-04417 --claim jurisdiction=US-MA \
    --valid-from 2026-01-01 --valid-until 2028-01-01 --to grey-licence.jwt --as board-registrar`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context()) },
	}
	f := cmd.Flags()
	f.StringVar(&o.typ, "type", "", "credential type: "+strings.Join(credentialTypes, ", "))
	f.StringVar(&o.subject, "subject", "", "the subject's ledger ID, org/handle")
	f.StringVar(&o.issuer, "issuer", "", "your organisation (default: the organisation of the --as key's identity)")
	f.StringVar(&o.claimsFile, "claims", "", "a JSON object file of the claims about the subject")
	f.StringArrayVar(&o.claims, "claim", nil, "a claim KEY=VALUE (repeatable)")
	f.StringVar(&o.validFrom, "valid-from", "", "start of validity: 2006-01-02 or RFC 3339")
	f.StringVar(&o.validUntil, "valid-until", "", "end of validity (none: no expiry)")
	f.StringVar(&o.to, "to", "", "write the credential to this file (default: standard output)")
	f.StringVar(&o.id, "id", "", "the ledger ID to give it, cr- and 24 hex digits (default: random)")
	f.BoolVar(&o.plain, "no-selective", false, "issue a plain VC-JWT, every claim always shown, instead of an SD-JWT")
	f.BoolVar(&o.noStatusList, "no-status-list", false, "name no Bitstring Status List in the credential (verifiers then need the ledger for its status)")
	_ = cmd.MarkFlagRequired("type")
	_ = cmd.MarkFlagRequired("valid-from")
	return cmd
}

var credentialTypes = []string{client.CredentialBoardCertification, client.CredentialCourseCertificate, client.CredentialDegree,
	client.CredentialEmployment, client.CredentialMedicalLicence, client.CredentialNPI, client.CredentialPrivileges}

func (o *credIssueOptions) run(ctx context.Context) error {
	d := client.CredentialDraft{ID: o.id, Type: o.typ, Subject: o.subject, Issuer: o.issuer, Claims: map[string]any{}}
	if !slices.Contains(credentialTypes, o.typ) {
		return usageErrorf("--type %q: not a credential type (one of %s)", o.typ, strings.Join(credentialTypes, ", "))
	}
	var err error
	if d.ValidFrom, err = parseDateFlag("--valid-from", o.validFrom); err != nil {
		return err
	}
	if o.validUntil != "" {
		if d.ValidUntil, err = parseDateFlag("--valid-until", o.validUntil); err != nil {
			return err
		}
	}
	if o.claimsFile != "" {
		b, err := os.ReadFile(o.claimsFile)
		if err != nil {
			return usageErrorf("--claims: %v", err)
		}
		if err := json.Unmarshal(b, &d.Claims); err != nil || d.Claims == nil {
			return usageErrorf("--claims %s: not a JSON object of claims", o.claimsFile)
		}
	}
	for _, c := range o.claims {
		k, v, ok := strings.Cut(c, "=")
		if !ok || k == "" {
			return usageErrorf("--claim %q: give KEY=VALUE", c)
		}
		d.Claims[k] = v
	}
	if d.Issuer == "" {
		_, e, err := keyEntry(o.g, o.g.As)
		if err == nil {
			d.Issuer, _, _ = strings.Cut(e.Identity, "/")
		}
		if d.Issuer == "" {
			return usageErrorf("--issuer: the --as key names no member identity: say which organisation issues")
		}
	}
	if !o.noStatusList {
		d.StatusLists = client.StatusListsURL(o.g.Node, d.Issuer)
	}
	d.Selective = !o.plain
	s, err := o.g.signer()
	if err != nil {
		return err
	}
	iss, err := o.g.client().IssueCredential(ctx, s, d)
	if err != nil {
		return err
	}
	if o.to != "" {
		if err := os.WriteFile(o.to, []byte(iss.Credential+"\n"), 0o600); err != nil {
			return err
		}
	}
	out := struct {
		ID         string           `json:"id"`
		Hash       string           `json:"hash"`
		Credential string           `json:"credential"`
		Tx         *client.TxResult `json:"tx"`
	}{iss.ID, iss.Hash, iss.Credential, iss.Tx}
	return o.g.Print(out, func(w io.Writer) {
		if o.to == "" {
			fmt.Fprintln(w, iss.Credential)
			w = o.g.Err
		}
		about := ""
		if d.Subject != "" {
			about = " about " + d.Subject
		}
		what := fmt.Sprintf("issued %s (%s)%s by %s, hash %s", iss.ID, d.Type, about, d.Issuer, iss.Hash)
		if o.to != "" {
			what += ", written to " + o.to
		}
		txLine(w, iss.Tx, what)
	})
}

// parseDateFlag reads a date (midnight UTC) or an RFC 3339 instant.
func parseDateFlag(flag, s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, usageErrorf("%s %q: give a date (2006-01-02) or an instant (2006-01-02T15:04:05Z)", flag, s)
}

func newCredentialsStatusCmd(g *Global) *cobra.Command {
	var at, proven string
	var prove bool
	var trust trustOptions
	return newShowCmd(g, showVerb[client.CredentialStatus]{
		Use:   "status ID [--at DATE] [--prove]",
		Short: "A credential's status on the ledger, now or at a date, with its history",
		Long: `Show a credential's ledger entry (hash, type, issuer, subject, validity period),
whether it is valid now or was at --at (2006-01-02 or RFC 3339), and its status
history: each suspension, reinstatement or revocation with its reason code, who
decided it and the block from which it applies. --prove adds the Merkle proof of its
entry (kept with --output json) and verifies it against the header after its state: one
you trust (--trust-height, --trust-hash), else the node's own.`,
		Args: cobra.ExactArgs(1),
		Flags: func(f *pflag.FlagSet) {
			f.StringVar(&at, "at", "", "the date or instant to answer for (default: now)")
			proveFlags(f, &prove, "prove the credential's ledger entry", &trust)
		},
		Fetch: func(ctx context.Context, api API, args []string) (*client.CredentialStatus, error) {
			var opts []client.ReadOption
			var p *prover
			if prove {
				var err error
				if p, err = newProver(g, &trust); err != nil {
					return nil, err
				}
				opts = append(opts, client.WithProof())
			}
			s, err := api.CredentialStatus(ctx, args[0], at, opts...)
			if err != nil || p == nil {
				return s, err
			}
			if s.Proof != nil {
				if err := client.CheckProofOf(s.Proof, client.ProofOfCredential, args[0]); err != nil {
					return nil, err
				}
			}
			if proven, err = p.verify(ctx, "credential "+args[0], s.Proof); err != nil {
				return nil, err
			}
			return s, nil
		},
		Text: func(w io.Writer, s *client.CredentialStatus) {
			c := s.Credential
			if s.Valid {
				fmt.Fprintf(w, "VALID at %s\n", s.At)
			} else {
				fmt.Fprintf(w, "NOT VALID at %s: %s\n", s.At, s.Why)
			}
			fields(w, func(tw io.Writer) {
				fmt.Fprintf(tw, "  credential\t%s (%s)\n", c.ID, c.Type)
				fmt.Fprintf(tw, "  issuer\t%s (authorised for it now: %t), recorded by %s at height %d\n", c.Issuer, s.Authorised, c.By, c.Height)
				fmt.Fprintf(tw, "  subject\t%s\n", dash(c.Subject))
				until := "no expiry"
				if c.ValidUntil != 0 {
					until = "until " + unixTime(c.ValidUntil)
				}
				fmt.Fprintf(tw, "  valid\tfrom %s, %s\n", unixTime(c.ValidFrom), until)
				fmt.Fprintf(tw, "  status\t%s\n", statusWithReason(s.Status, s.Reason))
				fmt.Fprintf(tw, "  hash\t%s\n", c.Hash)
			})
			fmt.Fprintln(w)
			table(w, "HISTORY\tREASON\tBY\tFROM HEIGHT\tDECIDED", func(tw io.Writer) {
				for _, h := range c.History {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", h.Status, dash(h.Reason), h.By, h.Height, unixTime(h.Time))
				}
			})
			if proven != "" {
				fmt.Fprintln(w)
				printProven(w, proven)
			}
		},
	})
}

func statusWithReason(status, reason string) string {
	if reason == "" {
		return status
	}
	return status + " (" + reason + ")"
}

// newCredentialsChangeCmd is suspend, reinstate or revoke.
func newCredentialsChangeCmd[M interface {
	client.Msg
	~struct {
		ID     string `json:"id"`
		Reason string `json:"reason"`
	}
}](g *Global, verb, short, long string, reasons []string) *cobra.Command {
	var reason string
	return newSendCmd(g, sendVerb[M]{
		Use:     verb + " ID --reason CODE --as REGISTRAR",
		Short:   short,
		Long:    long + "\n\nSigned by a registrar or admin of the credential's issuer. --reason is one of: " + strings.Join(reasons, ", ") + ".",
		Example: "  medchain credentials " + verb + " cr-… --reason " + reasons[0] + " --as board-registrar",
		Args:    cobra.ExactArgs(1),
		Flags: func(f *pflag.FlagSet, _ *M) {
			f.StringVar(&reason, "reason", "", "reason code: "+strings.Join(reasons, ", "))
		},
		Required: []string{"reason"},
		Parse: func(_ *Global, args []string, m *M) error {
			*m = M{ID: args[0], Reason: reason}
			return nil
		},
		Print: func(w io.Writer, m *M, res *client.TxResult) {
			printResult(w, res, false, func(c *client.StatusChanged) string {
				return fmt.Sprintf("%s is %s (%s) from height %d", c.ID, c.Status, reason, c.Effective)
			}, nil)
		},
	})
}

func newCredentialsListCmd(g *Global) *cobra.Command {
	var q client.CredentialQuery
	return newShowCmd(g, showVerb[client.Page[client.LedgerCredential]]{
		Use:   "list (--subject ORG/HANDLE | --issuer ORG | --expiring-within DAYS)",
		Short: "List credentials about a member, issued by an organisation, or expiring soon",
		Long: `List the ledger entries of the credentials about a member (--subject), issued by an
organisation (--issuer), or in force and ending within DAYS days (--expiring-within,
optionally narrowed by --subject and --issuer): the recredentialing reminders, soonest
first.`,
		Flags: func(f *pflag.FlagSet) {
			f.StringVar(&q.Subject, "subject", "", "a member's ledger ID, org/handle")
			f.StringVar(&q.Issuer, "issuer", "", "an organisation ID")
			f.IntVar(&q.ExpiringWithin, "expiring-within", 0, "days: credentials in force that end within them")
		},
		Fetch: func(ctx context.Context, api API, _ []string) (*client.Page[client.LedgerCredential], error) {
			if q.Subject == "" && q.Issuer == "" && q.ExpiringWithin == 0 {
				return nil, usageErrorf("give --subject, --issuer or --expiring-within")
			}
			return api.Credentials(ctx, q)
		},
		Text: func(w io.Writer, p *client.Page[client.LedgerCredential]) {
			table(w, "ID\tTYPE\tISSUER\tSUBJECT\tSTATUS\tVALID UNTIL", func(tw io.Writer) {
				for _, c := range p.Items {
					until := "-"
					if c.ValidUntil != 0 {
						until = unixTime(c.ValidUntil)
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Type, c.Issuer, dash(c.Subject), statusWithReason(c.Status, c.Reason), until)
				}
			})
		},
	})
}

type credPresentOptions struct {
	g        *Global
	file, to string
	disclose []string
}

func newCredentialsPresentCmd(g *Global) *cobra.Command {
	o := &credPresentOptions{g: g}
	cmd := &cobra.Command{
		Use:   "present FILE|- --disclose CLAIM... [--to FILE]",
		Short: "Make a presentation of an SD-JWT credential that discloses only the claims you choose",
		Long: `Make a presentation of a credential issued as an SD-JWT (medchain credentials
issue does so by default): it keeps the issuer's signed credential and the
disclosures of the claims named by --disclose, and drops the others, so that a
verifier learns "licensed in US-MA, valid until 2028" and not the licence number.
Nothing is signed and nothing is sent: give the output to the verifier, who checks
it with medchain credentials verify (the ledger knows the signed credential's hash,
the same in every presentation). The subject's ledger ID, the issuer, the type and
the validity period are always shown.`,
		Example: `  medchain credentials present ~/.medchain/credentials/dr-grey-licence.jwt --disclose jurisdiction --disclose profession --to grey-us-ma.sd-jwt`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.file = args[0]
			return o.run()
		},
	}
	cmd.Flags().StringArrayVar(&o.disclose, "disclose", nil, "a claim to disclose (repeatable)")
	cmd.Flags().StringVar(&o.to, "to", "", "write the presentation to this file (default: standard output)")
	_ = cmd.MarkFlagRequired("disclose")
	return cmd
}

func (o *credPresentOptions) run() error {
	in, err := readInput(o.g, o.file)
	if err != nil {
		return err
	}
	p, err := client.PresentCredential(string(in), o.disclose)
	if err != nil {
		return usageErrorf("%s: %v", o.file, err)
	}
	if o.to != "" {
		if err := os.WriteFile(o.to, []byte(p+"\n"), 0o600); err != nil {
			return err
		}
	}
	return o.g.Print(map[string]any{"presentation": p, "disclosed": o.disclose}, func(w io.Writer) {
		if o.to == "" {
			fmt.Fprintln(w, p)
			return
		}
		fmt.Fprintf(w, "presentation disclosing %s written to %s\n", strings.Join(o.disclose, ", "), o.to)
	})
}
