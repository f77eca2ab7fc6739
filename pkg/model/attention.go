package model

import (
	"fmt"
	"math"
)

// attention is masked dot-product target attention: the candidate v looks at
// the real positions of its history e and pools them.
//
//	a_j = (v·e_j)/√D                 for j < len (real positions only)
//	w   = softmax(a)                 w_j = exp(a_j − max a)/Σ_k exp(a_k − max a); w_j = 0 for j ≥ len
//	u   = Σ_j w_j·e_j                u = 0 when len = 0
//
// Buffers, per batch of n rows:
//
//	v [B, D] row stride ldv      candidate embedding
//	e [B, L, D] contiguous       history embeddings (padding rows never read)
//	lens [B]                     real history length, 0 ≤ len ≤ L
//	w [B, L]                     saved softmax weights (0 on padding): backward and readout use them
//	u [B, D] row stride ldu      pooled history
type attention struct {
	D, L int
	dw   []float32 // [L] scratch for backward
}

func newAttention(d, l int) *attention {
	return &attention{D: d, L: l, dw: make([]float32, l)}
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

// forward computes w and u for n rows.
func (at *attention) forward(u []float32, ldu int, w []float32, v []float32, ldv int, e []float32, lens []int32, n int) {
	d, L := at.D, at.L
	at.check("u", u, ldu, d, n)
	at.check("v", v, ldv, d, n)
	at.check("w", w, L, L, n)
	at.check("e", e, L*d, L*d, n)
	if len(lens) < n {
		panic(fmt.Sprintf("model: attention: lens len %d, want %d", len(lens), n))
	}
	scale := float32(1 / math.Sqrt(float64(d)))
	for i := 0; i < n; i++ {
		ln := int(lens[i])
		if ln < 0 || ln > L {
			panic(fmt.Sprintf("model: attention: row %d has length %d, want 0..%d", i, ln, L))
		}
		ur := u[i*ldu : i*ldu+d]
		vr := v[i*ldv : i*ldv+d]
		wr := w[i*L : i*L+L]
		er := e[i*L*d : i*L*d+L*d]
		clear(ur)
		clear(wr[ln:])
		if ln == 0 {
			continue
		}
		// a_j = (v·e_j)/√D, kept in wr until normalised; w = softmax(a).
		for j := 0; j < ln; j++ {
			wr[j] = scale * dot(vr, er[j*d:j*d+d])
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
//	a_j = (v·e_j)/√D     ⇒  dv += Σ_j da_j·e_j/√D,  de_j += da_j·v/√D
func (at *attention) backward(dv []float32, ldv int, de []float32, du []float32, ldu int, w, v []float32, e []float32, lens []int32, n int) {
	d, L := at.D, at.L
	at.check("du", du, ldu, d, n)
	at.check("dv", dv, ldv, d, n)
	at.check("v", v, ldv, d, n)
	at.check("w", w, L, L, n)
	at.check("e", e, L*d, L*d, n)
	at.check("de", de, L*d, L*d, n)
	scale := float32(1 / math.Sqrt(float64(d)))
	dw := at.dw
	for i := 0; i < n; i++ {
		ln := int(lens[i])
		if ln == 0 {
			continue
		}
		dur := du[i*ldu : i*ldu+d]
		dvr := dv[i*ldv : i*ldv+d]
		vr := v[i*ldv : i*ldv+d]
		wr := w[i*L : i*L+ln]
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
			da := wr[j] * (dw[j] - s) * scale
			axpy(dvr, da, er[j*d:j*d+d])
			axpy(der[j*d:j*d+d], da, vr)
		}
	}
}
