package api_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/medchain/medchain/internal/api/apitest"
	"github.com/medchain/medchain/internal/credentials"
	"github.com/medchain/medchain/internal/governance"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/vc"
)

// credentialsIssuer admits a medical board ("board", its admin
// "board-admin") and has governance authorise it to issue medical
// licences; voters are the other organisations' admins.
func (e *env) credentialsIssuer(voters []string) {
	e.t.Helper()
	e.supplyAdmitOrg("board", ledger.OrgMedicalBoard, voters)
	payload, _ := json.Marshal(credentials.Authorize{Org: "board", Types: []string{credentials.TypeMedicalLicence}})
	var out governance.Outcome
	json.Unmarshal(e.ok("board-admin", governance.TypePropose, governance.Propose{
		Action: governance.Action{Type: credentials.ActionAuthorize, Payload: payload}}).Result, &out)
	for _, v := range append([]string{"hospital-admin"}, voters...) {
		if out.Status == governance.StatusPassed {
			break
		}
		json.Unmarshal(e.ok(v, governance.TypeVote, governance.CastVote{Proposal: out.Proposal, Approve: true}).Result, &out)
	}
	if out.Status != governance.StatusPassed {
		e.t.Fatalf("authorising the board: proposal %d is %s", out.Proposal, out.Status)
	}
}

// credentialsIssue has the board's admin sign a licence of subject (a
// member) valid in 2026 and record it; it returns the ID and the VC-JWT.
func (e *env) credentialsIssue(id, subject string) (string, string) {
	e.t.Helper()
	doc, err := vc.Draft{ID: id, Type: credentials.TypeMedicalLicence, Issuer: "board", Subject: subject,
		Claims:    map[string]any{"name": "Meredith Grey", "licenceNumber": "MD-0042", "jurisdiction": "US-MA"},
		ValidFrom: apitest.GenesisTime.Add(-24 * time.Hour), ValidUntil: apitest.GenesisTime.AddDate(1, 0, 0)}.Document()
	if err != nil {
		e.t.Fatal(err)
	}
	jwt, err := vc.SignJWT(doc, apitest.PrivateKey("board-admin"))
	if err != nil {
		e.t.Fatal(err)
	}
	e.ok("board-admin", credentials.TypeIssue, credentials.Issue{ID: id, Hash: vc.Hash(jwt), Type: credentials.TypeMedicalLicence, Subject: subject,
		ValidFrom: doc["validFrom"].(string), ValidUntil: doc["validUntil"].(string)})
	return id, jwt
}

func (e *env) credentialsVerify(jwt, at string) verdictJSON {
	e.t.Helper()
	body, _ := json.Marshal(map[string]string{"credential": jwt, "at": at})
	var v verdictJSON
	e.post("/v1/credentials/verify", "application/json", body, http.StatusOK, &v)
	return v
}

type verdictJSON struct {
	Valid   bool   `json:"valid"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Signer  string `json:"signer"`
	Ledger  *struct {
		Status string `json:"status"`
	} `json:"ledger"`
	Proof *proofJSON `json:"proof"`
}

// The credentials routes: the issuers' register, a credential's status at
// an instant with its proof, the lists, and verification: a valid
// credential with the proof of its entry, a tampered one, a suspended one;
// bad parameters and bodies refused naming the field.
func TestCredentialsAPI(t *testing.T) {
	e := newRecordsEnv(t)
	e.credentialsIssuer([]string{"insurer-admin", "lab-admin"})
	id, jwt := e.credentialsIssue("cr-a1a1a1a1a1a1a1a1a1a1a1a1", "general-hospital/dr-grey")

	var issuers struct {
		Items []credentials.Authorisation `json:"items"`
	}
	e.get("/v1/credentials/issuers", http.StatusOK, &issuers)
	if len(issuers.Items) != 1 || issuers.Items[0].Org != "board" || !issuers.Items[0].Allows(credentials.TypeMedicalLicence) {
		t.Fatalf("issuers: %+v", issuers)
	}

	// A credentialing case: the hospital's members, the applicant and the
	// board see it (as FHIR too); the insurer's claims officer does not.
	cs := e.created("hospital-admin", credentials.TypeOpenCase, credentials.OpenCase{Applicant: "general-hospital/dr-grey",
		Requirements: []credentials.CaseReq{{Type: credentials.TypeMedicalLicence, Source: "board"}}})
	e.ok("board-admin", credentials.TypeAttest, credentials.Attest{Case: cs, Type: credentials.TypeMedicalLicence, Outcome: credentials.OutcomeVerified, Credential: id})
	var kase struct {
		Status  string                    `json:"status"`
		Missing []credentials.Requirement `json:"missing"`
	}
	for _, who := range []string{"hospital-admin", "dr-grey", "board-admin"} {
		e.getAs(who, "/v1/credentials/cases/"+cs, http.StatusOK, &kase)
		if kase.Status != credentials.CaseComplete || len(kase.Missing) != 0 {
			t.Fatalf("case as %s: %+v", who, kase)
		}
	}
	var bundle struct {
		ResourceType string `json:"resourceType"`
		Entry        []struct {
			Resource struct{ Status string } `json:"resource"`
		} `json:"entry"`
	}
	e.getAs("dr-grey", "/v1/credentials/cases/"+cs+"?format=fhir", http.StatusOK, &bundle)
	if bundle.ResourceType != "Bundle" || len(bundle.Entry) != 1 || bundle.Entry[0].Resource.Status != "validated" {
		t.Fatalf("FHIR: %+v", bundle)
	}
	resp, b := e.doAs("claims", http.MethodGet, "/v1/credentials/cases/"+cs, "", nil)
	wantProblem(t, resp, b, http.StatusForbidden, "chain.not_entitled")

	var st struct {
		credentials.Validity
		Proof *proofJSON `json:"proof"`
	}
	e.get("/v1/credentials/"+id+"?prove=true", http.StatusOK, &st)
	if !st.Valid || st.Status != credentials.StatusActive || st.Credential.Subject != "general-hospital/dr-grey" || st.Proof == nil {
		t.Fatalf("status: %+v", st)
	}
	proof := *st.Proof
	e.get("/v1/credentials/"+id+"?at=2025-06-01", http.StatusOK, &st)
	if st.Valid || st.Status != credentials.StatusUnrecorded {
		t.Fatalf("status before it was recorded: %+v", st)
	}

	// The proof checks against the app hash of the next block.
	e.credentialsIssue("cr-b2b2b2b2b2b2b2b2b2b2b2b2", "general-hospital/dr-grey")
	var entry credentials.Credential
	if err := json.Unmarshal(proof.Value, &entry); err != nil || entry.ID != id || entry.Status != credentials.StatusActive {
		t.Fatalf("proven value %s: %v", proof.Value, err)
	}
	if err := e.verify(proof, proof.Value); err != nil {
		t.Fatalf("the proof of %s does not verify: %v", id, err)
	}

	var list struct {
		Items []credentials.Credential `json:"items"`
	}
	for _, q := range []string{"subject=general-hospital/dr-grey", "issuer=board", "expiring_within=400", "expiring_within=400&issuer=board"} {
		e.get("/v1/credentials?"+q, http.StatusOK, &list)
		if len(list.Items) != 2 || list.Items[0].ID != id {
			t.Fatalf("credentials?%s: %+v", q, list)
		}
	}
	e.get("/v1/credentials?expiring_within=30", http.StatusOK, &list)
	if len(list.Items) != 0 {
		t.Fatalf("expiring within 30 days: %+v", list)
	}

	v := e.credentialsVerify(jwt, "")
	if !v.Valid || v.Signer != "board/admin" || v.Proof == nil {
		t.Fatalf("verify: %+v", v)
	}
	parts := strings.Split(jwt, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), "MD-0042", "MD-9999", 1)))
	if v := e.credentialsVerify(strings.Join(parts, "."), ""); v.Valid || v.Code != string(vc.CodeBadSignature) {
		t.Fatalf("tampered: %+v", v)
	}
	if v := e.credentialsVerify(jwt, apitest.GenesisTime.AddDate(2, 0, 0).Format(time.RFC3339)); v.Valid || v.Code != string(vc.CodeExpired) {
		t.Fatalf("in two years: %+v", v)
	}

	e.ok("board-admin", credentials.TypeSuspend, credentials.ChangeStatus{ID: id, Reason: "investigation"})
	e.ok("board-admin", credentials.TypeIssue, credentials.Issue{ID: "cr-000000000000000000000002", Hash: strings.Repeat("ab", 32),
		Type: credentials.TypeMedicalLicence, Subject: "general-hospital/dr-grey", ValidFrom: "2026-01-01T00:00:00Z"}) // a block after
	if v := e.credentialsVerify(jwt, ""); v.Valid || v.Code != "credentials.suspended" || v.Ledger == nil || v.Ledger.Status != credentials.StatusSuspended {
		t.Fatalf("suspended: %+v", v)
	}

	// The board's status lists: nothing set (its licence names none).
	var list2 struct {
		Type              []string `json:"type"`
		CredentialSubject struct {
			Type, StatusPurpose, EncodedList string
		} `json:"credentialSubject"`
	}
	e.get("/v1/credentials/status-lists/board/revocation", http.StatusOK, &list2)
	if on, err := vc.StatusListBit(list2.CredentialSubject.EncodedList, 0); err != nil || on || list2.CredentialSubject.StatusPurpose != "revocation" || list2.Type[1] != "BitstringStatusListCredential" {
		t.Fatalf("status list: %+v %v %v", list2, on, err)
	}
	var proven struct {
		Proof *proofJSON `json:"proof"`
	}
	e.get("/v1/credentials/status-lists/board/suspension?prove=true", http.StatusOK, &proven)
	if proven.Proof == nil {
		t.Fatal("no proof of the status list")
	}
	e.supplyProblem("/v1/credentials/status-lists/board/expiry", http.StatusBadRequest, "api.invalid_parameter", "purpose")
	e.supplyProblem("/v1/credentials/status-lists/nobody/revocation", http.StatusNotFound, "credentials.not_found", "")

	for _, c := range []struct{ path, field string }{
		{"/v1/credentials/licence-1", "id"},
		{"/v1/credentials/" + id + "?at=yesterday", "at"},
		{"/v1/credentials/" + id + "?prove=maybe", "prove"},
		{"/v1/credentials?expiring_within=0", "expiring_within"},
		{"/v1/credentials?subject=a/b&issuer=board", "issuer"},
		{"/v1/credentials", "subject"},
	} {
		e.supplyProblem(c.path, http.StatusBadRequest, "api.invalid_parameter", c.field)
	}
	e.supplyProblem("/v1/credentials/cr-ffffffffffffffffffffffff", http.StatusNotFound, "credentials.not_found", "")
	for _, c := range []struct{ body, field, detail string }{
		{`{}`, "credential", "is required"},
		{`{"credential": "` + jwt + `", "at": "soon"}`, "at", `"soon"`},
		{`{"credential": "` + jwt + `", "holder": "me"}`, "", `unknown field "holder"`},
	} {
		resp, b := e.do(http.MethodPost, "/v1/credentials/verify", "application/json", []byte(c.body))
		if p := wantProblem(t, resp, b, http.StatusBadRequest, "api.invalid_body"); p.Field != c.field || !strings.Contains(p.Detail, c.detail) {
			t.Fatalf("%s: field %q, detail %q; want %q and %q", c.body, p.Field, p.Detail, c.field, c.detail)
		}
	}
	if v := e.credentialsVerify("not a credential", ""); v.Valid || v.Code != string(vc.CodeMalformed) {
		t.Fatalf("garbage: %+v", v)
	}
}
