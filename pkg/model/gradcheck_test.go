package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// newTestSlab declares tensors with decl, allocates and fills W randomly
// (state tensors get positive values, like variances).
func newTestSlab(rng *rand.Rand, decl func(s *slab)) *slab {
	s := &slab{}
	decl(s)
	s.alloc()
	for i, tn := range s.tensors {
		for j := range s.w(i) {
			v := float32(rng.NormFloat64())
			if tn.Kind == kindState {
				v = 0.5 + float32(rng.Float64())
			}
			s.w(i)[j] = v
		}
	}
	return s
}

// Backward of every layer is checked against central differences of a
// scalar objective obj = Σ r·out (r fixed random weights), evaluated in
// float64 from the float32 forward. The analytic gradient is what Backward
// produces for dout = r.

// gradCheck perturbs x[j] for each j in idx by ±h and compares
// (obj(x+h) − obj(x−h))/(2h) with analytic[j].
func gradCheck(t *testing.T, name string, x, analytic []float32, idx []int, h float32, obj func() float64) {
	t.Helper()
	gradCheckTol(t, name, x, analytic, idx, h, 1e-3, 3e-2, obj)
}

// gradCheckTol is gradCheck with an explicit tolerance |got − fd| ≤ atol + rtol·|fd|.
// A mismatch is retried with h/5 and h/25 before it counts: a ReLU kink
// within h of a pre-activation spoils a step size, a wrong gradient spoils
// all.
func gradCheckTol(t *testing.T, name string, x, analytic []float32, idx []int, h float32, atol, rtol float64, obj func() float64) {
	t.Helper()
	central := func(j int, h float32) float64 {
		old := x[j]
		x[j] = old + h
		up := float64(x[j])
		fp := obj()
		x[j] = old - h
		down := float64(x[j])
		fm := obj()
		x[j] = old
		return (fp - fm) / (up - down)
	}
	bad := 0
	for _, j := range idx {
		got := float64(analytic[j])
		fd := central(j, h)
		if math.Abs(got-fd) <= atol+rtol*math.Abs(fd) {
			continue
		}
		if fd2 := central(j, h/5); math.Abs(got-fd2) <= atol+rtol*math.Abs(fd2) {
			continue
		}
		if fd3 := central(j, h/25); math.Abs(got-fd3) <= atol+rtol*math.Abs(fd3) {
			continue
		}
		bad++
		if bad <= 5 {
			t.Errorf("%s[%d]: backward %.6g, central difference %.6g", name, j, got, fd)
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d of %d gradients off", name, bad, len(idx))
	}
}

func allIdx(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

func weighted(r, out []float32) float64 {
	var s float64
	for i, v := range out {
		s += float64(r[i]) * float64(v)
	}
	return s
}

// fill sets every element of x to v.
func fill(x []float32, v float32) {
	for i := range x {
		x[i] = v
	}
}
