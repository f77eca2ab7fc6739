//go:build unix

package main

import (
	"syscall"
	"time"
)

// processCPUTime is the CPU time (user and system) the process has used:
// unlike wall time it leaves out the slices spent waiting for a core while
// other jobs run on a shared machine.
func processCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
