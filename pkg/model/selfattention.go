package model

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// selfAttention is multi-head self-attention over the T tokens of each row
// (AutoInt's interacting layer; the attention of a Transformer block).
//
//	X [n, T, I] contiguous          the tokens
//	Q = X·Wq,  K = X·Wk,  V = X·Wv  [n·T, A], A = H·dh, no biases
//	per row, head h, query t:
//	  s_tj = scale·(q_t,h · k_j,h)   over the valid keys j
//	  P_t  = softmax_j(s_t),  o_t,h = Σ_j P_tj·v_j,h
//	out = O + R                     [n, T, A]
//	  R = X·Wres  (residual, I ≠ A),  X  (residual, I = A),  0  (no residual)
//
// Valid keys of row i: j < lens[i] and the last `tail` tokens (BST's target
// token); every key when lens is nil. Masked keys get weight 0. Every query
// is computed, padding ones too (their outputs are finite and unused).
//
// With a dropout rate (training only, FuxiCTR's net_dropout in AutoInt) the
// weights and the attention output are dropped (inverted dropout):
// o_t = Σ_j (M1⊙P)_tj·v_j and out = M2⊙O + R.
//
// Backward (per row and head, then the projections through Gemm):
//
//	dO = M2⊙dout
//	dv_j += Σ_t (M1⊙P)_tj·do_t,   dP_tj = M1_tj·(do_t·v_j)
//	ds_t  = softmax backward of dP_t
//	dq_t += scale·Σ_j ds_tj·k_j,   dk_j += scale·Σ_t ds_tj·q_t
//	dWq += Xᵀ·dQ, dX += dQ·Wqᵀ (likewise K, V, Wres); dX += dout (identity residual)
//
// The projections of a layer are one product over the stacked weights, and
// the per-head products run on the GEMM kernel's tiles in place (gemmTiles):
// AutoInt's whole step then runs at the kernel's rate.
type selfAttention struct {
	T, I, A, H, dh int
	tr, tc         int // T rounded up to whole kernel tiles: rows (6), columns (16)
	tail           int
	scale          float32
	residual       bool
	wq, wk, wv     linear
	wres           *linear // nil unless residual with I ≠ A
	nw             int     // projections in the stacked product: 3, or 4 with wres

	// Q, K, V (and R = X·Wres) come out of one product X·[Wq Wk Wv (Wres)]
	// [n·T, nw·A], row stride nw·A; their gradients likewise [n·T, 3A].
	wcat, dwcat []float32 // [I, nw·A] the stacked weights, [I, 3A] their gradient
	wcatT       []float32 // [3A, I] Wq, Wk, Wv transposed, for dX
	x           []float32 // input of the last forward (a view)
	lens        []int32   // nil: all keys valid
	n           int
	qkv, dqkv   []float32 // see above (dqkv of one block of rows); slack past the end for the kernel's whole tiles
	o, od, do   []float32 // [cap·T, A] attention output, after dropout, and its gradient
	p           []float32 // [cap, H, T, T] attention weights (0 on masked keys)
	pd          []float32 // [cap, H, T, T] weights after dropout (with dropout)
	dropP       *dropout  // nil without dropout
	dropO       *dropout
	dropped     bool      // the last forward dropped (training with a rate)
	keys        []int     // [T] scratch: valid key indices of a row
	sc          []float32 // [T] scratch
	s           []float32 // [tr, tc] scratch: scores, or dP and dS
	kt          []float32 // a head's K or V transposed into 16-column panels
}

// attSlack is how far past a matrix of row stride ld the kernel's whole
// tiles read (gemmTiles): 5 rows and a 16-float panel.
func attSlack(ld int) int { return 5*ld + gemmNR }

// declareSelfAttention declares Wq, Wk, Wv (and Wres) under prefix. scaled
// selects scale = 1/√dh (else 1, as AutoInt); drop is the dropout rate.
func declareSelfAttention(s *slab, prefix string, t, in, a, heads int, residual, scaled bool, tail int, drop float64) func(capacity int) *selfAttention {
	if heads < 1 || a%heads != 0 {
		panic(fmt.Sprintf("model: self-attention: attention dim %d is not a multiple of %d heads", a, heads))
	}
	qID := s.add(prefix+"wq", kindWeight, in, a)
	kID := s.add(prefix+"wk", kindWeight, in, a)
	vID := s.add(prefix+"wv", kindWeight, in, a)
	rID := -1
	if residual && in != a {
		rID = s.add(prefix+"wres", kindWeight, in, a)
	}
	return func(capacity int) *selfAttention {
		sa := &selfAttention{T: t, I: in, A: a, H: heads, dh: a / heads, tail: tail, residual: residual, scale: 1, nw: 3,
			tr: (t + gemmMR - 1) / gemmMR * gemmMR, tc: (t + gemmNR - 1) / gemmNR * gemmNR}
		if scaled {
			sa.scale = float32(1 / math.Sqrt(float64(sa.dh)))
		}
		lin := func(id int) linear { return linear{I: in, O: a, W: s.w(id), dW: s.g(id)} }
		sa.wq, sa.wk, sa.wv = lin(qID), lin(kID), lin(vID)
		if rID >= 0 {
			r := lin(rID)
			sa.wres, sa.nw = &r, 4
		}
		m := capacity * t * a
		sa.wcat, sa.dwcat, sa.wcatT = make([]float32, in*sa.nw*a), make([]float32, in*3*a), make([]float32, 3*a*in)
		sa.qkv = make([]float32, m*sa.nw+attSlack(sa.nw*a))
		sa.dqkv = make([]float32, min(capacity, sa.blockRows())*t*3*a+attSlack(3*a)) // one block
		sa.o, sa.do = make([]float32, m+attSlack(a)), make([]float32, m+attSlack(a))
		pm := capacity*heads*t*t + attSlack(t)
		sa.p = make([]float32, pm)
		if drop > 0 {
			sa.pd = make([]float32, pm)
			sa.od = make([]float32, m)
			sa.dropP = newDropout(drop, capacity*heads*t*t)
			sa.dropO = newDropout(drop, m)
		}
		sa.keys = make([]int, t)
		sa.sc, sa.s = make([]float32, t), make([]float32, sa.tr*sa.tc+attSlack(sa.tc))
		sa.kt = make([]float32, sa.tc*sa.dh)
		return sa
	}
}

// validKeys lists row i's valid keys into sa.keys and returns them.
func (sa *selfAttention) validKeys(i int) []int {
	keys := sa.keys[:0]
	if sa.lens == nil {
		for j := 0; j < sa.T; j++ {
			keys = append(keys, j)
		}
		return keys
	}
	ln := int(sa.lens[i])
	head := sa.T - sa.tail
	if ln < 0 || ln > head {
		panic(fmt.Sprintf("model: self-attention: row %d has length %d, want 0..%d", i, ln, head))
	}
	for j := 0; j < ln; j++ {
		keys = append(keys, j)
	}
	for j := head; j < sa.T; j++ {
		keys = append(keys, j)
	}
	return keys
}

// stack copies the projections' weights side by side into wcat [I, nw·A].
func (sa *selfAttention) stack() {
	a, ld := sa.A, sa.nw*sa.A
	ws := [4][]float32{sa.wq.W, sa.wk.W, sa.wv.W}
	if sa.wres != nil {
		ws[3] = sa.wres.W
	}
	for c := 0; c < sa.I; c++ {
		for k, w := range ws[:sa.nw] {
			copy(sa.wcat[c*ld+k*a:c*ld+k*a+a], w[c*a:c*a+a])
		}
	}
}

// attBlockTokens is about how many tokens a block of rows holds: forward and
// backward run block by block, projections then attention, so that a
// block's Q, K, V and gradients are still in the core's cache when the
// per-head products read them.
const attBlockTokens = 256

// blockRows is the number of rows of a block.
func (sa *selfAttention) blockRows() int { return max(1, attBlockTokens/sa.T) }

// forward writes out [n, T, A] from x [n, T, I]. lens (nil: no mask) is
// kept until backward. rng is the training step's dropout randomness (nil:
// evaluation).
func (sa *selfAttention) forward(out, x []float32, lens []int32, n int, rng *rand.Rand) {
	sa.begin(out, x, lens, n, rng)
	for i0 := 0; i0 < n; i0 += sa.blockRows() {
		sa.forwardBlock(out, x, i0, min(i0+sa.blockRows(), n))
	}
}

// begin starts a forward done in blocks (forwardBlock over the row blocks
// in order): it keeps x and lens for backward and stacks the weights.
func (sa *selfAttention) begin(out, x []float32, lens []int32, n int, rng *rand.Rand) {
	t, a := sa.T, sa.A
	rows := n * t
	if len(x) < rows*sa.I || len(out) < rows*a || len(sa.o) < rows*a {
		panic(fmt.Sprintf("model: self-attention: x len %d, out len %d, want %d and %d (capacity %d rows)", len(x), len(out), rows*sa.I, rows*a, len(sa.o)/(t*a)))
	}
	if lens != nil && len(lens) < n {
		panic(fmt.Sprintf("model: self-attention: lens len %d, want %d", len(lens), n))
	}
	sa.x, sa.lens, sa.n = x, lens, n
	sa.dropped = rng != nil && sa.dropP != nil
	if sa.dropped { // every block's masks now, in the order of one forward over the batch
		sa.dropP.drawAt(0, n*sa.H*t*t, rng)
		sa.dropO.drawAt(0, rows*a, rng)
	}
	sa.stack()
}

// forwardBlock is forward for rows [i0, i1).
func (sa *selfAttention) forwardBlock(out, x []float32, i0, i1 int) {
	t, a, dh, ld := sa.T, sa.A, sa.dh, sa.nw*sa.A
	r0, r1 := i0*t, i1*t
	Gemm(false, false, r1-r0, ld, sa.I, 1, x[r0*sa.I:], sa.I, sa.wcat, ld, 0, sa.qkv[r0*ld:], ld)
	// P, per row and head: S = scale·Q_h·K_hᵀ [T, T], then a softmax over
	// each query's valid keys.
	for i := i0; i < i1; i++ {
		keys := sa.validKeys(i)
		for h := 0; h < sa.H; h++ {
			q := sa.qkv[i*t*ld+h*dh:]
			gemmPanelsT(sa.kt, q[a:], ld, t, dh)
			gemmTiles(sa.tr, sa.tc, dh, sa.scale, q, ld, 1, sa.kt, gemmNR, dh*gemmNR, sa.s, sa.tc, true)
			for q := 0; q < t; q++ {
				sr := sa.s[q*sa.tc : q*sa.tc+t]
				if len(keys) == t { // every key valid (AutoInt)
					softmaxForward(sa.weights(i, h, q), sr)
					continue
				}
				sc := sa.sc[:len(keys)]
				for kk, j := range keys {
					sc[kk] = sr[j]
				}
				softmaxForward(sc, sc)
				pr := sa.weights(i, h, q)
				clear(pr)
				for kk, j := range keys {
					pr[j] = sc[kk]
				}
			}
		}
	}
	pw, hw := sa.p, sa.H*t*t
	if sa.dropped {
		sa.dropP.applyAt(i0*hw, sa.pd[i0*hw:i1*hw], sa.p[i0*hw:i1*hw])
		pw = sa.pd
	}
	// O_h = P_h·V_h per row and head, V_h read in place. Whole tiles of tr
	// rows spill past the row's T into the next row's, which comes later.
	for i := i0; i < i1; i++ {
		for h := 0; h < sa.H; h++ {
			gemmTiles(sa.tr, dh, t, 1, pw[(i*sa.H+h)*t*t:], t, 1, sa.qkv[i*t*ld+2*a+h*dh:], ld, gemmNR, sa.o[i*t*a+h*dh:], a, true)
		}
	}
	o := sa.o[r0*a : r1*a]
	if sa.dropped {
		sa.dropO.applyAt(r0*a, sa.od[r0*a:r1*a], o)
		o = sa.od[r0*a : r1*a]
	}
	for r := r0; r < r1; r++ {
		or, dst := o[(r-r0)*a:(r-r0)*a+a], out[r*a:r*a+a]
		switch {
		case sa.wres != nil: // R, the stacked product's fourth block
			res := sa.qkv[r*ld+3*a : r*ld+4*a]
			for j, v := range or {
				dst[j] = res[j] + v
			}
		case sa.residual:
			for j, v := range or {
				dst[j] = x[r*a+j] + v
			}
		default:
			copy(dst, or)
		}
	}
}

// backward adds dx [n, T, I] (and the projections' gradients) for
// dout [n, T, A]. dout with attSlack(A) floats past its n·T·A is read in
// place, else copied.
func (sa *selfAttention) backward(dx, dout []float32) {
	sa.beginBackward()
	for i0 := 0; i0 < sa.n; i0 += sa.blockRows() {
		sa.backwardBlock(dx, dout, i0, min(i0+sa.blockRows(), sa.n), false)
	}
	sa.endBackward()
}

// beginBackward starts a backward done in blocks (backwardBlock over the
// row blocks, in any order; endBackward after the last).
func (sa *selfAttention) beginBackward() {
	clear(sa.dwcat)
	l3, ld := 3*sa.A, sa.nw*sa.A
	for c := 0; c < sa.I; c++ {
		for j, w := range sa.wcat[c*ld : c*ld+l3] {
			sa.wcatT[j*sa.I+c] = w
		}
	}
}

// endBackward adds the stacked weights' gradient into dWq, dWk, dWv.
func (sa *selfAttention) endBackward() {
	a, l3 := sa.A, 3*sa.A
	for c := 0; c < sa.I; c++ {
		for k, dw := range [3][]float32{sa.wq.dW, sa.wk.dW, sa.wv.dW} {
			axpy(dw[c*a:c*a+a], 1, sa.dwcat[c*l3+k*a:c*l3+k*a+a])
		}
	}
}

// backwardBlock is backward for rows [i0, i1); with set it writes their dx
// instead of adding to it. dO = dout (through the output's dropout mask),
// then per row and head dQ, dK, dV [rows of the block·T, 3A] (each part
// written by its own row and head only), then the stacked projections:
// dW += Xᵀ·[dQ dK dV], dX += [dQ dK dV]·[Wq Wk Wv]ᵀ, and the residual.
func (sa *selfAttention) backwardBlock(dx, dout []float32, i0, i1 int, set bool) {
	t, a, l3 := sa.T, sa.A, 3*sa.A
	r0, r1 := i0*t, i1*t
	rows := sa.n * t
	if len(dx) < rows*sa.I || len(dout) < rows*a {
		panic(fmt.Sprintf("model: self-attention: dx len %d, dout len %d, want %d and %d", len(dx), len(dout), rows*sa.I, rows*a))
	}
	dO, pw := dout, sa.p
	if sa.dropped || len(dout) < rows*a+attSlack(a) {
		dO = sa.do // with the kernel's slack (masked when dropping)
		if sa.dropped {
			clear(dO[r0*a : r1*a])
			sa.dropO.backwardAt(r0*a, dO[r0*a:r1*a], dout[r0*a:r1*a])
			pw = sa.pd
		} else {
			copy(dO[r0*a:r1*a], dout[r0*a:r1*a])
		}
	}
	for i := i0; i < i1; i++ {
		keys := sa.validKeys(i)
		for h := 0; h < sa.H; h++ {
			sa.headBackward(i, h, sa.dqkv[(i-i0)*t*l3:], keys, dO, pw)
		}
	}
	beta := float32(1)
	if set {
		beta = 0
	}
	Gemm(true, false, sa.I, l3, r1-r0, 1, sa.x[r0*sa.I:], sa.I, sa.dqkv, l3, 1, sa.dwcat, l3)
	Gemm(false, false, r1-r0, sa.I, l3, 1, sa.dqkv, l3, sa.wcatT, sa.I, beta, dx[r0*sa.I:], sa.I)
	switch {
	case sa.wres != nil:
		sa.wres.backward(dx[r0*sa.I:], dout[r0*a:], sa.x[r0*sa.I:], sa.I, r1-r0)
	case sa.residual:
		for j, g := range dout[r0*a : r1*a] {
			dx[r0*a+j] += g
		}
	}
}

// headBackward is the attention's backward for row i and head h: dP =
// dO·Vᵀ, dV = Pᵀ·dO, dS by the softmax's backward, dQ = scale·dS·K and dK =
// scale·dSᵀ·Q, into dqkv (the row's [T, 3A]). The products write whole
// tiles of tr rows: the rows past T spill into the next row's, which comes
// later.
func (sa *selfAttention) headBackward(i, h int, dqkv []float32, keys []int, dO, pw []float32) {
	t, a, dh, ld, l3 := sa.T, sa.A, sa.dh, sa.nw*sa.A, 3*sa.A
	base := (i*sa.H + h) * t * t
	q := sa.qkv[i*t*ld+h*dh:] // Q_h; K_h at q[a:], V_h at q[2a:]
	d := dqkv[h*dh:]
	do := dO[i*t*a+h*dh:]
	ds, tr, tc := sa.s, sa.tr, sa.tc // dP, then dS in place [tr, tc]
	gemmPanelsT(sa.kt, q[2*a:], ld, t, dh)
	gemmTiles(tr, tc, dh, 1, do, a, 1, sa.kt, gemmNR, dh*gemmNR, ds, tc, true)
	if sa.dropped {
		for j, m := range sa.dropP.mask[base : base+t*t] {
			ds[j/t*tc+j%t] *= m
		}
	}
	gemmTiles(tr, dh, t, 1, pw[base:], 1, t, do, a, gemmNR, d[2*a:], l3, true)
	for qi := 0; qi < t; qi++ {
		pr, dr := sa.p[base+qi*t:base+qi*t+t], ds[qi*tc:qi*tc+t]
		var s float32
		for _, j := range keys {
			s += pr[j] * dr[j]
		}
		for j := range dr {
			dr[j] = pr[j] * (dr[j] - s) * sa.scale // 0 on masked keys (P = 0 there)
		}
	}
	gemmTiles(tr, dh, t, 1, ds, tc, 1, q[a:], ld, gemmNR, d, l3, true)
	gemmTiles(tr, dh, t, 1, ds, 1, tc, q, ld, gemmNR, d[a:], l3, true)
}

// weights returns row i's attention weights of head h for query q: [T]
// over the keys, 0 on masked ones (a view, valid until the next forward).
func (sa *selfAttention) weights(i, h, q int) []float32 {
	t := sa.T
	return sa.p[((i*sa.H+h)*t+q)*t : ((i*sa.H+h)*t+q)*t+t]
}
