package model

import (
	"fmt"
	"math"
)

// layerNorm normalises each row of x [n, D] over its D values (PyTorch's
// LayerNorm, ε 1e-5), with a learnt scale γ (init 1) and shift β (init 0):
//
//	μ = (1/D)·Σ_c x[c],  σ² = (1/D)·Σ_c (x[c] − μ)²,  rstd = 1/√(σ² + ε)
//	x̂ = (x − μ)·rstd,    y = γ⊙x̂ + β
//
// Backward, per row (llm.c's layernorm_backward):
//
//	dγ += dy⊙x̂,  dβ += dy,  dx̂ = dy⊙γ
//	dx += rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂⊙x̂))
type layerNorm struct {
	D             int
	eps           float64
	gamma, beta   []float32 // [D]
	dgamma, dbeta []float32
	xhat          []float32 // [cap, D] of the last forward
	rstd          []float32 // [cap]
	n             int
}

func declareLayerNorm(s *slab, prefix string, d int) func(capacity int) *layerNorm {
	gID := s.add(prefix+"gamma", kindBias, d)
	s.oneInit(gID)
	bID := s.add(prefix+"beta", kindBias, d)
	return func(capacity int) *layerNorm {
		return &layerNorm{D: d, eps: 1e-5, gamma: s.w(gID), beta: s.w(bID), dgamma: s.g(gID), dbeta: s.g(bID),
			xhat: make([]float32, capacity*d), rstd: make([]float32, capacity)}
	}
}

// forward writes y [n, D] from x [n, D]; y may be x.
func (ln *layerNorm) forward(y, x []float32, n int) {
	d := ln.D
	if len(x) < n*d || len(y) < n*d || len(ln.rstd) < n {
		panic(fmt.Sprintf("model: layernorm: x len %d, y len %d, want %d (capacity %d rows)", len(x), len(y), n*d, len(ln.rstd)))
	}
	ln.n = n
	for i := 0; i < n; i++ {
		xr, xh, yr := x[i*d:i*d+d], ln.xhat[i*d:i*d+d], y[i*d:i*d+d]
		var s float64
		for _, v := range xr {
			s += float64(v)
		}
		mu := s / float64(d)
		var v2 float64
		for _, v := range xr {
			e := float64(v) - mu
			v2 += e * e
		}
		rstd := 1 / math.Sqrt(v2/float64(d)+ln.eps)
		ln.rstd[i] = float32(rstd)
		for c, v := range xr {
			h := float32((float64(v) - mu) * rstd)
			xh[c] = h
			yr[c] = ln.gamma[c]*h + ln.beta[c]
		}
	}
}

// backward adds dx [n, D], dγ and dβ for dy [n, D] of the last forward.
func (ln *layerNorm) backward(dx, dy []float32) {
	n, d := ln.n, ln.D
	if len(dx) < n*d || len(dy) < n*d {
		panic(fmt.Sprintf("model: layernorm: dx len %d, dy len %d, want %d", len(dx), len(dy), n*d))
	}
	for i := 0; i < n; i++ {
		dyr, xh, dxr := dy[i*d:i*d+d], ln.xhat[i*d:i*d+d], dx[i*d:i*d+d]
		var m1, m2 float32 // mean(dx̂), mean(dx̂⊙x̂)
		for c, g := range dyr {
			ln.dbeta[c] += g
			ln.dgamma[c] += g * xh[c]
			gh := g * ln.gamma[c]
			m1 += gh
			m2 += gh * xh[c]
		}
		m1 /= float32(d)
		m2 /= float32(d)
		r := ln.rstd[i]
		for c, g := range dyr {
			dxr[c] += r * (g*ln.gamma[c] - m1 - xh[c]*m2)
		}
	}
}
