package dataset

// Columns as the files hold them (not encoded), and a Parquet writer of
// typed columns: what `sweep predict` copies from its input to its output
// next to the scores (the group's original values, --keep).

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/parquet-go/parquet-go"
)

// Column is one column of some files, values as stored (ints widened to
// int64, floats to float64), rows in file order.
type Column struct {
	Name string
	Type string // "int", "float", "string", "bool", "list<int>", …
	arr  arrow.Array
}

// Len is the number of rows.
func (c Column) Len() int { return c.arr.Len() }

// Value is row i's value: nil for null, int64, float64, string or bool, and
// for a list column a []any of those.
func (c Column) Value(i int) any {
	if c.arr.IsNull(i) {
		return nil
	}
	if l, ok := c.arr.(*array.List); ok {
		lo, hi := l.ValueOffsets(i)
		items := make([]any, 0, hi-lo)
		for j := lo; j < hi; j++ {
			items = append(items, scalar(l.ListValues(), int(j)))
		}
		return items
	}
	return scalar(c.arr, i)
}

func scalar(a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	switch a := a.(type) {
	case *array.Int64:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.String:
		return a.Value(i)
	case *array.Boolean:
		return a.Value(i)
	}
	return nil
}

// Row is row r of cols by column name, each value as Value gives it: the
// shape of a row in a scoring request (pkg/serve).
func Row(cols []Column, r int) map[string]any {
	m := make(map[string]any, len(cols))
	for _, c := range cols {
		m[c.Name] = c.Value(r)
	}
	return m
}

// ReadColumns reads the named columns of the files that paths name (files,
// folders, globs, as Source takes them), whole. A missing column or one of
// a type this package does not read is an error naming the file and it.
func ReadColumns(paths []string, names []string) ([]Column, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("dataset: no files to read")
	}
	pfs, err := openAll(paths)
	if err != nil {
		return nil, err
	}
	defer closeAll(pfs)
	for _, name := range names {
		c := pfs[0].column(name)
		if c == nil {
			return nil, pfs[0].notFound(name)
		}
		if c.Unsupported != "" {
			return nil, colErr(pfs[0].path, name, "%s is %s, which this package does not read", c.TypeName(), c.Unsupported)
		}
	}
	t, err := readTable(pfs, names)
	if err != nil {
		return nil, err
	}
	out := make([]Column, len(names))
	for i, name := range names {
		out[i] = Column{Name: name, Type: pfs[0].column(name).colType().String(), arr: t.cols[name]}
	}
	return out, nil
}

// OutColumn is one column to write: its name, its type ("int", "float"
// (double), "float32", "string", "bool", or "list<T>" of one of them) and
// its value for each row, as Column.Value gives them (a float32 for
// "float32"; a list as []any or []float32).
type OutColumn struct {
	Name  string
	Type  string
	Value func(row int) any
}

// outLeaf is the Parquet type of a column type's values.
func outLeaf(t string) (parquet.Node, bool) {
	switch t {
	case "int":
		return parquet.Int(64), true
	case "float":
		return parquet.Leaf(parquet.DoubleType), true
	case "float32":
		return parquet.Leaf(parquet.FloatType), true
	case "string":
		return parquet.String(), true
	case "bool":
		return parquet.Leaf(parquet.BooleanType), true
	}
	return nil, false
}

// orderedGroup is a Parquet group whose fields keep the order given
// (parquet.Group orders them by name).
type orderedGroup struct {
	parquet.Group
	fields []parquet.Field
}

func (g orderedGroup) Fields() []parquet.Field { return g.fields }

// outSchema is the schema of cols, in their order: every column and list
// item optional.
func outSchema(cols []OutColumn) (*parquet.Schema, []bool, error) {
	g := parquet.Group{}
	lists := make([]bool, len(cols))
	for i, c := range cols {
		inner, list := parseList(c.Type)
		leaf, ok := outLeaf(inner)
		if !ok {
			return nil, nil, fmt.Errorf("dataset: output column %q: unknown type %q", c.Name, c.Type)
		}
		if _, dup := g[c.Name]; dup {
			return nil, nil, fmt.Errorf("dataset: output column %q twice", c.Name)
		}
		node := parquet.Optional(leaf)
		if list {
			node = parquet.Optional(parquet.List(parquet.Optional(leaf)))
		}
		g[c.Name], lists[i] = node, list
	}
	byName := map[string]parquet.Field{}
	for _, f := range g.Fields() {
		byName[f.Name()] = f
	}
	og := orderedGroup{Group: g}
	for _, c := range cols {
		og.fields = append(og.fields, byName[c.Name])
	}
	return parquet.NewSchema("scores", og), lists, nil
}

func parseList(t string) (string, bool) {
	if len(t) > 6 && t[:5] == "list<" && t[len(t)-1] == '>' {
		return t[5 : len(t)-1], true
	}
	return t, false
}

// WriteColumns writes n rows of cols to a Parquet file at path, whole: to
// a temporary file beside it, renamed when complete.
func WriteColumns(path string, n int, cols []OutColumn) (err error) {
	schema, lists, err := outSchema(cols)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("dataset: write %s: %w", path, pathErr(err))
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o644); err != nil { // CreateTemp makes it private
		return fmt.Errorf("dataset: write %s: %w", path, err)
	}
	w := parquet.NewWriter(tmp, schema)
	batch := make([]parquet.Row, 0, 1024)
	for r := range n {
		var row parquet.Row
		for i, c := range cols {
			v := c.Value(r)
			if lists[i] {
				row = appendList(row, i, v)
			} else {
				row = append(row, leafValue(v, 1, 0, i))
			}
		}
		batch = append(batch, row)
		if len(batch) == cap(batch) || r == n-1 {
			if _, err := w.WriteRows(batch); err != nil {
				return fmt.Errorf("dataset: write %s: %w", path, err)
			}
			batch = batch[:0]
		}
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("dataset: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("dataset: write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("dataset: write %s: %w", path, pathErr(err))
	}
	return nil
}

// leafValue is v at definition level def when present (def−1 when null),
// repetition level rep, in column col.
func leafValue(v any, def, rep, col int) parquet.Value {
	if v == nil {
		return parquet.NullValue().Level(rep, def-1, col)
	}
	return parquet.ValueOf(v).Level(rep, def, col)
}

// appendList appends a list value of column col: an optional list of
// optional items has definition levels 0 (null list), 1 (empty list), 2
// (null item) and 3 (item).
func appendList(row parquet.Row, col int, v any) parquet.Row {
	var items []any
	switch l := v.(type) {
	case nil:
		return append(row, parquet.NullValue().Level(0, 0, col))
	case []any:
		items = l
	case []float32:
		items = make([]any, len(l))
		for i, x := range l {
			items[i] = x
		}
	}
	if len(items) == 0 {
		return append(row, parquet.NullValue().Level(0, 1, col))
	}
	for j, x := range items {
		row = append(row, leafValue(x, 3, min(j, 1), col))
	}
	return row
}
