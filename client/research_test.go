package client_test

import (
	"context"
	"strings"
	"testing"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/api/apitest"
)

// TestResearch: a hospital's study approved by its ethics reviewer, a
// patient's enrolment, an insurer's data request, read back through the
// SDK's research reads, private ones signed (As); a request the terms
// forbid refused with its code.
func TestResearch(t *testing.T) {
	_, c := start(t, apitest.Options{})
	ctx := context.Background()
	send := func(who string, m client.Msg, out any) {
		t.Helper()
		res, err := c.Send(ctx, signer(who), m)
		if err != nil {
			t.Fatalf("%s by %s: %v", m.MsgType(), who, err)
		}
		if out != nil {
			if err := res.Decode(out); err != nil {
				t.Fatal(err)
			}
		}
	}
	send("hospital-admin", client.RegisterMember{Handle: "researcher", Roles: []string{"researcher"}, PublicKey: signer("researcher").PublicKey()}, nil)
	send("hospital-admin", client.RegisterMember{Handle: "irb", Roles: []string{"ethics-reviewer"}, PublicKey: signer("irb").PublicKey()}, nil)
	var pt client.Created
	send("patient", client.RegisterPatient{}, &pt)

	var st client.Study
	send("researcher", client.RegisterStudy{Protocol: strings.Repeat("ab", 32), Purpose: client.DUOHealthMedical,
		Terms: []string{client.DUOGeneralResearch, client.DUONoPopulation}, Types: []string{"Observation"}, Ends: "2027-12-31"}, &st)
	send("irb", client.ApproveStudy{Study: st.ID}, nil)
	var en client.Enrolment
	send("patient", client.Enrol{Study: st.ID, Custodians: []string{"general-hospital"}}, &en)
	if en.Patient != pt.ID || len(en.Terms) != 2 {
		t.Fatalf("enrolment %+v", en)
	}

	// Population research: the patient's terms (NPOA) forbid it.
	_, err := c.Send(ctx, signer("insurer-admin"), client.RequestData{Study: st.ID, Custodian: "general-hospital", Purpose: client.DUOPopulation, TermDays: 30, Currency: "USD", Price: 1000})
	if !client.IsCode(err, client.CodeResearchForbiddenUse) {
		t.Fatalf("population request: %v", err)
	}
	var rq client.DataRequest
	send("insurer-admin", client.RequestData{Study: st.ID, Custodian: "general-hospital", Purpose: client.DUOHealthMedical, TermDays: 30, Currency: "USD", Price: 1000}, &rq)
	if rq.Admitted != 1 || rq.Class != "payer" || rq.Status != "escrowed" {
		t.Fatalf("request %+v", rq)
	}

	if page, err := c.Studies(ctx, "", 10); err != nil || len(page.Items) != 1 || page.Items[0].Approval == nil {
		t.Fatalf("studies %+v %v", page, err)
	}
	if fhir, err := c.StudyFHIR(ctx, st.ID); err != nil || !strings.Contains(string(fhir), `"resourceType":"ResearchStudy"`) {
		t.Fatalf("study as FHIR %s %v", fhir, err)
	}
	if page, err := c.StudyRequests(ctx, st.ID); err != nil || len(page.Items) != 1 || page.Items[0].ID != rq.ID {
		t.Fatalf("requests %+v %v", page, err)
	}
	if r, err := c.DataRequest(ctx, rq.ID); err != nil || r.Price != 1000 {
		t.Fatalf("request %+v %v", r, err)
	}
	if page, err := c.StudyReleases(ctx, st.ID); err != nil || len(page.Items) != 0 {
		t.Fatalf("releases %+v %v", page, err)
	}

	// Private: the patient's, signed; unsigned, refused with its code.
	if _, err := c.PatientEnrolments(ctx, pt.ID); !client.IsCode(err, client.CodeUnauthenticated) {
		t.Fatalf("unsigned enrolments: %v", err)
	}
	me := c.As(signer("patient"))
	if page, err := me.PatientEnrolments(ctx, pt.ID); err != nil || len(page.Items) != 1 || page.Items[0].ID != en.ID {
		t.Fatalf("enrolments %+v %v", page, err)
	}
	if e, err := me.Enrolment(ctx, en.ID); err != nil || e.Study != st.ID {
		t.Fatalf("enrolment %+v %v", e, err)
	}
	if b, err := me.EnrolmentFHIR(ctx, en.ID); err != nil || !strings.Contains(string(b), `"ResearchSubject"`) {
		t.Fatalf("enrolment as FHIR %s %v", b, err)
	}
	if b, err := me.EnrolmentFHIR(ctx, en.ID); err != nil {
		t.Fatal(err)
	} else if d, err := c.ResearchConsentFromFHIR(ctx, b); err != nil || d.Patient != pt.ID || d.Msg.Study != st.ID || len(d.Msg.Terms) != 2 {
		t.Fatalf("consent from FHIR %+v %v", d, err)
	}
	if _, err := c.ResearchConsentFromFHIR(ctx, []byte(`{"resourceType":"Consent"}`)); !client.IsCode(err, client.CodeResearchInvalidDocument) {
		t.Fatalf("a lone Consent: %v", err)
	}
	if page, err := me.ResearchUses(ctx, pt.ID); err != nil || len(page.Items) != 0 {
		t.Fatalf("uses %+v %v", page, err)
	}
	if page, err := me.ResearchBalances(ctx, pt.ID); err != nil || len(page.Items) != 0 {
		t.Fatalf("balances %+v %v", page, err)
	}
	if _, err := c.As(signer("insurer-admin")).Enrolment(ctx, en.ID); !client.IsCode(err, client.CodeNotEntitled) {
		t.Fatalf("the insurer read the enrolment: %v", err)
	}
	if page, err := c.As(signer("researcher")).Releasable(ctx, "general-hospital", st.ID, ""); !client.IsCode(err, client.CodeNotEntitled) {
		t.Fatalf("a researcher listed what the hospital may release: %+v %v", page, err)
	}
}
