package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"medchain": func() { os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestScripts runs the CLI scripts in testdata/script. Each gets its own
// home ($MEDCHAIN_HOME) and free ports: $API_PORT, $P2P_PORT, $RPC_PORT,
// with $MEDCHAIN_NODE pointing at the API.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			api, p2p, rpc := freePort(), freePort(), freePort()
			// A second node's ports, for scripts that run two.
			env.Setenv("API2_PORT", fmt.Sprint(freePort()))
			env.Setenv("P2P2_PORT", fmt.Sprint(freePort()))
			env.Setenv("RPC2_PORT", fmt.Sprint(freePort()))
			env.Setenv("MEDCHAIN_HOME", env.WorkDir+"/home")
			env.Setenv("API_PORT", fmt.Sprint(api))
			env.Setenv("P2P_PORT", fmt.Sprint(p2p))
			env.Setenv("RPC_PORT", fmt.Sprint(rpc))
			env.Setenv("MEDCHAIN_NODE", fmt.Sprintf("http://127.0.0.1:%d", api))
			env.Setenv("MEDCHAIN_AS", "")
			env.Setenv("MEDCHAIN_PASSPHRASE", "correct horse battery staple")
			// VCDATA: the credentials test data (SMART Health Cards, VC-JWTs,
			// the W3C VC test suite) of internal/vc.
			vcdata, err := filepath.Abs("../vc/testdata")
			if err != nil {
				return err
			}
			env.Setenv("VCDATA", vcdata)
			// FHIRDATA: FHIR test data, the Synthea bundles among them.
			fhirdata, err := filepath.Abs("../fhirdoc/testdata")
			if err != nil {
				return err
			}
			env.Setenv("FHIRDATA", fhirdata)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// waitready URL: wait until URL/readyz answers 200 (60 s at most).
			"waitready": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 1 {
					ts.Fatalf("usage: waitready URL")
				}
				deadline := time.Now().Add(60 * time.Second)
				for time.Now().Before(deadline) {
					if r, err := http.Get(strings.TrimRight(args[0], "/") + "/readyz"); err == nil {
						r.Body.Close()
						if r.StatusCode == 200 {
							return
						}
					}
					time.Sleep(100 * time.Millisecond)
				}
				ts.Fatalf("%s not ready after 60s", args[0])
			},
			// sleep DURATION: wait, e.g. for a batch the node writes on an
			// interval (the receipts of refused reads).
			// eventually PATTERN PROG [ARGS...]: run PROG until its stdout
			// matches PATTERN (60 s at most), for what the node writes a
			// moment later (refused-read receipts go out in batches).
			"eventually": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) < 2 {
					ts.Fatalf("usage: eventually PATTERN PROG [ARGS...]")
				}
				re, err := regexp.Compile(args[0])
				if err != nil {
					ts.Fatalf("eventually: %v", err)
				}
				deadline := time.Now().Add(60 * time.Second)
				for {
					err := ts.Exec(args[1], args[2:]...)
					if err == nil && re.MatchString(ts.ReadFile("stdout")) {
						return
					}
					if time.Now().After(deadline) {
						ts.Fatalf("eventually: %q never matched the output of %s (last error: %v)", args[0], strings.Join(args[1:], " "), err)
					}
					time.Sleep(250 * time.Millisecond)
				}
			},
			// exits CODE PROG [ARGS...]: run PROG and check its exit code (a
			// bare `! exec` only checks that it is not 0).
			"exits": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) < 2 {
					ts.Fatalf("usage: exits CODE PROG [ARGS...]")
				}
				want, err := strconv.Atoi(args[0])
				if err != nil {
					ts.Fatalf("exits: %q is not an exit code", args[0])
				}
				got := 0
				if err := ts.Exec(args[1], args[2:]...); err != nil {
					var ee *exec.ExitError
					if !errors.As(err, &ee) {
						ts.Fatalf("exits: %v", err)
					}
					got = ee.ExitCode()
				}
				if got != want {
					ts.Fatalf("%s exited %d, want %d", args[1], got, want)
				}
			},
			// setenvjson NAME FILE KEY: set NAME to the top-level KEY of the
			// JSON object in FILE (a string, or a number as printed).
			"setenvjson": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 3 {
					ts.Fatalf("usage: setenvjson NAME FILE KEY")
				}
				var obj map[string]json.RawMessage
				if err := json.Unmarshal([]byte(ts.ReadFile(args[1])), &obj); err != nil {
					ts.Fatalf("setenvjson: %s is not a JSON object: %v", args[1], err)
				}
				raw, ok := obj[args[2]]
				if !ok {
					ts.Fatalf("setenvjson: %s has no key %q", args[1], args[2])
				}
				var s string
				if json.Unmarshal(raw, &s) != nil {
					s = string(raw)
				}
				ts.Setenv(args[0], s)
			},
			// advanced URL N: wait until the node at URL has committed N more
			// blocks than when asked (60 s at most).
			"advanced": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 2 {
					ts.Fatalf("usage: advanced URL N")
				}
				n, err := strconv.Atoi(args[1])
				if err != nil {
					ts.Fatalf("advanced: %q is not a number", args[1])
				}
				height := func() int64 {
					r, err := http.Get(strings.TrimRight(args[0], "/") + "/v1/status")
					if err != nil {
						return -1
					}
					defer r.Body.Close()
					var st struct {
						Height int64 `json:"latest_block_height"`
					}
					if json.NewDecoder(r.Body).Decode(&st) != nil {
						return -1
					}
					return st.Height
				}
				start := height()
				if start < 0 {
					ts.Fatalf("advanced: %s does not answer its status", args[0])
				}
				deadline := time.Now().Add(60 * time.Second)
				for height() < start+int64(n) {
					if time.Now().After(deadline) {
						ts.Fatalf("advanced: %s stayed below height %d for 60s (from %d)", args[0], start+int64(n), start)
					}
					time.Sleep(100 * time.Millisecond)
				}
			},
			// setenvfile NAME FILE: set NAME to FILE's content, trimmed: how
			// a script passes on an ID a command printed.
			"setenvfile": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 2 {
					ts.Fatalf("usage: setenvfile NAME FILE")
				}
				ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile(args[1])))
			},
		},
	})
}
