//go:build amd64 && !purego

#include "textflag.h"
#include "sigmoid_amd64.h"

// The 8-wide sigmoid of sigmoidSlice: sigmoid32 (fastmath.go) on 8 floats
// at a time, with FMA where the scalar code multiplies and adds (the
// constants and the steps are in sigmoid_amd64.h).

// func sigmoid8(dst, src *float32, n int)
TEXT ·sigmoid8(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   done
	SIGMOID8_CONSTS

loop:
	VMOVUPS (SI), Y0
	SIGMOID8
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     loop
	VZEROUPPER

done:
	RET
