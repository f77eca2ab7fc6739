package model

import (
	"fmt"
	"math/rand/v2"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// wide is the linear part of logreg, fm and deepfm over the categorical ids,
// the pooled lists and the dense features:
//
//	z = Σ_f w_f[id_f] + Σ_p (1/len_p)·Σ_{j<len_p} w_p[id_pj] + Σ_k c_k·dense_k + b
//
// Each w_f is an embedding table of dimension 1 (prefix+"emb_<field>", and
// prefix+"pool_<name>" for a pooled column, regularised by L2Embedding); c [K, 1] (prefix+"w_dense", L2Dense, starts
// at 0) and b (prefix+"b") form a dense layer. It reads the ids and dense
// values its inputs loaded.
type wide struct {
	in    *inputs
	emb   []embedding // per field (categorical, then pooled), D = 1
	dense linear      // K → 1, holds b
	x     []float32   // [cap, M] looked-up w_f[id] (pooled: the mean over the list)
}

func declareWide(s *slab, ds *dataset.Dataset, prefix string) func(in *inputs, capacity int) *wide {
	sc := ds.Schema
	c := len(sc.Categorical)
	m, k := c+len(sc.Pooled), len(sc.Dense)
	embIDs := make([]int, m)
	for f, fd := range sc.Categorical {
		embIDs[f] = s.addEmb(prefix+"emb_"+fd.Name, f, fd.Vocab, 1)
	}
	for p, fd := range sc.Pooled {
		embIDs[c+p] = s.addEmb(prefix+"pool_"+fd.Name, c+p, fd.Vocab, 1)
	}
	wID := s.add(prefix+"w_dense", kindWeight, k, 1)
	s.zeroInit(wID) // a linear part: start from "no effect", not from a random slope
	bID := s.add(prefix+"b", kindBias, 1)
	return func(in *inputs, capacity int) *wide {
		w := &wide{in: in, x: make([]float32, capacity*m)}
		for f, fd := range append(sc.Categorical[:c:c], sc.Pooled...) {
			w.emb = append(w.emb, embedding{V: fd.Vocab, D: 1, E: s.w(embIDs[f]), dE: s.g(embIDs[f])})
		}
		w.dense = linear{I: k, O: 1, W: s.w(wID), b: s.w(bID), dW: s.g(wID), db: s.g(bID)}
		return w
	}
}

// forward writes z [n] (overwriting it) for the rows in.load loaded.
func (w *wide) forward(z []float32) {
	in := w.in
	n, m := in.n, in.M
	for f := 0; f < in.C; f++ {
		w.emb[f].forward(w.x[f:], m, in.fieldIDs(f))
	}
	for p := in.C; p < m; p++ {
		in.pooled(p-in.C, &w.emb[p], w.x[p:], m)
	}
	w.dense.forward(z, in.dense, in.K, n) // z = b + c·dense
	for i := 0; i < n; i++ {
		s := z[i]
		for _, v := range w.x[i*m : i*m+m] {
			s += v
		}
		z[i] = s
	}
}

// backward adds the gradients for dz [n].
func (w *wide) backward(dz []float32) {
	in := w.in
	w.dense.backward(nil, dz, in.dense, in.K, in.n)
	for f := 0; f < in.C; f++ {
		w.emb[f].backward(dz, 1, in.fieldIDs(f)) // dw_f[id] += dz
	}
	for p := in.C; p < in.M; p++ {
		in.pooledBackward(p-in.C, &w.emb[p], dz, 1) // dw_p[id] += dz/len
	}
}

// logReg is logistic regression over the categorical ids and pooled lists
// with the dense features as a side input; histories are ignored: z = wide (see wide).
type logReg struct {
	s   slab
	cap int
	in  *inputs
	w   *wide
}

func newLogReg(ds *dataset.Dataset, p Params, capacity int) (*logReg, error) {
	m := &logReg{cap: capacity}
	in, err := declareInputs(&m.s, ds, p, 0, seqIgnore)
	if err != nil {
		return nil, err
	}
	bindWide := declareWide(&m.s, ds, "")
	m.s.alloc()
	m.in = in
	in.bind(&m.s, capacity)
	m.w = bindWide(m.in, capacity)
	return m, nil
}

func (m *logReg) params() *slab { return &m.s }
func (m *logReg) capacity() int { return m.cap }

func (m *logReg) forward(ds *dataset.Dataset, rows []int32, z []float32, _ *rand.Rand) {
	if len(rows) > m.cap || len(z) < len(rows) {
		panic(fmt.Sprintf("model: logreg: %d rows, %d logits, capacity %d", len(rows), len(z), m.cap))
	}
	m.in.load(ds, rows)
	m.w.forward(z)
}

func (m *logReg) backward(dz []float32) { m.w.backward(dz) }
