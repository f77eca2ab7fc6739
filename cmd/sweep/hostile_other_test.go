//go:build !linux

package main

import "testing"

// smallDisk needs Linux's tmpfs.
func smallDisk(t *testing.T, _ *hostileEnv) { t.Skip("a small tmpfs needs Linux") }
