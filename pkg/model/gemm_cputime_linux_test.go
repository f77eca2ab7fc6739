//go:build linux

package model

import (
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// threadCPUTime is the CPU time the calling OS thread has used. The GEMM
// benchmarks lock their goroutine to a thread and report GFLOP/s over this
// time as well as over wall time: on a machine shared with other jobs the
// wall time also counts the slices spent waiting for a core.
func threadCPUTime() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

// processCPUTime is the CPU time (user and system) of the whole process: the
// model benchmarks report it per op, GC and every goroutine included.
func processCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
