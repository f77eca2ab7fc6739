package report

import (
	"math"
	"sort"

	"github.com/attnsweep/attnsweep/pkg/model"
	"github.com/attnsweep/attnsweep/pkg/store"
)

// Objective is how a sweep ranks its trials: a metric of the valid split,
// the one the sweep optimises (store.Sweep.Objective: sweep_info's
// objective_metric, AUC when absent), with its direction from the registry.
type Objective struct {
	Metric   string
	Split    string // always "valid": test never selects anything
	Maximize bool
	info     model.MetricInfo
}

func objectiveOf(sw *store.Sweep) Objective {
	mi := sw.Objective()
	return Objective{Metric: mi.Name, Split: "valid", Maximize: mi.Maximize, info: mi}
}

// Value is a trial's objective; ok is false when it has none (or NaN).
func (o Objective) Value(t *store.Trial) (float64, bool) {
	return t.Metric(o.Split, o.Metric)
}

// value is the objective or NaN.
func (o Objective) value(t *store.Trial) float64 {
	if v, ok := o.Value(t); ok {
		return v
	}
	return math.NaN()
}

// Better reports whether objective value a beats b (NaN never beats anything).
func (o Objective) Better(a, b float64) bool { return o.info.Better(a, b) }

// label is what tables call the objective, e.g. "valid auc".
func (o Objective) label() string { return o.Split + " " + o.Metric }

// rank sorts trials best first: trials without an objective last, ties by
// plan position.
func (o Objective) rank(trials []*store.Trial) []*store.Trial {
	out := append([]*store.Trial(nil), trials...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := o.value(out[i]), o.value(out[j])
		if o.Better(a, b) || o.Better(b, a) {
			return o.Better(a, b)
		}
		return out[i].Position < out[j].Position
	})
	return out
}

// best returns the best of values by the objective's direction (NaN when
// there is none).
func (o Objective) best(values []float64) float64 {
	b := math.NaN()
	for _, v := range values {
		if o.Better(v, b) {
			b = v
		}
	}
	return b
}
