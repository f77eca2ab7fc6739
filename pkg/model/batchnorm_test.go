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
