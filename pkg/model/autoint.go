package model

import (
	"fmt"
	"math/rand/v2"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// autoIntNet is AutoInt (Song et al. 2019): stacked multi-head self-attention
// over the feature embeddings, then one linear layer; `autoint+` adds a
// parallel DNN over the same embeddings and sums the two logits.
//
//	tokens X_0 [B, T, D], T = M + K (+1 with a history):
//	  f_1..f_M          the field embeddings
//	  dense_k·d_k       each dense feature scales its own learnt vector (table "emb_dense" [K, D])
//	  ū                 the mean-pooled history, when the data has one
//	X_l = relu(SelfAttention_l(X_{l−1}))   l = 1..Params.Layers (default 3); heads Params.Heads
//	                                       (default 2), attention dim A = Params.AttentionDim (default
//	                                       64), unscaled scores (AutoInt's), residual: X_{l−1}·Wres
//	                                       when the width changes (l = 1), else X_{l−1}
//	z = flatten(X_L)·W + b                 [T·A → 1]
//	autoint+: z += MLP(flatten(X_0))       Params.Hidden, Activation, BatchNorm, Dropout
//
// Params.Dropout also drops the attention weights and outputs while
// training (FuxiCTR's net_dropout).
type autoIntNet struct {
	s      slab
	cap    int
	in     *inputs
	dvec   []float32 // [K, D] dense feature vectors
	ddvec  []float32
	layers []*selfAttention
	fc     linear
	dnn    *mlp
	T, A   int
	tok    []float32   // [cap, T, D] X_0
	dtok   []float32   // its gradient
	pre    [][]float32 // [Layers][cap·T·A] before relu
	dpre   [][]float32
	out    [][]float32 // [Layers][cap·T·A] X_l
	dout   [][]float32
	zd     []float32 // [cap] the DNN's logits
}

func newAutoInt(ds *dataset.Dataset, p Params, capacity int) (*autoIntNet, error) {
	d := p.EmbedDim
	m := &autoIntNet{cap: capacity}
	in, err := declareInputs(&m.s, ds, p, d, seqOptional)
	if err != nil {
		return nil, err
	}
	heads, a, layers := orInt(p.Heads, 2), orInt(p.AttentionDim, 64), orInt(p.Layers, 3)
	if a%heads != 0 {
		return nil, fmt.Errorf("model: %s: attention dim %d is not a multiple of %d heads", p.Model, a, heads)
	}
	m.A = a
	m.T = in.M + in.K
	if in.seq {
		m.T++
	}
	dID := m.s.add("emb_dense", kindEmbedding, in.K, d)
	var bind []func(int) *selfAttention
	for l := 0; l < layers; l++ {
		w := a
		if l == 0 {
			w = d
		}
		bind = append(bind, declareSelfAttention(&m.s, fmt.Sprintf("att%d_", l+1), m.T, w, a, heads, true, false, 0, p.Dropout))
	}
	fcW, fcB := m.s.add("fc_w", kindWeight, m.T*a, 1), m.s.add("fc_b", kindBias, 1)
	var bindDNN func(int) *mlp
	if p.Model == "autoint+" {
		bindDNN = declareMLP(&m.s, "mlp_", m.T*d, mainMLPOpts(p, "relu"))
	}
	m.s.alloc()
	m.in = in
	in.bind(&m.s, capacity)
	m.dvec, m.ddvec = m.s.w(dID), m.s.g(dID)
	for _, b := range bind {
		m.layers = append(m.layers, b(capacity))
		m.pre = append(m.pre, make([]float32, capacity*m.T*a))
		m.dpre = append(m.dpre, make([]float32, capacity*m.T*a+attSlack(a))) // read in place by the attention's backward
		m.out = append(m.out, make([]float32, capacity*m.T*a))
		m.dout = append(m.dout, make([]float32, capacity*m.T*a))
	}
	m.fc = linear{I: m.T * a, O: 1, W: m.s.w(fcW), b: m.s.w(fcB), dW: m.s.g(fcW), db: m.s.g(fcB)}
	if bindDNN != nil {
		m.dnn = bindDNN(capacity)
		m.zd = make([]float32, capacity)
	}
	m.tok = make([]float32, capacity*m.T*d)
	m.dtok = make([]float32, capacity*m.T*d)
	return m, nil
}

func (m *autoIntNet) params() *slab { return &m.s }
func (m *autoIntNet) capacity() int { return m.cap }

func (m *autoIntNet) forward(ds *dataset.Dataset, rows []int32, z []float32, rng *rand.Rand) {
	n := len(rows)
	if n > m.cap || len(z) < n {
		panic(fmt.Sprintf("model: autoint: %d rows, %d logits, capacity %d", n, len(z), m.cap))
	}
	in := m.in
	d, T, ld := in.D, m.T, m.T*in.D
	in.load(ds, rows)
	in.fields(m.tok, ld)
	for i := 0; i < n; i++ {
		for k := 0; k < in.K; k++ {
			t := m.tok[i*ld+(in.M+k)*d : i*ld+(in.M+k+1)*d]
			x := in.dense[i*in.K+k]
			for c, v := range m.dvec[k*d : k*d+d] {
				t[c] = x * v
			}
		}
	}
	if in.seq {
		in.history()
		in.meanPool(m.tok[(T-1)*d:], ld)
	}
	// Layer by layer within blocks of rows (rows are independent): a block
	// goes through every layer while its activations are still in cache.
	x := m.tok
	for l, sa := range m.layers {
		sa.begin(m.pre[l], x, nil, n, rng)
		x = m.out[l]
	}
	nb := m.layers[0].blockRows()
	for i0 := 0; i0 < n; i0 += nb {
		i1 := min(i0+nb, n)
		x := m.tok
		for l, sa := range m.layers {
			sa.forwardBlock(m.pre[l], x, i0, i1)
			reluForward(m.out[l][i0*T*m.A:i1*T*m.A], m.pre[l][i0*T*m.A:i1*T*m.A])
			x = m.out[l]
		}
	}
	m.fc.forward(z, x, T*m.A, n)
	if m.dnn != nil {
		m.dnn.forward(m.zd, m.tok, n, rng)
		for i, v := range m.zd[:n] {
			z[i] += v
		}
	}
}

func (m *autoIntNet) backward(dz []float32) {
	in := m.in
	n := in.n
	d, T, ld := in.D, m.T, m.T*in.D
	w := n * T * m.A
	last := len(m.layers) - 1
	clear(m.dout[last][:w])
	m.fc.backward(m.dout[last], dz, m.out[last], T*m.A, n)
	// Each layer writes its input's gradient (no clearing first): dpre from
	// dout through the ReLU, dout[l−1] (or dtok) from dpre through the
	// attention; block by block of rows, through every layer, as forward.
	for _, sa := range m.layers {
		sa.beginBackward()
	}
	nb := m.layers[0].blockRows()
	for i0 := 0; i0 < n; i0 += nb {
		r0, r1 := i0*T*m.A, min(i0+nb, n)*T*m.A
		for l := last; l >= 0; l-- {
			reluBackwardSet(m.dpre[l][r0:r1], m.dout[l][r0:r1], m.pre[l][r0:r1])
			dx := m.dtok
			if l > 0 {
				dx = m.dout[l-1]
			}
			m.layers[l].backwardBlock(dx, m.dpre[l], i0, min(i0+nb, n), true)
		}
	}
	for _, sa := range m.layers {
		sa.endBackward()
	}
	if m.dnn != nil {
		m.dnn.backward(m.dtok, dz)
	}
	for i := 0; i < n; i++ {
		for k := 0; k < in.K; k++ {
			g := m.dtok[i*ld+(in.M+k)*d : i*ld+(in.M+k+1)*d]
			axpy(m.ddvec[k*d:k*d+d], in.dense[i*in.K+k], g)
		}
	}
	in.fieldsBackward(m.dtok, ld)
	if in.seq {
		in.meanPoolBackward(m.dtok[(T-1)*d:], ld)
		in.historyBackward()
	}
}

// attention: per layer and head, the attention each token receives,
// averaged over the T queries; items are the token indices (fields in
// schema order, then dense features, then the pooled history).
func (m *autoIntNet) attention(i int) ([]int32, [][]float32) {
	T := m.T
	items := make([]int32, T)
	for j := range items {
		items[j] = int32(j)
	}
	var ws [][]float32
	for _, sa := range m.layers {
		for h := 0; h < sa.H; h++ {
			w := make([]float32, T)
			for q := 0; q < T; q++ {
				for j, v := range sa.weights(i, h, q) {
					w[j] += v / float32(T)
				}
			}
			ws = append(ws, w)
		}
	}
	return items, ws
}
