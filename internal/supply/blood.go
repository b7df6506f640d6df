package supply

// Blood and plasma.
//
// A blood centre registers a donation under its ISBT 128 donation
// identification number (DIN). The donor is an opaque pseudonym the centre
// issues (16-64 lowercase hex digits, e.g. an HMAC of its own donor number
// under a key it keeps): never a name, and deliberately not the donor's
// patient ID, because the donation's test results (HIV, hepatitis...) sit
// next to it on the ledger and a patient ID would link them to the
// patient's record index. Recipients, who are patients of the transfusing
// hospital, are patient IDs ("pt-…").
//
// Labs (lab technicians of a lab, or of the donation's blood centre) record
// test results, each pass or fail. The centre separates the donation into
// components: units of its blood-component products whose lot is the DIN
// (so a recall of lot DIN recalls the donation). Components are held in
// quarantine until every required test has passed; a failed test
// quarantines every component not yet used, wherever it is. Released
// components are issued with supply/ship and supply/receive and transfused
// by a physician or nurse of the hospital or clinic that holds them.
//
// Plasma donations carry a certificate of origin (a reference or hash of
// the centre's certificate, no personal data). Plasma components from
// released donations are pooled (a transformation of kind "pool") and the
// pool fractionated into lots of plasma products; TraceLot walks any lot
// back to its pools, donations and their tests.
//
// DonorLookback and RecipientLookback answer the two lookback questions
// from indexes, without scanning state.

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
)

// Message types of blood and plasma.
const (
	TypeDonation    = "supply/donation"
	TypeTestResults = "supply/test-results"
	TypeSeparate    = "supply/separate"
	TypeTransfuse   = "supply/transfuse"
	TypePool        = "supply/pool"
	TypeFractionate = "supply/fractionate"
)

// Errors of blood and plasma.
var (
	ErrUntested   = errors.New("supply: donation awaiting its tests")
	ErrTestFailed = errors.New("supply: donation failed a test")
)

// StatusTransfused is the final status of a transfused blood component.
const StatusTransfused = "transfused"

// Donation types.
const (
	DonationBlood  = "blood"
	DonationPlasma = "plasma"
)

// Donation statuses.
const (
	DonationPending  = "pending"  // awaiting required tests
	DonationReleased = "released" // every required test passed, none failed
	DonationFailed   = "failed"   // a test failed
)

// Test results.
const (
	TestPass = "pass"
	TestFail = "fail"
)

// RequiredTests lists, sorted, the tests a donation of type typ must pass
// before its components are released. Other tests (htlv, wnv, nat-hiv...)
// may be recorded too; any failed test fails the donation.
func RequiredTests(typ string) []string {
	if typ == DonationPlasma {
		return []string{"hbv", "hcv", "hiv"}
	}
	return []string{"abo-rhd", "hbv", "hcv", "hiv", "syphilis"}
}

// Limits of blood and plasma.
const (
	MaxTests      = 32 // per donation
	MaxComponents = 8  // per separation
)

var (
	// ISBT 128 DIN: facility identification number (A-N, P-Z or 1-9, then
	// four digits), two-digit year, six-digit sequence number.
	dinPattern    = regexp.MustCompile(`^[A-NP-Z1-9][0-9]{12}$`)
	flagsPattern  = regexp.MustCompile(`^[0-9]{2}$`)
	donorPattern  = regexp.MustCompile(`^[0-9a-f]{16,64}$`)
	testPattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,23}$`)
	sha256Pattern = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// ParseDIN checks an ISBT 128 donation identification number and returns
// its 13 characters. Two trailing flag characters (digits: which label or
// process the barcode is on, not which donation) are accepted and dropped.
func ParseDIN(s string) (string, error) {
	if len(s) == 15 && flagsPattern.MatchString(s[13:]) {
		s = s[:13]
	}
	if !dinPattern.MatchString(s) {
		return "", fmt.Errorf("DIN %q: an ISBT 128 DIN is 13 characters, e.g. A999926123456 (facility, year, sequence), optionally + 2 flag digits", s)
	}
	return s, nil
}

// Donation is a blood or plasma donation.
type Donation struct {
	DIN    string `json:"din"`
	Type   string `json:"type"`
	Donor  string `json:"donor,omitempty"` // the centre's pseudonym; always set in state, left out of Public()
	Centre string `json:"centre"`
	// Certificate is the plasma certificate of origin: a reference or hash.
	Certificate string       `json:"certificate,omitempty"`
	Status      string       `json:"status"`
	Tests       []TestResult `json:"tests,omitempty"` // sorted by test
	Components  int          `json:"components"`
	Height      int64        `json:"height"`
	Time        int64        `json:"time"`
	Decided     int64        `json:"decided,omitempty"` // height of release or failure
}

// TestResult is one test of a donation, signed by a lab.
type TestResult struct {
	Test   string `json:"test"`
	Result string `json:"result"` // pass | fail
	Lab    string `json:"lab"`
	By     string `json:"by"`
	Report string `json:"report,omitempty"` // SHA-256 of the lab's report
	Height int64  `json:"height"`
	Time   int64  `json:"time"`
}

// Transfusion records a component transfused to a patient.
type Transfusion struct {
	Item      string `json:"item"`
	DIN       string `json:"din"`
	Recipient string `json:"recipient"`
	Org       string `json:"org"`
	By        string `json:"by"`
	Height    int64  `json:"height"`
	Time      int64  `json:"time"`
}

// State of blood and plasma.
var (
	donations          = state.NewMap[Donation](Name, "sup/d/")     // DIN
	donorIndex         = state.NewIndex(Name, "sup/dd/")            // donor/DIN
	donationComponents = state.NewIndex(Name, "sup/dc/").Public()   // DIN/item
	transfusions       = state.NewMap[Transfusion](Name, "sup/tr/") // item
	recipientIndex     = state.NewIndex(Name, "sup/trr/")           // recipient/item
)

// --- messages ---

// ValidDonor checks a donor: the blood centre's pseudonym, never a name or
// a patient ID.
func ValidDonor(d string) error {
	if !donorPattern.MatchString(d) {
		return fmt.Errorf("donor %q: the centre's pseudonym, 16-64 lower-case hex digits (never a name or a patient ID)", d)
	}
	return nil
}

// RegisterDonation registers a donation. Signed by a nurse, physician or
// registrar of a blood centre.
//
//	{"din": "A999926123456", "type": "blood"|"plasma", "donor": "<16-64 hex>", "certificate": "…"}
type RegisterDonation struct {
	DIN         string `json:"din"`
	Type        string `json:"type"`
	Donor       string `json:"donor"`
	Certificate string `json:"certificate,omitempty"` // required for plasma
}

func (m *RegisterDonation) Validate() error {
	din, err := ParseDIN(m.DIN)
	if err != nil {
		return err
	}
	m.DIN = din
	if m.Type != DonationBlood && m.Type != DonationPlasma {
		return fmt.Errorf("type %q: blood or plasma", m.Type)
	}
	if err := ValidDonor(m.Donor); err != nil {
		return err
	}
	if m.Type == DonationPlasma && m.Certificate == "" {
		return errors.New("certificate: a plasma donation needs its certificate of origin")
	}
	if m.Certificate != "" && !transformIDPattern.MatchString(m.Certificate) {
		return errors.New("certificate: a reference or hash, 1-100 letters, digits and . _ : -")
	}
	return nil
}

// RecordTests records test results of a donation. Signed by a lab
// technician of a lab or of the donation's blood centre.
//
//	{"din": "…", "results": [{"test": "hiv", "result": "pass"}], "report": "<sha256>"}
type RecordTests struct {
	DIN     string        `json:"din"`
	Results []TestOutcome `json:"results"`
	Report  string        `json:"report,omitempty"`
}

// TestOutcome is one result as a lab reports it.
type TestOutcome struct {
	Test   string `json:"test"`
	Result string `json:"result"`
}

func (m *RecordTests) Validate() error {
	din, err := ParseDIN(m.DIN)
	if err != nil {
		return err
	}
	m.DIN = din
	if len(m.Results) == 0 || len(m.Results) > MaxTests {
		return fmt.Errorf("results: 1 to %d", MaxTests)
	}
	seen := map[string]bool{}
	for _, r := range m.Results {
		if !testPattern.MatchString(r.Test) {
			return fmt.Errorf("test %q: a short code, lowercase letters, digits and -", r.Test)
		}
		if r.Result != TestPass && r.Result != TestFail {
			return fmt.Errorf("test %s: result %q must be pass or fail", r.Test, r.Result)
		}
		if seen[r.Test] {
			return fmt.Errorf("test %s given twice", r.Test)
		}
		seen[r.Test] = true
	}
	if m.Report != "" && !sha256Pattern.MatchString(m.Report) {
		return errors.New("report: SHA-256, 64 lowercase hex digits")
	}
	return nil
}

// Separate makes components of a donation: units of blood-component
// products of the donation's centre, lot = DIN. Signed by a member of the
// centre.
//
//	{"din": "…", "components": [{"gtin": "…", "serial": "<DIN…>", "expiry": "2026-06-12"}]}
type Separate struct {
	DIN        string          `json:"din"`
	Components []ComponentSpec `json:"components"`
}

// ComponentSpec is one component to make. Serial defaults to the DIN and
// must start with it (splits add a suffix).
type ComponentSpec struct {
	GTIN   string `json:"gtin"`
	Serial string `json:"serial,omitempty"`
	Expiry string `json:"expiry"`
}

func (m *Separate) Validate() error {
	din, err := ParseDIN(m.DIN)
	if err != nil {
		return err
	}
	m.DIN = din
	if len(m.Components) == 0 || len(m.Components) > MaxComponents {
		return fmt.Errorf("components: 1 to %d", MaxComponents)
	}
	seen := map[string]bool{}
	for i := range m.Components {
		c := &m.Components[i]
		if err := ValidGTIN(c.GTIN); err != nil {
			return fmt.Errorf("components[%d]: %w", i, err)
		}
		if c.Serial == "" {
			c.Serial = din
		}
		if !strings.HasPrefix(c.Serial, din) {
			return fmt.Errorf("components[%d]: serial %q must start with the DIN", i, c.Serial)
		}
		if err := ValidSerial(c.Serial); err != nil {
			return fmt.Errorf("components[%d]: %w", i, err)
		}
		if err := validDate("expiry", c.Expiry); err != nil {
			return fmt.Errorf("components[%d]: %w", i, err)
		}
		id := UnitID(c.GTIN, c.Serial)
		if seen[id] {
			return fmt.Errorf("components[%d]: %s given twice", i, id)
		}
		seen[id] = true
	}
	return nil
}

func validDate(field, d string) error {
	if !datePattern.MatchString(d) {
		return fmt.Errorf("%s %q must be YYYY-MM-DD", field, d)
	}
	if _, err := time.Parse(time.DateOnly, d); err != nil {
		return fmt.Errorf("%s %q is not a date", field, d)
	}
	return nil
}

// Transfuse records a component transfused to a patient. Signed by a
// physician or nurse of the hospital or clinic that holds it.
//
//	{"item": "01/…/21/…", "recipient": "pt-…"}
type Transfuse struct {
	Item      string `json:"item"`
	Recipient string `json:"recipient"`
}

func (m *Transfuse) Validate() error {
	gtin, _, err := ParseID(m.Item)
	if err != nil {
		return err
	}
	if gtin == "" {
		return fmt.Errorf("item %s: transfuse a unit, not a container", m.Item)
	}
	if err := ledger.ValidPatientID(m.Recipient); err != nil {
		return fmt.Errorf("recipient: %w", err)
	}
	return nil
}

// Pool pools plasma components of released donations. Signed by a member
// of the manufacturer (fractionator) or blood centre that holds them. The
// pool is a transformation of kind "pool"; more components may be added
// until it is fractionated.
//
//	{"pool": "POOL-2026-001", "items": ["01/…/21/…", …]}
type Pool struct {
	Pool  string   `json:"pool"`
	Items []string `json:"items"`
}

func (m *Pool) Validate() error {
	if !transformIDPattern.MatchString(m.Pool) {
		return fmt.Errorf("pool %q: 1-100 letters, digits and . _ : -", m.Pool)
	}
	return validItems("items", m.Items)
}

// Fractionate commissions lots of plasma products from a pool. Signed by a
// member of the organisation that made the pool and makes the products.
//
//	{"pool": "…", "outputs": [{"gtin": "…", "lot": "…", "expiry": "…", "serials": {…}}]}
type Fractionate struct {
	Pool    string   `json:"pool"`
	Outputs []Output `json:"outputs"`
}

func (m *Fractionate) Validate() error {
	if !transformIDPattern.MatchString(m.Pool) {
		return fmt.Errorf("pool %q: 1-100 letters, digits and . _ : -", m.Pool)
	}
	return validOutputs(m.Outputs, true)
}

// Separated is what supply/separate made.
type Separated struct {
	DIN   string   `json:"din"`
	Items []string `json:"items"`
}

// bloodRoutes are the routes of blood, plasma, transformations and PPE.
func (k *Keeper) bloodRoutes() []ledger.Route {
	return []ledger.Route{
		{Type: TypeDonation, Handler: ledger.Handle(k.registerDonation)},
		{Type: TypeTestResults, Handler: ledger.Handle(k.recordTests)},
		{Type: TypeSeparate, Handler: ledger.Handle(k.separate)},
		{Type: TypeTransfuse, Handler: ledger.Handle(k.transfuse)},
		{Type: TypePool, Handler: ledger.Handle(k.pool)},
		{Type: TypeFractionate, Handler: ledger.Handle(k.fractionate)},
		{Type: TypeTransform, Handler: ledger.Handle(k.transform)},
		{Type: TypeDemand, Handler: ledger.Handle(k.postDemand)},
		{Type: TypePledge, Handler: ledger.Handle(k.pledge)},
	}
}

// --- handlers ---

func (k *Keeper) registerDonation(ctx *ledger.Context, m RegisterDonation) (any, error) {
	if err := member(ctx); err != nil {
		return nil, err
	}
	kind, _ := k.dir.OrgKind(ctx.Store, ctx.Signer.Org)
	if kind != ledger.OrgBloodCentre || !ctx.Signer.HasAnyRole(ledger.RoleNurse, ledger.RolePhysician, ledger.RoleRegistrar) {
		return nil, fmt.Errorf("%w: donations are registered by a nurse, physician or registrar of a blood centre", ErrUnauthorized)
	}
	if donations.Has(ctx.Store, m.DIN) {
		return nil, fmt.Errorf("%w: donation %s", ErrExists, m.DIN)
	}
	d := Donation{DIN: m.DIN, Type: m.Type, Donor: m.Donor, Centre: ctx.Signer.Org, Certificate: m.Certificate,
		Status: DonationPending, Height: ctx.Height, Time: ctx.Time.Unix()}
	donations.Set(ctx.Store, m.DIN, d)
	donorIndex.Add(ctx.Store, m.Donor, m.DIN)
	ctx.Emit(EventDonation.New(m.DIN, m.Type, d.Centre))
	return d, nil
}

func (k *Keeper) recordTests(ctx *ledger.Context, m RecordTests) (any, error) {
	if err := member(ctx); err != nil {
		return nil, err
	}
	kind, _ := k.dir.OrgKind(ctx.Store, ctx.Signer.Org)
	if (kind != ledger.OrgLab && kind != ledger.OrgBloodCentre) || !ctx.Signer.HasRole(ledger.RoleLabTechnician) {
		return nil, fmt.Errorf("%w: test results are signed by a lab technician of a lab or blood centre", ErrUnauthorized)
	}
	d, ok := donations.Get(ctx.Store, m.DIN)
	if !ok {
		return nil, fmt.Errorf("%w: donation %s", ErrNotFound, m.DIN)
	}
	if kind == ledger.OrgBloodCentre && d.Centre != ctx.Signer.Org {
		return nil, fmt.Errorf("%w: a blood centre tests its own donations; %s is %s's", ErrUnauthorized, d.DIN, d.Centre)
	}
	for _, r := range m.Results {
		if slices.ContainsFunc(d.Tests, func(t TestResult) bool { return t.Test == r.Test }) {
			return nil, fmt.Errorf("%w: test %s of donation %s is recorded", ErrExists, r.Test, d.DIN)
		}
		d.Tests = append(d.Tests, TestResult{Test: r.Test, Result: r.Result, Lab: ctx.Signer.Org, By: ctx.Signer.ID,
			Report: m.Report, Height: ctx.Height, Time: ctx.Time.Unix()})
	}
	if len(d.Tests) > MaxTests {
		return nil, fmt.Errorf("%w: at most %d tests per donation", ledger.ErrInvalidMsg, MaxTests)
	}
	slices.SortFunc(d.Tests, func(a, b TestResult) int { return strings.Compare(a.Test, b.Test) })
	prev := d.Status
	d.Status = decide(d)
	if d.Status != prev {
		d.Decided = ctx.Height
		k.applyDecision(ctx, d)
	}
	donations.Set(ctx.Store, d.DIN, d)
	ctx.Emit(EventTested.New(d.DIN, ctx.Signer.Org, strconv.Itoa(len(m.Results)), d.Status))
	return d, nil
}

// decide is a donation's status from its tests: any failure fails it;
// otherwise it is released once every required test passed.
func decide(d Donation) string {
	if failedTest(d) != "" {
		return DonationFailed
	}
	for _, req := range RequiredTests(d.Type) {
		if !slices.ContainsFunc(d.Tests, func(t TestResult) bool { return t.Test == req && t.Result == TestPass }) {
			return DonationPending
		}
	}
	return DonationReleased
}

func failedTest(d Donation) string {
	for _, t := range d.Tests {
		if t.Result == TestFail {
			return t.Test
		}
	}
	return ""
}

func pendingReason(din string) string { return pendingPrefix + din }

const pendingPrefix = "awaiting tests of donation "

// overridable reports whether a new hold (a cold-chain excursion) replaces
// an item's current one: none, or the hold of a donation's pending tests,
// which the tests lift by themselves. The excursion must outlive that:
// passing tests do not undo a broken cold chain.
func overridable(quarantine string) bool {
	return quarantine == "" || strings.HasPrefix(quarantine, pendingPrefix)
}

// applyDecision releases a donation's components from their pending
// quarantine, or quarantines every component not yet used (transfused,
// consumed, dispensed, destroyed or missing ones are beyond reach: lookback
// finds them).
func (k *Keeper) applyDecision(ctx *ledger.Context, d Donation) {
	var ids []string
	donationComponents.Walk(ctx.Store, func(id string) bool { ids = append(ids, id); return true }, d.DIN)
	reason := fmt.Sprintf("donation %s failed test %s", d.DIN, failedTest(d))
	held := 0
	for _, id := range ids {
		it, ok := items.Get(ctx.Store, id)
		if !ok {
			continue
		}
		switch d.Status {
		case DonationReleased:
			if it.Quarantine != pendingReason(d.DIN) {
				continue
			}
			it.Quarantine = ""
			if it.Status == StatusQuarantined {
				it.Status = StatusActive
			}
		case DonationFailed:
			switch it.Status {
			case StatusTransfused, StatusConsumed, StatusDispensed, StatusDestroyed, StatusMissing:
				continue
			}
			it.Quarantine = reason
			if it.Status == StatusActive {
				it.Status = StatusQuarantined
			}
			held++
		}
		it.Updated = ctx.Height
		items.Set(ctx.Store, id, it)
	}
	if d.Status == DonationFailed {
		ctx.Emit(EventDonationFailed.New(d.DIN, failedTest(d), strconv.Itoa(held), strconv.Itoa(len(ids))))
	} else {
		ctx.Emit(EventDonationReleased.New(d.DIN, strconv.Itoa(len(ids))))
	}
}

// bloodHold refuses a component of a donation that is not released. It
// guards everything that uses a component (transfusion, pooling,
// transformation) and supply/release, so that a quality officer cannot lift
// the quarantine of an untested or failed donation.
func (k *Keeper) bloodHold(r state.Reader, it Item) error {
	if it.Kind != ItemUnit || it.Lot == "" || !donationComponents.Has(r, it.Lot, it.ID) {
		return nil
	}
	d, _ := donations.Get(r, it.Lot)
	switch d.Status {
	case DonationReleased:
		return nil
	case DonationFailed:
		return fmt.Errorf("%w: %s is of donation %s, which failed test %s", ErrTestFailed, it.ID, d.DIN, failedTest(d))
	}
	return fmt.Errorf("%w: %s is of donation %s, not yet released by its tests", ErrUntested, it.ID, d.DIN)
}

func (k *Keeper) separate(ctx *ledger.Context, m Separate) (any, error) {
	if err := member(ctx); err != nil {
		return nil, err
	}
	d, ok := donations.Get(ctx.Store, m.DIN)
	if !ok {
		return nil, fmt.Errorf("%w: donation %s", ErrNotFound, m.DIN)
	}
	if d.Centre != ctx.Signer.Org {
		return nil, fmt.Errorf("%w: donation %s is separated by its centre, %s", ErrUnauthorized, d.DIN, d.Centre)
	}
	if d.Status == DonationFailed {
		return nil, fmt.Errorf("%w: donation %s failed test %s", ErrTestFailed, d.DIN, failedTest(d))
	}
	quarantine := ""
	if d.Status == DonationPending {
		quarantine = pendingReason(d.DIN)
	}
	out := Separated{DIN: d.DIN}
	for _, c := range m.Components {
		p, ok := products.Get(ctx.Store, c.GTIN)
		switch {
		case !ok:
			return nil, fmt.Errorf("%w: product %s is not registered", ErrNotFound, c.GTIN)
		case p.Manufacturer != d.Centre:
			return nil, fmt.Errorf("%w: product %s is %s's, not the centre's", ErrUnauthorized, c.GTIN, p.Manufacturer)
		case p.Kind != KindBloodComponent:
			return nil, fmt.Errorf("%w: product %s is a %s, not a blood component", ErrState, c.GTIN, p.Kind)
		}
		if err := k.makeUnits(ctx, p, d.DIN, c.Expiry, []string{c.Serial}, quarantine); err != nil {
			return nil, err
		}
		id := UnitID(c.GTIN, c.Serial)
		donationComponents.Add(ctx.Store, d.DIN, id)
		out.Items = append(out.Items, id)
	}
	d.Components += len(out.Items)
	donations.Set(ctx.Store, d.DIN, d)
	ctx.Emit(EventSeparated.New(d.DIN, strconv.Itoa(len(out.Items)), d.Status))
	return out, nil
}

func (k *Keeper) transfuse(ctx *ledger.Context, m Transfuse) (any, error) {
	if err := member(ctx); err != nil {
		return nil, err
	}
	kind, _ := k.dir.OrgKind(ctx.Store, ctx.Signer.Org)
	if (kind != ledger.OrgHospital && kind != ledger.OrgClinic) || !ctx.Signer.HasAnyRole(ledger.RolePhysician, ledger.RoleNurse) {
		return nil, fmt.Errorf("%w: a physician or nurse of a hospital or clinic transfuses", ErrUnauthorized)
	}
	if !k.dir.PatientExists(ctx.Store, m.Recipient) {
		return nil, fmt.Errorf("%w: patient %s", ErrNotFound, m.Recipient)
	}
	it, err := k.held(ctx, m.Item)
	if err != nil {
		return nil, err
	}
	if !donationComponents.Has(ctx.Store, it.Lot, it.ID) {
		return nil, fmt.Errorf("%w: %s is not a component of a registered donation", ErrState, it.ID)
	}
	if err := k.bloodHold(ctx.Store, it); err != nil {
		return nil, err
	}
	if it.Status == StatusQuarantined {
		return nil, fmt.Errorf("%w: %s (%s)", ErrQuarantined, it.ID, it.Quarantine)
	}
	lot, _ := lots.Get(ctx.Store, it.GTIN+"/"+it.Lot)
	if lot.Recall != nil {
		return nil, fmt.Errorf("%w: %s: %s", ErrRecalled, it.ID, lot.Recall.Reason)
	}
	if lot.Expiry < ctx.Time.UTC().Format(time.DateOnly) {
		return nil, fmt.Errorf("%w: %s expired on %s", ErrState, it.ID, lot.Expiry)
	}
	it.Status, it.Updated = StatusTransfused, ctx.Height
	items.Set(ctx.Store, it.ID, it)
	k.addCustody(ctx, it.ID, ctx.Signer.Org, StatusTransfused, "", 0)
	t := Transfusion{Item: it.ID, DIN: it.Lot, Recipient: m.Recipient, Org: ctx.Signer.Org, By: ctx.Signer.ID,
		Height: ctx.Height, Time: ctx.Time.Unix()}
	transfusions.Set(ctx.Store, it.ID, t)
	recipientIndex.Add(ctx.Store, m.Recipient, it.ID)
	ctx.Emit(EventTransfused.New(it.ID, it.Lot, ctx.Signer.Org))
	return t, nil
}

func (k *Keeper) pool(ctx *ledger.Context, m Pool) (any, error) {
	if err := member(ctx); err != nil {
		return nil, err
	}
	kind, _ := k.dir.OrgKind(ctx.Store, ctx.Signer.Org)
	if kind != ledger.OrgManufacturer && kind != ledger.OrgBloodCentre {
		return nil, fmt.Errorf("%w: plasma is pooled by a fractionator (manufacturer) or blood centre", ErrUnauthorized)
	}
	tf, err := k.openTransformation(ctx, m.Pool, TransformPool, true)
	if err != nil {
		return nil, err
	}
	onlyDonations := func(it Item) error {
		if !donationComponents.Has(ctx.Store, it.Lot, it.ID) {
			return fmt.Errorf("%w: %s is not a component of a registered donation", ErrState, it.ID)
		}
		return nil
	}
	if tf, err = k.applyTransform(ctx, tf, m.Items, nil, onlyDonations, nil); err != nil {
		return nil, err
	}
	return tf, nil
}

func (k *Keeper) fractionate(ctx *ledger.Context, m Fractionate) (any, error) {
	if err := member(ctx); err != nil {
		return nil, err
	}
	tf, err := k.openTransformation(ctx, m.Pool, TransformPool, false)
	if err != nil {
		return nil, err
	}
	if tf.Inputs == 0 {
		return nil, fmt.Errorf("%w: pool %s is empty", ErrState, tf.ID)
	}
	plasmaProducts := func(p Product) error {
		if p.Kind != KindPlasmaProduct {
			return fmt.Errorf("%w: product %s is a %s, not a plasma product", ErrState, p.GTIN, p.Kind)
		}
		return nil
	}
	if tf, err = k.applyTransform(ctx, tf, nil, m.Outputs, nil, plasmaProducts); err != nil {
		return nil, err
	}
	return tf, nil
}

// --- queries ---

// Donation reads a donation.
func (k *Keeper) Donation(r state.Reader, din string) (Donation, bool) { return donations.Get(r, din) }

// Transfusion reads the transfusion of a component.
func (k *Keeper) Transfusion(r state.Reader, item string) (Transfusion, bool) {
	return transfusions.Get(r, item)
}

// DonationComponents lists the components made of a donation.
func (k *Keeper) DonationComponents(r state.Reader, din string) []string {
	var out []string
	donationComponents.Walk(r, func(id string) bool { out = append(out, id); return true }, din)
	return out
}

// Trace is one component in a lookback: its donation, the donation's
// tests, where the component is and, if transfused, to whom.
type Trace struct {
	DIN            string       `json:"din"`
	DonationType   string       `json:"donation_type"`
	Donor          string       `json:"donor,omitempty"` // left out for the recipient (WithoutDonors)
	Centre         string       `json:"centre"`
	Certificate    string       `json:"certificate,omitempty"`
	DonationStatus string       `json:"donation_status"`
	Tests          []TestResult `json:"tests,omitempty"`
	// Item is empty for a donation without components.
	Item        string       `json:"item,omitempty"`
	GTIN        string       `json:"gtin,omitempty"`
	Status      string       `json:"status,omitempty"`
	Custodian   string       `json:"custodian,omitempty"`
	Transfusion *Transfusion `json:"transfusion,omitempty"`
	// ConsumedBy are the transformations (pools) the component went into.
	ConsumedBy []string `json:"consumed_by,omitempty"`
}

func traceOf(d Donation) Trace {
	return Trace{DIN: d.DIN, DonationType: d.Type, Donor: d.Donor, Centre: d.Centre, Certificate: d.Certificate,
		DonationStatus: d.Status, Tests: d.Tests}
}

func (k *Keeper) trace(r state.Reader, d Donation, id string) Trace {
	t := traceOf(d)
	t.Item = id
	if it, ok := items.Get(r, id); ok {
		t.GTIN, t.Status, t.Custodian = it.GTIN, it.Status, k.custodianOf(r, it)
	}
	if x, ok := transfusions.Get(r, id); ok {
		t.Transfusion = &x
	}
	tfConsumedBy.Walk(r, func(tf string) bool {
		t.ConsumedBy = append(t.ConsumedBy, tf)
		return true
	}, id)
	return t
}

// DonorLookback lists every component of every donation of a donor (a
// donation without components appears once, without an item), in DIN and
// item order; transfused ones carry their recipient.
func (k *Keeper) DonorLookback(r state.Reader, donor string) []Trace {
	var out []Trace
	donorIndex.Walk(r, func(din string) bool {
		d, ok := donations.Get(r, din)
		if !ok {
			return true
		}
		n := len(out)
		donationComponents.Walk(r, func(id string) bool {
			out = append(out, k.trace(r, d, id))
			return true
		}, din)
		if len(out) == n {
			out = append(out, traceOf(d))
		}
		return true
	}, donor)
	return out
}

// RecipientLookback lists every component transfused to a patient, with
// its donation, donor and the donation's tests, in item order.
func (k *Keeper) RecipientLookback(r state.Reader, recipient string) []Trace {
	var out []Trace
	recipientIndex.Walk(r, func(id string) bool {
		t, ok := transfusions.Get(r, id)
		if !ok {
			return true
		}
		if d, ok := donations.Get(r, t.DIN); ok {
			out = append(out, k.trace(r, d, id))
		}
		return true
	}, recipient)
	return out
}

// LotTrace is where a lot comes from.
type LotTrace struct {
	GTIN string `json:"gtin"`
	Lot  string `json:"lot"`
	// Transformations are those the lot descends from, nearest first.
	Transformations []Transformation `json:"transformations,omitempty"`
	// Donations are the donations it was made of, with their tests, by DIN.
	Donations []Donation `json:"donations,omitempty"`
}

// maxTraceLots bounds the lots TraceLot visits.
const maxTraceLots = 100_000

// TraceLot walks a lot back through the transformations that made it (a
// plasma product lot: its pool) to the donations it was made of and their
// test results. A lot of blood components (lot = DIN) traces to its donation.
func (k *Keeper) TraceLot(r state.Reader, gtin, lot string) LotTrace {
	out := LotTrace{GTIN: gtin, Lot: lot}
	seenLot, seenTF, seenDIN := map[string]bool{}, map[string]bool{}, map[string]bool{}
	addDonation := func(din string) {
		if d, ok := donations.Get(r, din); ok && !seenDIN[din] {
			seenDIN[din] = true
			out.Donations = append(out.Donations, d)
		}
	}
	if d, ok := donations.Get(r, lot); ok {
		if l, ok := lots.Get(r, gtin+"/"+lot); ok && l.Manufacturer == d.Centre {
			addDonation(lot)
		}
	}
	queue := [][2]string{{gtin, lot}}
	for len(queue) > 0 && len(seenLot) < maxTraceLots {
		gl := queue[0]
		queue = queue[1:]
		if seenLot[gl[0]+"/"+gl[1]] {
			continue
		}
		seenLot[gl[0]+"/"+gl[1]] = true
		for _, tf := range k.lotTransformations(r, gl[0], gl[1]) {
			if seenTF[tf.ID] {
				continue
			}
			seenTF[tf.ID] = true
			out.Transformations = append(out.Transformations, tf)
			tfInputs.Walk(r, func(id string) bool {
				it, ok := items.Get(r, id)
				switch {
				case !ok || it.GTIN == "":
				case donationComponents.Has(r, it.Lot, it.ID):
					addDonation(it.Lot)
				default:
					queue = append(queue, [2]string{it.GTIN, it.Lot})
				}
				return true
			}, tf.ID)
		}
	}
	slices.SortFunc(out.Donations, func(a, b Donation) int { return strings.Compare(a.DIN, b.DIN) })
	return out
}
