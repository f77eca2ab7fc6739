package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestReLU_Backward(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 1))
	x := randSlice(rng, 40)
	for i := range x { // keep away from the kink
		if math.Abs(float64(x[i])) < 0.05 {
			x[i] = 0.3
		}
	}
	y := make([]float32, len(x))
	r := randSlice(rng, len(x))
	obj := func() float64 { reluForward(y, x); return weighted(r, y) }
	dx := make([]float32, len(x))
	obj()
	reluBackward(dx, r, x)
	gradCheck(t, "x", x, dx, allIdx(len(x)), 1e-2, obj)
}

// TestReLU_Edges: the branch-free loops agree with the definition at the
// values where bit tricks go wrong (zeros of both signs, subnormals, ±Inf).
func TestReLU_Edges(t *testing.T) {
	negZero := float32(math.Copysign(0, -1))
	inf := float32(math.Inf(1))
	for _, v := range []float32{1, -1, 0, negZero, 1e-40, -1e-40, inf, -inf, math.MaxFloat32, -math.MaxFloat32} {
		y := []float32{7}
		reluForward(y, []float32{v})
		dx, set := []float32{0.5}, []float32{0.5}
		reluBackward(dx, []float32{3}, []float32{v})
		reluBackwardSet(set, []float32{3}, []float32{v})
		wantY, wantDx, wantSet := float32(0), float32(0.5), float32(0)
		if v > 0 {
			wantY, wantDx, wantSet = v, 3.5, 3
		}
		if y[0] != wantY || dx[0] != wantDx || set[0] != wantSet {
			t.Errorf("relu(%v) = %v, dx %v, set %v; want %v, %v, %v", v, y[0], dx[0], set[0], wantY, wantDx, wantSet)
		}
	}
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
