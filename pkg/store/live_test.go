package store

import (
	"context"
	"fmt"
	"reflect"
	"testing"
)

// The live reads follow a sweep as it runs: Version changes with claims and
// finishes but not with epochs; Running lists the claimed trial with its
// parameters; Activities counts, times and averages.
func TestLiveReads(t *testing.T) {
	db, _ := newTestDB(t)
	sweep := fill(t, db)
	v0, err := db.Version(sweep)
	if err != nil {
		t.Fatal(err)
	}
	c := mustClaim(t, db, sweep, NewOwner(), "k1")
	v1, _ := db.Version(sweep)
	if v1 == v0 {
		t.Fatal("a claim left the version as it was")
	}
	if err := db.AddEpoch(c, 1, []Value{{"valid", "auc", 0.7}}); err != nil {
		t.Fatal(err)
	}
	if v, _ := db.Version(sweep); v != v1 {
		t.Fatalf("an epoch changed the version: %q → %q", v1, v)
	}
	running, err := db.Running(sweep)
	if err != nil || len(running) != 1 || running[0].Key != "k1" || running[0].Params["optimizer"] != "adam" ||
		running[0].Heartbeat == "" || running[0].Attempts != 1 {
		t.Fatalf("running: %+v %v", running, err)
	}
	if err := db.FinishTrial(c, Outcome{Status: Done, Seconds: 3, BestEpoch: 1, Best: []Value{{"valid", "auc", 0.7}}}); err != nil {
		t.Fatal(err)
	}
	if v, _ := db.Version(sweep); v == v1 {
		t.Fatal("a finish left the version as it was")
	}
	if _, err := db.CreateSweep("empty", "name: empty\n", "h0"); err != nil {
		t.Fatal(err)
	}
	acts, err := db.Activities()
	if err != nil || len(acts) != 2 {
		t.Fatalf("activities: %+v %v", acts, err)
	}
	a := acts[0]
	if a.Name != "s1" || !reflect.DeepEqual(a.Counts, map[string]int{"done": 1, "queued": 1}) || a.Finished != 1 ||
		a.MeanSeconds != 3 || a.FirstStart == "" || a.LastFinish < a.FirstStart || a.LastBeat != "" {
		t.Errorf("s1: %+v", a)
	}
	if e := acts[1]; e.Name != "empty" || len(e.Counts) != 0 || e.FirstStart != "" {
		t.Errorf("empty: %+v", e)
	}
}

// TrialRows reads what Trials reads, keeping only the named best-epoch
// metrics of valid and test.
func TestTrialRows(t *testing.T) {
	db, _ := newTestDB(t)
	sweep := fill(t, db)
	c := mustClaim(t, db, sweep, NewOwner(), "k1")
	best := []Value{{"train", "auc", 0.8}, {"valid", "auc", 0.7}, {"valid", "f1", 0.3}, {"test", "auc", 0.69}, {"test", "logloss", 0.5}}
	if err := db.FinishTrial(c, Outcome{Status: Done, Best: best, Before: []Value{{"test", "auc", 0.5}}}); err != nil {
		t.Fatal(err)
	}
	all, err := db.Trials(sweep)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.TrialRows(sweep, []string{"auc", "logloss"})
	if err != nil || len(rows) != len(all) {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	want := map[string]float64{"valid/auc": 0.7, "test/auc": 0.69, "test/logloss": 0.5}
	if !reflect.DeepEqual(rows[0].Best, want) || len(rows[0].Before) != 0 {
		t.Errorf("best %v before %v, want %v", rows[0].Best, rows[0].Before, want)
	}
	rows[0].Best, rows[0].Before = all[0].Best, all[0].Before
	for i := range all {
		if !reflect.DeepEqual(rows[i], all[i]) {
			t.Errorf("trial %d: %+v, Trials %+v", i, rows[i], all[i])
		}
	}
}

// A trial id wins over keys that start with its digits.
func TestTrialByRef_IDBeforeKeyPrefix(t *testing.T) {
	db, _ := newTestDB(t)
	id, err := db.CreateSweep("s", "name: s\n", "h")
	if err != nil {
		t.Fatal(err)
	}
	var trials []NewTrial
	for i := range 3 {
		trials = append(trials, NewTrial{Key: fmt.Sprintf("3%03d", i), Position: i, Config: "c", Model: "logreg"})
	}
	if _, err := db.AddTrials(context.Background(), id, trials, ""); err != nil {
		t.Fatal(err)
	}
	tr, _, err := db.TrialByRef("3")
	if err != nil || tr.ID != 3 || tr.Key != "3002" {
		t.Fatalf("ref 3: %+v %v", tr, err)
	}
	if _, _, err := db.TrialByRef("30"); err == nil {
		t.Fatal("an ambiguous key prefix was accepted")
	}
}
