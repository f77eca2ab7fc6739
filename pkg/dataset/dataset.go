// Package dataset turns CTR click logs stored as Parquet into one encoded,
// read-only Dataset that every training worker shares.
//
// Flow: Parquet files ──(parquet-go pages)──► Arrow pieces ──(encode)──► Dataset.
// The files are listed (source.go: files, folders, globs, with the
// columns of Hive partition folders), each column is given a role by a
// table of roles (roles.go, plan.go), read page by page (values,
// definition and repetition levels) into Arrow arrays of some 64k rows
// whose buffers are reused (parquet.go), and encoded piece by piece
// (encode.go, vocab.go, dense.go) into slices allocated once for all rows,
// so the Arrow data of a whole file never sits in memory beside the
// encoded columns. Generate writes synthetic data (synth.go) and Inspect
// describes files (inspect.go).
//
// Categorical values are mapped to dense ids with a vocabulary built on the
// train split only (id 0 = unknown or padding), dense columns are
// standardised with train statistics, and histories are truncated to the
// most recent MaxLen items. Splits are index lists over the same columns:
// nothing is copied per split, per batch or per worker. A Dataset keeps what
// its encoding learned, so Dataset.Encode encodes new files (data to score)
// exactly as the train rows were.
package dataset

// Field is one categorical column after encoding.
type Field struct {
	Name  string
	Vocab int // number of ids including 0 (unknown/padding); ids are in [0, Vocab)
}

// Sequence is one history column (a list of item ids per row, most recent
// first). It shares the vocabulary of its target categorical column: the
// history items and the candidate item are the same kind of thing.
type Sequence struct {
	Name   string // the list column
	Target string // the categorical column holding the candidate item
	Field  int    // index of Target in Schema.Categorical
	MaxLen int    // histories longer than this keep their MaxLen most recent items
}

// Schema describes what each encoded column is.
type Schema struct {
	Label       string
	Categorical []Field
	// Dense names the dense columns in Dataset.Dense order: the scalar and
	// vector columns in role order (a vector "emb" of k values as "emb[0]"
	// … "emb[k-1]"), then one missing-indicator column "<col>_missing" per
	// dense column that had a null or NaN in the train split.
	Dense     []string
	Sequences []Sequence
	// Pooled are multi-valued categorical columns (lists of ints or strings
	// that are not a history of some target column, e.g. genres), each with
	// its own vocabulary; see Dataset.Pooled.
	Pooled []Field
	Group  string // column used for gAUC; "" when there is none
	PTrue  string // column with the true click probability (synthetic data); "" when absent
}

// SeqColumn holds one encoded list column (a history or a pooled feature)
// for all rows, padded to MaxLen.
type SeqColumn struct {
	MaxLen int
	IDs    []int32 // [N*MaxLen]: row r's history is IDs[r*MaxLen : r*MaxLen+Len[r]], rest 0
	Len    []int32 // [N]
}

// Dataset is the encoded data of every split. It is built once and then
// only read, so any number of goroutines may use it at the same time.
type Dataset struct {
	Schema Schema
	N      int // rows over all splits

	Label []float32   // [N], 0 or 1
	Cat   [][]int32   // [len(Schema.Categorical)][N]
	Dense [][]float32 // [len(Schema.Dense)][N], standardised with train statistics
	Seq   []SeqColumn // [len(Schema.Sequences)]
	// Pooled holds the pooled columns, one per Schema.Pooled: the first
	// MaxLen present items of each row's list as ids of the column's own
	// vocabulary (≥ 1; 0 is padding and unknown items).
	Pooled []SeqColumn
	PTrue  []float32 // [N] or nil
	Group  []int32   // [N] encoded group ids, or nil

	// HasLabel is false when Label holds no labels: Encode of files
	// without the label column (data to score) sets Label to all 0.
	HasLabel bool

	// Row indices of each split (views over the columns above).
	Train, Valid, Test []int32

	// Ignored lists the columns of the files that have no role, each as
	// "name (reason)", e.g. "clk (named like a label: ...)".
	Ignored []string

	// Files are the data files read, in row order, each with its size,
	// modification time and content hash: CheckFiles tells whether they
	// have changed since.
	Files []FileInfo

	// Warnings are facts about the data that make results doubtful
	// without making them wrong, one sentence each, for the caller to show:
	// a split whose labels are all one class (its AUC is NaN).
	Warnings []string

	enc *encoder // the roles, vocabularies and statistics, for Encode
}

// Split returns the rows of the named split ("train", "valid" or "test").
func (d *Dataset) Split(name string) []int32 {
	switch name {
	case "train":
		return d.Train
	case "valid":
		return d.Valid
	case "test":
		return d.Test
	}
	return nil
}

// SplitNames lists the splits in report order.
var SplitNames = []string{"train", "valid", "test"}

// Bytes is the memory held by d's encoded columns and split lists (the sum
// of their slices' lengths in bytes; vocabularies not included).
func (d *Dataset) Bytes() int64 {
	var n int64
	n += 4 * int64(len(d.Label)+len(d.PTrue)+len(d.Group)+len(d.Train)+len(d.Valid)+len(d.Test))
	for _, c := range d.Cat {
		n += 4 * int64(len(c))
	}
	for _, c := range d.Dense {
		n += 4 * int64(len(c))
	}
	for _, s := range append(d.Seq[:len(d.Seq):len(d.Seq)], d.Pooled...) {
		n += 4 * int64(len(s.IDs)+len(s.Len))
	}
	return n
}
