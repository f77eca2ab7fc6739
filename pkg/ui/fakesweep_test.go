package ui

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/attnsweep/attnsweep/pkg/store"
)

// fakeSweep writes a sweep of n trials through the store's API, with what
// a real sweep stores for each (parameters, a learning curve, final metrics
// before and after training, test scores, per-group metrics, calibration,
// attention weights of attention models, a checkpoint): a stand-in for a
// long sweep whose numbers do not matter, only their amount. The last
// running trials are left running with two epochs, and queued ones after
// them.
type fakeSweep struct {
	name             string
	trials           int
	running, queued  int
	testRows, epochs int
	seed             uint64
}

var fakeModels = []string{"logreg", "fm", "dot", "din"}

func (f fakeSweep) write(db *store.DB) error {
	rng := rand.New(rand.NewPCG(f.seed, 1))
	id, err := db.CreateSweep(f.name, "name: "+f.name+"\nmodels: [logreg, fm, dot, din]\nsearch: {method: random, trials: "+fmt.Sprint(f.trials)+"}\n", "hash-"+f.name)
	if err != nil {
		return err
	}
	labels := make([]float32, f.testRows)
	for i := range labels {
		labels[i] = float32(rng.IntN(2))
	}
	info := []store.Param{{Name: "test_rows", Value: f.testRows}, {Name: "train_rows", Value: 10 * f.testRows},
		{Name: "valid_rows", Value: f.testRows}, {Name: "objective_metric", Value: "auc"}, {Name: "test_bayes_auc", Value: 0.8}}
	if err := db.SetSweepInfo(id, info); err != nil {
		return err
	}
	if err := db.SetSweepArray(id, "test_label", store.Float32Blob(labels)); err != nil {
		return err
	}
	planned := make([]store.NewTrial, f.trials)
	for i := range planned {
		m := fakeModels[i%len(fakeModels)]
		params := []store.Param{{Name: "batch_size", Value: []int{256, 1024}[rng.IntN(2)]},
			{Name: "embed_dim", Value: []int{8, 16, 32}[rng.IntN(3)]},
			{Name: "lr", Value: math.Exp(math.Log(1e-4) + rng.Float64()*math.Log(1e3))},
			{Name: "optimizer", Value: []string{"adam", "adagrad"}[rng.IntN(2)]}}
		if m == "dot" || m == "din" {
			params = append(params, store.Param{Name: "hidden", Value: [][]int{{64}, {64, 32}}[rng.IntN(2)]})
		}
		planned[i] = store.NewTrial{Key: fmt.Sprintf("%s%06d", f.name, i), Position: i, Config: fmt.Sprintf("c%d", i),
			Model: m, Seed: uint64(i), Params: params}
	}
	if _, err := db.AddTrials(context.Background(), id, planned, ""); err != nil {
		return err
	}
	owner := store.NewOwner()
	for i := 0; i < f.trials-f.queued; i++ {
		c, err := db.ClaimNext(id, owner, store.DefaultLease, store.ClaimFilter{})
		if err != nil {
			return err
		}
		quality := rng.Float64()
		running := i >= f.trials-f.queued-f.running
		epochs := f.epochs
		if running {
			epochs = 2
		}
		for e := 1; e <= epochs; e++ {
			if err := db.AddEpoch(*c, e, fakeEpoch(quality, e)); err != nil {
				return err
			}
		}
		if !running {
			if err := db.FinishTrial(*c, fakeOutcome(rng, quality, labels, planned[i].Model, f.epochs)); err != nil {
				return err
			}
		}
	}
	return nil
}

// fakeEpoch is one epoch's curve values of a trial whose AUC tends to
// 0.6 + 0.2·quality.
func fakeEpoch(quality float64, e int) []store.Value {
	auc := 0.6 + 0.2*quality*(1-math.Exp(-float64(e)))
	return []store.Value{{Split: "train", Metric: "loss", Value: 0.7 - 0.1*quality*float64(e)/5},
		{Split: "train", Metric: "lr", Value: 1e-3}, {Split: "train", Metric: "seconds", Value: 1},
		{Split: "valid", Metric: "auc", Value: auc}, {Split: "valid", Metric: "logloss", Value: 0.7 - auc/4}}
}

func fakeOutcome(rng *rand.Rand, quality float64, labels []float32, m string, epochs int) store.Outcome {
	o := store.Outcome{Status: store.Done, Seconds: 10 + 5*rng.Float64(), BestEpoch: epochs, Checkpoint: make([]byte, 4096)}
	switch r := rng.IntN(50); {
	case r == 0:
		return store.Outcome{Status: store.Failed, Error: "loss became NaN at epoch 2", Seconds: 3}
	case r < 10:
		o.Status, o.BestEpoch = store.Pruned, 1
	}
	for _, split := range []string{"train", "valid", "test"} {
		auc := 0.6 + 0.2*quality + 0.01*rng.Float64()
		for name, v := range map[string]float64{"auc": auc, "logloss": 0.7 - auc/4, "gauc": auc - 0.02, "accuracy": 0.7,
			"f1": 0.3, "precision": 0.5, "recall": 0.2, "mean_pred": 0.2, "mean_label": 0.2, "n": float64(len(labels))} {
			o.Best = append(o.Best, store.Value{Split: split, Metric: name, Value: v})
			o.Before = append(o.Before, store.Value{Split: split, Metric: name, Value: v * 0.8})
		}
	}
	scores := make([]float32, len(labels))
	for i, l := range labels {
		scores[i] = float32(0.5*rng.Float64() + 0.4*quality*float64(l))
	}
	o.Scores = map[string][]float32{"test": scores}
	for g, grouping := range []string{"history_length", "group_train_rows"} {
		for b, bucket := range []string{"0", "1-5", "6-10", "11-20", "21+"} {
			o.Groups = append(o.Groups, store.GroupMetric{Split: "test", Grouping: grouping, Bucket: bucket, Position: b,
				N: 100, Positives: 20, AUC: 0.6 + 0.05*float64(b+g)*quality, GAUC: 0.6, LogLoss: 0.5, MeanPred: 0.2, MeanLabel: 0.2})
		}
	}
	for b := range 10 {
		p := float64(b)/10 + 0.05
		o.Calibration = append(o.Calibration, store.CalibrationBucket{Split: "test", Bucket: b, N: len(labels) / 10,
			MeanPred: p, MeanLabel: p * (0.9 + 0.2*rng.Float64())})
	}
	if m == "dot" || m == "din" {
		for s := range 8 {
			w := []float32{0.4, 0.3, 0.1, 0.1, 0.05, 0.05}
			o.Attention = append(o.Attention, store.AttentionRow{Row: int32(s), Label: float64(s % 2), Score: 0.3,
				Target: 7, Items: []int32{7, 3, 9, 11, 2, 5}, Weights: [][]float32{w}})
		}
	}
	return o
}

// fakeDB returns the path of a database holding fs, written once into
// $TMPDIR/attnsweep-bench/ and reused (it takes a while for 10,000 trials).
func fakeDB(tb testing.TB, fs fakeSweep) string {
	tb.Helper()
	dir := filepath.Join(os.TempDir(), "attnsweep-bench")
	path := filepath.Join(dir, fmt.Sprintf("ui-%s-%d-%d-%d-v1.db", fs.name, fs.trials, fs.running, fs.queued))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	tmp := path + ".tmp"
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(tmp + suffix)
	}
	db, err := store.Open(tmp)
	if err != nil {
		tb.Fatal(err)
	}
	if err := fs.write(db); err != nil {
		db.Close()
		tb.Fatal(err)
	}
	if err := db.Close(); err != nil { // the last close checkpoints the WAL into the file
		tb.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		tb.Fatal(err)
	}
	return path
}
