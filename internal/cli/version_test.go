package cli

import (
	"encoding/json"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/node"
)

func TestVersionPrintsTheBinarysAndTheNodesVersions(t *testing.T) {
	api := &fakeAPI{status: func() (*client.Status, error) {
		return &client.Status{ChainID: "care-net", NodeVersion: "0.39.4", AppVersion: 1}, nil
	}}
	code, out, errOut := run(t, api, "version", "--node", "http://node.test:8080")
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{
		"medchain     ", "commit       ", "go           " + runtime.Version() + "\n",
		"cometbft     v0.39.4 (ABCI 2.0.0)\n", "app version  1\n",
		"node         http://node.test:8080: chain care-net, cometbft 0.39.4, app version 1\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("version output lacks %q:\n%s", want, out)
		}
	}
}

func TestVersionJSON(t *testing.T) {
	code, out, errOut := run(t, &fakeAPI{}, "version", "--client", "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var v Version
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if v.Version == "" || v.Go != runtime.Version() || v.CometBFT != "v0.39.4" || v.AppVersion != node.AppVersion || v.Node != nil {
		t.Errorf("version %+v", v)
	}
}

func TestVersionWithoutANodeStillSucceeds(t *testing.T) {
	api := &fakeAPI{status: func() (*client.Status, error) {
		return nil, &client.Error{Status: 500, Code: client.CodeChainInternal, Detail: "disk full"}
	}}
	code, out, _ := run(t, api, "version")
	if code != ExitOK || !strings.Contains(out, "chain.internal: disk full") {
		t.Errorf("exit %d, printed %q", code, out)
	}
	code, out, _ = run(t, nil, "version", "--node", "http://"+closedPort(t))
	if code != ExitOK || !strings.Contains(out, "cannot be reached") {
		t.Errorf("unreachable node: exit %d, printed %q", code, out)
	}
}

func TestBuildVersionReadsTheBuildInfo(t *testing.T) {
	v := buildVersion()
	// A test binary's main module is the package under test, built from
	// the work tree: its version is "(devel)".
	if v.Version != "(devel)" {
		t.Errorf("version %q, want (devel) for a test binary", v.Version)
	}
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(mod), "\tgithub.com/cometbft/cometbft "+v.CometBFT+"\n") {
		t.Errorf("cometbft %q is not the version go.mod requires", v.CometBFT)
	}
}

func TestVersionOfBuildSettings(t *testing.T) {
	bi := &debug.BuildInfo{
		Main: debug.Module{Path: "github.com/medchain/medchain", Version: "v1.2.3"},
		Deps: []*debug.Module{{Path: "github.com/cometbft/cometbft", Version: "v0.39.4",
			Replace: &debug.Module{Path: "github.com/medchain/cometbft", Version: "v0.39.5-fix"}}},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "787c868"}, {Key: "vcs.modified", Value: "true"}},
	}
	v := versionOf(bi)
	if v.Version != "v1.2.3" || v.Commit != "787c868" || !v.Dirty || v.CometBFT != "v0.39.5-fix" {
		t.Errorf("versionOf = %+v", v)
	}
	var out strings.Builder
	g := &Global{Out: &out, Output: "text"}
	o := &versionOptions{g: g, clientOnly: true, build: func() Version { return v }}
	if err := o.run(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "medchain     v1.2.3\ncommit       787c868 (dirty)\n") {
		t.Errorf("printed\n%s", out.String())
	}
	if v := versionOf(nil); v.Version != "(unknown)" || v.CometBFT != "v0.39.4" {
		t.Errorf("without build info: %+v", v)
	}
}
