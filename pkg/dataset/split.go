package dataset

// Splits: which rows are train, valid and test.

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/apache/arrow/go/v17/arrow/array"
)

// checkRows refuses a split whose files have no rows (or a table of paths
// without rows), naming its first file.
func (l splitLayout) checkRows(t *table) error {
	if l.fractions {
		if t.n == 0 {
			return fileErr(t.files[0].path, "no rows")
		}
		return nil
	}
	file := 0
	for i, nf := range l.nfiles {
		var n int64
		for _, f := range t.files[file : file+nf] {
			n += f.rows
		}
		switch {
		case nf == 1 && n == 0:
			return fileErr(t.files[file].path, "no rows, so the %s split would be empty", SplitNames[i])
		case nf > 1 && n == 0:
			return fileErr(t.files[file].path, "no rows, nor in the other %d %s files, so the %s split would be empty", nf-1, SplitNames[i], SplitNames[i])
		}
		file += nf
	}
	return nil
}

// split fills d.Train, d.Valid and d.Test.
func (l splitLayout) split(src Source, t *table, d *Dataset) error {
	if !l.fractions {
		row, file := 0, 0
		for i, nf := range l.nfiles {
			n := 0
			for _, f := range t.files[file : file+nf] {
				n += int(f.rows)
			}
			rows := column[int32](n)
			for j := range rows {
				rows[j] = int32(row + j)
			}
			row += n
			file += nf
			*splitPtr(d, i) = rows
		}
		return nil
	}
	f, _ := src.fractions()
	n := t.n
	nTrain := int(math.Round(f[0] * float64(n)))
	nValid := int(math.Round(f[1] * float64(n)))
	if nTrain+nValid > n || f[2] == 0 { // no test split: valid takes the rest
		nValid = n - nTrain
	}
	// Order the row indices: shuffled with the seed, or by the SplitBy
	// column. The first nTrain go to train, the next nValid to valid, the
	// rest to test. Each split then lists its rows in file order (reading
	// them in order is faster; the split holds the same rows either way).
	var perm []int32
	if src.SplitBy != "" {
		var err error
		if perm, err = orderBy(t, src.SplitBy); err != nil {
			return err
		}
	} else {
		perm = column[int32](n)
		for i := range perm {
			perm[i] = int32(i)
		}
		r := rand.New(rand.NewPCG(src.Seed, 0x73706c6974)) // "split"
		for i := n - 1; i > 0; i-- {
			j := r.IntN(i + 1)
			perm[i], perm[j] = perm[j], perm[i]
		}
	}
	which := make([]uint8, n)
	for k, row := range perm {
		switch {
		case k < nTrain:
			which[row] = 0
		case k < nTrain+nValid:
			which[row] = 1
		default:
			which[row] = 2
		}
	}
	rows := perm[:0] // reuse perm's memory: train, then valid, then test
	ends := [3]int{nTrain, nTrain + nValid, n}
	for s := range uint8(3) {
		for row, w := range which {
			if w == s {
				rows = append(rows, int32(row))
			}
		}
	}
	d.Train = rows[:ends[0]:ends[0]]
	d.Valid = rows[ends[0]:ends[1]:ends[1]]
	d.Test = rows[ends[1]:ends[2]:ends[2]]
	if len(d.Train) == 0 {
		return fmt.Errorf("dataset: the train split is empty (%d rows, fractions %v)", n, src.Fractions)
	}
	return nil
}

// orderBy returns the rows in ascending order of column name, ties in file
// order. A null or NaN is an error naming its row.
func orderBy(t *table, name string) ([]int32, error) {
	a, err := t.column(name)
	if err != nil {
		return nil, err
	}
	defer func() {
		a.Release()
		delete(t.cols, name)
	}()
	for i := range a.Len() {
		if a.IsNull(i) {
			return nil, t.rowErr(name, i, "null; split.by needs a value in every row")
		}
	}
	perm := make([]int32, t.n)
	for i := range perm {
		perm[i] = int32(i)
	}
	switch a := a.(type) {
	case *array.Int64:
		x := a.Int64Values()
		if !slices.IsSorted(x) {
			slices.SortFunc(perm, func(i, j int32) int { return cmp.Or(cmp.Compare(x[i], x[j]), cmp.Compare(i, j)) })
		}
	case *array.Float64:
		x := a.Float64Values()
		for i, v := range x {
			if math.IsNaN(v) {
				return nil, t.rowErr(name, i, "NaN; split.by needs a value in every row")
			}
		}
		if !slices.IsSorted(x) {
			slices.SortFunc(perm, func(i, j int32) int { return cmp.Or(cmp.Compare(x[i], x[j]), cmp.Compare(i, j)) })
		}
	case *array.String:
		slices.SortFunc(perm, func(i, j int32) int {
			return cmp.Or(strings.Compare(a.Value(int(i)), a.Value(int(j))), cmp.Compare(i, j))
		})
	default:
		return nil, colErr(t.files[0].path, name, "%s cannot order the rows", a.DataType())
	}
	return perm, nil
}

func splitPtr(d *Dataset, i int) *[]int32 {
	switch i {
	case 0:
		return &d.Train
	case 1:
		return &d.Valid
	}
	return &d.Test
}
