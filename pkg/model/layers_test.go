package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Backward of every layer is checked against central differences of a
// scalar objective obj = Σ r·out (r fixed random weights), evaluated in
// float64 from the float32 forward. The analytic gradient is what Backward
// produces for dout = r.

// gradCheck perturbs x[j] for each j in idx by ±h and compares
// (obj(x+h) − obj(x−h))/(2h) with analytic[j].
func gradCheck(t *testing.T, name string, x, analytic []float32, idx []int, h float32, obj func() float64) {
	t.Helper()
	gradCheckTol(t, name, x, analytic, idx, h, 1e-3, 3e-2, obj)
}

// gradCheckTol is gradCheck with an explicit tolerance |got − fd| ≤ atol + rtol·|fd|.
// A mismatch is retried with h/5 and h/25 before it counts: a ReLU kink
// within h of a pre-activation spoils a step size, a wrong gradient spoils
// all.
func gradCheckTol(t *testing.T, name string, x, analytic []float32, idx []int, h float32, atol, rtol float64, obj func() float64) {
	t.Helper()
	central := func(j int, h float32) float64 {
		old := x[j]
		x[j] = old + h
		up := float64(x[j])
		fp := obj()
		x[j] = old - h
		down := float64(x[j])
		fm := obj()
		x[j] = old
		return (fp - fm) / (up - down)
	}
	bad := 0
	for _, j := range idx {
		got := float64(analytic[j])
		fd := central(j, h)
		if math.Abs(got-fd) <= atol+rtol*math.Abs(fd) {
			continue
		}
		if fd2 := central(j, h/5); math.Abs(got-fd2) <= atol+rtol*math.Abs(fd2) {
			continue
		}
		if fd3 := central(j, h/25); math.Abs(got-fd3) <= atol+rtol*math.Abs(fd3) {
			continue
		}
		bad++
		if bad <= 5 {
			t.Errorf("%s[%d]: backward %.6g, central difference %.6g", name, j, got, fd)
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d of %d gradients off", name, bad, len(idx))
	}
}

func allIdx(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

func weighted(r, out []float32) float64 {
	var s float64
	for i, v := range out {
		s += float64(r[i]) * float64(v)
	}
	return s
}

// fill sets every element of x to v.
func fill(x []float32, v float32) {
	for i := range x {
		x[i] = v
	}
}

// TestLinear_Backward checks dW, db and dx of y = x·W + b, with a padded
// input stride whose gaps must stay untouched (guard cells).
func TestLinear_Backward(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 1))
	n, in, out, ldx := 5, 7, 3, 9
	l := linear{I: in, O: out, W: randSlice(rng, in*out), b: randSlice(rng, out), dW: make([]float32, in*out), db: make([]float32, out)}
	x := make([]float32, n*ldx)
	fill(x, sentinel)
	for i := 0; i < n; i++ {
		copy(x[i*ldx:i*ldx+in], randSlice(rng, in))
	}
	y := make([]float32, n*out)
	r := randSlice(rng, n*out)
	obj := func() float64 { l.forward(y, x, ldx, n); return weighted(r, y) }
	dx := make([]float32, n*ldx)
	fill(dx, sentinel)
	for i := 0; i < n; i++ {
		clear(dx[i*ldx : i*ldx+in])
	}
	obj()
	l.backward(dx, r, x, ldx, n)
	for i := 0; i < n; i++ {
		for c := in; c < ldx && i*ldx+c < len(dx); c++ {
			if dx[i*ldx+c] != sentinel {
				t.Fatalf("dx guard cell row %d col %d written", i, c)
			}
		}
	}
	gradCheck(t, "W", l.W, l.dW, allIdx(in*out), 1e-2, obj)
	gradCheck(t, "b", l.b, l.db, allIdx(out), 1e-2, obj)
	var xi []int
	for i := 0; i < n; i++ {
		for c := 0; c < in; c++ {
			xi = append(xi, i*ldx+c)
		}
	}
	gradCheck(t, "x", x, dx, xi, 1e-2, obj)
}

// TestEmbedding_Backward: gather into a strided buffer (guard cells between
// slots untouched), scatter-add with a repeated id, and the L2 term.
func TestEmbedding_Backward(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 1))
	v, d, ldo := 6, 3, 5
	e := embedding{V: v, D: d, E: randSlice(rng, v*d), dE: make([]float32, v*d)}
	ids := []int32{2, 0, 5, 2}
	out := make([]float32, len(ids)*ldo)
	fill(out, sentinel)
	r := randSlice(rng, len(out))
	const lambda = 0.3
	obj := func() float64 {
		e.forward(out, ldo, ids)
		s := 0.0
		for i := range ids {
			for c := 0; c < d; c++ {
				s += float64(r[i*ldo+c]) * float64(out[i*ldo+c])
			}
		}
		for _, w := range e.E {
			s += lambda / 2 * float64(w) * float64(w)
		}
		return s
	}
	obj()
	for i := range ids {
		for c := d; c < ldo; c++ {
			if out[i*ldo+c] != sentinel {
				t.Fatalf("out guard cell row %d col %d written", i, c)
			}
		}
	}
	e.backward(r, ldo, ids)
	e.addL2(lambda)
	gradCheck(t, "E", e.E, e.dE, allIdx(v*d), 1e-2, obj)

	defer func() {
		if r := recover(); r == nil {
			t.Error("id outside the vocabulary did not panic")
		}
	}()
	e.forward(out, ldo, []int32{int32(v)})
}

func TestReLU_Backward(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 1))
	x := randSlice(rng, 40)
	for i := range x { // keep away from the kink
		if math.Abs(float64(x[i])) < 0.05 {
			x[i] = 0.3
		}
	}
	y := make([]float32, len(x))
	r := randSlice(rng, len(x))
	obj := func() float64 { reluForward(y, x); return weighted(r, y) }
	dx := make([]float32, len(x))
	obj()
	reluBackward(dx, r, x)
	gradCheck(t, "x", x, dx, allIdx(len(x)), 1e-2, obj)
}

// TestReLU_Edges: the branch-free loops agree with the definition at the
// values where bit tricks go wrong (zeros of both signs, subnormals, ±Inf).
func TestReLU_Edges(t *testing.T) {
	negZero := float32(math.Copysign(0, -1))
	inf := float32(math.Inf(1))
	for _, v := range []float32{1, -1, 0, negZero, 1e-40, -1e-40, inf, -inf, math.MaxFloat32, -math.MaxFloat32} {
		y := []float32{7}
		reluForward(y, []float32{v})
		dx := []float32{0.5}
		reluBackward(dx, []float32{3}, []float32{v})
		wantY, wantDx := float32(0), float32(0.5)
		if v > 0 {
			wantY, wantDx = v, 3.5
		}
		if y[0] != wantY || dx[0] != wantDx {
			t.Errorf("relu(%v) = %v, dx %v; want %v, %v", v, y[0], dx[0], wantY, wantDx)
		}
	}
}

func TestMul_Backward(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 1))
	n, d, ld := 4, 3, 7
	v, u := randSlice(rng, n*ld), randSlice(rng, n*ld)
	z := make([]float32, n*ld)
	r := randSlice(rng, n*ld)
	obj := func() float64 {
		mulForward(z, v, u, ld, d, n)
		s := 0.0
		for i := 0; i < n; i++ {
			for c := 0; c < d; c++ {
				s += float64(r[i*ld+c]) * float64(z[i*ld+c])
			}
		}
		return s
	}
	dv, du := make([]float32, n*ld), make([]float32, n*ld)
	obj()
	mulBackward(dv, du, r, v, u, ld, d, n)
	var idx []int
	for i := 0; i < n; i++ {
		for c := 0; c < d; c++ {
			idx = append(idx, i*ld+c)
		}
	}
	gradCheck(t, "v", v, dv, idx, 1e-2, obj)
	gradCheck(t, "u", u, du, idx, 1e-2, obj)
}

// TestAttention_Backward checks dv and de over rows with full, partial and
// empty histories. Padding positions hold NaN: forward must not read them,
// and backward must leave their gradients alone.
func TestAttention_Backward(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 1))
	n, d, L, ld := 4, 5, 6, 8
	at := newAttention(d, L)
	lens := []int32{6, 3, 0, 1}
	v := randSlice(rng, n*ld)
	e := randSlice(rng, n*L*d)
	nan := float32(math.NaN())
	for i := 0; i < n; i++ {
		fill(e[i*L*d+int(lens[i])*d:(i+1)*L*d], nan)
	}
	u := make([]float32, n*ld)
	fill(u, sentinel)
	w := make([]float32, n*L)
	r := randSlice(rng, n*ld)
	obj := func() float64 {
		at.forward(u, ld, w, v, ld, e, lens, n)
		s := 0.0
		for i := 0; i < n; i++ {
			for c := 0; c < d; c++ {
				s += float64(r[i*ld+c]) * float64(u[i*ld+c])
			}
		}
		return s
	}
	obj()
	for i := 0; i < n; i++ {
		var sum float32
		for j := 0; j < L; j++ {
			if j >= int(lens[i]) && w[i*L+j] != 0 {
				t.Errorf("row %d: weight on padding position %d = %v", i, j, w[i*L+j])
			}
			sum += w[i*L+j]
		}
		if lens[i] > 0 && math.Abs(float64(sum)-1) > 1e-5 {
			t.Errorf("row %d: weights sum to %v", i, sum)
		}
		for c := 0; c < ld; c++ {
			got := u[i*ld+c]
			switch {
			case c >= d && got != sentinel:
				t.Errorf("u guard cell row %d col %d written", i, c)
			case c < d && lens[i] == 0 && got != 0:
				t.Errorf("row %d: empty history gives u[%d] = %v, want 0", i, c, got)
			case c < d && math.IsNaN(float64(got)):
				t.Errorf("row %d: u[%d] is NaN: padding was read", i, c)
			}
		}
	}
	dv := make([]float32, n*ld)
	de := make([]float32, n*L*d)
	for i := 0; i < n; i++ {
		fill(de[i*L*d+int(lens[i])*d:(i+1)*L*d], sentinel)
	}
	at.backward(dv, ld, de, r, ld, w, v, e, lens, n)
	var vi, ei []int
	for i := 0; i < n; i++ {
		for c := 0; c < d; c++ {
			vi = append(vi, i*ld+c)
		}
		for j := 0; j < L*d; j++ {
			k := i*L*d + j
			if j < int(lens[i])*d {
				ei = append(ei, k)
			} else if de[k] != sentinel {
				t.Errorf("row %d: padding gradient de[%d] written", i, j)
			}
		}
	}
	gradCheck(t, "v", v, dv, vi, 1e-3, obj)
	gradCheck(t, "e", e, de, ei, 1e-3, obj)
}

// TestBCE_Backward: dloss/dz = σ(z) − y, scaled, and the loss is finite and
// right for large |z| where a naive log(σ(z)) would give Inf.
func TestBCE_Backward(t *testing.T) {
	z := []float32{-3, -0.5, 0, 0.7, 2.5, 4}
	y := []float32{0, 1, 1, 0, 1, 0}
	const scale = 0.25
	obj := func() float64 { return scale * bceForward(z, y) }
	dz := make([]float32, len(z))
	bceBackward(dz, z, y, scale)
	gradCheck(t, "z", z, dz, allIdx(len(z)), 1e-2, obj)

	for _, tc := range []struct {
		z, y float32
		want float64
	}{
		{100, 0, 100}, {-100, 1, 100}, {100, 1, 0}, {0, 1, math.Ln2},
	} {
		got := bceForward([]float32{tc.z}, []float32{tc.y})
		if math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("bce(z=%v, y=%v) = %v, want %v", tc.z, tc.y, got, tc.want)
		}
	}
	if p := sigmoid(-200); p != 0 || math.IsNaN(float64(p)) {
		t.Errorf("σ(−200) = %v", p)
	}
	if p := sigmoid(200); p != 1 {
		t.Errorf("σ(200) = %v", p)
	}
}

func TestExpNeg32(t *testing.T) {
	worst := 0.0
	for i := 0; i <= 870000; i++ {
		x := -float32(i) * 1e-4
		got, want := float64(expNeg32(x)), math.Exp(float64(x))
		if rel := math.Abs(got-want) / want; rel > worst {
			worst = rel
		}
	}
	if worst > 3e-7 {
		t.Errorf("expNeg32: worst relative error %.3g over [-87, 0], want < 3e-7", worst)
	}
	if got := expNeg32(-1000); !(got > 0 && got < 2e-38) {
		t.Errorf("expNeg32(-1000) = %v, want a tiny positive number", got)
	}
	if got := expNeg32(float32(math.NaN())); !math.IsNaN(float64(got)) {
		t.Errorf("expNeg32(NaN) = %v", got)
	}
}

func TestSigmoid32(t *testing.T) {
	for i := -400000; i <= 400000; i++ {
		z := float32(i) * 1e-4
		got, want := float64(sigmoid32(z)), 1/(1+math.Exp(-float64(z)))
		if math.Abs(got-want) > 5e-7*want {
			t.Fatalf("sigmoid32(%v) = %v, want %v", z, got, want)
		}
	}
	negZero := float32(math.Copysign(0, -1))
	for z, want := range map[float32]float32{0: 0.5, negZero: 0.5, float32(math.Inf(1)): 1, float32(math.Inf(-1)): 0, 200: 1} {
		if got := sigmoid32(z); math.Abs(float64(got-want)) > 1e-30 {
			t.Errorf("sigmoid32(%v) = %v, want %v", z, got, want)
		}
	}
}

// TestDropout_Masks: the share of dropped values is the rate, kept values
// are scaled by 1/(1−p), an odd length fills its last mask too, and without
// an rng (evaluation) y = x.
func TestDropout_Masks(t *testing.T) {
	const n = 100001 // odd: the last value has a draw of its own
	x := make([]float32, n)
	for i := range x {
		x[i] = 2
	}
	y := make([]float32, n)
	for _, p := range []float64{0.2, 0.5} {
		d := newDropout(p, n)
		d.forward(y, x, rand.New(rand.NewPCG(3, uint64(p*10))))
		dropped := 0
		for j, v := range y {
			switch v {
			case 0:
				dropped++
			case float32(2 / (1 - p)):
			default:
				t.Fatalf("p %v: y[%d] = %v, want 0 or %v", p, j, v, 2/(1-p))
			}
		}
		if got := float64(dropped) / n; math.Abs(got-p) > 0.01 {
			t.Errorf("p %v: dropped %.4f of the values", p, got)
		}
		dx := make([]float32, n)
		d.backward(dx, x)
		for j := range dx {
			if dx[j] != y[j] {
				t.Fatalf("p %v: dx[%d] = %v, want the mask times dy = %v", p, j, dx[j], y[j])
			}
		}
		d.forward(y, x, nil)
		if y[0] != 2 || y[n-1] != 2 {
			t.Errorf("p %v: evaluation changed x", p)
		}
	}
}

// TestSigmoidSlice: the vector path (where the CPU has it) and the scalar
// one both stay within 5e-7 relative of the float64 sigmoid, on every
// length (the tail after the last 8), at ±0, ±Inf and huge values, and a NaN
// stays NaN.
func TestSigmoidSlice(t *testing.T) {
	negZero := float32(math.Copysign(0, -1))
	special := []float32{0, negZero, float32(math.Inf(1)), float32(math.Inf(-1)), 200, -200, 88, -88, 1e-30, -1e-30}
	for _, vec := range []bool{true, false} {
		old := gemmUseKernel
		gemmUseKernel = vec && gemmHaveKernel
		var z []float32
		for i := -200000; i <= 200000; i += 7 {
			z = append(z, float32(i)*1e-4)
		}
		z = append(z, special...)
		for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, len(z)} {
			p := make([]float32, n)
			sigmoidSlice(p, z[:n])
			for i, v := range z[:n] {
				want := 1 / (1 + math.Exp(-float64(v)))
				if got := float64(p[i]); math.Abs(got-want) > 5e-7*want+1e-37 {
					t.Fatalf("vector %v, n %d: σ(%v) = %v, want %v", vec, n, v, got, want)
				}
			}
		}
		p := []float32{0, 0, 0, 0, 0, 0, 0, 0, 0}
		sigmoidSlice(p, []float32{1, float32(math.NaN()), 1, 1, 1, 1, 1, 1, float32(math.NaN())})
		if !math.IsNaN(float64(p[1])) || !math.IsNaN(float64(p[8])) {
			t.Errorf("vector %v: σ(NaN) = %v, %v, want NaN", vec, p[1], p[8])
		}
		gemmUseKernel = old
	}
}
