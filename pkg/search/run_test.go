package search

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"sync"
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
	r := &Runner{train: func(ctx context.Context, ds *dataset.Dataset, p model.Params, cb model.Callback, cores model.Cores) (*model.Result, error) {
		if p.Model == "dot" && p.LR == 1e-2 {
			panic("boom in the attention layer")
		}
		return model.TrainOn(ctx, ds, p, cb, cores)
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
func fakeTrain(ctx context.Context, ds *dataset.Dataset, p model.Params, cb model.Callback, _ model.Cores) (*model.Result, error) {
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

// failingStore fails AddEpoch from its n-th call on, as a full disk or a
// lost database file would.
type failingStore struct {
	*store.DB
	mu    sync.Mutex
	calls int
	n     int
}

var errDiskGone = errors.New("disk I/O error")

func (f *failingStore) AddEpoch(c store.Claim, epoch int, values []store.Value) error {
	f.mu.Lock()
	f.calls++
	fail := f.calls >= f.n
	f.mu.Unlock()
	if fail {
		return errDiskGone
	}
	return f.DB.AddEpoch(c, epoch, values)
}

// A store failure mid-sweep stops the sweep with the error (no trial
// trains on with nowhere to write), keeps what was recorded, and a resume
// finishes the sweep with the same results as a run without the failure.
func TestRun_StoreFailureStopsAndResumeFinishes(t *testing.T) {
	spec, ds := loadRunSpec(t)
	want := runSweep(t, spec, ds, 1, nil)
	db, err := store.Open(filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fs := &failingStore{DB: db, n: 4}
	r := &Runner{Spec: spec, Data: ds, DB: fs, Workers: 1}
	_, err = r.Run(context.Background())
	if !errors.Is(err, errDiskGone) {
		t.Fatalf("Run = %v, want the store's error", err)
	}
	fs.mu.Lock()
	calls := fs.calls
	fs.mu.Unlock()
	if calls > fs.n+2 { // at most the other worker's epoch in flight
		t.Errorf("%d AddEpoch calls after the first failure at %d: trials went on training", calls, fs.n)
	}
	sw, _ := db.SweepByName(spec.Name)
	before, _ := db.Trials(sw.ID)
	done := 0
	for _, tr := range before {
		if tr.Status == store.Done {
			done++
		}
	}
	if done == 0 || done == len(want) {
		t.Fatalf("%d of %d trials done before the failure; the test wants some", done, len(want))
	}
	r = &Runner{Spec: spec, Data: ds, DB: db, Workers: 2}
	sum, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Ran != len(want)-done {
		t.Errorf("resume trained %d trials, want %d", sum.Ran, len(want)-done)
	}
	after, _ := db.Trials(sw.ID)
	for _, tr := range after {
		w := want[tr.Key]
		if tr.Status != store.Done || w == nil || tr.Best["test/auc"] != w.Best["test/auc"] {
			t.Errorf("trial %s: %s test auc %v, want done %v", tr.Key, tr.Status, tr.Best["test/auc"], w)
		}
	}
}

const tpeRunSpec = `name: tpe-run
data: {synthetic: {rows: 3000, seed: 5, history: 8}}
columns:
  sequences: [{column: hist_item, target: item_id, max_len: 8}]
models: [logreg, dot]
search: {method: tpe, trials: 10, seed: 11, startup: 2, batch: 3}
space:
  lr: {loguniform: [1.0e-3, 3.0e-2]}
  embed_dim: 4
  batch_size: 256
  hidden: [8]
train: {epochs: 2}
`

// runInto runs spec into db and returns the sweep's trials by key.
func runInto(t *testing.T, db *store.DB, spec *Spec, ds *dataset.Dataset, workers int) (*Summary, map[string]*store.Trial) {
	t.Helper()
	r := &Runner{Spec: spec, Data: ds, DB: db, Workers: workers}
	sum, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sw, err := db.SweepByName(spec.Name)
	if err != nil {
		t.Fatal(err)
	}
	trials, _ := db.Trials(sw.ID)
	out := map[string]*store.Trial{}
	for _, tr := range trials {
		out[tr.Key] = tr
	}
	return sum, out
}

// TPE proposes from finished results batch by batch, so its trials, keys
// and results are the same with 1 and 2 workers; running the spec again
// trains nothing; a renamed copy of it reuses every trial; raising repeats
// trains only the new seeds.
func TestRun_TPEDeterministicAndReused(t *testing.T) {
	spec, err := ParseSpec("tpe.yaml", []byte(tpeRunSpec))
	if err != nil {
		t.Fatal(err)
	}
	ds, err := spec.LoadData(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	db1, _ := store.Open(filepath.Join(t.TempDir(), "a.db"))
	defer db1.Close()
	db2, _ := store.Open(filepath.Join(t.TempDir(), "b.db"))
	defer db2.Close()
	sum1, one := runInto(t, db1, spec, ds, 1)
	_, two := runInto(t, db2, spec, ds, 2)
	if len(one) != 10 || sum1.Ran != 10 {
		t.Fatalf("%d trials, %d trained; want 10", len(one), sum1.Ran)
	}
	for key, a := range one {
		b := two[key]
		if b == nil || a.Status != store.Done || b.Status != store.Done || a.Best["test/auc"] != b.Best["test/auc"] || a.Position != b.Position {
			t.Fatalf("trial %s: %+v with 1 worker, %+v with 2", key, a, b)
		}
	}
	again, _ := runInto(t, db1, spec, ds, 2)
	if again.Ran != 0 || again.Skipped != 10 {
		t.Errorf("running the spec again trained %d (skipped %d), want 0 (10)", again.Ran, again.Skipped)
	}
	renamed, _ := ParseSpec("tpe.yaml", []byte(strings.Replace(tpeRunSpec, "name: tpe-run", "name: tpe-copy", 1)))
	sum, copied := runInto(t, db1, renamed, ds, 2)
	if sum.Ran != 0 || sum.Reused != 10 {
		t.Errorf("a renamed copy trained %d and reused %d, want 0 and 10", sum.Ran, sum.Reused)
	}
	for key, tr := range copied {
		if tr.Status != store.Done || tr.Best["test/auc"] != one[key].Best["test/auc"] {
			t.Errorf("reused trial %s: %s %v", key, tr.Status, tr.Best["test/auc"])
		}
	}
	more, _ := ParseSpec("tpe.yaml", []byte(strings.Replace(strings.Replace(tpeRunSpec, "name: tpe-run", "name: tpe-seeds", 1), "batch: 3}", "batch: 3, repeats: 2}", 1)))
	sum, seeds := runInto(t, db1, more, ds, 2)
	if len(seeds) != 20 || sum.Reused != 10 || sum.Ran != 10 {
		t.Errorf("repeats 2: %d trials, %d reused, %d trained; want 20, 10, 10", len(seeds), sum.Reused, sum.Ran)
	}
}

// A sweep refuses to go on over data files that changed since it started,
// naming the file; the same files (even rewritten to the same bytes) pass.
func TestRun_RefusesChangedData(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "clicks.parquet")
	gen := func(seed uint64) {
		if err := dataset.Generate(dataset.SynthConfig{Rows: 2000, Seed: seed, History: 4}, path); err != nil {
			t.Fatal(err)
		}
	}
	gen(1)
	spec, err := ParseSpec("files.yaml", []byte("name: files\ndata: {path: "+path+"}\nmodels: [logreg]\nspace: {batch_size: 256}\ntrain: {epochs: 1}\n"))
	if err != nil {
		t.Fatal(err)
	}
	db, _ := store.Open(filepath.Join(dir, "s.db"))
	defer db.Close()
	load := func() *dataset.Dataset {
		ds, err := spec.LoadData(dir)
		if err != nil {
			t.Fatal(err)
		}
		return ds
	}
	if _, err := (&Runner{Spec: spec, Data: load(), DB: db, Workers: 1}).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	gen(1) // the same bytes again, a new modification time
	if _, err := (&Runner{Spec: spec, Data: load(), DB: db, Workers: 1}).Run(context.Background()); err != nil {
		t.Fatalf("the same data rewritten: %v", err)
	}
	gen(2)
	_, err = (&Runner{Spec: spec, Data: load(), DB: db, Workers: 1}).Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "data file "+path) || !strings.Contains(err.Error(), "another name") {
		t.Fatalf("changed data: %v", err)
	}
}

// search.confirm runs each model's best configuration again with the seeds
// it lacks, once the search is over; its trials share the configuration's
// key scheme (repeats 2, 3 of the same config).
func TestRun_ConfirmTheBest(t *testing.T) {
	text := strings.Replace(tpeRunSpec, "batch: 3}", "batch: 3, confirm: 3}", 1)
	spec, err := ParseSpec("tpe.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	ds, err := spec.LoadData(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	db, _ := store.Open(filepath.Join(t.TempDir(), "a.db"))
	defer db.Close()
	sum, trials := runInto(t, db, spec, ds, 2)
	if len(trials) != 14 || sum.Ran != 14 || spec.Count() != 14 {
		t.Fatalf("%d trials, %d trained, Count %d; want 10 + 2 models × 2 seeds = 14", len(trials), sum.Ran, spec.Count())
	}
	byConfig := map[string][]*store.Trial{}
	for _, tr := range trials {
		byConfig[tr.Config] = append(byConfig[tr.Config], tr)
	}
	for _, m := range []string{"logreg", "dot"} {
		var best *store.Trial
		for _, tr := range trials {
			if tr.Model == m && tr.Repeat == 0 && (best == nil || tr.Best["valid/auc"] > best.Best["valid/auc"]) {
				best = tr
			}
		}
		seeds := byConfig[best.Config]
		if len(seeds) != 3 {
			t.Errorf("%s's best configuration has %d seeds, want 3", m, len(seeds))
		}
	}
	again, _ := runInto(t, db, spec, ds, 1)
	if again.Ran != 0 {
		t.Errorf("rerunning trained %d", again.Ran)
	}
}

// countingCores is a model.Cores that counts the extra cores it lent.
type countingCores struct {
	model.Cores
	mu   sync.Mutex
	lent int
}

func (c *countingCores) TryAcquire(n int) int {
	k := c.Cores.TryAcquire(n)
	c.mu.Lock()
	c.lent += k
	c.mu.Unlock()
	return k
}

// With fewer trials than workers, the spare workers' cores go to the
// running trials (model.TrainOn: batches of 1,024 rows are cut into 4
// slices), and the trials give the same results and weights as with one
// worker.
func TestRun_SpareCoresGoToRunningTrials(t *testing.T) {
	spec, err := ParseSpec("spare.yaml", []byte(`name: spare
data: {synthetic: {rows: 3000, seed: 5, history: 8}}
models: [dnn]
search: {seed: 11}
space:
  lr: [3.0e-3, 1.0e-2]
  embed_dim: 4
  batch_size: 1024
  hidden: [16]
  batch_norm: true
  dropout: 0.2
train: {epochs: 2}
`))
	if err != nil {
		t.Fatal(err)
	}
	ds, err := spec.LoadData(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	run := func(workers int) (map[string]*store.Trial, map[float64][]byte, int) {
		var mu sync.Mutex
		weights := map[float64][]byte{}
		lent := 0
		r := &Runner{train: func(ctx context.Context, ds *dataset.Dataset, p model.Params, cb model.Callback, cores model.Cores) (*model.Result, error) {
			cc := &countingCores{Cores: cores}
			res, err := model.TrainOn(ctx, ds, p, cb, cc)
			mu.Lock()
			defer mu.Unlock()
			lent += cc.lent
			if res != nil {
				weights[p.LR] = res.Checkpoint
			}
			return res, err
		}}
		return runSweep(t, spec, ds, workers, r), weights, lent
	}
	one, w1, lent1 := run(1)
	four, w4, lent4 := run(4)
	if len(one) != 2 || len(four) != 2 {
		t.Fatalf("trials: %d and %d, want 2", len(one), len(four))
	}
	if lent1 != 0 || lent4 == 0 {
		t.Errorf("cores lent: %d with 1 worker (want 0), %d with 4 (want some)", lent1, lent4)
	}
	for key, a := range one {
		b := four[key]
		if b == nil || a.Status != store.Done || b.Status != store.Done {
			t.Fatalf("trial %s: %v / %v", key, a, b)
		}
		for m, v := range a.Best {
			if b.Best[m] != v && !(math.IsNaN(v) && math.IsNaN(b.Best[m])) {
				t.Errorf("trial %s %s: %v with 1 worker, %v with 4", key, m, v, b.Best[m])
			}
		}
	}
	for lr, w := range w1 {
		if len(w) == 0 || string(w) != string(w4[lr]) {
			t.Errorf("lr %g: the weights with 4 workers differ from 1 worker's", lr)
		}
	}
}
