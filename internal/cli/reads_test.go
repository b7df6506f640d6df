package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/medchain/medchain/client"
)

// readFake is a node for read commands: it notes each read and who signed
// it ("anonymous" when nobody did). SignReads gives the copy a command
// gets with --as, as client.Client.As does.
type readFake struct {
	API
	by    *client.Signer
	reads *[]string
}

func (f *readFake) SignReads(s *client.Signer) API { return &readFake{by: s, reads: f.reads} }

func (f *readFake) note(what string) {
	who := "anonymous"
	if f.by != nil {
		who = f.by.PublicKey()
	}
	*f.reads = append(*f.reads, what+" as "+who)
}

// Tx answers as the node does: in full to its signer (the test signer),
// redacted to anyone else.
func (f *readFake) Tx(_ context.Context, hash string) (*client.Tx, error) {
	f.note("Tx")
	if f.by != testSigner {
		return &client.Tx{Hash: hash, Height: 7, Type: "records/grant", Redacted: true}, nil
	}
	return &client.Tx{Hash: hash, Height: 7, Type: "records/grant", SignerID: "pt-1", Body: &client.TxBody{Msg: []byte(`{"grantee":{}}`)}, Result: []byte(`{"id":"gr-1"}`)}, nil
}

func (f *readFake) Identity(context.Context, string, ...client.ReadOption) (*client.Identity, error) {
	f.note("Identity")
	return &client.Identity{}, nil
}

func (f *readFake) Whoami(context.Context) (*client.Principal, error) {
	f.note("Whoami")
	return &client.Principal{ID: "pt-1", Kind: "patient"}, nil
}

func (f *readFake) Token(_ context.Context, s *client.Signer, ttl time.Duration) (*client.Token, error) {
	f.by = s
	f.note("Token " + ttl.String())
	return &client.Token{Token: "mct_x", ExpiresAt: time.Now().Add(ttl), Identity: client.Principal{ID: "pt-1", Kind: "patient"}}, nil
}

func (f *readFake) RecordInfo(context.Context, string) (*client.RecordInfo, error) {
	f.note("RecordInfo")
	return &client.RecordInfo{}, nil
}

func (f *readFake) PatientRecords(context.Context, string, string, int) (*client.Page[client.Record], error) {
	f.note("PatientRecords")
	return &client.Page[client.Record]{}, nil
}

func (f *readFake) Grants(context.Context, string) (*client.Page[client.Grant], error) {
	f.note("Grants")
	return &client.Page[client.Grant]{}, nil
}

func (f *readFake) Grant(context.Context, string) (*client.Grant, error) {
	f.note("Grant")
	return &client.Grant{}, nil
}

func (f *readFake) GrantFHIR(context.Context, string) (json.RawMessage, error) {
	f.note("GrantFHIR")
	return json.RawMessage(`{}`), nil
}

func (f *readFake) Delegates(context.Context, string) (*client.Page[client.Delegation], error) {
	f.note("Delegates")
	return &client.Page[client.Delegation]{}, nil
}

func (f *readFake) AccessLog(context.Context, string, string, int) (*client.Page[client.Receipt], error) {
	f.note("AccessLog")
	return &client.Page[client.Receipt]{}, nil
}

func (f *readFake) OrgAccessLog(context.Context, string, string, int) (*client.Page[client.Receipt], error) {
	f.note("OrgAccessLog")
	return &client.Page[client.Receipt]{}, nil
}

func (f *readFake) BreakGlassWindows(context.Context, string, string) (*client.Page[client.BreakGlassWindow], error) {
	f.note("BreakGlassWindows")
	return &client.Page[client.BreakGlassWindow]{}, nil
}

func (f *readFake) UnreviewedBreakGlass(context.Context, string, string, int) (*client.Page[client.BreakGlassWindow], error) {
	f.note("UnreviewedBreakGlass")
	return &client.Page[client.BreakGlassWindow]{}, nil
}

func (f *readFake) TraceLot(context.Context, string, string) (*client.LotTrace, error) {
	f.note("TraceLot")
	return &client.LotTrace{}, nil
}

func (f *readFake) Donation(context.Context, string) (*client.DonationInfo, error) {
	f.note("Donation")
	return &client.DonationInfo{}, nil
}

func (f *readFake) DonorLookback(context.Context, string) (*client.Page[client.Trace], error) {
	f.note("DonorLookback")
	return &client.Page[client.Trace]{}, nil
}

func (f *readFake) RecipientLookback(context.Context, string) (*client.Page[client.Trace], error) {
	f.note("RecipientLookback")
	return &client.Page[client.Trace]{}, nil
}

func (f *readFake) OrgPatients(context.Context, string, string, int) (*client.Page[client.GrantingPatient], error) {
	f.note("OrgPatients")
	return &client.Page[client.GrantingPatient]{}, nil
}

// runReads runs args against a readFake, with the test signer as --as or
// (signed false) without --as, and returns the exit code, stderr and the
// reads made.
func runReads(t *testing.T, signed bool, args ...string) (code int, stderr string, reads []string) {
	t.Helper()
	t.Setenv("MEDCHAIN_HOME", t.TempDir())
	t.Setenv("MEDCHAIN_AS", "")
	var out, errb bytes.Buffer
	api := &readFake{reads: &reads}
	g := &Global{In: strings.NewReader(""), Out: &out, Err: &errb, NewAPI: func() API { return api }}
	if signed {
		g.NewSigner = func() (*client.Signer, error) { return testSigner, nil }
	}
	code = Run(g, args)
	return code, errb.String(), reads
}

// Every read of a private route is signed with --as, and without --as is
// not sent at all: a usage error that names --as.
func TestKeyedReadsAreSignedAndNeedAs(t *testing.T) {
	for _, tc := range []struct {
		args []string
		read string
	}{
		{[]string{"consent", "list", "--patient", "pt-1"}, "Grants"},
		{[]string{"consent", "show", "gr-1"}, "Grant"},
		{[]string{"consent", "export", "gr-1"}, "GrantFHIR"},
		{[]string{"consent", "delegates", "--patient", "pt-1"}, "Delegates"},
		{[]string{"records", "history", "rec-1"}, "RecordInfo"},
		{[]string{"records", "list", "--patient", "pt-1"}, "PatientRecords"},
		{[]string{"records", "access-log", "--patient", "pt-1"}, "AccessLog"},
		{[]string{"records", "access-log", "--org", "st-marys-hospital"}, "OrgAccessLog"},
		{[]string{"records", "break-glass", "--patient", "pt-1"}, "BreakGlassWindows"},
		{[]string{"records", "break-glass", "--org", "st-marys-hospital"}, "BreakGlassWindows"},
		{[]string{"records", "unreviewed", "--org", "st-marys-hospital"}, "UnreviewedBreakGlass"},
		{[]string{"records", "patients", "--org", "st-marys-hospital"}, "OrgPatients"},
		{[]string{"supply", "donation", "show", "A999926123456"}, "Donation"},
		{[]string{"supply", "lookback", "--donor", "9f2c4e6a8b0d1f3e"}, "DonorLookback"},
		{[]string{"supply", "lookback", "--recipient", "pt-1"}, "RecipientLookback"},
		{[]string{"auth", "whoami"}, "Whoami"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, errOut, reads := runReads(t, true, tc.args...)
			if code != ExitOK || len(reads) != 1 || reads[0] != tc.read+" as "+testSigner.PublicKey() {
				t.Fatalf("with --as: exit %d, reads %q, stderr %q", code, reads, errOut)
			}
			code, errOut, reads = runReads(t, false, tc.args...)
			if code != ExitUsage || len(reads) != 0 || !strings.Contains(errOut, "--as NAME") {
				t.Fatalf("without --as: exit %d, reads %q, stderr %q", code, reads, errOut)
			}
		})
	}
}

// Reads whose answer depends on the caller are signed with --as when it is
// given, and sent unsigned otherwise.
func TestEitherReadsAreSignedWhenAsIsGiven(t *testing.T) {
	for _, tc := range []struct {
		args []string
		read string
	}{
		{[]string{"tx", "ABC123"}, "Tx"},
		{[]string{"patients", "show", "pt-1"}, "Identity"},
		{[]string{"members", "show", "st-marys-hospital/dr-grey"}, "Identity"},
		{[]string{"supply", "trace", "09506000134390", "ALB-001"}, "TraceLot"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, errOut, reads := runReads(t, true, tc.args...)
			if code != ExitOK || len(reads) != 1 || reads[0] != tc.read+" as "+testSigner.PublicKey() {
				t.Fatalf("with --as: exit %d, reads %q, stderr %q", code, reads, errOut)
			}
			code, errOut, reads = runReads(t, false, tc.args...)
			if code != ExitOK || len(reads) != 1 || reads[0] != tc.read+" as anonymous" {
				t.Fatalf("without --as: exit %d, reads %q, stderr %q", code, reads, errOut)
			}
		})
	}
}

func TestAuthToken(t *testing.T) {
	code, errOut, reads := runReads(t, true, "auth", "token", "--ttl", "5m")
	if code != ExitOK || len(reads) != 1 || reads[0] != "Token 5m0s as "+testSigner.PublicKey() {
		t.Fatalf("exit %d, reads %q, stderr %q", code, reads, errOut)
	}
	for _, ttl := range []string{"30s", "2h", "90.5s"} {
		if code, errOut, reads := runReads(t, true, "auth", "token", "--ttl", ttl); code != ExitUsage || len(reads) != 0 || !strings.Contains(errOut, "--ttl") {
			t.Errorf("--ttl %s: exit %d, reads %q, stderr %q", ttl, code, reads, errOut)
		}
	}
	if code, errOut, _ := runReads(t, false, "auth", "token"); code != ExitUsage || !strings.Contains(errOut, "--as") {
		t.Errorf("without --as: exit %d, stderr %q", code, errOut)
	}
}

func TestTxShowsWhatTheNodeShows(t *testing.T) {
	t.Setenv("MEDCHAIN_HOME", t.TempDir())
	for _, signed := range []bool{true, false} {
		var out, errb bytes.Buffer
		var reads []string
		g := &Global{In: strings.NewReader(""), Out: &out, Err: &errb, NewAPI: func() API { return &readFake{reads: &reads} }}
		if signed {
			g.NewSigner = func() (*client.Signer, error) { return testSigner, nil }
		}
		if code := Run(g, []string{"tx", "ABC123"}); code != ExitOK {
			t.Fatalf("exit %d, stderr %q", code, errb.String())
		}
		full := strings.Contains(out.String(), "signer   pt-1") && strings.Contains(out.String(), `result   ok {"id":"gr-1"}`)
		redacted := strings.Contains(out.String(), "redacted: only its signer sees") && !strings.Contains(out.String(), "signer   ")
		if signed != full || signed == redacted {
			t.Errorf("signed %v: printed\n%s", signed, out.String())
		}
	}
}
