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

// TestMLP_ForwardPre: forwardPre on a_1 = x·W_1 + b_1 gives forward's bits,
// and its backward leaves W_1 and b_1 to the caller: their gradients from
// dpre() complete the same gradients, bit for bit.
func TestMLP_ForwardPre(t *testing.T) {
	for _, train := range []bool{true, false} {
		rng := rand.New(rand.NewPCG(26, 3))
		n, in := 9, 5
		var bind func(int) *mlp
		s := newTestSlab(rng, func(s *slab) {
			bind = declareMLP(s, "m_", in, mlpOpts{Hidden: []int{6, 4}, Act: "dice", BatchNorm: true, Dropout: 0.25})
		})
		m := bind(n)
		x, r := randSlice(rng, n*in), randSlice(rng, n)
		var step func() *rand.Rand = func() *rand.Rand { return nil }
		if train {
			step = func() *rand.Rand { return rand.New(rand.NewPCG(7, 7)) }
		}
		state := append([]float32(nil), s.W[s.Trainable:]...)
		z, dx := make([]float32, n), make([]float32, n*in)
		m.forward(z, x, n, step())
		clear(s.G)
		m.backward(dx, r)
		wantG := append([]float32(nil), s.G...)

		copy(s.W[s.Trainable:], state) // the running statistics of before the first forward
		first := &m.layers[0].lin
		first.forward(m.pre(), x, in, n)
		z2, dx2 := make([]float32, n), make([]float32, n*in)
		m.forwardPre(z2, n, step())
		clear(s.G)
		m.backward(nil, r)
		for _, g := range append(append([]float32(nil), first.dW...), first.db...) {
			if g != 0 {
				t.Fatalf("train=%v: backward after forwardPre wrote W_1's or b_1's gradient", train)
			}
		}
		first.backward(dx2, m.dpre(), x, in, n)
		for name, pair := range map[string][2][]float32{"z": {z, z2}, "dx": {dx, dx2}, "gradients": {wantG, s.G}} {
			for i := range pair[0] {
				if pair[0][i] != pair[1][i] {
					t.Fatalf("train=%v: %s[%d] = %g with forwardPre, %g with forward", train, name, i, pair[1][i], pair[0][i])
				}
			}
		}
	}
}

// BenchmarkMLPBackward times one backward of an MLP over 1,024 rows: the
// BARS dnn's tower ([400, 400, 400], BatchNorm, dropout, ReLU) and a small
// one without BatchNorm or dropout (benchParams' [64, 32]).
func BenchmarkMLPBackward(b *testing.B) {
	cases := map[string]mlpOpts{
		"bars":  {Hidden: []int{400, 400, 400}, BatchNorm: true, Dropout: 0.2},
		"small": {Hidden: []int{64, 32}},
	}
	for name, o := range cases {
		b.Run(name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			n, in := 1024, 100
			var bind func(int) *mlp
			newTestSlab(rng, func(s *slab) { bind = declareMLP(s, "m_", in, o) })
			m := bind(n)
			x, dz, z := randSlice(rng, n*in), randSlice(rng, n), make([]float32, n)
			m.forward(z, x, n, rng)
			b.ResetTimer()
			cpu0 := processCPUTime()
			for i := 0; i < b.N; i++ {
				m.backward(nil, dz)
			}
			reportCPU(b, cpu0)
		})
	}
}
