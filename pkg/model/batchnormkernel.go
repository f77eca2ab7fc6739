package model

// The loops of BatchNorm over a row-major block [n, c], as Dice's
// (dicekernel.go): the 8-wide kernel of batchnorm_amd64.s on the first
// kernelCols(c) columns, the portable loop on the rest (or on all), the
// same operations in the same order, so the same bits. The kernels cover
// the affine form (every MLP's BatchNorm); without γ and β (only Dice's,
// which has its own pass) the portable loops do all.

// affineCols is how many leading columns the kernels do for n rows.
func (bn *batchNorm) affineCols(n int) int {
	if n == 0 || bn.gamma == nil {
		return 0
	}
	return kernelCols(bn.C)
}

// forwardRows writes x̂ = (x − mean)·rstd into xh and y = γ·x̂ + β (or
// x̂ without affine) into y [n, C]; y may be x.
func (bn *batchNorm) forwardRows(y, xh, x []float32, n int) {
	c := bn.C
	y, xh, x = y[:n*c], xh[:n*c], x[:n*c]
	cw := bn.affineCols(n)
	if cw > 0 {
		packUnits(bn.pack, cw, 4, bn.mean, bn.rstd, bn.gamma, bn.beta)
		bnForward8(&y[0], &xh[0], &x[0], n, c, cw, &bn.pack[0])
	}
	for i := 0; i < n; i++ {
		for j := cw; j < c; j++ {
			o := i*c + j
			h := (x[o] - bn.mean[j]) * bn.rstd[j]
			xh[o] = h
			if bn.gamma != nil {
				h = bn.gamma[j]*h + bn.beta[j]
			}
			y[o] = h
		}
	}
}

// evalReLURows writes y = max(γ·((x − mean)·rstd) + β, 0) (or without
// affine) [n, C].
func (bn *batchNorm) evalReLURows(y, x []float32, n int) {
	c := bn.C
	y, x = y[:n*c], x[:n*c]
	cw := bn.affineCols(n)
	if cw > 0 {
		packUnits(bn.pack, cw, 4, bn.mean, bn.rstd, bn.gamma, bn.beta)
		bnEvalReLU8(&y[0], &x[0], n, c, cw, &bn.pack[0])
	}
	for i := 0; i < n; i++ {
		for j := cw; j < c; j++ {
			o := i*c + j
			h := (x[o] - bn.mean[j]) * bn.rstd[j]
			if bn.gamma != nil {
				h = bn.gamma[j]*h + bn.beta[j]
			}
			y[o] = max(h, 0)
		}
	}
}

// backSums adds dβ += dy and dγ += dy·x̂ (affine) and sets the sums of
// g = dy·γ (dy without affine): s[j] = Σ_i g, s[c+j] = Σ_i g·x̂ in float64.
func (bn *batchNorm) backSums(s []float64, dy []float32, n int) {
	c := bn.C
	s, dy, xh := s[:2*c], dy[:n*c], bn.xhat[:n*c]
	clear(s)
	cw := bn.affineCols(n)
	if cw > 0 {
		packUnits(bn.pack, cw, 4, bn.gamma)
		bnBackSums8(&dy[0], &xh[0], &bn.dgamma[0], &bn.dbeta[0], &s[0], n, c, cw, &bn.pack[0])
	}
	for i := 0; i < n; i++ {
		for j := cw; j < c; j++ {
			o := i*c + j
			g := dy[o]
			if bn.gamma != nil {
				bn.dbeta[j] += g
				bn.dgamma[j] += g * xh[o]
				g *= bn.gamma[j]
			}
			s[j] += float64(g)
			s[c+j] += float64(g) * float64(xh[o])
		}
	}
}

// applyTrain adds dx += rstd·((g − a) − (x̂·inv)·b) for g = dy·γ (dy
// without affine), a = inv·Σg and b = Σg·x̂ (ab = [a, b]).
func (bn *batchNorm) applyTrain(dx, dy []float32, n int, ab []float32, inv float32) {
	c := bn.C
	zeros, ones := bn.id[:c], bn.id[c:2*c]
	gamma := bn.gamma
	if gamma == nil {
		gamma = ones
	}
	applyRows(dx, dy, bn.xhat, n, c, zeros, ones, gamma, bn.rstd, ab[:c], ab[c:2*c], bn.pack, inv)
}

// applyRows is BatchNorm's training backward through the batch statistics,
// for BatchNorm and Dice alike:
//
//	x̂ = (v − shift)·scale,  dx += rstd·((g·γ − a) − (x̂·inv)·b)
//
// with a = inv·Σ g·γ, b = Σ g·γ·x̂ per unit, inv = 1/rows of the batch.
// BatchNorm passes its x̂ as v (shift 0, scale 1), Dice its input
// (shift mean, scale rstd, γ 1): x − 0, x·1 and g·1 are exact, so each
// gets the bits of its own formula. pack is 8C scratch.
func applyRows(dx, g, v []float32, n, c int, shift, scale, gamma, rstd, a, b, pack []float32, inv float32) {
	dx, g, v = dx[:n*c], g[:n*c], v[:n*c]
	cw := 0
	if n > 0 {
		cw = kernelCols(c)
	}
	if cw > 0 {
		packUnits(pack, cw, 8, shift, scale, gamma, rstd, a, b)
		normApply8(&dx[0], &g[0], &v[0], n, c, cw, &pack[0], inv)
	}
	for i := 0; i < n; i++ {
		for j := cw; j < c; j++ {
			o := i*c + j
			h := (v[o] - shift[j]) * scale[j]
			dx[o] += rstd[j] * (g[o]*gamma[j] - a[j] - h*inv*b[j])
		}
	}
}

// sumRows adds Σ_i x[i, j] to s[j] in float64, rows in order.
func sumRows(s []float64, x []float32, n, c int) {
	x, s = x[:n*c], s[:c]
	cw := 0
	if n > 0 {
		cw = kernelCols(c)
	}
	if cw > 0 {
		sumRows8(&s[0], &x[0], n, c, cw)
	}
	for i := 0; i < n; i++ {
		for j, v := range x[i*c+cw : i*c+c] {
			s[cw+j] += float64(v)
		}
	}
}

// sqDevRows adds Σ_i (x[i, j] − mu[j])² to s[j] in float64, rows in order.
func sqDevRows(s, mu []float64, x []float32, n, c int) {
	x, s, mu = x[:n*c], s[:c], mu[:c]
	cw := 0
	if n > 0 {
		cw = kernelCols(c)
	}
	if cw > 0 {
		sqDevRows8(&s[0], &mu[0], &x[0], n, c, cw)
	}
	for i := 0; i < n; i++ {
		for j, v := range x[i*c+cw : i*c+c] {
			d := float64(v) - mu[cw+j]
			s[cw+j] += d * d
		}
	}
}
