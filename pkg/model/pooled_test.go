package model

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// withPooled returns a shallow copy of ds with two pooled columns: genres
// (vocabulary 9, MaxLen 4) and tags (vocabulary 6, MaxLen 3). Lengths run
// 0..MaxLen (empty lists included) and items within the length may be 0
// (the unknown item); positions past the length are 0.
func withPooled(ds *dataset.Dataset, seed uint64) *dataset.Dataset {
	c := *ds
	rng := rand.New(rand.NewPCG(seed, 13))
	c.Schema.Pooled = []dataset.Field{{Name: "genres", Vocab: 9}, {Name: "tags", Vocab: 6}}
	c.Pooled = nil
	for _, fd := range c.Schema.Pooled {
		ml := fd.Vocab / 2
		col := dataset.SeqColumn{MaxLen: ml, IDs: make([]int32, c.N*ml), Len: make([]int32, c.N)}
		for r := 0; r < c.N; r++ {
			ln := rng.IntN(ml + 1)
			col.Len[r] = int32(ln)
			for j := 0; j < ln; j++ {
				col.IDs[r*ml+j] = int32(rng.IntN(fd.Vocab))
			}
		}
		c.Pooled = append(c.Pooled, col)
	}
	return &c
}

// TestInputs_Pooled checks the pooled-mean slots of fields against a direct
// computation (0 for an empty list, id 0 within the length embedded like any
// id) and fieldsBackward against central differences of Σ r·x, with guard
// cells between the rows left untouched.
func TestInputs_Pooled(t *testing.T) {
	ds := withPooled(synth(synthConfig{Rows: 60, Users: 5, Items: 8, Clusters: 2, HistLen: 3, Seed: 21}), 22)
	rng := rand.New(rand.NewPCG(21, 2))
	const d = 3
	var in *inputs
	s := newTestSlab(rng, func(s *slab) {
		var err error
		if in, err = declareInputs(s, ds, Params{Model: "dnn"}, d, seqOptional); err != nil {
			t.Fatal(err)
		}
	})
	in.bind(s, 32)
	if in.C != 4 || in.M != 6 {
		t.Fatalf("C = %d, M = %d, want 4 and 6", in.C, in.M)
	}
	rows := ds.Train[:20]
	in.load(ds, rows)
	ldx := in.M*d + 2
	x := make([]float32, len(rows)*ldx)
	fill(x, sentinel)
	r := randSlice(rng, len(x))
	obj := func() float64 {
		in.fields(x, ldx)
		var o float64
		for i := range rows {
			o += weighted(r[i*ldx:i*ldx+in.M*d], x[i*ldx:i*ldx+in.M*d])
		}
		return o
	}
	obj()
	empty, unknown := 0, 0
	for i, row := range rows {
		for c := in.M * d; c < ldx; c++ {
			if x[i*ldx+c] != sentinel {
				t.Fatalf("guard cell row %d col %d written", i, c)
			}
		}
		for k, pc := range ds.Pooled {
			tab := s.w(in.tables[in.C+k])
			ln := int(pc.Len[row])
			items := pc.IDs[int(row)*pc.MaxLen : int(row)*pc.MaxLen+ln]
			if ln == 0 {
				empty++
			}
			for _, id := range items {
				if id == 0 {
					unknown++
				}
			}
			for c := 0; c < d; c++ {
				var want float64
				for _, id := range items {
					want += float64(tab[int(id)*d+c]) / float64(ln)
				}
				if got := x[i*ldx+(in.C+k)*d+c]; math.Abs(float64(got)-want) > 1e-5 {
					t.Errorf("row %d pooled %d dim %d: %v, want %v", i, k, c, got, want)
				}
			}
		}
	}
	if empty == 0 || unknown == 0 {
		t.Fatalf("the batch has %d empty lists and %d unknown items: the check is too weak", empty, unknown)
	}
	clear(s.G)
	in.fieldsBackward(r, ldx)
	for k := range ds.Pooled {
		id := in.tables[in.C+k]
		gradCheck(t, s.tensors[id].Name, s.w(id), s.g(id), allIdx(len(s.w(id))), 1e-2, obj)
	}
}

// TestModels_Backward_Pooled is TestModels_Backward on data with pooled
// columns (the pooled tables' rows the batch uses are all checked).
func TestModels_Backward_Pooled(t *testing.T) {
	ds := withPooled(synth(synthConfig{Rows: 300, Users: 10, Items: 12, Clusters: 3, HistLen: 5, Seed: 3}), 4)
	for _, name := range Models() {
		t.Run(name, func(t *testing.T) {
			p := Params{Model: name, EmbedDim: 4, Hidden: []int{8, 6}, BatchNorm: true, Dropout: 0.2,
				AttentionHidden: []int{6}, AttentionDim: 4, Heads: 2, Layers: 2}
			checkModelGradient(t, ds, p)
		})
	}
	for _, name := range []string{"logreg", "deepfm"} {
		t.Run(name+"_nohistory", func(t *testing.T) {
			checkModelGradient(t, noHistory(ds), Params{Model: name, EmbedDim: 3, Hidden: []int{5}})
		})
	}
}

// TestStep_NoAllocs_Pooled is TestStep_NoAllocs on data with pooled columns.
func TestStep_NoAllocs_Pooled(t *testing.T) {
	checkNoAllocs(t, withPooled(synth(synthConfig{Rows: 2000, Seed: 11}), 12), 256, nil)
}

// pooledOnly builds data whose click depends only on a pooled list: the
// label is "genres contains item 3" (flipped for 5% of the rows). The
// categorical user and the dense value are noise. Lists hold 0..5 items of
// ids 0..10 (0 the unknown item).
func pooledOnly(n int, seed uint64) *dataset.Dataset {
	rng := rand.New(rand.NewPCG(seed, 17))
	const ml, vocab = 5, 11
	ds := &dataset.Dataset{
		Schema: dataset.Schema{
			Label:       "click",
			Categorical: []dataset.Field{{Name: "user", Vocab: 21}},
			Dense:       []string{"noise"},
			Pooled:      []dataset.Field{{Name: "genres", Vocab: vocab}},
		},
		N:        n,
		Label:    make([]float32, n),
		Cat:      [][]int32{make([]int32, n)},
		Dense:    [][]float32{make([]float32, n)},
		Pooled:   []dataset.SeqColumn{{MaxLen: ml, IDs: make([]int32, n*ml), Len: make([]int32, n)}},
		HasLabel: true,
	}
	pc := &ds.Pooled[0]
	for r := 0; r < n; r++ {
		ln := rng.IntN(ml + 1)
		has := false
		for j := 0; j < ln; j++ {
			id := int32(rng.IntN(vocab))
			pc.IDs[r*ml+j] = id
			has = has || id == 3
		}
		pc.Len[r] = int32(ln)
		if has != (rng.IntN(20) == 0) {
			ds.Label[r] = 1
		}
		ds.Cat[0][r] = int32(1 + rng.IntN(20))
		ds.Dense[0][r] = float32(rng.NormFloat64())
	}
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	rng.Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
	ds.Train, ds.Valid, ds.Test = perm[:n*8/10], perm[n*8/10:n*9/10], perm[n*9/10:]
	return ds
}

// TestTrain_PooledFeature is the accuracy test of the pooled features: the
// label depends only on a pooled list, so a model that reads it must clearly
// beat chance, and the same model without the column must not.
func TestTrain_PooledFeature(t *testing.T) {
	ds := pooledOnly(6000, 31)
	without := *ds
	without.Schema.Pooled, without.Pooled = nil, nil
	for _, m := range []string{"logreg", "dnn"} {
		p := smallParams(m)
		p.Epochs, p.LR = 10, 3e-2
		res, err := Train(context.Background(), ds, p, nil)
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		auc := res.Final["test"].AUC
		res0, err := Train(context.Background(), &without, p, nil)
		if err != nil {
			t.Fatalf("%s without pooled: %v", m, err)
		}
		auc0 := res0.Final["test"].AUC
		t.Logf("%-6s test AUC %.4f with the pooled column, %.4f without", m, auc, auc0)
		if auc < 0.8 {
			t.Errorf("%s: test AUC %.4f with the pooled column, want > 0.8", m, auc)
		}
		if auc0 > 0.65 {
			t.Errorf("%s: test AUC %.4f without the pooled column: the data leaks the label elsewhere", m, auc0)
		}
	}
}

// TestCheckpoint_Pooled: a model trained with pooled columns restores and
// reproduces its test scores, and refuses data without the pooled column or
// with another vocabulary, with a clear error; invalid pooled data is
// refused by validation.
func TestCheckpoint_Pooled(t *testing.T) {
	ds := pooledOnly(1500, 32)
	p := smallParams("deepfm")
	p.Epochs = 1
	res, err := Train(context.Background(), ds, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := Load(res.Checkpoint, ds)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]float32, len(ds.Test))
	pr.Predict(ds, ds.Test, got)
	for i, s := range res.TestScores {
		if got[i] != s {
			t.Fatalf("test row %d: Predict %v, Train %v", i, got[i], s)
		}
	}
	without := *ds
	without.Schema.Pooled, without.Pooled = nil, nil
	if _, err := Load(res.Checkpoint, &without); err == nil || !strings.Contains(err.Error(), "0 pooled columns") {
		t.Errorf("data without the pooled column: err = %v", err)
	}
	other := *ds
	other.Schema.Pooled = []dataset.Field{{Name: "genres", Vocab: 12}}
	if _, err := Load(res.Checkpoint, &other); err == nil || !strings.Contains(err.Error(), `pooled column 0 is "genres" with vocabulary 12`) {
		t.Errorf("other vocabulary: err = %v", err)
	}
	bad := *ds
	bad.Pooled = []dataset.SeqColumn{ds.Pooled[0]}
	bad.Pooled[0].IDs = append([]int32(nil), ds.Pooled[0].IDs...)
	bad.Pooled[0].IDs[7] = 11
	if _, err := Train(context.Background(), &bad, p, nil); err == nil || !strings.Contains(err.Error(), `pooled column "genres": row 1: id 11 outside vocabulary [0, 11)`) {
		t.Errorf("id outside the vocabulary: err = %v", err)
	}
	bad.Pooled = nil
	if _, err := Train(context.Background(), &bad, p, nil); err == nil || !strings.Contains(err.Error(), "0 pooled columns, schema has 1") {
		t.Errorf("missing pooled data: err = %v", err)
	}
}
