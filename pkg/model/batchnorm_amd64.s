//go:build amd64 && !purego

#include "textflag.h"
#include "rows_amd64.h"

// The 8-wide loops of BatchNorm (batchnorm.go, batchnormkernel.go) over
// row-major blocks [n, c], laid out as Dice's (dice_amd64.s): rows in
// order, columns 0..cw−1 of each eight at a time (the caller does the
// rest), per-unit sums accumulated across rows in the rows' order, no fused
// multiply-add: the portable loops' bits. pack holds four per-unit vectors
// per block of 8 columns, at 0/32/64/96(BX)(AX*4) for column byte offset AX.

// func bnForward8(y, xh, x *float32, n, c, cw int, pack *float32)
// pack: mean, rstd, γ, β.  x̂ = (x − mean)·rstd,  y = γ·x̂ + β (y may be x).
TEXT ·bnForward8(SB), NOSPLIT, $0-56
	MOVQ y+0(FP), DI
	MOVQ xh+8(FP), R8
	MOVQ x+16(FP), SI
	MOVQ pack+48(FP), BX
	ROWS(24, 32, 40, fwddone)

fwdrow:
	XORQ AX, AX

fwdcol:
	XHAT8(Y0)             // x̂
	VMOVUPS Y0, (R8)(AX*1)
	VMULPS  64(BX)(AX*4), Y0, Y0 // γ·x̂
	VADDPS  96(BX)(AX*4), Y0, Y0 // + β
	VMOVUPS Y0, (DI)(AX*1)
	NEXTCOL(fwdcol)
	ADDQ    R14, DI
	ADDQ    R14, R8
	ADDQ    R14, SI
	DECQ    CX
	JNZ     fwdrow
	VZEROUPPER

fwddone:
	RET

// func bnEvalReLU8(y, x *float32, n, c, cw int, pack *float32)
// pack: mean, rstd, γ, β.  y = max(γ·((x − mean)·rstd) + β, 0) with Go's
// max, as relu8 (relu_amd64.s) does it: vmaxps with 0 first and v second
// gives v for a NaN and for −0, then clearing the sign bit gives +0 for −0
// and the NaN with its sign cleared, as Go's max does.
TEXT ·bnEvalReLU8(SB), NOSPLIT, $0-48
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ pack+40(FP), BX
	ROWS(16, 24, 32, reludone)
	VXORPS   Y15, Y15, Y15
	VPCMPEQD Y14, Y14, Y14
	VPSRLD   $1, Y14, Y14 // all but the sign bit

relurow:
	XORQ AX, AX

relucol:
	VMOVUPS   (SI)(AX*1), Y0
	VSUBPS    0(BX)(AX*4), Y0, Y0
	VMULPS    32(BX)(AX*4), Y0, Y0
	VMULPS    64(BX)(AX*4), Y0, Y0
	VADDPS    96(BX)(AX*4), Y0, Y0 // γ·x̂ + β
	VMAXPS    Y0, Y15, Y1          // v > 0 ? v : 0; v when a NaN or −0
	VANDPS    Y14, Y1, Y1          // −0 → +0, NaN → |NaN|
	VMOVUPS   Y1, (DI)(AX*1)
	NEXTCOL(relucol)
	ADDQ      R14, DI
	ADDQ      R14, SI
	DECQ      CX
	JNZ       relurow
	VZEROUPPER

reludone:
	RET

// func bnBackSums8(dy, xh, dg, db *float32, s *float64, n, c, cw int, pack *float32)
// pack: γ, –, –, –.  dβ += dy,  dγ += dy·x̂,  g = dy·γ,
// s[j] += g (float64),  s[c+j] += g·x̂ (float64).
TEXT ·bnBackSums8(SB), NOSPLIT, $0-72
	MOVQ dy+0(FP), DI
	MOVQ xh+8(FP), SI
	MOVQ dg+16(FP), R8
	MOVQ db+24(FP), R9
	MOVQ s+32(FP), R12
	MOVQ c+48(FP), R13
	LEAQ (R12)(R13*8), R13 // s[c:]
	MOVQ pack+64(FP), BX
	ROWS(40, 48, 56, sumsdone)

sumsrow:
	XORQ AX, AX

sumscol:
	VMOVUPS (DI)(AX*1), Y0       // g
	VMOVUPS (SI)(AX*1), Y1       // x̂
	VADDPS  (R9)(AX*1), Y0, Y2
	VMOVUPS Y2, (R9)(AX*1)       // dβ
	VMULPS  Y1, Y0, Y2
	VADDPS  (R8)(AX*1), Y2, Y2
	VMOVUPS Y2, (R8)(AX*1)       // dγ
	VMULPS  0(BX)(AX*4), Y0, Y8  // g·γ
	GRADSUMS8                    // s[j] += g·γ, s[c+j] += g·γ·x̂
	NEXTCOL(sumscol)
	ADDQ    R14, DI
	ADDQ    R14, SI
	DECQ    CX
	JNZ     sumsrow
	VZEROUPPER

sumsdone:
	RET

// func normApply8(dx, dy, v *float32, n, c, cw int, pack *float32, inv float32)
// The training backward through the batch statistics (applyRows), for
// Dice and BatchNorm. pack, 8 vectors a block (at 0..224(BX)(AX*8)): shift,
// scale, γ, rstd, a, b and two unused.
// x̂ = (v − shift)·scale,  dx += rstd·((dy·γ − a) − (x̂·inv)·b).
TEXT ·normApply8(SB), NOSPLIT, $0-60
	MOVQ dx+0(FP), R8
	MOVQ dy+8(FP), R9
	MOVQ v+16(FP), SI
	MOVQ pack+48(FP), BX
	VBROADCASTSS inv+56(FP), Y15
	ROWS(24, 32, 40, applydone)

applyrow:
	XORQ AX, AX

applycol:
	VMOVUPS (SI)(AX*1), Y0
	VSUBPS  0(BX)(AX*8), Y0, Y0   // v − shift
	VMULPS  32(BX)(AX*8), Y0, Y0  // x̂
	VMULPS  Y15, Y0, Y0           // x̂·inv
	VMULPS  160(BX)(AX*8), Y0, Y0 // ·b
	VMOVUPS (R9)(AX*1), Y1
	VMULPS  64(BX)(AX*8), Y1, Y1  // dy·γ
	VSUBPS  128(BX)(AX*8), Y1, Y1 // − a
	VSUBPS  Y0, Y1, Y1
	VMULPS  96(BX)(AX*8), Y1, Y1  // ·rstd
	VADDPS  (R8)(AX*1), Y1, Y1
	VMOVUPS Y1, (R8)(AX*1)
	NEXTCOL(applycol)
	ADDQ    R14, R8
	ADDQ    R14, R9
	ADDQ    R14, SI
	DECQ    CX
	JNZ     applyrow
	VZEROUPPER

applydone:
	RET

// func sumRows8(s *float64, x *float32, n, c, cw int)
// s[j] += x[i, j] in float64, i < n.
TEXT ·sumRows8(SB), NOSPLIT, $0-40
	MOVQ s+0(FP), DI
	MOVQ x+8(FP), SI
	ROWS(16, 24, 32, sumdone)

sumrow:
	XORQ AX, AX

sumcol:
	VCVTPS2PD (SI)(AX*1), Y0
	VCVTPS2PD 16(SI)(AX*1), Y1
	ADDF64(DI)
	NEXTCOL(sumcol)
	ADDQ      R14, SI
	DECQ      CX
	JNZ       sumrow
	VZEROUPPER

sumdone:
	RET

// func sqDevRows8(s, mu *float64, x *float32, n, c, cw int)
// s[j] += (x[i, j] − mu[j])² in float64, i < n.
TEXT ·sqDevRows8(SB), NOSPLIT, $0-48
	MOVQ s+0(FP), DI
	MOVQ mu+8(FP), BX
	MOVQ x+16(FP), SI
	ROWS(24, 32, 40, sqdone)

sqrow:
	XORQ AX, AX

sqcol:
	VCVTPS2PD (SI)(AX*1), Y0
	VCVTPS2PD 16(SI)(AX*1), Y1
	VSUBPD    (BX)(AX*2), Y0, Y0
	VSUBPD    32(BX)(AX*2), Y1, Y1
	VMULPD    Y0, Y0, Y0
	VMULPD    Y1, Y1, Y1
	ADDF64(DI)
	NEXTCOL(sqcol)
	ADDQ      R14, SI
	DECQ      CX
	JNZ       sqrow
	VZEROUPPER

sqdone:
	RET
