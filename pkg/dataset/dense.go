package dataset

// Dense columns: standardised with train statistics.

import (
	"fmt"
	"math"

	"github.com/apache/arrow/go/v17/arrow"
)

// denseEnc standardises one dense column, or one vector column (a list of
// k numbers per row, encoded as k dense columns), with train statistics.
// A null or NaN value (for a vector: a null list, or a null or NaN
// element) is missing: it becomes the train mean (0 after standardising),
// and when train had a missing value an indicator column (1 where a value
// of the row is missing) follows the dense columns; with Columns.Strict a
// missing value is an error instead. ±Inf is always an error, and so is a
// value whose standardised form float32 cannot hold.
type denseEnc struct {
	name      string
	list      bool
	k         int       // values per row: 1 for a scalar column, else the vector length
	mean, std []float64 // [k]
	missing   bool      // train had a missing value: an indicator column follows
}

// moments are the count, mean and sum of squared deviations from the mean
// of some values.
type moments struct{ n, mean, m2 float64 }

// plus is the moments of the values of a and b together.
func (a moments) plus(b moments) moments {
	if a.n == 0 {
		return b
	}
	if b.n == 0 {
		return a
	}
	n := a.n + b.n
	d := b.mean - a.mean
	return moments{n, a.mean + d*b.n/n, a.m2 + b.m2 + d*d*a.n*b.n/n}
}

// denseFile is what fit learns from one file, so that files can be read
// side by side and their statistics added up in file order (the same sums
// whatever the number of readers).
type denseFile struct {
	k, kRow        int  // values per row: those of the file's first non-null list (at row kRow); -1 before it
	badRow, badLen int  // the first row whose list has another length than k, and its length; -1: none
	missing        bool // a train value is null or NaN
	// Per value: sums of differences from the file's first train value
	// (shift), so that a large offset costs no precision.
	shift, s1, s2, cnt []float64
}

func (f *denseFile) setK(k, row int) {
	f.k, f.kRow = k, row
	f.shift, f.s1, f.s2, f.cnt = make([]float64, k), make([]float64, k), make([]float64, k), make([]float64, k)
}

func (f *denseFile) moments(c int) moments {
	n := f.cnt[c]
	if n == 0 {
		return moments{}
	}
	return moments{n, f.shift[c] + f.s1[c]/n, max(f.s2[c]-f.s1[c]*f.s1[c]/n, 0)}
}

// add learns from one piece of the file.
func (f *denseFile) add(p listPiece, start int, train []bool, buf *[]float64) {
	xs := floats(p.vals, buf)
	nulls := p.vals.NullN() > 0
	for r := range p.len() {
		row := start + r
		if p.rowNull(r) {
			f.missing = f.missing || train[row]
			continue
		}
		lo, hi := p.offs[r], p.offs[r+1]
		n := int(hi - lo)
		if f.k < 0 {
			f.setK(n, row)
		}
		if n != f.k {
			if f.badRow < 0 {
				f.badRow, f.badLen = row, n
			}
			continue
		}
		if !train[row] {
			continue
		}
		for c, x := range xs[lo:hi] {
			switch {
			case math.IsInf(x, 0):
			case (nulls && p.vals.IsNull(int(lo)+c)) || math.IsNaN(x):
				f.missing = true
			default:
				if f.cnt[c] == 0 {
					f.shift[c] = x
				}
				dx := x - f.shift[c]
				f.s1[c] += dx
				f.s2[c] += dx * dx
				f.cnt[c]++
			}
		}
	}
}

// fit reads the column once for the train mean and standard deviation of
// each of its k values, whether train has missing values, and for a vector
// its length: that of the first non-null list.
func (de *denseEnc) fit(t *table, train []bool, readers int) error {
	files := make([]denseFile, len(t.files))
	for i := range files {
		files[i] = denseFile{k: -1, badRow: -1}
		if !de.list {
			files[i].setK(1, 0)
		}
	}
	bufs := make([][]float64, readers)
	err := t.scan(de.name, readers, func(fi, w int, a arrow.Array, start int) error {
		files[fi].add(asLists(a), start, train, &bufs[w])
		return nil
	})
	if err != nil {
		return err
	}
	k, kRow := -1, 0
	var m []moments
	for fi := range files {
		f := &files[fi]
		de.missing = de.missing || f.missing
		if f.k < 0 {
			continue
		}
		if k < 0 {
			k, kRow, m = f.k, f.kRow, make([]moments, f.k)
		}
		row, n := f.kRow, f.k
		if n == k {
			row, n = f.badRow, f.badLen
		}
		if row >= 0 {
			file, at := t.where(kRow)
			return t.rowErr(de.name, row, "list of %d values, want %d like the first list (row %d of %s): a dense vector has one length (a missing vector is a null list)", n, k, at, file)
		}
		for c := range m {
			m[c] = m[c].plus(f.moments(c))
		}
	}
	return de.setStats(t, k, m)
}

// setStats keeps the vector length k and the mean and standard deviation
// of each value (0 and 1 for a value without train values).
func (de *denseEnc) setStats(t *table, k int, m []moments) error {
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
		if m[c].n > 0 {
			de.mean[c] = m[c].mean
			if v := m[c].m2 / m[c].n; v > 0 {
				de.std[c] = math.Sqrt(v)
			}
		}
		if bad := math.IsInf(de.mean[c], 0) || math.IsNaN(de.mean[c]) || math.IsInf(de.std[c], 0); bad {
			return colErr(t.files[0].path, de.name, "%strain values too large to standardise (mean %g, standard deviation %g); scale the column", de.at(c), de.mean[c], de.std[c])
		}
	}
	return nil
}

// at names value c of a row in messages: "" for a scalar column, "value 2
// is " for a vector.
func (de *denseEnc) at(c int) string {
	if de.list {
		return fmt.Sprintf("value %d is ", c)
	}
	return ""
}

// apply writes the standardised columns (k of them) and, when train had
// missing values, the indicator.
func (de *denseEnc) apply(t *table, strict bool, readers int) ([][]float32, []float32, error) {
	cols := make([][]float32, de.k)
	for c := range cols {
		cols[c] = column[float32](t.n)
	}
	var ind []float32
	if de.missing {
		ind = column[float32](t.n)
	}
	bufs := make([][]float64, readers)
	err := t.scan(de.name, readers, func(_, w int, a arrow.Array, start int) error {
		return de.applyPiece(t, asLists(a), start, strict, cols, ind, &bufs[w])
	})
	return cols, ind, err
}

// applyPiece is apply for one piece.
func (de *denseEnc) applyPiece(t *table, p listPiece, start int, strict bool, cols [][]float32, ind []float32, buf *[]float64) error {
	const strictly = "columns.strict: dense values must not be null or NaN"
	finite := "dense values must be finite (nulls and NaN are allowed)"
	if strict {
		finite = "dense values must be finite"
	}
	xs := floats(p.vals, buf)
	nulls := p.vals.NullN() > 0
	for r := range p.len() {
		row := start + r
		if p.rowNull(r) {
			if strict {
				return t.rowErr(de.name, row, "null list; %s", strictly)
			}
			if ind != nil {
				ind[row] = 1
			}
			continue
		}
		lo, hi := p.offs[r], p.offs[r+1]
		if n := int(hi - lo); n != de.k {
			return t.rowErr(de.name, row, "list of %d values, want %d: a dense vector has one length, that of the train data (a missing vector is a null list)", n, de.k)
		}
		for c, x := range xs[lo:hi] {
			switch {
			case nulls && p.vals.IsNull(int(lo)+c):
				if strict {
					return t.rowErr(de.name, row, "%snull; %s", de.at(c), strictly)
				}
			case math.IsNaN(x):
				if strict {
					return t.rowErr(de.name, row, "%sNaN; %s", de.at(c), strictly)
				}
			case math.IsInf(x, 0):
				return t.rowErr(de.name, row, "%s%v; %s", de.valueAt(c), x, finite)
			default:
				z := float32((x - de.mean[c]) / de.std[c])
				if math.IsInf(float64(z), 0) {
					return t.rowErr(de.name, row, "%s%g, which standardised with the train mean %g and standard deviation %g is beyond float32 (±3.4e38); scale the column",
						de.valueAt(c), x, de.mean[c], de.std[c])
				}
				cols[c][row] = z
				continue
			}
			if ind != nil {
				ind[row] = 1
			}
		}
	}
	return nil
}

// valueAt is at for a message that goes on with the value: "value " for a
// scalar column.
func (de *denseEnc) valueAt(c int) string {
	if de.list {
		return de.at(c)
	}
	return "value "
}
