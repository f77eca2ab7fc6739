package model

import "sync"

// The blocked GEMM around the 6×16 micro-kernel (gemmKernel6x16):
//
//	pack Bᵀ into 16-column panels, checking it is finite (B is read in place)
//	for each block of gemmMC rows of C:
//	  for each k-block [l0, l1) (cut from k alone, see gemmKBlocks):
//	    pack the block's A if A is transposed
//	    for each 16-column panel of op(B):
//	      for each 6-row tile:  C_tile = fma(alpha, A_tile·B_panel, C_tile)
//
// A panel is kc rows of 16 columns of op(B) (at most 32 KiB): it stays in L1
// while the row tiles go by, and the row block of A stays in L2 while the
// panels go by. op(B) = B is read where it lies, with row step ldb (16
// consecutive floats per row; only a short last panel is copied and padded
// with zeros). Bᵀ is packed once per call into 16-wide panels, zero-padded on
// the right, k-block by k-block: panel p of the block starting at l0 holds
// rows l0..l1−1 of op(B) columns 16p..16p+15, row after row.
//
// A (element (i, l) at a[i*rs + l*ls]: rs = lda, ls = 1 for op(A) = A) is
// read where it lies, six rows side by side. Aᵀ (rs = 1, ls = lda) would be
// read one cache line per l, so its blocks are packed into 6-row tiles
// (gemmPackAT) first. The last tile of fewer than 6 rows is copied into a
// zero-padded 6-row panel (gemmPackAEdge). On tiles of C that are not whole
// 6×16 (the edges) the kernel masks its loads and stores, so nothing outside
// C's m×n cells is read or written.
//
// Order of the sums: in every cell, each k-block's Σ_l A[i,l]·B[l,j] starts at
// 0 and runs over l in increasing order with one FMA per term; the block sums
// are added to C in block order as fma(alpha, sum, C). The blocks depend on k
// only, and edge tiles run the same kernel on zero-padded A and B (packed or
// in place, B's values are the same), so a row's result does not depend on
// m, on transA or on where the row sits (Gemm's determinism promise). The block sizes below were picked by timing the
// DNN's shapes (BenchmarkGemm) over k-blocks of 128 to 512 and row blocks of
// 48 to 408 on an AMD EPYC (Zen 3: 32 KiB L1d, 512 KiB L2 per core).

const (
	gemmMR      = 6   // rows of a micro-tile
	gemmNR      = 16  // columns of a micro-tile (two YMM registers)
	gemmKCMax   = 512 // k up to this is one k-block (a packed panel of 32 KiB)
	gemmKCSplit = 256 // larger k is cut into blocks of at most this
	gemmMC      = 96  // rows of C per block (A read in place)
	gemmMCT     = 408 // rows of C per block when Aᵀ is packed (a 400-wide layer's dW is one block)
)

// gemmKBlocks is the number of k-blocks for a given k; block b is
// [b·k/nb, (b+1)·k/nb).
func gemmKBlocks(k int) int {
	if k <= gemmKCMax {
		return 1
	}
	return (k + gemmKCSplit - 1) / gemmKCSplit
}

// gemmBuf is the per-call scratch of gemmBlocked, kept in gemmBufs between
// calls so that steady-state calls allocate nothing.
type gemmBuf struct {
	b  []float32                   // packed Bᵀ: ceil(n/16)·16·k floats
	at []float32                   // a packed row block of Aᵀ (transA)
	c  []float32                   // C's first row block, saved while B is read in place
	a  [gemmMR * gemmKCMax]float32 // the last, short row tile of A, zero-padded
	// The last panel of B when n is not a multiple of 16 and B is read in place.
	bedge [gemmNR * gemmKCMax]float32
}

var gemmBufs = sync.Pool{New: func() any { return new(gemmBuf) }}

// gemmBlocked adds alpha·op(A)·op(B) into C with the micro-kernel (C was
// already scaled by beta), or with set writes it there, C's old values
// never read. Shapes are checked by Gemm; m, n, k > 0.
//
// It returns false when op(B) holds an Inf or a NaN, C untouched (with set:
// partly written): the kernel multiplies every pair, zeros of A included, so
// 0·Inf would turn into a NaN in C, where Gemm promises to skip the zeros
// of A.
func gemmBlocked(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, set bool) bool {
	buf := gemmBufs.Get().(*gemmBuf)
	defer gemmBufs.Put(buf)

	rs, ls, mc := lda, 1, gemmMC
	if transA {
		rs, ls, mc = 1, lda, gemmMCT
	}
	panels := (n + gemmNR - 1) / gemmNR
	nblocks := gemmKBlocks(k)

	// op(B) = B is read where it lies (row step ldb): its panels are checked
	// as the first row block reaches them (which also brings them into L1),
	// and the first row block of C, the only rows written before every
	// panel has been checked, is saved so that a bad value found late still
	// leaves C as it came. Bᵀ is packed, and checked, before anything is
	// written.
	direct := !transB
	saved := min(mc, m) // rows of C saved
	if set {
		saved = 0 // nothing to restore: the caller starts again from zero
	}
	var pb []float32
	if direct {
		buf.saveC(c, saved, n, ldc)
	} else {
		size := panels * gemmNR * k
		if cap(buf.b) < size {
			buf.b = make([]float32, size)
		}
		pb = buf.b[:size]
		for bi := 0; bi < nblocks; bi++ {
			l0, l1 := bi*k/nblocks, (bi+1)*k/nblocks
			if !gemmPackBT(pb[l0*panels*gemmNR:l1*panels*gemmNR], b, ldb, l0, l1, n) {
				return false
			}
		}
	}

	for i0 := 0; i0 < m; i0 += mc {
		i1 := min(i0+mc, m)
		iFull := i0 + (i1-i0)/gemmMR*gemmMR // rows [iFull, i1) make the short tile
		for bi := 0; bi < nblocks; bi++ {
			l0, l1 := bi*k/nblocks, (bi+1)*k/nblocks
			kc := l1 - l0
			if iFull < i1 {
				gemmPackAEdge(buf.a[:gemmMR*kc], a, rs, ls, iFull, i1, l0, l1)
			}
			// Tile t of the row block starts at ap[t*ta], with steps trs, tls.
			var ap []float32
			ta, trs, tls := gemmMR*rs, rs, ls
			switch {
			case iFull == i0: // no whole tile
			case transA:
				need := (iFull - i0) * kc
				if cap(buf.at) < need {
					buf.at = make([]float32, need)
				}
				ap = buf.at[:need]
				gemmPackAT(ap, a, lda, i0, iFull, l0, l1)
				ta, trs, tls = gemmMR*kc, 1, gemmMR
			default:
				ap = a[i0*rs+l0*ls:]
			}
			for p := 0; p < panels; p++ {
				j0 := p * gemmNR
				cols := min(gemmNR, n-j0)
				// The panel: kc rows of 16 floats, row step bs.
				var bp *float32
				bs := gemmNR
				switch {
				case !direct:
					bp = &pb[l0*panels*gemmNR+p*kc*gemmNR]
				case cols == gemmNR:
					if i0 == 0 && gemmCheckB16(&b[l0*ldb+j0], ldb, kc) {
						gemmRestoreC(buf.c, c, saved, n, ldc)
						return false
					}
					bp, bs = &b[l0*ldb+j0], ldb
				default: // the short last panel, copied and padded with zeros
					if !gemmPackBPanel(buf.bedge[:kc*gemmNR], b, ldb, l0, l1, j0, n) {
						gemmRestoreC(buf.c, c, saved, n, ldc)
						return false
					}
					bp = &buf.bedge[0]
				}
				for i, t := i0, 0; i < iFull; i, t = i+gemmMR, t+1 {
					gemmKernel6x16(kc, &ap[t*ta], trs, tls, bp, bs, &c[i*ldc+j0], ldc, alpha, gemmMR, cols, set && bi == 0)
				}
				if iFull < i1 {
					gemmKernel6x16(kc, &buf.a[0], 1, gemmMR, bp, bs, &c[iFull*ldc+j0], ldc, alpha, i1-iFull, cols, set && bi == 0)
				}
			}
		}
	}
	return true
}

// saveC copies C's first m rows of n cells into buf.c (gemmRestoreC puts
// them back).
func (buf *gemmBuf) saveC(c []float32, m, n, ldc int) {
	if cap(buf.c) < m*n {
		buf.c = make([]float32, m*n)
	}
	for i := 0; i < m; i++ {
		copy(buf.c[i*n:(i+1)*n], c[i*ldc:i*ldc+n])
	}
}

// gemmRestoreC copies the saved m×n cells back into C.
func gemmRestoreC(saved, c []float32, m, n, ldc int) {
	for i := 0; i < m; i++ {
		copy(c[i*ldc:i*ldc+n], saved[i*n:(i+1)*n])
	}
}

// gemmPackAT packs rows [i0, i1) (a multiple of 6) and columns [l0, l1) of
// op(A) = Aᵀ (A stored k×m, row stride lda) into dst as 6-row tiles, each
// kc groups of 6: tile t, step l, row r at dst[t*6*kc + l*6 + r].
func gemmPackAT(dst []float32, a []float32, lda, i0, i1, l0, l1 int) {
	kc, tiles := l1-l0, (i1-i0)/gemmMR
	if kc == 0 || tiles == 0 {
		return
	}
	// Bounds for the assembly: the block's first and last elements of A,
	// and all of dst.
	_ = a[(l1-1)*lda+i1-1]
	_ = dst[tiles*kc*gemmMR-1]
	gemmPackAT6(&dst[0], &a[l0*lda+i0], lda, kc, tiles)
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

// gemmPackBPanel packs rows [l0, l1) of B's columns [j0, n) (fewer than 16)
// into dst as (l1−l0) rows of 16 floats, zero-padded past column n. It
// returns false when one of the values is Inf or NaN.
func gemmPackBPanel(dst []float32, b []float32, ldb, l0, l1, j0, n int) bool {
	w := n - j0
	var bad uint32
	for l := 0; l < l1-l0; l++ {
		src := b[(l0+l)*ldb+j0 : (l0+l)*ldb+n]
		d := dst[l*gemmNR : l*gemmNR+gemmNR]
		for j, v := range src {
			bad |= gemmFiniteBits(v)
			d[j] = v
		}
		clear(d[w:])
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
