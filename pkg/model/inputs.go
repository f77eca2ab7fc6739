package model

import (
	"fmt"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// inputs is the front end the embedding models share: it copies one batch's
// inputs out of the dataset (never writing it) and looks up embeddings.
//
//	f_1..f_C   categorical field embeddings, tables emb_<field> [V_f, D]
//	f_C+1..f_M pooled fields: f = (1/len)·Σ_{j<len} P[id_j], the mean of the
//	           embeddings of a row's list items (0 for an empty list), one
//	           table pool_<name> [V, D] per pooled column; ids past Len are
//	           padding, an id 0 within Len is the unknown item
//	dense      the K dense values of each row (standardised by the loader)
//	history    S sequence columns (Params.History "all": every one; "first":
//	           the first), each looked up in its target field's table: the
//	           ids of the L most recent items (L = min(Params.MaxLen, the
//	           first column's MaxLen); MaxLen 0 = all). Position j of a row is
//	           e_j = [E_t1[h1_j], …, E_tS[hS_j]], H = S·D values, the way DIN
//	           and DIEN concatenate an item's and its category's embeddings;
//	           the row's length is the first column's (the others are read
//	           as they are, 0 past their own length). Real positions only.
//	target     v = [f_t1, …, f_tS], the candidate the same way (H values)
//
// With one sequence column (or "first") H = D and v = f_t: the layout and
// the arithmetic of the single-history models.
//
// Buffers, for up to cap rows:
//
//	ids [C, cap]  dense [cap, K]  hists[s] [cap, L]  lens [cap]  e, de [cap, L, H]  v, dv [cap, H]
//	pids[k] [cap, PL_k]  plens[k] [cap]   (PL_k = pooled column k's MaxLen)
type inputs struct {
	M, K, D int // M = C categorical + the pooled fields
	C       int // categorical fields: f < C indexes ds.Cat, f ≥ C is pooled column f−C
	cap, n  int
	emb     []embedding
	ids     []int32
	dense   []float32

	seq   bool  // the model uses a history
	t, L  int   // first target field, history positions used
	S, H  int   // sequence columns used, H = S·D values per position
	seqs  []int // [S] their indices in ds.Seq
	ts    []int // [S] their target fields
	hists [][]int32
	hist  []int32 // hists[0]: the ids attention readouts show
	lens  []int32
	e, de []float32
	v, dv []float32

	vocab  []int // per field
	tables []int // slab tensor of each field's table

	pl    []int     // per pooled column: MaxLen
	pids  [][]int32 // per pooled column: [cap, pl] item ids, 0 past the length
	plens [][]int32 // per pooled column: [cap] list lengths

	dropRate float64     // Params.EmbeddingDropout, for the models that take it
	drop     *embDropout // nil without
	mba      *batchL2    // Params.L2Batch; nil without
}

// seqUse says what a model does with the data's history.
type seqUse int

const (
	seqIgnore   seqUse = iota // never reads it
	seqOptional               // uses it when the data has one
	seqRequired               // an error without one
)

// declareInputs declares one embedding table of dimension d per categorical
// field (none when d is 0: the model only wants the ids and dense values).
// Call bind after s.alloc().
func declareInputs(s *slab, ds *dataset.Dataset, p Params, d int, use seqUse) (*inputs, error) {
	sc := ds.Schema
	hasSeq := len(sc.Sequences) > 0 && len(ds.Seq) > 0
	if use == seqRequired && !hasSeq {
		return nil, fmt.Errorf("model: %s needs a history column, and the data has no sequence (Schema.Sequences is empty)", p.Model)
	}
	if len(ds.Pooled) != len(sc.Pooled) {
		return nil, fmt.Errorf("model: %s: %d pooled columns, schema has %d", p.Model, len(ds.Pooled), len(sc.Pooled))
	}
	in := &inputs{M: len(sc.Categorical) + len(sc.Pooled), C: len(sc.Categorical), K: len(sc.Dense), D: d, seq: use != seqIgnore && hasSeq}
	if in.seq {
		if err := in.declareHistory(ds, p); err != nil {
			return nil, err
		}
	}
	for f, fd := range sc.Categorical {
		in.vocab = append(in.vocab, fd.Vocab)
		if d > 0 {
			in.tables = append(in.tables, s.addEmb("emb_"+fd.Name, f, fd.Vocab, d))
		}
	}
	for k, fd := range sc.Pooled {
		in.vocab = append(in.vocab, fd.Vocab)
		in.pl = append(in.pl, ds.Pooled[k].MaxLen)
		if d > 0 {
			in.tables = append(in.tables, s.addEmb("pool_"+fd.Name, in.C+k, fd.Vocab, d))
		}
	}
	if in.seq && d > 0 {
		for j, k := range in.seqs {
			s.readsHistory(in.tables[in.ts[j]], k, in.L)
		}
	}
	if h, _ := LookupHyper("embedding_dropout"); d > 0 && h.UsedByModel(p.Model) {
		in.dropRate = p.EmbeddingDropout
	}
	if d > 0 && p.L2Batch > 0 {
		in.mba = newBatchL2(in, ds, p.L2Batch)
		s.l2in = in
	}
	return in, nil
}

// declareHistory picks the sequence columns p's model reads: every one
// when the model takes Params.History and it is not "first", else the
// first.
func (in *inputs) declareHistory(ds *dataset.Dataset, p Params) error {
	sc := ds.Schema
	n := 1
	if h, _ := LookupHyper("history"); h.UsedByModel(p.Model) && p.History != "first" {
		n = len(sc.Sequences)
	}
	for k, sq := range sc.Sequences[:n] {
		if sq.Field < 0 || sq.Field >= len(sc.Categorical) {
			return fmt.Errorf("model: %s: sequence %q targets field %d, outside the %d categorical fields", p.Model, sq.Name, sq.Field, len(sc.Categorical))
		}
		in.seqs = append(in.seqs, k)
		in.ts = append(in.ts, sq.Field)
	}
	in.t = in.ts[0]
	in.S, in.H = n, n*in.D
	in.L = ds.Seq[0].MaxLen
	if p.MaxLen > 0 {
		in.L = min(in.L, p.MaxLen)
	}
	return nil
}

// bind allocates the batch buffers for capacity rows and takes the tables'
// views; s must be allocated.
func (in *inputs) bind(s *slab, capacity int) {
	in.cap = capacity
	for f, id := range in.tables {
		in.emb = append(in.emb, embedding{V: in.vocab[f], D: in.D, E: s.w(id), dE: s.g(id)})
	}
	in.ids = make([]int32, in.C*capacity)
	for _, pl := range in.pl {
		in.pids = append(in.pids, make([]int32, capacity*pl))
		in.plens = append(in.plens, make([]int32, capacity))
	}
	in.dense = make([]float32, capacity*in.K)
	if in.seq {
		for range in.seqs {
			in.hists = append(in.hists, make([]int32, capacity*in.L))
		}
		in.hist = in.hists[0]
		in.lens = make([]int32, capacity)
		in.e = make([]float32, capacity*in.L*in.H)
		in.de = make([]float32, capacity*in.L*in.H)
		in.v = make([]float32, capacity*in.H)
		in.dv = make([]float32, capacity*in.H)
	}
	if in.dropRate > 0 {
		in.drop = newEmbDropout(in.dropRate, in.M*in.D, in.L*in.H, capacity)
	}
}

// load copies the ids, dense values, pooled lists and histories of rows.
func (in *inputs) load(ds *dataset.Dataset, rows []int32) {
	n := len(rows)
	if n > in.cap {
		panic(fmt.Sprintf("model: inputs: %d rows, capacity %d", n, in.cap))
	}
	in.n = n
	for f := 0; f < in.C; f++ {
		ids, col := in.ids[f*in.cap:f*in.cap+n], ds.Cat[f]
		for i, r := range rows {
			ids[i] = col[r]
		}
	}
	for k, col := range ds.Dense {
		for i, r := range rows {
			in.dense[i*in.K+k] = col[r]
		}
	}
	for k, pl := range in.pl {
		sq, ids, lens := &ds.Pooled[k], in.pids[k], in.plens[k]
		for i, r := range rows {
			ln := min(int(sq.Len[r]), pl, sq.MaxLen)
			h := ids[i*pl : i*pl+pl]
			copy(h[:ln], sq.IDs[int(r)*sq.MaxLen:int(r)*sq.MaxLen+ln])
			clear(h[ln:])
			lens[i] = int32(ln)
		}
	}
	if !in.seq {
		return
	}
	L := in.L
	for s, k := range in.seqs {
		sq := &ds.Seq[k]
		for i, r := range rows {
			ln := min(int(sq.Len[r]), L, sq.MaxLen)
			h := in.hists[s][i*L : i*L+L]
			copy(h[:ln], sq.IDs[int(r)*sq.MaxLen:int(r)*sq.MaxLen+ln])
			clear(h[ln:])
			if s == 0 {
				in.lens[i] = int32(ln)
			}
		}
	}
}

// fieldIDs returns categorical field f's ids (f < C) of the loaded rows.
func (in *inputs) fieldIDs(f int) []int32 { return in.ids[f*in.cap : f*in.cap+in.n] }

// fields writes f_1..f_M of row i at x[i*ldx + f*D] (the pooled means at
// the slots C..M−1).
func (in *inputs) fields(x []float32, ldx int) {
	for f := 0; f < in.C; f++ {
		in.emb[f].forward(x[f*in.D:], ldx, in.fieldIDs(f))
	}
	for k := range in.pl {
		in.pooled(k, &in.emb[in.C+k], x[(in.C+k)*in.D:], ldx)
	}
}

// fieldsBackward scatters dx's field slots into the tables' gradients, and
// adds the mini-batch-aware L2 of every row the batch uses (regularise.go).
func (in *inputs) fieldsBackward(dx []float32, ldx int) {
	for f := 0; f < in.C; f++ {
		in.emb[f].backward(dx[f*in.D:], ldx, in.fieldIDs(f))
	}
	for k := range in.pl {
		in.pooledBackward(k, &in.emb[in.C+k], dx[(in.C+k)*in.D:], ldx)
	}
	in.batchL2Backward()
}

// pooled writes the mean of e's rows at pooled column k's loaded items,
// (1/len)·Σ_{j<len} E[id_j], for row i at out[i*ldo : i*ldo+e.D] (0 for an
// empty list). e is a table of that column's vocabulary, of any dimension.
func (in *inputs) pooled(k int, e *embedding, out []float32, ldo int) {
	pl, ids, lens, d := in.pl[k], in.pids[k], in.plens[k], e.D
	for i := 0; i < in.n; i++ {
		o := out[i*ldo : i*ldo+d]
		clear(o)
		ln := int(lens[i])
		if ln == 0 {
			continue
		}
		inv := 1 / float32(ln)
		for _, id := range ids[i*pl : i*pl+ln] {
			if uint32(id) >= uint32(e.V) {
				panic(fmt.Sprintf("model: pooled: id %d out of range [0, %d)", id, e.V))
			}
			row := e.E[int(id)*d : int(id)*d+d]
			for c := range o {
				o[c] += inv * row[c]
			}
		}
	}
}

// pooledBackward is pooled's backward: dE[id_j] += dout_i/len for every item.
func (in *inputs) pooledBackward(k int, e *embedding, dout []float32, ldo int) {
	pl, ids, lens, d := in.pl[k], in.pids[k], in.plens[k], e.D
	for i := 0; i < in.n; i++ {
		ln := int(lens[i])
		if ln == 0 {
			continue
		}
		inv := 1 / float32(ln)
		g := dout[i*ldo : i*ldo+d]
		for _, id := range ids[i*pl : i*pl+ln] {
			if uint32(id) >= uint32(e.V) {
				panic(fmt.Sprintf("model: pooled: id %d out of range [0, %d)", id, e.V))
			}
			row := e.dE[int(id)*d : int(id)*d+d]
			for c := range row {
				row[c] += inv * g[c]
			}
		}
	}
}

// denseTo writes the dense values of row i at x[i*ldx + off + k].
func (in *inputs) denseTo(x []float32, ldx, off int) {
	for i := 0; i < in.n; i++ {
		copy(x[i*ldx+off:i*ldx+off+in.K], in.dense[i*in.K:i*in.K+in.K])
	}
}

// history looks up e [n, L, H] at the real positions and clears de.
func (in *inputs) history() {
	L, d, h := in.L, in.D, in.H
	for s, ids := range in.hists {
		for i := 0; i < in.n; i++ {
			in.emb[in.ts[s]].forward(in.e[i*L*h+s*d:], h, ids[i*L:i*L+int(in.lens[i])])
		}
	}
	clear(in.de[:in.n*L*h])
}

// historyBackward scatters de's real positions into the target tables.
func (in *inputs) historyBackward() {
	L, d, h := in.L, in.D, in.H
	for s, ids := range in.hists {
		for i := 0; i < in.n; i++ {
			in.emb[in.ts[s]].backward(in.de[i*L*h+s*d:], h, ids[i*L:i*L+int(in.lens[i])])
		}
	}
}

// target copies v_i = [f_t1, …, f_tS] out of x's field slots (row i at
// x[i*ldx]) into in.v [n, H].
func (in *inputs) target(x []float32, ldx int) {
	d, h := in.D, in.H
	for i := 0; i < in.n; i++ {
		for s, t := range in.ts {
			copy(in.v[i*h+s*d:i*h+s*d+d], x[i*ldx+t*d:i*ldx+t*d+d])
		}
	}
}

// targetGrad copies dx's target slots into in.dv, so that the model adds
// the attention's gradient to what the MLP put there, in the order of the
// single-history models; targetGradBack copies the sum back.
func (in *inputs) targetGrad(dx []float32, ldx int) {
	d, h := in.D, in.H
	for i := 0; i < in.n; i++ {
		for s, t := range in.ts {
			copy(in.dv[i*h+s*d:i*h+s*d+d], dx[i*ldx+t*d:i*ldx+t*d+d])
		}
	}
}

func (in *inputs) targetGradBack(dx []float32, ldx int) {
	d, h := in.D, in.H
	for i := 0; i < in.n; i++ {
		for s, t := range in.ts {
			copy(dx[i*ldx+t*d:i*ldx+t*d+d], in.dv[i*h+s*d:i*h+s*d+d])
		}
	}
}

// meanPool writes u_i = (1/len)·Σ_{j<len} e_ij (H values) at u[i*ldu] (0
// for an empty history).
func (in *inputs) meanPool(u []float32, ldu int) {
	L, h := in.L, in.H
	for i := 0; i < in.n; i++ {
		ur := u[i*ldu : i*ldu+h]
		clear(ur)
		ln := int(in.lens[i])
		if ln == 0 {
			continue
		}
		inv := 1 / float32(ln)
		for j := 0; j < ln; j++ {
			axpy(ur, inv, in.e[(i*L+j)*h:(i*L+j)*h+h])
		}
	}
}

// meanPoolBackward: de_ij += du_i/len.
func (in *inputs) meanPoolBackward(du []float32, ldu int) {
	L, h := in.L, in.H
	for i := 0; i < in.n; i++ {
		ln := int(in.lens[i])
		if ln == 0 {
			continue
		}
		inv := 1 / float32(ln)
		dur := du[i*ldu : i*ldu+h]
		for j := 0; j < ln; j++ {
			axpy(in.de[(i*L+j)*h:(i*L+j)*h+h], inv, dur)
		}
	}
}
