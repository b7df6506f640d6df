package client

import "time"

// Message types of the records module: what each message's MsgType
// returns. ReadRequest and Upload are not transactions: they are signed
// with the same envelope and sent to a custodian's node (ReadRecord,
// Upload), which embeds read requests in its receipts.
const (
	TypeAddRecords       = "records/add"
	TypeGrant            = "records/grant"
	TypeRevokeGrant      = "records/revoke"
	TypeDelegate         = "records/delegate"
	TypeBreakGlass       = "records/break-glass"
	TypeReviewBreakGlass = "records/review-break-glass"
	TypePostReceipts     = "records/receipts"
	TypeErase            = "records/erase"
	TypeEndpoint         = "records/set-endpoint"
	TypeReadRequest      = "records/read-request"
	TypeUpload           = "records/upload"
)

// Purposes of use: a grant allows some, a read states one.
const (
	PurposeTreatment    = "treatment"
	PurposePayment      = "payment"
	PurposeOperations   = "operations"
	PurposeResearch     = "research"
	PurposeEmergency    = "emergency"
	PurposePublicHealth = "public-health"
)

// Codes a records message may carry, sorted as the chain lists them (a test
// keeps them equal to the chain's).
var (
	// Purposes lists every purpose of use.
	Purposes = []string{PurposeEmergency, PurposeOperations, PurposePayment, PurposePublicHealth, PurposeResearch, PurposeTreatment}
	// BreakGlassReasons are the reasons an OpenBreakGlass may give.
	BreakGlassReasons = []string{"life-threatening", "patient-unconscious", "emergency-treatment", "public-health-emergency"}
	// ReviewOutcomes are the outcomes of a ReviewBreakGlass.
	ReviewOutcomes = []string{ReviewAcknowledged, ReviewFlagged}
	// BreakGlassFlagReasons are the reasons a flagged ReviewBreakGlass may
	// give.
	BreakGlassFlagReasons = []string{"no-emergency", "wrong-patient", "excessive-access", "outside-duties", "policy-breach"}
	// EraseReasons are the reasons an EraseRecord may give.
	EraseReasons = []string{"patient-request", "entered-in-error", "retention-expired", "legal-order"}
	// AuthorRoles may add records for their organisation.
	AuthorRoles = []string{"physician", "nurse", "pharmacist", "lab-technician", "registrar", "custodian"}
)

// Outcomes of a break-glass review.
const (
	ReviewAcknowledged = "acknowledged"
	ReviewFlagged      = "flagged"
)

// EntryBreakGlassReview is the Kind of the access-log entry a break-glass
// review writes for the patient.
const EntryBreakGlassReview = "break-glass-review"

// ActionSetBreakGlassLimits is the proposal action that sets the
// break-glass limits (BreakGlassLimits.Action).
const ActionSetBreakGlassLimits = "records/set-break-glass-limits"

// MaxAnchorsPerTx bounds the anchors of one AddRecords transaction.
const MaxAnchorsPerTx = 200

// Anchor is one version of a record as the ledger keeps it: what its
// author signs in AddRecords, and what Upload returns.
type Anchor struct {
	// Record is the record's ID.
	Record string `json:"record"`
	// Patient is the patient's ID ("pt-...").
	Patient string `json:"patient"`
	// Types are the FHIR resource types the document holds, sorted.
	Types []string `json:"types"`
	// Hash is the hex SHA-256 of the ciphertext the custodian keeps.
	Hash string `json:"hash"`
	// Size is the ciphertext's size in bytes.
	Size int64 `json:"size"`
	// Supersedes is the version this one corrects (the record's latest);
	// zero for a new record.
	Supersedes int `json:"supersedes,omitempty"`
}

// AddRecords anchors new records or new versions. Signed by a member of
// the custodian organisation with an author role (AuthorRoles); the
// custodian is the signer's organisation. The result is an AddResult.
type AddRecords struct {
	// Anchors are 1 to MaxAnchorsPerTx anchors, as Upload returned them.
	Anchors []Anchor `json:"anchors"`
}

// AddResult lists the versions an AddRecords wrote.
type AddResult struct {
	Versions []RecordRef `json:"versions"`
}

// RecordRef names one version of a record.
type RecordRef struct {
	Record  string `json:"record"`
	Version int    `json:"version"`
}

// GrantConsent is a patient's consent. Signed by the patient or a
// delegate. The result is a Created with the grant's ID.
type GrantConsent struct {
	// Patient is the patient's ID; empty: the signer.
	Patient string `json:"patient,omitempty"`
	// Grantee is who may read.
	Grantee Grantee `json:"grantee"`
	// Purposes are the purposes of use allowed (Purposes lists them).
	Purposes []string `json:"purposes"`
	// Types limits the grant to these FHIR resource types; empty: all.
	Types []string `json:"types,omitempty"`
	// Records limits the grant to these records; empty: all the patient's.
	Records []string `json:"records,omitempty"`
	// Start is when the grant begins; nil: the block time.
	Start *time.Time `json:"start,omitempty"`
	// Expires is when the grant ends (required).
	Expires time.Time `json:"expires"`
	// Condition is a CEL expression a read must satisfy, if any.
	Condition string `json:"condition,omitempty"`
}

// Grantee is who a grant is for: a member, or an organisation (with an
// optional role within it). Give Member, or Org.
type Grantee struct {
	// Org is an organisation's ID.
	Org string `json:"org,omitempty"`
	// Member is a member's ID, "org/handle".
	Member string `json:"member,omitempty"`
	// Role, with Org, limits the grant to the organisation's members with
	// that role.
	Role string `json:"role,omitempty"`
}

// RevokeGrant ends a grant from the next block on. Signed by the patient or
// a delegate.
type RevokeGrant struct {
	// Grant is the grant's ID.
	Grant string `json:"grant"`
}

// DelegateAccess names (or, with no Expires, removes) an identity that may
// act for the signing patient: grant, revoke, read and erase.
type DelegateAccess struct {
	// Delegate is the identity's ID (a member or another patient).
	Delegate string `json:"delegate"`
	// Expires ends the delegation; nil removes it now.
	Expires *time.Time `json:"expires,omitempty"`
}

// OpenBreakGlass opens an emergency access window on a patient's records.
// Signed by a member with a clinical role. The result is a Created with
// the window's ID, which a ReadRequest names in BreakGlass.
type OpenBreakGlass struct {
	// Patient is the patient's ID.
	Patient string `json:"patient"`
	// Reason is one of BreakGlassReasons.
	Reason string `json:"reason"`
	// Minutes is how long the window stays open; 0: the chain's default
	// (60, or the limit's max_minutes if shorter), at most 240 and the
	// limit (BreakGlassLimits). Over a limit, the chain refuses with
	// CodeRecordsBreakGlassLimit, saying when the next window may open.
	Minutes int `json:"minutes,omitempty"`
}

// ReviewBreakGlass is a privacy officer's review of a break-glass window
// after it closed: acknowledged, or flagged with a reason code. Signed by a
// privacy officer of the organisation whose clinician opened the window
// (not that clinician). The result is the window (BreakGlass) with its
// Review; the patient's access log gains an entry of kind
// EntryBreakGlassReview.
type ReviewBreakGlass struct {
	// Window is the window's ID ("bg-...").
	Window string `json:"window"`
	// Outcome is ReviewAcknowledged or ReviewFlagged.
	Outcome string `json:"outcome"`
	// Reason is one of BreakGlassFlagReasons, for a flagged window only.
	Reason string `json:"reason,omitempty"`
}

// BreakGlassLimits bound what one reader may open: windows open at once,
// windows opened in any 24 hours of block time, minutes per window. They
// change only by a governance proposal (Action).
type BreakGlassLimits struct {
	MaxOpen    int `json:"max_open"`
	MaxPerDay  int `json:"max_per_day"`
	MaxMinutes int `json:"max_minutes"`
}

// Action wraps the limits as a proposal action.
func (l BreakGlassLimits) Action() Action { return mustAction(ActionSetBreakGlassLimits, l) }

// BreakGlassReview is a privacy officer's review of a window.
type BreakGlassReview struct {
	// Outcome is ReviewAcknowledged or ReviewFlagged; Reason the flag's
	// reason code.
	Outcome string `json:"outcome"`
	Reason  string `json:"reason,omitempty"`
	// By is the privacy officer.
	By     string `json:"by"`
	Height int64  `json:"height"`
	Time   int64  `json:"time"` // unix seconds
}

// EraseRecord asks for a record's erasure: the custodian shreds every
// version, the ledger keeps a tombstone. Signed by the patient, a delegate,
// or the custodian's privacy officer.
type EraseRecord struct {
	// Record is the record's ID.
	Record string `json:"record"`
	// Reason is one of EraseReasons.
	Reason string `json:"reason"`
}

// SetEndpoint publishes where the signer's organisation serves the records
// it keeps. Signed by the organisation's custodian identity (its node
// announces itself) or an admin.
type SetEndpoint struct {
	// URL is the base URL of the custodian node's API, to which readers of
	// other organisations send their read requests; empty withdraws it.
	URL string `json:"url"`
}

// ReadRequest is what a reader signs and sends to the custodian's node
// (ReadRecord). It is never a transaction on its own: the custodian embeds
// it in a receipt, so the ledger holds the reader's own signature over what
// was asked.
type ReadRequest struct {
	// Record is the record's ID.
	Record string `json:"record"`
	// Version is the version to read; 0: the latest.
	Version int `json:"version,omitempty"`
	// Purpose is the purpose of use (one of Purposes).
	Purpose string `json:"purpose"`
	// BreakGlass names an open break-glass window of the reader.
	BreakGlass string `json:"break_glass,omitempty"`
}

// Upload is what an author signs to hand a FHIR resource to a custodian's
// node for encryption (Client.Upload). It never reaches the ledger.
type Upload struct {
	// Patient is the patient's ID.
	Patient string `json:"patient"`
	// Record, when set, asks for a new version of that record.
	Record string `json:"record,omitempty"`
	// Document is the FHIR R4 resource or Bundle, JSON, as bytes (base64
	// in the message) so that what is stored is exactly what was sent.
	Document []byte `json:"document"`
	// Split asks for one record per entry of a Bundle.
	Split bool `json:"split,omitempty"`
}

// PostReceipts writes access receipts. Signed by the custodian node's
// system identity (role custodian): nodes send it, integrators read the
// receipts (AccessLog).
type PostReceipts struct {
	// Receipts are the reads to record.
	Receipts []ReceiptEntry `json:"receipts"`
}

// ReceiptEntry is one read as the custodian reports it.
type ReceiptEntry struct {
	// Request is the reader's signed read request, exactly as received.
	Request []byte `json:"request"`
	// Outcome is "granted" or "denied".
	Outcome string `json:"outcome"`
	// Version is the version served.
	Version int `json:"version,omitempty"`
	// Basis is why a read was served: "owner", "delegate", "grant" or
	// "break-glass"; Grant names the grant.
	Basis string `json:"basis,omitempty"`
	Grant string `json:"grant,omitempty"`
	// Denial is the stable error code of a refusal ("records.no_grant").
	Denial string `json:"denial,omitempty"`
	// CheckedAt is the committed height the decision was taken on.
	CheckedAt int64 `json:"checked_at"`
}

// MsgType implements Msg.
func (AddRecords) MsgType() string { return TypeAddRecords }

// MsgType implements Msg.
func (GrantConsent) MsgType() string { return TypeGrant }

// MsgType implements Msg.
func (RevokeGrant) MsgType() string { return TypeRevokeGrant }

// MsgType implements Msg.
func (DelegateAccess) MsgType() string { return TypeDelegate }

// MsgType implements Msg.
func (OpenBreakGlass) MsgType() string { return TypeBreakGlass }

// MsgType implements Msg.
func (ReviewBreakGlass) MsgType() string { return TypeReviewBreakGlass }

// MsgType implements Msg.
func (EraseRecord) MsgType() string { return TypeErase }

// MsgType implements Msg.
func (SetEndpoint) MsgType() string { return TypeEndpoint }

// MsgType implements Msg.
func (ReadRequest) MsgType() string { return TypeReadRequest }

// MsgType implements Msg.
func (Upload) MsgType() string { return TypeUpload }

// MsgType implements Msg.
func (PostReceipts) MsgType() string { return TypePostReceipts }

// Record is the head of a record: what stays the same across versions.
type Record struct {
	ID        string `json:"id"`
	Patient   string `json:"patient"`
	Custodian string `json:"custodian"`
	// Latest is the latest version's number.
	Latest int `json:"latest"`
	// Status is "active" or "erased".
	Status string `json:"status"`
	// Created and Updated are block heights.
	Created int64 `json:"created"`
	Updated int64 `json:"updated"`
	// Erasure is the tombstone of an erased record.
	Erasure *Erasure `json:"erasure,omitempty"`
}

// Erasure is a record's tombstone.
type Erasure struct {
	Height int64  `json:"height"`
	Time   int64  `json:"time"` // unix seconds
	By     string `json:"by"`
	Reason string `json:"reason"`
	// Hashes are those of every version's ciphertext, now shredded.
	Hashes []string `json:"hashes"`
}

// RecordVersion is the anchor of one version of a record.
type RecordVersion struct {
	Record  string   `json:"record"`
	Version int      `json:"version"`
	Types   []string `json:"types"`
	// Hash is the hex SHA-256 of the ciphertext.
	Hash   string `json:"hash"`
	Size   int64  `json:"size"`
	Author string `json:"author"`
	// Supersedes is the version this one corrects, if any.
	Supersedes int   `json:"supersedes,omitempty"`
	Height     int64 `json:"height"`
	Time       int64 `json:"time"` // unix seconds, block time
}

// Grant is a patient's consent as the ledger keeps it.
type Grant struct {
	ID       string   `json:"id"`
	Patient  string   `json:"patient"`
	Grantee  Grantee  `json:"grantee"`
	Purposes []string `json:"purposes"`
	Types    []string `json:"types,omitempty"`   // empty: all types
	Records  []string `json:"records,omitempty"` // empty: all records
	Start    int64    `json:"start"`             // unix seconds
	Expires  int64    `json:"expires"`           // unix seconds
	// Condition is the grant's CEL condition, if any, and ConditionHash
	// its hex SHA-256.
	Condition     string `json:"condition,omitempty"`
	ConditionHash string `json:"condition_hash,omitempty"`
	GrantedBy     string `json:"granted_by"`
	Height        int64  `json:"height"`
	// Status is "active" or "revoked".
	Status    string `json:"status"`
	RevokedAt int64  `json:"revoked_at,omitempty"`
	RevokedBy string `json:"revoked_by,omitempty"`
}

// GrantingPatient is a patient who granted an organisation, a role within
// it or one of its members access, with those grants active now, by grant
// ID (OrgPatients).
type GrantingPatient struct {
	Patient string  `json:"patient"`
	Grants  []Grant `json:"grants"`
}

// Delegation lets another identity (a guardian, say) act for a patient:
// grant, revoke, read and erase.
type Delegation struct {
	Patient  string `json:"patient"`
	Delegate string `json:"delegate"`
	Expires  int64  `json:"expires"` // unix seconds
	Height   int64  `json:"height"`
}

// BreakGlass is an emergency access window opened by a clinician.
type BreakGlass struct {
	ID      string `json:"id"`
	Reader  string `json:"reader"`
	Org     string `json:"org"`
	Patient string `json:"patient"`
	Reason  string `json:"reason"`
	Opened  int64  `json:"opened"`  // unix seconds
	Expires int64  `json:"expires"` // unix seconds
	Height  int64  `json:"height"`
	// Review is the privacy officer's review, once there is one.
	Review *BreakGlassReview `json:"review,omitempty"`
}

// Receipt records one read, served or refused; in a patient's access log,
// an entry of Kind EntryBreakGlassReview is the review of a break-glass
// window instead (ID and BreakGlass the window's, Reader who opened it,
// Reason why, Outcome the review's, Review who reviewed it and when; no
// Record or Custodian).
type Receipt struct {
	// ID is the hash of the reader's signed request.
	ID         string `json:"id"`
	Reader     string `json:"reader"`
	ReaderOrg  string `json:"reader_org,omitempty"`
	Record     string `json:"record,omitempty"`
	Version    int    `json:"version,omitempty"`
	Patient    string `json:"patient,omitempty"`
	Custodian  string `json:"custodian,omitempty"`
	Purpose    string `json:"purpose"`
	Outcome    string `json:"outcome"` // granted | denied
	Basis      string `json:"basis,omitempty"`
	Grant      string `json:"grant,omitempty"`
	BreakGlass string `json:"break_glass,omitempty"`
	Reason     string `json:"reason,omitempty"` // break-glass reason code
	Denial     string `json:"denial,omitempty"` // stable error code of a refusal
	CheckedAt  int64  `json:"checked_at"`       // the committed height the decision was taken on
	Height     int64  `json:"height"`
	Time       int64  `json:"time"`
	// Kind is empty for a read, EntryBreakGlassReview for a review entry.
	Kind   string            `json:"kind,omitempty"`
	Review *BreakGlassReview `json:"review,omitempty"`
}
