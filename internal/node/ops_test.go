package node

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"
)

func TestOpenRPCWarning(t *testing.T) {
	for laddr, warn := range map[string]bool{
		"tcp://127.0.0.1:26657": false,
		"tcp://[::1]:26657":     false,
		"tcp://localhost:26657": false,
		"unix:///tmp/rpc.sock":  false,
		"tcp://0.0.0.0:26657":   true,
		"tcp://10.1.2.3:26657":  true,
		"tcp://:26657":          true,
		"10.1.2.3:26657":        true,
	} {
		msg := openRPCWarning(laddr)
		if got := msg != ""; got != warn {
			t.Errorf("%s: warning %q, want one: %v", laddr, msg, warn)
		}
		if warn && !strings.Contains(msg, laddr) {
			t.Errorf("%s: warning %q does not name the address", laddr, msg)
		}
	}
}

// A clean stop logs no ERROR line: CometBFT's listeners closing are
// logged at INFO; other errors stay errors.
func TestCometListenersClosingAreNotErrors(t *testing.T) {
	var buf strings.Builder
	l := &cometLogger{l: slog.New(slog.NewTextHandler(&buf, nil)), min: slog.LevelDebug}
	l.Error("Stopped accept routine, as transport is closed", "numPeers", 0)
	l.Error("Error serving server", "err", fmt.Errorf("accept tcp 127.0.0.1:26657: %w", net.ErrClosed))
	if strings.Contains(buf.String(), "level=ERROR") {
		t.Errorf("listeners closing logged as errors:\n%s", buf.String())
	}
	buf.Reset()
	l.Error("Error serving server", "err", errors.New("accept tcp: too many open files"))
	if !strings.Contains(buf.String(), "level=ERROR") {
		t.Errorf("a real accept error is not an error:\n%s", buf.String())
	}
}

// /readyz: caught up, a block committed, and blocks still coming.
func TestReadiness(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	stall := stallAfter(500 * time.Millisecond)
	if stall != 30*time.Second || stallAfter(5*time.Second) != 100*time.Second {
		t.Errorf("stallAfter: %s, %s", stall, stallAfter(5*time.Second))
	}
	for name, c := range map[string]struct {
		catchingUp bool
		height     int64
		since      time.Duration
		want       string
	}{
		"ready":       {false, 10, time.Second, ""},
		"catching up": {true, 10, time.Second, "catching up"},
		"genesis":     {false, 0, time.Second, "no block committed yet"},
		"halted":      {false, 10, 31 * time.Second, "no block committed for 31s (last at height 10)"},
	} {
		err := readiness(c.catchingUp, c.height, now.Add(-c.since), now, stall)
		if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}
