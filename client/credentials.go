package client

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/medchain/medchain/internal/vc"
)

// Issuers lists the organisations authorised to issue credentials and
// their types.
func (c *Client) Issuers(ctx context.Context) (*Page[IssuerAuthorisation], error) {
	return fetch[Page[IssuerAuthorisation]](ctx, c, "/v1/credentials/issuers", nil)
}

// Case reads a credentialing case (private: sign the read as a member of
// its hospital, its applicant or a primary source it asks).
func (c *Client) Case(ctx context.Context, id string) (*CredentialingCase, error) {
	return fetch[CredentialingCase](ctx, c, "/v1/credentials/cases/"+url.PathEscape(id), nil)
}

// CaseFHIR reads a credentialing case as a FHIR R4 Bundle of
// VerificationResults.
func (c *Client) CaseFHIR(ctx context.Context, id string) (json.RawMessage, error) {
	var b json.RawMessage
	err := c.get(ctx, "/v1/credentials/cases/"+url.PathEscape(id), url.Values{"format": {"fhir"}}, &b)
	return b, err
}

// SHCIssuers lists the trusted-issuer directory: SMART Health Card
// issuers governance trusts, with their JWKS and revocation lists.
func (c *Client) SHCIssuers(ctx context.Context) (*Page[SHCIssuer], error) {
	return fetch[Page[SHCIssuer]](ctx, c, "/v1/credentials/shc-issuers", nil)
}

// CredentialStatus reads a credential's ledger entry and whether it was
// valid at at (RFC 3339 or YYYY-MM-DD; empty: the last block's time).
// WithProof attaches the proof of its entry; check it with VerifyProof.
func (c *Client) CredentialStatus(ctx context.Context, id, at string, opts ...ReadOption) (*CredentialStatus, error) {
	q := readQuery(opts)
	if at != "" {
		q.Set("at", at)
	}
	return fetch[CredentialStatus](ctx, c, "/v1/credentials/"+url.PathEscape(id), q)
}

// CredentialQuery selects credentials: about a member, issued by an
// organisation, and (ExpiringWithin > 0) in force and ending within that
// many days: the recredentialing reminders.
type CredentialQuery struct {
	Subject        string
	Issuer         string
	ExpiringWithin int
}

// Credentials lists the ledger entries of the credentials q selects.
func (c *Client) Credentials(ctx context.Context, q CredentialQuery) (*Page[LedgerCredential], error) {
	v := url.Values{}
	if q.Subject != "" {
		v.Set("subject", q.Subject)
	}
	if q.Issuer != "" {
		v.Set("issuer", q.Issuer)
	}
	if q.ExpiringWithin > 0 {
		v.Set("expiring_within", strconv.Itoa(q.ExpiringWithin))
	}
	return fetch[Page[LedgerCredential]](ctx, c, "/v1/credentials", v)
}

// VerifyCredential asks the node for the ledger's verdict on a VC-JWT
// issued on medchain, at at (RFC 3339 or YYYY-MM-DD; empty: now). A
// credential that does not verify is a verdict (Valid false, Code), not an
// error.
func (c *Client) VerifyCredential(ctx context.Context, compact, at string) (*CredentialVerdict, error) {
	body, _ := json.Marshal(map[string]string{"credential": compact, "at": at})
	var v CredentialVerdict
	if _, err := c.do(ctx, http.MethodPost, "/v1/credentials/verify", nil, body, "application/json", &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// CredentialDraft is a credential to issue: Claims (names, numbers) go
// into the credential, which goes to its holder; the ledger gets its hash.
type CredentialDraft struct {
	// ID is the ledger ID to give it; empty draws a random one.
	ID string
	// Type is one of the Credential… constants.
	Type string
	// Issuer is the signer's organisation.
	Issuer string
	// Subject is the subject's ledger ID (org/handle), or empty for a
	// person the ledger does not know.
	Subject    string
	Claims     map[string]any
	ValidFrom  time.Time
	ValidUntil time.Time // zero: no expiry
	// StatusLists, when set, is the URL of the issuer's Bitstring Status
	// Lists on a node (StatusListsURL): the credential then names its
	// entries, at an index drawn at random.
	StatusLists string
	// Selective makes every claim selectively disclosable: the credential
	// is an SD-JWT (RFC 9901) whose holder presents only the claims it
	// chooses (PresentCredential).
	Selective bool
}

// StatusListsURL is the URL of org's Bitstring Status Lists on the node
// at nodeURL: what CredentialDraft.StatusLists takes.
func StatusListsURL(nodeURL, org string) string {
	return strings.TrimRight(nodeURL, "/") + "/v1/credentials/status-lists/" + url.PathEscape(org)
}

// statusListSize is the length of an issuer's status lists (the
// credentials module's StatusListSize).
const statusListSize = 131072

// Issued is a credential issued: the VC-JWT for its holder and the
// transaction that recorded its hash.
type Issued struct {
	ID string
	// Credential is the VC-JWT (application/vc+jwt): give it to the holder.
	Credential string
	Hash       string
	Tx         *TxResult
}

// IssueCredential builds the VC 2.0 credential d describes, signs it as a
// JWT with s's key (EdDSA; the header's kid is the key in hex) and records
// its hash on the ledger. The signer must be a registrar or admin of
// d.Issuer, authorised for d.Type.
func (c *Client) IssueCredential(ctx context.Context, s *Signer, d CredentialDraft) (*Issued, error) {
	if d.ID == "" {
		var b [12]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		d.ID = "cr-" + hex.EncodeToString(b[:])
	}
	if d.ValidFrom.IsZero() {
		return nil, errors.New("client: IssueCredential: ValidFrom is required")
	}
	for attempt := 0; ; attempt++ {
		draft := vc.Draft{ID: d.ID, Type: d.Type, Issuer: d.Issuer, Subject: d.Subject, Claims: d.Claims,
			ValidFrom: d.ValidFrom, ValidUntil: d.ValidUntil}
		msg := IssueCredential{ID: d.ID, Type: d.Type, Subject: d.Subject, ValidFrom: d.ValidFrom.UTC().Format(time.RFC3339)}
		if d.StatusLists != "" {
			var b [4]byte
			if _, err := rand.Read(b[:]); err != nil {
				return nil, err
			}
			i := binary.BigEndian.Uint32(b[:]) % statusListSize
			draft.StatusLists, draft.StatusIndex, msg.StatusIndex = d.StatusLists, i, &i
		}
		var doc map[string]any
		var disclosures []string
		var err error
		if d.Selective {
			doc, disclosures, err = draft.SelectiveDocument(rand.Reader)
		} else {
			doc, err = draft.Document()
		}
		if err != nil {
			return nil, err
		}
		jwt, err := vc.SignJWT(doc, ed25519.PrivateKey(s.key))
		if err != nil {
			return nil, err
		}
		msg.Hash = CredentialHash(jwt)
		if d.Selective {
			jwt = vc.JoinSD(jwt, disclosures)
		}
		if !d.ValidUntil.IsZero() {
			msg.ValidUntil = d.ValidUntil.UTC().Format(time.RFC3339)
		}
		res, err := c.Send(ctx, s, msg)
		// An index another credential took: draw again (a few times).
		if err != nil && d.StatusLists != "" && attempt < 3 && IsCode(err, CodeCredentialsExists) && strings.Contains(err.Error(), "status lists") {
			continue
		}
		if err != nil {
			return nil, err
		}
		return &Issued{ID: d.ID, Credential: jwt, Hash: msg.Hash, Tx: res}, nil
	}
}

// PresentCredential makes a presentation of an SD-JWT credential that
// discloses only the claims named in disclose: what a holder shows ("licensed
// in US-MA, valid until X", without the licence number). It signs nothing.
func PresentCredential(sdjwt string, disclose []string) (string, error) {
	return vc.Present(sdjwt, disclose)
}

// CredentialHash is the SHA-256 (lower-case hex) the ledger keeps of a
// credential: of its compact serialisation, surrounding white space
// removed; of an SD-JWT, of its issuer-signed JWT, which every
// presentation carries unchanged.
func CredentialHash(compact string) string { return vc.Hash(compact) }
