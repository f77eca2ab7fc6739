package report

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/attnsweep/attnsweep/pkg/model"
	"github.com/attnsweep/attnsweep/pkg/store"
)

// finished reports whether a trial has final metrics (done, or pruned with
// the best epoch it reached).
func finished(t *store.Trial) bool { return t.Status == store.Done || t.Status == store.Pruned }

// finishedRanked returns the finished trials, best first.
func finishedRanked(trials []*store.Trial, o Objective) []*store.Trial {
	var out []*store.Trial
	for _, t := range o.rank(trials) {
		if finished(t) {
			out = append(out, t)
		}
	}
	return out
}

// bestPerModel returns the best finished trial of each model, best first.
func bestPerModel(ranked []*store.Trial) []*store.Trial {
	var out []*store.Trial
	seen := map[string]bool{}
	for _, t := range ranked {
		if !seen[t.Model] {
			seen[t.Model] = true
			out = append(out, t)
		}
	}
	return out
}

// attends reports whether a model computes attention weights (the
// registry's trait); the others are the baselines attention must beat.
func attends(m string) bool {
	mi, _ := model.LookupModel(m)
	return mi.Attends
}

// Stat is the mean and sample standard deviation of a value over N trials
// (the repeats of a configuration); Std is NaN for fewer than 2.
type Stat struct {
	Mean, Std float64
	N         int
}

func statOf(v []float64) Stat {
	s := Stat{Mean: math.NaN(), Std: math.NaN()}
	for _, x := range v {
		if !math.IsNaN(x) {
			s.N++
		}
	}
	if s.N == 0 {
		return s
	}
	var sum float64
	for _, x := range v {
		if !math.IsNaN(x) {
			sum += x
		}
	}
	s.Mean = sum / float64(s.N)
	if s.N < 2 {
		return s
	}
	var ss float64
	for _, x := range v {
		if !math.IsNaN(x) {
			ss += (x - s.Mean) * (x - s.Mean)
		}
	}
	s.Std = math.Sqrt(ss / float64(s.N-1))
	return s
}

// metricOf reads a metric of a split from a trial's best or before values
// ("split/metric"), deriving registry metrics that are not stored (as
// store.Trial.Metric does for the best ones); NaN when absent.
func metricOf(values map[string]float64, split, name string) float64 {
	if v, ok := values[split+"/"+name]; ok {
		return v
	}
	mi, ok := model.LookupMetric(name)
	if !ok || mi.Stored {
		return math.NaN()
	}
	stored := map[string]float64{}
	for k, v := range values {
		if s, n, _ := strings.Cut(k, "/"); s == split {
			stored[n] = v
		}
	}
	return mi.Value(model.MetricsOf(stored))
}

// trialMetrics reads names of a split from a trial's best values.
func trialMetrics(t *store.Trial, split string, names []string) []float64 {
	out := make([]float64, len(names))
	for i, n := range names {
		out[i] = metricOf(t.Best, split, n)
	}
	return out
}

// ParamValue formats one stored hyperparameter value: booleans (stored as
// 0/1) as true/false by the registry's kind, lists as their JSON text.
func ParamValue(name string, v any) string {
	if h, ok := model.LookupHyper(name); ok && h.Kind == model.Bool {
		if n, ok := v.(int64); ok {
			return fmt.Sprint(n != 0)
		}
	}
	return Cell(v)
}

// paramString prints a trial's parameters as name=value pairs by name.
func paramString(t *store.Trial) string {
	names := sortedKeys(t.Params)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + "=" + ParamValue(n, t.Params[n])
	}
	return strings.Join(parts, " ")
}

// TrialRef names one trial in results.
type TrialRef struct {
	ID     int64
	Key    string
	Model  string
	Params string // name=value pairs
}

func refOf(t *store.Trial) TrialRef {
	return TrialRef{ID: t.ID, Key: t.Key, Model: t.Model, Params: paramString(t)}
}

// config is the finished trials of one configuration (its repeats).
type config struct {
	trials []*store.Trial // best first
}

func (c config) stat(split, metric string) Stat {
	v := make([]float64, len(c.trials))
	for i, t := range c.trials {
		v[i] = metricOf(t.Best, split, metric)
	}
	return statOf(v)
}

// configs groups ranked finished trials by configuration, best mean
// objective first (ties by the rank of their best trial).
func configs(ranked []*store.Trial, o Objective) []config {
	byKey := map[string]int{}
	var out []config
	for _, t := range ranked {
		i, ok := byKey[t.Config]
		if !ok {
			i = len(out)
			byKey[t.Config] = i
			out = append(out, config{})
		}
		out[i].trials = append(out[i].trials, t)
	}
	sort.SliceStable(out, func(i, j int) bool {
		return o.Better(out[i].stat(o.Split, o.Metric).Mean, out[j].stat(o.Split, o.Metric).Mean)
	})
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
