package search

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/attnsweep/attnsweep/pkg/model"
	"github.com/attnsweep/attnsweep/pkg/store"
)

// The tree-structured Parzen estimator (TPE) sampler: it splits the finished
// trials into a good group (the best gamma fraction by loss) and the rest,
// fits a kernel density to each, l(x) over the good and g(x) over the rest,
// and proposes the candidate drawn from l with the largest l(x)/g(x).
//
// The choices, and why (measured with bench/search, BENCHMARKS.md "Search"):
//
//   - Multivariate: one kernel per trial over all axes together (a product
//     of one-dimensional kernels), as BOHB and Optuna's multivariate=True.
//     Hyperparameters of CTR models interact (the best learning rate moves
//     with the batch size and the L2 strength); a univariate model, which
//     scores each axis on its own, cannot see that.
//   - Bandwidth: Scott's rule per axis, sigma = 0.2·range·n^(-1/(d+4)) for
//     n kernels over d modelled axes, kept within [range/min(100, n+1),
//     range] (Optuna's "magic clip"), plus a prior kernel of weight 1
//     centred on the middle of the range with sigma = range, so that no
//     region's density falls to zero.
//   - Categorical axes (a list of values, including []int such as hidden
//     sizes, and bool) get a kernel that puts (1 + 1/K)/2 of its mass on its
//     trial's value and the rest uniformly on all K values, plus the uniform
//     prior kernel.
//   - Continuous axes are modelled on [low, high], log-uniform ones in log
//     space; int and stepped axes on the range widened by half a step, then
//     snapped by Axis.round. A candidate is scored at its rounded value.
//   - The good group holds ceil(gamma·n) of the n usable trials (at least
//     one, only trials with a finite loss). Failed trials (NaN loss) and
//     pruned ones below the rung TPE models (+Inf) rank worst: they always
//     fall in the rest, so TPE learns to avoid where they were.
//   - Diversity within a batch: after each proposal, the proposal joins the
//     rest as if it had failed (a constant liar), so g(x) grows around it
//     and the next proposal looks elsewhere; a proposal equal to a finished
//     trial or an earlier proposal of the batch is never chosen while a new
//     candidate exists.
//
// Defaults (tpeDefault* below) were measured on the test functions of
// tpe_test.go and the replay benchmark of bench/search.

const (
	// tpeDefaultStartup is the number of finished trials with a finite
	// loss before TPE models: until then it proposes uniformly at random.
	tpeDefaultStartup = 8
	// tpeDefaultBatch is the number of trials proposed together, from the
	// results of the batches before (the runner's rule; suggested default).
	tpeDefaultBatch = 4
	// tpeDefaultGamma is the fraction of usable trials in the good group.
	tpeDefaultGamma = 0.15
	// tpeDefaultCandidates is the number of draws from l(x) scored for each
	// proposal.
	tpeDefaultCandidates = 24
	// tpeDefaultBandwidth scales Scott's rule (Optuna's SIGMA0_MAGNITUDE).
	tpeDefaultBandwidth = 0.2
	// tpeDefaultPriorWeight is the weight of the prior kernel against 1 per trial.
	tpeDefaultPriorWeight = 1.0
)

var tpeLiar = true

// Observation is one finished (or pruned) trial as TPE sees it.
type Observation struct {
	Params []Param // sorted by name, values as the plan records them
	Loss   float64 // smaller is better; NaN: failed trial; +Inf: pruned below the modelled rung
}

// TPEOptions are the sampler's settings; zero fields take the defaults.
type TPEOptions struct {
	Startup     int     // finished trials with a finite loss before TPE models (tpeDefaultStartup)
	Candidates  int     // draws from l(x) scored per proposal (tpeDefaultCandidates)
	Gamma       float64 // fraction of usable trials in the good group, in (0, 1) (tpeDefaultGamma)
	Bandwidth   float64 // factor of Scott's rule (tpeDefaultBandwidth)
	PriorWeight float64 // weight of the prior kernel against 1 per trial (tpeDefaultPriorWeight)
}

func (o TPEOptions) withDefaults() TPEOptions {
	if o.Startup <= 0 {
		o.Startup = tpeDefaultStartup
	}
	if o.Candidates <= 0 {
		o.Candidates = tpeDefaultCandidates
	}
	if o.Gamma <= 0 || o.Gamma >= 1 {
		o.Gamma = tpeDefaultGamma
	}
	if o.Bandwidth <= 0 {
		o.Bandwidth = tpeDefaultBandwidth
	}
	if o.PriorWeight <= 0 {
		o.PriorWeight = tpeDefaultPriorWeight
	}
	return o
}

// ProposeTPE returns n parameter sets for sp (each sorted by name like the
// plan's), given the observations so far. It draws everything from rng and
// iterates no map, so the same inputs and rng state give the same output.
// Observations whose parameters do not fit sp are ignored.
func ProposeTPE(sp Space, obs []Observation, n int, opt TPEOptions, rng *rand.Rand) [][]Param {
	opt = opt.withDefaults()
	ts := newTPESpace(sp)
	var pts [][]float64
	var losses []float64
	seen := map[string]bool{}
	finite := 0
	for _, o := range obs {
		x, ok := ts.encode(o.Params)
		if !ok {
			continue
		}
		pts, losses = append(pts, x), append(losses, o.Loss)
		seen[ts.key(x)] = true
		if !math.IsNaN(o.Loss) && !math.IsInf(o.Loss, 0) {
			finite++
		}
	}
	out := make([][]Param, 0, n)
	if finite < opt.Startup || len(ts.dims) == 0 {
		for len(out) < n {
			out = append(out, SampleUniform(sp, rng))
		}
		return out
	}
	below, above := tpeSplit(pts, losses, opt.Gamma)
	for len(out) < n {
		l := newParzen(ts.dims, below, opt)
		g := newParzen(ts.dims, above, opt)
		x := ts.bestCandidate(l, g, opt.Candidates, seen, rng)
		out = append(out, ts.decode(x))
		seen[ts.key(x)] = true
		if tpeLiar {
			above = append(above, x) // the constant liar
		}
	}
	return out
}

// SampleUniform draws one parameter set as random search does (Axis.sample).
func SampleUniform(sp Space, rng *rand.Rand) []Param {
	ps := make([]Param, len(sp))
	for i, ax := range sp {
		ps[i] = Param{ax.Name, ax.sample(rng)}
	}
	return ps
}

// tpeSplit orders the points by loss (finite first, then +Inf, then NaN;
// ties keep their order) and returns the good group and the rest.
func tpeSplit(pts [][]float64, losses []float64, gamma float64) (below, above [][]float64) {
	idx := make([]int, len(pts))
	finite := 0
	for i := range idx {
		idx[i] = i
		if !math.IsNaN(losses[i]) && !math.IsInf(losses[i], 1) {
			finite++
		}
	}
	rank := func(v float64) float64 {
		if math.IsNaN(v) {
			return math.Inf(1)
		}
		return v
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		la, lb := rank(losses[a]), rank(losses[b])
		switch {
		case la < lb:
			return -1
		case la > lb:
			return 1
		case math.IsNaN(losses[a]) != math.IsNaN(losses[b]): // +Inf before NaN
			if math.IsNaN(losses[a]) {
				return 1
			}
			return -1
		}
		return 0
	})
	nb := min(max(1, int(math.Ceil(gamma*float64(len(pts))))), finite)
	for k, i := range idx {
		if k < nb {
			below = append(below, pts[i])
		} else {
			above = append(above, pts[i])
		}
	}
	return below, above
}

// tpeDim is how TPE models one axis of the space.
type tpeDim struct {
	axis   int // index in the Space
	cat    bool
	k      int            // number of categories
	index  map[string]int // canonical value → category (lookups only)
	lo, hi float64        // the modelled range (log scale for loguniform, widened by half a step)
	log    bool
}

// tpeSpace maps parameter sets to points (one coordinate per modelled axis:
// a category index or a value on the modelled scale) and back.
type tpeSpace struct {
	sp   Space
	dims []tpeDim
}

func newTPESpace(sp Space) tpeSpace {
	ts := tpeSpace{sp: sp}
	for i, ax := range sp {
		switch {
		case ax.Dist == "" && len(ax.Values) > 1:
			d := tpeDim{axis: i, cat: true, k: len(ax.Values), index: map[string]int{}}
			for j, v := range ax.Values {
				if _, dup := d.index[canonicalValue(v)]; !dup {
					d.index[canonicalValue(v)] = j
				}
			}
			ts.dims = append(ts.dims, d)
		case ax.Dist != "":
			d := tpeDim{axis: i, lo: ax.Low, hi: ax.High, log: ax.Dist == "loguniform"}
			if d.log {
				d.lo, d.hi = math.Log(ax.Low), math.Log(ax.High)
			} else if step := ax.step(); step > 0 {
				d.lo, d.hi = ax.Low-step/2, ax.lastStep()+step/2
			}
			ts.dims = append(ts.dims, d)
		}
	}
	return ts
}

// step is an axis's quantum on the linear scale: its Step, 1 for int, 0 if continuous.
func (ax Axis) step() float64 {
	if ax.Step > 0 {
		return ax.Step
	}
	if ax.Dist == "int" {
		return 1
	}
	return 0
}

// lastStep is the largest value on the axis's step that is not above High.
func (ax Axis) lastStep() float64 {
	if s := ax.step(); s > 0 {
		return ax.Low + math.Floor((ax.High-ax.Low)/s+1e-9)*s
	}
	return ax.High
}

// encode turns a trial's parameters into a point; ok is false when a
// modelled axis is missing or holds a value outside the space.
func (ts tpeSpace) encode(params []Param) ([]float64, bool) {
	x := make([]float64, len(ts.dims))
	for i, d := range ts.dims {
		name := ts.sp[d.axis].Name
		j, found := slices.BinarySearchFunc(params, name, func(p Param, n string) int { return strings.Compare(p.Name, n) })
		if !found {
			return nil, false
		}
		v := params[j].Value
		if d.cat {
			c, ok := d.index[canonicalValue(v)]
			if !ok {
				return nil, false
			}
			x[i] = float64(c)
			continue
		}
		f, ok := model.Number(v)
		if !ok || math.IsNaN(f) || (d.log && f <= 0) {
			return nil, false
		}
		if d.log {
			f = math.Log(f)
		}
		x[i] = math.Min(math.Max(f, d.lo), d.hi)
	}
	return x, true
}

// decode turns a point into the parameter set a trial records, every axis
// of the space in order: constants copied, categories looked up, numbers
// clamped to the axis's bounds and rounded by Axis.round.
func (ts tpeSpace) decode(x []float64) []Param {
	ps := make([]Param, len(ts.sp))
	for i, ax := range ts.sp {
		ps[i].Name = ax.Name
		if len(ax.Values) > 0 {
			ps[i].Value = ax.Values[0]
		}
	}
	for i, d := range ts.dims {
		ax := ts.sp[d.axis]
		if d.cat {
			ps[d.axis].Value = ax.Values[int(x[i])]
			continue
		}
		f := x[i]
		if d.log {
			f = math.Exp(f)
		}
		f = math.Min(math.Max(f, ax.Low), ax.lastStep())
		ps[d.axis].Value = ax.round(f)
	}
	return ps
}

// key identifies a point after rounding, to avoid proposing a trial twice.
func (ts tpeSpace) key(x []float64) string {
	var b strings.Builder
	for _, p := range ts.decode(x) {
		b.WriteString(canonicalValue(p.Value))
		b.WriteByte(';')
	}
	return b.String()
}

// bestCandidate draws candidates from l, snaps each to the value a trial
// would record, and returns the one with the largest log l − log g among
// those not seen yet (the first such on ties). When every candidate was
// seen it tries fresh uniform draws, and only then returns a seen point.
func (ts tpeSpace) bestCandidate(l, g parzen, candidates int, seen map[string]bool, rng *rand.Rand) []float64 {
	var best, fallback []float64
	bestScore := math.Inf(-1)
	for c := 0; c < candidates; c++ {
		x, _ := ts.encode(ts.decode(l.sample(rng)))
		if fallback == nil {
			fallback = x
		}
		if seen[ts.key(x)] {
			continue
		}
		if s := l.logDensity(x) - g.logDensity(x); best == nil || s > bestScore {
			best, bestScore = x, s
		}
	}
	for try := 0; best == nil && try < 100; try++ {
		x, _ := ts.encode(SampleUniform(ts.sp, rng))
		if !seen[ts.key(x)] {
			best = x
		}
	}
	if best == nil {
		return fallback
	}
	return best
}

// kernel is one component's density along one axis: a Gaussian truncated
// to the modelled range, or a distribution over the categories.
type kernel struct {
	mu, sigma, logZ float64   // logZ: log of σ·√(2π)·(mass inside the range)
	logP            []float64 // categorical: log probability of each category
}

// parzen is a mixture of product kernels: one per point plus the prior.
type parzen struct {
	dims  []tpeDim
	comps [][]kernel // component → axis
	w     []float64  // component weights, summing to 1
}

// newParzen fits the mixture to pts (which may be empty: then the prior alone).
func newParzen(dims []tpeDim, pts [][]float64, opt TPEOptions) parzen {
	n := len(pts)
	pz := parzen{dims: dims, comps: make([][]kernel, n+1), w: make([]float64, n+1)}
	total := float64(n) + opt.PriorWeight
	scott := opt.Bandwidth * math.Pow(float64(max(n, 1)), -1/float64(len(dims)+4))
	for i := 0; i <= n; i++ {
		prior := i == n
		pz.w[i] = 1 / total
		if prior {
			pz.w[i] = opt.PriorWeight / total
		}
		pz.comps[i] = make([]kernel, len(dims))
		for j, d := range dims {
			if d.cat && prior {
				pz.comps[i][j] = catKernel(d.k, -1, opt.PriorWeight)
				continue
			}
			if d.cat {
				pz.comps[i][j] = catKernel(d.k, int(pts[i][j]), opt.PriorWeight)
				continue
			}
			r := d.hi - d.lo
			mu, sigma := (d.lo+d.hi)/2, r
			if !prior {
				mu = pts[i][j]
				sigma = min(max(scott*r, r/math.Min(100, float64(n)+1)), r)
			}
			pz.comps[i][j] = gaussKernel(mu, sigma, d.lo, d.hi)
		}
	}
	return pz
}

// catKernel is a trial's kernel on a categorical axis: its own value gets
// 1/(1+w) of the mass on top of w/(1+w) spread evenly (w: the prior
// weight); the prior's kernel (own < 0) is uniform.
func catKernel(k, own int, w float64) kernel {
	lp := make([]float64, k)
	for c := range lp {
		p := 1 / float64(k)
		if own >= 0 {
			p = w / float64(k) / (1 + w)
			if c == own {
				p += 1 / (1 + w)
			}
		}
		lp[c] = math.Log(p)
	}
	return kernel{logP: lp}
}

func gaussKernel(mu, sigma, lo, hi float64) kernel {
	mass := normCDF((hi-mu)/sigma) - normCDF((lo-mu)/sigma)
	return kernel{mu: mu, sigma: sigma, logZ: math.Log(sigma * math.Sqrt(2*math.Pi) * mass)}
}

func normCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }

// sample draws one point: a component by weight, then each axis from it.
func (pz parzen) sample(rng *rand.Rand) []float64 {
	u := rng.Float64()
	i := 0
	for ; i < len(pz.w)-1; i++ {
		if u < pz.w[i] {
			break
		}
		u -= pz.w[i]
	}
	x := make([]float64, len(pz.dims))
	for j, d := range pz.dims {
		k := pz.comps[i][j]
		if d.cat {
			x[j] = float64(drawCategory(k.logP, rng.Float64()))
			continue
		}
		// Inverse CDF of the truncated Gaussian.
		a, b := normCDF((d.lo-k.mu)/k.sigma), normCDF((d.hi-k.mu)/k.sigma)
		p := a + rng.Float64()*(b-a)
		v := k.mu + k.sigma*math.Sqrt2*math.Erfinv(2*p-1)
		x[j] = math.Min(math.Max(v, d.lo), d.hi)
	}
	return x
}

func drawCategory(logP []float64, u float64) int {
	for c, lp := range logP {
		p := math.Exp(lp)
		if u < p {
			return c
		}
		u -= p
	}
	return len(logP) - 1
}

// logDensity is log Σ_i w_i Π_j k_ij(x_j), summed stably.
func (pz parzen) logDensity(x []float64) float64 {
	terms := make([]float64, len(pz.comps))
	top := math.Inf(-1)
	for i, comp := range pz.comps {
		t := math.Log(pz.w[i])
		for j, d := range pz.dims {
			k := comp[j]
			if d.cat {
				t += k.logP[int(x[j])]
				continue
			}
			z := (x[j] - k.mu) / k.sigma
			t += -0.5*z*z - k.logZ
		}
		terms[i] = t
		top = math.Max(top, t)
	}
	sum := 0.0
	for _, t := range terms {
		sum += math.Exp(t - top)
	}
	return top + math.Log(sum)
}

// trialRecord is what the runner knows of one earlier trial.
type trialRecord struct {
	params []Param
	status string          // done, pruned or failed; any other status is not an observation yet
	rungs  map[int]float64 // rung epoch → best loss so far at it
	final  float64         // best loss of a done trial; NaN if none
}

// tpeObservations turns earlier trials into what TPE models, with successive
// halving (BOHB's rule): the model uses the deepest level that has enough
// observations. The levels are the rungs in increasing order, then the
// final result of finished trials. A trial's loss at a level is
//
//   - done: its best loss so far at that rung (or, when it stopped training
//     before the rung, its final best, which is its best at that epoch too);
//     at the final level, final;
//   - pruned: its value at the rungs it reached; +Inf (worse than every
//     trial that went on) at deeper levels, so it counts at the rung it
//     reached and ranks worst beyond it;
//   - failed: NaN (worst) everywhere.
//
// A level has enough observations when at least minObs trials have a finite
// loss there (the runner passes the startup count, so TPE starts modelling
// each deeper level as soon as it could model it alone). When no level has
// enough, the level with the most finite losses is used (the deepest on a
// tie). Trials of any other status are left out; the rest keep their order.
func tpeObservations(recs []trialRecord, rungs []int, minObs int) []Observation {
	levels := append(slices.Sorted(slices.Values(rungs)), -1) // -1: the final level
	level, found := -1, false
	fallback, most := -1, -1
	for _, lv := range levels {
		count := 0
		for _, r := range recs {
			if v, ok := r.lossAt(lv); ok && !math.IsNaN(v) && !math.IsInf(v, 0) {
				count++
			}
		}
		if count >= minObs {
			level, found = lv, true
		}
		if count >= most {
			fallback, most = lv, count
		}
	}
	if !found {
		level = fallback
	}
	var out []Observation
	for _, r := range recs {
		if v, ok := r.lossAt(level); ok {
			out = append(out, Observation{Params: r.params, Loss: v})
		}
	}
	return out
}

// lossAt is a trial's loss at a level (a rung epoch, or -1 for the final
// result); ok is false for trials that are not observations.
func (r trialRecord) lossAt(level int) (float64, bool) {
	switch r.status {
	case store.Done:
		if v, ok := r.rungs[level]; ok && level >= 0 {
			return v, true
		}
		return r.final, true
	case store.Pruned:
		if v, ok := r.rungs[level]; ok && level >= 0 {
			return v, true
		}
		return math.Inf(1), true
	case store.Failed:
		return math.NaN(), true
	}
	return 0, false
}
