package model

import (
	"fmt"
	"math/rand/v2"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// deepNet is `fm`, `dnn` and `deepfm`: one input layout, three heads.
//
//	x[i] = | f_1 … f_M (M·D) | ū (H, with a history) | dense (K) |     [B, Din]
//	ū = (1/len)·Σ_j e_j, the mean-pooled history (0 when empty), H = S·D
//	    values for S history columns (inputs.go)
//
//	fm:      z = wide + FM(f_1..f_M, ū)
//	dnn:     z = MLP(x)
//	deepfm:  z = wide + FM(f_1..f_M, ū) + MLP(x)      (shared embeddings)
//
// wide is logistic regression's linear part (its own dimension-1 tables
// "wide_emb_<field>", dense weights and bias); FM is the second-order term
// ½·Σ_c((Σ_f v_fc)² − Σ_f v_fc²) over the field vectors, each history
// column's D values of ū counting as one more field. The MLP takes Params.Hidden, Dropout,
// BatchNorm and Activation (relu by default).
type deepNet struct {
	s     slab
	cap   int
	in    *inputs
	wide  *wide
	fm    *fmInteraction
	mlp   *mlp
	F     int // vectors in the FM: M (pooled fields included), plus S with a history
	din   int
	x, dx []float32 // [cap, Din]
	zm    []float32 // [cap] the MLP's logits
}

func newDeep(ds *dataset.Dataset, p Params, capacity int) (*deepNet, error) {
	d := p.EmbedDim
	m := &deepNet{cap: capacity}
	in, err := declareInputs(&m.s, ds, p, d, seqOptional)
	if err != nil {
		return nil, err
	}
	m.F = in.M // categorical and pooled fields
	if in.seq {
		m.F += in.S
	}
	m.din = m.F*d + len(ds.Schema.Dense)
	var bindWide func(*inputs, int) *wide
	var bindMLP func(int) *mlp
	if p.Model != "dnn" {
		bindWide = declareWide(&m.s, ds, "wide_")
	}
	if p.Model != "fm" {
		bindMLP = declareMLP(&m.s, "mlp_", m.din, mainMLPOpts(p, "relu"))
	}
	m.s.alloc()
	m.in = in
	in.bind(&m.s, capacity)
	if bindWide != nil {
		m.wide = bindWide(m.in, capacity)
		m.fm = newFMInteraction(m.F, d, capacity)
	}
	if bindMLP != nil {
		m.mlp = bindMLP(capacity)
		m.zm = make([]float32, capacity)
	}
	m.x = make([]float32, capacity*m.din)
	m.dx = make([]float32, capacity*m.din)
	return m, nil
}

func (m *deepNet) params() *slab { return &m.s }
func (m *deepNet) capacity() int { return m.cap }

func (m *deepNet) forward(ds *dataset.Dataset, rows []int32, z []float32, rng *rand.Rand) {
	n := len(rows)
	if n > m.cap || len(z) < n {
		panic(fmt.Sprintf("model: deep: %d rows, %d logits, capacity %d", n, len(z), m.cap))
	}
	in := m.in
	in.load(ds, rows)
	in.fields(m.x, m.din)
	if in.seq {
		in.history()
	}
	in.dropEmbeddings(m.x, m.din, rng)
	if in.seq {
		in.meanPool(m.x[in.M*in.D:], m.din)
	}
	in.denseTo(m.x, m.din, m.F*in.D)
	z = z[:n]
	if m.wide != nil {
		m.wide.forward(z)
		m.fm.forward(z, m.x, m.din, n)
	} else {
		clear(z)
	}
	if m.mlp != nil {
		m.mlp.forward(m.zm, m.x, n, rng)
		for i, v := range m.zm[:n] {
			z[i] += v
		}
	}
}

func (m *deepNet) backward(dz []float32) {
	in := m.in
	n := in.n
	clear(m.dx[:n*m.din])
	if m.mlp != nil {
		m.mlp.backward(m.dx, dz)
	}
	if m.wide != nil {
		m.fm.backward(m.dx, dz, m.x, m.din)
		m.wide.backward(dz)
	}
	if in.seq {
		in.meanPoolBackward(m.dx[in.M*in.D:], m.din)
	}
	in.dropEmbeddingsBackward(m.dx, m.din)
	in.fieldsBackward(m.dx, m.din)
	if in.seq {
		in.historyBackward()
	}
}
