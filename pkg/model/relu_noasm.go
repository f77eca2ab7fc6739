//go:build !amd64 || purego

package model

// Stubs of the ReLU kernels (relu_amd64.s) where they are not built:
// callers check gemmUseKernel first, so these never run.

func relu8(y, x *float32, n int) {
	panic("model: relu: no assembly kernel in this build")
}

func reluBack8(dx, dy, x *float32, n int, set bool) {
	panic("model: relu: no assembly kernel in this build")
}
