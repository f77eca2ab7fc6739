//go:build amd64 && !purego

#include "textflag.h"
#include "sigmoid_amd64.h"
#include "rows_amd64.h"

// The 8-wide loops of Dice (dice.go, dicekernel.go) over row-major blocks
// x [n, c]: each walks the rows in order and, within a row, columns
// 0..cw−1 eight at a time (cw a multiple of 8, cw ≤ c); the caller does
// columns cw..c−1. (Dice's last backward pass is BatchNorm's normApply8.)
// Per-unit sums accumulate across rows in the order of the rows, as the
// scalar loops do, and no multiply-add is fused outside the sigmoid, so the
// results are the scalar loops' bits.
//
// pack holds the per-unit values of each block of 8 columns side by side:
// for columns 8b..8b+7, four vectors of 8 at pack[32b:], pack[32b+8:], …
// (so the column byte offset AX addresses them as 0/32/64/96(BX)(AX*4)).

// func diceGate8(y, p, x *float32, n, c, cw int, pack *float32)
// pack: mean, rstd, α, 1−α.  h = (x − mean)·rstd,  g = σ(h),
// p = g (skipped when p is nil),  y = x·(α + g·(1−α)).
TEXT ·diceGate8(SB), NOSPLIT, $0-56
	MOVQ y+0(FP), DI
	MOVQ p+8(FP), R8
	MOVQ x+16(FP), SI
	MOVQ pack+48(FP), BX
	ROWS(24, 32, 40, gatedone)
	SIGMOID8_CONSTS

gaterow:
	XORQ AX, AX

gatecol:
	XHAT8(Y0)             // x̂
	SIGMOID8                     // g in Y1
	TESTQ   R8, R8
	JZ      gatenop
	VMOVUPS Y1, (R8)(AX*1)

gatenop:
	VMULPS  96(BX)(AX*4), Y1, Y1 // g·(1−α)
	VADDPS  64(BX)(AX*4), Y1, Y1 // α + …
	VMULPS  (SI)(AX*1), Y1, Y1   // x·(…)
	VMOVUPS Y1, (DI)(AX*1)
	NEXTCOL(gatecol)
	ADDQ    R14, SI
	ADDQ    R14, DI
	TESTQ   R8, R8
	JZ      gatenext
	ADDQ    R14, R8

gatenext:
	DECQ CX
	JNZ  gaterow
	VZEROUPPER

gatedone:
	RET

// func diceBack8(dx, dh, da *float32, s *float64, dy, x, p *float32, n, c, cw int, pack *float32)
// pack: mean, rstd, α, 1−α.  With h = (x − mean)·rstd and g = dy:
// dx += g·(α + p·(1−α)),  da += g·x·(1−p),  dh = g·x·(1−α)·p·(1−p),
// s[j] += dh (float64),  s[c+j] += dh·h (float64).
TEXT ·diceBack8(SB), NOSPLIT, $0-88
	MOVQ dx+0(FP), R8
	MOVQ dh+8(FP), R9
	MOVQ da+16(FP), R11
	MOVQ s+24(FP), R12
	MOVQ dy+32(FP), DI
	MOVQ x+40(FP), SI
	MOVQ p+48(FP), R10
	MOVQ c+64(FP), R13
	LEAQ (R12)(R13*8), R13 // s[c:]
	MOVQ pack+80(FP), BX
	ROWS(56, 64, 72, backdone)
	VBROADCASTSS sigmoidConst<>+24(SB), Y15 // 1

backrow:
	XORQ AX, AX

backcol:
	XHAT8(Y1)                    // h
	VMOVUPS (R10)(AX*1), Y2      // p
	VMOVUPS (DI)(AX*1), Y3       // g
	VMULPS  96(BX)(AX*4), Y2, Y4 // p·(1−α)
	VADDPS  64(BX)(AX*4), Y4, Y4 // α + …
	VMULPS  Y3, Y4, Y4           // g·(…)
	VADDPS  (R8)(AX*1), Y4, Y4
	VMOVUPS Y4, (R8)(AX*1)       // dx
	VMULPS  (SI)(AX*1), Y3, Y5   // g·x
	VSUBPS  Y2, Y15, Y6          // 1 − p
	VMULPS  Y6, Y5, Y7
	VADDPS  (R11)(AX*1), Y7, Y7
	VMOVUPS Y7, (R11)(AX*1)      // da
	VMULPS  96(BX)(AX*4), Y5, Y8 // g·x·(1−α)
	VMULPS  Y2, Y8, Y8           // ·p
	VMULPS  Y6, Y8, Y8           // ·(1−p)
	VMOVUPS Y8, (R9)(AX*1)       // dh
	GRADSUMS8                    // s[j] += dh, s[c+j] += dh·h
	NEXTCOL(backcol)
	ADDQ    R14, R8
	ADDQ    R14, R9
	ADDQ    R14, DI
	ADDQ    R14, SI
	ADDQ    R14, R10
	DECQ    CX
	JNZ     backrow
	VZEROUPPER

backdone:
	RET
