// The 8-wide float32 sigmoid of sigmoid32 (fastmath.go), shared by sigmoid8
// (sigmoid_amd64.s) and the Dice kernels (dice_amd64.s) so that every path
// computes a gate with the same instructions, hence the same bits.
//
// SIGMOID8_CONSTS loads the constants; SIGMOID8 takes z in Y0 (kept: its
// sign bit picks the numerator) and leaves σ(z) in Y1, using Y1–Y3 as
// scratch and the constants in Y4–Y15:
//
//	Y1  x = max(−|z|, −87), then r = x − k·ln2
//	Y2  k + 1.5·2^23 (round to nearest by the magic add), then 2^k, then 1 + e
//	Y3  k, then the polynomial p ≈ e^r, then e = p·2^k
//	Y4..Y8  1/2, 1/6, 1/24, 1/120, 1/720;  Y9  1.0
//	Y10, Y11  ln2Lo, ln2Hi;  Y12  1.5·2^23;  Y13  log2 e;  Y14  −87;  Y15  the sign bit
//
// Step by step: −|z| (VORPS with the sign bit); max(−87, −|z|), a NaN
// stays NaN (vmaxps returns its second source); x·log2e + 1.5·2^23 puts k
// in the low mantissa bits; k as a float; r = x − k·ln2Hi − k·ln2Lo; k << 23
// (the magic constant's bits shift out) + the bits of 1.0 is 2^k; Horner
// p = (((((r/720 + 1/120)·r + 1/24)·r + 1/6)·r + 1/2)·r + 1)·r + 1;
// e = p·2^k = e^−|z|; numerator e where z < 0 (sign bit set), else 1;
// σ = numerator/(1 + e).

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

#define SIGMOID8_CONSTS \
	VBROADCASTSS sigmoidConst<>+0(SB), Y15; \
	VBROADCASTSS sigmoidConst<>+4(SB), Y14; \
	VBROADCASTSS sigmoidConst<>+8(SB), Y13; \
	VBROADCASTSS sigmoidConst<>+12(SB), Y12; \
	VBROADCASTSS sigmoidConst<>+16(SB), Y11; \
	VBROADCASTSS sigmoidConst<>+20(SB), Y10; \
	VBROADCASTSS sigmoidConst<>+24(SB), Y9; \
	VBROADCASTSS sigmoidConst<>+28(SB), Y8; \
	VBROADCASTSS sigmoidConst<>+32(SB), Y7; \
	VBROADCASTSS sigmoidConst<>+36(SB), Y6; \
	VBROADCASTSS sigmoidConst<>+40(SB), Y5; \
	VBROADCASTSS sigmoidConst<>+44(SB), Y4

#define SIGMOID8 \
	VORPS   Y15, Y0, Y1; \
	VMAXPS  Y1, Y14, Y1; \
	VMOVAPS Y12, Y2; \
	VFMADD231PS Y13, Y1, Y2; \
	VSUBPS  Y12, Y2, Y3; \
	VFNMADD231PS Y11, Y3, Y1; \
	VFNMADD231PS Y10, Y3, Y1; \
	VPSLLD  $23, Y2, Y2; \
	VPADDD  Y9, Y2, Y2; \
	VMOVAPS Y8, Y3; \
	VFMADD213PS Y7, Y1, Y3; \
	VFMADD213PS Y6, Y1, Y3; \
	VFMADD213PS Y5, Y1, Y3; \
	VFMADD213PS Y4, Y1, Y3; \
	VFMADD213PS Y9, Y1, Y3; \
	VFMADD213PS Y9, Y1, Y3; \
	VMULPS  Y2, Y3, Y3; \
	VADDPS  Y9, Y3, Y2; \
	VBLENDVPS Y0, Y3, Y9, Y1; \
	VDIVPS  Y2, Y1, Y1
