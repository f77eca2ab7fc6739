package model

import (
	"fmt"
	"math"
)

// attention is masked dot-product target attention: the candidate looks at
// the real positions of its history and pools them.
//
//	a_j = c·(q·k_j)                  for j < len (real positions only), c = 1/√A by default
//	w   = softmax(a)                 w_j = exp(a_j − max a)/Σ_k exp(a_k − max a); w_j = 0 for j ≥ len
//	u   = Σ_j w_j·e_j                u = 0 when len = 0
//
// In the plain form (forward, backward) the query is the candidate v and
// the keys are the values e (A = D); the projected form (forwardQK,
// backwardQK) takes a query q [B, A] and keys k [B, L, A] of their own.
//
// Buffers, per batch of n rows:
//
//	q [B, A] row stride ldq      query (the candidate embedding v in the plain form)
//	k [B, L, A] contiguous       keys (the history in the plain form)
//	e [B, L, D] contiguous       history embeddings, the values (padding rows never read)
//	lens [B]                     real history length, 0 ≤ len ≤ L
//	w [B, L]                     saved softmax weights (0 on padding): backward and readout use them
//	u [B, D] row stride ldu      pooled history
type attention struct {
	D, A, L int
	// Scale is c; newAttention sets 1/√A, a model with a learnt
	// temperature sets its own before each forward.
	Scale float32
	dw    []float32 // [L] scratch for backward
}

func newAttention(d, l int) *attention { return newAttentionQK(d, d, l) }

// newAttentionQK is attention with queries and keys of a values.
func newAttentionQK(d, a, l int) *attention {
	return &attention{D: d, A: a, L: l, Scale: float32(1 / math.Sqrt(float64(a))), dw: make([]float32, l)}
}

// check panics when a buffer cannot hold n rows.
func (at *attention) check(name string, x []float32, ld, width, n int) {
	if n == 0 {
		return
	}
	if want := (n-1)*ld + width; len(x) < want || ld < width {
		panic(fmt.Sprintf("model: attention: %s len %d (ld %d), want %d (ld ≥ %d)", name, len(x), ld, want, width))
	}
}

// forward computes w and u for n rows, the candidate v (stride ldv) as the
// query and e as the keys.
func (at *attention) forward(u []float32, ldu int, w []float32, v []float32, ldv int, e []float32, lens []int32, n int) {
	at.forwardQK(u, ldu, w, v, ldv, e, e, lens, n)
}

// forwardQK computes w and u for n rows from queries q, keys k and values e.
func (at *attention) forwardQK(u []float32, ldu int, w []float32, q []float32, ldq int, k, e []float32, lens []int32, n int) {
	d, a, L := at.D, at.A, at.L
	at.check("u", u, ldu, d, n)
	at.check("q", q, ldq, a, n)
	at.check("w", w, L, L, n)
	at.check("k", k, L*a, L*a, n)
	at.check("e", e, L*d, L*d, n)
	if len(lens) < n {
		panic(fmt.Sprintf("model: attention: lens len %d, want %d", len(lens), n))
	}
	scale := at.Scale
	for i := 0; i < n; i++ {
		ln := int(lens[i])
		if ln < 0 || ln > L {
			panic(fmt.Sprintf("model: attention: row %d has length %d, want 0..%d", i, ln, L))
		}
		ur := u[i*ldu : i*ldu+d]
		qr := q[i*ldq : i*ldq+a]
		wr := w[i*L : i*L+L]
		kr := k[i*L*a : i*L*a+L*a]
		er := e[i*L*d : i*L*d+L*d]
		clear(ur)
		clear(wr[ln:])
		if ln == 0 {
			continue
		}
		// a_j = c·(q·k_j), kept in wr until normalised; w = softmax(a).
		for j := 0; j < ln; j++ {
			wr[j] = scale * dot(qr, kr[j*a:j*a+a])
		}
		softmaxForward(wr[:ln], wr[:ln])
		// u = Σ_j w_j·e_j.
		for j := 0; j < ln; j++ {
			axpy(ur, wr[j], er[j*d:j*d+d])
		}
	}
}

// backward differentiates forward given du [B, D] (stride ldu) and adds into
// dv [B, D] (stride ldv) and de [B, L, D]; padding positions of de are left
// untouched.
//
//	u = Σ_j w_j·e_j      ⇒  dw_j = du·e_j,  de_j += w_j·du
//	w = softmax(a)       ⇒  da_j = w_j·(dw_j − Σ_k w_k·dw_k)
//	a_j = c·(v·e_j)      ⇒  dv += Σ_j da_j·c·e_j,  de_j += da_j·c·v
func (at *attention) backward(dv []float32, ldv int, de []float32, du []float32, ldu int, w, v []float32, e []float32, lens []int32, n int) {
	at.backwardQK(dv, ldv, de, de, du, ldu, w, v, e, e, lens, n, false)
}

// backwardQK is forwardQK's backward: it adds into dq, dk and de (dk may be
// de when k is e) and, when wantScale is set, returns dL/dc = Σ da_j·(q·k_j)
// (0 otherwise).
//
//	a_j = c·(q·k_j)      ⇒  dq += Σ_j da_j·c·k_j,  dk_j += da_j·c·q,  dc = Σ_j da_j·(q·k_j)
func (at *attention) backwardQK(dq []float32, ldq int, dk, de []float32, du []float32, ldu int, w, q []float32, k, e []float32, lens []int32, n int, wantScale bool) float64 {
	d, a, L := at.D, at.A, at.L
	at.check("du", du, ldu, d, n)
	at.check("dq", dq, ldq, a, n)
	at.check("q", q, ldq, a, n)
	at.check("w", w, L, L, n)
	at.check("k", k, L*a, L*a, n)
	at.check("dk", dk, L*a, L*a, n)
	at.check("e", e, L*d, L*d, n)
	at.check("de", de, L*d, L*d, n)
	scale := at.Scale
	dw := at.dw
	var dc float64
	for i := 0; i < n; i++ {
		ln := int(lens[i])
		if ln == 0 {
			continue
		}
		dur := du[i*ldu : i*ldu+d]
		dqr := dq[i*ldq : i*ldq+a]
		qr := q[i*ldq : i*ldq+a]
		wr := w[i*L : i*L+ln]
		kr := k[i*L*a : i*L*a+ln*a]
		dkr := dk[i*L*a : i*L*a+ln*a]
		er := e[i*L*d : i*L*d+ln*d]
		der := de[i*L*d : i*L*d+ln*d]
		var s float32
		for j := 0; j < ln; j++ {
			ej := er[j*d : j*d+d]
			dw[j] = dot(dur, ej)
			s += wr[j] * dw[j]
			axpy(der[j*d:j*d+d], wr[j], dur)
		}
		for j := 0; j < ln; j++ {
			g := wr[j] * (dw[j] - s)
			if wantScale {
				dc += float64(g) * float64(dot(qr, kr[j*a:j*a+a]))
			}
			da := g * scale
			axpy(dqr, da, kr[j*a:j*a+a])
			axpy(dkr[j*a:j*a+a], da, qr)
		}
	}
	return dc
}
