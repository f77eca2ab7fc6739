package report

import (
	"math"
	"sort"

	"github.com/attnsweep/attnsweep/pkg/store"
)

// MinTrialsWhatMatters is the fewest finished trials (with an objective) a
// sweep needs for its "what matters" section: with fewer, where the best
// tenth lies and how the lines of a parallel-coordinates plot bunch say
// more about noise than about the space searched.
const MinTrialsWhatMatters = 10

// The best trials the ranges table describes: the best topShare of the
// finished trials, rounded up, and at least topMin of them.
const (
	topShare = 0.10
	topMin   = 3
)

// WhatMatters is what a sweep says about its search space.
type WhatMatters struct {
	Finished int  // finished trials with an objective
	Enough   bool // Finished ≥ MinTrialsWhatMatters; the fields below are empty otherwise
	// A parallel-coordinates plot: one axis per hyperparameter that varies
	// (and the model when there are several), the objective last; one line
	// per finished trial, worst first.
	Axes  []ParAxis
	Lines []ParLine
	// Progress is the best objective so far against trial number.
	Progress Progress
	// Top is how many of the best trials Ranges describes.
	Top    int
	Ranges []HyperRange
	// Importance of each hyperparameter that varies (and of the model),
	// largest first: the fraction of the objective's variance it explains
	// on its own (fANOVA, importance.go). Render shows it when not empty.
	Importance []ParamImportance
}

// importanceSeed fixes the forest behind WhatMatters.Importance.
const importanceSeed = 1

// ParAxis is one axis of the parallel-coordinates plot.
type ParAxis struct {
	Name        string // a hyperparameter, "model", or the objective (last)
	Categorical bool   // strings, booleans, lists, the model
	Categories  []string
	Log         bool    // numeric, positive, spanning 10× or more
	Min, Max    float64 // numeric: the values' range
	Unset       bool    // some trials do not set it (their models ignore it)
}

// ParLine is one trial across the axes: per axis the number, or the
// category's index; NaN where the trial does not set it.
type ParLine struct {
	TrialRef
	Values    []float64
	Objective float64
}

// Progress is one sweep's finished trials in plan order.
type Progress struct {
	Sweep  string
	Trials []XY // trial number (plan position + 1) → objective
	Best   []XY // trial number → best objective so far
}

// HyperRange is where the best trials lie along one hyperparameter.
type HyperRange struct {
	Name        string
	Categorical bool
	Log         bool
	// Numeric: the range over every finished trial that sets it, and over
	// the best ones; TopShare is the second's width over the first's (on
	// the log scale for a log axis), NaN for a single value searched.
	All, Top [2]float64
	TopShare float64
	// Categorical: each value's count among all finished trials and among
	// the best ones.
	Values []ValueCount
	// How many of all and of the best trials set it.
	AllSet, TopSet int
}

// ValueCount is one category's count among all and among the best trials.
type ValueCount struct {
	Value    string
	All, Top int
}

func (b *builder) whatMatters() error {
	var trials []*store.Trial // finished with an objective, best first
	for _, t := range b.ranked {
		if _, ok := b.obj.Value(t); ok {
			trials = append(trials, t)
		}
	}
	w := &b.r.WhatMatters
	w.Finished = len(trials)
	w.Progress = progressOf(b.r.Sweep, b.trials, b.obj)
	if w.Finished < MinTrialsWhatMatters {
		return nil
	}
	w.Enough = true
	w.Top = max(topMin, int(math.Ceil(topShare*float64(len(trials)))))
	w.Axes, w.Lines = parallel(trials, b.obj)
	w.Importance = trialImportance(trials, b.obj)
	for i, a := range w.Axes[:len(w.Axes)-1] {
		w.Ranges = append(w.Ranges, hyperRange(a, i, w.Lines, trials, w.Top))
	}
	return nil
}

// trialImportance is the fANOVA importance of each trial parameter and of the
// model over the finished trials.
func trialImportance(trials []*store.Trial, o Objective) []ParamImportance {
	params := make([]map[string]any, len(trials))
	y := make([]float64, len(trials))
	for i, t := range trials {
		params[i] = map[string]any{"model": t.Model}
		for n, v := range t.Params {
			params[i][n] = v
		}
		y[i] = o.value(t)
	}
	return Importance(params, y, importanceSeed)
}

// progressOf is a sweep's best objective so far in plan order.
func progressOf(sweep string, trials []*store.Trial, o Objective) Progress {
	p := Progress{Sweep: sweep}
	byPos := append([]*store.Trial(nil), trials...)
	sort.SliceStable(byPos, func(i, j int) bool { return byPos[i].Position < byPos[j].Position })
	best := math.NaN()
	for _, t := range byPos {
		v, ok := o.Value(t)
		if !finished(t) || !ok {
			continue
		}
		if o.Better(v, best) {
			best = v
		}
		x := float64(t.Position + 1)
		p.Trials = append(p.Trials, XY{x, v})
		p.Best = append(p.Best, XY{x, best})
	}
	return p
}

// hyperRange summarises axis i over all trials and the best top ones.
// Lines and trials are aligned, trials best first.
func hyperRange(a ParAxis, i int, lines []ParLine, trials []*store.Trial, top int) HyperRange {
	h := HyperRange{Name: a.Name, Categorical: a.Categorical, Log: a.Log, TopShare: math.NaN()}
	byID := map[int64]float64{}
	for _, l := range lines {
		byID[l.ID] = l.Values[i]
	}
	counts := make([]ValueCount, len(a.Categories))
	for k, c := range a.Categories {
		counts[k].Value = c
	}
	h.All = [2]float64{math.Inf(1), math.Inf(-1)}
	h.Top = h.All
	for rank, t := range trials {
		v := byID[t.ID]
		if math.IsNaN(v) {
			continue
		}
		isTop := rank < top
		h.AllSet++
		widen(&h.All, v)
		if isTop {
			h.TopSet++
			widen(&h.Top, v)
		}
		if a.Categorical {
			counts[int(v)].All++
			if isTop {
				counts[int(v)].Top++
			}
		}
	}
	if a.Categorical {
		h.Values = counts
		return h
	}
	scale := func(x float64) float64 { return x }
	if a.Log {
		scale = math.Log
	}
	if width := scale(h.All[1]) - scale(h.All[0]); width > 0 && h.TopSet > 0 {
		h.TopShare = (scale(h.Top[1]) - scale(h.Top[0])) / width
	}
	return h
}

func widen(r *[2]float64, v float64) {
	r[0], r[1] = math.Min(r[0], v), math.Max(r[1], v)
}
