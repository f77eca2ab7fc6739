//go:build !amd64 || purego

package model

// Stubs of the 8-wide kernels (sigmoid_amd64.s, vec_amd64.s) where they are
// not built: callers check gemmUseKernel first, so these never run.

func sigmoid8(dst, src *float32, n int) {
	panic("model: sigmoid: no assembly kernel in this build")
}

func dotVec8(x, y *float32, n int) float32 {
	panic("model: dot: no assembly kernel in this build")
}

func axpyVec8(y *float32, a float32, x *float32, n int) {
	panic("model: axpy: no assembly kernel in this build")
}

func adamVec8(w, gr, m, v *float32, n int, k *[7]float32) {
	panic("model: adam: no assembly kernel in this build")
}
