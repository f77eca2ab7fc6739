package model

import (
	"fmt"
	"math"
)

// Sigmoid and binary cross-entropy, computed from logits z [B] and labels
// y [B] (0 or 1) so that no probability is ever rounded to 0 or 1 first:
//
//	p       = σ(z) = 1/(1+exp(−z))
//	loss_i  = −y·log p − (1−y)·log(1−p) = max(z, 0) − z·y + log(1 + exp(−|z|))
//	dloss/dz = p − y
//
// The training loss of a batch is the mean, so backward takes the scale 1/n.

// bceForward returns Σ_i loss_i over len(z) rows, summed in float64.
func bceForward(z, y []float32) float64 {
	if len(y) < len(z) {
		panic(fmt.Sprintf("model: bce: y len %d, want %d", len(y), len(z)))
	}
	var sum float64
	for i, zi := range z {
		x := float64(zi)
		sum += max(x, 0) - x*float64(y[i]) + math.Log1p(math.Exp(-math.Abs(x)))
	}
	return sum
}

// bceBackward: dz[i] += scale·(σ(z[i]) − y[i]).
func bceBackward(dz, z, y []float32, scale float32) {
	if len(dz) < len(z) || len(y) < len(z) {
		panic(fmt.Sprintf("model: bce: dz len %d, y len %d, want %d", len(dz), len(y), len(z)))
	}
	for i, zi := range z {
		dz[i] += scale * (sigmoid(zi) - y[i])
	}
}

// sigmoid is σ(z) = 1/(1+exp(−z)), evaluated on the side where exp cannot
// overflow.
func sigmoid(z float32) float32 {
	x := float64(z)
	if x >= 0 {
		return float32(1 / (1 + math.Exp(-x)))
	}
	ex := math.Exp(x)
	return float32(ex / (1 + ex))
}

// sigmoidForward: p[i] = σ(z[i]).
func sigmoidForward(p, z []float32) {
	if len(p) < len(z) {
		panic(fmt.Sprintf("model: sigmoid: p len %d, want %d", len(p), len(z)))
	}
	for i, zi := range z {
		p[i] = sigmoid(zi)
	}
}
