package guides_test

// TestGuides runs the README's tour and then every guide in docs/, in the
// order below, on one fresh `medchain dev`, as a newcomer following them
// would (docs/adr/0035-guides-as-tests.md): one shell per guide, in the repository's root (the guides' own
// set-up builds medchain into bin/ and moves to a scratch directory).
//
// How a guide is read:
//   - A ```sh block is run whole; every command in it must succeed.
//   - A block of `$ command` lines, each followed by what it printed, is a
//     transcript: each command runs in turn, and must fail (exit status not
//     0) exactly when what the guide shows begins with "medchain: ", the
//     CLI's error prefix. Output is not compared (IDs, hashes and times
//     differ each run), but IDs are carried over: an ID that a command
//     printed in the guide (rec-…, gr-…, a 64-hex hash, a proposal number)
//     and that a later command names is replaced with the one this run
//     printed in the same place.
//   - Other blocks (JSON, TOML, tables, outputs) are not run.
//   - `<!-- guides-test: eventually: WHY -->` on the line before a
//     transcript marks reads of what the node does in the background (alerts
//     it raises, receipts it batches): each runs again, for up to a minute,
//     until it prints as many IDs of each kind as the guide shows.
//   - `<!-- guides-test: not run: WHY -->` on the line before a block keeps
//     it out, for the few steps that cannot run here (they wait an hour, or
//     start a network of their own, which other tests cover); the test logs
//     each one.
//
// The guides' 127.0.0.1:8080 is this run's node, and 127.0.0.1:26657 its
// CometBFT RPC (also $MEDCHAIN_RPC, which the light client of --prove
// asks); HOME is a fresh directory, so `medchain dev`'s keystore and the
// guides' keys start empty.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// guides, in the order a newcomer reads them. operations.md is for a real
// network: its join, state sync, backup and restore steps are run by
// internal/cli/testdata/script/join.txtar and the node package's tests.
// dashboard.md is read in a browser: internal/web's tests drive Chromium
// through it; so is portal.md, whose shell steps run here.
var guides = []struct{ file, section string }{
	{"README.md", "## A short tour"},
	{"docs/records.md", ""},
	{"docs/supply.md", ""},
	{"docs/donations.md", ""},
	{"docs/pools.md", ""},
	{"docs/telemetry.md", ""},
	{"docs/claims.md", ""},
	{"docs/publichealth.md", ""},
	{"docs/credentials.md", ""},
	{"docs/research.md", ""},
	{"docs/portal.md", ""},
	{"docs/api.md", ""},
	{"docs/cli.md", ""},
}

func TestGuides(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	needTools(t, "curl", "jq")
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "medchain")
	build := exec.Command("go", "build", "-o", bin, "./cmd/medchain")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	env := guideEnv(t, tmp)
	ports := freePorts(t, 3)
	api := fmt.Sprintf("127.0.0.1:%d", ports[0])
	rpc := fmt.Sprintf("127.0.0.1:%d", ports[2])
	env = append(env, "MEDCHAIN_NODE=http://"+api, "MEDCHAIN_RPC=http://"+rpc)

	dev := exec.Command(bin, "dev", "--listen", api,
		"--p2p-port", strconv.Itoa(ports[1]), "--rpc-port", strconv.Itoa(ports[2]))
	dev.Env = env
	var devOut lockedBuffer
	dev.Stdout, dev.Stderr = &devOut, &devOut
	if err := dev.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = dev.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = dev.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = dev.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("medchain dev printed:\n%s", devOut.String())
		}
	})
	// The dev command says how to try it once it has seeded the demo.
	deadline := time.Now().Add(5 * time.Minute)
	for !strings.Contains(devOut.String(), "Try, in another terminal:") {
		if time.Now().After(deadline) {
			t.Fatalf("medchain dev did not finish seeding in 5 minutes:\n%s", devOut.String())
		}
		time.Sleep(200 * time.Millisecond)
	}

	before := worktree(t, root)
	for _, g := range guides {
		t.Run(strings.TrimSuffix(filepath.Base(g.file), ".md"), func(t *testing.T) {
			text, err := os.ReadFile(filepath.Join(root, g.file))
			if err != nil {
				t.Fatal(err)
			}
			steps, notRunLines := parseGuide(string(text), g.section)
			if len(steps) == 0 {
				t.Fatalf("%s: no commands found", g.file)
			}
			for _, l := range notRunLines {
				t.Logf("%s:%d: not run: %s", g.file, l.line, l.why)
			}
			runGuide(t, g.file, root, env, api, rpc, steps)
		})
	}
	// A newcomer's checkout is as it was: what the guides write (decrypted
	// records, keys, documents) went to scratch directories.
	if after := worktree(t, root); after != before {
		t.Errorf("the guides changed the repository's files; git status before:\n%s\nafter:\n%s", before, after)
	}
}

// worktree is git's short status of the repository, untracked files included.
func worktree(t *testing.T, root string) string {
	t.Helper()
	cmd := exec.Command("git", "status", "--porcelain", "--untracked-files=all")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git status (this test runs in a git checkout): %v", err)
	}
	return string(out)
}

// needTools makes sure the programs the guides use besides medchain are
// there: missing ones are installed with apt-get (as root), and the test
// fails, never skips, when they cannot be.
func needTools(t *testing.T, names ...string) {
	t.Helper()
	var missing []string
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 {
		return
	}
	if _, err := exec.LookPath("apt-get"); err != nil || os.Geteuid() != 0 {
		t.Fatalf("the guides use %v, which are not on PATH; install them (apt-get install %s)", missing, strings.Join(missing, " "))
	}
	t.Logf("installing %v with apt-get", missing)
	for _, args := range [][]string{{"update"}, append([]string{"install", "-y", "--no-install-recommends"}, missing...)} {
		cmd := exec.Command("apt-get", append([]string{"-o", "DPkg::Lock::Timeout=600", "-q"}, args...)...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil && args[0] == "install" {
			t.Fatalf("apt-get install %v: %v\n%s", missing, err, out)
		}
	}
}

// guideEnv is this process's environment with a fresh HOME and scratch
// directory, no medchain settings, and Go's caches where they were (so the
// guides' `go build` is quick).
func guideEnv(t *testing.T, tmp string) []string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOCACHE", "GOMODCACHE", "GOPATH").Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	goenv := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(goenv) != 3 {
		t.Fatalf("go env: %q", out)
	}
	home, scratch := filepath.Join(tmp, "home"), filepath.Join(tmp, "scratch")
	for _, d := range []string{home, scratch} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "MEDCHAIN_"), k == "HOME", k == "TMPDIR",
			k == "GOCACHE", k == "GOMODCACHE", k == "GOPATH":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "HOME="+home, "TMPDIR="+scratch,
		"GOCACHE="+goenv[0], "GOMODCACHE="+goenv[1], "GOPATH="+goenv[2],
		// What a newcomer types when `keys new` asks.
		"MEDCHAIN_PASSPHRASE=a guide's passphrase")
}

// A step is one thing to run: a whole ```sh block, or one transcript
// command with what the guide shows it printed.
type step struct {
	line    int    // in the guide, for messages
	script  string // the command(s)
	block   bool   // a ```sh block: every command must succeed
	printed string // a transcript command's output, as the guide shows it
	status  int    // the exit status the guide shows, or anyFailure
	// eventually: a read of what the node does in the background; run
	// again until it shows what the guide shows (its IDs) or a limit
	eventually bool
}

// anyFailure is the status of a command the guide shows failing without
// saying with which status.
const anyFailure = -1

const (
	notRun     = "<!-- guides-test: not run:"
	eventually = "<!-- guides-test: eventually:"
)

// parseGuide reads the steps of a guide, or of one section of it (from the
// heading to the next heading).
func parseGuide(text, section string) (steps []step, skipped []notRunBlock) {
	lines := strings.Split(text, "\n")
	in := section == ""
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if section != "" && strings.HasPrefix(l, "#") {
			in = strings.TrimSpace(l) == section
			continue
		}
		if !in || !strings.HasPrefix(l, "```") {
			continue
		}
		info := strings.TrimSpace(strings.TrimPrefix(l, "```"))
		start := i + 1
		j := start
		for j < len(lines) && !strings.HasPrefix(lines[j], "```") {
			j++
		}
		body := lines[start:j]
		if prev := strings.TrimSpace(lines[max(i-1, 0)]); strings.HasPrefix(prev, notRun) {
			why := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(prev, notRun), "-->"))
			skipped = append(skipped, notRunBlock{line: start + 1, why: why})
			i = j
			continue
		}
		i = j
		switch info {
		case "sh", "bash", "shell":
			steps = append(steps, step{line: start + 1, script: strings.Join(body, "\n"), block: true})
		case "", "console", "text":
			ts := transcript(body, start+1)
			if strings.HasPrefix(strings.TrimSpace(lines[max(start-2, 0)]), eventually) {
				for k := range ts {
					ts[k].eventually = true
				}
			}
			steps = append(steps, ts...)
		}
	}
	return steps, skipped
}

type notRunBlock struct {
	line int
	why  string
}

// transcript reads the `$ command` lines of a block and what follows each.
// A command goes on to the next line after a trailing \, |, && or do.
func transcript(body []string, first int) []step {
	var steps []step
	for k := 0; k < len(body); k++ {
		if !strings.HasPrefix(body[k], "$ ") {
			if len(steps) > 0 {
				s := &steps[len(steps)-1]
				s.printed += body[k] + "\n"
			}
			continue
		}
		s := step{line: first + k, script: strings.TrimPrefix(body[k], "$ ")}
		for continues(s.script) && k+1 < len(body) {
			k++
			s.script += "\n" + body[k]
		}
		// A here-document goes on to its delimiter.
		if h := hereDoc.FindStringSubmatch(s.script); h != nil {
			for k+1 < len(body) {
				k++
				s.script += "\n" + body[k]
				if strings.TrimSpace(body[k]) == h[1] {
					break
				}
			}
		}
		steps = append(steps, s)
	}
	for k := range steps {
		if steps[k].status == 0 && shownFailing(steps[k].printed) {
			steps[k].status = anyFailure
		}
		// `$ echo "exit status $?"` shows the status of the command before.
		if k > 0 && steps[k].script == `echo "exit status $?"` {
			n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(steps[k].printed), "exit status "))
			if err == nil {
				steps[k-1].status = n
			}
		}
	}
	return steps
}

func continues(cmd string) bool {
	c := strings.TrimSpace(cmd)
	for _, end := range []string{`\`, "|", "&&", " do", ";do", "then"} {
		if strings.HasSuffix(c, end) {
			return true
		}
	}
	return false
}

// shownFailing says whether the guide shows a command failing: the CLI
// writes its errors as "medchain: …".
func shownFailing(printed string) bool {
	first, _, _ := strings.Cut(strings.TrimLeft(printed, "\n"), "\n")
	return strings.HasPrefix(first, "medchain: ")
}

// IDs carried from what the guide shows to what this run printed.
var (
	idPattern       = regexp.MustCompile(`\b([a-z]{2,3})-[0-9a-f]{16,40}\b|\b[0-9A-Fa-f]{64}\b`)
	proposalPrinted = regexp.MustCompile(`\bproposal (\d+)\b`)
	proposalNamed   = regexp.MustCompile(`\b(proposals [a-z-]+ )(\d+)\b`)
	digits          = regexp.MustCompile(`[0-9]+`)
	hereDoc         = regexp.MustCompile(`<<-?\s*['"]?(\w+)['"]?`)
)

type ids struct {
	tokens    map[string]string // the guide's ID → this run's
	proposals map[string]string
}

// learn pairs the IDs in what the guide shows with those this run printed.
// IDs that both print (a patient's pseudonym, derived from the demo's key
// names) are landmarks: a shown line is paired with the first printed line
// that reads the same once its other IDs, numbers and spacing are set aside,
// and their IDs in order; then the IDs of each kind left over are paired in
// order (a list sorted by ID is the case the lines are for).
func (m *ids) learn(shown, printed string) {
	pair := func(w, g string) {
		if _, ok := m.tokens[w]; !ok && w != g {
			m.tokens[w] = g
		}
	}
	kinds := func(s string) (out []string, kind []string) {
		for _, g := range idPattern.FindAllStringSubmatch(s, -1) {
			k := g[1]
			if k == "" {
				k = "hash"
			}
			out, kind = append(out, g[0]), append(kind, k)
		}
		return out, kind
	}
	both := map[string]bool{}
	shownIDs, _ := kinds(shown)
	printedIDs, _ := kinds(printed)
	inPrinted := map[string]bool{}
	for _, id := range printedIDs {
		inPrinted[id] = true
	}
	for _, id := range shownIDs {
		if inPrinted[id] {
			both[id] = true
		}
	}
	skeleton := func(line string) string {
		line = idPattern.ReplaceAllStringFunc(line, func(id string) string {
			if both[id] {
				return id
			}
			return "<id>"
		})
		return strings.Join(strings.Fields(digits.ReplaceAllString(line, "#")), " ")
	}
	usedLine := map[int]bool{}
	printedLines := strings.Split(printed, "\n")
	for _, sl := range strings.Split(shown, "\n") {
		ws, _ := kinds(sl)
		if len(ws) == 0 {
			continue
		}
		sk := skeleton(sl)
		for i, pl := range printedLines {
			if usedLine[i] || skeleton(pl) != sk {
				continue
			}
			usedLine[i] = true
			gs, _ := kinds(pl)
			for k := range ws {
				if k < len(gs) {
					pair(ws[k], gs[k])
				}
			}
			break
		}
	}
	// The rest, by kind and in order, each ID once.
	left := func(s string, skip map[string]bool) map[string][]string {
		out := map[string][]string{}
		ids, ks := kinds(s)
		for i, id := range ids {
			if !skip[id] {
				skip[id] = true
				out[ks[i]] = append(out[ks[i]], id)
			}
		}
		return out
	}
	skipShown, skipPrinted := map[string]bool{}, map[string]bool{}
	for id := range both {
		skipShown[id], skipPrinted[id] = true, true
	}
	for w, g := range m.tokens {
		skipShown[w], skipPrinted[g] = true, true
	}
	want, got := left(shown, skipShown), left(printed, skipPrinted)
	for kind, ws := range want {
		for i, w := range ws {
			if i < len(got[kind]) {
				pair(w, got[kind][i])
			}
		}
	}
	ps, gs := proposalPrinted.FindAllStringSubmatch(shown, -1), proposalPrinted.FindAllStringSubmatch(printed, -1)
	for i := range ps {
		if i < len(gs) {
			if _, ok := m.proposals[ps[i][1]]; !ok {
				m.proposals[ps[i][1]] = gs[i][1]
			}
		}
	}
}

// shows says whether a run printed at least as many IDs of each kind as
// the guide shows.
func (m *ids) shows(shown, printed string) bool {
	count := func(s string) map[string]int {
		n := map[string]int{}
		for _, g := range idPattern.FindAllStringSubmatch(s, -1) {
			n[g[1]]++
		}
		return n
	}
	have := count(printed)
	for kind, n := range count(shown) {
		if have[kind] < n {
			return false
		}
	}
	return true
}

func (m *ids) apply(script string) string {
	script = idPattern.ReplaceAllStringFunc(script, func(id string) string {
		if v, ok := m.tokens[id]; ok {
			return v
		}
		return id
	})
	return proposalNamed.ReplaceAllStringFunc(script, func(s string) string {
		g := proposalNamed.FindStringSubmatch(s)
		if v, ok := m.proposals[g[2]]; ok {
			return g[1] + v
		}
		return s
	})
}

const mark = "__guides_test_done__"

// runGuide runs a guide's steps in one shell, stopping at the first that
// does not do what the guide says.
func runGuide(t *testing.T, file, root string, env []string, api, rpc string, steps []step) {
	// Commands come on fd 3, one NUL-terminated script at a time; they read
	// nothing from standard input, and their errors go with their output.
	// $? is the last guide command's status when the next one starts.
	const loop = `exec 2>&1 3<&0 </dev/null
__guides_rc=0
__guides_status() { return "$1"; }
while IFS= read -r -d '' __guides_cmd <&3; do
  __guides_status "$__guides_rc"
  eval "$__guides_cmd" 3<&-
  __guides_rc=$?
  printf '\n` + mark + ` %d\n' "$__guides_rc"
done`
	sh := exec.Command("bash", "--noprofile", "--norc", "-c", loop)
	sh.Dir, sh.Env = root, env
	sh.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	in, err := sh.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	outPipe, err := sh.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		in.Close()
		_ = syscall.Kill(-sh.Process.Pid, syscall.SIGKILL)
		_ = sh.Wait()
	}()
	lines := make(chan string)
	go func() {
		defer close(lines)
		r := bufio.NewReader(outPipe)
		for {
			l, err := r.ReadString('\n')
			if l != "" {
				lines <- l
			}
			if err != nil {
				return
			}
		}
	}()
	m := &ids{tokens: map[string]string{}, proposals: map[string]string{}}
	for _, s := range steps {
		script := m.apply(strings.NewReplacer("127.0.0.1:8080", api, "127.0.0.1:26657", rpc).Replace(s.script))
		if s.block {
			script = "set -e\n" + script + "\nset +e"
		}
		if _, err := io.WriteString(in, script+"\x00"); err != nil {
			t.Fatalf("%s:%d: the shell is gone: %v", file, s.line, err)
		}
		printed, rc, err := await(lines, 5*time.Minute)
		for deadline := time.Now().Add(time.Minute); s.eventually && err == nil &&
			!m.shows(s.printed, printed) && time.Now().Before(deadline); {
			time.Sleep(500 * time.Millisecond)
			if _, err = io.WriteString(in, script+"\x00"); err == nil {
				printed, rc, err = await(lines, 5*time.Minute)
			}
		}
		switch {
		case err != nil:
			t.Fatalf("%s:%d: %s\n%v; it printed:\n%s", file, s.line, script, err, printed)
		case s.block && rc != 0:
			t.Fatalf("%s:%d: this block failed (exit status %d):\n%s\nIt printed:\n%s", file, s.line, rc, s.script, printed)
		case !s.block && s.status == anyFailure && rc == 0,
			!s.block && s.status != anyFailure && rc != s.status:
			t.Fatalf("%s:%d: the guide shows exit status %s, this run %d:\n$ %s\nIt printed:\n%s\nThe guide shows:\n%s", file, s.line, statusText(s.status), rc, script, printed, s.printed)
		}
		if !s.block {
			m.learn(s.printed, printed)
		}
	}
}

func statusText(status int) string {
	if status == anyFailure {
		return "not 0 (an error)"
	}
	return strconv.Itoa(status)
}

// await reads a step's output up to the shell's mark and its exit status.
func await(lines <-chan string, limit time.Duration) (string, int, error) {
	var out strings.Builder
	timeout := time.After(limit)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				return out.String(), -1, fmt.Errorf("the shell exited (a command failed under set -e, or exit was called)")
			}
			if rest, found := strings.CutPrefix(l, mark+" "); found {
				rc, err := strconv.Atoi(strings.TrimSpace(rest))
				return strings.TrimSuffix(out.String(), "\n"), rc, err
			}
			out.WriteString(l)
		case <-timeout:
			return out.String(), -1, fmt.Errorf("no end after %v", limit)
		}
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}
