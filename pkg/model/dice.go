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
type dice struct {
	C         int
	bn        *batchNorm
	alpha, da []float32 // [C]
	p         []float32 // [cap, C] gate of the last forward
	dxhat     []float32 // [cap, C] scratch
	n         int
}

func declareDice(s *slab, prefix string, c int) func(capacity int) *dice {
	bindBN := declareBatchNorm(s, prefix+"bn_", c, false, 1e-9)
	aID := s.add(prefix+"alpha", kindBias, c)
	return func(capacity int) *dice {
		return &dice{C: c, bn: bindBN(capacity), alpha: s.w(aID), da: s.g(aID),
			p: make([]float32, capacity*c), dxhat: make([]float32, capacity*c)}
	}
}

// forward writes y [n, C] from x [n, C] (y must not be x).
func (dc *dice) forward(y, x []float32, n int, train bool) {
	c := dc.C
	if len(y) < n*c || len(dc.p) < n*c {
		panic(fmt.Sprintf("model: dice: y len %d, want %d (capacity %d)", len(y), n*c, len(dc.p)/max(c, 1)))
	}
	dc.n = n
	p := dc.p[:n*c]
	dc.bn.forward(p, x, n, train)
	sigmoidSlice(p, p) // the gates, eight at a time where the CPU can
	for i := 0; i < n; i++ {
		pr, xr, yr := p[i*c:i*c+c], x[i*c:i*c+c], y[i*c:i*c+c]
		for j, g := range pr {
			a := dc.alpha[j]
			yr[j] = xr[j] * (a + g*(1-a))
		}
	}
}

// backward adds dx [n, C] and dα for dy [n, C]; x is the forward's input.
func (dc *dice) backward(dx, dy, x []float32) {
	n, c := dc.n, dc.C
	if len(dx) < n*c || len(dy) < n*c || len(x) < n*c {
		panic(fmt.Sprintf("model: dice: dx len %d, dy len %d, x len %d, want %d", len(dx), len(dy), len(x), n*c))
	}
	dxh := dc.dxhat[:n*c]
	for i := 0; i < n; i++ {
		pr, xr, dyr, dxr, dhr := dc.p[i*c:i*c+c], x[i*c:i*c+c], dy[i*c:i*c+c], dx[i*c:i*c+c], dxh[i*c:i*c+c]
		for j, g := range dyr {
			p, a, xv := pr[j], dc.alpha[j], xr[j]
			dxr[j] += g * (a + p*(1-a))
			dc.da[j] += g * xv * (1 - p)
			dhr[j] = g * xv * (1 - a) * p * (1 - p)
		}
	}
	dc.bn.backward(dx, dxh)
}
