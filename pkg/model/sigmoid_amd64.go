//go:build amd64 && !purego

package model

// sigmoid8 writes dst[i] = σ(src[i]) for i < n, n a multiple of 8, eight at
// a time with AVX2 and FMA (sigmoid_amd64.s). Callers check gemmHaveKernel.
//
//go:noescape
func sigmoid8(dst, src *float32, n int)
