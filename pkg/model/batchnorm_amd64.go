//go:build amd64 && !purego

package model

// The 8-wide loops of BatchNorm (batchnorm_amd64.s; batchnormkernel.go has
// their portable forms and the column tails). Each takes rows i < n of a
// row-major block with c columns and does columns j < cw, cw a multiple of
// 8; callers check gemmUseKernel.

// bnForward8 is bnForwardRows' affine loop on columns j < cw, pack from
// packUnits(mean, rstd, γ, β).
//
//go:noescape
func bnForward8(y, xh, x *float32, n, c, cw int, pack *float32)

// bnEvalReLU8 is bnEvalReLURows' affine loop on columns j < cw, pack as
// bnForward8's.
//
//go:noescape
func bnEvalReLU8(y, x *float32, n, c, cw int, pack *float32)

// bnBackSums8 is bnBackSums' affine loop on columns j < cw, pack from
// packUnits(γ, …); s holds Σ g at s[:c] and Σ g·x̂ at s[c:2c].
//
//go:noescape
func bnBackSums8(dy, xh, dg, db *float32, s *float64, n, c, cw int, pack *float32)

// normApply8 is applyRows on columns j < cw, pack from packUnits(8, shift,
// scale, γ, rstd, a, b).
//
//go:noescape
func normApply8(dx, dy, v *float32, n, c, cw int, pack *float32, inv float32)

// sumRows8 is sumRows on columns j < cw.
//
//go:noescape
func sumRows8(s *float64, x *float32, n, c, cw int)

// sqDevRows8 is sqDevRows on columns j < cw.
//
//go:noescape
func sqDevRows8(s, mu *float64, x *float32, n, c, cw int)
