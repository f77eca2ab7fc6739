package model

import (
	"math/rand/v2"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// Regularisers of the embeddings that the inputs front end applies, because
// it alone knows which rows and values a batch looked up.

// embDropout is inverted dropout (Params.EmbeddingDropout) on what a
// training batch looked up: the field slots f_1..f_M of the model's input
// (pooled fields included) and the history positions e (padding included;
// it is never read). One mask value per looked-up value:
//
//	x ← mask ⊙ x,  e ← mask ⊙ e          (forward, training only)
//	dx ← mask ⊙ dx, de ← mask ⊙ de       (backward, before the scatter into the tables)
//
// The mask comes from the dropout layer (dropout.go) applied to ones, so
// the masks are drawn as the MLP's are, from the step's rng.
type embDropout struct {
	d      *dropout
	ones   []float32 // [cap·(F+E)]
	mask   []float32 // [cap·(F+E)]: row i's field mask at i·F, its history mask at n·F + i·E
	F, E   int       // values per row: field slots (M·D) and history (L·H)
	n      int       // rows of the last training forward; 0 after an evaluation one
	active bool
}

func newEmbDropout(rate float64, f, e, capacity int) *embDropout {
	ed := &embDropout{d: newDropout(rate, capacity*(f+e)), F: f, E: e,
		ones: make([]float32, capacity*(f+e)), mask: make([]float32, capacity*(f+e))}
	fill32(ed.ones, 1)
	return ed
}

func fill32(x []float32, v float32) {
	for i := range x {
		x[i] = v
	}
}

// dropEmbeddings applies embedding dropout to x's field slots (rows ldx
// apart) and to the history buffer e: a no-op without it or when rng is nil
// (evaluation). Call it after fields and history, before anything reads
// them.
func (in *inputs) dropEmbeddings(x []float32, ldx int, rng *rand.Rand) {
	ed := in.drop
	if ed == nil {
		return
	}
	ed.active = rng != nil
	if !ed.active {
		return
	}
	n, f, e := in.n, ed.F, ed.E
	ed.n = n
	m := ed.mask[:n*(f+e)]
	ed.d.forward(m, ed.ones[:n*(f+e)], rng)
	for i := 0; i < n; i++ {
		mulInPlace(x[i*ldx:i*ldx+f], m[i*f:i*f+f])
	}
	if in.seq {
		mulInPlace(in.e[:n*e], m[n*f:n*f+n*e])
	}
}

// dropEmbeddingsBackward masks dx's field slots and de like the forward:
// call it once both hold their whole gradient, before fieldsBackward and
// historyBackward.
func (in *inputs) dropEmbeddingsBackward(dx []float32, ldx int) {
	ed := in.drop
	if ed == nil || !ed.active {
		return
	}
	n, f, e := ed.n, ed.F, ed.E
	m := ed.mask[:n*(f+e)]
	for i := 0; i < n; i++ {
		mulInPlace(dx[i*ldx:i*ldx+f], m[i*f:i*f+f])
	}
	if in.seq {
		mulInPlace(in.de[:n*e], m[n*f:n*f+n*e])
	}
}

func mulInPlace(x, m []float32) {
	m = m[:len(x)]
	for j := range x {
		x[j] *= m[j]
	}
}

// batchL2 is the mini-batch-aware L2 of the DIN paper (Zhou et al. 2018,
// eq. 5–6): each embedding row j that a batch uses gets the gradient
//
//	dE[j] += λ·E[j]/n_j
//
// once per batch however often the batch uses it, where n_j is the number
// of train rows whose inputs use row j (the candidate, the history
// positions the model reads, a pooled list's items); rows the batch does
// not use get nothing, so the updates stay sparse (sparse.go), and a
// frequent row is regularised less per batch because it is in more of
// them. The ids are those in.load copied, so the term follows what the
// model reads (Params.MaxLen, Params.History).
type batchL2 struct {
	lambda float32
	inv    [][]float32 // per table: 1/n_j (0 when no train row uses j)
	mark   [][]uint32  // per table: the stamp of the last batch that used j
	stamp  uint32
}

// newBatchL2 counts, for each of in's tables, the train rows that use each
// row. in must be declared (ids and histories described), not yet bound.
func newBatchL2(in *inputs, ds *dataset.Dataset, lambda float64) *batchL2 {
	b := &batchL2{lambda: float32(lambda)}
	count := make([][]int32, len(in.vocab))
	for f, v := range in.vocab {
		count[f] = make([]int32, v)
		b.mark = append(b.mark, make([]uint32, v))
	}
	for _, r := range ds.Train {
		b.stamp++
		in.rowIDs(ds, r, func(f int, id int32) {
			if b.mark[f][id] != b.stamp {
				b.mark[f][id] = b.stamp
				count[f][id]++
			}
		})
	}
	for f, c := range count {
		inv := make([]float32, len(c))
		for j, n := range c {
			if n > 0 {
				inv[j] = 1 / float32(n)
			}
		}
		b.inv = append(b.inv, inv)
		clear(b.mark[f])
	}
	b.stamp = 0
	return b
}

// rowIDs calls fn with every (table, id) that dataset row r's inputs look
// up, as in.load would copy them.
func (in *inputs) rowIDs(ds *dataset.Dataset, r int32, fn func(f int, id int32)) {
	for f := 0; f < in.C; f++ {
		fn(f, ds.Cat[f][r])
	}
	for k, pl := range in.pl {
		sq := &ds.Pooled[k]
		ln := min(int(sq.Len[r]), pl, sq.MaxLen)
		for _, id := range sq.IDs[int(r)*sq.MaxLen : int(r)*sq.MaxLen+ln] {
			fn(in.C+k, id)
		}
	}
	if !in.seq {
		return
	}
	ln0 := min(int(ds.Seq[in.seqs[0]].Len[r]), in.L)
	for s, k := range in.seqs {
		sq := &ds.Seq[k]
		ln := min(int(sq.Len[r]), in.L, sq.MaxLen, ln0)
		for _, id := range sq.IDs[int(r)*sq.MaxLen : int(r)*sq.MaxLen+ln] {
			fn(in.ts[s], id)
		}
		for j := ln; j < ln0; j++ { // past its own length the model reads the padding id
			fn(in.ts[s], 0)
		}
	}
}

// batchL2Backward adds the mini-batch-aware L2 gradient for the loaded
// batch: a no-op without it.
func (in *inputs) batchL2Backward() {
	b := in.mba
	if b == nil {
		return
	}
	b.next()
	for f := 0; f < in.C; f++ {
		for _, id := range in.fieldIDs(f) {
			b.add(in, f, id)
		}
	}
	for k, pl := range in.pl {
		for i := 0; i < in.n; i++ {
			for _, id := range in.pids[k][i*pl : i*pl+int(in.plens[k][i])] {
				b.add(in, in.C+k, id)
			}
		}
	}
	for s, ids := range in.hists {
		for i := 0; i < in.n; i++ {
			for _, id := range ids[i*in.L : i*in.L+int(in.lens[i])] {
				b.add(in, in.ts[s], id)
			}
		}
	}
}

// addRows adds the mini-batch-aware L2 gradient of a batch of dataset rows
// into in's tables, from the rows' ids (rowIDs) rather than a loaded batch:
// the trainer calls it once per step when the batch is cut into slices, so
// that a row two slices use still gets the term once.
func (b *batchL2) addRows(in *inputs, ds *dataset.Dataset, rows []int32) {
	b.next()
	for _, r := range rows {
		in.rowIDs(ds, r, func(f int, id int32) { b.add(in, f, id) })
	}
}

// next starts a batch: a new stamp, so that each row is added once.
func (b *batchL2) next() {
	b.stamp++
	if b.stamp == 0 { // wrapped: forget every old mark
		for _, m := range b.mark {
			clear(m)
		}
		b.stamp = 1
	}
}

// add adds λ·E[id]/n_id to table f's gradient unless this batch already did.
func (b *batchL2) add(in *inputs, f int, id int32) {
	if b.mark[f][id] == b.stamp {
		return
	}
	b.mark[f][id] = b.stamp
	d, e := in.D, &in.emb[f]
	axpy(e.dE[int(id)*d:int(id)*d+d], b.lambda*b.inv[f][id], e.E[int(id)*d:int(id)*d+d])
}
