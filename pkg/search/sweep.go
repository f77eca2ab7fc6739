package search

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/attnsweep/attnsweep/pkg/dataset"
	"github.com/attnsweep/attnsweep/pkg/model"
	"github.com/attnsweep/attnsweep/pkg/store"
)

// sweepRecord is what the runner keeps of its sweep's database record.
type sweepRecord struct {
	id     int64
	dataID string     // identity of the data (see dataIdentity): trials are reused only between equal ones
	warm   []Finished // TPE's warm start, fixed at the sweep's first run
}

// openSweep records the sweep (or finds it, with the same spec), refuses
// data that changed since it started, and records what reports need.
func (r *Runner) openSweep(ctx context.Context) (*sweepRecord, error) {
	s := r.Spec
	id, err := r.DB.CreateSweep(s.Name, s.Text, s.Hash)
	if err != nil {
		return nil, err
	}
	sw := &sweepRecord{id: id, dataID: dataIdentity(s, r.Data)}
	prev, err := r.DB.SweepByName(s.Name)
	if err != nil {
		return nil, err
	}
	if old, ok := prev.Info["data_id"].(string); ok && old != sw.dataID {
		return nil, r.changedData(id)
	}
	info := append(DataInfo(r.Data),
		store.Param{Name: "objective_metric", Value: s.Objective.Metric},
		store.Param{Name: "objective_direction", Value: s.Objective.Direction},
		store.Param{Name: "search_method", Value: s.Search.Method},
		store.Param{Name: "data_id", Value: sw.dataID})
	if r.Shard.Count > 1 {
		info = append(info, store.Param{Name: "shard", Value: r.Shard.String()})
	}
	if err := r.DB.SetSweepInfo(id, info); err != nil {
		return nil, err
	}
	if err := r.DB.SetSweepFiles(id, dataFiles(r.Data)); err != nil {
		return nil, err
	}
	for name, blob := range sweepArrays(r.Data) {
		if err := r.DB.SetSweepArray(id, name, blob); err != nil {
			return nil, err
		}
	}
	if sw.warm, err = r.warmStart(sw, prev); err != nil {
		return nil, err
	}
	return sw, ctx.Err()
}

// dataIdentity hashes what decides the encoded data: the data files'
// content hashes and the spec's data and columns settings (split fractions
// and seed, roles, vocabulary and history settings).
func dataIdentity(s *Spec, ds *dataset.Dataset) string {
	h := sha256.New()
	d := s.Data
	if d.Seed == 0 {
		d.Seed = s.Search.Seed // the split's seed
	}
	d.Train, d.Valid, d.Test, d.Path = nil, nil, nil, nil // paths name files; their hashes identify them
	settings, _ := yaml.Marshal(struct {
		Data    DataSpec
		Columns ColumnsSpec
	}{d, s.Columns})
	h.Write(settings)
	for _, f := range dataFiles(ds) {
		fmt.Fprintf(h, "\n%d %s", f.Size, f.Hash)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// changedData is the error for a sweep whose data files are not the ones it
// started on, naming the first that differs.
func (r *Runner) changedData(sweep int64) error {
	was, err := r.DB.SweepFiles(sweep)
	if err != nil {
		return err
	}
	now := map[string]store.DataFile{}
	for _, f := range dataFiles(r.Data) {
		now[f.Path] = f
	}
	what := "its data settings or files"
	for _, f := range was {
		if g, ok := now[f.Path]; !ok {
			what = "data file " + f.Path + " (no longer read)"
		} else if g.Hash != f.Hash {
			what = fmt.Sprintf("data file %s (%d bytes, modified %s; it was %d bytes, modified %s)", f.Path, g.Size, g.ModTime, f.Size, f.ModTime)
		} else {
			continue
		}
		break
	}
	return fmt.Errorf("sweep %s: %s changed since the sweep started, and its trials must not mix results of two datasets: "+
		"give the spec another name to start a new sweep on the new data", r.Spec.Name, what)
}

// history is what a TPE batch learns from: the shard's finished trials
// before plan position `before` (the batch's first; a resumed sweep may hold
// later batches already), and the warm start.
func (r *Runner) history(sw *sweepRecord, before int) ([]Finished, error) {
	trials, err := r.DB.Trials(sw.id)
	if err != nil {
		return nil, err
	}
	curves, err := r.DB.ValidCurves(sw.id)
	if err != nil {
		return nil, err
	}
	out := append([]Finished(nil), sw.warm...)
	for _, t := range trials {
		if !store.Finished(t.Status) || !r.inShard(t.Position) || t.Position >= before {
			continue
		}
		f, err := r.finished(t, curves[t.ID])
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// finished describes a stored trial for the search.
func (r *Runner) finished(t *store.Trial, curve []store.CurvePoint) (Finished, error) {
	params, err := ParamsFromStore(t.Params)
	if err != nil {
		return Finished{}, fmt.Errorf("trial %s: %w", t.Key, err)
	}
	obj := r.Spec.Objective
	v, ok := t.Metric("valid", obj.Metric)
	if !ok || t.Status == store.Failed {
		v = math.NaN()
	}
	return Finished{Key: t.Key, Config: t.Config, Model: t.Model, Params: params, Status: t.Status, Value: v,
		Rungs: rungValues(curve, obj.metric(), r.Spec.Search.Scheduler.rungs(r.Spec.Train.Epochs))}, nil
}

// warmStart returns the finished trials of the sweeps search.warm_start
// names. The set is fixed at the sweep's first run (sweep_info
// warm_start lists their keys), so that a resume proposes what the first
// run would have, whatever those sweeps did since.
func (r *Runner) warmStart(sw *sweepRecord, prev *store.Sweep) ([]Finished, error) {
	names := r.Spec.Search.WarmStart
	if len(names) == 0 {
		return nil, nil
	}
	var fixed map[string]bool
	if text, ok := prev.Info["warm_start"].(string); ok {
		var keys []string
		if err := json.Unmarshal([]byte(text), &keys); err != nil {
			return nil, fmt.Errorf("sweep %s: its warm_start record: %w", r.Spec.Name, err)
		}
		fixed = map[string]bool{}
		for _, k := range keys {
			fixed[k] = true
		}
	}
	var out []Finished
	var keys []string
	for _, name := range names {
		from, err := r.warmSweep(sw, name, fixed)
		if err != nil {
			return nil, err
		}
		for _, f := range from {
			out = append(out, f)
			keys = append(keys, name+"/"+f.Key)
		}
	}
	if fixed == nil {
		text, _ := json.Marshal(keys)
		if err := r.DB.SetSweepInfo(sw.id, []store.Param{{Name: "warm_start", Value: string(text)}}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// warmSweep reads one warm-start sweep's finished trials (those fixed, when
// the set is fixed).
func (r *Runner) warmSweep(sw *sweepRecord, name string, fixed map[string]bool) ([]Finished, error) {
	other, err := r.DB.SweepByName(name)
	if err != nil {
		return nil, fmt.Errorf("search.warm_start: %w", err)
	}
	if id, _ := other.Info["data_id"].(string); id != sw.dataID {
		return nil, fmt.Errorf("search.warm_start: sweep %s ran on other data (or other data settings) than sweep %s: its results do not carry over", name, r.Spec.Name)
	}
	trials, err := r.DB.Trials(other.ID)
	if err != nil {
		return nil, err
	}
	curves, err := r.DB.ValidCurves(other.ID)
	if err != nil {
		return nil, err
	}
	var out []Finished
	for _, t := range trials {
		if fixed != nil && !fixed[name+"/"+t.Key] || fixed == nil && !store.Finished(t.Status) {
			continue
		}
		f, err := r.finished(t, curves[t.ID])
		if err != nil {
			return nil, err
		}
		f.Rungs = nil // the other sweep's rungs need not be this one's
		out = append(out, f)
	}
	return out, nil
}

// dataFiles lists the fingerprints of the files a dataset was read from.
func dataFiles(ds *dataset.Dataset) []store.DataFile {
	if ds == nil {
		return nil
	}
	out := make([]store.DataFile, len(ds.Files))
	for i, f := range ds.Files {
		out[i] = store.DataFile{Path: f.Path, Size: f.Size, ModTime: f.ModTime.UTC().Format(time.RFC3339Nano), Hash: f.Hash}
	}
	return out
}

// DataInfo describes the loaded data for the sweep record: rows per split,
// label rate, and the Bayes AUC of the true click probability where the data
// has one (the best AUC any model can reach on it).
func DataInfo(ds *dataset.Dataset) []store.Param {
	info := []store.Param{{Name: "rows", Value: int64(ds.N)}}
	for _, split := range dataset.SplitNames {
		rows := ds.Split(split)
		info = append(info, store.Param{Name: split + "_rows", Value: int64(len(rows))})
		if len(rows) == 0 {
			continue
		}
		var pos float64
		labels := make([]float32, len(rows))
		for i, r := range rows {
			labels[i] = ds.Label[r]
			pos += float64(ds.Label[r])
		}
		info = append(info, store.Param{Name: split + "_label_rate", Value: pos / float64(len(rows))})
		if ds.PTrue != nil {
			p := make([]float32, len(rows))
			for i, r := range rows {
				p[i] = ds.PTrue[r]
			}
			info = append(info, store.Param{Name: split + "_bayes_auc", Value: model.AUC(p, labels)})
		}
	}
	return info
}
