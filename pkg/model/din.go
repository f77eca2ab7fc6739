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
// The attention MLP's first layer is computed by its input's blocks
// (W_1 = [Wa; Wb; Wc; Wd], four [H, A1] blocks, the parameters as declared):
//
//	q_ij·W_1 + b_1 = r_i + y_ij·W2       r_i = v_i·(Wa + Wc) + b_1   once per row   [n, A1]
//	                                     y_ij = [e_ij, v_i⊙e_ij],  W2 = [Wb − Wc; Wd]   [P, 2H]·[2H, A1]
//
// half the products of forming q and multiplying it by W_1; q is never formed.
//
// Backward of the attention part:
//
//	dw_ij = du_i·e_ij,   de_ij += w_ij·du_i              (du_i/len_i in place of du_i with "mean")
//	ds_i  = dw_i  or  softmax backward of dw_i
//	dp_ij = MLP_att backward of ds_ij, down to the first layer's pre-activation
//	G_i   = Σ_j dp_ij,   db_1 += Σ_i G_i
//	dWa += Σ_i v_i⊗G_i,  dWb += Σ_ij e_ij⊗dp_ij,  dWc += dWa's term − dWb's term,
//	dWd += Σ_ij (v_i⊙e_ij)⊗dp_ij
//	dv_i  += G_i·(Wa+Wc)ᵀ + Σ_j (dp_ij·Wdᵀ)⊙e_ij
//	de_ij += dp_ij·(Wb−Wc)ᵀ + (dp_ij·Wdᵀ)⊙v_i
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
	y, dy   []float32 // [cap·L, 2H]: y_ij = [e_ij, v_i⊙e_ij] of the real positions, packed
	r       []float32 // [cap, A1]: r_i in forward, G_i in backward
	wac     []float32 // [H, A1]: Wa + Wc of the last forward
	w2      []float32 // [2H, A1]: [Wb − Wc; Wd] of the last forward
	gac, g2 []float32 // [H, A1], [2H, A1]: Σ_i v_i⊗G_i and Σ_ij y_ij⊗dp_ij
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
	if len(ah) == 0 {
		return nil, fmt.Errorf("din: attention_hidden: want at least one layer, got an empty list")
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
	m.y, m.dy = make([]float32, pc*2*h), make([]float32, pc*2*h)
	a1 := ah[0]
	m.r = make([]float32, capacity*a1)
	m.wac, m.gac = make([]float32, h*a1), make([]float32, h*a1)
	m.w2, m.g2 = make([]float32, 2*h*a1), make([]float32, 2*h*a1)
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
	m.scores(n, rng)
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
	in.targetGrad(m.dx, din)
	m.scoresBackward(ds)
	in.targetGradBack(m.dx, din)
	in.dropEmbeddingsBackward(m.dx, din)
	in.fieldsBackward(m.dx, din)
	in.historyBackward()
}

// scores writes s_ij = MLP_att(q_ij) for the real positions of the n rows
// (packed, m.start) into m.sc, through the split first layer.
func (m *dinNet) scores(n int, rng *rand.Rand) {
	in := m.in
	h, L := in.H, in.L
	first := &m.att.layers[0].lin
	a1 := first.O
	hw := h * a1
	for c := 0; c < hw; c++ { // W_1's blocks Wa, Wb, Wc, Wd
		wc := first.W[2*hw+c]
		m.wac[c] = first.W[c] + wc
		m.w2[c] = first.W[hw+c] - wc
	}
	copy(m.w2[hw:], first.W[3*hw:4*hw])
	r := m.r[:n*a1]
	for i := 0; i < n; i++ {
		copy(r[i*a1:(i+1)*a1], first.b)
	}
	Gemm(false, false, n, a1, h, 1, in.v, h, m.wac, a1, 1, r, a1)
	pre := m.att.pre()
	pos := 0
	for i := 0; i < n; i++ {
		m.start[i] = pos
		v := in.v[i*h : i*h+h]
		for j := 0; j < int(in.lens[i]); j++ {
			e := in.e[(i*L+j)*h : (i*L+j)*h+h]
			y := m.y[pos*2*h : (pos+1)*2*h]
			copy(y[:h], e)
			for c, vc := range v {
				y[h+c] = vc * e[c]
			}
			copy(pre[pos*a1:(pos+1)*a1], r[i*a1:(i+1)*a1])
			pos++
		}
	}
	m.start[n] = pos
	Gemm(false, false, pos, a1, 2*h, 1, m.y, 2*h, m.w2, a1, 1, pre, a1)
	m.att.forwardPre(m.sc, pos, rng)
}

// scoresBackward differentiates scores given ds [P]: it adds into the
// attention MLP's gradients (W_1 and b_1 included), in.dv and in.de.
func (m *dinNet) scoresBackward(ds []float32) {
	in := m.in
	n, h, L := in.n, in.H, in.L
	first := &m.att.layers[0].lin
	a1 := first.O
	hw := h * a1
	P := m.start[n]
	m.att.backward(nil, ds)
	dp := m.att.dpre()[:P*a1]
	g := m.r[:n*a1]
	for i := 0; i < n; i++ {
		gi := g[i*a1 : (i+1)*a1]
		clear(gi)
		for p := m.start[i]; p < m.start[i+1]; p++ {
			axpy(gi, 1, dp[p*a1:(p+1)*a1])
		}
		axpy(first.db, 1, gi)
	}
	Gemm(true, false, h, a1, n, 1, in.v, h, g, a1, 0, m.gac, a1)
	Gemm(true, false, 2*h, a1, P, 1, m.y, 2*h, dp, a1, 0, m.g2, a1)
	dW := first.dW
	for c := 0; c < hw; c++ {
		ga, gb := m.gac[c], m.g2[c]
		dW[c] += ga
		dW[hw+c] += gb
		dW[2*hw+c] += ga - gb
		dW[3*hw+c] += m.g2[hw+c]
	}
	Gemm(false, true, n, h, a1, 1, g, a1, m.wac, a1, 1, in.dv, h)
	dy := m.dy[:P*2*h]
	Gemm(false, true, P, 2*h, a1, 1, dp, a1, m.w2, a1, 0, dy, 2*h)
	for i := 0; i < n; i++ {
		v := in.v[i*h : i*h+h]
		dv := in.dv[i*h : i*h+h]
		for j := 0; j < int(in.lens[i]); j++ {
			d := dy[(m.start[i]+j)*2*h : (m.start[i]+j+1)*2*h]
			e := in.e[(i*L+j)*h : (i*L+j)*h+h]
			de := in.de[(i*L+j)*h : (i*L+j)*h+h]
			for c := 0; c < h; c++ {
				de[c] += d[c] + d[h+c]*v[c]
				dv[c] += d[h+c] * e[c]
			}
		}
	}
}

func (m *dinNet) attention(i int) ([]int32, [][]float32) {
	L, ln := m.in.L, int(m.in.lens[i])
	return clone32(m.in.hist[i*L : i*L+ln]), [][]float32{cloneF(m.w[i*L : i*L+ln])}
}
