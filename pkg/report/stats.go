package report

import (
	"math"
	"math/rand/v2"
	"sort"
)

// meanStd returns the mean and the sample standard deviation (0 for one value).
func meanStd(v []float64) (mean, std float64) {
	if len(v) == 0 {
		return math.NaN(), math.NaN()
	}
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	if len(v) < 2 {
		return mean, 0
	}
	for _, x := range v {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(v)-1))
}

// quantile returns the q-quantile of sorted values (linear interpolation).
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	pos := q * float64(len(sorted)-1)
	i := int(pos)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	f := pos - float64(i)
	return sorted[i]*(1-f) + sorted[i+1]*f
}

// weightedAUC is the AUC of scores visited in ascending order (order), with
// each row counted w[i] times: the probability that a random positive
// outscores a random negative, ties counting one half.
func weightedAUC(scores, labels []float32, order []int, w []float64) float64 {
	var negBelow, pos, neg, sum float64
	for i := 0; i < len(order); {
		j := i
		var tiePos, tieNeg float64
		for ; j < len(order) && scores[order[j]] == scores[order[i]]; j++ {
			r := order[j]
			if labels[r] > 0.5 {
				tiePos += w[r]
			} else {
				tieNeg += w[r]
			}
		}
		sum += tiePos * (negBelow + tieNeg/2)
		negBelow += tieNeg
		pos += tiePos
		neg += tieNeg
		i = j
	}
	if pos == 0 || neg == 0 {
		return math.NaN()
	}
	return sum / (pos * neg)
}

func ascending(scores []float32) []int {
	order := make([]int, len(scores))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return scores[order[i]] < scores[order[j]] })
	return order
}

// bootstrapResult is a paired bootstrap of AUC(a) − AUC(b) on the same rows.
type bootstrapResult struct {
	Diff     float64 // on the full sample
	Lo, Hi   float64 // 95% percentile interval
	Replicas int
}

// pairedBootstrap resamples rows with replacement (the same rows for both
// models: the comparison is paired) and returns the interval of the AUC
// difference. Deterministic for a seed.
func pairedBootstrap(a, b, labels []float32, replicas int, seed uint64) bootstrapResult {
	n := len(labels)
	oa, ob := ascending(a), ascending(b)
	w := make([]float64, n)
	for i := range w {
		w[i] = 1
	}
	res := bootstrapResult{Diff: weightedAUC(a, labels, oa, w) - weightedAUC(b, labels, ob, w), Replicas: replicas}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	diffs := make([]float64, 0, replicas)
	for k := 0; k < replicas; k++ {
		clear(w)
		for i := 0; i < n; i++ {
			w[rng.IntN(n)]++
		}
		d := weightedAUC(a, labels, oa, w) - weightedAUC(b, labels, ob, w)
		if !math.IsNaN(d) {
			diffs = append(diffs, d)
		}
	}
	sort.Float64s(diffs)
	res.Lo, res.Hi = quantile(diffs, 0.025), quantile(diffs, 0.975)
	return res
}
