//go:build !amd64 || purego

package model

// Stubs of the Dice kernels (dice_amd64.s) where they
// are not built: callers check gemmUseKernel first, so these never run.

func diceGate8(y, p, x *float32, n, c, cw int, pack *float32) {
	panic("model: dice: no assembly kernel in this build")
}

func diceBack8(dx, dh, da *float32, s *float64, dy, x, p *float32, n, c, cw int, pack *float32) {
	panic("model: dice: no assembly kernel in this build")
}
