package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestExpNeg32(t *testing.T) {
	worst := 0.0
	for i := 0; i <= 870000; i++ {
		x := -float32(i) * 1e-4
		got, want := float64(expNeg32(x)), math.Exp(float64(x))
		if rel := math.Abs(got-want) / want; rel > worst {
			worst = rel
		}
	}
	if worst > 3e-7 {
		t.Errorf("expNeg32: worst relative error %.3g over [-87, 0], want < 3e-7", worst)
	}
	if got := expNeg32(-1000); !(got > 0 && got < 2e-38) {
		t.Errorf("expNeg32(-1000) = %v, want a tiny positive number", got)
	}
	if got := expNeg32(float32(math.NaN())); !math.IsNaN(float64(got)) {
		t.Errorf("expNeg32(NaN) = %v", got)
	}
}

func TestSigmoid32(t *testing.T) {
	for i := -400000; i <= 400000; i++ {
		z := float32(i) * 1e-4
		got, want := float64(sigmoid32(z)), 1/(1+math.Exp(-float64(z)))
		if math.Abs(got-want) > 5e-7*want {
			t.Fatalf("sigmoid32(%v) = %v, want %v", z, got, want)
		}
	}
	negZero := float32(math.Copysign(0, -1))
	for z, want := range map[float32]float32{0: 0.5, negZero: 0.5, float32(math.Inf(1)): 1, float32(math.Inf(-1)): 0, 200: 1} {
		if got := sigmoid32(z); math.Abs(float64(got-want)) > 1e-30 {
			t.Errorf("sigmoid32(%v) = %v, want %v", z, got, want)
		}
	}
}

// TestSigmoidSlice: the vector path (where the CPU has it) and the scalar
// one both stay within 5e-7 relative of the float64 sigmoid, on every
// length (the tail after the last 8), at ±0, ±Inf and huge values, and a NaN
// stays NaN.
func TestSigmoidSlice(t *testing.T) {
	negZero := float32(math.Copysign(0, -1))
	special := []float32{0, negZero, float32(math.Inf(1)), float32(math.Inf(-1)), 200, -200, 88, -88, 1e-30, -1e-30}
	for _, vec := range []bool{true, false} {
		old := gemmUseKernel
		gemmUseKernel = vec && gemmHaveKernel
		var z []float32
		for i := -200000; i <= 200000; i += 7 {
			z = append(z, float32(i)*1e-4)
		}
		z = append(z, special...)
		for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, len(z)} {
			p := make([]float32, n)
			sigmoidSlice(p, z[:n])
			for i, v := range z[:n] {
				want := 1 / (1 + math.Exp(-float64(v)))
				if got := float64(p[i]); math.Abs(got-want) > 5e-7*want+1e-37 {
					t.Fatalf("vector %v, n %d: σ(%v) = %v, want %v", vec, n, v, got, want)
				}
			}
		}
		p := []float32{0, 0, 0, 0, 0, 0, 0, 0, 0}
		sigmoidSlice(p, []float32{1, float32(math.NaN()), 1, 1, 1, 1, 1, 1, float32(math.NaN())})
		if !math.IsNaN(float64(p[1])) || !math.IsNaN(float64(p[8])) {
			t.Errorf("vector %v: σ(NaN) = %v, %v, want NaN", vec, p[1], p[8])
		}
		gemmUseKernel = old
	}
}

// BenchmarkSigmoid compares the float64 sigmoid with sigmoid32 over values
// of random sign (Dice's gates).
func BenchmarkSigmoid(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	z := randSlice(rng, 1<<14)
	p := make([]float32, len(z))
	b.Run("float64", func(b *testing.B) {
		for b.Loop() {
			for i, v := range z {
				p[i] = sigmoid(v)
			}
		}
	})
	b.Run("float32", func(b *testing.B) {
		for b.Loop() {
			for i, v := range z {
				p[i] = sigmoid32(v)
			}
		}
	})
	b.Run("slice", func(b *testing.B) {
		for b.Loop() {
			sigmoidSlice(p, z)
		}
	})
}
