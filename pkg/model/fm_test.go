package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestFMInteraction: the FM term equals the sum of pairwise dot products,
// and its backward matches central differences.
func TestFMInteraction_Backward(t *testing.T) {
	rng := rand.New(rand.NewPCG(24, 1))
	n, f, d, ld := 3, 4, 3, 14
	fm := newFMInteraction(f, d, n)
	x := randSlice(rng, n*ld)
	z := make([]float32, n)
	fm.forward(z, x, ld, n)
	for i := 0; i < n; i++ {
		var want float64
		for a := 0; a < f; a++ {
			for b := a + 1; b < f; b++ {
				want += float64(dot(x[i*ld+a*d:i*ld+a*d+d], x[i*ld+b*d:i*ld+b*d+d]))
			}
		}
		if math.Abs(float64(z[i])-want) > 1e-5 {
			t.Errorf("row %d: FM %v, pairwise sum %v", i, z[i], want)
		}
	}
	r := randSlice(rng, n)
	obj := func() float64 { clear(z); fm.forward(z, x, ld, n); return weighted(r, z) }
	obj()
	dx := make([]float32, n*ld)
	fm.backward(dx, r, x, ld)
	var idx []int
	for i := 0; i < n; i++ {
		for c := 0; c < f*d; c++ {
			idx = append(idx, i*ld+c)
		}
		for c := f * d; c < ld; c++ {
			if dx[i*ld+c] != 0 {
				t.Errorf("row %d: gradient outside the FM's slots at %d", i, c)
			}
		}
	}
	gradCheck(t, "x", x, dx, idx, 1e-2, obj)
}
