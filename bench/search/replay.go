package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/attnsweep/attnsweep/pkg/search"
)

// runReplay runs one sampler for many search seeds against a replay table
// and writes each proposal's valid AUC as a trace line.
func runReplay(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	table := fs.String("table", "", "replay table (sweep query --format csv)")
	space := fs.String("space", "", "the sampler's search space (JSON)")
	sampler := fs.String("sampler", "tpe", "tpe or random")
	label := fs.String("label", "", "the sampler's name in the traces (default: -sampler)")
	seeds := fs.Int("seeds", 100, "search seeds 1..N")
	budget := fs.Int("budget", 100, "trials per search")
	batch := fs.Int("batch", 4, "proposals per batch (the runner's rule)")
	var opt search.TPEOptions
	fs.IntVar(&opt.Startup, "startup", 0, "TPE: startup trials (0: the default)")
	fs.IntVar(&opt.Candidates, "candidates", 0, "TPE: candidates per proposal (0: the default)")
	fs.Float64Var(&opt.Gamma, "gamma", 0, "TPE: fraction in the good group (0: the default)")
	fs.Float64Var(&opt.Bandwidth, "bandwidth", 0, "TPE: factor of Scott's rule (0: the default)")
	fs.Float64Var(&opt.PriorWeight, "prior", 0, "TPE: prior weight (0: the default)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *table == "" || *space == "" {
		return fmt.Errorf("replay needs -table and -space")
	}
	if *label == "" {
		*label = *sampler
	}
	g, err := readGrid(*table)
	if err != nil {
		return err
	}
	sp, err := readSpace(*space)
	if err != nil {
		return err
	}
	var propose func(obs []search.Observation, n int, rng *rand.Rand) [][]search.Param
	switch *sampler {
	case "tpe":
		propose = func(obs []search.Observation, n int, rng *rand.Rand) [][]search.Param {
			return search.ProposeTPE(sp, obs, n, opt, rng)
		}
	case "random":
		propose = func(_ []search.Observation, n int, rng *rand.Rand) [][]search.Param {
			out := make([][]search.Param, n)
			for i := range out {
				out[i] = search.SampleUniform(sp, rng)
			}
			return out
		}
	default:
		return fmt.Errorf("unknown sampler %q (want tpe or random)", *sampler)
	}
	for seed := 1; seed <= *seeds; seed++ {
		aucs, err := replay(g, sp, propose, uint64(seed), *budget, *batch)
		if err != nil {
			return err
		}
		for i, a := range aucs {
			fmt.Fprintf(w, "%s,%d,%d,%g\n", *label, seed, i+1, a)
		}
	}
	return nil
}

// replay runs one search as the runner does: batches of `batch` proposals,
// batch k proposed from the results of batches before k with its rng seeded
// by (seed, k). It returns the valid AUC of each trial in order.
func replay(g *grid, sp search.Space, propose func([]search.Observation, int, *rand.Rand) [][]search.Param, seed uint64, budget, batch int) ([]float64, error) {
	var obs []search.Observation
	var aucs []float64
	for k := 0; len(obs) < budget; k++ {
		rng := rand.New(rand.NewPCG(seed, uint64(k)))
		for _, ps := range propose(obs, min(batch, budget-len(obs)), rng) {
			auc, err := g.lookup(sp, ps)
			if err != nil {
				return nil, err
			}
			obs = append(obs, search.Observation{Params: ps, Loss: -auc}) // NaN stays NaN: a failed trial
			aucs = append(aucs, auc)
		}
	}
	return aucs, nil
}

// bestSoFar turns a trace into the best valid AUC after each trial (failed
// trials, NaN, never count).
func bestSoFar(aucs []float64) []float64 {
	out := make([]float64, len(aucs))
	b := math.Inf(-1)
	for i, a := range aucs {
		if a > b {
			b = a
		}
		out[i] = b
	}
	return out
}
