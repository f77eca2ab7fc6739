package model

import (
	"fmt"
	"math/rand/v2"
)

// mlp is a feed-forward tower over a contiguous input x [B, In], each hidden
// layer as FuxiCTR's MLP block (Linear → BatchNorm → activation → dropout):
//
//	h_0 = x
//	a_k = h_{k−1}·W_k + b_k                 k = 1..len(hidden)
//	c_k = BatchNorm(a_k)                    (mlpOpts.BatchNorm; else c_k = a_k)
//	g_k = relu(c_k) or dice(c_k)            (mlpOpts.Act)
//	h_k = dropout(g_k)                      (mlpOpts.Dropout, training only; else h_k = g_k)
//	z   = h_last·W_out + b_out              [B, 1]
//
// Buffers are sized once for the model's capacity of B rows.
type mlp struct {
	In      int
	opts    mlpOpts
	layers  []mlpLayer
	out     linear
	widths  []int // In, H_1, ..., H_last
	n       int
	x       []float32 // input of the last forward (a view; nil after forwardPre)
	train   bool      // the last forward was a training one
	fromPre bool      // the last forward was forwardPre: layer 1's linear map is the caller's
}

// mlpOpts are the options of an MLP's hidden layers.
type mlpOpts struct {
	Hidden    []int
	Act       string // "relu" (also for "") or "dice"
	BatchNorm bool
	Dropout   float64
}

// mlpLayer is one hidden layer and the buffers of its stages [cap, H]; a
// stage that is off (no BatchNorm, no dropout) shares the previous buffer.
type mlpLayer struct {
	lin    linear
	bn     *batchNorm // nil without BatchNorm
	dc     *dice      // nil for relu
	drop   *dropout   // nil without dropout
	a, da  []float32  // linear output
	c, dc_ []float32  // BatchNorm output (= a without BatchNorm)
	g, dg  []float32  // activation output
	h, dh  []float32  // dropout output (= g without dropout)
}

// declareMLP declares the MLP's tensors in s (named prefix+"w1", "b1",
// "bn1_…", "dice1_…", …, "w_out", "b_out") and returns a binder to call after
// s.alloc().
func declareMLP(s *slab, prefix string, in int, o mlpOpts) func(capacity int) *mlp {
	if o.Act != "" && o.Act != "relu" && o.Act != "dice" {
		panic(fmt.Sprintf("model: mlp: activation %q", o.Act))
	}
	type ids struct {
		w, b int
		bn   func(int) *batchNorm
		dc   func(int) *dice
	}
	var layers []ids
	widths := append([]int{in}, o.Hidden...)
	for k, h := range o.Hidden {
		l := ids{
			w: s.add(fmt.Sprintf("%sw%d", prefix, k+1), kindWeight, widths[k], h),
			b: s.add(fmt.Sprintf("%sb%d", prefix, k+1), kindBias, h),
		}
		if o.BatchNorm {
			l.bn = declareBatchNorm(s, fmt.Sprintf("%sbn%d_", prefix, k+1), h, true, 1e-5)
		}
		if o.Act == "dice" {
			l.dc = declareDice(s, fmt.Sprintf("%sdice%d_", prefix, k+1), h)
		}
		layers = append(layers, l)
	}
	last := widths[len(widths)-1]
	wOut, bOut := s.add(prefix+"w_out", kindWeight, last, 1), s.add(prefix+"b_out", kindBias, 1)
	return func(capacity int) *mlp {
		m := &mlp{In: in, opts: o, widths: widths}
		for k, id := range layers {
			h := o.Hidden[k]
			buf := func() []float32 { return make([]float32, capacity*h) }
			l := mlpLayer{lin: linear{I: widths[k], O: h, W: s.w(id.w), b: s.w(id.b), dW: s.g(id.w), db: s.g(id.b)}}
			l.a, l.da = buf(), buf()
			l.c, l.dc_ = l.a, l.da
			if id.bn != nil {
				l.bn = id.bn(capacity)
				l.c, l.dc_ = buf(), buf()
			}
			if id.dc != nil {
				l.dc = id.dc(capacity)
			}
			l.g, l.dg = buf(), buf()
			l.h, l.dh = l.g, l.dg
			if o.Dropout > 0 {
				l.drop = newDropout(o.Dropout, capacity*h)
				l.h, l.dh = buf(), buf()
			}
			m.layers = append(m.layers, l)
		}
		m.out = linear{I: last, O: 1, W: s.w(wOut), b: s.w(bOut), dW: s.g(wOut), db: s.g(bOut)}
		return m
	}
}

// forward computes z [n] from x [n, In]. rng is the training step's dropout
// randomness; nil means evaluation (running BatchNorm statistics, no
// dropout: its stage is skipped, not copied through).
func (m *mlp) forward(z []float32, x []float32, n int, rng *rand.Rand) {
	m.fromPre = false
	m.run(z, x, n, rng)
}

// forwardPre is forward for a caller that computes the first hidden layer's
// linear map itself (DIN splits it by the blocks of its input): before the
// call, the first n rows of pre() hold a_1 = x·W_1 + b_1, bias included.
// BatchNorm, the activation and the later layers run as in forward. W_1
// and b_1 are the caller's to differentiate: backward then stops at da_1
// (in dpre()) and adds nothing into their gradients.
func (m *mlp) forwardPre(z []float32, n int, rng *rand.Rand) {
	if len(m.layers) == 0 {
		panic("model: mlp: forwardPre without a hidden layer")
	}
	m.fromPre = true
	m.run(z, nil, n, rng)
}

// pre is the first hidden layer's pre-activation a_1 [cap, H_1]: forwardPre's input.
func (m *mlp) pre() []float32 { return m.layers[0].a }

// dpre is the gradient w.r.t. a_1 [cap, H_1], valid after a backward.
func (m *mlp) dpre() []float32 { return m.layers[0].da }

// run is forward from x, or from a_1 when m.fromPre is set.
func (m *mlp) run(z []float32, x []float32, n int, rng *rand.Rand) {
	m.n, m.x, m.train = n, x, rng != nil
	in := x
	for k := range m.layers {
		l := &m.layers[k]
		w := l.lin.O
		if k > 0 || !m.fromPre {
			l.lin.forward(l.a, in, l.lin.I, n)
		}
		if l.bn != nil && l.dc == nil && !m.train {
			// Evaluation: BatchNorm and ReLU in one pass straight into g
			// (backward, if one follows, recomputes c: backwardEval).
			l.bn.forwardEvalReLU(l.g[:n*w], l.a[:n*w], n)
			in = l.g
			continue
		}
		if l.bn != nil {
			l.bn.forward(l.c, l.a, n, m.train)
		}
		if l.dc != nil {
			l.dc.forward(l.g[:n*w], l.c[:n*w], n, m.train)
		} else {
			reluForward(l.g[:n*w], l.c[:n*w])
		}
		if l.drop != nil && m.train {
			l.drop.forward(l.h[:n*w], l.g[:n*w], rng)
		}
		in, _ = l.output(m.train)
	}
	m.out.forward(z, in, m.out.I, n)
}

// output returns the layer's output and its gradient: after dropout while
// training, else the activation's.
func (l *mlpLayer) output(train bool) (h, dh []float32) {
	if train && l.drop != nil {
		return l.h, l.dh
	}
	return l.g, l.dg
}

// backward adds the parameter gradients for dz [n] and adds dx [n, In]
// (skipped when dx is nil), using the saved stages of the last forward
// (in its mode). After forwardPre it stops at da_1 (dpre), and dx must be nil.
func (m *mlp) backward(dx []float32, dz []float32) {
	if m.fromPre && dx != nil {
		panic("model: mlp: backward after forwardPre has no dx")
	}
	n := m.n
	for k := range m.layers {
		// Clear only the buffers backward adds into, once each (stages
		// that are off share a buffer): the layer's output gradient (the
		// layer above or the output layer adds into it), dropout's,
		// Dice's and BatchNorm's inputs' gradients. ReLU sets its own.
		l := &m.layers[k]
		w := l.lin.O
		_, dout := l.output(m.train)
		clear(dout[:n*w])
		if l.drop != nil && m.train {
			clear(l.dg[:n*w])
		}
		if l.dc != nil {
			clear(l.dc_[:n*w])
		}
		if l.bn != nil {
			clear(l.da[:n*w])
		}
	}
	last := len(m.layers) - 1
	in, dlast := m.x, dx
	if last >= 0 {
		in, dlast = m.layers[last].output(m.train)
	}
	m.out.backward(dlast, dz, in, m.out.I, n)
	for k := last; k >= 0; k-- {
		l := &m.layers[k]
		w := l.lin.O
		if l.drop != nil && m.train {
			l.drop.backward(l.dg[:n*w], l.dh[:n*w])
		}
		if l.bn != nil && l.dc == nil && !m.train { // forward skipped c and x̂
			l.bn.forward(l.c, l.a, n, false)
		}
		if l.dc != nil {
			l.dc.backward(l.dc_[:n*w], l.dg[:n*w], l.c[:n*w])
		} else {
			reluBackwardSet(l.dc_[:n*w], l.dg[:n*w], l.c[:n*w])
		}
		if l.bn != nil {
			l.bn.backward(l.da[:n*w], l.dc_[:n*w])
		}
		if k == 0 && m.fromPre {
			break // the caller's linear map
		}
		in, din := m.x, dx
		if k > 0 {
			in, din = m.layers[k-1].output(m.train)
		}
		l.lin.backward(din, l.da, in, l.lin.I, n)
	}
}
