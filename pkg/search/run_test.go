package search

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attnsweep/attnsweep/pkg/dataset"
	"github.com/attnsweep/attnsweep/pkg/model"
	"github.com/attnsweep/attnsweep/pkg/store"
)

const runSpec = `name: det
data: {synthetic: {rows: 3000, seed: 5, history: 8}}
columns:
  sequences: [{column: hist_item, target: item_id, max_len: 8}]
models: [logreg, dot]
search: {seed: 11}
space:
  lr: [3.0e-3, 1.0e-2]
  embed_dim: 4
  batch_size: 128
  hidden: [8]
train: {epochs: 2}
`

// runSweep runs the spec into a fresh database and returns its trials by key.
func runSweep(t *testing.T, spec *Spec, ds *dataset.Dataset, workers int, r *Runner) map[string]*store.Trial {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if r == nil {
		r = &Runner{}
	}
	r.Spec, r.Data, r.DB, r.Workers = spec, ds, db, workers
	if _, err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	sw, err := db.SweepByName(spec.Name)
	if err != nil {
		t.Fatal(err)
	}
	trials, err := db.Trials(sw.ID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*store.Trial{}
	for _, tr := range trials {
		out[tr.Key] = tr
	}
	return out
}

func loadRunSpec(t *testing.T) (*Spec, *dataset.Dataset) {
	t.Helper()
	spec, err := ParseSpec("det.yaml", []byte(runSpec))
	if err != nil {
		t.Fatal(err)
	}
	ds, err := spec.LoadData(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return spec, ds
}

// A trial's result must not depend on the worker count.
func TestRun_SameMetricsForAnyWorkerCount(t *testing.T) {
	spec, ds := loadRunSpec(t)
	one := runSweep(t, spec, ds, 1, nil)
	two := runSweep(t, spec, ds, 2, nil)
	if len(one) != 4 || len(two) != 4 {
		t.Fatalf("trials: %d and %d, want 4", len(one), len(two))
	}
	for key, a := range one {
		b := two[key]
		if b == nil || a.Status != store.Done || b.Status != store.Done {
			t.Fatalf("trial %s: %v / %v", key, a, b)
		}
		for _, m := range []string{"valid/auc", "test/auc", "test/logloss", "train/logloss"} {
			if a.Best[m] != b.Best[m] {
				t.Errorf("trial %s %s: %v with 1 worker, %v with 2", key, m, a.Best[m], b.Best[m])
			}
		}
	}
}

// A trial that panics is recorded as failed with its message; the others finish.
func TestRun_PanicFailsOneTrial(t *testing.T) {
	spec, ds := loadRunSpec(t)
	r := &Runner{train: func(ctx context.Context, ds *dataset.Dataset, p model.Params, cb model.Callback) (*model.Result, error) {
		if p.Model == "dot" && p.LR == 1e-2 {
			panic("boom in the attention layer")
		}
		return model.Train(ctx, ds, p, cb)
	}}
	trials := runSweep(t, spec, ds, 2, r)
	failed := 0
	for _, tr := range trials {
		switch tr.Status {
		case store.Failed:
			failed++
			if !strings.Contains(tr.Error, "boom in the attention layer") {
				t.Errorf("failed trial error = %q", tr.Error)
			}
		case store.Done:
		default:
			t.Errorf("trial %s status %s", tr.Key, tr.Status)
		}
	}
	if failed != 1 {
		t.Fatalf("%d failed trials, want 1", failed)
	}
}

// fakeTrain reports a made-up curve: valid AUC rises with the epoch at a rate
// set by the learning rate, so rung decisions are known in advance.
func fakeTrain(ctx context.Context, ds *dataset.Dataset, p model.Params, cb model.Callback) (*model.Result, error) {
	res := &model.Result{Final: map[string]model.Metrics{}}
	for e := 1; e <= p.Epochs; e++ {
		ep := model.Epoch{Epoch: e, Valid: model.Metrics{AUC: 0.5 + p.LR*float64(e)}}
		res.Epochs = append(res.Epochs, ep)
		res.BestEpoch = e
		res.Final["valid"] = ep.Valid
		if !cb(ep) {
			res.Stopped = true
			break
		}
	}
	return res, nil
}

func TestRun_ASHAPrunesTheSameTrialsForAnyWorkerCount(t *testing.T) {
	spec, err := ParseSpec("asha.yaml", []byte(`name: asha
data: {synthetic: {rows: 500, seed: 5, history: 4}}
models: [logreg]
search: {method: random, trials: 12, seed: 3, scheduler: {name: asha, min_epochs: 1, reduction: 3}}
space: {lr: {uniform: [0.001, 0.05]}}
train: {epochs: 9}
`))
	if err != nil {
		t.Fatal(err)
	}
	ds, err := spec.LoadData(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var runs []map[string]*store.Trial
	for _, w := range []int{1, 2, 3} {
		runs = append(runs, runSweep(t, spec, ds, w, &Runner{train: fakeTrain}))
	}
	pruned, bestLR, bestKey := 0, 0.0, ""
	for key, tr := range runs[0] {
		if tr.Status == store.Pruned {
			pruned++
		}
		if lr := tr.Params["lr"].(float64); lr > bestLR {
			bestLR, bestKey = lr, key
		}
		for i, other := range runs[1:] {
			if other[key].Status != tr.Status {
				t.Errorf("trial %s: %s with 1 worker, %s with %d", key, tr.Status, other[key].Status, i+2)
			}
		}
	}
	if pruned == 0 || pruned == len(runs[0]) {
		t.Fatalf("%d of %d trials pruned", pruned, len(runs[0]))
	}
	if runs[0][bestKey].Status != store.Done {
		t.Fatalf("the best trial (lr %g) was %s", bestLR, runs[0][bestKey].Status)
	}
}

func TestQuintileBuckets(t *testing.T) {
	counts := []int32{1, 1, 2, 3, 5, 8, 13, 21, 34, 55}
	got := quintileBuckets(counts)
	want := []bucket{{"1-2", 1, 2}, {"3-5", 3, 5}, {"6-13", 6, 13}, {"14-34", 14, 34}, {"35-55", 35, 55}}
	if len(got) != len(want) {
		t.Fatalf("buckets = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("buckets = %v, want %v", got, want)
		}
	}
	// Every count falls in exactly one bucket.
	for _, c := range counts {
		n := 0
		for _, b := range got {
			if int(c) >= b.lo && int(c) <= b.hi {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("count %d in %d buckets", c, n)
		}
	}
	if b := quintileBuckets([]int32{7, 7, 7}); len(b) != 1 || b[0].name != "7" {
		t.Fatalf("constant counts: %v", b)
	}
}

// TestValidByEpoch: a stored curve (any order, other splits and metrics
// mixed in) gives each epoch's valid AUC and logloss, so that resuming an
// ASHA sweep can recompute any objective, the derived auc-logloss included.
func TestValidByEpoch(t *testing.T) {
	curve := []store.CurvePoint{
		{Epoch: 2, Split: "valid", Metric: "logloss", Value: 0.4},
		{Epoch: 1, Split: "train", Metric: "loss", Value: 0.9},
		{Epoch: 1, Split: "valid", Metric: "auc", Value: 0.7},
		{Epoch: 2, Split: "valid", Metric: "auc", Value: 0.8},
		{Epoch: 1, Split: "valid", Metric: "logloss", Value: 0.5},
	}
	got := validByEpoch(curve)
	if len(got) != 2 || got[0].epoch != 1 || got[1].epoch != 2 {
		t.Fatalf("epochs %+v", got)
	}
	o := ObjectiveSpec{Metric: "auc-logloss"}.metric()
	if v := o.Value(got[0].m); math.Abs(v-0.2) > 1e-12 {
		t.Errorf("epoch 1 auc-logloss %v, want 0.2", v)
	}
	if v := o.Value(got[1].m); math.Abs(v-0.4) > 1e-12 {
		t.Errorf("epoch 2 auc-logloss %v, want 0.4", v)
	}
	if v := (ObjectiveSpec{Metric: "logloss"}).metric().Value(got[1].m); v != 0.4 {
		t.Errorf("epoch 2 logloss %v, want 0.4", v)
	}
}
