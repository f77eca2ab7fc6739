package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestOptimizers_HandStep checks each optimizer against steps worked out by
// hand (w = 1 or 2, lr as given).
func TestOptimizers_HandStep(t *testing.T) {
	cases := []struct {
		name string
		p    Params
		lr   float64
		w    float32
		g    []float32 // one gradient per step
		want []float32 // w after each step
	}{
		// b = 0.5, w = 1 − 0.1·0.5 = 0.95; b = 0.9·0.5 + 0.5 = 0.95, w = 0.95 − 0.095 = 0.855.
		{"momentum", Params{Optimizer: "momentum"}, 0.1, 1, []float32{0.5, 0.5}, []float32{0.95, 0.855}},
		// μ = 0.5: b = 1, w = 0.9; b = 0.5·1 + 1 = 1.5, w = 0.9 − 0.15 = 0.75.
		{"momentum μ=0.5", Params{Optimizer: "momentum", Momentum: 0.5}, 0.1, 1, []float32{1, 1}, []float32{0.9, 0.75}},
		// s = 4, w = 1 − 0.1·2/2 = 0.9; s = 8, w = 0.9 − 0.2/√8 = 0.8292893.
		{"adagrad", Params{Optimizer: "adagrad"}, 0.1, 1, []float32{2, 2}, []float32{0.9, 0.8292893}},
		// s = 0.01·4 = 0.04, w = 1 − 0.01·2/0.2 = 0.9.
		{"rmsprop", Params{Optimizer: "rmsprop"}, 0.01, 1, []float32{2}, []float32{0.9}},
		// ρ = 0.9: s = 0.4, w = 1 − 0.02/√0.4 = 0.9683772.
		{"rmsprop ρ=0.9", Params{Optimizer: "rmsprop", Beta2: 0.9}, 0.01, 1, []float32{2}, []float32{0.9683772}},
		// Adam's first step is lr·g/(|g| + ε): with ε = 1, 0.1·1/2 = 0.05.
		{"adam ε=1", Params{Optimizer: "adam", Eps: 1}, 0.1, 1, []float32{1}, []float32{0.95}},
		// β1 = 0.5, β2 = 0.5: m = 0.5, v = 0.5, step = 0.1/0.5 = 0.2, √v/√0.5 = 1: w = 1 − 0.2·0.5 = 0.9;
		// g = 3: m = 0.25 + 1.5 = 1.75, v = 0.25 + 4.5 = 4.75, step = 0.1/0.75, √v/√0.75 = 2.5166115:
		// w = 0.9 − 0.1333333·1.75/2.5166115 = 0.8072822.
		{"adam β=0.5", Params{Optimizer: "adam", Beta1: 0.5, Beta2: 0.5}, 0.1, 1, []float32{1, 3}, []float32{0.9, 0.8072822}},
		// Decay first: 2·(1 − 0.1·0.01) = 1.998; then Adam's first step, 0.1·1/1 = 0.1: 1.898.
		{"adamw", Params{Optimizer: "adamw"}, 0.1, 2, []float32{1}, []float32{1.898}},
		// wd = 0.5: 2·(1 − 0.05) = 1.9; g = 0: no Adam move.
		{"adamw wd=0.5", Params{Optimizer: "adamw", WeightDecay: 0.5}, 0.1, 2, []float32{0}, []float32{1.9}},
	}
	for _, tc := range cases {
		o, err := newOptimizer(tc.p, 1)
		if err != nil {
			t.Fatal(err)
		}
		w := []float32{tc.w}
		for k, g := range tc.g {
			stepAll(o, w, []float32{g}, tc.lr)
			if math.Abs(float64(w[0]-tc.want[k])) > 1e-6 {
				t.Errorf("%s: step %d: w = %.7f, want %.7f", tc.name, k+1, w[0], tc.want[k])
			}
		}
	}
}

// TestOptimizers_StateUntouched: the trainer hands optimizers only the
// trainable part of the slab, so BatchNorm's running statistics move only
// through forward, and adamw does not decay them.
func TestOptimizers_StateUntouched(t *testing.T) {
	ds := synth(synthConfig{Rows: 500, Seed: 13})
	p := smallParams("dnn")
	p.BatchNorm, p.Optimizer = true, "adamw"
	p = p.WithDefaults()
	tr := newTestTrainer(t, ds, p)
	s := tr.net.params()
	if s.Trainable == len(s.W) {
		t.Fatal("no state tensors with BatchNorm")
	}
	tr.init(rand.New(rand.NewPCG(3, 4)))
	before := append([]float32(nil), s.W[s.Trainable:]...)
	tr.step(ds.Train[:64], p.LR, s)
	changed := 0
	for j, v := range s.W[s.Trainable:] {
		if v != before[j] {
			changed++
		}
	}
	if changed == 0 {
		t.Error("a training step did not update the running statistics")
	}
	// An evaluation forward leaves them alone.
	after := append([]float32(nil), s.W[s.Trainable:]...)
	tr.net.forward(ds, ds.Valid[:64], tr.z[:64], nil)
	for j, v := range s.W[s.Trainable:] {
		if v != after[j] {
			t.Fatalf("evaluation changed state entry %d", j)
		}
	}
}

// stepAll is one step over every parameter in w (dense).
func stepAll(o optimizer, w, g []float32, lr float64) {
	o.begin(lr)
	o.update(w, g, 0)
}

// TestAdam_FirstStep: with bias correction the first Adam step moves every
// weight by lr·g/(|g|+ε) ≈ lr·sign(g), whatever the gradient's scale.
func TestAdam_FirstStep(t *testing.T) {
	w := []float32{1, 1, 1, 1}
	g := []float32{1e-3, -5, 200, 0}
	o := newAdam(len(w))
	stepAll(o, w, g, 0.01)
	want := []float32{0.99, 1.01, 0.99, 1}
	for i := range w {
		if math.Abs(float64(w[i]-want[i])) > 1e-5 {
			t.Errorf("w[%d] = %v, want %v", i, w[i], want[i])
		}
	}
	// SGD: w -= lr·g.
	w = []float32{1, 2}
	stepAll(&sgd{}, w, []float32{0.5, -1}, 0.1)
	if w[0] != 0.95 || w[1] != 2.1 {
		t.Errorf("sgd step gave %v, want [0.95 2.1]", w)
	}
}
