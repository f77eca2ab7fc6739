package model

import (
	"context"
	"sync"
	"testing"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// benchData: 70,000 rows with histories of up to 20 items.
var benchData = sync.OnceValue(func() *dataset.Dataset {
	return synth(synthConfig{Rows: 70000, Users: 5000, Items: 2000, Clusters: 40, HistLen: 20, Seed: 1})
})

func benchParams(model string) Params {
	return Params{Model: model, EmbedDim: 16, Hidden: []int{64, 32}, BatchSize: 256, Seed: 1}.WithDefaults()
}

// BenchmarkEpoch times one training pass (shuffle excluded) over all 70,000
// rows: one op is one epoch. Run with -benchtime=2x; the machine is shared.
func BenchmarkEpoch(b *testing.B) {
	ds := benchData()
	all := make([]int32, ds.N)
	for i := range all {
		all[i] = int32(i)
	}
	for _, m := range Models() {
		b.Run(m, func(b *testing.B) {
			p := benchParams(m)
			tr := newTestTrainer(b, ds, p)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := tr.epoch(context.Background(), all, p.LR, 1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPredict times scoring all 70,000 rows (forward only, as in the
// per-epoch validation).
func BenchmarkPredict(b *testing.B) {
	ds := benchData()
	all := make([]int32, ds.N)
	for i := range all {
		all[i] = int32(i)
	}
	for _, m := range Models() {
		b.Run(m, func(b *testing.B) {
			p := benchParams(m)
			nt, err := newNet(ds, p, p.BatchSize)
			if err != nil {
				b.Fatal(err)
			}
			out := make([]float32, ds.N)
			z := make([]float32, p.BatchSize)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				_ = predictRows(context.Background(), nt, ds, all, out, z)
			}
		})
	}
}
