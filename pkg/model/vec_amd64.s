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

// func adamVec8(w, gr, m, v *float32, n int, k *[7]float32)
// The Adam step of adam.update (optimizer.go) on 8 parameters at a time,
// n a multiple of 8; k holds β1, 1−β1, β2, 1−β2, the step, 1/√(1−β2ᵗ), ε.
TEXT ·adamVec8(SB), NOSPLIT, $0-48
	MOVQ         w+0(FP), DI
	MOVQ         gr+8(FP), SI
	MOVQ         m+16(FP), R8
	MOVQ         v+24(FP), R9
	MOVQ         n+32(FP), CX
	MOVQ         k+40(FP), AX
	VBROADCASTSS 0(AX), Y8
	VBROADCASTSS 4(AX), Y9
	VBROADCASTSS 8(AX), Y10
	VBROADCASTSS 12(AX), Y11
	VBROADCASTSS 16(AX), Y12
	VBROADCASTSS 20(AX), Y13
	VBROADCASTSS 24(AX), Y14
	SHRQ         $3, CX
	JZ           adamdone

adamloop:
	VMOVUPS     (SI), Y0      // g
	VMULPS      (R8), Y8, Y1  // β1·m
	VFMADD231PS Y0, Y9, Y1    // m = β1·m + (1−β1)·g
	VMULPS      Y0, Y0, Y2    // g²
	VMULPS      (R9), Y10, Y3 // β2·v
	VFMADD231PS Y2, Y11, Y3   // v = β2·v + (1−β2)·g²
	VMOVUPS     Y1, (R8)
	VMOVUPS     Y3, (R9)
	VSQRTPS     Y3, Y4
	VMOVAPS     Y14, Y5
	VFMADD231PS Y13, Y4, Y5   // √v/√(1−β2ᵗ) + ε
	VMULPS      Y1, Y12, Y6   // step·m
	VDIVPS      Y5, Y6, Y6    // step·m / (…)
	VMOVUPS     (DI), Y7
	VSUBPS      Y6, Y7, Y7
	VMOVUPS     Y7, (DI)
	ADDQ        $32, DI
	ADDQ        $32, SI
	ADDQ        $32, R8
	ADDQ        $32, R9
	DECQ        CX
	JNZ         adamloop

adamdone:
	VZEROUPPER
	RET
