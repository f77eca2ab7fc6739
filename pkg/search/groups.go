package search

import (
	"fmt"
	"math"
	"slices"

	"github.com/attnsweep/attnsweep/pkg/dataset"
	"github.com/attnsweep/attnsweep/pkg/model"
	"github.com/attnsweep/attnsweep/pkg/store"
)

// bucket is a range [lo, hi] of a per-row count.
type bucket struct {
	name   string
	lo, hi int
}

// historyBuckets group rows by how many history items they have: the
// question "does attention help users with long histories more?".
var historyBuckets = []bucket{{"0", 0, 0}, {"1-5", 1, 5}, {"6-10", 6, 10}, {"11-20", 11, 20}, {"21-50", 21, 50}, {">50", 51, math.MaxInt}}

// quintileBuckets splits counts into up to five buckets of about equal
// size (fewer when counts repeat), named by their ranges.
func quintileBuckets(counts []int32) []bucket {
	if len(counts) == 0 {
		return nil
	}
	sorted := slices.Clone(counts)
	slices.Sort(sorted)
	var out []bucket
	lo := int(sorted[0])
	for q := 1; q <= 5; q++ {
		hi := int(sorted[min(len(sorted)-1, q*len(sorted)/5)])
		if q == 5 {
			hi = int(sorted[len(sorted)-1])
		}
		if hi < lo {
			continue
		}
		name := fmt.Sprintf("%d-%d", lo, hi)
		if lo == hi {
			name = fmt.Sprint(lo)
		}
		out = append(out, bucket{name, lo, hi})
		lo = hi + 1
	}
	return out
}

// historyLengths returns each test row's history length (first sequence),
// or nil when the data has no history.
func historyLengths(ds *dataset.Dataset, rows []int32) []int32 {
	if len(ds.Seq) == 0 {
		return nil
	}
	out := make([]int32, len(rows))
	for i, r := range rows {
		out[i] = ds.Seq[0].Len[r]
	}
	return out
}

// groupActivity returns, for each row, how many train rows its group has,
// or nil when the data has no group column.
func groupActivity(ds *dataset.Dataset, rows []int32) []int32 {
	if ds.Group == nil {
		return nil
	}
	count := map[int32]int32{}
	for _, r := range ds.Train {
		count[ds.Group[r]]++
	}
	out := make([]int32, len(rows))
	for i, r := range rows {
		out[i] = count[ds.Group[r]]
	}
	return out
}

// groupMetrics computes metrics of scores (over the test rows) per bucket.
func groupMetrics(ds *dataset.Dataset, scores []float32) []store.GroupMetric {
	rows := ds.Test
	if len(scores) != len(rows) {
		return nil
	}
	var out []store.GroupMetric
	add := func(grouping string, counts []int32, buckets []bucket) {
		if counts == nil {
			return
		}
		for pos, b := range buckets {
			var p, l []float32
			var g []int32
			for i, c := range counts {
				if int(c) >= b.lo && int(c) <= b.hi {
					p = append(p, scores[i])
					l = append(l, ds.Label[rows[i]])
					if ds.Group != nil {
						g = append(g, ds.Group[rows[i]])
					}
				}
			}
			if len(p) == 0 {
				continue
			}
			m := model.Compute(p, l, g)
			out = append(out, store.GroupMetric{Split: "test", Grouping: grouping, Bucket: b.name, Position: pos,
				N: m.N, Positives: int(math.Round(m.MeanLabel * float64(m.N))), AUC: m.AUC, GAUC: m.GAUC,
				LogLoss: m.LogLoss, MeanPred: m.MeanPred, MeanLabel: m.MeanLabel})
		}
	}
	add("history_length", historyLengths(ds, rows), historyBuckets)
	activity := groupActivity(ds, rows)
	add("group_train_rows", activity, quintileBuckets(activity))
	return out
}

// extras gathers what a finished trial keeps besides its metrics.
func extras(ds *dataset.Dataset, res *model.Result) store.Extras {
	var x store.Extras
	if len(res.TestScores) > 0 {
		x.Scores = map[string][]float32{"test": res.TestScores}
		x.Groups = groupMetrics(ds, res.TestScores)
	}
	for _, split := range []string{"valid", "test"} {
		for i, b := range res.Final[split].Calibration {
			x.Calibration = append(x.Calibration, store.CalibrationBucket{Split: split, Bucket: i, N: b.N, MeanPred: b.MeanPred, MeanLabel: b.MeanLabel})
		}
	}
	for _, a := range res.Attention {
		row := store.AttentionRow{Row: a.Row, Label: float64(a.Label), Score: float64(a.Score), Items: a.Items, Weights: a.Weights}
		if len(ds.Schema.Sequences) > 0 {
			row.Target = ds.Cat[ds.Schema.Sequences[0].Field][a.Row]
		}
		x.Attention = append(x.Attention, row)
	}
	return x
}

// sweepArrays are the test split's labels and attributes, stored once per
// sweep so reports can bootstrap and regroup any trial's test scores.
func sweepArrays(ds *dataset.Dataset) map[string][]byte {
	rows := ds.Test
	labels := make([]float32, len(rows))
	for i, r := range rows {
		labels[i] = ds.Label[r]
	}
	out := map[string][]byte{"test_label": store.Float32Blob(labels)}
	if h := historyLengths(ds, rows); h != nil {
		out["test_hist_len"] = store.Int32Blob(h)
	}
	if ds.Group != nil {
		g := make([]int32, len(rows))
		for i, r := range rows {
			g[i] = ds.Group[r]
		}
		out["test_group"] = store.Int32Blob(g)
	}
	return out
}
