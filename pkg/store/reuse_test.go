package store

import (
	"context"
	"testing"
)

// TestReuse_SameDataOnly: a planned trial whose key is done in another
// sweep of the same data is copied, not trained; of other data, it is not.
func TestReuse_SameDataOnly(t *testing.T) {
	db, _ := newTestDB(t)
	ctx := context.Background()
	a, _ := db.CreateSweep("a", "name: a\n", "ha")
	db.SetSweepInfo(a, []Param{{"data_id", "d1"}})
	trial := []NewTrial{{Key: "k1", Position: 0, Config: "c1", Model: "logreg", Seed: 7, Params: []Param{{"lr", 0.01}}}}
	if _, err := db.AddTrials(ctx, a, trial, "d1"); err != nil {
		t.Fatal(err)
	}
	c := mustClaim(t, db, a, NewOwner(), "k1")
	db.AddEpoch(c, 1, []Value{{"valid", "auc", 0.7}})
	db.FinishTrial(c, Outcome{Status: Done, Seconds: 2, BestEpoch: 1, Best: []Value{{"test", "auc", 0.69}},
		Checkpoint: []byte{9}, Extras: Extras{Scores: map[string][]float32{"test": {0.5}}}})

	for _, tc := range []struct {
		name, data string
		reused     int
		status     string
	}{{"b", "d1", 1, Done}, {"c", "d2", 0, Queued}, {"d", "", 0, Queued}} {
		id, _ := db.CreateSweep(tc.name, "name: "+tc.name+"\n", "h"+tc.name)
		db.SetSweepInfo(id, []Param{{"data_id", tc.data}})
		n, err := db.AddTrials(ctx, id, trial, tc.data)
		if err != nil || n != tc.reused {
			t.Fatalf("%s: reused %d, %v; want %d", tc.name, n, err, tc.reused)
		}
		res, err := db.Query(`SELECT t.status, coalesce(t.reused_from, ''), l.test_auc, t.best_epoch, length(t.checkpoint),
			(SELECT count(*) FROM epochs e WHERE e.trial = t.id), (SELECT count(*) FROM scores s WHERE s.trial = t.id)
			FROM trials t JOIN leaderboard l ON l.trial = t.id WHERE l.sweep = '` + tc.name + `'`)
		if err != nil {
			t.Fatal(err)
		}
		row := res.Rows[0]
		if row[0] != tc.status {
			t.Errorf("%s: status %v, want %s", tc.name, row[0], tc.status)
		}
		if tc.reused == 1 && (row[1] != "a" || row[2] != 0.69 || row[3] != int64(1) || row[4] != int64(1) || row[5] != int64(1) || row[6] != int64(1)) {
			t.Errorf("%s: reused record %v, want it copied from a", tc.name, row)
		}
	}
}
