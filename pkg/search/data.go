package search

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// LoadData loads the spec's data once for the whole sweep. Synthetic data is
// first written as Parquet under dataDir (reused when already there) and then
// read through the same path as a user's files, so the quickstart exercises
// the real loader. Relative paths in the spec are relative to the current
// directory.
func (s *Spec) LoadData(dataDir string) (*dataset.Dataset, error) {
	src, cols, err := s.source(dataDir)
	if err != nil {
		return nil, err
	}
	ds, err := dataset.Load(src, cols)
	if err != nil {
		// The data's errors name their file, column and row; the spec's
		// name says whose settings (roles, max_len, splits) were applied.
		return nil, fmt.Errorf("%s: %w", s.where(), err)
	}
	return ds, nil
}

// where names the spec in messages.
func (s *Spec) where() string {
	if s.File == "" {
		return "spec"
	}
	return s.File
}

func (s *Spec) source(dataDir string) (dataset.Source, dataset.Columns, error) {
	d := s.Data
	src := dataset.Source{Seed: d.Seed}
	if src.Seed == 0 {
		src.Seed = s.Search.Seed
	}
	if d.Split != nil {
		src.Fractions = [3]float64{d.Split.Train, d.Split.Valid, d.Split.Test}
		src.SplitBy = d.Split.By
	}
	switch {
	case d.Synthetic != nil:
		path, err := synthesize(*d.Synthetic, dataDir)
		if err != nil {
			return src, dataset.Columns{}, err
		}
		src.Paths = []string{path}
	case d.Path != nil:
		src.Paths, _ = stringList(d.Path)
	default:
		src.Train, _ = stringList(d.Train)
		src.Valid, _ = stringList(d.Valid)
		src.Test, _ = stringList(d.Test)
	}
	c := s.Columns
	cols := dataset.Columns{Label: c.Label, Categorical: c.Categorical, Dense: c.Dense, Group: c.Group,
		MinCount: c.MinCount, Strict: c.Strict, Pooled: c.Pooled, PooledMaxLen: c.PooledMaxLen}
	for _, sq := range c.Sequences {
		cols.Sequences = append(cols.Sequences, dataset.SeqSpec{Column: sq.Column, Target: sq.Target, MaxLen: sq.MaxLen})
	}
	return src, cols, nil
}

// synthesize writes the synthetic data set once; its name holds its settings.
func synthesize(sy SyntheticSpec, dir string) (string, error) {
	if sy.History == 0 {
		sy.History = 20
	}
	if sy.Seed == 0 {
		sy.Seed = 1
	}
	path := filepath.Join(dir, fmt.Sprintf("synthetic-v%d-r%d-s%d-h%d.parquet", dataset.SynthVersion, sy.Rows, sy.Seed, sy.History))
	if _, err := os.Stat(path); err == nil {
		return path, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	// Write to a temporary name first: an interrupted run never leaves a
	// truncated file that a later run would take for the real one, and shards
	// sharing the folder each write their own (identical) file.
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	if err := dataset.Generate(dataset.SynthConfig{Rows: sy.Rows, Seed: sy.Seed, History: sy.History}, tmp); err != nil {
		os.Remove(tmp)
		return "", err
	}
	return path, os.Rename(tmp, path)
}
