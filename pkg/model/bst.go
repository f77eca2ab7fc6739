package model

import (
	"fmt"
	"math/rand/v2"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// bstNet is BST (Chen et al. 2019, "Behavior Sequence Transformer"): the
// history and the candidate go through Transformer blocks together, and the
// candidate's output token reads the history.
//
//	tokens X [B, T, H], T = L+1, H = S·D (S history columns: inputs.go):
//	  X_j = e_j + P[j+1]   j < L (history, most recent first; padding tokens are P[j+1] alone)
//	  X_L = v + P[0]       the candidate v = [f_t1 … f_tS]
//	P [L+1, H]             learnt position embeddings ("bst_pos", an embedding table)
//	Y = Block_Layers(… Block_1(X))   Params.Layers blocks (default 1): see transformerBlock,
//	                                 Params.Heads heads (default 2), attention dim
//	                                 Params.AttentionDim (default H); keys: the real
//	                                 history positions and the candidate
//	o = Y_L                          the candidate's output token
//	z = MLP([f_1..f_M, dense, o])    Params.Hidden, Activation (relu), BatchNorm, Dropout
type bstNet struct {
	s      slab
	cap    int
	in     *inputs
	pos    []float32 // [L+1, D]
	dpos   []float32
	blocks []*transformerBlock
	mlp    *mlp
	T, din int
	oOff   int
	x, dx  []float32   // [cap, Din]: | f_1 … f_M | dense | o |
	tok    [][]float32 // [Layers+1][cap·T·D]: block inputs and the last output
	dtok   [][]float32
}

func newBST(ds *dataset.Dataset, p Params, capacity int) (*bstNet, error) {
	d := p.EmbedDim
	m := &bstNet{cap: capacity}
	in, err := declareInputs(&m.s, ds, p, d, seqRequired)
	if err != nil {
		return nil, err
	}
	h := in.H
	heads, da, layers := orInt(p.Heads, 2), orInt(p.AttentionDim, h), orInt(p.Layers, 1)
	if da%heads != 0 {
		return nil, fmt.Errorf("model: bst: attention dim %d is not a multiple of %d heads", da, heads)
	}
	m.T = in.L + 1
	m.din = in.M*d + in.K + h
	m.oOff = in.M*d + in.K
	posID := m.s.add("bst_pos", kindEmbedding, m.T, h)
	var bindBlocks []func(int) *transformerBlock
	for l := 0; l < layers; l++ {
		bindBlocks = append(bindBlocks, declareTransformer(&m.s, fmt.Sprintf("block%d_", l+1), m.T, h, da, heads, 1))
	}
	bindMLP := declareMLP(&m.s, "mlp_", m.din, mainMLPOpts(p, "relu"))
	m.s.alloc()
	m.in = in
	in.bind(&m.s, capacity)
	m.pos, m.dpos = m.s.w(posID), m.s.g(posID)
	for _, b := range bindBlocks {
		m.blocks = append(m.blocks, b(capacity))
	}
	m.mlp = bindMLP(capacity)
	m.x, m.dx = make([]float32, capacity*m.din), make([]float32, capacity*m.din)
	for l := 0; l <= layers; l++ {
		m.tok = append(m.tok, make([]float32, capacity*m.T*h))
		m.dtok = append(m.dtok, make([]float32, capacity*m.T*h))
	}
	return m, nil
}

func orInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func (m *bstNet) params() *slab { return &m.s }
func (m *bstNet) capacity() int { return m.cap }

func (m *bstNet) forward(ds *dataset.Dataset, rows []int32, z []float32, rng *rand.Rand) {
	n := len(rows)
	if n > m.cap || len(z) < n {
		panic(fmt.Sprintf("model: bst: %d rows, %d logits, capacity %d", n, len(z), m.cap))
	}
	in := m.in
	h, L, T, din := in.H, in.L, m.T, m.din
	in.load(ds, rows)
	in.fields(m.x, din)
	in.denseTo(m.x, din, in.M*in.D)
	in.history()
	in.dropEmbeddings(m.x, din, rng)
	in.target(m.x, din)
	x := m.tok[0]
	for i := 0; i < n; i++ {
		ln := int(in.lens[i])
		for j := 0; j < L; j++ {
			t := x[(i*T+j)*h : (i*T+j)*h+h]
			copy(t, m.pos[(j+1)*h:(j+2)*h])
			if j < ln {
				axpy(t, 1, in.e[(i*L+j)*h:(i*L+j)*h+h])
			}
		}
		t := x[(i*T+L)*h : (i*T+L)*h+h]
		copy(t, m.pos[:h])
		axpy(t, 1, in.v[i*h:i*h+h])
	}
	for l, b := range m.blocks {
		b.forward(m.tok[l+1], m.tok[l], in.lens, n)
	}
	y := m.tok[len(m.blocks)]
	for i := 0; i < n; i++ {
		copy(m.x[i*din+m.oOff:i*din+m.oOff+h], y[(i*T+L)*h:(i*T+L)*h+h])
	}
	m.mlp.forward(z, m.x, n, rng)
}

func (m *bstNet) backward(dz []float32) {
	in := m.in
	n := in.n
	h, L, T, din := in.H, in.L, m.T, m.din
	clear(m.dx[:n*din])
	m.mlp.backward(m.dx, dz)
	for _, b := range m.dtok {
		clear(b[:n*T*h])
	}
	dy := m.dtok[len(m.blocks)]
	for i := 0; i < n; i++ {
		copy(dy[(i*T+L)*h:(i*T+L)*h+h], m.dx[i*din+m.oOff:i*din+m.oOff+h])
	}
	for l := len(m.blocks) - 1; l >= 0; l-- {
		m.blocks[l].backward(m.dtok[l], m.dtok[l+1])
	}
	dx := m.dtok[0]
	in.targetGrad(m.dx, din)
	for i := 0; i < n; i++ {
		ln := int(in.lens[i])
		for j := 0; j < L; j++ {
			g := dx[(i*T+j)*h : (i*T+j)*h+h]
			axpy(m.dpos[(j+1)*h:(j+2)*h], 1, g)
			if j < ln {
				axpy(in.de[(i*L+j)*h:(i*L+j)*h+h], 1, g)
			}
		}
		g := dx[(i*T+L)*h : (i*T+L)*h+h]
		axpy(m.dpos[:h], 1, g)
		axpy(in.dv[i*h:i*h+h], 1, g)
	}
	in.targetGradBack(m.dx, din)
	in.dropEmbeddingsBackward(m.dx, din)
	in.fieldsBackward(m.dx, din)
	in.historyBackward()
}

// attention: per block and head, the candidate's weights over its real
// history positions and, last, itself.
func (m *bstNet) attention(i int) ([]int32, [][]float32) {
	L, ln := m.in.L, int(m.in.lens[i])
	var ws [][]float32
	for _, b := range m.blocks {
		for h := 0; h < b.sa.H; h++ {
			p := b.sa.weights(i, h, m.T-1)
			w := append(cloneF(p[:ln]), p[m.T-1])
			ws = append(ws, w)
		}
	}
	return clone32(m.in.hist[i*L : i*L+ln]), ws
}
