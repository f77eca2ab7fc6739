package model

import "fmt"

// dice is DIN's data-adaptive activation (Zhou et al. 2018) over x [n, C]:
//
//	x̂ = BatchNorm(x) without scale and shift (ε 1e-9; batch statistics
//	    while training, running ones in evaluation)
//	p = σ(x̂)
//	y = p·x + (1−p)·α·x = x·(α + p·(1−α))        α [C] learnt, init 0
//
// Backward:
//
//	dx  += dy·(α + p·(1−α))            (direct path)
//	dα  += Σ_i dy·x·(1−p)
//	dp   = dy·x·(1−α),  dx̂ = dp·p·(1−p),  dx += BatchNorm backward of dx̂
//
// The normalisation, the gate and the product are one pass over x with the
// per-unit mean and 1/√(σ²+ε) (diceGate, 8 units at a time where the
// kernels run); x̂ is never stored: backward recomputes it from x, the
// same bits. Its BatchNorm keeps the statistics (batchNorm.prepare) and
// lends its scratch; the backward passes are diceBack (dicekernel.go) and
// applyRows (batchnormkernel.go).
type dice struct {
	C         int
	bn        *batchNorm // statistics only: its forward and backward are not used
	alpha, da []float32  // [C]
	oma       []float32  // [C] 1−α of the last forward
	p         []float32  // [cap, C] gates of the last training forward
	dh        []float32  // [cap, C] scratch: dx̂
	n         int
	train     bool
}

func declareDice(s *slab, prefix string, c int) func(capacity int) *dice {
	bindBN := declareBatchNorm(s, prefix+"bn_", c, false, 1e-9)
	aID := s.add(prefix+"alpha", kindBias, c)
	return func(capacity int) *dice {
		return &dice{C: c, bn: bindBN(0), alpha: s.w(aID), da: s.g(aID), oma: make([]float32, c),
			p: make([]float32, capacity*c), dh: make([]float32, capacity*c)}
	}
}

// forward writes y [n, C] from x [n, C] (y must not be x). In evaluation it
// keeps no gates: a backward after it recomputes them.
func (dc *dice) forward(y, x []float32, n int, train bool) {
	c := dc.C
	if len(y) < n*c || len(x) < n*c || len(dc.p) < n*c {
		panic(fmt.Sprintf("model: dice: y len %d, x len %d, want %d (capacity %d)", len(y), len(x), n*c, len(dc.p)/max(c, 1)))
	}
	dc.n, dc.train = n, train
	dc.bn.prepare(x, n, train)
	for j, a := range dc.alpha {
		dc.oma[j] = 1 - a
	}
	var p []float32
	if train {
		p = dc.p
	}
	diceGate(y, p, x, n, c, dc.bn.mean, dc.bn.rstd, dc.alpha, dc.oma, dc.bn.pack)
}

// backward adds dx [n, C] and dα for dy [n, C]; x is the forward's input.
// After a training forward every slice of the batch must call it (the
// statistics' gradient sums are the batch's: slab.sum).
func (dc *dice) backward(dx, dy, x []float32) {
	n, c, bn := dc.n, dc.C, dc.bn
	if len(dx) < n*c || len(dy) < n*c || len(x) < n*c {
		panic(fmt.Sprintf("model: dice: dx len %d, dy len %d, x len %d, want %d", len(dx), len(dy), len(x), n*c))
	}
	if !dc.train { // the gates of the evaluation forward, again
		diceGate(dc.dh, dc.p, x, n, c, bn.mean, bn.rstd, dc.alpha, dc.oma, bn.pack)
	}
	s := bn.acc[:2*c] // Σ dx̂, Σ dx̂⊙x̂
	clear(s)
	diceBack(dx, dc.dh, dc.da, s, dy, x, dc.p, n, c, bn.mean, bn.rstd, dc.alpha, dc.oma, bn.pack)
	if !bn.train || bn.total == 0 { // fixed statistics: dx += rstd·dx̂
		for i := 0; i < n; i++ {
			dxr, dhr := dx[i*c:i*c+c], dc.dh[i*c:i*c+c]
			for j, d := range dhr {
				dxr[j] += bn.rstd[j] * d
			}
		}
		return
	}
	bn.s.sum(s) // over every slice of the batch
	inv := 1 / float32(bn.total)
	a, b := bn.ab[:c], bn.ab[c:2*c]
	for j := range a {
		a[j] = inv * float32(s[j])
		b[j] = float32(s[c+j])
	}
	applyRows(dx, dc.dh, x, n, c, bn.mean, bn.rstd, bn.id[c:2*c], bn.rstd, a, b, bn.pack, inv)
}
