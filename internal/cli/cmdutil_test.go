package cli

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/medchain/medchain/client"
)

// fakeAPI is a node for command tests: it embeds API (nil), so a command
// that calls a method the test did not expect panics, and overrides the
// methods the tests need with hooks.
type fakeAPI struct {
	API
	sent   []client.Msg
	signer *client.Signer
	send   func(msg client.Msg) (*client.TxResult, error)
	status func() (*client.Status, error)
	org    func(id string) (*client.Org, error)
	orgs   func(after string, limit int) (*client.Page[client.Org], error)
	verify func(code, location string) (*client.ScanResult, error)
}

func (f *fakeAPI) Send(_ context.Context, s *client.Signer, msg client.Msg) (*client.TxResult, error) {
	f.sent = append(f.sent, msg)
	f.signer = s
	return f.send(msg)
}

func (f *fakeAPI) Status(context.Context) (*client.Status, error) { return f.status() }

func (f *fakeAPI) Org(_ context.Context, id string, _ ...client.ReadOption) (*client.Org, error) {
	return f.org(id)
}

func (f *fakeAPI) Orgs(_ context.Context, after string, limit int) (*client.Page[client.Org], error) {
	return f.orgs(after, limit)
}

func (f *fakeAPI) Verify(_ context.Context, code, location string) (*client.ScanResult, error) {
	return f.verify(code, location)
}

var testSigner = client.NewSigner(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize)))

// committed answers a Send with a committed result carrying result as the
// handler's JSON.
func committed(result any) func(client.Msg) (*client.TxResult, error) {
	return func(client.Msg) (*client.TxResult, error) {
		raw, _ := json.Marshal(result)
		return &client.TxResult{Hash: "ABC123", Status: client.StatusCommitted, Height: 7, Result: raw}, nil
	}
}

// run runs the CLI on args against api (nil: the SDK client of --node)
// with the test signer, in a home of its own, and returns the exit code and
// what it printed.
func run(t *testing.T, api API, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	t.Setenv("MEDCHAIN_HOME", t.TempDir())
	t.Setenv("MEDCHAIN_AS", "")
	var out, errb bytes.Buffer
	g := &Global{In: strings.NewReader(""), Out: &out, Err: &errb,
		NewSigner: func() (*client.Signer, error) { return testSigner, nil }}
	if api != nil {
		g.NewAPI = func() API { return api }
	}
	code = Run(g, args)
	return code, out.String(), errb.String()
}

func TestSendVerbSendsTheMessageItsFlagsAndArgsSay(t *testing.T) {
	pub := strings.Repeat("AB", 32)
	for _, tc := range []struct {
		args   []string
		result any
		want   client.Msg
		out    string
	}{
		{[]string{"members", "set-roles", "st-marys/dr-x", "--roles", "nurse,auditor"}, nil,
			client.SetRoles{Member: "st-marys/dr-x", Roles: []string{"nurse", "auditor"}},
			"roles of st-marys/dr-x set to nurse,auditor (tx ABC123, height 7)\n"},
		{[]string{"members", "suspend", "st-marys/dr-x", "--reason", "under-investigation"}, nil,
			client.SetMemberStatus{Member: "st-marys/dr-x", Status: "suspended", Reason: "under-investigation"},
			"st-marys/dr-x is suspended (tx ABC123, height 7)\n"},
		{[]string{"members", "revoke-key", "--key", pub, "--reason", "lost"}, nil,
			client.RevokeKey{PublicKey: strings.ToLower(pub), Reason: "lost"},
			"key " + strings.ToLower(pub) + " revoked (tx ABC123, height 7)\n"},
		{[]string{"proposals", "vote", "3", "--approve"}, client.Outcome{Proposal: 3, Status: "passed"},
			client.Vote{Proposal: 3, Approve: true},
			"voted; proposal 3 is passed (tx ABC123, height 7)\n"},
		{[]string{"proposals", "remove-org", "--id", "care-for-all", "--title", "dormant"}, client.Outcome{Proposal: 1, Status: "open"},
			client.Propose{Action: client.RemoveOrg{ID: "care-for-all"}.Action(), Title: "dormant"},
			"proposal 1 is open (tx ABC123, height 7)\n"},
		{[]string{"records", "erase", "rec-1", "--reason", "patient-request"}, nil,
			client.EraseRecord{Record: "rec-1", Reason: "patient-request"},
			"erased rec-1 (tx ABC123, height 7)\n"},
		{[]string{"consent", "revoke", "gr-9"}, nil,
			client.RevokeGrant{Grant: "gr-9"},
			"revoked gr-9 (tx ABC123, height 7)\n"},
	} {
		t.Run(strings.Join(tc.args[:2], " "), func(t *testing.T) {
			api := &fakeAPI{send: committed(tc.result)}
			code, out, errOut := run(t, api, tc.args...)
			if code != ExitOK {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			if len(api.sent) != 1 || !reflect.DeepEqual(api.sent[0], tc.want) {
				t.Fatalf("sent %#v, want one %#v", api.sent, tc.want)
			}
			if api.signer != testSigner {
				t.Errorf("signed by %v, not the --as signer", api.signer)
			}
			if out != tc.out {
				t.Errorf("printed %q, want %q", out, tc.out)
			}
		})
	}
}

func TestSendVerbPrintsTheResultAsJSON(t *testing.T) {
	api := &fakeAPI{send: committed(client.Outcome{Proposal: 3, Status: "open"})}
	code, out, errOut := run(t, api, "proposals", "vote", "3", "--reject", "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var res client.TxResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("output is not a TxResult: %v\n%s", err, out)
	}
	var o client.Outcome
	if err := res.Decode(&o); err != nil || res.Hash != "ABC123" || res.Height != 7 || o != (client.Outcome{Proposal: 3, Status: "open"}) {
		t.Errorf("printed %s", out)
	}
	if want := (client.Vote{Proposal: 3, Approve: false}); !reflect.DeepEqual(api.sent[0], want) {
		t.Errorf("sent %#v, want %#v", api.sent[0], want)
	}
}

func TestListVerbPagesAndPrintsATable(t *testing.T) {
	var gotAfter string
	var gotLimit int
	api := &fakeAPI{orgs: func(after string, limit int) (*client.Page[client.Org], error) {
		gotAfter, gotLimit = after, limit
		return &client.Page[client.Org]{Items: []client.Org{{ID: "lab", Kind: "lab", Status: "active", Name: "The Lab"}}, Next: "lab"}, nil
	}}
	code, out, errOut := run(t, api, "orgs", "list", "--after", "clinic", "--limit", "1")
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if gotAfter != "clinic" || gotLimit != 1 {
		t.Errorf("fetched after %q limit %d, want clinic and 1", gotAfter, gotLimit)
	}
	want := "ID   KIND  STATUS  POWER  NAME\nlab  lab   active  0      The Lab\nmore: --after lab\n"
	if out != want {
		t.Errorf("printed\n%s\nwant\n%s", out, want)
	}
}

func TestARefusalExitsOne(t *testing.T) {
	api := &fakeAPI{send: func(client.Msg) (*client.TxResult, error) {
		return nil, &client.Error{Status: 403, Code: client.CodeIdentityUnauthorized, Detail: "st-marys/dr-x is not an admin of organisation st-marys"}
	}}
	code, out, errOut := run(t, api, "members", "set-roles", "st-marys/dr-y", "--roles", "admin")
	if code != ExitFailed {
		t.Errorf("exit %d, want %d", code, ExitFailed)
	}
	if out != "" || !strings.Contains(errOut, "identity.unauthorized: st-marys/dr-x is not an admin") {
		t.Errorf("stdout %q, stderr %q", out, errOut)
	}
}

func TestNotFoundExitsOne(t *testing.T) {
	api := &fakeAPI{org: func(id string) (*client.Org, error) {
		return nil, &client.Error{Status: 404, Code: client.CodeGovernanceNotFound, Detail: "no organisation " + id}
	}}
	code, _, errOut := run(t, api, "orgs", "show", "nowhere")
	if code != ExitFailed || !strings.Contains(errOut, "governance.not_found: no organisation nowhere") {
		t.Errorf("exit %d, stderr %q; want %d and the code", code, errOut, ExitFailed)
	}
}

// closedPort is a local port nothing listens on.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestAnUnreachableNodeExitsThree(t *testing.T) {
	node := "http://" + closedPort(t)
	// The SDK's own client, against a port nothing answers on.
	code, _, errOut := run(t, nil, "status", "--node", node)
	if code != ExitUnreachable {
		t.Errorf("status: exit %d, want %d (stderr %q)", code, ExitUnreachable, errOut)
	}
	if !strings.Contains(errOut, "cannot reach the node at "+node) || !strings.Contains(errOut, "connection refused") {
		t.Errorf("stderr %q does not say which node could not be reached and why", errOut)
	}
	// A send verb: the failure is the same before anything is signed.
	code, _, errOut = run(t, nil, "members", "set-roles", "a/b", "--roles", "nurse", "--node", node)
	if code != ExitUnreachable {
		t.Errorf("set-roles: exit %d, want %d (stderr %q)", code, ExitUnreachable, errOut)
	}
}

func TestUnknownSubcommandsExitTwoWithASuggestion(t *testing.T) {
	for _, tc := range []struct {
		args          []string
		word, suggest string
	}{
		{[]string{"statsu"}, "statsu", "status"},
		{[]string{"supply", "verfy", "X"}, "verfy", "verify"},
		{[]string{"members", "lst"}, "lst", "list"},
		{[]string{"supply", "products", "regster"}, "regster", "register"},
		{[]string{"completion", "bsh"}, "bsh", "bash"},
		{[]string{"help", "statsu"}, "statsu", "status"},
		{[]string{"help", "supply", "verfy"}, "verfy", "verify"},
	} {
		code, out, errOut := run(t, &fakeAPI{}, tc.args...)
		if code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", tc.args, code, ExitUsage)
		}
		want := fmt.Sprintf("unknown command %q", tc.word)
		if !strings.Contains(errOut, want) || !strings.Contains(errOut, "Did you mean this?\n\t"+tc.suggest+"\n") {
			t.Errorf("%v: stderr %q, want %s and the suggestion %s", tc.args, errOut, want, tc.suggest)
		}
		if out != "" {
			t.Errorf("%v: printed %q on stdout", tc.args, out)
		}
	}
	// A group without a subcommand shows its help and succeeds.
	code, out, _ := run(t, &fakeAPI{}, "members")
	if code != ExitOK || !strings.Contains(out, "Available Commands:") {
		t.Errorf("members: exit %d, printed %q", code, out)
	}
	if !strings.Contains(out, "medchain members [command]") || strings.Contains(out, "medchain members [flags]") {
		t.Errorf("members: the usage is not a group's:\n%s", out)
	}
}

func TestUsageErrorsExitTwoAndSendNothing(t *testing.T) {
	for _, args := range [][]string{
		{"status", "--bogus"},                          // unknown flag
		{"orgs", "show"},                               // missing argument
		{"block", "1", "2"},                            // too many
		{"block", "minus-one"},                         // malformed argument
		{"members", "set-roles", "a/b"},                // required flag
		{"status", "-o", "yaml"},                       // bad --output
		{"proposals", "vote", "three", "--approve"},    // not a number
		{"proposals", "vote", "3"},                     // neither --approve nor --reject
		{"consent", "grant", "--purpose", "treatment"}, // required --expires
		{"members", "add-key", "--key", "nobody"},      // neither hex nor a keystore name
	} {
		api := &fakeAPI{}
		code, _, errOut := run(t, api, args...)
		if code != ExitUsage {
			t.Errorf("%v: exit %d, want %d (stderr %q)", args, code, ExitUsage, errOut)
		}
		if len(api.sent) > 0 {
			t.Errorf("%v: sent %v", args, api.sent)
		}
		if !strings.HasPrefix(errOut, "medchain: ") {
			t.Errorf("%v: stderr %q", args, errOut)
		}
	}
}

func TestASuspectScanExitsFour(t *testing.T) {
	api := &fakeAPI{verify: func(code, _ string) (*client.ScanResult, error) {
		return &client.ScanResult{Code: code, Verdict: client.Verdict{Item: "x", Suspect: "unknown_serial"}}, nil
	}}
	code, out, _ := run(t, api, "supply", "verify", "(01)09506000134352(21)FAKE99")
	if code != ExitSuspect || !strings.Contains(out, "SUSPECT    unknown_serial") {
		t.Errorf("exit %d, printed %q; want %d and the verdict", code, out, ExitSuspect)
	}
	api.verify = func(code, _ string) (*client.ScanResult, error) {
		return &client.ScanResult{Code: code, Verdict: client.Verdict{Item: "x", Genuine: true, Status: client.ItemActive}}, nil
	}
	if code, out, _ := run(t, api, "supply", "verify", "(01)09506000134352(21)VX0001"); code != ExitOK {
		t.Errorf("genuine pack: exit %d, printed %q", code, out)
	}
}

func TestExitCode(t *testing.T) {
	refused := &client.Error{Status: 409, Code: client.CodeIdentityExists}
	dial := fmt.Errorf("client: GET /v1/status: %w", &net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded})
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, ExitOK},
		{errors.New("open x.json: no such file"), ExitFailed},
		{refused, ExitFailed},
		{fmt.Errorf("3 of 9 records anchored: %w", refused), ExitFailed},
		{usageErrorf("say --approve or --reject"), ExitUsage},
		{fmt.Errorf("--patient: %w", usageErrorf("not a patient")), ExitUsage},
		{dial, ExitUnreachable},
		{&net.DNSError{Err: "no such host", Name: "nod"}, ExitUnreachable},
		{context.Canceled, ExitFailed},
		{errSuspect, ExitSuspect},
		{errSilent, ExitFailed},
		{errInvalid, ExitFailed},
		{errUnchecked, ExitUnreachable},
	} {
		if got := ExitCode(tc.err); got != tc.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

// TestExitCodesAreDocumented: the root help and docs/cli.md list every
// exit code with the same words.
func TestExitCodesAreDocumented(t *testing.T) {
	code, help, _ := run(t, &fakeAPI{}, "--help")
	if code != ExitOK || !strings.Contains(help, exitCodesHelp) {
		t.Errorf("medchain --help (exit %d) lacks the exit codes:\n%s", code, help)
	}
	doc, err := os.ReadFile("../../docs/cli.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(exitCodesHelp, "\n")[1:] {
		n, meaning, _ := strings.Cut(strings.TrimSpace(line), "  ")
		row := fmt.Sprintf("| %s | %s |", n, meaning)
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/cli.md lacks the row %q", row)
		}
	}
	for c := ExitOK; c <= ExitSuspect; c++ {
		if !strings.Contains(exitCodesHelp, fmt.Sprintf("\n  %d  ", c)) {
			t.Errorf("the help does not explain exit code %d", c)
		}
	}
}
