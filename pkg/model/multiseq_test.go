package model

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// TestModels_Backward_TwoHistories: with two history columns every model's
// backward pass (the history models reading both, concatenated; autoint the
// first) passes the finite-difference check, with the new options too.
func TestModels_Backward_TwoHistories(t *testing.T) {
	ds := twoHistories(synth(synthConfig{Rows: 300, Users: 10, Items: 12, Clusters: 3, HistLen: 5, Seed: 3}), 3)
	for _, name := range Models() {
		t.Run(name, func(t *testing.T) {
			p := Params{Model: name, EmbedDim: 4, Hidden: []int{8, 6}, BatchNorm: true, Dropout: 0.2,
				AttentionHidden: []int{6}, AttentionDim: 4, Heads: 2, Layers: 2}
			if name == "dot" {
				p.AttentionDim = 0 // the plain form here; projections below
			}
			checkModelGradient(t, ds, p)
		})
	}
	variants := []Params{
		{Model: "dot", AttentionDim: 6},
		{Model: "dot", DotTemperature: true},
		{Model: "dot", AttentionDim: 5, DotTemperature: true, EmbeddingDropout: 0.3},
		{Model: "din", DINPooling: "mean", AttentionActivation: "relu", Activation: "dice"},
		{Model: "din", DINSoftmax: true, DINPooling: "mean", EmbeddingDropout: 0.3},
		{Model: "meanpool", EmbeddingDropout: 0.3},
		{Model: "bst", EmbeddingDropout: 0.3, Layers: 1, AttentionDim: 4},
		{Model: "deepfm", EmbeddingDropout: 0.3},
		{Model: "dot", History: "first", AttentionDim: 3},
	}
	for _, v := range variants {
		t.Run(fmt.Sprintf("%s_dim%d_temp%v_%s_%s_drop%g_%s", v.Model, v.AttentionDim, v.DotTemperature, v.DINPooling,
			v.AttentionActivation, v.EmbeddingDropout, v.History), func(t *testing.T) {
			v.EmbedDim, v.Hidden = 4, []int{5}
			checkModelGradient(t, ds, v)
		})
	}
}

// TestInputs_TwoHistories: position j of a row is [E_item[h1_j], E_cat[h2_j]]
// (the padding id's row past the second column's own length), the target
// [f_item, f_cat]; "first" reads the item history alone.
func TestInputs_TwoHistories(t *testing.T) {
	ds := twoHistories(synth(synthConfig{Rows: 60, Users: 5, Items: 9, Clusters: 3, HistLen: 4, Seed: 5}), 3)
	for _, history := range []string{"", "first"} {
		var s slab
		in, err := declareInputs(&s, ds, Params{Model: "dot", History: history}, 3, seqRequired)
		if err != nil {
			t.Fatal(err)
		}
		s.alloc()
		s.init(rand.New(rand.NewPCG(1, 2)))
		in.bind(&s, 16)
		rows := ds.Train[:16]
		x := make([]float32, 16*in.M*3)
		in.load(ds, rows)
		in.fields(x, in.M*3)
		in.history()
		in.target(x, in.M*3)
		wantS := 2
		if history == "first" {
			wantS = 1
		}
		if in.S != wantS || in.H != wantS*3 {
			t.Fatalf("history %q: S %d, H %d, want %d, %d", history, in.S, in.H, wantS, wantS*3)
		}
		emb := func(f int, id int32) []float32 { return in.emb[f].E[int(id)*3 : int(id)*3+3] }
		for i, r := range rows {
			want := append([]float32{}, emb(1, ds.Cat[1][r])...)
			if wantS == 2 {
				want = append(want, emb(2, ds.Cat[2][r])...)
			}
			if got := in.v[i*in.H : i*in.H+in.H]; fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("history %q row %d: target %v, want %v", history, i, got, want)
			}
			if int(in.lens[i]) != int(ds.Seq[0].Len[r]) {
				t.Errorf("row %d: length %d, want the first column's %d", i, in.lens[i], ds.Seq[0].Len[r])
			}
			for j := 0; j < int(in.lens[i]); j++ {
				want := append([]float32{}, emb(1, ds.Seq[0].IDs[int(r)*4+j])...)
				if wantS == 2 {
					id := int32(0)
					if j < int(ds.Seq[1].Len[r]) {
						id = ds.Seq[1].IDs[int(r)*4+j]
					}
					want = append(want, emb(2, id)...)
				}
				off := (i*in.L + j) * in.H
				if got := in.e[off : off+in.H]; fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("history %q row %d position %d: %v, want %v", history, i, j, got, want)
				}
			}
		}
	}
}

// handData is a hand-made data set for the mini-batch-aware L2: fields
// user (vocab 3) and item (vocab 4), history hist_item → item, 4 train rows:
//
//	row  user item  hist
//	0    1    1     [2 3]
//	1    1    2     [2]
//	2    2    1     []
//	3    2    3     [1 1]
//
// Train rows using each item row: item 1 → rows 0, 2, 3 (n = 3; row 3 uses it
// three times, counted once), item 2 → 0, 1 (2), item 3 → 0, 3 (2), item 0
// → none. Users: 1 → 2, 2 → 2.
func handData() *dataset.Dataset {
	ds := &dataset.Dataset{
		Schema: dataset.Schema{Label: "y",
			Categorical: []dataset.Field{{Name: "user", Vocab: 3}, {Name: "item", Vocab: 4}},
			Sequences:   []dataset.Sequence{{Name: "hist_item", Target: "item", Field: 1, MaxLen: 2}}},
		N:     4,
		Label: []float32{1, 0, 1, 0},
		Cat:   [][]int32{{1, 1, 2, 2}, {1, 2, 1, 3}},
		Seq:   []dataset.SeqColumn{{MaxLen: 2, IDs: []int32{2, 3, 2, 0, 0, 0, 1, 1}, Len: []int32{2, 1, 0, 2}}},
		Train: []int32{0, 1, 2, 3},
		Valid: []int32{0},
		Test:  []int32{0},
	}
	ds.Dense = [][]float32{}
	return ds
}

// TestBatchL2_HandCase: after a backward pass with dL/dz = 0 the gradient
// holds the mini-batch-aware L2 alone: λ·E[j]/n_j on every row the batch
// uses (once, however often it uses it), exactly 0 on every other row.
func TestBatchL2_HandCase(t *testing.T) {
	ds := handData()
	const lambda = 0.3
	nUser := map[int32]float32{1: 2, 2: 2}
	nItem := map[int32]float32{1: 3, 2: 2, 3: 2}
	cases := []struct {
		rows        []int32
		users, item []int32 // table rows the batch uses
	}{
		{[]int32{1}, []int32{1}, []int32{2}},
		{[]int32{0, 3}, []int32{1, 2}, []int32{1, 2, 3}},
		{[]int32{2}, []int32{2}, []int32{1}},
	}
	for _, model := range []string{"meanpool", "dnn", "din"} {
		for _, c := range cases {
			p := Params{Model: model, EmbedDim: 3, Hidden: []int{4}, L2Batch: lambda}.WithDefaults()
			nt, err := newNet(ds, p, 4)
			if err != nil {
				t.Fatal(err)
			}
			s := nt.params()
			s.init(rand.New(rand.NewPCG(3, 4)))
			z := make([]float32, len(c.rows))
			nt.forward(ds, c.rows, z, rand.New(rand.NewPCG(1, 1)))
			clear(s.G)
			nt.backward(make([]float32, len(c.rows)))
			for ti, tn := range s.tensors {
				if tn.Kind != kindEmbedding || tn.Field < 0 {
					continue
				}
				used, n := c.users, nUser
				if tn.Field == 1 {
					used, n = c.item, nItem
				}
				w, g := s.w(ti), s.g(ti)
				for id := 0; id < tn.Shape[0]; id++ {
					isUsed := false
					for _, u := range used {
						isUsed = isUsed || int(u) == id
					}
					for k := 0; k < 3; k++ {
						want := float32(0)
						if isUsed {
							want = lambda / n[int32(id)] * w[id*3+k]
						}
						if got := g[id*3+k]; math.Abs(float64(got-want)) > 1e-12+1e-6*math.Abs(float64(want)) {
							t.Errorf("%s rows %v: %s[%d][%d] gradient %v, want %v", model, c.rows, tn.Name, id, k, got, want)
						}
					}
				}
			}
		}
	}
}

// TestEmbeddingDropout_EvalIsIdentity: in evaluation a model with embedding
// dropout scores exactly as the same weights without it; in training its
// logits differ.
func TestEmbeddingDropout_EvalIsIdentity(t *testing.T) {
	ds := twoHistories(synth(synthConfig{Rows: 200, Seed: 4}), 20)
	for _, model := range []string{"dnn", "meanpool", "dot", "din", "bst"} {
		p := Params{Model: model, EmbedDim: 4, Hidden: []int{6}}.WithDefaults()
		plain, _ := newNet(ds, p, 32)
		p.EmbeddingDropout = 0.5
		dropped, err := newNet(ds, p, 32)
		if err != nil {
			t.Fatal(err)
		}
		plain.params().init(rand.New(rand.NewPCG(1, 1)))
		for i := range plain.params().W {
			plain.params().W[i] *= 1000 // embeddings large enough for dropout to show
		}
		copy(dropped.params().W, plain.params().W)
		rows := ds.Train[:32]
		z1, z2 := make([]float32, 32), make([]float32, 32)
		plain.forward(ds, rows, z1, nil)
		dropped.forward(ds, rows, z2, nil)
		if fmt.Sprint(z1) != fmt.Sprint(z2) {
			t.Errorf("%s: evaluation with embedding dropout differs from without", model)
		}
		plain.forward(ds, rows, z1, rand.New(rand.NewPCG(2, 2)))
		dropped.forward(ds, rows, z2, rand.New(rand.NewPCG(2, 2)))
		if fmt.Sprint(z1) == fmt.Sprint(z2) {
			t.Errorf("%s: training with embedding dropout 0.5 gives the logits without it", model)
		}
	}
}

// TestAttentionQK_Backward checks the projected form's dq, dk, de and the
// scale's gradient dL/dc against central differences.
func TestAttentionQK_Backward(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 1))
	n, d, a, L := 3, 4, 5, 4
	at := newAttentionQK(d, a, L)
	at.Scale = 0.7
	lens := []int32{4, 2, 0}
	q, k, e := randSlice(rng, n*a), randSlice(rng, n*L*a), randSlice(rng, n*L*d)
	u, w := make([]float32, n*d), make([]float32, n*L)
	r := randSlice(rng, n*d)
	obj := func() float64 { at.forwardQK(u, d, w, q, a, k, e, lens, n); return weighted(r, u) }
	obj()
	dq, dk, de := make([]float32, n*a), make([]float32, n*L*a), make([]float32, n*L*d)
	dc := at.backwardQK(dq, a, dk, de, r, d, w, q, k, e, lens, n, true)
	gradCheck(t, "q", q, dq, allIdx(n*a), 1e-3, obj)
	var ki, ei []int
	for i := 0; i < n; i++ {
		for j := 0; j < int(lens[i]); j++ {
			for c := 0; c < a; c++ {
				ki = append(ki, (i*L+j)*a+c)
			}
			for c := 0; c < d; c++ {
				ei = append(ei, (i*L+j)*d+c)
			}
		}
	}
	gradCheck(t, "k", k, dk, ki, 1e-3, obj)
	gradCheck(t, "e", e, de, ei, 1e-3, obj)
	sc := []float32{at.Scale}
	scaleObj := func() float64 { at.Scale = sc[0]; return obj() }
	gradCheck(t, "scale", sc, []float32{float32(dc)}, []int{0}, 1e-3, scaleObj)
}

// TestCheckpoint_TwoHistoriesAndOptions: a model trained with two history
// columns and the new options reloads from its checkpoint and scores the
// test rows exactly as Train did.
func TestCheckpoint_TwoHistoriesAndOptions(t *testing.T) {
	ds := twoHistories(synth(synthConfig{Rows: 1500, Seed: 9}), 20)
	for _, p := range []Params{
		{Model: "dot", AttentionDim: 6, DotTemperature: true, EmbeddingDropout: 0.1, L2Batch: 0.5},
		{Model: "din", DINPooling: "mean", AttentionActivation: "relu", EmbeddingDropout: 0.1},
		{Model: "bst", L2Batch: 0.5},
		{Model: "deepfm", EmbeddingDropout: 0.2},
	} {
		p.EmbedDim, p.Hidden, p.BatchSize, p.Epochs, p.Seed = 4, []int{8}, 100, 2, 3
		res, err := Train(context.Background(), ds, p, nil)
		if err != nil {
			t.Fatalf("%s: %v", p.Model, err)
		}
		pr, err := Load(res.Checkpoint, ds)
		if err != nil {
			t.Fatalf("%s: Load: %v", p.Model, err)
		}
		out := make([]float32, len(ds.Test))
		pr.Predict(ds, ds.Test, out)
		if !slices.Equal(out, res.TestScores) {
			t.Errorf("%s: the reloaded checkpoint scores the test rows differently", p.Model)
		}
	}
}

// twoHistories returns ds (from synth) with a second history column,
// hist_cat → category (field 2): each history item's category. Every
// third row's category history is one shorter than its item history, so
// that the models read the padding id past a column's own length.
func twoHistories(ds *dataset.Dataset, clusters int) *dataset.Dataset {
	c := *ds
	sq := ds.Seq[0]
	cat := dataset.SeqColumn{MaxLen: sq.MaxLen, IDs: make([]int32, len(sq.IDs)), Len: make([]int32, len(sq.Len))}
	for r, ln := range sq.Len {
		if r%3 == 0 && ln > 0 {
			ln--
		}
		cat.Len[r] = ln
		for j := 0; j < int(ln); j++ {
			cat.IDs[r*sq.MaxLen+j] = (sq.IDs[r*sq.MaxLen+j]-1)%int32(clusters) + 1
		}
	}
	c.Schema.Sequences = append(append([]dataset.Sequence{}, ds.Schema.Sequences...),
		dataset.Sequence{Name: "hist_cat", Target: "category", Field: 2, MaxLen: sq.MaxLen})
	c.Seq = append(append([]dataset.SeqColumn{}, ds.Seq...), cat)
	return &c
}
