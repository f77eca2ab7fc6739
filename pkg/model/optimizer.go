package model

import (
	"fmt"
	"math"
	"strings"
)

// optimizer updates a model's parameter slab from its gradient slab in one
// flat loop. lr is the current learning rate (Train decays it between
// epochs). An optimizer keeps whatever state it needs, sized once at
// construction; step must not allocate.
//
// To add one (momentum, adagrad, rmsprop, adamw): write its type and step
// here and add a case to newOptimizer and a name to optimizerNames.
type optimizer interface {
	step(w, g []float32, lr float64)
}

// optimizerNames are the names newOptimizer knows, in documentation order.
var optimizerNames = []string{"sgd", "adam"}

// Optimizers returns the optimizer names Params.Optimizer accepts.
func Optimizers() []string { return append([]string(nil), optimizerNames...) }

// newOptimizer returns the named optimizer for a slab of n parameters.
func newOptimizer(name string, n int) (optimizer, error) {
	switch name {
	case "sgd":
		return sgd{}, nil
	case "adam":
		return newAdam(n), nil
	}
	return nil, fmt.Errorf("model: unknown optimizer %q (known: %s)", name, strings.Join(optimizerNames, ", "))
}

// sgd is plain gradient descent: w -= lr·g.
type sgd struct{}

func (sgd) step(w, g []float32, lr float64) {
	g = g[:len(w)]
	a := float32(lr)
	for i := range w {
		w[i] -= a * g[i]
	}
}

// adam is Adam (Kingma & Ba) with bias correction, β1 0.9, β2 0.999, ε 1e-8:
//
//	m = β1·m + (1−β1)·g
//	v = β2·v + (1−β2)·g²
//	w -= lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε)
//
// Every parameter is updated every step (dense), as with dense embeddings.
type adam struct {
	m, v        []float32
	t           int
	b1, b2, eps float64
}

func newAdam(n int) *adam {
	return &adam{m: make([]float32, n), v: make([]float32, n), b1: 0.9, b2: 0.999, eps: 1e-8}
}

func (o *adam) step(w, g []float32, lr float64) {
	n := len(w)
	g, m, v := g[:n], o.m[:n], o.v[:n]
	o.t++
	step := float32(lr / (1 - math.Pow(o.b1, float64(o.t))))
	invBC2 := float32(1 / math.Sqrt(1-math.Pow(o.b2, float64(o.t))))
	b1, b2, eps := float32(o.b1), float32(o.b2), float32(o.eps)
	c1, c2 := 1-b1, 1-b2
	for i := range w {
		gi := g[i]
		mi := b1*m[i] + c1*gi
		vi := b2*v[i] + c2*gi*gi
		m[i], v[i] = mi, vi
		w[i] -= step * mi / (float32(math.Sqrt(float64(vi)))*invBC2 + eps)
	}
}
