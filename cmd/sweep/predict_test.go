package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/attnsweep/attnsweep/pkg/model"
	"github.com/attnsweep/attnsweep/pkg/store"
)

// TestPredict_ReproducesTestAUC runs a tiny sweep in-process, scores its
// test split with `sweep predict` and checks that the written scores give
// exactly the trial's stored test AUC, row for row in split order.
func TestPredict_ReproducesTestAUC(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	spec := filepath.Join(dir, "tiny.yaml")
	os.WriteFile(spec, []byte(`name: tiny
data: {synthetic: {rows: 3000, seed: 2, history: 5}}
columns:
  sequences: [{column: hist_item, target: item_id, max_len: 5}]
  group: user_id
models: [logreg, dot]
space: {lr: [0.05], batch_size: 256, optimizer: adam, embed_dim: 4, hidden: [8]}
train: {epochs: 2}
`), 0o644)
	if code, _, stderr := sweepCmd(t, "run", spec, "--db", db, "--workers", "1"); code != 0 {
		t.Fatalf("run failed: %s", stderr)
	}
	out := filepath.Join(dir, "scores.parquet")
	code, stdout, stderr := sweepCmd(t, "predict", "--sweep", "tiny", "--trial", "best", "--data", "test", "--out", out, "--db", db)
	if code != 0 {
		t.Fatalf("predict: %s", stderr)
	}
	type scoreRow struct {
		Label float32 `parquet:"label"`
		User  int32   `parquet:"user_id"`
		Score float32 `parquet:"score"`
	}
	rows, err := parquet.ReadFile[scoreRow](out)
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.OpenReadOnly(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sw, err := s.SweepByName("tiny")
	if err != nil {
		t.Fatal(err)
	}
	trials, err := s.Trials(sw.ID)
	if err != nil {
		t.Fatal(err)
	}
	best, err := pickTrial(trials, "best")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := best.Metric("test", "auc")
	n, _ := best.Metric("test", "n")
	scores, labels := make([]float32, len(rows)), make([]float32, len(rows))
	for i, r := range rows {
		scores[i], labels[i] = r.Score, r.Label
	}
	if got := model.AUC(scores, labels); len(rows) != int(n) || got != want {
		t.Errorf("predicted %d rows with AUC %v; trial %d (%s) has %v test rows, test AUC %v", len(rows), got, best.ID, best.Model, n, want)
	}
	t.Log(stdout)
	if !strings.Contains(stdout, "scored") {
		t.Errorf("stdout %q", stdout)
	}
	for _, tr := range trials {
		if v, _ := tr.Metric("valid", "auc"); v > func() float64 { b, _ := best.Metric("valid", "auc"); return b }() {
			t.Errorf("trial %d has a higher valid AUC than the one picked as best", tr.ID)
		}
	}

	// By trial key, on the valid split.
	if code, _, stderr := sweepCmd(t, "predict", "--sweep", "tiny", "--trial", trials[0].Key, "--data", "valid", "--out", out, "--db", db); code != 0 {
		t.Fatalf("predict by key: %s", stderr)
	}
	// Errors name what is wrong.
	code, _, stderr = sweepCmd(t, "predict", "--sweep", "tiny", "--trial", "999", "--data", "test", "--out", out, "--db", db)
	wantOneLineError(t, code, stderr, `no trial "999"`)
	code, _, stderr = sweepCmd(t, "predict", "--sweep", "tiny", "--trial", "best", "--data", filepath.Join(dir, "other.parquet"), "--out", out, "--db", db)
	wantOneLineError(t, code, stderr, "is not a split file of sweep tiny")
	code, _, stderr = sweepCmd(t, "predict", "--sweep", "tiny", "--trial", "best", "--out", out, "--db", db)
	wantOneLineError(t, code, stderr, "--data is required")
}
