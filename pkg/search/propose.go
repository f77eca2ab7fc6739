package search

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"

	"github.com/attnsweep/attnsweep/pkg/model"
	"github.com/attnsweep/attnsweep/pkg/store"
)

// How a TPE search lays out its plan. Configuration c (0 ≤ c < trials) is
// an enqueued one for c below len(enqueue), else a configuration of model
// Models[(c − len(enqueue)) mod len(Models)]; its repeats are the plan
// positions c·repeats … c·repeats + repeats − 1. A shard I/N owns the
// configurations with c mod N = I (all their repeats: a configuration is
// proposed by one search). Batch k of a shard is its configurations
// k·batch … k·batch + batch − 1. Batch k's parameters depend only on the
// spec, the seed and the finished results of the shard's batches before k,
// so the same spec gives the same trials with any worker count, after a
// crash, and from several processes at once.

// Batches is the number of batches of shard sh's plan: 1 for grid and
// random search, whose plan is known at once, and one more for
// search.confirm.
func (s *Spec) Batches(sh Shard) int {
	n := 1
	if s.Search.Method == "tpe" {
		c := len(s.shardConfigs(sh))
		n = (c + s.Search.Batch - 1) / s.Search.Batch
	}
	if s.Search.Confirm > 0 {
		n++
	}
	return n
}

// batchStart is the first plan position of a TPE batch (k past the last
// batch: one past the shard's last position).
func (s *Spec) batchStart(k int, sh Shard) int {
	all := s.shardConfigs(sh)
	if i := k * s.Search.Batch; i < len(all) {
		return all[i] * s.Search.Repeats
	}
	return s.Search.Trials * s.Search.Repeats
}

// shardConfigs lists the configuration indices of a TPE search that shard
// sh owns, ascending.
func (s *Spec) shardConfigs(sh Shard) []int {
	var out []int
	for c := 0; c < s.Search.Trials; c++ {
		if sh.Count <= 1 || c%sh.Count == sh.Index {
			out = append(out, c)
		}
	}
	return out
}

// Finished is an earlier trial as a search learns from it.
type Finished struct {
	Key    string
	Config string // repeats of a configuration share it
	Model  string
	Params []Param // typed as the plan records them
	Status string  // store.Done, store.Pruned or store.Failed
	Value  float64 // the objective at the best epoch (NaN when there is none)
	// Rungs holds, per ASHA rung epoch the trial reached, its best
	// objective so far at that epoch.
	Rungs map[int]float64
}

// Batch returns batch k of shard sh's plan. Grid and random search have
// one batch, the whole plan (earlier ignored). A TPE batch is proposed
// from earlier: every finished trial of the shard's batches before k, and
// of the sweeps it warm-starts from.
func (s *Spec) Batch(k int, sh Shard, earlier []Finished) ([]Trial, error) {
	if s.Search.Confirm > 0 && k == s.Batches(sh)-1 {
		return s.confirmBatch(sh, earlier)
	}
	if s.Search.Method != "tpe" {
		if k != 0 {
			return nil, fmt.Errorf("search: %s search has one batch, not %d", s.Search.Method, k+1)
		}
		return sh.Select(s.Plan()), nil
	}
	all := s.shardConfigs(sh)
	lo, hi := k*s.Search.Batch, min((k+1)*s.Search.Batch, len(all))
	if lo >= hi {
		return nil, nil
	}
	seen := map[string]bool{}
	for _, f := range earlier {
		seen[f.Config] = true
	}
	chosen := map[int]configuration{}
	var fitted []int // configurations TPE proposes
	for _, c := range all[lo:hi] {
		m := s.configModel(c)
		if c < len(s.enqueued) || s.finiteObservations(m, earlier) < s.Search.Startup {
			chosen[c] = s.randomConfig(c)
		} else {
			fitted = append(fitted, c)
		}
	}
	for mi, m := range s.Models {
		var want []int
		for _, c := range fitted {
			if s.configModel(c) == m {
				want = append(want, c)
			}
		}
		if len(want) == 0 {
			continue
		}
		rng := rand.New(rand.NewPCG(s.Search.Seed^tpeSeedSalt, uint64(sh.Index)<<40|uint64(k)<<8|uint64(mi)))
		props := s.propose(m, earlier, len(want), rng)
		for i, c := range want {
			chosen[c] = props[i]
		}
	}
	var out []Trial
	for _, c := range all[lo:hi] {
		// A configuration already tried (possible when the space has
		// fewer new points than asked) is not planned twice.
		if cfg := s.newTrial(0, chosen[c].model, chosen[c].params, 0).Config; seen[cfg] {
			continue
		} else {
			seen[cfg] = true
		}
		for r := 0; r < s.Search.Repeats; r++ {
			out = append(out, s.newTrial(c*s.Search.Repeats+r, chosen[c].model, chosen[c].params, r))
		}
	}
	return out, nil
}

// confirmBatch is search.confirm's batch: each model's best configuration
// among earlier (the mean objective over its done repeats; ties to the
// earlier in the plan) with the seeds it lacks, repeats … confirm−1, at
// positions after the search's.
func (s *Spec) confirmBatch(sh Shard, earlier []Finished) ([]Trial, error) {
	if sh.Count > 1 {
		return nil, fmt.Errorf("search: search.confirm picks each model's best over the whole sweep, which a shard does not see: merge the shards, then run the confirmations as a sweep of their own (search.enqueue)")
	}
	base := s.plannedPositions()
	obj := s.Objective.metric()
	var out []Trial
	for mi, m := range s.Models {
		best, ok := s.bestConfig(m, earlier, obj)
		if !ok {
			continue
		}
		extra := s.Search.Confirm - s.Search.Repeats
		for r := s.Search.Repeats; r < s.Search.Confirm; r++ {
			pos := base + mi*extra + r - s.Search.Repeats
			out = append(out, s.newTrial(pos, m, best.Params, r))
		}
	}
	return out, nil
}

// plannedPositions is one past the search's last plan position.
func (s *Spec) plannedPositions() int {
	if s.Search.Method == "grid" {
		plan := s.Plan()
		if len(plan) == 0 {
			return 0
		}
		return plan[len(plan)-1].Position + 1
	}
	return s.Search.Trials * s.Search.Repeats
}

// bestConfig is model m's configuration with the best mean objective over
// its done repeats among earlier.
func (s *Spec) bestConfig(m string, earlier []Finished, obj model.MetricInfo) (Finished, bool) {
	type agg struct {
		first Finished
		sum   float64
		n     int
	}
	byConfig := map[string]*agg{}
	var order []string
	for _, f := range earlier {
		if f.Model != m || f.Status != store.Done || math.IsNaN(f.Value) {
			continue
		}
		a, ok := byConfig[f.Config]
		if !ok {
			a = &agg{first: f}
			byConfig[f.Config] = a
			order = append(order, f.Config)
		}
		a.sum += f.Value
		a.n++
	}
	var best Finished
	bestV := math.NaN()
	for _, c := range order {
		a := byConfig[c]
		if v := a.sum / float64(a.n); obj.Better(v, bestV) {
			best, bestV = a.first, v
		}
	}
	return best, !math.IsNaN(bestV)
}

// tpeSeedSalt keeps TPE's proposal streams apart from random search's.
const tpeSeedSalt = 0x7470655f73656564 // "tpe_seed"

// finiteObservations counts model m's configurations among earlier with a
// finite objective: TPE fits a model once there are Startup of them.
func (s *Spec) finiteObservations(m string, earlier []Finished) int {
	n := 0
	for _, o := range s.observations(m, earlier) {
		if !math.IsNaN(o.Loss) && !math.IsInf(o.Loss, 0) {
			n++
		}
	}
	return n
}

// propose asks TPE for n configurations of model m. TPE avoids
// configurations already tried while a new candidate exists.
func (s *Spec) propose(m string, earlier []Finished, n int, rng *rand.Rand) []configuration {
	opt := TPEOptions{Startup: s.Search.Startup, Candidates: s.Search.Candidates, Gamma: s.Search.Gamma}
	var out []configuration
	for _, params := range ProposeTPE(s.spaces[m], s.observations(m, earlier), n, opt, rng) {
		out = append(out, configuration{m, canonical(m, params)})
	}
	return out
}

// observations are model m's configurations among earlier as TPE sees
// them: one per configuration (the mean over its finished repeats), its
// loss the objective turned so that smaller is better, at the deepest ASHA
// rung with enough of them (tpeObservations).
func (s *Spec) observations(m string, earlier []Finished) []Observation {
	mi := s.Objective.metric()
	loss := func(v float64) float64 { return -mi.Oriented(v) }
	byConfig := map[string]*trialRecord{}
	counts := map[string]int{}
	var order []string
	for _, f := range earlier {
		if f.Model != m {
			continue
		}
		r, ok := byConfig[f.Config]
		if !ok {
			r = &trialRecord{params: f.Params, status: f.Status, rungs: map[int]float64{}, final: 0}
			byConfig[f.Config] = r
			order = append(order, f.Config)
		}
		counts[f.Config]++
		n := float64(counts[f.Config])
		r.final += (loss(f.Value) - r.final) / n // running mean; NaN stays NaN
		r.status = worseStatus(r.status, f.Status)
		for e, v := range f.Rungs {
			r.rungs[e] += (loss(v) - r.rungs[e]) / n
		}
	}
	recs := make([]trialRecord, len(order))
	for i, c := range order {
		recs[i] = *byConfig[c]
	}
	return tpeObservations(recs, s.Search.Scheduler.rungs(s.Train.Epochs), s.Search.Startup)
}

// worseStatus is the status a configuration has when its repeats differ:
// failed over pruned over done.
func worseStatus(a, b string) string {
	rank := map[string]int{store.Done: 0, store.Pruned: 1, store.Failed: 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// validateEnqueue checks search.enqueue: each entry names a model of the
// sweep (optional with one model) and gives every hyperparameter its
// model's space searches; constants of the space fill the rest.
func (s *Spec) validateEnqueue() error {
	if len(s.Search.Enqueue) > s.Search.Trials && s.Search.Trials > 0 {
		return s.errorAt("$.search.enqueue", "%d enqueued configurations but trials is %d", len(s.Search.Enqueue), s.Search.Trials)
	}
	for i, e := range s.Search.Enqueue {
		path := fmt.Sprintf("$.search.enqueue[%d]", i)
		m, err := s.enqueueModel(e, path)
		if err != nil {
			return err
		}
		var params []Param
		for _, ax := range s.spaces[m] {
			v, given := e[ax.Name]
			switch {
			case given:
				h, _ := model.LookupHyper(ax.Name)
				val, err := h.Check(v)
				if err != nil {
					return s.errorAt(path+"."+ax.Name, "%v", err)
				}
				params = append(params, Param{ax.Name, val})
			case ax.Dist == "" && len(ax.Values) == 1:
				params = append(params, Param{ax.Name, ax.Values[0]})
			default:
				return s.errorAt(path, "enqueued configuration %d of %s does not give %s, which the space searches", i, m, ax.Name)
			}
		}
		for k := range e {
			if k != "model" && !slices.ContainsFunc(s.spaces[m], func(ax Axis) bool { return ax.Name == k }) {
				return s.errorAt(path+"."+k, "%s is not in %s's space: add it to space or per_model to set it", k, m)
			}
		}
		c := configuration{m, canonical(m, params)}
		if err := s.ModelParams(s.newTrial(0, c.model, c.params, 0)).Validate(); err != nil {
			return s.errorAt(path, "enqueued configuration %d: %v", i, err)
		}
		s.enqueued = append(s.enqueued, c)
	}
	return nil
}

func (s *Spec) enqueueModel(e map[string]any, path string) (string, error) {
	v, ok := e["model"]
	if !ok {
		if len(s.Models) > 1 {
			return "", s.errorAt(path, "an enqueued configuration needs model: when the sweep has several models")
		}
		return s.Models[0], nil
	}
	m, _ := v.(string)
	if !slices.Contains(s.Models, m) {
		return "", s.errorAt(path+".model", "model %v is not in models %v", v, s.Models)
	}
	return m, nil
}

// ParamsFromStore types a stored trial's parameters (SQLite gives REAL,
// INTEGER and TEXT; lists are JSON) as the plan records them, sorted by name.
func ParamsFromStore(stored map[string]any) ([]Param, error) {
	names := make([]string, 0, len(stored))
	for n := range stored {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]Param, 0, len(names))
	for _, n := range names {
		h, ok := model.LookupHyper(n)
		if !ok {
			return nil, fmt.Errorf("stored parameter %q is not a hyperparameter this build knows", n)
		}
		v, err := fromStore(h, stored[n])
		if err != nil {
			return nil, fmt.Errorf("stored parameter %s: %w", n, err)
		}
		out = append(out, Param{n, v})
	}
	return out, nil
}

func fromStore(h model.Hyper, v any) (any, error) {
	switch h.Kind {
	case model.Bool:
		n, ok := v.(int64)
		if !ok {
			return nil, fmt.Errorf("want 0 or 1, got %v", v)
		}
		return n != 0, nil
	case model.IntList:
		text, _ := v.(string)
		var list []any
		if err := json.NewDecoder(strings.NewReader(text)).Decode(&list); err != nil {
			return nil, fmt.Errorf("want a JSON list, got %v", v)
		}
		return h.Check(list)
	}
	return h.Check(v)
}
