//go:build amd64 && !purego

package model

// The 8-wide loops of Dice (dice_amd64.s; dicekernel.go has their
// portable forms and the column tails). Each takes rows i < n of a row-major block with c columns and
// does columns j < cw, cw a multiple of 8; callers check gemmUseKernel.

// diceGate8 is diceGateCols on columns j < cw, pack from packUnits(mean,
// rstd, α, 1−α); p may be nil.
//
//go:noescape
func diceGate8(y, p, x *float32, n, c, cw int, pack *float32)

// diceBack8 is diceBackCols on columns j < cw, pack as diceGate8's; s holds
// Σ dh at s[:c] and Σ dh·x̂ at s[c:2c].
//
//go:noescape
func diceBack8(dx, dh, da *float32, s *float64, dy, x, p *float32, n, c, cw int, pack *float32)
