package model

import (
	"cmp"
	"fmt"
	"math/rand/v2"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// dinNet is DIN (Zhou et al. 2018, "Deep Interest Network"): an MLP scores
// each history item against the candidate, the scores weight the history.
//
//	v      = [f_t1 … f_tS], the candidate (the history columns' target fields, H = S·D values: inputs.go)
//	e_ij   = history position j of row i, H values (item ⊕ category with two columns)
//	q_ij   = [v_i, e_ij, v_i − e_ij, v_i⊙e_ij]            [P, 4H], P = Σ_i len_i real positions, packed
//	s_ij   = MLP_att(q_ij)                                 hidden Params.AttentionHidden (default [80, 40]),
//	                                                       activation Params.AttentionActivation (default:
//	                                                       Activation's, dice), no dropout
//	w_i    = s_i (default: DIN's unnormalised weights)  or  softmax(s_i) (Params.DINSoftmax)
//	u_i    = Σ_{j<len} w_ij·e_ij                           (0 for an empty history; padding never weighs)
//	         or (1/len_i)·Σ_j w_ij·e_ij                   (Params.DINPooling "mean")
//	z      = MLP([f_1..f_M, dense, u])                     Params.Hidden, Activation (dice default), BatchNorm, Dropout
//
// The last line follows the paper and FuxiCTR: the pooled interest u joins
// the field embeddings (which hold v) and the MLP finds the interactions;
// unlike `dot` there is no explicit v⊙u. Dice's statistics are taken over
// the real positions only (padding is never scored).
//
// Backward of the attention part:
//
//	dw_ij = du_i·e_ij,   de_ij += w_ij·du_i              (du_i/len_i in place of du_i with "mean")
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
	mean    bool      // Params.DINPooling "mean"
	x, dx   []float32 // [cap, Din]: | f_1 … f_M | dense | u |
	q, dq   []float32 // [cap·L, 4H]
	sc, dsc []float32 // [cap·L] scores and their gradients
	w       []float32 // [cap, L] weights (0 on padding)
	dw      []float32 // [L] scratch
	start   []int     // [cap+1] first packed position of each row
}

// DefaultAttentionHidden is DIN's attention MLP when Params.AttentionHidden is nil.
var DefaultAttentionHidden = []int{80, 40}

func newDIN(ds *dataset.Dataset, p Params, capacity int) (*dinNet, error) {
	d := p.EmbedDim
	m := &dinNet{cap: capacity, softmax: p.DINSoftmax, mean: p.DINPooling == "mean"}
	in, err := declareInputs(&m.s, ds, p, d, seqRequired)
	if err != nil {
		return nil, err
	}
	h := in.H
	m.din = in.M*d + in.K + h
	m.uOff = in.M*d + in.K
	act := cmp.Or(p.AttentionActivation, p.Activation, "dice")
	ah := p.AttentionHidden
	if ah == nil {
		ah = DefaultAttentionHidden
	}
	bindAtt := declareMLP(&m.s, "att_", 4*h, mlpOpts{Hidden: ah, Act: act})
	bindMLP := declareMLP(&m.s, "mlp_", m.din, mainMLPOpts(p, "dice"))
	m.s.alloc()
	m.in = in
	in.bind(&m.s, capacity)
	pc := capacity * in.L
	m.att = bindAtt(pc)
	m.mlp = bindMLP(capacity)
	m.x, m.dx = make([]float32, capacity*m.din), make([]float32, capacity*m.din)
	m.q, m.dq = make([]float32, pc*4*h), make([]float32, pc*4*h)
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
	h, L, din := in.H, in.L, m.din
	in.load(ds, rows)
	in.fields(m.x, din)
	in.denseTo(m.x, din, in.M*in.D)
	in.history()
	in.dropEmbeddings(m.x, din, rng)
	in.target(m.x, din)
	// q_ij for the real positions, packed.
	pos := 0
	for i := 0; i < n; i++ {
		m.start[i] = pos
		v := in.v[i*h : i*h+h]
		for j := 0; j < int(in.lens[i]); j++ {
			e := in.e[(i*L+j)*h : (i*L+j)*h+h]
			q := m.q[pos*4*h : (pos+1)*4*h]
			copy(q[:h], v)
			copy(q[h:2*h], e)
			for c := 0; c < h; c++ {
				q[2*h+c] = v[c] - e[c]
				q[3*h+c] = v[c] * e[c]
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
		u := m.x[i*din+m.uOff : i*din+m.uOff+h]
		clear(u)
		for j := 0; j < ln; j++ {
			axpy(u, w[j], in.e[(i*L+j)*h:(i*L+j)*h+h])
		}
		if m.mean && ln > 0 {
			scaleInPlace(u, 1/float32(ln))
		}
	}
	m.mlp.forward(z, m.x, n, rng)
}

func (m *dinNet) backward(dz []float32) {
	in := m.in
	n := in.n
	h, L, din := in.H, in.L, m.din
	clear(m.dx[:n*din])
	m.mlp.backward(m.dx, dz)
	P := m.start[n]
	ds := m.dsc[:P]
	clear(ds)
	for i := 0; i < n; i++ {
		ln := int(in.lens[i])
		du := m.dx[i*din+m.uOff : i*din+m.uOff+h]
		if m.mean && ln > 0 { // u = (1/len)·Σ w_j e_j: the sum's gradient is du/len
			scaleInPlace(du, 1/float32(ln))
		}
		w := m.w[i*L : i*L+ln]
		dw := m.dw[:ln]
		for j := 0; j < ln; j++ {
			off := (i*L + j) * h
			dw[j] = dot(du, in.e[off:off+h])
			axpy(in.de[off:off+h], w[j], du)
		}
		dsi := ds[m.start[i] : m.start[i]+ln]
		if m.softmax {
			softmaxBackward(dsi, dw, w)
		} else {
			copy(dsi, dw)
		}
	}
	dq := m.dq[:P*4*h]
	clear(dq)
	m.att.backward(dq, ds)
	in.targetGrad(m.dx, din)
	for i := 0; i < n; i++ {
		v := in.v[i*h : i*h+h]
		dv := in.dv[i*h : i*h+h]
		for j := 0; j < int(in.lens[i]); j++ {
			p := m.start[i] + j
			g := dq[p*4*h : (p+1)*4*h]
			e := in.e[(i*L+j)*h : (i*L+j)*h+h]
			de := in.de[(i*L+j)*h : (i*L+j)*h+h]
			for c := 0; c < h; c++ {
				dv[c] += g[c] + g[2*h+c] + g[3*h+c]*e[c]
				de[c] += g[h+c] - g[2*h+c] + g[3*h+c]*v[c]
			}
		}
	}
	in.targetGradBack(m.dx, din)
	in.dropEmbeddingsBackward(m.dx, din)
	in.fieldsBackward(m.dx, din)
	in.historyBackward()
}

func (m *dinNet) attention(i int) ([]int32, [][]float32) {
	L, ln := m.in.L, int(m.in.lens[i])
	return clone32(m.in.hist[i*L : i*L+ln]), [][]float32{cloneF(m.w[i*L : i*L+ln])}
}
