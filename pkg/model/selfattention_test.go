package model

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
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

// TestSelfAttention_Blocks: on more rows than a block (forward and backward
// run block by block, the kernel's whole tiles spilling into the next
// rows), each row's output and input gradient are those of the row alone,
// bit for bit; the weights' gradient is the sum of the rows' up to
// rounding; backwardBlock with set, over the blocks in reverse order, writes
// dx as backward adds it to zeros; and
// with dropout the gradient still checks against finite differences.
func TestSelfAttention_Blocks(t *testing.T) {
	const T, in, a, heads = 5, 4, 6, 2
	rng := rand.New(rand.NewPCG(25, 7))
	var bind func(int) *selfAttention
	s := newTestSlab(rng, func(s *slab) { bind = declareSelfAttention(s, "sa_", T, in, a, heads, true, false, 0, 0.3) })
	n := 2*(attBlockTokens/T) + 3
	sa, one := bind(n), bind(1)
	if sa.blockRows() >= n {
		t.Fatalf("%d rows fit in one block of %d", n, sa.blockRows())
	}
	x, r := randSlice(rng, n*T*in), randSlice(rng, n*T*a)
	out, dx := make([]float32, n*T*a), make([]float32, n*T*in)
	sa.forward(out, x, nil, n, nil)
	clear(s.G)
	sa.backward(dx, r)
	dW := append([]float32(nil), s.G...)
	sum := make([]float32, len(s.G))
	clear(s.G)
	o1, dx1 := make([]float32, T*a), make([]float32, T*in)
	for i := 0; i < n; i++ {
		one.forward(o1, x[i*T*in:(i+1)*T*in], nil, 1, nil)
		clear(dx1)
		one.backward(dx1, r[i*T*a:(i+1)*T*a])
		if !slices.Equal(o1, out[i*T*a:(i+1)*T*a]) || !slices.Equal(dx1, dx[i*T*in:(i+1)*T*in]) {
			t.Fatalf("row %d: output or input gradient differs from the row alone", i)
		}
		for j, g := range s.G {
			sum[j] += g
		}
		clear(s.G)
	}
	for j := range sum {
		if math.Abs(float64(sum[j]-dW[j])) > 1e-4*(1+math.Abs(float64(sum[j]))) {
			t.Fatalf("weight gradient %d: %v, the rows' sum %v", j, dW[j], sum[j])
		}
	}
	set := randSlice(rng, len(dx)) // garbage that set must overwrite
	sa.forward(out, x, nil, n, nil)
	sa.beginBackward()
	for i0 := n / sa.blockRows() * sa.blockRows(); i0 >= 0; i0 -= sa.blockRows() { // blocks in any order
		sa.backwardBlock(set, r, i0, min(i0+sa.blockRows(), n), true)
	}
	sa.endBackward()
	if !slices.Equal(set, dx) {
		t.Error("backwardBlock with set differs from backward into zeros")
	}

	// Dropout, applied block by block: finite differences on a sample.
	obj := func() float64 {
		sa.forward(out, x, nil, n, rand.New(rand.NewPCG(8, 8)))
		return weighted(r, out)
	}
	obj()
	// The masks are those one pass over the batch draws: the weights', then
	// the output's, each for every row.
	drng := rand.New(rand.NewPCG(8, 8))
	wantP, wantO := newDropout(0.3, n*heads*T*T), newDropout(0.3, n*T*a)
	wantP.drawAt(0, n*heads*T*T, drng)
	wantO.drawAt(0, n*T*a, drng)
	if !slices.Equal(sa.dropP.mask[:n*heads*T*T], wantP.mask) || !slices.Equal(sa.dropO.mask[:n*T*a], wantO.mask) {
		t.Error("the dropout masks differ from one draw over the batch")
	}
	clear(dx)
	clear(s.G)
	sa.backward(dx, r)
	var idx, widx []int
	for range 40 {
		idx, widx = append(idx, rng.IntN(len(x))), append(widx, rng.IntN(len(s.W)))
	}
	gradCheck(t, "dropout x", x, dx, idx, 1e-2, obj)
	gradCheck(t, "dropout W", s.W, s.G, widx, 1e-2, obj)
}

// BenchmarkSelfAttention: one AutoInt layer of the BARS Frappe network (10
// tokens, 128 wide, 4 heads) forward and backward over 1,024 rows (a
// slice of a 4,096-row batch); GFLOP/s counts the products' flops.
func BenchmarkSelfAttention(b *testing.B) {
	const n, t, a, h = 1024, 10, 128, 4
	rng := rand.New(rand.NewPCG(1, 2))
	var bind func(int) *selfAttention
	s := newTestSlab(rng, func(s *slab) { bind = declareSelfAttention(s, "att_", t, a, a, h, true, false, 0, 0) })
	sa := bind(n)
	x, dout := randSlice(rng, n*t*a), randSlice(rng, n*t*a)
	out, dx := make([]float32, n*t*a), make([]float32, n*t*a)
	dh := a / h
	proj := 3 * 2 * float64(n*t) * a * a // Q, K, V
	att := 2 * 2 * float64(n*h*t*t*dh)   // S and O
	flops := 3*proj + 3*att              // backward: twice the forward
	sa.forward(out, x, nil, n, rng)      // warm the buffers
	sa.backward(dx, dout)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0 := threadCPUTime()
	for b.Loop() {
		sa.forward(out, x, nil, n, rng)
		clear(s.G)
		sa.backward(dx, dout)
	}
	reportGFLOPS(b, flops*float64(b.N), threadCPUTime()-cpu0)
}
