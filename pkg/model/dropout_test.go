package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestDropout: the mask is inverted (kept values scaled by 1/(1−p)), about
// a fraction p is dropped, the same generator state gives the same mask,
// evaluation is the identity, and backward applies the mask.
func TestDropout(t *testing.T) {
	const p, n = 0.3, 10000
	d := newDropout(p, n)
	x := make([]float32, n)
	fill(x, 2)
	y := make([]float32, n)
	d.forward(y, x, rand.New(rand.NewPCG(1, 2)))
	dropped := 0
	for _, v := range y {
		switch v {
		case 0:
			dropped++
		case float32(2 / (1 - p)):
		default:
			t.Fatalf("value %v is neither dropped nor scaled", v)
		}
	}
	if f := float64(dropped) / n; math.Abs(f-p) > 0.02 {
		t.Errorf("dropped %.3f, want about %v", f, p)
	}
	y2 := make([]float32, n)
	d2 := newDropout(p, n)
	d2.forward(y2, x, rand.New(rand.NewPCG(1, 2)))
	for j := range y {
		if y[j] != y2[j] {
			t.Fatal("the same generator state gave another mask")
		}
	}
	dx := make([]float32, n)
	r := randSlice(rand.New(rand.NewPCG(3, 3)), n)
	d.backward(dx, r)
	for j := range dx {
		if want := r[j] * y[j] / 2; dx[j] != want {
			t.Fatalf("dx[%d] = %v, want %v", j, dx[j], want)
		}
	}
	d.forward(y, x, nil)
	for _, v := range y {
		if v != 2 {
			t.Fatal("evaluation forward is not the identity")
		}
	}
	// A small grad check with a fixed mask (fresh generator per call).
	xs := randSlice(rand.New(rand.NewPCG(4, 4)), 9)
	ys := make([]float32, 9)
	rs := randSlice(rand.New(rand.NewPCG(5, 5)), 9)
	ds := newDropout(0.5, 9)
	obj := func() float64 { ds.forward(ys, xs, rand.New(rand.NewPCG(6, 6))); return weighted(rs, ys) }
	obj()
	dxs := make([]float32, 9)
	ds.backward(dxs, rs)
	gradCheck(t, "x", xs, dxs, allIdx(9), 1e-2, obj)
}

// TestDropout_Masks: the share of dropped values is the rate, kept values
// are scaled by 1/(1−p), an odd length fills its last mask too, and without
// an rng (evaluation) y = x.
func TestDropout_Masks(t *testing.T) {
	const n = 100001 // odd: the last value has a draw of its own
	x := make([]float32, n)
	for i := range x {
		x[i] = 2
	}
	y := make([]float32, n)
	for _, p := range []float64{0.2, 0.5} {
		d := newDropout(p, n)
		d.forward(y, x, rand.New(rand.NewPCG(3, uint64(p*10))))
		dropped := 0
		for j, v := range y {
			switch v {
			case 0:
				dropped++
			case float32(2 / (1 - p)):
			default:
				t.Fatalf("p %v: y[%d] = %v, want 0 or %v", p, j, v, 2/(1-p))
			}
		}
		if got := float64(dropped) / n; math.Abs(got-p) > 0.01 {
			t.Errorf("p %v: dropped %.4f of the values", p, got)
		}
		dx := make([]float32, n)
		d.backward(dx, x)
		for j := range dx {
			if dx[j] != y[j] {
				t.Fatalf("p %v: dx[%d] = %v, want the mask times dy = %v", p, j, dx[j], y[j])
			}
		}
		d.forward(y, x, nil)
		if y[0] != 2 || y[n-1] != 2 {
			t.Errorf("p %v: evaluation changed x", p)
		}
	}
}
