package model

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestBatchNorm_Backward checks dx, dγ, dβ in both modes, and the running
// statistics of a training forward against a direct computation.
func TestBatchNorm_Backward(t *testing.T) {
	for _, train := range []bool{true, false} {
		rng := rand.New(rand.NewPCG(20, 1))
		n, c := 6, 4
		var bind func(int) *batchNorm
		s := newTestSlab(rng, func(s *slab) { bind = declareBatchNorm(s, "bn_", c, true, 1e-5) })
		bn := bind(n)
		x := randSlice(rng, n*c)
		y := make([]float32, n*c)
		r := randSlice(rng, n*c)
		runMean := append([]float32(nil), bn.runMean...)
		runVar := append([]float32(nil), bn.runVar...)
		obj := func() float64 {
			copy(bn.runMean, runMean) // keep eval mode on fixed statistics
			copy(bn.runVar, runVar)
			bn.forward(y, x, n, train)
			return weighted(r, y)
		}
		obj()
		if train {
			for j := 0; j < c; j++ {
				var m, v float64
				for i := 0; i < n; i++ {
					m += float64(x[i*c+j]) / float64(n)
				}
				for i := 0; i < n; i++ {
					d := float64(x[i*c+j]) - m
					v += d * d / float64(n-1)
				}
				wantM := 0.9*float64(runMean[j]) + 0.1*m
				wantV := 0.9*float64(runVar[j]) + 0.1*v
				if math.Abs(float64(bn.runMean[j])-wantM) > 1e-5 || math.Abs(float64(bn.runVar[j])-wantV) > 1e-5 {
					t.Errorf("channel %d: running mean %v var %v, want %v %v", j, bn.runMean[j], bn.runVar[j], wantM, wantV)
				}
				var ym float64
				for i := 0; i < n; i++ {
					ym += float64((y[i*c+j] - bn.beta[j]) / bn.gamma[j])
				}
				if math.Abs(ym) > 1e-4 {
					t.Errorf("channel %d: normalised mean %v, want 0", j, ym/float64(n))
				}
			}
		} else {
			for i := 0; i < n; i++ {
				for j := 0; j < c; j++ {
					want := bn.gamma[j]*(x[i*c+j]-runMean[j])/float32(math.Sqrt(float64(runVar[j])+1e-5)) + bn.beta[j]
					if math.Abs(float64(y[i*c+j]-want)) > 1e-5 {
						t.Fatalf("eval y[%d,%d] = %v, want %v (running statistics)", i, j, y[i*c+j], want)
					}
				}
			}
		}
		dx := make([]float32, n*c)
		bn.backward(dx, r)
		name := map[bool]string{true: "train", false: "eval"}[train]
		gradCheck(t, name+" x", x, dx, allIdx(n*c), 1e-2, obj)
		gradCheck(t, name+" gamma", bn.gamma, bn.dgamma, allIdx(c), 1e-2, obj)
		gradCheck(t, name+" beta", bn.beta, bn.dbeta, allIdx(c), 1e-2, obj)
		for j := s.Trainable; j < len(s.G); j++ {
			if s.G[j] != 0 {
				t.Errorf("running statistics got gradient %v", s.G[j])
			}
		}
	}
}

// TestBatchNorm_EvalReLU: the fused evaluation pass gives the bits of
// forward (running statistics) followed by ReLU, with and without γ, β.
func TestBatchNorm_EvalReLU(t *testing.T) {
	const c, n = 7, 5
	rng := rand.New(rand.NewPCG(3, 9))
	x := randSlice(rng, n*c)
	for _, affine := range []bool{true, false} {
		s := &slab{}
		bind := declareBatchNorm(s, "bn_", c, affine, 1e-5)
		s.alloc()
		s.init(rand.New(rand.NewPCG(5, 6)))
		for j := range s.W { // γ, β and the running statistics away from 1, 0
			s.W[j] += 0.3*float32(j%3) + 0.1
		}
		bn := bind(n)
		want, got := make([]float32, n*c), make([]float32, n*c)
		bn.forward(want, x, n, false)
		reluForward(want, want)
		bn.forwardEvalReLU(got, x, n)
		if !slices.Equal(got, want) {
			t.Errorf("affine %v: fused %v, want %v", affine, got, want)
		}
	}
}

// TestBatchNorm_KernelBits: with γ and β the kernels give the portable
// loops' bits: forward and backward in both modes (batch statistics
// included) and the fused evaluation with ReLU, whose max keeps a NaN (its
// sign bit cleared) and turns −0 into +0 as Go's max does; the widths have a
// tail after the last 8.
func TestBatchNorm_KernelBits(t *testing.T) {
	if !gemmHaveKernel {
		t.Skip("no 8-wide kernels in this build or on this CPU")
	}
	for _, c := range []int{13, 16} {
		for _, train := range []bool{true, false} {
			rng := rand.New(rand.NewPCG(uint64(c), 11))
			n := 10
			var bind func(int) *batchNorm
			s := newTestSlab(rng, func(s *slab) { bind = declareBatchNorm(s, "bn_", c, true, 1e-5) })
			w := append([]float32(nil), s.W...)
			bn := bind(n)
			x, dy := randSlice(rng, n*c), randSlice(rng, n*c)
			x[2] = float32(math.NaN())
			x[3] = 0.25
			x[4] = math.Float32frombits(0xffc00000) // a NaN with its sign bit set
			run := func(kernel bool) (out [][]float32) {
				copy(s.W, w)
				clear(s.G)
				y, dx, r := make([]float32, n*c), make([]float32, n*c), make([]float32, n*c)
				withKernels(kernel, func() {
					// x̂ = +0 at [0, 3], and −1·(+0) + (−0) = −0 before ReLU
					bn.runMean[3], bn.gamma[3], bn.beta[3] = 0.25, -1, float32(math.Copysign(0, -1))
					bn.forwardEvalReLU(r, x, n)
					bn.beta[3] = 0
					bn.forward(y, x[:], n, train)
					bn.backward(dx, dy)
				})
				return [][]float32{r, y, bn.xhat[:n*c], dx, bn.dgamma, bn.dbeta, bn.runMean, bn.runVar}
			}
			k, g := run(true), run(false)
			names := []string{"eval ReLU", "y", "x̂", "dx", "dγ", "dβ", "running mean", "running var"}
			for q, name := range names {
				for i := range k[q] {
					if math.Float32bits(k[q][i]) != math.Float32bits(g[q][i]) {
						t.Fatalf("c %d train %v: %s[%d] = %v with the kernels, %v without", c, train, name, i, k[q][i], g[q][i])
					}
				}
			}
			if !math.IsNaN(float64(k[0][2])) || math.Signbit(float64(k[0][3])) {
				t.Errorf("c %d: eval ReLU of NaN, −0: %v, %v; want NaN, +0", c, k[0][2], k[0][3])
			}
		}
	}
}

// BenchmarkDNNBatchNorm times dnn with BatchNorm on the BARS tower
// ([400, 400, 400], ReLU) over benchData's first 8,192 rows at batch 1,024:
// train, one epoch (8 steps); predict, scoring them.
func BenchmarkDNNBatchNorm(b *testing.B) {
	ds := benchData()
	rows := make([]int32, 8192)
	for i := range rows {
		rows[i] = int32(i)
	}
	p := Params{Model: "dnn", EmbedDim: 16, Hidden: []int{400, 400, 400}, BatchNorm: true, BatchSize: 1024, Seed: 1}.WithDefaults()
	b.Run("train", func(b *testing.B) { benchEpochRows(b, ds, p, rows) })
	b.Run("predict", func(b *testing.B) { benchPredictRows(b, ds, p, rows, p.BatchSize) })
}
