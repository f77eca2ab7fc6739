package model

import (
	"math"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// Sparse embedding updates. A batch reads a few rows of each embedding
// table; the others get a zero gradient. Sweeping a whole table each step
// (clearing its gradient, the optimizer's loop) costs O(vocabulary) per step
// whatever the batch, so with a million-item vocabulary the tables, not the
// network, would set the speed. A step therefore hands the optimizer:
//
//   - every tensor that is not a lookup table (weights, biases, AutoInt's
//     dense-feature vectors, BST's position embeddings), whole;
//   - of each lookup table (an embedding with a field), only the rows the
//     batch's ids name: the categorical value, the history items the model
//     reads in it (the positions up to its max_len of the history columns
//     it uses whose target is that field, and, for a history column after
//     the first, its padding id 0), the pooled list's items. A table the
//     model never reads histories through (logreg's, the wide part of
//     deepfm, the category table of `history: first`) plans no history
//     items: they are neither read from the data nor stepped.
//
// With an embedding L2 (λ > 0) the gradient λ·E is non-zero on every row, and
// The BARS protocol adds it over the whole table each batch: then the tables
// are updated whole too, gradient clearing, L2 and the optimizer each one
// pass. With λ = 0:
//
//   - sgd and adagrad give exactly the dense result (a zero gradient does not
//     move a weight or the accumulator);
//   - momentum, rmsprop, adam and adamw become their "lazy" variants (as
//     TensorFlow's LazyAdam or PyTorch's SparseAdam): an unused row keeps its
//     weights and state until it is used again, instead of drifting on its
//     momentum or decaying its averages.
//
// The gradient slab stays all zero between steps: apply clears exactly the
// ranges it updated, and backward writes only into those.
type updatePlan struct {
	dense  [][2]int // [lo, hi) offsets updated whole every step, merged where adjacent
	tables []sparseTable
	stamp  uint32 // this step's mark
}

// sparseTable is one lookup table updated row by row.
type sparseTable struct {
	off, d  int
	field   int      // the tensor's Field
	hist    []int    // the tensor's Hist: history columns looked up here
	histLen int      // positions read of each
	mark    []uint32 // [vocab] the stamp of the last step that used the row
	rows    []int32  // rows the current batch uses, each once
}

// newUpdatePlan lays out the updates of s's trainable tensors for ds and
// batches of up to capacity rows. sparse false (or an embedding L2) makes
// every update dense.
func newUpdatePlan(s *slab, ds *dataset.Dataset, capacity int, sparse bool) *updatePlan {
	u := &updatePlan{}
	for _, t := range s.tensors {
		if t.Kind == kindState || t.Len == 0 {
			continue
		}
		if sparse && t.Kind == kindEmbedding && t.Field >= 0 {
			vocab, d := t.Shape[0], t.Shape[1]
			u.tables = append(u.tables, sparseTable{off: t.Off, d: d, field: t.Field, hist: t.Hist, histLen: t.HistLen,
				mark: make([]uint32, vocab), rows: make([]int32, 0, min(vocab, capacity*idsPerRow(ds, t)))})
			continue
		}
		if n := len(u.dense); n > 0 && u.dense[n-1][1] == t.Off {
			u.dense[n-1][1] = t.Off + t.Len
		} else {
			u.dense = append(u.dense, [2]int{t.Off, t.Off + t.Len})
		}
	}
	return u
}

// idsPerRow is the most ids one row holds for table t.
func idsPerRow(ds *dataset.Dataset, t tensor) int {
	if c := len(ds.Cat); t.Field >= c {
		return ds.Pooled[t.Field-c].MaxLen
	}
	return 1 + len(t.Hist)*(t.HistLen+1)
}

// collect records the rows of each table that the batch rows use.
func (u *updatePlan) collect(ds *dataset.Dataset, rows []int32) {
	if len(u.tables) == 0 {
		return
	}
	u.stamp++
	if u.stamp == 0 { // wrapped: forget every old mark
		for i := range u.tables {
			clear(u.tables[i].mark)
		}
		u.stamp = 1
	}
	c := len(ds.Cat)
	for i := range u.tables {
		t := &u.tables[i]
		t.rows = t.rows[:0]
		if t.field >= c {
			t.addLists(&ds.Pooled[t.field-c], rows, u.stamp)
			continue
		}
		for _, r := range rows {
			t.add(ds.Cat[t.field][r], u.stamp)
		}
		for _, k := range t.hist {
			sq := &ds.Seq[k]
			t.addHistory(sq, rows, min(t.histLen, sq.MaxLen), u.stamp)
			if k > 0 {
				// A history column after the first, shorter than the
				// first, is read as the padding id up to the first's
				// length (inputs.go).
				t.add(0, u.stamp)
			}
		}
	}
}

func (t *sparseTable) add(id int32, stamp uint32) {
	if t.mark[id] != stamp {
		t.mark[id] = stamp
		t.rows = append(t.rows, id)
	}
}

func (t *sparseTable) addLists(col *dataset.SeqColumn, rows []int32, stamp uint32) {
	t.addHistory(col, rows, col.MaxLen, stamp)
}

// addHistory adds the first l ids (at most) of each row's list in col.
func (t *sparseTable) addHistory(col *dataset.SeqColumn, rows []int32, l int, stamp uint32) {
	for _, r := range rows {
		start := int(r) * col.MaxLen
		for _, id := range col.IDs[start : start+min(int(col.Len[r]), l)] {
			t.add(id, stamp)
		}
	}
}

// each calls fn with every planned range [lo, hi) of the slab: the dense
// ranges, then each table's rows of this step.
func (u *updatePlan) each(fn func(lo, hi int)) {
	for _, r := range u.dense {
		fn(r[0], r[1])
	}
	for i := range u.tables {
		t := &u.tables[i]
		for _, id := range t.rows {
			lo := t.off + int(id)*t.d
			fn(lo, lo+t.d)
		}
	}
}

// clip rescales this step's gradient so that its L2 norm over every
// trainable parameter is at most maxNorm: G ×= maxNorm/(‖G‖ + 1e-6) when that
// is below 1 (PyTorch's clip_grad_norm_). Outside the planned ranges G is
// zero, so the ranges hold the whole norm and clipping stays sparse. It
// returns ‖G‖ before clipping.
func (u *updatePlan) clip(s *slab, maxNorm float64) float64 {
	var ss float64
	u.each(func(lo, hi int) { ss += sumSquares(s.G[lo:hi]) })
	norm := math.Sqrt(ss)
	c := maxNorm / (norm + 1e-6)
	if !(c < 1) {
		return norm
	}
	f := float32(c)
	u.each(func(lo, hi int) { scaleInPlace(s.G[lo:hi], f) })
	return norm
}

func sumSquares(g []float32) float64 {
	var ss float64
	for _, v := range g {
		ss += float64(v) * float64(v)
	}
	return ss
}

func scaleInPlace(g []float32, f float32) {
	for i := range g {
		g[i] *= f
	}
}

// apply runs one optimizer step over the planned ranges and clears their
// gradients.
func (u *updatePlan) apply(o optimizer, s *slab, lr float64) {
	o.begin(lr)
	u.each(func(lo, hi int) {
		o.update(s.W[lo:hi], s.G[lo:hi], lo)
		clear(s.G[lo:hi])
	})
}
