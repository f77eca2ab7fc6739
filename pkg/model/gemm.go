package model

import (
	"fmt"
	"math"
	"os"
)

// gemmUseKernel selects the assembly micro-kernel (gemm_amd64.s, driven by
// gemmBlocked in gemm_blocked.go) where the CPU has AVX2 and FMA. It is
// false, and Gemm runs the portable pure-Go kernels of this file, on other
// CPUs and architectures, in builds with the tag purego, and when the
// environment variable ATTNSWEEP_GEMM=portable is set at start-up. Tests
// flip it to check both paths in one run.
var gemmUseKernel = gemmHaveKernel && os.Getenv("ATTNSWEEP_GEMM") != "portable"

// Gemm is the one matrix-product entry point of the package: every dense
// layer calls it, so a faster kernel (assembly, OpenBLAS through cgo) is
// swapped in here and nowhere else.
//
//	C = alpha·op(A)·op(B) + beta·C
//
// with op(X) = X or Xᵀ, all matrices row-major: op(A) is m×k, op(B) is k×n
// and C is m×n. A is stored m×k (transA false) or k×m (transA true) with row
// stride lda; likewise B is stored k×n or n×k with row stride ldb; C has row
// stride ldc. When beta is 0, C is overwritten without being read (NaN or
// garbage in C does not leak into the result).
//
// Zero elements of op(A) are skipped (ReLU outputs are often zero), so an
// Inf or NaN in B next to a zero of A does not reach C. (The fast kernels
// multiply every pair; a call whose op(B) holds an Inf or a NaN is handed to
// gemmSkipZeros instead.)
//
// Determinism: each element of C is accumulated over k in a fixed order that
// depends only on k (never on m, n or the position of the row), so a row's
// result does not depend on the batch it is computed in. Which kernel runs
// depends on the build, the CPU, ATTNSWEEP_GEMM and whether op(B) is finite,
// never on m or A.
//
// Gemm panics with a "model: gemm:" message when a dimension is negative, a
// stride is smaller than a row or a slice is too short.
func Gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemmCheck(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if gemmUseKernel && beta == 0 && alpha != 0 && k > 0 {
		// The kernel writes C without reading it (the same bits as
		// clearing C first and adding).
		if !gemmBlocked(transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc, true) {
			for i := 0; i < m; i++ {
				clear(c[i*ldc : i*ldc+n])
			}
			gemmSkipZeros(transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc)
		}
		return
	}
	switch beta {
	case 1:
	case 0:
		for i := 0; i < m; i++ {
			clear(c[i*ldc : i*ldc+n])
		}
	default:
		for i := 0; i < m; i++ {
			row := c[i*ldc : i*ldc+n]
			for j := range row {
				row[j] *= beta
			}
		}
	}
	if alpha == 0 || k == 0 {
		return
	}
	if gemmUseKernel {
		if !gemmBlocked(transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc, false) {
			gemmSkipZeros(transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc)
		}
		return
	}
	if !gemmFinite(transB, k, n, b, ldb) {
		gemmSkipZeros(transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc)
		return
	}
	switch {
	case !transA && !transB:
		gemmNN(m, n, k, alpha, a, lda, b, ldb, c, ldc)
	case transA && !transB:
		gemmTN(m, n, k, alpha, a, lda, b, ldb, c, ldc)
	case !transA && transB:
		gemmNT(m, n, k, alpha, a, lda, b, ldb, c, ldc)
	default:
		gemmTT(m, n, k, alpha, a, lda, b, ldb, c, ldc)
	}
}

// gemmCheck panics on shape bugs; see Gemm.
func gemmCheck(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("model: gemm: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	checkMat("a", a, ar, ac, lda)
	checkMat("b", b, br, bc, ldb)
	checkMat("c", c, m, n, ldc)
}

// checkMat panics unless x can hold a rows×cols row-major matrix with stride ld.
func checkMat(name string, x []float32, rows, cols, ld int) {
	if ld < cols {
		panic(fmt.Sprintf("model: gemm: ld%s %d < %d columns", name, ld, cols))
	}
	if rows == 0 || cols == 0 {
		return
	}
	if want := (rows-1)*ld + cols; len(x) < want {
		panic(fmt.Sprintf("model: gemm: %s len %d, want at least %d (%d×%d, ld %d)", name, len(x), want, rows, cols, ld))
	}
}

// gemmKC is the k-block of the NN and TN kernels: a block of kc rows of B
// (kc·n floats) stays in cache while every row of C is updated with it.
const gemmKC = 256

// gemmNC is the n-block of the NT kernel: nc rows of B (nc·k floats) stay in
// cache while every row of A is dotted with them.
const gemmNC = 64

// gemmNN: C[i,:] += alpha·Σ_l A[i,l]·B[l,:]. A is m×k (lda), B is k×n (ldb).
// Row-axpy order: C's row and B's rows are contiguous; four rows of B are
// combined per pass over C's row.
func gemmNN(m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	for l0 := 0; l0 < k; l0 += gemmKC {
		l1 := min(l0+gemmKC, k)
		for i := 0; i < m; i++ {
			crow := c[i*ldc : i*ldc+n]
			arow := a[i*lda : i*lda+k]
			l := l0
			for ; l+4 <= l1; l += 4 {
				a0, a1, a2, a3 := alpha*arow[l], alpha*arow[l+1], alpha*arow[l+2], alpha*arow[l+3]
				if a0 == 0 && a1 == 0 && a2 == 0 && a3 == 0 {
					continue // ReLU outputs are often zero; adding 0 changes nothing
				}
				axpy4(crow, a0, b[l*ldb:l*ldb+n], a1, b[(l+1)*ldb:(l+1)*ldb+n],
					a2, b[(l+2)*ldb:(l+2)*ldb+n], a3, b[(l+3)*ldb:(l+3)*ldb+n])
			}
			for ; l < l1; l++ {
				if a0 := alpha * arow[l]; a0 != 0 {
					axpy(crow, a0, b[l*ldb:l*ldb+n])
				}
			}
		}
	}
}

// gemmTN: C[i,:] += alpha·Σ_l A[l,i]·B[l,:]. A is k×m (lda), B is k×n (ldb).
// Same order as gemmNN; A is read down its columns.
func gemmTN(m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	for l0 := 0; l0 < k; l0 += gemmKC {
		l1 := min(l0+gemmKC, k)
		for i := 0; i < m; i++ {
			crow := c[i*ldc : i*ldc+n]
			l := l0
			for ; l+4 <= l1; l += 4 {
				a0, a1, a2, a3 := alpha*a[l*lda+i], alpha*a[(l+1)*lda+i], alpha*a[(l+2)*lda+i], alpha*a[(l+3)*lda+i]
				if a0 == 0 && a1 == 0 && a2 == 0 && a3 == 0 {
					continue // ReLU outputs are often zero; adding 0 changes nothing
				}
				axpy4(crow, a0, b[l*ldb:l*ldb+n], a1, b[(l+1)*ldb:(l+1)*ldb+n],
					a2, b[(l+2)*ldb:(l+2)*ldb+n], a3, b[(l+3)*ldb:(l+3)*ldb+n])
			}
			for ; l < l1; l++ {
				if a0 := alpha * a[l*lda+i]; a0 != 0 {
					axpy(crow, a0, b[l*ldb:l*ldb+n])
				}
			}
		}
	}
}

// gemmNT: C[i,j] += alpha·(A[i,:]·B[j,:]). A is m×k (lda), B is n×k (ldb).
// Dot-product order: four dots share each load of A's row; B is blocked by
// rows so the block stays in cache across the rows of A.
func gemmNT(m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	for j0 := 0; j0 < n; j0 += gemmNC {
		j1 := min(j0+gemmNC, n)
		for i := 0; i < m; i++ {
			arow := a[i*lda : i*lda+k]
			crow := c[i*ldc : i*ldc+n]
			j := j0
			for ; j+4 <= j1; j += 4 {
				s0, s1, s2, s3 := dot4(arow, b[j*ldb:j*ldb+k], b[(j+1)*ldb:(j+1)*ldb+k],
					b[(j+2)*ldb:(j+2)*ldb+k], b[(j+3)*ldb:(j+3)*ldb+k])
				crow[j] += alpha * s0
				crow[j+1] += alpha * s1
				crow[j+2] += alpha * s2
				crow[j+3] += alpha * s3
			}
			for ; j < j1; j++ {
				crow[j] += alpha * dot(arow, b[j*ldb:j*ldb+k])
			}
		}
	}
}

// gemmTT: C[i,j] += alpha·Σ_l A[l,i]·B[j,l]. A is k×m (lda), B is n×k (ldb).
// No layer uses it; it is kept plain.
func gemmTT(m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		crow := c[i*ldc : i*ldc+n]
		for j := range crow {
			brow := b[j*ldb : j*ldb+k]
			var s float32
			for l, bv := range brow {
				s += a[l*lda+i] * bv
			}
			crow[j] += alpha * s
		}
	}
}

// gemmFinite reports whether op(B) (k×n) holds no Inf and no NaN.
func gemmFinite(transB bool, k, n int, b []float32, ldb int) bool {
	rows, cols := k, n
	if transB {
		rows, cols = n, k
	}
	var bad uint32
	for r := 0; r < rows; r++ {
		for _, v := range b[r*ldb : r*ldb+cols] {
			bad |= gemmFiniteBits(v)
		}
	}
	return bad&0x80000000 == 0
}

// gemmFiniteBits has its sign bit set when x is Inf or NaN: the exponent
// bits plus one exponent step carry into the sign bit only when the
// exponent is all ones.
func gemmFiniteBits(x float32) uint32 {
	return math.Float32bits(x)&0x7f800000 + 0x00800000
}

// gemmSkipZeros: C[i,:] += Σ_l (alpha·op(A)[i,l])·op(B)[l,:] over the l
// where alpha·op(A)[i,l] ≠ 0, one row of op(B) at a time. It runs the calls
// whose op(B) holds an Inf or a NaN, where skipping the zeros of A is what
// keeps 0·Inf out of C; speed does not matter there.
func gemmSkipZeros(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		crow := c[i*ldc : i*ldc+n]
		for l := 0; l < k; l++ {
			var av float32
			if transA {
				av = alpha * a[l*lda+i]
			} else {
				av = alpha * a[i*lda+l]
			}
			if av == 0 {
				continue
			}
			if !transB {
				axpy(crow, av, b[l*ldb:l*ldb+n])
				continue
			}
			for j := range crow {
				crow[j] += av * b[j*ldb+l]
			}
		}
	}
}

// axpy: y[j] += a·x[j].
//
// Where the assembly kernel runs, the first len(y)&^7 entries are done 8 at a
// time with FMA (one rounding per entry instead of two).
func axpy(y []float32, a float32, x []float32) {
	x = x[:len(y)]
	i := 0
	if gemmUseKernel && len(y) >= 8 {
		i = len(y) &^ 7
		axpyVec8(&y[0], a, &x[0], i)
	}
	for j := i; j < len(y); j++ {
		y[j] += a * x[j]
	}
}

// axpy4: y[j] += a0·x0[j] + a1·x1[j] + a2·x2[j] + a3·x3[j] (one pass over y).
func axpy4(y []float32, a0 float32, x0 []float32, a1 float32, x1 []float32, a2 float32, x2 []float32, a3 float32, x3 []float32) {
	n := len(y)
	x0, x1, x2, x3 = x0[:n], x1[:n], x2[:n], x3[:n]
	for j := range y {
		y[j] += a0*x0[j] + a1*x1[j] + a2*x2[j] + a3*x3[j]
	}
}

// dot returns Σ_j x[j]·y[j]: accumulated left to right, or, where the
// assembly kernel runs, the first len(x)&^7 terms in 8 FMA lanes (summed
// pairwise at the end) and the rest left to right after them. Either way
// the order depends on len(x) only, so equal inputs give equal results.
func dot(x, y []float32) float32 {
	y = y[:len(x)]
	var s float32
	i := 0
	if gemmUseKernel && len(x) >= 8 {
		i = len(x) &^ 7
		s = dotVec8(&x[0], &y[0], i)
	}
	for j := i; j < len(x); j++ {
		s += x[j] * y[j]
	}
	return s
}

// dot4 returns x·y0, x·y1, x·y2, x·y3, each accumulated left to right (the
// portable GEMM's order; dot's where the assembly kernel is off).
func dot4(x, y0, y1, y2, y3 []float32) (s0, s1, s2, s3 float32) {
	n := len(x)
	y0, y1, y2, y3 = y0[:n], y1[:n], y2[:n], y3[:n]
	for j, xv := range x {
		s0 += xv * y0[j]
		s1 += xv * y1[j]
		s2 += xv * y2[j]
		s3 += xv * y3[j]
	}
	return
}

// gemmRef is the algorithmic reference of Gemm: the textbook triple loop,
// summed in float64. Tests compare the kernels above against it.
func gemmRef(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemmCheck(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for l := 0; l < k; l++ {
				var av, bv float32
				if transA {
					av = a[l*lda+i]
				} else {
					av = a[i*lda+l]
				}
				if transB {
					bv = b[j*ldb+l]
				} else {
					bv = b[l*ldb+j]
				}
				s += float64(av) * float64(bv)
			}
			old := float64(0)
			if beta != 0 {
				old = float64(beta) * float64(c[i*ldc+j])
			}
			c[i*ldc+j] = float32(float64(alpha)*s + old)
		}
	}
}
