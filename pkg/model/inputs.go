package model

import (
	"fmt"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// inputs is the front end the embedding models share: it copies one batch's
// inputs out of the dataset (never writing it) and looks up embeddings.
//
//	f_1..f_M   categorical field embeddings, tables emb_<field> [V_f, D]
//	dense      the K dense values of each row (standardised by the loader)
//	history    the first sequence column: ids of the L most recent items
//	           (L = min(Params.MaxLen, the data's MaxLen); MaxLen 0 = all),
//	           looked up in the target field's table, real positions only
//
// Buffers, for up to cap rows:
//
//	ids [M, cap]  dense [cap, K]  hist [cap, L]  lens [cap]  e, de [cap, L, D]
type inputs struct {
	M, K, D int
	cap, n  int
	emb     []embedding
	ids     []int32
	dense   []float32

	seq   bool // the model uses a history
	t, L  int  // target field, history positions used
	hist  []int32
	lens  []int32
	e, de []float32

	vocab  []int // per field
	tables []int // slab tensor of each field's table
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
	in := &inputs{M: len(sc.Categorical), K: len(sc.Dense), D: d, seq: use != seqIgnore && hasSeq}
	if in.seq {
		sq := sc.Sequences[0]
		if sq.Field < 0 || sq.Field >= len(sc.Categorical) {
			return nil, fmt.Errorf("model: %s: sequence %q targets field %d, outside the %d categorical fields", p.Model, sq.Name, sq.Field, len(sc.Categorical))
		}
		in.t = sq.Field
		in.L = ds.Seq[0].MaxLen
		if p.MaxLen > 0 {
			in.L = min(in.L, p.MaxLen)
		}
	}
	for f, fd := range sc.Categorical {
		in.vocab = append(in.vocab, fd.Vocab)
		if d > 0 {
			in.tables = append(in.tables, s.addEmb("emb_"+fd.Name, f, fd.Vocab, d))
		}
	}
	return in, nil
}

// bind allocates the batch buffers for capacity rows and takes the tables'
// views; s must be allocated.
func (in *inputs) bind(s *slab, capacity int) {
	in.cap = capacity
	for f, id := range in.tables {
		in.emb = append(in.emb, embedding{V: in.vocab[f], D: in.D, E: s.w(id), dE: s.g(id)})
	}
	in.ids = make([]int32, in.M*capacity)
	in.dense = make([]float32, capacity*in.K)
	if in.seq {
		in.hist = make([]int32, capacity*in.L)
		in.lens = make([]int32, capacity)
		in.e = make([]float32, capacity*in.L*in.D)
		in.de = make([]float32, capacity*in.L*in.D)
	}
}

// load copies the ids, dense values and histories of rows.
func (in *inputs) load(ds *dataset.Dataset, rows []int32) {
	n := len(rows)
	if n > in.cap {
		panic(fmt.Sprintf("model: inputs: %d rows, capacity %d", n, in.cap))
	}
	in.n = n
	for f := 0; f < in.M; f++ {
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
	if !in.seq {
		return
	}
	sq := &ds.Seq[0]
	L := in.L
	for i, r := range rows {
		ln := min(int(sq.Len[r]), L)
		h := in.hist[i*L : i*L+L]
		copy(h[:ln], sq.IDs[int(r)*sq.MaxLen:int(r)*sq.MaxLen+ln])
		clear(h[ln:])
		in.lens[i] = int32(ln)
	}
}

// fieldIDs returns field f's ids of the loaded rows.
func (in *inputs) fieldIDs(f int) []int32 { return in.ids[f*in.cap : f*in.cap+in.n] }

// fields writes f_1..f_M of row i at x[i*ldx + f*D].
func (in *inputs) fields(x []float32, ldx int) {
	for f := range in.emb {
		in.emb[f].forward(x[f*in.D:], ldx, in.fieldIDs(f))
	}
}

// fieldsBackward scatters dx's field slots into the tables' gradients.
func (in *inputs) fieldsBackward(dx []float32, ldx int) {
	for f := range in.emb {
		in.emb[f].backward(dx[f*in.D:], ldx, in.fieldIDs(f))
	}
}

// denseTo writes the dense values of row i at x[i*ldx + off + k].
func (in *inputs) denseTo(x []float32, ldx, off int) {
	for i := 0; i < in.n; i++ {
		copy(x[i*ldx+off:i*ldx+off+in.K], in.dense[i*in.K:i*in.K+in.K])
	}
}

// history looks up e [n, L, D] at the real positions and clears de.
func (in *inputs) history() {
	L, d := in.L, in.D
	for i := 0; i < in.n; i++ {
		in.emb[in.t].forward(in.e[i*L*d:], d, in.hist[i*L:i*L+int(in.lens[i])])
	}
	clear(in.de[:in.n*L*d])
}

// historyBackward scatters de's real positions into the target table.
func (in *inputs) historyBackward() {
	L, d := in.L, in.D
	for i := 0; i < in.n; i++ {
		in.emb[in.t].backward(in.de[i*L*d:], d, in.hist[i*L:i*L+int(in.lens[i])])
	}
}

// meanPool writes u_i = (1/len)·Σ_{j<len} e_ij at u[i*ldu] (0 for an empty
// history).
func (in *inputs) meanPool(u []float32, ldu int) {
	L, d := in.L, in.D
	for i := 0; i < in.n; i++ {
		ur := u[i*ldu : i*ldu+d]
		clear(ur)
		ln := int(in.lens[i])
		if ln == 0 {
			continue
		}
		inv := 1 / float32(ln)
		for j := 0; j < ln; j++ {
			axpy(ur, inv, in.e[(i*L+j)*d:(i*L+j)*d+d])
		}
	}
}

// meanPoolBackward: de_ij += du_i/len.
func (in *inputs) meanPoolBackward(du []float32, ldu int) {
	L, d := in.L, in.D
	for i := 0; i < in.n; i++ {
		ln := int(in.lens[i])
		if ln == 0 {
			continue
		}
		inv := 1 / float32(ln)
		dur := du[i*ldu : i*ldu+d]
		for j := 0; j < ln; j++ {
			axpy(in.de[(i*L+j)*d:(i*L+j)*d+d], inv, dur)
		}
	}
}
