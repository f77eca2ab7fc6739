package model

import (
	"math/rand/v2"
	"testing"
)

// TestEmbedding_Backward: gather into a strided buffer (guard cells between
// slots untouched), scatter-add with a repeated id, and the L2 term.
func TestEmbedding_Backward(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 1))
	v, d, ldo := 6, 3, 5
	e := embedding{V: v, D: d, E: randSlice(rng, v*d), dE: make([]float32, v*d)}
	ids := []int32{2, 0, 5, 2}
	out := make([]float32, len(ids)*ldo)
	fill(out, sentinel)
	r := randSlice(rng, len(out))
	const lambda = 0.3
	obj := func() float64 {
		e.forward(out, ldo, ids)
		s := 0.0
		for i := range ids {
			for c := 0; c < d; c++ {
				s += float64(r[i*ldo+c]) * float64(out[i*ldo+c])
			}
		}
		for _, w := range e.E {
			s += lambda / 2 * float64(w) * float64(w)
		}
		return s
	}
	obj()
	for i := range ids {
		for c := d; c < ldo; c++ {
			if out[i*ldo+c] != sentinel {
				t.Fatalf("out guard cell row %d col %d written", i, c)
			}
		}
	}
	e.backward(r, ldo, ids)
	e.addL2(lambda)
	gradCheck(t, "E", e.E, e.dE, allIdx(v*d), 1e-2, obj)

	defer func() {
		if r := recover(); r == nil {
			t.Error("id outside the vocabulary did not panic")
		}
	}()
	e.forward(out, ldo, []int32{int32(v)})
}
