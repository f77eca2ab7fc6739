//go:build amd64 && !purego

#include "textflag.h"

// The 8-wide inner loops of dot and axpy (gemm.go), for the attention's
// per-row products over the embedding width.

// func dotVec8(x, y *float32, n int) float32
// Σ x[i]·y[i], i < n, n a multiple of 8: two 8-lane FMA accumulators (even
// and odd blocks of 8), added, then the lanes summed pairwise.
TEXT ·dotVec8(SB), NOSPLIT, $0-28
	MOVQ   x+0(FP), SI
	MOVQ   y+8(FP), DI
	MOVQ   n+16(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	SHRQ   $3, CX

pairs:
	CMPQ        CX, $2
	JB          single
	VMOVUPS     (SI), Y2
	VMOVUPS     32(SI), Y3
	VFMADD231PS (DI), Y2, Y0
	VFMADD231PS 32(DI), Y3, Y1
	ADDQ        $64, SI
	ADDQ        $64, DI
	SUBQ        $2, CX
	JMP         pairs

single:
	TESTQ       CX, CX
	JZ          reduce
	VMOVUPS     (SI), Y2
	VFMADD231PS (DI), Y2, Y0

reduce:
	VADDPS       Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VMOVHLPS     X0, X0, X1
	VADDPS       X1, X0, X0
	VMOVSHDUP    X0, X1
	VADDSS       X1, X0, X0
	VZEROUPPER
	MOVSS        X0, ret+24(FP)
	RET

// func axpyVec8(y *float32, a float32, x *float32, n int)
// y[i] = fma(a, x[i], y[i]), i < n, n a multiple of 8.
TEXT ·axpyVec8(SB), NOSPLIT, $0-32
	MOVQ         y+0(FP), DI
	VBROADCASTSS a+8(FP), Y0
	MOVQ         x+16(FP), SI
	MOVQ         n+24(FP), CX
	SHRQ         $3, CX
	JZ           done

loop:
	VMOVUPS     (DI), Y1
	VFMADD231PS (SI), Y0, Y1
	VMOVUPS     Y1, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        CX
	JNZ         loop

done:
	VZEROUPPER
	RET
