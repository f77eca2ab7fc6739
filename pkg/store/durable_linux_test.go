package store

import (
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A real full disk: a 256 KiB tmpfs (needs root; skipped otherwise).
func TestDurable_FullTmpfs(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=256k"); err != nil {
		t.Skipf("cannot mount a small tmpfs (%v): the full-disk case is covered by max_page_count only", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, 0) })
	path := filepath.Join(dir, "sweeps.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sweep := fill(t, db)
	id := mustClaim(t, db, sweep, NewOwner(), "k1")
	for i := 0; i < 64 && err == nil; i++ {
		err = db.FinishTrial(id, Outcome{Status: Done, Checkpoint: make([]byte, 64<<10+i)})
		db.tx(func(tx *sql.Tx) error { // claim it again for the next, bigger, write
			_, e := tx.Exec(`UPDATE trials SET status = 'running' WHERE id = ?`, id.ID)
			return e
		})
	}
	if !IsDiskFull(err) || !errors.Is(err, ErrDiskFull) || !strings.Contains(err.Error(), path) {
		t.Fatalf("writing 4 MiB into a 256 KiB tmpfs: %v, want ErrDiskFull naming %s", err, path)
	}
}
