package dataset

// Encoding: Arrow pieces → Dataset slices.
//
// Every column is read in pieces of pieceRows rows (colReader) and encoded
// piece by piece into slices allocated once for all rows; one task per
// categorical field (with the histories that share its vocabulary), pooled
// column, dense column, label, p_true and group, run side by side.
//
// Fitting (Load) learns from the train rows while it encodes: vocabularies
// (vocab.go: provisional indexes, then final ids and a remap of the
// columns), the longest pooled list, and the dense statistics (a first pass
// over the column for the train mean and standard deviation, a second to
// write). The encoder keeps what it learned; Dataset.Encode runs it again
// on other files without fitting.

import (
	"fmt"
	"math"
	"slices"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
)

// pieceRows is how many rows of a column are read into Arrow at a time
// (a variable so that tests can make pieces small).
var pieceRows = 1 << 16

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
}

func newEncoder(p *plan, f *pqFile) *encoder {
	e := &encoder{plan: p, types: map[string]colType{}}
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
	n := t.n
	d.N = n
	d.Label = make([]float32, n)
	d.Cat = make([][]int32, len(p.cat))
	d.Seq = make([]SeqColumn, len(p.seqs))
	d.Pooled = make([]SeqColumn, len(p.pooled))
	dense := make([][][]float32, len(p.dense)) // the columns of each dense column or vector
	missing := make([][]float32, len(p.dense)) // its missing indicator, or nil
	has := func(name string) bool { return name != "" && t.files[0].column(name) != nil }

	var tasks []func() error
	d.HasLabel = has(p.label)
	if d.HasLabel {
		tasks = append(tasks, func() error { return encodeLabel(t, p.label, d.Label) })
	}
	// The fields with histories first: they take longest.
	fields := make([]int, len(p.cat))
	for i := range fields {
		fields[i] = i
	}
	hists := make([]int, len(p.cat))
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
				if err := de.fit(t, train); err != nil {
					return err
				}
			}
			var err error
			dense[k], missing[k], err = de.apply(t, p.strict)
			return err
		})
	}
	if has(p.ptrue) {
		d.PTrue = make([]float32, n)
		tasks = append(tasks, func() error { return encodePTrue(t, p.ptrue, d.PTrue) })
	}
	if has(p.group) {
		d.Group = make([]int32, n)
		tasks = append(tasks, func() error { return encodeGroup(t, p.group, d.Group) })
	}
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

// categorical encodes field i and the histories that share its vocabulary.
func (e *encoder) categorical(t *table, d *Dataset, i int, train []bool, fit bool) error {
	p := e.plan
	v := e.cats[i]
	out := make([]int32, t.n)
	err := t.reader(p.cat[i], pieceRows).each(func(a arrow.Array, start int) error {
		part := out[start : start+a.Len()]
		v.scalar(a, part, fit)
		if fit {
			v.countRows(part, rowsOf(train, start, len(part)))
		}
		return nil
	})
	if err != nil {
		return err
	}
	var seqs []int
	for j, s := range p.seqs {
		if s.Field == i {
			seqs = append(seqs, j)
			if d.Seq[j], err = encodeList(t, v, s.Name, s.MaxLen, train, fit); err != nil {
				return err
			}
		}
	}
	if fit {
		v.finish(p.minCount)
		v.remap(out)
		for _, j := range seqs {
			v.remap(d.Seq[j].IDs)
		}
	}
	d.Cat[i] = out
	return nil
}

// pooledColumn encodes pooled column j. Fitting, its MaxLen is the longest
// train list (present items), at least 1 and at most MaxPooledLen, unless
// Columns.PooledMaxLen gives it.
func (e *encoder) pooledColumn(t *table, d *Dataset, j int, train []bool, fit bool) error {
	p := e.plan
	name, v := p.pooled[j], e.pooled[j]
	if fit && e.pooledLen[j] == 0 {
		longest := 0
		err := t.reader(name, pieceRows).each(func(a arrow.Array, start int) error {
			l := a.(*array.List)
			items, offs := l.ListValues(), l.Offsets()
			nulls := items.NullN() > 0
			for r := range l.Len() {
				if !train[start+r] {
					continue
				}
				n := int(offs[r+1] - offs[r])
				if nulls {
					for k := offs[r]; k < offs[r+1]; k++ {
						if items.IsNull(int(k)) {
							n--
						}
					}
				}
				longest = max(longest, n)
			}
			return nil
		})
		if err != nil {
			return err
		}
		e.pooledLen[j] = min(max(longest, 1), MaxPooledLen)
	}
	col, err := encodeList(t, v, name, e.pooledLen[j], train, fit)
	if err != nil {
		return err
	}
	if fit {
		v.finish(p.minCount)
		v.remap(col.IDs)
	}
	d.Pooled[j] = col
	return nil
}

// encodeList encodes a list column with vocabulary v, keeping the first L
// present items of each row.
func encodeList(t *table, v *vocab, name string, L int, train []bool, fit bool) (SeqColumn, error) {
	s := SeqColumn{MaxLen: L, IDs: make([]int32, t.n*L), Len: make([]int32, t.n)}
	err := t.reader(name, pieceRows).each(func(a arrow.Array, start int) error {
		l := a.(*array.List)
		n := l.Len()
		ids, lens := s.IDs[start*L:(start+n)*L], s.Len[start:start+n]
		v.list(l, ids, lens, L, fit, rowsOf(train, start, n))
		return nil
	})
	return s, err
}

// encodeLabel checks that every label is 0 or 1.
func encodeLabel(t *table, name string, out []float32) error {
	return t.reader(name, pieceRows).each(func(a arrow.Array, start int) error {
		bad := func(i int, v string) error {
			return t.rowErr(name, start+i, "value %s, want 0 or 1", v)
		}
		if a.NullN() > 0 {
			for i := range a.Len() {
				if a.IsNull(i) {
					return t.rowErr(name, start+i, "null, want 0 or 1")
				}
			}
		}
		o := out[start : start+a.Len()]
		switch a := a.(type) {
		case *array.Int64:
			for i, v := range a.Int64Values() {
				if v != 0 && v != 1 {
					return bad(i, fmt.Sprint(v))
				}
				o[i] = float32(v)
			}
		case *array.Float64:
			for i, v := range a.Float64Values() {
				if v != 0 && v != 1 {
					return bad(i, fmt.Sprint(v))
				}
				o[i] = float32(v)
			}
		case *array.Boolean:
			for i := range o {
				o[i] = 0
				if a.Value(i) {
					o[i] = 1
				}
			}
		default:
			return colErr(t.files[0].path, name, "a label must be int, float or bool, got %s", a.DataType())
		}
		return nil
	})
}

func encodePTrue(t *table, name string, out []float32) error {
	return t.reader(name, pieceRows).each(func(a arrow.Array, start int) error {
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

// encodeGroup numbers the group values of all rows (not only train: a test
// user unseen in train is still a group of its own): from 1 in ascending
// order of value, null (if any) first.
func encodeGroup(t *table, name string, out []int32) error {
	v := newVocab(t.files[0].column(name).Kind == kindString)
	err := t.reader(name, pieceRows).each(func(a arrow.Array, start int) error {
		v.scalar(a, out[start:start+a.Len()], true)
		return nil
	})
	if err != nil {
		return err
	}
	v.countRows(out, nil)
	v.finish(1)
	v.remap(out)
	return nil
}

// denseEnc standardises one dense column, or one vector column (a list of
// k numbers per row, encoded as k dense columns), with train statistics.
// A null or NaN value (for a vector: a null list, or a null or NaN
// element) is missing: it becomes the train mean (0 after standardising),
// and when train had a missing value an indicator column (1 where a value
// of the row is missing) follows the dense columns; with Columns.Strict a
// missing value is an error instead. ±Inf is always an error.
type denseEnc struct {
	name      string
	list      bool
	k         int       // values per row: 1 for a scalar column, else the vector length
	mean, std []float64 // [k]
	missing   bool      // train had a missing value: an indicator column follows
}

// floats returns the values of a as float64 (converted into *buf unless a
// holds float64 already).
func floats(a arrow.Array, buf *[]float64) []float64 {
	switch a := a.(type) {
	case *array.Float64:
		return a.Float64Values()
	case *array.Int64:
		xs := (*buf)[:0]
		for _, v := range a.Int64Values() {
			xs = append(xs, float64(v))
		}
		*buf = xs
		return xs
	case *array.Boolean:
		xs := (*buf)[:0]
		for i := range a.Len() {
			x := 0.0
			if a.Value(i) {
				x = 1
			}
			xs = append(xs, x)
		}
		*buf = xs
		return xs
	}
	return nil
}

// fit reads the column once for the train mean and standard deviation of
// each of its k values (sums of differences from the first train value, so
// that a large offset costs no precision), whether train has missing
// values, and for a vector its length: that of the first non-null list.
func (de *denseEnc) fit(t *table, train []bool) error {
	k, kRow := 1, -1
	if de.list {
		k = -1
	}
	var shift, s1, s2 []float64
	var cnt []int64
	grow := func(k int) {
		shift, s1, s2, cnt = make([]float64, k), make([]float64, k), make([]float64, k), make([]int64, k)
	}
	if !de.list {
		grow(1)
	}
	add := func(c int, x float64) {
		if cnt[c] == 0 {
			shift[c] = x
		}
		dx := x - shift[c]
		s1[c] += dx
		s2[c] += dx * dx
		cnt[c]++
	}
	var buf []float64
	err := t.reader(de.name, pieceRows).each(func(a arrow.Array, start int) error {
		if !de.list {
			xs := floats(a, &buf)
			nulls := a.NullN() > 0
			for i, x := range xs {
				switch {
				case !train[start+i] || math.IsInf(x, 0):
				case (nulls && a.IsNull(i)) || math.IsNaN(x):
					de.missing = true
				default:
					add(0, x)
				}
			}
			return nil
		}
		l := a.(*array.List)
		items := l.ListValues()
		xs, offs := floats(items, &buf), l.Offsets()
		nulls := items.NullN() > 0
		for r := range l.Len() {
			row := start + r
			if l.IsNull(r) {
				de.missing = de.missing || train[row]
				continue
			}
			n := int(offs[r+1] - offs[r])
			if k < 0 {
				k, kRow = n, row
				grow(k)
			}
			if n != k {
				file, at := t.where(kRow)
				return t.rowErr(de.name, row, "list of %d values, want %d like the first list (row %d of %s): a dense vector has one length (a missing vector is a null list)", n, k, at, file)
			}
			if !train[row] {
				continue
			}
			for c, x := range xs[offs[r]:offs[r+1]] {
				switch {
				case math.IsInf(x, 0):
				case (nulls && items.IsNull(int(offs[r])+c)) || math.IsNaN(x):
					de.missing = true
				default:
					add(c, x)
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	switch {
	case k < 0:
		return colErr(t.files[0].path, de.name, "every list is null: a dense vector needs values")
	case k == 0:
		return colErr(t.files[0].path, de.name, "every list is empty: a dense vector needs values")
	}
	de.k = k
	de.mean, de.std = make([]float64, k), make([]float64, k)
	for c := range k {
		de.mean[c], de.std[c] = 0, 1
		if n := float64(cnt[c]); n > 0 {
			m := s1[c] / n
			de.mean[c] = shift[c] + m
			if v := s2[c]/n - m*m; v > 0 {
				de.std[c] = math.Sqrt(v)
			}
		}
	}
	return nil
}

// apply writes the standardised columns (k of them) and, when train had
// missing values, the indicator.
func (de *denseEnc) apply(t *table, strict bool) ([][]float32, []float32, error) {
	cols := make([][]float32, de.k)
	for c := range cols {
		cols[c] = make([]float32, t.n)
	}
	var ind []float32
	if de.missing {
		ind = make([]float32, t.n)
	}
	finite := "dense values must be finite (nulls and NaN are allowed)"
	if strict {
		finite = "dense values must be finite"
	}
	const strictly = "columns.strict: dense values must not be null or NaN"
	var buf []float64
	err := t.reader(de.name, pieceRows).each(func(a arrow.Array, start int) error {
		if !de.list {
			xs := floats(a, &buf)
			nulls := a.NullN() > 0
			out := cols[0][start : start+len(xs)]
			mean, std := de.mean[0], de.std[0]
			for i, x := range xs {
				switch {
				case nulls && a.IsNull(i):
					if strict {
						return t.rowErr(de.name, start+i, "null; %s", strictly)
					}
				case math.IsNaN(x):
					if strict {
						return t.rowErr(de.name, start+i, "NaN; %s", strictly)
					}
				case math.IsInf(x, 0):
					return t.rowErr(de.name, start+i, "value %v; %s", x, finite)
				default:
					out[i] = float32((x - mean) / std)
					continue
				}
				if ind != nil {
					ind[start+i] = 1
				}
			}
			return nil
		}
		l := a.(*array.List)
		items := l.ListValues()
		xs, offs := floats(items, &buf), l.Offsets()
		nulls := items.NullN() > 0
		for r := range l.Len() {
			row := start + r
			if l.IsNull(r) {
				if strict {
					return t.rowErr(de.name, row, "null list; %s", strictly)
				}
				if ind != nil {
					ind[row] = 1
				}
				continue
			}
			if n := int(offs[r+1] - offs[r]); n != de.k {
				return t.rowErr(de.name, row, "list of %d values, want %d: a dense vector has one length, that of the train data (a missing vector is a null list)", n, de.k)
			}
			for c, x := range xs[offs[r]:offs[r+1]] {
				switch {
				case nulls && items.IsNull(int(offs[r])+c):
					if strict {
						return t.rowErr(de.name, row, "value %d is null; %s", c, strictly)
					}
				case math.IsNaN(x):
					if strict {
						return t.rowErr(de.name, row, "value %d is NaN; %s", c, strictly)
					}
				case math.IsInf(x, 0):
					return t.rowErr(de.name, row, "value %d is %v; %s", c, x, finite)
				default:
					cols[c][row] = float32((x - de.mean[c]) / de.std[c])
					continue
				}
				if ind != nil {
					ind[row] = 1
				}
			}
		}
		return nil
	})
	return cols, ind, err
}
