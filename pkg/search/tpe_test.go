package search

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/attnsweep/attnsweep/pkg/model"
)

// proposer is a sampler as the runner drives it: n proposals for one batch.
type proposer func(sp Space, obs []Observation, n int, rng *rand.Rand) [][]Param

func tpeProposer(opt TPEOptions) proposer {
	return func(sp Space, obs []Observation, n int, rng *rand.Rand) [][]Param {
		return ProposeTPE(sp, obs, n, opt, rng)
	}
}

func randomProposer(sp Space, _ []Observation, n int, rng *rand.Rand) [][]Param {
	out := make([][]Param, n)
	for i := range out {
		out[i] = SampleUniform(sp, rng)
	}
	return out
}

// simulate runs a search as the runner does: batches of `batch` proposals,
// batch k from the results of batches before k, its rng seeded by (seed, k).
// It returns the best loss after each trial.
func simulate(sp Space, f func(map[string]any) float64, p proposer, seed uint64, budget, batch int) []float64 {
	var obs []Observation
	var best []float64
	for k := 0; len(obs) < budget; k++ {
		rng := rand.New(rand.NewPCG(seed, uint64(k)))
		for _, ps := range p(sp, obs, min(batch, budget-len(obs)), rng) {
			v := map[string]any{}
			for _, q := range ps {
				v[q.Name] = q.Value
			}
			loss := f(v)
			obs = append(obs, Observation{Params: ps, Loss: loss})
			if len(best) == 0 || loss < best[len(best)-1] {
				best = append(best, loss)
			} else {
				best = append(best, best[len(best)-1])
			}
		}
	}
	return best
}

// testFunction is a known objective over a search space.
type testFunction struct {
	name string
	sp   Space
	f    func(map[string]any) float64
}

var testFunctions = []testFunction{
	{
		// A quadratic bowl in log-lr × dropout with one good optimizer.
		name: "bowl",
		sp: Space{
			{Name: "dropout", Dist: "uniform", Low: 0, High: 0.5},
			{Name: "lr", Dist: "loguniform", Low: 1e-5, High: 1},
			{Name: "optimizer", Values: []any{"sgd", "momentum", "adagrad", "rmsprop", "adam", "adamw"}},
		},
		f: func(v map[string]any) float64 {
			l := math.Pow(math.Log10(v["lr"].(float64))+2.5, 2) + 10*math.Pow(v["dropout"].(float64)-0.15, 2)
			if v["optimizer"] != "adam" {
				l++
			}
			return l
		},
	},
	{
		// Two relevant axes (one stepped) and an irrelevant integer one.
		name: "irrelevant",
		sp: Space{
			{Name: "embed_dim", Dist: "int", Low: 4, High: 64},
			{Name: "lr", Dist: "loguniform", Low: 1e-5, High: 1},
			{Name: "momentum", Dist: "uniform", Low: 0, High: 0.99, Step: 0.01},
		},
		f: func(v map[string]any) float64 {
			return math.Pow(math.Log10(v["lr"].(float64))+3.3, 2) + 4*math.Pow(v["momentum"].(float64)-0.9, 2)
		},
	},
	{
		// The best lr moves with the batch size; hidden sizes are categories.
		name: "interaction",
		sp: Space{
			{Name: "batch_size", Values: []any{64, 256, 1024, 4096}},
			{Name: "hidden", Values: []any{[]int{32}, []int{64, 32}, []int{128, 64}}},
			{Name: "lr", Dist: "loguniform", Low: 1e-5, High: 1},
		},
		f: func(v map[string]any) float64 {
			opt := -3.5 + math.Log10(float64(v["batch_size"].(int))/64)
			l := math.Pow(math.Log10(v["lr"].(float64))-opt, 2) + 0.3*float64(len(v["hidden"].([]int))%2)
			if v["batch_size"].(int) != 1024 {
				l += 0.2
			}
			return l
		},
	},
}

// medianBest is the median over seeds of the best loss after budget trials.
func medianBest(tf testFunction, p proposer, seeds, budget, batch int) float64 {
	var b []float64
	for s := 0; s < seeds; s++ {
		tr := simulate(tf.sp, tf.f, p, uint64(s)+1, budget, batch)
		b = append(b, tr[budget-1])
	}
	slices.Sort(b)
	return (b[(len(b)-1)/2] + b[len(b)/2]) / 2
}

func TestTPE_BeatsRandomSearch(t *testing.T) {
	for _, tf := range testFunctions {
		tpe := medianBest(tf, tpeProposer(TPEOptions{}), 24, 30, tpeDefaultBatch)
		rnd := medianBest(tf, randomProposer, 24, 30, tpeDefaultBatch)
		t.Logf("%-12s median best after 30 trials: TPE %.4f, random %.4f", tf.name, tpe, rnd)
		if !(tpe < 0.5*rnd) {
			t.Errorf("%s: TPE's median best %.4f is not below half of random search's %.4f", tf.name, tpe, rnd)
		}
	}
}

// observe draws n random trials of sp and scores them with f.
func observe(sp Space, f func(map[string]any) float64, n int, seed uint64) []Observation {
	rng := rand.New(rand.NewPCG(seed, 99))
	obs := make([]Observation, n)
	for i := range obs {
		ps := SampleUniform(sp, rng)
		v := map[string]any{}
		for _, p := range ps {
			v[p.Name] = p.Value
		}
		obs[i] = Observation{Params: ps, Loss: f(v)}
	}
	return obs
}

func TestTPE_Deterministic(t *testing.T) {
	for _, tf := range testFunctions {
		obs := observe(tf.sp, tf.f, 20, 1)
		a := ProposeTPE(tf.sp, obs, 6, TPEOptions{}, rand.New(rand.NewPCG(5, 6)))
		for run := 0; run < 5; run++ {
			b := ProposeTPE(tf.sp, obs, 6, TPEOptions{}, rand.New(rand.NewPCG(5, 6)))
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("%s: same inputs and rng, different proposals:\n%v\n%v", tf.name, a, b)
			}
		}
		if c := ProposeTPE(tf.sp, obs, 6, TPEOptions{}, rand.New(rand.NewPCG(5, 7))); reflect.DeepEqual(a, c) {
			t.Errorf("%s: another rng state gave the same proposals", tf.name)
		}
	}
}

// everyKind is a space with every kind of axis TPE models or copies.
var everyKind = Space{
	{Name: "activation", Values: []any{"relu"}}, // a constant
	{Name: "batch_norm", Values: []any{true, false}},
	{Name: "batch_size", Values: []any{64, 256, 1024}},
	{Name: "beta1", Values: []any{0.9, 0.99}},
	{Name: "dropout", Dist: "uniform", Low: 0, High: 0.5},
	{Name: "embed_dim", Dist: "int", Low: 4, High: 64},
	{Name: "heads", Dist: "int", Low: 1, High: 16, Step: 3},
	{Name: "hidden", Values: []any{[]int{64, 32}, []int{128}, []int{200, 80, 40}}},
	{Name: "l2_dense", Dist: "loguniform", Low: 1e-6, High: 1e-2, Step: 1e-6},
	{Name: "lr", Dist: "loguniform", Low: 1e-5, High: 1},
	{Name: "momentum", Dist: "uniform", Low: 0.5, High: 0.95, Step: 0.05},
	{Name: "optimizer", Values: []any{"adam", "sgd", "adagrad"}},
}

// checkValid fails unless ps is a valid parameter set of sp: every axis
// once, in order, with a value of the right type, in bounds and on the step.
func checkValid(t *testing.T, sp Space, ps []Param) {
	t.Helper()
	if len(ps) != len(sp) {
		t.Fatalf("%d parameters for %d axes: %v", len(ps), len(sp), ps)
	}
	for i, ax := range sp {
		p := ps[i]
		if p.Name != ax.Name {
			t.Fatalf("parameter %d is %s, want %s", i, p.Name, ax.Name)
		}
		if ax.Dist == "" {
			if !slices.ContainsFunc(ax.Values, func(v any) bool { return reflect.DeepEqual(v, p.Value) }) {
				t.Errorf("%s = %v (%T) is not one of %v", p.Name, p.Value, p.Value, ax.Values)
			}
			continue
		}
		var f float64
		switch v := p.Value.(type) {
		case int:
			if h, _ := model.LookupHyper(ax.Name); h.Kind != model.Int {
				t.Errorf("%s = %v is an int, want float64", p.Name, v)
			}
			f = float64(v)
		case float64:
			if h, _ := model.LookupHyper(ax.Name); h.Kind != model.Float {
				t.Errorf("%s = %v is a float64, want int", p.Name, v)
			}
			f = v
		default:
			t.Errorf("%s = %v has type %T", p.Name, v, v)
			continue
		}
		if f < ax.Low || f > ax.High {
			t.Errorf("%s = %g is outside [%g, %g]", p.Name, f, ax.Low, ax.High)
		}
		if s := ax.step(); s > 0 {
			if k := (f - ax.Low) / s; math.Abs(k-math.Round(k)) > 1e-6 {
				t.Errorf("%s = %g is not on the step %g from %g", p.Name, f, s, ax.Low)
			}
		}
	}
}

func TestTPE_EveryAxisKindRoundTrips(t *testing.T) {
	f := func(v map[string]any) float64 {
		l := math.Abs(math.Log10(v["lr"].(float64))+2) + math.Abs(v["dropout"].(float64)-0.2)
		if v["optimizer"] == "adam" && v["batch_norm"] == true {
			l -= 1
		}
		return l + float64(v["heads"].(int))/16 + float64(len(v["hidden"].([]int)))/3
	}
	obs := observe(everyKind, f, 12, 3)
	obs[2].Loss, obs[5].Loss = math.NaN(), math.Inf(1) // a failed and a pruned trial
	for k := 0; k < 10; k++ {
		rng := rand.New(rand.NewPCG(11, uint64(k)))
		for _, ps := range ProposeTPE(everyKind, obs, 4, TPEOptions{}, rng) {
			checkValid(t, everyKind, ps)
			if _, ok := newTPESpace(everyKind).encode(ps); !ok {
				t.Errorf("a proposal does not encode back: %v", ps)
			}
			v := map[string]any{}
			for _, p := range ps {
				v[p.Name] = p.Value
			}
			obs = append(obs, Observation{Params: ps, Loss: f(v)})
		}
	}
}

func TestTPE_StartupIsRandomSearch(t *testing.T) {
	tf := testFunctions[0]
	obs := observe(tf.sp, tf.f, 10, 4)
	for i := 0; i < 3; i++ {
		obs[i].Loss = math.NaN() // failed trials do not count towards the startup
	}
	got := ProposeTPE(tf.sp, obs, 5, TPEOptions{Startup: 8}, rand.New(rand.NewPCG(1, 2)))
	rng := rand.New(rand.NewPCG(1, 2))
	for i, ps := range got {
		if want := SampleUniform(tf.sp, rng); !reflect.DeepEqual(ps, want) {
			t.Fatalf("proposal %d with 7 finite observations: %v, want random search's %v", i, ps, want)
		}
	}
	if tpe := ProposeTPE(tf.sp, obs[1:], 5, TPEOptions{Startup: 7}, rand.New(rand.NewPCG(1, 2))); reflect.DeepEqual(tpe, got[:len(tpe)]) {
		t.Errorf("with as many finite observations as the startup, TPE still samples at random")
	}
}

func TestTPE_BatchHasNoRepeats(t *testing.T) {
	// 2 × 3 = 6 points, 3 already tried: a batch of 3 must be the other 3.
	sp := Space{
		{Name: "batch_norm", Values: []any{true, false}},
		{Name: "hidden", Values: []any{[]int{8}, []int{16}, []int{32}}},
	}
	f := func(v map[string]any) float64 { return float64(v["hidden"].([]int)[0]) }
	var obs []Observation
	for _, h := range []int{8, 16, 32} {
		obs = append(obs, Observation{Params: []Param{{"batch_norm", true}, {"hidden", []int{h}}}, Loss: f(map[string]any{"hidden": []int{h}})})
	}
	got := ProposeTPE(sp, obs, 3, TPEOptions{Startup: 2}, rand.New(rand.NewPCG(1, 1)))
	seen := map[string]bool{}
	for _, ps := range got {
		checkValid(t, sp, ps)
		k := canonicalValue(ps[0].Value) + canonicalValue(ps[1].Value)
		if ps[0].Value == true || seen[k] {
			t.Errorf("proposal %v repeats a trial or an earlier proposal (batch %v)", ps, got)
		}
		seen[k] = true
	}
}

func TestTPESplit_FailedAndPrunedRankWorst(t *testing.T) {
	pts := [][]float64{{0}, {1}, {2}, {3}, {4}, {5}}
	losses := []float64{3, math.NaN(), 1, math.Inf(1), 2, 1}
	for _, c := range []struct {
		gamma        float64
		below, above []float64
	}{
		{0.3, []float64{2, 5}, []float64{4, 0, 3, 1}},  // ceil(1.8) = 2; ties keep their order
		{0.5, []float64{2, 5, 4}, []float64{0, 3, 1}},  // +Inf before NaN
		{0.99, []float64{2, 5, 4, 0}, []float64{3, 1}}, // never more than the finite losses
		{0.01, []float64{2}, []float64{5, 4, 0, 3, 1}}, // at least one
	} {
		b, a := tpeSplit(pts, losses, c.gamma)
		flat := func(p [][]float64) []float64 {
			var out []float64
			for _, x := range p {
				out = append(out, x[0])
			}
			return out
		}
		if !reflect.DeepEqual(flat(b), c.below) || !reflect.DeepEqual(flat(a), c.above) {
			t.Errorf("gamma %g: good %v rest %v, want %v and %v", c.gamma, flat(b), flat(a), c.below, c.above)
		}
	}
}

// The mixture's density integrates to 1 along a continuous axis (the
// truncation is accounted for) and sums to 1 over the categories.
func TestParzen_Normalised(t *testing.T) {
	sp := Space{
		{Name: "dropout", Dist: "uniform", Low: 0, High: 0.5},
		{Name: "optimizer", Values: []any{"adam", "sgd", "adagrad"}},
	}
	ts := newTPESpace(sp)
	pts := [][]float64{{0.01, 0}, {0.2, 2}, {0.49, 0}}
	pz := newParzen(ts.dims, pts, TPEOptions{}.withDefaults())
	total := 0.0
	const steps = 20000
	for c := 0; c < 3; c++ {
		for i := 0; i < steps; i++ {
			x := []float64{0.5 * (float64(i) + 0.5) / steps, float64(c)}
			total += math.Exp(pz.logDensity(x)) * 0.5 / steps
		}
	}
	if math.Abs(total-1) > 1e-6 {
		t.Errorf("the density integrates to %.8f, want 1", total)
	}
}

func TestTPEObservations_DeepestRungWithEnough(t *testing.T) {
	p := func(name string) []Param { return []Param{{"optimizer", name}} }
	nan, inf := math.NaN(), math.Inf(1)
	recs := []trialRecord{
		{params: p("a"), status: "done", rungs: map[int]float64{1: 0.5, 3: 0.4}, final: 0.3},
		{params: p("b"), status: "done", rungs: map[int]float64{1: 0.6, 3: 0.5}, final: 0.45},
		{params: p("c"), status: "pruned", rungs: map[int]float64{1: 0.9}, final: nan},
		{params: p("d"), status: "pruned", rungs: map[int]float64{1: 0.55, 3: 0.7}, final: nan},
		{params: p("e"), status: "failed", rungs: map[int]float64{1: 0.8}, final: nan},
		{params: p("f"), status: "running", rungs: map[int]float64{1: 0.1}, final: nan},
		{params: p("g"), status: "done", rungs: map[int]float64{1: 0.52}, final: 0.51}, // stopped at epoch 2
	}
	// Finite losses: 5 at rung 1 (a b c d g), 4 at rung 3 (a b d g), 3 at the end (a b g).
	for _, c := range []struct {
		minObs int
		rungs  []int
		want   []float64 // losses of a b c d e g
	}{
		{3, []int{3, 1}, []float64{0.3, 0.45, inf, inf, nan, 0.51}}, // the final level has enough
		{4, []int{1, 3}, []float64{0.4, 0.5, inf, 0.7, nan, 0.51}},  // rung 3; c was pruned before it
		{5, []int{1, 3}, []float64{0.5, 0.6, 0.9, 0.55, nan, 0.52}}, // rung 1: c counts where it stopped
		{6, []int{1, 3}, []float64{0.5, 0.6, 0.9, 0.55, nan, 0.52}}, // none has enough: the fullest
		{9, nil, []float64{0.3, 0.45, inf, inf, nan, 0.51}},         // no scheduler: final results
	} {
		obs := tpeObservations(recs, c.rungs, c.minObs)
		var got []float64
		var names []string
		for _, o := range obs {
			got = append(got, o.Loss)
			names = append(names, o.Params[0].Value.(string))
		}
		if !reflect.DeepEqual(names, []string{"a", "b", "c", "d", "e", "g"}) {
			t.Errorf("minObs %d: observations of %v, want a b c d e g", c.minObs, names)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("minObs %d, rungs %v: losses %v, want %v", c.minObs, c.rungs, got, c.want)
		}
	}
}
