package store

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func newTestDB(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sub", "sweeps.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func fill(t *testing.T, db *DB) int64 {
	t.Helper()
	id, err := db.CreateSweep("s1", "name: s1\n", "h1")
	if err != nil {
		t.Fatal(err)
	}
	trials := []NewTrial{
		{Key: "k1", Position: 0, Config: "c1", Model: "logreg", Seed: 7, Params: []Param{{"lr", 0.01}, {"optimizer", "adam"}, {"embed_dim", 8}, {"hidden", []int{4, 2}}}},
		{Key: "k2", Position: 1, Config: "c2", Model: "dot", Seed: 9, Params: []Param{{"lr", 0.001}}},
	}
	for i := 0; i < 2; i++ { // planning twice must not duplicate
		if _, err := db.AddTrials(context.Background(), id, trials, ""); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

func TestStore_TrialLifecycle(t *testing.T) {
	db, _ := newTestDB(t)
	sweep := fill(t, db)
	if _, err := db.CreateSweep("s1", "name: s1\nother: 1\n", "h2"); err == nil || !strings.Contains(err.Error(), "different spec") {
		t.Fatalf("reusing a name with another spec: got %v", err)
	}
	me := NewOwner()
	c1 := mustClaim(t, db, sweep, me, "k1")
	id := c1.ID
	if err := db.AddEpoch(c1, 1, []Value{{"valid", "auc", 0.7}, {"train", "loss", 0.5}}); err != nil {
		t.Fatal(err)
	}
	if err := db.FinishTrial(c1, Outcome{Status: Done, Seconds: 1.5, BestEpoch: 1,
		Best: []Value{{"valid", "auc", 0.7}, {"test", "auc", 0.69}}, Checkpoint: []byte{1, 2, 3}}); err != nil {
		t.Fatal(err)
	}
	c2 := mustClaim(t, db, sweep, me, "k2")
	db.AddEpoch(c2, 1, []Value{{"valid", "auc", 0.6}})
	// Another live process on this host does not take k2; once its
	// heartbeat is older than the lease, it does, from a clean curve.
	other := Owner{Token: "other", Host: me.Host, PID: me.PID}
	if c, err := db.ClaimNext(sweep, other, time.Hour, ClaimFilter{}); err != nil || c != nil {
		t.Fatalf("claimed a live trial: %+v, %v", c, err)
	}
	time.Sleep(5 * time.Millisecond)
	c2b, err := db.ClaimNext(sweep, other, time.Millisecond, ClaimFilter{})
	if err != nil || c2b == nil || c2b.Key != "k2" || c2b.Attempt != 2 {
		t.Fatalf("take-over of a stale trial: %+v, %v", c2b, err)
	}
	if cv, _ := db.Curve(c2.ID); len(cv) != 0 {
		t.Fatalf("curve after take-over = %v, want empty", cv)
	}
	// The first owner learns it lost the trial and writes nothing.
	if err := db.FinishTrial(c2, Outcome{Status: Done}); !errors.Is(err, ErrLostClaim) {
		t.Fatalf("finishing a lost trial: %v", err)
	}
	st, err := db.Statuses(sweep)
	if err != nil {
		t.Fatal(err)
	}
	if st["k1"] != Done || st["k2"] != Running || len(st) != 2 {
		t.Fatalf("statuses = %v", st)
	}
	if n, err := db.Unfinished(sweep, ClaimFilter{}); err != nil || n != 1 {
		t.Fatalf("Unfinished = %d, %v; want 1", n, err)
	}
	trials, err := db.Trials(sweep)
	if err != nil {
		t.Fatal(err)
	}
	if len(trials) != 2 || trials[0].Key != "k1" || trials[0].Best["test/auc"] != 0.69 || trials[0].BestEpoch != 1 {
		t.Fatalf("trials = %+v", trials[0])
	}
	ck, err := db.Checkpoint(id)
	if err != nil || len(ck) != 3 {
		t.Fatalf("checkpoint = %v, %v", ck, err)
	}
}

func TestStore_ParamsKeepTheirTypes(t *testing.T) {
	db, _ := newTestDB(t)
	fill(t, db)
	res, err := db.Query(`SELECT name, typeof(value) FROM params p JOIN trials t ON t.id = p.trial WHERE t.key = 'k1' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range res.Rows {
		got[r[0].(string)] = r[1].(string)
	}
	want := map[string]string{"lr": "real", "optimizer": "text", "embed_dim": "integer", "hidden": "text"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("typeof(%s) = %q, want %q", k, got[k], v)
		}
	}
	res, err = db.Query(`SELECT model, lr, optimizer, embed_dim, hidden FROM leaderboard ORDER BY trial`)
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Rows[0]; r[0] != "logreg" || r[1] != 0.01 || r[2] != "adam" || r[3] != int64(8) || r[4] != "[4,2]" {
		t.Fatalf("leaderboard row = %#v", r)
	}
}

func TestStore_ReadOnlyRefusesWrites(t *testing.T) {
	db, path := newTestDB(t)
	fill(t, db)
	db.Close()
	ro, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	_, err = ro.Query("DELETE FROM trials")
	if err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("DELETE on a read-only database: got %v", err)
	}
	res, err := ro.Query("SELECT count(*) FROM trials")
	if err != nil || res.Rows[0][0] != int64(2) {
		t.Fatalf("trials after refused DELETE: %v, %v", res, err)
	}
	if _, err := OpenReadOnly(filepath.Join(t.TempDir(), "missing.db")); err == nil || !strings.Contains(err.Error(), "sweep run") {
		t.Fatalf("missing database: got %v", err)
	}
}

func TestStore_Migrations(t *testing.T) {
	db, path := newTestDB(t)
	db.Close()
	db2, err := Open(path) // reopening applies nothing twice
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	res, err := db2.Query("SELECT version FROM schema_version")
	if err != nil || len(res.Rows) != 1 || res.Rows[0][0] != int64(SchemaVersion) {
		t.Fatalf("schema_version = %v, %v; want one row %d", res, err, SchemaVersion)
	}
	if _, err := db2.Query("SELECT max_grad_norm FROM leaderboard"); err != nil {
		t.Fatalf("leaderboard after the migrations: %v", err)
	}
	res, _ = db2.Query("PRAGMA journal_mode")
	if res.Rows[0][0] != "wal" {
		t.Fatalf("journal_mode = %v", res.Rows[0][0])
	}
}

func TestStore_Merge(t *testing.T) {
	dir := t.TempDir()
	open := func(name string) *DB {
		db, err := Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	a, b, out := open("a.db"), open("b.db"), open("out.db")
	defer out.Close()
	for _, db := range []*DB{a, b} {
		fill(t, db)
	}
	// a finished k1 and was interrupted on k2; b finished k2.
	sa, _ := a.SweepByName("s1")
	me := NewOwner()
	c := mustClaim(t, a, sa.ID, me, "k1")
	a.AddEpoch(c, 1, []Value{{"valid", "auc", 0.7}})
	a.FinishTrial(c, Outcome{Status: Done, Best: []Value{{"test", "auc", 0.61}}})
	c = mustClaim(t, a, sa.ID, me, "k2")
	a.FinishTrial(c, Outcome{Status: Interrupted})
	sb, _ := b.SweepByName("s1")
	b.ClaimNext(sb.ID, me, time.Hour, ClaimFilter{Lo: 0, Hi: 1}) // k1 stays running in b
	c = mustClaim(t, b, sb.ID, me, "k2")
	b.FinishTrial(c, Outcome{Status: Done, Best: []Value{{"test", "auc", 0.72}}})
	a.Close()
	b.Close()

	for round := 0; round < 2; round++ {
		if _, err := out.Merge(filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")); err != nil {
			t.Fatal(err)
		}
		res, err := out.Query(`SELECT key, status, test_auc, (SELECT count(*) FROM params p WHERE p.trial = l.trial),
			(SELECT count(*) FROM epochs e WHERE e.trial = l.trial) FROM leaderboard l ORDER BY key`)
		if err != nil {
			t.Fatal(err)
		}
		want := [][]any{{"k1", "done", 0.61, int64(4), int64(1)}, {"k2", "done", 0.72, int64(1), int64(0)}}
		if len(res.Rows) != 2 {
			t.Fatalf("round %d: %d trials after merge, want 2", round, len(res.Rows))
		}
		for i, w := range want {
			for j := range w {
				if res.Rows[i][j] != w[j] {
					t.Errorf("round %d: row %d = %v, want %v", round, i, res.Rows[i], w)
					break
				}
			}
		}
	}
	// A sweep of the same name with another spec is refused.
	cdb := open("c.db")
	cdb.CreateSweep("s1", "name: s1\nother\n", "other-hash")
	cdb.Close()
	if _, err := out.Merge(filepath.Join(dir, "c.db")); err == nil || !strings.Contains(err.Error(), "spec differs") {
		t.Fatalf("merging a different spec: %v", err)
	}
}

// mustClaim claims the sweep's next trial and checks it is key.
func mustClaim(t *testing.T, db *DB, sweep int64, o Owner, key string) Claim {
	t.Helper()
	c, err := db.ClaimNext(sweep, o, time.Hour, ClaimFilter{})
	if err != nil || c == nil || c.Key != key {
		t.Fatalf("claim: %+v, %v; want %s", c, err, key)
	}
	return *c
}
