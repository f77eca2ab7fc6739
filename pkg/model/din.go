package model

import (
	"fmt"
	"math/rand/v2"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// dinNet is DIN (Zhou et al. 2018, "Deep Interest Network"): an MLP scores
// each history item against the candidate, the scores weight the history.
//
//	v      = f_t, the candidate (target field t of the first sequence)
//	q_ij   = [v_i, e_ij, v_i − e_ij, v_i⊙e_ij]            [P, 4D], P = Σ_i len_i real positions, packed
//	s_ij   = MLP_att(q_ij)                                 hidden Params.AttentionHidden (default [80, 40]),
//	                                                       activation Params.Activation (default dice), no dropout
//	w_i    = s_i (default: DIN's unnormalised weights)  or  softmax(s_i) (Params.DINSoftmax)
//	u_i    = Σ_{j<len} w_ij·e_ij                           (0 for an empty history; padding never weighs)
//	z      = MLP([f_1..f_M, dense, u])                     Params.Hidden, Activation (dice default), BatchNorm, Dropout
//
// The last line follows the paper and FuxiCTR: the pooled interest u joins
// the field embeddings (which hold v) and the MLP finds the interactions;
// unlike `dot` there is no explicit v⊙u. Dice's statistics are taken over
// the real positions only (padding is never scored).
//
// Backward of the attention part:
//
//	dw_ij = du_i·e_ij,   de_ij += w_ij·du_i
//	ds_i  = dw_i  or  softmax backward of dw_i
//	dq_ij = MLP_att backward of ds_ij
//	dv_i  += dq[0:D] + dq[2D:3D] + dq[3D:4D]⊙e_ij
//	de_ij += dq[D:2D] − dq[2D:3D] + dq[3D:4D]⊙v_i
type dinNet struct {
	s       slab
	cap     int
	in      *inputs
	att     *mlp // capacity cap·L
	mlp     *mlp
	softmax bool
	din     int
	uOff    int
	x, dx   []float32 // [cap, Din]: | f_1 … f_M | dense | u |
	q, dq   []float32 // [cap·L, 4D]
	sc, dsc []float32 // [cap·L] scores and their gradients
	w       []float32 // [cap, L] weights (0 on padding)
	dw      []float32 // [L] scratch
	start   []int     // [cap+1] first packed position of each row
}

// DefaultAttentionHidden is DIN's attention MLP when Params.AttentionHidden is nil.
var DefaultAttentionHidden = []int{80, 40}

func newDIN(ds *dataset.Dataset, p Params, capacity int) (*dinNet, error) {
	d := p.EmbedDim
	m := &dinNet{cap: capacity, softmax: p.DINSoftmax}
	in, err := declareInputs(&m.s, ds, p, d, seqRequired)
	if err != nil {
		return nil, err
	}
	m.din = (in.M+1)*d + in.K
	m.uOff = in.M*d + in.K
	act := p.Activation
	if act == "" {
		act = "dice"
	}
	ah := p.AttentionHidden
	if ah == nil {
		ah = DefaultAttentionHidden
	}
	bindAtt := declareMLP(&m.s, "att_", 4*d, mlpOpts{Hidden: ah, Act: act})
	bindMLP := declareMLP(&m.s, "mlp_", m.din, mainMLPOpts(p, "dice"))
	m.s.alloc()
	m.in = in
	in.bind(&m.s, capacity)
	pc := capacity * in.L
	m.att = bindAtt(pc)
	m.mlp = bindMLP(capacity)
	m.x, m.dx = make([]float32, capacity*m.din), make([]float32, capacity*m.din)
	m.q, m.dq = make([]float32, pc*4*d), make([]float32, pc*4*d)
	m.sc, m.dsc = make([]float32, pc), make([]float32, pc)
	m.w = make([]float32, pc)
	m.dw = make([]float32, in.L)
	m.start = make([]int, capacity+1)
	return m, nil
}

func (m *dinNet) params() *slab { return &m.s }
func (m *dinNet) capacity() int { return m.cap }

func (m *dinNet) forward(ds *dataset.Dataset, rows []int32, z []float32, rng *rand.Rand) {
	n := len(rows)
	if n > m.cap || len(z) < n {
		panic(fmt.Sprintf("model: din: %d rows, %d logits, capacity %d", n, len(z), m.cap))
	}
	in := m.in
	d, L, din := in.D, in.L, m.din
	in.load(ds, rows)
	in.fields(m.x, din)
	in.denseTo(m.x, din, in.M*d)
	in.history()
	// q_ij for the real positions, packed.
	pos := 0
	for i := 0; i < n; i++ {
		m.start[i] = pos
		v := m.x[i*din+in.t*d : i*din+in.t*d+d]
		for j := 0; j < int(in.lens[i]); j++ {
			e := in.e[(i*L+j)*d : (i*L+j)*d+d]
			q := m.q[pos*4*d : (pos+1)*4*d]
			copy(q[:d], v)
			copy(q[d:2*d], e)
			for c := 0; c < d; c++ {
				q[2*d+c] = v[c] - e[c]
				q[3*d+c] = v[c] * e[c]
			}
			pos++
		}
	}
	m.start[n] = pos
	m.att.forward(m.sc, m.q, pos, rng)
	// w and u.
	for i := 0; i < n; i++ {
		ln := int(in.lens[i])
		s := m.sc[m.start[i] : m.start[i]+ln]
		w := m.w[i*L : i*L+L]
		clear(w[ln:])
		if m.softmax {
			softmaxForward(w[:ln], s)
		} else {
			copy(w[:ln], s)
		}
		u := m.x[i*din+m.uOff : i*din+m.uOff+d]
		clear(u)
		for j := 0; j < ln; j++ {
			axpy(u, w[j], in.e[(i*L+j)*d:(i*L+j)*d+d])
		}
	}
	m.mlp.forward(z, m.x, n, rng)
}

func (m *dinNet) backward(dz []float32) {
	in := m.in
	n := in.n
	d, L, din := in.D, in.L, m.din
	clear(m.dx[:n*din])
	m.mlp.backward(m.dx, dz)
	P := m.start[n]
	ds := m.dsc[:P]
	clear(ds)
	for i := 0; i < n; i++ {
		ln := int(in.lens[i])
		du := m.dx[i*din+m.uOff : i*din+m.uOff+d]
		w := m.w[i*L : i*L+ln]
		dw := m.dw[:ln]
		for j := 0; j < ln; j++ {
			off := (i*L + j) * d
			dw[j] = dot(du, in.e[off:off+d])
			axpy(in.de[off:off+d], w[j], du)
		}
		dsi := ds[m.start[i] : m.start[i]+ln]
		if m.softmax {
			softmaxBackward(dsi, dw, w)
		} else {
			copy(dsi, dw)
		}
	}
	dq := m.dq[:P*4*d]
	clear(dq)
	m.att.backward(dq, ds)
	for i := 0; i < n; i++ {
		v := m.x[i*din+in.t*d : i*din+in.t*d+d]
		dv := m.dx[i*din+in.t*d : i*din+in.t*d+d]
		for j := 0; j < int(in.lens[i]); j++ {
			p := m.start[i] + j
			g := dq[p*4*d : (p+1)*4*d]
			e := in.e[(i*L+j)*d : (i*L+j)*d+d]
			de := in.de[(i*L+j)*d : (i*L+j)*d+d]
			for c := 0; c < d; c++ {
				dv[c] += g[c] + g[2*d+c] + g[3*d+c]*e[c]
				de[c] += g[d+c] - g[2*d+c] + g[3*d+c]*v[c]
			}
		}
	}
	in.fieldsBackward(m.dx, din)
	in.historyBackward()
}

func (m *dinNet) attention(i int) ([]int32, [][]float32) {
	L, ln := m.in.L, int(m.in.lens[i])
	return clone32(m.in.hist[i*L : i*L+ln]), [][]float32{cloneF(m.w[i*L : i*L+ln])}
}
