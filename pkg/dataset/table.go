package dataset

import (
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow/go/v17/arrow"
)

// table is the rows of every file, the files concatenated in order. Its
// columns are read on demand: whole (readTable, column) or in pieces
// (reader).
type table struct {
	files  []*pqFile
	starts []int64 // first row of each file
	n      int
	cols   map[string]arrow.Array // the columns read whole
}

// newTable describes files as one table.
func newTable(files []*pqFile) (*table, error) {
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
	return t, nil
}

// check makes sure every file has every named column, of the same kind as
// in the first file.
func (t *table) check(names []string) error {
	first := t.files[0]
	for _, name := range names {
		c0 := first.column(name)
		if c0 == nil {
			return first.notFound(name)
		}
		for _, f := range t.files[1:] {
			c := f.column(name)
			if c == nil {
				return colErr(f.path, name, "not found (columns: %s), but %s has it", f.names(), first.path)
			}
			if c.Kind != c0.Kind || c.List != c0.List {
				return colErr(f.path, name, "type %s, but %s in %s", c.TypeName(), c0.TypeName(), first.path)
			}
		}
	}
	return nil
}

// column reads column name whole into one Arrow array (kept in t.cols).
func (t *table) column(name string) (arrow.Array, error) {
	if a := t.cols[name]; a != nil {
		return a, nil
	}
	if err := t.check([]string{name}); err != nil {
		return nil, err
	}
	r := t.reader(name, t.n)
	defer r.close()
	a, _, err := r.next()
	if err != nil {
		return nil, err
	}
	if a == nil { // no rows
		r.cb.reset()
		a = r.cb.finish()
	}
	t.cols[name] = a
	return a, nil
}

// readTable reads the named columns of every file whole. Columns are read
// side by side (one goroutine per column at a time, up to GOMAXPROCS); each
// column reads the files in order.
func readTable(files []*pqFile, names []string) (*table, error) {
	t, err := newTable(files)
	if err != nil {
		return nil, err
	}
	if err := t.check(names); err != nil {
		return nil, err
	}
	arrays := make([]arrow.Array, len(names))
	errs := make([]error, len(names))
	parallel(len(names), func(i int) {
		sub := &table{files: t.files, starts: t.starts, n: t.n, cols: map[string]arrow.Array{}}
		arrays[i], errs[i] = sub.column(names[i])
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
	clear(t.cols)
}

// file is the table of file fi alone, its rows numbered as in t (so that
// pieces start and errors name rows as they would in t).
func (t *table) file(fi int) *table {
	return &table{files: t.files[fi : fi+1], starts: t.starts[fi : fi+1], n: int(t.files[fi].rows), cols: map[string]arrow.Array{}}
}

// rowRange is the table rows [lo, hi) of file fi.
func (t *table) rowRange(fi int) (lo, hi int) {
	lo = int(t.starts[fi])
	return lo, lo + int(t.files[fi].rows)
}

// scan calls fn with every piece of column name: the files are read on up
// to readers goroutines, w being the goroutine (0 ≤ w < readers), and the
// pieces of one file in row order. It returns the error of the first file
// that failed, as reading the files one after the other would.
func (t *table) scan(name string, readers int, fn func(fi, w int, a arrow.Array, start int) error) error {
	return eachFile(len(t.files), readers, func(fi, w int) error {
		return t.file(fi).reader(name, pieceRows).each(func(a arrow.Array, start int) error {
			return fn(fi, w, a, start)
		})
	})
}

// eachFile runs do(fi, w) for the files 0 … n-1 on up to readers
// goroutines, w being the goroutine, which takes the next file when it is
// done with one. It returns the error of the first file (in file order)
// that failed; files after a failed one may be skipped, files before it
// are all done.
func eachFile(n, readers int, do func(fi, w int) error) error {
	errs := make([]error, n)
	readers = max(1, min(readers, n))
	if readers == 1 {
		for fi := range n {
			if errs[fi] = do(fi, 0); errs[fi] != nil {
				return errs[fi]
			}
		}
		return nil
	}
	var next, failed atomic.Int64
	failed.Store(int64(n))
	var wg sync.WaitGroup
	for w := range readers {
		wg.Go(func() {
			for {
				fi := next.Add(1) - 1
				if fi >= int64(n) || fi > failed.Load() {
					return
				}
				if errs[fi] = do(int(fi), w); errs[fi] != nil {
					for f := failed.Load(); fi < f && !failed.CompareAndSwap(f, fi); f = failed.Load() {
					}
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
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
