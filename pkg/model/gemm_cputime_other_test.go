//go:build !linux

package model

import "time"

var processStart = time.Now()

// threadCPUTime falls back to wall time where the thread CPU clock is not
// wired up (see gemm_cputime_linux_test.go).
func threadCPUTime() time.Duration { return time.Since(processStart) }

// processCPUTime falls back to wall time likewise.
func processCPUTime() time.Duration { return time.Since(processStart) }
