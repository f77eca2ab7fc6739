package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A read-only open must not change the database nor create any file:
// ATTACH and VACUUM INTO name a path SQLite would create.
func TestReadOnly_RefusesFilesAndSettings(t *testing.T) {
	db, path := newTestDB(t)
	fill(t, db)
	db.Close()
	ro, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	dir := t.TempDir()
	target := filepath.Join(dir, "x.db")
	for _, c := range []struct{ q, word string }{
		{"ATTACH '" + target + "' AS x", "ATTACH"},
		{"attach database '" + target + "' AS x", "ATTACH"},
		{"VACUUM INTO '" + target + "'", "VACUUM"},
		{"vacuum", "VACUUM"},
		{"DETACH temp", "DETACH"},
		{"PRAGMA query_only = 0", "PRAGMA"},
		{"PRAGMA journal_mode = delete", "PRAGMA"},
		{"PRAGMA wal_checkpoint(TRUNCATE)", "PRAGMA"},
		{"SELECT load_extension('" + target + "')", "LOAD_EXTENSION"},
		{"CREATE TEMP TABLE t AS SELECT 1", "CREATE"},
		{"DELETE FROM trials", "DELETE"},
		{"SELECT 1; DELETE FROM trials", "DELETE"},
		{"UPDATE trials SET status = 'done'", "UPDATE"},
	} {
		_, err := ro.Query(c.q)
		if err == nil || !strings.Contains(err.Error(), "read-only") || !strings.Contains(err.Error(), path) ||
			!strings.Contains(err.Error(), c.word+" refused") {
			t.Errorf("%s: got %v, want a read-only refusal naming %s and %s", c.q, err, path, c.word)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("refused statements created %v", ents)
	}
	// Reading, schema questions included, still works.
	for _, q := range []string{
		"SELECT count(*) FROM trials", "SELECT * FROM leaderboard", "PRAGMA table_info(trials)",
		"SELECT name FROM pragma_table_info('trials')", "PRAGMA user_version", "PRAGMA integrity_check",
		"WITH x AS (SELECT 1 AS a) SELECT a FROM x",
	} {
		if _, err := ro.Query(q); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	res, err := ro.Query("SELECT count(*) FROM trials")
	if err != nil || res.Rows[0][0] != int64(2) {
		t.Fatalf("trials after the refusals: %v, %v", res, err)
	}
}

// A key prefix is literal: % and _ are not wildcards, nor the escape
// character.
func TestTrialByRef_LiteralPrefix(t *testing.T) {
	db, _ := newTestDB(t)
	id, err := db.CreateSweep("s", "name: s\n", "h")
	if err != nil {
		t.Fatal(err)
	}
	var trials []NewTrial
	for i, k := range []string{"ab12", "a_34", "a%56", `a\78`, "axyz"} {
		trials = append(trials, NewTrial{Key: k, Position: i, Config: k, Model: "logreg"})
	}
	if _, err := db.AddTrials(context.Background(), id, trials, ""); err != nil {
		t.Fatal(err)
	}
	for ref, want := range map[string]string{"a_": "a_34", "a%": "a%56", `a\`: `a\78`, "ab": "ab12", "ax": "axyz", "AB1": "ab12"} {
		tr, _, err := db.TrialByRef(ref)
		if err != nil || tr.Key != want {
			t.Errorf("TrialByRef(%q) = %v, %v; want %s", ref, tr, err, want)
		}
	}
	for _, ref := range []string{"%", "_", "%12", "_b", `\`, "a_b"} {
		if tr, _, err := db.TrialByRef(ref); err == nil || !strings.Contains(err.Error(), "no trial") {
			t.Errorf("TrialByRef(%q) = %v, %v; want no trial", ref, tr, err)
		}
	}
}

func TestOpen_BadPaths(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"", dir} {
		if _, err := Open(p); err == nil || !(strings.Contains(err.Error(), "empty") || strings.Contains(err.Error(), "folder")) {
			t.Errorf("Open(%q): %v", p, err)
		}
		if _, err := OpenReadOnly(p); err == nil || !(strings.Contains(err.Error(), "empty") || strings.Contains(err.Error(), "folder")) {
			t.Errorf("OpenReadOnly(%q): %v", p, err)
		}
	}
}
