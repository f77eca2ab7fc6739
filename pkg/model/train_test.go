package model

import (
	"bytes"
	"context"
	"errors"
	"math"
	"reflect"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// testData is one synthetic data set shared by the training tests (read
// only, like the real one).
var testData = sync.OnceValue(func() *dataset.Dataset {
	return synth(synthConfig{Rows: 20000, Items: 200, Clusters: 10, Seed: 1})
})

// smallParams train fast on testData.
func smallParams(model string) Params {
	return Params{Model: model, EmbedDim: 8, Hidden: []int{32, 16}, BatchSize: 256, LR: 1e-2, Epochs: 8, Seed: 42}
}

// TestTrain_DotBeatsLogReg is the accuracy test: on data whose clicks depend
// on the similarity between the candidate and the history, attention must
// clearly beat a sum of per-id weights.
func TestTrain_DotBeatsLogReg(t *testing.T) {
	ds := testData()
	auc := map[string]float64{}
	for _, m := range []string{"logreg", "meanpool", "dot"} {
		res, err := Train(context.Background(), ds, smallParams(m), nil)
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		f := res.Final["test"]
		auc[m] = f.AUC
		t.Logf("%-6s test AUC %.4f logloss %.4f (untrained %.4f), best epoch %d of %d",
			m, f.AUC, f.LogLoss, res.Before["test"].AUC, res.BestEpoch, len(res.Epochs))
	}
	t.Logf("Bayes test AUC (true p) %.4f", bayesAUC(ds, ds.Test))
	if auc["logreg"] < 0.55 {
		t.Errorf("logreg test AUC %.4f: it learns nothing", auc["logreg"])
	}
	if auc["dot"] < auc["logreg"]+0.05 {
		t.Errorf("dot test AUC %.4f does not clearly beat logreg %.4f", auc["dot"], auc["logreg"])
	}
}

// TestTrain_Deterministic: the same params and seed give bit-identical
// checkpoints, metrics, test scores and attention samples, for every model
// (with dropout and BatchNorm on, so that their randomness and running
// statistics are covered); another seed gives other weights.
func TestTrain_Deterministic(t *testing.T) {
	ds := synth(synthConfig{Rows: 1500, Seed: 2})
	for _, m := range Models() {
		p := smallParams(m)
		p.Epochs = 2
		p.Hidden = []int{16}
		p.Dropout, p.BatchNorm = 0.2, true
		p.AttentionDim, p.Layers = 8, 1
		run := func(p Params) *Result {
			res, err := Train(context.Background(), ds, p, nil)
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		a, b := run(p), run(p)
		if !bytes.Equal(a.Checkpoint, b.Checkpoint) {
			t.Errorf("%s: two runs with one seed gave different checkpoints", m)
		}
		for _, s := range dataset.SplitNames {
			if !sameMetrics(a.Final[s], b.Final[s]) {
				t.Errorf("%s: %s: %+v vs %+v", m, s, a.Final[s], b.Final[s])
			}
		}
		for i := range a.Epochs {
			if a.Epochs[i].TrainLoss != b.Epochs[i].TrainLoss {
				t.Errorf("%s: epoch %d: train loss %v vs %v", m, i+1, a.Epochs[i].TrainLoss, b.Epochs[i].TrainLoss)
			}
		}
		if !slices.Equal(a.TestScores, b.TestScores) || !reflect.DeepEqual(a.Attention, b.Attention) {
			t.Errorf("%s: test scores or attention samples differ", m)
		}
		p.Seed++
		if c := run(p); bytes.Equal(a.Checkpoint, c.Checkpoint) {
			t.Errorf("%s: another seed gave the same checkpoint", m)
		}
	}
}

// TestTrain_ScoresAndAttention: TestScores are the test split's scores in
// order (they reproduce Final["test"]), and Attention samples the first
// validation rows with a history, for the models with attention only.
func TestTrain_ScoresAndAttention(t *testing.T) {
	ds := synth(synthConfig{Rows: 1500, Seed: 14})
	var want []int32
	for _, r := range ds.Valid {
		if ds.Seq[0].Len[r] > 0 && len(want) < 8 {
			want = append(want, r)
		}
	}
	for _, m := range Models() {
		p := smallParams(m)
		p.Epochs = 1
		p.AttentionDim, p.Layers = 8, 2
		res, err := Train(context.Background(), ds, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.TestScores) != len(ds.Test) {
			t.Fatalf("%s: %d test scores, %d test rows", m, len(res.TestScores), len(ds.Test))
		}
		labels := make([]float32, len(ds.Test))
		for i, r := range ds.Test {
			labels[i] = ds.Label[r]
		}
		if got := AUC(res.TestScores, labels); got != res.Final["test"].AUC {
			t.Errorf("%s: AUC of TestScores %v, Final test AUC %v", m, got, res.Final["test"].AUC)
		}
		f := res.Final["test"]
		if math.IsNaN(f.GAUC) || len(f.Calibration) != 10 || math.IsNaN(f.Accuracy) || f.MeanLabel == 0 {
			t.Errorf("%s: final test metrics incomplete: %+v", m, f)
		}
		if res.Epochs[0].Valid.Calibration != nil {
			t.Errorf("%s: epoch metrics carry a calibration table", m)
		}
		switch m {
		case "dot", "din", "bst", "autoint", "autoint+":
			if len(res.Attention) != 8 {
				t.Fatalf("%s: %d attention samples, want 8", m, len(res.Attention))
			}
			for k, a := range res.Attention {
				if a.Row != want[k] || a.Label != ds.Label[a.Row] || len(a.Weights) == 0 {
					t.Errorf("%s: sample %d is row %d (want %d) with %d weight rows", m, k, a.Row, want[k], len(a.Weights))
				}
				if m == "dot" || m == "din" || m == "bst" {
					if !slices.Equal(a.Items, ds.Seq[0].IDs[int(a.Row)*ds.Seq[0].MaxLen:int(a.Row)*ds.Seq[0].MaxLen+len(a.Items)]) ||
						len(a.Items) != int(ds.Seq[0].Len[a.Row]) {
						t.Errorf("%s: sample %d items %v are not the row's history", m, k, a.Items)
					}
				}
				if m == "dot" || m == "bst" || m == "autoint" || m == "autoint+" { // softmax weights
					for h, w := range a.Weights {
						var s float32
						for _, v := range w {
							s += v
						}
						if math.Abs(float64(s)-1) > 1e-4 {
							t.Errorf("%s: sample %d head %d: weights sum to %v", m, k, h, s)
						}
					}
				}
			}
		default:
			if res.Attention != nil {
				t.Errorf("%s has no attention, got %d samples", m, len(res.Attention))
			}
		}
	}
}

// TestTrain_Protocol checks the bookkeeping of early stopping and LR decay
// on a run long enough to stop by itself.
func TestTrain_Protocol(t *testing.T) {
	ds := synth(synthConfig{Rows: 3000, Seed: 4})
	for _, mon := range Monitors() {
		t.Run(mon, func(t *testing.T) { testProtocol(t, ds, mon) })
	}
}

// testProtocol checks the epoch loop under one monitor: the best epoch, the
// learning-rate decays and the stop all follow the monitored valid value.
func testProtocol(t *testing.T, ds *dataset.Dataset, monitor string) {
	p := smallParams("dot")
	p.Monitor = monitor
	p.LR = 2e-2 // overfits fast, so patience ends the run
	p.Epochs = 30
	var seen []Epoch
	res, err := Train(context.Background(), ds, p, func(e Epoch) bool { seen = append(seen, e); return true })
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != len(res.Epochs) {
		t.Fatalf("callback saw %d epochs, result has %d", len(seen), len(res.Epochs))
	}
	if len(res.Epochs) == p.Epochs {
		t.Fatalf("ran all %d epochs: early stopping never triggered", p.Epochs)
	}
	pd := p.WithDefaults()
	best, bad, lr := math.Inf(-1), 0, p.LR
	bestEpoch := 0
	for i, e := range res.Epochs {
		if e.Epoch != i+1 || e.LR != lr || e.Valid.N != len(ds.Valid) {
			t.Errorf("epoch %d: %+v (want LR %v)", i+1, e, lr)
		}
		if v := MonitorValue(monitor, e.Valid); v > best {
			best, bestEpoch, bad = v, e.Epoch, 0
		} else {
			lr *= pd.LRDecay
			bad++
		}
	}
	if bad != pd.Patience {
		t.Errorf("stopped after %d epochs without improvement, patience %d", bad, pd.Patience)
	}
	if res.BestEpoch != bestEpoch {
		t.Errorf("BestEpoch %d, want %d", res.BestEpoch, bestEpoch)
	}
	if got := MonitorValue(monitor, res.Final["valid"]); math.Abs(got-best) > 1e-12 {
		t.Errorf("final valid %s %v, best epoch's %v: best weights not restored", monitor, got, best)
	}
	for _, s := range dataset.SplitNames {
		if res.Before[s].N != len(ds.Split(s)) || res.Final[s].N != len(ds.Split(s)) {
			t.Errorf("%s: N before %d, final %d, want %d", s, res.Before[s].N, res.Final[s].N, len(ds.Split(s)))
		}
		if b := res.Before[s].AUC; math.Abs(b-0.5) > 0.1 {
			t.Errorf("%s: untrained AUC %v, want about 0.5", s, b)
		}
	}
	if res.Stopped {
		t.Error("Stopped set without the callback stopping")
	}
}

func TestMonitorValue(t *testing.T) {
	m := Metrics{AUC: 0.75, LogLoss: 0.5}
	for mon, want := range map[string]float64{"auc": 0.75, "logloss": -0.5, "auc-logloss": 0.25} {
		if got := MonitorValue(mon, m); got != want {
			t.Errorf("%s: %v, want %v", mon, got, want)
		}
	}
	p := smallParams("dot")
	p.Monitor = "gauc"
	if _, err := Train(context.Background(), testData(), p, nil); err == nil || !strings.Contains(err.Error(), `unknown monitor "gauc"`) {
		t.Errorf("unknown monitor: err %v", err)
	}
}

// TestTrain_CallbackStops: a callback answering false ends the trial after
// that epoch, with the result of the best epoch so far.
func TestTrain_CallbackStops(t *testing.T) {
	ds := synth(synthConfig{Rows: 2000, Seed: 5})
	p := smallParams("logreg")
	p.Epochs = 10
	calls := 0
	res, err := Train(context.Background(), ds, p, func(e Epoch) bool { calls++; return e.Epoch < 2 })
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 || len(res.Epochs) != 2 || !res.Stopped {
		t.Errorf("calls %d, epochs %d, stopped %v; want 2, 2, true", calls, len(res.Epochs), res.Stopped)
	}
	if res.Final["test"].N == 0 || res.Final["valid"].N == 0 || len(res.Checkpoint) == 0 {
		t.Error("a stopped trial must still report its final metrics and checkpoint")
	}
	if _, ok := res.Final["train"]; ok {
		t.Error("a stopped (pruned) trial scored the train sample after training")
	}
}

// TestTrainSample: Train scores a fixed sample of trainSampleRows train rows,
// distinct and in their train order, the same for every call; a smaller
// split is scored whole.
func TestTrainSample(t *testing.T) {
	train := make([]int32, 3*trainSampleRows+7)
	for i := range train {
		train[i] = int32(7 * (len(train) - i)) // row ids in no particular order
	}
	a, b := trainSample(train), trainSample(slices.Clone(train))
	if len(a) != trainSampleRows || !slices.Equal(a, b) {
		t.Fatalf("%d rows; two calls agree: %v", len(a), slices.Equal(a, b))
	}
	at := map[int32]int{}
	for i, r := range train {
		at[r] = i
	}
	for i := 1; i < len(a); i++ {
		if at[a[i]] <= at[a[i-1]] {
			t.Fatalf("rows %d and %d of the sample are out of train order (or repeated)", i-1, i)
		}
	}
	if first, last := at[a[0]], at[a[len(a)-1]]; first > len(train)/100 || last < len(train)*99/100 {
		t.Errorf("the sample spans train positions %d..%d of %d", first, last, len(train))
	}
	small := train[:trainSampleRows]
	if got := trainSample(small); !slices.Equal(got, small) {
		t.Error("a split of trainSampleRows rows is not scored whole")
	}
}

// TestTrain_NaNLoss: a diverging run is an error naming the epoch.
func TestTrain_NaNLoss(t *testing.T) {
	ds := synth(synthConfig{Rows: 2000, Seed: 6})
	p := smallParams("dot")
	p.Optimizer = "sgd"
	p.LR = 1e30
	_, err := Train(context.Background(), ds, p, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "model: epoch 1: training loss is ") {
		t.Fatalf("err = %v, want \"model: epoch 1: training loss is NaN\"", err)
	}
	t.Log(err)
}

// TestTrain_Canceled: a done context stops the trial with ctx.Err().
func TestTrain_Canceled(t *testing.T) {
	ds := synth(synthConfig{Rows: 2000, Seed: 7})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Train(ctx, ds, smallParams("dot"), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	// Canceled from the callback, mid-run: the next batch check returns.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	p := smallParams("logreg")
	_, err := Train(ctx, ds, p, func(Epoch) bool { cancel(); return true })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestTrain_Errors(t *testing.T) {
	ds := synth(synthConfig{Rows: 500, Seed: 8})
	cases := []struct {
		name string
		ds   *dataset.Dataset
		p    Params
		want string
	}{
		{"unknown model", ds, Params{Model: "gbdt"}, `model: unknown model "gbdt" (known: logreg, fm, dnn, deepfm, meanpool, dot, din, bst, autoint, autoint+)`},
		{"unknown optimizer", ds, Params{Model: "logreg", Optimizer: "lion"}, `model: params: optimizer: unknown value "lion" (known: sgd, momentum, adagrad, rmsprop, adam, adamw)`},
		{"dot without history", noHistory(ds), Params{Model: "dot"}, "model: dot needs a history column"},
		{"bad batch size", ds, Params{Model: "logreg", BatchSize: -1}, "model: params: batch_size: must be from 1 to 2147483647, got -1"},
		{"negative clip norm", ds, Params{Model: "logreg", MaxGradNorm: -1}, "model: params: max_grad_norm: must be >= 0, got -1"},
		{"attention size over heads", ds, Params{Model: "autoint", Heads: 3, AttentionDim: 64}, "model: params: autoint: attention_dim 64 is not a multiple of heads 3"},
		{"nil data", nil, Params{Model: "logreg"}, "model: dataset is nil"},
	}
	bad := *ds
	bad.Cat = append([][]int32(nil), ds.Cat...)
	bad.Cat[1] = append([]int32(nil), ds.Cat[1]...)
	bad.Cat[1][7] = int32(ds.Schema.Categorical[1].Vocab)
	cases = append(cases, struct {
		name string
		ds   *dataset.Dataset
		p    Params
		want string
	}{"id outside vocabulary", &bad, Params{Model: "logreg"}, `model: dataset: categorical column "item": row 7: id 401 outside vocabulary [0, 401)`})
	for _, tc := range cases {
		_, err := Train(context.Background(), tc.ds, tc.p, nil)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want prefix %q", tc.name, err, tc.want)
		}
	}
}

// TestCheckpoint_PredictReproduces: Load(ckpt).Predict on the test and
// valid rows gives exactly Result.Final["test"] and ["valid"], for every
// model.
func TestCheckpoint_PredictReproduces(t *testing.T) {
	ds := synth(synthConfig{Rows: 3000, Seed: 9})
	for _, m := range Models() {
		p := smallParams(m)
		p.Epochs = 2
		p.BatchSize = 100                  // Predict's chunks differ from the rows' training batches
		p.BatchNorm, p.Dropout = true, 0.1 // running statistics travel in the checkpoint
		res, err := Train(context.Background(), ds, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		pr, err := Load(res.Checkpoint, ds)
		if err != nil {
			t.Fatalf("%s: Load: %v", m, err)
		}
		out := make([]float32, len(ds.Test))
		pr.Predict(ds, ds.Test, out)
		labels := make([]float32, len(ds.Test))
		for i, r := range ds.Test {
			labels[i] = ds.Label[r]
		}
		var groups []int32
		for _, r := range ds.Test {
			groups = append(groups, ds.Group[r])
		}
		got := Compute(out, labels, groups)
		if want := res.Final["test"]; !sameMetrics(got, want) {
			t.Errorf("%s: Predict gives %+v, Final[test] is %+v", m, got, want)
		}
		// Final["valid"] is the best epoch's validation: the checkpoint
		// scores valid the same.
		vout, vlabels, vgroups := make([]float32, len(ds.Valid)), make([]float32, len(ds.Valid)), make([]int32, len(ds.Valid))
		pr.Predict(ds, ds.Valid, vout)
		for i, r := range ds.Valid {
			vlabels[i], vgroups[i] = ds.Label[r], ds.Group[r]
		}
		if got, want := Compute(vout, vlabels, vgroups), res.Final["valid"]; !sameMetrics(got, want) || len(want.Calibration) == 0 {
			t.Errorf("%s: Predict gives %+v on valid, Final[valid] is %+v", m, got, want)
		}
		// One row at a time gives the same scores.
		one := make([]float32, 1)
		for i := 0; i < 20; i++ {
			pr.Predict(ds, ds.Test[i:i+1], one)
			if one[0] != out[i] {
				t.Fatalf("%s: row %d alone %v, in bulk %v", m, i, one[0], out[i])
			}
		}
		if gp := pr.Params(); gp.Model != m || gp.Seed != p.Seed {
			t.Errorf("%s: Params() = %+v", m, gp)
		}
		row := ds.Test[0]
		hl := int(ds.Seq[0].Len[row])
		as, ok := pr.AttentionSample(ds, row)
		switch m {
		case "dot", "din", "bst":
			want := hl
			if m == "bst" {
				want++ // the candidate attends to itself too
			}
			if !ok || len(as.Items) != hl || len(as.Weights) == 0 || len(as.Weights[0]) != want {
				t.Errorf("%s: attention sample %+v (ok %v), history has %d items", m, as, ok, hl)
			}
			if w := pr.Attention(ds, row); len(w) != want {
				t.Errorf("%s: Attention gives %d weights, want %d", m, len(w), want)
			}
		case "autoint", "autoint+":
			if !ok || len(as.Weights) != 2*3 || len(as.Weights[0]) != len(as.Items) {
				t.Errorf("%s: attention sample %+v (ok %v), want 6 heads×layers over the tokens", m, as, ok)
			}
		default:
			if ok || pr.Attention(ds, row) != nil {
				t.Errorf("%s has no attention, got %+v", m, as)
			}
		}
		if as.Score != 0 && as.Score != out[0] {
			t.Errorf("%s: attention sample scores %v, Predict %v", m, as.Score, out[0])
		}
	}
}

func TestCheckpoint_Rejects(t *testing.T) {
	ds := synth(synthConfig{Rows: 1000, Seed: 10})
	p := smallParams("logreg")
	p.Epochs = 1
	res, err := Train(context.Background(), ds, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	other := *ds
	other.Schema.Categorical = append([]dataset.Field(nil), ds.Schema.Categorical...)
	other.Schema.Categorical[0].Vocab++
	if _, err := Load(res.Checkpoint, &other); err == nil || !strings.Contains(err.Error(), `categorical column 0 is "user" with vocabulary 302`) {
		t.Errorf("schema mismatch: err = %v", err)
	}
	flipped := append([]byte(nil), res.Checkpoint...)
	flipped[len(flipped)-1] ^= 1
	if _, err := Load(flipped, ds); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("corrupt weights: err = %v", err)
	}
	if _, err := Load([]byte("hello"), ds); err == nil || !strings.Contains(err.Error(), "magic") {
		t.Errorf("not a checkpoint: err = %v", err)
	}
}

// TestStep_NoAllocs: a training step and a prediction chunk allocate nothing
// in steady state, for every model (with BatchNorm and dropout on), in one
// slice and in four slices on two cores.
func TestStep_NoAllocs(t *testing.T) {
	ds := synth(synthConfig{Rows: 2000, Seed: 11})
	checkNoAllocs(t, ds, 256, nil)
	checkNoAllocs(t, ds, 1024, &lender{extra: 1})
}

// checkNoAllocs runs TestStep_NoAllocs's check on ds with batches of bs rows.
func checkNoAllocs(t *testing.T, ds *dataset.Dataset, bs int, cores Cores) {
	t.Helper()
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // see the counting below
	for _, m := range Models() {
		p := smallParams(m)
		p.BatchNorm, p.Dropout, p.AttentionDim = true, 0.1, 8 // every stage of the MLPs
		p.MaxGradNorm = 1e-3                                  // and gradient clipping, which binds at this norm
		p.BatchSize = bs
		tr, err := newTrainer(ds, p.WithDefaults(), len(ds.Train), cores)
		if err != nil {
			t.Fatal(err)
		}
		defer tr.close()
		nt, p := tr.net, tr.p
		rows := ds.Train[:p.BatchSize]
		// Slices on several goroutines take GEMM buffers from a sync.Pool
		// on several Ps, which settles over the first steps; a collection
		// empties the pool and the next steps allocate its buffers again
		// (many at once under a loaded test run). So the collector is off
		// while counting: an allocation made by the step itself still counts.
		runs := 5
		if cores != nil {
			runs = 20
		}
		for range 10 {
			tr.step(rows, p.LR, nt.params())
		}
		if a := testing.AllocsPerRun(runs, func() { tr.step(rows, p.LR, nt.params()) }); a != 0 {
			t.Errorf("%s, batch %d: %v allocations per training step", m, bs, a)
		}
		ctx := context.Background()
		if a := testing.AllocsPerRun(runs, func() { _ = tr.predict(ctx, ds.Valid, tr.scores) }); a != 0 {
			t.Errorf("%s, batch %d: %v allocations per prediction pass", m, bs, a)
		}
	}
}

// newTestTrainer builds p's network (p with its defaults) for ds, its
// optimizer and a trainer, as Train does, without extra cores; the trainer
// is closed when the test ends.
func newTestTrainer(t testing.TB, ds *dataset.Dataset, p Params) *trainer {
	t.Helper()
	tr, err := newTrainer(ds, p, len(ds.Train), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tr.close)
	return tr
}

// TestTrain_ConcurrentTrials: trials running side by side on one shared
// dataset give the results they give alone (run with -race to see that the
// dataset is only read).
func TestTrain_ConcurrentTrials(t *testing.T) {
	ds := synth(synthConfig{Rows: 2000, Seed: 12})
	p := smallParams("dot")
	p.Epochs = 2
	alone, err := Train(context.Background(), ds, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([]*Result, 2)
	errs := make([]error, 2)
	for i := range results {
		wg.Go(func() { results[i], errs[i] = Train(context.Background(), ds, p, nil) })
	}
	wg.Wait()
	for i, r := range results {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !bytes.Equal(r.Checkpoint, alone.Checkpoint) {
			t.Errorf("trial %d side by side differs from the trial alone", i)
		}
	}
}

// sameMetrics compares two Metrics bit for bit (NaN equals NaN).
func sameMetrics(a, b Metrics) bool {
	same := func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) }
	if a.N != b.N || len(a.Calibration) != len(b.Calibration) {
		return false
	}
	for _, p := range [][2]float64{{a.AUC, b.AUC}, {a.LogLoss, b.LogLoss}, {a.GAUC, b.GAUC}, {a.Accuracy, b.Accuracy},
		{a.Precision, b.Precision}, {a.Recall, b.Recall}, {a.F1, b.F1}, {a.MeanPred, b.MeanPred}, {a.MeanLabel, b.MeanLabel}} {
		if !same(p[0], p[1]) {
			return false
		}
	}
	for i, x := range a.Calibration {
		y := b.Calibration[i]
		if x.N != y.N || !same(x.MeanPred, y.MeanPred) || !same(x.MeanLabel, y.MeanLabel) {
			return false
		}
	}
	return true
}

// TestTrain_MaxGradNorm: a clipping norm above every step's gradient norm
// leaves training bit-identical to no clipping (the scale is skipped, not
// applied as 1), and one below it changes the trajectory.
func TestTrain_MaxGradNorm(t *testing.T) {
	ds := synth(synthConfig{Rows: 1500, Seed: 21})
	run := func(maxNorm float64) *Result {
		p := smallParams("dnn")
		p.Epochs, p.MaxGradNorm = 2, maxNorm
		res, err := Train(context.Background(), ds, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	off, loose, tight := run(0), run(1e6), run(1e-3)
	// The checkpoints hold the params, so compare what the weights score.
	if !slices.Equal(off.TestScores, loose.TestScores) {
		t.Error("clipping at 1e6 changed the model")
	}
	if slices.Equal(off.TestScores, tight.TestScores) {
		t.Error("clipping at 1e-3 did not change the model")
	}
}
