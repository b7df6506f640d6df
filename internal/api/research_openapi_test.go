package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/medchain/medchain/internal/fhirdoc"
	"github.com/medchain/medchain/internal/research"
)

// The research routes answer as openapi.json says, and as the module
// decides who sees what: studies, releases and requests to anyone (the
// study and an enrolment also as valid FHIR R4); a patient's enrolments,
// uses and balance to the patient; what a custodian may release to its
// privacy officer; a release's data set to the holder of an access
// receipt; a release built by the custodian's node for its privacy
// officer only.
func TestResearchMatchesOpenAPI(t *testing.T) {
	s := seedPrivate(t)
	e := s.env

	var studies struct{ Items []research.Study }
	e.get("/v1/research/studies", http.StatusOK, &studies)
	if len(studies.Items) != 1 || studies.Items[0].ID != s.study || studies.Items[0].Status != research.StudyApproved {
		t.Fatalf("studies: %+v", studies)
	}
	fhirStudy := e.get("/v1/research/studies/"+s.study+"?format=fhir", http.StatusOK, nil)
	if info, err := fhirdoc.Validate(fhirStudy); err != nil || info.ResourceType != "ResearchStudy" {
		t.Fatalf("ResearchStudy: %v %+v: %s", err, info, fhirStudy)
	}
	var rl struct {
		research.Release
		AccessLog []research.Access `json:"access_log"`
	}
	e.get("/v1/research/releases/"+s.release, http.StatusOK, &rl)
	if rl.Patients != 1 || len(rl.AccessLog) != 1 || rl.AccessLog[0].Org != "uni" {
		t.Fatalf("release: %+v", rl)
	}
	var rq research.Request
	e.get("/v1/research/requests/"+s.request, http.StatusOK, &rq)
	if rq.Status != research.RequestPaid || rq.PaidParticipants != 700 || rq.PaidCustodian != 300 {
		t.Fatalf("request: %+v", rq)
	}
	e.get("/v1/research/studies/"+s.study+"/releases", http.StatusOK, nil)
	e.get("/v1/research/studies/"+s.study+"/requests", http.StatusOK, nil)

	// The patient's own: enrolments, uses (two releases, each accessed
	// once), balance (70% of 1000), the enrolment as FHIR.
	var uses struct{ Items []research.Use }
	e.getAs(keyPatient, "/v1/patients/"+s.patient+"/research-uses", http.StatusOK, &uses)
	if len(uses.Items) != 2 || len(uses.Items[0].Accesses) != 1 || len(uses.Items[1].Accesses) != 1 {
		t.Fatalf("uses: %+v", uses)
	}
	var bal struct{ Items []research.Balance }
	e.getAs(keyPatient, "/v1/research/balances/"+s.patient, http.StatusOK, &bal)
	if len(bal.Items) != 1 || bal.Items[0].Amount != 700 || bal.Items[0].Currency != "USD" {
		t.Fatalf("balance: %+v", bal)
	}
	e.getAs(keyPatient, "/v1/patients/"+s.patient+"/enrolments", http.StatusOK, nil)
	bundle := e.getAs(keyPatient, "/v1/research/enrolments/"+s.enrolment+"?format=fhir", http.StatusOK, nil)
	if info, err := fhirdoc.Validate(bundle); err != nil || !strings.Contains(string(bundle), `"ResearchSubject"`) || !strings.Contains(string(bundle), `"code":"HRESCH"`) {
		t.Fatalf("enrolment as FHIR: %v %+v: %s", err, info, bundle)
	}
	// The FHIR research consent maps back to the enrolment's message.
	resp, body := e.do(http.MethodPost, "/v1/research/consents/fhir", "application/fhir+json", bundle)
	var draft struct {
		Type    string
		Patient string
		Msg     research.Enrol
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &draft) != nil || draft.Type != research.TypeEnrol || draft.Patient != s.patient ||
		draft.Msg.Study != s.study || len(draft.Msg.Custodians) != 1 || draft.Msg.Custodians[0] != "general-hospital" || len(draft.Msg.Terms) != 1 {
		t.Fatalf("consent from FHIR: %d %s", resp.StatusCode, body)
	}
	resp, body = e.do(http.MethodPost, "/v1/research/consents/fhir", "application/fhir+json", []byte(strings.Replace(string(bundle), "HRESCH", "TREAT", 1)))
	if p := wantProblem(t, resp, body, http.StatusBadRequest, "research.invalid_document"); !strings.Contains(p.Detail, "Consent.provision.purpose") {
		t.Fatalf("the refusal does not name the element: %q", p.Detail)
	}
	e.getAs("hospital-privacy", "/v1/research/enrolments/"+s.enrolment, http.StatusOK, nil)
	e.getAs("uni-researcher", "/v1/research/enrolments/"+s.enrolment, http.StatusForbidden, nil)
	e.getAs("hospital-privacy", "/v1/orgs/general-hospital/releasable?study="+s.study, http.StatusOK, nil)
	e.getAs("uni-researcher", "/v1/orgs/general-hospital/releasable?study="+s.study, http.StatusForbidden, nil)

	// The data set: to the researcher, who holds a receipt; not to the
	// insurer (its receipt is for its own release), nor anonymously.
	data := e.getAs("uni-researcher", "/v1/research/releases/"+s.release+"/data", http.StatusOK, nil)
	if info, err := fhirdoc.Validate(data); err != nil || info.ResourceType != "Bundle" || strings.Contains(string(data), s.patient) {
		t.Fatalf("data set: %v: %s", err, data)
	}
	e.getAs("insurer-admin", "/v1/research/releases/"+s.release+"/data", http.StatusForbidden, nil)
	e.getAs("", "/v1/research/releases/"+s.release+"/data", http.StatusUnauthorized, nil)

	// Building a release: the privacy officer, yes; the researcher, no.
	resp, body = e.doAs("hospital-privacy", http.MethodPost, "/v1/research/releases?study="+s.study, "", nil)
	if resp.StatusCode != http.StatusCreated || !strings.Contains(string(body), `"patients":1`) {
		t.Fatalf("build: %d %s", resp.StatusCode, body)
	}
	resp, body = e.doAs("uni-researcher", http.MethodPost, "/v1/research/releases?study="+s.study, "", nil)
	wantProblem(t, resp, body, http.StatusForbidden, "chain.not_entitled")
	resp, body = e.doAs("hospital-privacy", http.MethodPost, "/v1/research/releases?study=st-1", "", nil)
	wantProblem(t, resp, body, http.StatusBadRequest, "api.invalid_parameter")

	e.supplyProblem("/v1/research/studies/st-000000000000000000000000", http.StatusNotFound, "research.not_found", "")
	e.supplyProblem("/v1/research/studies/"+s.study+"?format=xml", http.StatusBadRequest, "api.invalid_parameter", "format")
	e.supplyProblem("/v1/research/releases/rl-1", http.StatusBadRequest, "api.invalid_parameter", "id")
}
