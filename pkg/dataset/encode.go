package dataset

// Encoding: Arrow columns → Dataset slices.
//
// Categorical values get ids from a vocabulary built on the train rows only:
// id 0 is unknown (a value never seen in train) and padding, a null seen in
// train gets id 1, and the values seen in train get the next ids in
// ascending order of value. A history column shares the vocabulary of its
// target, and the items of the train histories (the kept MaxLen of each)
// are part of that vocabulary. Dense columns are standardised with the
// train mean and standard deviation.

import (
	"fmt"
	"math"
	"slices"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// encode fills d from the columns of t following p. d.N and the splits are
// set already.
func encode(t *table, p *plan, d *Dataset) error {
	n := t.n
	d.Label = make([]float32, n)
	d.Cat = make([][]int32, len(p.cat))
	d.Dense = make([][]float32, len(p.dense))
	d.Seq = make([]SeqColumn, len(p.seqs))
	vocab := make([]int, len(p.cat))

	// One task per label, categorical field (with its histories), dense
	// column, p_true and group; tasks write disjoint parts of d.
	var tasks []func() error
	tasks = append(tasks, func() error { return encodeLabel(t, p.label, d.Label) })
	for i, name := range p.cat {
		tasks = append(tasks, func() error {
			var seqs []int
			for j, s := range p.seqs {
				if s.Field == i {
					seqs = append(seqs, j)
				}
			}
			size, err := encodeCategorical(t, i, name, p.seqs, seqs, d)
			vocab[i] = size
			return err
		})
		d.Cat[i] = make([]int32, n)
	}
	for i, name := range p.dense {
		d.Dense[i] = make([]float32, n)
		tasks = append(tasks, func() error { return encodeDense(t, name, d.Train, d.Dense[i]) })
	}
	if p.ptrue != "" {
		d.PTrue = make([]float32, n)
		tasks = append(tasks, func() error { return encodePTrue(t, p.ptrue, d.PTrue) })
	}
	if p.group != "" {
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
	d.Schema = p.schema(vocab)
	return nil
}

// encodeLabel checks that every label is 0 or 1.
func encodeLabel(t *table, name string, out []float32) error {
	a := t.cols[name]
	bad := func(i int, v string) error {
		return t.rowErr(name, i, "value %s, want 0 or 1", v)
	}
	if a.NullN() > 0 {
		for i := range out {
			if a.IsNull(i) {
				return t.rowErr(name, i, "null, want 0 or 1")
			}
		}
	}
	switch a := a.(type) {
	case *array.Int64:
		for i, v := range a.Int64Values() {
			if v != 0 && v != 1 {
				return bad(i, fmt.Sprint(v))
			}
			out[i] = float32(v)
		}
	case *array.Float64:
		for i, v := range a.Float64Values() {
			if v != 0 && v != 1 {
				return bad(i, fmt.Sprint(v))
			}
			out[i] = float32(v)
		}
	case *array.Boolean:
		for i := range out {
			if a.Value(i) {
				out[i] = 1
			}
		}
	default:
		return colErr(t.files[0].path, name, "a label must be int, float or bool, got %s", a.DataType())
	}
	return nil
}

// encodeDense standardises a column with its train mean and standard
// deviation; nulls and NaN become the mean (0), ±Inf is an error.
func encodeDense(t *table, name string, train []int32, out []float32) error {
	a := t.cols[name]
	var x []float64
	switch a := a.(type) {
	case *array.Float64:
		x = a.Float64Values()
	case *array.Int64:
		x = make([]float64, a.Len())
		for i, v := range a.Int64Values() {
			x[i] = float64(v)
		}
	case *array.Boolean:
		x = make([]float64, a.Len())
		for i := range x {
			if a.Value(i) {
				x[i] = 1
			}
		}
	default:
		return colErr(t.files[0].path, name, "a dense column must be float, int or bool, got %s", a.DataType())
	}
	nulls := a.NullN() > 0
	present := func(i int) bool { return !(nulls && a.IsNull(i)) && !math.IsNaN(x[i]) }
	for i, v := range x {
		if math.IsInf(v, 0) && present(i) {
			return t.rowErr(name, i, "value %v; dense values must be finite (nulls and NaN are allowed)", v)
		}
	}
	// Train mean and standard deviation, in two passes for accuracy.
	var sum float64
	var cnt int
	for _, r := range train {
		if present(int(r)) {
			sum += x[r]
			cnt++
		}
	}
	mean, std := 0.0, 1.0
	if cnt > 0 {
		mean = sum / float64(cnt)
		var ss float64
		for _, r := range train {
			if present(int(r)) {
				dv := x[r] - mean
				ss += dv * dv
			}
		}
		if s := math.Sqrt(ss / float64(cnt)); s > 0 {
			std = s
		}
	}
	for i, v := range x {
		if present(i) {
			out[i] = float32((v - mean) / std)
		} else {
			out[i] = 0
		}
	}
	return nil
}

func encodePTrue(t *table, name string, out []float32) error {
	a, ok := t.cols[name].(*array.Float64)
	if !ok {
		return colErr(t.files[0].path, name, "want float, got %s", t.cols[name].DataType())
	}
	for i, v := range a.Float64Values() {
		if a.IsNull(i) {
			v = math.NaN()
		}
		out[i] = float32(v)
	}
	return nil
}

// encodeGroup numbers the group values of all rows (not only train: a test
// user unseen in train is still a group of its own): from 1 in ascending
// order of value, null (if any) first.
func encodeGroup(t *table, name string, out []int32) error {
	switch a := asInts(t.cols[name]).(type) {
	case *array.Int64:
		v := newIntVocab(a, nil, nil)
		v.encode(a, out)
	case *array.String:
		v := newStrVocab(a, nil, nil)
		v.encode(a, out)
	}
	return nil
}

// encodeCategorical builds the vocabulary of field idx (column name) on the train rows
// (with the histories seqs that share it) and encodes the field and those
// histories for all rows. It returns the vocabulary size.
func encodeCategorical(t *table, idx int, name string, specs []Sequence, seqs []int, d *Dataset) (int, error) {
	col := asInts(t.cols[name])
	var lists []*array.List
	for _, j := range seqs {
		l, ok := t.cols[specs[j].Name].(*array.List)
		if !ok {
			return 0, colErr(t.files[0].path, specs[j].Name, "want a list, got %s", t.cols[specs[j].Name].DataType())
		}
		lists = append(lists, l)
	}
	switch c := col.(type) {
	case *array.Int64:
		hs := make([]intHist, len(seqs))
		for k, j := range seqs {
			items, ok := lists[k].ListValues().(*array.Int64)
			if !ok {
				return 0, colErr(t.files[0].path, specs[j].Name, "items %s cannot share ids with %s", lists[k].ListValues().DataType(), name)
			}
			hs[k] = intHist{offs: lists[k].Offsets(), items: items.Int64Values(), maxLen: specs[j].MaxLen}
			if items.NullN() > 0 {
				hs[k].nulls = items
			}
		}
		v := newIntVocab(c, hs, d.Train)
		v.encode(c, d.Cat[idx])
		for k, j := range seqs {
			d.Seq[j] = v.encodeHist(hs[k], t.n)
		}
		return v.size, nil
	case *array.String:
		hs := make([]strHist, len(seqs))
		for k, j := range seqs {
			items, ok := lists[k].ListValues().(*array.String)
			if !ok {
				return 0, colErr(t.files[0].path, specs[j].Name, "items %s cannot share ids with %s", lists[k].ListValues().DataType(), name)
			}
			hs[k] = strHist{offs: lists[k].Offsets(), items: items, maxLen: specs[j].MaxLen}
		}
		v := newStrVocab(c, hs, d.Train)
		v.encode(c, d.Cat[idx])
		for k, j := range seqs {
			d.Seq[j] = v.encodeHist(hs[k], t.n)
		}
		return v.size, nil
	}
	return 0, colErr(t.files[0].path, name, "a categorical column must be int, string or bool, got %s", col.DataType())
}

// asInts returns a bool array as an int64 array of 0 and 1, and any other
// array as it is.
func asInts(a arrow.Array) arrow.Array {
	b, ok := a.(*array.Boolean)
	if !ok {
		return a
	}
	ib := array.NewInt64Builder(memory.DefaultAllocator)
	defer ib.Release()
	ib.Reserve(b.Len())
	for i := 0; i < b.Len(); i++ {
		switch {
		case b.IsNull(i):
			ib.AppendNull()
		case b.Value(i):
			ib.Append(1)
		default:
			ib.Append(0)
		}
	}
	return ib.NewInt64Array()
}

// strHist is a history column of strings whose items share a vocabulary.
type strHist struct {
	offs   []int32 // row r's items are items[offs[r]:offs[r+1]]
	items  *array.String
	maxLen int
}

// each calls fn with row r's kept items: its first maxLen present ones.
func (h *strHist) each(r int, fn func(k int, x string)) {
	nulls := h.items.NullN() > 0
	k := 0
	for j := int(h.offs[r]); j < int(h.offs[r+1]) && k < h.maxLen; j++ {
		if nulls && h.items.IsNull(j) {
			continue
		}
		fn(k, h.items.Value(j))
		k++
	}
}

// strTrain calls fn with every value a string vocabulary must know: the
// present values of col on rows (all rows when rows is nil), then the kept
// items of each history on those rows. It reports whether col has a null
// there.
func strTrain(col *array.String, hists []strHist, rows []int32, fn func(x string)) (sawNull bool) {
	n := col.Len()
	if rows != nil {
		n = len(rows)
	}
	row := func(k int) int {
		if rows == nil {
			return k
		}
		return int(rows[k])
	}
	for k := range n {
		if r := row(k); col.IsNull(r) {
			sawNull = true
		} else {
			fn(col.Value(r))
		}
	}
	for i := range hists {
		for k := range n {
			hists[i].each(row(k), func(_ int, x string) { fn(x) })
		}
	}
	return sawNull
}

// intVocab maps int64 values to ids: through a table when the values span
// a small range, else through a map.
type intVocab struct {
	lo    int64
	table []int32 // id of lo+i; 0 when unseen
	ids   map[int64]int32
	null  int32 // id of null; 0 when null was not seen
	size  int   // ids including 0
}

// intHist is a history column of ints whose items share a vocabulary.
type intHist struct {
	offs   []int32 // row r's items are items[offs[r]:offs[r+1]]
	items  []int64
	nulls  *array.Int64 // the items, when some are null; else nil
	maxLen int
}

// kept returns row r's kept items: its first maxLen present ones. buf is
// scratch space for rows with null items.
func (h *intHist) kept(r int, buf []int64) []int64 {
	lo, hi := int(h.offs[r]), int(h.offs[r+1])
	if h.nulls == nil {
		return h.items[lo:min(hi, lo+h.maxLen)]
	}
	buf = buf[:0]
	for j := lo; j < hi && len(buf) < h.maxLen; j++ {
		if !h.nulls.IsNull(j) {
			buf = append(buf, h.items[j])
		}
	}
	return buf
}

// intTrain calls fn with every value an int vocabulary must know, a slice
// at a time: the present values of col on rows (all rows when rows is nil),
// then the kept items of each history on those rows. It reports whether col
// has a null there.
func intTrain(col *array.Int64, hists []intHist, rows []int32, fn func(xs []int64)) (sawNull bool) {
	vals := col.Int64Values()
	nulls := col.NullN() > 0
	n := len(vals)
	if rows != nil {
		n = len(rows)
	}
	row := func(k int) int {
		if rows == nil {
			return k
		}
		return int(rows[k])
	}
	var buf [1024]int64
	m := 0
	for k := range n {
		r := row(k)
		if nulls && col.IsNull(r) {
			sawNull = true
			continue
		}
		buf[m] = vals[r]
		if m++; m == len(buf) {
			fn(buf[:])
			m = 0
		}
	}
	fn(buf[:m])
	scratch := make([]int64, 0, 64)
	for i := range hists {
		h := &hists[i]
		for k := range n {
			fn(h.kept(row(k), scratch))
		}
	}
	return sawNull
}

// newIntVocab builds a vocabulary over rows (the train rows; all rows when
// nil).
func newIntVocab(col *array.Int64, hists []intHist, rows []int32) *intVocab {
	lo, hi, cnt := int64(math.MaxInt64), int64(math.MinInt64), 0
	sawNull := intTrain(col, hists, rows, func(xs []int64) {
		for _, x := range xs {
			lo, hi = min(lo, x), max(hi, x)
		}
		cnt += len(xs)
	})
	v := &intVocab{}
	next := int32(1)
	if sawNull {
		v.null, next = 1, 2
	}
	if cnt > 0 {
		span := uint64(hi) - uint64(lo) + 1 // wraps to 0 only for the full int64 range
		if limit := uint64(min(max(1<<16, cnt), 1<<22)); span != 0 && span <= limit {
			table := make([]int32, span)
			intTrain(col, hists, rows, func(xs []int64) {
				for _, x := range xs {
					table[x-lo] = 1
				}
			})
			for i, seen := range table {
				if seen != 0 {
					table[i] = next
					next++
				}
			}
			v.lo, v.table = lo, table
		} else {
			seen := map[int64]int32{}
			intTrain(col, hists, rows, func(xs []int64) {
				for _, x := range xs {
					seen[x] = 0
				}
			})
			keys := make([]int64, 0, len(seen))
			for k := range seen {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				seen[k] = next
				next++
			}
			v.ids = seen
		}
	}
	v.size = int(next)
	return v
}

// encodeHist encodes a history column for all n rows: the kept items of
// each row (most recent first), padded with 0. Null items are skipped; a
// null list is empty.
func (v *intVocab) encodeHist(h intHist, n int) SeqColumn {
	L := h.maxLen
	s := SeqColumn{MaxLen: L, IDs: make([]int32, n*L), Len: make([]int32, n)}
	scratch := make([]int64, 0, L)
	for r := range n {
		items := h.kept(r, scratch)
		out := s.IDs[r*L : r*L+len(items)]
		if v.table != nil {
			for k, x := range items {
				if j := uint64(x) - uint64(v.lo); j < uint64(len(v.table)) {
					out[k] = v.table[j]
				}
			}
		} else {
			for k, x := range items {
				out[k] = v.ids[x]
			}
		}
		s.Len[r] = int32(len(items))
	}
	return s
}

func (v *intVocab) id(x int64) int32 {
	if v.table != nil {
		if i := uint64(x) - uint64(v.lo); i < uint64(len(v.table)) {
			return v.table[i]
		}
		return 0
	}
	return v.ids[x]
}

func (v *intVocab) encode(col *array.Int64, out []int32) {
	vals := col.Int64Values()
	nulls := col.NullN() > 0
	if v.table != nil {
		lo, table := v.lo, v.table
		for i, x := range vals {
			if j := uint64(x) - uint64(lo); j < uint64(len(table)) {
				out[i] = table[j]
			} else {
				out[i] = 0
			}
		}
	} else {
		for i, x := range vals {
			out[i] = v.ids[x]
		}
	}
	if nulls {
		for i := range out {
			if col.IsNull(i) {
				out[i] = v.null
			}
		}
	}
}

// strVocab maps strings to ids.
type strVocab struct {
	ids  map[string]int32
	null int32
	size int
}

// newStrVocab builds a vocabulary over rows (the train rows; all rows when
// nil).
func newStrVocab(col *array.String, hists []strHist, rows []int32) *strVocab {
	seen := map[string]int32{}
	sawNull := strTrain(col, hists, rows, func(x string) {
		if _, ok := seen[x]; !ok {
			seen[x] = 0
		}
	})
	v := &strVocab{}
	next := int32(1)
	if sawNull {
		v.null, next = 1, 2
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	v.ids = make(map[string]int32, len(keys))
	for _, k := range keys {
		// The key is copied: the Arrow buffer it points into is released
		// after Load.
		v.ids[string([]byte(k))] = next
		next++
	}
	v.size = int(next)
	return v
}

// encodeHist encodes a history column for all n rows, as intVocab's does.
func (v *strVocab) encodeHist(h strHist, n int) SeqColumn {
	L := h.maxLen
	s := SeqColumn{MaxLen: L, IDs: make([]int32, n*L), Len: make([]int32, n)}
	for r := range n {
		row := s.IDs[r*L : r*L+L]
		k := 0
		h.each(r, func(j int, x string) {
			row[j] = v.ids[x]
			k = j + 1
		})
		s.Len[r] = int32(k)
	}
	return s
}

func (v *strVocab) encode(col *array.String, out []int32) {
	for i := range out {
		if col.IsNull(i) {
			out[i] = v.null
		} else {
			out[i] = v.ids[col.Value(i)]
		}
	}
}
