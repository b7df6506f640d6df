package node

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/medchain/medchain/client/keystore"
	"github.com/medchain/medchain/internal/tx"
)

// buildBinary builds cmd/medchain into dir.
func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(strings.TrimSpace(string(out)))
	bin := filepath.Join(dir, "medchain")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/medchain")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return bin
}

func startProcess(t *testing.T, bin, home string, log *bytes.Buffer) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "start", "--home", home)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

func waitReady(t *testing.T, api string, cmd *exec.Cmd, log *bytes.Buffer) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if r, err := http.Get(api + "/readyz"); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("node at %s not ready in 60s; log:\n%s", api, log.String())
}

// TestKilledNodeKeepsCommittedTxs runs a node as a child process, kills it
// with SIGKILL in the middle of a load, restarts it, and checks that every
// transaction the API acknowledged as committed is there.
func TestKilledNodeKeepsCommittedTxs(t *testing.T) {
	dir := t.TempDir()
	bin := buildBinary(t, dir)
	base := freeBase(t, 2)
	apiPort := base + 15
	out, err := exec.Command(bin, "testnet", "--validators", "1", "--out", dir, "--base-port", fmt.Sprint(base),
		"--api-port", fmt.Sprint(apiPort), "--timeout-commit", "100ms").CombinedOutput()
	if err != nil {
		t.Fatalf("testnet: %v\n%s", err, out)
	}
	home := filepath.Join(dir, "node0")
	api := fmt.Sprintf("http://127.0.0.1:%d", apiPort)
	ks, err := keystore.Open(filepath.Join(home, KeystoreFile))
	if err != nil {
		t.Fatal(err)
	}
	admin, err := ks.Key("admin", keystore.DevPassphrase)
	if err != nil {
		t.Fatal(err)
	}

	var log bytes.Buffer
	proc := startProcess(t, bin, home, &log)
	defer func() { proc.Process.Kill(); proc.Wait() }()
	waitReady(t, api, proc, &log)

	var (
		mu    sync.Mutex
		acked []string
		raws  [][]byte
		sent  int
	)
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				raw, err := nurseTx(admin, fmt.Sprintf("w%d-%d", w, i), uint64(w<<32|i), 900)
				if err != nil {
					t.Error(err)
					return
				}
				req, _ := http.NewRequestWithContext(ctx, "POST", api+"/v1/txs?wait=commit", bytes.NewReader(raw))
				req.Header.Set("Content-Type", "application/octet-stream")
				mu.Lock()
				sent++
				mu.Unlock()
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return // the node died under us: not acknowledged
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					mu.Lock()
					acked = append(acked, tx.HashOf(raw).String())
					raws = append(raws, raw)
					mu.Unlock()
				}
			}
		}(w)
	}
	// Let the load run, then kill the node without warning.
	time.Sleep(3 * time.Second)
	if err := proc.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	proc.Wait()
	stop()
	wg.Wait()
	mu.Lock()
	committed := append([]string(nil), acked...)
	mu.Unlock()
	if len(committed) < 10 {
		t.Fatalf("only %d of %d transactions acknowledged before the kill; log:\n%s", len(committed), sent, log.String())
	}

	log.Reset()
	proc = startProcess(t, bin, home, &log)
	waitReady(t, api, proc, &log)
	missing := 0
	for _, h := range committed {
		r, err := http.Get(api + "/v1/txs/" + h)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != http.StatusOK {
			missing++
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged transactions missing after kill and restart", missing, len(committed))
	}
	// The last ones acknowledged (in the block the kill may have cut from
	// CometBFT's indexer) sent again: replays, refused at once.
	for _, raw := range raws[max(0, len(raws)-20):] {
		r, err := http.Post(api+"/v1/txs?wait=commit", "application/octet-stream", bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode != http.StatusConflict || !bytes.Contains(body, []byte(`"chain.replay"`)) {
			t.Fatalf("replay of %s after the restart: %d %s", tx.HashOf(raw), r.StatusCode, body)
		}
	}
	t.Logf("%d transactions acknowledged before SIGKILL, all present after restart", len(committed))
	_ = os.Remove
}
