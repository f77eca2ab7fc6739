//go:build amd64 && !purego

#include "textflag.h"

// The 8-wide sigmoid of sigmoidSlice: sigmoid32 (fastmath.go) on 8 floats
// at a time, with FMA where the scalar code multiplies and adds.
//
// Registers of sigmoid8:
//
//	Y0  z (kept: its sign bit picks the numerator)
//	Y1  x = max(−|z|, −87), then r = x − k·ln2
//	Y2  k + 1.5·2^23 (round to nearest by the magic add), then 2^k, then 1 + e
//	Y3  k, then the polynomial p ≈ e^r, then e = p·2^k
//	Y4..Y8  1/2, 1/6, 1/24, 1/120, 1/720;  Y9  1.0
//	Y10, Y11  ln2Lo, ln2Hi;  Y12  1.5·2^23;  Y13  log2 e;  Y14  −87;  Y15  the sign bit
DATA sigmoidConst<>+0(SB)/4, $0x80000000  // sign bit
DATA sigmoidConst<>+4(SB)/4, $0xc2ae0000  // −87
DATA sigmoidConst<>+8(SB)/4, $0x3fb8aa3b  // log2 e
DATA sigmoidConst<>+12(SB)/4, $0x4b400000 // 1.5·2^23
DATA sigmoidConst<>+16(SB)/4, $0x3f318000 // ln2Hi
DATA sigmoidConst<>+20(SB)/4, $0xb95e8083 // ln2Lo
DATA sigmoidConst<>+24(SB)/4, $0x3f800000 // 1
DATA sigmoidConst<>+28(SB)/4, $0x3ab60b61 // 1/720
DATA sigmoidConst<>+32(SB)/4, $0x3c088889 // 1/120
DATA sigmoidConst<>+36(SB)/4, $0x3d2aaaab // 1/24
DATA sigmoidConst<>+40(SB)/4, $0x3e2aaaab // 1/6
DATA sigmoidConst<>+44(SB)/4, $0x3f000000 // 1/2
GLOBL sigmoidConst<>(SB), RODATA|NOPTR, $48

// func sigmoid8(dst, src *float32, n int)
TEXT ·sigmoid8(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   done
	VBROADCASTSS sigmoidConst<>+0(SB), Y15
	VBROADCASTSS sigmoidConst<>+4(SB), Y14
	VBROADCASTSS sigmoidConst<>+8(SB), Y13
	VBROADCASTSS sigmoidConst<>+12(SB), Y12
	VBROADCASTSS sigmoidConst<>+16(SB), Y11
	VBROADCASTSS sigmoidConst<>+20(SB), Y10
	VBROADCASTSS sigmoidConst<>+24(SB), Y9
	VBROADCASTSS sigmoidConst<>+28(SB), Y8
	VBROADCASTSS sigmoidConst<>+32(SB), Y7
	VBROADCASTSS sigmoidConst<>+36(SB), Y6
	VBROADCASTSS sigmoidConst<>+40(SB), Y5
	VBROADCASTSS sigmoidConst<>+44(SB), Y4

loop:
	VMOVUPS (SI), Y0
	VORPS   Y15, Y0, Y1       // −|z|
	VMAXPS  Y1, Y14, Y1       // max(−87, −|z|); a NaN stays NaN (vmaxps returns its second source)
	VMOVAPS Y12, Y2
	VFMADD231PS Y13, Y1, Y2   // x·log2e + 1.5·2^23: k in the low mantissa bits
	VSUBPS  Y12, Y2, Y3       // k as a float
	VFNMADD231PS Y11, Y3, Y1  // r = x − k·ln2Hi
	VFNMADD231PS Y10, Y3, Y1  //     − k·ln2Lo
	VPSLLD  $23, Y2, Y2       // k << 23 (the magic constant's bits shift out)
	VPADDD  Y9, Y2, Y2        // + 127 << 23 (the bits of 1.0): 2^k
	VMOVAPS Y8, Y3
	VFMADD213PS Y7, Y1, Y3    // Horner: p = ((((r/720 + 1/120)·r + 1/24)·r + 1/6)·r + 1/2)·r + 1)·r + 1
	VFMADD213PS Y6, Y1, Y3
	VFMADD213PS Y5, Y1, Y3
	VFMADD213PS Y4, Y1, Y3
	VFMADD213PS Y9, Y1, Y3
	VFMADD213PS Y9, Y1, Y3
	VMULPS  Y2, Y3, Y3        // e = e^−|z|
	VADDPS  Y9, Y3, Y2        // 1 + e
	VBLENDVPS Y0, Y3, Y9, Y1  // numerator: e where z < 0 (sign bit set), else 1
	VDIVPS  Y2, Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     loop
	VZEROUPPER

done:
	RET
