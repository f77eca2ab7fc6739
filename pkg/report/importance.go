package report

import (
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/attnsweep/attnsweep/pkg/model"
)

// Hyperparameter importance by fANOVA on a random forest (Hutter, Hoos and
// Leyton-Brown, ICML 2014): a forest of regression trees is fitted to the
// finished trials (objective against hyperparameters), and for each tree
// the variance of its prediction over the whole space is split into the
// part each hyperparameter explains on its own (the variance of the tree's
// marginal prediction along it). A hyperparameter's importance is that
// fraction, averaged over the trees.
//
// Why fANOVA rather than PED-ANOVA (Watanabe et al., IJCAI 2023): its
// numbers mean something a reader can check, the fraction of the
// objective's variance over the space that a hyperparameter explains alone,
// and they add up: the importances sum to at most 1, the rest being what
// interactions explain (a sum well below 1 says the hyperparameters matter
// together, not one by one). PED-ANOVA is faster and made for the top
// quantile, but its values are divergences normalised to sum to 1, which
// hides interactions; a sweep has at most some thousands of trials, which a
// forest fits in well under a second.
//
// Choices: 64 trees, each grown on a bootstrap sample until its leaves are
// pure or hold one trial, every hyperparameter considered at every split
// (Optuna's fANOVA settings); the space is the box the trials span, with
// the uniform measure along each axis. A number is measured in the log scale
// when its values are positive, span more than a factor of 10 and are spread
// more evenly in the log scale than in the linear one (Kolmogorov–Smirnov
// distance to the uniform distribution over their range): learning rates
// and L2 strengths drawn log-uniformly or from a grid of powers of ten, not a
// dropout drawn uniformly from [0, 0.5];
// other values (strings, lists such as hidden sizes, booleans, and any
// hyperparameter a trial lacks) are categories, each category weighted
// alike. Hyperparameters with a single value are left out.

// ParamImportance is one hyperparameter's importance: the fraction of the
// objective's variance it explains on its own.
type ParamImportance struct {
	Name       string
	Importance float64
}

const importanceTrees = 64

// Importance estimates each varying hyperparameter's importance from
// finished trials: params[i] holds trial i's hyperparameters, y[i] its
// objective (trials with a NaN or infinite objective are left out). The
// result, sorted by importance (ties by name), sums to at most 1. It
// depends only on its inputs and seed.
func Importance(params []map[string]any, y []float64, seed uint64) []ParamImportance {
	var rows []map[string]any
	var ys []float64
	for i, p := range params {
		if !math.IsNaN(y[i]) && !math.IsInf(y[i], 0) {
			rows, ys = append(rows, p), append(ys, y[i])
		}
	}
	feats := encodeFeatures(rows)
	if len(feats) == 0 || len(ys) < 2 {
		return nil
	}
	x := make([][]float64, len(ys))
	for i := range x {
		x[i] = make([]float64, len(feats))
		for j, f := range feats {
			x[i][j] = f.x[i]
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0x66616e6f7661)) // "fanova"
	sum := make([]float64, len(feats))
	trees := 0
	for t := 0; t < importanceTrees; t++ {
		boot := make([]int, len(ys))
		for i := range boot {
			boot[i] = rng.IntN(len(ys))
		}
		tr := growTree(feats, x, ys, boot)
		if fr, ok := tr.fractions(feats); ok {
			for j := range sum {
				sum[j] += fr[j]
			}
			trees++
		}
	}
	out := make([]ParamImportance, len(feats))
	for j, f := range feats {
		out[j] = ParamImportance{Name: f.name}
		if trees > 0 {
			out[j].Importance = sum[j] / float64(trees)
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Importance > out[b].Importance })
	return out
}

// feature is one hyperparameter as the forest sees it.
type feature struct {
	name   string
	cat    int       // number of categories; 0 for a number
	lo, hi float64   // a number's range (log scale if log)
	x      []float64 // per trial: the value (log if log) or the category index
}

// encodeFeatures turns the trials' hyperparameters into features, by name.
func encodeFeatures(rows []map[string]any) []feature {
	names := map[string]bool{}
	for _, r := range rows {
		for n := range r {
			names[n] = true
		}
	}
	var feats []feature
	for _, name := range slices.Sorted(maps.Keys(names)) {
		if f, ok := encodeFeature(name, rows); ok {
			feats = append(feats, f)
		}
	}
	return feats
}

// encodeFeature encodes one hyperparameter; ok is false when it takes a
// single value.
func encodeFeature(name string, rows []map[string]any) (feature, bool) {
	f := feature{name: name, x: make([]float64, len(rows)), lo: math.Inf(1), hi: math.Inf(-1)}
	numeric := true
	for i, r := range rows {
		v, ok := number(r[name])
		if !ok {
			numeric = false
			break
		}
		f.x[i] = v
		f.lo, f.hi = math.Min(f.lo, v), math.Max(f.hi, v)
	}
	if numeric {
		if f.lo > 0 && f.hi/f.lo > 10 {
			logs := make([]float64, len(f.x))
			for i, v := range f.x {
				logs[i] = math.Log(v)
			}
			if ksUniform(logs) < ksUniform(f.x) {
				f.x, f.lo, f.hi = logs, math.Log(f.lo), math.Log(f.hi)
			}
		}
		return f, f.hi > f.lo
	}
	cells := make([]string, len(rows))
	index := map[string]int{}
	for i, r := range rows {
		cells[i] = "(unset)"
		if v, ok := r[name]; ok {
			cells[i] = Cell(v)
		}
		index[cells[i]] = 0
	}
	keys := slices.Sorted(maps.Keys(index))
	for k, c := range keys {
		index[c] = k
	}
	for i, c := range cells {
		f.x[i] = float64(index[c])
	}
	f.cat = len(keys)
	return f, f.cat > 1
}

// ksUniform is the Kolmogorov–Smirnov distance between the values and the
// uniform distribution over their range: small when they are spread evenly.
func ksUniform(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	lo, hi := s[0], s[len(s)-1]
	n := float64(len(s))
	d := 0.0
	for i, v := range s {
		u := (v - lo) / (hi - lo)
		d = max(d, float64(i+1)/n-u, u-float64(i)/n)
	}
	return d
}

// number reads a finite numeric hyperparameter value.
func number(v any) (float64, bool) {
	f, ok := model.Number(v)
	return f, ok && !math.IsNaN(f) && !math.IsInf(f, 0)
}

// node is a node of a regression tree; a leaf has feat < 0.
type node struct {
	feat   int
	thresh float64 // a number: values below go left
	left   []bool  // a category: left[c] sends category c left
	lo, hi int     // the children's indices in the tree
	value  float64 // a leaf's prediction: the mean objective of its trials
}

type tree []node

// growTree fits a regression tree to the trials idx (with repeats: a
// bootstrap sample), splitting each node where the squared error falls
// most, until a node's trials all have the same objective or no split
// separates them.
func growTree(feats []feature, x [][]float64, y []float64, idx []int) tree {
	var t tree
	var grow func(idx []int, depth int) int
	grow = func(idx []int, depth int) int {
		at := len(t)
		mean := 0.0
		for _, i := range idx {
			mean += y[i]
		}
		t = append(t, node{feat: -1, value: mean / float64(len(idx))})
		if depth >= 64 {
			return at
		}
		sp, ok := bestSplit(feats, x, y, idx)
		if !ok {
			return at
		}
		var l, r []int
		for _, i := range idx {
			if sp.goesLeft(x[i][sp.feat]) {
				l = append(l, i)
			} else {
				r = append(r, i)
			}
		}
		sp.lo = grow(l, depth+1)
		sp.hi = grow(r, depth+1)
		t[at] = sp
		return at
	}
	grow(idx, 0)
	return t
}

func (n node) goesLeft(v float64) bool {
	if n.left != nil {
		return n.left[int(v)]
	}
	return v < n.thresh
}

// bestSplit finds the split of idx with the smallest squared error: for a
// number, a threshold halfway between two consecutive values; for a
// category, the best cut of the categories ordered by their mean objective
// (Breiman's rule, optimal for squared error). The first best wins ties.
func bestSplit(feats []feature, x [][]float64, y []float64, idx []int) (node, bool) {
	best, bestSSE := node{feat: -1}, math.Inf(1)
	total, totalSq := 0.0, 0.0
	for _, i := range idx {
		total, totalSq = total+y[i], totalSq+y[i]*y[i]
	}
	if totalSq-total*total/float64(len(idx)) <= 1e-12*math.Max(1, totalSq) {
		return best, false // the objective is constant here
	}
	for j, f := range feats {
		// keys orders the node's values: a number's own value, a category's mean objective.
		order, keys := groupValues(f, x, y, idx, j)
		sum, cnt := 0.0, 0
		for g := 0; g < len(order)-1; g++ {
			sum += order[g].sum
			cnt += order[g].n
			n := float64(len(idx))
			sse := totalSq - sum*sum/float64(cnt) - (total-sum)*(total-sum)/(n-float64(cnt))
			if sse < bestSSE-1e-12 {
				bestSSE = sse
				best = node{feat: j}
				if f.cat > 0 {
					best.left = make([]bool, f.cat)
					for _, o := range order[:g+1] {
						best.left[o.v] = true
					}
				} else {
					best.thresh = (keys[g] + keys[g+1]) / 2
				}
			}
		}
	}
	return best, best.feat >= 0
}

// group is the trials of a node that share one value of a feature.
type group struct {
	v   int // a category's index (categories only)
	sum float64
	n   int
}

// groupValues groups a node's trials by their value of feature j, in
// increasing order of the value (numbers) or of the mean objective
// (categories, ties by index); keys are the values (numbers only).
func groupValues(f feature, x [][]float64, y []float64, idx []int, j int) ([]group, []float64) {
	byValue := map[float64]*group{}
	for _, i := range idx {
		v := x[i][j]
		if byValue[v] == nil {
			byValue[v] = &group{v: int(v)}
		}
		byValue[v].sum += y[i]
		byValue[v].n++
	}
	keys := slices.Sorted(maps.Keys(byValue))
	order := make([]group, len(keys))
	for k, v := range keys {
		order[k] = *byValue[v]
	}
	if f.cat > 0 {
		slices.SortStableFunc(order, func(a, b group) int {
			ma, mb := a.sum/float64(a.n), b.sum/float64(b.n)
			switch {
			case ma < mb:
				return -1
			case ma > mb:
				return 1
			}
			return 0
		})
	}
	return order, keys
}

// leaf is a leaf's box: per feature, the share of the feature's range (or
// of its categories) the leaf covers, and where.
type leaf struct {
	value float64
	lo    []float64 // numbers: the box's bounds
	hi    []float64
	in    [][]bool // categories: the categories in the box
	share []float64
}

// leaves lists the tree's leaves as boxes of the space.
func (t tree) leaves(feats []feature) []leaf {
	var out []leaf
	var walk func(at int, lo, hi []float64, in [][]bool)
	walk = func(at int, lo, hi []float64, in [][]bool) {
		n := t[at]
		if n.feat < 0 {
			lf := leaf{value: n.value, lo: lo, hi: hi, in: in, share: make([]float64, len(feats))}
			for j, f := range feats {
				if f.cat > 0 {
					k := 0
					for _, b := range in[j] {
						if b {
							k++
						}
					}
					lf.share[j] = float64(k) / float64(f.cat)
				} else {
					lf.share[j] = (hi[j] - lo[j]) / (f.hi - f.lo)
				}
			}
			out = append(out, lf)
			return
		}
		lLo, lHi, lIn := slices.Clone(lo), slices.Clone(hi), slices.Clone(in)
		rLo, rHi, rIn := slices.Clone(lo), slices.Clone(hi), slices.Clone(in)
		if n.left != nil {
			lIn[n.feat], rIn[n.feat] = make([]bool, len(n.left)), make([]bool, len(n.left))
			for c, isLeft := range n.left {
				lIn[n.feat][c] = in[n.feat][c] && isLeft
				rIn[n.feat][c] = in[n.feat][c] && !isLeft
			}
		} else {
			lHi[n.feat], rLo[n.feat] = n.thresh, n.thresh
		}
		walk(n.lo, lLo, lHi, lIn)
		walk(n.hi, rLo, rHi, rIn)
	}
	lo, hi, in := make([]float64, len(feats)), make([]float64, len(feats)), make([][]bool, len(feats))
	for j, f := range feats {
		lo[j], hi[j] = f.lo, f.hi
		if f.cat > 0 {
			in[j] = make([]bool, f.cat)
			for c := range in[j] {
				in[j][c] = true
			}
		}
	}
	walk(0, lo, hi, in)
	return out
}

// fractions is the tree's functional ANOVA: for each feature, the variance
// of the tree's marginal prediction along it (averaged over every other
// feature under the uniform measure) divided by the variance of the
// prediction over the space; ok is false when the tree is constant.
func (t tree) fractions(feats []feature) ([]float64, bool) {
	ls := t.leaves(feats)
	vol := make([]float64, len(ls))
	mean := 0.0
	for i, l := range ls {
		vol[i] = 1
		for _, s := range l.share {
			vol[i] *= s
		}
		mean += vol[i] * l.value
	}
	total := 0.0
	for i, l := range ls {
		total += vol[i] * (l.value - mean) * (l.value - mean)
	}
	if total <= 1e-12*math.Max(1, mean*mean) {
		return nil, false
	}
	out := make([]float64, len(feats))
	for j, f := range feats {
		v := 0.0
		for _, c := range cells(f, j, ls) {
			m := 0.0 // the marginal prediction on this cell
			for i, l := range ls {
				if c.covers(l, j) {
					m += l.value * vol[i] / l.share[j]
				}
			}
			v += c.share * (m - mean) * (m - mean)
		}
		out[j] = v / total
	}
	return out, true
}

// cell is a piece of one feature's range on which a tree's marginal
// prediction is constant: an interval between split points, or a category.
type cell struct {
	mid   float64 // a number's cell: its middle
	cat   int     // a category's cell: its index (-1 for numbers)
	share float64 // the cell's share of the range
}

func (c cell) covers(l leaf, j int) bool {
	if c.cat >= 0 {
		return l.in[j][c.cat]
	}
	return l.lo[j] <= c.mid && c.mid < l.hi[j]
}

// cells cuts feature j's range at every leaf bound.
func cells(f feature, j int, ls []leaf) []cell {
	var out []cell
	if f.cat > 0 {
		for c := 0; c < f.cat; c++ {
			out = append(out, cell{cat: c, share: 1 / float64(f.cat)})
		}
		return out
	}
	var cuts []float64
	for _, l := range ls {
		cuts = append(cuts, l.lo[j], l.hi[j])
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)
	for k := 0; k+1 < len(cuts); k++ {
		out = append(out, cell{mid: (cuts[k] + cuts[k+1]) / 2, cat: -1, share: (cuts[k+1] - cuts[k]) / (f.hi - f.lo)})
	}
	return out
}
