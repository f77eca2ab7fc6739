package report

import (
	"math"
	"slices"

	"github.com/attnsweep/attnsweep/pkg/model"
	"github.com/attnsweep/attnsweep/pkg/store"
)

// parallel lays finished trials (best first, each with an objective) out
// for a parallel-coordinates plot: the model's axis when there are several
// models, one axis per hyperparameter that varies (in the registry's
// order), the objective last; lines worst first.
func parallel(trials []*store.Trial, o Objective) ([]ParAxis, []ParLine) {
	values := byValue(trials)
	var axes []ParAxis
	var index []map[string]int // categorical axes: value → category
	models := map[string]bool{}
	for _, t := range trials {
		models[t.Model] = true
	}
	if len(models) > 1 {
		axes = append(axes, ParAxis{Name: "model", Categorical: true, Categories: sortedKeys(models), Max: float64(len(models) - 1)})
		index = append(index, indexOf(axes[0].Categories))
	}
	for _, name := range hyperOrder(values) {
		if len(values[name]) < 2 {
			continue
		}
		keys, numeric := axisOrder(name, values[name])
		a := ParAxis{Name: name, Categorical: !numeric, Min: math.Inf(1), Max: math.Inf(-1)}
		set := 0
		for _, ts := range values[name] {
			set += len(ts)
		}
		a.Unset = set < len(trials)
		if numeric {
			var xs []float64
			for _, k := range keys {
				xs = append(xs, toF(values[name][k][0].Params[name]))
			}
			a.Min, a.Max, a.Log = xs[0], xs[len(xs)-1], logScale(xs)
		} else {
			a.Categories, a.Min, a.Max = keys, 0, float64(len(keys)-1)
		}
		axes = append(axes, a)
		index = append(index, indexOf(a.Categories))
	}
	obj := ParAxis{Name: o.label(), Min: math.Inf(1), Max: math.Inf(-1)}
	for _, t := range trials {
		widenAxis(&obj, o.value(t))
	}
	axes = append(axes, obj)
	lines := make([]ParLine, 0, len(trials))
	for k := len(trials) - 1; k >= 0; k-- {
		t := trials[k]
		l := ParLine{TrialRef: refOf(t), Objective: o.value(t), Values: make([]float64, len(axes))}
		for i, a := range axes[:len(axes)-1] {
			l.Values[i] = axisValue(t, a, index[i])
		}
		l.Values[len(axes)-1] = l.Objective
		lines = append(lines, l)
	}
	return axes, lines
}

// axisValue is a trial's coordinate on an axis: the number, the category's
// index, or NaN when the trial does not set it.
func axisValue(t *store.Trial, a ParAxis, index map[string]int) float64 {
	if a.Name == "model" {
		return float64(index[t.Model])
	}
	v, ok := t.Params[a.Name]
	switch {
	case !ok:
		return math.NaN()
	case a.Categorical:
		return float64(index[ParamValue(a.Name, v)])
	}
	return toF(v)
}

func widenAxis(a *ParAxis, v float64) {
	a.Min, a.Max = math.Min(a.Min, v), math.Max(a.Max, v)
}

func indexOf(values []string) map[string]int {
	m := make(map[string]int, len(values))
	for i, v := range values {
		m[v] = i
	}
	return m
}

// hyperOrder lists the names of values in the registry's order, then any
// name it does not know, sorted.
func hyperOrder[V any](values map[string]V) []string {
	var out []string
	for _, n := range model.HyperNames() {
		if _, ok := values[n]; ok {
			out = append(out, n)
		}
	}
	for _, n := range sortedKeys(values) {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}
