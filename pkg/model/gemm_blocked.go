package model

import "sync"

// The blocked GEMM around the 6×16 micro-kernel (gemmKernel6x16):
//
//	for each k-block [l0, l1) of at most gemmKCMax (cut from k alone):
//	  for each block of gemmMC rows of C:
//	    for each 16-column panel of B (packed):
//	      for each 6-row tile:  C_tile = fma(alpha, A_tile·B_panel, C_tile)
//
// B is packed once per call into 16-wide panels, zero-padded on the right,
// k-block by k-block: panel p of the block starting at l0 holds rows
// l0..l1−1 of op(B) columns 16p..16p+15, row after row. The packed panel (kc×16
// floats) stays in L1 while the row tiles of C go by; the gemmMC×kc block of A
// stays in L2 while the panels go by.
//
// A is read where it lies (element (i, l) at a[i*rs + l*ls]: rs = lda, ls = 1
// for op(A) = A; rs = 1, ls = lda for Aᵀ), except for the last tile of fewer
// than 6 rows, which is copied into a zero-padded 6-row panel. Tiles of C
// that are not whole 6×16 (the edges) are computed in a scratch tile and
// copied back, so nothing outside C's m×n cells is read or written.
//
// Order of the sums: in every cell, each k-block's Σ_l A[i,l]·B[l,j] starts at
// 0 and runs over l in increasing order with one FMA per term; the block sums
// are added to C in block order as fma(alpha, sum, C). The blocks depend on k
// only, and edge tiles run the same kernel on padded copies, so a row's result
// does not depend on m or on where the row sits (Gemm's determinism promise).

const (
	gemmMR    = 6   // rows of a micro-tile
	gemmNR    = 16  // columns of a micro-tile (two YMM registers)
	gemmKCMax = 256 // largest k-block: a packed panel is at most 16 KiB
	gemmMC    = 96  // rows of C per block: the A block (96×256 floats) fits L2
)

// gemmBuf is the per-call scratch of gemmBlocked, kept in gemmBufs between
// calls so that steady-state calls allocate nothing.
type gemmBuf struct {
	b    []float32                   // packed op(B): ceil(n/16)·16·k floats
	ablk []float32                   // a packed block of Aᵀ (transA)
	a    [gemmMR * gemmKCMax]float32 // the last, short row tile of A, zero-padded
	tile [gemmMR * gemmNR]float32    // an edge tile of C
}

var gemmBufs = sync.Pool{New: func() any { return new(gemmBuf) }}

// gemmBlocked adds alpha·op(A)·op(B) into C with the micro-kernel (C was
// already scaled by beta). Shapes are checked by Gemm; m, n, k > 0.
//
// It returns false, with C untouched, when op(B) holds an Inf or a NaN: the
// kernel multiplies every pair, zeros of A included, so 0·Inf would turn into
// a NaN in C; the portable kernels, which skip zeros of A, must do that call.
func gemmBlocked(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) bool {
	buf := gemmBufs.Get().(*gemmBuf)
	defer gemmBufs.Put(buf)

	panels := (n + gemmNR - 1) / gemmNR
	size := panels * gemmNR * k
	if cap(buf.b) < size {
		buf.b = make([]float32, size)
	}
	pb := buf.b[:size]
	nblocks := (k + gemmKCMax - 1) / gemmKCMax
	for bi := 0; bi < nblocks; bi++ {
		l0, l1 := bi*k/nblocks, (bi+1)*k/nblocks
		var ok bool
		if transB {
			ok = gemmPackBT(pb[l0*panels*gemmNR:l1*panels*gemmNR], b, ldb, l0, l1, n)
		} else {
			ok = gemmPackB(pb[l0*panels*gemmNR:l1*panels*gemmNR], b, ldb, l0, l1, n)
		}
		if !ok {
			return false
		}
	}

	rs, ls := lda, 1
	if transA {
		rs, ls = 1, lda
	}
	for bi := 0; bi < nblocks; bi++ {
		l0, l1 := bi*k/nblocks, (bi+1)*k/nblocks
		kc := l1 - l0
		blk := pb[l0*panels*gemmNR : l1*panels*gemmNR]
		for i0 := 0; i0 < m; i0 += gemmMC {
			i1 := min(i0+gemmMC, m)
			iFull := i0 + (i1-i0)/gemmMR*gemmMR // rows [iFull, i1) make the short tile
			if iFull < i1 {
				gemmPackAEdge(buf.a[:gemmMR*kc], a, rs, ls, iFull, i1, l0, l1)
			}
			// Tile t of the block starts at ap[t*ta] with steps trs, tls.
			ap, ta, trs, tls := a[i0*rs+l0*ls:], gemmMR*rs, rs, ls
			if transA && gemmPackTN {
				need := (iFull - i0) * kc
				if cap(buf.ablk) < need {
					buf.ablk = make([]float32, need)
				}
				gemmPackAT(buf.ablk[:need], a, lda, i0, iFull, l0, l1)
				ap, ta, trs, tls = buf.ablk[:need], gemmMR*kc, 1, gemmMR
			}
			for p := 0; p < panels; p++ {
				bp := &blk[p*kc*gemmNR]
				j0 := p * gemmNR
				if j0+gemmNR <= n {
					for i, t := i0, 0; i < iFull; i, t = i+gemmMR, t+1 {
						gemmKernel6x16(kc, &ap[t*ta], trs, tls, bp, &c[i*ldc+j0], ldc, alpha)
					}
				} else {
					for i, t := i0, 0; i < iFull; i, t = i+gemmMR, t+1 {
						gemmEdgeTile(buf, kc, &ap[t*ta], trs, tls, bp, c, ldc, i, gemmMR, j0, n-j0, alpha)
					}
				}
				if iFull < i1 {
					gemmEdgeTile(buf, kc, &buf.a[0], 1, gemmMR, bp, c, ldc, iFull, i1-iFull, j0, min(gemmNR, n-j0), alpha)
				}
			}
		}
	}
	return true
}

// gemmEdgeTile runs the kernel on the rows×cols corner of C at (i0, j0)
// through buf.tile: C's cells are copied in, the kernel updates the whole
// padded tile, and the same cells are copied back.
func gemmEdgeTile(buf *gemmBuf, kc int, a *float32, rs, ls int, bp *float32, c []float32, ldc, i0, rows, j0, cols int, alpha float32) {
	t := &buf.tile
	clear(t[:])
	for r := 0; r < rows; r++ {
		copy(t[r*gemmNR:r*gemmNR+cols], c[(i0+r)*ldc+j0:(i0+r)*ldc+j0+cols])
	}
	gemmKernel6x16(kc, a, rs, ls, bp, &t[0], gemmNR, alpha)
	for r := 0; r < rows; r++ {
		copy(c[(i0+r)*ldc+j0:(i0+r)*ldc+j0+cols], t[r*gemmNR:r*gemmNR+cols])
	}
}

var gemmPackTN = true

// gemmPackAT packs rows [i0, i1) (a multiple of 6) and columns [l0, l1) of
// op(A) = Aᵀ (A stored k×m, row stride lda) into dst as 6-row tiles, each
// kc groups of 6: tile t, step l, row r at dst[t*6*kc + l*6 + r].
func gemmPackAT(dst []float32, a []float32, lda, i0, i1, l0, l1 int) {
	kc := l1 - l0
	for l := 0; l < kc; l++ {
		src := a[(l0+l)*lda+i0 : (l0+l)*lda+i1]
		for t := 0; t*gemmMR < len(src); t++ {
			copy(dst[t*gemmMR*kc+l*gemmMR:t*gemmMR*kc+l*gemmMR+gemmMR], src[t*gemmMR:t*gemmMR+gemmMR])
		}
	}
}

// gemmPackAEdge copies rows [i0, i1) (fewer than 6) of op(A), columns
// [l0, l1), into dst as kc groups of 6 (row r of step l at dst[l*6+r]); the
// missing rows are zeros.
func gemmPackAEdge(dst []float32, a []float32, rs, ls, i0, i1, l0, l1 int) {
	clear(dst)
	for r := 0; r < i1-i0; r++ {
		off := (i0+r)*rs + l0*ls
		for l := 0; l < l1-l0; l++ {
			dst[l*gemmMR+r] = a[off+l*ls]
		}
	}
}

// gemmPackB packs rows [l0, l1) of B (k×n, row stride ldb) into dst as
// ceil(n/16) panels of (l1−l0) rows of 16 floats, zero-padded past column n.
// It returns false when one of the values is Inf or NaN.
func gemmPackB(dst []float32, b []float32, ldb, l0, l1, n int) bool {
	kc := l1 - l0
	var bad uint32
	for p := 0; p*gemmNR < n; p++ {
		j0 := p * gemmNR
		w := min(gemmNR, n-j0)
		panel := dst[p*kc*gemmNR : (p+1)*kc*gemmNR]
		if w == gemmNR {
			for l := 0; l < kc; l++ {
				src := b[(l0+l)*ldb+j0 : (l0+l)*ldb+j0+gemmNR]
				d := panel[l*gemmNR : l*gemmNR+gemmNR]
				for j, v := range src {
					bad |= gemmFiniteBits(v)
					d[j] = v
				}
			}
			continue
		}
		for l := 0; l < kc; l++ {
			src := b[(l0+l)*ldb+j0 : (l0+l)*ldb+j0+w]
			d := panel[l*gemmNR : l*gemmNR+gemmNR]
			for j, v := range src {
				bad |= gemmFiniteBits(v)
				d[j] = v
			}
			clear(d[w:])
		}
	}
	return bad&0x80000000 == 0
}

// gemmPackBT packs like gemmPackB from B stored transposed (n×k, row stride
// ldb): op(B)[l, j] = b[j*ldb + l].
func gemmPackBT(dst []float32, b []float32, ldb, l0, l1, n int) bool {
	kc := l1 - l0
	var bad uint32
	for p := 0; p*gemmNR < n; p++ {
		j0 := p * gemmNR
		w := min(gemmNR, n-j0)
		panel := dst[p*kc*gemmNR : (p+1)*kc*gemmNR]
		if w < gemmNR {
			clear(panel)
		}
		for j := 0; j < w; j++ {
			src := b[(j0+j)*ldb+l0 : (j0+j)*ldb+l1]
			for l, v := range src {
				bad |= gemmFiniteBits(v)
				panel[l*gemmNR+j] = v
			}
		}
	}
	return bad&0x80000000 == 0
}
