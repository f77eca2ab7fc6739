package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestGemmTiles: gemmTiles on both paths against float64 sums, with A read
// as stored and transposed (strides), B read in place (rows of a wider
// matrix) and as packed panels from gemmPanelsT, m, n and k around the
// tile edges (6 rows, 16 columns), adding into C and setting it (where C
// holds NaN beforehand, which must not leak). Cells of C outside the m×n
// block stay untouched.
func TestGemmTiles(t *testing.T) {
	gemmPaths(t, func(t testing.TB, path string) {
		rng := rand.New(rand.NewPCG(3, 9))
		for _, m := range []int{1, 6, 10, 12, 13} {
			for _, n := range []int{1, 10, 16, 32, 35} {
				for _, k := range []int{0, 1, 10, 32} {
					for _, tA := range []bool{false, true} {
						for _, packed := range []bool{false, true} {
							for _, set := range []bool{false, true} {
								name := fmt.Sprintf("%s m%d n%d k%d tA%v packed%v set%v", path, m, n, k, tA, packed, set)
								checkTiles(t, rng, name, m, n, k, tA, packed, set)
							}
						}
					}
				}
			}
		}
	})
}

func checkTiles(t testing.TB, rng *rand.Rand, name string, m, n, k int, tA, packed, set bool) {
	const slack = 6*64 + 16
	mr := (m + 5) / 6 * 6 // the rows the kernel reads
	// A: m×k stored (rs, ls); stored transposed it is k×mr with row step ldA.
	ldA := mr + 3
	rs, ls := k+2, 1
	if tA {
		rs, ls = 1, ldA
	}
	a := randSlice(rng, mr*(k+2)+k*ldA+slack)
	at := func(r, l int) float32 { return a[r*rs+l*ls] }
	// B: k×n, in place as rows of a wider matrix, or packed from its
	// transpose X (n×k) into 16-column panels.
	ldB := (n+15)/16*16 + 5
	b := randSlice(rng, k*ldB+slack)
	bs, ps := ldB, 16
	bt := func(l, j int) float32 { return b[l*ldB+j] }
	if packed {
		x := randSlice(rng, n*(k+1))
		b = make([]float32, (n+15)/16*16*max(k, 1)+slack)
		gemmPanelsT(b, x, k+1, n, k)
		bs, ps = 16, k*16
		bt = func(l, j int) float32 { return x[j*(k+1)+l] }
	}
	ldc := n + 4
	c := randSlice(rng, m*ldc)
	before := append([]float32(nil), c...)
	for i := 0; i < m && set; i++ {
		for j := 0; j < n; j++ {
			c[i*ldc+j] = float32(math.NaN())
		}
	}
	const alpha = 0.75
	gemmTiles(m, n, k, alpha, a, rs, ls, b, bs, ps, c, ldc, set)
	for i := 0; i < m; i++ {
		for j := 0; j < ldc; j++ {
			got := c[i*ldc+j]
			if j >= n {
				if got != before[i*ldc+j] {
					t.Fatalf("%s: C[%d,%d] outside the product changed", name, i, j)
				}
				continue
			}
			var s float64
			for l := 0; l < k; l++ {
				s += float64(at(i, l)) * float64(bt(l, j))
			}
			want := alpha * s
			if !set {
				want += float64(before[i*ldc+j])
			}
			if math.IsNaN(float64(got)) || math.Abs(float64(got)-want) > 1e-4*(1+math.Abs(want)) {
				t.Fatalf("%s: C[%d,%d] = %v, want %v", name, i, j, got, want)
			}
		}
	}
}

// TestGemmTiles_Bounds: the kernel path refuses to read past a or b (the
// kernel reads whole tiles) instead of reading outside the slices.
func TestGemmTiles_Bounds(t *testing.T) {
	if !gemmHaveKernel {
		t.Skip("no assembly kernel in this build")
	}
	saved := gemmUseKernel
	defer func() { gemmUseKernel = saved }()
	gemmUseKernel = true
	c := make([]float32, 100)
	for _, tc := range []struct {
		name  string
		a, b  int
		wants string
	}{
		{"short a", 10*10 - 1, 10 * 16, "a len"},
		{"short b", 12 * 10, 10*16 - 1, "b len"},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), tc.wants) {
					t.Errorf("%s: recovered %v, want a panic about %q", tc.name, r, tc.wants)
				}
			}()
			// 10×10 with k = 10: the kernel reads A's rows up to 11.
			gemmTiles(10, 10, 10, 1, make([]float32, tc.a), 10, 1, make([]float32, tc.b), 16, 16, c, 10, true)
		}()
	}
}
