//go:build unix

package node

import (
	"os"
	"syscall"
)

func flock(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) }

func funlock(f *os.File) { syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
