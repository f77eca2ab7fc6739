//go:build amd64 && !purego

package model

import "golang.org/x/sys/cpu"

// gemmHaveKernel says whether gemmKernel6x16 can run here: the CPU has AVX2
// and FMA and the OS saves the YMM registers (x/sys/cpu checks both).
var gemmHaveKernel = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// gemmKernel6x16 is the micro-kernel (gemm_amd64.s): one 6×16 tile
//
//	C[r, j] = fma(alpha, Σ_{l<kc} A[r, l]·B[l, j], C[r, j])     r < rows, j < cols
//	C[r, j] = alpha·Σ_{l<kc} A[r, l]·B[l, j]                   with set (C is not read)
//
// with A[r, l] at a[r*rs + l*ls] for all r < 6 (rows of a short tile come
// zero-padded), B[l, 0..15] at b[l*bs:] (bs = 16 for a packed panel), and C
// with row stride ldc.
// Only C's rows < rows (≤ 6) and columns < cols (≤ 16) are read or written
// (masked loads and stores at the edges). The sum starts at 0 and takes l in
// increasing order, one FMA per l, so a cell's result depends on kc and the
// values only, never on rows or cols.
//
//go:noescape
func gemmKernel6x16(kc int, a *float32, rs, ls int, b *float32, bs int, c *float32, ldc int, alpha float32, rows, cols int, set bool)

// gemmFMAPeak runs n passes of 12 independent 8-wide FMAs on registers: the
// FMA units' peak, to measure the kernel against (see BenchmarkGemmPeak).
//
//go:noescape
func gemmFMAPeak(n int, x, y float32) float32

// gemmPackAT6 packs kc rows of tiles·6 floats of Aᵀ (row l at src[l*lda:])
// into 6-row tiles (floats 6t..6t+5 of row l at dst[(t*kc+l)*6:]).
//
//go:noescape
func gemmPackAT6(dst *float32, src *float32, lda, kc, tiles int)

// gemmCheckB16 reports whether one of kc rows of 16 floats (row l at
// src[l*ldb:]) is Inf or NaN.
//
//go:noescape
func gemmCheckB16(src *float32, ldb, kc int) (bad bool)
