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
	n           int       // rows of the last forward
	total       int       // rows of its batch over every slice; 0 in evaluation
	train       bool
	acc         []float64 // [2C+1] sums
	ab          []float32 // [2C] backward's scratch: inv·Σ dx̂, Σ dx̂⊙x̂
	pack        []float32 // [8C] the kernels' per-unit values (packUnits)
	id          []float32 // [2C] zeros, then ones: applyRows' identities
	s           *slab     // sums over the slices of a batch (slab.sum)
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
			xhat: make([]float32, capacity*c), acc: make([]float64, 2*c+1), s: s,
			ab: make([]float32, 2*c), pack: make([]float32, 8*c), id: make([]float32, 2*c)}
		for j := c; j < 2*c; j++ {
			bn.id[j] = 1
		}
		if affine {
			bn.gamma, bn.dgamma = s.w(gID), s.g(gID)
			bn.beta, bn.dbeta = s.w(bID), s.g(bID)
		}
		return bn
	}
}

// forward writes y [n, C] from x [n, C]; train selects batch statistics
// (and updates the running ones). y may be x.
//
// On a replica of a trial cut into slices (parallel.go) the batch is every
// slice's rows: the sums behind μ and σ² are this slice's, added over the
// slices by slab.sum. Every slice must then call forward and backward, even
// with n = 0, or the others wait for it.
func (bn *batchNorm) forward(y, x []float32, n int, train bool) {
	c := bn.C
	if len(x) < n*c || len(y) < n*c || len(bn.xhat) < n*c {
		panic(fmt.Sprintf("model: batchnorm: x len %d, y len %d, want %d (capacity %d)", len(x), len(y), n*c, len(bn.xhat)/max(c, 1)))
	}
	bn.prepare(x, n, train)
	bn.forwardRows(y, bn.xhat, x, n)
}

// prepare sets the statistics of a forward over x [n, C] (mean, rstd, and
// the mode backward differentiates): the batch's with train (and updates
// the running ones), else the running ones. Dice, which normalises in its
// own pass, calls it in place of forward.
func (bn *batchNorm) prepare(x []float32, n int, train bool) {
	bn.n, bn.train, bn.total = n, train, 0
	if train {
		bn.batchStats(x, n)
	}
	if bn.total == 0 { // evaluation, or an empty batch
		bn.evalStats()
	}
}

// evalStats sets mean and rstd from the running statistics.
func (bn *batchNorm) evalStats() {
	for j := range bn.mean {
		bn.mean[j] = bn.runMean[j]
		bn.rstd[j] = float32(1 / math.Sqrt(float64(bn.runVar[j])+bn.eps))
	}
}

// forwardEvalReLU is forward in evaluation mode followed by reluForward,
// in one pass from x straight into y and without keeping x̂: the same bits,
// for scoring. A backward after it needs forward(…, false) first.
func (bn *batchNorm) forwardEvalReLU(y, x []float32, n int) {
	c := bn.C
	if len(x) < n*c || len(y) < n*c {
		panic(fmt.Sprintf("model: batchnorm: x len %d, y len %d, want %d", len(x), len(y), n*c))
	}
	bn.n, bn.train, bn.total = n, false, 0
	bn.evalStats()
	bn.evalReLURows(y, x, n)
}

// batchStats sets mean, rstd and total (the batch's rows) from x [n, C] and
// the other slices' rows, in two passes (the mean, then the squared
// deviations from it, in float64, each a pass over the rows that adds a
// row's values into the units' sums 8 at a time where the kernels run:
// sumRows, sqDevRows), and updates the running statistics.
func (bn *batchNorm) batchStats(x []float32, n int) {
	c := bn.C
	s1 := bn.acc[:c+1] // Σ x, and the row count
	clear(s1)
	sumRows(s1, x, n, c)
	s1[c] = float64(n)
	bn.s.sum(s1)
	total := s1[c]
	if total == 0 {
		return
	}
	bn.total = int(total)
	for j := range c {
		s1[j] /= total
	}
	s2 := bn.acc[c+1 : 2*c+1] // Σ (x − μ)²
	clear(s2)
	sqDevRows(s2, s1, x, n, c)
	bn.s.sum(s2)
	m := bn.mom
	for j := range c {
		v := s2[j] / total
		bn.mean[j] = float32(s1[j])
		bn.rstd[j] = float32(1 / math.Sqrt(v+bn.eps))
		bn.runMean[j] = float32((1-m)*float64(bn.runMean[j]) + m*s1[j])
		if total > 1 {
			bn.runVar[j] = float32((1-m)*float64(bn.runVar[j]) + m*v*total/(total-1))
		}
	}
}

// backward adds dx [n, C] (and dγ, dβ) for dy [n, C] of the last forward.
func (bn *batchNorm) backward(dx, dy []float32) {
	n, c := bn.n, bn.C
	if len(dx) < n*c || len(dy) < n*c {
		panic(fmt.Sprintf("model: batchnorm: dx len %d, dy len %d, want %d", len(dx), len(dy), n*c))
	}
	train := bn.train && bn.total > 0
	if n == 0 && !train {
		return
	}
	s := bn.acc[:2*c] // Σ dx̂, Σ dx̂⊙x̂
	bn.backSums(s, dy, n)
	if !train { // fixed statistics: dx += rstd·dx̂
		for i := 0; i < n; i++ {
			dyr, dxr := dy[i*c:i*c+c], dx[i*c:i*c+c]
			for j, g := range dyr {
				if bn.gamma != nil {
					g *= bn.gamma[j]
				}
				dxr[j] += bn.rstd[j] * g
			}
		}
		return
	}
	bn.s.sum(s) // over every slice of the batch
	inv := 1 / float32(bn.total)
	for j := range c {
		bn.ab[j] = inv * float32(s[j])
		bn.ab[c+j] = float32(s[c+j])
	}
	bn.applyTrain(dx, dy, n, bn.ab, inv)
}
