package report

import (
	"cmp"
	"math"
	"slices"
	"sort"

	"github.com/attnsweep/attnsweep/pkg/model"
	"github.com/attnsweep/attnsweep/pkg/store"
)

// Effect is what one hyperparameter that takes more than one value among
// the finished trials did to the objective.
type Effect struct {
	Name    string
	Numeric bool // a number (the registry's Float or Int); otherwise categories
	Log     bool // numeric, positive and spanning 10× or more: a log axis
	Values  []EffectValue
	Points  []EffectPoint // every finished trial with an objective that sets it
}

// EffectValue is one value of a hyperparameter over the trials that set it.
type EffectValue struct {
	Value    string
	X        float64 // the number, or the category's index
	Trials   int
	Models   []string
	Best     float64 // best objective (valid)
	Mean     float64 // mean objective (valid)
	MeanTest float64 // mean of the objective's metric on test
}

// EffectPoint is one trial's objective at its value of the hyperparameter.
type EffectPoint struct {
	X, Y  float64
	Model string
}

// numericHyper reports whether a hyperparameter's values are numbers: by
// the registry's kind, or by the stored value for a name it does not know.
func numericHyper(name string, v any) bool {
	if h, ok := model.LookupHyper(name); ok {
		return h.Kind == model.Float || h.Kind == model.Int
	}
	switch v.(type) {
	case float64, int64:
		return true
	}
	return false
}

// logScale reports whether values are best shown on a log axis: all
// positive and spanning a factor of 10 or more (learning rates, L2).
func logScale(xs []float64) bool {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo > 0 && hi/lo >= 10
}

// byValue groups trials by their value of each hyperparameter.
func byValue(trials []*store.Trial) map[string]map[string][]*store.Trial {
	out := map[string]map[string][]*store.Trial{}
	for _, t := range trials {
		for name, v := range t.Params {
			if out[name] == nil {
				out[name] = map[string][]*store.Trial{}
			}
			k := ParamValue(name, v)
			out[name][k] = append(out[name][k], t)
		}
	}
	return out
}

// axisOrder sorts a hyperparameter's values: numbers ascending, others by
// their text; numeric is false when any value is not a number.
func axisOrder(name string, values map[string][]*store.Trial) (keys []string, numeric bool) {
	numeric = true
	for k, ts := range values {
		keys = append(keys, k)
		numeric = numeric && numericHyper(name, ts[0].Params[name]) && !math.IsNaN(toF(ts[0].Params[name]))
	}
	num := func(k string) float64 { return toF(values[k][0].Params[name]) }
	sort.Slice(keys, func(i, j int) bool {
		if numeric {
			return num(keys[i]) < num(keys[j])
		}
		return keys[i] < keys[j]
	})
	return keys, numeric
}

func (b *builder) effects() error {
	values := byValue(b.ranked)
	for _, name := range hyperOrder(values) {
		if len(values[name]) > 1 {
			b.r.Effects = append(b.r.Effects, b.effect(name, values[name]))
		}
	}
	return nil
}

func (b *builder) effect(name string, values map[string][]*store.Trial) Effect {
	keys, numeric := axisOrder(name, values)
	e := Effect{Name: name, Numeric: numeric}
	var xs []float64
	for i, k := range keys {
		ts := values[k]
		x := float64(i)
		if numeric {
			x = toF(ts[0].Params[name])
		}
		xs = append(xs, x)
		var valid, test []float64
		models := map[string]bool{}
		for _, t := range ts {
			models[t.Model] = true
			test = append(test, metricOf(t.Best, "test", b.obj.Metric))
			if v, ok := b.obj.Value(t); ok {
				valid = append(valid, v)
				e.Points = append(e.Points, EffectPoint{X: x, Y: v, Model: t.Model})
			}
		}
		e.Values = append(e.Values, EffectValue{Value: k, X: x, Trials: len(ts), Models: sortedKeys(models),
			Best: b.obj.best(valid), Mean: statOf(valid).Mean, MeanTest: statOf(test).Mean})
	}
	e.Log = numeric && logScale(xs)
	slices.SortStableFunc(e.Points, func(p, q EffectPoint) int { return cmp.Compare(p.Model, q.Model) })
	return e
}

func toF(v any) float64 {
	if f, ok := model.Number(v); ok {
		return f
	}
	return math.NaN()
}
