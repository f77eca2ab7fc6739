package dataset

// Where the data comes from: files, folders and globs of Parquet files,
// and the partition columns that key=value folders give.

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Source says where the data comes from. Exactly one of these is used:
// explicit split files (Train, Valid and Test), or Paths split by Fractions.
//
// Each entry of Train, Valid, Test and Paths is a Parquet file, a folder
// or a glob (filepath.Match syntax: *, ?, [...]). A folder stands for the
// *.parquet files below it, at any depth; a glob for the files it matches
// (a matched folder for its files). Names starting with "." or "_" are
// skipped inside folders (Spark and Hive write _SUCCESS, .crc and
// _temporary beside the data). The files of one entry are read in lexical
// order of their paths, the entries in the order given. A folder without
// .parquet files and a glob that matches none are errors.
//
// Hive-style partitions: below a folder (or a glob's fixed leading part,
// "data" in "data/*/x.parquet"), every folder named key=value on the way
// to a file adds a column key to its rows, holding value (URL-unescaped;
// __HIVE_DEFAULT_PARTITION__ is null). A partition column is int64 when
// every value of it, over all files of the Source, is an integer, and a
// string otherwise, so dt=2024-01-31 is a string (its order is the date's)
// and hour=7 an int. It is like any other column: inferred categorical,
// listed in Columns, or the SplitBy column of a time split. Every file
// must have the same partition keys in the same order, and a key must not
// also be a column of the files. A file given by its own path has no
// partition columns.
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
	// MemLimit bounds the bytes of the encoded columns (Dataset.Bytes) a
	// load may make, checked from the files' footers before anything is
	// allocated: 0 means the memory the machine has available (see
	// AvailableMemory), a negative value no bound.
	MemLimit int64
}

// dataFile is a Parquet file to read, with the partition values of the
// key=value folders on its path.
type dataFile struct {
	path  string
	parts []partValue
}

// partValue is one key=value folder.
type partValue struct {
	key, value string
	null       bool // value is hiveNull
}

// hiveNull is the partition value Hive and Spark write for a null.
const hiveNull = "__HIVE_DEFAULT_PARTITION__"

// splitLayout says which rows belong to which split.
type splitLayout struct {
	fractions bool
	nfiles    [3]int // split files: how many files of each split, in order
}

// layout lists the files to read, in row order.
func (s Source) layout() ([]dataFile, splitLayout, error) {
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
		files, err := expandAll(s.Paths)
		return files, l, err
	case len(s.Train) == 0:
		if explicit {
			return nil, l, fmt.Errorf("dataset: no train files (valid and test files alone cannot build vocabularies)")
		}
		return nil, l, fmt.Errorf("dataset: no data files given")
	}
	var files []dataFile
	for i, entries := range [][]string{s.Train, s.Valid, s.Test} {
		fs, err := expandAll(entries)
		if err != nil {
			return nil, l, err
		}
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

// expandAll expands each entry (expand), in order.
func expandAll(entries []string) ([]dataFile, error) {
	var out []dataFile
	for _, e := range entries {
		fs, err := expand(e)
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	return out, nil
}

// expand lists the Parquet files that entry names (see Source), in lexical
// order, with their partitions. A path that is neither a folder nor a glob
// is returned as it is: opening it says what is wrong with it.
func expand(entry string) ([]dataFile, error) {
	if !strings.ContainsAny(entry, "*?[") {
		if st, err := os.Stat(entry); err != nil || !st.IsDir() {
			return []dataFile{{path: entry}}, nil
		}
		files, err := walk(entry, entry)
		if err == nil && len(files) == 0 {
			err = fileErr(entry, "a folder without .parquet files")
		}
		return files, err
	}
	matches, err := filepath.Glob(entry)
	if err != nil {
		return nil, fileErr(entry, "not a valid glob: %v", err)
	}
	if len(matches) == 0 {
		return nil, fileErr(entry, "the glob matches no file")
	}
	root := globRoot(entry)
	var out []dataFile
	for _, m := range matches {
		if st, err := os.Stat(m); err == nil && st.IsDir() {
			files, err := walk(m, root)
			if err != nil {
				return nil, err
			}
			out = append(out, files...)
			continue
		}
		out = append(out, dataFile{path: m, parts: partitions(root, m)})
	}
	if len(out) == 0 {
		return nil, fileErr(entry, "the glob matches only folders without .parquet files")
	}
	slices.SortStableFunc(out, func(a, b dataFile) int { return strings.Compare(a.path, b.path) })
	return out, nil
}

// walk lists the *.parquet files below folder dir, in lexical order, with
// the partitions of their paths below root.
func walk(dir, root string) ([]dataFile, error) {
	var out []dataFile
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return fileErr(path, "%v", err)
		}
		if path != dir && (strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_")) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".parquet") {
			out = append(out, dataFile{path: path, parts: partitions(root, path)})
		}
		return nil
	})
	slices.SortStableFunc(out, func(a, b dataFile) int { return strings.Compare(a.path, b.path) })
	return out, err
}

// globRoot is the leading part of a glob without pattern characters: the
// folder below which its key=value folders are partitions.
func globRoot(pattern string) string {
	parts := strings.Split(filepath.ToSlash(pattern), "/")
	i := slices.IndexFunc(parts, func(p string) bool { return strings.ContainsAny(p, "*?[") })
	root := filepath.FromSlash(strings.Join(parts[:i], "/"))
	if root == "" && strings.HasPrefix(pattern, string(filepath.Separator)) {
		return string(filepath.Separator)
	}
	return root
}

// partitions are the key=value folders between root and the file path.
func partitions(root, path string) []partValue {
	rel, err := filepath.Rel(filepath.Clean(root), filepath.Dir(path))
	if err != nil || rel == "." {
		return nil
	}
	var out []partValue
	for _, dir := range strings.Split(filepath.ToSlash(rel), "/") {
		key, value, ok := strings.Cut(dir, "=")
		if !ok || key == "" {
			continue
		}
		if v, err := url.PathUnescape(value); err == nil {
			value = v
		}
		out = append(out, partValue{key: key, value: value, null: value == hiveNull})
	}
	return out
}

// partitionKinds checks that every file has the same partition keys in the
// same order and gives each its kind: int when every value parses as an
// int64, else string. fixed gives the types the keys must have (those of
// the data an encoding was learned from), when known.
func partitionKinds(files []dataFile, fixed map[string]colType) (map[string]valueKind, error) {
	kinds := map[string]valueKind{}
	if len(files) == 0 {
		return kinds, nil
	}
	first := files[0]
	for _, p := range first.parts {
		kinds[p.key] = kindInt
		if t, ok := fixed[p.key]; ok {
			kinds[p.key] = t.kind
		}
	}
	for _, f := range files {
		if err := sameKeys(first, f); err != nil {
			return nil, err
		}
		for _, p := range f.parts {
			if _, err := strconv.ParseInt(p.value, 10, 64); err == nil || p.null {
				continue
			}
			if t, ok := fixed[p.key]; ok && t.kind == kindInt {
				return nil, colErr(f.path, p.key, "partition folder %s=%s: want an integer, as in the data the encoding was learned from", p.key, p.value)
			}
			kinds[p.key] = kindString
		}
	}
	return kinds, nil
}

// sameKeys makes sure files a and b have the same partition keys, in order.
func sameKeys(a, b dataFile) error {
	for i := range max(len(a.parts), len(b.parts)) {
		switch {
		case i >= len(b.parts):
			return colErr(b.path, a.parts[i].key, "no partition folder %s=… on this path, but %s has one", a.parts[i].key, a.path)
		case i >= len(a.parts):
			return colErr(b.path, b.parts[i].key, "partition folder %s=… on this path, but none on %s", b.parts[i].key, a.path)
		case a.parts[i].key != b.parts[i].key:
			return colErr(b.path, b.parts[i].key, "partition folder %s=… where %s has %s=…", b.parts[i].key, a.path, a.parts[i].key)
		}
	}
	return nil
}

// openFiles opens the files, with the columns their partition folders give.
func openFiles(files []dataFile, fixed map[string]colType) ([]*pqFile, error) {
	kinds, err := partitionKinds(files, fixed)
	if err != nil {
		return nil, err
	}
	pfs := make([]*pqFile, 0, len(files))
	for _, df := range files {
		pf, err := openParquet(df.path)
		if err == nil {
			err = pf.addPartitions(df.parts, kinds)
		}
		if err != nil {
			if pf != nil {
				pf.Close()
			}
			closeAll(pfs)
			return nil, err
		}
		pfs = append(pfs, pf)
	}
	return pfs, nil
}

// addPartitions adds the partition columns of f's folders.
func (f *pqFile) addPartitions(parts []partValue, kinds map[string]valueKind) error {
	for _, p := range parts {
		if f.column(p.key) != nil {
			return colErr(f.path, p.key, "both a column of the file and a partition folder (%s=%s); rename one", p.key, p.value)
		}
		c := pqColumn{Name: p.key, Kind: kinds[p.key], Logical: "partition folder", Leaf: -1, Optional: p.null,
			part: &partConst{null: p.null, s: p.value}}
		c.Physical = "BYTE_ARRAY"
		if c.Kind == kindInt {
			c.Physical = "INT64"
			c.part.i, _ = strconv.ParseInt(p.value, 10, 64) // parsed before (partitionKinds); 0 for null
		}
		f.cols = append(f.cols, c)
	}
	return nil
}
