package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/medchain/medchain/internal/api/apitest"
	"github.com/medchain/medchain/internal/governance"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestHealthAndReadiness(t *testing.T) {
	var ready error = errors.New("catching up: block 3 of 90")
	e := newEnv(t, apitest.Options{Ready: func(context.Context) error { return ready }})
	e.get("/healthz", http.StatusOK, nil)
	resp, body := e.do(http.MethodGet, "/readyz", "", nil)
	p := wantProblem(t, resp, body, http.StatusServiceUnavailable, "api.not_ready")
	if !strings.Contains(p.Detail, "catching up") {
		t.Fatalf("detail %q", p.Detail)
	}
	ready = nil
	var h struct{ Status string }
	e.get("/readyz", http.StatusOK, &h)
	if h.Status != "ready" {
		t.Fatalf("readyz %q", h.Status)
	}
}

func TestStatus(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	var s struct {
		ChainID           string    `json:"chain_id"`
		NodeID            string    `json:"node_id"`
		Moniker           string    `json:"moniker"`
		AppVersion        uint64    `json:"app_version"`
		LatestBlockHeight int64     `json:"latest_block_height"`
		LatestAppHash     string    `json:"latest_app_hash"`
		LatestBlockTime   time.Time `json:"latest_block_time"`
		StateHeight       int64     `json:"state_height"`
		CatchingUp        bool      `json:"catching_up"`
		MessageTypes      []string  `json:"message_types"`
	}
	e.get("/v1/status", http.StatusOK, &s)
	if s.ChainID != apitest.ChainID || s.NodeID == "" || s.Moniker != "apitest" || s.AppVersion != 1 ||
		s.LatestBlockHeight != 1 || s.StateHeight != 1 || s.LatestAppHash == "" || s.CatchingUp ||
		!s.LatestBlockTime.Equal(apitest.GenesisTime.Add(time.Second)) {
		t.Fatalf("status: %+v", s)
	}
	if !slices.Contains(s.MessageTypes, identity.TypeRegisterMember) || !slices.Contains(s.MessageTypes, governance.TypeVote) {
		t.Fatalf("message types: %v", s.MessageTypes)
	}
}

func TestTxLookup(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	s := e.ok("hospital-admin", identity.TypeRegisterMember, registerDrGrey())
	var v struct {
		Hash     string `json:"hash"`
		Height   int64  `json:"height"`
		Index    uint32 `json:"index"`
		Code     uint32 `json:"code"`
		Type     string `json:"type"`
		SignerID string `json:"signer_id"`
		Body     struct {
			ChainID string          `json:"chain_id"`
			Signer  string          `json:"signer"`
			Expires int64           `json:"expires"`
			Type    string          `json:"type"`
			Msg     json.RawMessage `json:"msg"`
		} `json:"body"`
		Result json.RawMessage `json:"result"`
		Events []struct {
			Type       string `json:"type"`
			Attributes []struct{ Key, Value string }
		} `json:"events"`
	}
	e.getAs("hospital-admin", "/v1/txs/"+s.Hash, http.StatusOK, &v) // its signer sees it whole
	if v.Hash != s.Hash || v.Height != s.Height || v.Code != 0 || v.Type != identity.TypeRegisterMember ||
		v.SignerID != "general-hospital/admin" || v.Body.ChainID != apitest.ChainID ||
		v.Body.Signer != apitest.PubKey("hospital-admin").String() || !strings.Contains(string(v.Body.Msg), `"dr-grey"`) ||
		string(v.Result) != `{"id":"general-hospital/dr-grey"}` {
		t.Fatalf("tx: %+v", v)
	}
	var types []string
	for _, ev := range v.Events {
		types = append(types, ev.Type)
	}
	if !slices.Contains(types, "identity.member_registered") {
		t.Fatalf("events: %v", types)
	}

	cases := []struct {
		path   string
		status int
		code   string
	}{
		{"/v1/txs/xyz", 400, "api.invalid_parameter"},
		{"/v1/txs/" + strings.Repeat("AB", 31), 400, "api.invalid_parameter"},
		{"/v1/txs/" + strings.Repeat("AB", 32), 404, "api.not_found"},
	}
	for _, c := range cases {
		resp, body := e.do(http.MethodGet, c.path, "", nil)
		p := wantProblem(t, resp, body, c.status, c.code)
		if c.status == 400 && p.Field != "hash" {
			t.Fatalf("%s: field %q", c.path, p.Field)
		}
	}
}

func TestBlocks(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	s := e.ok("hospital-admin", identity.TypeRegisterMember, registerDrGrey())
	type block struct {
		Height          int64     `json:"height"`
		Time            time.Time `json:"time"`
		Hash            string    `json:"hash"`
		AppHash         string    `json:"app_hash"`
		ProposerAddress string    `json:"proposer_address"`
		Txs             []struct {
			Hash string `json:"hash"`
			Type string `json:"type"`
			Code uint32 `json:"code"`
		} `json:"txs"`
	}
	var latest, at block
	e.get("/v1/blocks/latest", http.StatusOK, &latest)
	e.get("/v1/blocks/"+itoa(s.Height), http.StatusOK, &at)
	if latest.Height != s.Height || at.Hash != latest.Hash || len(at.Txs) != 1 || at.Txs[0].Hash != s.Hash ||
		at.Txs[0].Type != identity.TypeRegisterMember || at.Txs[0].Code != 0 || at.ProposerAddress == "" ||
		!at.Time.Equal(apitest.GenesisTime.Add(time.Duration(s.Height)*time.Second)) {
		t.Fatalf("block: %+v", at)
	}
	// A header's app hash is the root after the previous block.
	prev, _ := e.h.App.State().At(s.Height - 1)
	if at.AppHash != strings.ToUpper(hexOf(prev.Hash())) {
		t.Fatalf("app hash %s, want root of %d", at.AppHash, s.Height-1)
	}
	for _, c := range []struct {
		path   string
		status int
		code   string
	}{
		{"/v1/blocks/0", 400, "api.invalid_parameter"},
		{"/v1/blocks/-3", 400, "api.invalid_parameter"},
		{"/v1/blocks/abc", 400, "api.invalid_parameter"},
		{"/v1/blocks/99", 404, "api.not_found"},
	} {
		resp, body := e.do(http.MethodGet, c.path, "", nil)
		wantProblem(t, resp, body, c.status, c.code)
	}
}

func TestOrgsPagingAndLookup(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	type page struct {
		Items []struct {
			ID        string `json:"id"`
			Kind      string `json:"kind"`
			Status    string `json:"status"`
			Validator *struct {
				PublicKey string `json:"public_key"`
				Power     int64  `json:"power"`
			} `json:"validator"`
		} `json:"items"`
		Next string `json:"next"`
	}
	var all, p1, p2 page
	e.get("/v1/orgs", http.StatusOK, &all)
	if len(all.Items) != 3 || all.Next != "" {
		t.Fatalf("orgs: %+v", all)
	}
	e.get("/v1/orgs?limit=2", http.StatusOK, &p1)
	e.get("/v1/orgs?limit=2&after="+p1.Next, http.StatusOK, &p2)
	if len(p1.Items) != 2 || p1.Next != p1.Items[1].ID || len(p2.Items) != 1 || p2.Next != "" {
		t.Fatalf("pages: %+v / %+v", p1, p2)
	}
	ids := []string{p1.Items[0].ID, p1.Items[1].ID, p2.Items[0].ID}
	if !slices.IsSorted(ids) || !slices.Contains(ids, "city-lab") {
		t.Fatalf("ids %v", ids)
	}
	var org struct {
		ID, Name, Kind, Status string
		Joined                 int64
		Validator              struct {
			PublicKey string `json:"public_key"`
			Power     int64
		}
		Proof *json.RawMessage
	}
	e.get("/v1/orgs/general-hospital", http.StatusOK, &org)
	if org.Name != "General Hospital" || org.Kind != "hospital" || org.Status != "active" ||
		org.Validator.PublicKey != apitest.PubKey("val-hospital").String() || org.Validator.Power != 10 || org.Proof != nil {
		t.Fatalf("org: %+v", org)
	}

	for _, c := range []struct {
		path, field string
		status      int
		code        string
	}{
		{"/v1/orgs?limit=0", "limit", 400, "api.invalid_parameter"},
		{"/v1/orgs?limit=1001", "limit", 400, "api.invalid_parameter"},
		{"/v1/orgs?limit=ten", "limit", 400, "api.invalid_parameter"},
		{"/v1/orgs/nowhere", "", 404, "governance.not_found"},
		{"/v1/orgs/general-hospital?prove=maybe", "prove", 400, "api.invalid_parameter"},
		{"/v1/orgs/nowhere/members", "", 404, "governance.not_found"},
		{"/v1/orgs/general-hospital/members?limit=-1", "limit", 400, "api.invalid_parameter"},
	} {
		resp, body := e.do(http.MethodGet, c.path, "", nil)
		if p := wantProblem(t, resp, body, c.status, c.code); p.Field != c.field {
			t.Fatalf("%s: field %q, want %q", c.path, p.Field, c.field)
		}
	}
}

func TestMembersAndIdentities(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	for _, h := range []string{"dr-a", "dr-b", "dr-c"} {
		e.ok("hospital-admin", identity.TypeRegisterMember, identity.RegisterMember{Handle: h, Roles: []ledger.Role{"physician"}, PublicKey: apitest.PubKey(h)})
	}
	e.ok("dr-a", identity.TypeAddKey, identity.AddKey{PublicKey: apitest.PubKey("dr-a-2")})
	e.ok("dr-a", identity.TypeRevokeKey, identity.RevokeKey{PublicKey: apitest.PubKey("dr-a"), Reason: "lost"})
	pt := e.ok("patient-1", identity.TypeRegisterPatient, identity.RegisterPatient{})
	var created ledger.Created
	json.Unmarshal(pt.Result, &created)

	type members struct {
		Items []struct{ ID, Handle, Kind, Status string }
		Next  string
	}
	var p1, p2 members
	e.get("/v1/orgs/general-hospital/members?limit=2", http.StatusOK, &p1)
	e.get("/v1/orgs/general-hospital/members?limit=2&after="+p1.Next, http.StatusOK, &p2)
	if len(p1.Items) != 2 || p1.Items[0].ID != "general-hospital/admin" || p1.Next != "dr-a" ||
		len(p2.Items) != 2 || p2.Items[1].Handle != "dr-c" || p2.Next != "" {
		t.Fatalf("members: %+v / %+v", p1, p2)
	}

	type ident struct {
		ID, Kind string
		Member   *struct{ ID, Org, Handle, Kind, Status string }
		Patient  *struct {
			ID      string
			Created int64
		}
		Keys []struct {
			PublicKey string `json:"public_key"`
			Owner     string
			OwnerKind string `json:"owner_kind"`
			Status    string
			Added     int64
			Revoked   int64
			Reason    string
		}
	}
	// The slash of a member ID may be sent as is or escaped.
	for _, path := range []string{"/v1/identities/general-hospital/dr-a", "/v1/identities/general-hospital%2Fdr-a"} {
		var m ident
		e.get(path, http.StatusOK, &m)
		if m.ID != "general-hospital/dr-a" || m.Kind != "member" || m.Member == nil || m.Member.Handle != "dr-a" || m.Patient != nil || len(m.Keys) != 2 {
			t.Fatalf("%s: %+v", path, m)
		}
		statuses := map[string]string{}
		for _, k := range m.Keys {
			statuses[k.PublicKey] = k.Status
		}
		if statuses[apitest.PubKey("dr-a").String()] != "revoked" || statuses[apitest.PubKey("dr-a-2").String()] != "active" {
			t.Fatalf("keys: %+v", m.Keys)
		}
	}
	// A suspension keeps who decided and why.
	e.ok("hospital-admin", identity.TypeSetMemberStatus, identity.SetMemberStatus{Member: "general-hospital/dr-c", Status: "suspended", Reason: "under-investigation"})
	var sus struct {
		Member struct {
			Status       string
			StatusChange *identity.StatusChange `json:"status_change"`
		}
	}
	e.get("/v1/identities/general-hospital/dr-c", http.StatusOK, &sus)
	if c := sus.Member.StatusChange; sus.Member.Status != "suspended" || c == nil || c.By != "general-hospital/admin" || c.Reason != "under-investigation" || c.Status != "suspended" {
		t.Fatalf("suspended member: %+v (change %+v)", sus.Member, c)
	}

	var p ident
	e.getAs("patient-1", "/v1/identities/"+created.ID, http.StatusOK, &p)
	if p.Kind != "patient" || p.Patient == nil || p.Patient.ID != created.ID || p.Patient.Created != pt.Height || p.Member != nil ||
		len(p.Keys) != 1 || p.Keys[0].OwnerKind != "patient" {
		t.Fatalf("patient: %+v", p)
	}

	var k struct {
		Owner, Status, Reason string
		Revoked               int64
	}
	e.get("/v1/keys/"+apitest.PubKey("dr-a").String(), http.StatusOK, &k)
	if k.Owner != "general-hospital/dr-a" || k.Status != "revoked" || k.Reason != "lost" || k.Revoked == 0 {
		t.Fatalf("key: %+v", k)
	}
	// Upper-case hex is accepted too.
	e.get("/v1/keys/"+strings.ToUpper(apitest.PubKey("dr-b").String()), http.StatusOK, nil)

	for _, c := range []struct {
		as, path, field string // as: who asks ("": anonymous)
		status          int
		code            string
	}{
		{"", "/v1/identities/general-hospital/nobody", "", 404, "identity.not_found"},
		// A member may look a patient up; anyone else is not told whether
		// the patient exists.
		{"dr-b", "/v1/identities/pt-0000", "", 404, "identity.not_found"},
		{"", "/v1/identities/pt-0000", "Authorization", 401, "api.unauthenticated"},
		{"patient-1", "/v1/identities/pt-0000", "", 403, "chain.not_entitled"},
		{"", "/v1/keys/zz", "public_key", 400, "api.invalid_parameter"},
		// Nor whether a key is a patient's: an unknown key is refused
		// like one.
		{"dr-b", "/v1/keys/" + apitest.PubKey("nobody").String(), "", 404, "identity.not_found"},
		{"", "/v1/keys/" + apitest.PubKey("nobody").String(), "Authorization", 401, "api.unauthenticated"},
		{"patient-1", "/v1/keys/" + apitest.PubKey("nobody").String(), "", 403, "chain.not_entitled"},
	} {
		resp, body := e.doAs(c.as, http.MethodGet, c.path, "", nil)
		if p := wantProblem(t, resp, body, c.status, c.code); p.Field != c.field {
			t.Fatalf("%s: field %q", c.path, p.Field)
		}
	}
}

func TestValidatorsAndProposals(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	var vals struct {
		Height     int64 `json:"height"`
		TotalPower int64 `json:"total_power"`
		Items      []struct {
			Org       string
			PublicKey string `json:"public_key"`
			Power     int64
		}
	}
	e.get("/v1/validators", http.StatusOK, &vals)
	if len(vals.Items) != 2 || vals.TotalPower != 20 || vals.Height != 1 {
		t.Fatalf("validators: %+v", vals)
	}

	payload, _ := json.Marshal(governance.RemoveOrg{ID: "city-lab"})
	for range 3 {
		e.ok("hospital-admin", governance.TypePropose, governance.Propose{Title: "Remove the lab", Action: governance.Action{Type: governance.ActionRemoveOrg, Payload: payload}})
	}
	e.ok("insurer-admin", governance.TypeVote, governance.CastVote{Proposal: 1, Approve: false})

	type proposal struct {
		ID      uint64
		Title   string
		Status  string
		Decided int64
		Action  struct {
			Type    string
			Payload json.RawMessage
		}
		Votes []struct {
			Org     string
			Approve bool
		}
		Tally struct {
			Yes, No, Members int
			Passes           bool
		}
	}
	var p proposal
	e.get("/v1/proposals/1", http.StatusOK, &p)
	// One no of three members: it can no longer pass, so it is rejected.
	if p.ID != 1 || p.Title != "Remove the lab" || p.Status != "rejected" || p.Decided == 0 || p.Action.Type != "remove-org" ||
		string(p.Action.Payload) != `{"id":"city-lab"}` || len(p.Votes) != 2 ||
		p.Tally.Yes != 1 || p.Tally.No != 1 || p.Tally.Members != 3 || p.Tally.Passes {
		t.Fatalf("proposal: %+v", p)
	}
	var page1, page2 struct {
		Items []proposal
		Next  string
	}
	e.get("/v1/proposals?limit=2", http.StatusOK, &page1)
	e.get("/v1/proposals?after="+page1.Next, http.StatusOK, &page2)
	if len(page1.Items) != 2 || page1.Next != "2" || len(page2.Items) != 1 || page2.Items[0].ID != 3 || page2.Next != "" ||
		page1.Items[1].Status != "open" || page1.Items[1].Tally.Yes != 1 || page1.Items[1].Tally.No != 0 {
		t.Fatalf("pages: %+v / %+v", page1, page2)
	}
	for _, c := range []struct {
		path, field string
		status      int
		code        string
	}{
		{"/v1/proposals/9", "", 404, "governance.not_found"},
		{"/v1/proposals/0", "id", 400, "api.invalid_parameter"},
		{"/v1/proposals/first", "id", 400, "api.invalid_parameter"},
		{"/v1/proposals?after=first", "after", 400, "api.invalid_parameter"},
	} {
		resp, body := e.do(http.MethodGet, c.path, "", nil)
		if pr := wantProblem(t, resp, body, c.status, c.code); pr.Field != c.field {
			t.Fatalf("%s: field %q", c.path, pr.Field)
		}
	}
}

func TestUnknownRoutesAndMethodsAreProblems(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	resp, body := e.do(http.MethodGet, "/v1/nothing", "", nil)
	wantProblem(t, resp, body, http.StatusNotFound, "api.not_found")
	resp, body = e.do(http.MethodDelete, "/v1/orgs", "", nil)
	wantProblem(t, resp, body, http.StatusMethodNotAllowed, "api.method_not_allowed")
	if allow := resp.Header.Get("Allow"); !strings.Contains(allow, "GET") {
		t.Fatalf("Allow %q", allow)
	}
}

func TestMetrics(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	e.ok("hospital-admin", identity.TypeRegisterMember, registerDrGrey())
	e.get("/v1/orgs/general-hospital", http.StatusOK, nil)
	e.do(http.MethodGet, "/v1/orgs/nowhere", "", nil)
	e.submit([]byte("junk"), "")
	resp, err := http.Get(e.h.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`medchain_api_requests_total{route="GET /v1/orgs/{id}",status="200"} 1`,
		`medchain_api_requests_total{route="GET /v1/orgs/{id}",status="404"} 1`,
		`medchain_api_request_duration_seconds_count{route="POST /v1/txs",status="200"} 1`,
		`medchain_api_tx_submissions_total{result="ok"} 1`,
		`medchain_api_tx_submissions_total{result="chain.malformed_tx"} 1`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if t.Failed() {
		t.Log(string(b))
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}
