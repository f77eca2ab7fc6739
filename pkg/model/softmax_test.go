package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestSoftmax_Backward(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 1))
	a := randSlice(rng, 5)
	w := make([]float32, 5)
	r := randSlice(rng, 5)
	obj := func() float64 { softmaxForward(w, a); return weighted(r, w) }
	obj()
	var sum float32
	for _, v := range w {
		sum += v
	}
	if math.Abs(float64(sum)-1) > 1e-6 {
		t.Errorf("weights sum to %v", sum)
	}
	da := make([]float32, 5)
	softmaxBackward(da, r, w)
	gradCheck(t, "a", a, da, allIdx(5), 1e-2, obj)
}
