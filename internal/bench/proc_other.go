//go:build !linux

package bench

import (
	"os/exec"
	"time"
)

// procMeasured says whether other processes' CPU time and memory can be
// read here.
const procMeasured = false

// processRSS is not measured here.
func processRSS() int64 { return 0 }

// pidRSS is not measured here.
func pidRSS(int) int64 { return 0 }

// pidCPU is not measured here.
func pidCPU(int) time.Duration { return 0 }

// dieWithParent has no portable means here: an interrupted bench's nodes
// are stopped by its deferred clean-up only.
func dieWithParent(*exec.Cmd) {}
