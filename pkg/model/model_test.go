package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// TestModels_Backward checks each model's whole backward pass — from the
// mean batch loss through the logit back to every parameter tensor, L2 terms
// included — against central differences on a sample of parameters: for
// each embedding table, entries of rows the batch uses (history rows
// included) and a few unused ones (L2 only); for every other tensor, up to
// 12 entries.
func TestModels_Backward(t *testing.T) {
	ds := synth(synthConfig{Rows: 300, Users: 10, Items: 12, Clusters: 3, HistLen: 5, Seed: 3})
	for _, name := range Models() {
		t.Run(name, func(t *testing.T) {
			p := Params{Model: name, EmbedDim: 4, Hidden: []int{8, 6}, BatchNorm: true, Dropout: 0.2,
				AttentionHidden: []int{6}, AttentionDim: 4, Heads: 2, Layers: 2}
			checkModelGradient(t, ds, p)
		})
	}
	// Variants: DIN with a softmax and ReLU, an MLP with Dice and without
	// BatchNorm, dot and BST on truncated histories, data without history.
	variants := []Params{
		{Model: "din", DINSoftmax: true, Activation: "relu"},
		{Model: "dnn", Activation: "dice"},
		{Model: "dot", MaxLen: 3},
		{Model: "bst", MaxLen: 3, Layers: 1, Heads: 1, AttentionDim: 6},
		{Model: "autoint", Layers: 1, Heads: 1, AttentionDim: 4},
	}
	for _, v := range variants {
		t.Run(fmt.Sprintf("%s_%s_softmax%v_maxlen%d", v.Model, v.Activation, v.DINSoftmax, v.MaxLen), func(t *testing.T) {
			v.EmbedDim, v.Hidden = 4, []int{5}
			checkModelGradient(t, ds, v)
		})
	}
	// AutoInt on more rows than a block of its attention: every layer runs
	// block by block of rows.
	t.Run("autoint_blocks", func(t *testing.T) {
		p := Params{Model: "autoint+", EmbedDim: 4, Hidden: []int{5}, AttentionDim: 4, Heads: 2, Layers: 2, Dropout: 0.2}
		n := attBlockTokens/7*2 + 5 // synth's 7 tokens: 4 fields, 2 dense, the history
		nt, err := newNet(ds, p.WithDefaults(), n)
		if err != nil {
			t.Fatal(err)
		}
		if b := nt.(*autoIntNet).layers[0].blockRows(); b >= n {
			t.Fatalf("%d rows fit in one block of %d", n, b)
		}
		checkModelGradientRows(t, ds, p, n)
	})
	for _, name := range []string{"fm", "dnn", "deepfm", "autoint+"} {
		t.Run(name+"_nohistory", func(t *testing.T) {
			checkModelGradient(t, noHistory(ds), Params{Model: name, EmbedDim: 3, Hidden: []int{5}, AttentionDim: 4})
		})
	}
}

// checkModelGradient is TestModels_Backward for one model configuration:
// training mode (BatchNorm on batch statistics, dropout with a mask that
// each evaluation redraws identically from a fresh generator), on 12 rows.
func checkModelGradient(t *testing.T, ds *dataset.Dataset, p Params) {
	t.Helper()
	checkModelGradientRows(t, ds, p, 12)
}

// checkModelGradientRows is checkModelGradient on the first n train rows.
func checkModelGradientRows(t *testing.T, ds *dataset.Dataset, p Params, n int) {
	t.Helper()
	const l2e, l2d = 0.05, 0.02
	p.L2Embedding, p.L2Dense = l2e, l2d
	p = p.WithDefaults()
	name := p.Model
	rows := ds.Train[:n]
	nt, err := newNet(ds, p, n)
	if err != nil {
		t.Fatal(err)
	}
	s := nt.params()
	rng := rand.New(rand.NewPCG(9, 10))
	s.init(rng)
	for i, tn := range s.tensors { // embeddings large enough to matter
		if tn.Kind == kindEmbedding {
			// Lookup tables ×3000; the dense features' vectors (no field)
			// ×300 only: they multiply standardised values and feed
			// AutoInt's unscaled attention scores, which saturate the
			// softmax at ×3000 so that no finite difference is smooth.
			scale := float32(3000)
			if tn.Field < 0 {
				scale = 300
			}
			for j, w := range s.w(i) {
				s.w(i)[j] = w * scale
			}
		}
	}
	y := make([]float32, n)
	for i, r := range rows {
		y[i] = ds.Label[r]
	}
	z := make([]float32, n)
	obj := func() float64 {
		nt.forward(ds, rows, z, rand.New(rand.NewPCG(5, 5)))
		l := bceForward(z, y) / float64(n)
		for i, tn := range s.tensors {
			lam := 0.0
			switch tn.Kind {
			case kindEmbedding:
				lam = l2e
			case kindWeight:
				lam = l2d
			}
			for _, w := range s.w(i) {
				l += lam / 2 * float64(w) * float64(w)
			}
		}
		return l
	}
	// A first backward leaves every buffer dirty: one the real backward
	// adds to without clearing it first would show.
	obj()
	dz := make([]float32, n)
	for i := range dz {
		dz[i] = float32(i%5) - 2
	}
	nt.backward(dz)
	obj()
	clear(s.G)
	clear(dz)
	bceBackward(dz, z, y, 1/float32(n))
	nt.backward(dz)
	s.addL2(kindEmbedding, l2e)
	s.addL2(kindWeight, l2d)

	var idx []int
	for _, tn := range s.tensors {
		switch {
		case tn.Kind == kindState:
			continue
		case tn.Kind == kindEmbedding && tn.Field >= 0:
			f := tn.Field
			d := tn.Shape[1]
			used := map[int32]bool{}
			for _, r := range rows {
				if c := len(ds.Cat); f >= c { // a pooled column's table
					pc := ds.Pooled[f-c]
					for _, h := range pc.IDs[int(r)*pc.MaxLen : int(r)*pc.MaxLen+int(pc.Len[r])] {
						used[h] = true
					}
					continue
				}
				used[ds.Cat[f][r]] = true
				for k, sd := range ds.Schema.Sequences {
					if sd.Field != f {
						continue
					}
					sq := ds.Seq[k]
					for _, h := range sq.IDs[int(r)*sq.MaxLen : int(r)*sq.MaxLen+int(sq.Len[r])] {
						used[h] = true
					}
				}
			}
			for id := int32(0); int(id) < tn.Shape[0]; id++ {
				if used[id] || rng.IntN(4) == 0 {
					idx = append(idx, tn.Off+int(id)*d+rng.IntN(d))
				}
			}
			continue
		}
		for k := 0; k < min(12, tn.Len); k++ {
			idx = append(idx, tn.Off+rng.IntN(tn.Len))
		}
	}
	gradCheckTol(t, name, s.W, s.G, idx, 1e-3, 1e-4, 1e-2, obj)
	nonzero := 0
	for _, j := range idx {
		if math.Abs(float64(s.G[j])) > 1e-4 {
			nonzero++
		}
	}
	if nonzero < len(idx)/2 {
		t.Errorf("only %d of %d sampled gradients are non-zero: the check is too weak", nonzero, len(idx))
	}
	for j := s.Trainable; j < len(s.G); j++ {
		if s.G[j] != 0 {
			t.Fatalf("state entry %d has gradient %v", j, s.G[j])
		}
	}
	t.Logf("%s: %d parameters (%d trainable), %d checked", name, len(s.W), s.Trainable, len(idx))
}

func TestParams_WithDefaults(t *testing.T) {
	p := Params{Model: "dot"}.WithDefaults()
	if p.Optimizer != "adam" || p.LR != 1e-3 || p.EmbedDim != 10 || p.BatchSize != 4096 ||
		len(p.Hidden) != 3 || p.Hidden[0] != 400 || p.Epochs != 100 || p.Patience != 2 || p.LRDecay != 0.1 {
		t.Errorf("defaults: %+v", p)
	}
	p.Hidden[0] = 7
	if DefaultHidden[0] != 400 {
		t.Error("WithDefaults shares DefaultHidden")
	}
	q := Params{Hidden: []int{}, LR: 0.5, EmbedDim: 3}.WithDefaults()
	if q.Hidden == nil || len(q.Hidden) != 0 || q.LR != 0.5 || q.EmbedDim != 3 {
		t.Errorf("explicit values were replaced: %+v", q)
	}
}
