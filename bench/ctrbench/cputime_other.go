//go:build !unix

package main

import "time"

var processStart = time.Now()

// processCPUTime falls back to wall time where getrusage is missing.
func processCPUTime() time.Duration { return time.Since(processStart) }
