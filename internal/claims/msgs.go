package claims

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
)

// Message types.
const (
	TypePublishPlan    = "claims/publish-plan"
	TypeRecordCoverage = "claims/record-coverage"
	TypeCancelCoverage = "claims/cancel-coverage"
	TypeSubmit         = "claims/submit"
	TypeReview         = "claims/review"
	TypeAdjudicate     = "claims/adjudicate"
	TypeAppeal         = "claims/appeal"
	TypePay            = "claims/pay"
)

// Roles with which members act for their organisation here.
var (
	// PayerRoles publish an insurer's plans, record coverage, adjudicate
	// and pay.
	PayerRoles = []ledger.Role{ledger.RoleClaimsOfficer, ledger.RoleAdmin}
	// ProviderRoles submit and appeal a provider's claims.
	ProviderRoles = []ledger.Role{ledger.RoleClaimsOfficer, ledger.RolePhysician, ledger.RoleAdmin}
	// Providers are the organisation kinds that submit claims.
	Providers = []ledger.OrgKind{ledger.OrgHospital, ledger.OrgClinic, ledger.OrgLab, ledger.OrgPharmacy}
)

// PublishPlan publishes a new version of a plan of the signer's insurer
// (the first version creates the plan, whose ID the insurer chooses).
//
//	{"plan": "acme-basic", "currency": "USD", "effective": "2026-01-01",
//	 "required": ["Claim.patient", "Claim.diagnosis"], "diagnoses": ["E8721"],
//	 "services": [{"code": "G0438", "fee": 17500}], "patient_share_bp": 2000,
//	 "rules": [{"id": "one-visit", "expr": "units <= 1", "reason": "benefit_limit"}]}
type PublishPlan struct {
	Plan string `json:"plan"`
	RuleSet
}

func (m *PublishPlan) Validate() error {
	if !planPattern.MatchString(m.Plan) {
		return errors.New("plan: 2 to 40 lower-case letters, digits and hyphens, starting with a letter or digit")
	}
	return m.RuleSet.Validate()
}

// Validate checks a rule set's own form: everything but the benefit rules'
// compilation, which the handler does.
func (s *RuleSet) Validate() error {
	if !currencyPattern.MatchString(s.Currency) {
		return errors.New("currency: an ISO 4217 code (three capital letters)")
	}
	if err := ledger.ValidDate("effective", s.Effective); err != nil {
		return err
	}
	for i, e := range s.Required {
		if !slices.Contains(Elements, e) || slices.Contains(s.Required[:i], e) {
			return fmt.Errorf("required[%d]: %q is not one of %v, or is given twice", i, e, Elements)
		}
	}
	if len(s.Diagnoses) == 0 || len(s.Diagnoses) > MaxDiagnoses {
		return fmt.Errorf("diagnoses: 1 to %d ICD-10-CM codes", MaxDiagnoses)
	}
	for i, c := range s.Diagnoses {
		if !ValidDiagnosis(c) {
			return fmt.Errorf("diagnoses[%d]: %q is not an ICD-10-CM code (a letter, two digits or alphanumerics, up to four more; no dot)", i, c)
		}
		if i > 0 && c <= s.Diagnoses[i-1] {
			return fmt.Errorf("diagnoses[%d]: %q: codes sorted, each once", i, c)
		}
	}
	if len(s.Services) == 0 || len(s.Services) > MaxServices {
		return fmt.Errorf("services: 1 to %d", MaxServices)
	}
	for i, sv := range s.Services {
		switch {
		case !ValidService(sv.Code):
			return fmt.Errorf("services[%d].code: %q is not a HCPCS Level II code (a letter A to V and four digits)", i, sv.Code)
		case i > 0 && sv.Code <= s.Services[i-1].Code:
			return fmt.Errorf("services[%d].code: %q: services sorted by code, each once", i, sv.Code)
		case sv.Fee <= 0 || sv.Fee > MaxAmount:
			return fmt.Errorf("services[%d].fee: 1 to %d minor units", i, MaxAmount)
		case sv.MaxUnits < 0 || sv.MaxUnits > MaxUnits:
			return fmt.Errorf("services[%d].max_units: 0 (no limit but %d) to %d", i, MaxUnits, MaxUnits)
		}
	}
	if s.PatientShareBP < 0 || s.PatientShareBP > 10000 {
		return errors.New("patient_share_bp: 0 to 10000 basis points")
	}
	if len(s.Rules) > MaxRules {
		return fmt.Errorf("rules: at most %d", MaxRules)
	}
	for i, r := range s.Rules {
		switch {
		case !ruleIDPattern.MatchString(r.ID) || strings.HasPrefix(r.ID, "std-"):
			return fmt.Errorf("rules[%d].id: 1 to 32 lower-case letters, digits and hyphens, not starting with std-", i)
		case slices.ContainsFunc(s.Rules[:i], func(o Rule) bool { return o.ID == r.ID }):
			return fmt.Errorf("rules[%d].id: %q given twice", i, r.ID)
		case strings.TrimSpace(r.Expr) == "":
			return fmt.Errorf("rules[%d].expr: a CEL expression", i)
		case !slices.Contains(RuleReasons, r.Reason):
			return fmt.Errorf("rules[%d].reason: one of %v", i, RuleReasons)
		}
	}
	return nil
}

// Hash is the SHA-256 of the rule set's JSON: a published version's
// identity.
func (s RuleSet) Hash() string {
	b, _ := json.Marshal(s) // a struct of strings, ints and slices: cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// RecordCoverage records a patient's coverage under a plan of the signer's
// insurer, from Start to End (inclusive, UTC days).
//
//	{"patient": "pt-…", "plan": "acme-basic", "start": "2026-01-01", "end": "2026-12-31"}
type RecordCoverage struct {
	Patient string `json:"patient"`
	Plan    string `json:"plan"`
	Start   string `json:"start"`
	End     string `json:"end"`
}

func (m *RecordCoverage) Validate() error {
	if err := ledger.ValidPatientID(m.Patient); err != nil {
		return fmt.Errorf("patient: %w", err)
	}
	if !planPattern.MatchString(m.Plan) {
		return errors.New("plan: a plan ID")
	}
	if err := ledger.ValidDate("start", m.Start); err != nil {
		return err
	}
	if err := ledger.ValidDate("end", m.End); err != nil {
		return err
	}
	if m.End < m.Start {
		return errors.New("end: before start")
	}
	return nil
}

// CancelCoverage ends a coverage: claims under it are refused from then
// on.
type CancelCoverage struct {
	Coverage string `json:"coverage"`
}

func (m *CancelCoverage) Validate() error { return validID("coverage", "cv-", m.Coverage) }

// Submit anchors a claim: the SHA-256 of the FHIR Claim document (which
// stays with the provider and goes to the payer off chain), the coverage
// and plan version it is made under, its number of items, its total and
// whether the provider's pre-check under that version passed.
//
//	{"coverage": "cv-…", "version": 1, "hash": "<sha256>", "items": 2,
//	 "total": 27500, "currency": "USD", "prechecked": true}
type Submit struct {
	// Record, when set, is the records record (rec-…) that holds the claim
	// document sealed at the provider's custodian node: the payer reads it
	// there under the patient's consent for payment, and the read is
	// receipted on the ledger. Without it, the document travels off chain.
	Record     string `json:"record,omitempty"`
	Coverage   string `json:"coverage"`
	Version    int    `json:"version"`
	Hash       string `json:"hash"`
	Items      int    `json:"items"`
	Total      int64  `json:"total"`
	Currency   string `json:"currency"`
	Prechecked bool   `json:"prechecked"`
}

func (m *Submit) Validate() error {
	if err := validID("coverage", "cv-", m.Coverage); err != nil {
		return err
	}
	if m.Record != "" && !ValidID("rec-", m.Record) {
		return errors.New("record: a record ID, rec- and 24 lower-case hex digits")
	}
	if m.Version < 1 {
		return errors.New("version: a plan version, 1 or more")
	}
	if !hashPattern.MatchString(m.Hash) {
		return errors.New("hash: the SHA-256 of the claim document, 64 lower-case hex digits (the document stays off chain)")
	}
	if m.Items < 1 || m.Items > MaxItems {
		return fmt.Errorf("items: 1 to %d", MaxItems)
	}
	if m.Total <= 0 || m.Total > MaxAmount {
		return fmt.Errorf("total: 1 to %d minor units", MaxAmount)
	}
	if !currencyPattern.MatchString(m.Currency) {
		return errors.New("currency: an ISO 4217 code (three capital letters)")
	}
	return nil
}

// Review marks a claim in review by its payer.
type Review struct {
	Claim string `json:"claim"`
}

func (m *Review) Validate() error { return validID("claim", "cl-", m.Claim) }

// Adjudicate records the payer's decision on a claim, computed off chain
// under the claim's plan version: an item decision per item, in order,
// and the SHA-256 of the FHIR ClaimResponse.
//
//	{"claim": "cl-…", "version": 1, "response": "<sha256>", "items": [
//	  {"sequence": 1, "outcome": "approved", "allowed": 17500, "payer": 14000, "patient": 3500},
//	  {"sequence": 2, "outcome": "denied", "reason": "prior_auth_required", "rule": "std-prior-auth"}]}
type Adjudicate struct {
	Claim    string         `json:"claim"`
	Version  int            `json:"version"`
	Response string         `json:"response"`
	Items    []ItemDecision `json:"items"`
}

func (m *Adjudicate) Validate() error {
	if err := validID("claim", "cl-", m.Claim); err != nil {
		return err
	}
	if m.Version < 1 {
		return errors.New("version: a plan version, 1 or more")
	}
	if !hashPattern.MatchString(m.Response) {
		return errors.New("response: the SHA-256 of the ClaimResponse, 64 lower-case hex digits")
	}
	if len(m.Items) == 0 || len(m.Items) > MaxItems {
		return fmt.Errorf("items: 1 to %d", MaxItems)
	}
	for i, d := range m.Items {
		if err := d.validate(i); err != nil {
			return err
		}
	}
	return nil
}

func (d ItemDecision) validate(i int) error {
	at := fmt.Sprintf("items[%d]", i)
	if d.Sequence != i+1 {
		return fmt.Errorf("%s.sequence: %d, the items in order from 1", at, i+1)
	}
	for _, a := range []struct {
		name string
		v    int64
	}{{"allowed", d.Allowed}, {"payer", d.Payer}, {"patient", d.Patient}} {
		if a.v < 0 || a.v > MaxAmount {
			return fmt.Errorf("%s.%s: 0 to %d minor units", at, a.name, MaxAmount)
		}
	}
	if d.Payer+d.Patient != d.Allowed {
		return fmt.Errorf("%s: payer (%d) and patient (%d) add up to %d, not allowed (%d)", at, d.Payer, d.Patient, d.Payer+d.Patient, d.Allowed)
	}
	if d.Reason != "" && !slices.Contains(Reasons, d.Reason) {
		return fmt.Errorf("%s.reason: one of %v", at, Reasons)
	}
	switch d.Outcome {
	case OutcomeApproved:
		if d.Reason != "" || d.Allowed == 0 {
			return fmt.Errorf("%s: an approved item has an allowed amount and no reason", at)
		}
	case OutcomeReduced:
		if d.Reason == "" || d.Rule == "" || d.Allowed == 0 {
			return fmt.Errorf("%s: a reduced item has an allowed amount, a reason and a rule", at)
		}
	case OutcomeDenied:
		if d.Reason == "" || d.Rule == "" || d.Allowed != 0 {
			return fmt.Errorf("%s: a denied item has a reason, a rule and no amounts", at)
		}
	default:
		return fmt.Errorf("%s.outcome: %s, %s or %s", at, OutcomeApproved, OutcomeReduced, OutcomeDenied)
	}
	return nil
}

// AppealClaim asks the payer to decide a claim again, for a reason from
// AppealReasons. The provider or the patient appeals.
type AppealClaim struct {
	Claim  string `json:"claim"`
	Reason string `json:"reason"`
}

func (m *AppealClaim) Validate() error {
	if err := validID("claim", "cl-", m.Claim); err != nil {
		return err
	}
	if !slices.Contains(AppealReasons, m.Reason) {
		return fmt.Errorf("reason: one of %v (no free text reaches the chain)", AppealReasons)
	}
	return nil
}

// Pay records the payer's payment of a claim's decision: the
// ClaimResponse's hash and the payer's amount, in the claim's currency.
type Pay struct {
	Claim    string `json:"claim"`
	Response string `json:"response"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

func (m *Pay) Validate() error {
	if err := validID("claim", "cl-", m.Claim); err != nil {
		return err
	}
	if !hashPattern.MatchString(m.Response) {
		return errors.New("response: the SHA-256 of the ClaimResponse paid, 64 lower-case hex digits")
	}
	if m.Amount < 0 || m.Amount > MaxAmount {
		return fmt.Errorf("amount: 0 (a decision whose patient share is all) to %d minor units", MaxAmount)
	}
	if !currencyPattern.MatchString(m.Currency) {
		return errors.New("currency: an ISO 4217 code (three capital letters)")
	}
	return nil
}

func validID(field, prefix, id string) error {
	if !ValidID(prefix, id) {
		return fmt.Errorf("%s: %s and 24 lower-case hex digits", field, prefix)
	}
	return nil
}

// ValidID checks an ID of the module by its prefix (cv-, cl-, py-).
func ValidID(prefix, id string) bool {
	if len(id) != len(prefix)+24 || !strings.HasPrefix(id, prefix) {
		return false
	}
	return strings.Trim(id[len(prefix):], "0123456789abcdef") == ""
}

// Routes implements ledger.Module.
func (k *Keeper) Routes() []ledger.Route {
	return []ledger.Route{
		{Type: TypePublishPlan, Handler: ledger.Handle(k.publishPlan)},
		{Type: TypeRecordCoverage, Handler: ledger.Handle(k.recordCoverage)},
		{Type: TypeCancelCoverage, Handler: ledger.Handle(k.cancelCoverage)},
		{Type: TypeSubmit, Handler: ledger.Handle(k.submit)},
		{Type: TypeReview, Handler: ledger.Handle(k.review)},
		{Type: TypeAdjudicate, Handler: ledger.Handle(k.adjudicate)},
		{Type: TypeAppeal, Handler: ledger.Handle(k.appeal)},
		{Type: TypePay, Handler: ledger.Handle(k.pay)},
	}
}

// actsFor checks that the signer is a member of an active organisation of
// one of kinds, with one of roles.
func (k *Keeper) actsFor(ctx *ledger.Context, kinds []ledger.OrgKind, roles []ledger.Role, what string) error {
	s := ctx.Signer
	kind, ok := k.dir.OrgKind(ctx.Store, s.Org)
	if s.Kind != ledger.Member || !ok || !slices.Contains(kinds, kind) || !s.HasAnyRole(roles...) {
		return fmt.Errorf("%w: %s: a member of %s holding one of the roles %v", ErrUnauthorized, what, kindList(kinds), roles)
	}
	return nil
}

// kindList names organisation kinds with an article: "an insurer", "a
// hospital, clinic, lab or pharmacy".
func kindList(kinds []ledger.OrgKind) string {
	names := ledger.Names(kinds)
	art := "a "
	if strings.ContainsAny(names[0][:1], "aeiou") {
		art = "an "
	}
	if len(names) == 1 {
		return art + names[0]
	}
	return art + strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

var insurers = []ledger.OrgKind{ledger.OrgInsurer}

func (k *Keeper) publishPlan(ctx *ledger.Context, m PublishPlan) (any, error) {
	if err := k.actsFor(ctx, insurers, PayerRoles, "plans are published"); err != nil {
		return nil, err
	}
	p, exists := plans.Get(ctx.Store, m.Plan)
	if exists && p.Payer != ctx.Signer.Org {
		return nil, fmt.Errorf("%w: plan %s is %s's", ErrWrongPayer, p.ID, p.Payer)
	}
	today := Day(ctx.Time)
	if !exists {
		p = Plan{ID: m.Plan, Payer: ctx.Signer.Org, Height: ctx.Height}
		if m.Effective < today {
			return nil, fmt.Errorf("%w: effective %s is before today (%s)", ErrNotice, m.Effective, today)
		}
	} else {
		prev, _ := versions.Get(ctx.Store, versionKey(p.ID, p.Versions))
		if m.RuleSet.Hash() == prev.Hash {
			return nil, fmt.Errorf("%w: the rule set is version %d's", ErrExists, prev.Version)
		}
		earliest := Day(ctx.Time.AddDate(0, 0, NoticeDays))
		if m.Effective < earliest {
			return nil, fmt.Errorf("%w: a new version of %s takes effect %d days after it is published at the earliest: effective %s is before %s", ErrNotice, p.ID, NoticeDays, m.Effective, earliest)
		}
		if m.Effective <= prev.Effective {
			return nil, fmt.Errorf("%w: effective %s is not after version %d's (%s)", ErrNotice, m.Effective, prev.Version, prev.Effective)
		}
	}
	for i, r := range m.Rules {
		if _, err := k.rules.Compile(r.Expr); err != nil {
			return nil, fmt.Errorf("%w: rules[%d] (%s): %v", ErrRule, i, r.ID, err)
		}
	}
	p.Versions++
	v := PlanVersion{Plan: p.ID, Version: p.Versions, Payer: p.Payer, By: ctx.Signer.ID, RuleSet: m.RuleSet,
		Hash: m.RuleSet.Hash(), Height: ctx.Height, Time: ctx.Time.Unix()}
	plans.Set(ctx.Store, p.ID, p)
	versions.Set(ctx.Store, versionKey(p.ID, v.Version), v)
	ctx.Emit(EventPlanPublished.New(p.ID, strconv.Itoa(v.Version), p.Payer, v.Effective, v.Hash))
	return v, nil
}

func versionKey(plan string, v int) string { return fmt.Sprintf("%s/%04d", plan, v) }

// payerOf checks that the signer acts for the payer org.
func (k *Keeper) payerOf(ctx *ledger.Context, payer, what string) error {
	if err := k.actsFor(ctx, insurers, PayerRoles, what); err != nil {
		return err
	}
	if ctx.Signer.Org != payer {
		return fmt.Errorf("%w: %s: the payer is %s", ErrWrongPayer, what, payer)
	}
	return nil
}

func (k *Keeper) recordCoverage(ctx *ledger.Context, m RecordCoverage) (any, error) {
	if err := k.actsFor(ctx, insurers, PayerRoles, "coverage is recorded"); err != nil {
		return nil, err
	}
	p, ok := plans.Get(ctx.Store, m.Plan)
	if !ok {
		return nil, fmt.Errorf("%w: plan %s", ErrNotFound, m.Plan)
	}
	if err := k.payerOf(ctx, p.Payer, "coverage under plan "+p.ID+" is recorded by its payer"); err != nil {
		return nil, err
	}
	if !k.dir.PatientExists(ctx.Store, m.Patient) {
		return nil, fmt.Errorf("%w: patient %s", ErrNotFound, m.Patient)
	}
	var overlap string
	covByPt.Walk(ctx.Store, func(id string) bool {
		o, ok := coverages.Get(ctx.Store, id)
		if ok && o.Plan == p.ID && o.Status == CoverageActive && o.Start <= m.End && m.Start <= o.End {
			overlap = o.ID
		}
		return overlap == ""
	}, m.Patient)
	if overlap != "" {
		return nil, fmt.Errorf("%w: the patient's coverage %s under %s overlaps %s to %s", ErrExists, overlap, p.ID, m.Start, m.End)
	}
	c := Coverage{ID: ledger.IDFrom("cv-", ctx.TxHash), Patient: m.Patient, Plan: p.ID, Payer: p.Payer,
		Start: m.Start, End: m.End, Status: CoverageActive, By: ctx.Signer.ID, Height: ctx.Height}
	coverages.Set(ctx.Store, c.ID, c)
	covByPt.Add(ctx.Store, c.Patient, c.ID)
	ctx.Emit(EventCoverage.New(c.ID, c.Plan, c.Payer, c.Status))
	return c, nil
}

func (k *Keeper) cancelCoverage(ctx *ledger.Context, m CancelCoverage) (any, error) {
	if err := k.actsFor(ctx, insurers, PayerRoles, "coverage is cancelled"); err != nil {
		return nil, err
	}
	c, ok := coverages.Get(ctx.Store, m.Coverage)
	if !ok || c.Payer != ctx.Signer.Org {
		return nil, fmt.Errorf("%w: coverage %s of %s", ErrNotFound, m.Coverage, ctx.Signer.Org)
	}
	if c.Status != CoverageActive {
		return nil, fmt.Errorf("%w: coverage %s is %s", ErrState, c.ID, c.Status)
	}
	c.Status = CoverageCancelled
	coverages.Set(ctx.Store, c.ID, c)
	ctx.Emit(EventCoverage.New(c.ID, c.Plan, c.Payer, c.Status))
	return c, nil
}

func (k *Keeper) submit(ctx *ledger.Context, m Submit) (any, error) {
	if err := k.actsFor(ctx, Providers, ProviderRoles, "claims are submitted"); err != nil {
		return nil, err
	}
	cv, ok := coverages.Get(ctx.Store, m.Coverage)
	if !ok {
		return nil, fmt.Errorf("%w: coverage %s", ErrNotFound, m.Coverage)
	}
	if cv.Status != CoverageActive {
		return nil, fmt.Errorf("%w: coverage %s is %s", ErrCoverage, cv.ID, cv.Status)
	}
	v, ok := versions.Get(ctx.Store, versionKey(cv.Plan, m.Version))
	if !ok {
		return nil, fmt.Errorf("%w: plan %s has no version %d", ErrVersion, cv.Plan, m.Version)
	}
	if today := Day(ctx.Time); v.Effective > today {
		return nil, fmt.Errorf("%w: version %d of %s takes effect on %s", ErrVersion, v.Version, v.Plan, v.Effective)
	}
	if m.Currency != v.Currency {
		return nil, fmt.Errorf("%w: plan %s pays in %s, the claim is in %s", ErrInconsistent, v.Plan, v.Currency, m.Currency)
	}
	if id, ok := byHash.Get(ctx.Store, m.Hash); ok {
		return nil, fmt.Errorf("%w: this claim document was submitted as %s", ErrExists, id)
	}
	if m.Record != "" {
		patient, custodian, ok := k.dir.Record(ctx.Store, m.Record)
		switch {
		case !ok:
			return nil, fmt.Errorf("%w: record %s", ErrNotFound, m.Record)
		case patient != cv.Patient || custodian != ctx.Signer.Org:
			return nil, fmt.Errorf("%w: record %s is not one %s keeps for the coverage's patient", ErrInconsistent, m.Record, ctx.Signer.Org)
		}
	}
	c := Claim{ID: ledger.IDFrom("cl-", ctx.TxHash), Hash: m.Hash, Record: m.Record, Coverage: cv.ID, Patient: cv.Patient, Plan: cv.Plan,
		Version: v.Version, Payer: cv.Payer, Provider: ctx.Signer.Org, By: ctx.Signer.ID, Items: m.Items, Total: m.Total,
		Currency: m.Currency, Prechecked: m.Prechecked, Status: StatusSubmitted, Height: ctx.Height, Time: ctx.Time.Unix()}
	claimsMap.Set(ctx.Store, c.ID, c)
	byHash.Set(ctx.Store, c.Hash, c.ID)
	byProvider.Add(ctx.Store, c.Provider, c.ID)
	byPatient.Add(ctx.Store, c.Patient, c.ID)
	byPayer.Add(ctx.Store, c.Payer, c.ID)
	k.addTotals(ctx.Store, c, func(t *Totals) { t.Claims++; t.Claimed += c.Total })
	ctx.Emit(EventSubmitted.New(c.ID, c.Provider, c.Payer, strconv.Itoa(c.Version)))
	return ledger.Created{ID: c.ID}, nil
}

// addTotals applies fn to the provider's and the patient's totals in the
// claim's currency.
func (k *Keeper) addTotals(s state.Store, c Claim, fn func(*Totals)) {
	for _, who := range []string{c.Provider, c.Patient} {
		key := who + "/" + c.Currency
		t, ok := totals.Get(s, key)
		if !ok {
			t = Totals{Currency: c.Currency}
		}
		fn(&t)
		t.Owed = t.Payer - t.Paid
		totals.Set(s, key, t)
	}
}

// payersClaim reads a claim the signer adjudicates or pays.
func (k *Keeper) payersClaim(ctx *ledger.Context, id, what string) (Claim, error) {
	if err := k.actsFor(ctx, insurers, PayerRoles, what); err != nil {
		return Claim{}, err
	}
	c, ok := claimsMap.Get(ctx.Store, id)
	if !ok || c.Payer != ctx.Signer.Org {
		// Another payer's claim reads as unknown: no oracle.
		return Claim{}, fmt.Errorf("%w: claim %s to %s", ErrNotFound, id, ctx.Signer.Org)
	}
	return c, nil
}

func (k *Keeper) review(ctx *ledger.Context, m Review) (any, error) {
	c, err := k.payersClaim(ctx, m.Claim, "claims are reviewed")
	if err != nil {
		return nil, err
	}
	if c.Status != StatusSubmitted && c.Status != StatusAppealed {
		return nil, fmt.Errorf("%w: claim %s is %s", ErrState, c.ID, c.Status)
	}
	c.Status = StatusInReview
	claimsMap.Set(ctx.Store, c.ID, c)
	ctx.Emit(EventStatus.New(c.ID, c.Status))
	return nil, nil
}

func (k *Keeper) adjudicate(ctx *ledger.Context, m Adjudicate) (any, error) {
	c, err := k.payersClaim(ctx, m.Claim, "claims are adjudicated")
	if err != nil {
		return nil, err
	}
	switch c.Status {
	case StatusSubmitted, StatusInReview, StatusAppealed:
	default:
		return nil, fmt.Errorf("%w: claim %s is %s", ErrState, c.ID, c.Status)
	}
	if m.Version != c.Version {
		return nil, fmt.Errorf("%w: claim %s was made under version %d of %s; it is judged under it, not %d", ErrVersion, c.ID, c.Version, c.Plan, m.Version)
	}
	v, _ := versions.Get(ctx.Store, versionKey(c.Plan, c.Version))
	if len(m.Items) != c.Items {
		return nil, fmt.Errorf("%w: claim %s has %d items, the decision %d", ErrInconsistent, c.ID, c.Items, len(m.Items))
	}
	for i, it := range m.Items {
		if err := checkItem(v, it); err != nil {
			return nil, fmt.Errorf("%w: items[%d]: %v", ErrInconsistent, i, err)
		}
	}
	d := Tally(m.Items)
	d.Round, d.Response, d.By, d.Height = len(c.Decisions)+1, m.Response, ctx.Signer.ID, ctx.Height
	if d.Allowed > c.Total {
		return nil, fmt.Errorf("%w: %d allowed of a claim of %d", ErrInconsistent, d.Allowed, c.Total)
	}
	for _, it := range m.Items {
		if it.Outcome == OutcomeDenied && c.Prechecked && slices.Contains(FormatReasons, it.Reason) {
			d.Dispute = true
		}
	}
	prev, had := c.Decision()
	k.addTotals(ctx.Store, c, func(t *Totals) {
		if had {
			t.Allowed, t.Payer, t.Patient = t.Allowed-prev.Allowed, t.Payer-prev.Payer, t.Patient-prev.Patient
		}
		t.Allowed, t.Payer, t.Patient = t.Allowed+d.Allowed, t.Payer+d.Payer, t.Patient+d.Patient
	})
	c.Decisions = append(c.Decisions, d)
	c.Status = d.Status
	claimsMap.Set(ctx.Store, c.ID, c)
	ctx.Emit(EventAdjudicated.New(c.ID, c.Status, strconv.FormatInt(d.Allowed, 10), strconv.FormatInt(d.Payer, 10), strconv.FormatBool(d.Dispute)))
	return d, nil
}

// Tally is the decision that item decisions make: their totals and the
// claim's status (approved when every item is approved as claimed, denied
// when every item is denied, partly approved otherwise).
func Tally(items []ItemDecision) Decision {
	d := Decision{Items: items}
	approved, reduced := 0, 0
	for _, it := range items {
		d.Allowed += it.Allowed
		d.Payer += it.Payer
		d.Patient += it.Patient
		switch it.Outcome {
		case OutcomeApproved:
			approved++
		case OutcomeReduced:
			reduced++
		}
	}
	switch {
	case approved+reduced == 0:
		d.Status = StatusDenied
	case approved == len(items):
		d.Status = StatusApproved
	default:
		d.Status = StatusPartly
	}
	return d
}

// checkItem checks an item decision against the plan version: its rule is
// a built-in check or one of the version's rules (with its reason), and
// the patient's share follows the version's rounding rule.
func checkItem(v PlanVersion, it ItemDecision) error {
	if it.Rule != "" && !slices.Contains(Checks, it.Rule) {
		r, ok := v.Rule(it.Rule)
		if !ok {
			return fmt.Errorf("rule %q is neither a built-in check %v nor a rule of %s version %d", it.Rule, Checks, v.Plan, v.Version)
		}
		if it.Reason != r.Reason {
			return fmt.Errorf("rule %s denies with %s, not %s", r.ID, r.Reason, it.Reason)
		}
	}
	if want := v.PatientShare(it.Allowed); it.Patient != want {
		return fmt.Errorf("the patient's share of %d allowed is %d under %s version %d (%d basis points, rounded down), not %d",
			it.Allowed, want, v.Plan, v.Version, v.PatientShareBP, it.Patient)
	}
	return nil
}

func (k *Keeper) appeal(ctx *ledger.Context, m AppealClaim) (any, error) {
	c, ok := claimsMap.Get(ctx.Store, m.Claim)
	s := ctx.Signer
	party := ok && (s.ID == c.Patient || (s.Kind == ledger.Member && s.Org == c.Provider && s.HasAnyRole(ProviderRoles...)))
	if !party {
		return nil, fmt.Errorf("%w: claim %s: a claim is appealed by its patient or by a member of its provider holding one of the roles %v", ErrUnauthorized, m.Claim, ProviderRoles)
	}
	if c.Status != StatusDenied && c.Status != StatusPartly {
		return nil, fmt.Errorf("%w: claim %s is %s: a denied or partly approved claim is appealed", ErrState, c.ID, c.Status)
	}
	if len(c.Appeals) >= MaxAppeals {
		return nil, fmt.Errorf("%w: claim %s was appealed %d times, the most there are", ErrState, c.ID, MaxAppeals)
	}
	c.Appeals = append(c.Appeals, Appeal{Reason: m.Reason, By: s.ID, Height: ctx.Height})
	c.Status = StatusAppealed
	claimsMap.Set(ctx.Store, c.ID, c)
	ctx.Emit(EventStatus.New(c.ID, c.Status))
	return nil, nil
}

func (k *Keeper) pay(ctx *ledger.Context, m Pay) (any, error) {
	c, err := k.payersClaim(ctx, m.Claim, "claims are paid")
	if err != nil {
		return nil, err
	}
	if c.Payment != nil {
		return nil, fmt.Errorf("%w: claim %s was paid by %s at height %d", ErrPaid, c.ID, c.Payment.ID, c.Payment.Height)
	}
	d, ok := c.Decision()
	if !ok || (c.Status != StatusApproved && c.Status != StatusPartly) {
		return nil, fmt.Errorf("%w: claim %s is %s: an approved or partly approved claim is paid", ErrState, c.ID, c.Status)
	}
	switch {
	case m.Response != d.Response:
		return nil, fmt.Errorf("%w: the decision of claim %s is ClaimResponse %s", ErrInconsistent, c.ID, d.Response)
	case m.Currency != c.Currency:
		return nil, fmt.Errorf("%w: claim %s is in %s", ErrInconsistent, c.ID, c.Currency)
	case m.Amount != d.Payer:
		return nil, fmt.Errorf("%w: the payer's amount of claim %s is %d, not %d", ErrInconsistent, c.ID, d.Payer, m.Amount)
	}
	p := Payment{ID: ledger.IDFrom("py-", ctx.TxHash), Response: m.Response, Amount: m.Amount, Currency: m.Currency,
		By: ctx.Signer.ID, Height: ctx.Height, Time: ctx.Time.Unix()}
	c.Payment = &p
	c.Status = StatusPaid
	claimsMap.Set(ctx.Store, c.ID, c)
	k.addTotals(ctx.Store, c, func(t *Totals) { t.Paid += p.Amount })
	ctx.Emit(EventPaid.New(c.ID, p.ID, strconv.FormatInt(p.Amount, 10), p.Currency))
	return ledger.Created{ID: p.ID}, nil
}

// inForce returns the version of plan in force on day: the latest whose
// effective date is on or before it.
func inForce(r state.Reader, plan string, day string) (PlanVersion, bool) {
	var out PlanVersion
	found := false
	versions.Walk(r, plan+"/", func(_ string, v PlanVersion) bool {
		if v.Effective > day {
			return false
		}
		out, found = v, true
		return true
	})
	return out, found
}
