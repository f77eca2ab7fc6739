// Macros of the row-block kernels of Dice (dice_amd64.s) and BatchNorm
// (batchnorm_amd64.s).

// ROWS loads a kernel's block shape from its arguments n, c and cw (at the
// frame offsets given): CX = n rows, R14 = c·4 (the row stride in bytes),
// DX = cw·4 (the columns the kernel does, in bytes), and jumps to done when
// there is nothing to do.
#define ROWS(noff, coff, cwoff, done) \
	MOVQ  n+noff(FP), CX; \
	MOVQ  c+coff(FP), R14; \
	SHLQ  $2, R14; \
	MOVQ  cw+cwoff(FP), DX; \
	SHLQ  $2, DX; \
	TESTQ CX, CX; \
	JZ    done; \
	TESTQ DX, DX; \
	JZ    done

// XHAT8 sets r = x̂ = (x − mean)·rstd for the 8 units at column byte
// offset AX of the row at SI, mean and rstd in the first two vectors of the
// block's pack at BX (packUnits).
#define XHAT8(r) \
	VMOVUPS (SI)(AX*1), r; \
	VSUBPS  0(BX)(AX*4), r, r; \
	VMULPS  32(BX)(AX*4), r, r

// NEXTCOL moves AX on to the next 8 columns and loops to col while there
// are more in the row.
#define NEXTCOL(col) \
	ADDQ $32, AX; \
	CMPQ AX, DX; \
	JB   col

// ADDF64 adds the float64 vectors Y0 (units 0–3) and Y1 (units 4–7) into
// the sums at base for the 8 units at column byte offset AX.
#define ADDF64(base) \
	VADDPD  (base)(AX*2), Y0, Y0; \
	VADDPD  32(base)(AX*2), Y1, Y1; \
	VMOVUPD Y0, (base)(AX*2); \
	VMOVUPD Y1, 32(base)(AX*2)

// GRADSUMS8: the per-unit sums of BatchNorm's backward for 8 units at
// column byte offset AX, in float64 as the portable loops:
//
//	s1[j] += g,  s2[j] += g·x̂      g in Y8, x̂ in Y1; s1 at R12, s2 at R13
//
// Each float32 vector becomes two float64 ones (units 0–3, 4–7); Y9–Y13
// are scratch.
#define GRADSUMS8 \
	VCVTPS2PD    X8, Y9; \
	VEXTRACTF128 $1, Y8, X10; \
	VCVTPS2PD    X10, Y10; \
	VCVTPS2PD    X1, Y11; \
	VEXTRACTF128 $1, Y1, X12; \
	VCVTPS2PD    X12, Y12; \
	VADDPD  (R12)(AX*2), Y9, Y13; \
	VMOVUPD Y13, (R12)(AX*2); \
	VADDPD  32(R12)(AX*2), Y10, Y13; \
	VMOVUPD Y13, 32(R12)(AX*2); \
	VMULPD  Y11, Y9, Y9; \
	VMULPD  Y12, Y10, Y10; \
	VADDPD  (R13)(AX*2), Y9, Y9; \
	VMOVUPD Y9, (R13)(AX*2); \
	VADDPD  32(R13)(AX*2), Y10, Y10; \
	VMOVUPD Y10, 32(R13)(AX*2)
