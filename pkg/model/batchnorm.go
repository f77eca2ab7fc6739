package model

import (
	"fmt"
	"math"
)

// batchNorm normalises each of C channels over the rows of a batch
// x [n, C] (contiguous), as PyTorch's BatchNorm1d (momentum 0.1, ε 1e-5 by
// default):
//
//	train:  μ_c = (1/n)·Σ_i x[i,c],   σ²_c = (1/n)·Σ_i (x[i,c] − μ_c)²       (biased)
//	        run_μ ← (1−m)·run_μ + m·μ,   run_σ² ← (1−m)·run_σ² + m·σ²·n/(n−1)   (unbiased; skipped for n = 1)
//	eval:   μ, σ² = run_μ, run_σ²
//	        x̂ = (x − μ)·rstd,  rstd = 1/√(σ² + ε)
//	        y = γ⊙x̂ + β   (affine; Dice uses y = x̂)
//
// Backward differentiates the mode of the last forward:
//
//	dγ += Σ_i dy⊙x̂,  dβ += Σ_i dy,  dx̂ = dy⊙γ
//	train:  dx += (rstd/n)·(n·dx̂ − Σ_i dx̂ − x̂⊙Σ_i dx̂⊙x̂)    (μ and σ² depend on x)
//	eval:   dx += rstd·dx̂
//
// The running statistics are state tensors of the slab: the checkpoint keeps
// them, no optimizer moves them.
type batchNorm struct {
	C           int
	eps, mom    float64
	gamma, beta []float32 // [C]; nil when not affine
	dgamma      []float32
	dbeta       []float32
	runMean     []float32 // [C] state
	runVar      []float32 // [C] state
	mean, rstd  []float32 // [C] of the last forward
	xhat        []float32 // [cap, C] of the last forward
	n           int
	train       bool
	s1, s2      []float64 // [C] scratch
}

// declareBatchNorm declares γ, β (when affine) and the running statistics
// under prefix and returns a binder to call after s.alloc().
func declareBatchNorm(s *slab, prefix string, c int, affine bool, eps float64) func(capacity int) *batchNorm {
	gID, bID := -1, -1
	if affine {
		gID = s.add(prefix+"gamma", kindBias, c)
		s.oneInit(gID)
		bID = s.add(prefix+"beta", kindBias, c)
	}
	mID := s.add(prefix+"run_mean", kindState, c)
	vID := s.add(prefix+"run_var", kindState, c)
	s.oneInit(vID)
	return func(capacity int) *batchNorm {
		bn := &batchNorm{C: c, eps: eps, mom: 0.1,
			runMean: s.w(mID), runVar: s.w(vID),
			mean: make([]float32, c), rstd: make([]float32, c),
			xhat: make([]float32, capacity*c), s1: make([]float64, c), s2: make([]float64, c)}
		if affine {
			bn.gamma, bn.dgamma = s.w(gID), s.g(gID)
			bn.beta, bn.dbeta = s.w(bID), s.g(bID)
		}
		return bn
	}
}

// forward writes y [n, C] from x [n, C]; train selects batch statistics
// (and updates the running ones). y may be x.
func (bn *batchNorm) forward(y, x []float32, n int, train bool) {
	c := bn.C
	if len(x) < n*c || len(y) < n*c || len(bn.xhat) < n*c {
		panic(fmt.Sprintf("model: batchnorm: x len %d, y len %d, want %d (capacity %d)", len(x), len(y), n*c, len(bn.xhat)/max(c, 1)))
	}
	bn.n, bn.train = n, train
	if train && n > 0 {
		s1, s2 := bn.s1, bn.s2
		clear(s1)
		clear(s2)
		for i := 0; i < n; i++ {
			for j, v := range x[i*c : i*c+c] {
				s1[j] += float64(v)
			}
		}
		for j := range s1 {
			s1[j] /= float64(n)
		}
		for i := 0; i < n; i++ {
			for j, v := range x[i*c : i*c+c] {
				d := float64(v) - s1[j]
				s2[j] += d * d
			}
		}
		m := bn.mom
		for j := range s1 {
			v := s2[j] / float64(n)
			bn.mean[j] = float32(s1[j])
			bn.rstd[j] = float32(1 / math.Sqrt(v+bn.eps))
			bn.runMean[j] = float32((1-m)*float64(bn.runMean[j]) + m*s1[j])
			if n > 1 {
				bn.runVar[j] = float32((1-m)*float64(bn.runVar[j]) + m*v*float64(n)/float64(n-1))
			}
		}
	} else {
		for j := range bn.mean {
			bn.mean[j] = bn.runMean[j]
			bn.rstd[j] = float32(1 / math.Sqrt(float64(bn.runVar[j])+bn.eps))
		}
	}
	for i := 0; i < n; i++ {
		xr, xh, yr := x[i*c:i*c+c], bn.xhat[i*c:i*c+c], y[i*c:i*c+c]
		for j, v := range xr {
			h := (v - bn.mean[j]) * bn.rstd[j]
			xh[j] = h
			if bn.gamma != nil {
				h = bn.gamma[j]*h + bn.beta[j]
			}
			yr[j] = h
		}
	}
}

// backward adds dx [n, C] (and dγ, dβ) for dy [n, C] of the last forward.
func (bn *batchNorm) backward(dx, dy []float32) {
	n, c := bn.n, bn.C
	if len(dx) < n*c || len(dy) < n*c {
		panic(fmt.Sprintf("model: batchnorm: dx len %d, dy len %d, want %d", len(dx), len(dy), n*c))
	}
	if n == 0 {
		return
	}
	s1, s2 := bn.s1, bn.s2 // Σ dx̂, Σ dx̂⊙x̂
	clear(s1)
	clear(s2)
	for i := 0; i < n; i++ {
		dyr, xh := dy[i*c:i*c+c], bn.xhat[i*c:i*c+c]
		for j, g := range dyr {
			if bn.gamma != nil {
				bn.dbeta[j] += g
				bn.dgamma[j] += g * xh[j]
				g *= bn.gamma[j]
			}
			s1[j] += float64(g)
			s2[j] += float64(g) * float64(xh[j])
		}
	}
	inv := 1 / float32(n)
	for i := 0; i < n; i++ {
		dyr, xh, dxr := dy[i*c:i*c+c], bn.xhat[i*c:i*c+c], dx[i*c:i*c+c]
		for j, g := range dyr {
			if bn.gamma != nil {
				g *= bn.gamma[j]
			}
			if bn.train {
				g = g - inv*float32(s1[j]) - xh[j]*inv*float32(s2[j])
			}
			dxr[j] += bn.rstd[j] * g
		}
	}
}
