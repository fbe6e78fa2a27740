// Package benchutil holds what the benchmark programs share: timing a
// child process with its own peak RSS, and describing the machine.
package benchutil

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Measure runs cmd and returns its wall time and peak resident set size in
// bytes. A command that exits 1 still counts (pdfsig exits 1 on untrusted
// certificates after checking the signatures); other failures are errors.
func Measure(cmd *exec.Cmd) (time.Duration, int64, error) {
	if cmd.Stdout == nil {
		cmd.Stdout = io.Discard
	}
	if cmd.Stderr == nil {
		cmd.Stderr = os.Stderr
	}
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if cmd.ProcessState == nil {
		return 0, 0, err
	}
	if err != nil && cmd.ProcessState.ExitCode() > 1 {
		return 0, 0, err
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return d, ru.Maxrss << 10, nil
}

// Machine describes the CPU model and count.
func Machine() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	model := "unknown CPU"
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "model name") {
			model = strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
			break
		}
	}
	return fmt.Sprintf("%s, %d CPUs", model, strings.Count(string(b), "processor\t:"))
}

// WarmCache reads a file once so that later runs find it in the page cache.
func WarmCache(path string) {
	if f, err := os.Open(path); err == nil {
		io.Copy(io.Discard, f)
		f.Close()
	}
}
