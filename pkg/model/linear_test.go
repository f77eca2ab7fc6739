package model

import (
	"math/rand/v2"
	"testing"
)

// TestLinear_Backward checks dW, db and dx of y = x·W + b, with a padded
// input stride whose gaps must stay untouched (guard cells).
func TestLinear_Backward(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 1))
	n, in, out, ldx := 5, 7, 3, 9
	l := linear{I: in, O: out, W: randSlice(rng, in*out), b: randSlice(rng, out), dW: make([]float32, in*out), db: make([]float32, out)}
	x := make([]float32, n*ldx)
	fill(x, sentinel)
	for i := 0; i < n; i++ {
		copy(x[i*ldx:i*ldx+in], randSlice(rng, in))
	}
	y := make([]float32, n*out)
	r := randSlice(rng, n*out)
	obj := func() float64 { l.forward(y, x, ldx, n); return weighted(r, y) }
	dx := make([]float32, n*ldx)
	fill(dx, sentinel)
	for i := 0; i < n; i++ {
		clear(dx[i*ldx : i*ldx+in])
	}
	obj()
	l.backward(dx, r, x, ldx, n)
	for i := 0; i < n; i++ {
		for c := in; c < ldx && i*ldx+c < len(dx); c++ {
			if dx[i*ldx+c] != sentinel {
				t.Fatalf("dx guard cell row %d col %d written", i, c)
			}
		}
	}
	gradCheck(t, "W", l.W, l.dW, allIdx(in*out), 1e-2, obj)
	gradCheck(t, "b", l.b, l.db, allIdx(out), 1e-2, obj)
	var xi []int
	for i := 0; i < n; i++ {
		for c := 0; c < in; c++ {
			xi = append(xi, i*ldx+c)
		}
	}
	gradCheck(t, "x", x, dx, xi, 1e-2, obj)
}
