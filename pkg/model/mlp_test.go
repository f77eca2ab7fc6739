package model

import (
	"math/rand/v2"
	"testing"
)

// TestMLP_Backward: an MLP with BatchNorm, Dice and dropout in training
// mode (fixed mask), input gradient included.
func TestMLP_Backward(t *testing.T) {
	for _, act := range []string{"relu", "dice"} {
		rng := rand.New(rand.NewPCG(26, 1))
		n, in := 8, 5
		var bind func(int) *mlp
		s := newTestSlab(rng, func(s *slab) {
			bind = declareMLP(s, "m_", in, mlpOpts{Hidden: []int{6, 4}, Act: act, BatchNorm: true, Dropout: 0.25})
		})
		m := bind(n)
		x := randSlice(rng, n*in)
		z := make([]float32, n)
		r := randSlice(rng, n)
		state := append([]float32(nil), s.W[s.Trainable:]...)
		obj := func() float64 {
			copy(s.W[s.Trainable:], state)
			m.forward(z, x, n, rand.New(rand.NewPCG(7, 7)))
			return weighted(r, z)
		}
		obj()
		clear(s.G)
		dx := make([]float32, n*in)
		m.backward(dx, r)
		gradCheck(t, act+" x", x, dx, allIdx(len(x)), 1e-3, obj)
		gradCheck(t, act+" W", s.W, s.G, allIdx(s.Trainable), 1e-3, obj)
	}
}

// TestMLP_BackwardEval: in evaluation mode (running BatchNorm statistics,
// dropout skipped) backward differentiates that forward.
func TestMLP_BackwardEval(t *testing.T) {
	rng := rand.New(rand.NewPCG(26, 2))
	n, in := 8, 5
	var bind func(int) *mlp
	s := newTestSlab(rng, func(s *slab) {
		bind = declareMLP(s, "m_", in, mlpOpts{Hidden: []int{6, 4}, BatchNorm: true, Dropout: 0.25})
	})
	m := bind(n)
	x, r, z := randSlice(rng, n*in), randSlice(rng, n), make([]float32, n)
	obj := func() float64 {
		m.forward(z, x, n, nil)
		return weighted(r, z)
	}
	obj()
	clear(s.G)
	dx := make([]float32, n*in)
	m.backward(dx, r)
	gradCheck(t, "eval x", x, dx, allIdx(len(x)), 1e-3, obj)
	gradCheck(t, "eval W", s.W, s.G, allIdx(s.Trainable), 1e-3, obj)
}
