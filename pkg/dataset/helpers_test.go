package dataset

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// writeRows writes rows to a new Parquet file in t's temp dir.
func writeRows[T any](t testing.TB, name string, rows []T, opts ...parquet.WriterOption) string {
	t.Helper()
	return writeRowsAt(t, filepath.Join(t.TempDir(), name), rows, opts...)
}

// writeRowsAt writes rows to a new Parquet file at path.
func writeRowsAt[T any](t testing.TB, path string, rows []T, opts ...parquet.WriterOption) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[T](f, opts...)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// readRows reads a whole Parquet file into rows of type T.
func readRows[T any](t testing.TB, path string) []T {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	r := parquet.NewGenericReader[T](pf)
	defer r.Close()
	rows := make([]T, pf.NumRows())
	n, err := r.Read(rows)
	if n != len(rows) {
		t.Fatalf("read %d rows of %d: %v", n, len(rows), err)
	}
	return rows
}

// sharedData is the shared data directory (../shared/data beside the
// clone); the test is skipped when it is absent.
func sharedData(t testing.TB, sub string) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "data", sub)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared data %s not found (want it at ../shared/data beside the clone): %v", dir, err)
	}
	return dir
}

// aucOf is the exact AUC of scores p for labels y (ties averaged).
func aucOf(p, y []float32) float64 {
	idx := make([]int, len(p))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return p[idx[a]] < p[idx[b]] })
	var rankSum, npos float64
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && p[idx[j]] == p[idx[i]] {
			j++
		}
		rank := float64(i+j+1) / 2
		for k := i; k < j; k++ {
			if y[idx[k]] == 1 {
				rankSum += rank
				npos++
			}
		}
		i = j
	}
	nneg := float64(len(p)) - npos
	return (rankSum - npos*(npos+1)/2) / (npos * nneg)
}

func mean32(x []float32, rows []int32) float64 {
	var s float64
	for _, r := range rows {
		s += float64(x[r])
	}
	return s / float64(len(rows))
}

func catField(t testing.TB, d *Dataset, name string) int {
	t.Helper()
	for i, f := range d.Schema.Categorical {
		if f.Name == name {
			return i
		}
	}
	t.Fatalf("no categorical field %q in %+v", name, d.Schema.Categorical)
	return -1
}
