package model

import (
	"context"
	"sync"
	"testing"
	"time"

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
			cpu0 := processCPUTime()
			for i := 0; i < b.N; i++ {
				if _, err := tr.epoch(context.Background(), all, p.LR, 1); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu0)
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
			cpu0 := processCPUTime()
			for i := 0; i < b.N; i++ {
				_ = predictRows(context.Background(), nt, ds, all, out, z)
			}
			reportCPU(b, cpu0)
		})
	}
}

// reportCPU reports the process's CPU time per op since cpu0 as cpu-ms/op:
// on a shared machine the wall time (ns/op) also counts waits for a core.
func reportCPU(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64(processCPUTime()-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

// BenchmarkDIN times din at the sizes of the served model in BENCHMARKS.md
// (embed_dim 32, hidden [200, 80], the default attention MLP [80, 40] with
// Dice) on benchData's histories of up to 20 items. train: one op is an
// epoch over the first 8,192 rows at batch 1,024 (8 steps); predict: one op
// scores those rows 100 at a time (a serve request's 100 candidates).
func BenchmarkDIN(b *testing.B) {
	ds := benchData()
	rows := make([]int32, 8192)
	for i := range rows {
		rows[i] = int32(i)
	}
	p := Params{Model: "din", EmbedDim: 32, Hidden: []int{200, 80}, BatchSize: 1024, Seed: 1}.WithDefaults()
	b.Run("train", func(b *testing.B) { benchEpochRows(b, ds, p, rows) })
	b.Run("predict", func(b *testing.B) { benchPredictRows(b, ds, p, rows, 100) })
}

// benchEpochRows times one training pass over rows: one op is an epoch.
func benchEpochRows(b *testing.B, ds *dataset.Dataset, p Params, rows []int32) {
	tr := newTestTrainer(b, ds, p)
	b.ResetTimer()
	cpu0 := processCPUTime()
	for i := 0; i < b.N; i++ {
		if _, err := tr.epoch(context.Background(), rows, p.LR, 1); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu0)
}

// benchPredictRows times scoring rows batch at a time: one op scores them all.
func benchPredictRows(b *testing.B, ds *dataset.Dataset, p Params, rows []int32, batch int) {
	nt, err := newNet(ds, p, batch)
	if err != nil {
		b.Fatal(err)
	}
	out, z := make([]float32, len(rows)), make([]float32, batch)
	b.ResetTimer()
	cpu0 := processCPUTime()
	for i := 0; i < b.N; i++ {
		_ = predictRows(context.Background(), nt, ds, rows, out, z)
	}
	reportCPU(b, cpu0)
}
