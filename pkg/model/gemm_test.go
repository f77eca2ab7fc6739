package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

const sentinel = float32(-12345.5) // marks cells a kernel must not touch

func randSlice(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}

// TestGemm_MatchesReference checks the fast kernels against gemmRef for all
// four transpose combinations, odd sizes (including k across the gemmKC
// block and n across gemmNC), padded strides and several alpha/beta. Cells
// between the rows of C (the stride padding) must stay untouched, and with
// beta = 0 the NaNs put in C beforehand must not leak.
func TestGemm_MatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := [][3]int{{1, 1, 1}, {3, 5, 7}, {7, 3, 1}, {1, 9, 4}, {13, 17, 5}, {5, 70, 33}, {33, 6, 260}, {17, 131, 19}, {4, 4, 4}, {2, 3, 0}}
	for _, sz := range sizes {
		m, n, k := sz[0], sz[1], sz[2]
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				for _, ab := range [][2]float32{{1, 0}, {1, 1}, {0.5, -0.75}, {-2, 0}} {
					alpha, beta := ab[0], ab[1]
					name := fmt.Sprintf("m%d_n%d_k%d_tA%v_tB%v_a%v_b%v", m, n, k, tA, tB, alpha, beta)
					ar, ac := m, k
					if tA {
						ar, ac = k, m
					}
					br, bc := k, n
					if tB {
						br, bc = n, k
					}
					lda, ldb, ldc := ac+2, bc+1, n+3
					a := randSlice(rng, max(ar*lda, 1))
					b := randSlice(rng, max(br*ldb, 1))
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
								t.Fatalf("%s: C[%d,%d] = %v, reference %v", name, i, j, got, w)
							}
						}
					}
				}
			}
		}
	}
}

func abs32(x float32) float32 { return float32(math.Abs(float64(x))) }

// TestGemm_RowIndependent: a row of C computed inside a batch is
// bit-identical to the same row computed alone (Predict relies on it).
func TestGemm_RowIndependent(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	m, n, k := 9, 37, 300
	for _, tB := range []bool{false, true} {
		a := randSlice(rng, m*k)
		b := randSlice(rng, k*n)
		ldb := n
		if tB {
			ldb = k
		}
		c := make([]float32, m*n)
		Gemm(false, tB, m, n, k, 1, a, k, b, ldb, 0, c, n)
		for i := 0; i < m; i++ {
			row := make([]float32, n)
			Gemm(false, tB, 1, n, k, 1, a[i*k:(i+1)*k], k, b, ldb, 0, row, n)
			for j := range row {
				if row[j] != c[i*n+j] {
					t.Fatalf("tB=%v: row %d col %d alone %v, in batch %v", tB, i, j, row[j], c[i*n+j])
				}
			}
		}
	}
}

func TestGemm_PanicsOnShapeBugs(t *testing.T) {
	cases := []struct {
		name string
		f    func()
	}{
		{"short a", func() {
			Gemm(false, false, 2, 2, 2, 1, make([]float32, 3), 2, make([]float32, 4), 2, 0, make([]float32, 4), 2)
		}},
		{"small lda", func() {
			Gemm(false, false, 2, 2, 2, 1, make([]float32, 4), 1, make([]float32, 4), 2, 0, make([]float32, 4), 2)
		}},
		{"short c", func() {
			Gemm(true, true, 2, 2, 2, 1, make([]float32, 4), 2, make([]float32, 4), 2, 0, make([]float32, 3), 2)
		}},
		{"negative", func() { Gemm(false, false, -1, 2, 2, 1, nil, 2, nil, 2, 0, nil, 2) }},
	}
	for _, tc := range cases {
		func() {
			defer func() {
				r := recover()
				if s, ok := r.(string); !ok || len(s) < 12 || s[:12] != "model: gemm:" {
					t.Errorf("%s: recovered %v, want a \"model: gemm:\" panic", tc.name, r)
				}
			}()
			tc.f()
		}()
	}
}
