package store

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// shard writes a database at dir/name holding sweep s1 with trial k1 done.
func shard(t *testing.T, dir, name string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sweep := fill(t, db)
	id := mustClaim(t, db, sweep, NewOwner(), "k1")
	if err := db.FinishTrial(id, Outcome{Status: Done, Best: []Value{{"test", "auc", 0.6}}}); err != nil {
		t.Fatal(err)
	}
	return path
}

func countTrials(t *testing.T, db *DB) int64 {
	t.Helper()
	res, err := db.Query("SELECT count(*) FROM trials")
	if err != nil {
		t.Fatal(err)
	}
	return res.Rows[0][0].(int64)
}

// One bad input among good ones merges nothing: the good ones are not
// committed first.
func TestMerge_AllOrNothing(t *testing.T) {
	dir := t.TempDir()
	good := shard(t, dir, "good.db")
	notDB := filepath.Join(dir, "notes.db")
	os.WriteFile(notDB, []byte("not a database at all, just text that is long enough to be a header"), 0o644)
	other := filepath.Join(dir, "other.db")
	c, err := Open(other)
	if err != nil {
		t.Fatal(err)
	}
	c.CreateSweep("s1", "name: s1\nother: 1\n", "other-hash")
	c.Close()
	for what, bad := range map[string]string{"not a database": notDB, "missing": filepath.Join(dir, "missing.db"), "other spec": other} {
		out, err := Open(filepath.Join(t.TempDir(), "out.db"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = out.Merge(good, bad)
		if err == nil || !strings.Contains(err.Error(), filepath.Base(bad)) {
			t.Errorf("%s: merge error %v does not name %s", what, err, bad)
		}
		if n := countTrials(t, out); n != 0 {
			t.Errorf("%s: %d trials merged from the good input, want none", what, n)
		}
		out.Close()
	}
}

// The output as one of the inputs, by path or through a link, is refused
// at once (it used to wait 30 s on its own lock).
func TestMerge_IntoItself(t *testing.T) {
	dir := t.TempDir()
	path := shard(t, dir, "a.db")
	os.Link(path, filepath.Join(dir, "hard.db"))
	os.Symlink(path, filepath.Join(dir, "soft.db"))
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	wd, _ := os.Getwd()
	rel, err := filepath.Rel(wd, path)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{path, rel, filepath.Join(dir, "hard.db"), filepath.Join(dir, "soft.db"), filepath.Join(dir, ".", "a.db")} {
		start := time.Now()
		_, err := db.Merge(in)
		if err == nil || !strings.Contains(err.Error(), "is the output database") || time.Since(start) > 2*time.Second {
			t.Errorf("merge %s into itself: %v after %s, want an immediate refusal", in, err, time.Since(start))
		}
	}
	if n := countTrials(t, db); n != 2 {
		t.Fatalf("%d trials after the refused merges, want 2", n)
	}
}

// Several inputs in one call: each counted on its own; a merge of the
// same inputs again changes nothing.
func TestMerge_ManyInputsOnce(t *testing.T) {
	dir := t.TempDir()
	var ins []string
	for i := 0; i < 12; i++ { // more than SQLite's 10 attached databases
		ins = append(ins, shard(t, dir, "s"+string(rune('a'+i))+".db"))
	}
	out, err := Open(filepath.Join(dir, "out.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	for round := 0; round < 2; round++ {
		stats, err := out.Merge(ins...)
		if err != nil {
			t.Fatal(err)
		}
		if len(stats) != len(ins) {
			t.Fatalf("%d stats for %d inputs", len(stats), len(ins))
		}
		if round == 0 && (stats[0].Added != 2 || stats[1].Kept != 2) {
			t.Fatalf("first round: %+v", stats[:2])
		}
		if round == 1 && (stats[0].Added != 0 || stats[0].Kept != 2) {
			t.Fatalf("second round: %+v", stats[0])
		}
		res, err := out.Query("SELECT count(*), sum(status = 'done') FROM trials")
		if err != nil || res.Rows[0][0] != int64(2) || res.Rows[0][1] != int64(1) {
			t.Fatalf("round %d: trials %v, %v; want 2, one done", round, res.Rows, err)
		}
	}
}

// An input of an older schema (a table and a column missing) merges: what
// it has is copied, what it lacks stays empty.
func TestMerge_OlderSchemaInput(t *testing.T) {
	dir := t.TempDir()
	old := shard(t, dir, "old.db")
	raw, err := sql.Open("sqlite3", old)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`DROP TABLE attention; ALTER TABLE trials DROP COLUMN started_at`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	out, err := Open(filepath.Join(dir, "out.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if _, err := out.Merge(old); err != nil {
		t.Fatal(err)
	}
	res, err := out.Query(`SELECT l.key, l.status, t.started_at IS NULL, l.test_auc FROM leaderboard l JOIN trials t ON t.id = l.trial ORDER BY l.key`)
	if err != nil || len(res.Rows) != 2 || res.Rows[0][1] != "done" || res.Rows[0][2] != int64(1) || res.Rows[0][3] != 0.6 {
		t.Fatalf("after merging an older schema: %v, %v", res, err)
	}
}
