package search

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/attnsweep/attnsweep/pkg/store"
)

// TestPlan_IgnoredAxesTrainOnce: a grid over hidden with logreg among the
// models plans one logreg per setting of the axes logreg reads.
func TestPlan_IgnoredAxesTrainOnce(t *testing.T) {
	s, err := ParseSpec("t.yaml", []byte(`name: x
data: {synthetic: {rows: 10}}
models: [logreg, dnn]
space:
  lr: [1.0e-3, 1.0e-2]
  hidden: [[8], [16], [32]]
  dropout: [0, 0.5]
  optimizer: [sgd, adam]
  beta1: [0.8, 0.9]
`))
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	keys := map[string]bool{}
	for _, tr := range s.Plan() {
		count[tr.Model]++
		if keys[tr.Key] {
			t.Errorf("key %s planned twice", tr.Key)
		}
		keys[tr.Key] = true
		for _, p := range tr.Params {
			if tr.Model == "logreg" && (p.Name == "hidden" || p.Name == "dropout") {
				t.Errorf("logreg trial keeps %s", p.Name)
			}
			if p.Name == "beta1" && strings.Contains(tr.String(), "optimizer=sgd") {
				t.Errorf("an sgd trial keeps beta1: %s", tr)
			}
		}
	}
	// logreg: 2 lr × (sgd + adam × 2 beta1) = 6; dnn: 2 lr × 3 hidden × 2 dropout × 3 = 36.
	if count["logreg"] != 6 || count["dnn"] != 36 {
		t.Errorf("planned %v, want logreg 6 and dnn 36", count)
	}
	if n := s.Count(); n < 42 {
		t.Errorf("Count %d is below the plan's 42", n)
	}
}

func TestPlan_CountRefusesAbsurdSpaces(t *testing.T) {
	for _, text := range []string{
		"search: {method: random, trials: 10000000000}\n",
		"space:\n  lr: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n  embed_dim: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n  batch_size: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n  hidden: [[1], [2], [3], [4], [5], [6], [7], [8], [9], [10]]\n  dropout: [0, 0.1, 0.2, 0.3, 0.4]\n",
	} {
		s, err := ParseSpec("t.yaml", []byte("name: x\ndata: {synthetic: {rows: 10}}\nmodels: [dnn]\n"+text))
		if err != nil {
			t.Fatal(err)
		}
		err = s.CheckSize(0)
		if err == nil || !strings.Contains(err.Error(), "over the limit of 10000") || !strings.Contains(err.Error(), "t.yaml:") {
			t.Errorf("CheckSize: %v", err)
		}
		if err := s.CheckSize(math.MaxInt); err != nil && !strings.Contains(text, "10000000000") {
			t.Errorf("a raised limit still refuses: %v", err)
		}
	}
}

const tpeSpec = `name: tpe
data: {synthetic: {rows: 10}}
models: [logreg, dnn]
search: {method: tpe, trials: 24, seed: 5, repeats: 2, startup: 3, batch: 4}
space:
  lr: {loguniform: [1.0e-4, 1.0e-1]}
  dropout: {uniform: [0, 0.5]}
  hidden: {choice: [[8], [16, 8]]}
`

// fakeResults finishes trials with an objective that prefers lr near 1e-2.
func fakeResults(trials []Trial) []Finished {
	var out []Finished
	for _, tr := range trials {
		lr := tr.Params[slicesIndex(tr.Params, "lr")].Value.(float64)
		out = append(out, Finished{Key: tr.Key, Config: tr.Config, Model: tr.Model, Params: tr.Params,
			Status: store.Done, Value: 0.8 - math.Abs(math.Log10(lr)+2)/10})
	}
	return out
}

// runBatches plans a TPE search batch by batch, each from the fake results
// of the batches before.
func runBatches(t *testing.T, s *Spec, sh Shard) []Trial {
	t.Helper()
	var all []Trial
	for k := 0; k < s.Batches(sh); k++ {
		b, err := s.Batch(k, sh, fakeResults(all))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

func TestBatch_TPELayoutAndDeterminism(t *testing.T) {
	s, err := ParseSpec("t.yaml", []byte(tpeSpec))
	if err != nil {
		t.Fatal(err)
	}
	a := runBatches(t, s, Shard{})
	b := runBatches(t, s, Shard{})
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same TPE spec and results gave two plans")
	}
	if len(a) != 48 || s.Batches(Shard{}) != 6 {
		t.Fatalf("%d trials in %d batches, want 48 in 6", len(a), s.Batches(Shard{}))
	}
	for i, tr := range a {
		if tr.Position != i || tr.Repeat != i%2 || tr.Model != []string{"logreg", "dnn"}[(i/2)%2] {
			t.Fatalf("trial %d: position %d repeat %d model %s", i, tr.Position, tr.Repeat, tr.Model)
		}
		if tr.Model == "logreg" && slicesIndex(tr.Params, "hidden") >= 0 {
			t.Fatalf("logreg proposal keeps hidden: %s", tr)
		}
	}
	// Until a model has startup finished configurations, its configurations
	// are random search's: the first batch equals random search's plan.
	rs, err := ParseSpec("t.yaml", []byte(strings.Replace(strings.Replace(tpeSpec, "method: tpe", "method: random", 1), ", startup: 3, batch: 4", "", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if first, rnd := a[:8], rs.Plan()[:8]; !reflect.DeepEqual(first, rnd) {
		t.Errorf("TPE's first batch is not random search's:\n%v\n%v", first, rnd)
	}
	// TPE learns: the later lr values sit nearer 1e-2 than random search's.
	dist := func(ts []Trial) float64 {
		var d float64
		for _, tr := range ts {
			d += math.Abs(math.Log10(tr.Params[slicesIndex(tr.Params, "lr")].Value.(float64)) + 2)
		}
		return d / float64(len(ts))
	}
	if tpe, rnd := dist(a[24:]), dist(rs.Plan()[24:]); tpe >= rnd {
		t.Errorf("TPE's second half is %.2f decades from the best lr, random search's %.2f", tpe, rnd)
	}
	// A shard is its own search over its own configurations.
	sh := runBatches(t, s, Shard{Index: 1, Count: 2})
	for _, tr := range sh {
		if (tr.Position/2)%2 != 1 {
			t.Fatalf("shard 1/2 planned position %d", tr.Position)
		}
	}
	if len(sh) != 24 {
		t.Errorf("shard 1/2 has %d trials, want 24", len(sh))
	}
}

func TestBatch_EnqueueFirst(t *testing.T) {
	text := strings.Replace(tpeSpec, "batch: 4}", "batch: 4,\n  enqueue: [{model: dnn, lr: 0.003, dropout: 0.1, hidden: [16, 8]}]}", 1)
	s, err := ParseSpec("t.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.Batch(0, Shard{}, nil)
	if b[0].Model != "dnn" || b[0].String() != "dropout=0.1 hidden=[16,8] lr=0.003" || b[2].Model != "logreg" {
		t.Errorf("first trials %s %s, %s", b[0].Model, b[0], b[2].Model)
	}
}

func TestParamsFromStore(t *testing.T) {
	got, err := ParamsFromStore(map[string]any{"lr": 0.01, "hidden": "[16,8]", "batch_norm": int64(1), "embed_dim": int64(8), "optimizer": "adam"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Param{{"batch_norm", true}, {"embed_dim", 8}, {"hidden", []int{16, 8}}, {"lr", 0.01}, {"optimizer", "adam"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if _, err := ParamsFromStore(map[string]any{"learning_rate": 0.1}); err == nil {
		t.Error("an unknown stored parameter was accepted")
	}
}
