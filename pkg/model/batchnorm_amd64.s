//go:build amd64 && !purego

#include "textflag.h"

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
	MOVQ n+24(FP), CX
	MOVQ c+32(FP), R14
	SHLQ $2, R14
	MOVQ cw+40(FP), DX
	SHLQ $2, DX
	MOVQ pack+48(FP), BX
	TESTQ CX, CX
	JZ    fwddone
	TESTQ DX, DX
	JZ    fwddone

fwdrow:
	XORQ AX, AX

fwdcol:
	VMOVUPS (SI)(AX*1), Y0
	VSUBPS  0(BX)(AX*4), Y0, Y0
	VMULPS  32(BX)(AX*4), Y0, Y0 // x̂
	VMOVUPS Y0, (R8)(AX*1)
	VMULPS  64(BX)(AX*4), Y0, Y0 // γ·x̂
	VADDPS  96(BX)(AX*4), Y0, Y0 // + β
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ    $32, AX
	CMPQ    AX, DX
	JB      fwdcol
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
// max: a NaN stays NaN, −0 gives +0 (vmaxps with 0 second gives 0 for
// both; the NaNs are put back by a blend).
TEXT ·bnEvalReLU8(SB), NOSPLIT, $0-48
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ c+24(FP), R14
	SHLQ $2, R14
	MOVQ cw+32(FP), DX
	SHLQ $2, DX
	MOVQ pack+40(FP), BX
	TESTQ CX, CX
	JZ    reludone
	TESTQ DX, DX
	JZ    reludone
	VXORPS Y15, Y15, Y15

relurow:
	XORQ AX, AX

relucol:
	VMOVUPS   (SI)(AX*1), Y0
	VSUBPS    0(BX)(AX*4), Y0, Y0
	VMULPS    32(BX)(AX*4), Y0, Y0
	VMULPS    64(BX)(AX*4), Y0, Y0
	VADDPS    96(BX)(AX*4), Y0, Y0 // γ·x̂ + β
	VMAXPS    Y15, Y0, Y1          // v > 0 ? v : 0
	VCMPPS    $3, Y0, Y0, Y2       // unordered: v is NaN
	VBLENDVPS Y2, Y0, Y1, Y1
	VMOVUPS   Y1, (DI)(AX*1)
	ADDQ      $32, AX
	CMPQ      AX, DX
	JB        relucol
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
	MOVQ n+40(FP), CX
	MOVQ c+48(FP), R14
	LEAQ (R12)(R14*8), R13
	SHLQ $2, R14
	MOVQ cw+56(FP), DX
	SHLQ $2, DX
	MOVQ pack+64(FP), BX
	TESTQ CX, CX
	JZ    sumsdone
	TESTQ DX, DX
	JZ    sumsdone

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
	VMULPS  0(BX)(AX*4), Y0, Y0  // g·γ
	VCVTPS2PD    X0, Y3
	VEXTRACTF128 $1, Y0, X4
	VCVTPS2PD    X4, Y4
	VCVTPS2PD    X1, Y5
	VEXTRACTF128 $1, Y1, X6
	VCVTPS2PD    X6, Y6
	VADDPD  (R12)(AX*2), Y3, Y7
	VMOVUPD Y7, (R12)(AX*2)
	VADDPD  32(R12)(AX*2), Y4, Y7
	VMOVUPD Y7, 32(R12)(AX*2)
	VMULPD  Y5, Y3, Y3
	VMULPD  Y6, Y4, Y4
	VADDPD  (R13)(AX*2), Y3, Y3
	VMOVUPD Y3, (R13)(AX*2)
	VADDPD  32(R13)(AX*2), Y4, Y4
	VMOVUPD Y4, 32(R13)(AX*2)
	ADDQ    $32, AX
	CMPQ    AX, DX
	JB      sumscol
	ADDQ    R14, DI
	ADDQ    R14, SI
	DECQ    CX
	JNZ     sumsrow
	VZEROUPPER

sumsdone:
	RET

// func bnApply8(dx, dy, xh *float32, n, c, cw int, pack *float32, inv float32)
// The training backward through the batch statistics. pack: γ, rstd,
// a = inv·Σg, b = Σg·x̂ (float32).  dx += rstd·((dy·γ − a) − (x̂·inv)·b).
TEXT ·bnApply8(SB), NOSPLIT, $0-60
	MOVQ dx+0(FP), R8
	MOVQ dy+8(FP), R9
	MOVQ xh+16(FP), SI
	MOVQ n+24(FP), CX
	MOVQ c+32(FP), R14
	SHLQ $2, R14
	MOVQ cw+40(FP), DX
	SHLQ $2, DX
	MOVQ pack+48(FP), BX
	VBROADCASTSS inv+56(FP), Y15
	TESTQ CX, CX
	JZ    bnapplydone
	TESTQ DX, DX
	JZ    bnapplydone

bnapplyrow:
	XORQ AX, AX

bnapplycol:
	VMULPS  (SI)(AX*1), Y15, Y0  // x̂·inv
	VMULPS  96(BX)(AX*4), Y0, Y0 // ·b
	VMOVUPS (R9)(AX*1), Y1
	VMULPS  0(BX)(AX*4), Y1, Y1  // dy·γ
	VSUBPS  64(BX)(AX*4), Y1, Y1 // − a
	VSUBPS  Y0, Y1, Y1
	VMULPS  32(BX)(AX*4), Y1, Y1 // ·rstd
	VADDPS  (R8)(AX*1), Y1, Y1
	VMOVUPS Y1, (R8)(AX*1)
	ADDQ    $32, AX
	CMPQ    AX, DX
	JB      bnapplycol
	ADDQ    R14, R8
	ADDQ    R14, R9
	ADDQ    R14, SI
	DECQ    CX
	JNZ     bnapplyrow
	VZEROUPPER

bnapplydone:
	RET

// func sumRows8(s *float64, x *float32, n, c, cw int)
// s[j] += x[i, j] in float64, i < n.
TEXT ·sumRows8(SB), NOSPLIT, $0-40
	MOVQ s+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ c+24(FP), R14
	SHLQ $2, R14
	MOVQ cw+32(FP), DX
	SHLQ $2, DX
	TESTQ CX, CX
	JZ    sumdone
	TESTQ DX, DX
	JZ    sumdone

sumrow:
	XORQ AX, AX

sumcol:
	VCVTPS2PD (SI)(AX*1), Y0
	VCVTPS2PD 16(SI)(AX*1), Y1
	VADDPD    (DI)(AX*2), Y0, Y0
	VADDPD    32(DI)(AX*2), Y1, Y1
	VMOVUPD   Y0, (DI)(AX*2)
	VMOVUPD   Y1, 32(DI)(AX*2)
	ADDQ      $32, AX
	CMPQ      AX, DX
	JB        sumcol
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
	MOVQ n+24(FP), CX
	MOVQ c+32(FP), R14
	SHLQ $2, R14
	MOVQ cw+40(FP), DX
	SHLQ $2, DX
	TESTQ CX, CX
	JZ    sqdone
	TESTQ DX, DX
	JZ    sqdone

sqrow:
	XORQ AX, AX

sqcol:
	VCVTPS2PD (SI)(AX*1), Y0
	VCVTPS2PD 16(SI)(AX*1), Y1
	VSUBPD    (BX)(AX*2), Y0, Y0
	VSUBPD    32(BX)(AX*2), Y1, Y1
	VMULPD    Y0, Y0, Y0
	VMULPD    Y1, Y1, Y1
	VADDPD    (DI)(AX*2), Y0, Y0
	VADDPD    32(DI)(AX*2), Y1, Y1
	VMOVUPD   Y0, (DI)(AX*2)
	VMOVUPD   Y1, 32(DI)(AX*2)
	ADDQ      $32, AX
	CMPQ      AX, DX
	JB        sqcol
	ADDQ      R14, SI
	DECQ      CX
	JNZ       sqrow
	VZEROUPPER

sqdone:
	RET
