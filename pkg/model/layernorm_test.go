package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestLayerNorm_Backward(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 1))
	n, d := 5, 6
	var bind func(int) *layerNorm
	newTestSlab(rng, func(s *slab) { bind = declareLayerNorm(s, "ln_", d) })
	ln := bind(n)
	x := randSlice(rng, n*d)
	y := make([]float32, n*d)
	r := randSlice(rng, n*d)
	obj := func() float64 { ln.forward(y, x, n); return weighted(r, y) }
	obj()
	for i := 0; i < n; i++ { // each row of x̂ has mean 0 and variance ≈ 1
		var m, v float64
		for c := 0; c < d; c++ {
			m += float64(ln.xhat[i*d+c]) / float64(d)
		}
		for c := 0; c < d; c++ {
			v += math.Pow(float64(ln.xhat[i*d+c])-m, 2) / float64(d)
		}
		if math.Abs(m) > 1e-5 || math.Abs(v-1) > 1e-3 {
			t.Errorf("row %d: x̂ mean %v variance %v", i, m, v)
		}
	}
	dx := make([]float32, n*d)
	ln.backward(dx, r)
	gradCheck(t, "x", x, dx, allIdx(n*d), 1e-2, obj)
	gradCheck(t, "gamma", ln.gamma, ln.dgamma, allIdx(d), 1e-2, obj)
	gradCheck(t, "beta", ln.beta, ln.dbeta, allIdx(d), 1e-2, obj)
}
