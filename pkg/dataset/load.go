package dataset

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Source says where the data comes from. Exactly one of these is used:
// explicit split files (Train, Valid and Test), or Paths split by Fractions.
type Source struct {
	Train, Valid, Test []string   // files per split; Train is required, Valid and Test may be empty
	Paths              []string   // one table, split by Fractions with Seed
	Fractions          [3]float64 // train, valid, test; normalised to sum 1; all zero means 0.7/0.15/0.15; ignored with split files
	Seed               uint64     // the shuffle of Paths' rows: the same seed gives the same splits
	SplitBy            string     // with Paths: order rows by this column (e.g. a timestamp) and cut by Fractions instead of shuffling: the last rows are test
}

// Columns gives column roles. Each empty field is inferred on its own from
// the first file's schema, among the columns that have no role yet:
//
//   - Label: the first of "label", "click", "clk" (LabelNames).
//   - Categorical: int, string and bool columns.
//   - Dense: float and double columns; a column named "p_true" is the true
//     click probability (Schema.PTrue), never a feature.
//   - Sequences: lists of ints or strings; the target of a history is the
//     column named like it without "hist_"/"history_" (or "_hist"/
//     "_history"), or that name plus "_id" ("hist_item" → "item" or
//     "item_id"); MaxLen 0 means DefaultMaxLen.
//   - Group: never inferred.
//
// So Categorical: [a, b] with Dense empty keeps only a and b as categorical
// fields but still infers the dense ones. A sequence's target missing from
// Categorical is added to it. Columns left without a role (and lists of
// floats, which are vectors: not supported yet) are listed in
// Dataset.Ignored.
type Columns struct {
	Label       string
	Categorical []string
	Dense       []string
	Sequences   []SeqSpec
	Group       string
	MinCount    int  // a categorical value needs this many train rows to get its own id (default 1); rarer values share the unknown id 0
	Strict      bool // nulls and NaN in dense columns are errors instead of being imputed with the train mean (plus a missing-indicator column)
}

// SeqSpec names a history column and the categorical column it shares ids with.
type SeqSpec struct {
	Column string `yaml:"column"`
	Target string `yaml:"target"`
	MaxLen int    `yaml:"max_len"`
}

// Load reads the files of src, gives the columns their roles (cols, else
// inferred: see Columns) and encodes them into one Dataset.
//
// Rows of all files live in one set of columns, in file order (train files,
// then valid, then test; or Paths in order). With split files each split is
// the rows of its files; with Paths the rows are shuffled with Seed and cut
// by Fractions (default 0.7/0.15/0.15), so the same Seed gives the same
// rows. Fractions are ignored when split files are given.
//
// Vocabularies and dense statistics come from the train rows only. Errors
// are *Error values naming the file, the column and the row where they
// apply; a corrupt file is an error, never a panic.
func Load(src Source, cols Columns) (*Dataset, error) {
	files, layout, err := src.layout()
	if err != nil {
		return nil, err
	}
	pfs, err := openAll(files)
	if err != nil {
		return nil, err
	}
	defer closeAll(pfs)

	p, err := makePlan(pfs[0], cols)
	if err != nil {
		return nil, err
	}
	tab, err := readTable(pfs, p.columns())
	if err != nil {
		return nil, err
	}
	defer tab.release()

	d := &Dataset{N: tab.n, Ignored: p.ignored}
	if err := layout.split(src, tab, d); err != nil {
		return nil, err
	}
	if err := encode(tab, p, d); err != nil {
		return nil, err
	}
	return d, nil
}

// splitLayout says which rows belong to which split.
type splitLayout struct {
	fractions bool
	nfiles    [3]int // split files: how many files of each split, in order
}

// layout lists the files to read, in row order.
func (s Source) layout() ([]string, splitLayout, error) {
	var l splitLayout
	explicit := len(s.Train)+len(s.Valid)+len(s.Test) > 0
	switch {
	case explicit && len(s.Paths) > 0:
		return nil, l, fmt.Errorf("dataset: give either split files (train, valid, test) or paths with fractions, not both")
	case len(s.Paths) > 0:
		l.fractions = true
		if _, err := s.fractions(); err != nil {
			return nil, l, err
		}
		return slices.Clone(s.Paths), l, nil
	case len(s.Train) == 0:
		if explicit {
			return nil, l, fmt.Errorf("dataset: no train files (valid and test files alone cannot build vocabularies)")
		}
		return nil, l, fmt.Errorf("dataset: no data files given")
	}
	var files []string
	for i, fs := range [][]string{s.Train, s.Valid, s.Test} {
		files = append(files, fs...)
		l.nfiles[i] = len(fs)
	}
	return files, l, nil
}

// fractions returns the train, valid and test fractions, normalised to
// sum to 1 (0.7/0.15/0.15 when all are zero).
func (s Source) fractions() ([3]float64, error) {
	f := s.Fractions
	if f == [3]float64{} {
		return [3]float64{0.7, 0.15, 0.15}, nil
	}
	sum := 0.0
	for i, x := range f {
		if !(x >= 0) || math.IsInf(x, 0) {
			return f, fmt.Errorf("dataset: split fraction %s = %v, want a number ≥ 0", SplitNames[i], x)
		}
		sum += x
	}
	if f[0] == 0 {
		return f, fmt.Errorf("dataset: split fraction train = 0, want > 0")
	}
	for i := range f {
		f[i] /= sum
	}
	return f, nil
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
			rows := make([]int32, n)
			for j := range rows {
				rows[j] = int32(row + j)
			}
			row += n
			file += nf
			*splitPtr(d, i) = rows
		}
		if len(d.Train) == 0 {
			return fmt.Errorf("dataset: the train files have no rows")
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
	// Shuffle the row indices with the seed; the first nTrain go to train,
	// the next nValid to valid, the rest to test. Each split then lists its
	// rows in file order (reading them in order is faster; the split holds
	// the same rows either way).
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	r := rand.New(rand.NewPCG(src.Seed, 0x73706c6974)) // "split"
	for i := n - 1; i > 0; i-- {
		j := r.IntN(i + 1)
		perm[i], perm[j] = perm[j], perm[i]
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

func splitPtr(d *Dataset, i int) *[]int32 {
	switch i {
	case 0:
		return &d.Train
	case 1:
		return &d.Valid
	}
	return &d.Test
}

func openAll(files []string) ([]*pqFile, error) {
	pfs := make([]*pqFile, 0, len(files))
	for _, path := range files {
		pf, err := openParquet(path)
		if err != nil {
			closeAll(pfs)
			return nil, err
		}
		pfs = append(pfs, pf)
	}
	return pfs, nil
}

func closeAll(pfs []*pqFile) {
	for _, pf := range pfs {
		pf.Close()
	}
}
