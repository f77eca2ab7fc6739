package model

import (
	"fmt"
	"math"
	"strings"
)

// optimizer updates a model's trainable parameters from their gradients.
// One training step is begin(lr) (lr is the current learning rate: Train
// decays it between epochs), then update over each range of parameters the
// step changes: the whole slab but the embedding rows the batch did not use
// (see sparse.go). An optimizer keeps whatever per-parameter state it needs,
// sized once at construction and indexed by slab offset (off is w[0]'s);
// neither method allocates.
//
// To add one: write its type, begin and update here, add a case to
// newOptimizer and a name to optimizerNames, and test one hand-computed step.
type optimizer interface {
	begin(lr float64)
	update(w, g []float32, off int)
}

// optimizerNames are the names newOptimizer knows, in documentation order.
var optimizerNames = []string{"sgd", "momentum", "adagrad", "rmsprop", "adam", "adamw"}

// Optimizers returns the optimizer names Params.Optimizer accepts.
func Optimizers() []string { return append([]string(nil), optimizerNames...) }

// Optimizer defaults, used where the Params field is zero.
const (
	DefaultMomentum    = 0.9   // momentum
	DefaultBeta1       = 0.9   // adam, adamw
	DefaultBeta2       = 0.999 // adam, adamw
	DefaultRMSDecay    = 0.99  // rmsprop's decay of the squared-gradient average (Params.Beta2)
	DefaultAdamEps     = 1e-8  // adam, adamw, rmsprop
	DefaultAdagradEps  = 1e-10 // adagrad
	DefaultWeightDecay = 0.01  // adamw
)

// newOptimizer returns the optimizer p.Optimizer for n trainable parameters,
// with p's Momentum, Beta1, Beta2, Eps and WeightDecay where they are set.
func newOptimizer(p Params, n int) (optimizer, error) {
	or := func(v, def float64) float64 {
		if v == 0 {
			return def
		}
		return v
	}
	switch p.Optimizer {
	case "sgd":
		return &sgd{}, nil
	case "momentum":
		return &momentum{mu: or(p.Momentum, DefaultMomentum), buf: make([]float32, n)}, nil
	case "adagrad":
		return &adagrad{eps: or(p.Eps, DefaultAdagradEps), sum: make([]float32, n)}, nil
	case "rmsprop":
		return &rmsprop{rho: or(p.Beta2, DefaultRMSDecay), eps: or(p.Eps, DefaultAdamEps), sq: make([]float32, n)}, nil
	case "adam", "adamw":
		o := newAdam(n)
		o.b1, o.b2, o.eps = or(p.Beta1, DefaultBeta1), or(p.Beta2, DefaultBeta2), or(p.Eps, DefaultAdamEps)
		if p.Optimizer == "adamw" {
			o.wd = or(p.WeightDecay, DefaultWeightDecay)
		}
		return o, nil
	}
	return nil, fmt.Errorf("model: unknown optimizer %q (known: %s)", p.Optimizer, strings.Join(optimizerNames, ", "))
}

// sgd is plain gradient descent: w -= lr·g.
type sgd struct{ a float32 }

func (o *sgd) begin(lr float64) { o.a = float32(lr) }

func (o *sgd) update(w, g []float32, _ int) {
	g = g[:len(w)]
	a := o.a
	for i := range w {
		w[i] -= a * g[i]
	}
}

// momentum is heavy-ball SGD (PyTorch's SGD with momentum μ, no dampening):
//
//	b = μ·b + g
//	w -= lr·b
type momentum struct {
	mu  float64
	buf []float32
	a   float32
}

func (o *momentum) begin(lr float64) { o.a = float32(lr) }

func (o *momentum) update(w, g []float32, off int) {
	n := len(w)
	g, b := g[:n], o.buf[off:off+n]
	mu, a := float32(o.mu), o.a
	for i := range w {
		bi := mu*b[i] + g[i]
		b[i] = bi
		w[i] -= a * bi
	}
}

// adagrad accumulates squared gradients (initial accumulator 0):
//
//	s += g²
//	w -= lr·g/(√s + ε)
type adagrad struct {
	eps float64
	sum []float32
	a   float32
}

func (o *adagrad) begin(lr float64) { o.a = float32(lr) }

func (o *adagrad) update(w, g []float32, off int) {
	n := len(w)
	g, s := g[:n], o.sum[off:off+n]
	a, eps := o.a, float32(o.eps)
	for i := range w {
		gi := g[i]
		si := s[i] + gi*gi
		s[i] = si
		w[i] -= a * gi / (float32(math.Sqrt(float64(si))) + eps)
	}
}

// rmsprop keeps a decaying average of squared gradients, with decay ρ
// (Params.Beta2, default 0.99, PyTorch's alpha) and ε (Params.Eps, default
// 1e-8) outside the root:
//
//	s = ρ·s + (1−ρ)·g²
//	w -= lr·g/(√s + ε)
type rmsprop struct {
	rho, eps float64
	sq       []float32
	a        float32
}

func (o *rmsprop) begin(lr float64) { o.a = float32(lr) }

func (o *rmsprop) update(w, g []float32, off int) {
	n := len(w)
	g, s := g[:n], o.sq[off:off+n]
	rho, a, eps := float32(o.rho), o.a, float32(o.eps)
	c := 1 - rho
	for i := range w {
		gi := g[i]
		si := rho*s[i] + c*gi*gi
		s[i] = si
		w[i] -= a * gi / (float32(math.Sqrt(float64(si))) + eps)
	}
}

// adam is Adam (Kingma & Ba) with bias correction, β1 0.9, β2 0.999, ε 1e-8
// by default (Params.Beta1, Beta2, Eps override them):
//
//	m = β1·m + (1−β1)·g
//	v = β2·v + (1−β2)·g²
//	w -= lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε)
//
// With wd > 0 it is AdamW (Loshchilov & Hutter): the weight decay is
// decoupled from the gradient and applied first, w -= lr·wd·w, then the Adam
// step above (PyTorch's AdamW; default wd 0.01). It decays every trainable
// parameter, embeddings and biases included.
type adam struct {
	m, v            []float32
	t               int
	b1, b2, eps, wd float64
	// this step's constants (begin)
	step, invBC2, decay float32
	k                   [7]float32 // for adamVec8: β1, 1−β1, β2, 1−β2, step, invBC2, ε
}

func newAdam(n int) *adam {
	return &adam{m: make([]float32, n), v: make([]float32, n), b1: DefaultBeta1, b2: DefaultBeta2, eps: DefaultAdamEps}
}

func (o *adam) begin(lr float64) {
	o.t++
	o.step = float32(lr / (1 - math.Pow(o.b1, float64(o.t))))
	o.invBC2 = float32(1 / math.Sqrt(1-math.Pow(o.b2, float64(o.t))))
	o.decay = 1 - float32(lr*o.wd)
	b1, b2 := float32(o.b1), float32(o.b2)
	o.k = [7]float32{b1, 1 - b1, b2, 1 - b2, o.step, o.invBC2, float32(o.eps)}
}

func (o *adam) update(w, g []float32, off int) {
	n := len(w)
	g, m, v := g[:n], o.m[off:off+n], o.v[off:off+n]
	step, invBC2, decay := o.step, o.invBC2, o.decay
	b1, b2, eps := float32(o.b1), float32(o.b2), float32(o.eps)
	c1, c2 := 1-b1, 1-b2
	i0 := 0
	if o.wd == 0 && gemmUseKernel && n >= 8 {
		// 8 at a time (vec_amd64.s): the same formula with FMA where it
		// multiplies and adds, so the last bit may differ from the loop's.
		i0 = n &^ 7
		adamVec8(&w[0], &g[0], &m[0], &v[0], i0, &o.k)
	}
	for i := i0; i < n; i++ {
		if o.wd != 0 {
			w[i] *= decay
		}
		gi := g[i]
		mi := b1*m[i] + c1*gi
		vi := b2*v[i] + c2*gi*gi
		m[i], v[i] = mi, vi
		w[i] -= step * mi / (float32(math.Sqrt(float64(vi)))*invBC2 + eps)
	}
}
