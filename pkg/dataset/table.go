package dataset

import (
	"runtime"
	"sort"
	"sync"

	"github.com/apache/arrow/go/v17/arrow"
)

// table is the rows of every file as Arrow arrays: one array per column,
// the files concatenated in order.
type table struct {
	files  []*pqFile
	starts []int64 // first row of each file
	n      int
	cols   map[string]arrow.Array
}

// readTable reads the named columns of every file. Columns are read side by
// side (one goroutine per column at a time, up to GOMAXPROCS); each column
// reads the files in order.
func readTable(files []*pqFile, names []string) (*table, error) {
	t := &table{files: files, cols: map[string]arrow.Array{}}
	var n int64
	for _, f := range files {
		t.starts = append(t.starts, n)
		n += f.rows
	}
	if n > 1<<31-1 {
		return nil, fileErr(files[0].path, "%d rows in all, more than this package's limit of 2^31-1", n)
	}
	t.n = int(n)

	// Every file must have every column, of the same kind as in the first.
	first := files[0]
	for _, name := range names {
		c0 := first.column(name)
		if c0 == nil {
			return nil, first.notFound(name)
		}
		for _, f := range files[1:] {
			c := f.column(name)
			if c == nil {
				return nil, f.notFound(name)
			}
			if c.Kind != c0.Kind || c.List != c0.List {
				return nil, colErr(f.path, name, "type %s, but %s in %s", c.TypeName(), c0.TypeName(), first.path)
			}
		}
	}

	arrays := make([]arrow.Array, len(names))
	errs := make([]error, len(names))
	parallel(len(names), func(i int) {
		c0 := first.column(names[i])
		cb := newColBuilder(names[i], c0.Kind, c0.List)
		var vals int64
		for _, f := range files {
			vals += f.numValues(f.column(names[i]))
		}
		// Reserve from the footer's counts, within reason: they are only
		// hints, and a damaged footer must not make us allocate gigabytes.
		const most = 1 << 24
		cb.reserve(min(t.n, most), int(min(vals, most)))
		for _, f := range files {
			if err := cb.readFile(f, f.column(names[i])); err != nil {
				errs[i] = err
				return
			}
		}
		arrays[i] = cb.finish()
	})
	for _, err := range errs {
		if err != nil {
			for _, a := range arrays {
				if a != nil {
					a.Release()
				}
			}
			return nil, err
		}
	}
	for i, name := range names {
		t.cols[name] = arrays[i]
	}
	return t, nil
}

func (t *table) release() {
	for _, a := range t.cols {
		a.Release()
	}
}

// where returns the file holding a row and the row's index in it.
func (t *table) where(row int) (string, int64) {
	i := sort.Search(len(t.starts), func(i int) bool { return t.starts[i] > int64(row) }) - 1
	return t.files[i].path, int64(row) - t.starts[i]
}

// rowErr is an *Error about one row of the table.
func (t *table) rowErr(column string, row int, format string, args ...any) error {
	file, r := t.where(row)
	return rowErr(file, column, r, format, args...)
}

// parallel runs do(0) … do(n-1) on up to GOMAXPROCS goroutines and waits.
// A panic in do is re-raised on the caller's goroutine.
func parallel(n int, do func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			do(i)
		}
		return
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		next  int
		fault any
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					mu.Lock()
					fault = r
					mu.Unlock()
				}
			}()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n {
					return
				}
				do(i)
			}
		}()
	}
	wg.Wait()
	if fault != nil {
		panic(fault)
	}
}
