package model

import "fmt"

// linear is a dense layer y = x·W + b.
//
//	x [B, I] with row stride ldx (ldx ≥ I)
//	W [I, O] row-major, b [O] (nil: no bias, as in attention projections)
//	y [B, O] contiguous
//
// Both products go through Gemm.
type linear struct {
	I, O   int
	W, b   []float32 // [I*O], [O]: views into the slab
	dW, db []float32
}

// forward: y[i, :] = b + Σ_c x[i, c]·W[c, :] for i < n.
func (l *linear) forward(y []float32, x []float32, ldx, n int) {
	if len(y) < n*l.O {
		panic(fmt.Sprintf("model: linear: y len %d, want %d", len(y), n*l.O))
	}
	beta := float32(1)
	if l.b == nil {
		beta = 0
	} else {
		for i := 0; i < n; i++ {
			copy(y[i*l.O:(i+1)*l.O], l.b)
		}
	}
	Gemm(false, false, n, l.O, l.I, 1, x, ldx, l.W, l.O, beta, y, l.O)
}

// backward differentiates forward's line y = x·W + b given dy [B, O]:
//
//	dW += xᵀ·dy      [I, O]
//	db += Σ_i dy[i, :]   (when there is a bias)
//	dx += dy·Wᵀ      [B, I] with stride ldx; skipped when dx is nil
func (l *linear) backward(dx []float32, dy []float32, x []float32, ldx, n int) {
	if len(dy) < n*l.O {
		panic(fmt.Sprintf("model: linear: dy len %d, want %d", len(dy), n*l.O))
	}
	Gemm(true, false, l.I, l.O, n, 1, x, ldx, dy, l.O, 1, l.dW, l.O)
	for i := 0; l.db != nil && i < n; i++ {
		row := dy[i*l.O : (i+1)*l.O]
		for j, v := range row {
			l.db[j] += v
		}
	}
	if dx != nil {
		Gemm(false, true, n, l.I, l.O, 1, dy, l.O, l.W, l.O, 1, dx, ldx)
	}
}
