package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAttention_Backward checks dv and de over rows with full, partial and
// empty histories. Padding positions hold NaN: forward must not read them,
// and backward must leave their gradients alone.
func TestAttention_Backward(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 1))
	n, d, L, ld := 4, 5, 6, 8
	at := newAttention(d, L)
	lens := []int32{6, 3, 0, 1}
	v := randSlice(rng, n*ld)
	e := randSlice(rng, n*L*d)
	nan := float32(math.NaN())
	for i := 0; i < n; i++ {
		fill(e[i*L*d+int(lens[i])*d:(i+1)*L*d], nan)
	}
	u := make([]float32, n*ld)
	fill(u, sentinel)
	w := make([]float32, n*L)
	r := randSlice(rng, n*ld)
	obj := func() float64 {
		at.forward(u, ld, w, v, ld, e, lens, n)
		s := 0.0
		for i := 0; i < n; i++ {
			for c := 0; c < d; c++ {
				s += float64(r[i*ld+c]) * float64(u[i*ld+c])
			}
		}
		return s
	}
	obj()
	for i := 0; i < n; i++ {
		var sum float32
		for j := 0; j < L; j++ {
			if j >= int(lens[i]) && w[i*L+j] != 0 {
				t.Errorf("row %d: weight on padding position %d = %v", i, j, w[i*L+j])
			}
			sum += w[i*L+j]
		}
		if lens[i] > 0 && math.Abs(float64(sum)-1) > 1e-5 {
			t.Errorf("row %d: weights sum to %v", i, sum)
		}
		for c := 0; c < ld; c++ {
			got := u[i*ld+c]
			switch {
			case c >= d && got != sentinel:
				t.Errorf("u guard cell row %d col %d written", i, c)
			case c < d && lens[i] == 0 && got != 0:
				t.Errorf("row %d: empty history gives u[%d] = %v, want 0", i, c, got)
			case c < d && math.IsNaN(float64(got)):
				t.Errorf("row %d: u[%d] is NaN: padding was read", i, c)
			}
		}
	}
	dv := make([]float32, n*ld)
	de := make([]float32, n*L*d)
	for i := 0; i < n; i++ {
		fill(de[i*L*d+int(lens[i])*d:(i+1)*L*d], sentinel)
	}
	at.backward(dv, ld, de, r, ld, w, v, e, lens, n)
	var vi, ei []int
	for i := 0; i < n; i++ {
		for c := 0; c < d; c++ {
			vi = append(vi, i*ld+c)
		}
		for j := 0; j < L*d; j++ {
			k := i*L*d + j
			if j < int(lens[i])*d {
				ei = append(ei, k)
			} else if de[k] != sentinel {
				t.Errorf("row %d: padding gradient de[%d] written", i, j)
			}
		}
	}
	gradCheck(t, "v", v, dv, vi, 1e-3, obj)
	gradCheck(t, "e", e, de, ei, 1e-3, obj)
}
