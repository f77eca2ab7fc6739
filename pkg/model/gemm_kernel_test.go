package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// gemmPaths runs f once per Gemm implementation this build has: the
// portable pure-Go kernels always, the assembly micro-kernel where the CPU
// has it. gemmUseKernel is restored afterwards.
func gemmPaths(t testing.TB, f func(t testing.TB, path string)) {
	saved := gemmUseKernel
	defer func() { gemmUseKernel = saved }()
	gemmUseKernel = false
	f(t, "portable")
	if gemmHaveKernel {
		gemmUseKernel = true
		f(t, "kernel")
	} else {
		t.Logf("no assembly kernel in this build (purego tag or no AVX2/FMA): portable path only")
	}
}

// TestGemm_PathsMatchReference checks both paths against gemmRef (float64
// sums) for the four transpose combinations, sizes around the kernel's tile
// (6×16), k-block (256) and row-block (96) edges, padded strides, and
// several alpha and beta. Stride padding of C must stay untouched, and with
// beta = 0 the NaNs put in C must not leak.
func TestGemm_PathsMatchReference(t *testing.T) {
	sizes := [][3]int{
		{1, 1, 1}, {6, 16, 1}, {5, 15, 3}, {7, 17, 2}, {12, 32, 64}, {13, 33, 65},
		{1, 400, 7}, {97, 1, 100}, {100, 100, 257}, {191, 47, 300}, {37, 129, 513},
		{6, 16, 256}, {96, 48, 512}, {200, 20, 31},
	}
	gemmPaths(t, func(t testing.TB, path string) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, sz := range sizes {
			m, n, k := sz[0], sz[1], sz[2]
			for _, tA := range []bool{false, true} {
				for _, tB := range []bool{false, true} {
					for _, ab := range [][2]float32{{1, 0}, {1, 1}, {0.5, -0.75}, {-2, 0}} {
						name := fmt.Sprintf("%s m%d_n%d_k%d_tA%v_tB%v_a%v_b%v", path, m, n, k, tA, tB, ab[0], ab[1])
						checkGemmCase(t, rng, name, tA, tB, m, n, k, ab[0], ab[1])
					}
				}
			}
		}
	})
}

// checkGemmCase runs one Gemm against gemmRef with padded strides.
func checkGemmCase(t testing.TB, rng *rand.Rand, name string, tA, tB bool, m, n, k int, alpha, beta float32) {
	ar, ac := m, k
	if tA {
		ar, ac = k, m
	}
	br, bc := k, n
	if tB {
		br, bc = n, k
	}
	lda, ldb, ldc := ac+3, bc+1, n+2
	a := randSlice(rng, ar*lda)
	b := randSlice(rng, br*ldb)
	// A few exact zeros in A, as ReLU outputs have.
	for i := 0; i < len(a); i += 3 {
		a[i] = 0
	}
	c := make([]float32, m*ldc)
	for i := range c {
		c[i] = sentinel
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			if beta == 0 {
				c[i*ldc+j] = float32(math.NaN())
			} else {
				c[i*ldc+j] = float32(rng.NormFloat64())
			}
		}
	}
	want := append([]float32(nil), c...)
	gemmRef(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, want, ldc)
	Gemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	for i := 0; i < m; i++ {
		for j := 0; j < ldc; j++ {
			got, w := c[i*ldc+j], want[i*ldc+j]
			if j >= n {
				if got != sentinel {
					t.Fatalf("%s: stride padding C[%d,%d] = %v was written", name, i, j, got)
				}
				continue
			}
			tol := 1e-5 * float64(k+1) * float64(max(1, abs32(alpha))+1)
			if math.IsNaN(float64(got)) || math.Abs(float64(got-w)) > tol {
				t.Fatalf("%s: C[%d,%d] = %v, reference %v (diff %g, tol %g)", name, i, j, got, w, got-w, tol)
			}
		}
	}
}

// TestGemm_ZeroOfASkipsInfOfB: where op(A) is 0, an Inf or NaN in op(B) must
// not reach C, in every transpose combination and on both paths (the
// kernel path hands such calls to the portable kernels).
func TestGemm_ZeroOfASkipsInfOfB(t *testing.T) {
	gemmPaths(t, func(t testing.TB, path string) {
		rng := rand.New(rand.NewPCG(7, 8))
		m, n, k := 13, 21, 40
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				for _, bad := range []float32{float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())} {
					a := randSlice(rng, m*k)
					b := randSlice(rng, k*n)
					at := func(i, l int) *float32 {
						if tA {
							return &a[l*m+i]
						}
						return &a[i*k+l]
					}
					bt := func(l, j int) *float32 {
						if tB {
							return &b[j*k+l]
						}
						return &b[l*n+j]
					}
					// Column l=17 of op(A) is zero, row l=17 of op(B) is all bad.
					for i := 0; i < m; i++ {
						*at(i, 17) = 0
					}
					for j := 0; j < n; j++ {
						*bt(17, j) = bad
					}
					lda, ldb := k, n
					if tA {
						lda = m
					}
					if tB {
						ldb = k
					}
					c := make([]float32, m*n)
					Gemm(tA, tB, m, n, k, 1, a, lda, b, ldb, 0, c, n)
					// The reference without row 17 of op(B) (its term is 0).
					for j := 0; j < n; j++ {
						*bt(17, j) = 0
					}
					want := make([]float32, m*n)
					gemmRef(tA, tB, m, n, k, 1, a, lda, b, ldb, 0, want, n)
					for i := range c {
						if math.IsNaN(float64(c[i])) || math.Abs(float64(c[i]-want[i])) > 1e-4 {
							t.Fatalf("%s tA=%v tB=%v bad=%v: C[%d] = %v, want %v", path, tA, tB, bad, i, c[i], want[i])
						}
					}
				}
			}
		}
	})
}

// TestGemm_PathsRowIndependent: on both paths, a row of C computed in a
// batch is bit-identical to the same row computed alone, for every
// transpose combination, with alpha ≠ 1 and beta ≠ 0, and k across the
// k-block edge.
func TestGemm_PathsRowIndependent(t *testing.T) {
	gemmPaths(t, func(t testing.TB, path string) {
		rng := rand.New(rand.NewPCG(9, 10))
		m, n, k := 103, 37, 300
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				a := randSlice(rng, m*k)
				b := randSlice(rng, k*n)
				c0 := randSlice(rng, m*n)
				lda, ldb := k, n
				if tA {
					lda = m
				}
				if tB {
					ldb = k
				}
				c := append([]float32(nil), c0...)
				Gemm(tA, tB, m, n, k, 0.5, a, lda, b, ldb, 0.25, c, n)
				for _, i := range []int{0, 5, 6, 50, 95, 96, 101, 102} {
					// Row i alone: op(A)'s row i as a 1×k matrix.
					ai := make([]float32, k)
					for l := range ai {
						if tA {
							ai[l] = a[l*m+i]
						} else {
							ai[l] = a[i*k+l]
						}
					}
					row := append([]float32(nil), c0[i*n:(i+1)*n]...)
					Gemm(false, tB, 1, n, k, 0.5, ai, k, b, ldb, 0.25, row, n)
					for j := range row {
						if row[j] != c[i*n+j] {
							t.Fatalf("%s tA=%v tB=%v: row %d col %d alone %v, in batch %v", path, tA, tB, i, j, row[j], c[i*n+j])
						}
					}
				}
			}
		}
	})
}

// TestGemm_KernelDoesNotAllocate: in steady state a call reuses its pooled
// packing buffers.
func TestGemm_KernelDoesNotAllocate(t *testing.T) {
	if !gemmUseKernel {
		t.Skip("the kernel path is off in this build or run")
	}
	rng := rand.New(rand.NewPCG(11, 12))
	m, n, k := 64, 50, 70
	a, b, c := randSlice(rng, m*k), randSlice(rng, k*n), make([]float32, m*n)
	d := make([]float32, k*n)
	allocs := testing.AllocsPerRun(20, func() {
		Gemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
		Gemm(true, false, k, n, m, 1, a, k, c, n, 0, d, n)
	})
	if allocs > 0 {
		t.Errorf("Gemm allocates %v times per call pair, want 0", allocs)
	}
}

// TestGemm_LateInfOfB: an Inf of op(B) in the last k-block and in a late
// panel, where op(A) is 0, found after the kernel has already updated C
// with the earlier panels and blocks (B read in place), with C in one row
// block or several: C must come out as if the zeros of A had been skipped,
// beta included.
func TestGemm_LateInfOfB(t *testing.T) {
	gemmPaths(t, func(t testing.TB, path string) {
		rng := rand.New(rand.NewPCG(13, 14))
		for _, m := range []int{20, 500} { // one row block of C, several
			n, k := 40, 600
			for _, tA := range []bool{false, true} {
				for _, tB := range []bool{false, true} {
					for _, col := range []int{20, 39} { // a whole panel, the short last panel
						a, b, c0 := randSlice(rng, m*k), randSlice(rng, k*n), randSlice(rng, m*n)
						lda, ldb := k, n
						if tA {
							lda = m
						}
						if tB {
							ldb = k
						}
						const l = 550
						for i := 0; i < m; i++ {
							if tA {
								a[l*lda+i] = 0
							} else {
								a[i*lda+l] = 0
							}
						}
						var bAt *float32
						if tB {
							bAt = &b[col*ldb+l]
						} else {
							bAt = &b[l*ldb+col]
						}
						*bAt = float32(math.Inf(1))
						c := append([]float32(nil), c0...)
						Gemm(tA, tB, m, n, k, 1.5, a, lda, b, ldb, 0.5, c, n)
						*bAt = 0
						want := append([]float32(nil), c0...)
						gemmRef(tA, tB, m, n, k, 1.5, a, lda, b, ldb, 0.5, want, n)
						for i := range c {
							if math.IsNaN(float64(c[i])) || math.Abs(float64(c[i]-want[i])) > 1e-3 {
								t.Fatalf("%s m=%d tA=%v tB=%v col %d: C[%d] = %v, want %v", path, m, tA, tB, col, i, c[i], want[i])
							}
						}
					}
				}
			}
		}
	})
}
