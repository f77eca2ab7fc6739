package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestDotAxpy: dot and axpy against float64 sums for every length from 0
// to 70 (whole blocks of 8 and every tail), on unaligned sub-slices, with
// the assembly kernel where it runs and without it. Entries past the end of
// y must stay untouched.
func TestDotAxpy(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	buf := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	for _, kernel := range []bool{false, true} {
		if kernel && !gemmHaveKernel {
			continue
		}
		old := gemmUseKernel
		gemmUseKernel = kernel
		for n := 0; n <= 70; n++ {
			x, y := buf(n + 3)[1:n+1], buf(n + 5)[3:n+3] // odd offsets: unaligned
			var want float64
			for i := range x {
				want += float64(x[i]) * float64(y[i])
			}
			if got := dot(x, y); math.Abs(float64(got)-want) > 1e-5*(1+math.Abs(want))*float64(n+1) {
				t.Fatalf("kernel %v, n %d: dot %v, want %v", kernel, n, got, want)
			}
			full := buf(n + 2)
			yy := full[:n]
			before := append([]float32(nil), full...)
			a := float32(rng.NormFloat64())
			axpy(yy, a, x)
			for i := 0; i < n; i++ {
				w := float64(before[i]) + float64(a)*float64(x[i])
				if math.Abs(float64(yy[i])-w) > 1e-6*(1+math.Abs(w)) {
					t.Fatalf("kernel %v, n %d: axpy entry %d = %v, want %v", kernel, n, i, yy[i], w)
				}
			}
			if full[n] != before[n] || full[n+1] != before[n+1] {
				t.Fatalf("kernel %v, n %d: axpy wrote past the end of y", kernel, n)
			}
		}
		gemmUseKernel = old
	}
}

func BenchmarkDot32(b *testing.B) {
	x, y := make([]float32, 32), make([]float32, 32)
	for i := range x {
		x[i], y[i] = float32(i), float32(32-i)
	}
	var s float32
	for i := 0; i < b.N; i++ {
		s += dot(x, y)
	}
	_ = s
}

func BenchmarkAxpy32(b *testing.B) {
	x, y := make([]float32, 32), make([]float32, 32)
	for i := 0; i < b.N; i++ {
		axpy(y, 1e-9, x)
	}
}

// TestAdamVec: adam.update with the 8-wide kernel follows the scalar loop
// (to float32 rounding: the kernel fuses multiply-adds) over several steps,
// tail included, with and without weight decay (which stays scalar).
func TestAdamVec(t *testing.T) {
	if !gemmHaveKernel {
		t.Skip("no assembly kernel on this CPU or build")
	}
	for _, wd := range []float64{0, 0.01} {
		rng := rand.New(rand.NewPCG(9, 9))
		const n = 37
		w0, g := make([]float32, n), make([][]float32, 6)
		for i := range w0 {
			w0[i] = float32(rng.NormFloat64())
		}
		for s := range g {
			g[s] = make([]float32, n)
			for i := range g[s] {
				g[s][i] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(7)-3)))
			}
		}
		run := func(kernel bool) (w, m, v []float32) {
			old := gemmUseKernel
			defer func() { gemmUseKernel = old }()
			gemmUseKernel = kernel
			o := newAdam(n)
			o.wd = wd
			w = append([]float32(nil), w0...)
			for s := range g {
				o.begin(1e-2)
				o.update(w, g[s], 0)
			}
			return w, o.m, o.v
		}
		w1, m1, v1 := run(false)
		w2, m2, v2 := run(true)
		for _, c := range []struct {
			name string
			a, b []float32
		}{{"w", w1, w2}, {"m", m1, m2}, {"v", v1, v2}} {
			for i := range c.a {
				if d := math.Abs(float64(c.a[i] - c.b[i])); d > 1e-5*(math.Abs(float64(c.a[i]))+1e-6) {
					t.Fatalf("wd %v: %s[%d]: scalar %v, kernel %v", wd, c.name, i, c.a[i], c.b[i])
				}
			}
		}
	}
}
