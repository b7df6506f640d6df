// Package credentials is the module of staff credentials on the ledger:
// which organisations may issue which credential types (a governance
// decision), and for each credential issued its SHA-256, type, issuer,
// subject's ledger ID where there is one, validity period and status, with
// the history of every suspension, reinstatement and revocation.
//
// The credential itself (a VC 2.0 secured as a JWT, with names and licence
// numbers) goes to its holder and never reaches the chain: a message
// carries its hash only. A suspended or revoked medical licence bars its
// subject from practising: identity leaves the member's clinical roles out
// of the principal from the next block (Practising), so grants by role,
// break-glass, authoring and dispensing refuse them everywhere at once.
//
// Status changes take effect from the next block: a handler records the
// change and marks the credential; the module's end-of-block step brings
// the set of barred members up to date, so that the block's later
// transactions still see the status it began with. Handlers are
// deterministic (block time only) and the module imports no other module:
// governance and identity answer through the Directory.
package credentials

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
)

// Name is the module's name and error codespace.
const Name = "credentials"

// Errors, each with a stable code in the module's table (Codes).
var (
	ErrUnauthorized = errors.New("credentials: not allowed")
	// ErrNotAuthorised is an organisation issuing a type no governance
	// decision authorises it to issue.
	ErrNotAuthorised = errors.New("credentials: issuer not authorised for this type")
	ErrNotFound      = errors.New("credentials: not found")
	ErrExists        = errors.New("credentials: already exists")
	// ErrState is a status change the credential's status does not allow
	// (reinstating an active credential, anything after a revocation).
	ErrState = errors.New("credentials: not possible in this status")
)

// Credential types a governance decision may authorise an organisation to
// issue (sorted).
const (
	TypeBoardCertification = "board-certification"
	TypeCourseCertificate  = "course-certificate"
	TypeDegree             = "degree"
	TypeEmployment         = "employment"
	TypeMedicalLicence     = "medical-licence"
	TypeNPI                = "npi"
	TypePrivileges         = "privileges"
)

// Types lists the credential types, sorted.
var Types = []string{TypeBoardCertification, TypeCourseCertificate, TypeDegree, TypeEmployment, TypeMedicalLicence, TypeNPI, TypePrivileges}

// Statuses of a credential.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
	StatusRevoked   = "revoked"
)

// Reason codes, from fixed lists: free text never reaches the chain, and
// none of them names a health condition.
var (
	// SuspendReasons are why an issuer suspends a credential.
	SuspendReasons = []string{"administrative", "disciplinary", "investigation", "non-payment", "requirements-lapsed"}
	// ReinstateReasons are why it reinstates one.
	ReinstateReasons = []string{"administrative", "appeal-upheld", "investigation-closed", "requirements-met"}
	// RevokeReasons are why it revokes one, for good.
	RevokeReasons = []string{"disciplinary", "fraud", "issued-in-error", "superseded", "surrendered"}
	// neutralRevocations say nothing about the subject's fitness: a
	// licence revoked for them does not bar its subject from practising.
	neutralRevocations = []string{"issued-in-error", "superseded"}
)

// IssuerRoles are the roles with which members of an authorised
// organisation issue and change the status of its credentials.
var IssuerRoles = []ledger.Role{ledger.RoleRegistrar, ledger.RoleAdmin}

// Limits.
const (
	// MaxTypes bounds the types of one authorisation (all of them).
	MaxTypes = 7
	// MaxValidity bounds a credential's validity period: 100 years.
	MaxValidity = 100 * 366 * 24 * time.Hour
)

var (
	idPattern   = regexp.MustCompile(`^cr-[0-9a-f]{24}$`)
	hashPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// Authorisation is what a governance decision lets an organisation issue.
type Authorisation struct {
	Org   string   `json:"org"`
	Types []string `json:"types"`
	// Height is the block that decided it (the genesis block's, 1, for
	// an authorisation in the genesis).
	Height int64 `json:"height"`
}

// Allows reports whether the authorisation covers type t.
func (a Authorisation) Allows(t string) bool { return slices.Contains(a.Types, t) }

// Credential is what the ledger keeps of an issued credential: never its
// content.
type Credential struct {
	ID string `json:"id"`
	// Hash is the SHA-256 of the credential as issued (the VC-JWT's
	// compact serialisation), lower-case hex.
	Hash   string `json:"hash"`
	Type   string `json:"type"`
	Issuer string `json:"issuer"`
	By     string `json:"by"`
	// Subject is the subject's ledger ID (a member, "org/handle") where
	// there is one; empty for a person the ledger does not know.
	Subject string `json:"subject,omitempty"`
	// ValidFrom and ValidUntil are Unix seconds; ValidUntil 0 never
	// expires.
	ValidFrom  int64 `json:"valid_from"`
	ValidUntil int64 `json:"valid_until,omitempty"`
	// StatusIndex is the credential's index in its issuer's Bitstring
	// Status Lists, plus one (0: it names no status list).
	StatusIndex uint32 `json:"status_index,omitempty"`
	Status      string `json:"status"`
	Reason      string `json:"reason,omitempty"`
	// History is every status the credential has had, oldest first; the
	// first entry is its issuance.
	History []Change `json:"history"`
	Height  int64    `json:"height"`
	Time    int64    `json:"time"`
}

// Change is one entry of a credential's status history. Height is the
// first block it applies to (the block after the one that decided it, the
// issuance's own block for the first entry); Time is the deciding block's
// time (Unix seconds).
type Change struct {
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	By     string `json:"by"`
	Height int64  `json:"height"`
	Time   int64  `json:"time"`
}

// bars reports whether the credential, in status and reason, bars its
// subject from practising: a medical licence suspended, or revoked for
// anything but a neutral reason.
func bars(typ, status, reason string) bool {
	if typ != TypeMedicalLicence {
		return false
	}
	return status == StatusSuspended || (status == StatusRevoked && !slices.Contains(neutralRevocations, reason))
}

// State. Authorisations and credentials' ledger entries are public: a
// register of who may issue what and of licence status is what verifiers
// anywhere need (design.md §3.11 keeps patients' data private; these are
// staff credentials, and hold no content).
var (
	authorisations = state.NewMap[Authorisation](Name, "cr/a/").Public()
	credentials    = state.NewMap[Credential](Name, "cr/c/").Public()
	byHash         = state.NewMap[string](Name, "cr/h/").Public() // hash -> id
	bySubject      = state.NewIndex(Name, "cr/s/").Public()       // subject/id
	byIssuer       = state.NewIndex(Name, "cr/i/").Public()       // issuer/id
	byExpiry       = state.NewIndex(Name, "cr/x/").Public()       // %020d valid_until/id
	// barred lists the licences that bar a member from practising
	// (member/id), as of the last block's end; pending the credentials
	// whose status changed in the block being executed.
	barred  = state.NewIndex(Name, "cr/b/").Public()
	pending = state.NewIndex(Name, "cr/p/").Public()
	// statusLists are the issuers' Bitstring Status Lists, as the sorted
	// indexes whose bit is set, as of the last block's end; listIndexes
	// the indexes taken (issuer/%06d index).
	statusLists = state.NewMap[StatusList](Name, "cr/sl/").Public()
	listIndexes = state.NewIndex(Name, "cr/si/").Public()
)

// StatusListSize is the length in bits of an issuer's status lists: the
// Bitstring Status List's minimum (16 KiB), for herd privacy.
const StatusListSize = 131072

// StatusList is an issuer's Bitstring Status Lists (W3C Bitstring Status
// List v1.0) in the ledger's form: the indexes whose bit is set, sorted.
// The node serves them expanded (GET /v1/credentials/status-lists/...);
// this entry's proof proves them.
type StatusList struct {
	Org       string   `json:"org"`
	Revoked   []uint32 `json:"revoked"`
	Suspended []uint32 `json:"suspended"`
	Height    int64    `json:"height"`
}

// Directory is what credentials asks the other modules.
type Directory interface {
	// OrgKind returns an active organisation's kind.
	OrgKind(r state.Reader, org string) (ledger.OrgKind, bool)
	// Member returns an active member's organisation and roles.
	Member(r state.Reader, id string) (org string, roles []ledger.Role, ok bool)
}

// Keeper is the credentials module.
type Keeper struct {
	dir     Directory
	signers Signers
}

// New returns the module, asking dir about organisations and members and
// signers about the keys that sign credentials.
func New(dir Directory, signers Signers) *Keeper { return &Keeper{dir: dir, signers: signers} }

// Name implements ledger.Module.
func (k *Keeper) Name() string { return Name }

func validType(field, t string) error {
	if !slices.Contains(Types, t) {
		return fmt.Errorf("%s: %q is not a credential type (one of %v)", field, t, Types)
	}
	return nil
}

func validReason(reason string, list []string) error {
	if !slices.Contains(list, reason) {
		return fmt.Errorf("reason: %q is not one of %v", reason, list)
	}
	return nil
}

func unix(t int64) string { return time.Unix(t, 0).UTC().Format(time.RFC3339) }
