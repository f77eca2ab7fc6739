package search

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/sourcegraph/conc/panics"
	"github.com/sourcegraph/conc/pool"

	"github.com/attnsweep/attnsweep/pkg/dataset"
	"github.com/attnsweep/attnsweep/pkg/model"
	"github.com/attnsweep/attnsweep/pkg/store"
)

// ErrInterrupted is returned by Run when its context was cancelled before
// every trial finished; `sweep resume` completes the rest.
var ErrInterrupted = errors.New("sweep interrupted")

// Observer is told what the runner does, for progress display. Its methods
// are called from worker goroutines and must be safe for concurrent use.
type Observer interface {
	SweepStarted(name string, total, pending, workers int)
	TrialStarted(t Trial, worker int)
	TrialEpoch(t Trial, worker int, e model.Epoch)
	TrialFinished(t Trial, worker int, status string, err error, seconds float64)
}

// Runner runs a sweep's trials on a pool of workers.
type Runner struct {
	Spec     *Spec
	Data     *dataset.Dataset // shared read-only by every worker
	DB       *store.DB
	Workers  int      // trials run side by side (default: the number of cores)
	Observer Observer // may be nil
	Shard    Shard    // recorded with the sweep so `sweep resume` runs the same part

	train func(context.Context, *dataset.Dataset, model.Params, model.Callback) (*model.Result, error) // tests replace model.Train
}

// Summary counts what a Run did.
type Summary struct {
	Planned, Skipped, Ran int            // Skipped: finished by an earlier run
	Status                map[string]int // outcome of the trials this run ran
	Elapsed               time.Duration
}

// Run records the sweep and its plan in the store, then trains every trial
// not already finished (done, pruned or failed). A trial that panics or
// whose loss diverges is recorded as failed and the others go on. When ctx
// is cancelled, running trials are recorded as interrupted and Run returns
// ErrInterrupted.
func (r *Runner) Run(ctx context.Context, trials []Trial) (*Summary, error) {
	start := time.Now()
	s := r.Spec
	sweepID, err := r.DB.CreateSweep(s.Name, s.Text, s.Hash)
	if err != nil {
		return nil, err
	}
	info := append(DataInfo(r.Data),
		store.Param{Name: "objective_metric", Value: s.Objective.Metric},
		store.Param{Name: "objective_direction", Value: s.Objective.Direction})
	if r.Shard.Count > 1 {
		info = append(info, store.Param{Name: "shard", Value: r.Shard.String()})
	}
	if err := r.DB.SetSweepInfo(sweepID, info); err != nil {
		return nil, err
	}
	for name, blob := range sweepArrays(r.Data) {
		if err := r.DB.SetSweepArray(sweepID, name, blob); err != nil {
			return nil, err
		}
	}
	rows := make([]store.NewTrial, len(trials))
	for i, t := range trials {
		rows[i] = store.NewTrial{Key: t.Key, Position: t.Position, Config: t.Config, Model: t.Model,
			Seed: t.Seed, Repeat: t.Repeat, Params: storeParams(t.Params)}
	}
	if err := r.DB.AddTrials(sweepID, rows); err != nil {
		return nil, err
	}
	// Trials left "running" by a process that died are not running now.
	if _, err := r.DB.InterruptRunning(sweepID); err != nil {
		return nil, err
	}
	statuses, err := r.DB.Statuses(sweepID)
	if err != nil {
		return nil, err
	}
	var pending []Trial
	for _, t := range trials {
		if !store.Finished(statuses[t.Key]) {
			pending = append(pending, t)
		}
	}
	var sched *board
	if s.Search.Scheduler.Name == "asha" {
		if sched, err = r.newBoard(sweepID, trials, pending); err != nil {
			return nil, err
		}
	}
	workers := r.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	sum := &Summary{Planned: len(trials), Skipped: len(trials) - len(pending), Status: map[string]int{}}
	if r.Observer != nil {
		r.Observer.SweepStarted(s.Name, len(trials), len(pending), workers)
	}

	// Worker slots: each running trial holds one, so progress can name it.
	slots := make(chan int, workers)
	for i := 0; i < workers; i++ {
		slots <- i
	}
	var mu sync.Mutex
	var firstErr error
	p := pool.New().WithMaxGoroutines(workers)
	for _, t := range pending {
		p.Go(func() {
			if sched != nil {
				defer sched.close(t.Position)
			}
			if ctx.Err() != nil || (s.Search.budget > 0 && time.Since(start) > s.Search.budget) {
				return // never started: stays queued for resume
			}
			w := <-slots
			defer func() { slots <- w }()
			status, err := r.runTrial(ctx, sweepID, t, w, sched)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			if status != "" {
				sum.Ran++
				sum.Status[status]++
			}
		})
	}
	p.Wait()
	sum.Elapsed = time.Since(start)
	if firstErr != nil {
		return sum, firstErr
	}
	if ctx.Err() != nil {
		return sum, ErrInterrupted
	}
	return sum, nil
}

// runTrial trains one trial and records it. The error it returns is a
// store failure (which stops the sweep); a trial's own failure is recorded
// as its status.
func (r *Runner) runTrial(ctx context.Context, sweepID int64, t Trial, worker int, sched *board) (string, error) {
	id, err := r.DB.StartTrial(sweepID, t.Key)
	if err != nil {
		return "", err
	}
	if r.Observer != nil {
		r.Observer.TrialStarted(t, worker)
	}
	start := time.Now()
	var storeErr error
	obj := r.Spec.Objective
	best := math.NaN()
	cb := func(e model.Epoch) bool {
		if err := r.DB.AddEpoch(id, e.Epoch, epochValues(e)); err != nil {
			storeErr = err
			return false
		}
		if r.Observer != nil {
			r.Observer.TrialEpoch(t, worker, e)
		}
		if v := obj.value(e.Valid); better(v, best, obj.maximize()) {
			best = v
		}
		if sched != nil && sched.isRung(e.Epoch) {
			return sched.promote(ctx, t.Position, e.Epoch, best)
		}
		return true
	}
	var res *model.Result
	var trainErr error
	if rec := panics.Try(func() {
		train := r.train
		if train == nil {
			train = model.Train
		}
		res, trainErr = train(ctx, r.Data, r.Spec.ModelParams(t), cb)
	}); rec != nil {
		trainErr = fmt.Errorf("panic: %v\n%s", rec.Value, rec.Stack)
	}
	o := store.Outcome{Seconds: time.Since(start).Seconds()}
	switch {
	case storeErr != nil:
		o.Status, o.Error = store.Interrupted, storeErr.Error()
	case ctx.Err() != nil && (trainErr != nil || res == nil):
		o.Status = store.Interrupted
	case trainErr != nil:
		o.Status, o.Error = store.Failed, trainErr.Error()
	default:
		o.Status = store.Done
		if res.Stopped {
			o.Status = store.Pruned
		}
		o.BestEpoch = res.BestEpoch
		o.Checkpoint = res.Checkpoint
		o.Best = metricValues(res.Final)
		o.Before = metricValues(res.Before)
		o.Extras = extras(r.Data, res)
	}
	if err := r.DB.FinishTrial(id, o); err != nil {
		return "", err
	}
	var shown error
	if o.Error != "" {
		shown = errors.New(o.Error)
	}
	if r.Observer != nil {
		r.Observer.TrialFinished(t, worker, o.Status, shown, o.Seconds)
	}
	if storeErr != nil {
		return o.Status, storeErr
	}
	return o.Status, nil
}

// newBoard sets up the ASHA scheduler: trials finished by an earlier run
// count at the rungs they reached, and nothing is awaited from them.
func (r *Runner) newBoard(sweepID int64, trials, pending []Trial) (*board, error) {
	s := r.Spec
	members := make([]int, len(trials))
	for i, t := range trials {
		members[i] = t.Position
	}
	b := newBoard(s.Search.Scheduler, s.Train.Epochs, s.Objective.maximize(), members)
	isPending := map[string]bool{}
	for _, t := range pending {
		isPending[t.Key] = true
	}
	stored, err := r.DB.Trials(sweepID)
	if err != nil {
		return nil, err
	}
	for _, t := range stored {
		if isPending[t.Key] {
			continue
		}
		curve, err := r.DB.Curve(t.ID)
		if err != nil {
			return nil, err
		}
		best := math.NaN()
		for _, e := range validByEpoch(curve) {
			if v := s.Objective.value(e.m); better(v, best, s.Objective.maximize()) {
				best = v
			}
			if b.isRung(e.epoch) {
				b.record(t.Position, e.epoch, best)
			}
		}
		b.close(t.Position)
	}
	return b, nil
}

// value is the objective's metric in m (logloss as it is, to be minimised;
// the others as the model's monitor computes them).
func (o ObjectiveSpec) value(m model.Metrics) float64 {
	if o.Metric == "logloss" {
		return m.LogLoss
	}
	return model.MonitorValue(o.Metric, m)
}

type epochMetrics struct {
	epoch int
	m     model.Metrics
}

// validByEpoch rebuilds each epoch's valid AUC and logloss from a stored
// curve, in epoch order.
func validByEpoch(curve []store.CurvePoint) []epochMetrics {
	var out []epochMetrics
	at := map[int]int{}
	for _, pt := range curve {
		if pt.Split != "valid" {
			continue
		}
		i, ok := at[pt.Epoch]
		if !ok {
			i = len(out)
			at[pt.Epoch] = i
			out = append(out, epochMetrics{epoch: pt.Epoch, m: model.Metrics{AUC: math.NaN(), LogLoss: math.NaN()}})
		}
		switch pt.Metric {
		case "auc":
			out[i].m.AUC = pt.Value
		case "logloss":
			out[i].m.LogLoss = pt.Value
		}
	}
	slices.SortFunc(out, func(a, b epochMetrics) int { return a.epoch - b.epoch })
	return out
}

func (o ObjectiveSpec) maximize() bool { return o.Direction != "min" }

// storeParams converts plan parameters to store parameters.
func storeParams(ps []Param) []store.Param {
	out := make([]store.Param, len(ps))
	for i, p := range ps {
		out[i] = store.Param{Name: p.Name, Value: p.Value}
	}
	return out
}

// epochValues is the curve row of one epoch.
func epochValues(e model.Epoch) []store.Value {
	return []store.Value{
		{Split: "train", Metric: "loss", Value: e.TrainLoss},
		{Split: "train", Metric: "lr", Value: e.LR},
		{Split: "train", Metric: "seconds", Value: e.Elapsed.Seconds()},
		{Split: "valid", Metric: "auc", Value: e.Valid.AUC},
		{Split: "valid", Metric: "logloss", Value: e.Valid.LogLoss},
	}
}

// metricValues flattens per-split metrics in split order.
func metricValues(m map[string]model.Metrics) []store.Value {
	var out []store.Value
	for _, split := range dataset.SplitNames {
		mt, ok := m[split]
		if !ok {
			continue
		}
		out = append(out,
			store.Value{Split: split, Metric: "auc", Value: mt.AUC},
			store.Value{Split: split, Metric: "logloss", Value: mt.LogLoss},
			store.Value{Split: split, Metric: "n", Value: float64(mt.N)},
			store.Value{Split: split, Metric: "gauc", Value: mt.GAUC},
			store.Value{Split: split, Metric: "accuracy", Value: mt.Accuracy},
			store.Value{Split: split, Metric: "precision", Value: mt.Precision},
			store.Value{Split: split, Metric: "recall", Value: mt.Recall},
			store.Value{Split: split, Metric: "f1", Value: mt.F1},
			store.Value{Split: split, Metric: "mean_pred", Value: mt.MeanPred},
			store.Value{Split: split, Metric: "mean_label", Value: mt.MeanLabel},
		)
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
