//go:build amd64 && !purego

package model

// dotVec8 returns Σ x[i]·y[i] for i < n, n a multiple of 8, with AVX2 and
// FMA (vec_amd64.s). Callers check gemmUseKernel.
//
//go:noescape
func dotVec8(x, y *float32, n int) float32

// axpyVec8 sets y[i] = fma(a, x[i], y[i]) for i < n, n a multiple of 8.
//
//go:noescape
func axpyVec8(y *float32, a float32, x *float32, n int)

// adamVec8 is adam.update's step without weight decay on n parameters, n a
// multiple of 8, with k = β1, 1−β1, β2, 1−β2, step, 1/√(1−β2ᵗ), ε.
//
//go:noescape
func adamVec8(w, gr, m, v *float32, n int, k *[7]float32)
