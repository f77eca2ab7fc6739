//go:build !amd64 || purego

package model

// Stubs of the BatchNorm kernels (batchnorm_amd64.s) where they are not
// built: callers check gemmUseKernel first, so these never run.

func bnForward8(y, xh, x *float32, n, c, cw int, pack *float32) {
	panic("model: batchnorm: no assembly kernel in this build")
}

func bnEvalReLU8(y, x *float32, n, c, cw int, pack *float32) {
	panic("model: batchnorm: no assembly kernel in this build")
}

func bnBackSums8(dy, xh, dg, db *float32, s *float64, n, c, cw int, pack *float32) {
	panic("model: batchnorm: no assembly kernel in this build")
}

func normApply8(dx, dy, v *float32, n, c, cw int, pack *float32, inv float32) {
	panic("model: batchnorm: no assembly kernel in this build")
}

func sumRows8(s *float64, x *float32, n, c, cw int) {
	panic("model: batchnorm: no assembly kernel in this build")
}

func sqDevRows8(s, mu *float64, x *float32, n, c, cw int) {
	panic("model: batchnorm: no assembly kernel in this build")
}
