package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSelfAttention_Backward covers the projected residual (I ≠ A), the
// identity residual, no residual, scaling, and a key mask with a target
// token (BST) or none (AutoInt); masked keys must get weight 0.
func TestSelfAttention_Backward(t *testing.T) {
	cases := []struct {
		name             string
		in, a, heads     int
		residual, scaled bool
		tail             int
		lens             []int32
		drop             float64
	}{
		{"projected residual", 3, 4, 2, true, false, 0, nil, 0},
		{"identity residual", 4, 4, 2, true, true, 0, nil, 0},
		{"no residual, masked", 4, 6, 3, false, true, 1, []int32{4, 0, 2}, 0},
		{"dropout", 3, 4, 2, true, false, 0, nil, 0.3},
	}
	for _, tc := range cases {
		rng := rand.New(rand.NewPCG(25, 1))
		n, T := 3, 5
		var bind func(int) *selfAttention
		s := newTestSlab(rng, func(s *slab) {
			bind = declareSelfAttention(s, "sa_", T, tc.in, tc.a, tc.heads, tc.residual, tc.scaled, tc.tail, tc.drop)
		})
		sa := bind(n)
		x := randSlice(rng, n*T*tc.in)
		out := make([]float32, n*T*tc.a)
		r := randSlice(rng, len(out))
		obj := func() float64 {
			var rng *rand.Rand
			if tc.drop > 0 {
				rng = rand.New(rand.NewPCG(8, 8)) // the same masks every call
			}
			sa.forward(out, x, tc.lens, n, rng)
			return weighted(r, out)
		}
		obj()
		for i := 0; i < n; i++ {
			for h := 0; h < tc.heads; h++ {
				for q := 0; q < T; q++ {
					var sum float32
					for j, w := range sa.weights(i, h, q) {
						masked := tc.lens != nil && j >= int(tc.lens[i]) && j < T-tc.tail
						if masked && w != 0 {
							t.Fatalf("%s: row %d head %d query %d: weight %v on masked key %d", tc.name, i, h, q, w, j)
						}
						sum += w
					}
					if math.Abs(float64(sum)-1) > 1e-5 {
						t.Fatalf("%s: weights sum to %v", tc.name, sum)
					}
				}
			}
		}
		dx := make([]float32, len(x))
		clear(s.G)
		sa.backward(dx, r)
		gradCheck(t, tc.name+" x", x, dx, allIdx(len(x)), 1e-2, obj)
		gradCheck(t, tc.name+" W", s.W, s.G, allIdx(len(s.W)), 1e-2, obj)
	}
}
