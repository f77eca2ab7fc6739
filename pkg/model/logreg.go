package model

import (
	"fmt"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// logReg is logistic regression over the categorical ids with the dense
// features as a side input; histories are ignored:
//
//	z = Σ_f w_f[id_f] + Σ_k c_k·dense_k + b
//
// Each w_f is an embedding table of dimension 1 (regularised by
// L2Embedding); c [K, 1] is a dense weight (L2Dense) and b a bias.
type logReg struct {
	s     slab
	emb   []embedding // per field, D = 1
	dense linear      // K → 1, holds b
	M, K  int
	cap   int
	n     int       // rows of the last forward
	ids   []int32   // [M, cap]: field f's ids at ids[f*cap:]
	x     []float32 // [cap, M] looked-up w_f[id]
	xd    []float32 // [cap, K] dense inputs
}

func newLogReg(ds *dataset.Dataset, capacity int) *logReg {
	sc := ds.Schema
	m := &logReg{M: len(sc.Categorical), K: len(sc.Dense), cap: capacity}
	embIDs := make([]int, m.M)
	for f, fd := range sc.Categorical {
		embIDs[f] = m.s.add("emb_"+fd.Name, kindEmbedding, fd.Vocab, 1)
	}
	wID := m.s.add("w_dense", kindWeight, m.K, 1)
	m.s.zeroInit(wID) // a convex model: start from "no effect", not from a random slope
	bID := m.s.add("b", kindBias, 1)
	m.s.alloc()
	for f, fd := range sc.Categorical {
		m.emb = append(m.emb, embedding{V: fd.Vocab, D: 1, E: m.s.w(embIDs[f]), dE: m.s.g(embIDs[f])})
	}
	m.dense = linear{I: m.K, O: 1, W: m.s.w(wID), b: m.s.w(bID), dW: m.s.g(wID), db: m.s.g(bID)}
	m.ids = make([]int32, m.M*capacity)
	m.x = make([]float32, capacity*m.M)
	m.xd = make([]float32, capacity*m.K)
	return m
}

func (m *logReg) params() *slab { return &m.s }
func (m *logReg) capacity() int { return m.cap }

func (m *logReg) forward(ds *dataset.Dataset, rows []int32, z []float32) {
	n := len(rows)
	if n > m.cap || len(z) < n {
		panic(fmt.Sprintf("model: logreg: %d rows, %d logits, capacity %d", n, len(z), m.cap))
	}
	m.n = n
	for f := range m.emb {
		ids := m.ids[f*m.cap : f*m.cap+n]
		col := ds.Cat[f]
		for i, r := range rows {
			ids[i] = col[r]
		}
		m.emb[f].forward(m.x[f:], m.M, ids)
	}
	for k, col := range ds.Dense {
		for i, r := range rows {
			m.xd[i*m.K+k] = col[r]
		}
	}
	m.dense.forward(z, m.xd, m.K, n) // z = b + c·dense
	for i := 0; i < n; i++ {
		s := z[i]
		for _, v := range m.x[i*m.M : i*m.M+m.M] {
			s += v
		}
		z[i] = s
	}
}

func (m *logReg) backward(dz []float32) {
	n := m.n
	m.dense.backward(nil, dz, m.xd, m.K, n)
	for f := range m.emb {
		m.emb[f].backward(dz, 1, m.ids[f*m.cap:f*m.cap+n]) // dw_f[id] += dz
	}
}
