package model

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// dropout is inverted dropout with rate p over n values (any shape,
// flattened), active only while training:
//
//	train:  keep_j ~ Bernoulli(1−p),  mask_j = keep_j/(1−p),  y_j = mask_j·x_j
//	eval:   y = x   (no rescaling needed: the training mask has mean 1)
//	dx_j += mask_j·dy_j
//
// The masks come from the rng the training step passes in (one PCG stream
// per trial, seeded from Params.Seed), so a trial's masks are reproducible.
// Each 64-bit draw decides two values (32 bits each).
type dropout struct {
	p    float64
	mask []float32 // [capacity values] of the last training forward
	n    int
}

func newDropout(p float64, capacity int) *dropout {
	if p < 0 || p >= 1 {
		panic(fmt.Sprintf("model: dropout: rate %v, want [0, 1)", p))
	}
	return &dropout{p: p, mask: make([]float32, capacity)}
}

// forward writes y from x (len(x) values). rng nil means evaluation: y = x.
func (d *dropout) forward(y, x []float32, rng *rand.Rand) { d.forwardAt(0, y, x, rng) }

// forwardAt is forward for the values [off, off+len(x)) of a forward done
// in pieces, in order: their masks go to mask[off:], and backward covers
// every value up to the last piece's end.
func (d *dropout) forwardAt(off int, y, x []float32, rng *rand.Rand) {
	d.drawAt(off, len(x), rng)
	d.applyAt(off, y, x)
}

// drawAt draws the masks of the values [off, off+n) (all 1 when rng is nil)
// without applying them: a layer that runs its rows in blocks draws its
// masks for the whole batch first, so that they are those one forward over
// the batch would draw.
func (d *dropout) drawAt(off, n int, rng *rand.Rand) {
	if off < 0 || len(d.mask) < off+n {
		panic(fmt.Sprintf("model: dropout: %d values at %d, capacity %d", n, off, len(d.mask)))
	}
	d.n = off + n
	m := d.mask[off : off+n]
	if rng == nil || d.p == 0 {
		for j := range m {
			m[j] = 1
		}
		return
	}
	thr := int64(d.p * (1 << 32))
	scale := math.Float32bits(float32(1 / (1 - d.p)))
	// keep is scale where the 32-bit draw b ≥ thr and 0 otherwise, without a
	// branch (a 20 % drop rate mispredicts one value in five): b − thr is
	// negative exactly when the value is dropped, and its sign fills drop.
	keep := func(b uint32) float32 {
		drop := uint32((int64(b) - thr) >> 63)
		return math.Float32frombits(scale &^ drop)
	}
	j := 0
	for ; j+1 < n; j += 2 {
		u := rng.Uint64()
		m[j], m[j+1] = keep(uint32(u)), keep(uint32(u>>32))
	}
	if j < n {
		m[j] = keep(uint32(rng.Uint64()))
	}
}

// applyAt writes y = mask ⊙ x for the values [off, off+len(x)), whose masks
// drawAt drew.
func (d *dropout) applyAt(off int, y, x []float32) {
	if len(y) < len(x) || off+len(x) > d.n {
		panic(fmt.Sprintf("model: dropout: %d values at %d, y len %d, %d drawn", len(x), off, len(y), d.n))
	}
	m := d.mask[off : off+len(x)]
	for j, v := range x {
		y[j] = v * m[j]
	}
}

// backward: dx[j] += mask[j]·dy[j] over the values of the last forward.
func (d *dropout) backward(dx, dy []float32) {
	n := d.n
	if len(dx) < n || len(dy) < n {
		panic(fmt.Sprintf("model: dropout: dx len %d, dy len %d, want %d", len(dx), len(dy), n))
	}
	for j, m := range d.mask[:n] {
		dx[j] += m * dy[j]
	}
}

// backwardAt is backward for the values [off, off+len(dy)) only.
func (d *dropout) backwardAt(off int, dx, dy []float32) {
	if len(dx) < len(dy) || off+len(dy) > d.n {
		panic(fmt.Sprintf("model: dropout: %d values at %d, dx len %d, last forward %d values", len(dy), off, len(dx), d.n))
	}
	for j, m := range d.mask[off : off+len(dy)] {
		dx[j] += m * dy[j]
	}
}
