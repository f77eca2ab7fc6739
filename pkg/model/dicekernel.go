package model

// The loops of Dice over a row-major block x [n, c], one pass over the
// block each (BatchNorm's, batchnormkernel.go, are built the same way and
// share kernelCols and packUnits). Each comes in two forms: the portable
// loop over columns j0..c−1 of every row (the whole block without the
// kernels, the columns after the last full 8 with them), and the 8-wide
// kernel of dice_amd64.s on the columns before. Per-unit sums accumulate
// across a row in vectors, row after row, in the scalar loop's order; both
// forms make the same float32/float64 operations in the same order without
// fused multiply-adds, so they give the same bits – except the sigmoid,
// whose 8-wide and scalar forms agree to TestSigmoidSlice's tolerance, not
// bit for bit.

// kernelCols is how many leading columns of c the 8-wide kernels do.
func kernelCols(c int) int {
	if gemmUseKernel {
		return c &^ 7
	}
	return 0
}

// packUnits lays out per-unit vectors for the kernels, slots (4 or 8)
// vectors a block of 8 columns: for each block b below cw, vs[0][8b:8b+8],
// vs[1][8b:8b+8], … side by side (the slots past len(vs) left as they are).
func packUnits(pack []float32, cw, slots int, vs ...[]float32) {
	pack = pack[:slots*cw]
	for b := 0; b < cw; b += 8 {
		for q, v := range vs {
			o := slots*b + 8*q
			copy(pack[o:o+8], v[b:b+8])
		}
	}
}

// diceGate writes y [n, c] = Dice(x) for the statistics mean and rstd:
//
//	h = (x − mean)·rstd,  g = σ(h),  y = x·(α + g·(1−α))
//
// and the gates g into p unless p is nil. oma is 1−α; pack, 4c scratch.
func diceGate(y, p, x []float32, n, c int, mean, rstd, alpha, oma, pack []float32) {
	y, x = y[:n*c], x[:n*c]
	cw := 0
	if n > 0 {
		cw = kernelCols(c)
	}
	if cw > 0 {
		packUnits(pack, cw, 4, mean, rstd, alpha, oma)
		var pp *float32
		if p != nil {
			pp = &p[:n*c][0]
		}
		diceGate8(&y[0], pp, &x[0], n, c, cw, &pack[0])
	}
	diceGateCols(y, p, x, n, c, cw, mean, rstd, alpha)
}

func diceGateCols(y, p, x []float32, n, c, j0 int, mean, rstd, alpha []float32) {
	for i := 0; i < n; i++ {
		xr, yr := x[i*c+j0:i*c+c], y[i*c+j0:i*c+c]
		for k, v := range xr {
			j := j0 + k
			g := sigmoid32((v - mean[j]) * rstd[j])
			if p != nil {
				p[i*c+j] = g
			}
			a := alpha[j]
			yr[k] = v * (a + g*(1-a))
		}
	}
}

// diceBack is Dice's backward up to BatchNorm's input gradient: with
// h = (x − mean)·rstd and p the gates of the forward,
//
//	dx += dy·(α + p·(1−α)),   dα += Σ_i dy·x·(1−p),
//	dh  = dy·x·(1−α)·p·(1−p),  s[j] += Σ_i dh,  s[c+j] += Σ_i dh·h   (float64)
func diceBack(dx, dh, da []float32, s []float64, dy, x, p []float32, n, c int, mean, rstd, alpha, oma, pack []float32) {
	dx, dh, dy, x, p, s = dx[:n*c], dh[:n*c], dy[:n*c], x[:n*c], p[:n*c], s[:2*c]
	cw := 0
	if n > 0 {
		cw = kernelCols(c)
	}
	if cw > 0 {
		packUnits(pack, cw, 4, mean, rstd, alpha, oma)
		diceBack8(&dx[0], &dh[0], &da[0], &s[0], &dy[0], &x[0], &p[0], n, c, cw, &pack[0])
	}
	s1, s2 := s[:c], s[c:]
	for i := 0; i < n; i++ {
		for j := cw; j < c; j++ {
			o := i*c + j
			xv, pv, g, a := x[o], p[o], dy[o], alpha[j]
			h := (xv - mean[j]) * rstd[j]
			dx[o] += g * (a + pv*(1-a))
			gx := g * xv
			da[j] += gx * (1 - pv)
			d := gx * (1 - a) * pv * (1 - pv)
			dh[o] = d
			s1[j] += float64(d)
			s2[j] += float64(d) * float64(h)
		}
	}
}
