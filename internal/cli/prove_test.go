package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/api/apitest"
)

// proofAPI is a node's API whose organisation reads are changed by tamper
// on their way back (nil: honest), the next block made after each so that
// the header the proof verifies against exists.
type proofAPI struct {
	API
	h      *apitest.Harness
	tamper func(*client.Proof)
}

func (a proofAPI) Org(ctx context.Context, id string, opts ...client.ReadOption) (*client.Org, error) {
	o, err := a.API.Org(ctx, id, opts...)
	if err != nil {
		return nil, err
	}
	if _, err := a.h.Commit(); err != nil {
		return nil, err
	}
	if a.tamper != nil && o.Proof != nil {
		a.tamper(o.Proof)
	}
	return o, nil
}

// orgs show --prove verifies the proof it is answered (here against the
// node's own header: no trusted one is given, and it says so), and fails,
// printing nothing, when the proof does not verify or is of another key.
func TestProveVerifiesWhatTheNodeAnswers(t *testing.T) {
	for _, k := range []string{"MEDCHAIN_TRUST_HEIGHT", "MEDCHAIN_TRUST_HASH", "MEDCHAIN_RPC"} {
		t.Setenv(k, "")
	}
	h, err := apitest.Start(apitest.Options{ManualCommit: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	api := proofAPI{API: client.New(h.URL), h: h}

	code, out, errOut := run(t, api, "orgs", "show", "city-lab", "--prove")
	if code != ExitOK || !strings.Contains(out, "\nproof: verified organisation city-lab at height ") ||
		!strings.Contains(out, ", as this node reports it\n") || !strings.HasPrefix(errOut, "WARNING: no trusted header") {
		t.Fatalf("exit %d\n%s\nstderr: %s", code, out, errOut)
	}

	for name, c := range map[string]struct {
		tamper func(*client.Proof)
		want   string
	}{
		"a tampered value": {func(p *client.Proof) { p.Value = bytes.Replace(p.Value, []byte("City Lab"), []byte("City Lax"), 1) },
			"medchain: proof does not verify: organisation city-lab at height "},
		"another height": {func(p *client.Proof) { p.Height-- },
			"medchain: proof does not verify: organisation city-lab at height "},
		"another key's proof": {func(p *client.Proof) { p.Key = "gov/o/acme-insurance" },
			`medchain: proof does not verify: the node answered a proof of "gov/o/acme-insurance" for organisation city-lab`},
		"no proof": {func(p *client.Proof) { *p = client.Proof{Key: "gov/o/city-lab", Height: 2} },
			"medchain: proof does not verify: organisation city-lab at height 2 against header 3"},
	} {
		code, out, errOut := run(t, proofAPI{API: api.API, h: h, tamper: c.tamper}, "orgs", "show", "city-lab", "--prove")
		if code != ExitFailed || out != "" || !strings.HasPrefix(errOut, c.want) {
			t.Errorf("%s: exit %d, stdout %q\nstderr: %s", name, code, out, errOut)
		}
	}
}
