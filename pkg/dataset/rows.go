package dataset

// Rows given value by value (a scoring request's JSON), encoded as Encode
// encodes files: the same vocabularies, lengths, statistics and missing
// policy, so a row scores the same whether it came in a Parquet file or a
// request.

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Rows builds a Dataset of n rows (all in its Test split) from raw values
// set one at a time with Set. Every input of every row must be set: an
// unset categorical is unknown, an unset dense value 0.
type Rows struct {
	D       *Dataset
	e       *encoder
	inputs  []Input
	at      []rowSlot // per input: where its values go
	unknown []int     // per input: values (list items) that got the unknown id
}

// rowSlot says where one input's values go in the Dataset.
type rowSlot struct {
	t     colType
	cat   int // categorical field, or -1
	seq   int // sequence, or -1
	pool  int // pooled column, or -1
	dense int // dense encoder, or -1
	col   int // dense: first column in Dataset.Dense
	ind   int // dense: its missing indicator column, or -1
}

// NewRows starts a Dataset of n rows with d's encoding (d from Load,
// Encode or EncoderState.Dataset).
func (d *Dataset) NewRows(n int) (*Rows, error) {
	e := d.enc
	if e == nil {
		return nil, fmt.Errorf("dataset: NewRows needs a Dataset made by Load or a restored state")
	}
	p := e.plan
	out := &Dataset{Schema: e.schema.clone(), N: n, Label: make([]float32, n), Train: []int32{}, Valid: []int32{},
		Test: make([]int32, n), Cat: make([][]int32, len(p.cat)), enc: e}
	for i := range out.Test {
		out.Test[i] = int32(i)
	}
	for f := range out.Cat {
		out.Cat[f] = make([]int32, n)
	}
	for _, s := range p.seqs {
		out.Seq = append(out.Seq, SeqColumn{MaxLen: s.MaxLen, IDs: make([]int32, n*s.MaxLen), Len: make([]int32, n)})
	}
	for _, l := range e.pooledLen {
		out.Pooled = append(out.Pooled, SeqColumn{MaxLen: l, IDs: make([]int32, n*l), Len: make([]int32, n)})
	}
	out.Dense = make([][]float32, len(e.schema.Dense))
	for k := range out.Dense {
		out.Dense[k] = make([]float32, n)
	}
	b := &Rows{D: out, e: e, inputs: d.Inputs()}
	b.unknown = make([]int, len(b.inputs))
	col, ind := 0, 0
	for _, de := range e.dense {
		col += de.k
	}
	denseCol := make([]int, len(e.dense))
	denseInd := make([]int, len(e.dense))
	for j, de := range e.dense {
		denseInd[j] = -1
		if de.missing {
			denseInd[j] = col + ind
			ind++
		}
	}
	for j := 1; j < len(e.dense); j++ {
		denseCol[j] = denseCol[j-1] + e.dense[j-1].k
	}
	for _, in := range b.inputs {
		s := rowSlot{t: e.types[in.Name], cat: index(p.cat, in.Name), seq: index(seqNames(p.seqs), in.Name),
			pool: index(p.pooled, in.Name), dense: index(p.dense, in.Name), ind: -1}
		if s.dense >= 0 {
			s.col, s.ind = denseCol[s.dense], denseInd[s.dense]
		}
		b.at = append(b.at, s)
	}
	return b, nil
}

func index(names []string, name string) int {
	for i, s := range names {
		if s == name {
			return i
		}
	}
	return -1
}

// Inputs are the columns to set, in order (Dataset.Inputs).
func (b *Rows) Inputs() []Input { return b.inputs }

// Unknown is, per input, how many values (for lists, items) were not in
// the vocabulary and got the unknown id 0 (a null without an id of its
// own too).
func (b *Rows) Unknown() []int { return b.unknown }

// Set encodes value v of input i (an index into Inputs) for row r. v is
// what encoding/json decodes (with UseNumber or not): nil for null, bool,
// json.Number or float64 (or int64, int) for numbers, string, and []any
// for a list. The error says what is wrong with v, for the caller to name
// the row and the column.
func (b *Rows) Set(i, r int, v any) error {
	s := b.at[i]
	switch {
	case s.cat >= 0:
		id, err := b.id(b.e.cats[s.cat], s.t.kind, v)
		if err != nil {
			return err
		}
		b.D.Cat[s.cat][r] = id
		b.count(i, id)
		return nil
	case s.seq >= 0:
		sq := b.e.plan.seqs[s.seq]
		return b.list(i, b.e.cats[sq.Field], s.t.kind, &b.D.Seq[s.seq], r, v)
	case s.pool >= 0:
		return b.list(i, b.e.pooled[s.pool], s.t.kind, &b.D.Pooled[s.pool], r, v)
	}
	return b.dense(s, b.e.dense[s.dense], r, v)
}

func (b *Rows) count(i int, id int32) {
	if id == 0 {
		b.unknown[i]++
	}
}

// id is the id of one categorical value of kind k.
func (b *Rows) id(voc *vocab, k valueKind, v any) (int32, error) {
	if v == nil {
		if voc.null == 0 {
			return 0, nil
		}
		return voc.ids[voc.null], nil
	}
	switch k {
	case kindString:
		s, ok := v.(string)
		if !ok {
			return 0, fmt.Errorf("want a string, got %s", describe(v))
		}
		return voc.ids[voc.strs[s]], nil
	case kindBool:
		x, ok := v.(bool)
		if !ok {
			return 0, fmt.Errorf("want true or false, got %s", describe(v))
		}
		return voc.ids[voc.findInt(int64(boolInt(x)))], nil
	}
	x, err := integer(v)
	if err != nil {
		return 0, err
	}
	return voc.ids[voc.findInt(x)], nil
}

// list encodes a list value into row r of c: its first MaxLen non-null
// items (a null list is empty).
func (b *Rows) list(i int, voc *vocab, k valueKind, c *SeqColumn, r int, v any) error {
	ids := c.IDs[r*c.MaxLen : (r+1)*c.MaxLen]
	clear(ids)
	c.Len[r] = 0
	if v == nil {
		return nil
	}
	items, ok := v.([]any)
	if !ok {
		return fmt.Errorf("want a list, got %s", describe(v))
	}
	n := 0
	for j, x := range items {
		if x == nil {
			continue
		}
		if _, nested := x.([]any); nested {
			return fmt.Errorf("item %d: want one %s value, got a list", j, k)
		}
		id, err := b.id(voc, k, x)
		if err != nil {
			return fmt.Errorf("item %d: %w", j, err)
		}
		if n < c.MaxLen {
			ids[n] = id
			b.count(i, id)
			n++
		}
	}
	c.Len[r] = int32(n)
	return nil
}

// dense standardises a dense value or vector as denseEnc.applyPiece does.
func (b *Rows) dense(s rowSlot, de *denseEnc, r int, v any) error {
	missing := func(what string) error {
		if b.e.plan.strict {
			return fmt.Errorf("%s; the model was trained with columns.strict: dense values must not be null", what)
		}
		if s.ind >= 0 {
			b.D.Dense[s.ind][r] = 1
		}
		return nil
	}
	for c := range de.k {
		b.D.Dense[s.col+c][r] = 0
	}
	if s.ind >= 0 {
		b.D.Dense[s.ind][r] = 0
	}
	if v == nil {
		return missing("null")
	}
	xs := []any{v}
	if de.list {
		l, ok := v.([]any)
		if !ok {
			return fmt.Errorf("want a list of %d numbers, got %s", de.k, describe(v))
		}
		if len(l) != de.k {
			return fmt.Errorf("want a list of %d numbers, got %d", de.k, len(l))
		}
		xs = l
	}
	for c, xv := range xs {
		at := ""
		if de.list {
			at = fmt.Sprintf("item %d: ", c)
		}
		if xv == nil {
			if err := missing(at + "null"); err != nil {
				return err
			}
			continue
		}
		x, err := finiteNumber(xv)
		if err != nil {
			return fmt.Errorf("%s%w", at, err)
		}
		z := float32((x - de.mean[c]) / de.std[c])
		if math.IsInf(float64(z), 0) {
			return fmt.Errorf("%s%g, which standardised with the train mean %g and standard deviation %g is beyond float32", at, x, de.mean[c], de.std[c])
		}
		b.D.Dense[s.col+c][r] = z
	}
	return nil
}

// integer is v as an int64: a number without a fraction.
func integer(v any) (int64, error) {
	switch x := v.(type) {
	case json.Number:
		i, err := strconv.ParseInt(string(x), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("want an integer, got %s", x)
		}
		return i, nil
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	case float64:
		if x != math.Trunc(x) || math.Abs(x) >= 1<<63 {
			return 0, fmt.Errorf("want an integer, got %v", x)
		}
		return int64(x), nil
	}
	return 0, fmt.Errorf("want an integer, got %s", describe(v))
}

// finiteNumber is v as a float64: a finite number, or a bool as 0 or 1.
func finiteNumber(v any) (float64, error) {
	var x float64
	switch t := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil {
			return 0, fmt.Errorf("want a finite number, got %s", t)
		}
		x = f
	case float64:
		x = t
	case int64:
		x = float64(t)
	case int:
		x = float64(t)
	case bool:
		x = float64(boolInt(t))
	default:
		return 0, fmt.Errorf("want a number, got %s", describe(v))
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, fmt.Errorf("want a finite number, got %v", x)
	}
	return x, nil
}

// describe names a JSON value's kind for messages.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return fmt.Sprintf("a boolean (%v)", x)
	case json.Number, float64, int64, int:
		return fmt.Sprintf("a number (%v)", x)
	case string:
		if len(x) > 40 {
			x = x[:40] + "…"
		}
		return fmt.Sprintf("a string (%q)", x)
	case []any:
		return fmt.Sprintf("a list of %d", len(x))
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
