package bench

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// procMeasured says whether other processes' CPU time and memory can be
// read here.
const procMeasured = true

// processRSS is this process's resident memory in bytes (0 if unreadable).
func processRSS() int64 { return statmRSS("self") }

// pidRSS is process pid's resident memory in bytes (0 if unreadable).
func pidRSS(pid int) int64 { return statmRSS(strconv.Itoa(pid)) }

// statmRSS reads the resident set of /proc/<proc>/statm.
func statmRSS(proc string) int64 {
	b, err := os.ReadFile("/proc/" + proc + "/statm")
	if err != nil {
		return 0
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(string(f[1]), 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}

// clockTicks is Linux's USER_HZ, the unit of /proc/<pid>/stat's times: 100
// on every architecture Go supports (sysconf(_SC_CLK_TCK) without cgo).
const clockTicks = 100

// pidCPU is the CPU time, user and system, process pid has used so far, in
// steps of 10 ms (0 if unreadable).
func pidCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name, field 2, is in parentheses and may hold spaces:
	// count the fields after its closing one, from field 3 (state) on.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 13 {
		return 0
	}
	utime, err1 := strconv.ParseInt(string(f[11]), 10, 64) // field 14
	stime, err2 := strconv.ParseInt(string(f[12]), 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// dieWithParent has the kernel kill cmd's process if this one dies first,
// so that an interrupted bench leaves no node running.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
