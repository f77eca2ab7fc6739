package model

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

func TestScratchGradNorm(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "data", "frappe_x1")
	ds, err := dataset.Load(dataset.Source{
		Train: []string{filepath.Join(dir, "train.parquet")},
		Valid: []string{filepath.Join(dir, "valid.parquet")},
		Test:  []string{filepath.Join(dir, "test.parquet")},
	}, dataset.Columns{})
	if err != nil {
		t.Fatal(err)
	}
	p := Params{Model: "autoint", L2Embedding: 0.05, Layers: 6, Heads: 4, AttentionDim: 128, Seed: 7}
	if os.Getenv("M") == "dnn" {
		p = Params{Model: "dnn", L2Embedding: 0.05, BatchNorm: true, Dropout: 0.2, Seed: 7}
	}
	p = p.WithDefaults()
	tr := newTestTrainer(t, ds, p)
	s := tr.net.params()
	s.init(rand.New(rand.NewPCG(p.Seed, streamInit)))
	shuffle := rand.New(rand.NewPCG(1, 2))
	perm := slices.Clone(ds.Train)
	for ep := 1; ep <= 8; ep++ {
		shuffle.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		var norms []float64
		for i := 0; i < len(perm); i += p.BatchSize {
			rows := perm[i:min(i+p.BatchSize, len(perm))]
			n := len(rows)
			z, dz, y := tr.z[:n], tr.dz[:n], tr.y[:n]
			for j, r := range rows {
				y[j] = ds.Label[r]
			}
			tr.net.forward(ds, rows, z, tr.rng)
			bceForward(z, y)
			clear(dz)
			bceBackward(dz, z, y, 1/float32(n))
			tr.upd.collect(ds, rows)
			tr.net.backward(dz)
			s.addL2(kindEmbedding, tr.l2e)
			s.addL2(kindWeight, tr.l2d)
			var ss float64
			for _, g := range s.G[:s.Trainable] {
				ss += float64(g) * float64(g)
			}
			norms = append(norms, math.Sqrt(ss))
			tr.upd.apply(tr.opt, s, p.LR)
		}
		sort.Float64s(norms)
		m, _ := tr.evaluate(t.Context(), ds.Valid, false)
		t.Logf("epoch %d: grad norm min %.3g median %.3g p90 %.3g max %.3g; valid AUC %.4f logloss %.4f", ep, norms[0], norms[len(norms)/2], norms[len(norms)*9/10], norms[len(norms)-1], m.AUC, m.LogLoss)
	}
}
