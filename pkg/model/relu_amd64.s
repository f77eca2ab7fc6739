//go:build amd64 && !purego

#include "textflag.h"

// The 8-wide loops of reluForward, reluBackward and reluBackwardSet
// (relu.go), n a multiple of 8. Each gives the Go loops' bits for every
// input:
//
// Forward. Go's max(v, 0) on amd64 is −min(−v, −0) built from MINSS, which
// gives +0 for v ≤ 0 (−0 included) and, for a NaN, the NaN with its sign
// bit cleared and its payload kept (a signalling NaN stays signalling).
// vmaxps with 0 first and x second returns x when x is a NaN or when both
// are zeros (−0 stays −0), and 0 for negatives; clearing the sign bit then
// turns −0 into +0 and a NaN into Go's NaN, and changes nothing else
// (every other result is ≥ +0). No arithmetic, so no NaN is quieted.
//
// Backward. The mask is positiveMask's: x > 0 as an int32 (vpcmpgtd), so
// +0, −0, negatives and NaNs with the sign bit set give 0 and NaNs with it
// clear give all ones. reluBackward adds the masked dy to dx with one
// vaddps, dx the first source as in Go's ADDSS (which of two NaNs comes
// out depends on it), no FMA.

// MASKEDDY sets Y0 = dy where x > 0 (int32(x) > 0: positiveMask), else 0,
// for the 8 values at SI (x) and R8 (dy).
#define MASKEDDY \
	VMOVDQU  (SI), Y0; \
	VPCMPGTD Y15, Y0, Y0; \
	VPAND    (R8), Y0, Y0

// NEXTBLOCK moves the three pointers on by 8 values and loops to label
// while blocks are left.
#define NEXTBLOCK(label) \
	ADDQ $32, SI; \
	ADDQ $32, R8; \
	ADDQ $32, DI; \
	DECQ CX; \
	JNZ  label

// func relu8(y, x *float32, n int)
TEXT ·relu8(SB), NOSPLIT, $0-24
	MOVQ     y+0(FP), DI
	MOVQ     x+8(FP), SI
	MOVQ     n+16(FP), CX
	SHRQ     $3, CX
	JZ       fwddone
	VXORPS   Y15, Y15, Y15 // 0
	VPCMPEQD Y14, Y14, Y14
	VPSRLD   $1, Y14, Y14  // all but the sign bit

fwdloop:
	VMAXPS  (SI), Y15, Y0 // x > 0 ? x : 0; x when a NaN or −0
	VANDPS  Y14, Y0, Y0   // −0 → +0, NaN → |NaN|
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     fwdloop
	VZEROUPPER

fwddone:
	RET

// func reluBack8(dx, dy, x *float32, n int, set bool)
// dx += dy where x > 0 (set false), or dx = dy where x > 0, else 0 (set
// true): one loop for each, chosen once.
TEXT ·reluBack8(SB), NOSPLIT, $0-33
	MOVQ  dx+0(FP), DI
	MOVQ  dy+8(FP), R8
	MOVQ  x+16(FP), SI
	MOVQ  n+24(FP), CX
	SHRQ  $3, CX
	JZ    backdone
	VPXOR Y15, Y15, Y15
	CMPB  set+32(FP), $0
	JNE   setloop

addloop:
	MASKEDDY
	VMOVUPS (DI), Y1
	VADDPS  Y0, Y1, Y1 // dx + masked dy, dx first
	VMOVUPS Y1, (DI)
	NEXTBLOCK(addloop)
	VZEROUPPER
	RET

setloop:
	MASKEDDY
	VMOVDQU Y0, (DI)
	NEXTBLOCK(setloop)
	VZEROUPPER

backdone:
	RET
