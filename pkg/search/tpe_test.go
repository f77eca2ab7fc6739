package search

import (
	"math"
	"math/rand/v2"

	"slices"
	"testing"
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
		tpe := medianBest(tf, tpeProposer(TPEOptions{}), 24, 30, 4)
		rnd := medianBest(tf, randomProposer, 24, 30, 4)
		t.Logf("%-12s median best after 30 trials: TPE %.4f, random %.4f", tf.name, tpe, rnd)
		if !(tpe < 0.5*rnd) {
			t.Errorf("%s: TPE's median best %.4f is not below half of random search's %.4f", tf.name, tpe, rnd)
		}
	}
}
