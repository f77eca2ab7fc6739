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

// withKernels runs f with the 8-wide kernels on (where the build and CPU
// have them) or off, and restores the setting.
func withKernels(on bool, f func()) {
	old := gemmUseKernel
	defer func() { gemmUseKernel = old }()
	gemmUseKernel = on && gemmHaveKernel
	f()
}

// TestDice_FusedEval: the one-pass evaluation forward against the unfused
// formula in float64 (x̂ = (x − μ)/√(σ² + ε) from the running statistics,
// p = σ(x̂), y = x·(α + p·(1−α))): within the fast sigmoid's 5e-7 relative
// error of p plus float32 rounding, with and without the kernels, on widths
// with and without a tail after the last 8 units.
func TestDice_FusedEval(t *testing.T) {
	for _, c := range []int{3, 8, 13, 40} {
		for _, kernel := range []bool{true, false} {
			rng := rand.New(rand.NewPCG(uint64(c), 5))
			n := 9
			var bind func(int) *dice
			newTestSlab(rng, func(s *slab) { bind = declareDice(s, "dice_", c) })
			dc := bind(n)
			x := randSlice(rng, n*c)
			x[1] = 0
			y := make([]float32, n*c)
			withKernels(kernel, func() { dc.forward(y, x, n, false) })
			for i := 0; i < n; i++ {
				for j := 0; j < c; j++ {
					v, a := float64(x[i*c+j]), float64(dc.alpha[j])
					h := (v - float64(dc.bn.runMean[j])) / math.Sqrt(float64(dc.bn.runVar[j])+1e-9)
					p := 1 / (1 + math.Exp(-h))
					want := v * (a + p*(1-a))
					tol := 6e-7*math.Abs(v*(1-a))*p + 4e-7*math.Abs(v)*(math.Abs(a)+math.Abs(p*(1-a))) + 1e-6*math.Abs(v*(1-a))*p*(1-p)*math.Abs(h)
					if got := float64(y[i*c+j]); math.Abs(got-want) > tol {
						t.Fatalf("c %d, kernel %v: y[%d,%d] = %v, want %v ± %.2g", c, kernel, i, j, got, want, tol)
					}
				}
			}
		}
	}
}

// TestDice_KernelBits: in training, the kernels give the portable loops'
// bits for y given the gates (the gates themselves differ by the 8-wide
// sigmoid's rounding, TestSigmoidSlice), and the same dx, dα and BatchNorm
// sums for the same gates; the widths have a tail after the last 8 units.
func TestDice_KernelBits(t *testing.T) {
	if !gemmHaveKernel {
		t.Skip("no 8-wide kernels in this build or on this CPU")
	}
	for _, c := range []int{13, 24} {
		rng := rand.New(rand.NewPCG(uint64(c), 7))
		n := 11
		var bind func(int) *dice
		s := newTestSlab(rng, func(s *slab) { bind = declareDice(s, "dice_", c) })
		state := append([]float32(nil), s.W[s.Trainable:]...)
		dc := bind(n)
		x, dy := randSlice(rng, n*c), randSlice(rng, n*c)
		type out struct{ y, p, dx, da []float32 }
		run := func(kernel bool, p []float32) out {
			copy(s.W[s.Trainable:], state)
			clear(dc.da)
			o := out{y: make([]float32, n*c), dx: make([]float32, n*c)}
			withKernels(kernel, func() {
				dc.forward(o.y, x, n, true)
				o.p = append([]float32(nil), dc.p[:n*c]...)
				if p != nil { // the other path's gates, for bits to compare
					copy(dc.p, p)
					for k := range o.y {
						a := dc.alpha[k%c]
						o.y[k] = x[k] * (a + p[k]*(1-a))
					}
				}
				dc.backward(o.dx, dy, x)
			})
			o.da = append([]float32(nil), dc.da...)
			return o
		}
		k := run(true, nil)
		for i, v := range k.y { // y from the kernel's own gates
			a := dc.alpha[i%c]
			if want := x[i] * (a + k.p[i]*(1-a)); v != want {
				t.Fatalf("c %d: kernel y[%d] = %v, want %v from its gate", c, i, v, want)
			}
		}
		g := run(false, k.p)
		for name, pair := range map[string][2][]float32{"y": {k.y, g.y}, "dx": {k.dx, g.dx}, "dα": {k.da, g.da}} {
			for i := range pair[0] {
				if pair[0][i] != pair[1][i] {
					t.Fatalf("c %d: %s[%d] = %v with the kernels, %v without", c, name, i, pair[0][i], pair[1][i])
				}
			}
		}
		for i := range k.p {
			if d := math.Abs(float64(k.p[i] - g.p[i])); d > 6e-7 {
				t.Fatalf("c %d: gate %d: %v with the kernels, %v without", c, i, k.p[i], g.p[i])
			}
		}
	}
}
