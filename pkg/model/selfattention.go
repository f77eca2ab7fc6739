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
type selfAttention struct {
	T, I, A, H, dh int
	tail           int
	scale          float32
	residual       bool
	wq, wk, wv     linear
	wres           *linear // nil unless residual with I ≠ A

	x          []float32 // input of the last forward (a view)
	lens       []int32   // nil: all keys valid
	n          int
	q, k, v    []float32 // [cap·T, A]
	dq, dk, dv []float32
	o, od, do  []float32 // [cap·T, A] attention output, after dropout, and its gradient
	p          []float32 // [cap, H, T, T] attention weights (0 on masked keys)
	pd         []float32 // [cap, H, T, T] weights after dropout (with dropout)
	dropP      *dropout  // nil without dropout
	dropO      *dropout
	dropped    bool      // the last forward dropped (training with a rate)
	keys       []int     // [T] scratch: valid key indices of a row
	sc         []float32 // [T] scratch
	s          []float32 // [T, T] scratch: scores, or dP and dS
}

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
		sa := &selfAttention{T: t, I: in, A: a, H: heads, dh: a / heads, tail: tail, residual: residual, scale: 1}
		if scaled {
			sa.scale = float32(1 / math.Sqrt(float64(sa.dh)))
		}
		lin := func(id int) linear { return linear{I: in, O: a, W: s.w(id), dW: s.g(id)} }
		sa.wq, sa.wk, sa.wv = lin(qID), lin(kID), lin(vID)
		if rID >= 0 {
			r := lin(rID)
			sa.wres = &r
		}
		m := capacity * t * a
		sa.q, sa.k, sa.v = make([]float32, m), make([]float32, m), make([]float32, m)
		sa.dq, sa.dk, sa.dv = make([]float32, m), make([]float32, m), make([]float32, m)
		sa.o, sa.do = make([]float32, m), make([]float32, m)
		sa.p = make([]float32, capacity*heads*t*t)
		if drop > 0 {
			sa.pd = make([]float32, capacity*heads*t*t)
			sa.od = make([]float32, m)
			sa.dropP = newDropout(drop, capacity*heads*t*t)
			sa.dropO = newDropout(drop, m)
		}
		sa.keys = make([]int, t)
		sa.sc, sa.s = make([]float32, t), make([]float32, t*t)
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

// forward writes out [n, T, A] from x [n, T, I]. lens (nil: no mask) is
// kept until backward. rng is the training step's dropout randomness (nil:
// evaluation).
func (sa *selfAttention) forward(out, x []float32, lens []int32, n int, rng *rand.Rand) {
	t, a, dh := sa.T, sa.A, sa.dh
	rows := n * t
	if len(x) < rows*sa.I || len(out) < rows*a || len(sa.q) < rows*a {
		panic(fmt.Sprintf("model: self-attention: x len %d, out len %d, want %d and %d (capacity %d rows)", len(x), len(out), rows*sa.I, rows*a, len(sa.q)/(t*a)))
	}
	if lens != nil && len(lens) < n {
		panic(fmt.Sprintf("model: self-attention: lens len %d, want %d", len(lens), n))
	}
	sa.x, sa.lens, sa.n = x, lens, n
	sa.dropped = rng != nil && sa.dropP != nil
	sa.wq.forward(sa.q, x, sa.I, rows)
	sa.wk.forward(sa.k, x, sa.I, rows)
	sa.wv.forward(sa.v, x, sa.I, rows)
	// P, per row and head: S = scale·Q_h·K_hᵀ [T, T] through Gemm, then a
	// softmax over each query's valid keys.
	for i := 0; i < n; i++ {
		keys := sa.validKeys(i)
		for h := 0; h < sa.H; h++ {
			off := i*t*a + h*dh
			Gemm(false, true, t, t, dh, sa.scale, sa.q[off:], a, sa.k[off:], a, 0, sa.s, t)
			for q := 0; q < t; q++ {
				sr := sa.s[q*t : q*t+t]
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
	pw := sa.p
	if sa.dropped {
		sa.dropP.forward(sa.pd[:n*sa.H*t*t], sa.p[:n*sa.H*t*t], rng)
		pw = sa.pd
	}
	// O_h = P_h·V_h per row and head (each block written once: beta 0).
	o := sa.o[:rows*a]
	for i := 0; i < n; i++ {
		for h := 0; h < sa.H; h++ {
			off := i*t*a + h*dh
			Gemm(false, false, t, dh, t, 1, pw[(i*sa.H+h)*t*t:], t, sa.v[off:], a, 0, o[off:], a)
		}
	}
	if sa.dropped {
		sa.dropO.forward(sa.od[:rows*a], o, rng)
		o = sa.od[:rows*a]
	}
	switch {
	case sa.wres != nil:
		sa.wres.forward(out, x, sa.I, rows)
	case sa.residual:
		copy(out[:rows*a], x[:rows*a])
	default:
		clear(out[:rows*a])
	}
	for j, v := range o {
		out[j] += v
	}
}

// backward adds dx [n, T, I] (and the projections' gradients) for
// dout [n, T, A].
func (sa *selfAttention) backward(dx, dout []float32) {
	n, t, a, dh := sa.n, sa.T, sa.A, sa.dh
	rows := n * t
	if len(dx) < rows*sa.I || len(dout) < rows*a {
		panic(fmt.Sprintf("model: self-attention: dx len %d, dout len %d, want %d and %d", len(dx), len(dout), rows*sa.I, rows*a))
	}
	dq, dk, dv := sa.dq[:rows*a], sa.dk[:rows*a], sa.dv[:rows*a]
	dO, pw := dout[:rows*a], sa.p
	if sa.dropped {
		dO = sa.do[:rows*a]
		clear(dO)
		sa.dropO.backward(dO, dout)
		pw = sa.pd
	}
	// Per row and head; every block of dQ, dK, dV is written by its own
	// (row, head) only, so the Gemms overwrite (beta 0) and nothing is cleared.
	for i := 0; i < n; i++ {
		keys := sa.validKeys(i)
		for h := 0; h < sa.H; h++ {
			off := i*t*a + h*dh
			base := (i*sa.H + h) * t * t
			ds := sa.s // dP, then dS in place
			Gemm(false, true, t, t, dh, 1, dO[off:], a, sa.v[off:], a, 0, ds, t)
			if sa.dropped {
				for j, m := range sa.dropP.mask[base : base+t*t] {
					ds[j] *= m
				}
			}
			Gemm(true, false, t, dh, t, 1, pw[base:], t, dO[off:], a, 0, dv[off:], a)
			for q := 0; q < t; q++ {
				pr, dr := sa.p[base+q*t:base+q*t+t], ds[q*t:q*t+t]
				var s float32
				for _, j := range keys {
					s += pr[j] * dr[j]
				}
				for j := range dr {
					dr[j] = pr[j] * (dr[j] - s) * sa.scale // 0 on masked keys (P = 0 there)
				}
			}
			Gemm(false, false, t, dh, t, 1, ds, t, sa.k[off:], a, 0, dq[off:], a)
			Gemm(true, false, t, dh, t, 1, ds, t, sa.q[off:], a, 0, dk[off:], a)
		}
	}
	sa.wq.backward(dx, dq, sa.x, sa.I, rows)
	sa.wk.backward(dx, dk, sa.x, sa.I, rows)
	sa.wv.backward(dx, dv, sa.x, sa.I, rows)
	switch {
	case sa.wres != nil:
		sa.wres.backward(dx, dout, sa.x, sa.I, rows)
	case sa.residual:
		for j, g := range dout[:rows*a] {
			dx[j] += g
		}
	}
}

// weights returns row i's attention weights of head h for query q: [T]
// over the keys, 0 on masked ones (a view, valid until the next forward).
func (sa *selfAttention) weights(i, h, q int) []float32 {
	t := sa.T
	return sa.p[((i*sa.H+h)*t+q)*t : ((i*sa.H+h)*t+q)*t+t]
}
