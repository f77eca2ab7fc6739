package model

import (
	"math"
	"testing"
)

// TestBCE_Backward: dloss/dz = σ(z) − y, scaled, and the loss is finite and
// right for large |z| where a naive log(σ(z)) would give Inf.
func TestBCE_Backward(t *testing.T) {
	z := []float32{-3, -0.5, 0, 0.7, 2.5, 4}
	y := []float32{0, 1, 1, 0, 1, 0}
	const scale = 0.25
	obj := func() float64 { return scale * bceForward(z, y) }
	dz := make([]float32, len(z))
	bceBackward(dz, z, y, scale)
	gradCheck(t, "z", z, dz, allIdx(len(z)), 1e-2, obj)

	for _, tc := range []struct {
		z, y float32
		want float64
	}{
		{100, 0, 100}, {-100, 1, 100}, {100, 1, 0}, {0, 1, math.Ln2},
	} {
		got := bceForward([]float32{tc.z}, []float32{tc.y})
		if math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("bce(z=%v, y=%v) = %v, want %v", tc.z, tc.y, got, tc.want)
		}
	}
	if p := sigmoid(-200); p != 0 || math.IsNaN(float64(p)) {
		t.Errorf("σ(−200) = %v", p)
	}
	if p := sigmoid(200); p != 1 {
		t.Errorf("σ(200) = %v", p)
	}
}
