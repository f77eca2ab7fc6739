package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// smallDisk mounts a 1 MiB tmpfs at {dir}/small (root only).
func smallDisk(t *testing.T, e *hostileEnv) {
	dir := filepath.Join(e.dir, "small")
	os.Mkdir(dir, 0o755)
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=1m"); err != nil {
		t.Skipf("cannot mount a small tmpfs (%v): needs root", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
}
