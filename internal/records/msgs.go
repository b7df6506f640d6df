package records

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/tx"
)

// Message types. ReadRequest and Upload are not transactions: they are
// signed with the same envelope and sent to a custodian's node, which embeds
// read requests in its receipts.
const (
	TypeAdd        = "records/add"
	TypeGrant      = "records/grant"
	TypeRevoke     = "records/revoke"
	TypeDelegate   = "records/delegate"
	TypeBreakGlass = "records/break-glass"
	// TypeReviewBreakGlass is a privacy officer's review of a closed window.
	TypeReviewBreakGlass = "records/review-break-glass"
	TypeReceipts         = "records/receipts"
	TypeErase            = "records/erase"
	TypeEndpoint         = "records/set-endpoint"
	TypeReadRequest      = "records/read-request"
	TypeUpload           = "records/upload"
)

// Anchor is one version of a record as the ledger keeps it.
type Anchor struct {
	Record  string   `json:"record"`
	Patient string   `json:"patient"`
	Types   []string `json:"types"`
	Hash    string   `json:"hash"`
	Size    int64    `json:"size"`
	// Supersedes is the version this one corrects (the record's latest);
	// zero for a new record.
	Supersedes int `json:"supersedes,omitempty"`
}

func (a *Anchor) validate() error {
	if err := ValidRecordID(a.Record); err != nil {
		return err
	}
	if a.Patient == "" {
		return errors.New("patient is required")
	}
	if !hashPattern.MatchString(a.Hash) {
		return fmt.Errorf("hash %q must be 64 lowercase hex digits (SHA-256 of the ciphertext)", a.Hash)
	}
	if a.Size <= 0 {
		return errors.New("size must be positive")
	}
	if a.Supersedes < 0 {
		return errors.New("supersedes must not be negative")
	}
	if len(a.Types) == 0 {
		return errors.New("types: at least one FHIR resource type is required")
	}
	t, err := sortedUnique("types", a.Types, MaxTypes, validType)
	a.Types = t
	return err
}

// Add anchors new records or new versions. Signed by a member of the
// custodian organisation with an author role; the custodian is the signer's
// organisation.
type Add struct {
	Anchors []Anchor `json:"anchors"`
}

func (m *Add) Validate() error {
	if len(m.Anchors) == 0 || len(m.Anchors) > MaxAnchorsPerTx {
		return fmt.Errorf("anchors: 1 to %d anchors per transaction", MaxAnchorsPerTx)
	}
	for i := range m.Anchors {
		if err := m.Anchors[i].validate(); err != nil {
			return fmt.Errorf("anchors[%d]: %w", i, err)
		}
	}
	return nil
}

// AddResult lists the versions written.
type AddResult struct {
	Versions []Ref `json:"versions"`
}

// Ref names one version of a record.
type Ref struct {
	Record  string `json:"record"`
	Version int    `json:"version"`
}

// GrantMsg is a patient's consent. Signed by the patient or a delegate.
type GrantMsg struct {
	// Patient defaults to the signer.
	Patient  string   `json:"patient,omitempty"`
	Grantee  Grantee  `json:"grantee"`
	Purposes []string `json:"purposes"`
	Types    []string `json:"types,omitempty"`
	Records  []string `json:"records,omitempty"`
	// Start defaults to the block time.
	Start     *time.Time `json:"start,omitempty"`
	Expires   time.Time  `json:"expires"`
	Condition string     `json:"condition,omitempty"`
}

func (m *GrantMsg) Validate() error {
	g := m.Grantee
	switch {
	case g.Member != "" && (g.Org != "" || g.Role != ""):
		return errors.New("grantee: give either member, or org (with an optional role)")
	case g.Member == "" && g.Org == "":
		return errors.New("grantee: member or org is required")
	case g.Member != "" && !strings.Contains(g.Member, "/"):
		return fmt.Errorf("grantee.member %q must be an org/handle member ID", g.Member)
	}
	if len(m.Purposes) == 0 {
		return errors.New("purposes: at least one purpose is required")
	}
	var err error
	if m.Purposes, err = sortedUnique("purposes", m.Purposes, len(Purposes), validPurpose); err != nil {
		return err
	}
	if m.Types, err = sortedUnique("types", m.Types, MaxTypes, validType); err != nil {
		return err
	}
	if m.Records, err = sortedUnique("records", m.Records, MaxScope, ValidRecordID); err != nil {
		return err
	}
	if m.Expires.IsZero() {
		return errors.New("expires is required")
	}
	if m.Start != nil && !m.Start.Before(m.Expires) {
		return errors.New("start must be before expires")
	}
	if len(m.Condition) > MaxConditionSize {
		return fmt.Errorf("condition: %d bytes, at most %d", len(m.Condition), MaxConditionSize)
	}
	return nil
}

// Revoke ends a grant from the next block on. Signed by the patient or a
// delegate.
type Revoke struct {
	Grant string `json:"grant"`
}

func (m *Revoke) Validate() error {
	if m.Grant == "" {
		return errors.New("grant is required")
	}
	return nil
}

// Delegate names (or, with no Expires, removes) an identity that may act
// for the signing patient.
type Delegate struct {
	Delegate string     `json:"delegate"`
	Expires  *time.Time `json:"expires,omitempty"`
}

func (m *Delegate) Validate() error {
	if m.Delegate == "" {
		return errors.New("delegate is required")
	}
	return nil
}

// OpenBreakGlass opens an emergency access window on a patient's records.
// Signed by a member with a clinical role.
type OpenBreakGlass struct {
	Patient string `json:"patient"`
	Reason  string `json:"reason"`
	Minutes int    `json:"minutes,omitempty"`
}

func (m *OpenBreakGlass) Validate() error {
	if m.Patient == "" {
		return errors.New("patient is required")
	}
	if !slices.Contains(BreakGlassReasons, m.Reason) {
		return fmt.Errorf("reason %q is not a break-glass reason code (known: %v)", m.Reason, BreakGlassReasons)
	}
	// Zero is the default: 60 minutes, or the limit if governance set a
	// shorter one (the handler decides, as it reads the limits).
	if m.Minutes < 0 || m.Minutes > MaxBreakGlassMinutes {
		return fmt.Errorf("minutes must be 1 to %d", MaxBreakGlassMinutes)
	}
	return nil
}

// ReadRequest is what a reader signs and sends to the custodian's node. It
// is never a transaction on its own: the custodian embeds it in a receipt,
// so the ledger holds the reader's own signature over what was asked.
type ReadRequest struct {
	Record string `json:"record"`
	// Version 0 means the latest.
	Version int    `json:"version,omitempty"`
	Purpose string `json:"purpose"`
	// BreakGlass names an open break-glass window of the reader.
	BreakGlass string `json:"break_glass,omitempty"`
}

func (m *ReadRequest) Validate() error {
	if err := ValidRecordID(m.Record); err != nil {
		return err
	}
	if m.Version < 0 {
		return errors.New("version must not be negative")
	}
	// The request is kept in its receipt as signed: every field is an ID or
	// a code, never free text.
	if m.BreakGlass != "" && !windowIDPattern.MatchString(m.BreakGlass) {
		return fmt.Errorf("break_glass %q is not a break-glass window ID (bg- and 24 hex digits)", m.BreakGlass)
	}
	return validPurpose(m.Purpose)
}

var windowIDPattern = regexp.MustCompile(`^bg-[0-9a-f]{24}$`)

// Upload is what an author signs to hand a FHIR resource to a custodian's
// node for encryption. It never reaches the ledger.
type Upload struct {
	Patient string `json:"patient"`
	// Record, when set, asks for a new version of that record.
	Record string `json:"record,omitempty"`
	// Document is the FHIR R4 resource or Bundle, JSON, as bytes (base64
	// in the message) so that what is stored is exactly what was sent.
	Document []byte `json:"document"`
	// Split asks for one record per entry of a Bundle.
	Split bool `json:"split,omitempty"`
}

func (m *Upload) Validate() error {
	if m.Split && m.Record != "" {
		return errors.New("a correction replaces one record; split applies to new records only")
	}
	return nil
}

// ReceiptEntry is one read as the custodian reports it.
type ReceiptEntry struct {
	// Request is the reader's signed read request, exactly as received.
	Request   []byte `json:"request"`
	Outcome   string `json:"outcome"`
	Version   int    `json:"version,omitempty"`
	Basis     string `json:"basis,omitempty"`
	Grant     string `json:"grant,omitempty"`
	Denial    string `json:"denial,omitempty"`
	CheckedAt int64  `json:"checked_at"`
}

// PostReceipts writes access receipts. Signed by the custodian node's
// system identity (role custodian).
type PostReceipts struct {
	Receipts []ReceiptEntry `json:"receipts"`
}

func (m *PostReceipts) Validate() error {
	if len(m.Receipts) == 0 || len(m.Receipts) > MaxReceiptsPerTx {
		return fmt.Errorf("receipts: 1 to %d per transaction", MaxReceiptsPerTx)
	}
	for i, r := range m.Receipts {
		switch {
		case r.Outcome != Granted && r.Outcome != Denied:
			return fmt.Errorf("receipts[%d]: outcome must be %q or %q", i, Granted, Denied)
		case r.Outcome == Granted && !slices.Contains(Bases, r.Basis):
			return fmt.Errorf("receipts[%d]: a granted read needs its basis, one of %v (not %q)", i, Bases, r.Basis)
		case r.Outcome == Granted && (r.Basis == BasisGrant) != (r.Grant != ""):
			return fmt.Errorf("receipts[%d]: a read on basis %q names a grant exactly when the basis is %q", i, r.Basis, BasisGrant)
		case r.Outcome == Denied && !denialPattern.MatchString(r.Denial):
			return fmt.Errorf("receipts[%d]: a denied read needs its denial code (like records.no_grant), not %q", i, r.Denial)
		case r.Outcome == Denied && (r.Basis != "" || r.Grant != "" || r.Version != 0):
			return fmt.Errorf("receipts[%d]: a denied read has no basis, grant or version", i)
		case r.CheckedAt < 1:
			return fmt.Errorf("receipts[%d]: checked_at %d is not a block height", i, r.CheckedAt)
		case len(r.Request) == 0:
			return fmt.Errorf("receipts[%d]: request is required", i)
		}
	}
	return nil
}

// Bases are the grounds on which a read is served.
var Bases = []string{BasisOwner, BasisDelegate, BasisGrant, BasisBreakGlass}

var denialPattern = regexp.MustCompile(`^[a-z]+\.[a-z_]{1,48}$`)

// Erase asks for a record's erasure: the custodian shreds every version, the
// ledger keeps a tombstone. Signed by the patient, a delegate, or the
// custodian's privacy officer.
type Erase struct {
	Record string `json:"record"`
	Reason string `json:"reason"`
}

func (m *Erase) Validate() error {
	if err := ValidRecordID(m.Record); err != nil {
		return err
	}
	if !slices.Contains(EraseReasons, m.Reason) {
		return fmt.Errorf("reason %q is not an erasure reason code (known: %v)", m.Reason, EraseReasons)
	}
	return nil
}

// SetEndpoint publishes where the signer's organisation serves the records
// it keeps: the base URL of its custodian node's API, to which readers of
// other organisations send their read requests. An empty URL withdraws it.
// Signed by the organisation's custodian identity (its node announces
// itself) or an admin.
type SetEndpoint struct {
	URL string `json:"url"`
}

// MaxEndpointLen bounds an endpoint URL.
const MaxEndpointLen = 256

func (m *SetEndpoint) Validate() error {
	if m.URL == "" {
		return nil
	}
	if len(m.URL) > MaxEndpointLen {
		return fmt.Errorf("url is %d bytes long; at most %d", len(m.URL), MaxEndpointLen)
	}
	u, err := url.Parse(m.URL)
	switch {
	case err != nil:
		return fmt.Errorf("url: %v", err)
	case u.Scheme != "https" && u.Scheme != "http":
		return fmt.Errorf("url %q: the scheme must be https or http", m.URL)
	case u.Host == "" || u.Opaque != "":
		return fmt.Errorf("url %q names no host", m.URL)
	case u.User != nil:
		return fmt.Errorf("url %q must not carry user information", m.URL)
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery || strings.HasSuffix(m.URL, "#"):
		return fmt.Errorf("url %q must have no query or fragment: it is the base of the node's /v1 routes", m.URL)
	}
	return nil
}

func (k *Keeper) setEndpoint(ctx *ledger.Context, m SetEndpoint) (any, error) {
	s := ctx.Signer
	if s.Kind != ledger.Member || !(s.HasAnyRole(ledger.RoleCustodian, ledger.RoleAdmin)) {
		return nil, fmt.Errorf("%w: an organisation's custodian identity or an admin publishes its records endpoint", ErrUnauthorized)
	}
	if m.URL == "" {
		endpoints.Delete(ctx.Store, s.Org)
	} else {
		endpoints.Set(ctx.Store, s.Org, Endpoint{Org: s.Org, URL: strings.TrimRight(m.URL, "/"), SetBy: s.ID, Height: ctx.Height})
	}
	ctx.Emit(EventEndpointSet.New(s.Org))
	return nil, nil
}

// Routes implements ledger.Module.
func (k *Keeper) Routes() []ledger.Route {
	return []ledger.Route{
		{Type: TypeAdd, Handler: ledger.Handle(k.add)},
		{Type: TypeGrant, Handler: ledger.Handle(k.grant)},
		{Type: TypeRevoke, Handler: ledger.Handle(k.revoke)},
		{Type: TypeDelegate, Handler: ledger.Handle(k.delegate)},
		{Type: TypeBreakGlass, Handler: ledger.Handle(k.breakGlass)},
		{Type: TypeReviewBreakGlass, Handler: ledger.Handle(k.reviewBreakGlass)},
		{Type: TypeReceipts, Handler: ledger.Handle(k.receipts)},
		{Type: TypeEndpoint, Handler: ledger.Handle(k.setEndpoint)},
		{Type: TypeErase, Handler: ledger.Handle(k.erase)},
	}
}

// CheckAuthor is the rule of who writes records: a member with one of the
// AuthorRoles. The records go to the member's organisation as custodian.
func CheckAuthor(p ledger.Principal) error {
	if p.Kind != ledger.Member || !p.HasAnyRole(AuthorRoles...) {
		return fmt.Errorf("%w: %s may not add records (needs one of the roles %v)", ErrUnauthorized, p.ID, AuthorRoles)
	}
	return nil
}

// CheckAnchor checks one anchor that author would add with records/add,
// against the records in r: its form (record ID, patient, FHIR resource
// types, which it sorts and deduplicates in place, the ciphertext's hash and
// size), that author may add records (CheckAuthor), that the ciphertext is
// not anchored yet, and that the anchor fits its record: the patient of a
// new record is registered; the record of a new version exists, is not
// erased, is held by author's organisation, is the same patient's, and is
// at the version the anchor supersedes.
//
// The records/add handler checks every anchor with it, and a custodian's
// node the anchor of every upload before storing the upload, so that both
// refuse a bad anchor with the same code. It returns the record's head as
// it stands, or for a new record the head it starts with (Latest 0).
func (k *Keeper) CheckAnchor(r state.Reader, author ledger.Principal, a *Anchor) (Record, error) {
	if err := a.validate(); err != nil {
		return Record{}, fmt.Errorf("%w: %w", ledger.ErrInvalidMsg, err)
	}
	if err := CheckAuthor(author); err != nil {
		return Record{}, err
	}
	return k.fits(r, author, a)
}

// fits is CheckAnchor's check of an anchor against the ledger, for an
// anchor whose form was checked and an author who may add records.
func (k *Keeper) fits(r state.Reader, author ledger.Principal, a *Anchor) (Record, error) {
	if hashes.Has(r, a.Hash) {
		return Record{}, fmt.Errorf("%w: ciphertext %s is already anchored", ErrExists, a.Hash)
	}
	rec, exists := records.Get(r, a.Record)
	switch {
	case a.Supersedes == 0 && exists:
		return Record{}, fmt.Errorf("%w: record %s exists; a correction names the version it supersedes", ErrExists, a.Record)
	case a.Supersedes > 0 && !exists:
		return Record{}, fmt.Errorf("%w: %s", ErrUnknownRecord, a.Record)
	case a.Supersedes == 0:
		if !k.dir.PatientExists(r, a.Patient) {
			return Record{}, fmt.Errorf("%w: patient %q is not registered", ErrNotFound, a.Patient)
		}
		return Record{ID: a.Record, Patient: a.Patient, Custodian: author.Org, Status: StatusActive}, nil
	case rec.Status == StatusErased:
		return Record{}, fmt.Errorf("%w: record %s was erased at height %d", ErrErased, a.Record, rec.Erasure.Height)
	case rec.Custodian != author.Org:
		return Record{}, fmt.Errorf("%w: record %s is held by %s; only its custodian adds versions", ErrUnauthorized, a.Record, rec.Custodian)
	case rec.Patient != a.Patient:
		return Record{}, fmt.Errorf("%w: record %s belongs to another patient", ErrInvalidAnchor, a.Record)
	case a.Supersedes != rec.Latest:
		return Record{}, fmt.Errorf("%w: record %s is at version %d, not %d", ErrStale, a.Record, rec.Latest, a.Supersedes)
	}
	return rec, nil
}

func (k *Keeper) add(ctx *ledger.Context, m Add) (any, error) {
	if err := CheckAuthor(ctx.Signer); err != nil {
		return nil, err
	}
	var res AddResult
	for i := range m.Anchors {
		// The message's decoding checked each anchor's form.
		a := &m.Anchors[i]
		rec, err := k.fits(ctx.Store, ctx.Signer, a)
		if err != nil {
			return nil, fmt.Errorf("anchors[%d]: %w", i, err)
		}
		if rec.Latest == 0 {
			rec.Created = ctx.Height
			byPatient.Add(ctx.Store, a.Patient, a.Record)
		}
		rec.Latest++
		rec.Updated = ctx.Height
		records.Set(ctx.Store, rec.ID, rec)
		versions.Set(ctx.Store, versionKey(rec.ID, rec.Latest), Version{
			Record: rec.ID, Version: rec.Latest, Types: a.Types, Hash: a.Hash, Size: a.Size,
			Author: ctx.Signer.ID, Supersedes: a.Supersedes, Height: ctx.Height, Time: ctx.Time.Unix(),
		})
		hashes.Set(ctx.Store, a.Hash, Ref{rec.ID, rec.Latest})
		res.Versions = append(res.Versions, Ref{rec.ID, rec.Latest})
		ctx.Emit(EventAdded.New(rec.ID, strconv.Itoa(rec.Latest), rec.Patient, rec.Custodian, a.Hash))
	}
	return res, nil
}

// ErrInvalidAnchor is an anchor that contradicts the record it extends.
var ErrInvalidAnchor = fmt.Errorf("%w: anchor does not match its record", ledger.ErrInvalidMsg)

// actsFor checks that the signer is the patient or an active delegate of
// the patient, and returns the patient's ID.
func (k *Keeper) actsFor(ctx *ledger.Context, patient string) (string, error) {
	s := ctx.Signer
	if patient == "" {
		if s.Kind != ledger.Patient {
			return "", fmt.Errorf("%w: %s is not a patient; name the patient you act for", ErrUnauthorized, s.ID)
		}
		return s.ID, nil
	}
	if patient == s.ID {
		return patient, nil
	}
	if !k.dir.PatientExists(ctx.Store, patient) {
		return "", fmt.Errorf("%w: patient %q is not registered", ErrNotFound, patient)
	}
	if delegateActive(ctx.Store, patient, s.ID, ctx.Time.Unix()) {
		return patient, nil
	}
	return "", fmt.Errorf("%w: %s is neither patient %s nor an active delegate of theirs", ErrUnauthorized, s.ID, patient)
}

// granteeKeys are the index keys a grantee is found under.
func granteeKey(g Grantee) string {
	switch {
	case g.Member != "":
		return "m/" + g.Member
	case g.Role != "":
		return "r/" + g.Org + "/" + string(g.Role)
	default:
		return "o/" + g.Org
	}
}

func (k *Keeper) grant(ctx *ledger.Context, m GrantMsg) (any, error) {
	patient, err := k.actsFor(ctx, m.Patient)
	if err != nil {
		return nil, err
	}
	g := m.Grantee
	switch {
	case g.Member != "":
		if _, _, ok := k.dir.Member(ctx.Store, g.Member); !ok {
			return nil, fmt.Errorf("%w: grantee member %q is not an active member", ErrNotFound, g.Member)
		}
	case !k.dir.OrgActive(ctx.Store, g.Org):
		// A misspelt organisation would make a grant nobody ever holds.
		return nil, fmt.Errorf("%w: grantee organisation %q is not an active organisation of the network", ErrNotFound, g.Org)
	case g.Role != "" && !ledger.KnownRole(g.Role):
		return nil, fmt.Errorf("%w: grantee role %q is not a member role", ledger.ErrInvalidMsg, g.Role)
	}
	start := ctx.Time.Unix()
	if m.Start != nil {
		start = m.Start.Unix()
	}
	if m.Expires.Unix() <= ctx.Time.Unix() {
		return nil, fmt.Errorf("%w: expires %s is not after the block time %s", ledger.ErrInvalidMsg, m.Expires.UTC().Format(time.RFC3339), ctx.Time.UTC().Format(time.RFC3339))
	}
	var condHash string
	if m.Condition != "" {
		// Through the keeper's cache: the same answer as compiling (errors
		// are not cached), once per condition rather than in CheckTx and
		// again in the block, and ready for the reads that evaluate it.
		r, err := k.rules.Compile(m.Condition)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadCondition, err)
		}
		h := r.Hash()
		condHash = hex.EncodeToString(h[:])
	}
	id := ledger.IDFrom("gr-", ctx.TxHash)
	if grantPaths.Has(ctx.Store, id) {
		return nil, fmt.Errorf("%w: grant %s", ErrExists, id)
	}
	gr := Grant{
		ID: id, Patient: patient, Grantee: g, Purposes: m.Purposes, Types: m.Types, Records: m.Records,
		Start: start, Expires: m.Expires.Unix(), Condition: m.Condition, ConditionHash: condHash,
		GrantedBy: ctx.Signer.ID, Height: ctx.Height, Status: StatusActive,
	}
	path := patient + "/" + granteeKey(g) + "/" + id
	grantPaths.Set(ctx.Store, id, path)
	grantsByPt.Set(ctx.Store, path, gr)
	grantsByOrg.Add(ctx.Store, grantOrg(g), patient, id)
	ctx.Emit(EventGranted.New(id, patient))
	return ledger.Created{ID: id}, nil
}

func (k *Keeper) revoke(ctx *ledger.Context, m Revoke) (any, error) {
	g, ok := k.Grant(ctx.Store, m.Grant)
	if !ok {
		return nil, fmt.Errorf("%w: grant %q", ErrNotFound, m.Grant)
	}
	path := g.Patient + "/" + granteeKey(g.Grantee) + "/" + g.ID
	if _, err := k.actsFor(ctx, g.Patient); err != nil {
		return nil, err
	}
	if g.Status == StatusRevoked {
		return nil, fmt.Errorf("%w: grant %s was revoked at height %d", ErrGrantRevoked, g.ID, g.RevokedAt)
	}
	g.Status, g.RevokedAt, g.RevokedBy = StatusRevoked, ctx.Height, ctx.Signer.ID
	grantsByPt.Set(ctx.Store, path, g)
	grantsByOrg.Remove(ctx.Store, grantOrg(g.Grantee), g.Patient, g.ID)
	ctx.Emit(EventRevoked.New(g.ID, g.Patient))
	return nil, nil
}

func (k *Keeper) delegate(ctx *ledger.Context, m Delegate) (any, error) {
	if ctx.Signer.Kind != ledger.Patient {
		return nil, fmt.Errorf("%w: only a patient names delegates", ErrUnauthorized)
	}
	patient := ctx.Signer.ID
	if m.Delegate == patient {
		return nil, fmt.Errorf("%w: a patient cannot delegate to themselves", ledger.ErrInvalidMsg)
	}
	key := patient + "/" + m.Delegate
	if m.Expires == nil {
		if !delegations.Has(ctx.Store, key) {
			return nil, fmt.Errorf("%w: %s is not a delegate of %s", ErrNotFound, m.Delegate, patient)
		}
		delegations.Delete(ctx.Store, key)
		ctx.Emit(EventDelegationRemoved.New(patient, m.Delegate))
		return nil, nil
	}
	if !k.dir.Exists(ctx.Store, m.Delegate) {
		return nil, fmt.Errorf("%w: delegate %q is not a registered identity", ErrNotFound, m.Delegate)
	}
	if m.Expires.Unix() <= ctx.Time.Unix() {
		return nil, fmt.Errorf("%w: expires is not after the block time", ledger.ErrInvalidMsg)
	}
	delegations.Set(ctx.Store, key, Delegation{Patient: patient, Delegate: m.Delegate, Expires: m.Expires.Unix(), Height: ctx.Height})
	ctx.Emit(EventDelegated.New(patient, m.Delegate))
	return nil, nil
}

// DecodeRequest decodes a signed request of type typ that travels to a
// custodian's node instead of the ledger (a read request, an upload), from
// at most limit bytes: the envelope, the signature, the type, and the
// message, strictly decoded and validated. Every failure wraps ErrBadRequest.
// It reads neither state nor the chain's height: the node's admission adds
// the chain, the validity window, the signer and replays; a receipt, the
// checks of the receipts it embeds.
func DecodeRequest[M any](raw []byte, typ string, limit int) (*tx.Tx, M, error) {
	var zero M
	t, err := tx.DecodeLimit(raw, limit)
	if err == nil {
		err = t.Verify()
	}
	if err != nil {
		return nil, zero, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	if t.Body.Type != typ {
		return nil, zero, fmt.Errorf("%w: type is %q, not %q", ErrBadRequest, t.Body.Type, typ)
	}
	m, err := ledger.Decode[M](t.Body.Msg)
	if err != nil {
		return nil, zero, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	return t, m, nil
}

// DecodeReadRequest decodes a read request as a receipt embeds it
// (DecodeRequest) and checks that it was signed for chainID. It does not
// look at state.
func DecodeReadRequest(raw []byte, chainID string) (*tx.Tx, ReadRequest, error) {
	t, req, err := DecodeRequest[ReadRequest](raw, TypeReadRequest, tx.MaxSize)
	if err != nil {
		// Whatever is wrong with an embedded request is the receipt's
		// fault: records.invalid_request, never the code of the envelope
		// (chain.malformed_tx) that DecodeRequest's error also carries.
		return nil, ReadRequest{}, fmt.Errorf("%w: %s", ErrBadRequest, strings.TrimPrefix(err.Error(), ErrBadRequest.Error()+": "))
	}
	if t.Body.ChainID != chainID {
		return nil, ReadRequest{}, fmt.Errorf("%w: request is for chain %q, this is %q", ErrBadRequest, t.Body.ChainID, chainID)
	}
	return t, req, nil
}

func (k *Keeper) receipts(ctx *ledger.Context, m PostReceipts) (any, error) {
	s := ctx.Signer
	if s.Kind != ledger.Member || !s.HasRole(ledger.RoleCustodian) {
		return nil, fmt.Errorf("%w: only a custodian node's identity (role custodian) writes receipts", ErrUnauthorized)
	}
	var written []string
	for i, e := range m.Receipts {
		t, req, err := DecodeReadRequest(e.Request, ctx.ChainID)
		if err != nil {
			return nil, fmt.Errorf("receipts[%d]: %w", i, err)
		}
		id := strings.ToLower(t.Hash.String())
		if receiptIDs.Has(ctx.Store, id) {
			continue // the custodian retried; the receipt is already kept
		}
		if e.CheckedAt >= ctx.Height {
			return nil, fmt.Errorf("%w: receipts[%d]: checked_at %d is not a committed height (current %d)", ledger.ErrInvalidMsg, i, e.CheckedAt, ctx.Height)
		}
		reader, ok := k.dir.KeyOwner(ctx.Store, t.Body.Signer)
		if !ok {
			return nil, fmt.Errorf("%w: receipts[%d]: no identity holds the request's key %s", ErrBadRequest, i, t.Body.Signer)
		}
		rc := Receipt{ID: id, Reader: reader.ID, ReaderOrg: reader.Org, Record: req.Record, Custodian: s.Org,
			Purpose: req.Purpose, Outcome: e.Outcome, Basis: e.Basis, Grant: e.Grant, Denial: e.Denial,
			CheckedAt: e.CheckedAt, Height: ctx.Height, Time: ctx.Time.Unix()}
		if rec, ok := records.Get(ctx.Store, req.Record); ok {
			if rec.Custodian != s.Org {
				return nil, fmt.Errorf("%w: receipts[%d]: record %s is held by %s, not %s", ErrUnauthorized, i, req.Record, rec.Custodian, s.Org)
			}
			rc.Patient = rec.Patient
		} else if e.Outcome == Granted {
			return nil, fmt.Errorf("%w: receipts[%d]: a read of unknown record %s cannot have been served", ErrUnknownRecord, i, req.Record)
		}
		if e.Outcome == Denied && !refusalReceipted(ctx.Store, reader, rc.Patient) {
			// A key anyone can register must not make a custodian write
			// (ADR 20): the vault does not receipt such refusals, and the
			// chain does not take them from a custodian that does.
			return nil, fmt.Errorf("%w: receipts[%d]: %s is neither a member nor the patient or a delegate of the record's patient: its refused reads are not receipted", ErrBadRequest, i, reader.ID)
		}
		if e.Outcome == Granted {
			if e.Version < 1 {
				return nil, fmt.Errorf("%w: receipts[%d]: a served read names its version", ledger.ErrInvalidMsg, i)
			}
			rc.Version = e.Version
			// The custodian's decision is recorded, not re-run (state may
			// have changed since checked_at), but it must name grounds
			// that exist: the audit trail cannot claim a grant that never
			// was, or a delegation the patient never made.
			switch e.Basis {
			case BasisOwner:
				if reader.ID != rc.Patient {
					return nil, fmt.Errorf("%w: receipts[%d]: %s is not the patient %s", ErrBadRequest, i, reader.ID, rc.Patient)
				}
			case BasisDelegate:
				if !delegations.Has(ctx.Store, rc.Patient+"/"+reader.ID) {
					return nil, fmt.Errorf("%w: receipts[%d]: %s was never a delegate of %s", ErrBadRequest, i, reader.ID, rc.Patient)
				}
			case BasisGrant:
				if g, ok := k.Grant(ctx.Store, e.Grant); !ok || g.Patient != rc.Patient {
					return nil, fmt.Errorf("%w: receipts[%d]: grant %s is not a grant of %s", ErrBadRequest, i, e.Grant, rc.Patient)
				}
			}
			if e.Basis == BasisBreakGlass {
				w, ok := glass.Get(ctx.Store, req.BreakGlass)
				if !ok || w.Reader != reader.ID || w.Patient != rc.Patient {
					return nil, fmt.Errorf("%w: receipts[%d]: break-glass window %q does not cover this read", ErrBreakGlass, i, req.BreakGlass)
				}
				rc.BreakGlass, rc.Reason = w.ID, w.Reason
			}
		}
		receiptIDs.Add(ctx.Store, id)
		hk := func(owner string) string { return heightKey(owner, ctx.Height, id) }
		if rc.Patient != "" {
			accessByPt.Set(ctx.Store, hk(rc.Patient), rc)
		}
		accessByOrg.Set(ctx.Store, hk(rc.Custodian), rc)
		written = append(written, id)
		ctx.Emit(EventRead.New(id, rc.Record, rc.Patient, rc.Reader, rc.Outcome, rc.BreakGlass))
	}
	return map[string][]string{"receipts": written}, nil
}

// refusalReceipted reports whether a refused read by reader of a record of
// patient ("" if unknown) may be receipted: the reader is a member, the
// patient, or a delegate the patient named. The custodian decided at
// checked_at, and a delegation may have ended since, so the chain asks only
// that it was made and not removed, as it does of a served read's grounds.
func refusalReceipted(r state.Reader, reader ledger.Principal, patient string) bool {
	switch {
	case reader.Kind == ledger.Member:
		return true
	case patient == "":
		return false
	}
	return reader.ID == patient || delegations.Has(r, patient+"/"+reader.ID)
}

func (k *Keeper) erase(ctx *ledger.Context, m Erase) (any, error) {
	rec, ok := records.Get(ctx.Store, m.Record)
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrUnknownRecord, m.Record)
	}
	s := ctx.Signer
	custodianOfficer := s.Kind == ledger.Member && s.Org == rec.Custodian && s.HasRole(ledger.RolePrivacyOfficer)
	if !custodianOfficer {
		if _, err := k.actsFor(ctx, rec.Patient); err != nil {
			return nil, fmt.Errorf("%w: only the patient, a delegate, or the custodian's privacy officer erases a record", ErrUnauthorized)
		}
	}
	if rec.Status == StatusErased {
		return nil, fmt.Errorf("%w: record %s was erased at height %d", ErrErased, rec.ID, rec.Erasure.Height)
	}
	var hs []string
	for _, v := range k.Versions(ctx.Store, rec.ID) {
		hs = append(hs, v.Hash)
	}
	rec.Status, rec.Updated = StatusErased, ctx.Height
	rec.Erasure = &Erasure{Height: ctx.Height, Time: ctx.Time.Unix(), By: s.ID, Reason: m.Reason, Hashes: hs}
	records.Set(ctx.Store, rec.ID, rec)
	ctx.Emit(EventErased.New(rec.ID, rec.Custodian, rec.Patient, strings.Join(hs, ",")))
	return nil, nil
}

// HashHex is the hex SHA-256 of b, as anchors carry it.
func HashHex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// RecordIDFor derives the ID of a new record from its first ciphertext.
func RecordIDFor(ciphertextHash string) string {
	h := sha256.Sum256([]byte("medchain/record/" + ciphertextHash))
	return "rec-" + hex.EncodeToString(h[:12])
}
