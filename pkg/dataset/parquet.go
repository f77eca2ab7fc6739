package dataset

// Reading Parquet into Arrow.
//
// A file is opened with parquet-go and described column by column (pqColumn).
// A column is then read row group by row group and page by page: each page
// gives its values (plain, or dictionary indexes looked up in the chunk's
// dictionary) and its definition and repetition levels, and the levels say
// where the nulls are and where each list starts. The values go into an
// Arrow builder (colBuilder) that a colReader fills with the next piece of
// the column, over all files in order: the whole column as one Arrow array
// (Inspect), or pieces of some rows whose buffers the next piece reuses
// (Load, Encode).
//
// Types are widened on the way: INT32 and INT64 → int64, FLOAT and DOUBLE →
// float64, BYTE_ARRAY → string, BOOLEAN → bool; lists hold one of the first
// three. Other types (INT96, FIXED_LEN_BYTE_ARRAY, structs, maps, nested
// lists) are described but not read.

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/bitutil"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/parquet-go/parquet-go"
)

// valueKind is what a column's values become in Arrow.
type valueKind uint8

const (
	kindNone   valueKind = iota // a type this package does not read
	kindInt                     // INT32, INT64 → int64
	kindFloat                   // FLOAT, DOUBLE → float64
	kindString                  // BYTE_ARRAY → string
	kindBool                    // BOOLEAN → bool
)

func (k valueKind) String() string {
	switch k {
	case kindInt:
		return "int"
	case kindFloat:
		return "float"
	case kindString:
		return "string"
	case kindBool:
		return "bool"
	}
	return "unsupported"
}

// arrowType is the Arrow type a column of this kind is read into.
func (k valueKind) arrowType() arrow.DataType {
	switch k {
	case kindInt:
		return arrow.PrimitiveTypes.Int64
	case kindFloat:
		return arrow.PrimitiveTypes.Float64
	case kindString:
		return arrow.BinaryTypes.String
	case kindBool:
		return arrow.FixedWidthTypes.Boolean
	}
	return nil
}

// pqColumn is one top-level column of a Parquet file.
type pqColumn struct {
	Name     string
	Kind     valueKind
	List     bool   // a list of Kind values per row
	Leaf     int    // index of the (element) leaf column in each row group
	Physical string // Parquet physical type of the values: "INT64", "DOUBLE", ...
	Logical  string // Parquet logical type of the column ("INT(64,true)", "LIST"), or ""
	Optional bool   // the value (scalar) or the whole list may be null

	Unsupported string // why the column cannot be read; "" when it can

	part   *partConst // the value of a partition column (source.go) in this file; nil for a column of the file
	phys   parquet.Kind
	maxDef byte // definition level of a present value
	repDef byte // lists: definition level from which a level is an element
}

// TypeName is a short type for messages: "int64", "double", "string",
// "list<int64>", ...
func (c *pqColumn) TypeName() string {
	t := strings.ToLower(c.Physical)
	switch c.Physical {
	case "BYTE_ARRAY":
		t = "string"
	case "":
		return "group"
	}
	if c.List {
		return "list<" + t + ">"
	}
	return t
}

// partConst is the value a partition column has in every row of a file.
type partConst struct {
	null bool
	i    int64  // kindInt
	s    string // kindString
}

// pqFile is an open Parquet file.
type pqFile struct {
	path string
	osf  *os.File
	file *parquet.File
	rows int64
	cols []pqColumn
}

// openParquet opens path and describes its columns. A missing file, a file
// that is not Parquet and a corrupt footer are errors naming the file.
func openParquet(path string) (pf *pqFile, err error) {
	osf, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fileErr(path, "no such file")
		}
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fileErr(path, "open: %v", err)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fileErr(path, "not a readable Parquet file: %v", r)
		}
		if err != nil {
			osf.Close()
		}
	}()
	st, err := osf.Stat()
	if err != nil {
		return nil, fileErr(path, "stat: %v", err)
	}
	if st.IsDir() {
		return nil, fileErr(path, "is a directory, want a Parquet file")
	}
	if st.Size() == 0 {
		return nil, fileErr(path, "empty file (0 bytes), want a Parquet file")
	}
	if st.Size() < 12 {
		return nil, fileErr(path, "not a Parquet file (%d bytes)", st.Size())
	}
	var magic [4]byte
	if _, err := osf.ReadAt(magic[:], 0); err != nil {
		return nil, fileErr(path, "read: %v", err)
	}
	if string(magic[:]) != "PAR1" {
		return nil, fileErr(path, "not a Parquet file (it starts with %q, want \"PAR1\")", magic[:])
	}
	f, err := parquet.OpenFile(osf, st.Size(),
		parquet.SkipPageIndex(true),
		parquet.SkipBloomFilters(true),
		parquet.ReadBufferSize(1<<20),
	)
	if err != nil {
		return nil, fileErr(path, "not a readable Parquet file: %v", err)
	}
	pf = &pqFile{path: path, osf: osf, file: f, rows: f.NumRows()}
	for _, c := range f.Root().Columns() {
		d := describeColumn(c)
		if pf.column(d.Name) != nil {
			return nil, colErr(path, d.Name, "the file has two columns of this name; rename one")
		}
		pf.cols = append(pf.cols, d)
	}
	return pf, nil
}

func (f *pqFile) Close() error { return f.osf.Close() }

// numValues is the number of levels of column c over all row groups (an
// upper bound on its values), from the footer; 0 when c cannot be read.
func (f *pqFile) numValues(c *pqColumn) int64 {
	if c.part != nil {
		return f.rows
	}
	var n int64
	for _, g := range f.file.Metadata().RowGroups {
		if c.Unsupported == "" && c.Leaf < len(g.Columns) {
			n += max(g.Columns[c.Leaf].MetaData.NumValues, 0)
		}
	}
	return min(n, 1<<31)
}

// column returns the column called name, or nil.
func (f *pqFile) column(name string) *pqColumn {
	for i := range f.cols {
		if f.cols[i].Name == name {
			return &f.cols[i]
		}
	}
	return nil
}

// names lists the column names, for messages.
func (f *pqFile) names() string {
	s := make([]string, len(f.cols))
	for i, c := range f.cols {
		s[i] = c.Name
	}
	return strings.Join(s, ", ")
}

// notFound is the error for a column that f does not have.
func (f *pqFile) notFound(name string) error {
	return colErr(f.path, name, "not found (columns: %s)", f.names())
}

// describeColumn says how a top-level column is stored: a scalar leaf, a
// list (three-level LIST group, or a legacy repeated leaf or two-level
// group), or something this package does not read.
func describeColumn(c *parquet.Column) pqColumn {
	d := pqColumn{Name: c.Name()}
	if lt := c.Type().LogicalType(); lt != nil {
		d.Logical = lt.String()
	}
	elem := c
	switch {
	case c.Leaf() && !c.Repeated():
		d.Optional = c.Optional()
	case c.Leaf(): // repeated int64 x;
		d.List = true
		d.repDef = 1
	case strings.HasPrefix(d.Logical, "MAP"):
		d.Unsupported = "a map"
		return d
	default:
		kids := c.Columns()
		if len(kids) != 1 || !kids[0].Repeated() {
			d.Unsupported = "a nested group (struct or map)"
			return d
		}
		d.List = true
		d.Optional = c.Optional()
		d.repDef = 1
		if d.Optional {
			d.repDef = 2
		}
		rep := kids[0]
		switch {
		case rep.Leaf(): // group (LIST) { repeated int64 element; }
			elem = rep
		case len(rep.Columns()) == 1 && rep.Columns()[0].Leaf() && !rep.Columns()[0].Repeated():
			elem = rep.Columns()[0] // group (LIST) { repeated group list { T element; } }
		default:
			d.Unsupported = "a list of groups (nested lists, structs or maps)"
			return d
		}
	}
	d.Leaf = elem.Index()
	d.maxDef = byte(elem.MaxDefinitionLevel())
	d.phys = elem.Type().Kind()
	d.Physical = d.phys.String()
	if elem.MaxRepetitionLevel() > 1 {
		d.Unsupported = "a nested list"
		return d
	}
	switch d.phys {
	case parquet.Int32, parquet.Int64:
		d.Kind = kindInt
	case parquet.Float, parquet.Double:
		d.Kind = kindFloat
	case parquet.ByteArray:
		d.Kind = kindString
	case parquet.Boolean:
		d.Kind = kindBool
		if d.List {
			d.Kind = kindNone
			d.Unsupported = "a list of booleans"
		}
	default:
		d.Unsupported = "physical type " + d.Physical
	}
	return d
}

// colBuilder reads one column of several files into one Arrow array. The
// values are decoded from each page straight into Go slices that become the
// Arrow buffers, so nothing is copied twice.
type colBuilder struct {
	name string
	kind valueKind
	list bool

	// The values (the elements, for a list): one sink, of the column's kind.
	ints   *numSink[int64]
	floats *numSink[float64]
	bools  *numSink[bool]
	strs   *strSink

	rows listRows // lists: where each row starts

	// The present values of the page being added: the page's own slice
	// (which the page's release hands back to parquet-go) or the owned
	// scratch below, which gather fills and the next pages reuse.
	sInts     []int64
	sFloats   []float64
	ownInts   []int64
	ownFloats []float64

	// per-page scratch, reused
	sBools []bool
	sStrs  [][]byte
	pvals  []parquet.Value
	dict   parquet.Dictionary // dictionary whose values are in dstrs
	dstrs  [][]byte
}

func newColBuilder(name string, kind valueKind, list bool) *colBuilder {
	cb := &colBuilder{name: name, kind: kind, list: list}
	switch kind {
	case kindInt:
		cb.ints = &numSink[int64]{}
	case kindFloat:
		cb.floats = &numSink[float64]{}
	case kindBool:
		cb.bools = &numSink[bool]{}
	case kindString:
		cb.strs = &strSink{offs: []int32{0}}
	}
	return cb
}

// builderPools holds the builders of finished column reads, a pool per
// column type.
var builderPools sync.Map // colType → *sync.Pool

// getBuilder returns an empty builder for a column of type t, from the
// pool when it has one.
func getBuilder(name string, t colType) *colBuilder {
	if p, ok := builderPools.Load(t); ok {
		if cb, ok := p.(*sync.Pool).Get().(*colBuilder); ok {
			cb.name = name
			cb.reset()
			cb.dict, cb.dstrs, cb.rows.inRow = nil, cb.dstrs[:0], false
			return cb
		}
	}
	return newColBuilder(name, t.kind, t.list)
}

// putBuilder gives builders back to the pool once no array they made is
// used any more.
func putBuilder(cbs ...*colBuilder) {
	for _, cb := range cbs {
		p, _ := builderPools.LoadOrStore(colType{cb.kind, cb.list}, &sync.Pool{})
		p.(*sync.Pool).Put(cb)
	}
}

// reserve makes room for rows rows and vals values (an upper bound is fine).
func (cb *colBuilder) reserve(rows, vals int) {
	if cb.list {
		cb.rows.offs = slices.Grow(cb.rows.offs, rows+1)
	}
	switch cb.kind {
	case kindInt:
		cb.ints.vals = slices.Grow(cb.ints.vals, vals)
	case kindFloat:
		cb.floats.vals = slices.Grow(cb.floats.vals, vals)
	case kindBool:
		cb.bools.vals = slices.Grow(cb.bools.vals, vals)
	case kindString:
		cb.strs.offs = slices.Grow(cb.strs.offs, vals)
	}
}

// numRows is how many rows the builder holds.
func (cb *colBuilder) numRows() int {
	if cb.list {
		return len(cb.rows.offs)
	}
	return cb.numValues()
}

// numCap is how many values the builder has room for.
func (cb *colBuilder) numCap() int {
	switch cb.kind {
	case kindInt:
		return cap(cb.ints.vals)
	case kindFloat:
		return cap(cb.floats.vals)
	case kindBool:
		return cap(cb.bools.vals)
	case kindString:
		return cap(cb.strs.offs)
	}
	return 0
}

func (cb *colBuilder) numValues() int {
	switch cb.kind {
	case kindInt:
		return len(cb.ints.vals)
	case kindFloat:
		return len(cb.floats.vals)
	case kindBool:
		return len(cb.bools.vals)
	case kindString:
		return len(cb.strs.offs) - 1
	}
	return 0
}

// finish returns the column as one Arrow array.
func (cb *colBuilder) finish() arrow.Array {
	var vals *array.Data
	switch cb.kind {
	case kindInt:
		vals = cb.ints.data(arrow.PrimitiveTypes.Int64, arrow.Int64Traits.CastToBytes(cb.ints.vals))
	case kindFloat:
		vals = cb.floats.data(arrow.PrimitiveTypes.Float64, arrow.Float64Traits.CastToBytes(cb.floats.vals))
	case kindBool:
		bits := make([]byte, bitutil.BytesForBits(int64(len(cb.bools.vals))))
		for i, v := range cb.bools.vals {
			if v {
				bitutil.SetBit(bits, i)
			}
		}
		vals = cb.bools.data(arrow.FixedWidthTypes.Boolean, bits)
	case kindString:
		s := cb.strs
		bitmap, nulls := validityBitmap(s.valid)
		vals = array.NewData(arrow.BinaryTypes.String, len(s.offs)-1, []*memory.Buffer{
			bitmap,
			memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(s.offs)),
			memory.NewBufferBytes(s.data),
		}, nil, nulls, 0)
	}
	if !cb.list {
		return array.MakeFromData(vals)
	}
	defer vals.Release()
	r := &cb.rows
	n := len(r.offs)
	r.offs = append(r.offs, int32(cb.numValues()))
	bitmap, nulls := validityBitmap(r.valid)
	data := array.NewData(arrow.ListOf(cb.kind.arrowType()), n, []*memory.Buffer{
		bitmap,
		memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(r.offs)),
	}, []arrow.ArrayData{vals}, nulls, 0)
	defer data.Release()
	return array.MakeFromData(data)
}

// validityBitmap is the Arrow validity bitmap of valid (nil when every
// value is present) and the number of nulls.
func validityBitmap(valid []bool) (*memory.Buffer, int) {
	if valid == nil {
		return nil, 0
	}
	bits := make([]byte, bitutil.BytesForBits(int64(len(valid))))
	nulls := 0
	for i, v := range valid {
		if v {
			bitutil.SetBit(bits, i)
		} else {
			nulls++
		}
	}
	return memory.NewBufferBytes(bits), nulls
}

// reset empties the builder for the next piece of its column, keeping the
// buffers: the Arrow array of the previous piece must not be used after.
func (cb *colBuilder) reset() {
	switch cb.kind {
	case kindInt:
		cb.ints.vals, cb.ints.valid = cb.ints.vals[:0], nil
	case kindFloat:
		cb.floats.vals, cb.floats.valid = cb.floats.vals[:0], nil
	case kindBool:
		cb.bools.vals, cb.bools.valid = cb.bools.vals[:0], nil
	case kindString:
		cb.strs.data, cb.strs.offs, cb.strs.valid = cb.strs.data[:0], cb.strs.offs[:1], nil
	}
	cb.rows.offs, cb.rows.valid = cb.rows.offs[:0], nil
}

func kindName(k valueKind, list bool) string {
	if list {
		return "list<" + k.String() + ">"
	}
	return k.String()
}

// colReader reads one column of a table's files, in row order, as a
// sequence of Arrow arrays ("pieces") of at least want rows each (the last
// may be shorter): whole pages, a piece ending before a page that starts a
// row or at the end of a row group. The builder's buffers are reused from
// piece to piece, so a piece is valid only until the next call to next:
// reading a column this way holds one piece in memory, not the column.
type colReader struct {
	t     *table
	name  string
	want  int
	cb    *colBuilder
	fi    int           // the file being read
	rg    int           // the row group being read in it; -1 before its first
	pages parquet.Pages // pages of the current column chunk; nil between chunks
	ahead parquet.Page  // a page read ahead: it starts the next piece
	frows int64         // rows of the current file read so far
	row   int           // table row of the next piece
	err   error
}

// reader returns a reader of column name in pieces of want rows (all rows
// in one piece when want ≥ t.n). The column must be in every file
// (t.check).
func (t *table) reader(name string, want int) *colReader {
	c0 := t.files[0].column(name)
	r := &colReader{t: t, name: name, want: max(want, 1), cb: getBuilder(name, c0.colType()), rg: -1, row: int(t.starts[0])}
	var vals int64
	for _, f := range t.files {
		vals += f.numValues(f.column(name))
	}
	rows := min(t.n, r.want)
	if t.n > 0 {
		vals = vals * int64(rows) / int64(t.n)
	}
	// Reserve from the footer's counts, within reason: they are only hints,
	// and a damaged footer must not make us allocate gigabytes.
	const most = 1 << 24
	r.cb.reserve(min(rows, most), int(min(vals, most)))
	return r
}

// next returns the next piece and the table row it starts at, or a nil
// array after the last. A panic of the Parquet reader on a corrupt file
// becomes an error naming the file, the column and the row group.
func (r *colReader) next() (a arrow.Array, start int, err error) {
	if r.err != nil {
		return nil, 0, r.err
	}
	defer func() {
		if p := recover(); p != nil {
			err = colErr(r.file().path, r.name, "row group %d: corrupt data: %v", r.rg, p)
		}
		if err != nil {
			r.close()
			r.err, a = err, nil
		}
	}()
	cb := r.cb
	cb.reset()
	for {
		if r.ahead == nil {
			if r.pages == nil {
				if cb.numRows() >= r.want {
					break
				}
				if r.partition() {
					continue
				}
				ok, err := r.openChunk()
				if err != nil {
					return nil, 0, err
				}
				if !ok {
					break
				}
			}
			p, err := r.pages.ReadPage()
			if err == io.EOF {
				r.pages.Close()
				r.pages = nil
				continue
			}
			if err != nil {
				return nil, 0, colErr(r.file().path, r.name, "row group %d: %v", r.rg, err)
			}
			if cb.numRows() >= r.want && startsRow(p, r.file().column(r.name)) {
				r.ahead = p
				break
			}
			r.ahead = p
		}
		before := cb.numRows()
		err := cb.addPage(r.ahead, r.file().column(r.name))
		parquet.Release(r.ahead)
		r.ahead = nil
		if err != nil {
			return nil, 0, colErr(r.file().path, r.name, "row group %d: %v", r.rg, err)
		}
		r.frows += int64(cb.numRows() - before)
	}
	n := cb.numRows()
	if n == 0 {
		return nil, 0, nil
	}
	start = r.row
	r.row += n
	return cb.finish(), start, nil
}

func (r *colReader) file() *pqFile { return r.t.files[min(r.fi, len(r.t.files)-1)] }

// openChunk opens the column chunk of the next row group (of the next file
// at the end of one) and reports false after the last file.
func (r *colReader) openChunk() (bool, error) {
	for r.fi < len(r.t.files) {
		f := r.t.files[r.fi]
		c := f.column(r.name)
		if r.rg == -1 {
			if c.Unsupported != "" {
				return false, colErr(f.path, c.Name, "%s is %s, which this package does not read", c.TypeName(), c.Unsupported)
			}
			if c.Kind != r.cb.kind || c.List != r.cb.list {
				return false, colErr(f.path, c.Name, "type %s does not match the %s read from the first file", c.TypeName(), kindName(r.cb.kind, r.cb.list))
			}
		}
		r.rg++
		groups := f.file.RowGroups()
		if r.rg >= len(groups) {
			if r.frows != f.rows {
				return false, colErr(f.path, c.Name, "read %d rows, the footer says %d", r.frows, f.rows)
			}
			r.fi, r.rg, r.frows = r.fi+1, -1, 0
			continue
		}
		chunks := groups[r.rg].ColumnChunks()
		if c.Leaf >= len(chunks) {
			return false, colErr(f.path, c.Name, "row group %d: no chunk for leaf column %d", r.rg, c.Leaf)
		}
		r.pages = chunks[c.Leaf].Pages()
		r.cb.dict, r.cb.dstrs, r.cb.rows.inRow = nil, r.cb.dstrs[:0], false
		return true, nil
	}
	return false, nil
}

// partition appends the rows of the current file when the column is one
// of its partition folders (as many as the piece still wants), and
// reports whether it is.
func (r *colReader) partition() bool {
	if r.fi >= len(r.t.files) {
		return false
	}
	f := r.t.files[r.fi]
	c := f.column(r.name)
	if c.part == nil {
		return false
	}
	n := int(min(f.rows-r.frows, int64(r.want-r.cb.numRows())))
	switch v := c.part; {
	case v.null && r.cb.kind == kindInt:
		r.cb.ints.appendNulls(n)
	case v.null:
		r.cb.strs.appendNulls(n)
	case r.cb.kind == kindInt:
		r.cb.ints.appendRepeat(v.i, n)
	default:
		r.cb.strs.appendRepeat([]byte(v.s), n)
	}
	r.frows += int64(n)
	if r.frows == f.rows {
		r.fi, r.rg, r.frows = r.fi+1, -1, 0
	}
	return true
}

func (r *colReader) close() {
	if r.ahead != nil {
		parquet.Release(r.ahead)
		r.ahead = nil
	}
	if r.pages != nil {
		r.pages.Close()
		r.pages = nil
	}
}

// each calls fn with every piece of the column in order, and stops at the
// first error. When the column has more than one piece, the next piece is
// read on another goroutine while fn handles the current one (two builders
// take turns), so decoding and encoding a column overlap.
//
// The builders go back to a pool when it is done: reading a folder's files
// one after the other reuses their buffers instead of allocating (and
// faulting in) new ones for every file.
func (r *colReader) each(fn func(a arrow.Array, start int) error) error {
	defer r.close()
	if r.t.n <= r.want {
		defer putBuilder(r.cb)
		a, start, err := r.next()
		if err != nil || a == nil {
			return err
		}
		defer a.Release()
		return fn(a, start)
	}
	type piece struct {
		a     arrow.Array
		start int
		cb    *colBuilder
		err   error
	}
	pieces := make(chan piece)
	free := make(chan *colBuilder, 2)
	done := make(chan struct{})
	spare := getBuilder(r.name, colType{r.cb.kind, r.cb.list})
	spare.reserve(cap(r.cb.rows.offs), r.cb.numCap())
	free <- r.cb
	free <- spare
	defer putBuilder(r.cb, spare)
	go func() {
		defer close(pieces)
		for {
			var cb *colBuilder
			select {
			case cb = <-free:
			case <-done:
				return
			}
			cb.dict, cb.dstrs = nil, cb.dstrs[:0] // the dictionary cache belongs to the other builder
			r.cb = cb
			a, start, err := r.next()
			if a == nil && err == nil {
				return
			}
			select {
			case pieces <- piece{a, start, cb, err}:
			case <-done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	defer func() { // stop the reader, and wait for it before r.close
		close(done)
		for range pieces {
		}
	}()
	for p := range pieces {
		if p.err != nil {
			return p.err
		}
		err := fn(p.a, p.start)
		p.a.Release()
		if err != nil {
			return err
		}
		free <- p.cb
	}
	return nil
}

// startsRow reports whether page p begins a new row of column c (a list
// page may continue the last row of the page before it).
func startsRow(p parquet.Page, c *pqColumn) bool {
	if !c.List {
		return true
	}
	reps := p.RepetitionLevels()
	return len(reps) > 0 && reps[0] == 0
}

// addPage appends the rows (or the list elements) of one page.
func (cb *colBuilder) addPage(p parquet.Page, c *pqColumn) error {
	n := int(p.NumValues()) // levels in the page
	defs := p.DefinitionLevels()
	reps := p.RepetitionLevels()
	if c.maxDef > 0 && len(defs) != n {
		return fmt.Errorf("page has %d definition levels for %d values", len(defs), n)
	}
	if c.List && len(reps) != n {
		return fmt.Errorf("page has %d repetition levels for %d values", len(reps), n)
	}
	if err := cb.decode(p, c); err != nil {
		return err
	}
	switch cb.kind {
	case kindInt:
		return addLevels(cb, c, cb.ints, cb.sInts, defs, reps, n)
	case kindFloat:
		return addLevels(cb, c, cb.floats, cb.sFloats, defs, reps, n)
	case kindString:
		return addLevels(cb, c, cb.strs, cb.sStrs, defs, reps, n)
	case kindBool:
		return addLevels(cb, c, cb.bools, cb.sBools, defs, reps, n)
	}
	return fmt.Errorf("no reader for %s", c.TypeName())
}

// decode puts the present (non-null) values of p into the scratch slice of
// the column's kind, looking dictionary indexes up in the dictionary.
func (cb *colBuilder) decode(p parquet.Page, c *pqColumn) error {
	if cb.kind == kindBool {
		return cb.decodeBools(p)
	}
	data := p.Data()
	dict := p.Dictionary()
	var idx []int32
	if dict != nil {
		idx = data.Int32()
		nd := int32(dict.Len())
		for _, i := range idx {
			if i < 0 || i >= nd {
				return fmt.Errorf("dictionary index %d out of range [0, %d)", i, nd)
			}
		}
		data = dict.Page().Data()
	}
	switch cb.kind {
	case kindInt:
		switch {
		case c.phys == parquet.Int32:
			cb.ownInts = gather(cb.ownInts[:0], data.Int32(), idx)
			cb.sInts = cb.ownInts
		case idx == nil: // the page's own slice: no copy
			cb.sInts = data.Int64()
		default:
			cb.ownInts = gather(cb.ownInts[:0], data.Int64(), idx)
			cb.sInts = cb.ownInts
		}
	case kindFloat:
		switch {
		case c.phys == parquet.Float:
			cb.ownFloats = gather(cb.ownFloats[:0], data.Float(), idx)
			cb.sFloats = cb.ownFloats
		case idx == nil:
			cb.sFloats = data.Double()
		default:
			cb.ownFloats = gather(cb.ownFloats[:0], data.Double(), idx)
			cb.sFloats = cb.ownFloats
		}
	case kindString:
		buf, offs := data.ByteArray()
		cb.sStrs = cb.sStrs[:0]
		if dict == nil {
			for i := 0; i+1 < len(offs); i++ {
				cb.sStrs = append(cb.sStrs, buf[offs[i]:offs[i+1]])
			}
			break
		}
		if dict != cb.dict {
			cb.dict, cb.dstrs = dict, cb.dstrs[:0]
			for i := 0; i+1 < len(offs); i++ {
				cb.dstrs = append(cb.dstrs, buf[offs[i]:offs[i+1]])
			}
		}
		for _, i := range idx {
			cb.sStrs = append(cb.sStrs, cb.dstrs[i])
		}
	}
	return nil
}

// decodeBools reads a BOOLEAN page through its value reader (booleans are
// bit-packed; this path is only used for labels and small columns).
func (cb *colBuilder) decodeBools(p parquet.Page) error {
	cb.sBools = cb.sBools[:0]
	if cap(cb.pvals) < 1024 {
		cb.pvals = make([]parquet.Value, 1024)
	}
	r := p.Values()
	for {
		n, err := r.ReadValues(cb.pvals[:cap(cb.pvals)])
		for _, v := range cb.pvals[:n] {
			if !v.IsNull() {
				cb.sBools = append(cb.sBools, v.Boolean())
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

type number interface {
	~int32 | ~int64 | ~float32 | ~float64
}

// gather appends src (or src looked up through idx, when idx is not nil)
// to dst, converting the values.
func gather[S, D number](dst []D, src []S, idx []int32) []D {
	if idx == nil {
		for _, v := range src {
			dst = append(dst, D(v))
		}
		return dst
	}
	for _, i := range idx {
		dst = append(dst, D(src[i]))
	}
	return dst
}

// sink collects the values of a column in order.
type sink[T any] interface {
	appendValues(vs []T) // present values
	appendNulls(n int)
	len() int
}

// numSink holds fixed-width values; valid stays nil until the first null.
type numSink[T any] struct {
	vals  []T
	valid []bool
}

func (s *numSink[T]) len() int { return len(s.vals) }

func (s *numSink[T]) appendValues(vs []T) {
	s.vals = append(s.vals, vs...)
	if s.valid != nil {
		for range vs {
			s.valid = append(s.valid, true)
		}
	}
}

// appendRepeat appends n copies of x.
func (s *numSink[T]) appendRepeat(x T, n int) {
	s.vals = slices.Grow(s.vals, n)
	for range n {
		s.vals = append(s.vals, x)
	}
	if s.valid != nil {
		for range n {
			s.valid = append(s.valid, true)
		}
	}
}

func (s *numSink[T]) appendNulls(n int) {
	if s.valid == nil {
		s.valid = make([]bool, len(s.vals), cap(s.vals))
		for i := range s.valid {
			s.valid[i] = true
		}
	}
	var zero T
	for range n {
		s.vals = append(s.vals, zero)
		s.valid = append(s.valid, false)
	}
}

// data is the Arrow data of the values, whose bytes are buf.
func (s *numSink[T]) data(t arrow.DataType, buf []byte) *array.Data {
	bitmap, nulls := validityBitmap(s.valid)
	return array.NewData(t, len(s.vals), []*memory.Buffer{bitmap, memory.NewBufferBytes(buf)}, nil, nulls, 0)
}

// strSink holds strings as Arrow does: bytes and offsets.
type strSink struct {
	data  []byte
	offs  []int32 // len() + 1 offsets into data
	valid []bool
}

func (s *strSink) len() int { return len(s.offs) - 1 }

func (s *strSink) appendValues(vs [][]byte) {
	for _, v := range vs {
		s.data = append(s.data, v...)
		s.offs = append(s.offs, int32(len(s.data)))
		if s.valid != nil {
			s.valid = append(s.valid, true)
		}
	}
}

// appendRepeat appends n copies of x.
func (s *strSink) appendRepeat(x []byte, n int) {
	s.data = slices.Grow(s.data, n*len(x))
	for range n {
		s.data = append(s.data, x...)
		s.offs = append(s.offs, int32(len(s.data)))
	}
	if s.valid != nil {
		for range n {
			s.valid = append(s.valid, true)
		}
	}
}

func (s *strSink) appendNulls(n int) {
	if s.valid == nil {
		s.valid = make([]bool, s.len(), cap(s.offs))
		for i := range s.valid {
			s.valid[i] = true
		}
	}
	for range n {
		s.offs = append(s.offs, int32(len(s.data)))
		s.valid = append(s.valid, false)
	}
}

// listRows says where each row of a list column starts among its elements.
type listRows struct {
	offs  []int32 // first element of each row
	valid []bool  // nil while no list is null
	inRow bool    // a row has started in the current column chunk
}

// addLevels appends one page of a column: vals are its present values in
// order, defs and reps its n definition and repetition levels.
//
// Scalars: a level below maxDef is a null. Lists: a level with repetition 0
// starts a row; its definition level says whether the row's list is null
// (< repDef-1), empty (= repDef-1) or holds an element (≥ repDef), and an
// element is null when its level is below maxDef.
func addLevels[T any](cb *colBuilder, c *pqColumn, s sink[T], vals []T, defs, reps []byte, n int) error {
	if !c.List {
		if c.maxDef == 0 || len(vals) == n { // no nulls
			if len(vals) != n {
				return fmt.Errorf("page has %d values, want %d", len(vals), n)
			}
			s.appendValues(vals)
			return nil
		}
		// Runs of present values and of nulls.
		vi := 0
		for i := 0; i < n; {
			j := i
			if defs[i] == c.maxDef {
				for j < n && defs[j] == c.maxDef {
					j++
				}
				if vi+j-i > len(vals) {
					return fmt.Errorf("page has fewer values (%d) than defined levels", len(vals))
				}
				s.appendValues(vals[vi : vi+j-i])
				vi += j - i
			} else {
				for j < n && defs[j] != c.maxDef {
					j++
				}
				s.appendNulls(j - i)
			}
			i = j
		}
		if vi != len(vals) {
			return fmt.Errorf("page has %d values for %d defined levels", len(vals), vi)
		}
		return nil
	}

	r := &cb.rows
	base := s.len()
	elems := 0 // elements of this page so far
	present := 0
	elemNullable := c.maxDef > c.repDef
	vi := 0 // values appended to s so far
	for i := 0; i < n; i++ {
		d := defs[i]
		if reps[i] == 0 {
			off := base + elems
			if off > math.MaxInt32 {
				return fmt.Errorf("more than %d list elements in one column (Arrow list offsets are 32-bit)", math.MaxInt32)
			}
			r.offs = append(r.offs, int32(off))
			if isNull := int(d) < int(c.repDef)-1; isNull || r.valid != nil {
				if r.valid == nil {
					r.valid = make([]bool, len(r.offs)-1, cap(r.offs))
					for k := range r.valid {
						r.valid[k] = true
					}
				}
				r.valid = append(r.valid, !isNull)
			}
			r.inRow = true
		} else if !r.inRow {
			return fmt.Errorf("the first list level continues a row that never started")
		}
		if d < c.repDef {
			continue
		}
		elems++
		if d == c.maxDef {
			present++
		} else { // a null element: flush the present values before it
			if present > len(vals)-vi {
				return fmt.Errorf("page has fewer values (%d) than defined levels", len(vals))
			}
			s.appendValues(vals[vi : vi+present])
			vi += present
			present = 0
			s.appendNulls(1)
		}
	}
	if !elemNullable || present > 0 {
		if present != len(vals)-vi {
			return fmt.Errorf("page has %d values for %d defined levels", len(vals), vi+present)
		}
		s.appendValues(vals[vi:])
	}
	return nil
}
