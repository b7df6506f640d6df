// Package records is the module of patient-owned records. The ledger keeps
// the index of each patient's records, never the records: an anchor per
// version (record ID, pseudonymous patient ID, FHIR resource types, the
// SHA-256 and size of the ciphertext, author, custodian organisation), the
// patient's consent grants (grantee, purposes, scope, expiry, an optional CEL
// condition), delegations, break-glass windows, the access receipt of every
// read, and tombstones of erased records.
//
// The records themselves are encrypted and held off chain by the custodian's
// node (see internal/vault). Authorize is the consent check that node runs
// against committed state before it serves a read; the receipts it then
// writes here are checked (the reader's own signed request is embedded) and
// kept per patient, reader and custodian.
//
// The module asks identity about patients, members and keys through the
// Directory interface; it imports no other module.
package records

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/rules"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/tx"
)

// Name is the module's name and error codespace.
const Name = "records"

// Errors. Each has a stable code in the module's table (Codes). The denial errors
// (ErrNoGrant … ErrBreakGlass) are also what a refused read answers.
var (
	ErrUnauthorized  = errors.New("records: not allowed")
	ErrNotFound      = errors.New("records: not found")
	ErrExists        = errors.New("records: already exists")
	ErrUnknownRecord = errors.New("records: unknown record")
	ErrErased        = errors.New("records: record erased")
	ErrStale         = errors.New("records: stale version")
	ErrNoGrant       = errors.New("records: no grant")
	ErrWrongOrg      = errors.New("records: grant is for another organisation")
	ErrPurpose       = errors.New("records: purpose not granted")
	ErrGrantExpired  = errors.New("records: grant expired")
	ErrGrantRevoked  = errors.New("records: grant revoked")
	ErrOutOfScope    = errors.New("records: record outside the grant's scope")
	ErrCondition     = errors.New("records: grant condition not met")
	ErrBreakGlass    = errors.New("records: break-glass refused")
	ErrBadCondition  = errors.New("records: invalid condition")
	ErrBadRequest    = errors.New("records: invalid request")
	// ErrInvalidDocument is a FHIR document that does not validate.
	ErrInvalidDocument = errors.New("records: invalid FHIR document")
	// ErrNotCustodian is a request sent to a node that does not hold the
	// record (or does not serve the author's organisation).
	ErrNotCustodian = errors.New("records: not the custodian's node")
	// ErrUnavailable is a record whose ciphertext the custodian cannot
	// produce (lost or corrupt blob).
	ErrUnavailable = errors.New("records: record unavailable")
	// ErrBreakGlassLimit is a break-glass window the reader's limits do
	// not allow now (open at once, opened in 24 hours, minutes).
	ErrBreakGlassLimit = errors.New("records: break-glass limit reached")
	// ErrReviewed is a break-glass window reviewed already.
	ErrReviewed = errors.New("records: break-glass window already reviewed")
	// ErrWindowOpen is a review of a window that has not closed yet.
	ErrWindowOpen = errors.New("records: break-glass window still open")
)

// Purposes of use a grant may allow and a read must state.
const (
	PurposeTreatment    = "treatment"
	PurposePayment      = "payment"
	PurposeOperations   = "operations"
	PurposeResearch     = "research"
	PurposeEmergency    = "emergency"
	PurposePublicHealth = "public-health"
)

// Purposes lists every purpose, sorted.
var Purposes = []string{PurposeEmergency, PurposeOperations, PurposePayment, PurposePublicHealth, PurposeResearch, PurposeTreatment}

// Break-glass reason codes.
var BreakGlassReasons = []string{"life-threatening", "patient-unconscious", "emergency-treatment", "public-health-emergency"}

// Erasure reason codes.
var EraseReasons = []string{"patient-request", "entered-in-error", "retention-expired", "legal-order"}

// AuthorRoles may add records for their organisation.
var AuthorRoles = []ledger.Role{ledger.RolePhysician, ledger.RoleNurse, ledger.RolePharmacist, ledger.RoleLabTechnician, ledger.RoleRegistrar, ledger.RoleCustodian}

// ClinicalRoles may open a break-glass window.
var ClinicalRoles = []ledger.Role{ledger.RolePhysician, ledger.RoleNurse, ledger.RolePharmacist}

// Limits.
const (
	MaxAnchorsPerTx  = 200
	MaxTypes         = 64
	MaxScope         = 256
	MaxConditionSize = 4096
	// DefaultBreakGlassMinutes and MaxBreakGlassMinutes bound the window a
	// break-glass opens.
	DefaultBreakGlassMinutes = 60
	MaxBreakGlassMinutes     = 240
	MaxReceiptsPerTx         = 500
)

// Record is the head of a record: what stays the same across versions.
type Record struct {
	ID        string   `json:"id"`
	Patient   string   `json:"patient"`
	Custodian string   `json:"custodian"`
	Latest    int      `json:"latest"`
	Status    string   `json:"status"` // active | erased
	Created   int64    `json:"created"`
	Updated   int64    `json:"updated"`
	Erasure   *Erasure `json:"erasure,omitempty"`
}

// Record statuses.
const (
	StatusActive  = "active"
	StatusErased  = "erased"
	StatusRevoked = "revoked"
)

// Version is the anchor of one version of a record.
type Version struct {
	Record     string   `json:"record"`
	Version    int      `json:"version"`
	Types      []string `json:"types"`
	Hash       string   `json:"hash"` // hex SHA-256 of the ciphertext
	Size       int64    `json:"size"`
	Author     string   `json:"author"`
	Supersedes int      `json:"supersedes,omitempty"`
	Height     int64    `json:"height"`
	Time       int64    `json:"time"` // unix seconds, block time
}

// Erasure is a record's tombstone.
type Erasure struct {
	Height int64    `json:"height"`
	Time   int64    `json:"time"`
	By     string   `json:"by"`
	Reason string   `json:"reason"`
	Hashes []string `json:"hashes"` // of every version's ciphertext, now shredded
}

// Grantee is who a grant is for: an organisation, a member, or a role within
// an organisation. Exactly one form is used.
type Grantee struct {
	Org    string      `json:"org,omitempty"`
	Member string      `json:"member,omitempty"`
	Role   ledger.Role `json:"role,omitempty"` // with Org
}

// Grant is a patient's consent.
type Grant struct {
	ID        string   `json:"id"`
	Patient   string   `json:"patient"`
	Grantee   Grantee  `json:"grantee"`
	Purposes  []string `json:"purposes"`
	Types     []string `json:"types,omitempty"`   // empty: all types
	Records   []string `json:"records,omitempty"` // empty: all records
	Start     int64    `json:"start"`             // unix seconds
	Expires   int64    `json:"expires"`           // unix seconds
	Condition string   `json:"condition,omitempty"`
	// ConditionHash is the hex SHA-256 of Condition.
	ConditionHash string `json:"condition_hash,omitempty"`
	GrantedBy     string `json:"granted_by"`
	Height        int64  `json:"height"`
	Status        string `json:"status"` // active | revoked
	RevokedAt     int64  `json:"revoked_at,omitempty"`
	RevokedBy     string `json:"revoked_by,omitempty"`
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

// Receipt records one read, served or refused.
type Receipt struct {
	ID         string `json:"id"` // hash of the reader's signed request
	Reader     string `json:"reader"`
	ReaderOrg  string `json:"reader_org,omitempty"`
	Record     string `json:"record,omitempty"` // empty only in a review entry
	Version    int    `json:"version,omitempty"`
	Patient    string `json:"patient,omitempty"`
	Custodian  string `json:"custodian,omitempty"` // empty only in a review entry
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
	// Kind is empty for a read; EntryBreakGlassReview for the entry a
	// review of a break-glass window writes in the patient's access log
	// (no record, no custodian; Outcome is the review's outcome, Reader
	// the clinician who opened the window, Review who reviewed it).
	Kind   string            `json:"kind,omitempty"`
	Review *BreakGlassReview `json:"review,omitempty"`
}

// Outcomes and bases of a receipt.
const (
	Granted         = "granted"
	Denied          = "denied"
	BasisOwner      = "owner"
	BasisDelegate   = "delegate"
	BasisGrant      = "grant"
	BasisBreakGlass = "break-glass"
)

// State. Keys put what a query walks together next to each other. What the
// consent check reads is read-indexed (ADR 13), so that a check against the
// committed state does a few database lookups, not walks down the tree.
var (
	records   = state.NewMap[Record](Name, "rec/r/").ReadIndexed()
	versions  = state.NewMap[Version](Name, "rec/v/").ReadIndexed() // record/%08d
	byPatient = state.NewIndex(Name, "rec/pr/")                     // patient/record
	hashes    = state.NewMap[Ref](Name, "rec/h/")                   // ciphertext hash
	// Grants live next to each other per patient, so the consent check
	// reads a patient's grants with one iteration; rec/g/ finds one by ID.
	// rec/go/ lists them by the grantee's organisation (the organisation,
	// or a member's), then patient: which patients granted an organisation
	// access (OrgPatients). A revoked grant leaves it; an expired one stays
	// (nothing runs at expiry) and the query passes it over.
	grantPaths  = state.NewMap[string](Name, "rec/g/")                   // grant id -> patient/granteeKey/id
	grantsByPt  = state.NewMap[Grant](Name, "rec/gx/").ReadIndexed()     // patient/granteeKey/id
	grantsByOrg = state.NewIndex(Name, "rec/go/")                        // org/patient/id
	delegations = state.NewMap[Delegation](Name, "rec/d/").ReadIndexed() // patient/delegate
	glass       = state.NewMap[BreakGlass](Name, "rec/bg/").ReadIndexed()
	glassByPt   = state.NewIndex(Name, "rec/bgp/") // patient/id
	glassByOrg  = state.NewIndex(Name, "rec/bgo/") // org/id
	// A reader's windows by opening time, for the limits; the windows of
	// an organisation still to review, oldest first; the limits.
	glassByReader = state.NewIndex(Name, "rec/bgr/")                // reader/%016x opened/id
	glassToReview = state.NewIndex(Name, "rec/bgu/")                // org/%016x opened/id
	glassLimits   = state.NewMap[BreakGlassLimits](Name, "rec/bgl") // "": the one value
	receiptIDs    = state.NewIndex(Name, "rec/x/").ReadIndexed()    // receipt id (a custodian's replay check)
	accessByPt    = state.NewMap[Receipt](Name, "rec/ap/")          // patient/%016x height/id
	accessByOrg   = state.NewMap[Receipt](Name, "rec/ao/")          // custodian/%016x height/id
	endpoints     = state.NewMap[Endpoint](Name, "rec/e/")          // org
)

// Endpoint is where an organisation's node serves the records it keeps.
type Endpoint struct {
	Org    string `json:"org"`
	URL    string `json:"url"`
	SetBy  string `json:"set_by"`
	Height int64  `json:"height"`
}

// Endpoint reads the records endpoint an organisation published.
func (k *Keeper) Endpoint(r state.Reader, org string) (Endpoint, bool) { return endpoints.Get(r, org) }

// Directory is what the module needs to know of identities.
type Directory interface {
	// PatientExists reports whether id is a registered patient.
	PatientExists(r state.Reader, id string) bool
	// Member returns an active member's organisation and roles.
	Member(r state.Reader, id string) (org string, roles []ledger.Role, ok bool)
	// Exists reports whether id names any identity.
	Exists(r state.Reader, id string) bool
	// KeyOwner returns the principal a key belongs to, whether or not the
	// key is still active (a receipt records a read that already happened).
	KeyOwner(r state.Reader, key tx.PubKey) (ledger.Principal, bool)
	// OrgActive reports whether org is a member organisation of the network.
	OrgActive(r state.Reader, org string) bool
}

// Keeper is the records module.
type Keeper struct {
	ledger.NoGenesis
	dir   Directory
	rules *rules.Cache
}

// New returns the module.
func New(dir Directory) *Keeper {
	return &Keeper{dir: dir, rules: rules.NewCache(ConsentProfile, 4096)}
}

// Name implements ledger.Module.
func (k *Keeper) Name() string { return Name }

var (
	recordIDPattern = regexp.MustCompile(`^rec-[0-9a-f]{24}$`)
	hashPattern     = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// ValidRecordID checks a record ID's form: "rec-" and 24 hex digits.
func ValidRecordID(id string) error {
	if !recordIDPattern.MatchString(id) {
		return fmt.Errorf("record ID %q must be \"rec-\" followed by 24 lowercase hex digits", id)
	}
	return nil
}

func versionKey(record string, v int) string { return fmt.Sprintf("%s/%08d", record, v) }

func heightKey(owner string, height int64, id string) string {
	return fmt.Sprintf("%s/%016x/%s", owner, height, id)
}

// sortedUnique checks a list of names against pattern and returns it sorted
// without duplicates.
func sortedUnique(field string, in []string, max int, valid func(string) error) ([]string, error) {
	if len(in) > max {
		return nil, fmt.Errorf("%s: %d entries, at most %d", field, len(in), max)
	}
	out := slices.Clone(in)
	slices.Sort(out)
	out = slices.Compact(out)
	for _, s := range out {
		if err := valid(s); err != nil {
			return nil, fmt.Errorf("%s: %w", field, err)
		}
	}
	return out, nil
}

func validType(s string) error {
	if !IsResourceType(s) {
		return fmt.Errorf("%q is not a FHIR R4 resource type", s)
	}
	return nil
}

func validPurpose(s string) error {
	if !slices.Contains(Purposes, s) {
		return fmt.Errorf("unknown purpose %q (known: %v)", s, Purposes)
	}
	return nil
}

// --- queries (committed state) ---

// Record reads a record's head.
func (k *Keeper) Record(r state.Reader, id string) (Record, bool) { return records.Get(r, id) }

// Version reads one version's anchor.
func (k *Keeper) Version(r state.Reader, id string, v int) (Version, bool) {
	return versions.Get(r, versionKey(id, v))
}

// Versions lists every version of a record, oldest first.
func (k *Keeper) Versions(r state.Reader, id string) []Version {
	var out []Version
	versions.Walk(r, id+"/", func(_ string, v Version) bool { out = append(out, v); return true })
	return out
}

// PatientRecords lists a patient's record IDs in ID order, paged.
func (k *Keeper) PatientRecords(r state.Reader, patient, after string, limit int) (ids []string, next string) {
	byPatient.Walk(r, func(id string) bool {
		if after != "" && id <= after {
			return true
		}
		if len(ids) == limit {
			next = ids[len(ids)-1]
			return false
		}
		ids = append(ids, id)
		return true
	}, patient)
	return ids, next
}

// Grant reads a grant.
func (k *Keeper) Grant(r state.Reader, id string) (Grant, bool) {
	path, ok := grantPaths.Get(r, id)
	if !ok {
		return Grant{}, false
	}
	return grantsByPt.Get(r, path)
}

// RecordKey is the state key of a record's head, for proofs.
func RecordKey(id string) string { return string(records.Key(id)) }

// GrantKey is the state key of grant id's terms, for proofs: found through
// the grant's path, so ok is false for a grant r does not hold.
func GrantKey(r state.Reader, id string) (key string, ok bool) {
	path, ok := grantPaths.Get(r, id)
	if !ok {
		return "", false
	}
	return string(grantsByPt.Key(path)), true
}

// GrantPathKey is the state key of grant id's path (where its terms are
// filed), for proofs.
func GrantPathKey(id string) string { return string(grantPaths.Key(id)) }

// Grants lists a patient's grants (active and revoked), by grantee.
func (k *Keeper) Grants(r state.Reader, patient string, limit int) []Grant {
	var out []Grant
	grantsByPt.Walk(r, patient+"/", func(_ string, g Grant) bool {
		out = append(out, g)
		return len(out) < limit
	})
	return out
}

// GrantingPatient is a patient who granted an organisation, or members of
// it, access: the grants active at the time asked.
type GrantingPatient struct {
	Patient string  `json:"patient"`
	Grants  []Grant `json:"grants"`
}

// grantOrg is the organisation of a grant's grantee: the organisation, or
// the organisation of the member ("org/handle").
func grantOrg(g Grantee) string {
	if g.Member != "" {
		org, _, _ := strings.Cut(g.Member, "/")
		return org
	}
	return g.Org
}

// seesAllOrgGrants reports whether p, a member of an organisation, sees
// every grant it holds in OrgPatients: its admins, privacy officers and
// auditors; a clinician sees those that cover them (names).
func seesAllOrgGrants(p ledger.Principal) bool {
	return p.HasRole(ledger.RoleAdmin) || p.HasRole(ledger.RolePrivacyOfficer) || p.HasRole(ledger.RoleAuditor)
}

// activeAt reports whether a grant is in force at t (unix seconds): not
// revoked, started, not expired.
func activeAt(g Grant, t int64) bool {
	return g.Status == StatusActive && g.Start <= t && t < g.Expires
}

// OrgPatients lists the patients who granted org, a role within it or one
// of its members access, as p may see them (SeesOrgPatients first), by
// patient ID, paged after the patient ID after: each with its grants (by
// grant ID) active at now. A clinician sees the grants that cover them (to
// them, to the organisation, to a role they hold); the organisation's
// admins, privacy officers and auditors see all of its grants. A patient
// with no such grant is left out. next is the after of the next page, or
// "" on the last.
func (k *Keeper) OrgPatients(r state.Reader, p ledger.Principal, org, after string, limit int, now time.Time) (items []GrantingPatient, next string) {
	all := seesAllOrgGrants(p)
	if limit < 1 {
		return nil, ""
	}
	t := now.Unix()
	from := ""
	if after != "" {
		// The entries of the patient after are after, the separator (a
		// zero byte) and a grant ID: "\x01" sorts past all of them.
		from = after + "\x01"
	}
	var cur GrantingPatient
	// keep ends the current patient: kept if a grant of theirs is active.
	// It reports false when the page is full and this patient is the
	// first of the next.
	keep := func() bool {
		if len(cur.Grants) == 0 {
			return true
		}
		if len(items) == limit {
			next = items[len(items)-1].Patient
			return false
		}
		items = append(items, cur)
		return true
	}
	more := true
	grantsByOrg.WalkFrom(r, from, func(rest string) bool {
		patient, id, _ := strings.Cut(rest, string(state.IndexSep))
		if patient != cur.Patient {
			if more = keep(); !more {
				return false
			}
			cur = GrantingPatient{Patient: patient}
		}
		if g, ok := k.Grant(r, id); ok && activeAt(g, t) && (all || names(g.Grantee, p)) {
			cur.Grants = append(cur.Grants, g)
		}
		return true
	}, org)
	if more {
		keep()
	}
	return items, next
}

// Delegations lists who may act for a patient.
func (k *Keeper) Delegations(r state.Reader, patient string) []Delegation {
	var out []Delegation
	delegations.Walk(r, patient+"/", func(_ string, d Delegation) bool { out = append(out, d); return true })
	return out
}

// BreakGlassWindow reads a break-glass window.
func (k *Keeper) BreakGlassWindow(r state.Reader, id string) (BreakGlass, bool) {
	return glass.Get(r, id)
}

// BreakGlassFor lists the break-glass windows opened on a patient's records
// (by "patient") or by an organisation's clinicians (by "org").
func (k *Keeper) BreakGlassFor(r state.Reader, by, id string, limit int) []BreakGlass {
	idx := glassByPt
	if by == "org" {
		idx = glassByOrg
	}
	var out []BreakGlass
	idx.Walk(r, func(bg string) bool {
		if w, ok := glass.Get(r, bg); ok {
			out = append(out, w)
		}
		return len(out) < limit
	}, id)
	return out
}

// LogBy says whose access log AccessLog lists.
type LogBy int

const (
	// ByPatient lists the receipts of reads of a patient's records.
	ByPatient LogBy = iota
	// ByCustodian lists the receipts of reads an organisation's node served
	// or refused.
	ByCustodian
)

// AccessLog lists receipts, oldest first, paged: of a patient's records or
// of reads a custodian served.
func (k *Keeper) AccessLog(r state.Reader, by LogBy, id, after string, limit int) ([]Receipt, string) {
	m := accessByPt
	if by == ByCustodian {
		m = accessByOrg
	}
	if after != "" {
		after = id + "/" + after
	}
	items, next := m.Page(r, id+"/", after, limit)
	if next != "" {
		next = next[len(id)+1:]
	}
	return items, next
}

// ByHash finds the record version whose ciphertext has the hex hash.
func (k *Keeper) ByHash(r state.Reader, hash string) (Ref, bool) { return hashes.Get(r, hash) }

// HasReceipt reports whether the receipt of a read request is on the ledger.
func (k *Keeper) HasReceipt(r state.Reader, id string) bool { return receiptIDs.Has(r, id) }
