package report

import (
	"math"

	"github.com/attnsweep/attnsweep/pkg/store"
)

// Grouping is test AUC per group of rows (e.g. history length) for the
// best trial of each model, as the sweep stored it (group_metrics).
type Grouping struct {
	Name    string // the stored grouping: history_length, group_train_rows
	Title   string // what its buckets count
	Buckets []string
	Models  []GroupRow // best first
}

// GroupRow is one trial's metrics per bucket.
type GroupRow struct {
	TrialRef
	Cells []GroupCell // aligned with Grouping.Buckets
}

// GroupCell is one bucket of one trial; N is 0 when the trial has no rows
// in it.
type GroupCell struct {
	N, Positives int
	AUC          float64
}

// groupTitles says what each stored grouping counts.
var groupTitles = map[string]string{
	"history_length":   "history length (items)",
	"group_train_rows": "user activity (train rows of the group)",
}

func (b *builder) groups() error {
	best := bestPerModel(b.ranked)
	metrics := map[string]map[int64][]store.GroupMetric{} // grouping → trial → buckets
	for _, t := range best {
		gm, err := b.db.GroupMetrics(t.ID)
		if err != nil {
			return err
		}
		for _, g := range gm {
			if g.Split != "test" {
				continue
			}
			if metrics[g.Grouping] == nil {
				metrics[g.Grouping] = map[int64][]store.GroupMetric{}
			}
			metrics[g.Grouping][t.ID] = append(metrics[g.Grouping][t.ID], g)
		}
	}
	for _, name := range sortedKeys(metrics) {
		b.r.Groups = append(b.r.Groups, grouping(name, best, metrics[name]))
	}
	return nil
}

// grouping lays one grouping's buckets out as a grid: buckets in the order
// the trials list them, one row per trial.
func grouping(name string, best []*store.Trial, byTrial map[int64][]store.GroupMetric) Grouping {
	g := Grouping{Name: name, Title: groupTitles[name]}
	if g.Title == "" {
		g.Title = name
	}
	index := map[string]int{}
	for _, t := range best {
		for _, m := range byTrial[t.ID] {
			if _, ok := index[m.Bucket]; !ok {
				index[m.Bucket] = len(g.Buckets)
				g.Buckets = append(g.Buckets, m.Bucket)
			}
		}
	}
	for _, t := range best {
		row := GroupRow{TrialRef: refOf(t), Cells: make([]GroupCell, len(g.Buckets))}
		for i := range row.Cells {
			row.Cells[i].AUC = math.NaN()
		}
		for _, m := range byTrial[t.ID] {
			row.Cells[index[m.Bucket]] = GroupCell{N: m.N, Positives: m.Positives, AUC: m.AUC}
		}
		g.Models = append(g.Models, row)
	}
	return g
}

// CalibrationLine is one trial's calibration on test: mean prediction
// against the observed click rate per decile of the prediction.
type CalibrationLine struct {
	TrialRef
	Buckets             []CalibrationPoint
	MeanPred, MeanLabel float64 // over the whole test split
	MaxGap              float64 // the largest |mean prediction − observed rate| of a decile
}

// CalibrationPoint is one decile.
type CalibrationPoint struct {
	N                   int
	MeanPred, MeanLabel float64
}

func (b *builder) calibration() error {
	for _, t := range bestPerModel(b.ranked) {
		cal, err := b.db.Calibration(t.ID, "test")
		if err != nil {
			return err
		}
		if len(cal) == 0 {
			continue
		}
		line := CalibrationLine{TrialRef: refOf(t), MeanPred: metricOf(t.Best, "test", "mean_pred"),
			MeanLabel: metricOf(t.Best, "test", "mean_label")}
		for _, c := range cal {
			line.Buckets = append(line.Buckets, CalibrationPoint{c.N, c.MeanPred, c.MeanLabel})
			line.MaxGap = math.Max(line.MaxGap, math.Abs(c.MeanPred-c.MeanLabel))
		}
		b.r.Calibration = append(b.r.Calibration, line)
	}
	return nil
}
