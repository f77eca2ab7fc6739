package model

import (
	"fmt"
	"math/rand/v2"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// dotNet is the `dot` model (README, "Models"), dot-product target attention over
// the history, and `meanpool`, the same network with the attention replaced
// by a plain mean (the "no attention" baseline: any gain of dot over
// meanpool is the attention's).
//
//	f_1..f_M   embeddings of the categorical fields, [B, D] each
//	v          = f_t, the target field t = Schema.Sequences[0].Field
//	e_j        history items, looked up in the same table as v
//	dot:       a_j = (v·e_j)/√D over j < len,  w = softmax(a)
//	meanpool:  w_j = 1/len
//	u   = Σ_j w_j·e_j  (u = 0 for an empty history)
//	z   = MLP(x),  x = concat[f_1..f_M, dense_1..dense_K, u, v⊙u]   [B, Din], Din = (M+2)·D + K
//
// Only the first sequence column is used. The layers write straight into
// their slots of x, and read their gradients from the same slots of dx:
//
//	x[i] = | f_1 … f_M (M·D) | dense (K) | u (D) | v⊙u (D) |      v is the slot of f_t
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
}

func newDot(ds *dataset.Dataset, p Params, capacity int) (*dotNet, error) {
	d := p.EmbedDim
	m := &dotNet{cap: capacity, uniform: p.Model == "meanpool"}
	in, err := declareInputs(&m.s, ds, p, d, seqRequired)
	if err != nil {
		return nil, err
	}
	m.din = (in.M+2)*d + in.K
	m.uOff = in.M*d + in.K
	m.vuOff = m.uOff + d
	bindMLP := declareMLP(&m.s, "mlp_", m.din, mainMLPOpts(p, "relu"))
	m.s.alloc()
	m.in = in
	in.bind(&m.s, capacity)
	m.mlp = bindMLP(capacity)
	if !m.uniform {
		m.att = newAttention(d, in.L)
		m.w = make([]float32, capacity*in.L)
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
	d, din := in.D, m.din
	in.load(ds, rows)
	in.fields(m.x, din)
	in.denseTo(m.x, din, in.M*d)
	in.history()
	v := m.x[in.t*d:]
	u := m.x[m.uOff:]
	if m.uniform {
		in.meanPool(u, din)
	} else {
		m.att.forward(u, din, m.w, v, din, in.e, in.lens, n)
	}
	mulForward(m.x[m.vuOff:], v, u, din, d, n)
	m.mlp.forward(z, m.x, n, rng)
}

func (m *dotNet) backward(dz []float32) {
	in := m.in
	n := in.n
	d, din := in.D, m.din
	clear(m.dx[:n*din])
	m.mlp.backward(m.dx, dz)
	v, dv := m.x[in.t*d:], m.dx[in.t*d:]
	u, du := m.x[m.uOff:], m.dx[m.uOff:]
	mulBackward(dv, du, m.dx[m.vuOff:], v, u, din, d, n)
	if m.uniform {
		in.meanPoolBackward(du, din)
	} else {
		m.att.backward(dv, din, in.de, du, din, m.w, v, in.e, in.lens, n)
	}
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
