package model

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// dotNet is the `dot` model (README, "Models"), dot-product target attention over
// the history, and `meanpool`, the same network with the attention replaced
// by a plain mean (the "no attention" baseline: any gain of dot over
// meanpool is the attention's).
//
//	f_1..f_M   embeddings of the categorical fields, [B, D] each
//	v          = [f_t1 … f_tS], the candidate: the target fields of the S
//	           history columns (inputs.go), H = S·D values
//	e_j        history positions, looked up in the same tables as v, [B, L, H]
//	dot:       q = v, k_j = e_j, A = H       (the default)
//	           q = v·Wq, k_j = e_j·Wk        (Params.AttentionDim = A > 0: Wq, Wk [H, A], no bias)
//	           a_j = c·(q·k_j) over j < len, c = 1/√A, or e^θ/√A with a learnt θ
//	           (Params.DotTemperature, θ starts at 0), w = softmax(a)
//	meanpool:  w_j = 1/len
//	u   = Σ_j w_j·e_j  (u = 0 for an empty history)
//	z   = MLP(x),  x = concat[f_1..f_M, dense_1..dense_K, u, v⊙u]   [B, Din], Din = M·D + K + 2H
//
// The values stay the history embeddings in either form, so that u and
// v⊙u mean what they mean without projections. The layers write straight
// into their slots of x, and read their gradients from the same slots of dx:
//
//	x[i] = | f_1 … f_M (M·D) | dense (K) | u (H) | v⊙u (H) |      v is gathered from the f_t slots
type dotNet struct {
	s       slab
	in      *inputs
	att     *attention // nil for meanpool
	mlp     *mlp
	din     int
	uOff    int
	vuOff   int
	cap     int
	x, dx   []float32 // [cap, Din]
	w       []float32 // [cap, L] attention weights
	uniform bool      // meanpool

	wq, wk *linear   // projections (Params.AttentionDim); nil without
	q, dq  []float32 // [cap, A]
	k, dk  []float32 // [cap·L, A]
	theta  []float32 // [1] log temperature (Params.DotTemperature); nil without
	dtheta []float32
}

func newDot(ds *dataset.Dataset, p Params, capacity int) (*dotNet, error) {
	d := p.EmbedDim
	m := &dotNet{cap: capacity, uniform: p.Model == "meanpool"}
	in, err := declareInputs(&m.s, ds, p, d, seqRequired)
	if err != nil {
		return nil, err
	}
	h := in.H
	m.din = in.M*d + in.K + 2*h
	m.uOff = in.M*d + in.K
	m.vuOff = m.uOff + h
	a := h
	qID, kID, tID := -1, -1, -1
	if !m.uniform && p.AttentionDim > 0 {
		a = p.AttentionDim
		qID = m.s.add("att_wq", kindWeight, h, a)
		kID = m.s.add("att_wk", kindWeight, h, a)
	}
	if !m.uniform && p.DotTemperature {
		tID = m.s.add("att_log_temperature", kindBias, 1)
	}
	bindMLP := declareMLP(&m.s, "mlp_", m.din, mainMLPOpts(p, "relu"))
	m.s.alloc()
	m.in = in
	in.bind(&m.s, capacity)
	m.mlp = bindMLP(capacity)
	if !m.uniform {
		m.att = newAttentionQK(h, a, in.L)
		m.w = make([]float32, capacity*in.L)
	}
	if qID >= 0 {
		m.wq = &linear{I: h, O: a, W: m.s.w(qID), dW: m.s.g(qID)}
		m.wk = &linear{I: h, O: a, W: m.s.w(kID), dW: m.s.g(kID)}
		m.q, m.dq = make([]float32, capacity*a), make([]float32, capacity*a)
		m.k, m.dk = make([]float32, capacity*in.L*a), make([]float32, capacity*in.L*a)
	}
	if tID >= 0 {
		m.theta, m.dtheta = m.s.w(tID), m.s.g(tID)
	}
	m.x = make([]float32, capacity*m.din)
	m.dx = make([]float32, capacity*m.din)
	return m, nil
}

func (m *dotNet) params() *slab { return &m.s }
func (m *dotNet) capacity() int { return m.cap }

func (m *dotNet) forward(ds *dataset.Dataset, rows []int32, z []float32, rng *rand.Rand) {
	n := len(rows)
	if n > m.cap || len(z) < n {
		panic(fmt.Sprintf("model: dot: %d rows, %d logits, capacity %d", n, len(z), m.cap))
	}
	in := m.in
	h, din := in.H, m.din
	in.load(ds, rows)
	in.fields(m.x, din)
	in.denseTo(m.x, din, in.M*in.D)
	in.history()
	in.dropEmbeddings(m.x, din, rng)
	in.target(m.x, din)
	u := m.x[m.uOff:]
	switch {
	case m.uniform:
		in.meanPool(u, din)
	case m.wq != nil:
		m.setScale()
		m.wq.forward(m.q, in.v, h, n)
		m.wk.forward(m.k, in.e, h, n*in.L)
		m.att.forwardQK(u, din, m.w, m.q, m.att.A, m.k, in.e, in.lens, n)
	default:
		m.setScale()
		m.att.forward(u, din, m.w, in.v, h, in.e, in.lens, n)
	}
	for i := 0; i < n; i++ {
		mulForward(m.x[i*din+m.vuOff:], in.v[i*h:], m.x[i*din+m.uOff:], h, h, 1)
	}
	m.mlp.forward(z, m.x, n, rng)
}

// setScale sets the attention's c = e^θ/√A when the temperature is learnt.
func (m *dotNet) setScale() {
	if m.theta != nil {
		m.att.Scale = float32(math.Exp(float64(m.theta[0])) / math.Sqrt(float64(m.att.A)))
	}
}

func (m *dotNet) backward(dz []float32) {
	in := m.in
	n := in.n
	h, din := in.H, m.din
	clear(m.dx[:n*din])
	m.mlp.backward(m.dx, dz)
	in.targetGrad(m.dx, din)
	u, du := m.x[m.uOff:], m.dx[m.uOff:]
	for i := 0; i < n; i++ {
		mulBackward(in.dv[i*h:], du[i*din:], m.dx[i*din+m.vuOff:], in.v[i*h:], u[i*din:], h, h, 1)
	}
	var dc float64
	switch {
	case m.uniform:
		in.meanPoolBackward(du, din)
	case m.wq != nil:
		a := m.att.A
		clear(m.dq[:n*a])
		clear(m.dk[:n*in.L*a])
		dc = m.att.backwardQK(m.dq, a, m.dk, in.de, du, din, m.w, m.q, m.k, in.e, in.lens, n, m.theta != nil)
		m.wk.backward(in.de, m.dk, in.e, h, n*in.L)
		m.wq.backward(in.dv, m.dq, in.v, h, n)
	default:
		dc = m.att.backwardQK(in.dv, h, in.de, in.de, du, din, m.w, in.v, in.e, in.e, in.lens, n, m.theta != nil)
	}
	if m.theta != nil { // a_j = e^θ·(q·k_j)/√A: dθ = c·dL/dc
		m.dtheta[0] += float32(dc * float64(m.att.Scale))
	}
	in.targetGradBack(m.dx, din)
	in.dropEmbeddingsBackward(m.dx, din)
	in.fieldsBackward(m.dx, din)
	in.historyBackward()
}

func (m *dotNet) attention(i int) ([]int32, [][]float32) {
	if m.uniform {
		return nil, nil
	}
	L, ln := m.in.L, int(m.in.lens[i])
	return clone32(m.in.hist[i*L : i*L+ln]), [][]float32{cloneF(m.w[i*L : i*L+ln])}
}
