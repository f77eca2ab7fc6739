package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/attnsweep/attnsweep/pkg/dataset"
	"github.com/attnsweep/attnsweep/pkg/model"
	"github.com/attnsweep/attnsweep/pkg/store"
)

// TestPredict_ReproducesTestAUC runs a tiny sweep in-process on split files,
// scores its test file with `sweep predict` (the file encoded with the
// training vocabularies) and checks that the written scores give exactly the
// trial's stored test AUC, row for row in file order.
func TestPredict_ReproducesTestAUC(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	files := map[string]string{}
	for i, split := range []string{"train", "valid", "test"} {
		files[split] = filepath.Join(dir, split+".parquet")
		rows := []int{2000, 500, 500}[i]
		if err := dataset.Generate(dataset.SynthConfig{Rows: rows, Seed: uint64(10 + i), History: 5}, files[split]); err != nil {
			t.Fatal(err)
		}
	}
	spec := filepath.Join(dir, "tiny.yaml")
	os.WriteFile(spec, []byte(`name: tiny
data: {train: `+files["train"]+`, valid: `+files["valid"]+`, test: `+files["test"]+`}
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
	code, stdout, stderr := sweepCmd(t, "predict", "--sweep", "tiny", "--trial", "best", "--data", files["test"], "--out", out, "--db", db)
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
	best, err := store.FindTrial(trials, "best", sw.Objective())
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

	// Every trial by its key (dot reads the encoded histories too).
	for _, tr := range trials {
		o := filepath.Join(dir, tr.Key+".parquet")
		if code, _, stderr := sweepCmd(t, "predict", "--sweep", "tiny", "--trial", tr.Key, "--data", files["test"], "--out", o, "--db", db); code != 0 {
			t.Fatalf("predict %s: %s", tr.Model, stderr)
		}
		rs, err := parquet.ReadFile[scoreRow](o)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rs {
			scores[i], labels[i] = r.Score, r.Label
		}
		if want, _ := tr.Metric("test", "auc"); model.AUC(scores, labels) != want {
			t.Errorf("%s: predicted test AUC %v, stored %v", tr.Model, model.AUC(scores, labels), want)
		}
	}

	// The sweep's own test split gives the same scores as its encoded file.
	out2 := filepath.Join(dir, "split.parquet")
	if code, _, stderr := sweepCmd(t, "predict", "--sweep", "tiny", "--trial", best.Key, "--data", "test", "--out", out2, "--db", db); code != 0 {
		t.Fatalf("predict by key: %s", stderr)
	}
	rows2, err := parquet.ReadFile[scoreRow](out2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows2 {
		if rows2[i].Score != rows[i].Score || rows2[i].Label != rows[i].Label {
			t.Fatalf("row %d: test split %+v, encoded test file %+v", i, rows2[i], rows[i])
		}
	}
	// Errors name what is wrong.
	code, _, stderr = sweepCmd(t, "predict", "--sweep", "tiny", "--trial", "999", "--data", "test", "--out", out, "--db", db)
	wantOneLineError(t, code, stderr, `no trial "999"`)
	code, _, stderr = sweepCmd(t, "predict", "--sweep", "tiny", "--trial", "best", "--data", filepath.Join(dir, "other.parquet"), "--out", out, "--db", db)
	wantOneLineError(t, code, stderr, "other.parquet")
	code, _, stderr = sweepCmd(t, "predict", "--sweep", "tiny", "--trial", "best", "--out", out, "--db", db)
	wantOneLineError(t, code, stderr, "--data is required")
}
