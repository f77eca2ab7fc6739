package report

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/attnsweep/attnsweep/pkg/model"
)

// quantile returns the q-quantile of sorted values, interpolating linearly
// between the two nearest ranks (position q·(n−1)); NaN for no values.
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

// Bootstrap is a paired bootstrap of AUC(a) − AUC(b) on the same test rows.
type Bootstrap struct {
	Diff     float64 // on all rows
	Lo, Hi   float64 // the 2.5% and 97.5% quantiles of the resampled differences
	Replicas int     // resamples drawn
	Used     int     // resamples with both classes (the others have no AUC and are left out)
	Seed     uint64
}

// bootstrapStream is the second word of the bootstrap's PCG seed.
const bootstrapStream = 0x5eed

// pairedBootstrap resamples the rows with replacement, the same rows for
// both models (the comparison is paired), and returns the 95% percentile
// interval of the AUC difference. The draws are fixed by the seed: one
// generator rand.New(rand.NewPCG(seed, 0x5eed)) draws, for each resample in
// turn, n row indices with IntN(n); a row drawn k times weighs k
// (model.WeightedAUC).
func pairedBootstrap(a, b, labels []float32, replicas int, seed uint64) Bootstrap {
	n := len(labels)
	res := Bootstrap{Diff: model.AUC(a, labels) - model.AUC(b, labels), Replicas: replicas, Seed: seed}
	// Each side's rows in ascending score order, so WeightedAUC's sort of
	// a resample costs O(n).
	sa, sb := ascendingBy(a, labels), ascendingBy(b, labels)
	counts := make([]float64, n)
	wa, wb := make([]float64, n), make([]float64, n)
	rng := rand.New(rand.NewPCG(seed, bootstrapStream))
	var diffs []float64
	for k := 0; k < replicas; k++ {
		clear(counts)
		for i := 0; i < n; i++ {
			counts[rng.IntN(n)]++
		}
		d := sa.auc(counts, wa) - sb.auc(counts, wb)
		if !math.IsNaN(d) {
			diffs = append(diffs, d)
		}
	}
	res.Used = len(diffs)
	sort.Float64s(diffs)
	res.Lo, res.Hi = quantile(diffs, 0.025), quantile(diffs, 0.975)
	return res
}

// sortedRows are one model's scores and the labels in ascending score order,
// with each position's original row.
type sortedRows struct {
	scores, labels []float32
	row            []int
}

func ascendingBy(scores, labels []float32) sortedRows {
	row := make([]int, len(scores))
	for i := range row {
		row[i] = i
	}
	slices.SortStableFunc(row, func(i, j int) int { return cmp.Compare(scores[i], scores[j]) })
	s := sortedRows{scores: make([]float32, len(row)), labels: make([]float32, len(row)), row: row}
	for k, i := range row {
		s.scores[k], s.labels[k] = scores[i], labels[i]
	}
	return s
}

// auc is the AUC with original row i weighted counts[i]; w is scratch.
func (s sortedRows) auc(counts, w []float64) float64 {
	for k, i := range s.row {
		w[k] = counts[i]
	}
	return model.WeightedAUC(s.scores, s.labels, w)
}
