package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/medchain/medchain/internal/api/apitest"
	"github.com/medchain/medchain/internal/apiauth"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/records"
)

// A read as someone, and what the answer must be: its status and, for a
// 2XX, what the body holds and what it does not.
type readCase struct {
	as, path     string
	status       int
	holds, lacks []string
}

// check runs the cases; a refusal must be 401 api.unauthenticated or 403
// chain.not_entitled.
func (s *seeded) check(t *testing.T, cases []readCase) {
	t.Helper()
	for _, c := range cases {
		resp, body := s.doAs(c.as, http.MethodGet, c.path, "", nil)
		if resp.StatusCode != c.status {
			t.Errorf("GET %s as %q: %d, want %d: %s", c.path, c.as, resp.StatusCode, c.status, body)
			continue
		}
		switch code := problemCode(body); c.status {
		case http.StatusUnauthorized:
			if code != "api.unauthenticated" {
				t.Errorf("GET %s as %q: code %q, want api.unauthenticated", c.path, c.as, code)
			}
		case http.StatusForbidden:
			if code != "chain.not_entitled" {
				t.Errorf("GET %s as %q: code %q, want chain.not_entitled", c.path, c.as, code)
			}
		}
		for _, h := range c.holds {
			if !strings.Contains(string(body), h) {
				t.Errorf("GET %s as %q: answer lacks %q: %s", c.path, c.as, h, body)
			}
		}
		for _, l := range c.lacks {
			if strings.Contains(string(body), l) {
				t.Errorf("GET %s as %q: answer holds %q: %s", c.path, c.as, l, body)
			}
		}
	}
}

// Who sees what, through HTTP (docs/design.md §3.11; records/readers.go,
// supply/readers.go): each rule's entitled callers are answered, and a
// caller just outside it is refused.
func TestEntitlements(t *testing.T) {
	s := seedPrivate(t)
	pt, rec, rec2, gr, win := s.patient, s.record, s.record2, s.grant, s.window
	patientLists := func(as string) []readCase {
		return []readCase{
			{as, "/v1/patients/" + pt + "/grants", 200, []string{gr}, nil},
			{as, "/v1/patients/" + pt + "/records", 200, []string{rec, rec2}, nil},
			{as, "/v1/patients/" + pt + "/access-log", 200, s.receipts, nil},
			{as, "/v1/patients/" + pt + "/break-glass", 200, []string{win}, nil},
			{as, "/v1/patients/" + pt + "/delegates", 200, []string{s.guardian}, nil},
			{as, "/v1/records/" + rec2, 200, []string{rec2}, nil},
			{as, "/v1/grants/" + gr, 200, []string{gr}, nil},
		}
	}
	t.Run("patient", func(t *testing.T) {
		s.env.t = t
		s.check(t, patientLists(keyPatient))
		s.check(t, []readCase{
			{keyPatient, "/v1/identities/" + pt, 200, []string{pt}, nil},
			// The recipient sees the components and their tests, not the donor.
			{keyPatient, "/v1/supply/lookback/recipients/" + pt, 200, []string{s.rbc}, []string{seedDonorBlood}},
		})
	})
	t.Run("delegate", func(t *testing.T) {
		s.env.t = t
		s.check(t, patientLists(keyGuardian))
		s.check(t, []readCase{{keyGuardian, "/v1/identities/" + pt, 200, []string{pt}, nil}})
	})
	t.Run("another patient", func(t *testing.T) {
		s.env.t = t
		var cases []readCase
		for _, c := range patientLists(keyStranger) {
			cases = append(cases, readCase{c.as, c.path, 403, nil, nil})
		}
		s.check(t, append(cases, readCase{keyStranger, "/v1/identities/" + pt, 403, nil, nil}))
	})
	t.Run("grantee", func(t *testing.T) {
		s.env.t = t
		// acme-insurance's grant is of the first record only.
		s.check(t, []readCase{
			{"claims", "/v1/patients/" + pt + "/records", 200, []string{rec}, []string{rec2}},
			{"claims", "/v1/records/" + rec, 200, []string{rec}, nil},
			{"claims", "/v1/records/" + rec2, 403, nil, nil},
			{"claims", "/v1/grants/" + gr, 200, []string{gr}, nil},
			{"claims", "/v1/patients/" + pt + "/grants", 403, nil, nil},
			{"claims", "/v1/patients/" + pt + "/access-log", 403, nil, nil},
			{"insurer-privacy", "/v1/grants/" + gr, 200, []string{gr}, nil}, // the grant names the organisation
			{"lab-tech", "/v1/grants/" + gr, 403, nil, nil},
			{"lab-tech", "/v1/patients/" + pt + "/records", 403, nil, nil},
		})
	})
	t.Run("custodian", func(t *testing.T) {
		s.env.t = t
		s.check(t, []readCase{
			{"hospital-admin", "/v1/patients/" + pt + "/records", 200, []string{rec, rec2}, nil},
			{"hospital-nurse", "/v1/records/" + rec2, 200, []string{rec2}, nil},
			{"hospital-admin", "/v1/patients/" + pt + "/grants", 403, nil, nil},
		})
	})
	t.Run("break-glass", func(t *testing.T) {
		s.env.t = t
		// The blood centre's nurse neither keeps the records nor holds a
		// grant: only inside a window of her own.
		s.check(t, []readCase{{"bloodbank-nurse", "/v1/patients/" + pt + "/records", 403, nil, nil}})
		s.ok("bloodbank-nurse", records.TypeBreakGlass, records.OpenBreakGlass{Patient: pt, Reason: "patient-unconscious"})
		s.check(t, []readCase{
			{"bloodbank-nurse", "/v1/patients/" + pt + "/records", 200, []string{rec, rec2}, nil},
			{"bloodbank-nurse", "/v1/records/" + rec2, 200, []string{rec2}, nil},
			{"bloodbank-nurse", "/v1/patients/" + pt + "/access-log", 403, nil, nil},
			{"bloodbank-admin", "/v1/patients/" + pt + "/records", 403, nil, nil}, // the window is hers, not her organisation's
		})
	})
	t.Run("audit", func(t *testing.T) {
		s.env.t = t
		var cases []readCase
		for _, as := range []string{"hospital-privacy", "hospital-auditor"} {
			cases = append(cases,
				readCase{as, "/v1/orgs/general-hospital/access-log", 200, s.receipts, nil},
				readCase{as, "/v1/orgs/general-hospital/break-glass", 200, []string{win}, nil})
		}
		for _, as := range []string{"insurer-privacy", "dr-grey", "hospital-admin", keyPatient} {
			cases = append(cases,
				readCase{as, "/v1/orgs/general-hospital/access-log", 403, nil, nil},
				readCase{as, "/v1/orgs/general-hospital/break-glass", 403, nil, nil})
		}
		s.check(t, cases)
	})
	t.Run("org patients", func(t *testing.T) {
		s.env.t = t
		// walk-patient granted acme-insurance (a record, for payment) and
		// general-hospital (treatment, for its monitoring): each
		// organisation's members see the patient with their own grant.
		hospital, insurer := "/v1/orgs/general-hospital/patients", "/v1/orgs/acme-insurance/patients"
		s.check(t, []readCase{
			{"claims", insurer, 200, []string{pt, gr}, []string{s.telemetry.grant}},
			{"insurer-privacy", insurer, 200, []string{pt, gr}, nil},
			{"hospital-nurse", hospital, 200, []string{pt, s.telemetry.grant}, []string{gr}},
			{"dr-grey", hospital, 200, []string{pt, s.telemetry.grant}, []string{gr}},
			{"", insurer, 401, nil, nil},
			{"lab-tech", insurer, 403, nil, nil},
			{"hospital-admin", insurer, 403, nil, nil},
			{keyPatient, insurer, 403, nil, nil}, // the patient who granted
			{keyGuardian, hospital, 403, nil, nil},
		})
	})
	t.Run("transaction", func(t *testing.T) {
		s.env.t = t
		var redacted, whole struct {
			SignerID string          `json:"signer_id"`
			Body     json.RawMessage `json:"body"`
			Redacted bool            `json:"redacted"`
		}
		s.getAs("claims", "/v1/txs/"+s.grantTx, http.StatusOK, &redacted)
		if !redacted.Redacted || redacted.SignerID != "" || string(redacted.Body) != "null" {
			t.Errorf("the grant's transaction to the grantee: %+v", redacted)
		}
		s.getAs(keyPatient, "/v1/txs/"+s.grantTx, http.StatusOK, &whole)
		if whole.Redacted || whole.SignerID != pt || !strings.Contains(string(whole.Body), "acme-insurance") {
			t.Errorf("the grant's transaction to its signer: %+v", whole)
		}
		// A self-registration is signed by a key of no one yet: the
		// patient it makes is its signer, and sees it whole.
		reg := s.ok("walk-newcomer", identity.TypeRegisterPatient, identity.RegisterPatient{})
		var own struct {
			SignerID string `json:"signer_id"`
			Redacted bool   `json:"redacted"`
		}
		s.getAs("walk-newcomer", "/v1/txs/"+reg.Hash, http.StatusOK, &own)
		if own.Redacted || !strings.HasPrefix(own.SignerID, "pt-") {
			t.Errorf("a patient's own registration: %+v", own)
		}
	})
	t.Run("proofs", func(t *testing.T) {
		s.env.t = t
		grantKey := "/v1/proofs?key=" + url.QueryEscape("rec/g/"+gr)
		s.check(t, []readCase{
			{"", grantKey, 401, nil, nil},
			{keyStranger, grantKey, 403, nil, nil},
			{"lab-tech", grantKey, 403, nil, nil},
			{keyPatient, grantKey, 200, []string{`"key":"rec/g/` + gr + `"`}, nil},
			{keyGuardian, grantKey, 200, nil, nil},
			{"claims", grantKey, 200, nil, nil}, // the grant names its organisation
		})
		var p proofJSON
		s.getAs(keyPatient, grantKey, http.StatusOK, &p)
		if !strings.Contains(string(p.Value), pt) {
			t.Errorf("proof of the grant's path: value %q", p.Value)
		}
	})
	t.Run("blood", func(t *testing.T) {
		s.env.t = t
		donation := "/v1/supply/donations/" + dinBlood
		s.check(t, []readCase{
			{"", donation, 401, nil, nil},
			{keyPatient, donation, 403, nil, nil},
			{"hospital-nurse", donation, 200, []string{seedDonorBlood}, nil},
			{"bloodbank-nurse", "/v1/supply/lookback/donors/" + seedDonorBlood, 200, []string{pt}, nil},
			{"hospital-nurse", "/v1/supply/lookback/donors/" + seedDonorBlood, 403, nil, nil},
			{"hospital-nurse", "/v1/supply/lookback/recipients/" + pt, 200, []string{s.rbc, seedDonorBlood}, nil},
			{keyStranger, "/v1/supply/lookback/recipients/" + pt, 403, nil, nil},
			{"lab-tech", "/v1/supply/lookback/recipients/" + pt, 403, nil, nil},
		})
		trace := "/v1/supply/lots/" + gtinRedCells + "/" + dinBlood + "/trace"
		for _, as := range []string{"", keyPatient, "hospital-nurse"} {
			var lt struct {
				Donations []map[string]json.RawMessage `json:"donations"`
			}
			s.getAs(as, trace, http.StatusOK, &lt)
			if len(lt.Donations) != 1 {
				t.Fatalf("trace as %q: %+v", as, lt)
			}
			d := lt.Donations[0]
			_, hasDonor := d["donor"]
			_, hasTests := d["tests"]
			if member := as == "hospital-nurse"; hasDonor != member || hasTests != member {
				t.Errorf("trace as %q: donor %s, tests %s", as, d["donor"], d["tests"])
			}
		}
	})
}

// issueToken posts a signed auth/token request by signer and returns the
// answer.
func (e *env) issueToken(signer string, ttl int64) (*http.Response, []byte) {
	e.t.Helper()
	cred, err := e.h.Credential(signer, apiauth.TypeToken, apiauth.Token{TTLSeconds: ttl})
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]string{"request": cred})
	return e.do(http.MethodPost, "/v1/auth/tokens", "application/json", b)
}

// bearer sends GET path with a bearer token.
func (e *env) bearer(token, path string) (*http.Response, []byte) {
	e.t.Helper()
	return e.doWith(http.MethodGet, path, "", nil, func(req *http.Request) {
		req.Header.Set("Authorization", "Bearer "+token)
	})
}

type issuedToken struct {
	Token    string `json:"token"`
	Key      string `json:"key"`
	Identity struct {
		ID   string `json:"id"`
		Kind string `json:"kind"`
	} `json:"identity"`
}

// Tokens: issued, used, asked who they are and ended; signed requests
// taken once and for their own request only; a revoked key's token ends
// with the key, a suspended member's with the suspension.
func TestCredentials(t *testing.T) {
	s := seedPrivate(t)
	grants := "/v1/patients/" + s.patient + "/grants"

	resp, body := s.issueToken(keyPatient, 600)
	var tok issuedToken
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(body, &tok) != nil || !strings.HasPrefix(tok.Token, apiauth.TokenPrefix) ||
		tok.Identity.ID != s.patient || tok.Identity.Kind != "patient" {
		t.Fatalf("issue: %d %s", resp.StatusCode, body)
	}
	if resp, body := s.bearer(tok.Token, grants); resp.StatusCode != http.StatusOK || !strings.Contains(string(body), s.grant) {
		t.Fatalf("bearer on a keyed route: %d %s", resp.StatusCode, body)
	}
	var who struct{ ID, Kind, Key string }
	if resp, body := s.bearer(tok.Token, "/v1/auth/whoami"); resp.StatusCode != http.StatusOK || json.Unmarshal(body, &who) != nil ||
		who.ID != s.patient || who.Kind != "patient" || who.Key != tok.Key {
		t.Fatalf("whoami: %d %s", resp.StatusCode, body)
	}
	resp, body = s.doWith(http.MethodDelete, "/v1/auth/tokens/current", "", nil, func(req *http.Request) {
		req.Header.Set("Authorization", "Bearer "+tok.Token)
	})
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", resp.StatusCode, body)
	}
	resp, body = s.bearer(tok.Token, grants)
	wantProblem(t, resp, body, http.StatusUnauthorized, "api.unauthenticated")
	if resp.Header.Get("WWW-Authenticate") == "" {
		t.Fatal("401 without WWW-Authenticate")
	}

	// A token request is taken once, and only from an identity.
	cred, err := s.h.Credential(keyPatient, apiauth.TypeToken, apiauth.Token{})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := json.Marshal(map[string]string{"request": cred})
	s.post("/v1/auth/tokens", "application/json", req, http.StatusCreated, nil)
	resp, body = s.do(http.MethodPost, "/v1/auth/tokens", "application/json", req)
	wantProblem(t, resp, body, http.StatusUnauthorized, "api.unauthenticated")
	resp, body = s.issueToken("nobody-at-all", 0)
	wantProblem(t, resp, body, http.StatusUnauthorized, "identity.unknown_signer")

	// A signed request is taken once, and for its own request only.
	auth := s.authorization(keyPatient, mustRequest(t, s.h.URL+grants))
	with := func(a string) func(*http.Request) {
		return func(req *http.Request) { req.Header.Set("Authorization", a) }
	}
	if resp, body := s.doWith(http.MethodGet, grants, "", nil, with(auth)); resp.StatusCode != http.StatusOK {
		t.Fatalf("signed request: %d %s", resp.StatusCode, body)
	}
	resp, body = s.doWith(http.MethodGet, grants, "", nil, with(auth))
	if p := wantProblem(t, resp, body, http.StatusUnauthorized, "api.unauthenticated"); !strings.Contains(p.Detail, "already used") {
		t.Fatalf("replayed signed request: %s", p.Detail)
	}
	other := s.authorization(keyPatient, mustRequest(t, s.h.URL+grants))
	delegates := "/v1/patients/" + s.patient + "/delegates"
	resp, body = s.doWith(http.MethodGet, delegates, "", nil, with(other))
	wantProblem(t, resp, body, http.StatusUnauthorized, "api.unauthenticated")
	resp, body = s.doWith(http.MethodGet, grants+"?x=1", "", nil, with(other))
	wantProblem(t, resp, body, http.StatusUnauthorized, "api.unauthenticated")

	// A revoked key's token stops working at once.
	id := s.registerPatient("walk-rotating")
	s.ok("walk-rotating", identity.TypeAddKey, identity.AddKey{PublicKey: apitest.PubKey("walk-rotating-2")})
	resp, body = s.issueToken("walk-rotating", 0)
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(body, &tok) != nil {
		t.Fatalf("issue: %d %s", resp.StatusCode, body)
	}
	if resp, body := s.bearer(tok.Token, "/v1/patients/"+id+"/grants"); resp.StatusCode != http.StatusOK {
		t.Fatalf("token before the revocation: %d %s", resp.StatusCode, body)
	}
	s.ok("walk-rotating-2", identity.TypeRevokeKey, identity.RevokeKey{PublicKey: apitest.PubKey("walk-rotating"), Reason: "lost"})
	resp, body = s.bearer(tok.Token, "/v1/patients/"+id+"/grants")
	wantProblem(t, resp, body, http.StatusUnauthorized, "identity.key_revoked")

	// So does a suspended member's.
	resp, body = s.issueToken("hospital-privacy", 0)
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(body, &tok) != nil {
		t.Fatalf("issue: %d %s", resp.StatusCode, body)
	}
	if resp, body := s.bearer(tok.Token, "/v1/orgs/general-hospital/access-log"); resp.StatusCode != http.StatusOK {
		t.Fatalf("token before the suspension: %d %s", resp.StatusCode, body)
	}
	s.ok("hospital-admin", identity.TypeSetMemberStatus, identity.SetMemberStatus{Member: "general-hospital/privacy", Status: "suspended", Reason: "under-investigation"})
	resp, body = s.bearer(tok.Token, "/v1/orgs/general-hospital/access-log")
	wantProblem(t, resp, body, http.StatusForbidden, "identity.inactive")
}

func mustRequest(t *testing.T, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
