package model

import "fmt"

// gemmTiles adds alpha·A·B into C (m×n, inner dimension k), or with set
// writes it there (C is not read: no need to clear it), straight on the
// micro-kernel, tile by tile, without gemmBlocked's buffers, packing and
// checks: the per-head products of self-attention (10×10×32 for AutoInt on
// Frappe), a few thousand flops each, where that set-up cost more than the
// product.
//
//	A[r, l] at a[r*rs + l*ls]                    (Aᵀ of a row-major X: rs = 1, ls = ld)
//	B[l, j] at b[l*bs + (j/16)*ps + j%16]         16-column panels, ps apart: ps = 16 for a
//	                                              row-major B read in place, k·16 for packed panels
//	C[r, j] at c[r*ldc + j]
//
// The kernel reads whole tiles: A's rows up to the next multiple of 6 and
// B's panels 16 floats wide, so a and b must extend that far (callers keep
// slack past their matrices); gemmTiles panics before reading outside them.
// Unlike Gemm it multiplies every pair, so an Inf or NaN in B reaches C even
// where A is 0. Each element sums over l in increasing order: its result
// does not depend on m or n. The portable path (no kernel) does the same in
// Go, with separate multiply and add.
func gemmTiles(m, n, k int, alpha float32, a []float32, rs, ls int, b []float32, bs, ps int, c []float32, ldc int, set bool) {
	if m == 0 || n == 0 {
		return
	}
	if !gemmUseKernel || k == 0 {
		gemmTilesGo(m, n, k, alpha, a, rs, ls, b, bs, ps, c, ldc, set)
		return
	}
	panels := (n + gemmNR - 1) / gemmNR
	tiles := (m + gemmMR - 1) / gemmMR
	if last := (tiles*gemmMR-1)*rs + (k-1)*ls; last >= len(a) {
		panic(fmt.Sprintf("model: gemm tiles: a len %d, the kernel reads a[%d]", len(a), last))
	}
	if last := (k-1)*bs + (panels-1)*ps + gemmNR - 1; last >= len(b) {
		panic(fmt.Sprintf("model: gemm tiles: b len %d, the kernel reads b[%d]", len(b), last))
	}
	if last := (m-1)*ldc + n - 1; last >= len(c) {
		panic(fmt.Sprintf("model: gemm tiles: c len %d, want %d", len(c), last+1))
	}
	for p := 0; p < panels; p++ {
		j0 := p * gemmNR
		cols := min(gemmNR, n-j0)
		for i0 := 0; i0 < m; i0 += gemmMR {
			gemmKernel6x16(k, &a[i0*rs], rs, ls, &b[p*ps], bs, &c[i0*ldc+j0], ldc, alpha, min(gemmMR, m-i0), cols, set)
		}
	}
}

// gemmTilesGo is gemmTiles in Go, reading only A's and B's m×k and k×n
// elements.
func gemmTilesGo(m, n, k int, alpha float32, a []float32, rs, ls int, b []float32, bs, ps int, c []float32, ldc int, set bool) {
	for r := 0; r < m; r++ {
		for j := 0; j < n; j++ {
			bj := (j/gemmNR)*ps + j%gemmNR
			var s float32
			for l := 0; l < k; l++ {
				s += a[r*rs+l*ls] * b[l*bs+bj]
			}
			if set {
				c[r*ldc+j] = alpha * s
			} else {
				c[r*ldc+j] += alpha * s
			}
		}
	}
}

// gemmPanelsT packs Xᵀ for gemmTiles' B: X is t×d (row x[j*ldx:]), the
// result d rows of 16-column panels over j (panel p at dst[p*d*16:],
// element (l, j) at dst[p*d*16 + l*16 + j%16]). The columns past t are
// left as they are: zero in a buffer used for one t only.
func gemmPanelsT(dst []float32, x []float32, ldx, t, d int) {
	for p := 0; p*gemmNR < t; p++ {
		panel := dst[p*d*gemmNR : (p+1)*d*gemmNR]
		w := min(gemmNR, t-p*gemmNR)
		for j := 0; j < w; j++ {
			row := x[(p*gemmNR+j)*ldx : (p*gemmNR+j)*ldx+d]
			for l, v := range row {
				panel[l*gemmNR+j] = v
			}
		}
	}
}
