package client_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/api/apitest"
	"github.com/medchain/medchain/internal/apiauth"
	"github.com/medchain/medchain/internal/claimcheck"
	"github.com/medchain/medchain/internal/claims"
	"github.com/medchain/medchain/internal/credentials"
	"github.com/medchain/medchain/internal/donations"
	"github.com/medchain/medchain/internal/governance"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/pools"
	"github.com/medchain/medchain/internal/publichealth"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/research"
	"github.com/medchain/medchain/internal/supply"
	"github.com/medchain/medchain/internal/telemetry"
)

// wirePair is an SDK type and the chain's type of the same JSON.
type wirePair struct {
	sdk   any // a value of the SDK type
	chain any // a value of the chain's type
}

// messages pairs every SDK message with the chain's message struct that its
// MsgType's handler decodes.
var messages = []wirePair{
	{client.RegisterMember{}, identity.RegisterMember{}},
	{client.SetRoles{}, identity.SetRoles{}},
	{client.SetMemberStatus{}, identity.SetMemberStatus{}},
	{client.AddKey{}, identity.AddKey{}},
	{client.RotateKey{}, identity.RotateKey{}},
	{client.RevokeKey{}, identity.RevokeKey{}},
	{client.RegisterPatient{}, identity.RegisterPatient{}},
	{client.Propose{}, governance.Propose{}},
	{client.Vote{}, governance.CastVote{}},
	{client.ValidatorReady{}, governance.ValidatorReady{}},

	{client.AddRecords{}, records.Add{}},
	{client.GrantConsent{}, records.GrantMsg{}},
	{client.RevokeGrant{}, records.Revoke{}},
	{client.DelegateAccess{}, records.Delegate{}},
	{client.OpenBreakGlass{}, records.OpenBreakGlass{}},
	{client.ReviewBreakGlass{}, records.ReviewBreakGlass{}},
	{client.PostReceipts{}, records.PostReceipts{}},
	{client.EraseRecord{}, records.Erase{}},
	{client.SetEndpoint{}, records.SetEndpoint{}},
	// Signed requests: the same envelope, sent to a node, never routed.
	{client.ReadRequest{}, records.ReadRequest{}},
	{client.Upload{}, records.Upload{}},
	{client.ReadAuth{}, apiauth.Read{}},
	{client.TokenRequest{}, apiauth.Token{}},

	{client.PublishPlan{}, claims.PublishPlan{}},
	{client.RecordCoverage{}, claims.RecordCoverage{}},
	{client.CancelCoverage{}, claims.CancelCoverage{}},
	{client.SubmitClaim{}, claims.Submit{}},
	{client.ReviewClaim{}, claims.Review{}},
	{client.Adjudicate{}, claims.Adjudicate{}},
	{client.AppealClaim{}, claims.AppealClaim{}},
	{client.PayClaim{}, claims.Pay{}},
	{client.CreatePool{}, pools.CreatePool{}},
	{client.Volunteer{}, pools.Volunteer{}},
	{client.JoinPool{}, pools.Join{}},
	{client.LeavePool{}, pools.Leave{}},
	{client.FileAidClaim{}, pools.FileClaim{}},
	{client.VoteAidClaim{}, pools.CastVote{}},
	{client.SettlePeriod{}, pools.SettlePeriod{}},

	{client.ReportFigures{}, publichealth.ReportMsg{}},
	{client.CorrectFigures{}, publichealth.CorrectMsg{}},

	{client.RegisterProduct{}, supply.RegisterProduct{}},
	{client.Commission{}, supply.Commission{}},
	{client.Pack{}, supply.Pack{}},
	{client.Unpack{}, supply.Unpack{}},
	{client.Ship{}, supply.Ship{}},
	{client.Receive{}, supply.Receive{}},
	{client.Reading{}, supply.Reading{}},
	{client.Release{}, supply.Release{}},
	{client.Dispense{}, supply.Dispense{}},
	{client.Destroy{}, supply.Destroy{}},
	{client.RecallLots{}, supply.RecallLots{}},
	{client.ReportScan{}, supply.ReportScan{}},
	{client.SupplyEvents{}, supply.Events{}},
	{client.RegisterGLN{}, supply.RegisterGLN{}},
	{client.RegisterDonation{}, supply.RegisterDonation{}},
	{client.RecordTests{}, supply.RecordTests{}},
	{client.Separate{}, supply.Separate{}},
	{client.Transfuse{}, supply.Transfuse{}},
	{client.Pool{}, supply.Pool{}},
	{client.Fractionate{}, supply.Fractionate{}},
	{client.Transform{}, supply.Transform{}},
	{client.PostDemand{}, supply.PostDemand{}},
	{client.MakePledge{}, supply.MakePledge{}},

	{client.PostNeed{}, donations.PostNeed{}},
	{client.OpenCampaign{}, donations.OpenCampaign{}},
	{client.CloseCampaign{}, donations.CloseCampaign{}},
	{client.Donate{}, donations.MakePledge{}},
	{client.ConfirmFunds{}, donations.ConfirmFunds{}},
	{client.Disburse{}, donations.Disburse{}},
	{client.LinkShipment{}, donations.LinkShipment{}},
	{client.Settle{}, donations.Settle{}},

	{client.IssueCredential{}, credentials.Issue{}},
	{client.SuspendCredential{}, credentials.ChangeStatus{}},
	{client.ReinstateCredential{}, credentials.ChangeStatus{}},
	{client.RevokeCredential{}, credentials.ChangeStatus{}},
	{client.OpenCase{}, credentials.OpenCase{}},
	{client.Attest{}, credentials.Attest{}},
	{client.RegisterStudy{}, research.RegisterStudy{}},
	{client.ApproveStudy{}, research.ApproveStudy{}},
	{client.Enrol{}, research.Enrol{}},
	{client.Withdraw{}, research.Withdraw{}},
	{client.MakeRelease{}, research.MakeRelease{}},
	{client.AccessRelease{}, research.MakeAccess{}},
	{client.RequestData{}, research.MakeRequest{}},
	{client.CancelRequest{}, research.CancelRequest{}},
	{client.RegisterDevice{}, telemetry.RegisterDevice{}},
	{client.AssignDevice{}, telemetry.Assign{}},
	{client.UnassignDevice{}, telemetry.Unassign{}},
	{client.AnchorBatch{}, telemetry.Anchor{}},
	{client.PublishAlertRule{}, telemetry.PublishRule{}},
	{client.RetireAlertRule{}, telemetry.RetireRule{}},
	{client.RaiseAlert{}, telemetry.RaiseAlert{}},
	{client.ClearAlert{}, telemetry.ClearAlert{}},
	{client.AckAlert{}, telemetry.AckAlert{}},
	{client.DeviceReading{}, telemetry.Reading{}},
}

// signedRequests are the message types that are signed but not routed.
var signedRequests = []string{client.TypeReadRequest, client.TypeUpload, client.TypeReadAuth, client.TypeTokenRequest, client.TypeDeviceReading}

// views pairs the SDK's other wire types (action payloads, results, what
// the API returns) with the chain's.
var views = []wirePair{
	{client.AdmitOrg{}, governance.AdmitOrg{}},
	{client.RemoveOrg{}, governance.RemoveOrg{}},
	{client.SetValidator{}, governance.SetValidator{}},
	{client.Created{}, ledger.Created{}},
	{client.Principal{}, ledger.Principal{}},
	{client.Outcome{}, governance.Outcome{}},
	{client.StatusChange{}, identity.StatusChange{}},

	{client.Anchor{}, records.Anchor{}},
	{client.AddResult{}, records.AddResult{}},
	{client.Record{}, records.Record{}},
	{client.RecordVersion{}, records.Version{}},
	{client.Grant{}, records.Grant{}},
	{client.GrantingPatient{}, records.GrantingPatient{}},
	{client.Delegation{}, records.Delegation{}},
	{client.BreakGlass{}, records.BreakGlass{}},
	{client.BreakGlassReview{}, records.BreakGlassReview{}},
	{client.BreakGlassLimits{}, records.BreakGlassLimits{}},
	{client.Receipt{}, records.Receipt{}},

	{client.Product{}, supply.Product{}},
	{client.Lot{}, supply.Lot{}},
	{client.Item{}, supply.Item{}},
	{client.Custody{}, supply.Custody{}},
	{client.Shipment{}, supply.Shipment{}},
	{client.Alert{}, supply.Alert{}},
	{client.EventAnchor{}, supply.EventAnchor{}},
	{client.Verdict{}, supply.Verdict{}},
	{client.Holder{}, supply.Holder{}},
	{client.Donation{}, supply.Donation{}},
	{client.Separated{}, supply.Separated{}},
	{client.Trace{}, supply.Trace{}},
	{client.LotTrace{}, supply.LotTrace{}},
	{client.Transformation{}, supply.Transformation{}},
	{client.Demand{}, supply.Demand{}},
	{client.Pledge{}, supply.Pledge{}},
	{client.Shortage{}, supply.Shortage{}},

	{client.Need{}, donations.Need{}},
	{client.Campaign{}, donations.Campaign{}},
	{client.Gift{}, donations.Donation{}},
	{client.Disbursement{}, donations.Disbursement{}},
	{client.GiftReceipt{}, donations.Receipt{}},
	{client.ShipmentLink{}, donations.Link{}},
	{client.LedgerLine{}, donations.Line{}},
	{client.CashAllocation{}, donations.Allocation{}},
	{client.IATIActivity{}, donations.Activity{}},
	{client.IATITransaction{}, donations.Transaction{}},
	{client.Plan{}, claims.Plan{}},
	{client.PlanVersion{}, apiPlanVersion{}},
	{client.Coverage{}, claims.Coverage{}},
	{client.Eligibility{}, apiEligibility{}},
	{client.ClaimDecision{}, claims.Decision{}},
	{client.Claim{}, apiClaim{}},
	{client.ClaimTotals{}, claims.Totals{}},
	{client.Reconciliation{}, claims.Reconciliation{}},
	{client.PrecheckProblem{}, claimcheck.Problem{}},
	{client.Precheck{}, apiPrecheck{}},
	{client.TelemetryDevice{}, telemetry.Device{}},
	{client.TelemetryBatch{}, telemetry.Batch{}},
	{client.TelemetryGap{}, telemetry.Gap{}},
	{client.AlertRule{}, telemetry.Rule{}},
	{client.TelemetryAlert{}, telemetry.Alert{}},
	{client.AlertAck{}, telemetry.Ack{}},
	{client.EvidenceDay{}, telemetry.EvidenceDay{}},
	{client.AidPool{}, pools.Pool{}},
	{client.OpenPeriod{}, pools.OpenPeriod{}},
	{client.PoolTrend{}, pools.Trend{}},
	{client.PoolPeriod{}, pools.Period{}},
	{client.PaidClaim{}, pools.PaidClaim{}},
	{client.AidClaim{}, pools.Claim{}},
	{client.AidVote{}, pools.Vote{}},
	{client.PoolMembership{}, pools.Membership{}},
	{client.PoolStatement{}, pools.Statement{}},
	{client.MemberPool{}, pools.MemberPool{}},
	{client.CountryTotal{}, publichealth.Total{}},
	{client.Amount{}, publichealth.Amount{}},

	{client.AuthorizeIssuer{}, credentials.Authorize{}},
	{client.StatusChanged{}, credentials.Changed{}},
	{client.IssuerAuthorisation{}, credentials.Authorisation{}},
	{client.LedgerCredential{}, credentials.Credential{}},
	{client.CredentialChange{}, credentials.Change{}},
	{client.CredentialValidity{}, credentials.Validity{}},
	{client.SHCIssuer{}, credentials.SHCIssuer{}},
	{client.CaseRequirement{}, credentials.Requirement{}},
	{client.CaseRequirementSpec{}, credentials.CaseReq{}},
	{client.TrustSHCIssuer{}, credentials.TrustSHCIssuer{}},
	{client.Study{}, research.Study{}},
	{client.StudyApproval{}, research.Approval{}},
	{client.Enrolment{}, research.Enrolment{}},
	{client.StudyRelease{}, research.Release{}},
	{client.ReleaseAccess{}, research.Access{}},
	{client.DataRequest{}, research.Request{}},
	{client.ResearchUse{}, research.Use{}},
	{client.ResearchBalance{}, research.Balance{}},
}

// TestEveryRoutedTypeHasAnSDKMessage: for every message type the chain
// routes there is an SDK message whose MsgType is it, and the SDK has no
// message of a type the chain does not route (but its signed requests).
func TestEveryRoutedTypeHasAnSDKMessage(t *testing.T) {
	h, err := apitest.Start(apitest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	routed := h.App.MessageTypes()
	if len(routed) == 0 {
		t.Fatal("the chain routes no message types")
	}
	sdk := map[string]bool{}
	for _, p := range messages {
		m, ok := p.sdk.(client.Msg)
		if !ok {
			t.Errorf("%T does not implement client.Msg", p.sdk)
			continue
		}
		if sdk[m.MsgType()] {
			t.Errorf("two SDK messages of type %s", m.MsgType())
		}
		sdk[m.MsgType()] = true
		if !slices.Contains(routed, m.MsgType()) && !slices.Contains(signedRequests, m.MsgType()) {
			t.Errorf("%T.MsgType() is %q, which the chain does not route", p.sdk, m.MsgType())
		}
	}
	for _, typ := range routed {
		if !sdk[typ] {
			t.Errorf("the chain routes %s but the SDK has no message of that type", typ)
		}
	}
	// client.Messages lists exactly these, in this order.
	listed := client.Messages()
	if len(listed) != len(messages) {
		t.Fatalf("client.Messages has %d messages, want the %d paired here", len(listed), len(messages))
	}
	for i, m := range listed {
		if reflect.TypeOf(m) != reflect.TypeOf(messages[i].sdk) {
			t.Errorf("client.Messages()[%d] is %T, want %T", i, m, messages[i].sdk)
		}
	}
}

// TestSignedRequestTypesAreTheNodes: the types of the signed requests are
// those the node takes, and no chain route takes them.
func TestSignedRequestTypesAreTheNodes(t *testing.T) {
	for sdk, node := range map[string]string{
		client.TypeReadRequest:   records.TypeReadRequest,
		client.TypeUpload:        records.TypeUpload,
		client.TypeReadAuth:      apiauth.TypeRead,
		client.TypeTokenRequest:  apiauth.TypeToken,
		client.TypeDeviceReading: telemetry.TypeReading,
	} {
		if sdk != node {
			t.Errorf("the SDK signs %q, the node takes %q", sdk, node)
		}
	}
	h, err := apitest.Start(apitest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	for _, typ := range signedRequests {
		if slices.Contains(h.App.MessageTypes(), typ) {
			t.Errorf("the chain routes %s, a signed request that must never be a transaction", typ)
		}
	}
}

// TestWireTypesMatchTheChain: a fully populated SDK value decodes strictly
// (no unknown field) into the chain's type and encodes back to the same
// JSON, and a fully populated chain value does the same into the SDK's
// type: neither side has a field the other lacks or names differently.
func TestWireTypesMatchTheChain(t *testing.T) {
	for _, p := range append(append([]wirePair{}, messages...), views...) {
		name := strings.TrimPrefix(reflect.TypeOf(p.sdk).String(), "client.")
		t.Run(name, func(t *testing.T) {
			sameJSON(t, p.sdk, p.chain)
			sameJSON(t, p.chain, p.sdk)
		})
	}
}

// sameJSON populates a value of from's type, decodes its JSON strictly into
// a value of into's type and checks that the result encodes to the same
// JSON.
func sameJSON(t *testing.T, from, into any) {
	t.Helper()
	src := reflect.New(reflect.TypeOf(from))
	populate(src.Elem(), 0)
	b, err := json.Marshal(src.Interface())
	if err != nil {
		t.Fatalf("marshal %T: %v", from, err)
	}
	dst := reflect.New(reflect.TypeOf(into))
	if err := strictDecode(b, dst.Interface()); err != nil {
		t.Fatalf("%T does not decode strictly into %T: %v\n%s", from, into, err, b)
	}
	again, err := json.Marshal(dst.Interface())
	if err != nil {
		t.Fatalf("marshal %T: %v", into, err)
	}
	var a, c any
	json.Unmarshal(b, &a)
	json.Unmarshal(again, &c)
	if !reflect.DeepEqual(a, c) {
		t.Fatalf("%T -> %T loses or changes fields:\n from %s\n into %s", from, into, b, again)
	}
}

// fillKey is a string every field of the chain accepts as text: it is also
// a well-formed hex public key.
var fillKey = strings.Repeat("ab", 32)

// populate sets every field reachable from v to a value that is not zero,
// so that a field one side drops shows in the JSON.
func populate(v reflect.Value, depth int) {
	if depth > 8 {
		return
	}
	switch v.Type() {
	case reflect.TypeOf(time.Time{}):
		v.Set(reflect.ValueOf(time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)))
		return
	case reflect.TypeOf(json.RawMessage{}):
		v.SetBytes([]byte(`{"k":"v"}`))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(fillKey)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(7)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(7)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			v.SetBytes(bytes.Repeat([]byte{0xab}, 32))
			return
		}
		s := reflect.MakeSlice(v.Type(), 1, 1)
		populate(s.Index(0), depth+1)
		v.Set(s)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		populate(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				populate(v.Field(i), depth+1)
			}
		}
	}
}

// TestListsAndLimitsAreTheChains: the codes, lists and limits the SDK
// copies for its callers (help texts, checks before sending) are the
// chain's.
func TestListsAndLimitsAreTheChains(t *testing.T) {
	for _, c := range []struct {
		name      string
		sdk, want any
	}{
		{"StatusReasons", client.StatusReasons, identity.StatusReasons},
		{"KeyRevokeReasons", client.KeyRevokeReasons, identity.KeyRevokeReasons},
		{"Purposes", client.Purposes, records.Purposes},
		{"BreakGlassReasons", client.BreakGlassReasons, records.BreakGlassReasons},
		{"ReviewOutcomes", client.ReviewOutcomes, records.ReviewOutcomes},
		{"BreakGlassFlagReasons", client.BreakGlassFlagReasons, records.BreakGlassFlagReasons},
		{"EntryBreakGlassReview", client.EntryBreakGlassReview, records.EntryBreakGlassReview},
		{"EraseReasons", client.EraseReasons, records.EraseReasons},
		{"AidRejectReasons", client.AidRejectReasons, pools.RejectReasons},
		{"PoolSaltSize", client.PoolSaltSize, pools.SaltSize},
		{"AuthorRoles", client.AuthorRoles, ledger.Names(records.AuthorRoles)},
		{"MaxAnchorsPerTx", client.MaxAnchorsPerTx, records.MaxAnchorsPerTx},
		{"ProductKinds", client.ProductKinds, supply.Kinds},
		{"PPECategories", client.PPECategories, supply.PPECategories},
		{"Regulators", client.Regulators, ledger.Names(supply.Regulators)},
		{"RegulatorRecallRoles", client.RegulatorRecallRoles, ledger.Names(supply.RegulatorRecallRoles)},
		{"ReleaseReasons", client.ReleaseReasons, supply.ReleaseReasons},
		{"DestroyReasons", client.DestroyReasons, supply.DestroyReasons},
		{"RecallReasons", client.RecallReasons, supply.RecallReasons},
		{"RequiredTests(blood)", client.RequiredTests("blood"), supply.RequiredTests(supply.DonationBlood)},
		{"RequiredTests(plasma)", client.RequiredTests("plasma"), supply.RequiredTests(supply.DonationPlasma)},
		{"MaxCommission", client.MaxCommission, supply.MaxCommission},
		{"MaxItems", client.MaxItems, supply.MaxItems},
		{"MaxReadings", client.MaxReadings, supply.MaxReadings},
		{"item statuses", []string{client.ItemActive, client.ItemInTransit, client.ItemDispensed, client.ItemDestroyed,
			client.ItemQuarantined, client.ItemMissing, client.ItemConsumed, client.ItemTransfused},
			[]string{supply.StatusActive, supply.StatusInTransit, supply.StatusDispensed, supply.StatusDestroyed,
				supply.StatusQuarantined, supply.StatusMissing, supply.StatusConsumed, supply.StatusTransfused}},
		{"actions", []string{client.ActionAdmitOrg, client.ActionRemoveOrg, client.ActionSetValidator, client.ActionSetBreakGlassLimits},
			[]string{governance.ActionAdmitOrg, governance.ActionRemoveOrg, governance.ActionSetValidator, records.ActionSetBreakGlassLimits}},
	} {
		if !reflect.DeepEqual(c.sdk, c.want) {
			t.Errorf("client's %s = %v, the chain's %v", c.name, c.sdk, c.want)
		}
	}
	// The serials of a range are the chain's.
	s := client.Serials{Prefix: "SN", Start: 98, Count: 3, Width: 3}
	if got, want := s.Expand(), (supply.Serials{Prefix: "SN", Start: 98, Count: 3, Width: 3}).Expand(); !reflect.DeepEqual(got, want) || len(got) != 3 || got[2] != "SN100" {
		t.Errorf("Serials.Expand = %v, the chain's %v", got, want)
	}
}

// The API's claims views: the module's types with what the API adds (a
// proof; whether the pre-check judged the coverage).
type (
	apiPlanVersion struct {
		claims.PlanVersion
		Proof *apiProof `json:"proof,omitempty"`
	}
	apiEligibility struct {
		Coverage claims.Coverage `json:"coverage"`
		Day      string          `json:"day"`
		Eligible bool            `json:"eligible"`
		Reason   string          `json:"reason,omitempty"`
		Version  *apiPlanVersion `json:"version,omitempty"`
	}
	apiClaim struct {
		claims.Claim
		Proof *apiProof `json:"proof,omitempty"`
	}
	apiPrecheck struct {
		claimcheck.Result
		CoverageChecked bool `json:"coverage_checked"`
	}
)

// apiProof is the API's proof view, which the SDK's Proof mirrors (checked
// by the other modules' views).
type apiProof = client.Proof
