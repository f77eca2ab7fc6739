package model

import (
	"fmt"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// dotNet is the `dot` model of DESIGN.md: dot-product target attention over
// the history, then an MLP.
//
//	f_1..f_M   embeddings of the categorical fields, [B, D] each
//	v          = f_t, the target field t = Schema.Sequences[0].Field
//	e_j        history items, looked up in the same table as v
//	a_j = (v·e_j)/√D over j < len,  w = softmax(a),  u = Σ_j w_j·e_j  (u = 0 for an empty history)
//	z   = MLP(x),  x = concat[f_1..f_M, dense_1..dense_K, u, v⊙u]   [B, Din], Din = (M+2)·D + K
//
// Only the first sequence column is used. The layers write straight into
// their slots of x, and read their gradients from the same slots of dx:
//
//	x[i] = | f_1 … f_M (M·D) | dense (K) | u (D) | v⊙u (D) |      v is the slot of f_t
type dotNet struct {
	s     slab
	emb   []embedding
	att   *attention
	mlp   *mlp
	M, K  int
	D, L  int
	t     int // target field
	din   int
	uOff  int
	vuOff int
	cap   int
	n     int

	ids   []int32   // [M, cap]: field f's ids at ids[f*cap:]
	hist  []int32   // [cap, L] history ids
	lens  []int32   // [cap]
	x, dx []float32 // [cap, Din]
	e, de []float32 // [cap, L, D]
	w     []float32 // [cap, L] attention weights
}

func newDot(ds *dataset.Dataset, p Params, capacity int) (*dotNet, error) {
	sc := ds.Schema
	if len(sc.Sequences) == 0 || len(ds.Seq) == 0 {
		return nil, fmt.Errorf("model: dot needs a history column, and the data has no sequence (Schema.Sequences is empty)")
	}
	sq := sc.Sequences[0]
	if sq.Field < 0 || sq.Field >= len(sc.Categorical) {
		return nil, fmt.Errorf("model: dot: sequence %q targets field %d, outside the %d categorical fields", sq.Name, sq.Field, len(sc.Categorical))
	}
	d := p.EmbedDim
	m := &dotNet{M: len(sc.Categorical), K: len(sc.Dense), D: d, L: ds.Seq[0].MaxLen, t: sq.Field, cap: capacity}
	m.din = (m.M+2)*d + m.K
	m.uOff = m.M*d + m.K
	m.vuOff = m.uOff + d
	embIDs := make([]int, m.M)
	for f, fd := range sc.Categorical {
		embIDs[f] = m.s.add("emb_"+fd.Name, kindEmbedding, fd.Vocab, d)
	}
	bindMLP := declareMLP(&m.s, "mlp_", m.din, p.Hidden)
	m.s.alloc()
	for f, fd := range sc.Categorical {
		m.emb = append(m.emb, embedding{V: fd.Vocab, D: d, E: m.s.w(embIDs[f]), dE: m.s.g(embIDs[f])})
	}
	m.mlp = bindMLP(capacity)
	m.att = newAttention(d, m.L)
	m.ids = make([]int32, m.M*capacity)
	m.hist = make([]int32, capacity*m.L)
	m.lens = make([]int32, capacity)
	m.x = make([]float32, capacity*m.din)
	m.dx = make([]float32, capacity*m.din)
	m.e = make([]float32, capacity*m.L*d)
	m.de = make([]float32, capacity*m.L*d)
	m.w = make([]float32, capacity*m.L)
	return m, nil
}

func (m *dotNet) params() *slab { return &m.s }
func (m *dotNet) capacity() int { return m.cap }

func (m *dotNet) forward(ds *dataset.Dataset, rows []int32, z []float32) {
	n := len(rows)
	if n > m.cap || len(z) < n {
		panic(fmt.Sprintf("model: dot: %d rows, %d logits, capacity %d", n, len(z), m.cap))
	}
	sq := &ds.Seq[0]
	if sq.MaxLen != m.L {
		panic(fmt.Sprintf("model: dot: history MaxLen %d, model built for %d", sq.MaxLen, m.L))
	}
	m.n = n
	d, L, din := m.D, m.L, m.din
	// f_1..f_M into their slots.
	for f := range m.emb {
		ids := m.ids[f*m.cap : f*m.cap+n]
		col := ds.Cat[f]
		for i, r := range rows {
			ids[i] = col[r]
		}
		m.emb[f].forward(m.x[f*d:], din, ids)
	}
	// Dense values.
	for k, col := range ds.Dense {
		off := m.M*d + k
		for i, r := range rows {
			m.x[i*din+off] = col[r]
		}
	}
	// History ids, lengths and embeddings (real positions only).
	for i, r := range rows {
		copy(m.hist[i*L:(i+1)*L], sq.IDs[int(r)*L:int(r+1)*L])
		ln := sq.Len[r]
		m.lens[i] = ln
		m.emb[m.t].forward(m.e[i*L*d:], d, m.hist[i*L:i*L+int(ln)])
	}
	v := m.x[m.t*d:]
	u := m.x[m.uOff:]
	m.att.forward(u, din, m.w, v, din, m.e, m.lens, n)
	mulForward(m.x[m.vuOff:], v, u, din, d, n)
	m.mlp.forward(z, m.x, n)
}

func (m *dotNet) backward(dz []float32) {
	n := m.n
	d, L, din := m.D, m.L, m.din
	clear(m.dx[:n*din])
	clear(m.de[:n*L*d])
	m.mlp.backward(m.dx, dz, m.x, n)
	v, dv := m.x[m.t*d:], m.dx[m.t*d:]
	u, du := m.x[m.uOff:], m.dx[m.uOff:]
	mulBackward(dv, du, m.dx[m.vuOff:], v, u, din, d, n)
	m.att.backward(dv, din, m.de, du, din, m.w, v, m.e, m.lens, n)
	for f := range m.emb {
		m.emb[f].backward(m.dx[f*d:], din, m.ids[f*m.cap:f*m.cap+n])
	}
	for i := 0; i < n; i++ {
		m.emb[m.t].backward(m.de[i*L*d:], d, m.hist[i*L:i*L+int(m.lens[i])])
	}
}

func (m *dotNet) attention(i int) []float32 {
	return m.w[i*m.L : i*m.L+int(m.lens[i])]
}
