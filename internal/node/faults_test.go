package node

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/medchain/medchain/client/keystore"
	"github.com/medchain/medchain/internal/tx"
)

// TestFaultsUnderLoad runs four validators as child processes, as
// operators run them, under a load spread over all four APIs, and meanwhile
// pauses one (SIGSTOP, then SIGCONT: a node that hangs, then wakes with a
// backlog) and kills another without warning (SIGKILL) and restarts it. The
// other three keep more than two thirds of the power through each fault.
// At the end every transaction an API acknowledged as committed is found on
// every node, and every node has the same app hash at the same height.
func TestFaultsUnderLoad(t *testing.T) {
	dir := t.TempDir()
	bin := buildBinary(t, dir)
	base := freeBase(t, 5)
	apiBase := base + 40
	out, err := exec.Command(bin, "testnet", "--validators", "4", "--out", dir, "--base-port", fmt.Sprint(base),
		"--api-port", fmt.Sprint(apiBase), "--timeout-commit", "200ms").CombinedOutput()
	if err != nil {
		t.Fatalf("testnet: %v\n%s", err, out)
	}
	homes, apis := make([]string, 4), make([]string, 4)
	for k := range homes {
		homes[k] = filepath.Join(dir, fmt.Sprintf("node%d", k))
		apis[k] = fmt.Sprintf("http://127.0.0.1:%d", apiBase+k)
		// The load comes from one address, above the per-client limit.
		c, err := LoadAppConfig(homes[k])
		if err != nil {
			t.Fatal(err)
		}
		c.API.RateLimit, c.API.RateBurst = 0, 0
		if err := WriteAppConfig(homes[k], c); err != nil {
			t.Fatal(err)
		}
	}
	ks, err := keystore.Open(filepath.Join(homes[0], KeystoreFile))
	if err != nil {
		t.Fatal(err)
	}
	admin, err := ks.Key("admin", keystore.DevPassphrase)
	if err != nil {
		t.Fatal(err)
	}

	procs, logs := make([]*exec.Cmd, 4), make([]*bytes.Buffer, 4)
	start := func(k int) {
		logs[k] = &bytes.Buffer{}
		procs[k] = startProcess(t, bin, homes[k], logs[k])
	}
	for k := range procs {
		start(k)
	}
	defer func() {
		for _, p := range procs {
			if p != nil {
				p.Process.Signal(syscall.SIGCONT)
				p.Process.Kill()
				p.Wait()
			}
		}
	}()
	for k := range procs {
		waitReady(t, apis[k], procs[k], logs[k])
	}

	// The load: workers register members through each node in turn and
	// keep what an API acknowledged as committed.
	var (
		mu    sync.Mutex
		acked []string
	)
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	// Connections kept open: a new one per request would leave thousands
	// in TIME_WAIT.
	httpc := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				raw, err := nurseTx(admin, fmt.Sprintf("f%d-%d", w, i), uint64(w<<32|i), 1000)
				if err != nil {
					t.Error(err)
					return
				}
				req, _ := http.NewRequestWithContext(ctx, "POST", apis[(w+i)%4]+"/v1/txs?wait=commit", bytes.NewReader(raw))
				req.Header.Set("Content-Type", "application/octet-stream")
				resp, err := httpc.Do(req)
				if err != nil {
					time.Sleep(50 * time.Millisecond) // that node is paused or down
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					time.Sleep(50 * time.Millisecond) // refused or pending: not acknowledged
					continue
				}
				mu.Lock()
				acked = append(acked, tx.HashOf(raw).String())
				mu.Unlock()
			}
		}(w)
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
	progress := func(what string) {
		t.Helper()
		n := count()
		waitFor(t, what, 60*time.Second, func() bool { return count() >= n+20 })
	}

	progress("load before the faults")
	// Pause node1: it stops answering and voting, the other three go on.
	if err := procs[1].Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	progress("commits while node1 is paused")
	time.Sleep(2 * time.Second)
	if err := procs[1].Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	progress("commits after node1 wakes")
	// Kill node2 without warning, and restart it.
	if err := procs[2].Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	procs[2].Wait()
	procs[2] = nil
	progress("commits while node2 is down")
	start(2)
	waitReady(t, apis[2], procs[2], logs[2])
	progress("commits after node2 restarts")
	stop()
	wg.Wait()
	committed := append([]string(nil), acked...)

	// Every node reaches the same height with the same app hash...
	heights := make([]int64, 4)
	status := func(k int) (int64, error) {
		r, err := httpc.Get(apis[k] + "/v1/status")
		if err != nil {
			return 0, err
		}
		defer r.Body.Close()
		var st struct {
			Height int64 `json:"state_height"`
		}
		return st.Height, json.NewDecoder(r.Body).Decode(&st)
	}
	var target int64
	for k := range heights {
		h, err := status(k)
		if err != nil {
			t.Fatalf("node%d status: %v\n%s", k, err, logs[k])
		}
		target = max(target, h)
	}
	appHash := func(k int) string {
		r, err := httpc.Get(fmt.Sprintf("%s/v1/blocks/%d", apis[k], target+1))
		if err != nil {
			return ""
		}
		defer r.Body.Close()
		var b struct {
			AppHash string `json:"app_hash"`
		}
		if r.StatusCode != http.StatusOK || json.NewDecoder(r.Body).Decode(&b) != nil {
			return ""
		}
		return b.AppHash
	}
	// A node that has executed block target+1 has checked its header's app
	// hash against its own state at target: the hashes agree, or it halts.
	var want string
	for k := range heights {
		waitFor(t, fmt.Sprintf("node%d to execute block %d", k, target+1), 60*time.Second, func() bool {
			h, err := status(k)
			return err == nil && h >= target+1
		})
		got := appHash(k)
		if want == "" {
			want = got
		}
		if got != want {
			t.Fatalf("node%d has app hash %s after height %d, node0 %s", k, got, target, want)
		}
	}
	// ...and holds every acknowledged transaction.
	for k := range apis {
		missing := 0
		for _, h := range committed {
			r, err := httpc.Get(apis[k] + "/v1/txs/" + h)
			if err != nil {
				t.Fatal(err)
			}
			r.Body.Close()
			if r.StatusCode != http.StatusOK {
				missing++
			}
		}
		if missing > 0 {
			t.Fatalf("node%d lacks %d of the %d acknowledged transactions", k, missing, len(committed))
		}
	}
	t.Logf("%d transactions acknowledged through a pause, a kill and a restart; all on every node, app hashes equal at height %d", len(committed), target)
}
