package store

import (
	"database/sql"
	"slices"
	"testing"

	"github.com/attnsweep/attnsweep/pkg/model"
)

// wantLeaderboard is the leaderboard's column list derived independently
// from the registry.
func wantLeaderboard() []string {
	cols := []string{"sweep", "trial", "key", "config", "model", "seed", "repeat", "status"}
	cols = append(cols, model.HyperNames()...)
	for _, split := range []string{"train", "valid", "test"} {
		for _, m := range model.MetricInfos() {
			if m.Column {
				cols = append(cols, split+"_"+m.Name)
			}
		}
	}
	return append(cols, "best_epoch", "seconds")
}

// TestViews_FollowTheRegistry checks that the leaderboard has one column per
// registry hyperparameter and metric, writable and read-only, and that a
// database whose stored view is out of date (made by an older build) shows
// today's columns as soon as it is opened, even read-only.
func TestViews_FollowTheRegistry(t *testing.T) {
	db, path := newTestDB(t)
	fill(t, db)
	check := func(what string, d *DB) {
		t.Helper()
		res, err := d.Query("SELECT * FROM leaderboard")
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if !slices.Equal(res.Columns, wantLeaderboard()) {
			t.Errorf("%s: leaderboard columns\n got %v\nwant %v", what, res.Columns, wantLeaderboard())
		}
		if len(res.Rows) != 2 {
			t.Errorf("%s: %d rows, want 2", what, len(res.Rows))
		}
	}
	check("writable", db)
	db.Close()

	// An older build's view, without today's columns.
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`DROP VIEW leaderboard; CREATE VIEW leaderboard AS SELECT id AS trial FROM trials`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	ro, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	check("read-only on an old view", ro)
	ro.Close()
	rw, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()
	check("reopened writable", rw)
}
