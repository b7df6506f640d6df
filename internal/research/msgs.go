package research

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
)

// Message types.
const (
	TypeRegisterStudy = "research/register-study"
	TypeApproveStudy  = "research/approve-study"
	TypeEnrol         = "research/enrol"
	TypeWithdraw      = "research/withdraw"
	TypeRelease       = "research/release"
	TypeAccess        = "research/access"
	TypeRequest       = "research/request"
	TypeCancelRequest = "research/cancel-request"
)

// Who does what.
var (
	// StudyOrgs are the organisation kinds that run studies.
	StudyOrgs = []ledger.OrgKind{ledger.OrgUniversity, ledger.OrgHospital}
	// CustodianOrgs are the kinds of organisation whose records a patient
	// may let a study have.
	CustodianOrgs = []ledger.OrgKind{ledger.OrgHospital, ledger.OrgClinic, ledger.OrgLab}
	// ReleaseRoles release a custodian's records: its node's custodian
	// identity or its privacy officer.
	ReleaseRoles = []ledger.Role{ledger.RoleCustodian, ledger.RolePrivacyOfficer}
	// RequestRoles make data requests for an organisation.
	RequestRoles = []ledger.Role{ledger.RoleResearcher, ledger.RoleAdmin}
)

// RegisterStudy registers a study of the signer's organisation.
//
//	{"protocol": "<sha256>", "purpose": "DUO:0000006", "terms": ["DUO:0000006", "DUO:0000046"],
//	 "resource_types": ["Observation", "Condition"], "ends": "2027-12-31"}
type RegisterStudy struct {
	Protocol string   `json:"protocol"`
	Purpose  string   `json:"purpose"`
	Terms    []string `json:"terms"`
	Types    []string `json:"resource_types"`
	Ends     string   `json:"ends"`
}

func (m *RegisterStudy) Validate() error {
	if !hashPattern.MatchString(m.Protocol) {
		return errors.New("protocol: the SHA-256 of the protocol, 64 lower-case hex digits (the text stays off chain)")
	}
	if !slices.Contains(Purposes, m.Purpose) {
		return fmt.Errorf("purpose: one of the DUO permissions %v", Purposes)
	}
	if err := validTerms("terms", m.Terms); err != nil {
		return err
	}
	if len(m.Types) == 0 || len(m.Types) > MaxTypes {
		return fmt.Errorf("resource_types: 1 to %d FHIR resource types", MaxTypes)
	}
	for i, t := range m.Types {
		if !slices.Contains(ResourceTypes, t) || slices.Contains(m.Types[:i], t) {
			return fmt.Errorf("resource_types[%d]: %q is not one of %v, or is given twice", i, t, ResourceTypes)
		}
	}
	return ledger.ValidDate("ends", m.Ends)
}

// ApproveStudy is an ethics board member's approval of a study. Opinion
// is the SHA-256 of the board's written opinion, which stays off chain.
type ApproveStudy struct {
	Study   string `json:"study"`
	Opinion string `json:"opinion,omitempty"`
}

func (m *ApproveStudy) Validate() error {
	if err := validID("study", "st-", m.Study); err != nil {
		return err
	}
	if m.Opinion != "" && !hashPattern.MatchString(m.Opinion) {
		return errors.New("opinion: the SHA-256 of the board's opinion, 64 lower-case hex digits")
	}
	return nil
}

// Enrol is a patient's consent to a study: the organisations whose records
// may be released to it, the patient's data use terms (the study's when
// absent) and the buyer classes the patient refuses.
//
//	{"study": "st-…", "custodians": ["st-marys-hospital"], "terms": ["DUO:0000006", "DUO:0000046"], "refuses": ["commercial"]}
type Enrol struct {
	Study      string   `json:"study"`
	Custodians []string `json:"custodians"`
	Terms      []string `json:"terms,omitempty"`
	Refuses    []string `json:"refuses,omitempty"`
}

func (m *Enrol) Validate() error {
	if err := validID("study", "st-", m.Study); err != nil {
		return err
	}
	if len(m.Custodians) == 0 || len(m.Custodians) > MaxCustodians {
		return fmt.Errorf("custodians: 1 to %d organisations whose records the study may have", MaxCustodians)
	}
	for i, c := range m.Custodians {
		if c == "" || slices.Contains(m.Custodians[:i], c) {
			return fmt.Errorf("custodians[%d]: empty or given twice", i)
		}
	}
	if m.Terms != nil {
		if err := validTerms("terms", m.Terms); err != nil {
			return err
		}
	}
	return validBuyers("refuses", m.Refuses)
}

// Withdraw ends an enrolment.
type Withdraw struct {
	Enrolment string `json:"enrolment"`
}

func (m *Withdraw) Validate() error { return validID("enrolment", "en-", m.Enrolment) }

// MakeRelease records the manifest of a de-identified data set a custodian
// built of the records it keeps of the enrolled patients.
//
//	{"study": "st-…", "enrolments": ["en-…"], "patients": 2, "resources": 163,
//	 "rule_set": "safe-harbor/1", "rule_set_hash": "<sha256>", "data_hash": "<sha256>"}
type MakeRelease struct {
	Study       string   `json:"study"`
	Request     string   `json:"request,omitempty"`
	Enrolments  []string `json:"enrolments"`
	Patients    int      `json:"patients"`
	Resources   int      `json:"resources"`
	RuleSet     string   `json:"rule_set"`
	RuleSetHash string   `json:"rule_set_hash"`
	DataHash    string   `json:"data_hash"`
}

func (m *MakeRelease) Validate() error {
	if err := validID("study", "st-", m.Study); err != nil {
		return err
	}
	if m.Request != "" {
		if err := validID("request", "rq-", m.Request); err != nil {
			return err
		}
	}
	if len(m.Enrolments) == 0 || len(m.Enrolments) > MaxReleased {
		return fmt.Errorf("enrolments: 1 to %d", MaxReleased)
	}
	for i, e := range m.Enrolments {
		if err := validID(fmt.Sprintf("enrolments[%d]", i), "en-", e); err != nil {
			return err
		}
		if slices.Contains(m.Enrolments[:i], e) {
			return fmt.Errorf("enrolments[%d]: %s given twice", i, e)
		}
	}
	if m.Patients != len(m.Enrolments) {
		return fmt.Errorf("patients: %d, but %d enrolments: one patient per enrolment", m.Patients, len(m.Enrolments))
	}
	if m.Resources < 0 {
		return errors.New("resources: not negative")
	}
	if m.RuleSet == "" || !hashPattern.MatchString(m.RuleSetHash) {
		return errors.New("rule_set, rule_set_hash: the de-identification rule set's version and SHA-256")
	}
	if !hashPattern.MatchString(m.DataHash) {
		return errors.New("data_hash: the SHA-256 of the de-identified data set, 64 lower-case hex digits")
	}
	return nil
}

// MakeAccess records an access to a release.
type MakeAccess struct {
	Release string `json:"release"`
}

func (m *MakeAccess) Validate() error { return validID("release", "rl-", m.Release) }

// MakeRequest asks a custodian for the data of a study's participants, for
// a purpose, accepting obligations, for a term, at a price held in escrow.
//
//	{"study": "st-…", "custodian": "st-marys-hospital", "purpose": "DUO:0000006",
//	 "accepts": ["DUO:0000019"], "term_days": 365, "currency": "USD", "price": 100000}
type MakeRequest struct {
	Study     string   `json:"study"`
	Custodian string   `json:"custodian"`
	Purpose   string   `json:"purpose"`
	Accepts   []string `json:"accepts,omitempty"`
	TermDays  int      `json:"term_days"`
	Currency  string   `json:"currency"`
	Price     int64    `json:"price"`
}

func (m *MakeRequest) Validate() error {
	if err := validID("study", "st-", m.Study); err != nil {
		return err
	}
	if m.Custodian == "" {
		return errors.New("custodian: the organisation whose records are asked for")
	}
	if !slices.Contains(Purposes, m.Purpose) {
		return fmt.Errorf("purpose: one of the DUO permissions %v", Purposes)
	}
	for i, a := range m.Accepts {
		if !slices.Contains(Obligations, a) || slices.Contains(m.Accepts[:i], a) {
			return fmt.Errorf("accepts[%d]: %q is not an obligation a requester takes on (one of %v), or is given twice", i, a, Obligations)
		}
	}
	if m.TermDays < 1 || m.TermDays > MaxTermDays {
		return fmt.Errorf("term_days: 1 to %d", MaxTermDays)
	}
	if !currencyPattern.MatchString(m.Currency) {
		return errors.New("currency: an ISO 4217 code (three capital letters)")
	}
	if m.Price < 1 || m.Price > MaxPrice {
		return fmt.Errorf("price: 1 to %d minor units", MaxPrice)
	}
	return nil
}

// CancelRequest cancels a data request: before a release was made for it,
// or after its term if the release was never accessed. Its escrow is no
// longer held.
type CancelRequest struct {
	Request string `json:"request"`
}

func (m *CancelRequest) Validate() error { return validID("request", "rq-", m.Request) }

// Routes implements ledger.Module.
func (k *Keeper) Routes() []ledger.Route {
	return []ledger.Route{
		{Type: TypeRegisterStudy, Handler: ledger.Handle(k.registerStudy)},
		{Type: TypeApproveStudy, Handler: ledger.Handle(k.approveStudy)},
		{Type: TypeEnrol, Handler: ledger.Handle(k.enrol)},
		{Type: TypeWithdraw, Handler: ledger.Handle(k.withdraw)},
		{Type: TypeRelease, Handler: ledger.Handle(k.release)},
		{Type: TypeAccess, Handler: ledger.Handle(k.access)},
		{Type: TypeRequest, Handler: ledger.Handle(k.request)},
		{Type: TypeCancelRequest, Handler: ledger.Handle(k.cancelRequest)},
	}
}

// member checks that the signer is a member of an active organisation of
// one of kinds (any kind if none), holding one of roles, and returns the
// organisation's kind.
func (k *Keeper) member(ctx *ledger.Context, kinds []ledger.OrgKind, roles []ledger.Role, what string) (ledger.OrgKind, error) {
	s := ctx.Signer
	kind, ok := k.dir.OrgKind(ctx.Store, s.Org)
	if s.Kind != ledger.Member || !ok || (len(kinds) > 0 && !slices.Contains(kinds, kind)) || !s.HasAnyRole(roles...) {
		where := "an organisation"
		if len(kinds) > 0 {
			where = "a " + orList(ledger.Names(kinds))
		}
		return "", fmt.Errorf("%w: %s: a member of %s holding one of the roles %v", ErrUnauthorized, what, where, roles)
	}
	return kind, nil
}

func (k *Keeper) registerStudy(ctx *ledger.Context, m RegisterStudy) (any, error) {
	kind, err := k.member(ctx, StudyOrgs, []ledger.Role{ledger.RoleResearcher}, "studies are registered")
	if err != nil {
		return nil, err
	}
	if m.Ends < ledger.Day(ctx.Time) || m.Ends > ledger.Day(ctx.Time.AddDate(MaxStudyYears, 0, 0)) {
		return nil, fmt.Errorf("%w: ends %s: from today (%s) to %d years ahead", ledger.ErrInvalidMsg, m.Ends, ledger.Day(ctx.Time), MaxStudyYears)
	}
	if err := Permits(m.Terms, m.Purpose, BuyerClass(kind), Obligations); err != nil {
		return nil, fmt.Errorf("%w: the terms the study offers forbid its own purpose: %v", ErrForbiddenUse, err)
	}
	st := Study{ID: ledger.IDFrom("st-", ctx.TxHash), Org: ctx.Signer.Org, By: ctx.Signer.ID, Protocol: m.Protocol,
		Purpose: m.Purpose, Terms: m.Terms, Types: m.Types, Ends: m.Ends, Status: StudyProposed,
		Height: ctx.Height, Time: ctx.Time.Unix()}
	studies.Set(ctx.Store, st.ID, st)
	ctx.Emit(EventStudy.New(st.ID, st.Org, st.Purpose, st.Ends))
	return st, nil
}

func (k *Keeper) approveStudy(ctx *ledger.Context, m ApproveStudy) (any, error) {
	if _, err := k.member(ctx, nil, []ledger.Role{ledger.RoleEthicsReviewer}, "studies are approved"); err != nil {
		return nil, err
	}
	st, ok := studies.Get(ctx.Store, m.Study)
	if !ok {
		return nil, fmt.Errorf("%w: study %s", ErrNotFound, m.Study)
	}
	switch {
	case st.By == ctx.Signer.ID:
		return nil, fmt.Errorf("%w: %s registered study %s: its approval is someone else's", ErrUnauthorized, st.By, st.ID)
	case st.Status != StudyProposed:
		return nil, fmt.Errorf("%w: study %s is %s", ErrState, st.ID, st.Status)
	case st.Ends < ledger.Day(ctx.Time):
		return nil, fmt.Errorf("%w: study %s ended on %s", ErrExpired, st.ID, st.Ends)
	}
	st.Status = StudyApproved
	st.Approval = &Approval{By: ctx.Signer.ID, Org: ctx.Signer.Org, Opinion: m.Opinion, Height: ctx.Height, Time: ctx.Time.Unix()}
	studies.Set(ctx.Store, st.ID, st)
	ctx.Emit(EventApproved.New(st.ID, ctx.Signer.Org))
	return st, nil
}

// open returns an approved study that has not ended.
func (k *Keeper) open(ctx *ledger.Context, id string) (Study, error) {
	st, ok := studies.Get(ctx.Store, id)
	switch {
	case !ok:
		return st, fmt.Errorf("%w: study %s", ErrNotFound, id)
	case st.Status != StudyApproved:
		return st, fmt.Errorf("%w: study %s is %s: not approved by an ethics board member yet", ErrState, id, st.Status)
	case st.Ends < ledger.Day(ctx.Time):
		return st, fmt.Errorf("%w: study %s ended on %s", ErrExpired, id, st.Ends)
	}
	return st, nil
}

func (k *Keeper) enrol(ctx *ledger.Context, m Enrol) (any, error) {
	if ctx.Signer.Kind != ledger.Patient {
		return nil, fmt.Errorf("%w: an enrolment is the patient's own consent, signed with the patient's key; nobody enrols someone else", ErrNoConsent)
	}
	st, err := k.open(ctx, m.Study)
	if err != nil {
		return nil, err
	}
	pt := ctx.Signer.ID
	if id, ok := activeEnr.Get(ctx.Store, pt+"/"+st.ID); ok {
		return nil, fmt.Errorf("%w: enrolled in study %s already (%s)", ErrExists, st.ID, id)
	}
	for i, c := range m.Custodians {
		kind, ok := k.dir.OrgKind(ctx.Store, c)
		if !ok || !slices.Contains(CustodianOrgs, kind) {
			return nil, fmt.Errorf("%w: custodians[%d]: %s is not an active %s", ErrNotFound, i, c, orList(ledger.Names(CustodianOrgs)))
		}
	}
	terms := m.Terms
	if terms == nil {
		terms = st.Terms
	}
	if err := Permits(terms, st.Purpose, BuyerClass(mustKind(k, ctx, st.Org)), Obligations); err != nil {
		return nil, fmt.Errorf("%w: terms: they forbid the study's own use: %v", ErrForbiddenUse, err)
	}
	if slices.Contains(m.Refuses, BuyerClass(mustKind(k, ctx, st.Org))) {
		return nil, fmt.Errorf("%w: refuses: %s is the study's own organisation's class", ErrForbiddenUse, BuyerClass(mustKind(k, ctx, st.Org)))
	}
	e := Enrolment{ID: ledger.IDFrom("en-", ctx.TxHash), Study: st.ID, Patient: pt, Custodians: m.Custodians,
		Terms: terms, Refuses: m.Refuses, Height: ctx.Height, Time: ctx.Time.Unix()}
	enrolments.Set(ctx.Store, e.ID, e)
	enrOfPt.Add(ctx.Store, pt, e.ID)
	enrOfStudy.Add(ctx.Store, st.ID, e.ID)
	activeEnr.Set(ctx.Store, pt+"/"+st.ID, e.ID)
	ctx.Emit(EventEnrolled.New(e.ID, st.ID))
	return e, nil
}

func mustKind(k *Keeper, ctx *ledger.Context, org string) ledger.OrgKind {
	kind, _ := k.dir.OrgKind(ctx.Store, org)
	return kind
}

func (k *Keeper) withdraw(ctx *ledger.Context, m Withdraw) (any, error) {
	e, ok := enrolments.Get(ctx.Store, m.Enrolment)
	if ctx.Signer.Kind != ledger.Patient || !ok || e.Patient != ctx.Signer.ID {
		// The same answer whether or not the enrolment exists.
		return nil, fmt.Errorf("%w: enrolment %s: only its patient withdraws it", ErrUnauthorized, m.Enrolment)
	}
	if !e.Active() {
		return nil, fmt.Errorf("%w: enrolment %s was withdrawn at height %d", ErrState, e.ID, e.Withdrawn)
	}
	e.Withdrawn, e.WithdrawnTime = ctx.Height, ctx.Time.Unix()
	enrolments.Set(ctx.Store, e.ID, e)
	activeEnr.Delete(ctx.Store, e.Patient+"/"+e.Study)
	ctx.Emit(EventWithdrawn.New(e.ID, e.Study))
	return e, nil
}

func (k *Keeper) release(ctx *ledger.Context, m MakeRelease) (any, error) {
	if _, err := k.member(ctx, CustodianOrgs, ReleaseRoles, "releases are made"); err != nil {
		return nil, err
	}
	custodian := ctx.Signer.Org
	st, err := k.open(ctx, m.Study)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(k.rules, RuleSet{Version: m.RuleSet, Hash: m.RuleSetHash}) {
		return nil, fmt.Errorf("%w: rule_set %s with hash %s; the ledger knows %v", ErrRuleSet, m.RuleSet, m.RuleSetHash, k.rules)
	}
	var rq Request
	if m.Request != "" {
		var ok bool
		if rq, ok = requests.Get(ctx.Store, m.Request); !ok || rq.Study != st.ID {
			return nil, fmt.Errorf("%w: request %s of study %s", ErrNotFound, m.Request, st.ID)
		}
		switch {
		case rq.Custodian != custodian:
			return nil, fmt.Errorf("%w: request %s asks %s's records, not %s's", ErrUnauthorized, rq.ID, rq.Custodian, custodian)
		case rq.Status != RequestEscrowed:
			return nil, fmt.Errorf("%w: request %s is %s", ErrState, rq.ID, rq.Status)
		case ctx.Time.Unix() > rq.Until:
			return nil, fmt.Errorf("%w: request %s's term ended", ErrExpired, rq.ID)
		}
	}
	for i, id := range m.Enrolments {
		e, ok := enrolments.Get(ctx.Store, id)
		switch {
		case !ok || e.Study != st.ID:
			return nil, fmt.Errorf("%w: enrolments[%d]: %s is not an enrolment in study %s", ErrNotFound, i, id, st.ID)
		case !e.Active():
			return nil, fmt.Errorf("%w: enrolments[%d]: %s was withdrawn at height %d: the patient is in no later release", ErrWithdrawn, i, id, e.Withdrawn)
		case !slices.Contains(e.Custodians, custodian):
			return nil, fmt.Errorf("%w: enrolments[%d]: %s lets %v release the patient's records, not %s", ErrNoConsent, i, id, e.Custodians, custodian)
		case m.Request != "" && !admitted.Has(ctx.Store, rq.ID, id):
			return nil, fmt.Errorf("%w: enrolments[%d]: %s was not admitted to request %s (the patient's terms or refusals forbid it)", ErrForbiddenUse, i, id, rq.ID)
		}
	}
	rl := Release{ID: ledger.IDFrom("rl-", ctx.TxHash), Study: st.ID, Custodian: custodian, By: ctx.Signer.ID, Request: m.Request,
		RuleSet: m.RuleSet, RuleSetHash: m.RuleSetHash, Patients: m.Patients, Resources: m.Resources, DataHash: m.DataHash,
		Height: ctx.Height, Time: ctx.Time.Unix()}
	releases.Set(ctx.Store, rl.ID, rl)
	relOfStudy.Add(ctx.Store, st.ID, rl.ID)
	for _, id := range m.Enrolments {
		usedIn.Add(ctx.Store, id, rl.ID)
		releasedEnr.Add(ctx.Store, rl.ID, id)
	}
	if m.Request != "" {
		rq.Status, rq.Release = RequestReleased, rl.ID
		requests.Set(ctx.Store, rq.ID, rq)
	}
	ctx.Emit(EventReleased.New(rl.ID, st.ID, custodian, strconv.Itoa(rl.Patients), rl.RuleSet, rl.DataHash))
	return rl, nil
}

func (k *Keeper) access(ctx *ledger.Context, m MakeAccess) (any, error) {
	rl, ok := releases.Get(ctx.Store, m.Release)
	if !ok {
		return nil, fmt.Errorf("%w: release %s", ErrNotFound, m.Release)
	}
	st, _ := studies.Get(ctx.Store, rl.Study)
	s := ctx.Signer
	if rl.Request == "" {
		if _, err := k.member(ctx, nil, []ledger.Role{ledger.RoleResearcher}, "a study's release is accessed"); err != nil || s.Org != st.Org {
			return nil, fmt.Errorf("%w: release %s is accessed by the researchers of %s", ErrUnauthorized, rl.ID, st.Org)
		}
	}
	var rq Request
	if rl.Request != "" {
		rq, _ = requests.Get(ctx.Store, rl.Request)
		if _, err := k.member(ctx, nil, RequestRoles, "a requested release is accessed"); err != nil || s.Org != rq.Org {
			return nil, fmt.Errorf("%w: release %s answers request %s: accessed by %s's %v", ErrUnauthorized, rl.ID, rq.ID, rq.Org, RequestRoles)
		}
		if rq.Status == RequestCancelled {
			return nil, fmt.Errorf("%w: request %s was cancelled", ErrState, rq.ID)
		}
	}
	if err := k.accessTerm(ctx.Store, rl, ctx.Time); err != nil {
		return nil, err
	}
	a := Access{ID: ledger.IDFrom("ax-", ctx.TxHash), Release: rl.ID, Study: rl.Study, By: s.ID, Org: s.Org, Request: rl.Request,
		Height: ctx.Height, Time: ctx.Time.Unix()}
	accesses.Set(ctx.Store, a.ID, a)
	accOfRel.Add(ctx.Store, rl.ID, a.ID)
	rl.Accesses++
	releases.Set(ctx.Store, rl.ID, rl)
	ctx.Emit(EventAccessed.New(a.ID, rl.ID, s.Org))
	if rl.Request != "" && rq.Status == RequestReleased {
		k.settle(ctx, rq, rl)
	}
	return a, nil
}

func (k *Keeper) request(ctx *ledger.Context, m MakeRequest) (any, error) {
	kind, err := k.member(ctx, nil, RequestRoles, "data requests are made")
	if err != nil {
		return nil, err
	}
	st, err := k.open(ctx, m.Study)
	if err != nil {
		return nil, err
	}
	class := BuyerClass(kind)
	if err := Permits(st.Terms, m.Purpose, class, m.Accepts); err != nil {
		return nil, fmt.Errorf("%w: study %s's terms: %v", ErrForbiddenUse, st.ID, err)
	}
	rq := Request{ID: ledger.IDFrom("rq-", ctx.TxHash), Study: st.ID, Custodian: m.Custodian, Org: ctx.Signer.Org, By: ctx.Signer.ID,
		Class: class, Purpose: m.Purpose, Accepts: m.Accepts, TermDays: m.TermDays,
		Until: ctx.Time.Unix() + int64(m.TermDays)*86400, Currency: m.Currency, Price: m.Price, Status: RequestEscrowed,
		Height: ctx.Height, Time: ctx.Time.Unix()}
	// Admission: every active enrolment of the study that lets this
	// custodian release, whose terms permit the use and which does not
	// refuse the requester's class. Read in ID order, written after.
	var ids, refusals []string
	enrOfStudy.Walk(ctx.Store, func(id string) bool {
		ids = append(ids, id)
		return true
	}, st.ID)
	for _, id := range ids {
		e, ok := enrolments.Get(ctx.Store, id)
		if !ok || !e.Active() || !slices.Contains(e.Custodians, m.Custodian) {
			continue
		}
		if err := Permits(e.Terms, m.Purpose, class, m.Accepts); err != nil {
			refusals = append(refusals, err.Error())
			continue
		}
		if slices.Contains(e.Refuses, class) {
			refusals = append(refusals, fmt.Sprintf("the participant refuses %s buyers", class))
			continue
		}
		admitted.Add(ctx.Store, rq.ID, e.ID)
		rq.Admitted++
	}
	if rq.Admitted == 0 {
		why := "no participant of the study lets " + m.Custodian + " release their records"
		if len(refusals) > 0 {
			slices.Sort(refusals)
			why = fmt.Sprintf("the terms of all %d participants forbid it (%s)", len(refusals), strings.Join(slices.Compact(refusals), "; "))
		}
		return nil, fmt.Errorf("%w: request for %s by a %s organisation: %s", ErrForbiddenUse, DUOAbbreviations[m.Purpose], class, why)
	}
	requests.Set(ctx.Store, rq.ID, rq)
	reqOfStudy.Add(ctx.Store, st.ID, rq.ID)
	ctx.Emit(EventRequested.New(rq.ID, st.ID, rq.Org, rq.Purpose, strconv.Itoa(rq.Admitted), strconv.FormatInt(rq.Price, 10), rq.Currency))
	return rq, nil
}

// accessTerm refuses an access to a release after its term: the study's
// last day for the study's own release, the request's term for a
// request's.
func (k *Keeper) accessTerm(r state.Reader, rl Release, now time.Time) error {
	if rl.Request != "" {
		rq, _ := requests.Get(r, rl.Request)
		if now.Unix() > rq.Until {
			return fmt.Errorf("%w: request %s's term ended at %s", ErrExpired, rq.ID, time.Unix(rq.Until, 0).UTC().Format(time.RFC3339))
		}
		return nil
	}
	st, _ := studies.Get(r, rl.Study)
	if st.Ends < ledger.Day(now) {
		return fmt.Errorf("%w: study %s ended on %s", ErrExpired, st.ID, st.Ends)
	}
	return nil
}

// orList is "a, b or c".
func orList(l []string) string {
	if len(l) < 2 {
		return strings.Join(l, "")
	}
	return strings.Join(l[:len(l)-1], ", ") + " or " + l[len(l)-1]
}

func (k *Keeper) cancelRequest(ctx *ledger.Context, m CancelRequest) (any, error) {
	if _, err := k.member(ctx, nil, RequestRoles, "data requests are cancelled"); err != nil {
		return nil, err
	}
	rq, ok := requests.Get(ctx.Store, m.Request)
	if !ok {
		return nil, fmt.Errorf("%w: request %s", ErrNotFound, m.Request)
	}
	switch {
	case rq.Org != ctx.Signer.Org:
		return nil, fmt.Errorf("%w: request %s is %s's", ErrUnauthorized, rq.ID, rq.Org)
	case rq.Status == RequestReleased && ctx.Time.Unix() <= rq.Until:
		return nil, fmt.Errorf("%w: request %s has its release %s; it may be cancelled after its term, %s, if never accessed", ErrState, rq.ID, rq.Release,
			time.Unix(rq.Until, 0).UTC().Format(time.RFC3339))
	case rq.Status != RequestEscrowed && rq.Status != RequestReleased:
		return nil, fmt.Errorf("%w: request %s is %s", ErrState, rq.ID, rq.Status)
	}
	rq.Status = RequestCancelled
	requests.Set(ctx.Store, rq.ID, rq)
	ctx.Emit(EventCancelled.New(rq.ID, rq.Org))
	return rq, nil
}
