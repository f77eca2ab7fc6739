//go:build !amd64 || purego

package model

// gemmHaveKernel is false without the assembly kernel (other architectures,
// or the purego build tag): Gemm then always runs the portable kernels.
var gemmHaveKernel = false

func gemmKernel6x16(kc int, a *float32, rs, ls int, b *float32, bs int, c *float32, ldc int, alpha float32, rows, cols int, set bool) {
	panic("model: gemm: no assembly kernel in this build")
}

func gemmFMAPeak(n int, x, y float32) float32 {
	panic("model: gemm: no assembly kernel in this build")
}

func gemmPackAT6(dst *float32, src *float32, lda, kc, tiles int) {
	panic("model: gemm: no assembly kernel in this build")
}

func gemmCheckB16(src *float32, ldb, kc int) (bad bool) {
	panic("model: gemm: no assembly kernel in this build")
}
