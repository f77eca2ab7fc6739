package dataset

import (
	"fmt"
	"slices"
)

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
	pfs, err := openFiles(files, nil)
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
	if err := p.checkMemory(t, src.MemLimit); err != nil {
		return nil, err
	}

	// The files are hashed while they are read (FileInfo).
	var infos []FileInfo
	hashed := make(chan error, 1)
	go func() {
		var err error
		infos, err = fingerprints(pfs, src.Readers)
		hashed <- err
	}()
	d := &Dataset{Ignored: p.ignored}
	err = layout.split(src, t, d)
	if err == nil {
		train := make([]bool, t.n)
		for _, r := range d.Train {
			train[r] = true
		}
		e := newEncoder(p, pfs[0], src.Readers)
		e.memLimit = src.MemLimit
		err = e.run(t, d, train, true)
	}
	if herr := <-hashed; err == nil {
		err = herr
	}
	if err != nil {
		return nil, err
	}
	d.Files = infos
	d.Warnings = labelWarnings(d)
	return d, nil
}

// labelWarnings are the Warnings about splits whose labels are all one
// class: AUC is undefined on them, and training on one class learns
// nothing.
func labelWarnings(d *Dataset) []string {
	var out []string
	for _, name := range SplitNames {
		rows := d.Split(name)
		if !d.HasLabel || len(rows) == 0 {
			continue
		}
		var pos int
		for _, r := range rows {
			if d.Label[r] == 1 {
				pos++
			}
		}
		switch pos {
		case 0:
			out = append(out, fmt.Sprintf("the %s split's %d labels are all 0: AUC is undefined on it (NaN)", name, len(rows)))
		case len(rows):
			out = append(out, fmt.Sprintf("the %s split's %d labels are all 1: AUC is undefined on it (NaN)", name, len(rows)))
		}
	}
	return out
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
	files, err := expandAll(paths)
	if err != nil {
		return nil, err
	}
	pfs, err := openFiles(files, e.types)
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
	if err := p.checkMemory(t, e.memLimit); err != nil {
		return nil, err
	}
	infos, err := fingerprints(pfs, e.readers)
	if err != nil {
		return nil, err
	}
	out := &Dataset{Train: []int32{}, Valid: []int32{}, Test: make([]int32, t.n), Files: infos}
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

// openAll opens the files that entries name (files, folders, globs).
func openAll(entries []string) ([]*pqFile, error) {
	files, err := expandAll(entries)
	if err != nil {
		return nil, err
	}
	return openFiles(files, nil)
}

func closeAll(pfs []*pqFile) {
	for _, pf := range pfs {
		pf.Close()
	}
}
