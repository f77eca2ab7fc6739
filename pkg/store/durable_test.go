package store

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A database deleted or replaced under a running sweep must not swallow
// its writes: each commit checks that the path still names the file opened.
func TestDurable_DeletedOrReplacedFile(t *testing.T) {
	for _, how := range []string{"deleted", "replaced"} {
		t.Run(how, func(t *testing.T) {
			db, path := newTestDB(t)
			sweep := fill(t, db)
			me := NewOwner()
			c := mustClaim(t, db, sweep, me, "k1")
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			if how == "replaced" {
				other, err := Open(filepath.Join(filepath.Dir(path), "other.db"))
				if err != nil {
					t.Fatal(err)
				}
				other.Close()
				if err := os.Rename(filepath.Join(filepath.Dir(path), "other.db"), path); err != nil {
					t.Fatal(err)
				}
			}
			// A trial's end and a heartbeat are both refused, naming the path.
			err := db.FinishTrial(c, Outcome{Status: Done})
			if !errors.Is(err, ErrDatabaseGone) || !strings.Contains(err.Error(), path) {
				t.Fatalf("FinishTrial after the file was %s: %v, want ErrDatabaseGone naming %s", how, err, path)
			}
			if err := db.Heartbeat(me); !errors.Is(err, ErrDatabaseGone) {
				t.Fatalf("Heartbeat after the file was %s: %v", how, err)
			}
			if IsDiskFull(err) {
				t.Fatalf("a deleted file is not a full disk: %v", err)
			}
		})
	}
}

// The same writes on a file left in place go through (the check is not
// a false alarm), and renaming the folder that holds it is noticed.
func TestDurable_UnchangedFileCommits(t *testing.T) {
	db, path := newTestDB(t)
	sweep := fill(t, db)
	me := NewOwner()
	id := mustClaim(t, db, sweep, me, "k1")
	if err := db.AddEpoch(id, 1, []Value{{"valid", "auc", 0.5}}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(path)
	if err := os.Rename(dir, dir+"-moved"); err != nil {
		t.Fatal(err)
	}
	if err := db.FinishTrial(id, Outcome{Status: Done}); !errors.Is(err, ErrDatabaseGone) {
		t.Fatalf("after its folder moved: %v, want ErrDatabaseGone", err)
	}
}

// SQLite's max_page_count makes the file "full" without filling a disk:
// the error is classified as ErrDiskFull, names the file, and the trial
// keeps its last committed state.
func TestDurable_DiskFullIsRecognised(t *testing.T) {
	db, path := newTestDB(t)
	sweep := fill(t, db)
	id := mustClaim(t, db, sweep, NewOwner(), "k1")
	var pages int
	if err := db.db.QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := db.db.Exec(`PRAGMA max_page_count = ` + strconv.Itoa(pages+2)); err != nil {
		t.Fatal(err)
	}
	err := db.FinishTrial(id, Outcome{Status: Done, Checkpoint: make([]byte, 1<<20)})
	if !IsDiskFull(err) || !errors.Is(err, ErrDiskFull) || !strings.Contains(err.Error(), path) {
		t.Fatalf("write past max_page_count: %v, want ErrDiskFull naming %s", err, path)
	}
	st, err := db.Statuses(sweep)
	if err != nil || st["k1"] != Running {
		t.Fatalf("after the refused write: %v, %v; want k1 still running (nothing half-written)", st, err)
	}
	if IsDiskFull(errors.New("database is locked")) || IsDiskFull(nil) {
		t.Fatal("IsDiskFull is true for other errors")
	}
}
