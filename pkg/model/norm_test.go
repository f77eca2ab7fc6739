package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// newTestSlab declares tensors with decl, allocates and fills W randomly
// (state tensors get positive values, like variances).
func newTestSlab(rng *rand.Rand, decl func(s *slab)) *slab {
	s := &slab{}
	decl(s)
	s.alloc()
	for i, tn := range s.tensors {
		for j := range s.w(i) {
			v := float32(rng.NormFloat64())
			if tn.Kind == kindState {
				v = 0.5 + float32(rng.Float64())
			}
			s.w(i)[j] = v
		}
	}
	return s
}

// TestBatchNorm_Backward checks dx, dγ, dβ in both modes, and the running
// statistics of a training forward against a direct computation.
func TestBatchNorm_Backward(t *testing.T) {
	for _, train := range []bool{true, false} {
		rng := rand.New(rand.NewPCG(20, 1))
		n, c := 6, 4
		var bind func(int) *batchNorm
		s := newTestSlab(rng, func(s *slab) { bind = declareBatchNorm(s, "bn_", c, true, 1e-5) })
		bn := bind(n)
		x := randSlice(rng, n*c)
		y := make([]float32, n*c)
		r := randSlice(rng, n*c)
		runMean := append([]float32(nil), bn.runMean...)
		runVar := append([]float32(nil), bn.runVar...)
		obj := func() float64 {
			copy(bn.runMean, runMean) // keep eval mode on fixed statistics
			copy(bn.runVar, runVar)
			bn.forward(y, x, n, train)
			return weighted(r, y)
		}
		obj()
		if train {
			for j := 0; j < c; j++ {
				var m, v float64
				for i := 0; i < n; i++ {
					m += float64(x[i*c+j]) / float64(n)
				}
				for i := 0; i < n; i++ {
					d := float64(x[i*c+j]) - m
					v += d * d / float64(n-1)
				}
				wantM := 0.9*float64(runMean[j]) + 0.1*m
				wantV := 0.9*float64(runVar[j]) + 0.1*v
				if math.Abs(float64(bn.runMean[j])-wantM) > 1e-5 || math.Abs(float64(bn.runVar[j])-wantV) > 1e-5 {
					t.Errorf("channel %d: running mean %v var %v, want %v %v", j, bn.runMean[j], bn.runVar[j], wantM, wantV)
				}
				var ym float64
				for i := 0; i < n; i++ {
					ym += float64((y[i*c+j] - bn.beta[j]) / bn.gamma[j])
				}
				if math.Abs(ym) > 1e-4 {
					t.Errorf("channel %d: normalised mean %v, want 0", j, ym/float64(n))
				}
			}
		} else {
			for i := 0; i < n; i++ {
				for j := 0; j < c; j++ {
					want := bn.gamma[j]*(x[i*c+j]-runMean[j])/float32(math.Sqrt(float64(runVar[j])+1e-5)) + bn.beta[j]
					if math.Abs(float64(y[i*c+j]-want)) > 1e-5 {
						t.Fatalf("eval y[%d,%d] = %v, want %v (running statistics)", i, j, y[i*c+j], want)
					}
				}
			}
		}
		dx := make([]float32, n*c)
		bn.backward(dx, r)
		name := map[bool]string{true: "train", false: "eval"}[train]
		gradCheck(t, name+" x", x, dx, allIdx(n*c), 1e-2, obj)
		gradCheck(t, name+" gamma", bn.gamma, bn.dgamma, allIdx(c), 1e-2, obj)
		gradCheck(t, name+" beta", bn.beta, bn.dbeta, allIdx(c), 1e-2, obj)
		for j := s.Trainable; j < len(s.G); j++ {
			if s.G[j] != 0 {
				t.Errorf("running statistics got gradient %v", s.G[j])
			}
		}
	}
}

func TestLayerNorm_Backward(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 1))
	n, d := 5, 6
	var bind func(int) *layerNorm
	newTestSlab(rng, func(s *slab) { bind = declareLayerNorm(s, "ln_", d) })
	ln := bind(n)
	x := randSlice(rng, n*d)
	y := make([]float32, n*d)
	r := randSlice(rng, n*d)
	obj := func() float64 { ln.forward(y, x, n); return weighted(r, y) }
	obj()
	for i := 0; i < n; i++ { // each row of x̂ has mean 0 and variance ≈ 1
		var m, v float64
		for c := 0; c < d; c++ {
			m += float64(ln.xhat[i*d+c]) / float64(d)
		}
		for c := 0; c < d; c++ {
			v += math.Pow(float64(ln.xhat[i*d+c])-m, 2) / float64(d)
		}
		if math.Abs(m) > 1e-5 || math.Abs(v-1) > 1e-3 {
			t.Errorf("row %d: x̂ mean %v variance %v", i, m, v)
		}
	}
	dx := make([]float32, n*d)
	ln.backward(dx, r)
	gradCheck(t, "x", x, dx, allIdx(n*d), 1e-2, obj)
	gradCheck(t, "gamma", ln.gamma, ln.dgamma, allIdx(d), 1e-2, obj)
	gradCheck(t, "beta", ln.beta, ln.dbeta, allIdx(d), 1e-2, obj)
}

// TestDice_Backward: Dice in training mode (through its batch statistics)
// and in evaluation mode, with α ≠ 0 so that both branches matter.
func TestDice_Backward(t *testing.T) {
	for _, train := range []bool{true, false} {
		rng := rand.New(rand.NewPCG(22, 1))
		n, c := 7, 3
		var bind func(int) *dice
		newTestSlab(rng, func(s *slab) { bind = declareDice(s, "dice_", c) })
		dc := bind(n)
		x := randSlice(rng, n*c)
		y := make([]float32, n*c)
		r := randSlice(rng, n*c)
		rm, rv := append([]float32(nil), dc.bn.runMean...), append([]float32(nil), dc.bn.runVar...)
		obj := func() float64 {
			copy(dc.bn.runMean, rm)
			copy(dc.bn.runVar, rv)
			dc.forward(y, x, n, train)
			return weighted(r, y)
		}
		obj()
		// α = 0 and p → 1 gives the identity; p → 0 gives α·x: check the
		// formula on one value.
		p := sigmoid(dc.bn.xhat[0])
		if want := x[0] * (dc.alpha[0] + p*(1-dc.alpha[0])); math.Abs(float64(y[0]-want)) > 1e-6 {
			t.Errorf("y[0] = %v, want %v", y[0], want)
		}
		dx := make([]float32, n*c)
		dc.backward(dx, r, x)
		gradCheck(t, "x", x, dx, allIdx(n*c), 1e-2, obj)
		gradCheck(t, "alpha", dc.alpha, dc.da, allIdx(c), 1e-2, obj)
	}
}

// TestDropout: the mask is inverted (kept values scaled by 1/(1−p)), about
// a fraction p is dropped, the same generator state gives the same mask,
// evaluation is the identity, and backward applies the mask.
func TestDropout(t *testing.T) {
	const p, n = 0.3, 10000
	d := newDropout(p, n)
	x := make([]float32, n)
	fill(x, 2)
	y := make([]float32, n)
	d.forward(y, x, rand.New(rand.NewPCG(1, 2)))
	dropped := 0
	for _, v := range y {
		switch v {
		case 0:
			dropped++
		case float32(2 / (1 - p)):
		default:
			t.Fatalf("value %v is neither dropped nor scaled", v)
		}
	}
	if f := float64(dropped) / n; math.Abs(f-p) > 0.02 {
		t.Errorf("dropped %.3f, want about %v", f, p)
	}
	y2 := make([]float32, n)
	d2 := newDropout(p, n)
	d2.forward(y2, x, rand.New(rand.NewPCG(1, 2)))
	for j := range y {
		if y[j] != y2[j] {
			t.Fatal("the same generator state gave another mask")
		}
	}
	dx := make([]float32, n)
	r := randSlice(rand.New(rand.NewPCG(3, 3)), n)
	d.backward(dx, r)
	for j := range dx {
		if want := r[j] * y[j] / 2; dx[j] != want {
			t.Fatalf("dx[%d] = %v, want %v", j, dx[j], want)
		}
	}
	d.forward(y, x, nil)
	for _, v := range y {
		if v != 2 {
			t.Fatal("evaluation forward is not the identity")
		}
	}
	// A small grad check with a fixed mask (fresh generator per call).
	xs := randSlice(rand.New(rand.NewPCG(4, 4)), 9)
	ys := make([]float32, 9)
	rs := randSlice(rand.New(rand.NewPCG(5, 5)), 9)
	ds := newDropout(0.5, 9)
	obj := func() float64 { ds.forward(ys, xs, rand.New(rand.NewPCG(6, 6))); return weighted(rs, ys) }
	obj()
	dxs := make([]float32, 9)
	ds.backward(dxs, rs)
	gradCheck(t, "x", xs, dxs, allIdx(9), 1e-2, obj)
}

func TestSoftmax_Backward(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 1))
	a := randSlice(rng, 5)
	w := make([]float32, 5)
	r := randSlice(rng, 5)
	obj := func() float64 { softmaxForward(w, a); return weighted(r, w) }
	obj()
	var sum float32
	for _, v := range w {
		sum += v
	}
	if math.Abs(float64(sum)-1) > 1e-6 {
		t.Errorf("weights sum to %v", sum)
	}
	da := make([]float32, 5)
	softmaxBackward(da, r, w)
	gradCheck(t, "a", a, da, allIdx(5), 1e-2, obj)
}

// TestFMInteraction: the FM term equals the sum of pairwise dot products,
// and its backward matches central differences.
func TestFMInteraction_Backward(t *testing.T) {
	rng := rand.New(rand.NewPCG(24, 1))
	n, f, d, ld := 3, 4, 3, 14
	fm := newFMInteraction(f, d, n)
	x := randSlice(rng, n*ld)
	z := make([]float32, n)
	fm.forward(z, x, ld, n)
	for i := 0; i < n; i++ {
		var want float64
		for a := 0; a < f; a++ {
			for b := a + 1; b < f; b++ {
				want += float64(dot(x[i*ld+a*d:i*ld+a*d+d], x[i*ld+b*d:i*ld+b*d+d]))
			}
		}
		if math.Abs(float64(z[i])-want) > 1e-5 {
			t.Errorf("row %d: FM %v, pairwise sum %v", i, z[i], want)
		}
	}
	r := randSlice(rng, n)
	obj := func() float64 { clear(z); fm.forward(z, x, ld, n); return weighted(r, z) }
	obj()
	dx := make([]float32, n*ld)
	fm.backward(dx, r, x, ld)
	var idx []int
	for i := 0; i < n; i++ {
		for c := 0; c < f*d; c++ {
			idx = append(idx, i*ld+c)
		}
		for c := f * d; c < ld; c++ {
			if dx[i*ld+c] != 0 {
				t.Errorf("row %d: gradient outside the FM's slots at %d", i, c)
			}
		}
	}
	gradCheck(t, "x", x, dx, idx, 1e-2, obj)
}

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

// TestMLP_Backward: an MLP with BatchNorm, Dice and dropout in training
// mode (fixed mask), input gradient included.
func TestMLP_Backward(t *testing.T) {
	for _, act := range []string{"relu", "dice"} {
		rng := rand.New(rand.NewPCG(26, 1))
		n, in := 8, 5
		var bind func(int) *mlp
		s := newTestSlab(rng, func(s *slab) {
			bind = declareMLP(s, "m_", in, mlpOpts{Hidden: []int{6, 4}, Act: act, BatchNorm: true, Dropout: 0.25})
		})
		m := bind(n)
		x := randSlice(rng, n*in)
		z := make([]float32, n)
		r := randSlice(rng, n)
		state := append([]float32(nil), s.W[s.Trainable:]...)
		obj := func() float64 {
			copy(s.W[s.Trainable:], state)
			m.forward(z, x, n, rand.New(rand.NewPCG(7, 7)))
			return weighted(r, z)
		}
		obj()
		clear(s.G)
		dx := make([]float32, n*in)
		m.backward(dx, r)
		gradCheck(t, act+" x", x, dx, allIdx(len(x)), 1e-3, obj)
		gradCheck(t, act+" W", s.W, s.G, allIdx(s.Trainable), 1e-3, obj)
	}
}
