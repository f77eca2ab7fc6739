package search

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/sourcegraph/conc/panics"

	"github.com/attnsweep/attnsweep/pkg/dataset"
	"github.com/attnsweep/attnsweep/pkg/model"
	"github.com/attnsweep/attnsweep/pkg/store"
)

// train trains one claimed trial, holding one core, and records it. A
// trial's own failure (a panic, a diverging loss, invalid parameters, too
// much memory) is its status; a store failure stops the sweep.
func (p *pool) train(c store.Claim, t Trial, slot int) {
	r := p.r
	held := true // this goroutine holds a core
	defer func() {
		if held {
			p.cores.Release(1)
		}
	}()
	if r.Observer != nil {
		r.Observer.TrialStarted(t, slot)
	}
	start := time.Now()
	params := r.Spec.ModelParams(t)
	if err := p.admit(params); err != nil {
		p.finish(c, t, slot, store.Outcome{Status: store.Failed, Error: err.Error()})
		return
	}
	var storeErr error
	lost := false
	obj := r.Spec.Objective.metric()
	best := math.NaN()
	cb := func(e model.Epoch) bool {
		if err := r.DB.AddEpoch(c, e.Epoch, epochValues(e)); err != nil {
			if errors.Is(err, store.ErrLostClaim) {
				lost = true
			} else {
				storeErr = err
				p.stop(err)
			}
			return false
		}
		if r.Observer != nil {
			r.Observer.TrialEpoch(t, slot, e)
		}
		if v := obj.Value(e.Valid); obj.Better(v, best) {
			best = v
		}
		if p.board == nil || !p.board.isRung(e.Epoch) {
			return true
		}
		// Waiting for the trials before it, a trial computes nothing: its
		// core goes to whoever can use it meanwhile.
		p.cores.Release(1)
		keep := p.board.promote(p.ctx, t.Position, e.Epoch, best)
		held = p.cores.acquire(p.ctx)
		return keep && held
	}
	res, trainErr := p.runModel(params, cb)
	if lost {
		if r.Observer != nil {
			r.Observer.TrialFinished(t, slot, "lost", errors.New("taken over by another process; this result was dropped"), time.Since(start).Seconds())
		}
		return
	}
	if storeErr == nil && p.ctx.Err() != nil {
		if cause := context.Cause(p.ctx); !errors.Is(cause, context.Canceled) {
			storeErr = cause // the sweep stopped on a store error: say so in the trial
		}
	}
	p.finish(c, t, slot, outcome(r.Data, res, trainErr, storeErr, p.ctx.Err() != nil, time.Since(start)))
}

// admit checks a trial before it allocates anything: its parameters, and
// its estimated memory against the budget.
func (p *pool) admit(params model.Params) error {
	if err := params.Validate(); err != nil {
		return err
	}
	if b := p.r.MemoryBudget; b > 0 {
		if need := model.EstimateBytes(p.r.Data, params); need > b {
			return fmt.Errorf("needs about %s of memory by its estimate, over the budget of %s per trial (--memory)", bytesString(need), bytesString(b))
		}
	}
	return nil
}

// bytesString prints a byte count in GiB, MiB or bytes.
func bytesString(n int64) string {
	switch {
	case n >= 1<<40:
		return fmt.Sprintf("%.1f TiB", float64(n)/(1<<40))
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d bytes", n)
}

// runModel trains, turning a panic into the trial's error. The trial
// borrows the pool's spare cores step by step (model.TrainOn); its result
// does not depend on how many it gets.
func (p *pool) runModel(params model.Params, cb model.Callback) (res *model.Result, err error) {
	train := p.r.train
	if train == nil {
		train = model.TrainOn
	}
	if rec := panics.Try(func() { res, err = train(p.ctx, p.r.Data, params, cb, p.cores) }); rec != nil {
		err = fmt.Errorf("panic: %v\n%s", rec.Value, rec.Stack)
	}
	return res, err
}

// outcome is how a trial ended, from what Train returned.
func outcome(ds *dataset.Dataset, res *model.Result, trainErr, storeErr error, cancelled bool, took time.Duration) store.Outcome {
	o := store.Outcome{Seconds: took.Seconds()}
	switch {
	case storeErr != nil:
		o.Status, o.Error = store.Interrupted, storeErr.Error()
	case cancelled && (trainErr != nil || res == nil || res.Stopped):
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
		o.Extras = extras(ds, res)
	}
	return o
}

// epochValues is the curve row of one epoch: the training loss, the
// learning rate, the time, and the valid split's objective metrics.
func epochValues(e model.Epoch) []store.Value {
	out := []store.Value{
		{Split: "train", Metric: "loss", Value: e.TrainLoss},
		{Split: "train", Metric: "lr", Value: e.LR},
		{Split: "train", Metric: "seconds", Value: e.Elapsed.Seconds()},
	}
	for _, mi := range model.MetricInfos() {
		if mi.Objective && mi.Stored {
			out = append(out, store.Value{Split: "valid", Metric: mi.Name, Value: mi.Value(e.Valid)})
		}
	}
	return out
}

// metricValues flattens per-split metrics (every stored metric of the
// registry) in split order.
func metricValues(m map[string]model.Metrics) []store.Value {
	var out []store.Value
	for _, split := range dataset.SplitNames {
		mt, ok := m[split]
		if !ok {
			continue
		}
		for _, mi := range model.MetricInfos() {
			if mi.Stored {
				out = append(out, store.Value{Split: split, Metric: mi.Name, Value: mi.Value(mt)})
			}
		}
	}
	return out
}

type epochMetrics struct {
	epoch int
	m     model.Metrics
}

// validByEpoch rebuilds each epoch's valid metrics from a stored curve, in
// epoch order.
func validByEpoch(curve []store.CurvePoint) []epochMetrics {
	values := map[int]map[string]float64{}
	for _, pt := range curve {
		if pt.Split != "valid" {
			continue
		}
		if values[pt.Epoch] == nil {
			values[pt.Epoch] = map[string]float64{}
		}
		values[pt.Epoch][pt.Metric] = pt.Value
	}
	var out []epochMetrics
	for e, v := range values {
		out = append(out, epochMetrics{epoch: e, m: model.MetricsOf(v)})
	}
	slices.SortFunc(out, func(a, b epochMetrics) int { return a.epoch - b.epoch })
	return out
}

// rungValues is a trial's best objective so far at each rung it reached,
// from its stored curve.
func rungValues(curve []store.CurvePoint, obj model.MetricInfo, rungs []int) map[int]float64 {
	out := map[int]float64{}
	best := math.NaN()
	for _, e := range validByEpoch(curve) {
		if v := obj.Value(e.m); obj.Better(v, best) {
			best = v
		}
		if slices.Contains(rungs, e.epoch) {
			out[e.epoch] = best
		}
	}
	return out
}
