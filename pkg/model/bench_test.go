package model

import (
	"context"
	"math/rand/v2"
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
			nt, err := newNet(ds, p, p.BatchSize)
			if err != nil {
				b.Fatal(err)
			}
			opt, _ := newOptimizer(p, nt.params().Trainable)
			tr := newTrainer(ds, nt, opt, p, ds.N)
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

// BenchmarkSigmoid compares the float64 sigmoid with sigmoid32 over values
// of random sign (Dice's gates).
func BenchmarkSigmoid(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	z := randSlice(rng, 1<<14)
	p := make([]float32, len(z))
	b.Run("float64", func(b *testing.B) {
		for b.Loop() {
			for i, v := range z {
				p[i] = sigmoid(v)
			}
		}
	})
	b.Run("float32", func(b *testing.B) {
		for b.Loop() {
			for i, v := range z {
				p[i] = sigmoid32(v)
			}
		}
	})
	b.Run("slice", func(b *testing.B) {
		for b.Loop() {
			sigmoidSlice(p, z)
		}
	})
}

// BenchmarkReLU: forward and backward over 65,536 values of random sign (as
// after BatchNorm), the case where a branch on the sign mispredicts.
func BenchmarkReLU(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := randSlice(rng, 1<<16)
	y, dy, dx := make([]float32, len(x)), randSlice(rng, len(x)), make([]float32, len(x))
	b.Run("forward", func(b *testing.B) {
		for b.Loop() {
			reluForward(y, x)
		}
	})
	b.Run("backward", func(b *testing.B) {
		for b.Loop() {
			reluBackward(dx, dy, x)
		}
	})
}
