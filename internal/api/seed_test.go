package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/medchain/medchain/internal/api/apitest"
	"github.com/medchain/medchain/internal/claimcheck"
	"github.com/medchain/medchain/internal/claims"
	"github.com/medchain/medchain/internal/credentials"
	"github.com/medchain/medchain/internal/donations"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/pools"
	"github.com/medchain/medchain/internal/publichealth"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/research"
	"github.com/medchain/medchain/internal/supply"
	"github.com/medchain/medchain/internal/vault"
)

// seeded is a chain holding one of everything private, for the tests of who
// sees what (docs/design.md §3.11), and the IDs of what it holds.
//
// On top of newRecordsEnv (general-hospital keeps records; dr-grey,
// physician; acme-insurance/claims):
//
//	general-hospital  hospital-privacy (privacy officer), hospital-auditor (auditor), hospital-nurse (nurse)
//	acme-insurance    insurer-privacy (privacy officer)
//	city-lab          lab-tech (lab technician)
//	bloodbank         blood centre, admitted by governance: bloodbank-admin, bloodbank-nurse (nurse), bloodbank-lab (lab technician)
//
// and the patients walk-patient, walk-guardian (walk-patient's delegate)
// and walk-stranger (self-registered, related to nothing).
type seeded struct {
	*env
	patient, guardian, stranger string // patient IDs
	record, grant, window       string // walk-patient's record, grant to acme-insurance (of record only), dr-grey's break-glass window
	record2                     string // walk-patient's other record, outside the grant
	grantTx                     string // the hash of the grant's transaction
	need, campaign              string // a hospital's need and a charity's campaign for it
	pledge, orgPledge           string // the patient's cash pledge (private) and an organisation's
	receipts                    []string
	rbc, plasma                 string // the blood components' item IDs
	shipment, demand            string
	credential                  string          // dr-grey's licence, issued by the board
	credCase                    string          // general-hospital's credentialing case of dr-grey
	study, enrolment            string          // a study (public) and walk-patient's enrolment in it (private)
	release, request, release2  string          // the study's release, a data request and its release (public)
	coverage, claim             string          // walk-patient's coverage with acme-insurance, and a claim under it, paid
	telemetry                   seededTelemetry // walk-patient's monitoring (telemetry_openapi_test.go)
	pool, aidClaim              string          // acme-insurance's pool, walk-patient's aid claim (paid)
}

// The seeded donors' pseudonyms (apart from the supply test's: its plasma
// donor's is a prefix of the harness's node ID, which /v1/status shows).
const (
	seedDonorBlood  = "5eedd0b0e1f2a3b4"
	seedDonorPlasma = "c0ffee5eed4b1d0d07"
)

// Key names of seeded's patients.
const (
	keyPatient  = "walk-patient"
	keyGuardian = "walk-guardian"
	keyStranger = "walk-stranger"
)

// registerPatient registers the patient of key and returns its ID.
func (e *env) registerPatient(key string) string {
	e.t.Helper()
	var pt ledger.Created
	if err := json.Unmarshal(e.ok(key, identity.TypeRegisterPatient, identity.RegisterPatient{}).Result, &pt); err != nil || pt.ID == "" {
		e.t.Fatalf("registering %s: %v", key, err)
	}
	return pt.ID
}

// created submits a transaction and returns the ID of what it created.
func (e *env) created(signer, typ string, msg any) string {
	e.t.Helper()
	var c ledger.Created
	if err := json.Unmarshal(e.ok(signer, typ, msg).Result, &c); err != nil || c.ID == "" {
		e.t.Fatalf("%s by %s: no ID created: %v", typ, signer, err)
	}
	return c.ID
}

// addRecord uploads an observation of patient to general-hospital's vault,
// has dr-grey anchor it, and returns its record ID.
func (e *env) addRecord(patient string) string {
	e.t.Helper()
	var up struct {
		Uploads []vault.Uploaded `json:"uploads"`
	}
	e.post("/v1/records/uploads", "application/json",
		signed(e.sign("dr-grey", records.TypeUpload, records.Upload{Patient: patient, Document: []byte(observation)})),
		http.StatusCreated, &up)
	if len(up.Uploads) != 1 {
		e.t.Fatalf("uploads: %+v", up)
	}
	e.ok("dr-grey", records.TypeAdd, records.Add{Anchors: []records.Anchor{up.Uploads[0].Anchor}})
	return up.Uploads[0].Record
}

// seedPrivate builds seeded: a record with versions, a grant, a
// delegation, reads served and refused (receipts), a break-glass window, a
// blood donation tested and transfused to walk-patient, a plasma donation
// pooled and fractionated, a shipment and a PPE demand.
func seedPrivate(t *testing.T) *seeded {
	t.Helper()
	e := newRecordsEnv(t)
	s := &seeded{env: e}
	e.supplyMember("hospital-admin", "privacy", identity.Person, "hospital-privacy", ledger.RolePrivacyOfficer)
	e.supplyMember("hospital-admin", "auditor", identity.Person, "hospital-auditor", ledger.RoleAuditor)
	e.supplyMember("hospital-admin", "nurse", identity.Person, "hospital-nurse", ledger.RoleNurse)
	e.supplyMember("insurer-admin", "privacy", identity.Person, "insurer-privacy", ledger.RolePrivacyOfficer)
	e.supplyMember("lab-admin", "tech", identity.Person, "lab-tech", ledger.RoleLabTechnician)
	e.supplyAdmitOrg("bloodbank", ledger.OrgBloodCentre, []string{"insurer-admin", "lab-admin"})
	e.supplyMember("bloodbank-admin", "nurse", identity.Person, "bloodbank-nurse", ledger.RoleNurse)
	e.supplyMember("bloodbank-admin", "lab", identity.Person, "bloodbank-lab", ledger.RoleLabTechnician)

	s.patient = e.registerPatient(keyPatient)
	s.guardian = e.registerPatient(keyGuardian)
	s.stranger = e.registerPatient(keyStranger)

	// Two records, kept by general-hospital.
	s.record, s.record2 = e.addRecord(s.patient), e.addRecord(s.patient)
	if s.record == s.record2 {
		t.Fatalf("two uploads made one record %s", s.record)
	}

	// A grant to the insurer of the first record, a delegation to the
	// guardian.
	gs := e.ok(keyPatient, records.TypeGrant, records.GrantMsg{
		Grantee: records.Grantee{Org: "acme-insurance"}, Purposes: []string{records.PurposePayment}, Records: []string{s.record},
		Expires: apitest.GenesisTime.Add(365 * 24 * time.Hour)})
	var gr ledger.Created
	if err := json.Unmarshal(gs.Result, &gr); err != nil || gr.ID == "" {
		t.Fatalf("grant: %s: %v", gs.Result, err)
	}
	s.grant, s.grantTx = gr.ID, gs.Hash
	until := apitest.GenesisTime.Add(30 * 24 * time.Hour)
	e.ok(keyPatient, records.TypeDelegate, records.Delegate{Delegate: s.guardian, Expires: &until})

	// Reads served (the patient, the insurer under the grant) and refused
	// (the insurer for research), and a break-glass window.
	for _, r := range []struct{ reader, purpose string }{{keyPatient, records.PurposeTreatment}, {"claims", records.PurposePayment}} {
		e.post("/v1/records/reads", "application/json",
			signed(e.sign(r.reader, records.TypeReadRequest, records.ReadRequest{Record: s.record, Purpose: r.purpose})), http.StatusOK, nil)
	}
	e.refused(e.sign("claims", records.TypeReadRequest, records.ReadRequest{Record: s.record, Purpose: records.PurposeResearch}),
		http.StatusForbidden, "records.purpose_not_granted")
	if lost := e.vault.FlushRefusals(context.Background()); lost != 0 {
		t.Fatalf("%d receipts of refused reads lost", lost)
	}
	s.window = e.created("dr-grey", records.TypeBreakGlass, records.OpenBreakGlass{Patient: s.patient, Reason: "life-threatening"})

	// Blood: a donation tested, issued to the hospital and transfused to
	// the patient; a plasma donation pooled and fractionated.
	e.ok("bloodbank-admin", supply.TypeRegisterProduct, supply.RegisterProduct{GTIN: gtinRedCells, Name: "Red cells", Kind: supply.KindBloodComponent, MinMilliC: 2000, MaxMilliC: 6000})
	e.ok("bloodbank-admin", supply.TypeRegisterProduct, supply.RegisterProduct{GTIN: gtinPlasma, Name: "Plasma for fractionation", Kind: supply.KindBloodComponent, MinMilliC: -40000, MaxMilliC: -18000})
	e.ok("bloodbank-admin", supply.TypeRegisterProduct, supply.RegisterProduct{GTIN: gtinAlbumin, Name: "Albumin 20%", Kind: supply.KindPlasmaProduct, MinMilliC: 2000, MaxMilliC: 25000})
	e.ok("bloodbank-nurse", supply.TypeDonation, supply.RegisterDonation{DIN: dinBlood, Type: supply.DonationBlood, Donor: seedDonorBlood})
	e.ok("bloodbank-admin", supply.TypeSeparate, supply.Separate{DIN: dinBlood, Components: []supply.ComponentSpec{{GTIN: gtinRedCells, Expiry: "2026-02-15"}}})
	e.ok("lab-tech", supply.TypeTestResults, supply.RecordTests{DIN: dinBlood, Report: labReportSHA256, Results: []supply.TestOutcome{
		{Test: "abo-rhd", Result: "pass"}, {Test: "hbv", Result: "pass"}, {Test: "hcv", Result: "pass"}, {Test: "hiv", Result: "pass"}, {Test: "syphilis", Result: "pass"}}})
	s.rbc = supply.UnitID(gtinRedCells, dinBlood)
	s.shipment = e.created("bloodbank-admin", supply.TypeShip, supply.Ship{To: "general-hospital", Items: []string{s.rbc}})
	e.ok("hospital-admin", supply.TypeReceive, supply.Receive{Shipment: s.shipment, Items: []string{s.rbc}})
	e.ok("hospital-nurse", supply.TypeTransfuse, supply.Transfuse{Item: s.rbc, Recipient: s.patient})

	e.ok("bloodbank-nurse", supply.TypeDonation, supply.RegisterDonation{DIN: dinPlasma, Type: supply.DonationPlasma, Donor: seedDonorPlasma, Certificate: "coo-2026-0001"})
	e.ok("bloodbank-admin", supply.TypeSeparate, supply.Separate{DIN: dinPlasma, Components: []supply.ComponentSpec{{GTIN: gtinPlasma, Expiry: "2028-01-01"}}})
	e.ok("bloodbank-lab", supply.TypeTestResults, supply.RecordTests{DIN: dinPlasma, Results: []supply.TestOutcome{
		{Test: "hbv", Result: "pass"}, {Test: "hcv", Result: "pass"}, {Test: "hiv", Result: "pass"}}})
	s.plasma = supply.UnitID(gtinPlasma, dinPlasma)
	e.ok("bloodbank-admin", supply.TypePool, supply.Pool{Pool: plasmaPoolID, Items: []string{s.plasma}})
	e.ok("bloodbank-admin", supply.TypeFractionate, supply.Fractionate{Pool: plasmaPoolID, Outputs: []supply.Output{
		{GTIN: gtinAlbumin, Lot: albuminLot, Expiry: "2028-01-31", Serials: supply.Serials{List: []string{"ALB0001", "ALB0002"}}}}})

	// Donations: a charity's campaign for the hospital's need, with a
	// person's cash pledge (private: the patient's) and an organisation's
	// (public).
	e.supplyAdmitOrg("relief", ledger.OrgCharity, []string{"insurer-admin", "lab-admin"})
	s.need = e.created("hospital-admin", donations.TypeNeed, donations.PostNeed{Item: "mask-n95", Quantity: 4, NeededBy: "2026-06-01"})
	s.campaign = e.created("relief-admin", donations.TypeCampaign, donations.OpenCampaign{Needs: []string{s.need}, Currency: "USD", Closes: "2026-05-01"})
	s.pledge = e.created(keyPatient, donations.TypePledge, donations.MakePledge{Campaign: s.campaign, Amount: 2500, Currency: "USD"})
	s.orgPledge = e.created("insurer-admin", donations.TypePledge, donations.MakePledge{Campaign: s.campaign, Amount: 100000, Currency: "USD"})

	// A medical board authorised by governance, and dr-grey's licence
	// (public register).
	e.credentialsIssuer([]string{"insurer-admin", "lab-admin", "bloodbank-admin", "relief-admin"})
	s.credential, _ = e.credentialsIssue("cr-a1a1a1a1a1a1a1a1a1a1a1a1", "general-hospital/dr-grey")
	s.credCase = e.created("hospital-admin", credentials.TypeOpenCase, credentials.OpenCase{Applicant: "general-hospital/dr-grey",
		Requirements: []credentials.CaseReq{{Type: credentials.TypeMedicalLicence, Source: "board"}}})
	// Claims: acme-insurance's plan (public), walk-patient's coverage and
	// a claim of general-hospital under it, decided and paid (private).
	e.ok("claims", claims.TypePublishPlan, claims.PublishPlan{Plan: "acme-basic", RuleSet: claims.RuleSet{Currency: "USD", Effective: "2026-01-01",
		Required: []string{"Claim.patient"}, Diagnoses: []string{"Z7188"}, Services: []claims.Service{{Code: "G0438", Fee: 17500}}, PatientShareBP: 2000}})
	var cov claims.Coverage
	json.Unmarshal(e.ok("claims", claims.TypeRecordCoverage, claims.RecordCoverage{Patient: s.patient, Plan: "acme-basic", Start: "2026-01-01", End: "2026-12-31"}).Result, &cov)
	s.coverage = cov.ID
	s.claim = e.created("dr-grey", claims.TypeSubmit, claims.Submit{Coverage: s.coverage, Version: 1, Hash: strings.Repeat("c1", 32), Items: 1, Total: 17500, Currency: "USD", Prechecked: true})
	var cl claims.Claim
	e.getAs("claims", "/v1/claims/"+s.claim, http.StatusOK, &cl)
	adj, _ := claimcheck.Adjudication(cl, []claims.ItemDecision{{Sequence: 1, Outcome: claims.OutcomeApproved, Allowed: 17500, Payer: 14000, Patient: 3500}})
	e.ok("claims", claims.TypeAdjudicate, adj)
	e.ok("claims", claims.TypePay, claims.Pay{Claim: s.claim, Response: adj.Response, Amount: 14000, Currency: "USD"})
	// Pools: walk-patient's aid claim, approved and paid with its period.
	s.pool, s.aidClaim = e.seedPool(s.patient, keyPatient, s.record)
	e.ok("dr-grey", pools.TypeVote, pools.CastVote{Claim: s.aidClaim, Approve: true})
	e.ok(keyPatient, pools.TypeSettle, pools.SettlePeriod{Pool: s.pool})

	// PPE demand (public).
	var d supply.Demand
	json.Unmarshal(e.ok("hospital-admin", supply.TypeDemand, supply.PostDemand{Item: "mask-n95", Quantity: 1000, NeededBy: "2026-06-01", Region: "US-MA"}).Result, &d)
	s.demand = d.ID

	// Public-health figures (public): France and one of its provinces,
	// whose 3 is below the suppression threshold; one correction.
	e.ok("lab-tech", publichealth.TypeReport, publichealth.ReportMsg{Rows: []publichealth.Row{
		{Region: "FR", Metric: publichealth.MetricConfirmed, Date: "2025-12-30", Value: 100},
		{Region: "FR", Metric: publichealth.MetricConfirmed, Date: "2025-12-31", Value: 120},
		{Region: "FR/reunion", Metric: publichealth.MetricConfirmed, Date: "2025-12-30", Value: 3},
		{Region: "FR/reunion", Metric: publichealth.MetricConfirmed, Date: "2025-12-31", Value: 40}}})
	e.ok("lab-tech", publichealth.TypeCorrect, publichealth.CorrectMsg{Corrections: []publichealth.Correction{
		{Row: publichealth.Row{Region: "FR", Metric: publichealth.MetricConfirmed, Date: "2025-12-31", Value: 125}, Reason: publichealth.ReasonLateReports}}})

	// Research: a university's study, approved; walk-patient enrols with
	// general-hospital as custodian; the hospital's node releases, the
	// researcher accesses; the insurer requests the data, is given a
	// release of its own and accesses it, which pays the patient.
	e.supplyAdmitOrg("uni", ledger.OrgUniversity, []string{"insurer-admin", "lab-admin", "bloodbank-admin", "relief-admin"})
	e.supplyMember("uni-admin", "researcher", identity.Person, "uni-researcher", ledger.RoleResearcher)
	e.supplyMember("uni-admin", "irb", identity.Person, "uni-irb", ledger.RoleEthicsReviewer)
	s.study = e.created("uni-researcher", research.TypeRegisterStudy, research.RegisterStudy{Protocol: labReportSHA256,
		Purpose: research.DUOHealthMedical, Terms: []string{research.DUOGeneralResearch}, Types: []string{"Observation"}, Ends: "2027-12-31"})
	e.ok("uni-irb", research.TypeApproveStudy, research.ApproveStudy{Study: s.study})
	s.enrolment = e.created(keyPatient, research.TypeEnrol, research.Enrol{Study: s.study, Custodians: []string{"general-hospital"}})
	privacy, err := e.h.App.Identity().Authenticate(e.h.App.State().Committed(), apitest.PubKey("hospital-privacy"))
	if err != nil {
		t.Fatal(err)
	}
	built, err := e.vault.BuildRelease(context.Background(), privacy, s.study, "")
	if err != nil {
		t.Fatal(err)
	}
	s.release = built.Release.ID
	e.ok("uni-researcher", research.TypeAccess, research.MakeAccess{Release: s.release})
	s.request = e.created("insurer-admin", research.TypeRequest, research.MakeRequest{Study: s.study, Custodian: "general-hospital",
		Purpose: research.DUOHealthMedical, TermDays: 30, Currency: "USD", Price: 1000})
	built, err = e.vault.BuildRelease(context.Background(), privacy, s.study, s.request)
	if err != nil {
		t.Fatal(err)
	}
	s.release2 = built.Release.ID
	e.ok("insurer-admin", research.TypeAccess, research.MakeAccess{Release: s.release2})
	// Remote monitoring of the patient: a device, its readings anchored, an
	// alert acknowledged.
	s.telemetry = seedTelemetry(e, s.patient)

	// The receipts, as the patient sees them.
	var log struct {
		Items []records.Receipt `json:"items"`
	}
	e.getAs(keyPatient, "/v1/patients/"+s.patient+"/access-log?limit=1000", http.StatusOK, &log)
	for _, r := range log.Items {
		if r.ID != "" {
			s.receipts = append(s.receipts, r.ID)
		}
	}
	if len(s.receipts) != 3 {
		t.Fatalf("access log of the patient: %+v, want 3 receipts", log.Items)
	}
	return s
}

// secrets are the seeded IDs that reveal a patient, whom an organisation
// serves, or who read what: no answer to a caller not entitled to them may
// hold any.
func (s *seeded) secrets() map[string]string {
	out := map[string]string{
		s.patient: "the patient's ID", s.guardian: "the patient's delegate's ID", s.stranger: "a patient's ID",
		seedDonorBlood: "a donor pseudonym", seedDonorPlasma: "a donor pseudonym",
		s.record: "a record ID", s.record2: "a record ID", s.grant: "a grant ID", s.window: "a break-glass window ID",
		s.pledge: "a person's donation ID", s.enrolment: "a patient's enrolment ID",
		s.coverage: "a patient's coverage ID", s.claim: "a patient's claim ID",
	}
	for _, r := range s.receipts {
		out[r] = "a receipt ID"
	}
	s.telemetry.secrets(out)
	return out
}
