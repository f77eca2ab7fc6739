package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestDice_Backward: Dice in training mode (through its batch statistics)
// and in evaluation mode, with α ≠ 0 so that both branches matter.
func TestDice_Backward(t *testing.T) {
	for _, train := range []bool{true, false} {
		rng := rand.New(rand.NewPCG(22, 1))
		n, c := 7, 3
		var bind func(int) *dice
		newTestSlab(rng, func(s *slab) { bind = declareDice(s, "dice_", c) })
		dc := bind(n)
		x := randSlice(rng, n*c)
		y := make([]float32, n*c)
		r := randSlice(rng, n*c)
		rm, rv := append([]float32(nil), dc.bn.runMean...), append([]float32(nil), dc.bn.runVar...)
		obj := func() float64 {
			copy(dc.bn.runMean, rm)
			copy(dc.bn.runVar, rv)
			dc.forward(y, x, n, train)
			return weighted(r, y)
		}
		obj()
		// α = 0 and p → 1 gives the identity; p → 0 gives α·x: check the
		// formula on one value.
		p := sigmoid((x[0] - dc.bn.mean[0]) * dc.bn.rstd[0])
		if want := x[0] * (dc.alpha[0] + p*(1-dc.alpha[0])); math.Abs(float64(y[0]-want)) > 1e-6 {
			t.Errorf("y[0] = %v, want %v", y[0], want)
		}
		dx := make([]float32, n*c)
		dc.backward(dx, r, x)
		gradCheck(t, "x", x, dx, allIdx(n*c), 1e-2, obj)
		gradCheck(t, "alpha", dc.alpha, dc.da, allIdx(c), 1e-2, obj)
	}
}
