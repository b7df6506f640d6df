package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// The kinds of node a SpawnFunc starts.
const (
	KindMedchain = "medchain" // a medchain node: `medchain start --home HOME`
	KindKVStore  = "kvstore"  // CometBFT's kvstore example: `medchain bench kvstore-node --home HOME` (ServeKVStore)
)

// SpawnFunc makes the command that runs the node of kind from home until
// it is interrupted (SIGINT), then stops it cleanly and exits.
type SpawnFunc func(kind, home string) *exec.Cmd

// nodeLog is the file in each home that takes its process's output.
const nodeLog = "bench-node.log"

// startTimeout bounds how long a network's processes may take to start
// and make their first block.
const startTimeout = 2 * time.Minute

// cluster is a network whose nodes each run in their own process.
type cluster struct {
	homes []string
	cmds  []*exec.Cmd
	done  []chan struct{} // closed when the process has exited
}

// startCluster starts one process per home with spawn. If one fails to
// start, those started are stopped.
func startCluster(spawn SpawnFunc, kind string, homes []string) (*cluster, error) {
	c := &cluster{homes: homes}
	for _, home := range homes {
		cmd := spawn(kind, home)
		out, err := os.Create(filepath.Join(home, nodeLog))
		if err != nil {
			c.stop()
			return nil, fmt.Errorf("bench: %w", err)
		}
		cmd.Stdout, cmd.Stderr = out, out
		dieWithParent(cmd)
		if err := cmd.Start(); err != nil {
			out.Close()
			c.stop()
			return nil, fmt.Errorf("bench: start a %s node process (%s): %w", kind, cmd.Path, err)
		}
		done := make(chan struct{})
		go func() {
			cmd.Wait()
			out.Close()
			close(done)
		}()
		c.cmds = append(c.cmds, cmd)
		c.done = append(c.done, done)
	}
	return c, nil
}

// exited returns an error naming a node whose process has exited, with the
// end of its output, or nil while all run.
func (c *cluster) exited() error {
	for k, d := range c.done {
		select {
		case <-d:
			return fmt.Errorf("bench: node %d (%s) exited: %s; its output ends: %s",
				k, c.homes[k], c.cmds[k].ProcessState, logTail(filepath.Join(c.homes[k], nodeLog)))
		default:
		}
	}
	return nil
}

// waitReady polls ready(k) for every node until all answer true, a process
// exits, or startTimeout passes.
func (c *cluster) waitReady(ctx context.Context, what string, ready func(ctx context.Context, k int) bool) error {
	deadline := time.Now().Add(startTimeout)
	for k := range c.cmds {
		for !ready(ctx, k) {
			if err := c.exited(); err != nil {
				return err
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("bench: node %d (%s) not %s after %s; its output ends: %s",
					k, c.homes[k], what, startTimeout, logTail(filepath.Join(c.homes[k], nodeLog)))
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}

// usage is the CPU time used so far by this process (the load generator
// and observer) and the node processes together, and the nodes' resident
// memory. Both are zero where other processes cannot be measured.
func (c *cluster) usage() (time.Duration, int64) {
	if !procMeasured {
		return 0, 0
	}
	cpu, rss := processCPU(), int64(0)
	for _, cmd := range c.cmds {
		cpu += pidCPU(cmd.Process.Pid)
		rss += pidRSS(cmd.Process.Pid)
	}
	return cpu, rss
}

// stop interrupts every node and waits for it to exit, killing one that
// has not after 30 s.
func (c *cluster) stop() {
	for _, cmd := range c.cmds {
		cmd.Process.Signal(os.Interrupt)
	}
	for k, cmd := range c.cmds {
		select {
		case <-c.done[k]:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-c.done[k]
		}
	}
}

// logTail is the last lines of a node's output, for an error message.
func logTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "(nothing)"
	}
	if len(b) > 1500 {
		b = b[len(b)-1500:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return string(b)
}

// freeLayout finds loopback ports for an n-node network laid out as
// node.Testnet and writeKVHomes do: node k's p2p on base+10k and RPC on
// base+10k+1, its API on api+k, with api = base+10n. Every one was free
// at the time of asking.
func freeLayout(n int) (base, api int, err error) {
	for range 100 {
		base = 20_000 + 10*rand.IntN(3_000)
		api = base + 10*n
		ports := []int{}
		for k := range n {
			ports = append(ports, base+10*k, base+10*k+1, api+k)
		}
		if allFree(ports) {
			return base, api, nil
		}
	}
	return 0, 0, errors.New("bench: found no free loopback ports for the network's nodes")
}

func allFree(ports []int) bool {
	for _, p := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			return false
		}
		l.Close()
	}
	return true
}
