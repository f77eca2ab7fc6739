package model

import (
	"math/rand/v2"
	"testing"
)

func TestMul_Backward(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 1))
	n, d, ld := 4, 3, 7
	v, u := randSlice(rng, n*ld), randSlice(rng, n*ld)
	z := make([]float32, n*ld)
	r := randSlice(rng, n*ld)
	obj := func() float64 {
		mulForward(z, v, u, ld, d, n)
		s := 0.0
		for i := 0; i < n; i++ {
			for c := 0; c < d; c++ {
				s += float64(r[i*ld+c]) * float64(z[i*ld+c])
			}
		}
		return s
	}
	dv, du := make([]float32, n*ld), make([]float32, n*ld)
	obj()
	mulBackward(dv, du, r, v, u, ld, d, n)
	var idx []int
	for i := 0; i < n; i++ {
		for c := 0; c < d; c++ {
			idx = append(idx, i*ld+c)
		}
	}
	gradCheck(t, "v", v, dv, idx, 1e-2, obj)
	gradCheck(t, "u", u, du, idx, 1e-2, obj)
}
