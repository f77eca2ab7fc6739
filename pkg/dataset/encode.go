package dataset

// Encoding: Arrow pieces → Dataset slices.
//
// Every column is read in pieces of pieceRows rows (colReader) and encoded
// piece by piece into slices allocated once for all rows; one task per
// categorical field (with the histories that share its vocabulary), pooled
// column, dense column, label, p_true and group, run side by side. Within
// a task the files are read one after the other, or Source.Readers of them
// at a time (table.scan); the result is the same either way.
//
// A piece is seen as lists (listPiece): a scalar column is a list of one
// value per row, so that scalar and list columns share one encoding path.
//
// Fitting (Load) learns from the train rows while it encodes: vocabularies
// (vocab.go: provisional indexes, then final ids and a remap of the
// columns), the longest pooled list, and the dense statistics (dense.go: a
// first pass over the column for the train mean and standard deviation, a
// second to write). The encoder keeps what it learned; Dataset.Encode runs
// it again on other files without fitting.

import (
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
)

// pieceRows is how many rows of a column are read into Arrow at a time
// (a variable so that tests can make pieces small).
var pieceRows = 1 << 16

// listPiece is a piece of a column seen as lists: row r holds the values
// vals[offs[r]:offs[r+1]]. A scalar column is a list of one value per row
// (scalar is true, rows nil).
type listPiece struct {
	offs   []int32
	vals   arrow.Array // *array.Int64, *array.Float64, *array.String or *array.Boolean
	rows   *array.List // the list array, for its null rows; nil for a scalar column
	scalar bool
}

func asLists(a arrow.Array) listPiece {
	if l, ok := a.(*array.List); ok {
		return listPiece{offs: l.Offsets()[:l.Len()+1], vals: l.ListValues(), rows: l}
	}
	return listPiece{offs: identity(a.Len()), vals: a, scalar: true}
}

func (p listPiece) len() int { return len(p.offs) - 1 }

// rowNull reports whether row r is a null list (its list is then empty).
func (p listPiece) rowNull(r int) bool { return p.rows != nil && p.rows.IsNull(r) }

var (
	identMu sync.Mutex
	ident   []int32 // 0, 1, 2, …: filled before it is shared, then only read
)

// identity returns the offsets 0, 1, …, n of n lists of one value.
func identity(n int) []int32 {
	identMu.Lock()
	defer identMu.Unlock()
	if len(ident) < n+1 {
		next := make([]int32, max(n+1, 2*len(ident)))
		for i := range next {
			next[i] = int32(i)
		}
		ident = next
	}
	return ident[:n+1]
}

// encoder encodes a table's columns following a plan. Load fits it; after
// that it is only read, so any number of Encode calls may share it.
type encoder struct {
	plan      *plan
	types     map[string]colType // every column the plan reads
	cats      []*vocab           // [len(plan.cat)], shared with the field's histories
	pooled    []*vocab           // [len(plan.pooled)]
	pooledLen []int              // [len(plan.pooled)] MaxLen of each pooled column
	dense     []*denseEnc        // [len(plan.dense)]
	schema    Schema             // the encoded schema, once fitted
	readers   int                // files read at once per column (Source.Readers)
	memLimit  int64              // Source.MemLimit, for Encode
}

func newEncoder(p *plan, f *pqFile, readers int) *encoder {
	e := &encoder{plan: p, types: map[string]colType{}, readers: max(readers, 1)}
	for _, name := range append(p.columns(), p.label, p.ptrue, p.group) {
		if c := f.column(name); c != nil {
			e.types[name] = c.colType()
		}
	}
	for _, name := range p.cat {
		e.cats = append(e.cats, newVocab(f.column(name).Kind == kindString))
	}
	for _, name := range p.pooled {
		e.pooled = append(e.pooled, newVocab(f.column(name).Kind == kindString))
		e.pooledLen = append(e.pooledLen, p.pooledLen)
	}
	for _, name := range p.dense {
		e.dense = append(e.dense, &denseEnc{name: name, list: f.column(name).List})
	}
	return e
}

// run encodes every column of t into d. With fit, e learns from the rows
// marked in train first; without, e is used as it is. The label, p_true
// and group columns are read when the first file has them (the caller has
// checked that the others have them too).
func (e *encoder) run(t *table, d *Dataset, train []bool, fit bool) error {
	p := e.plan
	d.N = t.n
	d.Label = column[float32](t.n)
	d.Cat = make([][]int32, len(p.cat))
	d.Seq = make([]SeqColumn, len(p.seqs))
	d.Pooled = make([]SeqColumn, len(p.pooled))
	dense := make([][][]float32, len(p.dense)) // the columns of each dense column or vector
	missing := make([][]float32, len(p.dense)) // its missing indicator, or nil
	tasks := e.tasks(t, d, train, fit, dense, missing)
	errs := make([]error, len(tasks))
	parallel(len(tasks), func(i int) { errs[i] = tasks[i]() })
	for _, err := range errs {
		if err != nil {
			return err
		}
	}

	d.Dense = nil
	for _, cols := range dense {
		d.Dense = append(d.Dense, cols...)
	}
	for _, ind := range missing {
		if ind != nil {
			d.Dense = append(d.Dense, ind)
		}
	}
	if fit {
		s, err := e.makeSchema()
		if err != nil {
			return err
		}
		e.schema = s
	}
	d.Schema = e.schema.clone()
	d.enc = e
	return nil
}

// tasks lists the encoding tasks of run, longest first.
func (e *encoder) tasks(t *table, d *Dataset, train []bool, fit bool, dense [][][]float32, missing [][]float32) []func() error {
	p := e.plan
	has := func(name string) bool { return name != "" && t.files[0].column(name) != nil }
	var tasks []func() error
	d.HasLabel = has(p.label)
	if d.HasLabel {
		tasks = append(tasks, func() error { return e.encodeLabel(t, p.label, d.Label) })
	}
	// The fields with histories first: they take longest.
	fields := make([]int, len(p.cat))
	hists := make([]int, len(p.cat))
	for i := range fields {
		fields[i] = i
	}
	for _, s := range p.seqs {
		hists[s.Field]++
	}
	slices.SortStableFunc(fields, func(a, b int) int { return hists[b] - hists[a] })
	for _, i := range fields {
		tasks = append(tasks, func() error { return e.categorical(t, d, i, train, fit) })
	}
	for j := range p.pooled {
		tasks = append(tasks, func() error { return e.pooledColumn(t, d, j, train, fit) })
	}
	for k, de := range e.dense {
		tasks = append(tasks, func() error {
			if fit {
				if err := de.fit(t, train, e.readers); err != nil {
					return err
				}
			}
			var err error
			dense[k], missing[k], err = de.apply(t, p.strict, e.readers)
			return err
		})
	}
	if has(p.ptrue) {
		d.PTrue = column[float32](t.n)
		tasks = append(tasks, func() error { return e.encodePTrue(t, p.ptrue, d.PTrue) })
	}
	if has(p.group) {
		d.Group = column[int32](t.n)
		tasks = append(tasks, func() error {
			v := newVocab(t.files[0].column(p.group).Kind == kindString)
			return e.encodeVocab(t, v, []vocabColumn{{name: p.group, L: 1, ids: d.Group}}, nil, true, 1)
		})
	}
	return tasks
}

// makeSchema describes the fitted encoding.
func (e *encoder) makeSchema() (Schema, error) {
	p := e.plan
	s := Schema{Label: p.label, Group: p.group, PTrue: p.ptrue, Sequences: slices.Clone(p.seqs)}
	for i, name := range p.cat {
		s.Categorical = append(s.Categorical, Field{Name: name, Vocab: e.cats[i].size})
	}
	for j, name := range p.pooled {
		s.Pooled = append(s.Pooled, Field{Name: name, Vocab: e.pooled[j].size})
	}
	for _, de := range e.dense {
		if !de.list {
			s.Dense = append(s.Dense, de.name)
			continue
		}
		for c := range de.k {
			s.Dense = append(s.Dense, fmt.Sprintf("%s[%d]", de.name, c))
		}
	}
	for _, de := range e.dense {
		if !de.missing {
			continue
		}
		name := de.name + "_missing"
		if slices.Contains(s.Dense, name) {
			return s, colErr(p.file, de.name, "has nulls or NaN in train, and the name of its missing indicator %q is taken; rename that column or set columns.strict", name)
		}
		s.Dense = append(s.Dense, name)
	}
	return s, nil
}

func (s Schema) clone() Schema {
	s.Categorical = slices.Clone(s.Categorical)
	s.Dense = slices.Clone(s.Dense)
	s.Sequences = slices.Clone(s.Sequences)
	s.Pooled = slices.Clone(s.Pooled)
	return s
}

// rowsOf returns train[start:start+n], or nil when train is nil.
func rowsOf(train []bool, start, n int) []bool {
	if train == nil {
		return nil
	}
	return train[start : start+n]
}

// vocabColumn is one column encoded with a vocabulary: a scalar column (L
// is 1: one id per row, lens nil) or a list column (its first L items).
type vocabColumn struct {
	name string
	L    int
	ids  []int32 // [N*L]
	lens []int32 // [N] items per row; nil for a scalar column
}

// encodeVocab encodes columns that share vocabulary v. Fitting, v is built
// from the values of the rows marked in train (every row when train is
// nil) that occur at least minCount times: each reader fills a vocabulary
// of its own while the columns hold its provisional indexes, and once the
// vocabularies are merged into v each file's rows are remapped to the
// final ids. Without fitting v is only read.
func (e *encoder) encodeVocab(t *table, v *vocab, cols []vocabColumn, train []bool, fit bool, minCount int) error {
	var parts []*vocab    // [reader] while fitting
	var by []int          // [file] the reader that read it
	var scratch [][]int32 // [reader]
	readers := max(1, min(e.readers, len(t.files)))
	scratch = make([][]int32, readers)
	if fit {
		by = make([]int, len(t.files))
		for range readers {
			parts = append(parts, newVocab(v.str))
		}
	}
	err := eachFile(len(t.files), readers, func(fi, w int) error {
		u := v
		if fit {
			u, by[fi] = parts[w], w
		}
		for _, c := range cols {
			err := t.file(fi).reader(c.name, pieceRows).each(func(a arrow.Array, start int) error {
				n := a.Len()
				var lens []int32
				if c.lens != nil {
					lens = c.lens[start : start+n]
				}
				u.encode(asLists(a), c.ids[start*c.L:(start+n)*c.L], lens, c.L, fit, rowsOf(train, start, n), &scratch[w])
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || !fit {
		return err
	}
	maps := v.merge(parts)
	v.finish(minCount)
	finals := make([][]int32, len(maps))
	for w, m := range maps {
		finals[w] = v.final(m)
	}
	for fi := range t.files {
		lo, hi := t.rowRange(fi)
		for _, c := range cols {
			remap(c.ids[lo*c.L:hi*c.L], finals[by[fi]])
		}
	}
	return nil
}

// categorical encodes field i and the histories that share its vocabulary.
func (e *encoder) categorical(t *table, d *Dataset, i int, train []bool, fit bool) error {
	p := e.plan
	cols := []vocabColumn{{name: p.cat[i], L: 1, ids: column[int32](t.n)}}
	for j, s := range p.seqs {
		if s.Field == i {
			d.Seq[j] = SeqColumn{MaxLen: s.MaxLen, IDs: column[int32](t.n * s.MaxLen), Len: column[int32](t.n)}
			cols = append(cols, vocabColumn{name: s.Name, L: s.MaxLen, ids: d.Seq[j].IDs, lens: d.Seq[j].Len})
		}
	}
	if err := e.encodeVocab(t, e.cats[i], cols, train, fit, p.minCount); err != nil {
		return err
	}
	d.Cat[i] = cols[0].ids
	return nil
}

// pooledColumn encodes pooled column j. Fitting, its MaxLen is the longest
// train list (present items), at least 1 and at most MaxPooledLen, unless
// Columns.PooledMaxLen gives it.
func (e *encoder) pooledColumn(t *table, d *Dataset, j int, train []bool, fit bool) error {
	p := e.plan
	name := p.pooled[j]
	if fit && e.pooledLen[j] == 0 {
		longest := make([]int, len(t.files))
		err := t.scan(name, e.readers, func(fi, _ int, a arrow.Array, start int) error {
			l := asLists(a)
			nulls := l.vals.NullN() > 0
			for r := range l.len() {
				if !train[start+r] {
					continue
				}
				n := int(l.offs[r+1] - l.offs[r])
				for k := l.offs[r]; nulls && k < l.offs[r+1]; k++ {
					if l.vals.IsNull(int(k)) {
						n--
					}
				}
				longest[fi] = max(longest[fi], n)
			}
			return nil
		})
		if err != nil {
			return err
		}
		e.pooledLen[j] = min(max(slices.Max(longest), 1), MaxPooledLen)
	}
	L := e.pooledLen[j]
	col := SeqColumn{MaxLen: L, IDs: column[int32](t.n * L), Len: column[int32](t.n)}
	if err := e.encodeVocab(t, e.pooled[j], []vocabColumn{{name, L, col.IDs, col.Len}}, train, fit, p.minCount); err != nil {
		return err
	}
	d.Pooled[j] = col
	return nil
}

// encodeLabel checks that every label is 0 or 1.
func (e *encoder) encodeLabel(t *table, name string, out []float32) error {
	bufs := make([][]float64, e.readers)
	return t.scan(name, e.readers, func(_, w int, a arrow.Array, start int) error {
		switch a.(type) {
		case *array.Int64, *array.Float64, *array.Boolean:
		default:
			return colErr(t.files[0].path, name, "a label must be int, float or bool, got %s", a.DataType())
		}
		for i := range a.Len() {
			if a.IsNull(i) {
				return t.rowErr(name, start+i, "null, want 0 or 1")
			}
		}
		xs := floats(a, &bufs[w])
		o := out[start : start+len(xs)]
		for i, x := range xs {
			if x != 0 && x != 1 {
				return t.rowErr(name, start+i, "value %s, want 0 or 1", fmt.Sprint(labelValue(a, i)))
			}
			o[i] = float32(x)
		}
		return nil
	})
}

// labelValue is value i of a label piece as the file holds it, for messages.
func labelValue(a arrow.Array, i int) any {
	if a, ok := a.(*array.Int64); ok {
		return a.Value(i)
	}
	return a.GetOneForMarshal(i)
}

func (e *encoder) encodePTrue(t *table, name string, out []float32) error {
	return t.scan(name, e.readers, func(_, _ int, a arrow.Array, start int) error {
		f, ok := a.(*array.Float64)
		if !ok {
			return colErr(t.files[0].path, name, "want float, got %s", a.DataType())
		}
		for i, v := range f.Float64Values() {
			if f.IsNull(i) {
				v = math.NaN()
			}
			out[start+i] = float32(v)
		}
		return nil
	})
}

// floats returns the values of a as float64 (converted into *buf unless a
// holds float64 already); nil when a holds no numbers.
func floats(a arrow.Array, buf *[]float64) []float64 {
	if a, ok := a.(*array.Float64); ok {
		return a.Float64Values()
	}
	xs := (*buf)[:0]
	if n := a.Len(); cap(xs) < n {
		xs = make([]float64, 0, n+n/4)
	}
	switch a := a.(type) {
	case *array.Int64:
		for _, v := range a.Int64Values() {
			xs = append(xs, float64(v))
		}
	case *array.Boolean:
		for i := range a.Len() {
			x := 0.0
			if a.Value(i) {
				x = 1
			}
			xs = append(xs, x)
		}
	default:
		return nil
	}
	*buf = xs
	return xs
}
