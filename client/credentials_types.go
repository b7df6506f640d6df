package client

import "encoding/json"

// The credentials module's messages and views (internal/credentials), as
// the SDK's own types: who may issue which credential types, and for each
// credential issued its hash, type, issuer, subject's ledger ID, validity
// period and status with its history. The credential itself (a VC-JWT
// with names and numbers) is built and signed by IssueCredential and goes
// to the holder, never to the chain.

// Message types of the credentials module.
const (
	TypeIssueCredential     = "credentials/issue"
	TypeSuspendCredential   = "credentials/suspend"
	TypeReinstateCredential = "credentials/reinstate"
	TypeRevokeCredential    = "credentials/revoke"
	// ActionAuthorizeIssuer is the governance proposal action that sets
	// the credential types an organisation may issue (AuthorizeIssuer).
	ActionAuthorizeIssuer = "credentials/authorize"
)

// Credential types.
const (
	CredentialBoardCertification = "board-certification"
	CredentialCourseCertificate  = "course-certificate"
	CredentialDegree             = "degree"
	CredentialEmployment         = "employment"
	CredentialMedicalLicence     = "medical-licence"
	CredentialNPI                = "npi"
	CredentialPrivileges         = "privileges"
)

// Reason codes of the status changes.
var (
	SuspendReasons   = []string{"administrative", "disciplinary", "investigation", "non-payment", "requirements-lapsed"}
	ReinstateReasons = []string{"administrative", "appeal-upheld", "investigation-closed", "requirements-met"}
	RevokeReasons    = []string{"disciplinary", "fraud", "issued-in-error", "superseded", "surrendered"}
)

// AuthorizeIssuer is the payload of a credentials/authorize proposal: the
// types Org may issue once it passes, replacing its earlier list; an empty
// list withdraws its authority.
type AuthorizeIssuer struct {
	Org   string   `json:"org"`
	Types []string `json:"types"`
}

// Action is the proposal action that authorises a.Org (Propose.Action).
func (a AuthorizeIssuer) Action() Action { return mustAction(ActionAuthorizeIssuer, a) }

// IssueCredential records a credential the signer's organisation issued:
// its SHA-256, never its content. Signed by a registrar or admin of an
// organisation authorised for the type. Client.IssueCredential builds the
// credential, signs it and sends this.
type IssueCredential struct {
	// ID is "cr-" and 24 lower-case hex digits, chosen by the issuer.
	ID string `json:"id"`
	// Hash is the SHA-256 (lower-case hex) of the VC-JWT.
	Hash string `json:"hash"`
	// Type is one of the Credential… constants, and one the signer's
	// organisation is authorised for.
	Type string `json:"type"`
	// Subject is the subject's ledger ID (org/handle), or empty.
	Subject string `json:"subject,omitempty"`
	// ValidFrom and ValidUntil are RFC 3339; ValidUntil empty never expires.
	ValidFrom  string `json:"valid_from"`
	ValidUntil string `json:"valid_until,omitempty"`
	// StatusIndex is its index in the issuer's Bitstring Status Lists
	// (0 to 131071, drawn at random, unused), if it names them.
	StatusIndex *uint32 `json:"status_index,omitempty"`
}

// ChangeCredentialStatus is the message of a status change: the
// credential and a reason code of the change's list.
type ChangeCredentialStatus struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// SuspendCredential suspends an active credential from the next block.
type SuspendCredential ChangeCredentialStatus

// ReinstateCredential reinstates a suspended credential from the next block.
type ReinstateCredential ChangeCredentialStatus

// RevokeCredential revokes a credential for good from the next block.
type RevokeCredential ChangeCredentialStatus

// MsgType implements Msg.
func (IssueCredential) MsgType() string { return TypeIssueCredential }

// MsgType implements Msg.
func (SuspendCredential) MsgType() string { return TypeSuspendCredential }

// MsgType implements Msg.
func (ReinstateCredential) MsgType() string { return TypeReinstateCredential }

// MsgType implements Msg.
func (RevokeCredential) MsgType() string { return TypeRevokeCredential }

// StatusChanged is the result of a status change.
type StatusChanged struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	// Effective is the first block the change applies to.
	Effective int64 `json:"effective_height"`
}

// IssuerAuthorisation is what an organisation may issue.
type IssuerAuthorisation struct {
	Org    string   `json:"org"`
	Types  []string `json:"types"`
	Height int64    `json:"height"`
}

// LedgerCredential is what the ledger keeps of a credential.
type LedgerCredential struct {
	ID      string `json:"id"`
	Hash    string `json:"hash"`
	Type    string `json:"type"`
	Issuer  string `json:"issuer"`
	By      string `json:"by"`
	Subject string `json:"subject,omitempty"`
	// ValidFrom and ValidUntil are Unix seconds; ValidUntil 0 never expires.
	ValidFrom  int64 `json:"valid_from"`
	ValidUntil int64 `json:"valid_until,omitempty"`
	// StatusIndex is its index in the issuer's status lists plus one (0:
	// none).
	StatusIndex uint32             `json:"status_index,omitempty"`
	Status      string             `json:"status"`
	Reason      string             `json:"reason,omitempty"`
	History     []CredentialChange `json:"history"`
	Height      int64              `json:"height"`
	Time        int64              `json:"time"`
}

// CredentialChange is one entry of a credential's status history: Height
// the first block it applies to, Time the deciding block's (Unix seconds).
type CredentialChange struct {
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	By     string `json:"by"`
	Height int64  `json:"height"`
	Time   int64  `json:"time"`
}

// CredentialValidity is the ledger's answer to "was it valid at At?".
type CredentialValidity struct {
	Credential LedgerCredential `json:"credential"`
	At         string           `json:"at"`
	// Status at At: active, suspended, revoked or unrecorded.
	Status     string `json:"status"`
	Reason     string `json:"reason,omitempty"`
	Authorised bool   `json:"issuer_authorised"`
	Valid      bool   `json:"valid"`
	Why        string `json:"why,omitempty"`
}

// CredentialStatus is GET /v1/credentials/{id}: the validity at an
// instant, with the proof of the credential's entry when asked.
type CredentialStatus struct {
	CredentialValidity
	Proof *Proof `json:"proof,omitempty"`
}

// VerifiedClaims is what a verified VC-JWT says.
type VerifiedClaims struct {
	Version    string   `json:"version"`
	Issuer     string   `json:"issuer"`
	KeyID      string   `json:"kid,omitempty"`
	ID         string   `json:"id,omitempty"`
	Types      []string `json:"types"`
	ValidFrom  string   `json:"validFrom,omitempty"`
	ValidUntil string   `json:"validUntil,omitempty"`
	// Subject is the credentialSubject, as issued.
	Subject map[string]any `json:"credentialSubject"`
	// CredentialStatus is the credentialStatus as issued: an object, or an
	// array of BitstringStatusListEntry objects.
	CredentialStatus any `json:"credentialStatus,omitempty"`
	// Selective is set for an SD-JWT presentation: Subject holds the
	// disclosed claims only, and Undisclosed counts the others.
	Selective   bool `json:"selective,omitempty"`
	Undisclosed int  `json:"undisclosed,omitempty"`
}

// CredentialVerdict is the ledger's verdict on a VC-JWT issued on
// medchain (POST /v1/credentials/verify).
type CredentialVerdict struct {
	Valid bool `json:"valid"`
	// Code is the refusal's stable code: credentials.* (CodeCredentials…)
	// or vc.* (the credential itself: signature, algorithm, period).
	Code       string              `json:"code,omitempty"`
	Message    string              `json:"message,omitempty"`
	Hash       string              `json:"hash"`
	Signer     string              `json:"signer,omitempty"`
	Credential *VerifiedClaims     `json:"credential,omitempty"`
	Ledger     *CredentialValidity `json:"ledger,omitempty"`
	// Proof is the proof of the credential's ledger entry, when there is one.
	Proof *Proof `json:"proof,omitempty"`
}

// SHCIssuer is a trusted SMART Health Card issuer: its iss URL, JSON Web
// Key Set and revocation lists, as the ledger holds them.
type SHCIssuer struct {
	ISS    string            `json:"iss"`
	JWKS   json.RawMessage   `json:"jwks"`
	CRLs   []json.RawMessage `json:"crls,omitempty"`
	Height int64             `json:"height"`
}

// TrustSHCIssuer is the payload of a credentials/trust-shc-issuer
// proposal: add or replace an issuer in the directory, or Remove it.
type TrustSHCIssuer struct {
	ISS    string            `json:"iss"`
	JWKS   json.RawMessage   `json:"jwks,omitempty"`
	CRLs   []json.RawMessage `json:"crls,omitempty"`
	Remove bool              `json:"remove,omitempty"`
}

// ActionTrustSHCIssuer is the proposal action of TrustSHCIssuer.
const ActionTrustSHCIssuer = "credentials/trust-shc-issuer"

// Action is the proposal action (Propose.Action).
func (a TrustSHCIssuer) Action() Action { return mustAction(ActionTrustSHCIssuer, a) }

// Message types of credentialing.
const (
	TypeOpenCase = "credentials/open-case"
	TypeAttest   = "credentials/attest"
)

// CaseRequirementSpec is a requirement a case is opened with: a type and
// the primary source (an organisation) to verify it.
type CaseRequirementSpec struct {
	// Type is a credential type (Credential… constants).
	Type string `json:"type"`
	// Source is the primary source's organisation ID.
	Source string `json:"source"`
}

// OpenCase opens a credentialing case of the signer's hospital or clinic
// for an applicant (a member). Signed by an admin or registrar. Answers
// the case's ID.
type OpenCase struct {
	// Applicant is the applicant's ledger ID (org/handle).
	Applicant string `json:"applicant"`
	// Requirements are what to verify and from whom (1 to 12).
	Requirements []CaseRequirementSpec `json:"requirements"`
}

// Attest is a primary source's answer on one requirement of a case:
// Outcome "verified" (Credential, if the source issued one on the ledger)
// or "refused" with a Reason code. Signed by a registrar or admin of the
// source.
type Attest struct {
	// Case is the case's ID (cs-…).
	Case string `json:"case"`
	// Type is the requirement's credential type.
	Type string `json:"type"`
	// Outcome is verified or refused.
	Outcome string `json:"outcome"`
	// Credential is the ledger credential (cr-…) the source verified, if
	// it issued one on the ledger.
	Credential string `json:"credential,omitempty"`
	// Reason is one of CaseRefuseReasons, for a refusal.
	Reason string `json:"reason,omitempty"`
}

// CaseRefuseReasons are why a primary source refuses to attest.
var CaseRefuseReasons = []string{"disciplinary-action", "identity-mismatch", "lapsed", "no-record"}

// MsgType implements Msg.
func (OpenCase) MsgType() string { return TypeOpenCase }

// MsgType implements Msg.
func (Attest) MsgType() string { return TypeAttest }

// CaseRequirement is a requirement of a case with its outcome.
type CaseRequirement struct {
	Type       string `json:"type"`
	Source     string `json:"source"`
	Outcome    string `json:"outcome"`
	Credential string `json:"credential,omitempty"`
	Reason     string `json:"reason,omitempty"`
	By         string `json:"by,omitempty"`
	Height     int64  `json:"height,omitempty"`
	Time       int64  `json:"time,omitempty"`
	// Seconds is how long the step took from the case's opening.
	Seconds int64 `json:"seconds,omitempty"`
}

// CredentialingCase is a case: open, complete or refused, with what is
// missing and how long it took.
type CredentialingCase struct {
	ID           string            `json:"id"`
	Org          string            `json:"org"`
	By           string            `json:"by"`
	Applicant    string            `json:"applicant"`
	Requirements []CaseRequirement `json:"requirements"`
	Status       string            `json:"status"`
	Height       int64             `json:"height"`
	Time         int64             `json:"time"`
	Decided      int64             `json:"decided,omitempty"`
	Seconds      int64             `json:"seconds,omitempty"`
	Missing      []CaseRequirement `json:"missing"`
}
