package dataset

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/apache/arrow/go/v17/arrow/array"
)

// Source says where the data comes from. Exactly one of these is used:
// explicit split files (Train, Valid and Test), or Paths split by Fractions.
type Source struct {
	Train, Valid, Test []string   // files per split; Train is required, Valid and Test may be empty
	Paths              []string   // one table, split by Fractions with Seed (or by SplitBy)
	Fractions          [3]float64 // train, valid, test; normalised to sum 1; all zero means 0.7/0.15/0.15; ignored with split files
	Seed               uint64     // the shuffle of Paths' rows: the same seed gives the same splits
	// SplitBy, with Paths, orders the rows by this column (a timestamp:
	// int, float or string such as an ISO date; ties keep file order) and
	// cuts them by Fractions instead of shuffling: the first rows are
	// train, the next valid, the last test. Not with split files. The
	// column is not inferred a feature.
	SplitBy string
	// Readers is how many files of a column are read at the same time
	// (each column is read by a task of its own, and the tasks run side by
	// side on GOMAXPROCS goroutines); 0 or 1 reads them one after the
	// other. The Dataset is the same for any number of readers.
	Readers int
}

// Columns gives column roles. Each empty field is inferred on its own from
// the first file's schema, among the columns that have no role yet:
//
//   - Label: the first of "label", "click", "clk" (LabelNames).
//   - Categorical: int, string and bool columns.
//   - Dense: float and double columns; a column named "p_true" is the true
//     click probability (Schema.PTrue), never a feature. A list of floats
//     (a pretrained embedding, say) is a dense vector: every row's list
//     must have the same length k, and it becomes k dense columns "c[0]" …
//     "c[k-1]", each standardised like a scalar one. A list of ints is a
//     vector only when listed in Dense.
//   - Sequences: lists of ints or strings whose target is found by name:
//     the column named like the list without "hist_"/"history_" (or
//     "_hist"/"_history"), or that name plus "_id" ("hist_item" → "item"
//     or "item_id"), an int or string column like the items; MaxLen 0
//     means DefaultMaxLen.
//   - Pooled: the other lists of ints or strings (no target found, e.g.
//     genres): multi-valued categorical features, each with its own
//     vocabulary (Schema.Pooled, Dataset.Pooled).
//   - Group: never inferred.
//
// So Categorical: [a, b] with Dense empty keeps only a and b as categorical
// fields but still infers the dense ones. A sequence's target missing from
// Categorical is added to it; a sequence listed without a target that
// cannot be found by name is an error. Columns left without a role are
// listed in Dataset.Ignored.
//
// Vocabularies (categorical fields with their histories, pooled columns)
// are built on the train rows: a value (or null) gets its own id when it
// occurs in at least MinCount train rows (history and pooled items count
// once per kept occurrence toward their vocabulary); rarer and unseen values
// share id 0, as padding does.
//
// Dense nulls and NaN: by default a missing value becomes the train mean (0
// after standardising), and every dense column (or vector) that has a null
// or NaN in the train split gets a missing-indicator column
// "<col>_missing", 1 where the row's value (any value of a vector, or its
// whole list) is null or NaN and 0 elsewhere, appended after the other
// dense columns (it is not standardised). With Strict, a null or NaN
// anywhere is an error naming the file, column and row. ±Inf is always such
// an error. A vector row whose list has another length is an error.
type Columns struct {
	Label       string
	Categorical []string
	Dense       []string
	Sequences   []SeqSpec
	Pooled      []string
	Group       string
	MinCount    int  // a categorical value needs this many train occurrences to get its own id (0 means 1); rarer values share the unknown id 0
	Strict      bool // nulls and NaN in dense columns are errors instead of being imputed with the train mean (plus a missing-indicator column)
	// PooledMaxLen is the most items a pooled column keeps per row (its
	// first ones); 0 means the longest train list, at most MaxPooledLen.
	PooledMaxLen int
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
// the rows of its files; with Paths the rows are shuffled with Seed (or
// ordered by SplitBy) and cut by Fractions (default 0.7/0.15/0.15), so the
// same Seed gives the same rows. Each split lists its rows in file order.
// Fractions are ignored when split files are given.
//
// Vocabularies, dense statistics and pooled lengths come from the train
// rows only; the Dataset keeps them, for Encode. Errors are *Error values
// naming the file, the column and the row where they apply; a corrupt file
// is an error, never a panic. A split whose files have no rows is an error.
//
// Memory: columns are read and encoded a piece of some 64k rows at a time,
// so besides the encoded Dataset Load holds a few pieces of Arrow data, not
// the files' columns.
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

	if src.SplitBy != "" {
		if err := checkSplitBy(pfs[0], src.SplitBy); err != nil {
			return nil, err
		}
	}
	p, err := makePlan(pfs[0], cols, src.SplitBy)
	if err != nil {
		return nil, err
	}
	t, err := newTable(pfs)
	if err != nil {
		return nil, err
	}
	if err := t.check(append(nonEmpty(p.label, p.ptrue, p.group, src.SplitBy), p.columns()...)); err != nil {
		return nil, err
	}
	if err := layout.checkRows(t); err != nil {
		return nil, err
	}

	d := &Dataset{Ignored: p.ignored}
	if err := layout.split(src, t, d); err != nil {
		return nil, err
	}
	train := make([]bool, t.n)
	for _, r := range d.Train {
		train[r] = true
	}
	if err := newEncoder(p, pfs[0], src.Readers).run(t, d, train, true); err != nil {
		return nil, err
	}
	return d, nil
}

// Encode encodes other files (new data to score) as d was encoded: with
// d's roles, vocabularies, dense statistics and missing indicators, vector
// lengths and MaxLens, learning nothing from them. The result has d's
// Schema; all its rows are in its Test split, in file order (Train and
// Valid are empty).
//
// The files must have every feature column of d, stored as when d was
// loaded (a dense column may change between int, float and bool). The
// label column may be absent: then Label is all 0 and HasLabel false. The
// p_true and group columns are read when present (group ids number the
// groups of these files). Encode only reads d: it may run concurrently with
// training on d and with other Encode calls. d must come from Load (or
// Encode).
func (d *Dataset) Encode(paths []string) (*Dataset, error) {
	e := d.enc
	if e == nil {
		return nil, fmt.Errorf("dataset: Encode needs a Dataset made by Load")
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("dataset: no files to encode")
	}
	pfs, err := openAll(paths)
	if err != nil {
		return nil, err
	}
	defer closeAll(pfs)
	t, err := newTable(pfs)
	if err != nil {
		return nil, err
	}
	p := e.plan
	names := p.columns()
	for _, name := range []string{p.label, p.ptrue, p.group} {
		if name != "" && pfs[0].column(name) != nil {
			names = append(names, name)
		}
	}
	if err := t.check(names); err != nil {
		return nil, err
	}
	for _, name := range names {
		if err := e.checkType(pfs[0], name); err != nil {
			return nil, err
		}
	}
	if t.n == 0 {
		return nil, fileErr(paths[0], "no rows to encode")
	}
	out := &Dataset{Train: []int32{}, Valid: []int32{}, Test: make([]int32, t.n)}
	for i := range out.Test {
		out.Test[i] = int32(i)
	}
	if err := e.run(t, out, nil, false); err != nil {
		return nil, err
	}
	return out, nil
}

// checkType makes sure column name of f is stored as when e was fitted:
// the same type, or for a numeric role (label, dense) any type the role
// takes, a list where it was one.
func (e *encoder) checkType(f *pqFile, name string) error {
	c, want := f.column(name), e.types[name]
	if c.Unsupported != "" {
		return colErr(f.path, name, "%s is %s, which this package does not read", c.TypeName(), c.Unsupported)
	}
	got := c.colType()
	if got == want {
		return nil
	}
	if r := e.plan.roleOf(name); r != nil && r.numeric && r.takes(got) && got.list == want.list {
		return nil
	}
	return colErr(f.path, name, "type %s, but %s in the data the encoding was learned from", c.TypeName(), want)
}

func nonEmpty(names ...string) []string {
	return slices.DeleteFunc(names, func(s string) bool { return s == "" })
}

// checkSplitBy makes sure f's column name can order rows.
func checkSplitBy(f *pqFile, name string) error {
	c := f.column(name)
	if c == nil {
		return colErr(f.path, name, "split.by column not found (columns: %s)", f.names())
	}
	return roleSplitBy.check(f, c)
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
	case explicit && s.SplitBy != "":
		return nil, l, fmt.Errorf("dataset: split.by %q orders the rows of paths before cutting them by fractions; it does not apply to split files (train, valid, test)", s.SplitBy)
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
			rows := make([]int32, n)
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
		perm = make([]int32, n)
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
