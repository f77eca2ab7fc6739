//go:build amd64 && !purego

#include "textflag.h"

// The AVX2/FMA micro-kernel of Gemm: see gemm_amd64.go for the Go side and
// gemm_blocked.go for how the tiles are cut.
//
// Registers of gemmKernel6x16:
//
//	Y0..Y11   the 6×16 accumulator tile: row r is Y(2r) (columns 0..7) and Y(2r+1) (8..15)
//	Y12, Y13  one row of the B panel (16 floats)
//	Y14, Y15  a broadcast element of A
//	SI        A at row 0 of the tile, column l;  R11 = SI + 3·rs (row 3)
//	R8        rs, A's row step in bytes;  R9  ls, A's step per l in bytes
//	DX        the B panel at row l (16 floats);  BX  B's row step in bytes, R13 = 2·BX
//	CX        l's left to do

// Lanes j < cols of a 16-float row are read at gemmColMask<> + 4·(16−cols):
// eight −1 words (all bits set) then eight 0 words.
DATA gemmColMask<>+0(SB)/8, $-1
DATA gemmColMask<>+8(SB)/8, $-1
DATA gemmColMask<>+16(SB)/8, $-1
DATA gemmColMask<>+24(SB)/8, $-1
DATA gemmColMask<>+32(SB)/8, $-1
DATA gemmColMask<>+40(SB)/8, $-1
DATA gemmColMask<>+48(SB)/8, $-1
DATA gemmColMask<>+56(SB)/8, $-1
DATA gemmColMask<>+64(SB)/8, $0
DATA gemmColMask<>+72(SB)/8, $0
DATA gemmColMask<>+80(SB)/8, $0
DATA gemmColMask<>+88(SB)/8, $0
DATA gemmColMask<>+96(SB)/8, $0
DATA gemmColMask<>+104(SB)/8, $0
DATA gemmColMask<>+112(SB)/8, $0
DATA gemmColMask<>+120(SB)/8, $0
GLOBL gemmColMask<>(SB), RODATA|NOPTR, $128

// ZERO12 clears the twelve accumulators Y0..Y11.
#define ZERO12 \
	VXORPS Y0, Y0, Y0; VXORPS Y1, Y1, Y1; VXORPS Y2, Y2, Y2; VXORPS Y3, Y3, Y3 \
	VXORPS Y4, Y4, Y4; VXORPS Y5, Y5, Y5; VXORPS Y6, Y6, Y6; VXORPS Y7, Y7, Y7 \
	VXORPS Y8, Y8, Y8; VXORPS Y9, Y9, Y9; VXORPS Y10, Y10, Y10; VXORPS Y11, Y11, Y11

// PREFETCHNEXT steps AX to C's next row and fetches its 16 floats.
#define PREFETCHNEXT \
	ADDQ R10, AX; PREFETCHT0 (AX); PREFETCHT0 63(AX)

// KSTEP is one l of the tile: the B row at b0, b1 (floats 0..7, 8..15)
// times A[r, l] for r = 0..5 into the accumulators, then A moves to l+1.
#define KSTEP(b0, b1) \
	VMOVUPS      b0, Y12; \
	VMOVUPS      b1, Y13; \
	VBROADCASTSS (SI), Y14; \
	VBROADCASTSS (SI)(R8*1), Y15; \
	VFMADD231PS  Y12, Y14, Y0; \
	VFMADD231PS  Y13, Y14, Y1; \
	VFMADD231PS  Y12, Y15, Y2; \
	VFMADD231PS  Y13, Y15, Y3; \
	VBROADCASTSS (SI)(R8*2), Y14; \
	VBROADCASTSS (R11), Y15; \
	VFMADD231PS  Y12, Y14, Y4; \
	VFMADD231PS  Y13, Y14, Y5; \
	VFMADD231PS  Y12, Y15, Y6; \
	VFMADD231PS  Y13, Y15, Y7; \
	VBROADCASTSS (R11)(R8*1), Y14; \
	VBROADCASTSS (R11)(R8*2), Y15; \
	VFMADD231PS  Y12, Y14, Y8; \
	VFMADD231PS  Y13, Y14, Y9; \
	VFMADD231PS  Y12, Y15, Y10; \
	VFMADD231PS  Y13, Y15, Y11; \
	ADDQ         R9, SI; \
	ADDQ         R9, R11

// STOREROW writes one whole row of C at DI: C = fma(alpha (Y14), acc, C)
// with acc = lo (columns 0..7), hi (8..15).
#define STOREROW(lo, hi) \
	VMOVUPS     (DI), Y12; \
	VMOVUPS     32(DI), Y13; \
	VFMADD231PS lo, Y14, Y12; \
	VFMADD231PS hi, Y14, Y13; \
	VMOVUPS     Y12, (DI); \
	VMOVUPS     Y13, 32(DI)

// MASKROW is STOREROW for the lanes of the masks Y12, Y13 only: the others
// are neither read nor written.
#define MASKROW(lo, hi) \
	VMASKMOVPS  (DI), Y12, Y15; \
	VFMADD231PS lo, Y14, Y15; \
	VMASKMOVPS  Y15, Y12, (DI); \
	VMASKMOVPS  32(DI), Y13, Y15; \
	VFMADD231PS hi, Y14, Y15; \
	VMASKMOVPS  Y15, Y13, 32(DI)

// NEXTMASKROW moves to the next row of an edge tile, or ends when AX rows
// are done.
#define NEXTMASKROW(lo, hi) \
	DECQ AX; JEQ maskdone; ADDQ R10, DI; MASKROW(lo, hi)

// SETROW and SETMASKROW are STOREROW and MASKROW for set: C = alpha·acc,
// C not read.
#define SETROW(lo, hi) \
	VMULPS  lo, Y14, Y12; \
	VMULPS  hi, Y14, Y13; \
	VMOVUPS Y12, (DI); \
	VMOVUPS Y13, 32(DI)

#define SETMASKROW(lo, hi) \
	VMULPS     lo, Y14, Y15; \
	VMASKMOVPS Y15, Y12, (DI); \
	VMULPS     hi, Y14, Y15; \
	VMASKMOVPS Y15, Y13, 32(DI)

#define NEXTSETMASKROW(lo, hi) \
	DECQ AX; JEQ maskdone; ADDQ R10, DI; SETMASKROW(lo, hi)

// func gemmKernel6x16(kc int, a *float32, rs, ls int, b *float32, bs int, c *float32, ldc int, alpha float32, rows, cols int, set bool)
TEXT ·gemmKernel6x16(SB), NOSPLIT, $0-89
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ rs+16(FP), R8
	SHLQ $2, R8
	MOVQ ls+24(FP), R9
	SHLQ $2, R9
	MOVQ b+32(FP), DX
	MOVQ bs+40(FP), BX
	SHLQ $2, BX
	LEAQ (BX)(BX*1), R13
	MOVQ c+48(FP), DI
	MOVQ ldc+56(FP), R10
	SHLQ $2, R10
	LEAQ (SI)(R8*2), R11
	ADDQ R8, R11

	// Fetch the C tile now: it is read only at the end, and when C is larger
	// than the caches the misses would stall the store.
	MOVQ       DI, AX
	PREFETCHT0 (AX)
	PREFETCHT0 63(AX)
	PREFETCHNEXT
	PREFETCHNEXT
	PREFETCHNEXT
	PREFETCHNEXT
	PREFETCHNEXT

	ZERO12
	TESTQ CX, CX
	JEQ   store

	// Two l's per pass while at least two are left; acc += a[r,l]·b[l,:]
	// in increasing l, one FMA per element and l, whatever the unrolling.
	CMPQ CX, $2
	JLT  tail

loop2:
	KSTEP((DX), 32(DX))
	KSTEP((DX)(BX*1), 32(DX)(BX*1))
	ADDQ R13, DX
	SUBQ $2, CX
	CMPQ CX, $2
	JGE  loop2
	TESTQ CX, CX
	JEQ  store

tail:
	KSTEP((DX), 32(DX))
	ADDQ BX, DX
	DECQ CX
	JNZ  tail

store:
	// C[r, :] = fma(alpha, acc[r, :], C[r, :]) (or alpha·acc[r, :] with set)
	// for r = 0..5; an edge tile (rows < 6 or cols < 16) goes to the masked
	// stores below.
	VBROADCASTSS alpha+64(FP), Y14
	MOVQ         rows+72(FP), AX
	MOVQ         cols+80(FP), BX
	CMPQ         AX, $6
	JNE          masked
	CMPQ         BX, $16
	JNE          masked
	CMPB         set+88(FP), $0
	JNE          setfull
	STOREROW(Y0, Y1)
	ADDQ R10, DI
	STOREROW(Y2, Y3)
	ADDQ R10, DI
	STOREROW(Y4, Y5)
	ADDQ R10, DI
	STOREROW(Y6, Y7)
	ADDQ R10, DI
	STOREROW(Y8, Y9)
	ADDQ R10, DI
	STOREROW(Y10, Y11)
	VZEROUPPER
	RET

setfull:
	SETROW(Y0, Y1)
	ADDQ R10, DI
	SETROW(Y2, Y3)
	ADDQ R10, DI
	SETROW(Y4, Y5)
	ADDQ R10, DI
	SETROW(Y6, Y7)
	ADDQ R10, DI
	SETROW(Y8, Y9)
	ADDQ R10, DI
	SETROW(Y10, Y11)
	VZEROUPPER
	RET

masked:
	// Rows 0..rows−1, lanes j < cols only.
	LEAQ    gemmColMask<>(SB), R12
	MOVQ    $16, R13
	SUBQ    BX, R13
	LEAQ    (R12)(R13*4), R12
	VMOVDQU (R12), Y12
	VMOVDQU 32(R12), Y13
	CMPB    set+88(FP), $0
	JNE     setmasked
	MASKROW(Y0, Y1)
	NEXTMASKROW(Y2, Y3)
	NEXTMASKROW(Y4, Y5)
	NEXTMASKROW(Y6, Y7)
	NEXTMASKROW(Y8, Y9)
	NEXTMASKROW(Y10, Y11)
	JMP maskdone

setmasked:
	SETMASKROW(Y0, Y1)
	NEXTSETMASKROW(Y2, Y3)
	NEXTSETMASKROW(Y4, Y5)
	NEXTSETMASKROW(Y6, Y7)
	NEXTSETMASKROW(Y8, Y9)
	NEXTSETMASKROW(Y10, Y11)

maskdone:
	VZEROUPPER
	RET

// func gemmFMAPeak(n int, x, y float32) float32
//
// n passes of 12 independent 8-wide FMAs (acc += x·y) on registers only, no
// loads: the most the FMA units can do, which the micro-kernel is measured
// against.
TEXT ·gemmFMAPeak(SB), NOSPLIT, $0-20
	MOVQ           n+0(FP), CX
	ZERO12
	VBROADCASTSS   x+8(FP), Y12
	VBROADCASTSS   y+12(FP), Y13
	TESTQ          CX, CX
	JEQ            peakdone

peakloop:
	VFMADD231PS Y12, Y13, Y0; VFMADD231PS Y12, Y13, Y1; VFMADD231PS Y12, Y13, Y2
	VFMADD231PS Y12, Y13, Y3; VFMADD231PS Y12, Y13, Y4; VFMADD231PS Y12, Y13, Y5
	VFMADD231PS Y12, Y13, Y6; VFMADD231PS Y12, Y13, Y7; VFMADD231PS Y12, Y13, Y8
	VFMADD231PS Y12, Y13, Y9; VFMADD231PS Y12, Y13, Y10; VFMADD231PS Y12, Y13, Y11
	DECQ        CX
	JNZ         peakloop

peakdone:
	VADDPS  Y1, Y0, Y0
	VADDPS  Y3, Y2, Y2
	VADDPS  Y5, Y4, Y4
	VADDPS  Y7, Y6, Y6
	VADDPS  Y9, Y8, Y8
	VADDPS  Y11, Y10, Y10
	VADDPS  Y2, Y0, Y0
	VADDPS  Y6, Y4, Y4
	VADDPS  Y10, Y8, Y8
	VADDPS  Y4, Y0, Y0
	VADDPS  Y8, Y0, Y0
	VMOVSS  X0, ret+16(FP)
	VZEROUPPER
	RET

DATA gemmExpMask<>+0(SB)/4, $0x7f800000 // float32 exponent bits
GLOBL gemmExpMask<>(SB), RODATA|NOPTR, $4

// func gemmPackAT6(dst *float32, src *float32, lda, kc, tiles int)
//
// Packs kc rows of tiles·6 floats of Aᵀ (row l at src + l·lda floats) into
// 6-row tiles: floats 6t..6t+5 of row l land at dst + (t·kc + l)·6 floats.
TEXT ·gemmPackAT6(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ lda+16(FP), R8
	SHLQ $2, R8            // src row step in bytes
	MOVQ kc+24(FP), CX
	MOVQ tiles+32(FP), R9
	IMUL3Q $24, CX, R10    // tile step in dst: kc·6 floats
	TESTQ CX, CX
	JEQ   atdone
	TESTQ R9, R9
	JEQ   atdone

atrow:
	MOVQ SI, R11
	MOVQ DI, R12
	MOVQ R9, DX

attile:
	MOVUPS (R11), X0
	MOVQ   16(R11), X1
	MOVUPS X0, (R12)
	MOVQ   X1, 16(R12)
	ADDQ   $24, R11
	ADDQ   R10, R12
	DECQ   DX
	JNZ    attile

	ADDQ R8, SI
	ADDQ $24, DI
	DECQ CX
	JNZ  atrow

atdone:
	RET

// func gemmCheckB16(src *float32, ldb, kc int) (bad bool)
//
// Reports whether one of kc rows of 16 floats (row l at src + l·ldb floats)
// is Inf or NaN. Reading them also brings them into L1 for the kernel.
TEXT ·gemmCheckB16(SB), NOSPLIT, $0-25
	MOVQ         src+0(FP), SI
	MOVQ         ldb+8(FP), R8
	SHLQ         $2, R8
	MOVQ         kc+16(FP), CX
	VPBROADCASTD gemmExpMask<>(SB), Y15
	VPXOR        Y14, Y14, Y14
	TESTQ        CX, CX
	JEQ          chkdone

chkrow:
	VMOVUPS  (SI), Y0
	VMOVUPS  32(SI), Y1
	VPAND    Y15, Y0, Y0
	VPAND    Y15, Y1, Y1
	VPCMPEQD Y15, Y0, Y0
	VPCMPEQD Y15, Y1, Y1
	VPOR     Y0, Y14, Y14
	VPOR     Y1, Y14, Y14
	ADDQ     R8, SI
	DECQ     CX
	JNZ      chkrow

chkdone:
	VPTEST  Y14, Y14
	SETNE   bad+24(FP)
	VZEROUPPER
	RET
