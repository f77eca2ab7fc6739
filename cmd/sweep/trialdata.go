package main

import (
	"fmt"
	"math"
	"path/filepath"

	"github.com/attnsweep/attnsweep/pkg/dataset"
	"github.com/attnsweep/attnsweep/pkg/model"
	"github.com/attnsweep/attnsweep/pkg/search"
	"github.com/attnsweep/attnsweep/pkg/store"
)

// trialModel is a trial's checkpoint and the sweep's data re-loaded from its
// stored spec: what predict --sweep and export-model start from.
type trialModel struct {
	sweep *store.Sweep
	trial *store.Trial
	ckpt  []byte
	data  *dataset.Dataset
}

// loadTrial finds trial ref ("best", an id or a key) of sweep name in the
// database, loads its checkpoint and the sweep's data, and refuses data
// files that changed since the sweep read them (the same sizes with other
// values would map ids to other values).
func loadTrial(dbPath, name, ref string) (*trialModel, error) {
	db, err := store.OpenReadOnly(dbPath)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	sw, err := db.SweepByName(name)
	if err != nil {
		return nil, err
	}
	trials, err := db.Trials(sw.ID)
	if err != nil {
		return nil, err
	}
	tr, err := store.FindTrial(trials, ref, sw.Objective())
	if err != nil {
		return nil, fmt.Errorf("sweep %s: %w", sw.Name, err)
	}
	ckpt, err := db.Checkpoint(tr.ID)
	if err != nil {
		return nil, err
	}
	if len(ckpt) == 0 {
		return nil, fmt.Errorf("trial %d (%s) has no checkpoint (status %s)", tr.ID, tr.Key, tr.Status)
	}
	spec, err := search.ParseSpec("sweep "+sw.Name+" (spec stored in "+dbPath+")", []byte(sw.Spec))
	if err != nil {
		return nil, err
	}
	data, err := spec.LoadData(filepath.Join(filepath.Dir(dbPath), "data"))
	if err != nil {
		return nil, fmt.Errorf("load the sweep's data: %w", err)
	}
	recorded, err := db.SweepFiles(sw.ID)
	if err != nil {
		return nil, err
	}
	if err := sameFiles(sw.Name, recorded, data.Files); err != nil {
		return nil, err
	}
	return &trialModel{sweep: sw, trial: tr, ckpt: ckpt, data: data}, nil
}

// sameFiles compares the data files a sweep recorded with those read now.
// Sweeps recorded before files were recorded have none: nothing to compare.
func sameFiles(sweep string, recorded []store.DataFile, now []dataset.FileInfo) error {
	byPath := map[string]dataset.FileInfo{}
	for _, f := range now {
		byPath[f.Path] = f
	}
	for _, f := range recorded {
		g, ok := byPath[f.Path]
		switch {
		case !ok:
			return fmt.Errorf("sweep %s trained on data file %s, which its spec no longer reads", sweep, f.Path)
		case g.Hash != f.Hash:
			return fmt.Errorf("data file %s changed since sweep %s trained on it (it was %d bytes, hash %s; now %d bytes, hash %s): its vocabularies would give ids other values; "+
				"restore the file, or score with a model file exported before the change", f.Path, sweep, f.Size, f.Hash, g.Size, g.Hash)
		}
	}
	return nil
}

// about describes a trial for its model file.
func (tm *trialModel) about(dbPath string) map[string]any {
	metrics := map[string]float64{}
	for k, v := range tm.trial.Best {
		if !math.IsNaN(v) && !math.IsInf(v, 0) { // JSON has no NaN
			metrics[k] = v
		}
	}
	var files []map[string]any
	for _, f := range tm.data.Files {
		files = append(files, map[string]any{"path": f.Path, "size": f.Size, "hash": f.Hash})
	}
	return map[string]any{
		"sweep": tm.sweep.Name, "trial": tm.trial.ID, "key": tm.trial.Key, "model": tm.trial.Model,
		"best_epoch": tm.trial.BestEpoch, "metrics": metrics, "objective": tm.sweep.Objective().Name,
		"database": dbPath, "data_files": files,
	}
}

// predictor restores the trial's model for its data.
func (tm *trialModel) predictor() (*model.Predictor, error) {
	pr, err := model.Load(tm.ckpt, tm.data)
	if err != nil {
		return nil, fmt.Errorf("trial %d: %w", tm.trial.ID, err)
	}
	return pr, nil
}
