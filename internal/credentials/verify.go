package credentials

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/tx"
	"github.com/medchain/medchain/internal/vc"
)

// Refusals of a verification against the ledger, besides the vc package's
// (signature, algorithm, validity period, data model).
var (
	// ErrUnrecorded: the ledger holds no credential of this hash (it was
	// never issued on medchain, or it was altered).
	ErrUnrecorded = errors.New("credentials: not recorded on the ledger")
	// ErrWrongSigner: the key that signed is not one the issuer's
	// registrars or admins held when it was issued.
	ErrWrongSigner = errors.New("credentials: not signed by the issuer")
	// ErrMismatch: the credential says something else than the ledger
	// recorded (issuer, type, subject, ID, validity period).
	ErrMismatch = errors.New("credentials: differs from the ledger")
	// ErrSuspended and ErrRevoked: the ledger's status at the instant.
	ErrSuspended = errors.New("credentials: suspended")
	ErrRevoked   = errors.New("credentials: revoked")
)

// Verdict is the ledger's answer about a VC-JWT issued on medchain.
type Verdict struct {
	Valid bool `json:"valid"`
	// Code is the refusal's stable code (credentials.revoked,
	// vc.bad_signature...); Message says it in words.
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	// Hash is the SHA-256 of the credential, as the ledger keys it.
	Hash string `json:"hash"`
	// Signer is the member whose key signed it.
	Signer string `json:"signer,omitempty"`
	// Credential is what it says, once its signature verified.
	Credential *vc.Credential `json:"credential,omitempty"`
	// Ledger is the ledger's entry and status at the instant.
	Ledger *Validity `json:"ledger,omitempty"`
}

// Signers is what verification asks identity: the member a key belonged
// to at a height, and its roles.
type Signers interface {
	SignerAt(r state.Reader, key tx.PubKey, height int64) (member, org string, roles []ledger.Role, ok bool)
}

// Hash is the SHA-256 (lower-case hex) the ledger keeps of a credential
// (vc.Hash).
func Hash(compact string) string { return vc.Hash(compact) }

// Verify checks a VC-JWT issued on medchain, or an SD-JWT presentation of
// one (the claims it discloses; the ledger knows its signed JWT's hash),
// at instant at: the ledger
// recorded its hash; its key was a registrar's or admin's of the issuer
// when it was issued (an authorised issuer: the ledger refuses to record
// any other); the EdDSA signature, the validity period and the data
// model (vc.VerifyJWT); what it says matches the ledger's entry; and its
// status at at, or with now its status in r (ValidNow). It reads the
// state only: a pure function of r, the bytes and the instant.
func (k *Keeper) Verify(r state.Reader, compact string, at time.Time, now bool) Verdict {
	compact = strings.TrimSpace(compact)
	v := Verdict{Hash: Hash(compact)}
	fail := func(err error) Verdict {
		v.Code, v.Message = k.codeOf(err), err.Error()
		return v
	}
	kid, err := vc.HeaderKeyID(compact)
	if err != nil {
		return fail(err)
	}
	pub, err := hex.DecodeString(kid)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return fail(fmt.Errorf("%w: kid %q is not an Ed25519 key of the ledger (64 hex digits)", ErrWrongSigner, kid))
	}
	// The signature, algorithm, validity period and data model first,
	// with the key the header names: a tampered or alg-none credential is
	// told so. Whose key it is comes next, from the ledger.
	cred, err := vc.VerifySD(compact, vc.Options{At: at, Issuers: []vc.Issuer{{
		Keys: []jose.JSONWebKey{{Key: ed25519.PublicKey(pub), KeyID: kid, Algorithm: string(jose.EdDSA), Use: "sig"}}}}})
	if err != nil {
		return fail(err)
	}
	v.Credential = cred
	c, ok := k.ByHash(r, v.Hash)
	if !ok {
		return fail(fmt.Errorf("%w: no credential of hash %s was issued on this ledger", ErrUnrecorded, v.Hash))
	}
	member, org, roles, ok := k.signers.SignerAt(r, tx.PubKey(pub), c.Height)
	if !ok || org != c.Issuer || !slices.ContainsFunc(roles, func(x ledger.Role) bool { return slices.Contains(IssuerRoles, x) }) {
		return fail(fmt.Errorf("%w: key %s was not held by a registrar or admin of %s when %s was issued (height %d)", ErrWrongSigner, kid, c.Issuer, c.ID, c.Height))
	}
	v.Signer = member
	if err := matches(cred, c); err != nil {
		return fail(err)
	}
	val := k.ValidAt(r, c, at)
	if now {
		val = k.ValidNow(r, c, at)
	}
	v.Ledger = &val
	switch {
	case val.Status == StatusSuspended:
		return fail(fmt.Errorf("%w: %s at %s (%s)", ErrSuspended, c.ID, val.At, val.Reason))
	case val.Status == StatusRevoked:
		return fail(fmt.Errorf("%w: %s at %s (%s)", ErrRevoked, c.ID, val.At, val.Reason))
	case !val.Valid:
		return fail(fmt.Errorf("%w: %s: %s", ErrUnrecorded, c.ID, val.Why))
	}
	v.Valid = true
	return v
}

// matches checks that the credential says what the ledger recorded.
func matches(cred *vc.Credential, c Credential) error {
	want := func(what, got, want string) error {
		if got != want {
			return fmt.Errorf("%w: %s is %q, the ledger recorded %q", ErrMismatch, what, got, want)
		}
		return nil
	}
	if err := want("issuer", cred.Issuer, vc.OrgURN+c.Issuer); err != nil {
		return err
	}
	if err := want("id", cred.ID, vc.CredentialURN+c.ID); err != nil {
		return err
	}
	if name := vc.TypeNames[c.Type]; !slices.Contains(cred.Types, name) {
		return fmt.Errorf("%w: type %v lacks %s, the ledger recorded a %s", ErrMismatch, cred.Types, name, c.Type)
	}
	subject := ""
	if s, err := vc.SubjectID(cred); err == nil {
		subject = s
	}
	wantSubject := ""
	if c.Subject != "" {
		wantSubject = vc.MemberURN + c.Subject
	}
	if err := want("credentialSubject.id", subject, wantSubject); err != nil {
		return err
	}
	from, until := "", ""
	if cred.ValidFrom != nil {
		from = cred.ValidFrom.UTC().Format(time.RFC3339)
	}
	if cred.ValidUntil != nil {
		until = cred.ValidUntil.UTC().Format(time.RFC3339)
	}
	if err := want("validFrom", from, unix(c.ValidFrom)); err != nil {
		return err
	}
	wantUntil := ""
	if c.ValidUntil != 0 {
		wantUntil = unix(c.ValidUntil)
	}
	return want("validUntil", until, wantUntil)
}

// codeOf is the stable code of a refusal: the module's or the vc
// package's.
func (k *Keeper) codeOf(err error) string {
	for _, row := range k.Codes() {
		if errors.Is(err, row.Err) {
			return Name + "." + row.Name
		}
	}
	if c := vc.CodeOf(err); c != "" {
		return string(c)
	}
	return string(vc.CodeMalformed)
}
