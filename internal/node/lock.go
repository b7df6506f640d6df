package node

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// lockFile, in the home's data directory, is held (an exclusive advisory
// lock) by the process that runs the node of the home, and by a backup that
// copies its chain. Two nodes on one home would sign twice with one
// validator key and corrupt its databases; a copy of databases being written
// is no backup.
const lockFile = "medchain.lock"

// ErrHomeInUse means another process holds the home's lock: a node runs on
// it, or a backup copies it.
var ErrHomeInUse = errors.New("node: home in use")

// homeLock is a held lock of a home.
type homeLock struct{ f *os.File }

// lockHome takes the home's lock, or fails at once with ErrHomeInUse
// naming the process that holds it.
func lockHome(home, what string) (*homeLock, error) {
	dir := filepath.Join(home, "data")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("node: %w", err)
	}
	path := filepath.Join(dir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("node: %w", err)
	}
	if err := flock(f); err != nil {
		b, _ := os.ReadFile(path)
		f.Close()
		holder := strings.TrimSpace(string(b))
		if holder == "" {
			holder = "another process"
		}
		return nil, fmt.Errorf("%w: %s is held by %s (%s needs it alone)", ErrHomeInUse, home, holder, what)
	}
	// Who holds it, for the message above; the lock itself is the flock.
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(what+", pid "+strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &homeLock{f: f}, nil
}

// release gives the lock up. The file stays: removing it would let a
// third process lock a new file while a second still waits on the old one.
func (l *homeLock) release() {
	if l == nil || l.f == nil {
		return
	}
	l.f.Truncate(0)
	funlock(l.f)
	l.f.Close()
	l.f = nil
}
